//! A throwaway real Kubernetes control plane plus a simulated node, for tests. Dev only.
//!
//! [`TestCluster`] runs real `etcd`, `kube-apiserver` and `kube-controller-manager`
//! processes (built by `scripts/setup-control-plane`) on loopback ports in a fresh temp
//! dir, and a simulated node in place of a kubelet: it binds Pods to itself, reports
//! Deployment Pods Ready, and runs Job and hook Pods' commands as local processes for
//! real exit codes and logs (see the crate's README.md; [`EXIT_CODE_ANNOTATION`] decides a
//! Pod's outcome without running it). [`TestCluster::journal`] records what ran, in order.
//!
//! ```no_run
//! use k8s_openapi::api::core::v1::Pod;
//! use kube::Api;
//! use windlass_testcluster::TestCluster;
//!
//! # async fn example() {
//! let Some(cluster) = TestCluster::shared_or_skip("lists_pods") else {
//!     return;
//! };
//! let namespace = cluster.namespace("lists-pods").await;
//! let pods: Api<Pod> = Api::namespaced(cluster.client(), &namespace);
//! assert!(pods.list(&Default::default()).await.unwrap().items.is_empty());
//! # }
//! ```

mod cluster;
mod error;
mod journal;
mod kubelet;
mod node;
mod process;

pub use cluster::{
    CONTEXT, KUBERNETES_SOURCE, RESTRICTED_GROUP, RESTRICTED_USER, TestCluster, default_bin_dir,
};
pub use error::{Error, Result};
pub use journal::JournalEntry;
pub use node::{EXIT_CODE_ANNOTATION, NODE_NAME};
