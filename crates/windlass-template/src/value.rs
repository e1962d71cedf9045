//! The values templates work on, with Go's kinds: Helm's engine runs Go's
//! `text/template` over `interface{}` trees, and what a chart prints depends on
//! the kind (`1000000` from a values file is a float64 and prints `1e+06`; the
//! literal `3` is an int). Printing follows `fmt`'s `%v`.
//!
//! Maps are shared, mutable references as in Go: Sprig's `set` and `merge`
//! change the map every holder sees (charts rely on it to pass state between
//! templates through `.Values`). Lists are shared and never changed in place
//! (Sprig copies before `append`), so `Rc<Vec>` is enough.

use std::any::Any;
use std::cell::{Ref, RefCell, RefMut};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::funcs::Signature;

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
    /// `[]byte` (`.Files.GetBytes`).
    Bytes(Rc<Vec<u8>>),
    /// `[]interface{}`.
    List(Rc<Vec<Value>>),
    /// `map[string]interface{}`; Go prints and ranges over it in key order.
    Map(Map),
    /// A Go struct or pointer with fields and methods (`.Chart`,
    /// `.Capabilities`, `.Files`, a certificate from `genCA`...).
    Object(Rc<dyn Object>),
}

/// A Go struct (or pointer to one, or named type with methods) that templates
/// reach through fields and methods.
pub trait Object: fmt::Debug {
    /// Go's type name, as `typeOf` and error messages print it
    /// (`*chart.Metadata`, `chartutil.Capabilities`).
    fn type_name(&self) -> String;
    /// Go's kind name (`struct`, `ptr`, `map`, `slice`).
    fn kind(&self) -> &'static str {
        "struct"
    }
    /// An exported field (or a map key, for map types), `None` if there is none.
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    /// The signature of a method, `None` if there is none. Go tries methods
    /// before fields.
    fn method(&self, _name: &str) -> Option<Signature> {
        None
    }
    /// Calls a method [`Object::method`] named, with arguments of its signature.
    ///
    /// # Errors
    /// The method's error, as Go's would read.
    fn call(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        Err(format!("can't call method {name}"))
    }
    /// `len`, for map and slice types.
    fn len(&self) -> Option<usize> {
        None
    }
    /// Whether `len` is 0 (`None` for types without a length).
    fn is_empty(&self) -> Option<bool> {
        self.len().map(|n| n == 0)
    }
    /// `%v`.
    fn go_string(&self) -> String;
    /// What `encoding/json` would see (for `toYaml`, `toJson`): a tree of plain
    /// values.
    fn to_data(&self) -> Value {
        Value::Nil
    }
    /// For functions that take a specific object type (`genSignedCert`'s CA).
    fn as_any(&self) -> &dyn Any;
}

impl PartialEq for dyn Object {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(
            std::ptr::from_ref(self).cast::<u8>(),
            std::ptr::from_ref(other).cast::<u8>(),
        )
    }
}

/// A shared, mutable `map[string]interface{}`. Cloning shares the map, as
/// copying a Go map value does; [`Map::deep_copy`] copies it.
#[derive(Clone, Default)]
pub struct Map {
    entries: Rc<RefCell<BTreeMap<String, Value>>>,
    /// Helm's named `Values` type (the root `.Values`): `typeOf` says
    /// `common.Values` and its methods shadow keys.
    is_values: bool,
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map::default()
    }

    /// A map of Helm's `Values` type.
    pub fn values(entries: BTreeMap<String, Value>) -> Map {
        Map {
            entries: Rc::new(RefCell::new(entries)),
            is_values: true,
        }
    }

    /// The same map as Helm's `Values` type (`Values(m)` in Go: shared).
    pub fn as_values(&self) -> Map {
        Map {
            entries: Rc::clone(&self.entries),
            is_values: true,
        }
    }

    /// The same map as a plain `map[string]interface{}` (shared).
    pub fn as_plain(&self) -> Map {
        Map {
            entries: Rc::clone(&self.entries),
            is_values: false,
        }
    }

    /// Whether this is Helm's `Values` type rather than a plain map.
    pub fn is_values(&self) -> bool {
        self.is_values
    }

    /// The entry under `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.entries.borrow().get(key).cloned()
    }

    /// Whether `key` has an entry (even a nil one).
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.borrow().contains_key(key)
    }

    /// Sets `key`, in place: every holder of this map sees it.
    pub fn insert(&self, key: impl Into<String>, value: Value) {
        self.entries.borrow_mut().insert(key.into(), value);
    }

    /// Removes `key`, in place.
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.entries.borrow_mut().remove(key)
    }

    pub fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.borrow().is_empty()
    }

    /// The keys, in byte order.
    pub fn keys(&self) -> Vec<String> {
        self.entries.borrow().keys().cloned().collect()
    }

    /// A snapshot of the entries, in key (byte) order. Safe to hold while the
    /// map changes.
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.entries
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Reads the entries in place. Do not change this map (or a map that may
    /// be this one) while holding it.
    pub fn borrow(&self) -> Ref<'_, BTreeMap<String, Value>> {
        self.entries.borrow()
    }

    /// Changes the entries in place. Do not read this map (or a map that may
    /// be this one) while holding it.
    pub fn borrow_mut(&self) -> RefMut<'_, BTreeMap<String, Value>> {
        self.entries.borrow_mut()
    }

    /// Whether both handles name the same Go map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Rc::ptr_eq(&self.entries, &other.entries)
    }

    /// A copy that shares nothing with this map (nested maps copied too).
    pub fn deep_copy(&self) -> Map {
        let entries = self
            .entries()
            .into_iter()
            .map(|(k, v)| (k, v.deep_copy()))
            .collect();
        Map {
            entries: Rc::new(RefCell::new(entries)),
            is_values: self.is_values,
        }
    }
}

