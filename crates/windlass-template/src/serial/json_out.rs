//! Go's `encoding/json` encoder over template values: `json.Marshal`,
//! `json.MarshalIndent(v, "", "  ")` and an `Encoder` without HTML escaping.
//!
//! Map keys in byte order; `<`, `>` and `&` escaped as `\u003c`... unless
//! asked not to; U+2028 and U+2029 always escaped; floats in `'f'` form
//! unless the exponent is below -6 or at least 21; `[]byte` as base64.

use std::fmt::Write;

use base64::Engine;

use super::MAX_DEPTH;
use crate::value::Value;

/// How to write.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options {
    /// `\u003c` for `<`, `>` and `&` (`json.Marshal`; not `toRawJson`).
    pub escape_html: bool,
    /// `MarshalIndent` with two spaces.
    pub indent: bool,
}

/// `json.Marshal` and friends: the text, or Go's error message.
pub(super) fn marshal(value: &Value, options: Options) -> Result<String, String> {
    let mut out = String::new();
    Encoder {
        out: &mut out,
        options,
    }
    .value(value, 0)?;
    Ok(out)
}

struct Encoder<'a> {
    out: &'a mut String,
    options: Options,
}

impl Encoder<'_> {
    fn value(&mut self, value: &Value, depth: usize) -> Result<(), String> {
        match value {
            Value::Nil => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) | Value::Int64(n) => {
                let _ = write!(self.out, "{n}");
            }
            Value::Float(x) => self.out.push_str(&format_float(*x)?),
            Value::String(s) => write_string(self.out, s, self.options.escape_html),
            Value::Bytes(b) => {
                self.out.push('"');
                self.out
                    .push_str(&base64::engine::general_purpose::STANDARD.encode(b.as_slice()));
                self.out.push('"');
            }
            Value::List(items) => {
                check_depth(depth, "[]interface {}")?;
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    self.separator(i, depth);
                    self.value(item, depth + 1)?;
                }
                self.close(']', items.is_empty(), depth);
            }
            Value::Map(map) => {
                check_depth(depth, "map[string]interface {}")?;
                // A snapshot: the map may be shared with (and so contain) itself.
                let entries = map.entries();
                self.out.push('{');
                for (i, (key, item)) in entries.iter().enumerate() {
                    self.separator(i, depth);
                    write_string(self.out, key, self.options.escape_html);
                    self.out.push(':');
                    if self.options.indent {
                        self.out.push(' ');
                    }
                    self.value(item, depth + 1)?;
                }
                self.close('}', entries.is_empty(), depth);
            }
            Value::Object(object) => {
                check_depth(depth, &object.type_name())?;
                self.value(&object.to_data(), depth + 1)?;
            }
        }
        Ok(())
    }

    /// Before the item at `index` of a collection at `depth`.
    fn separator(&mut self, index: usize, depth: usize) {
        if index > 0 {
            self.out.push(',');
        }
        self.newline(depth + 1);
    }

    fn close(&mut self, bracket: char, empty: bool, depth: usize) {
        if !empty {
            self.newline(depth);
        }
        self.out.push(bracket);
    }

    fn newline(&mut self, depth: usize) {
        if self.options.indent {
            self.out.push('\n');
            for _ in 0..depth {
                self.out.push_str("  ");
            }
        }
    }
}

/// Go stops at a cycle (which shared maps can form); this stops at depth.
fn check_depth(depth: usize, type_name: &str) -> Result<(), String> {
    if depth >= MAX_DEPTH {
        Err(format!(
            "json: unsupported value: encountered a cycle via {type_name}"
        ))
    } else {
        Ok(())
    }
}

/// A float64 as `encoding/json` writes it: `'f'` form, `'e'` form below 1e-6
/// and from 1e21 (`1e-7`, `1.5e+21`); an error for NaN and infinities.
pub(super) fn format_float(x: f64) -> Result<String, String> {
    if !x.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            crate::value::format_float(x)
        ));
    }
    let abs = x.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` is the shortest round-trip form: `1e-7`, `1.5e21`.
        let text = format!("{x:e}");
        Ok(match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => text,
        })
    } else {
        // Rust's `{}` is the shortest round-trip form without an exponent,
        // as Go's `'f'` with precision -1.
        Ok(format!("{x}"))
    }
}

/// A JSON string literal, escaped as Go does.
pub(super) fn write_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if escape_html => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// How many characters [`write_string`] writes for `s` (HTML escaped).
pub(super) fn quoted_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => 6,
            _ => 1,
        })
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const COMPACT: Options = Options {
        escape_html: true,
        indent: false,
    };

    #[test]
    fn floats_as_go_writes_them() {
        for (x, go) in [
            (1.0, "1"),
            (1_000_000.0, "1000000"),
            (1.5, "1.5"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (1e20, "100000000000000000000"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (-0.0, "-0"),
            (123_456_789_012.0, "123456789012"),
        ] {
            assert_eq!(format_float(x).unwrap(), go, "{x}");
        }
        assert_eq!(
            format_float(f64::NAN).unwrap_err(),
            "json: unsupported value: NaN"
        );
        assert_eq!(
            format_float(f64::NEG_INFINITY).unwrap_err(),
            "json: unsupported value: -Inf"
        );
    }

    #[test]
    fn strings_escape_as_go_does() {
        let mut out = String::new();
        write_string(
            &mut out,
            "a\"\\\u{8}\u{c}\n\r\t\u{1}\u{7f}<>&\u{2028}é",
            true,
        );
        // DEL stays as it is.
        assert_eq!(
            out,
            "\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\u{7f}\\u003c\\u003e\\u0026\\u2028é\""
        );
        assert_eq!(quoted_len("a<\n"), 2 + 1 + 6 + 2);
    }

    #[test]
    fn maps_sort_by_bytes_and_indent() {
        let m = Value::map(BTreeMap::from([
            (
                "b".to_string(),
                Value::list(vec![Value::Int(1), Value::map(BTreeMap::new())]),
            ),
            ("B".to_string(), Value::list(vec![])),
        ]));
        assert_eq!(marshal(&m, COMPACT).unwrap(), r#"{"B":[],"b":[1,{}]}"#);
        let pretty = Options {
            escape_html: true,
            indent: true,
        };
        assert_eq!(
            marshal(&m, pretty).unwrap(),
            "{\n  \"B\": [],\n  \"b\": [\n    1,\n    {}\n  ]\n}"
        );
    }

    #[test]
    fn cycles_are_errors() {
        let m = crate::value::Map::new();
        m.insert("self", Value::Map(m.clone()));
        let err = marshal(&Value::Map(m.clone()), COMPACT).unwrap_err();
        assert!(err.contains("encountered a cycle"), "{err}");
        // Break the cycle so the test does not leak.
        m.remove("self");
    }
}
