//! Naming objects: [`ObjectRef`] is what messages, deletes and waits need to
//! know of an object.

use serde_json::Value;

use crate::error::{KubeError, Result};

/// Which object: `apiVersion`, kind, namespace (none for cluster-scoped
/// kinds, or "the default one" before discovery says which), name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// `apiVersion`, such as `batch/v1`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// The reference of a Kubernetes object given as JSON; a namespaced object
    /// without a namespace is taken to be in `default_namespace`.
    ///
    /// # Errors
    /// The object lacks `apiVersion`, `kind` or `metadata.name`.
    pub fn of(object: &Value, default_namespace: &str) -> Result<ObjectRef> {
        let field = |value: Option<&Value>, what: &str| {
            value
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| KubeError::new(format!("an object without {what}")))
        };
        let kind = field(object.get("kind"), "kind")?;
        let name = field(object.pointer("/metadata/name"), "metadata.name")
            .map_err(|e| e.context(format!("a {kind}")))?;
        let api_version = field(object.get("apiVersion"), "apiVersion")
            .map_err(|e| e.context(format!("{kind} {name}")))?;
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(default_namespace)
            .to_string();
        Ok(ObjectRef {
            api_version,
            kind,
            namespace: Some(namespace),
            name,
        })
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Sets or removes `metadata.namespace` (cluster-scoped objects must not carry one).
pub(crate) fn set_namespace(object: &mut Value, namespace: Option<&str>) {
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    match namespace {
        Some(ns) => {
            metadata.insert("namespace".into(), Value::from(ns));
        }
        None => {
            metadata.remove("namespace");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_name_the_object_or_what_it_lacks() {
        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"}});
        let r = ObjectRef::of(&job, "apps").unwrap();
        assert_eq!(r.to_string(), "Job apps/migrate");
        let err = ObjectRef::of(&json!({"kind": "Job", "metadata": {}}), "apps").unwrap_err();
        assert_eq!(err.to_string(), "a Job: an object without metadata.name");
        let err =
            ObjectRef::of(&json!({"kind": "Job", "metadata": {"name": "x"}}), "a").unwrap_err();
        assert_eq!(err.to_string(), "Job x: an object without apiVersion");
    }
}
