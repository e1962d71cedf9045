//! The tree go-yaml's encoder sees, built from a template value.
//!
//! `toYaml` is `sigs.k8s.io/yaml.Marshal`: `encoding/json`, then go-yaml v2
//! reads the JSON back and writes YAML. So what reaches the YAML writer is
//! what go-yaml makes of that JSON: numbers become `int` when their JSON text
//! is an integer (`1e+06` is written `1000000`, `-0` is `0`), and the JSON
//! text itself can fail to read: go-yaml refuses DEL, C1 controls and
//! U+FFFE/U+FFFF, folds a raw NEL like a line break, and drops a key that
//! runs past 1024 characters or over a NEL. Any failure makes `toYaml`
//! print nothing.
//!
//! `toYamlPretty` hands the value itself to go-yaml v3: float64 stays a
//! float (`1e+06`), `[]byte` is a list of numbers, nothing can fail but depth.

use super::MAX_DEPTH;
use super::json_out;
use super::keys::{self, Sorter};
use super::yaml_emit::Node;
use crate::value::Value;

/// Why a value cannot go through `toYaml` (Helm then prints nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unencodable;

/// What go-yaml v2 reads back from `json.Marshal(value)`.
pub(super) fn through_json(value: &Value) -> Result<Node, Unencodable> {
    through_json_at(value, 0)
}

fn through_json_at(value: &Value, depth: usize) -> Result<Node, Unencodable> {
    if depth >= MAX_DEPTH {
        return Err(Unencodable);
    }
    Ok(match value {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(n) | Value::Int64(n) => Node::Int(*n),
        Value::Float(x) => json_number(*x)?,
        Value::String(s) => Node::Str(read_back(s)?),
        Value::Bytes(b) => {
            use base64::Engine;
            Node::Str(base64::engine::general_purpose::STANDARD.encode(b.as_slice()))
        }
        Value::List(items) => Node::Seq(
            items
                .iter()
                .map(|item| through_json_at(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(map) => {
            let mut entries = Vec::new();
            for (key, item) in map.entries() {
                if !key_reads_back(&key) {
                    return Err(Unencodable);
                }
                entries.push((read_back(&key)?, through_json_at(&item, depth + 1)?));
            }
            Node::Map(keys::sort(entries, Sorter::V2))
        }
        Value::Object(object) => through_json_at(&object.to_data(), depth + 1)?,
    })
}

/// The number go-yaml reads from the JSON text of `x`: an `int` (or
/// `uint64`) when the text has no fraction or exponent, else the float.
fn json_number(x: f64) -> Result<Node, Unencodable> {
    let text = json_out::format_float(x).map_err(|_| Unencodable)?;
    if text.contains(['.', 'e']) {
        return Ok(Node::Float(x));
    }
    Ok(if let Ok(n) = text.parse::<i64>() {
        Node::Int(n)
    } else if let Ok(n) = text.parse::<u64>() {
        Node::Uint(n)
    } else {
        Node::Float(x)
    })
}

/// The string go-yaml reads back from the JSON string literal of `s`.
///
/// `encoding/json` leaves DEL, C1 controls, U+FFFE and U+FFFF as they are,
/// and go-yaml refuses to read them. A NEL stays raw too, and go-yaml's
/// double-quoted scalar treats it as a line break: a run of spaces and NELs
/// becomes one space, or `n - 1` newlines for `n` NELs.
fn read_back(s: &str) -> Result<String, Unencodable> {
    if s.chars()
        .any(|c| matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}'))
    {
        return Err(Unencodable);
    }
    if !s.contains('\u{85}') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != ' ' && chars[i] != '\u{85}' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\u{85}') {
            i += 1;
        }
        let run = &chars[start..i];
        let breaks = run.iter().filter(|&&c| c == '\u{85}').count();
        if breaks == 0 {
            out.extend(run);
            continue;
        }
        // After a line break at the start of a line, `---` or `...` and a
        // blank is a document marker, and the scalar is broken.
        if run.last() == Some(&'\u{85}') {
            let rest = &chars[i..];
            let marker = rest.len() >= 4
                && (rest[..3] == ['-'; 3] || rest[..3] == ['.'; 3])
                && matches!(rest[3], ' ' | '\u{85}');
            if marker {
                return Err(Unencodable);
            }
        }
        if breaks == 1 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks - 1));
        }
    }
    Ok(out)
}

/// Whether go-yaml reads `key` back as a key of the JSON object: a key is a
/// "simple key", which must end on its line and within 1024 characters of
/// its opening quote.
fn key_reads_back(key: &str) -> bool {
    !key.contains('\u{85}') && json_out::quoted_len(key) <= 1024
}

/// The value as go-yaml v3 encodes it directly (`toYamlPretty`).
pub(super) fn direct(value: &Value) -> Result<Node, Unencodable> {
    direct_at(value, 0)
}

fn direct_at(value: &Value, depth: usize) -> Result<Node, Unencodable> {
    if depth >= MAX_DEPTH {
        return Err(Unencodable);
    }
    Ok(match value {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(n) | Value::Int64(n) => Node::Int(*n),
        Value::Float(x) => Node::Float(*x),
        Value::String(s) => Node::Str(s.clone()),
        Value::Bytes(b) => Node::Seq(b.iter().map(|&x| Node::Int(i64::from(x))).collect()),
        Value::List(items) => Node::Seq(
            items
                .iter()
                .map(|item| direct_at(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(map) => {
            let entries = map
                .entries()
                .into_iter()
                .map(|(key, item)| Ok((key, direct_at(&item, depth + 1)?)))
                .collect::<Result<Vec<_>, _>>()?;
            Node::Map(keys::sort(entries, Sorter::V3))
        }
        Value::Object(object) => direct_at(&object.to_data(), depth + 1)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_become_ints_when_integral() {
        assert_eq!(json_number(1e6), Ok(Node::Int(1_000_000)));
        assert_eq!(json_number(-0.0), Ok(Node::Int(0)));
        assert_eq!(json_number(1.5), Ok(Node::Float(1.5)));
        assert_eq!(json_number(1e21), Ok(Node::Float(1e21)));
        assert_eq!(
            json_number(1e19),
            Ok(Node::Uint(10_000_000_000_000_000_000))
        );
        assert_eq!(json_number(1e20), Ok(Node::Float(1e20)));
        assert_eq!(json_number(f64::NAN), Err(Unencodable));
    }

    #[test]
    fn nel_folds_and_controls_fail() {
        assert_eq!(read_back("a\u{85}b").unwrap(), "a b");
        assert_eq!(read_back("a \u{85}\u{85} b").unwrap(), "a\nb");
        assert_eq!(read_back("x\u{85}y \u{85}z").unwrap(), "x y z");
        assert!(read_back("a\u{7f}").is_err());
        assert!(read_back("\u{fffe}").is_err());
        assert!(read_back("a\u{85}--- b").is_err());
        assert!(read_back("a\u{85} --- b").is_ok());
    }

    #[test]
    fn long_keys_do_not_read_back() {
        assert!(key_reads_back(&"a".repeat(1022)));
        assert!(!key_reads_back(&"a".repeat(1023)));
        assert!(!key_reads_back("k\u{85}"));
    }
}
