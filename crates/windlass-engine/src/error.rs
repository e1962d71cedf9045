//! Errors of lifecycle actions. Each names the release, chart, file or hook at
//! fault, and many carry a hint with the one way out.

use windlass_chart::HookEvent;
use windlass_release::Status;

/// What can stop an action.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Helm's `ValidateReleaseName` (DNS-1123 subdomain, at most 53 characters).
    #[error(
        "release name `{name}` is invalid: use at most 53 lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit"
    )]
    InvalidReleaseName {
        /// The name given.
        name: String,
    },
    /// A namespace that is not a DNS-1123 label.
    #[error(
        "namespace `{namespace}` is invalid: use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit"
    )]
    InvalidNamespace {
        /// The namespace given.
        namespace: String,
    },
    /// The target refused something before any record was written
    /// (`--create-namespace` could not create the namespace).
    #[error("{message}")]
    Target {
        /// What went wrong.
        message: String,
    },
    /// `type: library` charts only provide templates to other charts.
    #[error("chart `{chart}` is a library chart; library charts are not installable")]
    LibraryChart {
        /// Chart name.
        chart: String,
    },
    /// Dependencies declared in `Chart.yaml` but absent from `charts/`.
    #[error("chart `{chart}` declares dependencies missing from its charts/ directory: {}", missing.join(", "))]
    MissingDependencies {
        /// Chart name.
        chart: String,
        /// Missing dependency names.
        missing: Vec<String>,
    },
    /// The chart's `kubeVersion` does not admit the target's Kubernetes version.
    #[error(
        "chart `{chart}` requires kubeVersion `{constraint}`, which is incompatible with Kubernetes {version}"
    )]
    KubeVersion {
        /// Chart name.
        chart: String,
        /// The chart's constraint.
        constraint: String,
        /// The target's version.
        version: String,
    },
    /// A `kubeVersion` constraint that cannot be parsed.
    #[error("chart `{chart}` has an invalid kubeVersion `{constraint}`: {message}")]
    InvalidKubeVersion {
        /// Chart name.
        chart: String,
        /// The constraint.
        constraint: String,
        /// Why.
        message: String,
    },
    /// Values could not be composed or failed the schema.
    #[error(transparent)]
    Values(#[from] windlass_chart::values::ValuesError),
    /// Templates could not be rendered.
    #[error(transparent)]
    Render(#[from] windlass_template::RenderError),
    /// A hook that cannot run as written (a `WasmHook` with an invalid spec,
    /// a missing module, a digest that does not match its pin).
    #[error("`{path}`: {kind} `{name}`: {message}")]
    InvalidHook {
        /// Its template.
        path: String,
        /// Its kind.
        kind: String,
        /// Its name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// Rendered output could not be split into resources.
    #[error(transparent)]
    Manifest(#[from] windlass_chart::ManifestError),
    /// Install of a name that already has a release.
    #[error(
        "cannot reuse the name `{name}`: release `{name}` exists (revision {revision} is {status})"
    )]
    NameInUse {
        /// Release name.
        name: String,
        /// Its latest revision.
        revision: u32,
        /// That revision's status.
        status: Status,
    },
    /// The latest revision is pending: another operation holds the release, or
    /// one was interrupted.
    #[error(
        "another operation (install/upgrade/rollback) is in progress on release `{name}`: revision {revision} is {status}"
    )]
    Pending {
        /// Release name.
        name: String,
        /// The pending revision.
        revision: u32,
        /// Its status.
        status: Status,
        /// The earlier revision a rollback would return to, if any.
        rollback_to: Option<u32>,
        /// Whether no process holds the release, so the operation was interrupted.
        interrupted: bool,
    },
    /// Uninstall of a release already uninstalled with `--keep-history`.
    #[error("release `{name}` is already uninstalled")]
    AlreadyUninstalled {
        /// Release name.
        name: String,
    },
    /// A `--filter` that is neither `name=X` nor `!name=X`.
    #[error("invalid test filter `{filter}`: use `name=NAME` or `!name=NAME`")]
    InvalidFilter {
        /// The filter given.
        filter: String,
    },
    /// `plan` of install or upgrade without a chart.
    #[error("planning {action} needs a CHART")]
    MissingChart {
        /// The action.
        action: &'static str,
    },
    /// A hook failed; the release was marked as Helm marks it.
    #[error("{message}")]
    Failed {
        /// Release name.
        name: String,
        /// The revision that failed.
        revision: u32,
        /// Helm's wording, e.g. `failed pre-install: ...`.
        message: String,
    },
    /// A storage error (not found, corrupt record, lock held, ...).
    #[error(transparent)]
    Storage(#[from] windlass_release::Error),
}

impl Error {
    /// The one way out, where there is one.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::MissingDependencies { .. } => Some(
                "vendor the dependencies into charts/ (e.g. `helm dependency build`)".to_string(),
            ),
            Error::NameInUse { name, status, .. } => Some(match status {
                Status::PendingInstall => format!(
                    "its first install was interrupted; `windlass uninstall {name}` removes it"
                ),
                _ => format!("use `windlass upgrade {name}` to change it"),
            }),
            Error::Pending {
                interrupted: false, ..
            } => {
                Some("another windlass process is working on it; wait for it to finish".to_string())
            }
            Error::Pending {
                name,
                status,
                rollback_to: Some(to),
                ..
            } if *status != Status::PendingInstall => Some(format!(
                "no windlass process is working on it, so that operation was interrupted; `windlass rollback {name}` marks it failed and returns to revision {to}"
            )),
            Error::Pending { name, .. } => Some(format!(
                "no windlass process is working on it, so that operation was interrupted; `windlass uninstall {name}` removes it"
            )),
            Error::Storage(windlass_release::Error::NotFound { .. }) => Some(
                "`windlass list` shows the releases in this namespace (`-A` for all namespaces)"
                    .to_string(),
            ),
            Error::Storage(windlass_release::Error::NoDeployedReleases { name }) => Some(format!(
                "`windlass upgrade --install {name} CHART` installs it if it does not exist"
            )),
            Error::Storage(windlass_release::Error::RevisionNotFound { name, .. }) => {
                Some(format!("`windlass history {name}` lists its revisions"))
            }
            _ => None,
        }
    }
}

/// A hook that failed, in Helm's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{event} hook `{hook}` ({path}) failed: {message}")]
pub struct HookError {
    /// The lifecycle event.
    pub event: HookEvent,
    /// `Kind/name`.
    pub hook: String,
    /// Its template.
    pub path: String,
    /// Why.
    pub message: String,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
