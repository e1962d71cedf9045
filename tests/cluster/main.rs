//! Tests on a real control plane (etcd, kube-apiserver, kube-controller-manager
//! and a simulated node, from `windlass-testcluster`), one per test binary,
//! each test in its own namespace. Without the control plane they skip with
//! the reason, except under `CI=true`, where they fail.

mod actions;
mod crash;
mod helm;
mod hooks;
mod support;
mod wasm;
