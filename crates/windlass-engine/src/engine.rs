//! The [`Engine`]: release storage, a target, hook runners and a progress sink,
//! shared by every action.

use std::sync::{Arc, LazyLock};

use regex::Regex;
use windlass_chart::{Hook, HookRuntime, Timestamp};
use windlass_release::{Release, Status, Storage};

use crate::error::{Error, Result};
use crate::event::{Event, Progress, Silent};
use crate::target::{HookRunner, Target};

/// Runs lifecycle actions against one storage and one target.
pub struct Engine {
    pub(crate) storage: Storage,
    pub(crate) target: Arc<dyn Target>,
    pub(crate) wasm_runner: Option<Arc<dyn HookRunner>>,
    pub(crate) progress: Arc<dyn Progress>,
    /// What templates' `lookup` reads (the cluster target's cluster).
    pub(crate) template_lookups: Option<Arc<dyn windlass_wasm::ClusterReader>>,
}

impl Engine {
    /// An engine storing releases in `storage` and applying to `target`. Events
    /// are discarded and Wasm hooks are not run until configured.
    pub fn new(storage: Storage, target: Arc<dyn Target>) -> Self {
        Engine {
            storage,
            target,
            wasm_runner: None,
            progress: Arc::new(Silent),
            template_lookups: None,
        }
    }

    /// Sends events to `progress`.
    #[must_use]
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// Lets templates' `lookup` read the cluster through `reader`, as Helm
    /// does when it has a cluster. Needs a multi-threaded Tokio runtime.
    #[must_use]
    pub fn with_template_lookups(mut self, reader: Arc<dyn windlass_wasm::ClusterReader>) -> Self {
        self.template_lookups = Some(reader);
        self
    }

    /// Runs Wasm hooks with `runner`.
    #[must_use]
    pub fn with_wasm_runner(mut self, runner: Arc<dyn HookRunner>) -> Self {
        self.wasm_runner = Some(runner);
        self
    }

    /// The release store.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub(crate) fn emit(&self, event: Event) {
        self.progress.emit(event);
    }

    /// The runner for a hook, or why it is not run here.
    pub(crate) fn runner_for(
        &self,
        hook: &Hook,
    ) -> std::result::Result<Arc<dyn HookRunner>, String> {
        match hook.runtime() {
            HookRuntime::Kubernetes => self.target.hook_runner(),
            HookRuntime::Wasm => self
                .wasm_runner
                .clone()
                .ok_or_else(|| "no Wasm hook runtime in this build".to_string()),
        }
    }

    /// Writes `release` over its stored revision and reports it.
    pub(crate) async fn record(&self, storage: &Storage, release: &Release) -> Result<()> {
        storage.update(release).await?;
        self.emit_recorded(release);
        Ok(())
    }

    /// Stores `release` as a new revision and reports it.
    pub(crate) async fn create(&self, storage: &Storage, release: &Release) -> Result<()> {
        storage.create(release).await?;
        self.emit_recorded(release);
        Ok(())
    }

    fn emit_recorded(&self, release: &Release) {
        self.emit(Event::Recorded {
            release: release.name.clone(),
            revision: release.version,
            status: release.info.status,
            description: release.info.description.clone(),
        });
    }

    /// Whether any revision of the release is stored.
    pub(crate) async fn has_records(&self, namespace: &str, name: &str) -> Result<bool> {
        match self.storage.history(namespace, name).await {
            Ok(history) => Ok(!history.is_empty()),
            Err(windlass_release::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether `release` is pending while no windlass process holds its lock:
    /// the operation that left it pending was interrupted.
    ///
    /// # Errors
    /// A storage error other than the lock being held.
    pub async fn is_interrupted(&self, release: &Release) -> Result<bool> {
        if !release.info.status.is_pending() {
            return Ok(false);
        }
        match self.storage.lock(&release.namespace, &release.name).await {
            Ok(_guard) => Ok(true),
            Err(windlass_release::Error::Locked { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Reports a release whose latest revision is pending. With the release's
    /// lock held (`lock_held`), no other windlass process is working on it, so
    /// the operation that left it pending was interrupted; without it (dry runs,
    /// plans) the lock is tried to find out.
    pub(crate) async fn check_not_pending(&self, last: &Release, lock_held: bool) -> Result<()> {
        if !last.info.status.is_pending() {
            return Ok(());
        }
        let interrupted = lock_held || self.is_interrupted(last).await?;
        let history = self.storage.history(&last.namespace, &last.name).await?;
        let rollback_to = history
            .iter()
            .rev()
            .find(|r| {
                r.version < last.version
                    && matches!(r.info.status, Status::Deployed | Status::Superseded)
            })
            .map(|r| r.version);
        Err(Error::Pending {
            name: last.name.clone(),
            revision: last.version,
            status: last.info.status,
            rollback_to,
            interrupted,
        })
    }
}

/// Helm's `ValidateReleaseName`: a DNS-1123 subdomain of at most 53 characters
/// (53 leaves room for suffixes Kubernetes objects derive from it).
pub fn validate_release_name(name: &str) -> Result<()> {
    static NAME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
            .expect("valid regex")
    });
    if name.len() > 53 || !NAME.is_match(name) {
        return Err(Error::InvalidReleaseName {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// A namespace must be a DNS-1123 label (the API server's rule); checked here
/// because the local target stores releases under it.
pub fn validate_namespace(namespace: &str) -> Result<()> {
    static LABEL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").expect("valid regex"));
    if namespace.len() > 63 || !LABEL.is_match(namespace) {
        return Err(Error::InvalidNamespace {
            namespace: namespace.to_string(),
        });
    }
    Ok(())
}

/// The values a stored revision's hooks see: its chart's defaults under its
/// config. A stored record that cannot be coalesced any more (an old chart, a
/// hand-edited record) must not block uninstall or rollback, so its config alone
/// is used then, with a warning.
pub(crate) fn stored_values(engine: &Engine, release: &Release) -> windlass_chart::Values {
    match windlass_chart::values::coalesce(&release.chart, &release.config) {
        Ok(values) => values,
        Err(e) => {
            engine.emit(Event::Warning {
                message: format!(
                    "release `{}` revision {}: hooks see only its user values: {e}",
                    release.name, release.version
                ),
            });
            release.config.clone()
        }
    }
}

/// The time Helm stamps on records.
pub(crate) fn now() -> Timestamp {
    Timestamp::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_follow_helm() {
        // Rule (chartutil.ValidateReleaseName): DNS-1123 subdomain, at most 53 characters.
        let valid = ["a", "demo", "my-app", "app.v2", "0abc", &"a".repeat(53)];
        let invalid = [
            "",
            "Demo",
            "-demo",
            "demo-",
            "my_app",
            "a..b",
            "demo.",
            &"a".repeat(54),
            "dé",
        ];
        for name in valid {
            assert!(validate_release_name(name).is_ok(), "{name}");
        }
        for name in invalid {
            assert!(validate_release_name(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn namespaces_are_dns_labels() {
        assert!(validate_namespace("default").is_ok());
        assert!(validate_namespace("kube-system").is_ok());
        for bad in ["", "a.b", "../x", "A", &"a".repeat(64)] {
            assert!(validate_namespace(bad).is_err(), "{bad}");
        }
    }
}
