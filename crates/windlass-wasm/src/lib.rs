//! The Wasm hook runtime: runs `windlass:hook` components (and WASI command
//! modules on the fallback ABI) in a deny-by-default sandbox.
//!
//! - [`Runtime`]: one wasmtime engine per process; [`Runtime::load`] compiles a
//!   module once (precompiled components are cached on disk by module digest
//!   and engine, [`ModuleCache`]) and keeps one pre-instantiated module per
//!   digest; [`Runtime::run`] calls it in a fresh store.
//! - [`Policy`]: the hook's grants (chart files read-only at `/chart`, cluster
//!   reads by kind, kinds it may create) and limits (time, memory, log and
//!   outcome size, module size, lookup time). Nothing else is reachable: no
//!   filesystem, network, environment or inherited stdio.
//! - [`HookInput`] in, [`Report`] out: a [`Verdict`] or the [`Failure`] that
//!   stopped it (naming the limit and its value), plus the guest's log lines.
//! - [`ClusterReader`]: where lookups are answered ([`Fixtures`] without a cluster).
//!
//! This crate knows nothing of Helm's ordering or release records.

mod command;
mod host;
mod wit;

pub mod cache;
pub mod input;
pub mod lookup;
pub mod outcome;
pub mod policy;
pub mod runtime;

pub use cache::{Compiled, CompiledForm, Digest, ModuleCache};
pub use input::{ChartInfo, HookInput, PreparedInput, ReleaseInfo, ResourceInput};
pub use lookup::{ClusterReader, Fixtures, LabelSelector};
pub use outcome::{Failure, Finding, LogLine, Report, ResourceRef, Severity, Verdict};
pub use policy::{ClusterGrant, Grants, KindGrant, Limits, Policy};
pub use runtime::{CHART_DIR, EPOCH_TICK, Inspection, Module, ModuleKind, Runtime};
