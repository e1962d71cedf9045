//! The control plane's processes, its credentials and kubeconfigs, and the shared
//! per-test-binary cluster.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::Client;
use kube::api::{Api, PostParams};

use crate::error::{Error, Result};
use crate::journal::{Journal, JournalEntry};
use crate::kubelet::{self, LogStore};
use crate::node::SimulatedNode;
use crate::process::{self, Supervised};

/// The Kubernetes source version `scripts/setup-control-plane` builds; names the cache dir.
pub const KUBERNETES_SOURCE: &str = "1.20.5+really1.20.2";

/// The user of [`TestCluster::restricted_kubeconfig`]: not in `system:masters`, and
/// granted nothing (tests grant it what they need through RBAC).
pub const RESTRICTED_USER: &str = "restricted";

/// The one group of [`RESTRICTED_USER`].
pub const RESTRICTED_GROUP: &str = "windlass:restricted";

/// The context name in both kubeconfigs.
pub const CONTEXT: &str = "windlass-test";

/// Controllers of kube-controller-manager we run: Jobs, Deployments, namespace deletion,
/// garbage collection (a deleted Job takes its Pods along), TTL of finished Jobs, and
/// service accounts (Pods are refused without the `default` ServiceAccount).
const CONTROLLERS: &str = "job,namespace,garbagecollector,serviceaccount-token,\
                           serviceaccount,ttl-after-finished,replicaset,deployment";

/// How long each startup step may take; generous for a loaded 2-core machine.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// A real control plane (etcd, kube-apiserver, kube-controller-manager) on loopback, with
/// a simulated node, in a fresh temp dir. Stopped, and its temp dir removed, on drop.
///
/// See the crate documentation for what is real and what is simulated.
pub struct TestCluster {
    dir: PathBuf,
    server_url: String,
    admin_token: String,
    restricted_token: String,
    admin_kubeconfig: PathBuf,
    restricted_kubeconfig: PathBuf,
    journal: Journal,
    background: Option<Background>,
    /// Set when startup failed, so the logs the error names can still be read.
    keep_dir: bool,
}

