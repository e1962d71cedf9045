//! A release's whole life on the local target, revision by revision, checked
//! against Helm's statuses, descriptions and record shape.

use crate::support::{Sandbox, demo_chart};

fn strs(v: &[(u64, String, String)]) -> Vec<(u64, &str, &str)> {
    v.iter()
        .map(|(r, s, d)| (*r, s.as_str(), d.as_str()))
        .collect()
}

#[test]
fn full_lifecycle_on_the_local_target() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    let values = sb.write(
        "my-values.yaml",
        "replicaCount: 3\nimage:\n  tag: \"1.27.1\"\n",
    );
    let values = values.display().to_string();

    // install: revision 1, deployed, with Helm's description and status block.
    let run = sb.run(&["install", "demo", &chart, "-f", &values]);
    let out = run.ok();
    assert!(out.starts_with("NAME: demo\nLAST DEPLOYED: "), "{out}");
    assert!(
        out.contains(
            "\nNAMESPACE: default\nSTATUS: deployed\nREVISION: 1\nDESCRIPTION: Install complete\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("NOTES:\ndemo is installed. Its install hooks run"),
        "{out}"
    );
    // Kubernetes hooks and resources are reported as not applied, in hook order.
    let err = &run.stderr;
    assert!(err.contains("pre-install: 2 hooks"), "{err}");
    let sa = err
        .find("not applied: ServiceAccount/demo-hooks")
        .expect("sa reported");
    let job = err
        .find("not applied: Job/demo-migrate")
        .expect("job reported");
    assert!(sa < job, "weight -10 runs before weight 0:\n{err}");
    assert!(
        err.contains("resources: 4 not applied, no cluster (local target)"),
        "{err}"
    );

    // The record has Helm's JSON shape; hooks that did not run have no last run.
    let record = sb.record("demo", 1);
    assert_eq!(record["name"], "demo");
    assert_eq!(record["version"], 1);
    assert_eq!(record["namespace"], "default");
    assert_eq!(record["info"]["status"], "deployed");
    assert_eq!(record["info"]["description"], "Install complete");
    assert!(record["info"]["first_deployed"].is_string());
    assert_eq!(
        record["config"],
        serde_json::json!({"replicaCount": 3, "image": {"tag": "1.27.1"}})
    );
    assert_eq!(record["chart"]["metadata"]["name"], "demo");
    assert!(
        record["manifest"]
            .as_str()
            .unwrap()
            .starts_with("---\n# Source: demo/templates/configmap.yaml\n")
    );
    let hooks = record["hooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 6);
    let migrate = hooks.iter().find(|h| h["name"] == "demo-migrate").unwrap();
    assert_eq!(
        migrate["events"],
        serde_json::json!(["pre-install", "pre-upgrade"])
    );
    assert_eq!(
        migrate["delete_policies"],
        serde_json::json!(["before-hook-creation", "hook-succeeded"])
    );
    assert_eq!(migrate["last_run"], serde_json::json!({"phase": ""}));
    assert_eq!(migrate["path"], "demo/templates/hooks/migrate-job.yaml");

    // Two upgrades; values given again replace, none given reuse the previous ones.
    sb.run(&["upgrade", "demo", &chart, "--set", "replicaCount=4"])
        .ok();
    assert_eq!(
        sb.record("demo", 2)["config"],
        serde_json::json!({"replicaCount": 4})
    );
    let run = sb.run(&["upgrade", "demo", &chart, "--description", "quiet upgrade"]);
    assert!(
        run.ok()
            .starts_with("Release \"demo\" has been upgraded. Happy Helming!\nNAME: demo\n")
    );
    assert_eq!(
        sb.record("demo", 3)["config"],
        serde_json::json!({"replicaCount": 4})
    );
    assert_eq!(
        strs(&sb.history("demo")),
        [
            (1, "superseded", "Install complete"),
            (2, "superseded", "Upgrade complete"),
            (3, "deployed", "quiet upgrade"),
        ]
    );
    // first_deployed is carried over from revision 1.
    assert_eq!(
        sb.record("demo", 3)["info"]["first_deployed"],
        sb.record("demo", 1)["info"]["first_deployed"]
    );

    // Rollback to the previous revision creates revision 4 from revision 2.
    assert_eq!(
        sb.run(&["rollback", "demo"]).ok(),
        "Rollback was a success! Happy Helming!\n"
    );
    let rolled = sb.record("demo", 4);
    assert_eq!(rolled["config"], serde_json::json!({"replicaCount": 4}));
    assert_eq!(rolled["info"]["description"], "Rollback to 2");
    // And to an explicit revision.
    sb.run(&["rollback", "demo", "1"]).ok();
    assert_eq!(sb.record("demo", 5)["config"]["replicaCount"], 3);
    assert_eq!(
        strs(&sb.history("demo")),
        [
            (1, "superseded", "Install complete"),
            (2, "superseded", "Upgrade complete"),
            (3, "superseded", "quiet upgrade"),
            (4, "superseded", "Rollback to 2"),
            (5, "deployed", "Rollback to 1"),
        ]
    );

    // test runs on the latest revision and writes back to it, no new revision.
    let run = sb.run(&["test", "demo"]);
    run.ok();
    assert!(
        run.stderr.contains("not applied: Pod/demo-test-connection"),
        "{}",
        run.stderr
    );
    assert_eq!(sb.history("demo").len(), 5);

    // status and list.
    let status = sb.run(&["status", "demo", "-o", "json"]).json();
    assert_eq!(status["version"], 5);
    assert!(
        status.get("chart").is_none(),
        "status data leaves the chart out"
    );
    let list = sb.run(&["list", "-o", "json"]).json();
    assert_eq!(list[0]["name"], "demo");
    assert_eq!(list[0]["revision"], "5");
    assert_eq!(list[0]["status"], "deployed");
    assert_eq!(list[0]["chart"], "demo-0.1.0");
    assert_eq!(list[0]["app_version"], "1.4.2");

    // uninstall --keep-history: marked uninstalled, kept resources listed.
    let run = sb.run(&["uninstall", "demo", "--keep-history"]);
    assert_eq!(
        run.ok(),
        "These resources were kept due to the resource policy:\n[PersistentVolumeClaim] demo-data\n\nrelease \"demo\" uninstalled\n"
    );
    assert!(run.stderr.contains("pre-delete: 1 hook"), "{}", run.stderr);
    assert!(run.stderr.contains("post-delete: 1 hook"), "{}", run.stderr);
    let history = sb.history("demo");
    assert_eq!(
        strs(&history[4..]),
        [(5, "uninstalled", "Uninstallation complete")]
    );
    assert!(sb.record("demo", 5)["info"]["deleted"].is_string());
    assert_eq!(
        sb.run(&["list", "-o", "json"]).json()[0]["status"],
        "uninstalled"
    );
    // Uninstalling it again with --keep-history is refused; without it, purges.
    let err = sb.run(&["uninstall", "demo", "--keep-history"]);
    assert!(err.error_line().contains("already uninstalled"));
    sb.run(&["uninstall", "demo"]).ok();
    assert!(
        sb.run(&["history", "demo"])
            .error_line()
            .contains("`demo` not found")
    );

    // Install again, then uninstall without history: nothing remains.
    sb.run(&["install", "demo", &chart]).ok();
    assert_eq!(
        strs(&sb.history("demo")),
        [(1, "deployed", "Install complete")]
    );
    sb.run(&["uninstall", "demo"]).ok();
    assert!(
        sb.run(&["status", "demo"])
            .error_line()
            .contains("`demo` not found")
    );
    assert_eq!(
        sb.run(&["list", "-o", "json"]).json(),
        serde_json::json!([])
    );
}

#[test]
fn install_of_a_used_name_is_refused_and_replace_reuses_an_uninstalled_one() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "demo", &chart]).ok();
    let before = sb.state();
    let run = sb.run(&["install", "demo", &chart]);
    assert!(
        run.error_line().contains("cannot reuse the name `demo`"),
        "{}",
        run.stderr
    );
    crate::support::assert_same_state(&before, &sb.state(), &[]);

    sb.run(&["uninstall", "demo", "--keep-history"]).ok();
    sb.run(&["install", "demo", &chart, "--replace"]).ok();
    assert_eq!(
        strs(&sb.history("demo")),
        [
            (1, "superseded", "superseded by new release"),
            (2, "deployed", "Install complete")
        ]
    );
}

