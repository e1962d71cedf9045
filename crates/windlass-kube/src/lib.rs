//! Everything that talks to a Kubernetes cluster: a client found the way
//! kubectl finds it, server-side apply with Helm's ownership metadata, deletes
//! with propagation, watch-based waits, logs, read-only lookups, and the
//! `secret` release driver in Helm's exact format.

pub mod client;
pub mod defaults;
pub mod error;
pub mod logs;
pub mod object;
pub mod ownership;
mod retry;
pub mod secret_driver;
pub mod wait;

pub use client::{ConnectOptions, FIELD_MANAGER, Kube, Propagation};
pub use error::{KubeError, Result};
pub use logs::ContainerRef;
pub use object::ObjectRef;
pub use secret_driver::SecretDriver;
pub use wait::HookDone;
