//! The chart model: `Chart.yaml` metadata, templates, default values, files and
//! loaded subcharts. Serialises to the JSON shape Helm stores in a release record
//! (`pkg/chart/v2`), so a record written by windlass reads back in Helm.

use serde::{Deserialize, Serialize};

use crate::Values;

/// A loaded chart: what `Chart.yaml` says, what it ships, and its subcharts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// The contents of `Chart.yaml`.
    pub metadata: Metadata,
    /// The contents of `Chart.lock` (v2) or `requirements.lock` (v1), if any.
    #[serde(default)]
    pub lock: Option<Lock>,
    /// Files under `templates/`, with chart-relative names (`templates/x.yaml`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub templates: Vec<File>,
    /// The chart's default values (`values.yaml`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub values: Values,
    /// `values.schema.json`, verbatim.
    #[serde(default, with = "base64_bytes")]
    pub schema: Option<Vec<u8>>,
    /// Every other file: README, `crds/`, files read by `.Files`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub files: Vec<File>,
    /// Subcharts loaded from `charts/`. Helm does not store these in a release
    /// record, so neither do we.
    #[serde(skip)]
    pub dependencies: Vec<Chart>,
}

impl Chart {
    /// The chart's name from `Chart.yaml`.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether `Chart.yaml` says `type: library`; such a chart cannot be installed.
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }

    /// `crds/` files of this chart and its subcharts (`.yaml`, `.yml`, `.json`),
    /// each named with the chart's full path (`parent/charts/sub/crds/x.yaml`).
    pub fn crd_files(&self) -> Vec<(String, &File)> {
        let mut out = Vec::new();
        self.collect_crds(self.name(), &mut out);
        out
    }

    fn collect_crds<'a>(&'a self, full_path: &str, out: &mut Vec<(String, &'a File)>) {
        for file in &self.files {
            if file.name.starts_with("crds/") && has_manifest_extension(&file.name) {
                out.push((format!("{full_path}/{}", file.name), file));
            }
        }
        for dep in &self.dependencies {
            dep.collect_crds(&format!("{full_path}/charts/{}", dep.name()), out);
        }
    }
}

fn has_manifest_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
}

/// A file shipped in a chart, named relative to the chart's root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    /// Chart-relative path with `/` separators.
    pub name: String,
    /// The file's bytes (base64 in JSON, as Go encodes `[]byte`).
    #[serde(with = "base64_bytes_required")]
    pub data: Vec<u8>,
    /// Helm v4 records a modification time; kept verbatim so records round-trip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modtime: Option<String>,
}

impl File {
    /// A file with the given chart-relative name and contents.
    pub fn new(name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        File {
            name: name.into(),
            data: data.into(),
            modtime: None,
        }
    }
}

/// `Chart.yaml`. Field names and omission rules follow Helm's `Metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// The chart's name. Required.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Project home page.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub home: String,
    /// Source code URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// SemVer 2 version of the chart. Required.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// One-sentence description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Keywords.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Maintainers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<Maintainer>,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub icon: String,
    /// `v1` or `v2`. Required.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Condition path (only meaningful in a dependency entry; kept for fidelity).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Tags (only meaningful in a dependency entry; kept for fidelity).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tags: String,
    /// Version of the packaged application.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    /// Whether the chart is deprecated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// Free-form annotations.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub annotations: std::collections::BTreeMap<String, String>,
    /// SemVer constraint on the target's Kubernetes version (Masterminds syntax).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kube_version: String,
    /// Declared dependencies (v2; v1 charts declare them in `requirements.yaml`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// `application` (default) or `library`.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub chart_type: String,
}

/// A chart maintainer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintainer {
    /// Name of the person or organisation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Contact email.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Contact URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// A dependency declared in `Chart.yaml` (or `requirements.yaml` for v1 charts).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    /// Name of the subchart; must match its `Chart.yaml` name.
    #[serde(default)]
    pub name: String,
    /// Version or version range.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Repository URL (may be empty).
    #[serde(default)]
    pub repository: String,
    /// Comma-separated values paths; the first that resolves to a bool decides.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Tags; the subchart is enabled if any tag is true in `tags:`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Set while processing dependencies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enabled: bool,
    /// `import-values` entries: a string or a `{child, parent}` map.
    #[serde(
        rename = "import-values",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub import_values: Vec<serde_json::Value>,
    /// Name the subchart is known by in the parent (its values key).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
    /// HIP-0025 sequencing (kept for fidelity; not acted on).
    #[serde(rename = "depends-on", default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// `Chart.lock`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lock {
    /// When the lock was generated, verbatim.
    #[serde(default)]
    pub generated: serde_json::Value,
    /// Digest of the dependencies in `Chart.yaml`.
    #[serde(default)]
    pub digest: String,
    /// Locked dependencies.
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Go encodes `[]byte` as base64 text and a nil slice as `null`.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => s.serialize_str(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => STANDARD
                .decode(text.as_bytes())
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

mod base64_bytes_required {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(Vec::new()),
            Some(text) => STANDARD
                .decode(text.as_bytes())
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_matches_helm() {
        // Helm's chart JSON: files as base64, schema null when absent, camelCase metadata.
        let mut chart = Chart::default();
        chart.metadata.name = "demo".into();
        chart.metadata.api_version = "v2".into();
        chart.metadata.version = "0.1.0".into();
        chart.metadata.app_version = "1.0".into();
        chart
            .templates
            .push(File::new("templates/cm.yaml", "a: 1\n"));
        let json = serde_json::to_value(&chart).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "metadata": {"name": "demo", "version": "0.1.0", "apiVersion": "v2", "appVersion": "1.0"},
                "lock": null,
                "templates": [{"name": "templates/cm.yaml", "data": "YTogMQo="}],
                "values": {},
                "schema": null,
                "files": []
            })
        );
        let back: Chart = serde_json::from_value(json).unwrap();
        assert_eq!(back, chart);
    }

    #[test]
    fn reads_helm_nulls() {
        let json = r#"{"metadata":{"name":"x"},"lock":null,"templates":null,"values":null,"schema":null,"files":null}"#;
        let chart: Chart = serde_json::from_str(json).unwrap();
        assert!(chart.templates.is_empty() && chart.values.is_empty() && chart.files.is_empty());
    }
}
