//! The windlass lifecycle host: `install`, `upgrade`, `rollback`, `uninstall`
//! and `test` with Helm's statuses, pending states, failure rules and
//! descriptions, and the hook loop that runs each event's hooks in Helm's order
//! and records their `last_run`.
//!
//! Main types: [`Engine`] (storage + [`Target`] + hook runners + [`Progress`]),
//! the per-action options ([`InstallOptions`], [`UpgradeOptions`],
//! [`RollbackOptions`], [`UninstallOptions`], [`TestOptions`]), [`Plan`], and
//! the runner contracts [`HookRunner`] and [`Target`] ([`LocalTarget`] is the
//! no-cluster target).
//!
//! The engine emits [`Event`]s and never prints.

pub use windlass_chart::duration;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod event;
mod hook_objects;
mod hooks;
pub mod install;
pub mod kube_hook;
pub mod plan;
pub mod release_test;
pub mod render;
pub mod rollback;
pub mod target;
pub mod uninstall;
pub mod upgrade;
pub mod wasm_hook;

pub use cluster::{ClusterLookups, ClusterTarget};
pub use engine::{Engine, validate_namespace, validate_release_name};
pub use error::{Error, HookError, Result};
pub use event::{Event, HookRef, Progress, ResourceRef, Silent};
pub use hooks::HOOK_TIMEOUT_ANNOTATION;
pub use install::{DEFAULT_TIMEOUT, InstallOptions};
pub use kube_hook::KubeHookRunner;
pub use plan::{Plan, PlanAction, PlanRequest, PlannedHook};
pub use release_test::TestOptions;
pub use render::check_dependencies;
pub use rollback::RollbackOptions;
pub use target::{
    Applied, DEFAULT_KUBE_VERSION, HookContext, HookOutcome, HookRunner, LocalTarget, Target,
};
pub use uninstall::{UninstallOptions, Uninstalled};
pub use upgrade::{DEFAULT_HISTORY_MAX, UpgradeOptions, ValuesMode};
pub use wasm_hook::{WasmHookRunner, WasmHookSpec};
