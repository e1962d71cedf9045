//! Helm's `toToml`: BurntSushi/toml's encoder (v1.6), whose layout is its
//! own: in each table the plain keys first, then the sub-tables, each group
//! sorted by bytes; a blank line before each top-level table and before each
//! `[[array]]` entry; nested headers and their keys indented two spaces per
//! level; floats in Go's `%g` with `.0` added to whole numbers; nil map
//! values left out, nil list items an error. The function returns the
//! encoder's error text instead of the document; a top-level nil is a Go
//! panic, which fails the template.

use std::fmt::Write;

use super::MAX_DEPTH;
use crate::value::Value;

const NIL_ELEMENT: &str = "toml: cannot encode array with nil element";
const NO_KEY: &str = "toml: top-level values must be Go maps or structs";
/// Go recurses until the stack runs out (a cycle made with `set`); here the
/// template fails instead.
const TOO_DEEP: &str = "toml: value nested too deeply (or in a cycle)";

/// `toToml`: the document, or BurntSushi's error text.
///
/// # Errors
/// Go's runtime panic for a top-level nil, which Helm does not catch.
pub(super) fn to_toml(value: &Value) -> Result<String, String> {
    if *value == Value::Nil {
        return Err("reflect: call of reflect.Value.Type on zero Value".into());
    }
    let mut encoder = Encoder {
        out: String::new(),
        has_written: false,
    };
    match encoder.encode(&[], value, 0) {
        Ok(()) => Ok(encoder.out),
        Err(message) if message == TOO_DEEP => Err(message),
        Err(message) => Ok(message),
    }
}

/// The TOML type of a Go value (`tomlTypeOfGo`), as far as layout cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// nil: left out of maps, refused in arrays.
    Nil,
    Scalar,
    Array,
    /// A map.
    Table,
    /// A non-empty array of maps only, written as `[[key]]` entries.
    TableArray,
}

/// `tomlTypeOfGo`; fails on a nil item anywhere in a nested array.
fn kind_of(value: &Value, depth: usize) -> Result<Kind, String> {
    if depth >= MAX_DEPTH {
        return Err(TOO_DEEP.into());
    }
    Ok(match value {
        Value::Nil => Kind::Nil,
        Value::Map(_) => Kind::Table,
        Value::Object(object) => match kind_of(&object.to_data(), depth + 1)? {
            Kind::Nil | Kind::Table => Kind::Table,
            other => other,
        },
        Value::List(items) => {
            let mut all_tables = !items.is_empty();
            for item in items.iter() {
                match kind_of(item, depth + 1)? {
                    Kind::Nil => return Err(NIL_ELEMENT.into()),
                    Kind::Table => {}
                    _ => all_tables = false,
                }
            }
            if all_tables {
                Kind::TableArray
            } else {
                Kind::Array
            }
        }
        Value::Bytes(_) => Kind::Array,
        _ => Kind::Scalar,
    })
}

struct Encoder {
    out: String,
    has_written: bool,
}

impl Encoder {
    fn write(&mut self, text: &str) {
        self.out.push_str(text);
        self.has_written = true;
    }

    fn newline(&mut self) {
        if self.has_written {
            self.write("\n");
        }
    }

