//! Sprig's list functions (`list`, `append`, `first`, `uniq`, `has`,
//! `slice`, `concat`, `chunk`, `compact`, `sortAlpha`...) with their `must`
//! variants, and the integer sequences `until`, `untilStep` and `seq`.
//!
//! Sprig reads any Go slice through reflection and reports other kinds as
//! "Cannot ... on type KIND"; nil has no type, so asking for its kind is
//! Go's nil-pointer panic. A panicking variant and its `must` twin fail with
//! the same text (the executor reports both as errors), so they share one
//! implementation here.

use std::rc::Rc;

use super::conv::{
    NIL_DEREF, arg, arg_int, deep_equal, float_to_int, is_empty, strslice, strval, to_int64,
};
use crate::funcs::{Call, Function, Signature, Type};
use crate::value::Value;

pub(super) fn functions() -> Vec<Function> {
    use Type::{Any, Int};
    let one = Signature::fixed(&[Any]);
    let two = Signature::fixed(&[Any, Any]);
    let mut table: Vec<(&'static str, Signature, Call)> = vec![
        ("list", Signature::variadic(&[], Any), |a| {
            Ok(Value::list(a.to_vec()))
        }),
        ("tuple", Signature::variadic(&[], Any), |a| {
            Ok(Value::list(a.to_vec()))
        }),
        ("sortAlpha", one, |a| {
            let mut items = match arg(a, 0) {
                v @ (Value::List(_) | Value::Bytes(_)) => strslice(&v),
                other => vec![strval(&other)],
            };
            items.sort();
            Ok(super::strings::strings(items))
        }),
        ("until", Signature::fixed(&[Int]), |a| {
            let count = arg_int(a, 0);
            until_step(0, count, if count < 0 { -1 } else { 1 }).map(ints)
        }),
        ("untilStep", Signature::fixed(&[Int, Int, Int]), |a| {
            until_step(arg_int(a, 0), arg_int(a, 1), arg_int(a, 2)).map(ints)
        }),
        ("seq", Signature::variadic(&[], Int), seq),
        ("concat", Signature::variadic(&[], Any), concat),
    ];
    for (names, sig, call) in [
        (["append", "mustAppend"], two, push as Call),
        (["push", "mustPush"], two, push),
        (["prepend", "mustPrepend"], two, prepend),
        (["first", "mustFirst"], one, first),
        (["last", "mustLast"], one, last),
        (["rest", "mustRest"], one, rest),
        (["initial", "mustInitial"], one, initial),
        (["reverse", "mustReverse"], one, reverse),
        (["uniq", "mustUniq"], one, uniq),
        (["compact", "mustCompact"], one, compact),
        (
            ["without", "mustWithout"],
            Signature::variadic(&[Any], Any),
            without,
        ),
        (["has", "mustHas"], two, has),
        (
            ["slice", "mustSlice"],
            Signature::variadic(&[Any], Any),
            slice,
        ),
        (["chunk", "mustChunk"], Signature::fixed(&[Int, Any]), chunk),
    ] {
        for name in names {
            table.push((name, sig, call));
        }
    }
    table
        .into_iter()
        .map(|(name, sig, call)| Function { name, sig, call })
        .collect()
}

/// The elements of a Go slice (a `[]byte`'s as numbers), or the error
/// `what` names for another kind.
fn elements(value: &Value, what: impl FnOnce(&str) -> String) -> Result<Rc<Vec<Value>>, String> {
    match value {
        Value::Nil => Err(NIL_DEREF.into()),
        Value::List(items) => Ok(Rc::clone(items)),
        Value::Bytes(bytes) => Ok(Rc::new(
            bytes.iter().map(|b| Value::Int(i64::from(*b))).collect(),
        )),
        other => Err(what(other.kind())),
    }
}

/// A `[]int`.
fn ints(items: Vec<i64>) -> Value {
    Value::list(items.into_iter().map(Value::Int).collect())
}

