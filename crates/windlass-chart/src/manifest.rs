//! Rendered output split into resources and hooks, in Helm's order
//! (`pkg/release/v1/util/manifest.go`, `manifest_sorter.go`, `kind_sorter.go`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::hook::{
    DeletePolicy, HOOK_ANNOTATION, HOOK_DELETE_ANNOTATION, HOOK_OUTPUT_LOG_ANNOTATION,
    HOOK_WEIGHT_ANNOTATION, Hook, HookEvent, OutputLogPolicy,
};
use crate::yaml;

/// `helm.sh/resource-policy`; `keep` leaves a resource in place on uninstall.
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";
/// The value of [`RESOURCE_POLICY_ANNOTATION`] that keeps a resource.
pub const RESOURCE_POLICY_KEEP: &str = "keep";

/// The identifying head of a rendered document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`; empty for a comment-only document.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHead {
    #[serde(default, deserialize_with = "go_string")]
    api_version: Option<String>,
    #[serde(default, deserialize_with = "go_string")]
    kind: Option<String>,
    #[serde(default)]
    metadata: Option<RawMetadata>,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(default, deserialize_with = "go_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "go_string")]
    namespace: Option<String>,
    #[serde(default, deserialize_with = "go_string_map")]
    annotations: Option<BTreeMap<String, String>>,
}

/// A value bound for a Go `string` field, as `sigs.k8s.io/yaml` delivers it:
/// a number or boolean becomes its text (`5`, `1.5`, `true`), `null` leaves
/// the field empty; a list or map is an error.
fn go_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    go_string_of(serde_json::Value::deserialize(d)?).map_err(serde::de::Error::custom)
}

fn go_string_of(value: serde_json::Value) -> Result<Option<String>, String> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => None,
        Value::String(text) => Some(text),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(crate::load::go_number_string(&number)),
        other => {
            return Err(format!(
                "expected a string, found {}",
                yaml::kind_of(&other)
            ));
        }
    })
}

/// A `map[string]string` as `sigs.k8s.io/yaml` fills it: values as
/// [`go_string`], a `null` value an empty string.
fn go_string_map<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    let Some(entries) = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)? else {
        return Ok(None);
    };
    entries
        .into_iter()
        .map(|(key, value)| Ok((key, go_string_of(value)?.unwrap_or_default())))
        .collect::<Result<_, String>>()
        .map(Some)
        .map_err(serde::de::Error::custom)
}

impl Head {
    /// Reads the head of one document the way Helm's `SimpleHead` does.
    ///
    /// # Errors
    /// Malformed YAML, or a head whose fields have the wrong type (an annotation
    /// value that is a list or a map, say), as `YAML parse error on <path>`.
    pub fn parse(document: &str, path: &str) -> Result<Head, ManifestError> {
        let parse_error = |message: String| ManifestError::Parse {
            path: path.to_string(),
            message,
        };
        let value = yaml::parse(document.as_bytes(), path).map_err(|e| {
            parse_error(match e.line {
                Some(line) => format!("line {line}: {}", e.message),
                None => e.message,
            })
        })?;
        if value.is_null() {
            return Ok(Head::default());
        }
        let raw: RawHead = serde_json::from_value(value).map_err(|e| parse_error(e.to_string()))?;
        let metadata = raw.metadata.unwrap_or(RawMetadata {
            name: None,
            namespace: None,
            annotations: None,
        });
        Ok(Head {
            api_version: raw.api_version.unwrap_or_default(),
            kind: raw.kind.unwrap_or_default(),
            name: metadata.name.unwrap_or_default(),
            namespace: metadata.namespace.filter(|ns| !ns.is_empty()),
            annotations: metadata.annotations.unwrap_or_default(),
        })
    }
}

/// One rendered, non-hook resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The template it came from (`chart/templates/x.yaml`).
    pub path: String,
    /// The document's text.
    pub content: String,
    /// Its head.
    pub head: Head,
}

impl Manifest {
    /// Whether `helm.sh/resource-policy: keep` is set (Helm trims and lowercases it).
    pub fn is_kept(&self) -> bool {
        self.head
            .annotations
            .get(RESOURCE_POLICY_ANNOTATION)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(RESOURCE_POLICY_KEEP))
    }
}

