//! Helm's ownership metadata (`pkg/action/validate.go`): every release
//! resource carries it, so Helm can adopt what windlass installed and the
//! other way round, and an object some other owner made is never taken over.

use serde_json::{Map, Value};

/// The label naming the tool that manages an object.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Its value: Helm's, so Helm accepts windlass's objects as its own.
pub const MANAGED_BY: &str = "Helm";
/// The annotation naming the owning release.
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
/// The annotation naming the owning release's namespace.
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";

/// Sets the ownership label and annotations on `object` (Helm's `setMetadataVisitor`).
pub fn stamp(object: &mut Value, release: &str, release_namespace: &str) {
    let Some(map) = object.as_object_mut() else {
        return;
    };
    let metadata = entry(map, "metadata");
    entry(metadata, "labels").insert(MANAGED_BY_LABEL.into(), Value::from(MANAGED_BY));
    let annotations = entry(metadata, "annotations");
    annotations.insert(RELEASE_NAME_ANNOTATION.into(), Value::from(release));
    annotations.insert(
        RELEASE_NAMESPACE_ANNOTATION.into(),
        Value::from(release_namespace),
    );
}

fn entry<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("just made an object")
}

/// Whether a live object belongs to the release, in Helm's words when not
/// (`invalid ownership metadata; label validation error: missing key ...`).
///
/// # Errors
/// What is missing or different.
pub fn check(live: &Value, release: &str, release_namespace: &str) -> Result<(), String> {
    let get = |section: &str, key: &str| {
        live.pointer(&format!("/metadata/{section}"))
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    };
    let mut errors = Vec::new();
    if let Err(e) = require(
        get("labels", MANAGED_BY_LABEL),
        MANAGED_BY_LABEL,
        MANAGED_BY,
    ) {
        errors.push(format!("label validation error: {e}"));
    }
    for (key, expected) in [
        (RELEASE_NAME_ANNOTATION, release),
        (RELEASE_NAMESPACE_ANNOTATION, release_namespace),
    ] {
        if let Err(e) = require(get("annotations", key), key, expected) {
            errors.push(format!("annotation validation error: {e}"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("invalid ownership metadata; {}", errors.join("; ")))
    }
}

fn require(actual: Option<&str>, key: &str, expected: &str) -> Result<(), String> {
    match actual {
        None => Err(format!("missing key {key:?}: must be set to {expected:?}")),
        Some(value) if value != expected => Err(format!(
            "key {key:?} must equal {expected:?}: current value is {value:?}"
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stamped_objects_pass_the_check() {
        let mut object =
            json!({"kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}}});
        stamp(&mut object, "demo", "apps");
        assert_eq!(object["metadata"]["labels"]["a"], "b");
        assert!(check(&object, "demo", "apps").is_ok());
    }

    #[test]
    fn foreign_objects_are_refused_in_helms_words() {
        let bare = json!({"metadata": {"name": "x"}});
        assert_eq!(
            check(&bare, "demo", "apps").unwrap_err(),
            "invalid ownership metadata; label validation error: missing key \
             \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation \
             error: missing key \"meta.helm.sh/release-name\": must be set to \"demo\"; \
             annotation validation error: missing key \"meta.helm.sh/release-namespace\": must \
             be set to \"apps\""
        );
        let mut other = bare.clone();
        stamp(&mut other, "other", "apps");
        assert_eq!(
            check(&other, "demo", "apps").unwrap_err(),
            "invalid ownership metadata; annotation validation error: key \
             \"meta.helm.sh/release-name\" must equal \"demo\": current value is \"other\""
        );
    }
}
