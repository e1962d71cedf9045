//! Helm's own template functions (`pkg/engine/funcs.go`): serialization,
//! `required`, `fail`, and the names the executor runs itself (`include`,
//! `tpl`, `lookup`).

use crate::funcs::{Function, Signature, Type};
use crate::value::Value;

/// Helm's functions, which override Sprig's of the same name.
pub fn functions() -> Vec<Function> {
    let mut out = vec![
        Function {
            name: "required",
            sig: Signature::fixed(&[Type::String, Type::Any]),
            call: required,
        },
        Function {
            name: "fail",
            sig: Signature::fixed(&[Type::String]),
            call: |args| Err(warn(string_arg(args, 0))),
        },
    ];
    for (name, sig) in [
        ("include", Signature::fixed(&[Type::String, Type::Any])),
        ("tpl", Signature::fixed(&[Type::String, Type::Any])),
        (
            "lookup",
            Signature::fixed(&[Type::String, Type::String, Type::String, Type::String]),
        ),
    ] {
        out.push(Function {
            name,
            sig,
            call: |_| Err("run by the executor".into()),
        });
    }
    out.extend(crate::serial::functions());
    out
}

/// The string argument at `i` (the executor has checked the type).
fn string_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

/// `required`: fails on nil and on the empty string only.
fn required(args: &[Value]) -> Result<Value, String> {
    let value = args.get(1).cloned().unwrap_or(Value::Nil);
    match &value {
        Value::Nil => Err(warn(string_arg(args, 0))),
        Value::String(s) if s.is_empty() => Err(warn(string_arg(args, 0))),
        _ => Ok(value),
    }
}

/// Marks a message Helm shows alone (`execution error at (...): MESSAGE`).
fn warn(message: &str) -> String {
    format!(
        "{}{message}{}",
        crate::render::WARN_START,
        crate::render::WARN_END
    )
}
