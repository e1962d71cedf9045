//! Sprig's random functions.

use crate::funcs::Function;

pub(super) fn functions() -> Vec<Function> {
    Vec::new()
}
