//! Wasm hooks on the real control plane, among Job hooks: their place by
//! weight, lookups answered from the live cluster and checked against the
//! hook's grants, and the objects they create following the hook's delete policy.

use serde_json::Value;

use crate::support::{
    Windlass, cluster, job, names, objects, plugin, ran, release_secrets, stage_modules,
};

const SECRETS: (&str, &str) = ("v1", "Secret");

/// A `WasmHook` running `module` (a `spec.module` in flow style), with `spec`
/// lines after it.
fn wasm_hook(
    name: &str,
    module: &str,
    events: &str,
    weight: i64,
    policies: Option<&str>,
    spec: &str,
) -> String {
    let policy = policies
        .map(|p| format!("    helm.sh/hook-delete-policy: {p}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: windlass.dev/v1alpha1\nkind: WasmHook\nmetadata:\n  name: {name}\n  \
         annotations:\n    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"\n\
         {policy}spec:\n  module: {module}\n{spec}"
    )
}

/// A Deployment `web` whose selector is `app: <app>`, with limits set.
fn deployment(app: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  \
         selector:\n    matchLabels: {{app: {app}}}\n  template:\n    metadata:\n      \
         labels: {{app: {app}}}\n    spec:\n      containers:\n        - name: web\n          \
         image: busybox:1.36\n          command: [sleep, \"3600\"]\n          \
         resources: {{limits: {{cpu: 100m, memory: 32Mi}}}}\n"
    )
}

/// generate-password ensuring Secret `secret`, with the grants it needs. The
/// module (18 MB of Python) is above Helm's 5 MiB limit for a chart file, so
/// the hook names it on the host (`module.file`), as its README says.
fn password_hook(name: &str, weight: i64, policies: Option<&str>, secret: &str) -> String {
    let module = plugin("generate-password").map_or_else(String::new, |p| p.display().to_string());
    wasm_hook(
        name,
        &format!("{{file: {module:?}}}"),
        "pre-install,pre-upgrade",
        weight,
        policies,
        &format!(
            "  config: {{secretName: {secret}}}\n  grants:\n    \
             cluster: [{{apiVersion: v1, kind: Secret}}]\n    \
             create: [{{apiVersion: v1, kind: Secret}}]\n"
        ),
    )
}

/// upgrade-guard with read grants for `kind` (apps/v1).
fn guard_hook(kind: &str) -> String {
    wasm_hook(
        "guard",
        "{path: hooks/upgrade-guard.wasm}",
        "pre-upgrade",
        -5,
        None,
        &format!(
            "  config: {{onLookupError: fail}}\n  grants:\n    \
             cluster: [{{apiVersion: apps/v1, kind: {kind}}}]\n"
        ),
    )
}

/// Asserts that each of `hooks` succeeded, in this order, in `stderr`.
#[track_caller]
fn assert_succeeded_in_order(stderr: &str, hooks: &[&str]) {
    let mut at = 0;
    for hook in hooks {
        let line = format!("succeeded: {hook} in ");
        match stderr[at..].find(&line) {
            Some(found) => at += found + line.len(),
            None => panic!("{hook} did not succeed after the hooks before it in:\n{stderr}"),
        }
    }
}

/// The live Secret `name`, if any.
fn secret(
    cluster: &windlass_testcluster::TestCluster,
    namespace: &str,
    name: &str,
) -> Option<Value> {
    objects(cluster, namespace, SECRETS.0, SECRETS.1)
        .into_iter()
        .find(|s| s.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
}

fn uid(object: &Value) -> String {
    object["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn wasm_and_job_hooks_interleave_by_weight_and_read_the_live_cluster() {
    let Some(cluster) =
        cluster("wasm_and_job_hooks_interleave_by_weight_and_read_the_live_cluster")
    else {
        return;
    };
    let mut w = Windlass::new(cluster, "wasm-mixed");
    w.shared_module_cache();
    let ok = "echo ran";
    let templates = |app: &str| {
        vec![
            ("web.yaml", deployment(app)),
            (
                "hooks.yaml",
                [
                    job("first", "pre-install,pre-upgrade", -15, None, ok),
                    password_hook("password", -12, None, "mixed-password"),
                    wasm_hook(
                        "limits",
                        "{path: hooks/resource-limits.wasm}",
                        "pre-install,pre-upgrade",
                        -10,
                        None,
                        "  config: {requireLimits: [cpu, memory]}\n",
                    ),
                    guard_hook("Deployment"),
                    job("last", "pre-install,pre-upgrade", 0, None, ok),
                ]
                .join("---\n"),
            ),
        ]
    };
    let modules = ["resource-limits", "upgrade-guard"];
    let chart = w.chart("mixed", &templates("web"));
    let (Some(()), Some(_)) = (stage_modules(&chart, &modules), plugin("generate-password")) else {
        return;
    };

    let install = w.run(&["install", "mixed", &chart]);
    install.ok();
    assert_succeeded_in_order(
        &install.stderr,
        &[
            "Job/first",
            "WasmHook/password",
            "WasmHook/limits",
            "Job/last",
        ],
    );
    assert_eq!(ran(cluster, &w.namespace), ["first", "last"]);
    // The Secret the Wasm hook asked for exists, labelled as that hook's.
    let created = secret(cluster, &w.namespace, "mixed-password").expect("secret created");
    assert_eq!(
        created["metadata"]["labels"]["windlass.dev/hook"],
        "password"
    );
    assert_eq!(
        created["metadata"]["labels"]["windlass.dev/release"],
        "mixed"
    );

    // Upgrade: the guard (pre-upgrade only) reads the live Deployment, finds the
    // selector unchanged and lets it pass, in its place by weight.
    let upgrade = w.run(&["upgrade", "mixed", &chart]);
    upgrade.ok();
    assert_succeeded_in_order(
        &upgrade.stderr,
        &[
            "Job/first",
            "WasmHook/password",
            "WasmHook/limits",
            "WasmHook/guard",
            "Job/last",
        ],
    );
    // before-hook-creation (the default) deleted what the hook created last
    // time before it ran again, so it generated a new Secret.
    let recreated = secret(cluster, &w.namespace, "mixed-password").expect("secret recreated");
    assert_ne!(uid(&created), uid(&recreated));

    // A changed selector: the guard's lookup of the live Deployment sees it
    // and denies before anything is applied; the last Job never runs.
    let changed = w.chart("mixed-v2", &templates("web-v2"));
    stage_modules(&changed, &modules).expect("staged above");
    let denied = w.run(&["upgrade", "mixed", &changed]);
    let line = denied.failure_line();
    assert!(
        line.contains("pre-upgrade hook `WasmHook/guard`") && line.contains("spec.selector"),
        "{line}"
    );
    assert_eq!(
        ran(cluster, &w.namespace),
        ["first", "last", "first", "last", "first"]
    );
    assert_eq!(
        release_secrets(cluster, &w.namespace, "mixed"),
        [
            (1, "superseded".to_string()),
            (2, "deployed".to_string()),
            (3, "failed".to_string())
        ]
    );
    w.run(&["uninstall", "mixed"]).ok();
}

#[test]
fn a_wasm_hook_denied_a_lookup_outside_its_grants_fails_its_event() {
    let Some(cluster) = cluster("a_wasm_hook_denied_a_lookup_outside_its_grants_fails_its_event")
    else {
        return;
    };
    let mut w = Windlass::new(cluster, "wasm-denied");
    w.shared_module_cache();
    // The guard may read StatefulSets only; the chart renders a Deployment.
    let chart = w.chart(
        "denied",
        &[
            ("web.yaml", deployment("web")),
            ("guard.yaml", guard_hook("StatefulSet")),
        ],
    );
    let Some(()) = stage_modules(&chart, &["upgrade-guard"]) else {
        return;
    };
    w.run(&["install", "denied", &chart]).ok();

    let upgrade = w.run(&["upgrade", "denied", &chart]);
    let line = upgrade.failure_line();
    assert!(
        line.contains("pre-upgrade hook `WasmHook/guard`") && line.contains("denied"),
        "{line}"
    );
    // The guest got the host's refusal as an error value (the host's words
    // inside its finding), and said which grant is missing.
    assert!(
        line.contains(&format!(
            "(denied: reading apps/v1 Deployment in namespace `{}` is not granted (grants.cluster))",
            w.namespace
        )) && line.contains("grant reads of Deployment (apps/v1)"),
        "{line}"
    );
    assert_eq!(
        release_secrets(cluster, &w.namespace, "denied"),
        [(1, "deployed".to_string()), (2, "failed".to_string())]
    );
    // Nothing was applied: the live Deployment is revision 1's.
    assert_eq!(
        names(cluster, &w.namespace, "apps/v1", "Deployment"),
        ["web"]
    );
    let status = w.run(&["status", "denied"]);
    status.ok();
}

#[test]
fn objects_a_wasm_hook_creates_follow_its_delete_policy() {
    let Some(cluster) = cluster("objects_a_wasm_hook_creates_follow_its_delete_policy") else {
        return;
    };
    let mut w = Windlass::new(cluster, "wasm-created");
    w.shared_module_cache();
    let chart = w.chart(
        "created",
        &[
            ("web.yaml", deployment("web")),
            (
                "hooks.yaml",
                [
                    // Deleted with the hook once the event succeeds.
                    password_hook("temp", -2, Some("hook-succeeded"), "temp-password"),
                    // Deleted only if the hook fails: the password stays.
                    password_hook("kept", -1, Some("hook-failed"), "kept-password"),
                ]
                .join("---\n"),
            ),
        ],
    );
    if plugin("generate-password").is_none() {
        return;
    }
    let secret_names = || -> Vec<String> {
        names(cluster, &w.namespace, SECRETS.0, SECRETS.1)
            .into_iter()
            .filter(|n| n.ends_with("-password"))
            .collect()
    };

    w.run(&["install", "created", &chart]).ok();
    assert_eq!(secret_names(), ["kept-password"]);
    let kept = secret(cluster, &w.namespace, "kept-password").unwrap();

    // The kept Secret is found live at the next run, so nothing is generated
    // again: same object, same password.
    w.run(&["upgrade", "created", &chart]).ok();
    assert_eq!(secret_names(), ["kept-password"]);
    let again = secret(cluster, &w.namespace, "kept-password").unwrap();
    assert_eq!(uid(&kept), uid(&again));
    assert_eq!(kept["data"], again["data"]);

    // Hook resources outlive the release, as in Helm.
    w.run(&["uninstall", "created"]).ok();
    assert_eq!(secret_names(), ["kept-password"]);
}

#[test]
fn wasm_hooks_run_at_every_event_between_job_hooks() {
    let Some(cluster) = cluster("wasm_hooks_run_at_every_event_between_job_hooks") else {
        return;
    };
    let mut w = Windlass::new(cluster, "wasm-events");
    w.shared_module_cache();
    const EVENTS: [&str; 9] = [
        "pre-install",
        "post-install",
        "pre-upgrade",
        "post-upgrade",
        "pre-rollback",
        "post-rollback",
        "pre-delete",
        "post-delete",
        "test",
    ];
    // At each event: a Job (-1), a Wasm hook (0), a Job (1).
    let hooks: Vec<String> = EVENTS
        .iter()
        .flat_map(|event| {
            [
                job(&format!("{event}-before"), event, -1, None, "echo ran"),
                wasm_hook(
                    &format!("{event}-wasm"),
                    "{path: hooks/values-policy.wasm}",
                    event,
                    0,
                    None,
                    "  config:\n    ranges: [{path: replicaCount, min: 1, max: 10}]\n",
                ),
                job(&format!("{event}-after"), event, 1, None, "echo ran"),
            ]
        })
        .collect();
    let chart = w.chart(
        "events",
        &[
            ("app.yaml", crate::support::config_map("app", &[])),
            ("hooks.yaml", hooks.join("---\n")),
        ],
    );
    w.sandbox.write("events/values.yaml", "replicaCount: 3\n");
    let Some(()) = stage_modules(&chart, &["values-policy"]) else {
        return;
    };
    let in_order = |event: &str| {
        [
            format!("Job/{event}-before"),
            format!("WasmHook/{event}-wasm"),
            format!("Job/{event}-after"),
        ]
    };
    let check = |run: &crate::support::Run, events: &[&str]| {
        run.ok();
        let order: Vec<String> = events.iter().flat_map(|e| in_order(e)).collect();
        let order: Vec<&str> = order.iter().map(String::as_str).collect();
        assert_succeeded_in_order(&run.stderr, &order);
    };
    check(
        &w.run(&["install", "events", &chart]),
        &["pre-install", "post-install"],
    );
    check(
        &w.run(&["upgrade", "events", &chart]),
        &["pre-upgrade", "post-upgrade"],
    );
    check(
        &w.run(&["rollback", "events", "1"]),
        &["pre-rollback", "post-rollback"],
    );
    check(&w.run(&["test", "events"]), &["test"]);
    check(
        &w.run(&["uninstall", "events"]),
        &["pre-delete", "post-delete"],
    );
    // The Jobs ran on the node in the same order, the Wasm hooks on the host.
    let jobs: Vec<String> = EVENTS
        .iter()
        .flat_map(|e| [format!("{e}-before"), format!("{e}-after")])
        .collect();
    let mut expected = jobs;
    // `test` ran before `uninstall`.
    let test: Vec<String> = expected.drain(16..18).collect();
    expected.splice(12..12, test);
    assert_eq!(ran(cluster, &w.namespace), expected);
}
