//! What a hook is told: the host-side form of the WIT `context` record, which
//! is also the JSON the fallback ABI writes to a command module's stdin
//! (snake_case keys, values and objects as JSON, see `plugins/fallback/README.md`).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use windlass_chart::HookEvent;

use crate::host::windlass::hook::types as t;
use crate::wit;

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

/// A [`HookInput`] converted for the guest: the WIT record for a component,
/// the JSON for a command module, each made once, on first use, however many
/// times the hook runs. Converting 100 rendered resources costs more than a
/// small hook's whole run, and every hook of an event sees the same release,
/// so [`PreparedInput::for_hook`] shares the conversion between them: a hook
/// with its own name and config costs a copy of the text, not a conversion.
#[derive(Debug)]
pub struct PreparedInput {
    shared: Arc<Shared>,
    hook_name: String,
    config: Value,
    /// This hook's record, when its config differs from the shared one.
    wit: OnceLock<t::Context>,
    json: OnceLock<Bytes>,
}

#[derive(Debug)]
struct Shared {
    input: HookInput,
    wit: OnceLock<t::Context>,
}

impl From<HookInput> for PreparedInput {
    fn from(input: HookInput) -> Self {
        PreparedInput {
            hook_name: input.hook_name.clone(),
            config: input.config.clone(),
            shared: Arc::new(Shared {
                input,
                wit: OnceLock::new(),
            }),
            wit: OnceLock::new(),
            json: OnceLock::new(),
        }
    }
}

impl PreparedInput {
    /// The same release and event for another hook: its name and config.
    pub fn for_hook(&self, hook_name: impl Into<String>, config: Value) -> PreparedInput {
        PreparedInput {
            shared: self.shared.clone(),
            hook_name: hook_name.into(),
            config,
            wit: OnceLock::new(),
            json: OnceLock::new(),
        }
    }

    /// The hook's name (a command module's `argv[0]`).
    pub fn hook_name(&self) -> &str {
        &self.hook_name
    }

    /// The release the hook runs for.
    pub fn release(&self) -> &ReleaseInfo {
        &self.shared.input.release
    }

    fn shares_config(&self) -> bool {
        self.config == self.shared.input.config
    }

    /// The WIT `context` record.
    pub(crate) fn wit(&self) -> &t::Context {
        let shared = self
            .shared
            .wit
            .get_or_init(|| wit::context(&self.shared.input));
        if self.shares_config() {
            return shared;
        }
        self.wit.get_or_init(|| t::Context {
            config: self.config.to_string(),
            ..shared.clone()
        })
    }

    /// The fallback ABI's stdin.
    pub(crate) fn json(&self) -> Bytes {
        self.json
            .get_or_init(|| {
                let json = if self.shares_config() {
                    serde_json::to_vec(&self.shared.input)
                } else {
                    serde_json::to_vec(&HookInput {
                        config: self.config.clone(),
                        ..self.shared.input.clone()
                    })
                };
                // A `Value` always serializes.
                Bytes::from(json.unwrap_or_default())
            })
            .clone()
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

    #[test]
    fn hooks_of_one_event_share_the_conversion_but_not_their_config() {
        let input = HookInput {
            hook_name: "first".into(),
            event: HookEvent::PreInstall,
            release: ReleaseInfo::default(),
            chart: ChartInfo::default(),
            values: serde_json::json!({"a": 1}),
            resources: vec![],
            config: serde_json::json!({"max": 1}),
            kube_version: "v1.36.0".into(),
            api_versions: vec![],
        };
        let first = PreparedInput::from(input);
        let second = first.for_hook("second", serde_json::json!({"max": 2}));
        let third = first.for_hook("third", serde_json::json!({"max": 1}));
        assert_eq!(first.wit().config, r#"{"max":1}"#);
        assert_eq!(second.wit().config, r#"{"max":2}"#);
        assert_eq!(second.wit().values, r#"{"a":1}"#);
        assert!(
            std::ptr::eq(first.wit(), third.wit()),
            "same config, same record"
        );
        assert_eq!(second.hook_name(), "second");
        let json: Value = serde_json::from_slice(&second.json()).unwrap();
        assert_eq!(json["config"]["max"], 2);
        let json: Value = serde_json::from_slice(&third.json()).unwrap();
        assert_eq!(json["config"]["max"], 1);
    }
}
