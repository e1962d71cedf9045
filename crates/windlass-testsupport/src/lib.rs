//! Test support shared by every crate's tests (dev-only, never in the binary):
//! where the conformance chart corpus is, and a bridge to real Helm v4 (the
//! `helm-python-sdk` peer) for conformance checks.
//!
//! Both are prerequisites installed by `scripts/setup-test-env`. When `CI=true`
//! a missing prerequisite fails the test; elsewhere the test says why it skips.

#![allow(clippy::print_stderr, reason = "a skipped test says why on stderr")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Whether we run under CI (`CI=true`), where nothing may be skipped.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate lives at crates/<name>")
        .to_path_buf()
}

/// Reports a missing prerequisite: fails under CI, otherwise prints why the test
/// skips and returns `None`.
pub fn missing<T>(what: &str, hint: &str) -> Option<T> {
    assert!(!ci(), "CI=true but {what} is missing: {hint}");
    eprintln!("skipping: {what} is missing ({hint})");
    None
}

/// The conformance corpus of real charts: `$WINDLASS_CHARTS_CORPUS`, else
/// `../shared/charts-corpus` beside the checkout.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WINDLASS_CHARTS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/charts-corpus"));
    if dir.join("nginx/Chart.yaml").is_file() {
        Some(dir)
    } else {
        missing(
            "the chart corpus",
            &format!(
                "expected at `{}`; set WINDLASS_CHARTS_CORPUS",
                dir.display()
            ),
        )
    }
}

/// Every chart directory in the corpus, sorted by name.
pub fn corpus_charts() -> Option<Vec<PathBuf>> {
    let dir = corpus_dir()?;
    let mut charts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Chart.yaml").is_file())
        .collect();
    charts.sort();
    Some(charts)
}

/// Real Helm v4, driven through `tests/helm-peer/peer.py`.
#[derive(Debug, Clone)]
pub struct HelmPeer {
    python: PathBuf,
    script: PathBuf,
}

/// The Helm peer: `$WINDLASS_HELM_PEER_PYTHON`, else the interpreter of the
/// virtualenv `scripts/setup-test-env` creates under the cache directory.
pub fn helm_peer() -> Option<HelmPeer> {
    let python = std::env::var_os("WINDLASS_HELM_PEER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache_dir().join("helm-peer/helm-python-sdk-0.2.2/bin/python"));
    if !python.is_file() {
        return missing(
            "the Helm peer",
            &format!(
                "no interpreter at `{}`; run scripts/setup-test-env",
                python.display()
            ),
        );
    }
    Some(HelmPeer {
        python,
        script: repo_root().join("tests/helm-peer/peer.py"),
    })
}

/// Where heavy, versioned test prerequisites are cached, outside the clone:
/// `$WINDLASS_CACHE_DIR`, else `$XDG_CACHE_HOME/windlass`, else `~/.cache/windlass`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WINDLASS_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("windlass");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache/windlass")
}

impl HelmPeer {
    /// Runs one peer command on `chart` with `request` as JSON on stdin.
    ///
    /// # Errors
    /// Helm's own error message (`{"error": ...}` from the bridge) as `Err`.
    ///
    /// # Panics
    /// If the bridge itself breaks: that is a broken test environment.
    pub fn call(&self, command: &str, chart: &Path, request: &Value) -> Result<Value, String> {
        self.run(command, chart, request)
    }

    /// Runs one cluster command of the peer (`install`, `upgrade`, `rollback`,
    /// `uninstall`, `test`, `list`, `history`, `status`, `get-values`; see
    /// `tests/helm-peer/peer.py`) against the cluster of `request["kubeconfig"]`
    /// in `request["namespace"]`, with Helm's `secret` storage driver. `chart` is
    /// the chart directory for `install` and `upgrade`. A successful answer
    /// carries `elapsed_seconds`, the time of the Helm call alone.
    ///
    /// # Errors
    /// Helm's own error message (`{"error": ...}` from the bridge) as `Err`.
    ///
    /// # Panics
    /// If the bridge itself breaks: that is a broken test environment.
    pub fn cluster(
        &self,
        command: &str,
        chart: Option<&Path>,
        request: &Value,
    ) -> Result<Value, String> {
        self.run(command, chart.unwrap_or(Path::new("-")), request)
    }

    fn run(&self, command: &str, chart: &Path, request: &Value) -> Result<Value, String> {
        use std::io::Write;
        let mut child = Command::new(&self.python)
            .arg(&self.script)
            .arg(command)
            .arg(chart)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the Helm peer");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(request.to_string().as_bytes())
            .expect("write to the Helm peer");
        let out = child.wait_with_output().expect("wait for the Helm peer");
        assert!(
            out.status.success(),
            "Helm peer `{command}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let value: Value = serde_json::from_slice(&out.stdout).expect("the peer prints JSON");
        match value.get("error").and_then(Value::as_str) {
            Some(message) if value.as_object().is_some_and(|o| o.len() == 1) => {
                Err(message.to_string())
            }
            _ => Ok(value),
        }
    }
}
