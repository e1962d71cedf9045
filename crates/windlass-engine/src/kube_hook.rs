//! Kubernetes hooks (Jobs, Pods, any annotated object) in the cluster, the way
//! Helm runs them (`pkg/action/hooks.go`): create (server-side apply), wait for
//! a Job to complete or a Pod to succeed, delete by policy and wait until gone.
//!
//! What Helm hides, shown here: each change of the Job's pods or the Pod's
//! phase as progress; a failing or timed-out hook's pod logs (the last lines of
//! every container) always; every container's log live with `--hook-logs`,
//! and the logs of Job test hooks with `test --logs` (Helm's covers Pods only).
//! A hook that times out is deleted so it stops running (Helm leaves it,
//! helm/helm#8206), unless it carries `helm.sh/resource-policy: keep`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use windlass_chart::Hook;
use windlass_kube::{ContainerRef, HookDone, Kube, ObjectRef, Propagation};

use crate::cluster::is_kept;
use crate::event::{Event, HookRef, Progress};
use crate::target::{HookContext, HookOutcome, HookRunner};

/// How many lines of each container's log a failing hook shows.
pub const FAILED_LOG_LINES: i64 = 50;

/// Runs Kubernetes hooks in the cluster.
pub struct KubeHookRunner {
    kube: Arc<Kube>,
    progress: Arc<dyn Progress>,
    stream_logs: bool,
}

impl KubeHookRunner {
    /// A runner on `kube`, reporting to `progress`; `stream_logs` follows
    /// every hook container's log live (`--hook-logs`).
    pub fn new(kube: Arc<Kube>, progress: Arc<dyn Progress>, stream_logs: bool) -> Self {
        KubeHookRunner {
            kube,
            progress,
            stream_logs,
        }
    }

    fn object(hook: &Hook, namespace: &str) -> Result<(Value, ObjectRef), String> {
        let object = windlass_chart::yaml::parse(hook.manifest.as_bytes(), &hook.path)
            .map_err(|e| format!("{}: {e}", hook.path))?;
        let reference = ObjectRef::of(&object, namespace).map_err(|e| e.to_string())?;
        Ok((object, reference))
    }

    /// The last lines of every container the hook ran, headed like Helm's
    /// `POD LOGS: <pod> (<container>)`.
    async fn logs(&self, reference: &ObjectRef, tail: Option<i64>) -> Vec<String> {
        let containers = match self.kube.hook_containers(reference).await {
            Ok(containers) => containers,
            Err(e) => return vec![format!("(no logs: {e})")],
        };
        let mut lines = Vec::new();
        for container in containers {
            let exit = container
                .exit_code
                .map(|code| format!(", exited with {code}"))
                .unwrap_or_default();
            lines.push(format!(
                "POD LOGS: {} ({}){exit}",
                container.pod, container.container
            ));
            match self.kube.container_log(&container, tail).await {
                Ok(text) => lines.extend(text.lines().map(str::to_string)),
                Err(e) => lines.push(format!("(no logs: {e})")),
            }
        }
        lines
    }

