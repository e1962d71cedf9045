//! Checks a hook's `tests/*.yaml` cases (the format in `plugins/README.md`) against
//! the hook's Rust function, on the host target.
//!
//! The cases are written for the real host (`windlass hook run`), which runs the
//! built component; this check runs the same cases through the hook's logic without
//! it, so a case whose expectation does not match what the code does fails in
//! `cargo test` already. Cluster lookups are answered from the case's `fixtures`,
//! and refused (`denied`) unless a `grants.cluster` entry lists the `apiVersion`,
//! the `kind` and the namespace: an entry's `namespaces` defaults to the release's
//! (`default`), `["*"]` means any (the host's grant rules).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use windlass_hook_guest::{
    Chart, Cluster, Event, HookFn, Input, LookupError, Outcome, Release, Resource,
};

/// One `tests/*.yaml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub description: String,
    #[serde(default = "default_event")]
    pub event: String,
    #[serde(default = "empty_object")]
    pub values: Value,
    #[serde(default)]
    pub config: Value,
    #[serde(default)]
    pub manifests: Option<String>,
    #[serde(default)]
    pub fixtures: Vec<Value>,
    #[serde(default)]
    pub grants: Value,
    pub expect: Expect,
}

/// A case's `expect`: either a verdict with findings, or the hook's `error`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub allowed: Option<bool>,
    #[serde(default)]
    pub findings: Vec<String>,
    #[serde(default)]
    pub create: Option<usize>,
    /// The hook returns `err` with a message containing this.
    #[serde(default)]
    pub error: Option<String>,
}

fn default_event() -> String {
    "pre-install".into()
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// Runs every `*.yaml` case in `dir` through `hook` and panics listing each case
/// whose expectation is not met (or that does not parse). Panics too when `dir`
/// holds no case, so a misplaced directory cannot pass.
pub fn check_dir(dir: impl AsRef<Path>, hook: HookFn) {
    let dir = dir.as_ref();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("reading a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.yaml case in {}", dir.display());
    let mut failures = String::new();
    for file in &files {
        if let Err(e) = check_file(file, hook) {
            let _ = writeln!(failures, "{}: {e}", file.display());
        }
    }
    assert!(failures.is_empty(), "cases failed:\n{failures}");
}

/// Checks one case file.
pub fn check_file(file: &Path, hook: HookFn) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let case: Case = serde_yaml::from_str(&text).map_err(|e| format!("not a case: {e}"))?;
    check_case(&case, hook)
}

/// Runs `case` through `hook` and compares with its `expect`.
pub fn check_case(case: &Case, hook: HookFn) -> Result<(), String> {
    let input = input(case)?;
    let cluster = Fixtures::new(case)?;
    let expect = &case.expect;
    match (hook(&input, &cluster), &expect.error) {
        (Err(message), Some(wanted)) if message.contains(wanted.as_str()) => Ok(()),
        (Err(message), Some(wanted)) => Err(format!("error {message:?} lacks {wanted:?}")),
        (Err(message), None) => Err(format!("the hook failed: {message}")),
        (Ok(outcome), Some(wanted)) => Err(format!(
            "expected an error with {wanted:?}, got {}",
            describe(&outcome)
        )),
        (Ok(outcome), None) => check_outcome(&outcome, expect),
    }
}

fn check_outcome(outcome: &Outcome, expect: &Expect) -> Result<(), String> {
    let allowed = expect
        .allowed
        .ok_or("expect sets neither `allowed` nor `error`")?;
    if outcome.is_allowed() != allowed {
        return Err(format!(
            "expected allowed: {allowed}, got {}",
            describe(outcome)
        ));
    }
    for wanted in &expect.findings {
        if !outcome
            .findings()
            .iter()
            .any(|f| f.message.contains(wanted.as_str()))
        {
            return Err(format!(
                "no finding contains {wanted:?}; got {}",
                describe(outcome)
            ));
        }
    }
    if let Some(create) = expect.create
        && outcome.created().len() != create
    {
        return Err(format!(
            "expected {create} objects to create, got {}",
            outcome.created().len()
        ));
    }
    Ok(())
}

