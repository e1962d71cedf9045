//! Helm's built-in objects that are Go types with methods rather than plain
//! maps: `.Capabilities` (with `KubeVersion`, `APIVersions`, `HelmVersion`)
//! and `.Files`. Type names, printing and methods are Helm 4's, as the
//! recorded cases show (`tests/cases/helm_objects.json`).

use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;

use base64::Engine as _;

use crate::funcs::{Signature, Type};
use crate::value::{Map, Object, Value};

/// The Helm version templates see in `.Capabilities.HelmVersion`, as the
/// reference renderer reports it.
const HELM_VERSION: &str = "v4.2";
const GO_VERSION: &str = "go1.26.6";

/// Helm 4's default `.Capabilities.APIVersions` (client-go's scheme), used
/// when the target does not list its own.
pub const DEFAULT_API_VERSIONS: [&str; 55] = [
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// `*common.Capabilities`.
#[derive(Debug)]
pub struct Capabilities {
    kube: Rc<dyn Object>,
    api_versions: Rc<dyn Object>,
    helm: Rc<dyn Object>,
}

impl Capabilities {
    /// Capabilities for a cluster at `kube_version` (`v1.36.0`) serving
    /// `api_versions` (Helm's default list when empty).
    pub fn new(kube_version: &str, api_versions: &[String]) -> Capabilities {
        let versions = if api_versions.is_empty() {
            DEFAULT_API_VERSIONS
                .iter()
                .map(ToString::to_string)
                .collect()
        } else {
            api_versions.to_vec()
        };
        let kube = KubeVersion::parse(kube_version);
        let client = format!("v{}.{}", kube.major, kube.minor);
        Capabilities {
            kube: Rc::new(kube),
            api_versions: Rc::new(VersionSet(versions)),
            helm: Rc::new(BuildInfo {
                kube_client_version: client,
            }),
        }
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*common.Capabilities".into()
    }
    fn kind(&self) -> &'static str {
        "ptr"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::Object(match name {
            "KubeVersion" => Rc::clone(&self.kube),
            "APIVersions" => Rc::clone(&self.api_versions),
            "HelmVersion" => Rc::clone(&self.helm),
            _ => return None,
        }))
    }
    fn go_string(&self) -> String {
        format!(
            "{{{} {} {}}}",
            struct_string(self.kube.as_ref()),
            self.api_versions.go_string(),
            self.helm.go_string()
        )
    }
    fn to_data(&self) -> Value {
        Value::map(BTreeMap::from([
            ("KubeVersion".to_string(), self.kube.to_data()),
            ("APIVersions".to_string(), self.api_versions.to_data()),
            ("HelmVersion".to_string(), self.helm.to_data()),
        ]))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A struct printed inside another struct: Go prints its fields, not its
/// `String()` (fmt only calls `String` on the operand itself).
fn struct_string(kube: &dyn Object) -> String {
    match kube.as_any().downcast_ref::<KubeVersion>() {
        Some(k) => format!("{{{} {} {} {}}}", k.version, k.version, k.major, k.minor),
        None => kube.go_string(),
    }
}

/// `common.KubeVersion`: `Version`, `Major`, `Minor`, and `GitVersion`.
#[derive(Debug)]
pub struct KubeVersion {
    version: String,
    major: String,
    minor: String,
}

impl KubeVersion {
    fn parse(version: &str) -> KubeVersion {
        let trimmed = version.trim_start_matches('v');
        let mut parts = trimmed.split(['.', '-', '+']);
        let major = parts.next().unwrap_or_default().to_string();
        let minor = parts.next().unwrap_or_default().to_string();
        KubeVersion {
            version: version.to_string(),
            major,
            minor,
        }
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::String(match name {
            "Version" => self.version.clone(),
            "Major" => self.major.clone(),
            "Minor" => self.minor.clone(),
            _ => return None,
        }))
    }
    fn method(&self, name: &str) -> Option<Signature> {
        matches!(name, "GitVersion" | "String").then_some(Signature::fixed(&[]))
    }
    fn call(&self, _name: &str, _args: &[Value]) -> Result<Value, String> {
        Ok(Value::String(self.version.clone()))
    }
    /// Its `String()`.
    fn go_string(&self) -> String {
        self.version.clone()
    }
    fn to_data(&self) -> Value {
        Value::map(BTreeMap::from([
            ("Major".to_string(), Value::str(&self.major)),
            ("Minor".to_string(), Value::str(&self.minor)),
            ("Version".to_string(), Value::str(&self.version)),
        ]))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `common.VersionSet`: a `[]string` with `Has`.
#[derive(Debug)]
pub struct VersionSet(Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> String {
        "common.VersionSet".into()
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn method(&self, name: &str) -> Option<Signature> {
        (name == "Has").then_some(Signature::fixed(&[Type::String]))
    }
    fn call(&self, _name: &str, args: &[Value]) -> Result<Value, String> {
        let wanted = args.first().and_then(Value::as_str).unwrap_or_default();
        Ok(Value::Bool(self.0.iter().any(|v| v == wanted)))
    }
    fn len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn go_string(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn to_data(&self) -> Value {
        Value::list(self.0.iter().map(Value::str).collect())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `version.BuildInfo`: `.Capabilities.HelmVersion`.
#[derive(Debug)]
pub struct BuildInfo {
    kube_client_version: String,
}

impl Object for BuildInfo {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::str(match name {
            "Version" => HELM_VERSION,
            "GitCommit" | "GitTreeState" => "",
            "GoVersion" => GO_VERSION,
            "KubeClientVersion" => &self.kube_client_version,
            _ => return None,
        }))
    }
    fn go_string(&self) -> String {
        format!(
            "{{{HELM_VERSION}   {GO_VERSION} {}}}",
            self.kube_client_version
        )
    }
    fn to_data(&self) -> Value {
        // `git_commit` and `git_tree_state` are `omitempty` and empty.
        Value::map(BTreeMap::from([
            ("version".to_string(), Value::str(HELM_VERSION)),
            ("go_version".to_string(), Value::str(GO_VERSION)),
            (
                "kube_client_version".to_string(),
                Value::str(&self.kube_client_version),
            ),
        ]))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `engine.files`: the chart's non-template files by path, with Helm's
/// methods.
#[derive(Debug, Default)]
pub struct Files(BTreeMap<String, Rc<Vec<u8>>>);

impl Files {
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Files {
        Files(files.into_iter().map(|(k, v)| (k, Rc::new(v))).collect())
    }

    fn text(&self, path: &str) -> String {
        self.0
            .get(path)
            .map(|b| match std::str::from_utf8(b) {
                Ok(text) => text.to_string(),
                Err(_) => String::from_utf8_lossy(b).into_owned(),
            })
            .unwrap_or_default()
    }

    /// `AsConfig`/`AsSecrets`: base name to text, through `toYaml`.
    fn as_yaml(&self, encode: impl Fn(&[u8]) -> String) -> Result<Value, String> {
        let map = Map::new();
        for (path, bytes) in &self.0 {
            let base = path.rsplit('/').next().unwrap_or(path);
            map.insert(base, Value::String(encode(bytes)));
        }
        let to_yaml = crate::funcs::lookup("toYaml").ok_or("toYaml is not available")?;
        (to_yaml.call)(&[Value::Map(map)])
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    fn kind(&self) -> &'static str {
        "map"
    }
    /// A map of `[]byte`: a missing path is an empty (nil) slice.
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::Bytes(self.0.get(name).cloned().unwrap_or_default()))
    }
    fn method(&self, name: &str) -> Option<Signature> {
        const STRING: &[Type] = &[Type::String];
        Some(match name {
            "Get" | "GetBytes" | "Glob" | "Lines" => Signature::fixed(STRING),
            "AsConfig" | "AsSecrets" => Signature::fixed(&[]),
            _ => return None,
        })
    }
    fn call(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let arg = args.first().and_then(Value::as_str).unwrap_or_default();
        match name {
            "Get" => Ok(Value::String(self.text(arg))),
            "GetBytes" => Ok(Value::Bytes(self.0.get(arg).cloned().unwrap_or_default())),
            "Lines" => {
                let text = self.text(arg);
                if !self.0.contains_key(arg) {
                    return Ok(Value::list(Vec::new()));
                }
                let text = text.strip_suffix('\n').unwrap_or(&text);
                Ok(Value::list(text.split('\n').map(Value::str).collect()))
            }
            "Glob" => {
                let glob =
                    Glob::compile(arg).unwrap_or_else(|| Glob::compile("**").unwrap_or_default());
                let matched = self
                    .0
                    .iter()
                    .filter(|(path, _)| glob.matches(path))
                    .map(|(k, v)| (k.clone(), Rc::clone(v)))
                    .collect();
                Ok(Value::Object(Rc::new(Files(matched))))
            }
            "AsConfig" => self.as_yaml(|b| String::from_utf8_lossy(b).into_owned()),
            "AsSecrets" => self.as_yaml(|b| base64::engine::general_purpose::STANDARD.encode(b)),
            _ => Err(format!("no method {name}")),
        }
    }
    fn len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn go_string(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}:{}", Value::Bytes(Rc::clone(v))))
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn to_data(&self) -> Value {
        Value::map(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Value::Bytes(Rc::clone(v))))
                .collect(),
        )
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A `gobwas/glob` pattern with `/` as separator: `*` and `?` stay within a
/// path segment, `**` crosses them, `[...]`/`[!...]` classes, `{a,b}`
/// alternatives, `\` escapes.
#[derive(Debug, Default)]
struct Glob(Option<regex::Regex>);

impl Glob {
    /// `None` for a pattern gobwas refuses (Helm then uses `**`).
    fn compile(pattern: &str) -> Option<Glob> {
        let mut out = String::from("^");
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        let mut depth = 0usize;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    out.push_str(".*");
                    i += 1;
                }
                '*' => out.push_str("[^/]*"),
                '?' => out.push_str("[^/]"),
                '[' => {
                    let end = chars[i + 1..].iter().position(|&c| c == ']')? + i + 1;
                    let mut class: String = chars[i + 1..end].iter().collect();
                    if class.is_empty() {
                        return None;
                    }
                    let negated = class.starts_with('!');
                    if negated {
                        class.remove(0);
                    }
                    let escaped: String = class
                        .chars()
                        .map(|c| match c {
                            '\\' | '[' | ']' | '^' | '&' | '~' => format!("\\{c}"),
                            c => c.to_string(),
                        })
                        .collect();
                    out.push_str(&format!("[{}{escaped}]", if negated { "^" } else { "" }));
                    i = end;
                }
                '{' => {
                    depth += 1;
                    out.push_str("(?:");
                }
                '}' if depth > 0 => {
                    depth -= 1;
                    out.push(')');
                }
                ',' if depth > 0 => out.push('|'),
                '\\' => {
                    i += 1;
                    out.push_str(&regex::escape(&chars.get(i)?.to_string()));
                }
                c => out.push_str(&regex::escape(&c.to_string())),
            }
            i += 1;
        }
        if depth > 0 {
            return None;
        }
        out.push('$');
        regex::Regex::new(&out).ok().map(|r| Glob(Some(r)))
    }

    fn matches(&self, path: &str) -> bool {
        self.0.as_ref().is_some_and(|r| r.is_match(path))
    }
}
