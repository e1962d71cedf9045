//! Crash safety on the cluster target: windlass SIGKILLed right after each of
//! an upgrade's release writes (revision stored pending, hooks' `last_run`,
//! old revision superseded) loses no revision, never leaves two `deployed`,
//! `windlass status` reports an interrupted upgrade once the dead process's
//! Lease has expired, and `windlass rollback` (the documented way out) recovers.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use windlass_testcluster::TestCluster;

use crate::support::{Windlass, cluster, config_map, job, release_secrets};

/// A chart with a resource and a Job hook on each side of the upgrade.
fn chart(w: &Windlass) -> String {
    w.chart(
        "crash",
        &[
            ("app.yaml", config_map("app", &[])),
            (
                "hooks.yaml",
                [
                    job("before", "pre-upgrade", 0, None, "sleep 0.5"),
                    job("after", "post-upgrade", 0, None, "sleep 0.5"),
                ]
                .join("---\n"),
            ),
        ],
    )
}

/// The `recorded` events of a JSON progress stream: (revision, status).
fn recorded(line: &str) -> Option<(u64, String)> {
    let event: Value = serde_json::from_str(line).ok()?;
    (event["event"] == "recorded").then(|| {
        (
            event["revision"].as_u64().unwrap_or_default(),
            event["status"].as_str().unwrap_or_default().to_string(),
        )
    })
}

#[test]
fn an_upgrade_killed_after_any_write_loses_nothing_and_rollback_recovers() {
    let Some(cluster) =
        cluster("an_upgrade_killed_after_any_write_loses_nothing_and_rollback_recovers")
    else {
        return;
    };
    // An upgrade run to the end tells how many writes it makes.
    let w = Windlass::new(cluster, "crash-count");
    let chart = chart(&w);
    w.run(&["install", "crash", &chart]).ok();
    let upgrade = w.run(&["upgrade", "crash", &chart, "-o", "json"]);
    upgrade.ok();
    let writes: Vec<(u64, String)> = upgrade.stderr.lines().filter_map(recorded).collect();
    assert_eq!(writes.first(), Some(&(2, "pending-upgrade".to_string())));
    assert_eq!(writes.last(), Some(&(2, "deployed".to_string())));

    // Kill after each write but the last (after which there is nothing left to do).
    let results: Vec<Result<Recovered, String>> = std::thread::scope(|scope| {
        let cases: Vec<_> = (1..writes.len())
            .map(|after| scope.spawn(move || killed_after(cluster, after)))
            .collect();
        cases
            .into_iter()
            .map(|case| {
                case.join().map_err(|panic| {
                    panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default()
                })
            })
            .collect()
    });
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "writes {writes:?}:\n{}",
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    // Only a kill after the write before the last can come too late (the
    // process finishes first); every other kill left the upgrade pending.
    let pending = results
        .iter()
        .filter(|r| matches!(r, Ok(Recovered::FromPending)))
        .count();
    assert!(
        pending + 1 >= writes.len() - 1,
        "only {pending} of {} kills left the upgrade pending: {results:?}",
        writes.len() - 1
    );
}

/// How a killed upgrade ended.
#[derive(Debug)]
enum Recovered {
    /// It was left pending; rollback recovered it.
    FromPending,
    /// The process had made its last write before the kill landed.
    Finished,
}

/// One release upgraded and killed after its `after`-th write, then recovered.
fn killed_after(cluster: &TestCluster, after: usize) -> Recovered {
    let w = Windlass::new(cluster, &format!("crash-{after}"));
    let chart = chart(&w);
    w.run(&["install", "crash", &chart]).ok();

    let mut child = w
        .command(&["upgrade", "crash", &chart, "-o", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start windlass");
    let stderr = child.stderr.take().expect("stderr");
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("read stderr");
        if let Some(write) = recorded(&line) {
            seen.push(write);
            if seen.len() == after {
                child.kill().expect("SIGKILL windlass");
                break;
            }
        }
    }
    child.wait().expect("reap windlass");
    let ns = &w.namespace;
    assert_eq!(
        seen.len(),
        after,
        "[{ns}] windlass ended before write {after}: {seen:?}"
    );

    // Nothing lost: both revisions are there, and at most one is deployed.
    let stored = release_secrets(cluster, ns, "crash");
    let revisions: Vec<u32> = stored.iter().map(|(r, _)| *r).collect();
    assert_eq!(
        revisions,
        [1, 2],
        "[{ns}] killed after {seen:?}: {stored:?}"
    );
    let deployed = stored.iter().filter(|(_, s)| s == "deployed").count();
    assert!(deployed <= 1, "[{ns}] {stored:?}");
    if stored[1].1 == "deployed" {
        // The kill came after the process had finished its last write, maybe
        // before it gave up its Lease: the next upgrade is refused, naming the
        // holder, until the Lease expires.
        until_the_lease_expires(ns, || {
            let upgrade = w.run(&["upgrade", "crash", &chart]);
            if upgrade.code == 0 {
                return Some(());
            }
            assert!(
                upgrade
                    .error_line()
                    .contains("locked by another windlass process"),
                "[{ns}] {}",
                upgrade.stderr
            );
            None
        });
        return Recovered::Finished;
    }
    assert_eq!(stored[1].1, "pending-upgrade", "[{ns}] {stored:?}");

    // status reports the pending revision; once the dead process's Lease has
    // expired (15 s), it says the upgrade was interrupted and names the way out.
    let status = until_the_lease_expires(ns, || {
        let status = w.run(&["status", "crash"]);
        assert!(
            status.ok().contains("STATUS: pending-upgrade\n"),
            "[{ns}] {}",
            status.stdout
        );
        status.stderr.contains("interrupted").then_some(status)
    });
    assert!(
        status.stderr.contains("windlass rollback crash"),
        "[{ns}] {}",
        status.stderr
    );
    // An upgrade refuses, pointing at the same way out.
    let refused = w.run(&["upgrade", "crash", &chart]);
    assert!(
        refused
            .error_line()
            .contains("another operation (install/upgrade/rollback) is in progress"),
        "[{ns}] {}",
        refused.stderr
    );

    w.run(&["rollback", "crash"]).ok();
    assert_eq!(
        release_secrets(cluster, ns, "crash"),
        [
            (1, "superseded".to_string()),
            (2, "failed".to_string()),
            (3, "deployed".to_string())
        ],
        "[{ns}]"
    );
    let history = w.run(&["history", "crash", "-o", "json"]);
    let history: Value = serde_json::from_str(history.ok()).expect("history JSON");
    assert_eq!(
        history[1]["description"], "Interrupted while pending-upgrade; marked failed by rollback",
        "[{ns}]"
    );
    assert_eq!(history[2]["description"], "Rollback to 1", "[{ns}]");
    // And the release is usable again.
    w.run(&["upgrade", "crash", &chart]).ok();
    Recovered::FromPending
}

/// Calls `check` once a second until it answers, as often as the dead
/// process's Lease (15 s) can take on a slow machine; the bound only stops a
/// hung test.
fn until_the_lease_expires<T>(ns: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..60 {
        if let Some(answer) = check() {
            return answer;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    panic!("[{ns}] the Lease was still held after 60 checks a second apart")
}
