//! Why a test cluster could not start.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while starting a [`TestCluster`](crate::TestCluster).
///
/// Messages name the log file to read and quote its last lines, so a failing test says
/// what the control plane said.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A control-plane binary is not in the bin dir.
    #[error(
        "control-plane binary `{}` is missing\nhint: run scripts/setup-control-plane",
        path.display()
    )]
    MissingBinary { path: PathBuf },

    /// A file or process operation failed.
    #[error("{action}: {source}")]
    Io {
        action: String,
        #[source]
        source: io::Error,
    },

    /// A helper command (`openssl`) failed.
    #[error("`{command}` failed: {stderr}")]
    Command { command: String, stderr: String },

    /// A control-plane process exited or never became ready. The cluster's temp dir is
    /// kept so the logs can be read; everything else is stopped.
    #[error("the control plane did not start: {problem}{logs}")]
    Startup {
        problem: String,
        /// Each started process's log file and its last lines.
        logs: String,
    },

    /// An API call needed for startup failed.
    #[error("{action}: {source}")]
    Kube {
        action: String,
        #[source]
        source: kube::Error,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(io::Error) -> Self {
        let action = action.into();
        move |source| Self::Io { action, source }
    }

    pub(crate) fn kube(action: impl Into<String>) -> impl FnOnce(kube::Error) -> Self {
        let action = action.into();
        move |source| Self::Kube { action, source }
    }
}
