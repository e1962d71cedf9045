//! YAML input the way Helm reads it: YAML converted to JSON values
//! (`sigs.k8s.io/yaml`), with errors that name the file and the line.
//!
//! Guards that matter for untrusted input live here: invalid UTF-8, duplicate
//! keys and alias expansion bombs are all errors, never panics.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::Values;

/// A YAML document that could not be read, with the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// The file (or other source, such as `--set-file x`) that failed.
    pub source: String,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "`{}` line {line}: {}", self.source, self.message),
            None => write!(f, "`{}`: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for YamlError {}

impl YamlError {
    fn new(source: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        YamlError {
            source: source.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Parses a YAML document into a JSON value, as Helm does before decoding.
///
/// An empty document is `null`. Only the first document of a stream is read,
/// like Go's `yaml.Unmarshal`.
///
/// # Errors
/// Invalid UTF-8 (with the line), malformed YAML, duplicate mapping keys and
/// alias expansions past serde_yaml's limits.
pub fn parse(bytes: &[u8], source: &str) -> Result<Value, YamlError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let line = bytes[..err.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            return Err(YamlError::new(
                source,
                Some(line),
                format!("invalid UTF-8 at byte {}", err.valid_up_to()),
            ));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let Some(first) = documents.next() else {
        return Ok(Value::Null);
    };
    let yaml: serde_yaml::Value = serde::Deserialize::deserialize(first).map_err(|err| {
        let line = err.location().map(|l| l.line());
        YamlError::new(source, line, strip_location(&err.to_string()))
    })?;
    to_json(yaml).map_err(|message| YamlError::new(source, None, message))
}

/// Parses a YAML document that must be a map of values (a values file, `--set-file`
/// content is not this). An empty document is an empty map.
///
/// # Errors
/// As [`parse`], plus a top level that is not a map.
pub fn parse_values(bytes: &[u8], source: &str) -> Result<Values, YamlError> {
    match parse(bytes, source)? {
        Value::Null => Ok(Map::new()),
        Value::Object(map) => Ok(map),
        other => Err(YamlError::new(
            source,
            None,
            format!("values must be a map, found {}", kind_of(&other)),
        )),
    }
}

/// Parses YAML and decodes it into `T` through JSON, as `sigs.k8s.io/yaml` does.
///
/// # Errors
/// As [`parse`], plus a document whose shape does not fit `T`.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8], source: &str) -> Result<T, YamlError> {
    let value = parse(bytes, source)?;
    serde_json::from_value(value).map_err(|err| YamlError::new(source, None, err.to_string()))
}

/// Converts a YAML value to JSON the way `sigs.k8s.io/yaml` does: mapping keys
/// become strings, tags are dropped, non-finite floats are rejected.
pub fn to_json(value: serde_yaml::Value) -> Result<Value, String> {
    Ok(match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Value::Number(
                    Number::from_f64(f)
                        .ok_or_else(|| format!("number `{n}` cannot be represented in JSON"))?,
                )
            }
        }
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(to_json)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        serde_yaml::Value::Mapping(mapping) => {
            let mut map = Map::new();
            for (key, value) in mapping {
                map.insert(key_string(key)?, to_json(value)?);
            }
            Value::Object(map)
        }
        serde_yaml::Value::Tagged(tagged) => to_json(tagged.value)?,
    })
}

fn key_string(key: serde_yaml::Value) -> Result<String, String> {
    Ok(match key {
        serde_yaml::Value::String(s) => s,
        serde_yaml::Value::Null => "null".to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Tagged(tagged) => key_string(tagged.value)?,
        other => {
            return Err(format!(
                "mapping key must be a scalar, found {}",
                match other {
                    serde_yaml::Value::Sequence(_) => "a sequence",
                    _ => "a mapping",
                }
            ));
        }
    })
}

/// A human name for the JSON type of a value, for error messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// serde_yaml appends " at line L column C" to messages; we report the line ourselves.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => {
            let (head, tail) = message.split_at(i);
            // Keep any trailing context such as ", while parsing a block mapping".
            match tail.find(", ") {
                Some(j) => format!("{head}{}", &tail[j..]),
                None => head.to_string(),
            }
        }
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_yaml_names_file_and_line() {
        let err = parse(b"a: 1\nb: [1, 2\nc: 3\n", "values.yaml").unwrap_err();
        assert_eq!(err.source, "values.yaml");
        assert!(err.line.is_some(), "{err}");
        assert!(err.to_string().starts_with("`values.yaml` line "), "{err}");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse(b"a: 1\nb: 2\na: 3\n", "dup.yaml").unwrap_err();
        assert!(
            err.message.contains("duplicate entry with key \"a\""),
            "{err}"
        );
        assert!(err.line.is_some(), "{err}");
    }

    #[test]
    fn alias_bomb_is_an_error_not_a_hang() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n\
                    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n\
                    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n\
                    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n\
                    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n\
                    i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
        let err = parse(bomb.as_bytes(), "bomb.yaml").unwrap_err();
        assert!(err.message.contains("repetition limit"), "{err}");
    }

    #[test]
    fn invalid_utf8_names_line() {
        let err = parse(b"a: 1\nb: \xff\xfe\n", "bad.yaml").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("UTF-8"));
    }

    #[test]
    fn keys_become_strings_and_bom_is_ignored() {
        let v = parse("\u{feff}1: a\ntrue: b\n".as_bytes(), "x").unwrap();
        assert_eq!(v, serde_json::json!({"1": "a", "true": "b"}));
    }

    #[test]
    fn values_must_be_a_map() {
        assert!(parse_values(b"", "e").unwrap().is_empty());
        let err = parse_values(b"- a\n", "list.yaml").unwrap_err();
        assert!(err.message.contains("must be a map"));
    }
}
