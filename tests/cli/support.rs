//! Running the binary in a sandbox directory and reading what it left behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// A fresh working directory with its own state directory.
pub struct Sandbox {
    dir: TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts failure with exit code 1 and returns the one `Error:` line.
    #[track_caller]
    pub fn error_line(&self) -> &str {
        assert_eq!(
            self.code, 1,
            "expected exit 1\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("Error: "))
            .collect();
        assert_eq!(errors.len(), 1, "expected one Error line:\n{}", self.stderr);
        // Nothing but the error, an optional hint and warnings: the error is one line.
        for line in self.stderr.lines() {
            assert!(
                line.starts_with("Error: ")
                    || line.starts_with("hint: ")
                    || line.starts_with("warning: "),
                "unexpected stderr line {line:?} in:\n{}",
                self.stderr
            );
        }
        errors[0]
    }

    /// Asserts failure with exit code 1 and returns the one `Error:` line, with
    /// progress lines allowed around it (an action that failed part-way).
    #[track_caller]
    pub fn failure_line(&self) -> &str {
        assert_eq!(
            self.code, 1,
            "expected exit 1\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("Error: "))
            .collect();
        assert_eq!(errors.len(), 1, "expected one Error line:\n{}", self.stderr);
        errors[0]
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Writes a file under the sandbox and returns its path.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, contents).expect("write");
        path
    }

    /// The `windlass` command, isolated from the caller's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_windlass"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("WINDLASS_NAMESPACE")
            .env_remove("WINDLASS_TARGET")
            .env_remove("WINDLASS_KUBE_VERSION")
            .env_remove("HELM_MAX_HISTORY")
            .env("WINDLASS_STATE_DIR", self.state_dir())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `windlass ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().expect("run windlass");
        into_run(out)
    }

    /// Every file under the state directory and its bytes.
    pub fn state(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        collect(&self.state_dir(), &self.state_dir(), &mut files);
        files
    }

    /// A stored release record, parsed.
    pub fn record(&self, name: &str, revision: u32) -> Value {
        let path = self.state_dir().join(format!(
            "releases/default/{name}/sh.helm.release.v1.{name}.v{revision}.json"
        ));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let file: Value = serde_json::from_slice(&bytes).expect("a record is JSON");
        file["release"].clone()
    }

    /// `history -o json` as (revision, status, description).
    pub fn history(&self, name: &str) -> Vec<(u64, String, String)> {
        self.run(&["history", name, "-o", "json"])
            .json()
            .as_array()
            .expect("history is a list")
            .iter()
            .map(|e| {
                (
                    e["revision"].as_u64().expect("revision"),
                    e["status"].as_str().expect("status").to_string(),
                    e["description"].as_str().expect("description").to_string(),
                )
            })
            .collect()
    }
}

pub fn into_run(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let bytes = std::fs::read(&path).expect("read state file");
            files.insert(
                path.strip_prefix(root).expect("under root").to_path_buf(),
                bytes,
            );
        }
    }
}

/// Asserts two state snapshots are equal, naming the files that differ.
#[track_caller]
pub fn assert_same_state(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
    args: &[&str],
) {
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    assert!(
        changed.is_empty(),
        "state directory changed by {args:?}: {changed:?}"
    );
}

/// The demo chart shipped in `examples/`.
pub fn demo_chart() -> String {
    repo_root()
        .join("examples/charts/demo")
        .display()
        .to_string()
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate at crates/windlass-cli")
        .to_path_buf()
}

/// A minimal plain-YAML chart written into the sandbox.
pub fn write_chart(
    sandbox: &Sandbox,
    dir: &str,
    chart_yaml: &str,
    templates: &[(&str, &str)],
) -> String {
    sandbox.write(&format!("{dir}/Chart.yaml"), chart_yaml);
    for (name, body) in templates {
        sandbox.write(&format!("{dir}/templates/{name}"), body);
    }
    sandbox.path().join(dir).display().to_string()
}
