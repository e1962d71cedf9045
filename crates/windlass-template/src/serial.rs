//! Helm's serialization functions (`pkg/engine/funcs.go`): `toYaml`,
//! `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toJson`, `fromJson`,
//! `fromJsonArray`, `toToml`, `fromToml`; and Sprig's other JSON functions
//! (`toPrettyJson`, `toRawJson`, `mustToJson`, `mustToPrettyJson`,
//! `mustToRawJson`, `mustFromJson`), which share the encoder.
//!
//! Helm's functions swallow errors: `toYaml` and `toJson` print nothing, the
//! `from*` functions put the error text in the result (`Error` key, or as the
//! only item). The `must*` ones and `toRawJson` fail the template.

mod json_in;
mod json_out;
mod keys;
mod resolve;
mod toml_in;
mod toml_out;
mod yaml_emit;
mod yaml_tree;

use crate::funcs::{Function, Signature, Type};
use crate::value::{Map, Value};
use json_in::Target;
use yaml_emit::Flavor;

/// How deep a value may nest before encoding and decoding give up. Go has no
/// limit short of a cycle (which a template can build: `set $d "self" $d`)
/// and of 10000 levels of JSON; this stops both well before the stack would,
/// on a 2 MiB thread in a debug build. Values files cannot nest past 100
/// levels, and nothing real comes near either number.
const MAX_DEPTH: usize = 256;

/// Helm's `toYaml`: the YAML `sigs.k8s.io/yaml` writes for the value, minus
/// one final line break; empty when the value cannot be written (NaN, a
/// cycle, text go-yaml cannot read back). `.Files.AsConfig` and `AsSecrets`
/// produce their output with this too.
pub fn to_yaml(value: &Value) -> String {
    yaml_tree::through_json(value)
        .map(|node| trim_one_newline(yaml_emit::emit(&node, Flavor::V2)))
        .unwrap_or_default()
}

/// Helm's `toYamlPretty`: go-yaml v3 with an indent of two, which indents
/// sequences under their key and never folds long lines.
pub fn to_yaml_pretty(value: &Value) -> String {
    yaml_tree::direct(value)
        .map(|node| trim_one_newline(yaml_emit::emit(&node, Flavor::V3)))
        .unwrap_or_default()
}

/// Go's `json.Marshal`, as Helm's `toJson` and Sprig's `mustToJson` use it.
///
/// # Errors
/// Go's message for a value JSON cannot hold (NaN, infinity, a cycle).
pub fn to_json(value: &Value) -> Result<String, String> {
    json_out::marshal(
        value,
        json_out::Options {
            escape_html: true,
            indent: false,
        },
    )
}

/// Go's `json.MarshalIndent(v, "", "  ")` (Sprig's `toPrettyJson`).
///
/// # Errors
/// As [`to_json`].
pub fn to_pretty_json(value: &Value) -> Result<String, String> {
    json_out::marshal(
        value,
        json_out::Options {
            escape_html: true,
            indent: true,
        },
    )
}

/// Go's `json.Encoder` without HTML escaping (Sprig's `toRawJson`).
///
/// # Errors
/// As [`to_json`].
pub fn to_raw_json(value: &Value) -> Result<String, String> {
    json_out::marshal(
        value,
        json_out::Options {
            escape_html: false,
            indent: false,
        },
    )
}

/// Helm's `toToml`: BurntSushi's TOML document, or its error text in place
/// of the document.
///
/// # Errors
/// Go's panic message for a top-level nil, which Helm does not catch.
pub fn to_toml(value: &Value) -> Result<String, String> {
    toml_out::to_toml(value)
}

/// Helm's `fromYaml`: the map a YAML document holds, or a map with the error
/// under `Error`.
pub fn from_yaml(text: &str) -> Value {
    match read_yaml(text, Target::Map) {
        (value, None) => value.unwrap_or_else(|| Value::Map(Map::new())),
        (_, Some(error)) => error_map(Map::new(), error),
    }
}

/// Helm's `fromYamlArray`: the list a YAML document holds, or the error as
/// the only item.
pub fn from_yaml_array(text: &str) -> Value {
    list_or_error(read_yaml(text, Target::List))
}