/// The cluster's own thread: it spawned the processes (so their parent-death signal is
/// tied to it) and runs the simulated node on its own tokio runtime.
struct Background {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

/// Everything the background thread needs to boot the cluster.
struct Plan {
    bin_dir: PathBuf,
    dir: PathBuf,
    etcd_port: u16,
    etcd_peer_port: u16,
    api_port: u16,
    admin_token: String,
    journal: Journal,
}

impl TestCluster {
    /// Starts a control plane from the binaries in `bin_dir` (`etcd`, `kube-apiserver`,
    /// `kube-controller-manager`) and returns once Pods can be created: the API server is
    /// ready, the node is registered and the `default` ServiceAccount exists.
    ///
    /// Blocks the calling thread (up to a few minutes on a loaded machine); it may be
    /// called from inside a tokio runtime.
    ///
    /// # Errors
    /// A missing binary or `openssl`, or a process that exits or does not become ready;
    /// the message quotes the end of each started process's log.
    pub fn start(bin_dir: impl AsRef<Path>) -> Result<Self> {
        let bin_dir = bin_dir.as_ref().to_owned();
        if let Some(path) = missing_binary(&bin_dir) {
            return Err(Error::MissingBinary { path });
        }
        let dir = std::env::temp_dir().join(format!(
            "windlass-testcluster-{}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir(&dir).map_err(Error::io(format!("creating `{}`", dir.display())))?;
        process::track_dir(&dir);
        let started = Self::start_in(bin_dir, dir.clone());
        if let Err(e) = &started {
            // Processes are stopped by now. Their logs stay for reading (the error names
            // them); anything else goes.
            if !matches!(e, Error::Startup { .. }) {
                let _ = std::fs::remove_dir_all(&dir);
            }
            process::untrack_dir(&dir);
        }
        started
    }

    fn start_in(bin_dir: PathBuf, dir: PathBuf) -> Result<Self> {
        write_credentials(&dir)?;
        let [etcd_port, etcd_peer_port, api_port] = free_ports()?;
        let server_url = format!("https://127.0.0.1:{api_port}");
        let admin_token = random_token();
        let restricted_token = random_token();
        std::fs::write(
            dir.join("tokens.csv"),
            format!(
                "{admin_token},admin,admin,system:masters\n\
                 {restricted_token},{RESTRICTED_USER},{RESTRICTED_USER},{RESTRICTED_GROUP}\n"
            ),
        )
        .map_err(Error::io("writing tokens.csv"))?;
        let admin_kubeconfig = dir.join("admin.kubeconfig");
        let restricted_kubeconfig = dir.join("restricted.kubeconfig");
        write_kubeconfig(&admin_kubeconfig, &server_url, "admin", &admin_token)?;
        write_kubeconfig(
            &restricted_kubeconfig,
            &server_url,
            RESTRICTED_USER,
            &restricted_token,
        )?;

        let journal = Journal::default();
        let plan = Plan {
            bin_dir,
            dir: dir.clone(),
            etcd_port,
            etcd_peer_port,
            api_port,
            admin_token: admin_token.clone(),
            journal: journal.clone(),
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("windlass-testcluster".to_owned())
            .spawn(move || background(plan, &ready_tx, stop_rx))
            .map_err(Error::io("starting the cluster thread"))?;
        let ready = ready_rx.recv();
        let mut cluster = Self {
            dir,
            server_url,
            admin_token,
            restricted_token,
            admin_kubeconfig,
            restricted_kubeconfig,
            journal,
            background: Some(Background {
                stop: stop_tx,
                thread,
            }),
            keep_dir: false,
        };
        match ready {
            Ok(Ok(())) => Ok(cluster),
            Ok(Err(e)) => {
                cluster.keep_dir = matches!(e, Error::Startup { .. });
                cluster.shutdown();
                Err(e)
            }
            Err(_) => {
                cluster.shutdown();
                Err(Error::Io {
                    action: "starting the cluster".to_owned(),
                    source: std::io::Error::other("the cluster thread panicked"),
                })
            }
        }
    }

    /// The cluster shared by all tests of this test binary, started on first use from
    /// [`default_bin_dir`]. It is stopped when the test binary exits.
    ///
    /// # Panics
    /// If it cannot start (also on later calls, with the same message).
    pub fn shared() -> &'static Self {
        static SHARED: OnceLock<std::result::Result<TestCluster, String>> = OnceLock::new();
        match SHARED.get_or_init(|| Self::start(default_bin_dir()).map_err(|e| e.to_string())) {
            Ok(cluster) => cluster,
            Err(e) => panic!("the shared test cluster did not start: {e}"),
        }
    }

    /// [`TestCluster::shared`], or `None` (with the reason on stderr) when the control-plane
    /// binaries are not installed and this is not CI.
    ///
    /// # Panics
    /// When the binaries are missing and `CI=true`: a missing prerequisite fails CI, it
    /// never skips. Also when the cluster does not start.
    #[allow(clippy::print_stderr)]
    pub fn shared_or_skip(test_name: &str) -> Option<&'static Self> {
        let bin_dir = default_bin_dir();
        if let Some(missing) = missing_binary(&bin_dir) {
            let reason = format!(
                "no control plane (`{}` is missing); run scripts/setup-control-plane",
                missing.display()
            );
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{test_name}: {reason}; CI must run the cluster tests, not skip them");
            }
            eprintln!("skipping {test_name}: {reason}");
            return None;
        }
        Some(Self::shared())
    }

    /// A kubeconfig for the cluster admin (`system:masters`), with no namespace set.
    pub fn admin_kubeconfig(&self) -> &Path {
        &self.admin_kubeconfig
    }

    /// A kubeconfig for [`RESTRICTED_USER`], who may do nothing until granted.
    pub fn restricted_kubeconfig(&self) -> &Path {
        &self.restricted_kubeconfig
    }

    /// `https://127.0.0.1:PORT`; the certificate is self-signed (skip verification).
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The admin's bearer token.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// The bearer token of [`RESTRICTED_USER`].
    pub fn restricted_token(&self) -> &str {
        &self.restricted_token
    }

    /// The cluster's temp dir: `etcd.log`, `kube-apiserver.log`,
    /// `kube-controller-manager.log`, `node.log`, and `pods/` (containers' working dirs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new admin client, bound to the tokio runtime this is called in (a
    /// [`kube::Client`] works only in the runtime that created it, and each test has
    /// its own). Cheap; call it once per test.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn client(&self) -> Client {
        admin_client(&self.server_url, &self.admin_token)
            .unwrap_or_else(|e| panic!("building a client for the test cluster: {e}"))
    }

