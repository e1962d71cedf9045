//! Two writers on one release, and releases left pending by a crash.

use std::fmt::Write as _;
use std::process::Stdio;

use windlass_release::{Driver, LocalDriver, Status};

use crate::support::{Sandbox, demo_chart, into_run, write_chart};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn an_upgrade_fails_fast_while_another_process_holds_the_release() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "demo", &chart]).ok();
    let rt = runtime();
    let driver = LocalDriver::new(sb.state_dir());
    let guard = rt
        .block_on(driver.lock("default", "demo"))
        .expect("take the lock");

    let before = sb.state();
    let run = sb.run(&["upgrade", "demo", &chart]);
    let line = run.error_line();
    assert!(
        line.contains("locked by another windlass process"),
        "{line}"
    );
    assert!(
        line.contains(&format!("pid {}", std::process::id())),
        "names the holder: {line}"
    );
    crate::support::assert_same_state(&before, &sb.state(), &[]);

    drop(guard);
    sb.run(&["upgrade", "demo", &chart]).ok();
}

/// A chart big enough that an upgrade holds the lock for a while.
fn big_chart(sb: &Sandbox) -> String {
    let mut doc = String::new();
    for i in 0..3000 {
        let _ = write!(
            doc,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  key: \"{}\"\n",
            "x".repeat(64)
        );
    }
    write_chart(
        sb,
        "big",
        "apiVersion: v2\nname: big\nversion: 0.1.0\n",
        &[("cms.yaml", &doc)],
    )
}

/// Revisions 1..=n, the last deployed and every other superseded.
#[track_caller]
fn assert_consistent(sb: &Sandbox) -> usize {
    let history = sb.history("big");
    for (i, (revision, status, _)) in history.iter().enumerate() {
        assert_eq!(
            *revision,
            i as u64 + 1,
            "revisions are contiguous: {history:?}"
        );
        let want = if i + 1 == history.len() {
            "deployed"
        } else {
            "superseded"
        };
        assert_eq!(status, want, "{history:?}");
    }
    history.len()
}

#[test]
fn two_upgrades_at_once_one_proceeds_the_other_fails_fast() {
    let sb = Sandbox::new();
    let chart = big_chart(&sb);
    sb.run(&["install", "big", &chart]).ok();

    let mut overlapped = false;
    let mut expected = 1;
    for _ in 0..20 {
        let spawn = || {
            sb.command(&["upgrade", "big", &chart])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn windlass")
        };
        let (a, b) = (spawn(), spawn());
        let runs = [
            into_run(a.wait_with_output().expect("wait")),
            into_run(b.wait_with_output().expect("wait")),
        ];
        let succeeded = runs.iter().filter(|r| r.code == 0).count();
        for run in runs.iter().filter(|r| r.code != 0) {
            let line = run.error_line();
            assert!(
                line.contains("locked by another windlass process"),
                "{line}"
            );
        }
        assert!(succeeded >= 1, "one of them always proceeds: {runs:?}");
        expected += succeeded;
        assert_eq!(assert_consistent(&sb), expected);
        if succeeded == 1 {
            overlapped = true;
            break;
        }
    }
    assert!(overlapped, "20 concurrent pairs never overlapped");
}

#[test]
fn an_interrupted_upgrade_is_reported_and_rollback_is_the_way_out() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "demo", &chart]).ok();
    sb.run(&["upgrade", "demo", &chart]).ok();

    // A process died after storing revision 3 as pending-upgrade.
    let rt = runtime();
    let driver = LocalDriver::new(sb.state_dir());
    let mut stuck = rt
        .block_on(driver.get("default", "demo", 2))
        .expect("revision 2");
    stuck.version = 3;
    stuck.set_status(Status::PendingUpgrade, "Preparing upgrade");
    rt.block_on(driver.create(&stuck))
        .expect("store revision 3");

    let before = sb.state();
    let run = sb.run(&["upgrade", "demo", &chart]);
    let line = run.error_line();
    assert!(
        line.contains("another operation (install/upgrade/rollback) is in progress"),
        "{line}"
    );
    assert!(line.contains("revision 3 is pending-upgrade"), "{line}");
    assert!(
        run.stderr.contains("hint: ") && run.stderr.contains("`windlass rollback demo`"),
        "{}",
        run.stderr
    );
    crate::support::assert_same_state(&before, &sb.state(), &[]);

    // While a live process holds the release, a dry run says to wait instead.
    let guard = rt
        .block_on(driver.lock("default", "demo"))
        .expect("take the lock");
    let run = sb.run(&["upgrade", "demo", &chart, "--dry-run"]);
    assert!(run.error_line().contains("revision 3 is pending-upgrade"));
    assert!(
        run.stderr
            .contains("hint: another windlass process is working on it"),
        "{}",
        run.stderr
    );
    drop(guard);

    let status = sb.run(&["status", "demo"]);
    assert!(status.ok().contains("STATUS: pending-upgrade\n"));
    assert!(status.stderr.contains("interrupted"), "{}", status.stderr);

    sb.run(&["rollback", "demo"]).ok();
    let history = sb.history("demo");
    assert_eq!(history[2].1, "failed");
    assert_eq!(
        history[2].2,
        "Interrupted while pending-upgrade; marked failed by rollback"
    );
    assert_eq!(
        (history[3].0, history[3].1.as_str(), history[3].2.as_str()),
        (4, "deployed", "Rollback to 2")
    );
    sb.run(&["upgrade", "demo", &chart]).ok();
}

#[test]
fn an_interrupted_first_install_is_reported_and_uninstall_is_the_way_out() {
    let sb = Sandbox::new();
    let chart = demo_chart();
    sb.run(&["install", "demo", &chart]).ok();
    let rt = runtime();
    let driver = LocalDriver::new(sb.state_dir());
    let mut first = rt
        .block_on(driver.get("default", "demo", 1))
        .expect("revision 1");
    first.set_status(Status::PendingInstall, "Initial install underway");
    rt.block_on(driver.update(&first))
        .expect("rewrite revision 1");

    let run = sb.run(&["install", "demo", &chart]);
    assert!(run.error_line().contains("cannot reuse the name `demo`"));
    assert!(
        run.stderr.contains("`windlass uninstall demo`"),
        "{}",
        run.stderr
    );
    sb.run(&["uninstall", "demo"]).ok();
    sb.run(&["install", "demo", &chart]).ok();
}
