//! Kubernetes hooks on the real control plane, through the `windlass` binary:
//! Helm's order and delete policies, failures with logs, per-hook timeouts,
//! CRD hooks, `keep`, RBAC errors.

use crate::support::{Windlass, cluster, config_map, job, job_with, names, ran, release_secrets};

const JOBS: (&str, &str) = ("batch/v1", "Job");

#[test]
fn every_event_runs_its_job_hooks_in_helms_order() {
    let Some(cluster) = cluster("every_event_runs_its_job_hooks_in_helms_order") else {
        return;
    };
    let w = Windlass::new(cluster, "events");
    let ok = "echo ran";
    let chart = w.chart(
        "events",
        &[
            ("app.yaml", config_map("app", &[])),
            // Weight first, then name: `b-first` (-1) before `a-second` (0) before `c-third` (0).
            (
                "pre-install.yaml",
                [
                    job("a-second", "pre-install", 0, None, ok),
                    job("b-first", "pre-install", -1, None, ok),
                    job("c-third", "pre-install", 0, None, ok),
                ]
                .join("---\n"),
            ),
            (
                "post-install.yaml",
                job("post-install", "post-install", 0, None, ok),
            ),
            (
                "upgrade.yaml",
                [
                    job("pre-upgrade", "pre-upgrade", 0, None, ok),
                    job("post-upgrade", "post-upgrade", 0, None, ok),
                ]
                .join("---\n"),
            ),
            (
                "rollback.yaml",
                [
                    job("pre-rollback", "pre-rollback", 0, None, ok),
                    job("post-rollback", "post-rollback", 0, None, ok),
                ]
                .join("---\n"),
            ),
            (
                "delete.yaml",
                [
                    job("pre-delete", "pre-delete", 0, None, ok),
                    job("post-delete", "post-delete", 0, None, ok),
                ]
                .join("---\n"),
            ),
            ("test.yaml", job("test-job", "test", 0, None, "echo tested")),
        ],
    );
    w.run(&["install", "events", &chart]).ok();
    w.run(&["upgrade", "events", &chart]).ok();
    w.run(&["rollback", "events", "1"]).ok();
    let test = w.run(&["test", "events", "--logs"]);
    test.ok();
    assert!(
        test.stderr.contains("tested"),
        "Job test hooks get logs:\n{}",
        test.stderr
    );
    assert_eq!(
        release_secrets(cluster, &w.namespace, "events"),
        [
            (1, "superseded".to_string()),
            (2, "superseded".to_string()),
            (3, "deployed".to_string())
        ]
    );
    w.run(&["uninstall", "events"]).ok();
    assert_eq!(
        ran(cluster, &w.namespace),
        [
            "b-first",
            "a-second",
            "c-third",
            "post-install",
            "pre-upgrade",
            "post-upgrade",
            "pre-rollback",
            "post-rollback",
            "test-job",
            "pre-delete",
            "post-delete"
        ]
    );
    assert!(release_secrets(cluster, &w.namespace, "events").is_empty());
    // The default policy (before-hook-creation) leaves finished hook Jobs, as in Helm.
    assert_eq!(names(cluster, &w.namespace, JOBS.0, JOBS.1).len(), 11);
    assert!(
        names(cluster, &w.namespace, "v1", "ConfigMap")
            .iter()
            .all(|n| n != "app")
    );
}