    /// Creates a fresh namespace named `<prefix>-<counter>-<random>` (a DNS label, at most
    /// 63 characters, unique per call) and returns its name once its `default`
    /// ServiceAccount exists, so Pods are accepted in it.
    ///
    /// # Panics
    /// If the namespace cannot be created or its ServiceAccount does not appear.
    pub async fn namespace(&self, prefix: &str) -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let suffix = format!(
            "-{}-{:04x}",
            COUNTER.fetch_add(1, Ordering::Relaxed),
            fastrand::u16(..)
        );
        let name = format!("{}{suffix}", dns_label_prefix(prefix, 63 - suffix.len()));
        let client = self.client();
        let namespace: Namespace = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name},
        }))
        .expect("a Namespace object");
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &namespace)
            .await
            .unwrap_or_else(|e| panic!("creating namespace `{name}`: {e}"));
        if let Err(e) = wait_for_default_service_account(&client, &name, || None).await {
            panic!("namespace `{name}`: {e}");
        }
        name
    }

    /// The Pods the simulated node ran in `namespace`, in start order (it keeps them after
    /// the Pods are deleted).
    pub fn journal(&self, namespace: &str) -> Vec<JournalEntry> {
        self.journal.entries(namespace)
    }

    /// Stops every process this cluster started (SIGTERM, then SIGKILL) and removes its
    /// temp dir. Dropping the cluster does the same.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(background) = self.background.take() {
            let _ = background.stop.send(());
            let _ = background.thread.join();
        }
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        process::untrack_dir(&self.dir);
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for TestCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCluster")
            .field("server_url", &self.server_url)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// Where `scripts/setup-control-plane` puts the binaries: `$WINDLASS_CONTROL_PLANE_BIN`
/// if set, else `${WINDLASS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/windlass}/
/// control-plane/kubernetes-1.20.5+really1.20.2/bin`.
pub fn default_bin_dir() -> PathBuf {
    if let Some(dir) = non_empty_env("WINDLASS_CONTROL_PLANE_BIN") {
        return dir;
    }
    let cache = non_empty_env("WINDLASS_CACHE_DIR").unwrap_or_else(|| {
        non_empty_env("XDG_CACHE_HOME")
            .unwrap_or_else(|| non_empty_env("HOME").unwrap_or_default().join(".cache"))
            .join("windlass")
    });
    cache
        .join("control-plane")
        .join(format!("kubernetes-{KUBERNETES_SOURCE}"))
        .join("bin")
}

fn non_empty_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn missing_binary(bin_dir: &Path) -> Option<PathBuf> {
    ["etcd", "kube-apiserver", "kube-controller-manager"]
        .iter()
        .map(|b| bin_dir.join(b))
        .find(|p| !p.is_file())
}

/// The cluster thread: boots everything, reports, then idles until told to stop.
fn background(
    plan: Plan,
    ready: &std::sync::mpsc::Sender<Result<()>>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(Error::io("starting the cluster runtime")(e)));
            return;
        }
    };
    let mut processes = Vec::new();
    match runtime.block_on(boot(&plan, &mut processes)) {
        Ok(node) => {
            let _ = ready.send(Ok(()));
            runtime.block_on(async {
                let _ = stop.await;
                node.shutdown().await;
            });
        }
        Err(e) => {
            stop_all(&mut processes);
            let _ = ready.send(Err(e));
        }
    }
    stop_all(&mut processes);
}

/// Stops processes in reverse start order (the controller manager before the API server
/// before etcd).
fn stop_all(processes: &mut Vec<Supervised>) {
    while let Some(mut p) = processes.pop() {
        p.stop();
    }
}

