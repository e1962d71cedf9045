//! `install`: Helm's `action.Install` (`pkg/action/install.go`).
//!
//! Checks name, chart and availability; renders; stores revision 1 as
//! `pending-install`; runs pre-install hooks, applies resources, waits, runs
//! post-install hooks; marks it `deployed` ("Install complete") or `failed`
//! (`Release "x" failed: ...`), uninstalling it with `--rollback-on-failure`.

use std::time::Duration;

use windlass_chart::{Chart, HookEvent, Values, manifest};
use windlass_release::{Info, Release, Status, Storage};

use crate::engine::{Engine, now, validate_namespace, validate_release_name};
use crate::error::{Error, Result};
use crate::event::{Event, ResourceRef};
use crate::render::{ReleaseOptions, Rendered, check_dependencies};
use crate::target::Applied;
use crate::uninstall::UninstallOptions;

/// Helm's default `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Options of `install`.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--timeout`, per hook and per wait.
    pub timeout: Duration,
    /// `--wait`.
    pub wait: bool,
    /// `--dry-run`: render and report, store nothing.
    pub dry_run: bool,
    /// `--description`.
    pub description: Option<String>,
    /// `--rollback-on-failure` (`--atomic`): uninstall on failure.
    pub rollback_on_failure: bool,
    /// `--replace`: reuse the name of an uninstalled or failed release.
    pub replace: bool,
    /// `--create-namespace`: create the release namespace if it is missing.
    pub create_namespace: bool,
}

impl InstallOptions {
    /// Helm's defaults for release `name` in `namespace`.
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        InstallOptions {
            name: name.into(),
            namespace: namespace.into(),
            no_hooks: false,
            timeout: DEFAULT_TIMEOUT,
            wait: false,
            dry_run: false,
            description: None,
            rollback_on_failure: false,
            replace: false,
            create_namespace: false,
        }
    }
}

/// Checks shared by install and upgrade before anything is read or written.
pub(crate) fn check_installable(name: &str, namespace: &str, chart: &Chart) -> Result<()> {
    validate_release_name(name)?;
    validate_namespace(namespace)?;
    if chart.is_library() {
        return Err(Error::LibraryChart {
            chart: chart.name().to_string(),
        });
    }
    check_dependencies(chart)
}

/// The resources of a rendered revision, for events.
pub(crate) fn resource_refs(
    manifests: &[windlass_chart::Manifest],
    namespace: &str,
) -> Vec<ResourceRef> {
    manifests
        .iter()
        .map(|m| ResourceRef {
            kind: m.head.kind.clone(),
            name: m.head.name.clone(),
            namespace: m
                .head
                .namespace
                .clone()
                .unwrap_or_else(|| namespace.to_string()),
        })
        .collect()
}

impl Engine {
    /// Installs `chart` with user values `config`.
    ///
    /// # Errors
    /// Bad input (nothing is stored), a name in use, a held lock, or a failed
    /// hook or apply ([`Error::Failed`], with the revision recorded as `failed`).
    pub async fn install(
        &self,
        chart: Chart,
        config: Values,
        opts: &InstallOptions,
    ) -> Result<Release> {
        check_installable(&opts.name, &opts.namespace, &chart)?;
        if opts.dry_run {
            let (release, _) = self.prepare_install(chart, config, opts, 1)?;
            return Ok(release);
        }
        // Taking the lock of a release with no records creates its lock file:
        // validate first, so bad input leaves the state directory untouched.
        if !self.has_records(&opts.namespace, &opts.name).await? {
            self.prepare_install(chart.clone(), config.clone(), opts, 1)?;
        }
        let _lock = self.storage.lock(&opts.namespace, &opts.name).await?;
        self.install_locked(chart, config, opts).await
    }

