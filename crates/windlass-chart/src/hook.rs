//! Hooks: rendered resources annotated `helm.sh/hook`, with Helm's parsing,
//! defaults and ordering rules (`pkg/release/v1/hook.go`,
//! `pkg/release/v1/util/manifest_sorter.go`, `pkg/action/hooks.go`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::timestamp::{self, Timestamp};

/// `helm.sh/hook`: the events a resource is a hook for.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
/// `helm.sh/hook-weight`: an integer; lower runs first.
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
/// `helm.sh/hook-delete-policy`: when the hook's resource is deleted.
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
/// `helm.sh/hook-output-log-policy`: when a hook's logs are shown.
pub const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";
/// The kind of a Wasm hook resource (`apiVersion: windlass.dev/v1alpha1`).
pub const WASM_HOOK_KIND: &str = "WasmHook";
/// The API group of windlass's own resource kinds.
pub const WINDLASS_API_GROUP: &str = "windlass.dev";

/// A lifecycle event at which hooks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HookEvent {
    /// Before any resource of a new release is created.
    PreInstall,
    /// After the resources of a new release are created (and ready, with `--wait`).
    PostInstall,
    /// Before a release's resources are deleted.
    PreDelete,
    /// After a release's resources are deleted.
    PostDelete,
    /// Before an upgrade's resources are applied.
    PreUpgrade,
    /// After an upgrade's resources are applied.
    PostUpgrade,
    /// Before a rollback's resources are applied.
    PreRollback,
    /// After a rollback's resources are applied.
    PostRollback,
    /// When `test` is run.
    Test,
}

impl HookEvent {
    /// Every event, in the order Helm declares them.
    pub const ALL: [HookEvent; 9] = [
        HookEvent::PreInstall,
        HookEvent::PostInstall,
        HookEvent::PreDelete,
        HookEvent::PostDelete,
        HookEvent::PreUpgrade,
        HookEvent::PostUpgrade,
        HookEvent::PreRollback,
        HookEvent::PostRollback,
        HookEvent::Test,
    ];

    /// The event's name as written in `helm.sh/hook`.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::Test => "test",
        }
    }

    /// Parses one (already trimmed, lowercased) event name. `test-success` is
    /// Helm 2's name for `test` and is still accepted; there is no `test-failure`.
    pub fn parse(name: &str) -> Option<HookEvent> {
        if name == "test-success" {
            return Some(HookEvent::Test);
        }
        HookEvent::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl fmt::Display for HookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for HookEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for HookEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        HookEvent::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown hook event `{name}`")))
    }
}

/// `helm.sh/hook-delete-policy` values. Helm stores whatever was written, without
/// validation, and an unknown value still counts as "a policy is set" (so the
/// `before-hook-creation` default does not apply); `Unknown` keeps that.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeletePolicy {
    /// Delete after every hook of the event succeeded (in reverse order), or
    /// when a later hook of the event fails.
    HookSucceeded,
    /// Delete right after this hook fails.
    HookFailed,
    /// Delete the previous copy just before creating this hook.
    BeforeHookCreation,
    /// A value Helm does not know; stored, never acted on.
    Unknown(String),
}

impl DeletePolicy {
    /// Parses a trimmed, lowercased annotation part.
    pub fn parse(value: &str) -> DeletePolicy {
        match value {
            "hook-succeeded" => DeletePolicy::HookSucceeded,
            "hook-failed" => DeletePolicy::HookFailed,
            "before-hook-creation" => DeletePolicy::BeforeHookCreation,
            other => DeletePolicy::Unknown(other.to_string()),
        }
    }

    /// The policy as written in the annotation.
    pub fn as_str(&self) -> &str {
        match self {
            DeletePolicy::HookSucceeded => "hook-succeeded",
            DeletePolicy::HookFailed => "hook-failed",
            DeletePolicy::BeforeHookCreation => "before-hook-creation",
            DeletePolicy::Unknown(other) => other,
        }
    }
}

/// `helm.sh/hook-output-log-policy` values (Helm 3.18+, HIP-0019).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OutputLogPolicy {
    /// Show the hook's logs when it succeeds.
    HookSucceeded,
    /// Show the hook's logs when it fails.
    HookFailed,
    /// A value Helm does not know; stored, never acted on.
    Unknown(String),
}

impl OutputLogPolicy {
    /// Parses a trimmed, lowercased annotation part.
    pub fn parse(value: &str) -> OutputLogPolicy {
        match value {
            "hook-succeeded" => OutputLogPolicy::HookSucceeded,
            "hook-failed" => OutputLogPolicy::HookFailed,
            other => OutputLogPolicy::Unknown(other.to_string()),
        }
    }

