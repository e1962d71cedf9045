//! The simulated node's record of the pods it ran, in start order.
//!
//! Tests compare hook execution order (Helm's against windlass's) through it: the API
//! server only keeps pods that still exist, and hook pods are usually deleted.

use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One pod run by the simulated node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub pod: String,
    /// The Job owning the pod (from its ownerReferences), if any.
    pub job: Option<String>,
    /// Init containers then containers, in the order they were (or would have been) run.
    pub containers: Vec<String>,
    /// When the node started running the pod.
    pub started: Instant,
    /// The pod's exit code: the first non-zero container exit code, else 0. `None` while
    /// it runs, or if it was killed because the pod was deleted.
    pub exit_code: Option<i32>,
}

/// Shared between the node (writer) and the [`TestCluster`](crate::TestCluster) (reader).
#[derive(Clone, Debug, Default)]
pub(crate) struct Journal(Arc<Mutex<Vec<JournalEntry>>>);

impl Journal {
    /// Records a run that starts now; returns its index for [`Journal::finish`].
    pub(crate) fn start(&self, entry: JournalEntry) -> usize {
        let mut entries = self.lock();
        entries.push(entry);
        entries.len() - 1
    }

    /// Records the exit code of the run at `index`.
    pub(crate) fn finish(&self, index: usize, exit_code: i32) {
        if let Some(entry) = self.lock().get_mut(index) {
            entry.exit_code = Some(exit_code);
        }
    }

    /// The runs in `namespace`, in start order.
    pub(crate) fn entries(&self, namespace: &str) -> Vec<JournalEntry> {
        self.lock()
            .iter()
            .filter(|e| e.namespace == namespace)
            .cloned()
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<JournalEntry>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
