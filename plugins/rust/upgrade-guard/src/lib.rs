//! `upgrade-guard`: before an upgrade, compares each rendered Deployment, StatefulSet
//! and DaemonSet with the live object and denies changes Kubernetes would reject as
//! immutable, so the upgrade fails before anything is applied rather than halfway.
//! See `README.md`.

use serde::Deserialize;
use windlass_hook_guest::{
    Cluster, Finding, Input, LookupError, Outcome, Path, Resource, ResourceRef, Value, deny, log,
    warn,
};

windlass_hook_guest::export_hook!(run);

/// The hook: look up every guarded workload and compare its immutable fields.
fn run(input: &Input, cluster: &dyn Cluster) -> Result<Outcome, String> {
    let config: Config = input.config_as()?;
    let guarded: Vec<&Resource> = input.resources.iter().filter(|r| is_guarded(r)).collect();
    log::debug(
        "comparing workloads with the live cluster",
        &[("count", &guarded.len().to_string())],
    );
    let mut findings = Vec::new();
    for resource in guarded {
        // Rendered resources without a namespace are installed into the release's.
        let namespace = resource
            .namespace
            .clone()
            .unwrap_or_else(|| input.release.namespace.clone());
        let reference = ResourceRef {
            namespace: Some(namespace.clone()),
            ..resource.reference()
        };
        match cluster.get_object(
            &resource.api_version,
            &resource.kind,
            Some(&namespace),
            &resource.name,
        ) {
            Ok(None) => {}
            Ok(Some(live)) => findings.extend(compare(&reference, resource.object(), &live)),
            Err(error) => findings.push(lookup_failed(&config, &reference, &error)),
        }
    }
    Ok(findings.into_iter().collect())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Config {
    /// What a lookup the host cannot answer (`denied`, `invalid`, `unavailable`)
    /// becomes: a denial (`fail`, the default) or a warning (`warn`).
    #[serde(default)]
    on_lookup_error: OnLookupError,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum OnLookupError {
    #[default]
    Fail,
    Warn,
}

fn is_guarded(resource: &Resource) -> bool {
    resource.group() == "apps"
        && matches!(
            resource.kind.as_str(),
            "Deployment" | "StatefulSet" | "DaemonSet"
        )
}

fn lookup_failed(config: &Config, reference: &ResourceRef, error: &LookupError) -> Finding {
    let hint = match error {
        LookupError::Denied(_) => format!(
            "; grant reads of {} ({}) in namespace {} under the WasmHook's grants.cluster",
            reference.kind,
            reference.api_version,
            reference.namespace.as_deref().unwrap_or_default()
        ),
        _ => String::new(),
    };
    let message = format!(
        "{reference}: cannot read the live object to compare immutable fields ({error}){hint}"
    );
    let finding = match config.on_lookup_error {
        OnLookupError::Fail => deny(message),
        OnLookupError::Warn => warn(message),
    };
    finding.on(reference.clone())
}

/// The immutable fields that would change from `live` to `rendered`, one finding
/// each.
fn compare(reference: &ResourceRef, rendered: &Value, live: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut changed = |field: &str, from: String, to: String| {
        findings.push(
            deny(format!(
                "{reference}: {field} would change from {from} to {to}, but it is immutable; \
                 the upgrade would fail (delete the {} with --cascade=orphan first, or keep {field})",
                reference.kind
            ))
            .at(field)
            .on(reference.clone()),
        );
    };

    let selector = |object: &Value| normalize(object.pointer("/spec/selector"));
    let (from, to) = (selector(live), selector(rendered));
    if from != to {
        changed("spec.selector", show(&from), show(&to));
    }

    if reference.kind == "StatefulSet" {
        let text = |object: &Value, field: &str, default: &str| {
            object
                .pointer(&format!("/spec/{field}"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or(default)
                .to_owned()
        };
        for (field, default) in [("serviceName", ""), ("podManagementPolicy", "OrderedReady")] {
            let (from, to) = (text(live, field, default), text(rendered, field, default));
            if from != to {
                changed(
                    &format!("spec.{field}"),
                    format!("{from:?}"),
                    format!("{to:?}"),
                );
            }
        }
        if let Some(change) = claim_templates_change(rendered, live) {
            let (field, from, to) = change;
            changed(&field, from, to);
        }
    }
    findings
}

/// The first difference in `spec.volumeClaimTemplates`: the field, and its live and
/// rendered values. Templates are matched by position; within one, only what the
/// chart sets is compared, since the API server fills in defaults (`volumeMode`,
/// `status`, a default `storageClassName`) the chart never wrote.
fn claim_templates_change(rendered: &Value, live: &Value) -> Option<(String, String, String)> {
    let templates = |object: &Value| {
        object
            .pointer("/spec/volumeClaimTemplates")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (live, rendered) = (templates(live), templates(rendered));
    let names = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|t| {
                t.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    };
    let (live_names, rendered_names) = (names(&live), names(&rendered));
    if live_names != rendered_names {
        return Some((
            "spec.volumeClaimTemplates".into(),
            format!("{live_names:?}"),
            format!("{rendered_names:?}"),
        ));
    }
    for (i, (r, l)) in rendered.iter().zip(&live).enumerate() {
        let at = Path::root()
            .key("spec")
            .key("volumeClaimTemplates")
            .index(i);
        if let Err((path, from, to)) = contained(r, l, at, false) {
            return Some((path.to_string(), show(&from), show(&to)));
        }
    }
    None
}

/// Whether every field `rendered` sets has the same value in `live`; otherwise the
/// first path that differs, with its live and rendered values. Beneath a
/// `resources` key, quantities compare by amount (`1Gi` equals `1024Mi`), as the
/// API server rewrites them.
fn contained(
    rendered: &Value,
    live: &Value,
    at: Path,
    quantities: bool,
) -> Result<(), (Path, Value, Value)> {
    let differ = |at: Path| Err((at, live.clone(), rendered.clone()));
    match (rendered, live) {
        (Value::Object(r), Value::Object(l)) => {
            for (key, value) in r {
                let inner = quantities || key == "resources";
                let live_value = l.get(key).unwrap_or(&Value::Null);
                contained(value, live_value, at.clone().key(key), inner)?;
            }
            Ok(())
        }
        (Value::Array(r), Value::Array(l)) if r.len() == l.len() => {
            for (i, (rv, lv)) in r.iter().zip(l).enumerate() {
                contained(rv, lv, at.clone().index(i), quantities)?;
            }
            Ok(())
        }
        _ if normalize(Some(rendered)).is_null() => Ok(()),
        _ if rendered == live => Ok(()),
        _ if quantities && same_quantity(rendered, live) => Ok(()),
        _ => differ(at),
    }
}

/// `value` without `null`s, empty maps and empty lists, which the API server does
/// not keep: `{matchLabels: {app: x}, matchExpressions: []}` equals
/// `{matchLabels: {app: x}}`. What is left empty becomes `null`.
fn normalize(value: Option<&Value>) -> Value {
    match value {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Object(map)) => {
            let kept: windlass_hook_guest::serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), normalize(Some(v))))
                .filter(|(_, v)| !v.is_null())
                .collect();
            if kept.is_empty() {
                Value::Null
            } else {
                Value::Object(kept)
            }
        }
        Some(Value::Array(items)) if items.is_empty() => Value::Null,
        Some(Value::Array(items)) => {
            Value::Array(items.iter().map(|v| normalize(Some(v))).collect())
        }
        Some(other) => other.clone(),
    }
}

fn show(value: &Value) -> String {
    if value.is_null() {
        "(none)".into()
    } else {
        value.to_string()
    }
}

fn same_quantity(a: &Value, b: &Value) -> bool {
    match (quantity(a), quantity(b)) {
        (Some(x), Some(y)) => (x - y).abs() <= f64::EPSILON * 16.0 * x.abs().max(y.abs()),
        _ => false,
    }
}

/// A Kubernetes quantity (`500m`, `1Gi`, `1.5e3`, `2`) as a number.
fn quantity(value: &Value) -> Option<f64> {
    let text = match value {
        Value::Number(n) => return n.as_f64(),
        Value::String(s) => s.trim(),
        _ => return None,
    };
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(end);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exponent => {
            let digits = exponent.strip_prefix(['e', 'E'])?;
            10f64.powi(digits.parse().ok()?)
        }
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use windlass_hook_guest::{Severity, json};

    /// Answers lookups from `objects`, or fails them all with `error`.
    struct Live {
        objects: Vec<Value>,
        error: Option<LookupError>,
    }

    impl Cluster for Live {
        fn get_object(
            &self,
            api_version: &str,
            kind: &str,
            namespace: Option<&str>,
            name: &str,
        ) -> Result<Option<Value>, LookupError> {
            if let Some(e) = &self.error {
                return Err(e.clone());
            }
            Ok(self
                .objects
                .iter()
                .find(|o| {
                    o["apiVersion"] == api_version
                        && o["kind"] == kind
                        && o["metadata"]["name"] == name
                        && o["metadata"]["namespace"].as_str() == namespace
                })
                .cloned())
        }

        fn list_objects(
            &self,
            _: &str,
            _: &str,
            _: Option<&str>,
            _: Option<&str>,
        ) -> Result<Vec<Value>, LookupError> {
            unreachable!("upgrade-guard only gets objects")
        }
    }

    fn workload(kind: &str, namespace: Option<&str>, spec: Value) -> Value {
        let mut metadata = json!({"name": "web"});
        if let Some(ns) = namespace {
            metadata["namespace"] = json!(ns);
        }
        json!({"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": spec})
    }

    fn input(rendered: Vec<Value>, config: Value) -> Input {
        let mut case: windlass_hook_cases::Case = base_case();
        case.config = config;
        let mut input = windlass_hook_cases::input(&case).unwrap();
        input.release.namespace = "shop".into();
        input.resources = rendered
            .into_iter()
            .map(|o| Resource::from_object(o, "t.yaml"))
            .collect();
        input
    }

    fn base_case() -> windlass_hook_cases::Case {
        windlass_hook_cases::Case {
            description: "unit".into(),
            event: "pre-upgrade".into(),
            values: json!({}),
            config: Value::Null,
            manifests: None,
            fixtures: vec![],
            grants: Value::Null,
            expect: windlass_hook_cases::Expect {
                allowed: Some(true),
                findings: vec![],
                create: None,
                error: None,
            },
        }
    }

    fn outcome(rendered: Vec<Value>, live: Vec<Value>, config: Value) -> Outcome {
        let cluster = Live {
            objects: live,
            error: None,
        };
        run(&input(rendered, config), &cluster).unwrap()
    }

    fn paths(outcome: &Outcome) -> Vec<String> {
        outcome
            .findings()
            .iter()
            .map(|f| f.field_path.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn selector_change_is_denied_in_the_release_namespace() {
        let rendered = workload(
            "Deployment",
            None,
            json!({"selector": {"matchLabels": {"app": "web", "tier": "fe"}}}),
        );
        let live = workload(
            "Deployment",
            Some("shop"),
            json!({"selector": {"matchLabels": {"app": "web"}}, "replicas": 1}),
        );
        let o = outcome(vec![rendered], vec![live], Value::Null);
        assert!(!o.is_allowed());
        assert_eq!(paths(&o), ["spec.selector"]);
        let f = &o.findings()[0];
        assert_eq!(
            f.message,
            "Deployment shop/web: spec.selector would change from {\"matchLabels\":{\"app\":\"web\"}} \
             to {\"matchLabels\":{\"app\":\"web\",\"tier\":\"fe\"}}, but it is immutable; the upgrade \
             would fail (delete the Deployment with --cascade=orphan first, or keep spec.selector)"
        );
        assert_eq!(
            f.resource.as_ref().unwrap().namespace.as_deref(),
            Some("shop")
        );
    }

    #[test]
    fn equal_selectors_and_missing_live_objects_pass() {
        let rendered = workload(
            "DaemonSet",
            Some("shop"),
            json!({"selector": {"matchLabels": {"app": "web"}, "matchExpressions": []}}),
        );
        let live = workload(
            "DaemonSet",
            Some("shop"),
            json!({"selector": {"matchLabels": {"app": "web"}}, "revisionHistoryLimit": 10}),
        );
        assert!(
            outcome(vec![rendered.clone()], vec![live], Value::Null)
                .findings()
                .is_empty()
        );
        // No live object: a first install of this workload, nothing to compare.
        assert!(
            outcome(vec![rendered.clone()], vec![], Value::Null)
                .findings()
                .is_empty()
        );
        // Another namespace's object is not this one.
        let elsewhere = workload("DaemonSet", Some("other"), json!({"selector": {}}));
        assert!(
            outcome(vec![rendered], vec![elsewhere], Value::Null)
                .findings()
                .is_empty()
        );
    }

    #[test]
    fn only_apps_workloads_are_looked_up() {
        let cluster = Live {
            objects: vec![],
            error: Some(LookupError::Unavailable("down".into())),
        };
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let custom = json!({"apiVersion": "example.com/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        let o = run(&input(vec![cm, custom], Value::Null), &cluster).unwrap();
        assert!(o.findings().is_empty());
    }

    fn statefulset(service: &str, templates: Value) -> Value {
        workload(
            "StatefulSet",
            Some("shop"),
            json!({"selector": {"matchLabels": {"app": "db"}}, "serviceName": service,
                   "volumeClaimTemplates": templates}),
        )
    }

    fn claim(name: &str, storage: &str) -> Value {
        json!({"metadata": {"name": name},
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}}})
    }

    /// A claim template as the API server returns it: defaults and status filled in.
    fn live_claim(name: &str, storage: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": {"name": name, "creationTimestamp": null},
               "spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem",
                        "storageClassName": "standard",
                        "resources": {"requests": {"storage": storage}}},
               "status": {"phase": "Pending"}})
    }

    #[test]
    fn statefulset_defaults_and_equal_quantities_are_not_changes() {
        let rendered = statefulset("db", json!([claim("data", "10240Mi")]));
        let live = statefulset("db", json!([live_claim("data", "10Gi")]));
        assert!(
            outcome(vec![rendered], vec![live], Value::Null)
                .findings()
                .is_empty()
        );
    }

    #[test]
    fn statefulset_service_name_and_claims_are_immutable() {
        let rendered = statefulset("db-headless", json!([claim("data", "20Gi")]));
        let live = statefulset("db", json!([live_claim("data", "10Gi")]));
        let o = outcome(vec![rendered], vec![live], Value::Null);
        assert_eq!(
            paths(&o),
            [
                "spec.serviceName",
                "spec.volumeClaimTemplates[0].spec.resources.requests.storage"
            ]
        );
        assert!(
            o.findings()[0]
                .message
                .contains("spec.serviceName would change from \"db\" to \"db-headless\"")
        );
        assert!(
            o.findings()[1]
                .message
                .contains("would change from \"10Gi\" to \"20Gi\"")
        );

        let renamed = statefulset("db", json!([claim("data", "10Gi"), claim("wal", "1Gi")]));
        let live = statefulset("db", json!([live_claim("data", "10Gi")]));
        let o = outcome(vec![renamed], vec![live], Value::Null);
        assert_eq!(paths(&o), ["spec.volumeClaimTemplates"]);
        assert!(
            o.findings()[0]
                .message
                .contains("from [\"data\"] to [\"data\", \"wal\"]")
        );

        let policy = workload(
            "StatefulSet",
            Some("shop"),
            json!({"serviceName": "db", "podManagementPolicy": "Parallel"}),
        );
        let live = workload(
            "StatefulSet",
            Some("shop"),
            json!({"serviceName": "db", "podManagementPolicy": "OrderedReady"}),
        );
        assert_eq!(
            paths(&outcome(vec![policy], vec![live], Value::Null)),
            ["spec.podManagementPolicy"]
        );
    }

    #[test]
    fn lookup_errors_fail_or_warn_as_configured() {
        let rendered = workload("Deployment", Some("shop"), json!({"selector": {}}));
        for (error, config, severity) in [
            (
                LookupError::Denied("no grant".into()),
                Value::Null,
                Severity::Error,
            ),
            (
                LookupError::Unavailable("timeout".into()),
                json!({"onLookupError": "fail"}),
                Severity::Error,
            ),
            (
                LookupError::Unavailable("timeout".into()),
                json!({"onLookupError": "warn"}),
                Severity::Warning,
            ),
        ] {
            let cluster = Live {
                objects: vec![],
                error: Some(error.clone()),
            };
            let o = run(&input(vec![rendered.clone()], config), &cluster).unwrap();
            assert_eq!(o.findings().len(), 1);
            let f = &o.findings()[0];
            assert_eq!(f.severity, severity);
            assert!(
                f.message
                    .starts_with("Deployment shop/web: cannot read the live object"),
                "{}",
                f.message
            );
            assert!(f.message.contains(&error.to_string()), "{}", f.message);
            assert_eq!(
                f.message.contains(
                    "grant reads of Deployment (apps/v1) in namespace shop under the WasmHook's grants.cluster"
                ),
                matches!(error, LookupError::Denied(_))
            );
        }
    }

    #[test]
    fn invalid_config_is_an_error() {
        let cluster = Live {
            objects: vec![],
            error: None,
        };
        let err = run(&input(vec![], json!({"onLookupError": "ignore"})), &cluster).unwrap_err();
        assert!(
            err.starts_with("invalid config at onLookupError: unknown variant `ignore`"),
            "{err}"
        );
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity(&json!("500m")), Some(0.5));
        assert_eq!(quantity(&json!("1Gi")), Some(1073741824.0));
        assert_eq!(quantity(&json!("1.5e3")), Some(1500.0));
        assert_eq!(quantity(&json!("2E")), Some(2e18));
        assert_eq!(quantity(&json!(3)), Some(3.0));
        assert_eq!(quantity(&json!("lots")), None);
        assert_eq!(quantity(&json!("1Xi")), None);
        assert!(same_quantity(&json!("1Gi"), &json!("1024Mi")));
        assert!(same_quantity(&json!("1"), &json!(1)));
        assert!(!same_quantity(&json!("1G"), &json!("1Gi")));
    }

    #[test]
    fn cases() {
        windlass_hook_cases::check_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests"), run);
    }
}
