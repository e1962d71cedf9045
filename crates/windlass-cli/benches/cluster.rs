//! windlass beside Helm v4 on one real control plane (`windlass-testcluster`):
//! the same chart (50 resources, 5 Job hooks) installed, upgraded, rolled back
//! and uninstalled by each in its own namespace, step by step in alternation;
//! then one validation written as a Job hook and as a Wasm hook, installed by
//! windlass. One run, wall times and ratios, printed as Markdown for
//! docs/benchmarks.md.
//!
//! ```sh
//! eval "$(scripts/setup-test-env)"
//! cargo bench -p windlass-cli --bench cluster
//! ```
//!
//! windlass is timed as a whole process (start, kubeconfig, discovery, the
//! action, exit); Helm as its action call alone inside the peer's interpreter
//! (`elapsed_seconds`), without loading its configuration. The comparison
//! leans towards Helm.

#![allow(clippy::print_stdout, clippy::print_stderr)] // the report is the output

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};
use windlass_testcluster::TestCluster;

const RESOURCES: usize = 50;

fn main() {
    let Some(peer) = windlass_testsupport::helm_peer() else {
        eprintln!("the Helm peer is missing: run scripts/setup-test-env");
        std::process::exit(1);
    };
    let cluster = TestCluster::shared();
    let work = tempfile::tempdir().expect("temp dir");
    let v1 = write_chart(work.path(), "bench-v1", "one");
    let v2 = write_chart(work.path(), "bench-v2", "two");
    let kubeconfig = cluster.admin_kubeconfig().display().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let helm_ns = runtime.block_on(cluster.namespace("bench-helm"));
    let windlass_ns = runtime.block_on(cluster.namespace("bench-windlass"));
    let cache = work.path().join("cache");

    let windlass = |namespace: &str, args: &[&str]| -> f64 {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_windlass"))
            .args(args)
            .args(["--target", "cluster", "--kubeconfig", &kubeconfig])
            .args(["-n", namespace, "--timeout", "120s"])
            .env("WINDLASS_CACHE_DIR", &cache)
            .output()
            .expect("run windlass");
        let seconds = started.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "windlass {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        seconds
    };
    let helm = |command: &str, chart: Option<&Path>, extra: Value| -> f64 {
        let mut request = json!({"kubeconfig": kubeconfig, "namespace": helm_ns,
                                 "name": "bench", "timeout": 120});
        if let (Some(r), Some(e)) = (request.as_object_mut(), extra.as_object()) {
            r.extend(e.clone());
        }
        let answer = peer
            .cluster(command, chart, &request)
            .unwrap_or_else(|e| panic!("Helm {command} failed: {e}"));
        answer["elapsed_seconds"].as_f64().expect("elapsed_seconds")
    };

    let v1s = v1.display().to_string();
    let v2s = v2.display().to_string();
    let rows = [
        (
            "install",
            helm("install", Some(&v1), json!({})),
            windlass(&windlass_ns, &["install", "bench", &v1s]),
        ),
        (
            "upgrade",
            helm("upgrade", Some(&v2), json!({})),
            windlass(&windlass_ns, &["upgrade", "bench", &v2s]),
        ),
        (
            "rollback",
            helm("rollback", None, json!({"revision": 1})),
            windlass(&windlass_ns, &["rollback", "bench", "1"]),
        ),
        (
            "uninstall",
            helm("uninstall", None, json!({})),
            windlass(&windlass_ns, &["uninstall", "bench"]),
        ),
    ];

    println!("| action | Helm 4 | windlass | windlass / Helm |");
    println!("|---|---|---|---|");
    for (action, helm, windlass) in rows {
        println!(
            "| {action} | {} | {} | {:.2}x |",
            ms(helm),
            ms(windlass),
            windlass / helm
        );
    }

    // The same validation (replicaCount between 1 and 10) as a Job hook and as
    // a Wasm hook, each installed by windlass in a fresh namespace. The Wasm
    // module is compiled once beforehand, as any install after the first finds it.
    let plugins = std::env::var_os("WINDLASS_PLUGINS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| windlass_testsupport::cache_dir().join("plugins"));
    let module = plugins.join("values-policy.wasm");
    assert!(
        module.is_file(),
        "{} is missing: run plugins/build",
        module.display()
    );
    let job_chart = validation_chart(work.path(), "validate-job", VALIDATION_JOB, None);
    let wasm_chart = validation_chart(work.path(), "validate-wasm", VALIDATION_WASM, Some(&module));
    let (job_chart, wasm_chart) = (
        job_chart.display().to_string(),
        wasm_chart.display().to_string(),
    );
    let warm = runtime.block_on(cluster.namespace("bench-warm"));
    windlass(&warm, &["install", "validate", &wasm_chart]);
    let job_ns = runtime.block_on(cluster.namespace("bench-job"));
    let wasm_ns = runtime.block_on(cluster.namespace("bench-wasm"));
    let job = windlass(&job_ns, &["install", "validate", &job_chart]);
    let wasm = windlass(&wasm_ns, &["install", "validate", &wasm_chart]);
    println!();
    println!("| validation hook | windlass install |");
    println!("|---|---|");
    println!("| Job (`sh -c test`) | {} |", ms(job));
    println!("| Wasm (`values-policy`) | {} |", ms(wasm));
    println!("| Wasm / Job | {:.2}x |", wasm / job);
}

fn ms(seconds: f64) -> String {
    format!("{:.0} ms", seconds * 1000.0)
}

/// 50 resources (ConfigMaps, Secrets, Services, Deployments, ServiceAccounts)
/// and 5 Job hooks spread over every action's events; `data` differs between
/// versions so an upgrade changes every ConfigMap.
fn write_chart(dir: &Path, name: &str, data: &str) -> PathBuf {
    let chart = dir.join(name);
    let templates = chart.join("templates");
    std::fs::create_dir_all(&templates).expect("mkdir");
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: bench\nversion: 0.1.0\n",
    )
    .expect("write Chart.yaml");
    let mut docs = Vec::new();
    for i in 0..RESOURCES {
        docs.push(match i % 5 {
            0 => format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-{i}\n\
                 data:\n  value: {data}\n"
            ),
            1 => format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-{i}\n\
                 stringData:\n  token: {data}\n"
            ),
            2 => format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  \
                 selector: {{app: app-{i}}}\n  ports: [{{port: 80, protocol: TCP}}]\n"
            ),
            3 => format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  \
                 replicas: 1\n  selector: {{matchLabels: {{app: app-{i}}}}}\n  template:\n    \
                 metadata: {{labels: {{app: app-{i}}}}}\n    spec:\n      containers:\n        \
                 - {{name: app, image: busybox:1.36, command: [sleep, \"3600\"]}}\n"
            ),
            _ => format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-{i}\n"),
        });
    }
    std::fs::write(templates.join("resources.yaml"), docs.join("---\n")).expect("write");
    let hooks = [
        ("migrate", "pre-install,pre-upgrade"),
        ("smoke", "post-install,post-upgrade"),
        ("snapshot", "pre-rollback"),
        ("verify", "post-rollback"),
        ("drain", "pre-delete"),
    ];
    let jobs: Vec<String> = hooks
        .iter()
        .map(|(name, events)| job(name, events, "echo ok"))
        .collect();
    std::fs::write(templates.join("hooks.yaml"), jobs.join("---\n")).expect("write");
    chart
}

