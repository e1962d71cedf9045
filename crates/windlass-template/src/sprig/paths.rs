//! Sprig's paths functions.

use crate::funcs::Function;

pub(super) fn functions() -> Vec<Function> {
    Vec::new()
}