    /// The policy as written in the annotation.
    pub fn as_str(&self) -> &str {
        match self {
            OutputLogPolicy::HookSucceeded => "hook-succeeded",
            OutputLogPolicy::HookFailed => "hook-failed",
            OutputLogPolicy::Unknown(other) => other,
        }
    }
}

macro_rules! string_serde {
    ($ty:ty) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(<$ty>::parse(&String::deserialize(d)?))
            }
        }
    };
}
string_serde!(DeletePolicy);
string_serde!(OutputLogPolicy);

/// How a hook's last run ended. Helm's zero value (never run) is the empty string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HookPhase {
    /// Never run (`""` in Helm's JSON).
    #[default]
    NotRun,
    /// Created; outcome not yet known.
    Unknown,
    /// Running.
    Running,
    /// Succeeded.
    Succeeded,
    /// Failed.
    Failed,
}

impl HookPhase {
    /// The phase as Helm writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            HookPhase::NotRun => "",
            HookPhase::Unknown => "Unknown",
            HookPhase::Running => "Running",
            HookPhase::Succeeded => "Succeeded",
            HookPhase::Failed => "Failed",
        }
    }

    fn parse(text: &str) -> HookPhase {
        match text {
            "Unknown" => HookPhase::Unknown,
            "Running" => HookPhase::Running,
            "Succeeded" => HookPhase::Succeeded,
            "Failed" => HookPhase::Failed,
            _ => HookPhase::NotRun,
        }
    }
}

impl fmt::Display for HookPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for HookPhase {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for HookPhase {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(HookPhase::parse(
            &Option::<String>::deserialize(d)?.unwrap_or_default(),
        ))
    }
}

/// The record of a hook's last execution (`last_run`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookExecution {
    /// When the hook was started.
    #[serde(
        default,
        with = "timestamp::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<Timestamp>,
    /// When the hook finished.
    #[serde(
        default,
        with = "timestamp::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_at: Option<Timestamp>,
    /// How it ended.
    #[serde(default)]
    pub phase: HookPhase,
}

/// Where a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookRuntime {
    /// A Kubernetes resource created in the cluster (a Job, a Pod, anything).
    Kubernetes,
    /// A `WasmHook` run in the host's sandbox; never sent to the cluster.
    Wasm,
}

impl HookRuntime {
    /// `kubernetes` or `wasm`.
    pub fn as_str(self) -> &'static str {
        match self {
            HookRuntime::Kubernetes => "kubernetes",
            HookRuntime::Wasm => "wasm",
        }
    }
}

impl fmt::Display for HookRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hook, in the JSON shape of Helm's `release.Hook`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    /// `metadata.name`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The Kubernetes kind (`Job`, `Pod`, `WasmHook`, ...).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The template it came from (`chart/templates/x.yaml`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// The rendered document.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    /// The events it runs at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<HookEvent>,
    /// Its last execution.
    #[serde(default)]
    pub last_run: HookExecution,
    /// Order among hooks of the same event (lower first).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight: i64,
    /// As written; empty means Helm's default (see [`Hook::effective_delete_policies`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_policies: Vec<DeletePolicy>,
    /// As written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_log_policies: Vec<OutputLogPolicy>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl Hook {
    /// Whether the hook runs at `event`.
    pub fn runs_at(&self, event: HookEvent) -> bool {
        self.events.contains(&event)
    }

    /// The delete policies that apply: `before-hook-creation` when none is set
    /// (Helm's `hookSetDeletePolicy`), otherwise exactly what was written.
    pub fn effective_delete_policies(&self) -> Vec<DeletePolicy> {
        if self.delete_policies.is_empty() {
            vec![DeletePolicy::BeforeHookCreation]
        } else {
            self.delete_policies.clone()
        }
    }

    /// Whether a delete policy applies to this hook. CRD hooks are never deleted.
    pub fn deletes_on(&self, policy: &DeletePolicy) -> bool {
        !self.is_crd() && self.effective_delete_policies().contains(policy)
    }

    /// Whether the hook asks for its output at this outcome.
    pub fn logs_on(&self, policy: &OutputLogPolicy) -> bool {
        self.output_log_policies.contains(policy)
    }

    /// `CustomResourceDefinition` hooks are never deleted by any policy.
    pub fn is_crd(&self) -> bool {
        self.kind == "CustomResourceDefinition"
    }

    /// Where the hook runs: `WasmHook` resources of the `windlass.dev` group run
    /// in the sandbox, everything else in the cluster.
    pub fn runtime(&self) -> HookRuntime {
        if self.kind == WASM_HOOK_KIND
            && crate::manifest::Head::parse(&self.manifest, &self.path)
                .is_ok_and(|head| is_windlass_api_version(&head.api_version))
        {
            HookRuntime::Wasm
        } else {
            HookRuntime::Kubernetes
        }
    }
}