/// `append`/`push`: a new list with the value at the end (the original is
/// never changed).
fn push(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| format!("Cannot push on type {k}"))?;
    let mut out = items.to_vec();
    out.push(arg(args, 1));
    Ok(Value::list(out))
}

fn prepend(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| format!("Cannot prepend on type {k}"))?;
    let mut out = Vec::with_capacity(items.len() + 1);
    out.push(arg(args, 1));
    out.extend(items.iter().cloned());
    Ok(Value::list(out))
}

/// `first`: nil for an empty list.
fn first(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| format!("Cannot find first on type {k}"))?;
    Ok(items.first().cloned().unwrap_or(Value::Nil))
}

fn last(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| format!("Cannot find last on type {k}"))?;
    Ok(items.last().cloned().unwrap_or(Value::Nil))
}

/// `rest`: all but the first (a nil list, printing `[]`, for an empty one).
fn rest(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| format!("Cannot find rest on type {k}"))?;
    Ok(Value::list(items.iter().skip(1).cloned().collect()))
}

fn initial(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| {
        format!("Cannot find initial on type {k}")
    })?;
    let keep = items.len().saturating_sub(1);
    Ok(Value::list(items[..keep].to_vec()))
}

fn reverse(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| {
        format!("Cannot find reverse on type {k}")
    })?;
    Ok(Value::list(items.iter().rev().cloned().collect()))
}

/// `uniq`: the first of each group of `reflect.DeepEqual` elements.
fn uniq(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| format!("Cannot find uniq on type {k}"))?;
    let mut out: Vec<Value> = Vec::new();
    for item in items.iter() {
        if !out.iter().any(|seen| deep_equal(item, seen)) {
            out.push(item.clone());
        }
    }
    Ok(Value::list(out))
}

/// `compact`: the elements that are not empty (Sprig's `empty`).
fn compact(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| format!("Cannot compact on type {k}"))?;
    Ok(Value::list(
        items.iter().filter(|v| !is_empty(v)).cloned().collect(),
    ))
}

/// `without LIST VALUES...`: the elements deep-equal to none of the values.
fn without(args: &[Value]) -> Result<Value, String> {
    let items = elements(&arg(args, 0), |k| {
        format!("Cannot find without on type {k}")
    })?;
    let omit = args.get(1..).unwrap_or_default();
    Ok(Value::list(
        items
            .iter()
            .filter(|item| !omit.iter().any(|o| deep_equal(item, o)))
            .cloned()
            .collect(),
    ))
}

/// `has NEEDLE LIST`: false for a nil list.
fn has(args: &[Value]) -> Result<Value, String> {
    let haystack = arg(args, 1);
    if matches!(haystack, Value::Nil) {
        return Ok(Value::Bool(false));
    }
    let items = elements(&haystack, |k| format!("Cannot find has on type {k}"))?;
    let needle = arg(args, 0);
    Ok(Value::Bool(
        items.iter().any(|item| deep_equal(&needle, item)),
    ))
}

/// Sprig's `slice LIST [START [END]]` (it replaces Go's builtin): indices go
/// through cast's `ToInt`; an empty list gives nil.
fn slice(args: &[Value]) -> Result<Value, String> {
    let list = arg(args, 0);
    let items = elements(&list, |k| {
        format!("list should be type of slice or array but {k}")
    })?;
    if items.is_empty() {
        return Ok(Value::Nil);
    }
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let start = args.get(1).map_or(0, to_int64);
    let end = args.get(2).map_or(len, to_int64);
    if start < 0 || end < start || end > len {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    let range = usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0);
    Ok(match &list {
        Value::Bytes(bytes) => Value::Bytes(Rc::new(bytes[range].to_vec())),
        _ => Value::list(items[range].to_vec()),
    })
}

