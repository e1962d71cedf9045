//! Read-only cluster lookups, as a trait so hook logic can be tested without a host.

use std::fmt;

use serde_json::Value;

/// Why a lookup was not answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The hook is not granted reads of that kind (or in that namespace).
    Denied(String),
    /// The request was malformed.
    Invalid(String),
    /// The cluster could not answer.
    Unavailable(String),
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::Denied(m) => write!(f, "denied: {m}"),
            LookupError::Invalid(m) => write!(f, "invalid: {m}"),
            LookupError::Unavailable(m) => write!(f, "unavailable: {m}"),
        }
    }
}

impl std::error::Error for LookupError {}

/// The cluster the release is deployed to, as the hook sees it.
pub trait Cluster {
    /// One object, or `None` if it does not exist. Cluster-scoped kinds take no
    /// namespace.
    fn get_object(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, LookupError>;

    /// The objects of a kind in one namespace (or every granted one with `None`),
    /// optionally filtered by a label selector (`app=web,tier!=db`).
    fn list_objects(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, LookupError>;
}

/// The host's `windlass:hook/cluster` import. Only usable inside the component.
pub struct HostCluster;

impl Cluster for HostCluster {
    fn get_object(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, LookupError> {
        use crate::bindings::windlass::hook::cluster;
        cluster::get_object(api_version, kind, namespace, name)
            .map_err(from_wit)?
            .map(|text| parse_answer(&text))
            .transpose()
    }

    fn list_objects(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, LookupError> {
        use crate::bindings::windlass::hook::cluster;
        cluster::list_objects(api_version, kind, namespace, label_selector)
            .map_err(from_wit)?
            .iter()
            .map(|text| parse_answer(text))
            .collect()
    }
}

fn from_wit(e: crate::bindings::windlass::hook::cluster::LookupError) -> LookupError {
    use crate::bindings::windlass::hook::cluster::LookupError as Wit;
    match e {
        Wit::Denied(m) => LookupError::Denied(m),
        Wit::Invalid(m) => LookupError::Invalid(m),
        Wit::Unavailable(m) => LookupError::Unavailable(m),
    }
}

fn parse_answer(text: &str) -> Result<Value, LookupError> {
    serde_json::from_str(text)
        .map_err(|e| LookupError::Unavailable(format!("the host answered with invalid JSON: {e}")))
}
