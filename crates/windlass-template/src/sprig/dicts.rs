//! Sprig's dictionary functions: `dict`, `get`, `set`, `unset`, `hasKey`,
//! `pluck`, `keys`, `values`, `pick`, `omit`, `dig`, `deepCopy`, and
//! `merge`/`mergeOverwrite`, which follow dario.cat/mergo v1.0's rules.
//!
//! Maps are shared as in Go: `set`, `unset` and `merge` change the map every
//! holder sees and return it, and `merge` puts the source's own nested maps
//! and lists into the destination rather than copies.

use std::collections::BTreeMap;

use super::conv::{arg, arg_map, arg_str, is_empty, strval};
use crate::funcs::{Call, Function, Signature, Type};
use crate::value::{Map, Value};

pub(super) fn functions() -> Vec<Function> {
    use Type::{Any, Map as M, String as Str};
    let table: Vec<(&'static str, Signature, Call)> = vec![
        ("dict", Signature::variadic(&[], Any), dict),
        ("get", Signature::fixed(&[M, Str]), |a| {
            // A missing key gives "", not nil.
            Ok(arg_map(a, 0)
                .get(arg_str(a, 1))
                .unwrap_or_else(|| Value::str("")))
        }),
        ("set", Signature::fixed(&[M, Str, Any]), |a| {
            let map = arg_map(a, 0);
            map.insert(arg_str(a, 1), arg(a, 2));
            Ok(Value::Map(map))
        }),
        ("unset", Signature::fixed(&[M, Str]), |a| {
            let map = arg_map(a, 0);
            map.remove(arg_str(a, 1));
            Ok(Value::Map(map))
        }),
        ("hasKey", Signature::fixed(&[M, Str]), |a| {
            Ok(Value::Bool(arg_map(a, 0).contains_key(arg_str(a, 1))))
        }),
        ("pluck", Signature::variadic(&[Str], M), |a| {
            let key = arg_str(a, 0);
            let found = a.iter().skip(1).filter_map(|m| match m {
                Value::Map(m) => m.get(key),
                _ => None,
            });
            Ok(Value::list(found.collect()))
        }),
        ("keys", Signature::variadic(&[], M), |a| {
            // Go lists each map's keys in random order; these are sorted.
            let keys = a.iter().flat_map(|m| match m {
                Value::Map(m) => m.keys(),
                _ => Vec::new(),
            });
            Ok(super::strings::strings(keys.collect()))
        }),
        ("values", Signature::fixed(&[M]), |a| {
            let values = arg_map(a, 0).entries().into_iter().map(|(_, v)| v);
            Ok(Value::list(values.collect()))
        }),
        ("pick", Signature::variadic(&[M], Str), |a| {
            let map = arg_map(a, 0);
            let picked = a
                .iter()
                .skip(1)
                .filter_map(|k| {
                    let k = k.as_str()?;
                    Some((k.to_string(), map.get(k)?))
                })
                .collect();
            Ok(Value::map(picked))
        }),
        ("omit", Signature::variadic(&[M], Str), |a| {
            let omitted: Vec<&str> = a.iter().skip(1).filter_map(Value::as_str).collect();
            let kept = arg_map(a, 0)
                .entries()
                .into_iter()
                .filter(|(k, _)| !omitted.contains(&k.as_str()))
                .collect();
            Ok(Value::map(kept))
        }),
        ("dig", Signature::variadic(&[], Any), dig),
    ];
    let mut out: Vec<Function> = table
        .into_iter()
        .map(|(name, sig, call)| Function { name, sig, call })
        .collect();
    let merge_sig = Signature::variadic(&[M], M);
    // mergo never fails on two `map[string]interface{}`, so the `must`
    // variants behave the same.
    for (name, call) in [
        ("merge", merge as Call),
        ("mustMerge", merge),
        ("mergeOverwrite", merge_overwrite),
        ("mustMergeOverwrite", merge_overwrite),
        ("deepCopy", deep_copy),
        ("mustDeepCopy", deep_copy),
    ] {
        let sig = if name.ends_with("eepCopy") {
            Signature::fixed(&[Any])
        } else {
            merge_sig
        };
        out.push(Function { name, sig, call });
    }
    out
}

/// `dict KEY VALUE ...`: keys through `strval` (`dict 1 2` has key "1"); an
/// odd last key gets "".
fn dict(args: &[Value]) -> Result<Value, String> {
    let mut map = BTreeMap::new();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
        map.insert(strval(&pair[0]), value);
    }
    Ok(Value::map(map))
}

/// `deepCopy`: copystructure fails on nil before anything else.
fn deep_copy(args: &[Value]) -> Result<Value, String> {
    match arg(args, 0) {
        Value::Nil => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        value => Ok(value.deep_copy()),
    }
}

