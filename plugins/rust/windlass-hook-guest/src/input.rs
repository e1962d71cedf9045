//! What a hook is told, with its JSON already parsed.

use std::cell::OnceCell;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ResourceRef;
use crate::bindings;

pub use bindings::windlass::hook::types::{Chart, Event, Release};

/// The hook's [`Context`](bindings::Context) with values, config and resources parsed.
#[derive(Debug, Clone)]
pub struct Input {
    pub event: Event,
    pub release: Release,
    pub chart: Chart,
    /// The release's merged values (a JSON object), parsed on first use.
    pub values: Json,
    /// The release's rendered resources, in install order (hooks are not included).
    pub resources: Vec<Resource>,
    /// The `WasmHook`'s `spec.config`; `Value::Null` when it has none.
    pub config: Value,
    /// The target's Kubernetes version (`v1.36.0`).
    pub kube_version: String,
    /// The API versions the target serves.
    pub api_versions: Vec<String>,
}

/// One rendered resource of the release.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace` if the resource sets one.
    pub namespace: Option<String>,
    /// The template it was rendered from.
    pub source: String,
    /// The object, parsed on first use: a hook that looks at a few kinds
    /// does not pay for parsing a hundred objects.
    object: Json,
}

/// JSON the host sent, parsed on first use.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    text: String,
    value: OnceCell<Value>,
}

impl Json {
    /// JSON text, to be parsed when first read.
    pub fn from_text(text: String) -> Json {
        Json {
            text,
            value: OnceCell::new(),
        }
    }

    /// The value. The host always sends valid JSON; were it ever not, this
    /// is `null`.
    pub fn get(&self) -> &Value {
        self.value
            .get_or_init(|| serde_json::from_str(&self.text).unwrap_or(Value::Null))
    }
}

impl From<Value> for Json {
    fn from(value: Value) -> Json {
        Json {
            text: value.to_string(),
            value: OnceCell::from(value),
        }
    }
}

impl Input {
    /// Parses the JSON in `context`. The host always sends valid JSON, so a failure
    /// here is reported as the hook's error rather than hidden.
    pub fn from_context(context: bindings::Context) -> Result<Input, String> {
        let values = Json::from_text(context.values);
        let config = parse_json(&context.config, "config")?;
        let resources = context
            .resources
            .into_iter()
            .map(|r| Resource {
                api_version: r.api_version,
                kind: r.kind,
                name: r.name,
                namespace: r.namespace,
                source: r.source,
                object: Json::from_text(r.object),
            })
            .collect();
        Ok(Input {
            event: context.event,
            release: context.release,
            chart: context.chart,
            values,
            resources,
            config,
            kube_version: context.kube_version,
            api_versions: context.api_versions,
        })
    }

    /// The config read as `T`. An absent config (`null`) reads as `{}`, so a config
    /// struct whose fields all have defaults needs none. Errors say where:
    /// `invalid config at ranges[0].min: invalid type: string "x", expected f64`.
    pub fn config_as<T: DeserializeOwned>(&self) -> Result<T, String> {
        config_as(&self.config)
    }
}

/// [`Input::config_as`] for a config on its own.
pub fn config_as<T: DeserializeOwned>(config: &Value) -> Result<T, String> {
    let empty = Value::Object(Default::default());
    let config = if config.is_null() { &empty } else { config };
    serde_path_to_error::deserialize(config).map_err(|e| {
        let at = e.path().to_string();
        if at == "." {
            format!("invalid config: {}", e.inner())
        } else {
            format!("invalid config at {at}: {}", e.inner())
        }
    })
}

fn parse_json(text: &str, what: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("the host sent {what} that is not JSON: {e}"))
}

impl Resource {
    /// A resource from a whole object, reading `apiVersion`, `kind`,
    /// `metadata.name` and `metadata.namespace` from it (empty when absent).
    pub fn from_object(object: Value, source: impl Into<String>) -> Resource {
        let text = |path: &str| crate::lookup_str(&object, path).map(str::to_owned);
        Resource {
            api_version: text("apiVersion").unwrap_or_default(),
            kind: text("kind").unwrap_or_default(),
            name: text("metadata.name").unwrap_or_default(),
            namespace: text("metadata.namespace"),
            source: source.into(),
            object: object.into(),
        }
    }

    /// The whole object.
    pub fn object(&self) -> &Value {
        self.object.get()
    }

    /// The API group: `apps` for `apps/v1`, empty for the core group (`v1`).
    pub fn group(&self) -> &str {
        api_group(&self.api_version)
    }

    /// Whether this is a `kind` of API group `group` (any version).
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group() == group
    }

    /// How findings refer to this resource.
    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        }
    }
}

/// The group part of an `apiVersion`: `apps` for `apps/v1`, `""` for `v1`.
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Config {
        #[serde(default)]
        limit: Option<f64>,
        #[serde(default)]
        rules: Vec<Rule>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Rule {
        path: crate::Path,
    }

    #[test]
    fn null_config_reads_as_empty_object() {
        let c: Config = config_as(&Value::Null).unwrap();
        assert_eq!(
            c,
            Config {
                limit: None,
                rules: vec![]
            }
        );
    }

    #[test]
    fn config_errors_name_the_place() {
        let err = config_as::<Config>(&json!({"limit": "x"})).unwrap_err();
        assert!(
            err.starts_with("invalid config at limit: invalid type: string"),
            "{err}"
        );
        let err = config_as::<Config>(&json!({"rules": [{"path": "a..b"}]})).unwrap_err();
        assert!(
            err.starts_with("invalid config at rules[0].path: invalid path"),
            "{err}"
        );
        let err = config_as::<Config>(&json!({"limt": 1})).unwrap_err();
        assert!(err.contains("unknown field `limt`"), "{err}");
        let err = config_as::<Config>(&json!("strict")).unwrap_err();
        assert!(
            err.starts_with("invalid config: invalid type: string"),
            "{err}"
        );
    }

    #[test]
    fn resource_from_object() {
        let r = Resource::from_object(
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "web", "namespace": "shop"}}),
            "t.yaml",
        );
        assert_eq!(
            (r.api_version.as_str(), r.kind.as_str()),
            ("apps/v1", "Deployment")
        );
        assert_eq!(
            (r.name.as_str(), r.namespace.as_deref()),
            ("web", Some("shop"))
        );
        assert!(r.is("apps", "Deployment"));
        assert!(!r.is("", "Deployment"));
        assert_eq!(r.reference().to_string(), "Deployment shop/web");
        let pod = Resource::from_object(json!({"apiVersion": "v1", "kind": "Pod"}), "p");
        assert_eq!(pod.group(), "");
        assert_eq!(pod.name, "");
        assert_eq!(pod.namespace, None);
    }
}
