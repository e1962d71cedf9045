//! The storage driver contract: where release records live. Helm's `driver.Driver`
//! keyed by namespace, name and revision, plus a per-release lock Helm lacks.

use async_trait::async_trait;

use crate::{Release, Result};

/// Where release records are kept. Implementations: [`crate::MemoryDriver`],
/// [`crate::LocalDriver`]; the cluster target adds a Secret driver.
///
/// Every record is addressed by `(namespace, name, version)`. Implementations
/// must make `create` and `update` all-or-nothing: a reader never sees a
/// half-written record.
#[async_trait]
pub trait Driver: Send + Sync {
    /// A short name for messages (`memory`, `local`, `secret`).
    fn name(&self) -> &'static str;

    /// One revision.
    ///
    /// # Errors
    /// [`crate::Error::RevisionNotFound`] if absent; [`crate::Error::Corrupt`] if unreadable.
    async fn get(&self, namespace: &str, name: &str, version: u32) -> Result<Release>;

    /// Every revision of one release, in any order; empty if there is none.
    ///
    /// # Errors
    /// [`crate::Error::Corrupt`] naming the first unreadable record.
    async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>>;

    /// Every revision of every release in `namespace`, or in all namespaces when `None`.
    ///
    /// # Errors
    /// [`crate::Error::Corrupt`] naming the first unreadable record.
    async fn list(&self, namespace: Option<&str>) -> Result<Vec<Release>>;

    /// Stores a new revision.
    ///
    /// # Errors
    /// [`crate::Error::AlreadyExists`] if that revision exists (even if unreadable).
    async fn create(&self, release: &Release) -> Result<()>;

    /// Replaces an existing revision.
    ///
    /// # Errors
    /// [`crate::Error::RevisionNotFound`] if absent; [`crate::Error::Corrupt`] if the
    /// stored record is unreadable (it is never overwritten).
    async fn update(&self, release: &Release) -> Result<()>;

    /// Removes a revision and returns it.
    ///
    /// # Errors
    /// [`crate::Error::RevisionNotFound`] if absent.
    async fn delete(&self, namespace: &str, name: &str, version: u32) -> Result<Release>;

    /// Takes the release's write lock for as long as the returned guard lives.
    /// It fails at once, rather than waiting, if another holder has it.
    ///
    /// # Errors
    /// [`crate::Error::Locked`] if held elsewhere.
    async fn lock(&self, namespace: &str, name: &str) -> Result<ReleaseLock>;
}

/// Holds a release's write lock until dropped.
pub struct ReleaseLock {
    _guard: Box<dyn Send + Sync>,
}

impl ReleaseLock {
    /// Wraps whatever keeps the lock held (a locked file, a map entry, a lease).
    pub fn new(guard: impl Send + Sync + 'static) -> Self {
        ReleaseLock {
            _guard: Box::new(guard),
        }
    }
}

impl std::fmt::Debug for ReleaseLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReleaseLock")
    }
}
