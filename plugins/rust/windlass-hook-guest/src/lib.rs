//! Writing windlass hooks in Rust.
//!
//! A hook is a plain function from an [`Input`] (the context with its JSON parsed) and
//! a [`Cluster`] to an [`Outcome`]; [`export_hook!`] turns it into the component's
//! `run` export. Keeping the function free of the bindings lets `cargo test` on the
//! host target call it with any input and a test [`Cluster`].
//!
//! ```
//! use windlass_hook_guest::{Cluster, Input, Outcome, deny, lookup_str};
//!
//! fn run(input: &Input, _cluster: &dyn Cluster) -> Result<Outcome, String> {
//!     let mut outcome = Outcome::new();
//!     if lookup_str(input.values.get(), "image.tag") == Some("latest") {
//!         outcome = outcome.finding(deny("image.tag must not be latest").at("image.tag"));
//!     }
//!     Ok(outcome)
//! }
//!
//! windlass_hook_guest::export_hook!(run);
//! ```
//!
//! Returning `Err` means the hook could not do its job (an invalid config, say): the
//! event fails with that message, as on a denial.

// The generated bindings name this crate by its path, from inside it too.
extern crate self as windlass_hook_guest;

mod cluster;
mod finding;
mod input;
pub mod log;
mod outcome;
mod path;

pub use cluster::{Cluster, HostCluster, LookupError};
pub use finding::{Finding, ResourceRef, Severity, deny, info, warn};
pub use input::{Chart, Event, Input, Json, Release, Resource, api_group, config_as};
pub use outcome::Outcome;
pub use path::{
    Path, PathError, Segment, lookup, lookup_as, lookup_bool, lookup_f64, lookup_i64, lookup_str,
};
pub use serde_json::{self, Value, json};

/// The `windlass:hook@0.1.0` bindings, generated from the repository's `wit/`.
#[allow(missing_docs, clippy::all, unused_qualifications)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "hook",
        pub_export_macro: true,
        default_bindings_module: "windlass_hook_guest::bindings",
        runtime_path: "windlass_hook_guest::__rt",
    });
}

#[doc(hidden)]
pub use wit_bindgen::rt as __rt;

/// The signature of a hook: see the crate docs.
pub type HookFn = fn(&Input, &dyn Cluster) -> Result<Outcome, String>;

/// Exports `$run` (a [`HookFn`]) as the component's `run`. Use once, at the crate
/// root of a `cdylib`.
#[macro_export]
macro_rules! export_hook {
    ($run:path) => {
        struct WindlassHook;

        impl $crate::bindings::Guest for WindlassHook {
            fn run(
                context: $crate::bindings::Context,
            ) -> ::core::result::Result<$crate::bindings::Outcome, ::std::string::String> {
                $crate::run_hook(context, $run)
            }
        }

        $crate::bindings::export!(WindlassHook with_types_in $crate::bindings);
    };
}

/// The glue behind [`export_hook!`]: parses the context, runs the hook against the
/// host's cluster and converts its outcome.
#[doc(hidden)]
pub fn run_hook(context: bindings::Context, hook: HookFn) -> Result<bindings::Outcome, String> {
    let input = Input::from_context(context)?;
    let outcome = hook(&input, &HostCluster)?;
    Ok(to_wit(outcome))
}

fn to_wit(outcome: Outcome) -> bindings::Outcome {
    use bindings::windlass::hook::types as wit;
    wit::Outcome {
        allowed: outcome.is_allowed(),
        findings: outcome
            .findings()
            .iter()
            .map(|f| wit::Finding {
                severity: match f.severity {
                    Severity::Info => wit::Severity::Info,
                    Severity::Warning => wit::Severity::Warning,
                    Severity::Error => wit::Severity::Error,
                },
                message: f.message.clone(),
                resource: f.resource.as_ref().map(|r| wit::ResourceRef {
                    api_version: r.api_version.clone(),
                    kind: r.kind.clone(),
                    name: r.name.clone(),
                    namespace: r.namespace.clone(),
                }),
                field_path: f.field_path.clone(),
            })
            .collect(),
        create: outcome.created().iter().map(Value::to_string).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_converts_to_wit() {
        let web = ResourceRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: "web".into(),
            namespace: None,
        };
        let o = Outcome::new()
            .finding(deny("d").at("spec.selector").on(web))
            .finding(warn("w"))
            .create(json!({"kind": "ConfigMap"}));
        let w = to_wit(o);
        assert!(!w.allowed);
        assert_eq!(w.findings.len(), 2);
        assert!(matches!(
            w.findings[0].severity,
            bindings::windlass::hook::types::Severity::Error
        ));
        assert_eq!(w.findings[0].field_path.as_deref(), Some("spec.selector"));
        assert_eq!(w.findings[0].resource.as_ref().unwrap().name, "web");
        assert!(matches!(
            w.findings[1].severity,
            bindings::windlass::hook::types::Severity::Warning
        ));
        assert_eq!(w.create, vec![r#"{"kind":"ConfigMap"}"#.to_string()]);
    }
}
