//! The flags around the lifecycle: values modes, list filters, output formats.

use serde_json::json;

use crate::support::{Sandbox, demo_chart};

#[test]
fn upgrade_values_modes_follow_helm() {
    // Rule (upgrade.go reuseValues): no values given reuses the previous ones;
    // --reset-values uses only those given; --reuse-values and
    // --reset-then-reuse-values put the given values over the previous ones.
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "demo", &chart, "--set", "a=1,replicaCount=3"])
        .ok();
    let config = |revision| sb.record("demo", revision)["config"].clone();

    sb.run(&["upgrade", "demo", &chart]).ok();
    assert_eq!(config(2), json!({"a": 1, "replicaCount": 3}));
    sb.run(&["upgrade", "demo", &chart, "--reuse-values", "--set", "b=2"])
        .ok();
    assert_eq!(config(3), json!({"a": 1, "b": 2, "replicaCount": 3}));
    sb.run(&[
        "upgrade",
        "demo",
        &chart,
        "--reset-then-reuse-values",
        "--set",
        "c=3",
    ])
    .ok();
    assert_eq!(
        config(4),
        json!({"a": 1, "b": 2, "c": 3, "replicaCount": 3})
    );
    sb.run(&["upgrade", "demo", &chart, "--reset-values", "--set", "d=4"])
        .ok();
    assert_eq!(config(5), json!({"d": 4}));
    // Values given without a mode replace the previous ones.
    sb.run(&["upgrade", "demo", &chart, "--set", "e=5"]).ok();
    assert_eq!(config(6), json!({"e": 5}));
}

#[test]
fn list_shows_the_latest_revision_of_every_release_and_filters() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "zeta", &chart]).ok();
    sb.run(&["install", "alpha", &chart]).ok();
    sb.run(&["upgrade", "alpha", &chart]).ok();
    sb.run(&["install", "other", &chart, "-n", "team-b"]).ok();
    sb.run(&["uninstall", "zeta", "--keep-history"]).ok();

    let list = sb.run(&["list", "-o", "json"]).json();
    let rows: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["revision"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("alpha".to_string(), "2".to_string(), "deployed".to_string()),
            (
                "zeta".to_string(),
                "1".to_string(),
                "uninstalled".to_string()
            ),
        ]
    );
    assert_eq!(sb.run(&["list", "--deployed", "-q"]).ok(), "alpha\n");
    assert_eq!(sb.run(&["list", "--uninstalled", "-q"]).ok(), "zeta\n");
    assert_eq!(sb.run(&["list", "-q", "-r"]).ok(), "zeta\nalpha\n");
    assert_eq!(sb.run(&["list", "-q", "--filter", "^a"]).ok(), "alpha\n");
    assert_eq!(sb.run(&["list", "-q", "-A"]).ok(), "alpha\nother\nzeta\n");
    let table = sb.run(&["list"]).ok().to_string();
    assert!(
        table.starts_with("NAME \tNAMESPACE\tREVISION\tUPDATED"),
        "{table}"
    );
    assert!(!sb.run(&["list", "--no-headers"]).ok().contains("NAMESPACE"));
}

#[test]
fn status_history_and_output_formats() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "demo", &chart]).ok();
    sb.run(&["upgrade", "demo", &chart, "--description", "second"])
        .ok();

    let old = sb
        .run(&["status", "demo", "--revision", "1"])
        .ok()
        .to_string();
    assert!(
        old.contains("STATUS: superseded\nREVISION: 1\nDESCRIPTION: Install complete\n"),
        "{old}"
    );
    let yaml = sb.run(&["status", "demo", "-o", "yaml"]).ok().to_string();
    assert!(
        yaml.contains("version: 2\n") && yaml.contains("description: second\n"),
        "{yaml}"
    );

    let history = sb
        .run(&["history", "demo", "--max", "1", "-o", "json"])
        .json();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["revision"], 2);
    assert_eq!(history[0]["chart"], "demo-0.1.0");
    let table = sb.run(&["history", "demo"]).ok().to_string();
    assert!(table.starts_with("REVISION\tUPDATED"), "{table}");

    // With -o json, data is one JSON document on stdout and progress is JSON lines on stderr.
    let run = sb.run(&["upgrade", "demo", &chart, "-o", "json"]);
    assert_eq!(run.json()["version"], 3);
    assert_eq!(run.json()["chart"]["metadata"]["name"], "demo");
    let events: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "hook-not-applied" && e["hook"]["name"] == "demo-migrate")
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "recorded" && e["status"] == "deployed")
    );
}

#[test]
fn uninstall_dry_run_and_ignore_not_found() {
    let sb = Sandbox::new();
    sb.run(&["install", "demo", &demo_chart()]).ok();
    let before = sb.state();
    assert_eq!(
        sb.run(&["uninstall", "demo", "--dry-run"]).ok(),
        "release \"demo\" uninstalled\n"
    );
    crate::support::assert_same_state(&before, &sb.state(), &["uninstall", "--dry-run"]);
    sb.run(&["uninstall", "ghost", "--ignore-not-found"]).ok();
}

#[test]
fn template_skip_tests_and_plan_rollback_to_a_revision() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    let out = sb
        .run(&["template", &chart, "--skip-tests"])
        .ok()
        .to_string();
    assert!(!out.contains("demo-test-connection"));
    assert!(out.contains("demo-migrate"));

    sb.run(&["install", "demo", &chart]).ok();
    sb.run(&["upgrade", "demo", &chart]).ok();
    sb.run(&["upgrade", "demo", &chart]).ok();
    let plan = sb
        .run(&[
            "plan",
            "demo",
            "--action",
            "rollback",
            "--revision",
            "1",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(plan["hooks"]["pre-rollback"][0]["name"], "demo-backup");
    let err = sb.run(&["plan", "demo", "--action", "rollback", "--revision", "9"]);
    assert!(err.error_line().contains("no revision 9"));
}