    /// Install with the release's lock already held (also used by `upgrade --install`).
    pub(crate) async fn install_locked(
        &self,
        chart: Chart,
        config: Values,
        opts: &InstallOptions,
    ) -> Result<Release> {
        let history = match self.storage.history(&opts.namespace, &opts.name).await {
            Ok(history) => history,
            Err(windlass_release::Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let mut revision = 1;
        let mut replaced = None;
        if let Some(last) = history.last() {
            let reusable = matches!(last.info.status, Status::Uninstalled | Status::Failed);
            if !(opts.replace && reusable) {
                return Err(Error::NameInUse {
                    name: opts.name.clone(),
                    revision: last.version,
                    status: last.info.status,
                });
            }
            revision = last.version + 1;
            replaced = Some(last.clone());
        }

        let (mut release, rendered) = self.prepare_install(chart, config, opts, revision)?;

        // Helm's replaceRelease: the old latest revision is superseded unless it failed.
        if let Some(mut last) = replaced
            && last.info.status != Status::Failed
        {
            last.set_status(Status::Superseded, "superseded by new release");
            self.record(&self.storage, &last).await?;
        }

        if opts.create_namespace {
            self.target
                .ensure_namespace(&opts.namespace)
                .await
                .map_err(|message| Error::Target { message })?;
        }
        self.create(&self.storage, &release).await?;
        match self.perform_install(&mut release, &rendered, opts).await? {
            Ok(()) => {
                let description = opts
                    .description
                    .clone()
                    .unwrap_or_else(|| "Install complete".into());
                release.set_status(Status::Deployed, description);
                self.record(&self.storage, &release).await?;
                Ok(release)
            }
            Err(message) => self.fail_install(release, message, opts).await,
        }
    }

    /// Renders and builds revision `revision` of a new release, without storing it.
    pub(crate) fn prepare_install(
        &self,
        chart: Chart,
        config: Values,
        opts: &InstallOptions,
        revision: u32,
    ) -> Result<(Release, Rendered)> {
        let rendered = self.render(
            chart,
            &config,
            &ReleaseOptions {
                name: &opts.name,
                namespace: &opts.namespace,
                revision,
                is_upgrade: false,
            },
        )?;
        let ts = now();
        let mut release = Release {
            name: opts.name.clone(),
            namespace: opts.namespace.clone(),
            chart: rendered.chart.clone(),
            config,
            manifest: manifest::manifest_text(&rendered.manifests),
            hooks: rendered.hooks.clone(),
            version: revision,
            info: Info {
                first_deployed: Some(ts),
                last_deployed: Some(ts),
                notes: rendered.notes.clone(),
                ..Info::default()
            },
            apply_method: "ssa".into(),
            ..Release::default()
        };
        if opts.dry_run {
            release.set_status(Status::PendingInstall, "Dry run complete");
        } else {
            release.set_status(Status::PendingInstall, "Initial install underway");
        }
        Ok((release, rendered))
    }

    /// pre-install hooks, resources, wait, post-install hooks. The inner error
    /// is Helm's wording of what failed.
    async fn perform_install(
        &self,
        release: &mut Release,
        rendered: &Rendered,
        opts: &InstallOptions,
    ) -> Result<Result<(), String>> {
        let storage = &self.storage;
        if !opts.no_hooks
            && let Err(e) = self
                .exec_hooks(
                    storage,
                    release,
                    HookEvent::PreInstall,
                    opts.timeout,
                    &rendered.values,
                )
                .await?
        {
            return Ok(Err(format!("failed pre-install: {e}")));
        }
        if let Err(e) = self
            .apply_resources(&release.name, &release.namespace, &[], &rendered.manifests)
            .await
        {
            return Ok(Err(e));
        }
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
                    storage,
                    release,
                    HookEvent::PostInstall,
                    opts.timeout,
                    &rendered.values,
                )
                .await?
        {
            return Ok(Err(format!("failed post-install: {e}")));
        }
        Ok(Ok(()))
    }

    /// Helm's `Install.failRelease`.
    async fn fail_install(
        &self,
        mut release: Release,
        message: String,
        opts: &InstallOptions,
    ) -> Result<Release> {
        release.set_status(
            Status::Failed,
            format!("Release {:?} failed: {message}", release.name),
        );
        self.record(&self.storage, &release).await?;
        let name = release.name.clone();
        let revision = release.version;
        let message = if opts.rollback_on_failure {
            let uninstall = UninstallOptions {
                no_hooks: opts.no_hooks,
                timeout: opts.timeout,
                ..UninstallOptions::new(&release.name, &release.namespace)
            };
            match self.uninstall_locked(&uninstall).await {
                Ok(_) => format!(
                    "release {name} failed, and has been uninstalled due to rollback-on-failure being set: {message}"
                ),
                Err(e) => format!(
                    "an error occurred while uninstalling the release. original install error: {message}: {e}"
                ),
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

    /// Applies resources, reporting them as not applied where the target does not.
    pub(crate) async fn apply_resources(
        &self,
        release: &str,
        namespace: &str,
        current: &[windlass_chart::Manifest],
        target: &[windlass_chart::Manifest],
    ) -> std::result::Result<(), String> {
        match self
            .target
            .apply(release, namespace, current, target)
            .await?
        {
            Applied::Done => self.emit(Event::ResourcesApplied {
                count: target.len(),
            }),
            Applied::NotApplied { reason } => {
                if !target.is_empty() {
                    self.emit(Event::ResourcesNotApplied {
                        resources: resource_refs(target, namespace),
                        reason,
                    });
                }
            }
        }
        Ok(())
    }

    /// Waits for resources (`--wait`); nothing to wait for where nothing was applied.
    pub(crate) async fn wait_resources(
        &self,
        namespace: &str,
        resources: &[windlass_chart::Manifest],
        timeout: Duration,
    ) -> std::result::Result<(), String> {
        self.target
            .wait(namespace, resources, timeout)
            .await
            .map(|_| ())
    }

    /// The storage used by upgrade and rollback, which prune history.
    pub(crate) fn storage_with_history(&self, max: usize) -> Storage {
        self.storage.clone().with_max_history(max)
    }
}
