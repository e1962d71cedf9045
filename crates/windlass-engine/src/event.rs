//! Progress events: everything the engine does, as data. The CLI renders them
//! (a live display on a terminal, JSON lines with `-o json`); the engine never
//! prints.

use serde::Serialize;
use windlass_chart::{Hook, HookEvent};
use windlass_release::Status;

/// A hook as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookRef {
    /// Kind (`Job`, `WasmHook`, ...).
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// The template it came from.
    pub path: String,
    /// `kubernetes` or `wasm`.
    pub runtime: &'static str,
    /// Its weight.
    pub weight: i64,
}

impl HookRef {
    /// The reference for `hook`.
    pub fn of(hook: &Hook) -> Self {
        HookRef {
            kind: hook.kind.clone(),
            name: hook.name.clone(),
            path: hook.path.clone(),
            runtime: hook.runtime().as_str(),
            weight: hook.weight,
        }
    }
}

impl std::fmt::Display for HookRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// A rendered resource as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRef {
    /// Kind.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, or the release's namespace.
    pub namespace: String,
}

impl std::fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// One step of an action.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// Something Helm would accept silently that the user should know.
    Warning {
        /// What.
        message: String,
    },
    /// A revision was written with this status.
    Recorded {
        /// Release name.
        release: String,
        /// Revision.
        revision: u32,
        /// Status written.
        status: Status,
        /// Description written.
        description: String,
    },
    /// The hooks of an event are about to run.
    HooksStarted {
        /// The lifecycle event.
        hook_event: HookEvent,
        /// How many hooks it has.
        count: usize,
    },
    /// A hook is starting.
    HookStarted {
        /// The lifecycle event.
        hook_event: HookEvent,
        /// The hook.
        hook: HookRef,
    },
    /// A hook was not run here, and why (no cluster, no runtime).
    HookNotApplied {
        /// The lifecycle event.
        hook_event: HookEvent,
        /// The hook.
        hook: HookRef,
        /// Why.
        reason: String,
    },
    /// A hook finished successfully.
    HookSucceeded {
        /// The lifecycle event.
        hook_event: HookEvent,
        /// The hook.
        hook: HookRef,
        /// How long it ran.
        duration_ms: u64,
    },
    /// A hook failed.
    HookFailed {
        /// The lifecycle event.
        hook_event: HookEvent,
        /// The hook.
        hook: HookRef,
        /// Why.
        message: String,
        /// How long it ran.
        duration_ms: u64,
    },
    /// A change in a running hook: its Job's pod counts, its Pod's phase.
    HookProgress {
        /// The hook.
        hook: HookRef,
        /// What changed.
        message: String,
    },
    /// What a hook printed (its logs, or a Wasm hook's findings).
    HookOutput {
        /// The hook.
        hook: HookRef,
        /// One line of output.
        line: String,
    },
    /// A hook's resource was deleted by a delete policy.
    HookDeleted {
        /// The hook.
        hook: HookRef,
        /// The policy that deleted it.
        policy: String,
    },
    /// Resources were applied to the target.
    ResourcesApplied {
        /// How many.
        count: usize,
    },
    /// Resources were deleted from the target.
    ResourcesDeleted {
        /// How many.
        count: usize,
    },
    /// Resources left in place by `helm.sh/resource-policy: keep`.
    ResourcesKept {
        /// Which.
        resources: Vec<ResourceRef>,
    },
    /// Resources the target did not apply or delete, and why.
    ResourcesNotApplied {
        /// Which.
        resources: Vec<ResourceRef>,
        /// Why.
        reason: String,
    },
}

/// Receives events as they happen.
pub trait Progress: Send + Sync {
    /// Called for every event, in order.
    fn emit(&self, event: Event);
}

/// Discards events.
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn emit(&self, _event: Event) {}
}
