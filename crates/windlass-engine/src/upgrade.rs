//! `upgrade`: Helm's `action.Upgrade` (`pkg/action/upgrade.go`).
//!
//! Finds the latest and the deployed revision; refuses a pending release;
//! composes values (`--reset-values`, `--reuse-values`,
//! `--reset-then-reuse-values`, or the previous values when none are given);
//! renders revision N+1 and stores it as `pending-upgrade`; runs pre-upgrade
//! hooks, applies, waits, runs post-upgrade hooks; supersedes the old revision
//! and marks the new one `deployed`, or marks it `failed`
//! (`Upgrade "x" failed: ...`) leaving the old one deployed, rolling back with
//! `--rollback-on-failure`.

use std::time::Duration;

use windlass_chart::{Chart, HookEvent, Values, manifest, values};
use windlass_release::{Info, Release, Status};

use crate::engine::{Engine, now};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::install::{DEFAULT_TIMEOUT, InstallOptions, check_installable};
use crate::render::{ReleaseOptions, Rendered};
use crate::rollback::RollbackOptions;

/// Helm's default `--history-max`.
pub const DEFAULT_HISTORY_MAX: usize = 10;

/// How an upgrade composes values with the previous revision's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ValuesMode {
    /// Helm's default: the given values, or the previous ones if none are given.
    #[default]
    Default,
    /// `--reset-values`: only the given values.
    Reset,
    /// `--reuse-values`: the previous merged values, with the given ones on top.
    Reuse,
    /// `--reset-then-reuse-values`: the new chart's defaults, the previous
    /// user values, then the given ones.
    ResetThenReuse,
}

/// Options of `upgrade`.
#[derive(Debug, Clone)]
pub struct UpgradeOptions {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// `--install`: install if the release does not exist.
    pub install: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--timeout`.
    pub timeout: Duration,
    /// `--wait`.
    pub wait: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--description`.
    pub description: Option<String>,
    /// `--rollback-on-failure` (`--atomic`).
    pub rollback_on_failure: bool,
    /// `--history-max` (0 = unlimited).
    pub history_max: usize,
    /// How values are composed.
    pub values_mode: ValuesMode,
    /// `--cleanup-on-fail`: on failure, delete the resources this upgrade created.
    pub cleanup_on_fail: bool,
    /// `--create-namespace` (with `--install`).
    pub create_namespace: bool,
}

impl UpgradeOptions {
    /// Helm's defaults for release `name` in `namespace`.
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        UpgradeOptions {
            name: name.into(),
            namespace: namespace.into(),
            install: false,
            no_hooks: false,
            timeout: DEFAULT_TIMEOUT,
            wait: false,
            dry_run: false,
            description: None,
            rollback_on_failure: false,
            history_max: DEFAULT_HISTORY_MAX,
            values_mode: ValuesMode::Default,
            cleanup_on_fail: false,
            create_namespace: false,
        }
    }

    fn as_install(&self, replace: bool) -> InstallOptions {
        InstallOptions {
            no_hooks: self.no_hooks,
            timeout: self.timeout,
            wait: self.wait,
            dry_run: self.dry_run,
            description: self.description.clone(),
            rollback_on_failure: self.rollback_on_failure,
            replace,
            create_namespace: self.create_namespace,
            ..InstallOptions::new(&self.name, &self.namespace)
        }
    }
}

/// What an upgrade will do, computed without writing anything.
pub(crate) struct PreparedUpgrade {
    pub current: Release,
    pub release: Release,
    pub rendered: Rendered,
}

/// What `upgrade --install` found: nothing to upgrade, so it installs.
pub(crate) enum UpgradePlan {
    Upgrade(Box<PreparedUpgrade>),
    Install { replace: bool },
}

impl Engine {
    /// Upgrades the release to `chart` with user values `config`.
    ///
    /// # Errors
    /// Bad input, no such release (without `--install`), a pending release, a
    /// held lock, or a failed hook or apply ([`Error::Failed`]).
    pub async fn upgrade(
        &self,
        chart: Chart,
        config: Values,
        opts: &UpgradeOptions,
    ) -> Result<Release> {
        check_installable(&opts.name, &opts.namespace, &chart)?;
        // As in install: validate before creating the lock file of a new release.
        if !opts.dry_run && !self.has_records(&opts.namespace, &opts.name).await? {
            if !opts.install {
                return Err(windlass_release::Error::NoDeployedReleases {
                    name: opts.name.clone(),
                }
                .into());
            }
            self.prepare_install(chart.clone(), config.clone(), &opts.as_install(false), 1)?;
        }
        let _lock = if opts.dry_run {
            None
        } else {
            Some(self.storage.lock(&opts.namespace, &opts.name).await?)
        };
        match self
            .prepare_upgrade(chart.clone(), config.clone(), opts)
            .await?
        {
            UpgradePlan::Install { replace } => {
                let install = opts.as_install(replace);
                if opts.dry_run {
                    Ok(self.prepare_install(chart, config, &install, 1)?.0)
                } else {
                    self.install_locked(chart, config, &install).await
                }
            }
            UpgradePlan::Upgrade(prepared) => {
                if opts.dry_run {
                    let mut release = prepared.release;
                    let description = opts
                        .description
                        .clone()
                        .unwrap_or_else(|| "Dry run complete".into());
                    release.info.description = description;
                    return Ok(release);
                }
                self.perform_upgrade(*prepared, opts).await
            }
        }
    }

