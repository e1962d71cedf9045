//! Waiting: for a hook to finish (Helm's `WatchUntilReady`), for objects to be
//! gone (`WaitForDelete`), and for release resources to be ready (`--wait`).
//!
//! Hook waits follow one object by watch (kube's watcher, which lists again
//! after a watch times out or the server answers 410 Gone), so a long Job costs
//! one open request, not a poll loop. Readiness of a whole release is checked
//! by reading each object again every half second: many kinds, short waits.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::watcher;
use serde_json::Value;

use crate::client::Kube;
use crate::error::{KubeError, Result};
use crate::object::ObjectRef;

/// How a hook object ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookDone {
    /// The Job completed, the Pod succeeded, or any other kind exists.
    Succeeded,
    /// The Job or Pod failed, and why.
    Failed(String),
    /// It was deleted before its result was seen (a Job with
    /// `ttlSecondsAfterFinished: 0`); Helm 3 counts that as done, and so do we.
    Deleted,
}

/// A change worth telling the user while a hook runs.
pub type OnProgress<'a> = &'a (dyn Fn(String) + Send + Sync);

impl Kube {
    /// Waits until a hook object is done: a Job complete or failed, a Pod
    /// succeeded or failed; any other kind is done once created. Reports each
    /// change of the Job's pod counts or the Pod's phase through `progress`.
    /// `uid` is the created object's (`""`: whichever has the name); objects of
    /// the same name with another uid are earlier runs and are passed over.
    ///
    /// # Errors
    /// The watch could not be started (the kind is unknown, access denied).
    pub async fn wait_hook(
        &self,
        target: &ObjectRef,
        uid: &str,
        progress: OnProgress<'_>,
    ) -> Result<HookDone> {
        let namespace = target
            .namespace
            .clone()
            .unwrap_or_else(|| self.default_namespace().to_string());
        match (target.api_version.as_str(), target.kind.as_str()) {
            ("batch/v1", "Job") => {
                let api: Api<Job> = Api::namespaced(self.client().clone(), &namespace);
                self.follow(api, target, uid, progress, job_state).await
            }
            ("v1", "Pod") => {
                let api: Api<Pod> = Api::namespaced(self.client().clone(), &namespace);
                self.follow(api, target, uid, progress, pod_state).await
            }
            _ => Ok(HookDone::Succeeded),
        }
    }

