//! Sprig's conversions, defaults and reflection (`default`, `empty`,
//! `coalesce`, `ternary`, `toString`, `int`, `float64`, `typeOf`, `kindIs`,
//! `deepEqual`...), and the Go conversions the other areas share: Sprig's
//! `strval` and `strslice`, Go's emptiness, and spf13/cast's `ToInt64` and
//! `ToFloat64` (with `strconv`'s number syntax).

use crate::funcs::{Call, Function, Signature, Type};
use crate::value::{Map, Value};

/// What Go says when Sprig calls a method on the type of a nil interface
/// (`reflect.TypeOf(nil).Kind()`), as `first nil` does.
pub(super) const NIL_DEREF: &str =
    "runtime error: invalid memory address or nil pointer dereference";

pub(super) fn functions() -> Vec<Function> {
    use Type::{Any, Bool, String as Str};
    let table: Vec<(&'static str, Signature, Call)> = vec![
        ("default", Signature::variadic(&[Any], Any), default),
        ("empty", Signature::fixed(&[Any]), |a| {
            Ok(Value::Bool(is_empty(&arg(a, 0))))
        }),
        ("coalesce", Signature::variadic(&[], Any), |a| {
            Ok(a.iter()
                .find(|v| !is_empty(v))
                .cloned()
                .unwrap_or(Value::Nil))
        }),
        ("all", Signature::variadic(&[], Any), |a| {
            Ok(Value::Bool(a.iter().all(|v| !is_empty(v))))
        }),
        ("any", Signature::variadic(&[], Any), |a| {
            Ok(Value::Bool(a.iter().any(|v| !is_empty(v))))
        }),
        ("ternary", Signature::fixed(&[Any, Any, Bool]), |a| {
            let condition = matches!(arg(a, 2), Value::Bool(true));
            Ok(arg(a, if condition { 0 } else { 1 }))
        }),
        ("toString", Signature::fixed(&[Any]), |a| {
            Ok(Value::String(strval(&arg(a, 0))))
        }),
        ("atoi", Signature::fixed(&[Str]), |a| {
            Ok(Value::Int(atoi(arg_str(a, 0))))
        }),
        ("int", Signature::fixed(&[Any]), |a| {
            Ok(Value::Int(to_int64(&arg(a, 0))))
        }),
        ("int64", Signature::fixed(&[Any]), |a| {
            Ok(Value::Int64(to_int64(&arg(a, 0))))
        }),
        ("float64", Signature::fixed(&[Any]), |a| {
            Ok(Value::Float(to_float64(&arg(a, 0))))
        }),
        ("toDecimal", Signature::fixed(&[Any]), |a| {
            // `strconv.ParseInt(fmt.Sprint(v), 8, 64)`, 0 on error.
            let text = arg(a, 0).to_string();
            Ok(Value::Int64(parse_int_base(&text, 8).unwrap_or(0)))
        }),
        ("typeOf", Signature::fixed(&[Any]), |a| {
            Ok(Value::String(arg(a, 0).type_name()))
        }),
        ("typeIs", Signature::fixed(&[Str, Any]), |a| {
            Ok(Value::Bool(arg(a, 1).type_name() == arg_str(a, 0)))
        }),
        ("typeIsLike", Signature::fixed(&[Str, Any]), |a| {
            let (target, actual) = (arg_str(a, 0), arg(a, 1).type_name());
            Ok(Value::Bool(
                actual == target || actual.strip_prefix('*') == Some(target),
            ))
        }),
        ("kindOf", Signature::fixed(&[Any]), |a| {
            Ok(Value::str(arg(a, 0).kind()))
        }),
        ("kindIs", Signature::fixed(&[Str, Any]), |a| {
            Ok(Value::Bool(arg(a, 1).kind() == arg_str(a, 0)))
        }),
        ("deepEqual", Signature::fixed(&[Any, Any]), |a| {
            Ok(Value::Bool(deep_equal(&arg(a, 0), &arg(a, 1))))
        }),
    ];
    table
        .into_iter()
        .map(|(name, sig, call)| Function { name, sig, call })
        .collect()
}

// ---- Arguments (the executor has checked them against the signature).

/// The argument at `i` (nil when absent).
pub(super) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