/// `concat LISTS...`: the lists' elements in order; anything but a slice
/// panics.
fn concat(args: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for list in args {
        let items = elements(list, |k| format!("Cannot concat type {k} as list"))?;
        out.extend(items.iter().cloned());
    }
    Ok(Value::list(out))
}

/// `chunk SIZE LIST`: lists of `size` elements, the last one shorter. The
/// sizes are computed in float64 as Sprig does, so a size of 0 or one that
/// makes the count negative fails as Go's `make` does.
fn chunk(args: &[Value]) -> Result<Value, String> {
    const MAKESLICE: &str = "runtime error: makeslice: len out of range";
    let size = arg_int(args, 0);
    let items = elements(&arg(args, 1), |k| format!("Cannot chunk type {k}"))?;
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    #[allow(clippy::cast_precision_loss)] // Sprig's float64 arithmetic
    let (len_f, size_f) = (len as f64, size as f64);
    let count = float_to_int(((len_f - 1.0) / size_f).floor() + 1.0);
    if count < 0 {
        return Err(MAKESLICE.into());
    }
    let mut out = Vec::new();
    for i in 0..count {
        let mut chunk_len = size;
        if i == count - 1 {
            chunk_len = float_to_int((len_f % size_f).floor());
            if chunk_len == 0 {
                chunk_len = size;
            }
        }
        if chunk_len < 0 {
            return Err(MAKESLICE.into());
        }
        let mut chunk = Vec::new();
        for j in 0..chunk_len {
            let index = i
                .checked_mul(size)
                .and_then(|n| n.checked_add(j))
                .and_then(|n| usize::try_from(n).ok());
            let item = index
                .and_then(|n| items.get(n))
                .ok_or("reflect: slice index out of range")?;
            chunk.push(item.clone());
        }
        out.push(Value::list(chunk));
    }
    Ok(Value::list(out))
}

/// `untilStep START STOP STEP`: from `start` toward `stop` (exclusive) by
/// `step`; empty when the step points the wrong way or is 0. Where Go's
/// counter would overflow and wrap around until memory runs out, this stops
/// at `stop`; a range too long for memory is an error.
fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let moving = if stop < start { step < 0 } else { step > 0 };
    if !moving {
        return Ok(Vec::new());
    }
    // ceil(distance / step), both of the same sign.
    let (distance, step_wide) = (i128::from(stop) - i128::from(start), i128::from(step));
    let count = usize::try_from((distance + step_wide - step_wide.signum()) / step_wide)
        .unwrap_or(usize::MAX);
    let mut out = Vec::new();
    out.try_reserve_exact(count)
        .map_err(|_| "runtime: out of memory".to_string())?;
    let mut i = start;
    for _ in 0..count {
        out.push(i);
        i = i.wrapping_add(step);
    }
    Ok(out)
}

