//! What a hook answers: its verdict, findings and objects to create, plus the
//! log lines it wrote on the way; and how a call can fail.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information.
    Info,
    /// Worth a look.
    Warning,
    /// A problem.
    Error,
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// One thing the hook wants the user to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// What.
    pub message: String,
    /// About which resource.
    #[serde(default)]
    pub resource: Option<ResourceRef>,
    /// A path into the values or the resource.
    #[serde(default)]
    pub field_path: Option<String>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{severity}: {}", self.message)?;
        if let Some(r) = &self.resource {
            write!(f, " [{}/{}", r.kind, r.name)?;
            if let Some(ns) = &r.namespace {
                write!(f, " in {ns}")?;
            }
            f.write_str("]")?;
        }
        if let Some(path) = &self.field_path {
            write!(f, " at `{path}`")?;
        }
        Ok(())
    }
}

/// The hook's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `false` fails the event.
    pub allowed: bool,
    /// Shown whatever the verdict.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Objects to create as hook resources (already checked against the grants).
    #[serde(default)]
    pub create: Vec<Value>,
}

/// A log line the hook wrote, through the `log` interface or on stdout/stderr.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// `trace`, `debug`, `info`, `warn`, `error`, or `stdout`/`stderr`.
    pub level: String,
    /// The message.
    pub message: String,
    /// Key/value fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<(String, String)>,
}

impl std::fmt::Display for LogLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.level, self.message)?;
        for (k, v) in &self.fields {
            write!(f, " {k}={v}")?;
        }
        Ok(())
    }
}

/// Why a call did not produce a verdict. Each message names the limit and its
/// value where one was hit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The module could not be compiled or instantiated, or has the wrong shape.
    #[error("{0}")]
    Module(String),
    /// The guest trapped (a panic, `unreachable`, an out-of-bounds access).
    #[error("trapped: {0}")]
    Trap(String),
    /// The guest ran past its time limit.
    #[error("exceeded its time limit of {0}")]
    Timeout(String),
    /// The guest tried to grow memory past its limit.
    #[error("exceeded its memory limit of {0}")]
    Memory(String),
    /// The guest overflowed its call stack.
    #[error("exhausted its call stack (deep recursion)")]
    Stack,
    /// The guest logged more than its log limit.
    #[error("exceeded its log limit of {0}")]
    LogLimit(String),
    /// The guest's outcome was larger than its outcome limit.
    #[error("returned an outcome larger than its limit of {0}")]
    OutcomeLimit(String),
    /// The guest's outcome is not well-formed (bad JSON, an object it may not create).
    #[error("returned an invalid outcome: {0}")]
    InvalidOutcome(String),
    /// The guest returned `err` (or a command module exited non-zero without an outcome).
    #[error("{0}")]
    Guest(String),
}

/// The result of one call and what the guest logged, whatever happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The verdict, or why there is none.
    pub result: Result<Verdict, Failure>,
    /// The guest's log lines, stdout and stderr.
    pub logs: Vec<LogLine>,
}
