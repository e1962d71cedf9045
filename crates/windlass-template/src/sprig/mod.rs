//! Sprig v3.3.0's functions (`TxtFuncMap` without `env` and `expandenv`), by
//! area, with Sprig's behaviour including its quirks (see
//! `../shared/docs/template-spec.md` section 3).

mod conv;
mod crypto;
mod dates;
mod dicts;
mod encoding;
mod lists;
mod math;
mod network;
mod paths;
mod primes;
mod random;
mod regex;
mod semver;
mod strings;
#[cfg(test)]
mod testing;

use crate::funcs::Function;

/// Every Sprig function.
pub fn functions() -> Vec<Function> {
    [
        strings::functions(),
        conv::functions(),
        lists::functions(),
        dicts::functions(),
        math::functions(),
        regex::functions(),
        encoding::functions(),
        crypto::functions(),
        random::functions(),
        dates::functions(),
        semver::functions(),
        paths::functions(),
        network::functions(),
    ]
    .concat()
}
