//! Cluster test support: the shared real control plane, windlass pointed at it
//! in a fresh namespace, plain-YAML charts with Job hooks, and reading back
//! what happened (the simulated node's journal, live objects, release Secrets).

use std::process::Command;

use std::future::Future;

use serde_json::Value;
use windlass_testcluster::TestCluster;

#[path = "../cli/support.rs"]
#[allow(dead_code)]
mod cli;
pub use cli::{Run, Sandbox, into_run, write_chart};

/// The control plane of this test binary, or `None` outside CI without one.
pub fn cluster(test: &str) -> Option<&'static TestCluster> {
    TestCluster::shared_or_skip(test)
}

/// windlass on the cluster target in one namespace, with its own sandbox.
pub struct Windlass {
    pub sandbox: Sandbox,
    pub namespace: String,
    pub kubeconfig: String,
    module_cache: Option<std::path::PathBuf>,
}

impl Windlass {
    /// A fresh namespace on `cluster`, used with the admin identity.
    pub fn new(cluster: &TestCluster, prefix: &str) -> Self {
        let namespace = block_on(cluster.namespace(prefix));
        Windlass {
            sandbox: Sandbox::new(),
            namespace,
            kubeconfig: cluster.admin_kubeconfig().display().to_string(),
            module_cache: None,
        }
    }

    /// The `windlass` command with `--target cluster` on this namespace.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.sandbox.command(args);
        cmd.args([
            "--target",
            "cluster",
            "--kubeconfig",
            &self.kubeconfig,
            "-n",
            &self.namespace,
        ])
        .env(
            "WINDLASS_CACHE_DIR",
            self.module_cache
                .clone()
                .unwrap_or_else(|| self.sandbox.path().join("cache")),
        );
        cmd
    }

    /// Runs `windlass ARGS --target cluster ...` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        into_run(self.command(args).output().expect("run windlass"))
    }

    /// Uses a module cache shared by the tests of this binary (and kept across
    /// runs, keyed by digest), so a Wasm hook is compiled once, not per test.
    pub fn shared_module_cache(&mut self) {
        self.module_cache =
            Some(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-module-cache"));
    }

    /// Writes a chart named `name` with `templates` into the sandbox.
    pub fn chart(&self, name: &str, templates: &[(&str, String)]) -> String {
        let refs: Vec<(&str, &str)> = templates.iter().map(|(n, b)| (*n, b.as_str())).collect();
        write_chart(
            &self.sandbox,
            name,
            &format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
            &refs,
        )
    }
}

/// Runs a future to completion on a fresh runtime (tests are synchronous:
/// they drive the binary).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// A hook Job running `script` with `sh -c` on the simulated node.
pub fn job(name: &str, events: &str, weight: i64, policies: Option<&str>, script: &str) -> String {
    job_with(name, events, weight, policies, script, &[])
}

/// [`job`] with more annotations.
pub fn job_with(
    name: &str,
    events: &str,
    weight: i64,
    policies: Option<&str>,
    script: &str,
    annotations: &[(&str, &str)],
) -> String {
    let mut notes = format!("    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"\n");
    if let Some(policies) = policies {
        notes.push_str(&format!("    helm.sh/hook-delete-policy: {policies}\n"));
    }
    for (key, value) in annotations {
        notes.push_str(&format!("    {key}: \"{value}\"\n"));
    }
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n{notes}\
         spec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      \
         containers:\n        - name: main\n          image: busybox\n          \
         command: [sh, -c, {script:?}]\n"
    )
}

/// A plain ConfigMap, with extra annotations.
pub fn config_map(name: &str, annotations: &[(&str, &str)]) -> String {
    let mut text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
    if !annotations.is_empty() {
        text.push_str("  annotations:\n");
        for (key, value) in annotations {
            text.push_str(&format!("    {key}: \"{value}\"\n"));
        }
    }
    text.push_str("data:\n  key: value\n");
    text
}

/// The Job names whose pods the node ran in `namespace`, in start order.
pub fn ran(cluster: &TestCluster, namespace: &str) -> Vec<String> {
    cluster
        .journal(namespace)
        .into_iter()
        .filter_map(|entry| entry.job)
        .collect()
}

