//! YAML input the way Helm reads it: `sigs.k8s.io/yaml`, that is go-yaml v2
//! (YAML 1.1 scalar resolution) decoding into `interface{}`, converted to JSON,
//! with errors that name the file and the line.
//!
//! What differs from a YAML 1.2 reader, all checked against Helm itself
//! (`tests/yaml_conformance.rs`):
//! - Plain scalars resolve as go-yaml v2's `resolve.go`: `y`, `Y`, `yes`, `on`,
//!   `n`, `no`, `off` (and their `Yes`/`YES` spellings) are booleans; `~`, `null`
//!   and the empty scalar are null; integers take Go's `ParseInt(s, 0, 64)` after
//!   every `_` is removed, so `0755` is 493, `0o755`, `0x1F`, `0b101` and `1_000`
//!   are integers; then `ParseUint` (for `uint64`), then floats of the form
//!   `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (so `09` is the float
//!   9 and `1e400`, out of range, is a string); `.inf`, `-.inf`, `.nan` are
//!   floats that JSON cannot hold, so a value of that kind is an error, as in
//!   Helm. Everything else, timestamps included, is a string.
//! - Quoted and block scalars are strings. Explicit tags (`!!str`, `!!int`,
//!   `!!float`, `!!bool`, `!!null`, `!!timestamp`, `!!binary`) ask for that type
//!   and fail on text of another (an integer is accepted as a float); other tags
//!   (`!foo`, `!`) leave the text a string; tags on collections are ignored.
//! - Mapping keys resolve the same way and become JSON keys as
//!   `sigs.k8s.io/yaml` writes them: `y:` is `"true"`, `0x10:` is `"16"`, `1.0:`
//!   is `"1"` (floats through Go's `FormatFloat(f, 'g', -1, 32)`); a null key,
//!   an integer key above `i64::MAX` and a collection key are errors, as in Helm.
//! - Merge keys `<<` (a mapping, an alias to one, or a sequence of those) are
//!   applied where they stand, as go-yaml v2 applies them.
//!
//! Numbers: integers stay JSON integers (`i64`, or `u64` above `i64::MAX`),
//! everything else (`09`, `1.0`, `1e3`) is an `f64`, the Go types go-yaml
//! resolves to. Helm then decodes the JSON into `float64` throughout, so an
//! integer past 2^53 loses precision there and not here; every value compares
//! equal as a number. Keeping the Go type matters where a number is bound for a
//! string (`version: 1.0` is "1", `version: 012345678` is "1.2345678e+07").
//!
//! The text is parsed by `saphyr-parser` (YAML 1.2 syntax); where its syntax
//! differs from libyaml's the reader bridges it (see `compat.rs`), except that
//! it still reads a tab in the indentation of a block-context line, an
//! implicit flow key past 1024 characters and a raw U+2028/U+2029 in a plain
//! scalar, which Helm refuses, and refuses a byte order mark inside a
//! document, which Helm reads as a character (`known_differences` in
//! `tests/yaml_conformance.rs`).
//!
//! Guards that matter for untrusted input live here: invalid UTF-8, control
//! characters, duplicate keys, aliases that contain themselves, alias expansion
//! bombs (go-yaml's own aliasing ratio) and nesting deeper than [`MAX_DEPTH`]
//! levels are errors, never panics, hangs or stack overflows. Duplicate keys are
//! refused although go-yaml keeps the last one (a file that says two things is a
//! mistake), and so are two keys that become one JSON key (`1` and `"1"`), where
//! Helm keeps either one depending on Go's map order.

mod compat;
mod compose;
mod resolve;

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Values;
use crate::display::one_line;

pub use compose::MAX_DEPTH;

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
/// Invalid UTF-8 (with the line), malformed YAML, a value of the wrong type for
/// its tag, a key JSON cannot hold, duplicate mapping keys, excessive alias
/// expansion and nesting past [`MAX_DEPTH`].
pub fn parse(bytes: &[u8], source: &str) -> Result<Value, YamlError> {
    parse_with(bytes, source, false)
}

/// [`parse`] as go-yaml's non-strict `Unmarshal` reads, for template functions
/// (`fromYaml`): a key set twice keeps its last value instead of being an
/// error. Charts rely on it (tempo-distributed's config repeats a key that a
/// value overrides).
///
/// # Errors
/// As [`parse`], except duplicate keys.
pub fn parse_last_key_wins(bytes: &[u8], source: &str) -> Result<Value, YamlError> {
    parse_with(bytes, source, true)
}

fn parse_with(bytes: &[u8], source: &str, last_key_wins: bool) -> Result<Value, YamlError> {
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
    parse_str(text, source, last_key_wins)
}

