//! What a hook is told: the host-side form of the WIT `context` record, which
//! is also the JSON the fallback ABI writes to a command module's stdin
//! (snake_case keys, values and objects as JSON, see `plugins/fallback/README.md`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use windlass_chart::HookEvent;

/// The context of one hook call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookInput {
    /// The hook's name (`metadata.name`); a command module gets it as `argv[0]`.
    #[serde(skip)]
    pub hook_name: String,
    /// The lifecycle event.
    #[serde(with = "event_name")]
    pub event: HookEvent,
    /// The release revision.
    pub release: ReleaseInfo,
    /// `Chart.yaml`.
    pub chart: ChartInfo,
    /// The merged values (a JSON object).
    pub values: Value,
    /// The release's rendered resources, in install order.
    pub resources: Vec<ResourceInput>,
    /// The `WasmHook`'s `spec.config` (`null` when absent).
    pub config: Value,
    /// The target's Kubernetes version.
    pub kube_version: String,
    /// The API versions the target serves.
    pub api_versions: Vec<String>,
}

/// The release revision a hook runs for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseInfo {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// The revision.
    pub revision: u32,
    /// The revision before it, if any.
    pub previous_revision: Option<u32>,
    /// `.Release.IsInstall`.
    pub is_install: bool,
    /// `.Release.IsUpgrade`.
    pub is_upgrade: bool,
}

/// The chart's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartInfo {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// `appVersion`.
    pub app_version: Option<String>,
    /// `kubeVersion` constraint.
    pub kube_version: Option<String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
}

/// One rendered resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceInput {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// The template it came from.
    pub source: String,
    /// The whole object.
    pub object: Value,
}

impl ResourceInput {
    /// A resource from its rendered object and template path.
    pub fn from_object(object: Value, source: impl Into<String>) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let metadata = object.get("metadata").cloned().unwrap_or(Value::Null);
        ResourceInput {
            api_version: object.get("apiVersion").map(text).unwrap_or_default(),
            kind: object.get("kind").map(text).unwrap_or_default(),
            name: metadata.get("name").map(text).unwrap_or_default(),
            namespace: metadata
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|ns| !ns.is_empty())
                .map(str::to_string),
            source: source.into(),
            object,
        }
    }
}

mod event_name {
    use serde::{Deserialize, Deserializer, Serializer};
    use windlass_chart::HookEvent;

    pub fn serialize<S: Serializer>(event: &HookEvent, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(event.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<HookEvent, D::Error> {
        let name = String::deserialize(d)?;
        HookEvent::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown hook event `{name}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_json_uses_snake_case_and_event_names() {
        let input = HookInput {
            hook_name: String::new(),
            event: HookEvent::PreUpgrade,
            release: ReleaseInfo {
                name: "demo".into(),
                namespace: "team-a".into(),
                revision: 2,
                previous_revision: Some(1),
                is_install: false,
                is_upgrade: true,
            },
            chart: ChartInfo::default(),
            values: serde_json::json!({"a": 1}),
            resources: vec![ResourceInput::from_object(
                serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}),
                "demo/templates/svc.yaml",
            )],
            config: Value::Null,
            kube_version: "v1.36.0".into(),
            api_versions: vec![],
        };
        let json = serde_json::to_value(&input).unwrap();
        assert_eq!(json["event"], "pre-upgrade");
        assert_eq!(json["release"]["previous_revision"], 1);
        assert_eq!(json["resources"][0]["api_version"], "v1");
        assert_eq!(json["resources"][0]["namespace"], Value::Null);
        let back: HookInput = serde_json::from_value(json).unwrap();
        assert_eq!(back, input);
    }
}