/// Something Helm silently accepts that a chart author should hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A `helm.sh/hook` with an event Helm does not know: Helm drops the whole
    /// resource (neither hook nor manifest), and so do we, but out loud.
    UnknownHookEvent {
        /// Template path.
        path: String,
        /// `kind/name` of the dropped resource.
        resource: String,
        /// The annotation's value.
        value: String,
    },
    /// A `helm.sh/hook-weight` that is not an integer; it counts as 0.
    InvalidWeight {
        /// Template path.
        path: String,
        /// `kind/name` of the hook.
        resource: String,
        /// The annotation's value.
        value: String,
    },
    /// A delete or output-log policy Helm does not know; it is kept but has no effect.
    UnknownPolicy {
        /// Template path.
        path: String,
        /// `kind/name` of the hook.
        resource: String,
        /// The annotation.
        annotation: &'static str,
        /// The unknown value.
        value: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UnknownHookEvent {
                path,
                resource,
                value,
            } => write!(
                f,
                "`{path}`: {resource} dropped: `{HOOK_ANNOTATION}: {value}` names an unknown hook event (Helm drops it silently)"
            ),
            Warning::InvalidWeight {
                path,
                resource,
                value,
            } => write!(
                f,
                "`{path}`: {resource}: `{HOOK_WEIGHT_ANNOTATION}: {value}` is not an integer; it counts as 0"
            ),
            Warning::UnknownPolicy {
                path,
                resource,
                annotation,
                value,
            } => write!(
                f,
                "`{path}`: {resource}: `{annotation}` has unknown value `{value}`; it has no effect"
            ),
        }
    }
}

/// Errors splitting rendered output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// A rendered document whose head cannot be read.
    #[error("YAML parse error on `{path}`: {message}")]
    Parse {
        /// Template path.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Rendered output sorted into hooks and resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SortedManifests {
    /// Hooks, in kind order (execution order per event comes from
    /// [`crate::hook::execution_order`]).
    pub hooks: Vec<Hook>,
    /// Resources, in kind order.
    pub manifests: Vec<Manifest>,
    /// What Helm would have accepted silently.
    pub warnings: Vec<Warning>,
}

/// Helm's `(?:^|\s*\n)---\s*` with Go's ASCII `\s` (which excludes `\v`).
static SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\t\n\x0C\r ]*\n)---[\t\n\x0C\r ]*").expect("valid regex"));

/// Splits a YAML stream into documents exactly as Helm's `SplitManifests`:
/// leading whitespace is trimmed from the stream and from each document, empty
/// documents are dropped, and a trailing newline stays on the last one.
pub fn split_documents(text: &str) -> Vec<&str> {
    let text = text.trim_start();
    SEPARATOR
        .split(text)
        .filter(|doc| !doc.is_empty())
        .map(str::trim_start)
        .collect()
}

/// The order in which kinds are applied or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindOrder {
    /// Helm's `InstallOrder`.
    Install,
    /// Helm's `UninstallOrder`.
    Uninstall,
}

const INSTALL_ORDER: [&str; 38] = [
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

const UNINSTALL_ORDER: [&str; 38] = [
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "Ingress",
    "IngressClass",
    "Service",
    "CronJob",
    "Job",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "DaemonSet",
    "RoleBindingList",
    "RoleBinding",
    "RoleList",
    "Role",
    "ClusterRoleBindingList",
    "ClusterRoleBinding",
    "ClusterRoleList",
    "ClusterRole",
    "CustomResourceDefinition",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "ConfigMap",
    "SecretList",
    "Secret",
    "ServiceAccount",
    "PodDisruptionBudget",
    "PodSecurityPolicy",
    "LimitRange",
    "ResourceQuota",
    "NetworkPolicy",
    "Namespace",
    "PriorityClass",
];

impl KindOrder {
    fn rank(self, kind: &str) -> Option<usize> {
        let list: &[&str] = match self {
            KindOrder::Install => &INSTALL_ORDER,
            KindOrder::Uninstall => &UNINSTALL_ORDER,
        };
        list.iter().position(|k| *k == kind)
    }

    /// Helm's `lessByKind`: known kinds by rank, unknown kinds last and
    /// alphabetically among themselves. Equal kinds compare equal, so a stable
    /// sort keeps their order.
    pub fn compare(self, a: &str, b: &str) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self.rank(a), self.rank(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.cmp(b),
        }
    }

    /// Stably sorts items by the kind `kind_of` returns.
    pub fn sort<T>(self, items: &mut [T], kind_of: impl Fn(&T) -> &str) {
        items.sort_by(|a, b| self.compare(kind_of(a), kind_of(b)));
    }
}

