//! An in-process driver (Helm's `driver.Memory`): records live in a
//! `Mutex`-guarded map and are gone when the process ends. For tests and for
//! runs that must not persist anything.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use windlass_chart::Timestamp;

use crate::{Driver, Error, Release, ReleaseLock, Result};

/// `(namespace, name)`.
type ReleaseId = (String, String);

/// Who holds a release's lock: this process, since when.
type LockTable = Arc<Mutex<HashMap<ReleaseId, Timestamp>>>;

/// Keeps release records in memory. Cloning a [`Release`] in and out means a
/// caller never shares state with the store.
#[derive(Default)]
pub struct MemoryDriver {
    records: Mutex<BTreeMap<ReleaseId, BTreeMap<u32, Release>>>,
    locks: LockTable,
}

impl MemoryDriver {
    /// An empty store.
    pub fn new() -> Self {
        MemoryDriver::default()
    }

    /// The map, even if a panicking thread poisoned the mutex: every write is a
    /// single insert or remove, so the map is never left half-updated.
    fn records(&self) -> MutexGuard<'_, BTreeMap<ReleaseId, BTreeMap<u32, Release>>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let records = self.records();
        f.debug_struct("MemoryDriver")
            .field("releases", &records.len())
            .finish_non_exhaustive()
    }
}

fn id(namespace: &str, name: &str) -> ReleaseId {
    (namespace.to_string(), name.to_string())
}

#[async_trait]
impl Driver for MemoryDriver {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn get(&self, namespace: &str, name: &str, version: u32) -> Result<Release> {
        self.records()
            .get(&id(namespace, name))
            .and_then(|revisions| revisions.get(&version))
            .cloned()
            .ok_or_else(|| Error::RevisionNotFound {
                name: name.to_string(),
                version,
            })
    }

    async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>> {
        Ok(self
            .records()
            .get(&id(namespace, name))
            .map(|revisions| revisions.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn list(&self, namespace: Option<&str>) -> Result<Vec<Release>> {
        Ok(self
            .records()
            .iter()
            .filter(|((ns, _), _)| namespace.is_none_or(|want| want == ns))
            .flat_map(|(_, revisions)| revisions.values().cloned())
            .collect())
    }

    async fn create(&self, release: &Release) -> Result<()> {
        let mut records = self.records();
        let revisions = records
            .entry(id(&release.namespace, &release.name))
            .or_default();
        if revisions.contains_key(&release.version) {
            return Err(Error::AlreadyExists { key: release.key() });
        }
        revisions.insert(release.version, release.clone());
        Ok(())
    }

    async fn update(&self, release: &Release) -> Result<()> {
        let mut records = self.records();
        match records
            .get_mut(&id(&release.namespace, &release.name))
            .and_then(|revisions| revisions.get_mut(&release.version))
        {
            Some(stored) => {
                *stored = release.clone();
                Ok(())
            }
            None => Err(Error::RevisionNotFound {
                name: release.name.clone(),
                version: release.version,
            }),
        }
    }

    async fn delete(&self, namespace: &str, name: &str, version: u32) -> Result<Release> {
        let mut records = self.records();
        let release_id = id(namespace, name);
        let removed = records
            .get_mut(&release_id)
            .and_then(|revisions| revisions.remove(&version));
        if records.get(&release_id).is_some_and(BTreeMap::is_empty) {
            records.remove(&release_id);
        }
        removed.ok_or_else(|| Error::RevisionNotFound {
            name: name.to_string(),
            version,
        })
    }

    async fn lock(&self, namespace: &str, name: &str) -> Result<ReleaseLock> {
        let release_id = id(namespace, name);
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(since) = locks.get(&release_id) {
            return Err(Error::Locked {
                name: name.to_string(),
                detail: format!(
                    "held in this process, pid {}, since {since}",
                    std::process::id()
                ),
            });
        }
        locks.insert(release_id.clone(), Timestamp::now());
        Ok(ReleaseLock::new(MemoryLockGuard {
            locks: Arc::clone(&self.locks),
            release_id,
        }))
    }
}

/// Removes its entry from the lock table when dropped.
struct MemoryLockGuard {
    locks: LockTable,
    release_id: ReleaseId,
}

impl Drop for MemoryLockGuard {
    fn drop(&mut self) {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.release_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;
    use crate::test_support::sample_release;

    #[tokio::test]
    async fn lock_fails_fast_while_held_and_frees_on_drop() {
        let driver = MemoryDriver::new();
        let guard = driver.lock("apps", "demo").await.unwrap();
        let err = driver.lock("apps", "demo").await.unwrap_err();
        assert!(
            matches!(&err, Error::Locked { name, detail } if name == "demo" && detail.contains("pid")),
            "{err}"
        );
        // Another release, or the same name elsewhere, is not affected.
        let _other = driver.lock("apps", "other").await.unwrap();
        let _elsewhere = driver.lock("prod", "demo").await.unwrap();
        drop(guard);
        driver.lock("apps", "demo").await.unwrap();
    }

    #[tokio::test]
    async fn stored_copies_are_independent() {
        let driver = MemoryDriver::new();
        let mut release = sample_release("apps", "demo", 1, Status::Deployed);
        driver.create(&release).await.unwrap();
        release.info.description = "changed after create".into();
        assert_eq!(
            driver
                .get("apps", "demo", 1)
                .await
                .unwrap()
                .info
                .description,
            "revision 1"
        );
        // Deleting the last revision forgets the release.
        driver.delete("apps", "demo", 1).await.unwrap();
        assert!(driver.list(None).await.unwrap().is_empty());
        assert!(driver.records().is_empty());
    }
}