    fn encode(&mut self, key: &[String], value: &Value, depth: usize) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(TOO_DEEP.into());
        }
        match value {
            Value::Nil => Ok(()),
            Value::Map(_) => self.table(key, value, depth),
            Value::Object(object) => self.encode(key, &object.to_data(), depth + 1),
            Value::List(items) if kind_of(value, depth)? == Kind::TableArray => {
                if key.is_empty() {
                    return Err(NO_KEY.into());
                }
                for item in items.iter() {
                    self.newline();
                    let header = format!("{}[[{}]]", indent(key), dotted(key));
                    self.write(&header);
                    self.newline();
                    self.map(key, item, false, depth + 1)?;
                }
                Ok(())
            }
            _ => self.key_value(key, value, false, depth),
        }
    }

    fn table(&mut self, key: &[String], value: &Value, depth: usize) -> Result<(), String> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            let header = format!("{}[{}]", indent(key), dotted(key));
            self.write(&header);
            self.newline();
        }
        self.map(key, value, false, depth)
    }

    /// The entries of a map (or of an object's data): keys directly under
    /// this one first, then sub-tables; inline as `{a = 1, b = 2}` inside
    /// arrays and inline tables.
    fn map(
        &mut self,
        key: &[String],
        value: &Value,
        inline: bool,
        depth: usize,
    ) -> Result<(), String> {
        let entries = match value {
            Value::Map(map) => map.entries(),
            Value::Object(object) => {
                return self.map(key, &object.to_data(), inline, depth + 1);
            }
            _ => Vec::new(),
        };
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, v) in entries {
            match kind_of(&v, depth + 1)? {
                Kind::Table | Kind::TableArray => sub.push((k, v)),
                _ => direct.push((k, v)),
            }
        }
        if inline {
            self.write("{");
        }
        let trailing_comma = !sub.is_empty();
        for (group, trail) in [(direct, trailing_comma), (sub, false)] {
            let count = group.len();
            for (i, (k, v)) in group.into_iter().enumerate() {
                if v == Value::Nil {
                    continue;
                }
                if inline {
                    self.key_value(&[k], &v, true, depth + 1)?;
                    if trail || i + 1 != count {
                        self.write(", ");
                    }
                } else {
                    let mut path = key.to_vec();
                    path.push(k);
                    self.encode(&path, &v, depth + 1)?;
                }
            }
        }
        if inline {
            self.write("}");
        }
        Ok(())
    }

    fn key_value(
        &mut self,
        key: &[String],
        value: &Value,
        inline: bool,
        depth: usize,
    ) -> Result<(), String> {
        if let Some(last) = key.last() {
            let lead = format!("{}{} = ", indent(key), quoted_key(last));
            self.write(&lead);
        }
        self.element(value, depth)?;
        if !inline && !key.is_empty() {
            self.newline();
        }
        Ok(())
    }

    /// A value inside an array or inline table, or on the right of `=`.
    fn element(&mut self, value: &Value, depth: usize) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(TOO_DEEP.into());
        }
        match value {
            Value::String(s) => {
                let quoted = format!("\"{}\"", escape(s));
                self.write(&quoted);
            }
            Value::Bool(b) => self.write(if *b { "true" } else { "false" }),
            Value::Int(n) | Value::Int64(n) => self.write(&n.to_string()),
            Value::Float(x) => self.write(&float(*x)),
            Value::Bytes(bytes) => {
                let items: Vec<String> = bytes.iter().map(u8::to_string).collect();
                let text = format!("[{}]", items.join(", "));
                self.write(&text);
            }
            Value::List(items) => {
                self.write("[");
                for (i, item) in items.iter().enumerate() {
                    self.element(item, depth + 1)?;
                    if i + 1 != items.len() {
                        self.write(", ");
                    }
                }
                self.write("]");
            }
            Value::Map(_) => self.map(&[], value, true, depth)?,
            Value::Object(object) => self.element(&object.to_data(), depth + 1)?,
            // Only reachable inside a list, which `kind_of` refused already.
            Value::Nil => return Err(NIL_ELEMENT.into()),
        }
        Ok(())
    }
}

/// Two spaces per level below the top.
fn indent(key: &[String]) -> String {
    "  ".repeat(key.len().saturating_sub(1))
}

fn dotted(key: &[String]) -> String {
    key.iter()
        .map(|k| quoted_key(k))
        .collect::<Vec<_>>()
        .join(".")
}

/// A bare key (`A-Za-z0-9_-`), or a quoted one.
fn quoted_key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        k.to_string()
    } else {
        format!("\"{}\"", escape(k))
    }
}

/// BurntSushi's `dblQuotedReplacer`: quotes, backslashes and ASCII control
/// characters; everything else as is.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out
}

/// Go's `%g`, with `.0` on whole numbers; `nan`, `inf`, `-inf`.
fn float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let text = crate::value::format_float(x);
    if text.contains(['.', 'e']) {
        text
    } else {
        text + ".0"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml_of(json: &str) -> String {
        let json: serde_json::Value = serde_json::from_str(json).unwrap();
        to_toml(&Value::from(&json)).unwrap()
    }

    // Expected texts recorded from Helm 4.2.3.
    #[test]
    fn layout_follows_burntsushi() {
        assert_eq!(
            toml_of(
                r#"{"a":{"b":[{"c":1,"d":{"e":2}},{"f":[{"g":1}]}],"h":[]},"z":[{}],"y":[[{"a":1}]],"x":{"n":null,"m":{}}}"#
            ),
            "y = [[{a = 1.0}]]\n\n[a]\n  h = []\n\n  [[a.b]]\n    c = 1.0\n    [a.b.d]\n      e = 2.0\n\n  [[a.b]]\n\n    [[a.b.f]]\n      g = 1.0\n\n[x]\n  [x.m]\n\n[[z]]\n"
        );
        assert_eq!(
            toml_of(r#"{"l":[1,{"b":{"c":1},"a":2,"d":[{"e":1}],"n":null}]}"#),
            "l = [1.0, {a = 2.0, b = {c = 1.0}, d = [{e = 1.0}]}]\n"
        );
    }

    #[test]
    fn scalars_keys_and_errors() {
        assert_eq!(
            toml_of(r#"{"":1,"é":2,"a.b":3,"a-b_C9":4,"s":"é\u0001\t\n\\"}"#),
            "\"\" = 1.0\na-b_C9 = 4.0\n\"a.b\" = 3.0\ns = \"é\\u0001\\t\\n\\\\\"\n\"é\" = 2.0\n"
        );
        assert_eq!(
            toml_of(r#"{"a":1e6,"b":1e-5,"c":-0.0,"d":0.0001}"#),
            "a = 1e+06\nb = 1e-05\nc = -0.0\nd = 0.0001\n"
        );
        assert_eq!(toml_of(r#"{"l":[1,null]}"#), NIL_ELEMENT);
        assert_eq!(toml_of(r#"[{"a":1}]"#), NO_KEY);
        assert_eq!(toml_of(r#"[1,"a"]"#), "[1.0, \"a\"]");
        assert_eq!(toml_of(r#""x""#), "\"x\"");
        assert!(to_toml(&Value::Nil).is_err());
    }
}
