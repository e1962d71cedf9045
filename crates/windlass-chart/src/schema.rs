//! `values.schema.json` validation, as Helm's `ValidateAgainstSchema` does it: the
//! coalesced values are checked against the chart's schema, then each subchart's
//! values (the map under its name or alias) against that subchart's schema,
//! recursively. A subchart whose values are missing or `null` is skipped.
//!
//! Like Helm (santhosh-tekuri/jsonschema v6), a schema without `$schema` is JSON
//! Schema 2020-12, `format` is asserted only for drafts 4, 6 and 7, and the schema's
//! base URI is `file:///values.schema.json`. Unlike Helm, nothing is fetched: a
//! relative `$ref` resolves to a file shipped in the same chart, a `urn:` reference
//! that nothing resolves is the permissive `true` schema (as in Helm), and any other
//! remote reference makes the schema unusable with an error saying so.

use std::fmt::Write as _;

use jsonschema::{Retrieve, Uri};
use serde_json::Value;

use crate::values::ValuesError;
use crate::yaml::kind_of;
use crate::{Chart, Values};

/// One problem found while validating: a violation at a path in the values, or a
/// reason the chart's schema (or the values handed to it) could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFailure {
    /// The chart whose schema reported it (its name or alias).
    pub chart: String,
    /// JSON pointer into that chart's values (`/image/tag`, `` for the root), or
    /// `None` when the schema itself could not be used.
    pub instance_path: Option<String>,
    /// What is wrong, in the validator's words.
    pub message: String,
}

/// Checks `values` (coalesced, as the templates will see them) against the schema of
/// `chart` and of every subchart still attached to it.
///
/// # Errors
/// [`ValuesError::Schema`] listing every violation of every chart, and every schema
/// that is not valid JSON, not a valid schema, or refers to a remote document.
pub fn validate(chart: &Chart, values: &Values) -> Result<(), ValuesError> {
    let mut failures = Vec::new();
    // The validator wants a `Value`: only the top needs one made.
    let instance = chart.schema.as_ref().map(|_| Value::Object(values.clone()));
    validate_chart(chart, values, instance.as_ref(), &mut failures);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ValuesError::Schema { failures })
    }
}

/// `instance` is `values` as a `Value`, when the chart has a schema.
fn validate_chart(
    chart: &Chart,
    values: &Values,
    instance: Option<&Value>,
    failures: &mut Vec<SchemaFailure>,
) {
    if let (Some(schema), Some(instance)) = (&chart.schema, instance) {
        validate_single(chart, instance, schema, failures);
    }
    for sub in &chart.dependencies {
        match values.get(sub.name()) {
            None | Some(Value::Null) => {}
            Some(instance @ Value::Object(sub_values)) => {
                validate_chart(sub, sub_values, Some(instance), failures);
            }
            Some(other) => failures.push(SchemaFailure {
                chart: sub.name().to_string(),
                instance_path: None,
                message: format!(
                    "invalid type for values: expected a map, found {}",
                    kind_of(other)
                ),
            }),
        }
    }
}

/// Helm's `ValidateAgainstSingleSchema` for one chart.
fn validate_single(
    chart: &Chart,
    instance: &Value,
    schema: &[u8],
    failures: &mut Vec<SchemaFailure>,
) {
    let unusable = |message: String| SchemaFailure {
        chart: chart.name().to_string(),
        instance_path: None,
        message,
    };
    let schema: Value = match serde_json::from_slice(schema) {
        Ok(schema) => schema,
        Err(err) => {
            failures.push(unusable(format!(
                "values.schema.json is not valid JSON: {err}"
            )));
            return;
        }
    };
    let validator = match jsonschema::options()
        .with_base_uri(BASE_URI)
        .with_retriever(ChartFiles::of(chart, &schema))
        .build(&schema)
    {
        Ok(validator) => validator,
        Err(err) => {
            failures.push(unusable(format!(
                "values.schema.json cannot be used: {err}"
            )));
            return;
        }
    };
    for error in validator.iter_errors(instance) {
        let full = error.to_string();
        // The message quotes the offending value; a large map or list makes it
        // unreadable, so those get the message without the value.
        let message = if full.chars().count() > 200 {
            error.masked().to_string()
        } else {
            full
        };
        failures.push(SchemaFailure {
            chart: chart.name().to_string(),
            instance_path: Some(error.instance_path().as_str().to_string()),
            message,
        });
    }
}

/// Where Helm places every chart's schema.
const BASE_URI: &str = "file:///values.schema.json";

/// Resolves `$ref`s without I/O: `file:///x` is the chart's own file `x`, `urn:` is
/// the permissive `true` schema, anything else is refused.
struct ChartFiles {
    files: Vec<(String, Vec<u8>)>,
}

