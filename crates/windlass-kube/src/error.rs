//! One error type for every cluster call: what was being done to which object,
//! and the API server's answer.

/// A failed cluster call. Its message names the operation and the object
/// (`apply ConfigMap demo/settings: ...`), then the server's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct KubeError {
    message: String,
    code: Option<u16>,
    transient: bool,
}

/// Results of cluster calls.
pub type Result<T, E = KubeError> = std::result::Result<T, E>;

impl KubeError {
    /// An error that did not come from the API server (bad input, a timeout).
    pub fn new(message: impl Into<String>) -> Self {
        KubeError {
            message: message.into(),
            code: None,
            transient: false,
        }
    }

    /// Wraps a client error with what was being done (`get Job ns/name`).
    pub fn from_kube(err: kube::Error, doing: impl std::fmt::Display) -> Self {
        match err {
            kube::Error::Api(status) => {
                let reason = if status.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", status.reason)
                };
                let hint = if status.code == 403 {
                    " (the identity in the kubeconfig lacks RBAC permission for this)"
                } else {
                    ""
                };
                KubeError {
                    message: format!(
                        "{doing}: {}{reason}, HTTP {}{hint}",
                        status.message, status.code
                    ),
                    code: Some(status.code),
                    transient: status.code == 429 || status.code >= 500,
                }
            }
            // No answer (connection refused or reset, a timeout): try again.
            other @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => KubeError {
                message: format!("{doing}: {other}"),
                code: None,
                transient: true,
            },
            other => KubeError {
                message: format!("{doing}: {other}"),
                code: None,
                transient: false,
            },
        }
    }

    /// The HTTP status the server answered with, if it answered.
    pub fn code(&self) -> Option<u16> {
        self.code
    }

    /// 404.
    pub fn is_not_found(&self) -> bool {
        self.code == Some(404)
    }

    /// 403.
    pub fn is_forbidden(&self) -> bool {
        self.code == Some(403)
    }

    /// 409: already exists, or a resourceVersion precondition failed.
    pub fn is_conflict(&self) -> bool {
        self.code == Some(409)
    }

    /// Worth trying again: throttled (429), a server error (5xx), or no answer.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// The message with more context in front.
    #[must_use]
    pub fn context(self, what: impl std::fmt::Display) -> Self {
        KubeError {
            message: format!("{what}: {}", self.message),
            ..self
        }
    }
}
