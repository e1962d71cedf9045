//! Helm's failure and recovery rules, through the real engine and hook loop.
//!
//! Hooks here are `WasmHook`s run by a scripted [`HookRunner`] that succeeds or
//! fails per hook name and logs every call: until the Wasm runtime and the
//! cluster target exist, no real runner can fail on demand. The engine cannot
//! tell the difference, which is the point of the runner contract.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use windlass_chart::{Chart, File, Hook, HookPhase, Values};
use windlass_engine::{
    Engine, Error, HookContext, HookOutcome, HookRunner, InstallOptions, LocalTarget,
    RollbackOptions, TestOptions, UninstallOptions, UpgradeOptions,
};
use windlass_release::{MemoryDriver, Release, Status, Storage};

/// Fails the hooks named in `failing`, sleeps for those in `slow`, logs calls.
#[derive(Default)]
struct Script {
    failing: BTreeSet<String>,
    slow: BTreeSet<String>,
    log: Mutex<Vec<String>>,
    /// The stored status and hook phase seen while each hook ran.
    seen: Mutex<Vec<(String, Status, HookPhase)>>,
    storage: Mutex<Option<Storage>>,
}

impl Script {
    fn failing(names: &[&str]) -> Arc<Self> {
        Arc::new(Script {
            failing: names.iter().map(ToString::to_string).collect(),
            ..Script::default()
        })
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

#[async_trait]
impl HookRunner for Script {
    async fn run(&self, hook: &Hook, ctx: &HookContext<'_>) -> HookOutcome {
        self.log.lock().unwrap().push(format!("run {}", hook.name));
        let storage = self.storage.lock().unwrap().clone();
        if let Some(storage) = storage {
            let stored = storage
                .get(
                    &ctx.release.namespace,
                    &ctx.release.name,
                    ctx.release.version,
                )
                .await
                .expect("the revision is stored before its hooks run");
            let phase = stored
                .hooks
                .iter()
                .find(|h| h.name == hook.name)
                .map(|h| h.last_run.phase)
                .unwrap_or_default();
            self.seen
                .lock()
                .unwrap()
                .push((hook.name.clone(), stored.info.status, phase));
        }
        if self.slow.contains(&hook.name) {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        if self.failing.contains(&hook.name) {
            HookOutcome {
                started: true,
                result: Err(format!("{} said no", hook.name)),
                output: vec![format!("{}: checking", hook.name), "denied".into()],
                create: Vec::new(),
            }
        } else {
            HookOutcome {
                started: true,
                result: Ok(()),
                output: vec![format!("{} ok", hook.name)],
                create: Vec::new(),
            }
        }
    }

    async fn delete(&self, hook: &Hook, _ctx: &HookContext<'_>) -> Result<(), String> {
        self.log
            .lock()
            .unwrap()
            .push(format!("delete {}", hook.name));
        Ok(())
    }
}

/// `(name, events, weight, delete policy)` → a WasmHook document.
fn wasm_hook(name: &str, events: &str, weight: i64, policy: Option<&str>) -> String {
    let mut doc = format!(
        "apiVersion: windlass.dev/v1alpha1\nkind: WasmHook\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"\n"
    );
    if let Some(policy) = policy {
        doc.push_str(&format!("    helm.sh/hook-delete-policy: {policy}\n"));
    }
    doc
}

fn chart(hooks: &[String]) -> Chart {
    let mut chart = Chart::default();
    chart.metadata.name = "app".into();
    chart.metadata.api_version = "v2".into();
    chart.metadata.version = "1.0.0".into();
    chart.templates.push(File::new(
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
    ));
    for (i, hook) in hooks.iter().enumerate() {
        chart
            .templates
            .push(File::new(format!("templates/hook{i}.yaml"), hook.clone()));
    }
    chart
}

fn engine(script: &Arc<Script>) -> (Engine, Storage) {
    let storage = Storage::new(Arc::new(MemoryDriver::new()));
    *script.storage.lock().unwrap() = Some(storage.clone());
    let engine = Engine::new(storage.clone(), Arc::new(LocalTarget::default()))
        .with_wasm_runner(script.clone());
    (engine, storage)
}

async fn history(storage: &Storage) -> Vec<(u32, Status, String)> {
    storage
        .history("default", "app")
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.version, r.info.status, r.info.description))
        .collect()
}

fn hook<'a>(release: &'a Release, name: &str) -> &'a Hook {
    release.hooks.iter().find(|h| h.name == name).expect("hook")
}