fn job(name: &str, events: &str, script: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    \
         helm.sh/hook: {events}\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n\
         spec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      \
         containers:\n        - name: main\n          image: busybox:1.36\n          \
         command: [sh, -c, {script:?}]\n"
    )
}

const VALIDATION_JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: validate\n  \
annotations:\n    helm.sh/hook: pre-install\n    \
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n\
spec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      \
containers:\n        - name: main\n          image: busybox:1.36\n          \
command: [sh, -c, 'test 3 -ge 1 && test 3 -le 10']\n";

const VALIDATION_WASM: &str = "apiVersion: windlass.dev/v1alpha1\nkind: WasmHook\nmetadata:\n  \
name: validate\n  annotations:\n    helm.sh/hook: pre-install\nspec:\n  \
module: {path: hooks/values-policy.wasm}\n  config:\n    ranges:\n      \
- {path: replicaCount, min: 1, max: 10}\n";

/// A chart with one ConfigMap, `replicaCount: 3`, and the validation `hook`.
fn validation_chart(dir: &Path, name: &str, hook: &str, module: Option<&Path>) -> PathBuf {
    let chart = dir.join(name);
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: validate\nversion: 0.1.0\n",
    )
    .expect("write");
    std::fs::write(chart.join("values.yaml"), "replicaCount: 3\n").expect("write");
    std::fs::write(
        chart.join("templates/config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  a: b\n",
    )
    .expect("write");
    std::fs::write(chart.join("templates/validate.yaml"), hook).expect("write");
    if let Some(module) = module {
        std::fs::create_dir_all(chart.join("hooks")).expect("mkdir");
        std::fs::copy(module, chart.join("hooks/values-policy.wasm")).expect("copy module");
    }
    chart
}