/// Go's message for a failed type assertion from `interface{}`.
fn conversion_error(value: &Value, want: &str) -> String {
    let actual = match value {
        Value::Nil => "nil".to_string(),
        other => other.type_name(),
    };
    format!("interface conversion: interface {{}} is {actual}, not {want}")
}

/// The plain `map[string]interface{}` Sprig asserts (Helm's `Values` type is
/// another type, so `dig ... .Values` fails).
fn assert_map(value: &Value) -> Result<Map, String> {
    match value {
        Value::Map(m) if !m.is_values() => Ok(m.clone()),
        other => Err(conversion_error(other, "map[string]interface {}")),
    }
}

/// `dig KEYS... DEFAULT MAP`: the value at the key path, or the default
/// where a key is missing. Everything on the way must be a plain map.
fn dig(args: &[Value]) -> Result<Value, String> {
    let [keys @ .., default, map] = args else {
        return Err("dig needs at least three arguments".into());
    };
    if keys.is_empty() {
        return Err("dig needs at least three arguments".into());
    }
    let mut map = assert_map(map)?;
    let keys = keys
        .iter()
        .map(|k| {
            k.as_str()
                .map(str::to_string)
                .ok_or_else(|| conversion_error(k, "string"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let Some((last, path)) = keys.split_last() else {
        return Err("dig needs at least three arguments".into());
    };
    for key in path {
        match map.get(key) {
            None => return Ok(default.clone()),
            Some(step) => map = assert_map(&step)?,
        }
    }
    Ok(map.get(last).unwrap_or_else(|| default.clone()))
}

/// `merge DST SRCS...`: fills what `dst` lacks or has empty from each
/// source in turn, recursing into maps; mutates and returns `dst`.
fn merge(args: &[Value]) -> Result<Value, String> {
    merge_all(args, false)
}

/// `mergeOverwrite DST SRCS...`: sources win, even with empty values or nil.
fn merge_overwrite(args: &[Value]) -> Result<Value, String> {
    merge_all(args, true)
}

fn merge_all(args: &[Value], overwrite: bool) -> Result<Value, String> {
    let dst = arg_map(args, 0);
    for src in args.iter().skip(1) {
        if let Value::Map(src) = src {
            merge_into(&dst, src, overwrite, 0)?;
        }
    }
    Ok(Value::Map(dst))
}

/// How deep merged maps may nest: only a map that contains itself gets
/// there (where Go overflows its stack).
const MAX_MERGE_DEPTH: usize = 1000;

/// mergo's `deepMerge` for two `map[string]interface{}`, key by key:
/// - a nil source value is skipped, or stored when overwriting;
/// - a map source value merges into a map destination value in place;
/// - then a non-empty destination value is kept when both are maps (so an
///   empty destination map filled by that merge stays the destination's),
///   or when the source value is a list and not overwriting (mergo stores
///   an overwriting list before that check);
/// - otherwise the source value is stored when overwriting or when the
///   destination value is missing or empty.
fn merge_into(dst: &Map, src: &Map, overwrite: bool, depth: usize) -> Result<(), String> {
    if depth > MAX_MERGE_DEPTH {
        return Err("runtime: goroutine stack exceeds 1000000000-byte limit".into());
    }
    // A snapshot: `dst` may be `src` itself.
    for (key, value) in src.entries() {
        if matches!(value, Value::Nil) {
            if overwrite {
                dst.insert(key, Value::Nil);
            }
            continue;
        }
        let existing = dst.get(&key);
        if let (Value::Map(src_inner), Some(Value::Map(dst_inner))) = (&value, &existing) {
            merge_into(dst_inner, src_inner, overwrite, depth + 1)?;
        }
        // Emptiness now: a map the recursion filled is no longer empty.
        let kept = existing.as_ref().is_some_and(|v| !is_empty(v));
        let is_list = matches!(value, Value::List(_) | Value::Bytes(_));
        let both_maps = matches!((&value, &existing), (Value::Map(_), Some(Value::Map(_))));
        if kept && (is_list && !overwrite || both_maps) {
            continue;
        }
        if overwrite || !kept {
            dst.insert(key, value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sprig::testing::{call, i, list, out, s};

    /// `dict` with string keys.
    fn d(pairs: &[(&str, Value)]) -> Value {
        Value::map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    // Expectations from tests/cases/sprig_core.expected.json.
    #[test]
    fn dict_stringifies_keys() {
        assert_eq!(out("dict", &[s("a"), i(1), s("b")]), "map[a:1 b:]");
        assert_eq!(out("dict", &[i(1), i(2)]), "map[1:2]");
        assert_eq!(out("dict", &[Value::Nil, i(1)]), "map[<nil>:1]");
        assert_eq!(out("dict", &[list(&[i(1), i(2)]), i(3)]), "map[[1 2]:3]");
        assert_eq!(
            out(
                "dict",
                &[Value::Float(1e6), s("x"), Value::Bool(true), s("y")]
            ),
            "map[1e+06:x true:y]"
        );
        assert_eq!(out("dict", &[s("a"), i(1), s("a"), i(2)]), "map[a:2]");
    }

    #[test]
    fn accessors() {
        let m = d(&[("a", i(1))]);
        assert_eq!(out("get", &[m.clone(), s("a")]), "1");
        assert_eq!(call("get", &[m.clone(), s("b")]), Ok(s("")));
        assert_eq!(out("set", &[m.clone(), s("b"), i(2)]), "map[a:1 b:2]");
        assert_eq!(m.to_string(), "map[a:1 b:2]", "set changes the map itself");
        assert_eq!(out("unset", &[m.clone(), s("a")]), "map[b:2]");
        assert_eq!(out("hasKey", &[d(&[("n", Value::Nil)]), s("n")]), "true");
        let plucked = [
            s("a"),
            d(&[("a", i(1))]),
            d(&[("b", i(2))]),
            d(&[("a", i(3))]),
        ];
        assert_eq!(out("pluck", &plucked), "[1 3]");
        assert_eq!(
            out("keys", &[d(&[("a", i(1))]), d(&[("a", i(2))])]),
            "[a a]"
        );
        let abc = d(&[("a", i(1)), ("b", i(2)), ("c", i(3))]);
        assert_eq!(
            out("pick", &[abc.clone(), s("a"), s("c"), s("z")]),
            "map[a:1 c:3]"
        );
        assert_eq!(out("omit", &[abc, s("a"), s("z")]), "map[b:2 c:3]");
        // `set $d "self" $d` holds no borrow while inserting.
        let Value::Map(map) = d(&[]) else {
            unreachable!()
        };
        let _ = call(
            "set",
            &[Value::Map(map.clone()), s("self"), Value::Map(map.clone())],
        );
        assert!(map.get("self").is_some());
    }

    #[test]
    fn dig_asserts_like_go() {
        let nested = d(&[("a", d(&[("b", d(&[("c", i(1))]))]))]);
        assert_eq!(
            out("dig", &[s("a"), s("b"), s("c"), s("def"), nested.clone()]),
            "1"
        );
        assert_eq!(
            out("dig", &[s("a"), s("x"), s("def"), nested.clone()]),
            "def"
        );
        assert_eq!(out("dig", &[s("a"), s("b"), s("def"), nested]), "map[c:1]");
        assert_eq!(
            out("dig", &[s("a"), s("b"), s("def"), d(&[("a", s("str"))])]),
            "error: interface conversion: interface {} is string, not map[string]interface {}"
        );
        assert_eq!(
            out("dig", &[s("a"), s("b"), s("def"), d(&[("a", Value::Nil)])]),
            "error: interface conversion: interface {} is nil, not map[string]interface {}"
        );
        assert_eq!(
            out("dig", &[s("a"), d(&[])]),
            "error: dig needs at least three arguments"
        );
        assert_eq!(
            out("dig", &[i(1), s("def"), d(&[])]),
            "error: interface conversion: interface {} is int, not string"
        );
        let values = Value::Map(Map::values(BTreeMap::new()));
        assert_eq!(
            out("dig", &[s("s"), s("def"), values]),
            "error: interface conversion: interface {} is common.Values, not map[string]interface {}"
        );
    }

    #[test]
    fn merge_fills_missing_and_empty() {
        let dst = d(&[
            ("a", Value::Bool(false)),
            ("b", i(1)),
            ("c", s("")),
            ("d", i(0)),
        ]);
        let src = d(&[
            ("a", Value::Bool(true)),
            ("b", i(2)),
            ("c", s("x")),
            ("d", i(5)),
            ("e", i(3)),
        ]);
        assert_eq!(out("merge", &[dst, src]), "map[a:true b:1 c:x d:5 e:3]");
        let dst = d(&[("m", d(&[("x", i(1)), ("y", s(""))])), ("l", list(&[i(1)]))]);
        let src = d(&[
            ("m", d(&[("y", i(2)), ("z", i(3))])),
            ("l", list(&[i(2), i(3)])),
            ("n", d(&[("k", s("v"))])),
        ]);
        assert_eq!(
            out("merge", &[dst, src]),
            "map[l:[1] m:map[x:1 y:2 z:3] n:map[k:v]]"
        );
        let nils = d(&[("a", Value::Nil), ("b", Value::Nil)]);
        assert_eq!(out("merge", &[d(&[("a", i(1))]), nils.clone()]), "map[a:1]");
        assert_eq!(
            out("mergeOverwrite", &[d(&[("a", i(1))]), nils]),
            "map[a:<nil> b:<nil>]"
        );
    }

    #[test]
    fn merge_type_conflicts() {
        let dst = || d(&[("a", s("x")), ("b", d(&[("k", i(1))]))]);
        let src = d(&[("a", d(&[("k", i(2))])), ("b", s("y"))]);
        assert_eq!(out("merge", &[dst(), src.clone()]), "map[a:x b:map[k:1]]");
        assert_eq!(out("mergeOverwrite", &[dst(), src]), "map[a:map[k:2] b:y]");
        let dst = d(&[("a", s("")), ("b", d(&[])), ("c", list(&[]))]);
        let src = d(&[
            ("a", d(&[("k", i(1))])),
            ("b", d(&[("k", i(2))])),
            ("c", list(&[i(1)])),
        ]);
        assert_eq!(
            out("merge", &[dst, src]),
            "map[a:map[k:1] b:map[k:2] c:[1]]"
        );
        let dst = d(&[
            ("a", i(1)),
            ("b", d(&[("x", i(1)), ("y", i(2))])),
            ("c", list(&[i(1), i(2)])),
        ]);
        let src = d(&[
            ("a", i(0)),
            ("b", d(&[("y", s(""))])),
            ("c", list(&[])),
            ("d", Value::Bool(false)),
        ]);
        assert_eq!(
            out("mergeOverwrite", &[dst, src]),
            "map[a:0 b:map[x:1 y:] c:[] d:false]"
        );
        let dst = d(&[("a", s("x")), ("b", list(&[i(1)]))]);
        let src = d(&[("a", list(&[i(1), i(2)])), ("b", s("s"))]);
        assert_eq!(out("mergeOverwrite", &[dst, src]), "map[a:[1 2] b:s]");
    }

    #[test]
    fn merge_shares_and_mutates() {
        // An empty destination map is filled in place and stays.
        let inner = d(&[]);
        let dst = d(&[("b", inner.clone())]);
        let src = d(&[("b", d(&[("k", i(1))]))]);
        call("merge", &[dst.clone(), src.clone()]).unwrap();
        assert_eq!(inner.to_string(), "map[k:1]");
        let Value::Map(src_map) = &src else {
            unreachable!()
        };
        let Some(Value::Map(src_b)) = src_map.get("b") else {
            unreachable!()
        };
        src_b.insert("z", i(9));
        assert_eq!(dst.to_string(), "map[b:map[k:1]]");
        // A missing key gets the source's own map.
        let inner = d(&[("k", i(1))]);
        let merged = call("merge", &[d(&[]), d(&[("inner", inner.clone())])]).unwrap();
        let Value::Map(inner_map) = &inner else {
            unreachable!()
        };
        inner_map.insert("k", i(2));
        assert_eq!(merged.to_string(), "map[inner:map[k:2]]");
        // Merging a map into itself, or one that contains itself.
        let a = d(&[("a", i(1)), ("m", d(&[("x", i(1))]))]);
        assert_eq!(out("merge", &[a.clone(), a.clone()]), "map[a:1 m:map[x:1]]");
        assert_eq!(
            out("mergeOverwrite", &[a.clone(), a.clone()]),
            "map[a:1 m:map[x:1]]"
        );
        let Value::Map(cyclic) = d(&[]) else {
            unreachable!()
        };
        cyclic.insert("self", Value::Map(cyclic.clone()));
        let result = call(
            "merge",
            &[Value::Map(cyclic.clone()), Value::Map(cyclic.clone())],
        );
        assert!(result.is_err());
        cyclic.remove("self");
    }

    #[test]
    fn deep_copy_is_independent() {
        let a = d(&[("l", list(&[i(1), i(2)])), ("m", d(&[("x", i(1))]))]);
        let b = call("deepCopy", std::slice::from_ref(&a)).unwrap();
        let Value::Map(b_map) = &b else {
            unreachable!()
        };
        let Some(Value::Map(m)) = b_map.get("m") else {
            unreachable!()
        };
        m.insert("x", i(2));
        assert_eq!(a.to_string(), "map[l:[1 2] m:map[x:1]]");
        assert_eq!(b.to_string(), "map[l:[1 2] m:map[x:2]]");
        assert_eq!(
            out("mustDeepCopy", &[Value::Nil]),
            "error: reflect: call of reflect.Value.Type on zero Value"
        );
        let values = Value::Map(Map::values(BTreeMap::new()));
        assert_eq!(
            call("deepCopy", &[values]).unwrap().type_name(),
            "common.Values"
        );
    }
}
