//! The cluster target: release resources server-side applied with Helm's
//! ownership metadata, removed ones pruned (honouring `keep`), `--wait`,
//! uninstall deletes, and objects Wasm hooks ask for; Kubernetes hooks run by
//! [`KubeHookRunner`]; Wasm hooks' lookups answered by [`ClusterLookups`].

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use windlass_chart::{Manifest, duration};
use windlass_kube::{Kube, ObjectRef, Propagation, ownership};
use windlass_wasm::{ClusterReader, LabelSelector};

use crate::event::{Event, Progress};
use crate::kube_hook::KubeHookRunner;
use crate::target::{Applied, HookRunner, Target};

/// A real cluster.
pub struct ClusterTarget {
    kube: Arc<Kube>,
    kube_version: String,
    hooks: Arc<KubeHookRunner>,
    progress: Arc<dyn Progress>,
}

impl ClusterTarget {
    /// A target applying to `kube`, whose server reports `kube_version`;
    /// hooks stream their logs live when `hook_logs` (`--hook-logs`).
    pub fn new(
        kube: Arc<Kube>,
        kube_version: impl Into<String>,
        progress: Arc<dyn Progress>,
        hook_logs: bool,
    ) -> Self {
        ClusterTarget {
            hooks: Arc::new(KubeHookRunner::new(
                kube.clone(),
                progress.clone(),
                hook_logs,
            )),
            kube,
            kube_version: kube_version.into(),
            progress,
        }
    }

    fn warn(&self, message: String) {
        self.progress.emit(Event::Warning { message });
    }
}

/// A rendered manifest as the JSON object the API server takes.
pub(crate) fn manifest_object(manifest: &Manifest) -> Result<Value, String> {
    let object = windlass_chart::yaml::parse(manifest.content.as_bytes(), &manifest.path)
        .map_err(|e| format!("{}: {e}", manifest.path))?;
    if !object.is_object() {
        return Err(format!("{}: not a Kubernetes object", manifest.path));
    }
    Ok(object)
}

/// Identity for pruning: kind, namespace and name (Helm compares resources
/// the same way, whatever their apiVersion).
fn identity(manifest: &Manifest, namespace: &str) -> (String, String, String) {
    (
        manifest.head.kind.clone(),
        manifest
            .head
            .namespace
            .clone()
            .unwrap_or_else(|| namespace.to_string()),
        manifest.head.name.clone(),
    )
}

#[async_trait]
impl Target for ClusterTarget {
    fn kube_version(&self) -> &str {
        &self.kube_version
    }

    fn hook_runner(&self) -> Result<Arc<dyn HookRunner>, String> {
        Ok(self.hooks.clone())
    }

    async fn apply(
        &self,
        release: &str,
        namespace: &str,
        current: &[Manifest],
        target: &[Manifest],
    ) -> Result<Applied, String> {
        let owned: HashSet<_> = current.iter().map(|m| identity(m, namespace)).collect();
        let verb = if current.is_empty() {
            "install"
        } else {
            "update"
        };
        let mut objects = Vec::with_capacity(target.len());
        for manifest in target {
            let mut object = manifest_object(manifest)?;
            let reference = ObjectRef::of(&object, namespace).map_err(|e| e.to_string())?;
            // Helm's existingResourceConflict: an object this release did not
            // own before must not belong to someone else.
            if !owned.contains(&identity(manifest, namespace))
                && let Some(live) = self.kube.get(&reference).await.map_err(|e| e.to_string())?
                && let Err(why) = ownership::check(&live, release, namespace)
            {
                return Err(format!(
                    "Unable to continue with {verb}: {} {:?} in namespace {:?} exists and cannot \
                     be imported into the current release: {why}",
                    reference.kind,
                    reference.name,
                    reference.namespace.clone().unwrap_or_default()
                ));
            }
            ownership::stamp(&mut object, release, namespace);
            objects.push(object);
        }
        for object in &objects {
            self.kube
                .apply(object, namespace)
                .await
                .map_err(|e| e.to_string())?;
        }

        // Prune what the previous revision had and this one lacks, last-applied
        // first; `keep` is read from the live object, as Helm does.
        let wanted: HashSet<_> = target.iter().map(|m| identity(m, namespace)).collect();
        for manifest in current.iter().rev() {
            if wanted.contains(&identity(manifest, namespace)) {
                continue;
            }
            let Ok(object) = manifest_object(manifest) else {
                continue;
            };
            let Ok(reference) = ObjectRef::of(&object, namespace) else {
                continue;
            };
            match self.kube.get(&reference).await {
                Ok(Some(live)) if is_kept(&live) => self.warn(format!(
                    "{reference} was removed from the chart but kept (helm.sh/resource-policy: keep)"
                )),
                Ok(Some(_)) => {
                    if let Err(e) = self.kube.delete(&reference, Propagation::Background).await {
                        self.warn(format!("failed to delete {reference}: {e}"));
                    }
                }
                Ok(None) => {}
                Err(e) => self.warn(format!("failed to delete {reference}: {e}")),
            }
        }
        Ok(Applied::Done)
    }

