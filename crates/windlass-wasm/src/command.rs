//! The fallback ABI for languages that can only build a WASI command module:
//! the context as JSON on stdin, the outcome as JSON on stdout, the exit code
//! as the verdict (0 allowed, anything else denied), stderr as log lines. Same
//! sandbox and limits as components. The contract is `plugins/fallback/README.md`.

use serde::Deserialize;
use serde_json::Value;
use wasmtime::Store;
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::WasiP1Ctx;

use crate::host::MemoryLimit;
use crate::outcome::{Failure, Finding, LogLine, Severity, Verdict};
use crate::policy::{Policy, format_bytes};
use crate::wit::check_create;

/// The store state of one command-module call.
pub(crate) struct CommandState {
    pub wasi: WasiP1Ctx,
    pub memory: MemoryLimit,
}

/// Runs `_start`; the exit code (0 when it returns).
pub(crate) async fn call(
    pre: &wasmtime::InstancePre<CommandState>,
    store: &mut Store<CommandState>,
) -> wasmtime::Result<i32> {
    let instance = pre.instantiate_async(&mut *store).await?;
    let start = instance.get_typed_func::<(), ()>(&mut *store, "_start")?;
    match start.call_async(&mut *store, ()).await {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(e),
        },
    }
}

/// What a command module writes on stdout: an outcome, or an error document.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stdout {
    Error(ErrorJson),
    Outcome(OutcomeJson),
}

/// `{"error": "<message>"}`: the WIT `err(message)`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorJson {
    error: String,
}

/// The outcome JSON a command module writes (all fields optional).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeJson {
    #[serde(default)]
    allowed: Option<bool>,
    #[serde(default)]
    findings: Vec<Finding>,
    #[serde(default)]
    create: Vec<Value>,
}

/// The verdict from the exit code and stdout.
pub(crate) fn verdict(code: i32, stdout: &[u8], policy: &Policy) -> Result<Verdict, Failure> {
    if stdout.len() as u64 > policy.limits.outcome_bytes {
        return Err(Failure::OutcomeLimit(format_bytes(
            policy.limits.outcome_bytes,
        )));
    }
    let text = std::str::from_utf8(stdout)
        .map_err(|e| Failure::InvalidOutcome(format!("stdout is not UTF-8: {e}")))?;
    let outcome = if text.trim().is_empty() {
        None
    } else {
        match serde_json::from_str::<Stdout>(text) {
            Ok(Stdout::Error(ErrorJson { error })) if !error.is_empty() => {
                return Err(Failure::Guest(error));
            }
            Ok(Stdout::Outcome(outcome)) => Some(outcome),
            _ => {
                return Err(Failure::InvalidOutcome(
                    "stdout is neither an outcome nor an error document (plugins/fallback/README.md)"
                        .to_string(),
                ));
            }
        }
    };
    let allowed = code == 0;
    let (mut findings, create) = match outcome {
        Some(o) => {
            if o.allowed.is_some_and(|a| a != allowed) {
                return Err(Failure::InvalidOutcome(format!(
                    "`allowed` is {} but the exit code is {code}",
                    o.allowed.unwrap_or_default()
                )));
            }
            (o.findings, o.create)
        }
        None => (Vec::new(), Vec::new()),
    };
    if !allowed && findings.is_empty() {
        findings.push(Finding {
            severity: Severity::Error,
            message: format!("exited with status {code}"),
            resource: None,
            field_path: None,
        });
    }
    check_create(&create, policy)?;
    Ok(Verdict {
        allowed,
        findings,
        create,
    })
}

/// A command module's stderr line as a log entry: a `trace: `/`debug: `/
/// `info: `/`warn: `/`error: ` prefix sets the level, anything else is `info`;
/// empty lines are skipped.
pub(crate) fn log_line(line: &str) -> Option<LogLine> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        return None;
    }
    let (level, message) = ["trace", "debug", "info", "warn", "error"]
        .iter()
        .find_map(|level| {
            line.strip_prefix(&format!("{level}: "))
                .map(|m| (*level, m))
        })
        .unwrap_or(("info", line));
    Some(LogLine {
        level: level.to_string(),
        message: message.to_string(),
        fields: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_is_the_verdict() {
        let policy = Policy::default();
        assert!(verdict(0, b"", &policy).unwrap().allowed);
        let denied = verdict(3, b"", &policy).unwrap();
        assert!(!denied.allowed);
        assert_eq!(denied.findings[0].message, "exited with status 3");
        let with_findings = verdict(
            1,
            br#"{"findings": [{"severity": "error", "message": "no", "field_path": "a.b"}]}"#,
            &policy,
        )
        .unwrap();
        assert_eq!(with_findings.findings[0].field_path.as_deref(), Some("a.b"));
        assert!(matches!(
            verdict(0, b"{not json", &policy),
            Err(Failure::InvalidOutcome(_))
        ));
        assert_eq!(
            verdict(2, br#"{"error": "bad config"}"#, &policy),
            Err(Failure::Guest("bad config".into()))
        );
        assert!(matches!(
            verdict(0, br#"{"findigns": []}"#, &policy),
            Err(Failure::InvalidOutcome(_))
        ));
        assert!(matches!(
            verdict(0, br#"{"allowed": false}"#, &policy),
            Err(Failure::InvalidOutcome(_))
        ));
        assert!(matches!(
            verdict(
                0,
                br#"{"create": [{"apiVersion": "v1", "kind": "Secret"}]}"#,
                &policy
            ),
            Err(Failure::InvalidOutcome(_))
        ));
    }
}
