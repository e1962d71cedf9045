//! Dev-only: test guests for the Wasm hook runtime (`windlass-wasm`), built by
//! this crate's build script from `guests/` (a Cargo workspace of its own)
//! for `wasm32-wasip2` (components of the `windlass:hook` world) and
//! `wasm32-wasip1` (WASI commands on the fallback ABI).
//!
//! Each constant is the path of one guest's `.wasm`. Most guests are hostile:
//! each attacks one limit or one edge of the sandbox, and
//! `crates/windlass-wasm/tests/hostile.rs` runs each through the runtime.
//! Building needs both targets: `rustup target add wasm32-wasip2 wasm32-wasip1`.

include!(concat!(env!("OUT_DIR"), "/guests.rs"));
