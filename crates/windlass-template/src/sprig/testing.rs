//! What the Sprig modules' unit tests share.

use crate::value::Value;

/// Calls the Sprig function `name`.
pub fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    let f = super::functions()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no Sprig function {name}"));
    (f.call)(args)
}

/// What `name` prints (`%v`), or `error: ` and its error.
pub fn out(name: &str, args: &[Value]) -> String {
    match call(name, args) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

pub fn s(text: &str) -> Value {
    Value::str(text)
}

pub fn i(n: i64) -> Value {
    Value::Int(n)
}

pub fn f(x: f64) -> Value {
    Value::Float(x)
}

pub fn list(items: &[Value]) -> Value {
    Value::list(items.to_vec())
}
