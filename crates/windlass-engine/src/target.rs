//! Where a release goes: the [`Target`] that applies resources and runs
//! Kubernetes hooks, and the [`HookRunner`] contract every hook runtime meets.
//!
//! [`LocalTarget`] is the no-cluster target: releases live in a state
//! directory, Wasm hooks run for real, and Kubernetes hooks and resources are
//! reported as not applied.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use windlass_chart::{Hook, HookEvent, Manifest, Values};
use windlass_release::Release;

/// What a hook runner sees of the action running it.
#[derive(Debug, Clone, Copy)]
pub struct HookContext<'a> {
    /// The lifecycle event.
    pub event: HookEvent,
    /// The release revision the hook belongs to.
    pub release: &'a Release,
    /// The release's coalesced values.
    pub values: &'a Values,
    /// The Kubernetes version of the target.
    pub kube_version: &'a str,
    /// How long the hook may take.
    pub timeout: Duration,
    /// Whether its output is wanted even if it succeeds (`test --logs`).
    pub logs: bool,
}

/// How a hook ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookOutcome {
    /// Whether the hook was created at all. When creating it failed there is
    /// nothing to delete: Helm then returns at once, without `hook-failed`
    /// deletion and without deleting the event's earlier hooks.
    pub started: bool,
    /// `Ok` if the hook succeeded, or why it failed.
    pub result: Result<(), String>,
    /// What it printed: container logs, a Wasm guest's log lines and findings.
    pub output: Vec<String>,
    /// Objects the hook asks to create as hook resources (a Wasm hook's
    /// `outcome.create`, already checked against its grants).
    pub create: Vec<serde_json::Value>,
}

/// Runs hooks of one runtime (Kubernetes resources in a cluster, Wasm components
/// on the host).
#[async_trait]
pub trait HookRunner: Send + Sync {
    /// Called for each of this runtime's hooks when a revision is rendered,
    /// before it is stored: check the hook's spec and pin what it needs from
    /// `chart` into the hook (a Wasm hook pins its module's digest). Returns
    /// the chart files the release record need not keep because the runner
    /// keeps them elsewhere (module bytes, kept by digest).
    ///
    /// # Errors
    /// Why the hook cannot run (an invalid spec, a missing module, a digest
    /// that does not match its pin).
    fn prepare(
        &self,
        _hook: &mut Hook,
        _chart: &windlass_chart::Chart,
    ) -> Result<Vec<String>, String> {
        Ok(Vec::new())
    }

    /// Creates the hook and waits until it is done: a Job until it completes, a
    /// Pod until it succeeds, a Wasm hook until its verdict. The engine bounds
    /// the call with the hook's timeout.
    async fn run(&self, hook: &Hook, ctx: &HookContext<'_>) -> HookOutcome;

    /// Called when `run` did not finish within the hook's timeout (the engine
    /// has dropped it): collect what the hook printed and stop it. Returns its
    /// output and what was done about it, for the failure message.
    async fn timed_out(
        &self,
        _hook: &Hook,
        _ctx: &HookContext<'_>,
    ) -> (Vec<String>, Option<String>) {
        (Vec::new(), None)
    }

    /// Deletes what the hook created, for a delete policy, and waits until it is
    /// gone. A runtime that creates nothing lasting does nothing.
    ///
    /// # Errors
    /// Why the deletion failed.
    async fn delete(&self, hook: &Hook, ctx: &HookContext<'_>) -> Result<(), String>;
}

/// Whether the target did the work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Done.
    Done,
    /// Not done here, and why (the local target has no cluster).
    NotApplied {
        /// Why.
        reason: String,
    },
}

/// Where resources are applied and Kubernetes hooks run.
#[async_trait]
pub trait Target: Send + Sync {
    /// The Kubernetes version charts are rendered for and checked against
    /// (`kubeVersion`), such as `v1.34.0`.
    fn kube_version(&self) -> &str;

