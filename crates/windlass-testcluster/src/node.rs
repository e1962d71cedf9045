//! The simulated node: scheduler, kubelet and container runtime in one small loop.
//!
//! There is no kubelet or container runtime on this machine, so, like the KWOK project, a
//! watcher writes what a kubelet would write through the `pods/status` subresource:
//! - every unscheduled Pod is bound to this node (no kube-scheduler runs);
//! - long-running Pods (owned by a ReplicaSet, or `restartPolicy: Always`) are reported
//!   Running and Ready at once, without running anything;
//! - run-to-completion Pods (Jobs, hook Pods) have each container's `command` + `args`
//!   run as a real local process, for real exit codes and real logs. A container without
//!   `command` (it would run its image's entrypoint) runs nothing and exits 0. The
//!   [`EXIT_CODE_ANNOTATION`] decides the outcome without running anything;
//! - a Pod that is deleted gets its processes killed, and a graceful deletion is finished
//!   the way a kubelet finishes it (delete again with grace period 0).

use std::collections::HashMap;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Container, Node, Pod};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, Preconditions};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use rustix::process::Signal;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::journal::{Journal, JournalEntry};
use crate::kubelet::{ContainerLog, LogStore};
use crate::process;

/// The name of the one simulated node.
pub const NODE_NAME: &str = "windlass-sim-node";

/// A Pod annotation that decides a run-to-completion Pod's outcome without running it:
/// `"0"` succeeds, any other integer fails with that exit code (on every container; init
/// containers exit 0). Useful for images whose entrypoint does the work.
pub const EXIT_CODE_ANNOTATION: &str = "testcluster.windlass.dev/exit-code";

/// A container still running after this long is killed (exit code 137), so a forgotten
/// `sleep infinity` cannot hold a test forever.
const CONTAINER_TIMEOUT: Duration = Duration::from_secs(600);

/// How long a killed container gets between SIGTERM and SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// What the node is doing with a Pod, by uid.
enum PodState {
    Binding,
    /// Reported Running; nothing runs.
    LongRunning,
    /// Its containers run (or ran) locally; `cancel` kills them.
    Running {
        cancel: watch::Sender<bool>,
        run: Option<JoinHandle<()>>,
    },
    /// Found already finished (after a re-list).
    Done,
    Deleting,
}

pub(crate) struct SimulatedNode {
    client: Client,
    pods_dir: PathBuf,
    logs: LogStore,
    journal: Journal,
    /// The node's own diagnostics (API errors it could only log), one line each.
    log_file: PathBuf,
    pods: Mutex<HashMap<String, PodState>>,
}

impl SimulatedNode {
    pub(crate) fn new(
        client: Client,
        dir: &Path,
        logs: LogStore,
        journal: Journal,
    ) -> Result<Arc<Self>> {
        let pods_dir = dir.join("pods");
        std::fs::create_dir_all(&pods_dir)
            .map_err(Error::io(format!("creating `{}`", pods_dir.display())))?;
        Ok(Arc::new(Self {
            client,
            pods_dir,
            logs,
            journal,
            log_file: dir.join("node.log"),
            pods: Mutex::new(HashMap::new()),
        }))
    }