impl ChartFiles {
    /// The chart's files, copied only if `schema` refers to another document.
    fn of(chart: &Chart, schema: &Value) -> Self {
        let files = if has_external_ref(schema) {
            chart
                .files
                .iter()
                .chain(&chart.templates)
                .map(|f| (f.name.clone(), f.data.clone()))
                .collect()
        } else {
            Vec::new()
        };
        ChartFiles { files }
    }
}

/// Whether a `$ref` anywhere in the schema points outside it (not `#...`).
fn has_external_ref(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => map.iter().any(|(key, value)| {
            (key == "$ref" && value.as_str().is_some_and(|r| !r.starts_with('#')))
                || has_external_ref(value)
        }),
        Value::Array(items) => items.iter().any(has_external_ref),
        _ => false,
    }
}

impl Retrieve for ChartFiles {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        match uri.scheme().as_str() {
            "urn" => Ok(Value::Bool(true)),
            "file" => {
                let path = uri.path().as_str().trim_start_matches('/');
                let (_, data) = self
                    .files
                    .iter()
                    .find(|(name, _)| name == path)
                    .ok_or_else(|| format!("`{path}` is not a file of this chart"))?;
                Ok(serde_json::from_slice(data).map_err(|err| format!("`{path}` is not valid JSON: {err}"))?)
            }
            scheme => Err(format!(
                "remote reference `{}` ({scheme}) is not fetched: windlass validates schemas offline",
                uri.as_str()
            )
            .into()),
        }
    }
}