/// Helm's `fromJson`: the map a JSON text holds, or the error under `Error`
/// (next to whatever was decoded before a late error, as in Go).
pub fn from_json(text: &str) -> Value {
    let (value, error) = json_in::unmarshal(text, Target::Map);
    let map = match value {
        Some(Value::Map(map)) => map,
        _ => Map::new(),
    };
    match error {
        Some(error) => error_map(map, error),
        None => Value::Map(map),
    }
}

/// Helm's `fromJsonArray`: the list a JSON text holds, or the error as the
/// only item.
pub fn from_json_array(text: &str) -> Value {
    list_or_error(json_in::unmarshal(text, Target::List))
}

/// Sprig's `mustFromJson`: any JSON value.
///
/// # Errors
/// Go's decoding error.
pub fn must_from_json(text: &str) -> Result<Value, String> {
    match json_in::unmarshal(text, Target::Any) {
        (_, Some(error)) => Err(error),
        (value, None) => Ok(value.unwrap_or(Value::Nil)),
    }
}

/// Helm's `fromToml`: the table a TOML document holds, or a map with the
/// error under `Error`.
pub fn from_toml(text: &str) -> Value {
    toml_in::from_toml(text)
}

fn error_map(map: Map, error: String) -> Value {
    map.insert("Error", Value::String(error));
    Value::Map(map)
}

/// The list, or the error as its only item.
fn list_or_error((value, error): (Option<Value>, Option<String>)) -> Value {
    match (value, error) {
        (_, Some(error)) => Value::list(vec![Value::String(error)]),
        (Some(list), None) => list,
        (None, None) => Value::list(Vec::new()),
    }
}

/// `sigs.k8s.io/yaml.Unmarshal` into `target`: YAML to JSON (go-yaml v2
/// rules, so every number ends up a float64), then JSON into the Go type.
fn read_yaml(text: &str, target: Target) -> (Option<Value>, Option<String>) {
    let json = match windlass_chart::yaml::parse_last_key_wins(text.as_bytes(), "fromYaml") {
        Ok(json) => json,
        Err(error) => {
            let message = match non_finite(&error.message) {
                // go-yaml reads it; `encoding/json` then refuses it.
                Some(go) => format!("json: unsupported value: {go}"),
                None => go_yaml_message(error.line, &error.message),
            };
            return (
                None,
                Some(format!("error converting YAML to JSON: {message}")),
            );
        }
    };
    let fits = matches!(
        (&json, target),
        (serde_json::Value::Null, _)
            | (_, Target::Any)
            | (serde_json::Value::Object(_), Target::Map)
            | (serde_json::Value::Array(_), Target::List)
    );
    if fits {
        return (Some(Value::from(&json)).filter(|v| *v != Value::Nil), None);
    }
    let kind = match json {
        serde_json::Value::Object(_) => "object",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Number(_) => "number",
        _ => "bool",
    };
    let message = format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value of type {}",
        target.go_type()
    );
    (None, Some(message))
}

/// The float (as Go prints it) of the reader's error about a NaN or infinite
/// value: "`-.inf` is not a finite number, which JSON cannot hold".
fn non_finite(message: &str) -> Option<&'static str> {
    let text = message
        .strip_suffix(" is not a finite number, which JSON cannot hold")?
        .trim_matches('`');
    Some(if text.to_ascii_lowercase().contains("nan") {
        "NaN"
    } else if text.starts_with('-') {
        "-Inf"
    } else {
        "+Inf"
    })
}

/// A YAML reader error worded as go-yaml v2 words it, as far as the two
/// readers agree on the problem: go-yaml names only the problem (not libyaml's
/// "while parsing a ..." context), and numbers lines its own way: a scanner
/// error by the line it is on, except on the first line, where it names
/// none; a parser error by the line before, so none on the first two lines;
/// and an unreadable character by none at all.
fn go_yaml_message(line: Option<usize>, message: &str) -> String {
    const PARSER_PROBLEMS: [&str; 6] = [
        "did not find expected node content",
        "did not find expected key",
        "did not find expected <document start>",
        "did not find expected '-' indicator",
        "did not find expected ',' or ']'",
        "did not find expected ',' or '}'",
    ];
    let problem = match message.split_once(", ") {
        Some((context, problem)) if context.starts_with("while ") => problem,
        _ => message,
    };
    if problem.starts_with("control characters are not allowed") {
        return "yaml: control characters are not allowed".into();
    }
    // go-yaml's own wording (and spelling).
    let problem = match problem {
        "expected ',' or ']'" | "expected ',' or '}'" => format!("did not find {problem}"),
        _ => problem.replace("expected hexadecimal number", "expected hexdecimal number"),
    };
    let line = match line {
        Some(n) if PARSER_PROBLEMS.contains(&problem.as_str()) => n.saturating_sub(1),
        Some(n) => n,
        None => 0,
    };
    if line > 1 || (line == 1 && PARSER_PROBLEMS.contains(&problem.as_str())) {
        format!("yaml: line {line}: {problem}")
    } else {
        format!("yaml: {problem}")
    }
}

