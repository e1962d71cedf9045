//! Trying a cluster call again after a failure that may pass: throttling (429),
//! a server error (5xx), no answer at all, and for server-side apply a
//! conflict (409), with a short backoff. One place, so every call backs off
//! the same way.

use std::future::Future;
use std::time::Duration;

use crate::error::{KubeError, Result};

/// The pauses before each repeat; a call is tried at most once more than this.
const BACKOFF: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
];

/// Which failures a call is repeated after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// 429, 5xx and no answer: reads, and writes that are harmless to repeat.
    Transient,
    /// [`Retry::Transient`] and 409 Conflict: server-side apply, whose next
    /// attempt is merged with the object as it is then.
    TransientOrConflict,
    /// 429 and 5xx only: the server answered, so the outcome of a create or a
    /// preconditioned write is not lost in transit.
    Answered,
}

impl Retry {
    fn allows(self, err: &kube::Error) -> bool {
        match (self, err) {
            (Retry::TransientOrConflict, kube::Error::Api(status)) if status.code == 409 => true,
            (_, kube::Error::Api(status)) => status.code == 429 || status.code >= 500,
            (
                Retry::Transient | Retry::TransientOrConflict,
                kube::Error::HyperError(_) | kube::Error::Service(_),
            ) => true,
            _ => false,
        }
    }
}

/// Runs `call`, again after each pause of [`BACKOFF`] while it fails in a way
/// `policy` allows. Returns its last result and whether it was repeated.
pub(crate) async fn with_backoff<T, F, Fut>(policy: Retry, mut call: F) -> (kube::Result<T>, bool)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = kube::Result<T>>,
{
    let mut repeated = false;
    for pause in BACKOFF {
        match call().await {
            Err(e) if policy.allows(&e) => {
                tokio::time::sleep(pause).await;
                repeated = true;
            }
            other => return (other, repeated),
        }
    }
    (call().await, repeated)
}

/// [`with_backoff`] after transient failures; an error names what was being done.
pub(crate) async fn retry<T, F, Fut>(doing: &str, call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = kube::Result<T>>,
{
    let (result, _) = with_backoff(Retry::Transient, call).await;
    result.map_err(|e| KubeError::from_kube(e, doing))
}

/// [`retry`], and after 409 Conflict too (server-side apply).
pub(crate) async fn retry_conflicts<T, F, Fut>(doing: &str, call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = kube::Result<T>>,
{
    let (result, _) = with_backoff(Retry::TransientOrConflict, call).await;
    result.map_err(|e| KubeError::from_kube(e, doing))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16) -> kube::Error {
        kube::Error::Api(
            kube::core::Status::failure("x", "Reason")
                .with_code(code)
                .boxed(),
        )
    }

    #[test]
    fn policies_repeat_what_may_pass() {
        for policy in [
            Retry::Transient,
            Retry::TransientOrConflict,
            Retry::Answered,
        ] {
            assert!(policy.allows(&api(429)) && policy.allows(&api(503)));
            assert!(!policy.allows(&api(404)) && !policy.allows(&api(403)));
        }
        assert!(Retry::TransientOrConflict.allows(&api(409)));
        assert!(!Retry::Transient.allows(&api(409)) && !Retry::Answered.allows(&api(409)));
    }
}
