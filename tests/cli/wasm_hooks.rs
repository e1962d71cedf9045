//! A release whose hooks mix Wasm hooks and a Job hook, on the local target:
//! the Wasm hooks run for real in their place by weight, a denial fails the
//! event as a failed Job does, and the record keeps module digests, not bytes.

use std::path::PathBuf;

use crate::support::{Run, Sandbox, into_run, repo_root};

const MODULES: [&str; 3] = ["values-policy", "resource-limits", "upgrade-guard"];

/// The `guarded` example chart staged with its built hook modules, or `None`
/// (a failure under CI) when the plugins are not built.
fn staged_chart(sb: &Sandbox) -> Option<String> {
    let plugins = std::env::var_os("WINDLASS_PLUGINS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| windlass_testsupport::cache_dir().join("plugins"));
    if MODULES
        .iter()
        .any(|m| !plugins.join(format!("{m}.wasm")).is_file())
    {
        return windlass_testsupport::missing("the built Rust hook plugins", "run plugins/build");
    }
    let source = repo_root().join("examples/charts/guarded");
    copy_dir(&source, &sb.path().join("guarded"));
    for module in MODULES {
        std::fs::copy(
            plugins.join(format!("{module}.wasm")),
            sb.path().join(format!("guarded/hooks/{module}.wasm")),
        )
        .expect("stage module");
    }
    Some(sb.path().join("guarded").display().to_string())
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Runs windlass with its own module cache under the sandbox.
fn run(sb: &Sandbox, args: &[&str]) -> Run {
    let out = sb
        .command(args)
        .env("WINDLASS_CACHE_DIR", sb.path().join("cache"))
        .output()
        .expect("run windlass");
    into_run(out)
}

#[test]
fn wasm_hooks_run_among_job_hooks_and_guard_the_release() {
    let sb = Sandbox::new();
    let Some(chart) = staged_chart(&sb) else {
        return;
    };

    // Install: the Wasm hooks run by weight (-20, -10) before the Job (0), which
    // the local target does not apply.
    let install = run(&sb, &["install", "guarded", &chart]);
    install.ok();
    let err = &install.stderr;
    let values = err
        .find("succeeded: WasmHook/guarded-values-policy")
        .expect("values-policy ran");
    let limits = err
        .find("succeeded: WasmHook/guarded-resource-limits")
        .expect("resource-limits ran");
    let job = err
        .find("not applied: Job/guarded-migrate")
        .expect("job reported");
    assert!(values < limits && limits < job, "{err}");

    // The record: last_run of each Wasm hook, its module pinned by digest, and
    // no module bytes among the chart's files.
    let record = sb.record("guarded", 1);
    let hooks = record["hooks"].as_array().unwrap();
    let policy = hooks
        .iter()
        .find(|h| h["name"] == "guarded-values-policy")
        .unwrap();
    assert_eq!(policy["last_run"]["phase"], "Succeeded");
    assert!(policy["last_run"]["started_at"].is_string());
    assert!(
        policy["manifest"]
            .as_str()
            .unwrap()
            .contains("sha256: sha256:"),
        "{}",
        policy["manifest"]
    );
    let files: Vec<&str> = record["chart"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(!files.iter().any(|f| f.ends_with(".wasm")), "{files:?}");
    assert_eq!(
        hooks
            .iter()
            .find(|h| h["name"] == "guarded-migrate")
            .unwrap()["last_run"]["phase"],
        ""
    );

    // A denied pre-upgrade hook fails the upgrade as a failed Job would: the new
    // revision is failed, the old one stays deployed, the findings are shown.
    let denied = run(
        &sb,
        &["upgrade", "guarded", &chart, "--set", "replicaCount=50"],
    );
    let line = denied.failure_line();
    assert!(
        line.contains(
            "pre-upgrade hooks failed: pre-upgrade hook `WasmHook/guarded-values-policy`"
        ),
        "{line}"
    );
    assert!(line.contains("denied"), "{line}");
    assert!(denied.stderr.contains("replicaCount"), "{}", denied.stderr);
    let history = sb.history("guarded");
    assert_eq!(
        (history[0].1.as_str(), history[1].1.as_str()),
        ("deployed", "failed")
    );
    assert!(
        history[1]
            .2
            .starts_with("Upgrade \"guarded\" failed: pre-upgrade hooks failed:"),
        "{}",
        history[1].2
    );

    // Without the chart at hand, rollback finds revision 1's hook modules by
    // digest in the module cache.
    for module in MODULES {
        std::fs::remove_file(sb.path().join(format!("guarded/hooks/{module}.wasm"))).unwrap();
    }
    let rollback = run(&sb, &["rollback", "guarded", "1"]);
    rollback.ok();
    assert!(
        rollback
            .stderr
            .contains("succeeded: WasmHook/guarded-upgrade-guard"),
        "{}",
        rollback.stderr
    );

    // With the cache gone too, the hook cannot run, and the error names the digest.
    std::fs::remove_dir_all(sb.path().join("cache/wasm")).unwrap();
    let lost = run(&sb, &["rollback", "guarded", "1"]);
    let line = lost.failure_line();
    assert!(line.contains("module sha256:"), "{line}");
    assert!(line.contains("neither in the module cache"), "{line}");

    run(&sb, &["uninstall", "guarded"]).ok();
}

#[test]
fn an_invalid_wasmhook_is_refused_before_anything_is_stored() {
    let sb = Sandbox::new();
    let Some(chart) = staged_chart(&sb) else {
        return;
    };
    let hook = format!("{chart}/templates/hooks/values-policy.yaml");
    let text = std::fs::read_to_string(&hook).unwrap();
    let pinned = text.replace(
        "module: {path: hooks/values-policy.wasm}",
        "module: {path: hooks/values-policy.wasm, sha256: \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}",
    );
    std::fs::write(&hook, pinned).unwrap();
    let run = run(&sb, &["install", "guarded", &chart]);
    let line = run.error_line();
    assert!(line.contains("WasmHook `guarded-values-policy`"), "{line}");
    assert!(line.contains("pins sha256:0000"), "{line}");
    assert!(sb.state().is_empty());
}