#[test]
fn upgrade_install_installs_missing_releases() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    let run = sb.run(&["upgrade", "--install", "demo", &chart]);
    assert!(
        run.ok()
            .starts_with("Release \"demo\" does not exist. Installing it now.\nNAME: demo\n")
    );
    let run = sb.run(&["upgrade", "-i", "demo", &chart]);
    assert!(run.ok().starts_with("Release \"demo\" has been upgraded."));
    assert_eq!(sb.history("demo").len(), 2);
}

#[test]
fn history_max_prunes_the_oldest_revisions() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "demo", &chart]).ok();
    for _ in 0..4 {
        sb.run(&["upgrade", "demo", &chart, "--history-max", "3"])
            .ok();
    }
    let revisions: Vec<u64> = sb.history("demo").iter().map(|h| h.0).collect();
    assert_eq!(revisions, [3, 4, 5]);
}

#[test]
fn dry_run_and_no_hooks_store_nothing_or_run_nothing() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    let run = sb.run(&["install", "demo", &chart, "--dry-run"]);
    let out = run.ok();
    assert!(
        out.contains("STATUS: pending-install\nREVISION: 1\nDESCRIPTION: Dry run complete\n"),
        "{out}"
    );
    assert!(
        out.contains("HOOKS:\n---\n# Source: demo/templates/hooks/serviceaccount.yaml\n"),
        "{out}"
    );
    assert!(
        out.contains("MANIFEST:\n---\n# Source: demo/templates/configmap.yaml\n"),
        "{out}"
    );
    assert!(sb.state().is_empty(), "dry run stores nothing");

    let run = sb.run(&["install", "demo", &chart, "--no-hooks"]);
    run.ok();
    assert!(!run.stderr.contains("hook"), "{}", run.stderr);
}

