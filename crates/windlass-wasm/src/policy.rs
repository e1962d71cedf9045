//! What a hook may do (`grants`) and how much it may use (`limits`): the
//! `spec.grants` and `spec.limits` of a `WasmHook`. Everything is denied and
//! bounded by default.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A hook's grants and limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// What the hook may read or create.
    #[serde(default)]
    pub grants: Grants,
    /// How much it may use.
    #[serde(default)]
    pub limits: Limits,
}

/// What a hook may reach. The default grants nothing: no chart files, no
/// cluster reads, no objects to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Grants {
    /// The chart's files, read-only, at `/chart` in the guest.
    #[serde(default)]
    pub chart_files: bool,
    /// Kinds the hook may read through the `cluster` interface.
    #[serde(default)]
    pub cluster: Vec<ClusterGrant>,
    /// Kinds the hook may ask the host to create.
    #[serde(default)]
    pub create: Vec<KindGrant>,
}

/// Reads of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterGrant {
    /// `v1`, `apps/v1`, ...
    pub api_version: String,
    /// `ConfigMap`, `Deployment`, ...
    pub kind: String,
    /// Namespaces it may be read in: omitted means the release's namespace
    /// only, `["*"]` any. Ignored for cluster-scoped reads.
    #[serde(default)]
    pub namespaces: Option<Vec<String>>,
}

/// One kind of object.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KindGrant {
    /// `v1`, `apps/v1`, ...
    pub api_version: String,
    /// `Secret`, ...
    pub kind: String,
}

impl Grants {
    /// Whether a read of `api_version`/`kind` in `namespace` (`None`: cluster
    /// scoped, or all granted namespaces for a list) is granted, given the
    /// release's namespace.
    pub fn may_read(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        release_namespace: &str,
    ) -> bool {
        self.cluster.iter().any(|g| {
            g.api_version == api_version
                && g.kind == kind
                && match (namespace, &g.namespaces) {
                    (None, _) => true,
                    (Some(ns), None) => ns == release_namespace,
                    (Some(ns), Some(list)) => list.iter().any(|n| n == "*" || n == ns),
                }
        })
    }

    /// The namespaces a list without a namespace covers for `api_version`/`kind`:
    /// `None` means all.
    pub fn listable_namespaces(
        &self,
        api_version: &str,
        kind: &str,
        release_namespace: &str,
    ) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for g in self
            .cluster
            .iter()
            .filter(|g| g.api_version == api_version && g.kind == kind)
        {
            match &g.namespaces {
                None => out.push(release_namespace.to_string()),
                Some(list) if list.iter().any(|n| n == "*") => return None,
                Some(list) => out.extend(list.iter().cloned()),
            }
        }
        Some(out)
    }

    /// Whether the hook may ask for an object of `api_version`/`kind`.
    pub fn may_create(&self, api_version: &str, kind: &str) -> bool {
        self.create
            .iter()
            .any(|g| g.api_version == api_version && g.kind == kind)
    }
}

/// Bounds on one call. Every field has a default; a `WasmHook` may override
/// any of them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock time for the whole call (Go duration, default `30s`).
    #[serde(default = "defaults::timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    /// Linear memory (and tables) the guest may grow to (quantity, default `256Mi`).
    #[serde(default = "defaults::memory", deserialize_with = "quantity")]
    pub memory: u64,
    /// Bytes of log lines, stdout and stderr together (default `1Mi`).
    #[serde(default = "defaults::log_bytes", deserialize_with = "quantity")]
    pub log_bytes: u64,
    /// Bytes of the outcome: findings (all their text, plus 32 bytes each)
    /// and objects to create (default `1Mi`). On the fallback ABI, the bytes
    /// of stdout.
    #[serde(default = "defaults::outcome_bytes", deserialize_with = "quantity")]
    pub outcome_bytes: u64,
    /// Size of the module file (default `64Mi`).
    #[serde(default = "defaults::module_bytes", deserialize_with = "quantity")]
    pub module_bytes: u64,
    /// Time for one cluster lookup (default `5s`).
    #[serde(default = "defaults::lookup_timeout", deserialize_with = "duration")]
    pub lookup_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: defaults::timeout(),
            memory: defaults::memory(),
            log_bytes: defaults::log_bytes(),
            outcome_bytes: defaults::outcome_bytes(),
            module_bytes: defaults::module_bytes(),
            lookup_timeout: defaults::lookup_timeout(),
        }
    }
}

mod defaults {
    use std::time::Duration;

    const MI: u64 = 1024 * 1024;

    pub fn timeout() -> Duration {
        Duration::from_secs(30)
    }
    pub fn memory() -> u64 {
        256 * MI
    }
    pub fn log_bytes() -> u64 {
        MI
    }
    pub fn outcome_bytes() -> u64 {
        MI
    }
    pub fn module_bytes() -> u64 {
        64 * MI
    }
    pub fn lookup_timeout() -> Duration {
        Duration::from_secs(5)
    }
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    windlass_chart::duration::parse(&text).map_err(serde::de::Error::custom)
}