fn install() -> InstallOptions {
    InstallOptions::new("app", "default")
}

#[tokio::test]
async fn hooks_run_by_weight_with_running_recorded_first_and_deletions_reversed() {
    // Rules (hooks.go): (weight, name) order; last_run=Running persisted before the
    // hook runs; before-hook-creation deletion before each run when it applies;
    // hook-succeeded deletions after the whole event, in reverse order.
    let script = Script::failing(&[]);
    let (engine, storage) = engine(&script);
    let hooks = [
        wasm_hook("b", "pre-install", 0, Some("hook-succeeded")),
        wasm_hook(
            "a",
            "pre-install",
            0,
            Some("hook-succeeded,before-hook-creation"),
        ),
        wasm_hook("first", "pre-install", -5, None),
        wasm_hook("after", "post-install", 0, None),
    ];
    let release = engine
        .install(chart(&hooks), Values::new(), &install())
        .await
        .unwrap();
    assert_eq!(
        script.log(),
        [
            "delete first",
            "run first",
            "delete a",
            "run a",
            "run b",
            "delete b",
            "delete a",
            "delete after",
            "run after",
        ]
    );
    for (name, status, phase) in script.seen.lock().unwrap().iter() {
        assert_eq!(*status, Status::PendingInstall, "{name}");
        assert_eq!(*phase, HookPhase::Running, "{name}");
    }
    assert_eq!(release.info.status, Status::Deployed);
    let first = hook(&release, "first");
    assert_eq!(first.last_run.phase, HookPhase::Succeeded);
    assert!(first.last_run.started_at.is_some() && first.last_run.completed_at.is_some());
    // The default policy is written into the record, as Helm's hookSetDeletePolicy does.
    assert_eq!(first.delete_policies[0].as_str(), "before-hook-creation");
    assert_eq!(
        history(&storage).await,
        [(1, Status::Deployed, "Install complete".into())]
    );
}

#[tokio::test]
async fn a_failing_pre_install_hook_fails_the_release_and_stops_the_event() {
    // Rules (install.go failRelease; hooks.go delayed shutdown): the release is
    // `failed` with Helm's description; the failing hook is deleted by hook-failed;
    // hooks of the event that succeeded are deleted if hook-succeeded; later hooks
    // and post-install never run.
    let script = Script::failing(&["check"]);
    let (engine, storage) = engine(&script);
    let hooks = [
        wasm_hook("prepare", "pre-install", -1, Some("hook-succeeded")),
        wasm_hook("keep", "pre-install", -1, Some("before-hook-creation")),
        wasm_hook("check", "pre-install", 0, Some("hook-failed")),
        wasm_hook("never", "pre-install", 5, None),
        wasm_hook("post", "post-install", 0, None),
    ];
    let err = engine
        .install(chart(&hooks), Values::new(), &install())
        .await
        .unwrap_err();
    let Error::Failed {
        message, revision, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*revision, 1);
    assert!(
        message.starts_with("failed pre-install: pre-install hook `WasmHook/check`"),
        "{message}"
    );
    assert!(message.ends_with("failed: check said no"), "{message}");
    assert_eq!(
        script.log(),
        [
            "delete keep",
            "run keep",
            "run prepare",
            "run check",
            "delete check",
            "delete prepare"
        ]
    );
    let stored = storage.get("default", "app", 1).await.unwrap();
    assert_eq!(stored.info.status, Status::Failed);
    assert_eq!(
        stored.info.description,
        format!("Release \"app\" failed: {message}")
    );
    assert_eq!(hook(&stored, "check").last_run.phase, HookPhase::Failed);
    assert_eq!(
        hook(&stored, "prepare").last_run.phase,
        HookPhase::Succeeded
    );
    assert_eq!(hook(&stored, "never").last_run.phase, HookPhase::NotRun);
}

