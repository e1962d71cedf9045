//! Helm's serialization functions: `toYaml`, `toYamlPretty`, `fromYaml`,
//! `fromYamlArray`, `toJson`, `fromJson`, `fromJsonArray`, `toToml`,
//! `fromToml`.

use crate::funcs::Function;

/// The serialization functions.
pub fn functions() -> Vec<Function> {
    Vec::new()
}