fn quantity<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    let text = match &value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a quantity such as `64Mi`, found {other}"
            )));
        }
    };
    parse_quantity(&text).map_err(serde::de::Error::custom)
}

/// Parses a Kubernetes-style byte quantity: `1024`, `64Ki`, `256Mi`, `1Gi`,
/// `500k`, `1M`, `2G` (decimal suffixes are powers of 1000).
///
/// # Errors
/// Text that is not a whole number with one of those suffixes.
pub fn parse_quantity(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(split);
    let scale: u64 = match suffix {
        "" => 1,
        "k" | "K" => 1000,
        "M" => 1000u64.pow(2),
        "G" => 1000u64.pow(3),
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        _ => {
            return Err(format!(
                "invalid quantity `{text}` (use e.g. `1024`, `64Ki`, `256Mi`, `1Gi`)"
            ));
        }
    };
    let number: u64 = digits.parse().map_err(|_| {
        format!("invalid quantity `{text}` (use e.g. `1024`, `64Ki`, `256Mi`, `1Gi`)")
    })?;
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("quantity `{text}` is too large"))
}

/// Prints a byte count the way users write it (`256Mi`, `1Mi`, `1500`).
pub fn format_bytes(bytes: u64) -> String {
    for (suffix, scale) in [("Gi", 1u64 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes >= scale && bytes.is_multiple_of(scale) {
            return format!("{}{suffix}", bytes / scale);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_by_default_with_bounded_defaults() {
        let p: Policy = serde_json::from_str("{}").unwrap();
        assert!(!p.grants.chart_files);
        assert!(
            !p.grants
                .may_read("v1", "Secret", Some("default"), "default")
        );
        assert!(!p.grants.may_create("v1", "Secret"));
        assert_eq!(p.limits, Limits::default());
    }

    #[test]
    fn grants_and_limits_parse_from_a_wasmhook_spec() {
        let p: Policy = serde_json::from_value(serde_json::json!({
            "grants": {
                "chartFiles": true,
                "cluster": [
                    {"apiVersion": "v1", "kind": "Secret"},
                    {"apiVersion": "apps/v1", "kind": "Deployment", "namespaces": ["*"]},
                    {"apiVersion": "v1", "kind": "ConfigMap", "namespaces": ["a", "b"]}
                ],
                "create": [{"apiVersion": "v1", "kind": "Secret"}]
            },
            "limits": {"timeout": "2s", "memory": "64Mi", "logBytes": 4096, "lookupTimeout": "500ms"}
        }))
        .unwrap();
        let g = &p.grants;
        // Omitted namespaces mean the release's namespace only.
        assert!(g.may_read("v1", "Secret", Some("rel"), "rel"));
        assert!(!g.may_read("v1", "Secret", Some("other"), "rel"));
        assert!(g.may_read("apps/v1", "Deployment", Some("anywhere"), "rel"));
        assert!(g.may_read("v1", "ConfigMap", Some("b"), "rel"));
        assert!(!g.may_read("v1", "ConfigMap", Some("c"), "rel"));
        assert!(!g.may_read("v1", "Pod", Some("rel"), "rel"));
        assert_eq!(
            g.listable_namespaces("v1", "Secret", "rel"),
            Some(vec!["rel".into()])
        );
        assert_eq!(g.listable_namespaces("apps/v1", "Deployment", "rel"), None);
        assert!(g.may_create("v1", "Secret"));
        assert_eq!(p.limits.timeout, Duration::from_secs(2));
        assert_eq!(p.limits.memory, 64 << 20);
        assert_eq!(p.limits.log_bytes, 4096);
        assert_eq!(p.limits.lookup_timeout, Duration::from_millis(500));
        assert_eq!(p.limits.module_bytes, 64 << 20);
    }

    #[test]
    fn unknown_fields_and_bad_quantities_are_errors() {
        assert!(serde_json::from_str::<Policy>(r#"{"grants": {"network": true}}"#).is_err());
        assert!(serde_json::from_str::<Policy>(r#"{"limits": {"memory": "lots"}}"#).is_err());
        assert!(serde_json::from_str::<Policy>(r#"{"limits": {"timeout": "5"}}"#).is_err());
    }

    #[test]
    fn quantities() {
        for (text, bytes) in [
            ("1024", 1024),
            ("64Ki", 65536),
            ("1Mi", 1 << 20),
            ("2G", 2_000_000_000),
        ] {
            assert_eq!(parse_quantity(text).unwrap(), bytes, "{text}");
        }
        assert!(parse_quantity("1.5Mi").is_err());
        assert!(parse_quantity("99999999999999999999Gi").is_err());
        assert_eq!(format_bytes(256 << 20), "256Mi");
        assert_eq!(format_bytes(1500), "1500");
    }
}