#[tokio::test]
async fn rollback_on_failure_uninstalls_a_failed_install() {
    let script = Script::failing(&["check"]);
    let (engine, storage) = engine(&script);
    let opts = InstallOptions {
        rollback_on_failure: true,
        ..install()
    };
    let err = engine
        .install(
            chart(&[wasm_hook("check", "pre-install", 0, None)]),
            Values::new(),
            &opts,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("release app failed, and has been uninstalled due to rollback-on-failure being set: failed pre-install:"),
        "{err}"
    );
    assert!(history(&storage).await.is_empty());
}

#[tokio::test]
async fn a_failed_upgrade_leaves_the_old_revision_deployed() {
    // Rule (upgrade.go): the new revision fails, the old one is only superseded
    // after post-upgrade succeeds.
    let script = Script::failing(&["gate"]);
    let (engine, storage) = engine(&script);
    engine
        .install(chart(&[]), Values::new(), &install())
        .await
        .unwrap();
    let err = engine
        .upgrade(
            chart(&[wasm_hook("gate", "pre-upgrade", 0, None)]),
            Values::new(),
            &UpgradeOptions::new("app", "default"),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("pre-upgrade hooks failed: "),
        "{err}"
    );
    let h = history(&storage).await;
    assert_eq!(h[0], (1, Status::Deployed, "Install complete".into()));
    assert_eq!(h[1].1, Status::Failed);
    assert!(
        h[1].2
            .starts_with("Upgrade \"app\" failed: pre-upgrade hooks failed: "),
        "{}",
        h[1].2
    );

    // A later upgrade proceeds from the deployed revision.
    engine
        .upgrade(
            chart(&[]),
            Values::new(),
            &UpgradeOptions::new("app", "default"),
        )
        .await
        .unwrap();
    let statuses: Vec<Status> = history(&storage).await.iter().map(|h| h.1).collect();
    assert_eq!(
        statuses,
        [Status::Superseded, Status::Failed, Status::Deployed]
    );
}

