//! Objects a Wasm hook asks the host to create (`outcome.create`): created as
//! resources of that hook, labelled with the release and the hook, and deleted
//! by the hook's delete policy like the hook itself.
//!
//! A Job hook's objects are known from its manifest; a Wasm hook's only once it
//! has run, and the run that created them may have been an earlier process. So
//! `before-hook-creation` finds the previous run's objects by their labels,
//! among the kinds the hook may create (`grants.create`), in the release's
//! namespace.

use std::time::Duration;

use serde_json::Value;
use windlass_chart::{Hook, HookRuntime};

use crate::engine::Engine;
use crate::event::{Event, ResourceRef};
use crate::target::Applied;
use crate::wasm_hook::WasmHookSpec;

/// The release an object a hook created belongs to.
pub const RELEASE_LABEL: &str = "windlass.dev/release";
/// The hook that created it (its name, shortened to fit a label value).
pub const HOOK_LABEL: &str = "windlass.dev/hook";

/// A label value naming `hook`: the name itself when it fits (63 characters),
/// else its start and a digest of the whole, so that distinct hooks stay distinct.
fn hook_label(hook: &str) -> String {
    if hook.len() <= 63 {
        return hook.to_string();
    }
    let digest = windlass_wasm::Digest::of(hook.as_bytes());
    let head = hook[..48].trim_end_matches(['-', '.']);
    format!("{head}-{}", &digest.hex()[..12])
}

/// The label selector of the objects `hook` of `release` created.
fn selector(release: &str, hook: &str) -> String {
    format!(
        "{RELEASE_LABEL}={release},{HOOK_LABEL}={}",
        hook_label(hook)
    )
}

/// `objects` with the release and hook labels added.
fn labelled(release: &str, hook: &str, objects: &[Value]) -> Vec<Value> {
    objects
        .iter()
        .map(|object| {
            let mut object = object.clone();
            if let Some(map) = object.as_object_mut() {
                let metadata = map
                    .entry("metadata")
                    .or_insert_with(|| Value::Object(Default::default()));
                if let Some(metadata) = metadata.as_object_mut() {
                    let labels = metadata
                        .entry("labels")
                        .or_insert_with(|| Value::Object(Default::default()));
                    if let Some(labels) = labels.as_object_mut() {
                        labels.insert(RELEASE_LABEL.into(), Value::from(release));
                        labels.insert(HOOK_LABEL.into(), Value::from(hook_label(hook)));
                    }
                }
            }
            object
        })
        .collect()
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Engine {
    /// Creates the objects `hook` of `release` asked for; returns them as
    /// created (labelled), for its delete policy.
    pub(crate) async fn create_hook_objects(
        &self,
        release: &str,
        namespace: &str,
        hook: &Hook,
        objects: &[Value],
    ) -> Result<Vec<Value>, String> {
        let objects = labelled(release, &hook.name, objects);
        let refs = objects
            .iter()
            .map(|o| {
                let metadata = o.get("metadata");
                ResourceRef {
                    kind: text(o.get("kind")),
                    name: text(metadata.and_then(|m| m.get("name"))),
                    namespace: metadata
                        .and_then(|m| m.get("namespace"))
                        .and_then(Value::as_str)
                        .unwrap_or(namespace)
                        .to_string(),
                }
            })
            .collect();
        match self.target.create_hook_objects(namespace, &objects).await {
            Ok(Applied::Done) => {
                self.emit(Event::ResourcesApplied {
                    count: objects.len(),
                });
                Ok(objects)
            }
            Ok(Applied::NotApplied { reason }) => {
                self.emit(Event::ResourcesNotApplied {
                    resources: refs,
                    reason,
                });
                Ok(objects)
            }
            Err(message) => Err(format!(
                "creating the objects it asked for failed: {message}"
            )),
        }
    }

    /// `before-hook-creation` for what a Wasm hook created on an earlier run:
    /// finds those objects by label and deletes them, waiting until they are gone.
    pub(crate) async fn delete_previously_created(
        &self,
        release: &str,
        namespace: &str,
        hook: &Hook,
        timeout: Duration,
    ) -> Result<(), String> {
        if hook.runtime() != HookRuntime::Wasm {
            return Ok(());
        }
        // A spec that does not parse never ran, so it created nothing; running
        // it is what reports the bad spec.
        let Ok(spec) = WasmHookSpec::of(hook) else {
            return Ok(());
        };
        let kinds: Vec<(String, String)> = spec
            .grants
            .create
            .into_iter()
            .map(|g| (g.api_version, g.kind))
            .collect();
        if kinds.is_empty() {
            return Ok(());
        }
        let previous = self
            .target
            .find_hook_objects(namespace, &kinds, &selector(release, &hook.name))
            .await?;
        if previous.is_empty() {
            return Ok(());
        }
        self.target
            .delete_hook_objects(namespace, &previous, timeout)
            .await
            .map(|_| ())
    }

    /// Deletes the objects a hook created along with the hook; a failure is a
    /// warning, like any deletion on the way out.
    pub(crate) async fn delete_created(
        &self,
        namespace: &str,
        objects: &[Value],
        timeout: Duration,
    ) {
        if objects.is_empty() {
            return;
        }
        if let Err(message) = self
            .target
            .delete_hook_objects(namespace, objects, timeout)
            .await
        {
            self.emit(Event::Warning {
                message: format!("deleting objects a hook created failed: {message}"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_release_and_the_hook_within_label_limits() {
        let objects = labelled(
            "web",
            "web-db-password",
            &[
                serde_json::json!({"kind": "Secret", "metadata": {"name": "s", "labels": {"a": "b"}}}),
            ],
        );
        let labels = &objects[0]["metadata"]["labels"];
        assert_eq!(labels["a"], "b");
        assert_eq!(labels[RELEASE_LABEL], "web");
        assert_eq!(labels[HOOK_LABEL], "web-db-password");

        let long = format!("{}-hook", "a".repeat(70));
        let other = format!("{}-gate", "a".repeat(70));
        let (one, two) = (hook_label(&long), hook_label(&other));
        assert!(one.len() <= 63 && two.len() <= 63, "{one} {two}");
        assert_ne!(one, two);
        assert!(one.starts_with("aaaa") && one.chars().last().unwrap().is_ascii_alphanumeric());
        assert_eq!(
            selector("web", &long),
            format!("windlass.dev/release=web,windlass.dev/hook={one}")
        );
    }
}