    /// The API versions charts see in `.Capabilities.APIVersions`: Helm's
    /// default set unless a target knows better.
    fn api_versions(&self) -> Vec<String> {
        windlass_template::DEFAULT_API_VERSIONS
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The runner for Kubernetes hooks, or why this target cannot run them.
    ///
    /// # Errors
    /// Why Kubernetes hooks are not applied on this target.
    fn hook_runner(&self) -> Result<Arc<dyn HookRunner>, String>;

    /// Makes `target` the resources of release `release` in `namespace`,
    /// where `current` is what the previous revision applied: applies
    /// `target` in order and removes what `current` had and `target` lacks
    /// (unless kept by `helm.sh/resource-policy: keep`).
    ///
    /// # Errors
    /// Why applying failed.
    async fn apply(
        &self,
        release: &str,
        namespace: &str,
        current: &[Manifest],
        target: &[Manifest],
    ) -> Result<Applied, String>;

    /// Waits until `resources` are ready (`--wait`).
    ///
    /// # Errors
    /// Why they did not become ready in time.
    async fn wait(
        &self,
        namespace: &str,
        resources: &[Manifest],
        timeout: Duration,
    ) -> Result<Applied, String>;

    /// Creates objects a hook asked for, as hook resources of that hook.
    ///
    /// # Errors
    /// Why creating them failed.
    async fn create_hook_objects(
        &self,
        namespace: &str,
        objects: &[serde_json::Value],
    ) -> Result<Applied, String>;

    /// Deletes objects a hook created, by the hook's delete policy.
    ///
    /// # Errors
    /// Why deleting them failed.
    async fn delete_hook_objects(
        &self,
        _namespace: &str,
        _objects: &[serde_json::Value],
        _timeout: Duration,
    ) -> Result<Applied, String> {
        Ok(Applied::NotApplied {
            reason: NO_CLUSTER.to_string(),
        })
    }

    /// Objects of `kinds` (apiVersion, kind) in `namespace` matching the label
    /// `selector`: what a Wasm hook created on an earlier run.
    ///
    /// # Errors
    /// Why listing them failed.
    async fn find_hook_objects(
        &self,
        _namespace: &str,
        _kinds: &[(String, String)],
        _selector: &str,
    ) -> Result<Vec<serde_json::Value>, String> {
        Ok(Vec::new())
    }

    /// Creates `namespace` unless it exists (`--create-namespace`).
    ///
    /// # Errors
    /// Why it could not be created.
    async fn ensure_namespace(&self, _namespace: &str) -> Result<Applied, String> {
        Ok(Applied::NotApplied {
            reason: NO_CLUSTER.to_string(),
        })
    }

    /// Deletes `resources` in the given order and waits until they are gone.
    ///
    /// # Errors
    /// Every deletion that failed.
    async fn delete(
        &self,
        namespace: &str,
        resources: &[Manifest],
        timeout: Duration,
    ) -> Result<Applied, Vec<String>>;
}

/// The Kubernetes version assumed without a cluster: the one Helm v4 reports in
/// `helm template` (its `DefaultCapabilities`).
pub const DEFAULT_KUBE_VERSION: &str = "v1.36.0";

/// The no-cluster target.
#[derive(Debug, Clone)]
pub struct LocalTarget {
    kube_version: String,
    extra_api_versions: Vec<String>,
}

impl LocalTarget {
    /// A local target reporting `kube_version` to charts.
    pub fn new(kube_version: impl Into<String>) -> Self {
        LocalTarget {
            kube_version: kube_version.into(),
            extra_api_versions: Vec::new(),
        }
    }

    /// Adds API versions to Helm's default set (`--api-versions`).
    #[must_use]
    pub fn with_api_versions(mut self, extra: Vec<String>) -> Self {
        self.extra_api_versions = extra;
        self
    }

    fn not_applied() -> Applied {
        Applied::NotApplied {
            reason: NO_CLUSTER.to_string(),
        }
    }
}

impl Default for LocalTarget {
    fn default() -> Self {
        LocalTarget::new(DEFAULT_KUBE_VERSION)
    }
}

const NO_CLUSTER: &str = "no cluster (local target)";

#[async_trait]
impl Target for LocalTarget {
    fn kube_version(&self) -> &str {
        &self.kube_version
    }

    fn api_versions(&self) -> Vec<String> {
        windlass_template::DEFAULT_API_VERSIONS
            .iter()
            .map(ToString::to_string)
            .chain(self.extra_api_versions.iter().cloned())
            .collect()
    }

    fn hook_runner(&self) -> Result<Arc<dyn HookRunner>, String> {
        Err(NO_CLUSTER.to_string())
    }

    async fn apply(
        &self,
        _: &str,
        _: &str,
        _: &[Manifest],
        _: &[Manifest],
    ) -> Result<Applied, String> {
        Ok(Self::not_applied())
    }

    async fn wait(&self, _: &str, _: &[Manifest], _: Duration) -> Result<Applied, String> {
        Ok(Self::not_applied())
    }

    async fn create_hook_objects(
        &self,
        _: &str,
        _: &[serde_json::Value],
    ) -> Result<Applied, String> {
        Ok(Self::not_applied())
    }

    async fn delete(&self, _: &str, _: &[Manifest], _: Duration) -> Result<Applied, Vec<String>> {
        Ok(Self::not_applied())
    }
}