/// Sorts rendered files into hooks and resources, as Helm's `SortManifests`.
///
/// `files` maps template paths to rendered text. Files are visited in path
/// order; partials (basename starting with `_`) and blank output are skipped.
///
/// # Errors
/// A document whose head cannot be parsed, naming its template.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
    order: KindOrder,
) -> Result<SortedManifests, ManifestError> {
    let mut sorted = SortedManifests::default();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for document in split_documents(content) {
            classify(path, document, &mut sorted)?;
        }
    }
    order.sort(&mut sorted.hooks, |h| h.kind.as_str());
    order.sort(&mut sorted.manifests, |m| m.head.kind.as_str());
    Ok(sorted)
}

fn classify(path: &str, document: &str, out: &mut SortedManifests) -> Result<(), ManifestError> {
    let head = Head::parse(document, path)?;
    let Some(hook_value) = head.annotations.get(HOOK_ANNOTATION) else {
        out.manifests.push(Manifest {
            path: path.to_string(),
            content: document.to_string(),
            head,
        });
        return Ok(());
    };
    let resource = format!("{}/{}", head.kind, head.name);

    let mut events = Vec::new();
    for part in hook_value.split(',') {
        match HookEvent::parse(&part.trim().to_lowercase()) {
            Some(event) => events.push(event),
            None => {
                out.warnings.push(Warning::UnknownHookEvent {
                    path: path.to_string(),
                    resource,
                    value: hook_value.clone(),
                });
                return Ok(());
            }
        }
    }

    let weight = match head.annotations.get(HOOK_WEIGHT_ANNOTATION) {
        None => 0,
        Some(text) => parse_go_atoi(text).unwrap_or_else(|| {
            out.warnings.push(Warning::InvalidWeight {
                path: path.to_string(),
                resource: resource.clone(),
                value: text.clone(),
            });
            0
        }),
    };

    let delete_policies: Vec<DeletePolicy> = annotation_values(&head, HOOK_DELETE_ANNOTATION)
        .map(|v| DeletePolicy::parse(&v))
        .collect();
    let output_log_policies: Vec<OutputLogPolicy> =
        annotation_values(&head, HOOK_OUTPUT_LOG_ANNOTATION)
            .map(|v| OutputLogPolicy::parse(&v))
            .collect();
    for policy in &delete_policies {
        if let DeletePolicy::Unknown(value) = policy {
            out.warnings.push(Warning::UnknownPolicy {
                path: path.to_string(),
                resource: resource.clone(),
                annotation: HOOK_DELETE_ANNOTATION,
                value: value.clone(),
            });
        }
    }
    for policy in &output_log_policies {
        if let OutputLogPolicy::Unknown(value) = policy {
            out.warnings.push(Warning::UnknownPolicy {
                path: path.to_string(),
                resource: resource.clone(),
                annotation: HOOK_OUTPUT_LOG_ANNOTATION,
                value: value.clone(),
            });
        }
    }

    out.hooks.push(Hook {
        name: head.name,
        kind: head.kind,
        path: path.to_string(),
        manifest: document.to_string(),
        events,
        weight,
        delete_policies,
        output_log_policies,
        ..Hook::default()
    });
    Ok(())
}

/// Helm's `operateAnnotationValues`: split on commas, trim, lowercase; an
/// empty annotation yields one empty value, as Go's `strings.Split` does.
fn annotation_values<'a>(head: &'a Head, annotation: &str) -> impl Iterator<Item = String> + 'a {
    head.annotations
        .get(annotation)
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|part| part.trim().to_lowercase())
}