/// `seq [START [STEP]] END`: the numbers joined by spaces, counting down when
/// the end is below the start (`seq 5` is `1 2 3 4 5`, `seq 0` is `1 0`).
fn seq(args: &[Value]) -> Result<Value, String> {
    let n = |i| arg_int(args, i);
    let numbers = match args.len() {
        1 => {
            let end = n(0);
            let step = if end < 1 { -1 } else { 1 };
            until_step(1, end.wrapping_add(step), step)
        }
        2 => {
            let (start, end) = (n(0), n(1));
            let step = if end < start { -1 } else { 1 };
            until_step(start, end.wrapping_add(step), step)
        }
        3 => {
            let (start, step, end) = (n(0), n(1), n(2));
            if end < start && step > 0 {
                Ok(Vec::new())
            } else {
                let toward = if end < start { -1 } else { 1 };
                until_step(start, end.wrapping_add(toward), step)
            }
        }
        _ => Ok(Vec::new()),
    }?;
    let words: Vec<String> = numbers.iter().map(i64::to_string).collect();
    Ok(Value::String(words.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::{i, list, out};
    use std::collections::BTreeMap;

    // Expectations from tests/cases/sprig_core.expected.json.
    #[test]
    fn wrong_kinds_fail_as_sprig_does() {
        let s = Value::str("abc");
        assert_eq!(
            out("append", &[s.clone(), i(1)]),
            "error: Cannot push on type string"
        );
        assert_eq!(
            out("append", &[Value::Nil, i(1)]),
            format!("error: {NIL_DEREF}")
        );
        let map = Value::map(BTreeMap::new());
        assert_eq!(
            out("append", &[map.clone(), i(1)]),
            "error: Cannot push on type map"
        );
        assert_eq!(
            out("prepend", &[i(1), i(1)]),
            "error: Cannot prepend on type int"
        );
        assert_eq!(
            out("mustPrepend", &[Value::Float(1.5), i(1)]),
            "error: Cannot prepend on type float64"
        );
        assert_eq!(
            out("first", std::slice::from_ref(&s)),
            "error: Cannot find first on type string"
        );
        assert_eq!(
            out("last", std::slice::from_ref(&map)),
            "error: Cannot find last on type map"
        );
        assert_eq!(
            out("has", &[Value::str("a"), s.clone()]),
            "error: Cannot find has on type string"
        );
        assert_eq!(out("has", &[i(1), Value::Nil]), "false");
        assert_eq!(
            out("slice", &[s.clone(), i(1)]),
            "error: list should be type of slice or array but string"
        );
        assert_eq!(
            out("concat", &[list(&[i(1)]), s.clone()]),
            "error: Cannot concat type string as list"
        );
        assert_eq!(
            out("chunk", &[i(2), s.clone()]),
            "error: Cannot chunk type string"
        );
        assert_eq!(out("compact", &[s]), "error: Cannot compact on type string");
    }

    #[test]
    fn list_operations() {
        let l = list(&[i(1), i(2), i(3)]);
        assert_eq!(out("first", std::slice::from_ref(&l)), "1");
        assert_eq!(out("first", &[list(&[])]), "<nil>");
        assert_eq!(out("rest", std::slice::from_ref(&l)), "[2 3]");
        assert_eq!(out("initial", std::slice::from_ref(&l)), "[1 2]");
        assert_eq!(out("rest", &[list(&[])]), "[]");
        assert_eq!(out("reverse", std::slice::from_ref(&l)), "[3 2 1]");
        let dup = list(&[
            i(1),
            i(2),
            i(1),
            Value::str("a"),
            Value::str("a"),
            Value::Nil,
            Value::Nil,
        ]);
        assert_eq!(out("uniq", &[dup]), "[1 2 a <nil>]");
        let mixed = list(&[i(1), Value::Float(3.0), i(3)]);
        assert_eq!(out("uniq", &[mixed]), "[1 3 3]");
        assert_eq!(
            out("without", &[list(&[i(1), i(2), i(3), i(2)]), i(2)]),
            "[1 3]"
        );
        assert_eq!(
            out("has", &[Value::Float(1.0), list(&[Value::Float(1.0)])]),
            "true"
        );
        assert_eq!(out("has", &[i(1), list(&[Value::Float(1.0)])]), "false");
        let empties = list(&[
            i(0),
            i(1),
            Value::str(""),
            Value::Nil,
            Value::str("a"),
            Value::Bool(false),
            list(&[]),
            Value::Float(0.0),
            Value::Bool(true),
        ]);
        assert_eq!(out("compact", &[empties]), "[1 a true]");
        assert_eq!(out("concat", &[]), "[]");
        assert_eq!(
            out("concat", &[list(&[i(1)]), list(&[i(2), i(3)])]),
            "[1 2 3]"
        );
        assert_eq!(out("prepend", &[list(&[]), Value::Nil]), "[<nil>]");
    }

    #[test]
    fn slice_follows_reflect() {
        let l = list(&[i(1), i(2), i(3)]);
        assert_eq!(out("slice", &[l.clone(), i(1)]), "[2 3]");
        assert_eq!(out("slice", &[l.clone(), i(1), i(2)]), "[2]");
        assert_eq!(out("slice", &[l.clone(), Value::str("1")]), "[2 3]");
        assert_eq!(out("slice", &[l.clone(), Value::Float(1.9)]), "[2 3]");
        assert_eq!(out("slice", &[l.clone(), Value::Nil, i(2)]), "[1 2]");
        assert_eq!(out("slice", &[l.clone(), i(3)]), "[]");
        assert_eq!(out("slice", &[list(&[]), i(0)]), "<nil>");
        for bad in [[i(2), i(1)], [i(1), i(5)], [i(-1), i(3)]] {
            assert_eq!(
                out("slice", &[l.clone(), bad[0].clone(), bad[1].clone()]),
                "error: reflect.Value.Slice: slice index out of bounds"
            );
        }
    }

    #[test]
    fn chunk_computes_in_floats() {
        let five = list(&[i(1), i(2), i(3), i(4), i(5)]);
        assert_eq!(out("chunk", &[i(2), five.clone()]), "[[1 2] [3 4] [5]]");
        assert_eq!(out("chunk", &[i(3), list(&[])]), "[]");
        assert_eq!(out("chunk", &[i(5), list(&[i(1), i(2)])]), "[[1 2]]");
        assert_eq!(out("chunk", &[i(-1), list(&[i(1), i(2)])]), "[]");
        let makeslice = "error: runtime error: makeslice: len out of range";
        assert_eq!(out("chunk", &[i(0), list(&[i(1)])]), makeslice);
        assert_eq!(out("chunk", &[i(-2), five]), makeslice);
        assert_eq!(out("chunk", &[i(-1), list(&[])]), makeslice);
    }

    #[test]
    fn sequences() {
        assert_eq!(out("until", &[i(3)]), "[0 1 2]");
        assert_eq!(out("until", &[i(-3)]), "[0 -1 -2]");
        assert_eq!(out("untilStep", &[i(0), i(10), i(3)]), "[0 3 6 9]");
        assert_eq!(out("untilStep", &[i(10), i(0), i(-3)]), "[10 7 4 1]");
        assert_eq!(out("untilStep", &[i(0), i(10), i(0)]), "[]");
        assert_eq!(
            out("until", &[i(i64::MAX)]),
            "error: runtime: out of memory"
        );
        assert_eq!(
            out("untilStep", &[i(0), i(i64::MAX), i(i64::MAX / 2)]),
            "[0 4611686018427387903 9223372036854775806]"
        );
        for (args, want) in [
            (vec![i(5)], "1 2 3 4 5"),
            (vec![i(2), i(5)], "2 3 4 5"),
            (vec![i(5), i(2)], "5 4 3 2"),
            (vec![i(0), i(2), i(10)], "0 2 4 6 8 10"),
            (vec![i(10), i(-2), i(0)], "10 8 6 4 2 0"),
            (vec![i(0), i(-1), i(5)], ""),
            (vec![], ""),
            (vec![i(1), i(2), i(3), i(4)], ""),
            (vec![i(0)], "1 0"),
            (vec![i(-2)], "1 0 -1 -2"),
            (vec![i(3), i(3)], "3"),
            (vec![i(1), i(0), i(5)], ""),
            (vec![i(i64::MAX)], ""),
            (
                vec![i(i64::MIN), i(i64::MAX), i(i64::MIN)],
                "-9223372036854775808",
            ),
        ] {
            assert_eq!(out("seq", &args), want, "seq {args:?}");
        }
        assert_eq!(
            out(
                "sortAlpha",
                &[list(&[
                    Value::str("b"),
                    Value::str("a"),
                    i(10),
                    i(9),
                    Value::str("B")
                ])]
            ),
            "[10 9 B a b]"
        );
        assert_eq!(out("sortAlpha", &[Value::Nil]), "[<nil>]");
    }
}
