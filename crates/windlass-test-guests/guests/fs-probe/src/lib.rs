//! Tries the filesystem operations its config lists and reports what it saw.
//!
//! Config: `{"ops": [["read", "/etc/passwd"], ["list", "/chart/.."], ...]}`,
//! operations `read`, `list`, `metadata`, `write`, `append`, `create`,
//! `truncate`, `remove`, `mkdir`, `rename`. If any operation succeeds it
//! allows, with one finding per operation (so a leak shows in the verdict);
//! if all fail it returns `err` listing every attempt and its error.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

use std::fs::{self, OpenOptions};
use std::io::Write;

use windlass::hook::types::{Finding, Severity};

fn attempt(op: &str, path: &str) -> std::io::Result<String> {
    match op {
        "read" => fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()),
        "list" => {
            let mut names = Vec::new();
            for entry in fs::read_dir(path)? {
                names.push(entry?.file_name().to_string_lossy().into_owned());
            }
            names.sort();
            Ok(format!("entries [{}]", names.join(", ")))
        }
        "metadata" => fs::metadata(path).map(|m| format!("{} bytes", m.len())),
        "write" => fs::write(path, b"written by fs-probe").map(|()| "written".to_string()),
        "append" => OpenOptions::new()
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(b"appended by fs-probe"))
            .map(|()| "appended".to_string()),
        "create" => OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map(|_| "created".to_string()),
        "truncate" => OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .map(|_| "truncated".to_string()),
        "remove" => fs::remove_file(path).map(|()| "removed".to_string()),
        "mkdir" => fs::create_dir(path).map(|()| "made".to_string()),
        "rename" => fs::rename(path, format!("{path}.moved")).map(|()| "renamed".to_string()),
        other => Err(std::io::Error::other(format!("unknown op {other}"))),
    }
}

struct Hook;

impl Guest for Hook {
    fn run(context: Context) -> Result<Outcome, String> {
        let config: serde_json::Value =
            serde_json::from_str(&context.config).map_err(|e| format!("bad config: {e}"))?;
        let ops = config["ops"]
            .as_array()
            .ok_or("config.ops must be a list")?;
        let mut lines = Vec::new();
        let mut any_ok = false;
        for op in ops {
            let (kind, path) = (op[0].as_str().unwrap_or(""), op[1].as_str().unwrap_or(""));
            match attempt(kind, path) {
                Ok(seen) => {
                    any_ok = true;
                    lines.push(format!("{kind} {path}: ok: {seen}"));
                }
                Err(e) => lines.push(format!("{kind} {path}: failed: {e}")),
            }
        }
        if !any_ok {
            return Err(lines.join("; "));
        }
        Ok(Outcome {
            allowed: true,
            findings: lines
                .into_iter()
                .map(|message| Finding {
                    severity: Severity::Info,
                    message,
                    resource: None,
                    field_path: None,
                })
                .collect(),
            create: Vec::new(),
        })
    }
}

export!(Hook);
