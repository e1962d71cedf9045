//! The action flags on the real control plane: `--wait`, `--rollback-on-failure`,
//! and `helm.sh/hook-output-log-policy`.

use serde_json::Value;

use crate::support::{Windlass, admin, block_on, cluster, job, job_with, ran, release_secrets};

fn config_map(name: &str, value: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: {value}\n")
}

/// The live ConfigMap `name`'s `data.value`.
fn config_value(
    cluster: &windlass_testcluster::TestCluster,
    namespace: &str,
    name: &str,
) -> String {
    block_on(async {
        let kube = admin(cluster).await;
        let reference = windlass_kube::ObjectRef::of(
            &serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": name}}),
            namespace,
        )
        .expect("reference");
        kube.get(&reference)
            .await
            .expect("get")
            .and_then(|o| {
                o.pointer("/data/value")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default()
    })
}

#[test]
fn wait_waits_for_workloads_and_jobs_and_names_what_never_got_ready() {
    let Some(cluster) = cluster("wait_waits_for_workloads_and_jobs_and_names_what_never_got_ready")
    else {
        return;
    };
    let w = Windlass::new(cluster, "wait");
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  \
        replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    \
        metadata: {labels: {app: web}}\n    spec:\n      containers:\n        \
        - {name: web, image: busybox:1.36, command: [sleep, \"3600\"]}\n";
    let work = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: work\nspec:\n  \
        backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      \
        containers:\n        - {name: main, image: busybox:1.36, command: [sh, -c, \"sleep 1\"]}\n";
    let ready = w.chart(
        "ready",
        &[
            ("web.yaml", deployment.to_string()),
            ("work.yaml", work.to_string()),
        ],
    );
    w.run(&["install", "ready", &ready, "--wait", "--timeout", "60s"])
        .ok();
    // --wait returned after the Job (a release resource, not a hook) had
    // finished: its pod's exit code is in the node's journal already.
    assert_eq!(ran(cluster, &w.namespace), ["work"]);
    let exits: Vec<Option<i32>> = cluster
        .journal(&w.namespace)
        .iter()
        .map(|e| e.exit_code)
        .collect();
    assert_eq!(exits, [Some(0)]);

    // No provisioner in this cluster: the claim never binds.
    let claim = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  \
        accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let stuck = w.chart("stuck", &[("claim.yaml", claim.to_string())]);
    let run = w.run(&["install", "stuck", &stuck, "--wait", "--timeout", "3s"]);
    let line = run.failure_line();
    assert!(line.contains("PersistentVolumeClaim"), "{line}");
    assert!(line.contains("data"), "{line}");
    assert_eq!(
        release_secrets(cluster, &w.namespace, "stuck"),
        [(1, "failed".to_string())]
    );
}

#[test]
fn rollback_on_failure_undoes_a_failed_upgrade_and_a_failed_install() {
    let Some(cluster) = cluster("rollback_on_failure_undoes_a_failed_upgrade_and_a_failed_install")
    else {
        return;
    };
    let w = Windlass::new(cluster, "atomic");
    let v1 = w.chart("v1", &[("app.yaml", config_map("app", "one"))]);
    let v2 = w.chart(
        "v2",
        &[
            ("app.yaml", config_map("app", "two")),
            ("hook.yaml", job("check", "post-upgrade", 0, None, "exit 3")),
        ],
    );
    w.run(&["install", "app", &v1]).ok();
    let upgrade = w.run(&["upgrade", "app", &v2, "--rollback-on-failure"]);
    let line = upgrade.failure_line();
    assert!(line.contains("post-upgrade"), "{line}");
    // Revision 2 applied `two`, then failed; revision 3 is revision 1 again.
    assert_eq!(
        release_secrets(cluster, &w.namespace, "app"),
        [
            (1, "superseded".to_string()),
            (2, "failed".to_string()),
            (3, "deployed".to_string())
        ]
    );
    assert_eq!(config_value(cluster, &w.namespace, "app"), "one");

    // A failed install with --rollback-on-failure is uninstalled: no release left.
    let bad = w.chart(
        "bad",
        &[
            ("other.yaml", config_map("other", "x")),
            ("hook.yaml", job("gate", "post-install", 0, None, "exit 4")),
        ],
    );
    let install = w.run(&["install", "bad", &bad, "--rollback-on-failure"]);
    install.failure_line();
    assert!(release_secrets(cluster, &w.namespace, "bad").is_empty());
    assert_eq!(config_value(cluster, &w.namespace, "other"), "");
}

#[test]
fn output_log_policy_shows_a_succeeded_hooks_logs() {
    let Some(cluster) = cluster("output_log_policy_shows_a_succeeded_hooks_logs") else {
        return;
    };
    let w = Windlass::new(cluster, "log-policy");
    let chart = w.chart(
        "logs",
        &[(
            "hooks.yaml",
            [
                job_with(
                    "shown",
                    "post-install",
                    0,
                    None,
                    "echo shown-marker",
                    &[("helm.sh/hook-output-log-policy", "hook-succeeded")],
                ),
                job("quiet", "post-install", 1, None, "echo quiet-marker"),
            ]
            .join("---\n"),
        )],
    );
    let install = w.run(&["install", "logs", &chart]);
    install.ok();
    assert!(
        install.stderr.contains("shown-marker"),
        "{}",
        install.stderr
    );
    assert!(
        !install.stderr.contains("quiet-marker"),
        "{}",
        install.stderr
    );
}

#[test]
fn the_namespace_defaults_to_the_kubeconfig_contexts() {
    let Some(cluster) = cluster("the_namespace_defaults_to_the_kubeconfig_contexts") else {
        return;
    };
    let w = Windlass::new(cluster, "context-ns");
    // The admin kubeconfig with the test's namespace set on its context.
    let text = std::fs::read_to_string(cluster.admin_kubeconfig()).expect("kubeconfig");
    let mut config: serde_yaml::Value = serde_yaml::from_str(&text).expect("kubeconfig YAML");
    for context in config["contexts"].as_sequence_mut().expect("contexts") {
        context["context"]["namespace"] = serde_yaml::Value::from(w.namespace.clone());
    }
    let kubeconfig = w.sandbox.write(
        "kubeconfig",
        serde_yaml::to_string(&config).expect("kubeconfig YAML"),
    );
    let chart = w.chart("app", &[("app.yaml", config_map("app", "one"))]);
    let run = |args: &[&str]| {
        crate::support::into_run(
            w.sandbox
                .command(args)
                .args(["--target", "cluster", "--kubeconfig"])
                .arg(&kubeconfig)
                .env_remove("WINDLASS_NAMESPACE")
                .output()
                .expect("run windlass"),
        )
    };
    run(&["install", "app", &chart]).ok();
    assert_eq!(
        release_secrets(cluster, &w.namespace, "app"),
        [(1, "deployed".to_string())]
    );
    assert_eq!(config_value(cluster, &w.namespace, "app"), "one");
    assert!(
        run(&["status", "app"])
            .ok()
            .contains(&format!("NAMESPACE: {}", w.namespace))
    );
}

#[test]
fn templates_lookup_reads_the_cluster() {
    let Some(cluster) = cluster("templates_lookup_reads_the_cluster") else {
        return;
    };
    let w = Windlass::new(cluster, "lookup");
    let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seen\ndata:\n  \
        value: {{ (lookup \"v1\" \"Namespace\" \"\" .Release.Namespace).metadata.name | quote }}\n  \
        missing: {{ lookup \"v1\" \"ConfigMap\" .Release.Namespace \"nope\" | len | quote }}\n  \
        listed: {{ (lookup \"v1\" \"ConfigMap\" .Release.Namespace \"\").kind | quote }}\n";
    let chart = w.chart("lookup", &[("seen.yaml", template.to_string())]);
    w.run(&["install", "lookup", &chart]).ok();
    assert_eq!(config_value(cluster, &w.namespace, "seen"), w.namespace);
    let data = block_on(async {
        let kube = admin(cluster).await;
        let reference = windlass_kube::ObjectRef::of(
            &serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": "seen"}}),
            &w.namespace,
        )
        .expect("reference");
        kube.get(&reference)
            .await
            .expect("get")
            .expect("seen exists")["data"]
            .clone()
    });
    assert_eq!(data["missing"], "0", "{data}");
    assert_eq!(data["listed"], "ConfigMapList", "{data}");
}