    /// Reads the history and renders the new revision (Helm's `prepareUpgrade`).
    pub(crate) async fn prepare_upgrade(
        &self,
        mut chart: Chart,
        config: Values,
        opts: &UpgradeOptions,
    ) -> Result<UpgradePlan> {
        let last = match self.storage.last(&opts.namespace, &opts.name).await {
            Ok(last) => last,
            Err(windlass_release::Error::NotFound { .. }) if opts.install => {
                return Ok(UpgradePlan::Install { replace: false });
            }
            Err(windlass_release::Error::NotFound { .. }) => {
                return Err(windlass_release::Error::NoDeployedReleases {
                    name: opts.name.clone(),
                }
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        if opts.install && last.info.status == Status::Uninstalled {
            return Ok(UpgradePlan::Install { replace: true });
        }
        self.check_not_pending(&last, !opts.dry_run).await?;

        let current = if last.info.status == Status::Deployed {
            last.clone()
        } else {
            match self.storage.deployed(&opts.namespace, &opts.name).await {
                Ok(deployed) => deployed,
                Err(windlass_release::Error::NoDeployedReleases { .. })
                    if matches!(last.info.status, Status::Failed | Status::Superseded) =>
                {
                    last.clone()
                }
                Err(e) => return Err(e.into()),
            }
        };

        let (values, stored) = compose_values(&mut chart, &current, config, opts.values_mode)?;
        let revision = last.version + 1;
        let rendered = self.render(
            chart,
            &values,
            &ReleaseOptions {
                name: &opts.name,
                namespace: &current.namespace,
                revision,
                is_upgrade: true,
            },
        )?;
        let mut release = Release {
            name: opts.name.clone(),
            namespace: current.namespace.clone(),
            chart: rendered.chart.clone(),
            config: stored,
            manifest: manifest::manifest_text(&rendered.manifests),
            hooks: rendered.hooks.clone(),
            version: revision,
            info: Info {
                first_deployed: current.info.first_deployed,
                last_deployed: Some(now()),
                notes: rendered.notes.clone(),
                ..Info::default()
            },
            labels: last.labels.clone(),
            apply_method: if current.apply_method.is_empty() {
                "ssa".into()
            } else {
                current.apply_method.clone()
            },
            ..Release::default()
        };
        release.set_status(Status::PendingUpgrade, "Preparing upgrade");
        Ok(UpgradePlan::Upgrade(Box::new(PreparedUpgrade {
            current,
            release,
            rendered,
        })))
    }

    async fn perform_upgrade(
        &self,
        prepared: PreparedUpgrade,
        opts: &UpgradeOptions,
    ) -> Result<Release> {
        let PreparedUpgrade {
            mut current,
            mut release,
            rendered,
        } = prepared;
        let storage = self.storage_with_history(opts.history_max);
        self.create(&storage, &release).await?;

        // Helm's results.Created: what this revision adds, once applied.
        let applied = std::cell::Cell::new(false);
        let outcome: std::result::Result<(), String> = async {
            if !opts.no_hooks
                && let Err(e) = self
                    .exec_hooks(
                        &storage,
                        &mut release,
                        HookEvent::PreUpgrade,
                        opts.timeout,
                        &rendered.values,
                    )
                    .await?
            {
                return Ok(Err(format!("pre-upgrade hooks failed: {e}")));
            }
            let current_resources = manifest::release_resources(&current.manifest)?;
            if let Err(e) = self
                .apply_resources(
                    &release.name,
                    &release.namespace,
                    &current_resources,
                    &rendered.manifests,
                )
                .await
            {
                return Ok(Err(e));
            }
            applied.set(true);
            if opts.wait
                && let Err(e) = self
                    .wait_resources(&release.namespace, &rendered.manifests, opts.timeout)
                    .await
            {
                return Ok(Err(e));
            }
            if !opts.no_hooks
                && let Err(e) = self
                    .exec_hooks(
                        &storage,
                        &mut release,
                        HookEvent::PostUpgrade,
                        opts.timeout,
                        &rendered.values,
                    )
                    .await?
            {
                return Ok(Err(format!("post-upgrade hooks failed: {e}")));
            }
            Ok::<_, Error>(Ok(()))
        }
        .await?;

        match outcome {
            Ok(()) => {
                current.info.status = Status::Superseded;
                self.record(&storage, &current).await?;
                let description = opts
                    .description
                    .clone()
                    .unwrap_or_else(|| "Upgrade complete".into());
                release.set_status(Status::Deployed, description);
                self.record(&storage, &release).await?;
                Ok(release)
            }
            Err(message) => {
                if opts.cleanup_on_fail && applied.get() {
                    let current_resources = manifest::release_resources(&current.manifest)?;
                    self.cleanup_created(
                        &release.namespace,
                        &current_resources,
                        &rendered.manifests,
                        opts,
                    )
                    .await;
                }
                self.fail_upgrade(release, message, opts).await
            }
        }
    }

    /// `--cleanup-on-fail`: deletes the resources the failed upgrade created
    /// (those the previous revision did not have); hooks are never touched.
    async fn cleanup_created(
        &self,
        namespace: &str,
        current: &[windlass_chart::Manifest],
        target: &[windlass_chart::Manifest],
        opts: &UpgradeOptions,
    ) {
        let key = |m: &windlass_chart::Manifest| {
            (
                m.head.kind.clone(),
                m.head.namespace.clone(),
                m.head.name.clone(),
            )
        };
        let had: std::collections::HashSet<_> = current.iter().map(key).collect();
        let created: Vec<_> = target
            .iter()
            .filter(|m| !had.contains(&key(m)))
            .rev()
            .cloned()
            .collect();
        if created.is_empty() {
            return;
        }
        match self.target.delete(namespace, &created, opts.timeout).await {
            Ok(crate::target::Applied::Done) => self.emit(Event::ResourcesDeleted {
                count: created.len(),
            }),
            Ok(crate::target::Applied::NotApplied { .. }) => {}
            Err(errors) => self.emit(Event::Warning {
                message: format!("cleanup on fail: {}", errors.join("; ")),
            }),
        }
    }

    /// Helm's `Upgrade.failRelease`: the new revision fails, the old one stays
    /// deployed; with `--rollback-on-failure`, roll back to the newest revision
    /// that was deployed or superseded.
    async fn fail_upgrade(
        &self,
        mut release: Release,
        message: String,
        opts: &UpgradeOptions,
    ) -> Result<Release> {
        release.set_status(
            Status::Failed,
            format!("Upgrade {:?} failed: {message}", release.name),
        );
        self.record(&self.storage, &release).await?;
        let (name, revision) = (release.name.clone(), release.version);
        let message = if opts.rollback_on_failure {
            let history = self
                .storage
                .history(&release.namespace, &release.name)
                .await?;
            let target = history
                .iter()
                .rev()
                .find(|r| matches!(r.info.status, Status::Superseded | Status::Deployed));
            match target {
                None => format!(
                    "unable to find a previously successful release when attempting to rollback. original upgrade error: {message}"
                ),
                Some(target) => {
                    let rollback = RollbackOptions {
                        revision: target.version,
                        no_hooks: opts.no_hooks,
                        timeout: opts.timeout,
                        wait: opts.wait,
                        history_max: opts.history_max,
                        ..RollbackOptions::new(&release.name, &release.namespace)
                    };
                    match self.rollback_locked(&rollback).await {
                        Ok(_) => format!(
                            "release {name} failed, and has been rolled back due to rollback-on-failure being set: {message}"
                        ),
                        Err(e) => format!(
                            "an error occurred while rolling back the release. original upgrade error: {message}: {e}"
                        ),
                    }
                }
            }
        } else {
            message
        };
        Err(Error::Failed {
            name,
            revision,
            message,
        })
    }
}

/// Helm's `reuseValues`: the values to render with and the values to store.
fn compose_values(
    chart: &mut Chart,
    current: &Release,
    config: Values,
    mode: ValuesMode,
) -> Result<(Values, Values)> {
    Ok(match mode {
        ValuesMode::Reset => (config.clone(), config),
        ValuesMode::Reuse => {
            // The previous revision's merged values replace the new chart's defaults.
            let old = values::coalesce(&current.chart, &current.config)?;
            let stored = values::coalesce_tables(&config, &current.config);
            chart.values = old;
            (stored.clone(), stored)
        }
        ValuesMode::ResetThenReuse => {
            let stored = values::coalesce_tables(&config, &current.config);
            (stored.clone(), stored)
        }
        ValuesMode::Default => {
            if config.is_empty() && !current.config.is_empty() {
                (current.config.clone(), current.config.clone())
            } else {
                (config.clone(), config)
            }
        }
    })
}
