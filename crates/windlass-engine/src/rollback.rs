//! `rollback`: Helm's `action.Rollback` (`pkg/action/rollback.go`).
//!
//! Copies the target revision's chart, values, manifest, notes **and hooks**
//! into a new revision (`pending-rollback`, "Rollback to N"); runs its
//! pre-rollback hooks, applies, waits, runs post-rollback hooks; supersedes
//! every deployed revision and marks the new one `deployed`.
//!
//! Two deliberate differences from Helm (docs/hooks.md):
//! - A failed pre- or post-rollback hook marks the new revision `failed`
//!   (`Rollback "x" failed: ...`). Helm returns without a status change, which
//!   leaves the release `pending-rollback` and blocks every later upgrade.
//! - Rollback is the way out of a revision left pending by an interrupted
//!   operation: with the release lock held, a pending latest revision cannot
//!   belong to a live process, so it is marked `failed` first.

use std::time::Duration;

use windlass_chart::{HookEvent, manifest};
use windlass_release::{Info, Release, Status};

use crate::engine::{Engine, now, validate_namespace, validate_release_name};
use crate::error::{Error, Result};
use crate::install::DEFAULT_TIMEOUT;
use crate::upgrade::DEFAULT_HISTORY_MAX;

/// Options of `rollback`.
#[derive(Debug, Clone)]
pub struct RollbackOptions {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// The revision to return to; 0 means the one before the latest.
    pub revision: u32,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--timeout`.
    pub timeout: Duration,
    /// `--wait`.
    pub wait: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--history-max` (0 = unlimited).
    pub history_max: usize,
}

impl RollbackOptions {
    /// Helm's defaults for release `name` in `namespace`.
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        RollbackOptions {
            name: name.into(),
            namespace: namespace.into(),
            revision: 0,
            no_hooks: false,
            timeout: DEFAULT_TIMEOUT,
            wait: false,
            dry_run: false,
            history_max: DEFAULT_HISTORY_MAX,
        }
    }
}

/// What a rollback will do, computed without writing anything.
pub(crate) struct PreparedRollback {
    pub current: Release,
    pub release: Release,
}

impl Engine {
    /// Rolls the release back to `opts.revision` (or the previous revision).
    ///
    /// # Errors
    /// No such release or revision, a held lock, or a failed hook or apply
    /// ([`Error::Failed`], with the new revision recorded as `failed`).
    pub async fn rollback(&self, opts: &RollbackOptions) -> Result<Release> {
        validate_release_name(&opts.name)?;
        validate_namespace(&opts.namespace)?;
        if opts.dry_run {
            return Ok(self.prepare_rollback(opts).await?.release);
        }
        // No lock file for a release that does not exist.
        self.storage.last(&opts.namespace, &opts.name).await?;
        let _lock = self.storage.lock(&opts.namespace, &opts.name).await?;
        self.rollback_locked(opts).await
    }

    /// Helm's `prepareRollback`.
    pub(crate) async fn prepare_rollback(
        &self,
        opts: &RollbackOptions,
    ) -> Result<PreparedRollback> {
        let current = self.storage.last(&opts.namespace, &opts.name).await?;
        let target = if opts.revision == 0 {
            current.version.saturating_sub(1)
        } else {
            opts.revision
        };
        let history = self.storage.history(&opts.namespace, &opts.name).await?;
        if !history.iter().any(|r| r.version == target) {
            return Err(windlass_release::Error::RevisionNotFound {
                name: opts.name.clone(),
                version: target,
            }
            .into());
        }
        let previous = self
            .storage
            .get(&opts.namespace, &opts.name, target)
            .await?;
        let mut release = Release {
            name: opts.name.clone(),
            namespace: current.namespace.clone(),
            chart: previous.chart.clone(),
            config: previous.config.clone(),
            manifest: previous.manifest.clone(),
            hooks: previous.hooks.clone(),
            version: current.version + 1,
            info: Info {
                first_deployed: current.info.first_deployed,
                last_deployed: Some(now()),
                notes: previous.info.notes.clone(),
                ..Info::default()
            },
            labels: previous.labels.clone(),
            apply_method: previous.apply_method.clone(),
            ..Release::default()
        };
        release.set_status(Status::PendingRollback, format!("Rollback to {target}"));
        Ok(PreparedRollback { current, release })
    }

    /// Rollback with the release's lock held (also used by a failed upgrade).
    pub(crate) async fn rollback_locked(&self, opts: &RollbackOptions) -> Result<Release> {
        let PreparedRollback {
            mut current,
            mut release,
        } = self.prepare_rollback(opts).await?;
        let storage = self.storage_with_history(opts.history_max);

        if current.info.status.is_pending() {
            let was = current.info.status;
            current.set_status(
                Status::Failed,
                format!("Interrupted while {was}; marked failed by rollback"),
            );
            self.record(&storage, &current).await?;
        }
        self.create(&storage, &release).await?;

        // Hooks see the target revision's values, recomputed from its record.
        let values = crate::engine::stored_values(self, &release);
        let name = release.name.clone();
        let fail = |release: &mut Release, message: String| {
            release.set_status(
                Status::Failed,
                format!("Rollback {name:?} failed: {message}"),
            );
            message
        };

        if !opts.no_hooks
            && let Err(e) = self
                .exec_hooks(
                    &storage,
                    &mut release,
                    HookEvent::PreRollback,
                    opts.timeout,
                    &values,
                )
                .await?
        {
            let message = fail(&mut release, e.to_string());
            return self.rollback_failed(&storage, release, message).await;
        }

        let current_resources = manifest::release_resources(&current.manifest)?;
        let target_resources = manifest::release_resources(&release.manifest)?;
        if let Err(e) = self
            .apply_resources(
                &release.name,
                &release.namespace,
                &current_resources,
                &target_resources,
            )
            .await
        {
            // Helm marks the current revision superseded here too.
            current.info.status = Status::Superseded;
            self.record(&storage, &current).await?;
            let message = fail(&mut release, e);
            return self.rollback_failed(&storage, release, message).await;
        }
        if opts.wait
            && let Err(e) = self
                .wait_resources(&release.namespace, &target_resources, opts.timeout)
                .await
        {
            release.set_status(Status::Failed, format!("Release {name:?} failed: {e}"));
            self.record(&storage, &current).await?;
            return self
                .rollback_failed(&storage, release, format!("release {name} failed: {e}"))
                .await;
        }
        if !opts.no_hooks
            && let Err(e) = self
                .exec_hooks(
                    &storage,
                    &mut release,
                    HookEvent::PostRollback,
                    opts.timeout,
                    &values,
                )
                .await?
        {
            let message = fail(&mut release, e.to_string());
            return self.rollback_failed(&storage, release, message).await;
        }

        let deployed = match self
            .storage
            .deployed_all(&release.namespace, &release.name)
            .await
        {
            Ok(deployed) => deployed,
            Err(windlass_release::Error::NoDeployedReleases { .. }) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        for mut old in deployed {
            old.info.status = Status::Superseded;
            self.record(&storage, &old).await?;
        }
        release.info.status = Status::Deployed;
        self.record(&storage, &release).await?;
        Ok(release)
    }

    async fn rollback_failed(
        &self,
        storage: &windlass_release::Storage,
        release: Release,
        message: String,
    ) -> Result<Release> {
        self.record(storage, &release).await?;
        Err(Error::Failed {
            name: release.name,
            revision: release.version,
            message,
        })
    }
}
