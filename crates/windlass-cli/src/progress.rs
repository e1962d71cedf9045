//! Renders engine events on stderr: one readable line per step, or JSON lines
//! when data goes out as JSON/YAML (so a machine reading stdout can read
//! stderr too). No colour is used, so `NO_COLOR` needs no handling.

use std::io::Write;

use windlass_engine::{Event, Progress};

/// Writes events to stderr.
pub struct Stderr {
    json: bool,
}

impl Stderr {
    /// Human-readable lines, or JSON lines with `json`.
    pub fn new(json: bool) -> Self {
        Stderr { json }
    }
}

impl Progress for Stderr {
    fn emit(&self, event: Event) {
        let mut err = std::io::stderr().lock();
        if self.json {
            if let Ok(line) = serde_json::to_string(&event) {
                let _ = writeln!(err, "{line}");
            }
            return;
        }
        if let Some(line) = human(&event) {
            let _ = writeln!(err, "{line}");
        }
    }
}

fn human(event: &Event) -> Option<String> {
    Some(match event {
        Event::Warning { message } => format!("warning: {message}"),
        Event::Recorded { .. } => return None,
        Event::HooksStarted { hook_event, count } => {
            format!("{hook_event}: {count} hook{}", plural(*count))
        }
        Event::HookStarted { hook, .. } => format!("  running {hook} ({})", hook.runtime),
        Event::HookNotApplied { hook, reason, .. } => {
            format!("  not applied: {hook} ({}): {reason}", hook.runtime)
        }
        Event::HookSucceeded {
            hook, duration_ms, ..
        } => format!("  succeeded: {hook} in {duration_ms}ms"),
        Event::HookFailed {
            hook,
            message,
            duration_ms,
            ..
        } => format!("  failed: {hook} after {duration_ms}ms: {message}"),
        Event::HookOutput { hook, line } => format!("  | {hook}: {line}"),
        Event::HookProgress { hook, message } => format!("  ... {hook}: {message}"),
        Event::HookDeleted { hook, policy } => format!("  deleted {hook} ({policy})"),
        Event::ResourcesApplied { count } => format!("resources: {count} applied"),
        Event::ResourcesDeleted { count } => format!("resources: {count} deleted"),
        Event::ResourcesKept { resources } => format!(
            "resources kept (helm.sh/resource-policy: keep): {}",
            join(resources)
        ),
        Event::ResourcesNotApplied { resources, reason } => format!(
            "resources: {} not applied, {reason}: {}",
            resources.len(),
            join(resources)
        ),
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