    /// Creates the Node object and reports it Ready, with its kubelet endpoint on
    /// `127.0.0.1:kubelet_port`.
    pub(crate) async fn register(&self, kubelet_port: u16) -> Result<()> {
        let nodes: Api<Node> = Api::all(self.client.clone());
        let node: Node = serde_json::from_value(json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": NODE_NAME,
                "labels": {
                    "kubernetes.io/hostname": NODE_NAME,
                    "kubernetes.io/os": "linux",
                    "type": "windlass-simulated",
                },
            },
        }))
        .map_err(|e| Error::Io {
            action: "building the Node object".to_owned(),
            source: e.into(),
        })?;
        nodes
            .create(&PostParams::default(), &node)
            .await
            .map_err(Error::kube(format!("creating Node `{NODE_NAME}`")))?;
        let now = now();
        let resources = json!({"cpu": "8", "memory": "32Gi", "pods": "110"});
        let status = json!({"status": {
            "conditions": [{
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "windlass simulated node",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
            }],
            // Only an InternalIP: the API server tries a Hostname address first, and this
            // node's name does not resolve.
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet_port}},
            "capacity": resources,
            "allocatable": resources,
            "nodeInfo": {
                "kubeletVersion": "v1.20.2-windlass-sim",
                "operatingSystem": "linux",
                "architecture": std::env::consts::ARCH,
            },
        }});
        nodes
            .patch_status(NODE_NAME, &PatchParams::default(), &Patch::Merge(status))
            .await
            .map_err(Error::kube(format!("reporting Node `{NODE_NAME}` Ready")))?;
        Ok(())
    }

    /// Watches all Pods until the task is dropped. The watcher re-lists after watch
    /// timeouts and `410 Gone`; pods already handled are recognised by uid.
    pub(crate) async fn run(self: Arc<Self>) {
        let pods: Api<Pod> = Api::all(self.client.clone());
        let events = watcher(pods, watcher::Config::default()).default_backoff();
        futures::pin_mut!(events);
        while let Some(event) = events.next().await {
            match event {
                Ok(watcher::Event::Apply(pod) | watcher::Event::InitApply(pod)) => {
                    self.on_pod(pod);
                }
                Ok(watcher::Event::Delete(pod)) => self.on_gone(&pod),
                Ok(_) => {}
                Err(e) => self.note(&format!("pod watch: {e}")),
            }
        }
    }

    /// Kills every running container (pods first, then the control plane goes).
    pub(crate) async fn shutdown(&self) {
        let running: Vec<_> = self
            .lock()
            .drain()
            .filter_map(|(_, state)| match state {
                PodState::Running { cancel, run } => Some((cancel, run)),
                _ => None,
            })
            .collect();
        for (cancel, run) in running {
            let _ = cancel.send(true);
            if let Some(run) = run {
                let _ = tokio::time::timeout(KILL_GRACE * 2, run).await;
            }
        }
    }

    fn on_pod(self: &Arc<Self>, pod: Pod) {
        let Some(uid) = pod.metadata.uid.clone() else {
            return;
        };
        let bound_to = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        if pod.metadata.deletion_timestamp.is_some() {
            if bound_to == Some(NODE_NAME) {
                self.finish_deletion(uid, &pod);
            }
            return;
        }
        let mut pods = self.lock();
        match (bound_to, pods.get(&uid)) {
            (None, None) => {
                pods.insert(uid.clone(), PodState::Binding);
                let node = self.clone();
                tokio::spawn(async move { node.bind(&uid, &pod).await });
            }
            (Some(NODE_NAME), None | Some(PodState::Binding)) => {
                if is_terminal(&pod) {
                    pods.insert(uid, PodState::Done);
                } else if is_long_running(&pod) {
                    pods.insert(uid, PodState::LongRunning);
                    let node = self.clone();
                    tokio::spawn(async move { node.report_running(&pod).await });
                } else {
                    let (cancel, cancelled) = watch::channel(false);
                    let node = self.clone();
                    let run = tokio::spawn(async move { node.run_pod(pod, cancelled).await });
                    pods.insert(
                        uid,
                        PodState::Running {
                            cancel,
                            run: Some(run),
                        },
                    );
                }
            }
            _ => {}
        }
    }

    /// The Pod is gone from the API: kill what still runs for it.
    fn on_gone(&self, pod: &Pod) {
        let Some(uid) = pod.metadata.uid.as_deref() else {
            return;
        };
        if let Some(PodState::Running { cancel, .. }) = self.lock().remove(uid) {
            let _ = cancel.send(true);
        }
    }

    /// What a kubelet does for a Pod with a `deletionTimestamp`: stop its containers, then
    /// delete it for good (grace period 0, only this very Pod, by uid).
    fn finish_deletion(self: &Arc<Self>, uid: String, pod: &Pod) {
        let (cancel, run) = match self.lock().insert(uid.clone(), PodState::Deleting) {
            Some(PodState::Deleting) => return,
            Some(PodState::Running { cancel, run }) => (Some(cancel), run),
            _ => (None, None),
        };
        let api: Api<Pod> =
            Api::namespaced(self.client.clone(), &pod.namespace().unwrap_or_default());
        let name = pod.name_any();
        let node = self.clone();
        tokio::spawn(async move {
            if let Some(cancel) = &cancel {
                let _ = cancel.send(true);
            }
            if let Some(run) = run {
                let _ = run.await;
            }
            let params = DeleteParams {
                grace_period_seconds: Some(0),
                preconditions: Some(Preconditions {
                    uid: Some(uid),
                    resource_version: None,
                }),
                ..DeleteParams::default()
            };
            match api.delete(&name, &params).await {
                Ok(_) => {}
                // Already gone, or a new Pod of the same name: nothing left to do.
                Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => {}
                Err(e) => node.note(&format!("deleting pod `{name}`: {e}")),
            }
        });
    }

    /// Acts as the scheduler: binds the Pod to this node.
    async fn bind(&self, uid: &str, pod: &Pod) {
        let namespace = pod.namespace().unwrap_or_default();
        let name = pod.name_any();
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &namespace);
        let binding = json!({
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "uid": uid},
            "target": {"apiVersion": "v1", "kind": "Node", "name": NODE_NAME},
        });
        let bound: kube::Result<Value> = api
            .create_subresource("binding", &name, &PostParams::default(), &binding)
            .await;
        if let Err(e) = bound {
            // Forget it, so the next event for this Pod (if it still exists) retries.
            self.lock().remove(uid);
            self.note(&format!("binding pod `{namespace}/{name}`: {e}"));
        }
    }

    /// Reports a long-running Pod Running and Ready, with every container started.
    async fn report_running(&self, pod: &Pod) {
        let namespace = pod.namespace().unwrap_or_default();
        let name = pod.name_any();
        let now = now();
        let spec = pod.spec.clone().unwrap_or_default();
        for c in spec
            .init_containers
            .iter()
            .flatten()
            .chain(&spec.containers)
        {
            // Nothing runs, so nothing is logged; `kubectl logs` still finds the container.
            self.logs.create(&namespace, &name, &c.name).finish();
        }
        let init: Vec<Value> = spec
            .init_containers
            .iter()
            .flatten()
            .map(|c| container_status(c, &terminated(0, &now, &now), false))
            .collect();
        let running = json!({"running": {"startedAt": now}});
        let containers: Vec<Value> = spec
            .containers
            .iter()
            .map(|c| container_status(c, &running, true))
            .collect();
        let status = json!({
            "phase": "Running",
            "hostIP": "127.0.0.1",
            "podIP": "127.0.0.1",
            "startTime": now,
            "conditions": conditions(true, &now),
            "initContainerStatuses": init,
            "containerStatuses": containers,
        });
        self.patch_status(&namespace, &name, status).await;
    }

    /// Runs a run-to-completion Pod's containers in sequence (init containers first) and
    /// reports the outcome. Returns early, reporting nothing, when cancelled.
    async fn run_pod(&self, pod: Pod, mut cancelled: watch::Receiver<bool>) {
        let namespace = pod.namespace().unwrap_or_default();
        let name = pod.name_any();
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let spec = pod.spec.clone().unwrap_or_default();
        let init = spec.init_containers.unwrap_or_default();
        let containers = spec.containers;
        let index = self.journal.start(JournalEntry {
            namespace: namespace.clone(),
            pod: name.clone(),
            job: pod
                .owner_references()
                .iter()
                .find(|o| o.kind == "Job")
                .map(|o| o.name.clone()),
            containers: init
                .iter()
                .chain(&containers)
                .map(|c| c.name.clone())
                .collect(),
            started: Instant::now(),
            exit_code: None,
        });
        let started = now();

        if let Some(code) = pod
            .annotations()
            .get(EXIT_CODE_ANNOTATION)
            .and_then(|v| v.trim().parse::<i32>().ok())
        {
            for c in init.iter().chain(&containers) {
                self.logs.create(&namespace, &name, &c.name).finish();
            }
            let init: Vec<Value> = init
                .iter()
                .map(|c| container_status(c, &terminated(0, &started, &started), false))
                .collect();
            let containers: Vec<Value> = containers
                .iter()
                .map(|c| container_status(c, &terminated(code, &started, &started), false))
                .collect();
            self.report_finished(&namespace, &name, code, &started, init, containers)
                .await;
            self.journal.finish(index, code);
            return;
        }

        let running = json!({"running": {"startedAt": started}});
        let status = json!({
            "phase": "Running",
            "hostIP": "127.0.0.1",
            "podIP": "127.0.0.1",
            "startTime": started,
            "conditions": conditions(false, &started),
            "containerStatuses": containers
                .iter()
                .map(|c| container_status(c, &running, false))
                .collect::<Vec<_>>(),
        });
        self.patch_status(&namespace, &name, status).await;

        let workdir = self.pods_dir.join(format!("{namespace}.{name}.{uid}"));
        if process::exiting() {
            return;
        }
        // Not `create_dir_all`: it would bring back a temp dir that is being removed.
        if let Err(e) = std::fs::create_dir(&workdir) {
            self.note(&format!("creating `{}`: {e}", workdir.display()));
        }
        // The Pod's code: the first non-zero container exit code. After a failed init
        // container nothing else starts, as on a kubelet.
        let mut pod_code = 0;
        let mut init_failed = false;
        let mut init_statuses = Vec::new();
        let mut statuses = Vec::new();
        for (is_init, c) in init
            .iter()
            .map(|c| (true, c))
            .chain(containers.iter().map(|c| (false, c)))
        {
            let log = self.logs.create(&namespace, &name, &c.name);
            if init_failed {
                log.finish();
                if !is_init {
                    let waiting = json!({"waiting": {"reason": "PodInitializing"}});
                    statuses.push(container_status(c, &waiting, false));
                }
                continue;
            }
            let container_started = now();
            let Some(code) = self
                .run_container(&pod, c, &workdir, &log, &mut cancelled)
                .await
            else {
                return;
            };
            let state = terminated(code, &container_started, &now());
            if is_init {
                init_statuses.push(container_status(c, &state, false));
                init_failed = code != 0;
            } else {
                statuses.push(container_status(c, &state, false));
            }
            if pod_code == 0 {
                pod_code = code;
            }
        }
        self.report_finished(
            &namespace,
            &name,
            pod_code,
            &started,
            init_statuses,
            statuses,
        )
        .await;
        self.journal.finish(index, pod_code);
    }

    async fn report_finished(
        &self,
        namespace: &str,
        name: &str,
        code: i32,
        started: &str,
        init: Vec<Value>,
        containers: Vec<Value>,
    ) {
        let status = json!({
            "phase": if code == 0 { "Succeeded" } else { "Failed" },
            "hostIP": "127.0.0.1",
            "podIP": "127.0.0.1",
            "startTime": started,
            "conditions": conditions(false, &now()),
            "initContainerStatuses": init,
            "containerStatuses": containers,
        });
        self.patch_status(namespace, name, status).await;
    }

    /// Runs one container's `command` + `args` to completion; its exit code, or `None`
    /// if cancelled (the Pod is being deleted).
    async fn run_container(
        &self,
        pod: &Pod,
        container: &Container,
        workdir: &Path,
        log: &ContainerLog,
        cancelled: &mut watch::Receiver<bool>,
    ) -> Option<i32> {
        let env = container_env(pod, container);
        let command: Vec<String> = container
            .command
            .iter()
            .flatten()
            .map(|c| expand(c, &env))
            .collect();
        let Some(program) = command.first() else {
            // It would run the image's entrypoint, which we do not have.
            log.finish();
            return Some(0);
        };
        let args = command[1..]
            .iter()
            .cloned()
            .chain(container.args.iter().flatten().map(|a| expand(a, &env)));
        let (reader, writer) = match std::io::pipe() {
            Ok(pipe) => pipe,
            Err(e) => return Some(self.cannot_run(log, program, &e)),
        };
        let mut command = process::orphan_proof_command(Path::new(program));
        command
            .args(args)
            .current_dir(workdir)
            // A clean environment, as a container has: PATH to find `sh`, then the spec's.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", workdir)
            .env("HOSTNAME", pod.name_any())
            .envs(env)
            .stdin(Stdio::null());
        match writer.try_clone() {
            Ok(stdout) => command.stdout(stdout).stderr(writer),
            Err(e) => return Some(self.cannot_run(log, program, &e)),
        };
        // Its own process group, so killing the Pod kills what its shell started too.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut command = tokio::process::Command::from(command);
        command.kill_on_drop(true);
        let spawned = command.spawn();
        // Our copies of the pipe's write end must close, or the reader never sees EOF.
        drop(command);
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => return Some(self.cannot_run(log, program, &e)),
        };
        let pid = child.id().unwrap_or_default();
        process::track_group(pid);

        let copy_output = async {
            let Ok(mut pipe) =
                tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(reader))
            else {
                return;
            };
            let mut buf = vec![0_u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut buf).await {
                log.append(&buf[..n]);
            }
        };
        let wait = async {
            let status = tokio::select! {
                status = child.wait() => status.ok(),
                Ok(_) = cancelled.wait_for(|c| *c) => None,
                () = tokio::time::sleep(CONTAINER_TIMEOUT) => None,
            };
            let status = match status {
                Some(status) => Some(status),
                None => {
                    process::signal_group(pid, Signal::TERM);
                    match tokio::time::timeout(KILL_GRACE, child.wait()).await {
                        Ok(Ok(status)) => Some(status),
                        _ => {
                            process::signal_group(pid, Signal::KILL);
                            child.wait().await.ok()
                        }
                    }
                }
            };
            // Whatever the container left behind dies with it (and releases the pipe).
            process::signal_group(pid, Signal::KILL);
            status
        };
        let (status, ()) = tokio::join!(wait, copy_output);
        process::untrack_group(pid);
        log.finish();
        if *cancelled.borrow() {
            return None;
        }
        Some(status.map_or(137, exit_code))
    }

    /// Records a container that could not be started as a failure, like a kubelet's
    /// `StartError`; the reason goes to its log.
    fn cannot_run(&self, log: &ContainerLog, program: &str, e: &std::io::Error) -> i32 {
        log.append(format!("windlass-testcluster: cannot run `{program}`: {e}\n").as_bytes());
        log.finish();
        self.note(&format!("cannot run `{program}`: {e}"));
        128
    }

    async fn patch_status(&self, namespace: &str, name: &str, status: Value) {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let patch = Patch::Merge(json!({"status": status}));
        match api
            .patch_status(name, &PatchParams::default(), &patch)
            .await
        {
            Ok(_) => {}
            // Deleted meanwhile.
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => self.note(&format!(
                "reporting status of pod `{namespace}/{name}`: {e}"
            )),
        }
    }

    /// Appends a line to the node's log file (there is no one to return errors to).
    fn note(&self, message: &str) {
        if process::exiting() {
            return;
        }
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_file)
        {
            let _ = writeln!(file, "{} {message}", now());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PodState>> {
        self.pods.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A container's environment as a kubelet builds it, minus what needs the API: literal
/// values (with `$(VAR)` references to earlier variables expanded) and downward-API
/// `fieldRef`s. `configMapKeyRef`, `secretKeyRef` and `envFrom` are not resolved.
fn container_env(pod: &Pod, container: &Container) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    for var in container.env.iter().flatten() {
        let value = match (&var.value, &var.value_from) {
            (Some(value), _) => Some(expand(value, &env)),
            (None, Some(from)) => from
                .field_ref
                .as_ref()
                .and_then(|f| pod_field(pod, &f.field_path)),
            (None, None) => Some(String::new()),
        };
        if let Some(value) = value {
            env.push((var.name.clone(), value));
        }
    }
    env
}

/// The downward-API fields a `fieldRef` may name.
fn pod_field(pod: &Pod, path: &str) -> Option<String> {
    let keyed = |prefix: &str, map: &std::collections::BTreeMap<String, String>| {
        let key = path.strip_prefix(prefix)?.strip_suffix("']")?;
        map.get(key).cloned()
    };
    match path {
        "metadata.name" => Some(pod.name_any()),
        "metadata.namespace" => pod.namespace(),
        "metadata.uid" => pod.metadata.uid.clone(),
        "spec.nodeName" => Some(NODE_NAME.to_owned()),
        "spec.serviceAccountName" => pod.spec.as_ref()?.service_account_name.clone(),
        "status.hostIP" | "status.podIP" => Some("127.0.0.1".to_owned()),
        _ => keyed("metadata.labels['", pod.labels())
            .or_else(|| keyed("metadata.annotations['", pod.annotations())),
    }
}

/// Kubernetes' `$(VAR)` expansion in `command`, `args` and env values: a defined `VAR` is
/// replaced, an undefined one kept as written, and `$$` is an escaped `$`.
fn expand(input: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(after) = after.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some((name, after)) = after
            .strip_prefix('(')
            .and_then(|body| body.split_once(')'))
        {
            match env.iter().rev().find(|(n, _)| n == name) {
                Some((_, value)) => out.push_str(value),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = after;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// Pods a kubelet would keep running: those of ReplicaSets (Deployments) and any Pod
/// that is restarted whenever it exits.
fn is_long_running(pod: &Pod) -> bool {
    pod.owner_references()
        .iter()
        .any(|o| o.kind == "ReplicaSet")
        || pod
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref())
            .is_none_or(|p| p == "Always")
}

fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(137)
}

fn container_status(c: &Container, state: &Value, ready: bool) -> Value {
    json!({
        "name": c.name,
        "image": c.image.clone().unwrap_or_default(),
        "imageID": "",
        "ready": ready,
        "started": state.get("running").is_some(),
        "restartCount": 0,
        "state": state,
    })
}

fn terminated(code: i32, started: &str, finished: &str) -> Value {
    json!({"terminated": {
        "exitCode": code,
        "reason": if code == 0 { "Completed" } else { "Error" },
        "startedAt": started,
        "finishedAt": finished,
    }})
}

fn conditions(ready: bool, now: &str) -> Value {
    let ready = if ready { "True" } else { "False" };
    json!([
        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
        {"type": "Ready", "status": ready, "lastTransitionTime": now},
        {"type": "ContainersReady", "status": ready, "lastTransitionTime": now},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
    ])
}

/// Now, in the API's timestamp format (RFC 3339, whole seconds).
fn now() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now).to_string()
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn expands_like_a_kubelet() {
        let env = [
            ("A".to_owned(), "1".to_owned()),
            ("B".to_owned(), "x y".to_owned()),
        ];
        assert_eq!(expand("$(A)-$(B)", &env), "1-x y");
        assert_eq!(expand("$(C) stays", &env), "$(C) stays");
        assert_eq!(
            expand("$$(A) escaped, $$ once", &env),
            "$(A) escaped, $ once"
        );
        assert_eq!(expand("echo $HOME $(A", &env), "echo $HOME $(A");
        assert_eq!(expand("trailing $", &env), "trailing $");
    }
}