#[test]
fn template_prints_resources_then_hooks_like_helm() {
    let sb = Sandbox::new();
    let out = sb.run(&["template", &demo_chart()]).ok().to_string();
    // Resources in install order, then hooks in kind order; no NOTES.
    let sources: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("# Source: "))
        .collect();
    assert_eq!(
        sources,
        [
            "# Source: demo/templates/configmap.yaml",
            "# Source: demo/templates/pvc.yaml",
            "# Source: demo/templates/service.yaml",
            "# Source: demo/templates/deployment.yaml",
            "# Source: demo/templates/hooks/serviceaccount.yaml",
            "# Source: demo/templates/tests/test-connection.yaml",
            "# Source: demo/templates/hooks/backup-job.yaml",
            "# Source: demo/templates/hooks/cleanup-job.yaml",
            "# Source: demo/templates/hooks/migrate-job.yaml",
            "# Source: demo/templates/hooks/seed-job.yaml",
        ]
    );
    assert!(out.starts_with("---\n# Source: demo/templates/configmap.yaml\napiVersion: v1\n"));
    assert!(!out.contains("demo is installed"));
    let no_hooks = sb
        .run(&["template", "demo", &demo_chart(), "--no-hooks"])
        .ok()
        .to_string();
    assert!(!no_hooks.contains("kind: Job"));
    assert!(sb.state().is_empty(), "template stores nothing");
}

#[test]
fn a_packaged_chart_installs_like_its_directory() {
    let sb = Sandbox::new();
    let examples = crate::support::repo_root().join("examples/charts");
    let status = std::process::Command::new("tar")
        .arg("czf")
        .arg(sb.path().join("demo-0.1.0.tgz"))
        .arg("-C")
        .arg(&examples)
        .arg("demo")
        .status()
        .expect("run tar");
    assert!(status.success());
    sb.run(&["install", "demo", "demo-0.1.0.tgz"]).ok();
    let from_tgz = sb.record("demo", 1);
    let dir = demo_chart();
    let from_dir = sb.run(&["template", "demo", &dir]).ok().to_string();
    let packaged = sb
        .run(&["template", "demo", "demo-0.1.0.tgz"])
        .ok()
        .to_string();
    assert_eq!(from_dir, packaged);
    assert_eq!(from_tgz["chart"]["metadata"]["name"], "demo");
    assert_eq!(from_tgz["hooks"].as_array().unwrap().len(), 6);
}
