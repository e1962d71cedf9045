//! Helm charts as windlass reads them: loading a chart from a directory or a
//! `.tgz`, composing values the way Helm does, and sorting rendered output into
//! resources and hooks with Helm's exact rules.
//!
//! Main types: [`Chart`], [`Values`], [`Hook`], [`HookEvent`], [`DeletePolicy`],
//! [`Manifest`], [`SortedManifests`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use windlass_chart::{manifest, HookEvent, KindOrder};
//!
//! let rendered = BTreeMap::from([(
//!     "demo/templates/job.yaml".to_string(),
//!     "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n".to_string(),
//! )]);
//! let sorted = manifest::sort_manifests(&rendered, KindOrder::Install).unwrap();
//! assert_eq!(sorted.hooks[0].events, [HookEvent::PreInstall]);
//! ```
//!
//! This crate never talks to a cluster and never runs a hook.

pub mod chart;
pub mod constraint;
pub mod dependencies;
mod display;
pub mod duration;
pub mod hook;
pub mod ignore;
pub mod load;
pub mod manifest;
pub mod schema;
pub mod strvals;
pub mod timestamp;
pub mod values;
pub mod yaml;

pub use chart::{Chart, Dependency, File, Lock, Maintainer, Metadata};
pub use constraint::{ConstraintError, Constraints, Version};
pub use hook::{
    DeletePolicy, Hook, HookEvent, HookExecution, HookPhase, HookRuntime, OutputLogPolicy,
};
pub use load::{LoadError, load, load_archive, load_dir};
pub use manifest::{KindOrder, Manifest, ManifestError, SortedManifests, Warning};
pub use schema::SchemaFailure;
pub use strvals::SetFlag;
pub use timestamp::Timestamp;
pub use values::{Coalesced, ValueOptions, ValuesError};
pub use yaml::YamlError;

/// Chart values: a JSON object, as Helm holds them after YAML-to-JSON conversion.
pub type Values = serde_json::Map<String, serde_json::Value>;
