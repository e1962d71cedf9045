//! `uninstall`: Helm's `action.Uninstall` (`pkg/action/uninstall.go`).
//!
//! Marks the latest revision `uninstalling`; runs pre-delete hooks (a failure
//! stops here, leaving it `uninstalling`, as in Helm); deletes the resources in
//! Helm's uninstall order, keeping those with `helm.sh/resource-policy: keep`;
//! runs post-delete hooks (a failure is reported, the uninstall completes);
//! marks it `uninstalled` and purges every revision unless `--keep-history`.
//! Hook resources are never deleted by uninstall, as in Helm.

use std::time::Duration;

use windlass_chart::{HookEvent, manifest};
use windlass_release::{Release, Status};

use crate::engine::{Engine, now, validate_namespace, validate_release_name};
use crate::error::{Error, Result};
use crate::event::{Event, ResourceRef};
use crate::install::{DEFAULT_TIMEOUT, resource_refs};
use crate::target::Applied;

/// Options of `uninstall`.
#[derive(Debug, Clone)]
pub struct UninstallOptions {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// `--keep-history`: keep the records, marked `uninstalled`.
    pub keep_history: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--timeout`.
    pub timeout: Duration,
    /// `--description`.
    pub description: Option<String>,
    /// `--dry-run`: report what would be uninstalled.
    pub dry_run: bool,
}

impl UninstallOptions {
    /// Helm's defaults for release `name` in `namespace`.
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        UninstallOptions {
            name: name.into(),
            namespace: namespace.into(),
            keep_history: false,
            no_hooks: false,
            timeout: DEFAULT_TIMEOUT,
            description: None,
            dry_run: false,
        }
    }
}

/// The outcome of an uninstall.
#[derive(Debug, Clone)]
pub struct Uninstalled {
    /// The release's last revision, as uninstalled.
    pub release: Release,
    /// Resources left in place by `helm.sh/resource-policy: keep`.
    pub kept: Vec<ResourceRef>,
}

impl Engine {
    /// Uninstalls the release.
    ///
    /// # Errors
    /// No such release, already uninstalled (with `--keep-history`), a held
    /// lock, a failed pre-delete hook, or errors after which the uninstall still
    /// completed ([`Error::Failed`]: "uninstallation completed with N error(s)").
    pub async fn uninstall(&self, opts: &UninstallOptions) -> Result<Uninstalled> {
        validate_release_name(&opts.name)?;
        validate_namespace(&opts.namespace)?;
        if opts.dry_run {
            let release = self.storage.last(&opts.namespace, &opts.name).await?;
            return Ok(Uninstalled {
                release,
                kept: Vec::new(),
            });
        }
        // No lock file for a release that does not exist.
        self.storage.last(&opts.namespace, &opts.name).await?;
        let _lock = self.storage.lock(&opts.namespace, &opts.name).await?;
        self.uninstall_locked(opts).await
    }

    /// Uninstall with the release's lock held (also used by a failed install).
    pub(crate) async fn uninstall_locked(&self, opts: &UninstallOptions) -> Result<Uninstalled> {
        let history = self.storage.history(&opts.namespace, &opts.name).await?;
        let Some(mut release) = history.last().cloned() else {
            return Err(windlass_release::Error::NotFound {
                namespace: opts.namespace.clone(),
                name: opts.name.clone(),
            }
            .into());
        };

        if release.info.status == Status::Uninstalled {
            if opts.keep_history {
                return Err(Error::AlreadyUninstalled {
                    name: opts.name.clone(),
                });
            }
            self.purge(&history).await?;
            return Ok(Uninstalled {
                release,
                kept: Vec::new(),
            });
        }

        release.info.status = Status::Uninstalling;
        release.info.deleted = Some(now());
        release.info.description = "Deletion in progress (or silently failed)".into();

        let values = crate::engine::stored_values(self, &release);
        let storage = &self.storage;
        if !opts.no_hooks
            && let Err(e) = self
                .exec_hooks(
                    storage,
                    &mut release,
                    HookEvent::PreDelete,
                    opts.timeout,
                    &values,
                )
                .await?
        {
            return Err(Error::Failed {
                name: release.name.clone(),
                revision: release.version,
                message: e.to_string(),
            });
        }
        self.record(storage, &release).await?;

        let resources = manifest::uninstall_order(&release.manifest)?;
        let (kept, to_delete): (Vec<_>, Vec<_>) = resources.into_iter().partition(|m| m.is_kept());
        let kept = resource_refs(&kept, &release.namespace);
        if !kept.is_empty() {
            self.emit(Event::ResourcesKept {
                resources: kept.clone(),
            });
        }
        let mut errors: Vec<String> = Vec::new();
        match self
            .target
            .delete(&release.namespace, &to_delete, opts.timeout)
            .await
        {
            Ok(Applied::Done) => self.emit(Event::ResourcesDeleted {
                count: to_delete.len(),
            }),
            Ok(Applied::NotApplied { reason }) => {
                if !to_delete.is_empty() {
                    self.emit(Event::ResourcesNotApplied {
                        resources: resource_refs(&to_delete, &release.namespace),
                        reason,
                    });
                }
            }
            Err(errs) => {
                return Err(Error::Failed {
                    name: release.name.clone(),
                    revision: release.version,
                    message: format!(
                        "failed to delete release `{}`: {}",
                        release.name,
                        errs.join("; ")
                    ),
                });
            }
        }

        if !opts.no_hooks
            && let Err(e) = self
                .exec_hooks(
                    storage,
                    &mut release,
                    HookEvent::PostDelete,
                    opts.timeout,
                    &values,
                )
                .await?
        {
            errors.push(e.to_string());
        }

        let description = opts
            .description
            .clone()
            .unwrap_or_else(|| "Uninstallation complete".into());
        release.set_status(Status::Uninstalled, description);
        if opts.keep_history {
            self.record(storage, &release).await?;
        } else if let Err(e) = self.purge(&history).await {
            errors.push(format!("failed to purge the release: {e}"));
        }

        if errors.is_empty() {
            Ok(Uninstalled { release, kept })
        } else {
            Err(Error::Failed {
                name: release.name.clone(),
                revision: release.version,
                message: format!(
                    "uninstallation completed with {} error(s): {}",
                    errors.len(),
                    errors.join("; ")
                ),
            })
        }
    }

    /// Deletes every revision (Helm's `purgeReleases`).
    async fn purge(&self, history: &[Release]) -> Result<()> {
        for release in history {
            self.storage
                .delete(&release.namespace, &release.name, release.version)
                .await?;
        }
        Ok(())
    }
}