/// The `string` argument at `i`.
pub(super) fn arg_str(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

/// The `int` (or `int64`) argument at `i`.
pub(super) fn arg_int(args: &[Value], i: usize) -> i64 {
    match args.get(i) {
        Some(Value::Int(n) | Value::Int64(n)) => *n,
        _ => 0,
    }
}

/// The `map[string]interface{}` argument at `i` (Go's nil map reads as
/// empty).
pub(super) fn arg_map(args: &[Value], i: usize) -> Map {
    match args.get(i) {
        Some(Value::Map(m)) => m.clone(),
        _ => Map::new(),
    }
}

// ---- Sprig's shared conversions.

/// `default`: the value unless it is empty, else the default.
fn default(args: &[Value]) -> Result<Value, String> {
    match args.get(1) {
        Some(given) if !is_empty(given) => Ok(given.clone()),
        _ => Ok(arg(args, 0)),
    }
}

/// Sprig's `empty`: nil, false, zero numbers and empty strings and
/// collections. Structs (and pointers to them) are never empty.
pub(super) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(n) | Value::Int64(n) => *n == 0,
        Value::Float(x) => *x == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(_) => false,
    }
}

/// Sprig's `strval`: strings and bytes as text, anything else as `%v`
/// (which uses a `String()` method when there is one).
pub(super) fn strval(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.to_string(),
    }
}

/// Sprig's `strslice` (`toStrings`, `join`, `sortAlpha`): a slice's non-nil
/// elements through [`strval`]; nil gives no strings, anything else one.
pub(super) fn strslice(value: &Value) -> Vec<String> {
    match value {
        Value::Nil => Vec::new(),
        Value::List(items) => items
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(strval)
            .collect(),
        // A `[]byte` is a slice of numbers here.
        Value::Bytes(bytes) => bytes.iter().map(u8::to_string).collect(),
        other => vec![strval(other)],
    }
}

/// `reflect.DeepEqual` on template values: kinds must match (int 1 is not
/// float64 1), and Helm's `Values` type differs from a plain map.
pub(super) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            if x.is_values() != y.is_values() {
                return false;
            }
            if x.ptr_eq(y) {
                return true;
            }
            let (x, y) = (x.entries(), y.entries());
            x.len() == y.len()
                && x.iter()
                    .zip(&y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && deep_equal(vx, vy))
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| deep_equal(x, y))
        }
        _ => a == b,
    }
}