fn describe(outcome: &Outcome) -> String {
    let messages: Vec<String> = outcome
        .findings()
        .iter()
        .map(|f| format!("{:?} {:?}", f.severity, f.message))
        .collect();
    format!(
        "allowed: {}, findings: [{}]",
        outcome.is_allowed(),
        messages.join(", ")
    )
}

/// The hook's input for `case`: release `test` in namespace `default`.
pub fn input(case: &Case) -> Result<Input, String> {
    let event = parse_event(&case.event)?;
    let upgrade = matches!(event, Event::PreUpgrade | Event::PostUpgrade);
    let install = matches!(event, Event::PreInstall | Event::PostInstall);
    let resources = match &case.manifests {
        None => Vec::new(),
        Some(stream) => {
            let mut resources = Vec::new();
            for document in serde_yaml::Deserializer::from_str(stream) {
                let object = Value::deserialize(document)
                    .map_err(|e| format!("manifests do not parse: {e}"))?;
                if !object.is_null() {
                    resources.push(Resource::from_object(object, "case manifests"));
                }
            }
            resources
        }
    };
    Ok(Input {
        event,
        release: Release {
            name: "test".into(),
            namespace: RELEASE_NAMESPACE.into(),
            revision: if install { 1 } else { 2 },
            previous_revision: if install { None } else { Some(1) },
            is_install: install,
            is_upgrade: upgrade,
        },
        chart: Chart {
            name: "test".into(),
            version: "0.1.0".into(),
            app_version: None,
            kube_version: None,
            annotations: Vec::new(),
        },
        values: case.values.clone().into(),
        resources,
        config: case.config.clone(),
        kube_version: "v1.36.0".into(),
        api_versions: vec!["v1".into(), "apps/v1".into(), "batch/v1".into()],
    })
}

fn parse_event(name: &str) -> Result<Event, String> {
    Ok(match name {
        "pre-install" => Event::PreInstall,
        "post-install" => Event::PostInstall,
        "pre-delete" => Event::PreDelete,
        "post-delete" => Event::PostDelete,
        "pre-upgrade" => Event::PreUpgrade,
        "post-upgrade" => Event::PostUpgrade,
        "pre-rollback" => Event::PreRollback,
        "post-rollback" => Event::PostRollback,
        "test" => Event::Test,
        other => return Err(format!("unknown event {other:?}")),
    })
}

/// The namespace cases run in.
const RELEASE_NAMESPACE: &str = "default";

/// One `grants.cluster` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClusterGrant {
    api_version: String,
    kind: String,
    /// Omitted: the release's namespace only; `["*"]`: any.
    #[serde(default)]
    namespaces: Option<Vec<String>>,
}

impl ClusterGrant {
    fn covers(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> bool {
        let namespace_ok = match (namespace, &self.namespaces) {
            (None, _) => true,
            (Some(ns), None) => ns == RELEASE_NAMESPACE,
            (Some(ns), Some(list)) => list.iter().any(|n| n == "*" || n == ns),
        };
        self.api_version == api_version && self.kind == kind && namespace_ok
    }
}

/// Lookups answered from a case's `fixtures`, checked against its `grants.cluster`.
struct Fixtures {
    objects: Vec<Resource>,
    granted: Vec<ClusterGrant>,
}

impl Fixtures {
    fn new(case: &Case) -> Result<Fixtures, String> {
        let granted = match case.grants.get("cluster") {
            None | Some(Value::Null) => Vec::new(),
            Some(entries) => Vec::<ClusterGrant>::deserialize(entries)
                .map_err(|e| format!("grants.cluster: {e}"))?,
        };
        let objects = case
            .fixtures
            .iter()
            .map(|o| Resource::from_object(o.clone(), "case fixtures"))
            .collect();
        Ok(Fixtures { objects, granted })
    }