/// [`parse_with`] for text already known to be UTF-8.
fn parse_str(text: &str, source: &str, last_key_wins: bool) -> Result<Value, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    compose::compose(text)
        .and_then(|tree| compose::decode(tree, last_key_wins))
        .map_err(|failure| YamlError::new(source, failure.line, one_line(&failure.message)))
}

/// Parses a YAML document that must be a map of values (a values file, `--set-file`
/// content is not this). An empty document is an empty map.
///
/// # Errors
/// As [`parse`], plus a top level that is not a map.
pub fn parse_values(bytes: &[u8], source: &str) -> Result<Values, YamlError> {
    values_map(parse(bytes, source)?, source)
}

/// [`parse_values`] for text already known to be UTF-8.
pub(crate) fn parse_values_str(text: &str, source: &str) -> Result<Values, YamlError> {
    values_map(parse_str(text, source, false)?, source)
}

fn values_map(value: Value, source: &str) -> Result<Values, YamlError> {
    match value {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn malformed_yaml_names_file_and_line() {
        let err = parse(b"a: 1\nb: [1, 2\nc: 3\n", "values.yaml").unwrap_err();
        assert_eq!(err.source, "values.yaml");
        assert!(err.line.is_some(), "{err}");
        assert!(err.to_string().starts_with("`values.yaml` line "), "{err}");
    }

    #[test]
    fn duplicate_keys_are_errors_on_the_line_of_the_second() {
        let err = parse(b"a: 1\nb: 2\na: 3\n", "dup.yaml").unwrap_err();
        assert_eq!(err.message, "duplicate entry with key \"a\"");
        assert_eq!(err.line, Some(3), "{err}");
        // Keys are compared once resolved: `y` and `true` are the same key.
        let err = parse(b"m:\n  y: 1\n  x: 0\n  true: 2\n", "dup.yaml").unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        // In a flow mapping, and nested.
        let err = parse(b"a: {b: [{c: 1, c: 2}]}\n", "dup.yaml").unwrap_err();
        assert!(err.message.contains("\"c\""), "{err}");
        // Keys from a merge are no duplicates: later pairs override them.
        let v = parse(b"b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n", "m.yaml").unwrap();
        assert_eq!(v["c"], json!({"x": 2}));
    }

    #[test]
    fn yaml_1_1_scalars_as_helm_reads_them() {
        let v = parse(
            b"enabled: no\nflag: on\nmode: 0755\nbig: 1_000\nhex: 0x1F\n\
              y: 1\n1.50: f\nquoted: 'no'\nnothing: ~\nstamp: 2001-12-14\n",
            "v.yaml",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({
                "enabled": false, "flag": true, "mode": 493, "big": 1000, "hex": 31,
                "true": 1, "1.5": "f", "quoted": "no", "nothing": null, "stamp": "2001-12-14",
            })
        );
    }

    #[test]
    fn keys_json_cannot_hold_are_errors() {
        for (text, fragment) in [
            ("~: a\n", "null mapping key"),
            ("a: 1\nnull: b\n", "null mapping key"),
            ("18446744073709551615: a\n", "out of range"),
            ("[1]: a\n", "invalid map key"),
            ("{a: 1}: b\n", "invalid map key"),
            ("1: a\n'1': b\n", "both become the JSON key \"1\""),
        ] {
            let err = parse(text.as_bytes(), "k.yaml").unwrap_err();
            assert!(err.message.contains(fragment), "{text:?}: {err}");
            assert!(err.line.is_some(), "{text:?}: {err}");
        }
    }

    #[test]
    fn non_finite_values_are_errors_but_fine_keys() {
        let err = parse(b"a: 1\nb: .inf\n", "f.yaml").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("`.inf`"), "{err}");
        assert!(parse(b"a: !!float .nan\n", "f.yaml").is_err());
        let v = parse(b".inf: a\n-.inf: b\n.nan: c\n", "f.yaml").unwrap();
        assert_eq!(v, json!({".inf": "a", "-.inf": "b", ".nan": "c"}));
    }

    #[test]
    fn only_the_first_document_is_read() {
        let v = parse(b"a: 1\n---\nb: [\n", "docs.yaml").unwrap();
        assert_eq!(v, json!({"a": 1}));
        let v = parse(b"---\na: 1\n...\n--- {\n", "docs.yaml").unwrap();
        assert_eq!(v, json!({"a": 1}));
        assert_eq!(parse(b"# nothing\n", "e.yaml").unwrap(), Value::Null);
        assert_eq!(parse(b"---\n", "e.yaml").unwrap(), Value::Null);
    }

    #[test]
    fn aliased_nodes_read_the_same_at_every_use() {
        let v = parse(
            b"a: &a x\nb: *a\nc: [*a, *a]\nm: &m {k: v, 'q': 1}\nr: *m\no: {<<: *m, k: w}\n",
            "alias.yaml",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({
                "a": "x", "b": "x", "c": ["x", "x"], "m": {"k": "v", "q": 1},
                "r": {"k": "v", "q": 1}, "o": {"k": "w", "q": 1},
            })
        );
    }

    #[test]
    fn aliases_that_contain_themselves_are_errors() {
        for text in ["a: &a [*a]\n", "a: &a {b: [1, {c: *a}]}\n", "&a {*a : 1}\n"] {
            let err = parse(text.as_bytes(), "self.yaml").unwrap_err();
            assert!(err.message.contains("contains itself"), "{text:?}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let at_limit = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(at_limit.as_bytes(), "ok.yaml").is_ok());
        for depth in [MAX_DEPTH + 1, 10_000, 200_000] {
            let flow = format!("a: {}{}\n", "[".repeat(depth), "]".repeat(depth));
            let err = parse(flow.as_bytes(), "deep.yaml").unwrap_err();
            // Past 255 flow levels the parser itself stops first.
            assert!(
                err.message.contains("nested deeper") || err.message.contains("recursion limit"),
                "{err}"
            );
            let flow_maps = "{a: ".repeat(depth);
            assert!(parse(flow_maps.as_bytes(), "deep.yaml").is_err());
        }
        let block: String = (0..1000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        let err = parse(block.as_bytes(), "deep.yaml").unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err}");
        let dashes: String = (0..1000).map(|i| format!("{}-\n", " ".repeat(i))).collect();
        assert!(parse(dashes.as_bytes(), "deep.yaml").is_err());
    }

    #[test]
    fn nesting_through_aliases_and_merges_is_bounded_too() {
        // Each anchor nests the previous one 10 levels deeper: shallow text,
        // deep value.
        let mut text = String::from("a0: &a0 1\n");
        for i in 1..=20 {
            text.push_str(&format!(
                "a{i}: &a{i} {}*a{}{}\n",
                "[".repeat(10),
                i - 1,
                "]".repeat(10)
            ));
        }
        let err = parse(text.as_bytes(), "alias-deep.yaml").unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err}");
        // A long chain of merges, each merging the one before.
        let mut text = String::from("m0: &m0 {x: 0}\n");
        for i in 1..=5000 {
            text.push_str(&format!("m{i}: &m{i} {{<<: *m{}}}\n", i - 1));
        }
        let err = parse(text.as_bytes(), "merge-chain.yaml").unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err}");
    }

    #[test]
    fn messages_quoting_multi_line_text_stay_on_one_line() {
        for text in [
            "a: !!int |\n  x\n  y\n",
            "a: !!float |\n  .inf\n",
            "a: !!null \"x\\ny\"\n",
            "\"x\\ny\": 1\n\"x\\ny\": 2\n",
        ] {
            let err = parse(text.as_bytes(), "m.yaml").unwrap_err();
            assert!(!err.to_string().contains('\n'), "{text:?}: {err}");
        }
    }

    #[test]
    fn control_characters_are_errors_naming_the_line() {
        let err = parse(b"a: 1\nb: x\x01y\n", "c.yaml").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("control characters"), "{err}");
        // A raw NEL is a line break to libyaml.
        assert!(parse("a: x\u{85}y\n".as_bytes(), "nel.yaml").is_err());
    }

    #[test]
    fn alias_bomb_is_an_error_not_a_hang() {
        // The error comes from the expansion counters, before the 9^9-node
        // expansion: that it is returned at all is the proof (no timing).
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
        assert!(err.message.contains("excessive aliasing"), "{err}");
        // The same through merge keys and through keys.
        let merges = "a: &a {x: 1, y: 2, z: 3}\n\
                      b: &b {<<: [*a, *a, *a, *a, *a, *a, *a, *a, *a], b0: 0}\n\
                      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n\
                      d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n\
                      f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                      g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        let err = parse(merges.as_bytes(), "bomb.yaml").unwrap_err();
        assert!(err.message.contains("excessive aliasing"), "{err}");
        // Ordinary reuse of anchors is fine.
        let reuse = "base: &b {image: x, tag: y}\nsvc:\n".to_string()
            + &(0..200)
                .map(|i| format!("  s{i}: {{<<: *b, n: {i}}}\n"))
                .collect::<String>();
        assert!(parse(reuse.as_bytes(), "reuse.yaml").is_ok());
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