/// spf13/cast's `ToInt64` (and `ToInt`, the same on 64-bit Go): numbers
/// convert as Go converts them, booleans are 0 or 1, strings parse with
/// Go's integer syntax after a zero fraction is dropped (`"1.0"`), and
/// everything else (or a failed parse) is 0.
pub(super) fn to_int64(value: &Value) -> i64 {
    match value {
        Value::Bool(b) => i64::from(*b),
        Value::Int(n) | Value::Int64(n) => *n,
        Value::Float(x) => float_to_int(*x),
        Value::String(s) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// spf13/cast's `ToFloat64`: numbers as float64, booleans 0 or 1, strings by
/// `strconv.ParseFloat`, everything else (or a failed parse) 0.
pub(super) fn to_float64(value: &Value) -> f64 {
    match value {
        Value::Bool(b) => f64::from(u8::from(*b)),
        #[allow(clippy::cast_precision_loss)] // Go's float64(int64) rounds the same way.
        Value::Int(n) | Value::Int64(n) => *n as f64,
        Value::Float(x) => *x,
        Value::String(s) => parse_go_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Go's `int64(x)` for a float64 on amd64: truncation toward zero, and the
/// "integer indefinite" value (the minimum int64) for NaN and out-of-range
/// values.
pub(super) fn float_to_int(x: f64) -> i64 {
    // 2^63: the first float64 beyond int64's range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if x.is_nan() || !(-LIMIT..LIMIT).contains(&x) {
        return i64::MIN;
    }
    // In range, so the truncating conversion is exact.
    #[allow(clippy::cast_possible_truncation)]
    let n = x.trunc() as i64;
    n
}

/// spf13/cast's `trimZeroDecimal`: `"10.00"` to `"10"`; anything else (even
/// `"1."`) unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, b) in s.bytes().enumerate().rev() {
        match b {
            b'.' if found_zero => return &s[..i],
            b'.' => {}
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// `strconv.Atoi`, as Sprig's `atoi` uses it (ignoring the error): decimal
/// digits with an optional sign, clamped to int's range on overflow, 0 when
/// malformed.
fn atoi(s: &str) -> i64 {
    let (negative, digits) = split_sign(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        let digit = i64::from(b - b'0');
        n = match n.checked_mul(10).and_then(|n| {
            if negative {
                n.checked_sub(digit)
            } else {
                n.checked_add(digit)
            }
        }) {
            Some(n) => n,
            None if negative => return i64::MIN,
            None => return i64::MAX,
        };
    }
    n
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// `strconv.ParseInt(s, 0, 64)`: an optional sign, then `0x`, `0o`, `0b` or
/// a leading `0` (octal) for the base, with `_` allowed between digits.
/// `None` on a syntax or range error.
pub(super) fn parse_go_int(s: &str) -> Option<i64> {
    if s.contains('_') && !underscores_ok(s) {
        return None;
    }
    let (negative, body) = split_sign(s);
    let lower = body.to_ascii_lowercase();
    let (base, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    magnitude_to_int(negative, parse_magnitude(&digits, base)?)
}

/// `strconv.ParseInt(s, base, 64)` for an explicit base: a sign and digits,
/// no prefix, no underscores.
fn parse_int_base(s: &str, base: u32) -> Option<i64> {
    let (negative, digits) = split_sign(s);
    magnitude_to_int(negative, parse_magnitude(digits, base)?)
}

fn parse_magnitude(digits: &str, base: u32) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.chars().try_fold(0u64, |n, c| {
        n.checked_mul(u64::from(base))?
            .checked_add(u64::from(c.to_digit(base)?))
    })
}

fn magnitude_to_int(negative: bool, magnitude: u64) -> Option<i64> {
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `strconv`'s `underscoreOK`: underscores only between digits, or between
/// a base prefix and a digit.
fn underscores_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    // What came last: '^' the start, '0' a digit or prefix, '_', or '!'.
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &s[i..] {
        if c.is_ascii_digit() || hex && c.is_ascii_hexdigit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
    }
    saw != b'_'
}

/// `strconv.ParseFloat(s, 64)`: decimal or hexadecimal (`0x1p4`) floats,
/// `inf`/`infinity`/`nan` in any case, `_` between digits. `None` on a
/// syntax error or overflow.
pub(super) fn parse_go_float(s: &str) -> Option<f64> {
    if let Some(special) = special_float(s) {
        return Some(special);
    }
    if s.contains('_') && !underscores_ok(s) {
        return None;
    }
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    let (negative, body) = split_sign(&cleaned);
    let lower = body.to_ascii_lowercase();
    let magnitude = if let Some(hex) = lower.strip_prefix("0x") {
        parse_hex_float(hex)?
    } else {
        // Rust's syntax for finite decimals is Go's; its words are not.
        if body.is_empty()
            || body.starts_with(['+', '-'])
            || !body
                .bytes()
                .all(|b| b.is_ascii_digit() || b".eE+-".contains(&b))
        {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    if magnitude.is_infinite() {
        return None; // Go reports a range error.
    }
    Some(if negative { -magnitude } else { magnitude })
}

/// Go's `special`: an optionally signed `inf`/`infinity`, or unsigned `nan`,
/// in any case.
fn special_float(s: &str) -> Option<f64> {
    let (negative, body) = split_sign(s);
    let lower = body.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "infinity" if negative => Some(f64::NEG_INFINITY),
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" if body.len() == s.len() => Some(f64::NAN),
        _ => None,
    }
}

/// A hexadecimal float after its `0x`: hex digits with an optional point,
/// then a mandatory `p` exponent.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (mantissa, exponent) = text.split_once('p')?;
    let exponent: i32 = match exponent.strip_prefix('+') {
        Some(rest) if !rest.starts_with(['+', '-']) => rest.parse().ok()?,
        _ => exponent.parse().ok()?,
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut value: u128 = 0;
    let mut scale: i32 = 0;
    for (i, c) in whole.chars().chain(fraction.chars()).enumerate() {
        let digit = c.to_digit(16)?;
        // Digits past 128 bits cannot change a float64; only their place does.
        if value >> 120 == 0 {
            value = value * 16 + u128::from(digit);
            if i >= whole.len() {
                scale -= 4;
            }
        } else if i < whole.len() {
            scale += 4;
        }
    }
    #[allow(clippy::cast_precision_loss)] // rounds to nearest, as Go does
    let mut x = value as f64;
    let mut exp = exponent.saturating_add(scale);
    // Scale by powers of two in steps that stay exact.
    while exp > 0 {
        let step = exp.min(1000);
        x *= 2f64.powi(step);
        exp -= step;
    }
    while exp < 0 {
        let step = exp.max(-1000);
        x *= 2f64.powi(step);
        exp -= step;
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::{call, s};
    use std::collections::BTreeMap;

    // Expected values from tests/cases/sprig_core.expected.json ("int",
    // "float64", "atoi", "int-huge-float", "toDecimal").
    #[test]
    fn int_follows_cast() {
        let cases: [(&str, i64); 21] = [
            ("0x10", 16),
            ("010", 8),
            ("1.0", 1),
            ("1.5", 0),
            ("1_000", 1000),
            ("1e3", 0),
            ("99999999999999999999", 0),
            ("0b101", 5),
            ("0o17", 15),
            (" 5", 0),
            ("08", 0),
            ("-0x10", -16),
            ("1.", 0),
            ("10.00", 10),
            (".0", 0),
            ("42", 42),
            ("-9223372036854775808", i64::MIN),
            ("9223372036854775808", 0),
            ("", 0),
            ("_1", 0),
            ("0x_1", 1),
        ];
        for (text, want) in cases {
            assert_eq!(to_int64(&s(text)), want, "{text:?}");
        }
        assert_eq!(to_int64(&Value::Float(3.9)), 3);
        assert_eq!(to_int64(&Value::Float(-3.9)), -3);
        assert_eq!(to_int64(&Value::Float(1e20)), i64::MIN);
        assert_eq!(to_int64(&Value::Float(f64::NAN)), i64::MIN);
        assert_eq!(to_int64(&Value::Float(-1e300)), i64::MIN);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::Nil), 0);
        assert_eq!(to_int64(&Value::list(vec![])), 0);
        assert_eq!(call("int", &[s("1")]), Ok(Value::Int(1)));
        assert_eq!(call("int64", &[Value::Float(2.9)]), Ok(Value::Int64(2)));
    }

    #[test]
    fn float64_follows_parse_float() {
        let cases: [(&str, f64); 14] = [
            ("1.5", 1.5),
            ("1e3", 1000.0),
            ("inf", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("0x1p4", 16.0),
            ("0x1.8p1", 3.0),
            ("1_0", 10.0),
            ("abc", 0.0),
            ("1e400", 0.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("+nan", 0.0),
            (" 1", 0.0),
            ("0x10", 0.0),
        ];
        for (text, want) in cases {
            assert_eq!(to_float64(&s(text)), want, "{text:?}");
        }
        assert!(to_float64(&s("nan")).is_nan());
        assert_eq!(to_float64(&Value::Bool(true)), 1.0);
        assert_eq!(to_float64(&Value::Int(3)), 3.0);
    }

    #[test]
    fn atoi_and_to_decimal() {
        let cases: [(&str, i64); 9] = [
            ("42", 42),
            ("4.2", 0),
            (" 1", 0),
            ("+5", 5),
            ("0x10", 0),
            ("-7", -7),
            ("", 0),
            ("99999999999999999999", i64::MAX),
            ("1_000", 0),
        ];
        for (text, want) in cases {
            assert_eq!(call("atoi", &[s(text)]), Ok(Value::Int(want)), "{text:?}");
        }
        for (v, want) in [
            (s("0777"), 511),
            (Value::Int(777), 511),
            (s("8"), 0),
            (s("-17"), -15),
            (Value::Float(777.0), 511),
            (Value::Float(1e6), 0),
            (Value::Nil, 0),
            (s("0o17"), 0),
        ] {
            assert_eq!(
                call("toDecimal", std::slice::from_ref(&v)),
                Ok(Value::Int64(want)),
                "{v:?}"
            );
        }
    }

    #[test]
    fn emptiness_and_defaults() {
        let empty_map = Value::map(BTreeMap::new());
        for v in [
            s(""),
            Value::Int(0),
            Value::Float(0.0),
            Value::Nil,
            Value::list(vec![]),
            empty_map.clone(),
            Value::Bool(false),
        ] {
            assert!(is_empty(&v), "{v:?}");
            assert_eq!(call("default", &[s("x"), v]), Ok(s("x")));
        }
        assert_eq!(call("default", &[s("x")]), Ok(s("x")));
        assert_eq!(
            call("default", &[Value::Int(1), s("a"), s("b")]),
            Ok(s("a"))
        );
        assert_eq!(
            call(
                "coalesce",
                &[Value::Int(0), s(""), Value::Nil, s("x"), s("y")]
            ),
            Ok(s("x"))
        );
        assert_eq!(call("coalesce", &[]), Ok(Value::Nil));
        assert_eq!(call("all", &[]), Ok(Value::Bool(true)));
        assert_eq!(call("any", &[]), Ok(Value::Bool(false)));
        assert_eq!(
            call("ternary", &[s("a"), s("b"), Value::Bool(false)]),
            Ok(s("b"))
        );
    }

    /// Every function of the areas here, with arguments of its declared
    /// types at their extremes (nil, NaN, int limits, a map containing
    /// itself, malformed patterns and URLs), returns instead of panicking.
    #[test]
    fn no_function_panics_on_hostile_arguments() {
        let cyclic = Map::new();
        cyclic.insert("self", Value::Map(cyclic.clone()));
        let nested = Value::map([("a".to_string(), Value::map(BTreeMap::new()))].into());
        let values = Value::Map(Map::values([("k".to_string(), Value::Int(1))].into()));
        let strings = [
            "",
            "a",
            "(",
            "[",
            "é\u{FFFD}",
            "\\",
            "a{1001}",
            "%zz",
            "http://[::1",
            "$1${a}$",
            "0x1p-2",
            "-9223372036854775808",
            "a b\tc",
        ]
        .map(Value::str);
        let ints = [0, 1, -1, 2, 1001, i64::MIN, i64::MAX].map(Value::Int);
        let maps = [Value::map(BTreeMap::new()), nested.clone(), values.clone()];
        let mut anys: Vec<Value> = vec![
            Value::Nil,
            Value::Bool(true),
            Value::Int64(i64::MIN),
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY),
            Value::Float(-0.0),
            Value::Float(1e300),
            Value::Bytes(std::rc::Rc::new(vec![0xFF, 1])),
            Value::list(vec![]),
            Value::list(vec![Value::Nil, Value::Int(1), nested]),
            values,
        ];
        anys.extend(ints.iter().take(3).cloned());
        anys.extend(strings.iter().take(4).cloned());
        anys.extend(maps.iter().cloned());
        let pool = |t: Type| -> Vec<Value> {
            match t {
                Type::String => strings.to_vec(),
                Type::Int | Type::Int64 => ints.to_vec(),
                Type::Float64 => vec![Value::Float(0.4), Value::Float(f64::NAN)],
                Type::Bool => vec![Value::Bool(false)],
                Type::Map => maps.to_vec(),
                _ => anys.clone(),
            }
        };
        let all = [
            super::super::strings::functions(),
            functions(),
            super::super::lists::functions(),
            super::super::dicts::functions(),
            super::super::math::functions(),
            super::super::regex::functions(),
            super::super::paths::functions(),
        ]
        .concat();
        for f in all {
            let mut params: Vec<Type> = f.sig.params.to_vec();
            params.extend(f.sig.variadic);
            // Every combination of the pools, capped to stay quick.
            let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
            for t in params {
                combos = combos
                    .iter()
                    .flat_map(|c| {
                        pool(t).into_iter().map(move |v| {
                            let mut c = c.clone();
                            c.push(v);
                            c
                        })
                    })
                    .take(4000)
                    .collect();
            }
            for args in combos {
                let _ = (f.call)(&args);
            }
            // The cyclic map only where nothing prints or copies it.
            if f.name.starts_with("merge") || f.name.ends_with("erge") {
                let m = Value::Map(cyclic.clone());
                assert!((f.call)(&[m.clone(), m]).is_err(), "{}", f.name);
            }
        }
        cyclic.remove("self");
    }

    #[test]
    fn reflection_names_go_types() {
        assert_eq!(call("typeOf", &[Value::Int64(1)]), Ok(s("int64")));
        assert_eq!(call("typeOf", &[Value::Nil]), Ok(s("<nil>")));
        assert_eq!(call("kindOf", &[Value::Nil]), Ok(s("invalid")));
        assert_eq!(
            call("typeIsLike", &[s("int"), Value::Int(1)]),
            Ok(Value::Bool(true))
        );
        assert_eq!(call("toString", &[Value::Nil]), Ok(s("<nil>")));
        assert_eq!(call("toString", &[Value::Float(1e6)]), Ok(s("1e+06")));
        let one = Value::Int(1);
        assert!(!deep_equal(&one, &Value::Float(1.0)));
        assert!(!deep_equal(&one, &Value::Int64(1)));
        assert!(!deep_equal(&Value::list(vec![]), &Value::Nil));
        let plain = Map::new();
        let values = Map::values(BTreeMap::new());
        assert!(!deep_equal(&Value::Map(plain), &Value::Map(values)));
    }
}