/// Whether an `apiVersion` belongs to windlass's own API group.
pub fn is_windlass_api_version(api_version: &str) -> bool {
    api_version
        .split_once('/')
        .is_some_and(|(group, _)| group == WINDLASS_API_GROUP)
}

/// The hooks of `event` in execution order, as indices into `hooks`.
///
/// Helm sorts by weight, then by name (`hookByWeight`), stably, over hooks that
/// are already in kind order; so kind only breaks a tie of equal weight *and*
/// equal name. Helm's documentation says "weight, kind, name"; its code wins.
pub fn execution_order(hooks: &[Hook], event: HookEvent) -> Vec<usize> {
    let mut order: Vec<usize> = (0..hooks.len())
        .filter(|&i| hooks[i].runs_at(event))
        .collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&hooks[a], &hooks[b]);
        a.weight.cmp(&b.weight).then_with(|| a.name.cmp(&b.name))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(name: &str, kind: &str, weight: i64) -> Hook {
        Hook {
            name: name.into(),
            kind: kind.into(),
            weight,
            events: vec![HookEvent::PreInstall],
            ..Hook::default()
        }
    }

    #[test]
    fn json_shape_matches_helm() {
        let h = Hook {
            name: "migrate".into(),
            kind: "Job".into(),
            path: "demo/templates/job.yaml".into(),
            manifest: "kind: Job\n".into(),
            events: vec![HookEvent::PreInstall, HookEvent::PreUpgrade],
            weight: -5,
            delete_policies: vec![DeletePolicy::HookSucceeded],
            ..Hook::default()
        };
        // A never-run hook keeps `"last_run": {"phase": ""}` like Go's zero value.
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"name":"migrate","kind":"Job","path":"demo/templates/job.yaml","manifest":"kind: Job\n","events":["pre-install","pre-upgrade"],"last_run":{"phase":""},"weight":-5,"delete_policies":["hook-succeeded"]}"#
        );
        let back: Hook = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn order_is_weight_then_name_not_kind() {
        // Rule (pkg/action/hooks.go hookByWeight): weight, then name; kind never decides
        // unless names are equal, and then the incoming (kind-sorted) order stays.
        let hooks = vec![
            hook("b", "ConfigMap", 0),
            hook("a", "Job", 0),
            hook("z", "Secret", -1),
            hook("same", "ServiceAccount", 1),
            hook("same", "Job", 1),
        ];
        let names: Vec<_> = execution_order(&hooks, HookEvent::PreInstall)
            .into_iter()
            .map(|i| format!("{}/{}", hooks[i].kind, hooks[i].name))
            .collect();
        assert_eq!(
            names,
            [
                "Secret/z",
                "Job/a",
                "ConfigMap/b",
                "ServiceAccount/same",
                "Job/same"
            ]
        );
    }

    #[test]
    fn default_delete_policy_only_when_none_set() {
        // Rule (hookSetDeletePolicy): before-hook-creation only when the list is empty.
        let mut h = hook("x", "Job", 0);
        assert_eq!(
            h.effective_delete_policies(),
            [DeletePolicy::BeforeHookCreation]
        );
        h.delete_policies = vec![DeletePolicy::HookSucceeded];
        assert!(!h.deletes_on(&DeletePolicy::BeforeHookCreation));
        // An unknown value still counts as "set" in Helm.
        h.delete_policies = vec![DeletePolicy::parse("hook-suceeded")];
        assert!(!h.deletes_on(&DeletePolicy::BeforeHookCreation));
    }

    #[test]
    fn crd_hooks_are_never_deleted() {
        let mut h = hook("crd", "CustomResourceDefinition", 0);
        h.delete_policies = vec![DeletePolicy::HookSucceeded, DeletePolicy::HookFailed];
        assert!(!h.deletes_on(&DeletePolicy::HookSucceeded));
        assert!(!h.deletes_on(&DeletePolicy::HookFailed));
        assert!(!h.deletes_on(&DeletePolicy::BeforeHookCreation));
    }

    #[test]
    fn test_success_is_test() {
        assert_eq!(HookEvent::parse("test-success"), Some(HookEvent::Test));
        assert_eq!(HookEvent::parse("test-failure"), None);
    }
}