/// The text of [`ValuesError::Schema`]: Helm's heading, then each chart in backticks
/// followed by one `- at '<path>': <message>` line per violation.
pub(crate) fn render_failures(failures: &[SchemaFailure]) -> String {
    // Helm's wording, on one line so a command can report it as one error line.
    let mut out = String::from(
        "values don't meet the specifications of the schema(s) in the following chart(s):",
    );
    let mut current: Option<&str> = None;
    for failure in failures {
        if current == Some(failure.chart.as_str()) {
            out.push(';');
        } else {
            let _ = write!(out, " `{}`:", failure.chart);
            current = Some(&failure.chart);
        }
        match &failure.instance_path {
            Some(path) => {
                let _ = write!(out, " at '{path}': {}", failure.message);
            }
            None => {
                let _ = write!(out, " {}", failure.message);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::File;

    fn chart(name: &str, schema: Option<Value>, deps: Vec<Chart>) -> Chart {
        let mut chart = Chart::default();
        chart.metadata.name = name.to_string();
        chart.schema = schema.map(|s| s.to_string().into_bytes());
        chart.dependencies = deps;
        chart
    }

    fn values(v: Value) -> Values {
        v.as_object().cloned().unwrap_or_default()
    }

    fn failures(result: Result<(), ValuesError>) -> Vec<SchemaFailure> {
        match result {
            Err(ValuesError::Schema { failures }) => failures,
            other => panic!("expected schema failures, got {other:?}"),
        }
    }

    const SUBCHART_SCHEMA: &str = r#"{
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"age": {"minimum": 0, "type": "integer"}},
        "required": ["age"]
    }"#;

    fn subchart() -> Chart {
        let mut sub = chart("subchart", None, vec![]);
        sub.schema = Some(SUBCHART_SCHEMA.as_bytes().to_vec());
        sub
    }

    #[test]
    fn violations_carry_chart_and_path() {
        let schema = json!({
            "type": "object",
            "properties": {"replicaCount": {"type": "integer"}, "image": {"properties": {"tag": {"type": "string"}}}},
            "required": ["name"]
        });
        let top = chart("top", Some(schema), vec![]);
        let got = failures(validate(
            &top,
            &values(json!({"replicaCount": "3", "image": {"tag": 1}})),
        ));
        let mut paths: Vec<_> = got
            .iter()
            .map(|f| f.instance_path.clone().unwrap())
            .collect();
        paths.sort();
        assert_eq!(paths, ["", "/image/tag", "/replicaCount"]);
        assert!(got.iter().all(|f| f.chart == "top"));
        let text = ValuesError::Schema { failures: got }.to_string();
        assert!(
            text.starts_with(
                "values don't meet the specifications of the schema(s) in the following chart(s): `top`: at '"
            ),
            "{text}"
        );
        assert!(text.contains("; at '/replicaCount': "), "{text}");
        assert!(!text.contains('\n'), "one line: {text}");
    }

    #[test]
    fn subchart_schema_sees_its_own_values() {
        // Helm's TestValidateAgainstSchema / ...Negative.
        let top = chart("chrt", None, vec![subchart()]);
        assert!(
            validate(
                &top,
                &values(json!({"name": "John", "subchart": {"age": 25}}))
            )
            .is_ok()
        );
        let got = failures(validate(
            &top,
            &values(json!({"name": "John", "subchart": {}})),
        ));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].chart, "subchart");
        assert_eq!(got[0].instance_path.as_deref(), Some(""));
        assert!(got[0].message.contains("age"), "{:?}", got[0]);
    }

    #[test]
    fn missing_or_null_subchart_values_are_skipped_and_wrong_types_reported() {
        // Helm's non-regression tests for helm/helm#31202.
        let top = chart("chrt", None, vec![subchart()]);
        assert!(validate(&top, &values(json!({"name": "John"}))).is_ok());
        assert!(validate(&top, &values(json!({"subchart": null}))).is_ok());
        let got = failures(validate(&top, &values(json!({"subchart": "oops"}))));
        assert_eq!(got[0].instance_path, None);
        assert!(
            got[0].message.contains("expected a map, found a string"),
            "{got:?}"
        );
    }

    #[test]
    fn draft_2020_is_the_default_and_formats_follow_the_draft() {
        // Helm's TestValidateAgainstSchema2020: unevaluatedItems and contains.
        let schema2020 = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"data": {"type": "array", "contains": {"type": "string"}, "unevaluatedItems": {"type": "number"}}},
            "required": ["data"]
        });
        let top = chart(
            "chrt",
            None,
            vec![chart("subchart", Some(schema2020), vec![])],
        );
        assert!(validate(&top, &values(json!({"subchart": {"data": ["hello", 12]}}))).is_ok());
        assert!(validate(&top, &values(json!({"subchart": {"data": [12]}}))).is_err());

        let email = |schema_uri: Option<&str>| {
            let mut schema = json!({"properties": {"e": {"type": "string", "format": "email"}}});
            if let Some(uri) = schema_uri {
                schema["$schema"] = json!(uri);
            }
            chart("c", Some(schema), vec![])
        };
        let bad = values(json!({"e": "not-an-email"}));
        assert!(
            validate(&email(None), &bad).is_ok(),
            "2020-12 treats format as an annotation"
        );
        assert!(
            validate(&email(Some("http://json-schema.org/schema#")), &bad).is_ok(),
            "the version-less URI is 2020-12"
        );
        assert!(
            validate(
                &email(Some("http://json-schema.org/draft-07/schema#")),
                &bad
            )
            .is_err(),
            "draft-07 asserts formats"
        );
    }

    #[test]
    fn integral_floats_are_integers() {
        // Helm holds YAML numbers as float64, so `1.0` must pass `type: integer`.
        let top = chart(
            "c",
            Some(json!({"properties": {"n": {"type": "integer"}}})),
            vec![],
        );
        assert!(validate(&top, &values(json!({"n": 1.0}))).is_ok());
        assert!(validate(&top, &values(json!({"n": 1.5}))).is_err());
    }

    #[test]
    fn refs_resolve_inside_the_chart_and_never_over_the_network() {
        let mut top = chart(
            "c",
            Some(json!({"properties": {"a": {"$ref": "defs/a.json"}}})),
            vec![],
        );
        top.files
            .push(File::new("defs/a.json", r#"{"type": "integer"}"#));
        assert!(validate(&top, &values(json!({"a": 1}))).is_ok());
        let got = failures(validate(&top, &values(json!({"a": "x"}))));
        assert_eq!(got[0].instance_path.as_deref(), Some("/a"));

        let remote = chart(
            "r",
            Some(json!({"$ref": "https://example.invalid/schema.json"})),
            vec![],
        );
        let got = failures(validate(&remote, &Values::new()));
        assert_eq!(got[0].instance_path, None);
        assert!(got[0].message.contains("not fetched"), "{got:?}");

        let urn = chart(
            "u",
            Some(json!({"properties": {"a": {"$ref": "urn:example:thing"}}})),
            vec![],
        );
        assert!(
            validate(&urn, &values(json!({"a": "anything"}))).is_ok(),
            "an unresolved URN is permissive"
        );
    }

    #[test]
    fn broken_schemas_are_reported_per_chart_with_the_others() {
        let mut broken = chart("broken", None, vec![]);
        broken.schema = Some(b"{not json".to_vec());
        let top = chart(
            "top",
            Some(json!({"properties": {"x": {"type": "string"}}})),
            vec![broken],
        );
        let got = failures(validate(&top, &values(json!({"x": 1, "broken": {}}))));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].chart, "top");
        assert_eq!(got[1].chart, "broken");
        assert!(got[1].message.contains("not valid JSON"));
        let invalid = chart("inv", Some(json!(5)), vec![]);
        assert!(
            failures(validate(&invalid, &Values::new()))[0]
                .message
                .contains("cannot be used")
        );
    }

    #[test]
    fn large_offending_values_are_not_quoted() {
        let top = chart(
            "c",
            Some(json!({"properties": {"a": {"type": "string"}}})),
            vec![],
        );
        let big: Vec<Value> = (0..200).map(|i| json!(format!("item-{i}"))).collect();
        let got = failures(validate(&top, &values(json!({"a": big}))));
        assert!(got[0].message.len() < 200, "{}", got[0].message);
    }
}
