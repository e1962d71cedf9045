//! Helm release records: the [`Release`] in Helm's JSON shape, its Kubernetes
//! Secret encoding ([`codec`]), storage drivers behind one [`Driver`] trait
//! ([`MemoryDriver`], [`LocalDriver`]) and Helm's history rules ([`Storage`]).
//!
//! This crate stores records; it never runs hooks.

pub mod codec;
pub mod driver;
pub mod error;
pub mod local;
pub mod memory;
pub mod release;
pub mod storage;

// Fixtures for this crate's tests and, with feature `test-support`, for other
// crates' drivers (windlass-kube's Secret driver tests).
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

pub use codec::ReleaseSecret;
pub use driver::{Driver, ReleaseLock};
pub use error::{Error, Result};
pub use local::LocalDriver;
pub use memory::MemoryDriver;
pub use release::{Info, Release, Status, storage_key};
pub use storage::Storage;
