//! End-to-end tests of the `windlass` binary: each runs the real binary in a
//! fresh temporary directory with its own state directory.

mod bad_input;
mod commands;
mod concurrency;
mod helm_conformance;
mod lifecycle;
mod plan;
mod plugins;
mod support;
mod wasm_hooks;