async fn boot(
    plan: &Plan,
    processes: &mut Vec<Supervised>,
) -> Result<std::sync::Arc<SimulatedNode>> {
    let dir = &plan.dir;
    let path = |name: &str| dir.join(name).display().to_string();
    let etcd_url = format!("http://127.0.0.1:{}", plan.etcd_port);
    let peer_url = format!("http://127.0.0.1:{}", plan.etcd_peer_port);
    processes.push(Supervised::spawn(
        "etcd",
        &plan.bin_dir.join("etcd"),
        &[
            "--name=default".to_owned(),
            format!("--data-dir={}", path("etcd-data")),
            format!("--listen-client-urls={etcd_url}"),
            format!("--advertise-client-urls={etcd_url}"),
            format!("--listen-peer-urls={peer_url}"),
            format!("--initial-advertise-peer-urls={peer_url}"),
            format!("--initial-cluster=default={peer_url}"),
        ],
        dir.join("etcd.log"),
    )?);
    processes.push(Supervised::spawn(
        "kube-apiserver",
        &plan.bin_dir.join("kube-apiserver"),
        &[
            format!("--etcd-servers={etcd_url}"),
            "--bind-address=127.0.0.1".to_owned(),
            "--advertise-address=127.0.0.1".to_owned(),
            format!("--secure-port={}", plan.api_port),
            // 1.20 still opens an unauthenticated port unless told not to.
            "--insecure-port=0".to_owned(),
            format!("--cert-dir={}", path("apiserver-certs")),
            format!("--service-account-key-file={}", path("sa.pub")),
            format!("--service-account-signing-key-file={}", path("sa.key")),
            "--service-account-issuer=https://kubernetes.default.svc".to_owned(),
            format!("--token-auth-file={}", path("tokens.csv")),
            "--authorization-mode=RBAC".to_owned(),
            "--service-cluster-ip-range=10.0.0.0/24".to_owned(),
        ],
        dir.join("kube-apiserver.log"),
    )?);

    let client = admin_client(
        &format!("https://127.0.0.1:{}", plan.api_port),
        &plan.admin_token,
    )?;
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        let readyz = http::Request::get("/readyz")
            .body(Vec::new())
            .expect("a valid request");
        if client.request_text(readyz).await.is_ok() {
            break;
        }
        if let Some(failure) = exited(processes) {
            return Err(startup_failure(processes, &failure));
        }
        if Instant::now() > deadline {
            return Err(startup_failure(
                processes,
                &format!("kube-apiserver not ready after {STARTUP_TIMEOUT:?}"),
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    processes.push(Supervised::spawn(
        "kube-controller-manager",
        &plan.bin_dir.join("kube-controller-manager"),
        &[
            format!("--kubeconfig={}", path("admin.kubeconfig")),
            format!("--controllers={CONTROLLERS}"),
            format!("--service-account-private-key-file={}", path("sa.key")),
            "--use-service-account-credentials=false".to_owned(),
            "--leader-elect=false".to_owned(),
            "--bind-address=127.0.0.1".to_owned(),
            "--secure-port=0".to_owned(),
            "--port=0".to_owned(),
        ],
        dir.join("kube-controller-manager.log"),
    )?);

    // The kubelet endpoint; its listener stays bound, so its port cannot be taken.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(Error::io("binding the kubelet endpoint"))?;
    let kubelet_port = listener
        .local_addr()
        .map_err(Error::io("binding the kubelet endpoint"))?
        .port();
    let acceptor = kubelet::tls_acceptor(&dir.join("kubelet.crt"), &dir.join("kubelet.key"))?;
    let logs = LogStore::default();
    tokio::spawn(kubelet::serve(listener, acceptor, logs.clone()));
    let node = SimulatedNode::new(client.clone(), dir, logs, plan.journal.clone())?;
    node.register(kubelet_port).await?;
    tokio::spawn(node.clone().run());

    let outcome = wait_for_default_service_account(&client, "default", || exited(processes)).await;
    outcome.map_err(|problem| startup_failure(processes, &problem))?;
    Ok(node)
}

/// `Some(description)` of the first process that has exited.
fn exited(processes: &mut [Supervised]) -> Option<String> {
    processes
        .iter_mut()
        .find_map(|p| p.exited().map(|how| format!("{} {how}", p.name)))
}

/// The startup error: the problem, then where each process logs and its last lines.
fn startup_failure(processes: &[Supervised], problem: &str) -> Error {
    let mut logs = String::new();
    for p in processes {
        let _ = write!(
            logs,
            "\n--- {} log `{}`, last lines:\n{}",
            p.name,
            p.log.display(),
            process::log_tail(&p.log, 15)
        );
    }
    Error::Startup {
        problem: problem.to_owned(),
        logs,
    }
}

/// Waits until the `default` ServiceAccount of `namespace` exists (created by the
/// serviceaccount controller). `check` reports a reason to give up early.
async fn wait_for_default_service_account(
    client: &Client,
    namespace: &str,
    mut check: impl FnMut() -> Option<String>,
) -> std::result::Result<(), String> {
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        if let Ok(Some(_)) = accounts.get_opt("default").await {
            return Ok(());
        }
        if let Some(problem) = check() {
            return Err(problem);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no `default` ServiceAccount in namespace `{namespace}` after \
                 {STARTUP_TIMEOUT:?} (is kube-controller-manager running?)"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A client with the admin token that skips certificate verification (the API server's
/// certificate is self-signed).
fn admin_client(server_url: &str, token: &str) -> Result<Client> {
    let url = server_url.parse().map_err(|e| Error::Io {
        action: format!("parsing `{server_url}`"),
        source: std::io::Error::other(e),
    })?;
    let mut config = kube::Config::new(url);
    config.accept_invalid_certs = true;
    config.auth_info.token = Some(token.to_owned().into());
    Client::try_from(config).map_err(Error::kube("building a client"))
}

/// The service-account signing key pair and the kubelet endpoint's self-signed
/// certificate, made with the `openssl` CLI.
fn write_credentials(dir: &Path) -> Result<()> {
    openssl(dir, &["genrsa", "-out", "sa.key", "2048"])?;
    openssl(dir, &["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"])?;
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "kubelet.key",
            "-out",
            "kubelet.crt",
            "-days",
            "3650",
            "-subj",
            "/CN=windlass-sim-node",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
    )
}

fn openssl(dir: &Path, args: &[&str]) -> Result<()> {
    let command = format!("openssl {}", args.join(" "));
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(Error::io(format!(
            "running `{command}` (is openssl installed?)"
        )))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::Command {
            command,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

fn write_kubeconfig(path: &Path, server_url: &str, user: &str, token: &str) -> Result<()> {
    let text = format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: {CONTEXT}\n  \
           cluster:\n    \
             server: {server_url}\n    \
             insecure-skip-tls-verify: true\n\
         users:\n\
         - name: {user}\n  \
           user:\n    \
             token: {token}\n\
         contexts:\n\
         - name: {CONTEXT}\n  \
           context:\n    \
             cluster: {CONTEXT}\n    \
             user: {user}\n\
         current-context: {CONTEXT}\n"
    );
    std::fs::write(path, text).map_err(Error::io(format!("writing `{}`", path.display())))
}

/// Three distinct free loopback ports (held together while picked, so they differ; a
/// tiny window remains before the processes bind them).
fn free_ports() -> Result<[u16; 3]> {
    let bind =
        || std::net::TcpListener::bind("127.0.0.1:0").map_err(Error::io("picking a free port"));
    let listeners = [bind()?, bind()?, bind()?];
    let mut ports = [0; 3];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener
            .local_addr()
            .map_err(Error::io("picking a free port"))?
            .port();
    }
    Ok(ports)
}

fn random_token() -> String {
    (0..32)
        .map(|_| fastrand::alphanumeric().to_ascii_lowercase())
        .collect()
}

/// `prefix` made a valid start of a DNS label of at most `max` characters: lowercase
/// alphanumerics and `-`, starting with a letter or digit, not ending in `-`.
fn dns_label_prefix(prefix: &str, max: usize) -> String {
    let mapped: String = prefix
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed: String = mapped.trim_start_matches('-').chars().take(max).collect();
    let trimmed = trimmed.trim_end_matches('-');
    if trimmed.is_empty() {
        "ns".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::dns_label_prefix;

    #[test]
    fn namespace_prefixes_become_dns_labels() {
        assert_eq!(dns_label_prefix("Hooks_Order", 50), "hooks-order");
        assert_eq!(dns_label_prefix("--x--", 50), "x");
        assert_eq!(dns_label_prefix("", 50), "ns");
        assert_eq!(dns_label_prefix(&"a".repeat(100), 50).len(), 50);
        assert_eq!(dns_label_prefix("ab-cd", 3), "ab");
    }
}
