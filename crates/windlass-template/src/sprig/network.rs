//! Sprig's `getHostByName`, as Helm serves it.
//!
//! Sprig resolves the name through DNS, but Helm replaces the function with
//! one that returns `""` unless DNS lookups were enabled (`--enable-dns`,
//! off by default, so `helm template` and Helm 4's renderer print nothing).
//! A renderer must give the same output offline and on every machine, so
//! this one always behaves as Helm does by default.

use crate::funcs::{Function, Signature, Type};
use crate::value::Value;

pub(super) fn functions() -> Vec<Function> {
    vec![Function {
        name: "getHostByName",
        sig: Signature::fixed(&[Type::String]),
        call: |_| Ok(Value::String(String::new())),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_off_as_in_helm_by_default() {
        let f = functions().remove(0);
        assert_eq!(
            (f.call)(&[Value::str("localhost")]),
            Ok(Value::String(String::new()))
        );
    }
}