/// Go's `strconv.Atoi`: optional sign, ASCII digits, no spaces, 64-bit range.
fn parse_go_atoi(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The release manifest Helm stores: each resource as
/// `---\n# Source: <path>\n<content>\n`.
pub fn manifest_text(manifests: &[Manifest]) -> String {
    let mut out = String::new();
    for m in manifests {
        out.push_str("---\n# Source: ");
        out.push_str(&m.path);
        out.push('\n');
        out.push_str(&m.content);
        out.push('\n');
    }
    out
}

/// The resources of a stored release manifest, in stored (install) order.
///
/// # Errors
/// A stored document whose head cannot be parsed.
pub fn release_resources(text: &str) -> Result<Vec<Manifest>, ManifestError> {
    split_documents(text)
        .into_iter()
        .enumerate()
        .map(|(i, doc)| stored_manifest(&format!("manifest-{i}"), doc))
        .collect()
}

/// The resources of a stored release manifest in the order Helm's uninstall
/// deletes them.
///
/// Helm does this with `SplitManifests` + `SortManifests(UninstallOrder)`, whose
/// documents are keyed `manifest-0`, `manifest-1`, ... and visited in *string*
/// order (`manifest-10` before `manifest-2`) before the stable kind sort; we
/// keep that quirk so resources are deleted in the same order.
///
/// # Errors
/// A stored document whose head cannot be parsed.
pub fn uninstall_order(text: &str) -> Result<Vec<Manifest>, ManifestError> {
    let files: BTreeMap<String, &str> = split_documents(text)
        .into_iter()
        .enumerate()
        .map(|(i, doc)| (format!("manifest-{i}"), doc))
        .collect();
    let mut manifests = files
        .iter()
        .map(|(key, doc)| stored_manifest(key, doc))
        .collect::<Result<Vec<_>, _>>()?;
    KindOrder::Uninstall.sort(&mut manifests, |m| m.head.kind.as_str());
    Ok(manifests)
}

fn stored_manifest(key: &str, doc: &str) -> Result<Manifest, ManifestError> {
    let head = Head::parse(doc, key)?;
    Ok(Manifest {
        path: source_of(doc).unwrap_or(key).to_string(),
        content: doc.to_string(),
        head,
    })
}

/// The template path from a `# Source: <path>` first line.
fn source_of(document: &str) -> Option<&str> {
    document
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# Source: "))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn doc(kind: &str, name: &str, annotations: &[(&str, &str)]) -> String {
        let mut s = format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n");
        if !annotations.is_empty() {
            s.push_str("  annotations:\n");
            for (k, v) in annotations {
                s.push_str(&format!("    {k:?}: {v:?}\n"));
            }
        }
        s
    }

    #[test]
    fn split_like_helm() {
        // Rule (SplitManifests): leading whitespace trimmed, separators consume
        // surrounding whitespace, empty documents dropped, the last keeps its newline.
        let cases: &[(&str, &[&str])] = &[
            ("a: 1\n---\nb: 2\n", &["a: 1", "b: 2\n"]),
            ("---\na: 1\n", &["a: 1\n"]),
            // Go's regexp finds non-overlapping matches, so a doubled separator leaves
            // a `---` on the second document (which YAML then reads as a marker).
            ("\n\n  a: 1\n---\n---\nb: 2", &["a: 1", "---\nb: 2"]),
            ("a: 1\n  \n---   \n\nb: 2\n", &["a: 1", "b: 2\n"]),
            // `---apiVersion` on a line of its own splits, as in Helm.
            ("a: 1\n---apiVersion: v1\n", &["a: 1", "apiVersion: v1\n"]),
            // A `---` inside a line does not split.
            ("a: x---y\n", &["a: x---y\n"]),
        ];
        for (input, want) in cases {
            assert_eq!(&split_documents(input), want, "input {input:?}");
        }
    }

    #[test]
    fn resources_in_install_order_then_unknown_alphabetically() {
        // Rule (kind_sorter.go InstallOrder + lessByKind).
        let f = files(&[
            (
                "c/templates/a.yaml",
                &[
                    doc("Deployment", "d", &[]),
                    doc("Zeta", "z", &[]),
                    doc("Alpha", "a", &[]),
                    doc("Namespace", "n", &[]),
                ]
                .join("---\n"),
            ),
            ("c/templates/b.yaml", &doc("ConfigMap", "cm", &[])),
        ]);
        let sorted = sort_manifests(&f, KindOrder::Install).unwrap();
        let kinds: Vec<_> = sorted
            .manifests
            .iter()
            .map(|m| m.head.kind.as_str())
            .collect();
        assert_eq!(
            kinds,
            ["Namespace", "ConfigMap", "Deployment", "Alpha", "Zeta"]
        );
    }

    #[test]
    fn uninstall_order_reverses_kinds() {
        let mut kinds = vec!["Namespace", "Deployment", "Service", "ConfigMap", "Foo"];
        KindOrder::Uninstall.sort(&mut kinds, |k| k);
        assert_eq!(
            kinds,
            ["Service", "Deployment", "ConfigMap", "Namespace", "Foo"]
        );
    }

    #[test]
    fn partials_and_blank_files_are_skipped() {
        // Rule (SortManifests): basename starting with `_` and blank output are skipped.
        let f = files(&[
            ("c/templates/_helpers.tpl", &doc("ConfigMap", "p", &[])),
            ("c/templates/blank.yaml", "  \n\n"),
            ("c/templates/_dir/x.yaml", &doc("ConfigMap", "x", &[])),
        ]);
        let sorted = sort_manifests(&f, KindOrder::Install).unwrap();
        let names: Vec<_> = sorted.manifests.iter().map(|m| &m.head.name).collect();
        assert_eq!(names, ["x"]);
    }

    #[test]
    fn hook_annotations_parse_like_helm() {
        // Each case: annotations -> (events, weight, delete policies, output log policies, warnings).
        struct Case {
            rule: &'static str,
            annotations: &'static [(&'static str, &'static str)],
            events: &'static [HookEvent],
            weight: i64,
            delete: &'static [&'static str],
            logs: &'static [&'static str],
            warnings: usize,
        }
        use HookEvent::*;
        let cases = [
            Case {
                rule: "events split on commas, trimmed, lowercased",
                annotations: &[("helm.sh/hook", " Pre-Install , post-UPGRADE")],
                events: &[PreInstall, PostUpgrade],
                weight: 0,
                delete: &[],
                logs: &[],
                warnings: 0,
            },
            Case {
                rule: "test-success is Helm 2's test",
                annotations: &[("helm.sh/hook", "test-success")],
                events: &[Test],
                weight: 0,
                delete: &[],
                logs: &[],
                warnings: 0,
            },
            Case {
                rule: "weight parsed with Atoi",
                annotations: &[
                    ("helm.sh/hook", "pre-install"),
                    ("helm.sh/hook-weight", "-5"),
                ],
                events: &[PreInstall],
                weight: -5,
                delete: &[],
                logs: &[],
                warnings: 0,
            },
            Case {
                rule: "invalid weight counts as 0 (and warns)",
                annotations: &[
                    ("helm.sh/hook", "pre-install"),
                    ("helm.sh/hook-weight", " 5"),
                ],
                events: &[PreInstall],
                weight: 0,
                delete: &[],
                logs: &[],
                warnings: 1,
            },
            Case {
                rule: "delete policies split, trimmed, lowercased, unknown kept",
                annotations: &[
                    ("helm.sh/hook", "pre-install"),
                    (
                        "helm.sh/hook-delete-policy",
                        "Hook-Succeeded, before-hook-creation,bogus",
                    ),
                ],
                events: &[PreInstall],
                weight: 0,
                delete: &["hook-succeeded", "before-hook-creation", "bogus"],
                logs: &[],
                warnings: 1,
            },
            Case {
                rule: "output log policies",
                annotations: &[
                    ("helm.sh/hook", "test"),
                    ("helm.sh/hook-output-log-policy", "hook-failed"),
                ],
                events: &[Test],
                weight: 0,
                delete: &[],
                logs: &["hook-failed"],
                warnings: 0,
            },
        ];
        for case in cases {
            let f = files(&[("c/templates/h.yaml", &doc("Job", "h", case.annotations))]);
            let sorted = sort_manifests(&f, KindOrder::Install).unwrap();
            assert!(sorted.manifests.is_empty(), "{}", case.rule);
            let h = &sorted.hooks[0];
            assert_eq!(h.events, case.events, "{}", case.rule);
            assert_eq!(h.weight, case.weight, "{}", case.rule);
            let delete: Vec<_> = h.delete_policies.iter().map(|p| p.as_str()).collect();
            assert_eq!(delete, case.delete, "{}", case.rule);
            let logs: Vec<_> = h.output_log_policies.iter().map(|p| p.as_str()).collect();
            assert_eq!(logs, case.logs, "{}", case.rule);
            assert_eq!(sorted.warnings.len(), case.warnings, "{}", case.rule);
            assert_eq!(h.path, "c/templates/h.yaml");
        }
    }

    #[test]
    fn unknown_event_drops_the_resource_with_a_warning() {
        // Rule (manifest_sorter.go): any unknown event drops the whole resource,
        // which lands in neither hooks nor manifests.
        let f = files(&[(
            "c/templates/h.yaml",
            &doc("Job", "h", &[("helm.sh/hook", "pre-install,post-launch")]),
        )]);
        let sorted = sort_manifests(&f, KindOrder::Install).unwrap();
        assert!(sorted.hooks.is_empty() && sorted.manifests.is_empty());
        assert!(matches!(
            &sorted.warnings[..],
            [Warning::UnknownHookEvent { value, .. }] if value == "pre-install,post-launch"
        ));
    }

    #[test]
    fn other_annotations_do_not_make_a_hook() {
        let f = files(&[(
            "c/templates/cm.yaml",
            &doc("ConfigMap", "x", &[("helm.sh/resource-policy", "keep")]),
        )]);
        let sorted = sort_manifests(&f, KindOrder::Install).unwrap();
        assert_eq!(sorted.manifests.len(), 1);
        assert!(sorted.manifests[0].is_kept());
    }

    #[test]
    fn scalar_head_fields_become_strings_and_a_list_is_a_parse_error() {
        // sigs.k8s.io/yaml converts a scalar bound for a Go string to its text
        // (`helm lint` shows it for `metadata.name: 123`); SimpleHead's
        // annotations are a map[string]string, so the same holds there. A list
        // cannot become a string.
        let f = files(&[(
            "c/templates/h.yaml",
            "kind: Job\nmetadata:\n  name: n\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: 5\n    other: 1.50\n    flag: yes\n    empty:\n",
        )]);
        let sorted = sort_manifests(&f, KindOrder::Install).unwrap();
        let hook = &sorted.hooks[0];
        assert_eq!(hook.name, "false", "`n` is YAML 1.1 false");
        assert_eq!(hook.weight, 5);
        let head = Head::parse(&f["c/templates/h.yaml"], "h.yaml").unwrap();
        assert_eq!(head.annotations["other"], "1.5");
        assert_eq!(head.annotations["flag"], "true");
        assert_eq!(head.annotations["empty"], "");

        let f = files(&[(
            "c/templates/h.yaml",
            "kind: Job\nmetadata:\n  name: h\n  annotations:\n    helm.sh/hook-weight: [5]\n",
        )]);
        let err = sort_manifests(&f, KindOrder::Install).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("YAML parse error on `c/templates/h.yaml`"),
            "{err}"
        );
    }

    #[test]
    fn comment_only_document_has_empty_kind() {
        let f = files(&[("c/templates/x.yaml", "# just a comment\n")]);
        let sorted = sort_manifests(&f, KindOrder::Install).unwrap();
        assert_eq!(sorted.manifests.len(), 1);
        assert_eq!(sorted.manifests[0].head.kind, "");
    }

    #[test]
    fn hooks_sorted_by_kind_in_record() {
        let f = files(&[(
            "c/templates/h.yaml",
            &[
                doc("Job", "j", &[("helm.sh/hook", "pre-install")]),
                doc("ServiceAccount", "sa", &[("helm.sh/hook", "pre-install")]),
            ]
            .join("---\n"),
        )]);
        let sorted = sort_manifests(&f, KindOrder::Install).unwrap();
        let kinds: Vec<_> = sorted.hooks.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(kinds, ["ServiceAccount", "Job"]);
    }

    #[test]
    fn release_manifest_round_trips_with_helms_string_key_quirk() {
        let manifests: Vec<Manifest> = (0..12)
            .map(|i| Manifest {
                path: format!("c/templates/cm{i}.yaml"),
                content: doc("ConfigMap", &format!("cm{i}"), &[]),
                head: Head::default(),
            })
            .collect();
        let text = manifest_text(&manifests);
        let stored = release_resources(&text).unwrap();
        assert_eq!(stored[10].head.name, "cm10");
        let parsed = uninstall_order(&text).unwrap();
        let names: Vec<_> = parsed.iter().map(|m| m.head.name.as_str()).collect();
        // manifest-0, manifest-1, manifest-10, manifest-11, manifest-2, ...
        assert_eq!(&names[..4], ["cm0", "cm1", "cm10", "cm11"]);
        assert_eq!(parsed[0].path, "c/templates/cm0.yaml");
    }
}