#[tokio::test]
async fn rollback_on_failure_rolls_a_failed_upgrade_back() {
    let script = Script::failing(&["gate"]);
    let (engine, storage) = engine(&script);
    engine
        .install(
            chart(&[]),
            serde_json::from_str(r#"{"v": 1}"#).unwrap(),
            &install(),
        )
        .await
        .unwrap();
    let opts = UpgradeOptions {
        rollback_on_failure: true,
        ..UpgradeOptions::new("app", "default")
    };
    let err = engine
        .upgrade(
            chart(&[wasm_hook("gate", "post-upgrade", 0, None)]),
            serde_json::from_str(r#"{"v": 2}"#).unwrap(),
            &opts,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("release app failed, and has been rolled back due to rollback-on-failure being set: post-upgrade hooks failed:"),
        "{err}"
    );
    let h = history(&storage).await;
    let statuses: Vec<Status> = h.iter().map(|h| h.1).collect();
    assert_eq!(
        statuses,
        [Status::Superseded, Status::Failed, Status::Deployed]
    );
    assert_eq!(h[2].2, "Rollback to 1");
    assert_eq!(
        storage.get("default", "app", 3).await.unwrap().config["v"],
        1
    );
}

#[tokio::test]
async fn rollback_runs_the_target_revisions_hooks_and_a_failure_marks_it_failed() {
    // Rule (rollback.go): hooks come from the target (older) revision. Deliberate
    // difference: a failed rollback hook marks the new revision failed instead of
    // leaving it pending-rollback.
    let script = Script::failing(&["old-guard"]);
    let (engine, storage) = engine(&script);
    engine
        .install(
            chart(&[wasm_hook("old-guard", "pre-rollback", 0, None)]),
            Values::new(),
            &install(),
        )
        .await
        .unwrap();
    engine
        .upgrade(
            chart(&[wasm_hook("new-guard", "pre-rollback", 0, None)]),
            Values::new(),
            &UpgradeOptions::new("app", "default"),
        )
        .await
        .unwrap();
    let err = engine
        .rollback(&RollbackOptions::new("app", "default"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`WasmHook/old-guard`"), "{err}");
    assert!(!script.log().iter().any(|l| l.contains("new-guard")));
    let h = history(&storage).await;
    assert_eq!(h[2].1, Status::Failed);
    assert!(
        h[2].2
            .starts_with("Rollback \"app\" failed: pre-rollback hook"),
        "{}",
        h[2].2
    );
    assert_eq!(
        h[1].1,
        Status::Deployed,
        "the current revision stays deployed"
    );
}

#[tokio::test]
async fn a_failing_pre_delete_hook_leaves_the_release_uninstalling() {
    // Rule (uninstall.go): pre-delete failure returns; execHook already persisted
    // the `uninstalling` status.
    let script = Script::failing(&["drain"]);
    let (engine, storage) = engine(&script);
    engine
        .install(
            chart(&[wasm_hook("drain", "pre-delete", 0, None)]),
            Values::new(),
            &install(),
        )
        .await
        .unwrap();
    let err = engine
        .uninstall(&UninstallOptions::new("app", "default"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("pre-delete hook `WasmHook/drain`"),
        "{err}"
    );
    let stored = storage.last("default", "app").await.unwrap();
    assert_eq!(stored.info.status, Status::Uninstalling);
    assert!(stored.info.deleted.is_some());
}

#[tokio::test]
async fn a_failing_post_delete_hook_still_completes_the_uninstall() {
    // Rule (uninstall.go): post-delete errors are collected; the release is
    // uninstalled and purged, and the command reports the errors.
    let script = Script::failing(&["notify"]);
    let (engine, storage) = engine(&script);
    engine
        .install(
            chart(&[wasm_hook("notify", "post-delete", 0, None)]),
            Values::new(),
            &install(),
        )
        .await
        .unwrap();
    let err = engine
        .uninstall(&UninstallOptions::new("app", "default"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("uninstallation completed with 1 error(s): post-delete hook"),
        "{err}"
    );
    assert!(history(&storage).await.is_empty());
}

#[tokio::test]
async fn test_records_results_on_the_same_revision_and_filters_by_name() {
    // Rules (release_testing.go): last revision, no new revision, last_run written
    // back; --filter name= / !name=; the status does not change on failure.
    let script = Script::failing(&["t-bad"]);
    let (engine, storage) = engine(&script);
    let hooks = [
        wasm_hook("t-good", "test", 0, None),
        wasm_hook("t-bad", "test-success", 1, None),
    ];
    engine
        .install(chart(&hooks), Values::new(), &install())
        .await
        .unwrap();

    let ok = TestOptions {
        filters: vec!["!name=t-bad".into()],
        ..TestOptions::new("app", "default")
    };
    let release = engine.test(&ok).await.unwrap();
    assert_eq!(
        hook(&release, "t-good").last_run.phase,
        HookPhase::Succeeded
    );
    assert_eq!(hook(&release, "t-bad").last_run.phase, HookPhase::NotRun);

    let err = engine
        .test(&TestOptions::new("app", "default"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("test hook `WasmHook/t-bad`"),
        "{err}"
    );
    let stored = storage.last("default", "app").await.unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.info.status, Status::Deployed);
    assert_eq!(hook(&stored, "t-bad").last_run.phase, HookPhase::Failed);
}

#[tokio::test(start_paused = true)]
async fn a_hook_past_its_own_timeout_fails() {
    let script = Arc::new(Script {
        slow: ["sleepy".to_string()].into(),
        ..Script::default()
    });
    let (engine, _) = engine(&script);
    let doc = wasm_hook("sleepy", "pre-install", 0, None).replace(
        "    helm.sh/hook:",
        "    windlass.dev/hook-timeout: 50ms\n    helm.sh/hook:",
    );
    let err = engine
        .install(chart(&[doc]), Values::new(), &install())
        .await
        .unwrap_err();
    assert!(
        err.to_string().ends_with("did not finish within 50ms"),
        "{err}"
    );
}

#[tokio::test]
async fn kubernetes_hooks_on_the_local_target_are_not_applied_and_not_recorded() {
    let script = Script::failing(&[]);
    let (engine, _) = engine(&script);
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n".to_string();
    let release = engine
        .install(
            chart(&[job, wasm_hook("check", "pre-install", 1, None)]),
            Values::new(),
            &install(),
        )
        .await
        .unwrap();
    assert_eq!(hook(&release, "migrate").last_run.phase, HookPhase::NotRun);
    assert_eq!(hook(&release, "check").last_run.phase, HookPhase::Succeeded);
    assert_eq!(script.log(), ["delete check", "run check"]);
}