    async fn follow<K>(
        &self,
        api: Api<K>,
        target: &ObjectRef,
        uid: &str,
        progress: OnProgress<'_>,
        state: fn(&K) -> (String, Option<HookDone>),
    ) -> Result<HookDone>
    where
        K: kube::Resource + Clone + std::fmt::Debug + Send + serde::de::DeserializeOwned + 'static,
    {
        let mut stream = std::pin::pin!(watcher::watch_object(api, &target.name));
        let mut last_report = String::new();
        let mut seen = false;
        let mut failures = 0u32;
        while let Some(event) = stream.next().await {
            match event {
                // An earlier object of the same name (a previous run's Job, as
                // the API server's watch cache may still list it just after it
                // was deleted and created anew): not the one to wait for.
                Ok(Some(object))
                    if !uid.is_empty() && object.meta().uid.as_deref() != Some(uid) => {}
                Ok(Some(object)) => {
                    seen = true;
                    failures = 0;
                    let (report, done) = state(&object);
                    if report != last_report {
                        progress(report.clone());
                        last_report = report;
                    }
                    if let Some(done) = done {
                        return Ok(done);
                    }
                }
                Ok(None) if seen => return Ok(HookDone::Deleted),
                // Not created yet as far as this watch knows; keep watching.
                Ok(None) => {}
                Err(e) => {
                    // The watcher restarts by itself (a 410 Gone means a fresh
                    // list); a persistent failure such as 403 is reported.
                    failures += 1;
                    let message = e.to_string();
                    if failures >= 5 || message.contains("403") || message.contains("forbidden") {
                        return Err(KubeError::new(format!("watch {target}: {message}")));
                    }
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(failures))).await;
                }
            }
        }
        Err(KubeError::new(format!("watch {target}: the watch ended")))
    }

    /// Waits until none of `objects` (with the uids they had when deleted,
    /// `""` for any) exists any more.
    ///
    /// # Errors
    /// A read failed.
    pub async fn wait_deleted(&self, objects: &[(ObjectRef, String)]) -> Result<()> {
        for (target, uid) in objects {
            loop {
                match self.get(target).await? {
                    Some(live)
                        if uid.is_empty()
                            || live.pointer("/metadata/uid").and_then(Value::as_str)
                                == Some(uid) =>
                    {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    /// Waits until every object is ready (`--wait`): Deployments, StatefulSets,
    /// DaemonSets and ReplicaSets with their replicas updated and available,
    /// Jobs complete, Pods ready or succeeded, PersistentVolumeClaims bound;
    /// other kinds once they exist. Reports what it still waits for.
    ///
    /// # Errors
    /// A read failed, or a Job failed (it never becomes ready).
    pub async fn wait_ready(&self, objects: &[ObjectRef], progress: OnProgress<'_>) -> Result<()> {
        let mut pending: Vec<&ObjectRef> = objects.iter().collect();
        let mut last_report = String::new();
        loop {
            let mut still = Vec::new();
            let mut why = Vec::new();
            for target in pending {
                let live = self.get(target).await?;
                match live.as_ref().map(readiness) {
                    Some(Readiness::Ready) => {}
                    Some(Readiness::Failed(reason)) => {
                        return Err(KubeError::new(format!("{target} failed: {reason}")));
                    }
                    Some(Readiness::Waiting(reason)) => {
                        why.push(format!("{target}: {reason}"));
                        still.push(target);
                    }
                    None => {
                        why.push(format!("{target}: not found"));
                        still.push(target);
                    }
                }
            }
            if still.is_empty() {
                return Ok(());
            }
            let report = format!("waiting for {}", why.join(", "));
            if report != last_report {
                progress(report.clone());
                last_report = report;
            }
            pending = still;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

fn job_state(job: &Job) -> (String, Option<HookDone>) {
    let status = job.status.clone().unwrap_or_default();
    let report = format!(
        "{} active, {} succeeded, {} failed",
        status.active.unwrap_or(0),
        status.succeeded.unwrap_or(0),
        status.failed.unwrap_or(0)
    );
    let condition = |kind: &str| {
        status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == kind && c.status == "True")
    };
    let done = if condition("Complete").is_some() {
        Some(HookDone::Succeeded)
    } else {
        condition("Failed").map(|c| {
            HookDone::Failed(format!(
                "job failed: {}",
                c.message
                    .clone()
                    .or_else(|| c.reason.clone())
                    .unwrap_or_default()
            ))
        })
    };
    (report, done)
}

fn pod_state(pod: &Pod) -> (String, Option<HookDone>) {
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    let done = match phase.as_str() {
        "Succeeded" => Some(HookDone::Succeeded),
        "Failed" => {
            let exit = pod
                .status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    let t = c.state.as_ref()?.terminated.as_ref()?;
                    (t.exit_code != 0)
                        .then(|| format!("container {} exited with {}", c.name, t.exit_code))
                })
                .collect::<Vec<_>>();
            Some(HookDone::Failed(if exit.is_empty() {
                "pod failed".to_string()
            } else {
                format!("pod failed: {}", exit.join(", "))
            }))
        }
        _ => None,
    };
    (format!("pod {phase}"), done)
}

enum Readiness {
    Ready,
    Waiting(String),
    Failed(String),
}

fn int(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn has_condition(object: &Value, kind: &str) -> bool {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == kind && c["status"] == "True")
}

/// Helm's readiness rules (`pkg/kube/ready.go`), read off a live object.
fn readiness(object: &Value) -> Readiness {
    let kind = object["kind"].as_str().unwrap_or_default();
    let generation_seen =
        int(object, "/status/observedGeneration") >= int(object, "/metadata/generation");
    match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" => {
            let wanted = object
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let ready_field = if kind == "StatefulSet" {
                "readyReplicas"
            } else {
                "availableReplicas"
            };
            let ready = int(object, &format!("/status/{ready_field}"));
            let updated = if kind == "ReplicaSet" {
                wanted
            } else {
                int(object, "/status/updatedReplicas")
            };
            if generation_seen && updated >= wanted && ready >= wanted {
                Readiness::Ready
            } else {
                Readiness::Waiting(format!("{ready}/{wanted} ready"))
            }
        }
        "DaemonSet" => {
            let wanted = int(object, "/status/desiredNumberScheduled");
            let ready = int(object, "/status/numberReady");
            if generation_seen && ready >= wanted {
                Readiness::Ready
            } else {
                Readiness::Waiting(format!("{ready}/{wanted} ready"))
            }
        }
        "Job" => {
            if has_condition(object, "Complete") {
                Readiness::Ready
            } else if has_condition(object, "Failed") {
                Readiness::Failed("the job failed".into())
            } else {
                Readiness::Waiting("not complete".into())
            }
        }
        "Pod" => {
            let phase = object
                .pointer("/status/phase")
                .and_then(Value::as_str)
                .unwrap_or("Pending");
            if phase == "Succeeded" || has_condition(object, "Ready") {
                Readiness::Ready
            } else if phase == "Failed" {
                Readiness::Failed("the pod failed".into())
            } else {
                Readiness::Waiting(format!("pod {phase}"))
            }
        }
        "PersistentVolumeClaim" => match object.pointer("/status/phase").and_then(Value::as_str) {
            Some("Bound") => Readiness::Ready,
            phase => Readiness::Waiting(format!("claim {}", phase.unwrap_or("Pending"))),
        },
        _ => Readiness::Ready,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployments_are_ready_when_every_replica_is_updated_and_available() {
        let deployment = |available: i64| {
            json!({"kind": "Deployment", "metadata": {"generation": 2},
                   "spec": {"replicas": 2},
                   "status": {"observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": available}})
        };
        assert!(matches!(readiness(&deployment(2)), Readiness::Ready));
        assert!(matches!(readiness(&deployment(1)), Readiness::Waiting(w) if w == "1/2 ready"));
        let stale = json!({"kind": "Deployment", "metadata": {"generation": 3},
            "spec": {"replicas": 1}, "status": {"observedGeneration": 2, "updatedReplicas": 1, "availableReplicas": 1}});
        assert!(matches!(readiness(&stale), Readiness::Waiting(_)));
    }

    #[test]
    fn jobs_and_pods_end_ready_or_failed() {
        let job = |kind: &str| json!({"kind": "Job", "status": {"conditions": [{"type": kind, "status": "True"}]}});
        assert!(matches!(readiness(&job("Complete")), Readiness::Ready));
        assert!(matches!(readiness(&job("Failed")), Readiness::Failed(_)));
        let pod = json!({"kind": "Pod", "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}});
        assert!(matches!(readiness(&pod), Readiness::Ready));
        assert!(matches!(
            readiness(&json!({"kind": "ConfigMap"})),
            Readiness::Ready
        ));
    }
}