#[test]
fn a_failing_job_hook_fails_the_release_and_shows_its_logs() {
    let Some(cluster) = cluster("a_failing_job_hook_fails_the_release_and_shows_its_logs") else {
        return;
    };
    let w = Windlass::new(cluster, "failing");
    let chart = w.chart(
        "failing",
        &[
            ("app.yaml", config_map("app", &[])),
            (
                "hook.yaml",
                job(
                    "migrate",
                    "pre-install",
                    0,
                    None,
                    "echo 'migration 7 broke'; exit 3",
                ),
            ),
        ],
    );
    // A pod of an earlier Job of the same name, not yet collected: it carries
    // the `job-name` label but belongs to another Job (here, to none).
    crate::support::block_on(async {
        let stray = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "stray", "labels": {"job-name": "migrate"}},
            "spec": {"restartPolicy": "Never", "containers": [
                {"name": "main", "image": "busybox", "command": ["sh", "-c", "echo stale-run"]}
            ]}
        });
        crate::support::admin(cluster)
            .await
            .apply(&stray, &w.namespace)
            .await
            .expect("create the stray pod");
    });
    let mut finished = false;
    for _ in 0..600 {
        finished = cluster
            .journal(&w.namespace)
            .iter()
            .any(|e| e.pod == "stray" && e.exit_code.is_some());
        if finished {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(finished, "the stray pod never ran");

    let run = w.run(&["install", "failing", &chart]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("migration 7 broke"), "{}", run.stderr);
    // Only the failing Job's own pod's logs.
    assert!(!run.stderr.contains("stale-run"), "{}", run.stderr);
    assert!(run.stderr.contains("POD LOGS: migrate-"), "{}", run.stderr);
    assert!(run.stderr.contains("exited with 3"), "{}", run.stderr);
    assert_eq!(
        release_secrets(cluster, &w.namespace, "failing"),
        [(1, "failed".to_string())]
    );
    // Nothing after the failed pre-install hook was applied.
    assert!(
        names(cluster, &w.namespace, "v1", "ConfigMap")
            .iter()
            .all(|n| n != "app")
    );
}

#[test]
fn a_hook_timeout_stops_the_job_and_says_so() {
    let Some(cluster) = cluster("a_hook_timeout_stops_the_job_and_says_so") else {
        return;
    };
    let w = Windlass::new(cluster, "timeout");
    let chart = w.chart(
        "timeout",
        &[(
            "hook.yaml",
            job_with(
                "slow",
                "pre-install",
                0,
                None,
                "echo starting; sleep 120",
                &[("windlass.dev/hook-timeout", "3s")],
            ),
        )],
    );
    let run = w.run(&["install", "timeout", &chart]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("did not finish within 3s; the Job was deleted so that it stops"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("starting"),
        "logs of a timed-out hook:\n{}",
        run.stderr
    );
    assert!(names(cluster, &w.namespace, JOBS.0, JOBS.1).is_empty());
    assert_eq!(
        release_secrets(cluster, &w.namespace, "timeout"),
        [(1, "failed".to_string())]
    );
}

#[test]
fn before_hook_creation_replaces_the_previous_run() {
    let Some(cluster) = cluster("before_hook_creation_replaces_the_previous_run") else {
        return;
    };
    let w = Windlass::new(cluster, "rerun");
    let chart = w.chart(
        "rerun",
        &[(
            "hook.yaml",
            job(
                "migrate",
                "pre-install,pre-upgrade",
                0,
                None,
                "echo migrated",
            ),
        )],
    );
    w.run(&["install", "rerun", &chart]).ok();
    w.run(&["upgrade", "rerun", &chart]).ok();
    w.run(&["upgrade", "rerun", &chart]).ok();
    assert_eq!(
        ran(cluster, &w.namespace),
        ["migrate", "migrate", "migrate"]
    );
    assert_eq!(names(cluster, &w.namespace, JOBS.0, JOBS.1), ["migrate"]);
}

#[test]
fn delete_policies_leave_what_helm_leaves() {
    let Some(cluster) = cluster("delete_policies_leave_what_helm_leaves") else {
        return;
    };
    let w = Windlass::new(cluster, "policies");
    let chart = w.chart(
        "policies",
        &[
            (
                "ok.yaml",
                [
                    job(
                        "gone-on-success",
                        "post-install",
                        0,
                        Some("hook-succeeded"),
                        "true",
                    ),
                    job(
                        "kept-on-success",
                        "post-install",
                        1,
                        Some("hook-failed"),
                        "true",
                    ),
                ]
                .join("---\n"),
            ),
            (
                "upgrade.yaml",
                [
                    job(
                        "earlier-succeeded",
                        "pre-upgrade",
                        0,
                        Some("hook-succeeded"),
                        "true",
                    ),
                    job(
                        "fails-and-goes",
                        "pre-upgrade",
                        1,
                        Some("hook-failed"),
                        "exit 1",
                    ),
                ]
                .join("---\n"),
            ),
        ],
    );
    w.run(&["install", "policies", &chart]).ok();
    assert_eq!(
        names(cluster, &w.namespace, JOBS.0, JOBS.1),
        ["kept-on-success"]
    );
    let run = w.run(&["upgrade", "policies", &chart]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    // The failed hook goes (hook-failed); the one that succeeded before it goes too
    // (hook-succeeded, applied to this event's earlier hooks on failure).
    assert_eq!(
        names(cluster, &w.namespace, JOBS.0, JOBS.1),
        ["kept-on-success"]
    );
    assert_eq!(
        release_secrets(cluster, &w.namespace, "policies"),
        [(1, "deployed".to_string()), (2, "failed".to_string())]
    );
}

#[test]
fn crd_hooks_are_never_deleted() {
    let Some(cluster) = cluster("crd_hooks_are_never_deleted") else {
        return;
    };
    let w = Windlass::new(cluster, "crd");
    let suffix = w.namespace.replace('-', "");
    let crd = crate::support::crd_hook(&suffix, "hook-succeeded,before-hook-creation");
    let chart = w.chart("crd", &[("crd.yaml", crd)]);
    w.run(&["install", "crd", &chart]).ok();
    let name = format!("widgets{suffix}.example.com");
    assert!(
        crate::support::crd_names(cluster).contains(&name),
        "the CRD hook stays"
    );
}

#[test]
fn keep_survives_uninstall_and_upgrade_pruning() {
    let Some(cluster) = cluster("keep_survives_uninstall_and_upgrade_pruning") else {
        return;
    };
    let w = Windlass::new(cluster, "keep");
    let keep = [("helm.sh/resource-policy", "keep")];
    let v1 = w.chart(
        "keep-v1",
        &[
            ("a.yaml", config_map("stays", &[])),
            ("b.yaml", config_map("dropped", &[])),
            ("c.yaml", config_map("dropped-but-kept", &keep)),
            ("d.yaml", config_map("kept-on-uninstall", &keep)),
        ],
    );
    let v2 = w.chart(
        "keep-v2",
        &[
            ("a.yaml", config_map("stays", &[])),
            ("d.yaml", config_map("kept-on-uninstall", &keep)),
        ],
    );
    w.run(&["install", "keep", &v1]).ok();
    w.run(&["upgrade", "keep", &v2]).ok();
    let live = names(cluster, &w.namespace, "v1", "ConfigMap");
    assert!(live.contains(&"stays".to_string()));
    assert!(live.contains(&"dropped-but-kept".to_string()));
    assert!(!live.contains(&"dropped".to_string()));
    let run = w.run(&["uninstall", "keep"]);
    run.ok();
    let live = names(cluster, &w.namespace, "v1", "ConfigMap");
    assert!(!live.contains(&"stays".to_string()));
    assert!(live.contains(&"kept-on-uninstall".to_string()));
}

#[test]
fn the_restricted_identity_gets_a_clear_rbac_error() {
    let Some(cluster) = cluster("the_restricted_identity_gets_a_clear_rbac_error") else {
        return;
    };
    let mut w = Windlass::new(cluster, "rbac");
    w.kubeconfig = cluster.restricted_kubeconfig().display().to_string();
    let chart = w.chart("rbac", &[("a.yaml", config_map("a", &[]))]);
    let run = w.run(&["install", "rbac", &chart]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("forbidden"), "{}", run.stderr);
    assert!(
        run.stderr.contains("restricted"),
        "names the identity:\n{}",
        run.stderr
    );
    assert!(release_secrets(cluster, &w.namespace, "rbac").is_empty());
}

#[test]
fn another_releases_object_is_not_taken_over() {
    let Some(cluster) = cluster("another_releases_object_is_not_taken_over") else {
        return;
    };
    let w = Windlass::new(cluster, "owner");
    let chart = w.chart("owner", &[("a.yaml", config_map("shared", &[]))]);
    w.run(&["install", "first", &chart]).ok();
    let run = w.run(&["install", "second", &chart]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "ConfigMap \"shared\" in namespace"
        ) && run.stderr.contains("key \"meta.helm.sh/release-name\" must equal \"second\": current value is \"first\""),
        "{}",
        run.stderr
    );
}
