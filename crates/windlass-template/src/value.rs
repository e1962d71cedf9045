//! The values templates work on, with Go's kinds: Helm's engine runs Go's
//! `text/template` over `interface{}` trees, and what a chart prints depends on
//! the kind (`1000000` from a values file is a float64 and prints `1e+06`; the
//! literal `3` is an int). Printing follows `fmt`'s `%v`.

use std::collections::BTreeMap;
use std::fmt;

/// A Go value as templates see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `nil`.
    Nil,
    /// `bool`.
    Bool(bool),
    /// `int`: template number literals, `len`, `atoi`.
    Int(i64),
    /// `int64`: Sprig's arithmetic, `--set` integers.
    Int64(i64),
    /// `float64`: every number read from YAML or JSON.
    Float(f64),
    /// `string`.
    String(String),
    /// `[]interface{}`.
    List(Vec<Value>),
    /// `map[string]interface{}`; Go prints and ranges over it in key order.
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// Go's kind name (`reflect.Kind`), as `kindOf` reports it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
        }
    }

    /// Go template truthiness: false, zero numbers, empty strings and
    /// collections, and nil are false.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(n) | Value::Int64(n) => *n != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }
}

/// A JSON value (values, `fromJson`, `fromYaml`) the way Go decodes it into
/// `interface{}`: every number a float64.
impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::List(items.iter().map(Value::from).collect()),
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from(v)))
                    .collect(),
            ),
        }
    }
}

/// `fmt`'s `%v`: `<nil>`, `map[a:1 b:2]`, `[a b]`, floats as [`format_float`].
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("<nil>"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) | Value::Int64(n) => write!(f, "{n}"),
            Value::Float(x) => f.write_str(&format_float(*x)),
            Value::String(s) => f.write_str(s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("map[")?;
                for (i, (key, value)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{key}:{value}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// A float64 as Go's `%v` prints it (`strconv.FormatFloat(x, 'g', -1, 64)`):
/// the shortest digits that read back as `x`, in exponent form (at least two
/// exponent digits) when the decimal exponent is below -4 or at least 6. So
/// `1e+06`, `123456`, `1e-05`, `0.0001`, `1.23456789e+08`.
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `1.2345675e6`.
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exponent) {
        let sign_e = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{sign_e}{:02}", exponent.abs());
    }
    // Plain decimal: place the point `exponent + 1` digits in.
    let point = exponent + 1;
    // Within -4..6, so these fit any integer type.
    let places = point.unsigned_abs() as usize;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(places))
    } else if places >= digits.len() {
        format!("{digits}{}", "0".repeat(places - digits.len()))
    } else {
        let (whole, fraction) = digits.split_at(places);
        format!("{whole}.{fraction}")
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Expected texts recorded from Helm 4.2.3: tests/cases/printing.json and
    // its .expected.json (`{{ .Values.x }}` with these values, and the
    // literals `3`, `1.5`, `1e6`, `-0.0`).
    #[test]
    fn floats_print_as_go_prints_them() {
        for (x, go) in [
            (1_000_000.0, "1e+06"),
            (123_456.0, "123456"),
            (0.00001, "1e-05"),
            (1.5e21, "1.5e+21"),
            (0.0001, "0.0001"),
            (123_456_789.0, "1.23456789e+08"),
            (1e20, "1e+20"),
            (0.1, "0.1"),
            (100_000.0, "100000"),
            (1.5, "1.5"),
            (-0.0, "-0"),
            (-1_234_567.5, "-1.2345675e+06"),
        ] {
            assert_eq!(format_float(x), go, "{x}");
        }
    }

    #[test]
    fn collections_print_as_go_prints_them() {
        let values = Value::from(&json!({
            "m": {"b": 2, "a": "x", "n": {"z": [1, 2]}},
            "l": [1, "a", true, null, 2.5]
        }));
        let Value::Map(values) = values else {
            panic!("a map")
        };
        assert_eq!(values["m"].to_string(), "map[a:x b:2 n:map[z:[1 2]]]");
        assert_eq!(values["l"].to_string(), "[1 a true <nil> 2.5]");
        assert_eq!(Value::Int(3).to_string(), "3");
        assert_eq!(Value::Nil.to_string(), "<nil>");
    }

    #[test]
    fn kinds_and_truth_follow_go() {
        assert_eq!(Value::Float(1.0).kind(), "float64");
        assert_eq!(Value::Int64(1).kind(), "int64");
        assert!(!Value::Float(0.0).is_true());
        assert!(!Value::Map(BTreeMap::new()).is_true());
        assert!(Value::String("false".into()).is_true());
    }
}