    fn check_grant(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<(), LookupError> {
        if self
            .granted
            .iter()
            .any(|g| g.covers(api_version, kind, namespace))
        {
            Ok(())
        } else {
            Err(LookupError::Denied(format!(
                "reads of {kind} ({api_version}) in {} are not granted",
                namespace.unwrap_or("all namespaces")
            )))
        }
    }

    fn of_kind<'a>(
        &'a self,
        api_version: &'a str,
        kind: &'a str,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        self.objects
            .iter()
            .filter(move |o| o.api_version == api_version && o.kind == kind)
    }
}

impl Cluster for Fixtures {
    fn get_object(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, LookupError> {
        self.check_grant(api_version, kind, namespace)?;
        Ok(self
            .of_kind(api_version, kind)
            .find(|o| o.name == name && o.namespace.as_deref() == namespace)
            .map(|o| o.object().clone()))
    }

    fn list_objects(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, LookupError> {
        self.check_grant(api_version, kind, namespace)?;
        let selector = label_selector.map(parse_selector).transpose()?;
        Ok(self
            .of_kind(api_version, kind)
            .filter(|o| namespace.is_none() || o.namespace.as_deref() == namespace)
            .filter(|o| {
                selector
                    .as_ref()
                    .is_none_or(|s| s.iter().all(|r| r.matches(o)))
            })
            .map(|o| o.object().clone())
            .collect())
    }
}

/// One requirement of an equality-based label selector.
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Absent(String),
}

impl Requirement {
    fn matches(&self, object: &Resource) -> bool {
        let label = |key: &str| {
            object
                .object()
                .get("metadata")
                .and_then(|m| m.get("labels"))
                .and_then(|l| l.get(key))
                .and_then(Value::as_str)
        };
        match self {
            Requirement::Equals(k, v) => label(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
            Requirement::Exists(k) => label(k).is_some(),
            Requirement::Absent(k) => label(k).is_none(),
        }
    }
}

fn parse_selector(selector: &str) -> Result<Vec<Requirement>, LookupError> {
    selector
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let req = if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some(k) = part.strip_prefix('!') {
                Requirement::Absent(k.trim().into())
            } else if part.contains(' ') {
                return Err(LookupError::Invalid(format!(
                    "set-based selectors are not supported here: {part:?}"
                )));
            } else {
                Requirement::Exists(part.into())
            };
            Ok(req)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use windlass_hook_guest::{deny, json, lookup_str};

    fn case(yaml: &str) -> Case {
        serde_yaml::from_str(yaml).unwrap()
    }

    fn deny_latest(input: &Input, _: &dyn Cluster) -> Result<Outcome, String> {
        if input.config.is_string() {
            return Err("config must be an object".into());
        }
        Ok(input
            .resources
            .iter()
            .filter(|r| lookup_str(r.object(), "spec.image") == Some("x:latest"))
            .map(|r| deny(format!("{} uses latest", r.name)))
            .collect())
    }

    fn read_web(_: &Input, cluster: &dyn Cluster) -> Result<Outcome, String> {
        let found = cluster
            .get_object("apps/v1", "Deployment", Some("shop"), "web")
            .map_err(|e| e.to_string())?;
        let listed = cluster
            .list_objects("apps/v1", "Deployment", None, Some("tier=fe,!legacy"))
            .map_err(|e| e.to_string())?;
        Ok(Outcome::new()
            .finding(deny(format!("found {}", found.is_some())))
            .finding(deny(format!("listed {}", listed.len()))))
    }

    #[test]
    fn verdict_findings_and_errors_are_compared() {
        let manifests = "manifests: |\n  kind: Pod\n  metadata: {name: p}\n  spec: {image: x:latest}\n  ---\n  kind: Pod\n  metadata: {name: q}\n";
        let ok = case(&format!(
            "description: d\n{manifests}expect: {{allowed: false, findings: [p uses]}}"
        ));
        assert_eq!(check_case(&ok, deny_latest), Ok(()));
        let wrong_verdict = case(&format!(
            "description: d\n{manifests}expect: {{allowed: true}}"
        ));
        assert!(check_case(&wrong_verdict, deny_latest).is_err());
        let wrong_finding = case(&format!(
            "description: d\n{manifests}expect: {{allowed: false, findings: [q uses]}}"
        ));
        assert!(check_case(&wrong_finding, deny_latest).is_err());
        let error = case("description: d\nconfig: x\nexpect: {error: must be}");
        assert_eq!(check_case(&error, deny_latest), Ok(()));
        let unexpected = case("description: d\nconfig: x\nexpect: {allowed: true}");
        assert!(check_case(&unexpected, deny_latest).is_err());
        let missing_error = case("description: d\nexpect: {error: must be}");
        assert!(check_case(&missing_error, deny_latest).is_err());
        let create = case("description: d\nexpect: {allowed: true, create: 1}");
        assert!(check_case(&create, deny_latest).is_err());
    }

    #[test]
    fn fixtures_answer_granted_lookups_only() {
        let fixtures = "fixtures:\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: shop, labels: {tier: fe}}}\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: old, namespace: x, labels: {tier: fe, legacy: 'y'}}}\n";
        let granted = case(&format!(
            "description: d\n{fixtures}grants: {{cluster: [{{apiVersion: apps/v1, kind: Deployment, namespaces: ['*']}}]}}\nexpect: {{allowed: false, findings: [found true, listed 1]}}"
        ));
        assert_eq!(check_case(&granted, read_web), Ok(()));
        let refused = case(&format!(
            "description: d\n{fixtures}expect: {{error: 'denied: reads of Deployment (apps/v1) in shop'}}"
        ));
        assert_eq!(check_case(&refused, read_web), Ok(()));
        // Without `namespaces` a grant covers the release's namespace only.
        let release_only = case(&format!(
            "description: d\n{fixtures}grants: {{cluster: [{{apiVersion: apps/v1, kind: Deployment}}]}}\nexpect: {{error: denied}}"
        ));
        assert_eq!(check_case(&release_only, read_web), Ok(()));
        let bad =
            case("description: d\ngrants: {cluster: [{kind: Secret}]}\nexpect: {allowed: true}");
        assert!(
            check_case(&bad, read_web)
                .unwrap_err()
                .contains("apiVersion")
        );
    }

    #[test]
    fn grants_cover_kinds_and_namespaces() {
        let grant = |namespaces: Option<Vec<&str>>| ClusterGrant {
            api_version: "v1".into(),
            kind: "Secret".into(),
            namespaces: namespaces.map(|l| l.into_iter().map(String::from).collect()),
        };
        assert!(grant(None).covers("v1", "Secret", Some("default")));
        assert!(grant(None).covers("v1", "Secret", None));
        assert!(!grant(None).covers("v1", "Secret", Some("shop")));
        assert!(!grant(None).covers("v1", "ConfigMap", Some("default")));
        assert!(!grant(None).covers("apps/v1", "Secret", Some("default")));
        assert!(grant(Some(vec!["shop"])).covers("v1", "Secret", Some("shop")));
        assert!(!grant(Some(vec!["shop"])).covers("v1", "Secret", Some("default")));
        assert!(grant(Some(vec!["*"])).covers("v1", "Secret", Some("x")));
    }

    #[test]
    fn input_reads_event_values_and_manifests() {
        let c = case(
            "description: d\nevent: pre-upgrade\nvalues: {a: 1}\nmanifests: |\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x, namespace: n}\n  ---\nexpect: {allowed: true}",
        );
        let input = input(&c).unwrap();
        assert_eq!(input.event, Event::PreUpgrade);
        assert!(input.release.is_upgrade);
        assert_eq!(input.values.get(), &json!({"a": 1}));
        assert_eq!(input.resources.len(), 1);
        assert_eq!(input.resources[0].namespace.as_deref(), Some("n"));
        assert!(serde_yaml::from_str::<Case>("description: d\nexpect: {}\nbogus: 1").is_err());
        assert!(super::input(&case("description: d\nevent: later\nexpect: {}")).is_err());
    }
}