/// The live objects of a kind in `namespace`.
pub fn objects(
    cluster: &TestCluster,
    namespace: &str,
    api_version: &str,
    kind: &str,
) -> Vec<Value> {
    block_on(async {
        admin(cluster)
            .await
            .list(api_version, kind, Some(namespace), None)
            .await
            .expect("list")
    })
}

/// Names of the live objects of a kind in `namespace`, sorted.
pub fn names(cluster: &TestCluster, namespace: &str, api_version: &str, kind: &str) -> Vec<String> {
    let mut names: Vec<String> = objects(cluster, namespace, api_version, kind)
        .iter()
        .filter_map(|o| {
            o.pointer("/metadata/name")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Helm's release Secrets in `namespace`: (revision, status label) in order.
pub fn release_secrets(cluster: &TestCluster, namespace: &str, name: &str) -> Vec<(u32, String)> {
    block_on(async {
        let kube = admin(cluster).await;
        let mut found: Vec<(u32, String)> = kube
            .list(
                "v1",
                "Secret",
                Some(namespace),
                Some(&format!("owner=helm,name={name}")),
            )
            .await
            .expect("list secrets")
            .iter()
            .map(|s| {
                let label = |k: &str| {
                    s.pointer(&format!("/metadata/labels/{k}"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                (label("version").parse().unwrap_or(0), label("status"))
            })
            .collect();
        found.sort();
        found
    })
}

/// A windlass-kube client as the cluster admin, in the current runtime.
pub async fn admin(cluster: &TestCluster) -> windlass_kube::Kube {
    let opts = windlass_kube::ConnectOptions {
        kubeconfig: Some(cluster.admin_kubeconfig().to_path_buf()),
        context: None,
    };
    windlass_kube::Kube::connect(&opts)
        .await
        .expect("admin client")
}

/// The built hook plugin `<module>.wasm`, or `None` (a failure under CI) when
/// the plugins are not built.
pub fn plugin(module: &str) -> Option<std::path::PathBuf> {
    let plugins = std::env::var_os("WINDLASS_PLUGINS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| windlass_testsupport::cache_dir().join("plugins"));
    let built = plugins.join(format!("{module}.wasm"));
    if built.is_file() {
        Some(built)
    } else {
        windlass_testsupport::missing(
            &format!("the built hook plugin {}", built.display()),
            "run plugins/build",
        )
    }
}

/// Copies the built hook plugins `modules` into `chart/hooks/`, or returns
/// `None` (a failure under CI) when they are not built.
pub fn stage_modules(chart: &str, modules: &[&str]) -> Option<()> {
    let hooks = std::path::Path::new(chart).join("hooks");
    std::fs::create_dir_all(&hooks).expect("mkdir hooks");
    for module in modules {
        std::fs::copy(plugin(module)?, hooks.join(format!("{module}.wasm"))).expect("stage module");
    }
    Some(())
}

/// A namespaced CRD `widgets<suffix>.example.com` as a pre-install hook with
/// `policies`; `suffix` keeps tests sharing the cluster apart.
pub fn crd_hook(suffix: &str, policies: &str) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  \
         name: widgets{suffix}.example.com\n  annotations:\n    helm.sh/hook: pre-install\n    \
         helm.sh/hook-delete-policy: {policies}\nspec:\n  group: example.com\n  \
         names: {{kind: Widget{suffix}, plural: widgets{suffix}, singular: widget{suffix}}}\n  \
         scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      \
         storage: true\n      schema: {{openAPIV3Schema: {{type: object, \
         x-kubernetes-preserve-unknown-fields: true}}}}\n"
    )
}

/// Names of the CustomResourceDefinitions in the cluster.
pub fn crd_names(cluster: &TestCluster) -> Vec<String> {
    block_on(async {
        admin(cluster)
            .await
            .list(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                None,
            )
            .await
            .expect("list CRDs")
    })
    .iter()
    .filter_map(|c| c.pointer("/metadata/name").and_then(Value::as_str))
    .map(str::to_string)
    .collect()
}