fn trim_one_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
    }
    text
}

/// The only argument (the executor checked there is one of the right type).
fn arg(args: &[Value]) -> &Value {
    args.first().unwrap_or(&Value::Nil)
}

fn text_arg(args: &[Value]) -> &str {
    arg(args).as_str().unwrap_or_default()
}

/// The serialization functions.
pub fn functions() -> Vec<Function> {
    const ANY: Signature = Signature::fixed(&[Type::Any]);
    const STRING: Signature = Signature::fixed(&[Type::String]);
    let function = |name, sig, call| Function { name, sig, call };
    vec![
        function("toYaml", ANY, |a| Ok(Value::String(to_yaml(arg(a))))),
        function("toYamlPretty", ANY, |a| {
            Ok(Value::String(to_yaml_pretty(arg(a))))
        }),
        function("fromYaml", STRING, |a| Ok(from_yaml(text_arg(a)))),
        function("fromYamlArray", STRING, |a| {
            Ok(from_yaml_array(text_arg(a)))
        }),
        // Helm's and Sprig's `toJson` and `toPrettyJson` print nothing on error.
        function("toJson", ANY, |a| {
            Ok(Value::String(to_json(arg(a)).unwrap_or_default()))
        }),
        function("toPrettyJson", ANY, |a| {
            Ok(Value::String(to_pretty_json(arg(a)).unwrap_or_default()))
        }),
        // Sprig's `toRawJson` panics on error, which fails the template.
        function("toRawJson", ANY, |a| to_raw_json(arg(a)).map(Value::String)),
        function("mustToJson", ANY, |a| to_json(arg(a)).map(Value::String)),
        function("mustToPrettyJson", ANY, |a| {
            to_pretty_json(arg(a)).map(Value::String)
        }),
        function("mustToRawJson", ANY, |a| {
            to_raw_json(arg(a)).map(Value::String)
        }),
        function("fromJson", STRING, |a| Ok(from_json(text_arg(a)))),
        function("fromJsonArray", STRING, |a| {
            Ok(from_json_array(text_arg(a)))
        }),
        function("mustFromJson", STRING, |a| must_from_json(text_arg(a))),
        function("toToml", ANY, |a| to_toml(arg(a)).map(Value::String)),
        function("fromToml", STRING, |a| Ok(from_toml(text_arg(a)))),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The recorded cases of `tests/cases/serial.json` whose template is a
    /// single call on `.Values` or one of its keys (`{{ toYaml .Values.x }}`),
    /// run without the template engine; the engine's own test runs them all.
    #[test]
    fn recorded_single_calls_match_helm() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/");
        let read = |name: &str| -> serde_json::Value {
            let text = std::fs::read_to_string(format!("{dir}{name}")).expect("case file");
            serde_json::from_str(&text).expect("JSON")
        };
        let cases = read("serial.json");
        let expected = read("serial.expected.json");
        let functions = functions();
        let mut checked = 0;
        let mut failures = Vec::new();
        for case in cases.as_array().expect("a list") {
            let name = case["name"].as_str().expect("name");
            let template = case["template"].as_str().expect("template");
            let Some(call) = template
                .strip_prefix("{{ ")
                .and_then(|t| t.strip_suffix(" }}"))
                .filter(|t| !t.contains(['{', '}', '|', '(']))
            else {
                continue;
            };
            let Some((function, path)) = call.split_once(' ') else {
                continue;
            };
            let Some(function) = functions.iter().find(|f| f.name == function) else {
                continue;
            };
            let Value::Map(values) = Value::from(&case["values"]) else {
                continue;
            };
            let values = Map::values(values.entries().into_iter().collect::<BTreeMap<_, _>>());
            let arg = match path.strip_prefix(".Values") {
                Some("") => Value::Map(values),
                Some(key) => values
                    .get(key.trim_start_matches('.'))
                    .unwrap_or(Value::Nil),
                None => continue,
            };
            checked += 1;
            let ours = match (function.call)(&[arg]) {
                Ok(Value::String(s)) => s,
                Ok(other) => other.to_string(),
                Err(e) => format!("error calling {}: {e}", function.name),
            };
            let helm = &expected[name];
            let matches = match (helm["output"].as_str(), helm["error"].as_str()) {
                (Some(out), _) => out == ours,
                (None, Some(err)) => err.ends_with(&ours),
                _ => false,
            };
            if !matches {
                failures.push(format!("{name}:\n  ours: {ours:?}\n  helm: {helm}"));
            }
        }
        assert!(checked > 40, "only {checked} cases checked");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    fn nested(depth: usize, map: bool) -> Value {
        let mut v = Value::str("x");
        for _ in 0..depth {
            v = if map {
                Value::map(BTreeMap::from([("k".to_string(), v)]))
            } else {
                Value::list(vec![v])
            };
        }
        v
    }

    /// Deep values encode up to the limit and fail past it, without running
    /// out of stack (tests run on 2 MiB threads).
    #[test]
    fn depth_is_bounded() {
        for map in [false, true] {
            let ok = nested(MAX_DEPTH - 2, map);
            assert!(!to_yaml(&ok).is_empty());
            assert!(!to_yaml_pretty(&ok).is_empty());
            assert!(to_json(&ok).is_ok());
            assert!(to_pretty_json(&ok).is_ok());
            assert!(to_toml(&Value::map(BTreeMap::from([("r".to_string(), ok)]))).is_ok());
            let deep = nested(MAX_DEPTH + 2, map);
            assert_eq!(to_yaml(&deep), "");
            assert_eq!(to_yaml_pretty(&deep), "");
            assert!(to_json(&deep).is_err());
            assert!(to_toml(&Value::map(BTreeMap::from([("r".to_string(), deep)]))).is_err());
        }
        let text = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(must_from_json(&text).is_err());
        let text = "[".repeat(MAX_DEPTH - 1) + &"]".repeat(MAX_DEPTH - 1);
        assert!(must_from_json(&text).is_ok());
    }

    /// `set $d "self" $d` makes a cycle; Go's JSON encoder reports it, and
    /// so `toYaml` prints nothing.
    #[test]
    fn cycles_fail_cleanly() {
        let map = Map::new();
        map.insert("self", Value::Map(map.clone()));
        let cyclic = Value::Map(map.clone());
        assert_eq!(to_yaml(&cyclic), "");
        assert_eq!(to_yaml_pretty(&cyclic), "");
        assert!(
            to_json(&cyclic)
                .unwrap_err()
                .contains("encountered a cycle")
        );
        assert!(to_toml(&cyclic).is_err());
        map.remove("self");
    }

    #[test]
    fn yaml_errors_read_as_go_yaml_words_them() {
        assert_eq!(
            go_yaml_message(
                Some(2),
                "while parsing a node, did not find expected node content"
            ),
            "yaml: line 1: did not find expected node content"
        );
        assert_eq!(
            go_yaml_message(
                Some(1),
                "while scanning a quoted scalar, found unexpected end of stream"
            ),
            "yaml: found unexpected end of stream"
        );
        assert_eq!(
            go_yaml_message(Some(3), "control characters are not allowed (U+0001)"),
            "yaml: control characters are not allowed"
        );
        let Value::Map(m) = from_yaml("a: 1\nb: -.Inf\n") else {
            panic!("a map")
        };
        assert_eq!(
            m.get("Error"),
            Some(Value::str(
                "error converting YAML to JSON: json: unsupported value: -Inf"
            ))
        );
        let Value::Map(m) = from_yaml("- a") else {
            panic!("a map")
        };
        assert_eq!(
            m.get("Error"),
            Some(Value::str(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
            ))
        );
    }
}