    async fn wait(
        &self,
        namespace: &str,
        resources: &[Manifest],
        timeout: Duration,
    ) -> Result<Applied, String> {
        let mut references = Vec::new();
        for manifest in resources {
            let object = manifest_object(manifest)?;
            references.push(ObjectRef::of(&object, namespace).map_err(|e| e.to_string())?);
        }
        let last = std::sync::Mutex::new(String::new());
        let report = |line: String| {
            if let Ok(mut last) = last.lock() {
                last.clone_from(&line);
            }
        };
        match tokio::time::timeout(timeout, self.kube.wait_ready(&references, &report)).await {
            Ok(Ok(())) => Ok(Applied::Done),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!(
                "resources not ready after {}: {}",
                duration::format(timeout),
                last.lock().map(|l| l.clone()).unwrap_or_default()
            )),
        }
    }

    async fn create_hook_objects(
        &self,
        namespace: &str,
        objects: &[Value],
    ) -> Result<Applied, String> {
        for object in objects {
            self.kube
                .apply(object, namespace)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(Applied::Done)
    }

    async fn delete_hook_objects(
        &self,
        namespace: &str,
        objects: &[Value],
        timeout: Duration,
    ) -> Result<Applied, String> {
        let mut references = Vec::new();
        for object in objects {
            references.push(ObjectRef::of(object, namespace).map_err(|e| e.to_string())?);
        }
        self.delete_and_wait(&references, timeout)
            .await
            .map_err(|errors| errors.join("; "))?;
        Ok(Applied::Done)
    }

    async fn find_hook_objects(
        &self,
        namespace: &str,
        kinds: &[(String, String)],
        selector: &str,
    ) -> Result<Vec<Value>, String> {
        let mut found = Vec::new();
        for (api_version, kind) in kinds {
            let objects = self
                .kube
                .list(api_version, kind, Some(namespace), Some(selector))
                .await
                .map_err(|e| e.to_string())?;
            found.extend(objects);
        }
        Ok(found)
    }

    async fn ensure_namespace(&self, namespace: &str) -> Result<Applied, String> {
        self.kube
            .ensure_namespace(namespace)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Applied::Done)
    }

    async fn delete(
        &self,
        namespace: &str,
        resources: &[Manifest],
        timeout: Duration,
    ) -> Result<Applied, Vec<String>> {
        let mut references = Vec::new();
        let mut errors = Vec::new();
        for manifest in resources {
            match manifest_object(manifest)
                .and_then(|o| ObjectRef::of(&o, namespace).map_err(|e| e.to_string()))
            {
                Ok(reference) => references.push(reference),
                Err(e) => errors.push(e),
            }
        }
        if let Err(more) = self.delete_and_wait(&references, timeout).await {
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(Applied::Done)
        } else {
            Err(errors)
        }
    }
}

impl ClusterTarget {
    /// Deletes in order (background propagation), then waits until all are gone.
    async fn delete_and_wait(
        &self,
        references: &[ObjectRef],
        timeout: Duration,
    ) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        let mut gone = Vec::new();
        for reference in references {
            match self.kube.delete(reference, Propagation::Background).await {
                Ok(Some(uid)) => gone.push((reference.clone(), uid)),
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        match tokio::time::timeout(timeout, self.kube.wait_deleted(&gone)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => errors.push(e.to_string()),
            Err(_) => errors.push(format!(
                "objects still present after {}: {}",
                duration::format(timeout),
                gone.iter()
                    .map(|(r, _)| r.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Whether a live object carries `helm.sh/resource-policy: keep`.
pub(crate) fn is_kept(live: &Value) -> bool {
    live.pointer("/metadata/annotations/helm.sh~1resource-policy")
        .and_then(Value::as_str)
        == Some("keep")
}

/// Wasm hooks' lookups, answered by the cluster (after the host checked them
/// against the hook's grants). What the kubeconfig's identity may not read is
/// an error the guest sees.
pub struct ClusterLookups {
    kube: Arc<Kube>,
}

impl ClusterLookups {
    /// Lookups through `kube`.
    pub fn new(kube: Arc<Kube>) -> Self {
        ClusterLookups { kube }
    }
}

#[async_trait]
impl ClusterReader for ClusterLookups {
    async fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, String> {
        let reference = ObjectRef {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        };
        self.kube.get(&reference).await.map_err(|e| e.to_string())
    }

    async fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespaces: Option<&[String]>,
        selector: &LabelSelector,
    ) -> Result<Vec<Value>, String> {
        // The selector is applied here rather than sent: its grammar was checked
        // by the host and it is the same one the fixtures use.
        let mut found = Vec::new();
        match namespaces {
            None => {
                found = self
                    .kube
                    .list(api_version, kind, None, None)
                    .await
                    .map_err(|e| e.to_string())?
            }
            Some(namespaces) => {
                for namespace in namespaces {
                    found.extend(
                        self.kube
                            .list(api_version, kind, Some(namespace), None)
                            .await
                            .map_err(|e| e.to_string())?,
                    );
                }
            }
        }
        found.retain(|o| selector.matches(o.pointer("/metadata/labels")));
        Ok(found)
    }
}
