//! Errors of the release store. Each names the release (and revision or file).

use std::path::PathBuf;

/// What can go wrong reading or writing release records.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No revision of the release exists (Helm: "release: not found").
    #[error("release `{name}` not found in namespace `{namespace}`")]
    NotFound {
        /// Namespace searched.
        namespace: String,
        /// Release name.
        name: String,
    },
    /// That revision does not exist.
    #[error("release `{name}` has no revision {version}")]
    RevisionNotFound {
        /// Release name.
        name: String,
        /// Revision asked for.
        version: u32,
    },
    /// No revision is deployed (Helm: `"x" has no deployed releases`).
    #[error("release `{name}` has no deployed revision")]
    NoDeployedReleases {
        /// Release name.
        name: String,
    },
    /// A record with that key already exists.
    #[error("release record `{key}` already exists")]
    AlreadyExists {
        /// The storage key.
        key: String,
    },
    /// A stored record cannot be read; it is left untouched.
    #[error("release record `{location}` is corrupt: {message}")]
    Corrupt {
        /// File path or storage key.
        location: String,
        /// What is wrong with it.
        message: String,
    },
    /// Another process is writing this release.
    #[error(
        "release `{name}` is locked by another windlass process ({detail}); wait for it to finish"
    )]
    Locked {
        /// Release name.
        name: String,
        /// Who holds it, as far as is known.
        detail: String,
    },
    /// A revision changed in storage after this driver last read or wrote it, so
    /// the write was refused rather than overwriting the other writer's record.
    #[error(
        "release `{name}` revision {version} was changed by another writer since it was read; nothing was {action}"
    )]
    Conflict {
        /// Release name.
        name: String,
        /// The revision.
        version: u32,
        /// `written` or `deleted`.
        action: &'static str,
    },
    /// The storage backend failed (a Kubernetes API error such as 403 Forbidden,
    /// or an unreachable server); the message names the operation and the object.
    #[error("`{driver}` storage: {message}")]
    Backend {
        /// The driver's name ([`crate::Driver::name`]).
        driver: &'static str,
        /// What was attempted, on what, and the server's answer.
        message: String,
    },
    /// A filesystem error.
    #[error("`{}`: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be encoded or decoded.
    #[error("release record `{key}`: {message}")]
    Codec {
        /// The storage key.
        key: String,
        /// What went wrong.
        message: String,
    },
    /// A namespace or release name a driver cannot store, typically because it
    /// would name a path outside the driver's state directory.
    #[error("invalid {kind} `{}`: {reason}", value.escape_debug())]
    InvalidName {
        /// `namespace` or `release name`.
        kind: &'static str,
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
}

impl Error {
    /// Whether this says the release or revision does not exist
    /// ([`Error::NotFound`] or [`Error::RevisionNotFound`]), Helm's `ErrReleaseNotFound`.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::NotFound { .. } | Error::RevisionNotFound { .. }
        )
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
