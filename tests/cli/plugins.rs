//! Every plugin's `tests/*.yaml` case (`plugins/README.md`) through the real
//! host: `windlass hook run` on the built component, exit code and output
//! checked against the case's `expect`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Sandbox, repo_root};

/// Where `plugins/build` put the components: `$WINDLASS_PLUGINS_DIR`, else
/// `$WINDLASS_CACHE_DIR/plugins`.
fn plugins_dir() -> PathBuf {
    std::env::var_os("WINDLASS_PLUGINS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| windlass_testsupport::cache_dir().join("plugins"))
}

/// `(plugin name, case file)` for every case in the repository.
fn cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    let plugins = repo_root().join("plugins");
    for lang in std::fs::read_dir(&plugins).expect("plugins/").flatten() {
        for plugin in std::fs::read_dir(lang.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let tests = plugin.path().join("tests");
            if !plugin.path().join("build").is_file() || !tests.is_dir() {
                continue;
            }
            let name = plugin.file_name().to_string_lossy().into_owned();
            for case in std::fs::read_dir(&tests).expect("tests/").flatten() {
                if case.path().extension().is_some_and(|e| e == "yaml") {
                    cases.push((name.clone(), case.path()));
                }
            }
        }
    }
    cases.sort();
    cases
}

/// Runs one case; `Err` says what did not match.
fn run_case(sb: &Sandbox, wasm: &Path, case_file: &Path) -> Result<(), String> {
    let bytes = std::fs::read(case_file).map_err(|e| e.to_string())?;
    let case = windlass_chart::yaml::parse(&bytes, &case_file.display().to_string())
        .map_err(|e| e.to_string())?;
    let field = |name: &str| case.get(name).cloned().unwrap_or(Value::Null);
    let write = |name: &str, value: &Value| -> String {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        sb.write(name, text).display().to_string()
    };
    let event = field("event").as_str().unwrap_or("pre-install").to_string();
    let values = write(
        "values.json",
        &match field("values") {
            Value::Null => serde_json::json!({}),
            v => v,
        },
    );
    let config = write("config.json", &field("config"));
    let grants = write("grants.json", &field("grants"));
    let manifests = write("manifests.yaml", &field("manifests"));
    let fixtures = write(
        "fixtures.json",
        &match field("fixtures") {
            Value::Null => serde_json::json!([]),
            v => v,
        },
    );
    let wasm = wasm.display().to_string();
    let run = sb.run(&[
        "hook",
        "run",
        &wasm,
        "--event",
        &event,
        "-f",
        &values,
        "--config",
        &config,
        "--grants",
        &grants,
        "--manifests",
        &manifests,
        "--fixtures",
        &fixtures,
        "-n",
        "default",
        "--release-name",
        "test",
        "-o",
        "json",
    ]);
    let expect = field("expect");
    let report: Value = serde_json::from_str(&run.stdout)
        .map_err(|e| format!("stdout is not JSON ({e}): {} / {}", run.stdout, run.stderr))?;
    if let Some(error) = expect.get("error").and_then(Value::as_str) {
        let got = report
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if run.code != 2 || !got.contains(error) {
            return Err(format!(
                "expected an error containing {error:?}, got exit {} and {report}",
                run.code
            ));
        }
        return Ok(());
    }
    let allowed = expect
        .get("allowed")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let want_code = if allowed { 0 } else { 1 };
    if run.code != want_code || report.get("allowed") != Some(&Value::Bool(allowed)) {
        return Err(format!(
            "expected allowed={allowed} (exit {want_code}), got exit {}: {report} {}",
            run.code, run.stderr
        ));
    }
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["message"].as_str())
        .collect();
    for wanted in expect
        .get("findings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let wanted = wanted.as_str().unwrap_or_default();
        if !messages.iter().any(|m| m.contains(wanted)) {
            return Err(format!("no finding contains {wanted:?}: {messages:?}"));
        }
    }
    if let Some(n) = expect.get("create").and_then(Value::as_u64) {
        let got = report["create"].as_array().map_or(0, Vec::len) as u64;
        if got != n {
            return Err(format!(
                "expected {n} objects to create, got {got}: {}",
                report["create"]
            ));
        }
    }
    Ok(())
}

#[test]
fn every_plugin_case_passes_through_the_host() {
    let dir = plugins_dir();
    let cases = cases();
    assert!(!cases.is_empty(), "no plugin cases found");
    let mut failures = Vec::new();
    let mut missing = Vec::new();
    for (plugin, case) in &cases {
        let wasm = dir.join(format!("{plugin}.wasm"));
        if !wasm.is_file() {
            missing.push(plugin.clone());
            continue;
        }
        let sb = Sandbox::new();
        if let Err(message) = run_case(&sb, &wasm, case) {
            failures.push(format!(
                "{}: {message}",
                case.strip_prefix(repo_root()).unwrap_or(case).display()
            ));
        }
    }
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        windlass_testsupport::missing::<()>(
            &format!("built plugins {missing:?}"),
            &format!("not in `{}`; run plugins/build", dir.display()),
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