    /// Follows the logs of the hook's containers as they appear, until dropped.
    fn stream(&self, hook: &Hook, reference: &ObjectRef) -> tokio::task::JoinHandle<()> {
        let kube = self.kube.clone();
        let progress = self.progress.clone();
        let hook_ref = HookRef::of(hook);
        let reference = reference.clone();
        tokio::spawn(async move {
            let following: Arc<Mutex<HashSet<(String, String)>>> = Arc::default();
            let mut tasks = tokio::task::JoinSet::new();
            loop {
                if let Ok(containers) = kube.hook_containers(&reference).await {
                    for container in containers {
                        let key = (container.pod.clone(), container.container.clone());
                        let new = following
                            .lock()
                            .map(|mut f| f.insert(key.clone()))
                            .unwrap_or(false);
                        if new {
                            tasks.spawn(follow(
                                kube.clone(),
                                progress.clone(),
                                hook_ref.clone(),
                                container,
                                following.clone(),
                                key,
                            ));
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        })
    }
}

/// Follows one container; if its log is not there yet (the container has not
/// started), forgets it so the next round tries again.
async fn follow(
    kube: Arc<Kube>,
    progress: Arc<dyn Progress>,
    hook: HookRef,
    container: ContainerRef,
    following: Arc<Mutex<HashSet<(String, String)>>>,
    key: (String, String),
) {
    let prefix = format!("{}/{}", container.pod, container.container);
    let emit = |line: String| {
        progress.emit(Event::HookOutput {
            hook: hook.clone(),
            line: format!("[{prefix}] {line}"),
        });
    };
    if kube.follow_container_log(&container, &emit).await.is_err()
        && let Ok(mut following) = following.lock()
    {
        following.remove(&key);
    }
}

#[async_trait]
impl HookRunner for KubeHookRunner {
    async fn run(&self, hook: &Hook, ctx: &HookContext<'_>) -> HookOutcome {
        let failed = |started: bool, message: String| HookOutcome {
            started,
            result: Err(message),
            output: Vec::new(),
            create: Vec::new(),
        };
        let namespace = &ctx.release.namespace;
        let (object, reference) = match Self::object(hook, namespace) {
            Ok(found) => found,
            Err(e) => return failed(false, e),
        };
        let uid = match self.kube.apply(&object, namespace).await {
            Ok(created) => created
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            Err(e) => return failed(false, format!("creating it failed: {e}")),
        };
        let streaming = self.stream_logs.then(|| self.stream(hook, &reference));
        let hook_ref = HookRef::of(hook);
        let report = |message: String| {
            self.progress.emit(Event::HookProgress {
                hook: hook_ref.clone(),
                message,
            });
        };
        let done = self.kube.wait_hook(&reference, &uid, &report).await;
        if let Some(task) = streaming {
            // Let the last lines of a finished container arrive.
            tokio::time::sleep(Duration::from_millis(300)).await;
            task.abort();
        }
        let wants_logs = ctx.logs
            || hook.logs_on(&windlass_chart::OutputLogPolicy::HookSucceeded)
            || hook.logs_on(&windlass_chart::OutputLogPolicy::HookFailed);
        match done {
            Ok(HookDone::Succeeded | HookDone::Deleted) => HookOutcome {
                started: true,
                result: Ok(()),
                output: if wants_logs && !self.stream_logs {
                    self.logs(&reference, None).await
                } else {
                    Vec::new()
                },
                create: Vec::new(),
            },
            Ok(HookDone::Failed(why)) => HookOutcome {
                started: true,
                result: Err(why),
                // Shown live already when streaming.
                output: if self.stream_logs {
                    Vec::new()
                } else {
                    self.logs(&reference, Some(FAILED_LOG_LINES)).await
                },
                create: Vec::new(),
            },
            Err(e) => failed(true, e.to_string()),
        }
    }

    async fn timed_out(&self, hook: &Hook, ctx: &HookContext<'_>) -> (Vec<String>, Option<String>) {
        let Ok((_, reference)) = Self::object(hook, &ctx.release.namespace) else {
            return (Vec::new(), None);
        };
        let output = if self.stream_logs {
            Vec::new()
        } else {
            self.logs(&reference, Some(FAILED_LOG_LINES)).await
        };
        let kind = reference.kind.clone();
        let done = match self.kube.get(&reference).await {
            Ok(Some(live)) if is_kept(&live) => {
                format!(
                    "the {kind} was kept (helm.sh/resource-policy: keep) and may still be running"
                )
            }
            Ok(Some(_)) => match self.kube.delete(&reference, Propagation::Background).await {
                Ok(_) => format!("the {kind} was deleted so that it stops"),
                Err(e) => format!("deleting the {kind} failed: {e}"),
            },
            Ok(None) => format!("the {kind} is gone"),
            Err(e) => format!("the {kind} could not be read: {e}"),
        };
        (output, Some(done))
    }

    async fn delete(&self, hook: &Hook, ctx: &HookContext<'_>) -> Result<(), String> {
        let (_, reference) = Self::object(hook, &ctx.release.namespace)?;
        let uid = self
            .kube
            .delete(&reference, Propagation::Background)
            .await
            .map_err(|e| e.to_string())?;
        let Some(uid) = uid else {
            return Ok(());
        };
        match tokio::time::timeout(
            ctx.timeout,
            self.kube.wait_deleted(&[(reference.clone(), uid)]),
        )
        .await
        {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "{reference} still exists after {}",
                windlass_chart::duration::format(ctx.timeout)
            )),
        }
    }
}