impl From<BTreeMap<String, Value>> for Map {
    fn from(entries: BTreeMap<String, Value>) -> Map {
        Map {
            entries: Rc::new(RefCell::new(entries)),
            is_values: false,
        }
    }
}

/// Go's `reflect.DeepEqual` on the contents.
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.ptr_eq(other) || *self.entries.borrow() == *other.entries.borrow()
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries.borrow().iter()).finish()
    }
}

impl Value {
    /// A string.
    pub fn str(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    /// A `[]interface{}`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    /// A new `map[string]interface{}`.
    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Map::from(entries))
    }

    /// Go's kind name (`reflect.Kind`), as `kindOf` reports it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind(),
        }
    }

    /// Go's type name, as `typeOf` and error messages print it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(m) if m.is_values() => "common.Values".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name(),
            other => other.kind().into(),
        }
    }

    /// Go template truthiness: false, zero numbers, empty strings and
    /// collections, and nil are false; structs are true.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(n) | Value::Int64(n) => *n != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(_) => true,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A copy sharing no map with this one (Go's `copystructure`).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::Map(m) => Value::Map(m.deep_copy()),
            Value::List(items) => Value::list(items.iter().map(Value::deep_copy).collect()),
            other => other.clone(),
        }
    }

    /// The value as JSON sees it (`encoding/json` on the Go value): objects
    /// become their data, bytes a base64 string's source, numbers keep
    /// their kind. `None` for a float that JSON cannot hold (NaN, infinity).
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Nil => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(n) | Value::Int64(n) => serde_json::Value::from(*n),
            Value::Float(x) => serde_json::Value::Number(serde_json::Number::from_f64(*x)?),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Bytes(b) => {
                serde_json::Value::Array(b.iter().map(|x| serde_json::Value::from(*x)).collect())
            }
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect::<Option<_>>()?)
            }
            Value::Map(m) => serde_json::Value::Object(
                m.borrow()
                    .iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Object(o) => o.to_data().to_json()?,
        })
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
            serde_json::Value::Array(items) => Value::list(items.iter().map(Value::from).collect()),
            serde_json::Value::Object(map) => Value::map(
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
            Value::Bytes(bytes) => {
                f.write_str("[")?;
                for (i, b) in bytes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{b}")?;
                }
                f.write_str("]")
            }
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
                for (i, (key, value)) in map.borrow().iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{key}:{value}")?;
                }
                f.write_str("]")
            }
            Value::Object(o) => f.write_str(&o.go_string()),
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
        assert_eq!(
            values.get("m").unwrap().to_string(),
            "map[a:x b:2 n:map[z:[1 2]]]"
        );
        assert_eq!(values.get("l").unwrap().to_string(), "[1 a true <nil> 2.5]");
        assert_eq!(Value::Int(3).to_string(), "3");
        assert_eq!(Value::Nil.to_string(), "<nil>");
    }

    #[test]
    fn kinds_and_truth_follow_go() {
        assert_eq!(Value::Float(1.0).kind(), "float64");
        assert_eq!(Value::Int64(1).kind(), "int64");
        assert!(!Value::Float(0.0).is_true());
        assert!(!Value::map(BTreeMap::new()).is_true());
        assert!(Value::String("false".into()).is_true());
    }
}
