//! `windlass plan`: exactly which hooks run, in which order, for each action.

use serde_json::json;

use crate::support::{Sandbox, demo_chart, write_chart};

#[test]
fn plan_install_of_the_demo_chart() {
    let sb = Sandbox::new();
    let plan = sb
        .run(&["plan", "demo", &demo_chart(), "-o", "json"])
        .json();
    assert_eq!(
        plan,
        json!({
            "hooks": {
                "pre-install": [
                    {"kind": "ServiceAccount", "name": "demo-hooks", "weight": -10, "delete_policies": ["before-hook-creation"], "runtime": "kubernetes"},
                    {"kind": "Job", "name": "demo-migrate", "weight": 0, "delete_policies": ["before-hook-creation", "hook-succeeded"], "runtime": "kubernetes"}
                ],
                "post-install": [
                    {"kind": "Job", "name": "demo-seed", "weight": 5, "delete_policies": ["hook-succeeded"], "runtime": "kubernetes"}
                ]
            },
            "resources": [
                {"kind": "ConfigMap", "name": "demo-config", "namespace": "default"},
                {"kind": "PersistentVolumeClaim", "name": "demo-data", "namespace": "default"},
                {"kind": "Service", "name": "demo", "namespace": "default"},
                {"kind": "Deployment", "name": "demo", "namespace": "default"}
            ]
        })
    );
    // The events appear in the order the action runs them.
    let text = sb
        .run(&["plan", "demo", &demo_chart(), "-o", "json"])
        .stdout;
    assert!(text.find("pre-install").unwrap() < text.find("post-install").unwrap());
    assert!(sb.state().is_empty(), "plan stores nothing");
}

#[test]
fn plan_of_every_action_after_install() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "demo", &chart]).ok();
    sb.run(&["upgrade", "demo", &chart]).ok();
    let before = sb.state();

    let upgrade = sb
        .run(&["plan", "demo", &chart, "--action", "upgrade", "-o", "json"])
        .json();
    let names = |event: &str, plan: &serde_json::Value| -> Vec<String> {
        plan["hooks"][event]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                format!(
                    "{}/{}",
                    h["kind"].as_str().unwrap(),
                    h["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        names("pre-upgrade", &upgrade),
        ["ServiceAccount/demo-hooks", "Job/demo-migrate"]
    );
    assert!(names("post-upgrade", &upgrade).is_empty());

    let rollback = sb
        .run(&["plan", "demo", "--action", "rollback", "-o", "json"])
        .json();
    assert_eq!(names("pre-rollback", &rollback), ["Job/demo-backup"]);
    assert_eq!(rollback["resources"].as_array().unwrap().len(), 4);

    let uninstall = sb
        .run(&["plan", "demo", "--action", "uninstall", "-o", "json"])
        .json();
    assert_eq!(names("pre-delete", &uninstall), ["Job/demo-backup"]);
    assert_eq!(names("post-delete", &uninstall), ["Job/demo-cleanup"]);
    // Deleted in Helm's uninstall order; the kept claim is not deleted.
    assert_eq!(
        uninstall["resources"],
        json!([
            {"kind": "Service", "name": "demo", "namespace": "default"},
            {"kind": "Deployment", "name": "demo", "namespace": "default"},
            {"kind": "ConfigMap", "name": "demo-config", "namespace": "default"}
        ])
    );

    let test = sb
        .run(&["plan", "demo", "--action", "test", "-o", "json"])
        .json();
    assert_eq!(
        test,
        json!({"hooks": {"test": [{"kind": "Pod", "name": "demo-test-connection", "weight": 0, "delete_policies": ["before-hook-creation"], "runtime": "kubernetes"}]}, "resources": []})
    );
    crate::support::assert_same_state(&before, &sb.state(), &["plan"]);

    let table = sb
        .run(&["plan", "demo", "--action", "uninstall"])
        .ok()
        .to_string();
    assert!(table.starts_with("HOOKS\nEVENT"), "{table}");
    assert!(table.contains("\nRESOURCES\nKIND"), "{table}");
}

#[test]
fn plan_orders_by_weight_then_name_and_shows_wasm_hooks() {
    let sb = Sandbox::new();
    let hook = |kind: &str, name: &str, weight: &str, api: &str| {
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"{weight}\"\n"
        )
    };
    let chart = write_chart(
        &sb,
        "order",
        "apiVersion: v2\nname: order\nversion: 0.1.0\n",
        &[
            ("a.yaml", &hook("Job", "zeta", "1", "batch/v1")),
            ("b.yaml", &hook("ConfigMap", "beta", "1", "v1")),
            (
                "c.yaml",
                &format!(
                    "{}spec:\n  module: {{path: hooks/alpha.wasm}}\n",
                    hook("WasmHook", "alpha", "1", "windlass.dev/v1alpha1")
                ),
            ),
            ("d.yaml", &hook("Secret", "omega", "-1", "v1")),
            (
                "e.yaml",
                &hook("WasmHook", "other-group", "2", "example.com/v1"),
            ),
        ],
    );
    sb.write("order/hooks/alpha.wasm", b"\0asm\r\0\x01\0");
    let plan = sb.run(&["plan", "rel", &chart, "-o", "json"]).json();
    let order: Vec<(String, String)> = plan["hooks"]["pre-install"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap().to_string(),
                h["runtime"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("omega".to_string(), "kubernetes".to_string()),
            ("alpha".to_string(), "wasm".to_string()),
            ("beta".to_string(), "kubernetes".to_string()),
            ("zeta".to_string(), "kubernetes".to_string()),
            // A `WasmHook` outside windlass.dev is an ordinary Kubernetes resource.
            ("other-group".to_string(), "kubernetes".to_string()),
        ]
    );
}

#[test]
fn unknown_hook_events_are_dropped_with_a_warning() {
    let sb = Sandbox::new();
    let chart = write_chart(
        &sb,
        "typo",
        "apiVersion: v2\nname: typo\nversion: 0.1.0\n",
        &[(
            "job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-instal\n    helm.sh/hook-weight: heavy\n",
        )],
    );
    let run = sb.run(&["plan", "rel", &chart, "-o", "json"]);
    assert_eq!(
        run.json(),
        json!({"hooks": {"pre-install": [], "post-install": []}, "resources": []})
    );
    assert!(run.stderr.contains("Job/migrate dropped"), "{}", run.stderr);
    assert!(run.stderr.contains("pre-instal"), "{}", run.stderr);
}
