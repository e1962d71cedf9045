//! Conversions between the host's types and the WIT bindings: the context a
//! component gets and the outcome it returns (checked against the limits and
//! grants).

use serde_json::Value;
use windlass_chart::HookEvent;

use crate::host::windlass::hook::types as t;
use crate::input::HookInput;
use crate::outcome::{Failure, Finding, ResourceRef, Severity, Verdict};
use crate::policy::{Policy, format_bytes};

/// The WIT `context` for `input`.
pub(crate) fn context(input: &HookInput) -> t::Context {
    t::Context {
        event: match input.event {
            HookEvent::PreInstall => t::Event::PreInstall,
            HookEvent::PostInstall => t::Event::PostInstall,
            HookEvent::PreDelete => t::Event::PreDelete,
            HookEvent::PostDelete => t::Event::PostDelete,
            HookEvent::PreUpgrade => t::Event::PreUpgrade,
            HookEvent::PostUpgrade => t::Event::PostUpgrade,
            HookEvent::PreRollback => t::Event::PreRollback,
            HookEvent::PostRollback => t::Event::PostRollback,
            HookEvent::Test => t::Event::Test,
        },
        release: t::Release {
            name: input.release.name.clone(),
            namespace: input.release.namespace.clone(),
            revision: input.release.revision,
            previous_revision: input.release.previous_revision,
            is_install: input.release.is_install,
            is_upgrade: input.release.is_upgrade,
        },
        chart: t::Chart {
            name: input.chart.name.clone(),
            version: input.chart.version.clone(),
            app_version: input.chart.app_version.clone(),
            kube_version: input.chart.kube_version.clone(),
            annotations: input
                .chart
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        },
        values: input.values.to_string(),
        resources: input
            .resources
            .iter()
            .map(|r| t::Resource {
                api_version: r.api_version.clone(),
                kind: r.kind.clone(),
                name: r.name.clone(),
                namespace: r.namespace.clone(),
                source: r.source.clone(),
                object: r.object.to_string(),
            })
            .collect(),
        config: input.config.to_string(),
        kube_version: input.kube_version.clone(),
        api_versions: input.api_versions.clone(),
    }
}

/// What a finding costs against the outcome limit besides its text: about
/// what its JSON keys and punctuation take, so that a flood of empty findings
/// counts as it would on the fallback ABI, where the limit applies to stdout.
const FINDING_OVERHEAD: usize = 32;

/// The size of an outcome against the outcome limit: every string in it
/// (resource refs included) plus [`FINDING_OVERHEAD`] per finding.
fn outcome_size(outcome: &t::Outcome) -> usize {
    let text = |s: &String| s.len();
    let finding = |f: &t::Finding| {
        let resource = f.resource.as_ref().map_or(0, |r| {
            r.api_version.len() + r.kind.len() + r.name.len() + r.namespace.as_ref().map_or(0, text)
        });
        FINDING_OVERHEAD + f.message.len() + f.field_path.as_ref().map_or(0, text) + resource
    };
    outcome
        .findings
        .iter()
        .map(finding)
        .chain(outcome.create.iter().map(text))
        .fold(0, usize::saturating_add)
}

/// The verdict from a component's outcome, within the outcome limit and the
/// create grants.
pub(crate) fn verdict(outcome: t::Outcome, policy: &Policy) -> Result<Verdict, Failure> {
    let size = outcome_size(&outcome);
    if size as u64 > policy.limits.outcome_bytes {
        return Err(Failure::OutcomeLimit(format_bytes(
            policy.limits.outcome_bytes,
        )));
    }
    let create = outcome
        .create
        .iter()
        .map(|text| {
            serde_json::from_str::<Value>(text).map_err(|e| {
                Failure::InvalidOutcome(format!("an object to create is not JSON: {e}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_create(&create, policy)?;
    Ok(Verdict {
        allowed: outcome.allowed,
        findings: outcome
            .findings
            .into_iter()
            .map(|f| Finding {
                severity: match f.severity {
                    t::Severity::Info => Severity::Info,
                    t::Severity::Warning => Severity::Warning,
                    t::Severity::Error => Severity::Error,
                },
                message: f.message,
                resource: f.resource.map(|r| ResourceRef {
                    api_version: r.api_version,
                    kind: r.kind,
                    name: r.name,
                    namespace: r.namespace,
                }),
                field_path: f.field_path,
            })
            .collect(),
        create,
    })
}

/// Every object to create must be an object with a name, of a granted kind.
pub(crate) fn check_create(objects: &[Value], policy: &Policy) -> Result<(), Failure> {
    for object in objects {
        let field = |name: &str| object.get(name).and_then(Value::as_str).unwrap_or_default();
        let (api_version, kind) = (field("apiVersion"), field("kind"));
        let name = object
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return Err(Failure::InvalidOutcome(
                "an object to create needs apiVersion, kind and metadata.name".to_string(),
            ));
        }
        if !policy.grants.may_create(api_version, kind) {
            return Err(Failure::InvalidOutcome(format!(
                "creating {api_version} {kind} `{name}` is not granted (grants.create)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(message: &str, resource: Option<t::ResourceRef>) -> t::Finding {
        t::Finding {
            severity: t::Severity::Info,
            message: message.to_string(),
            resource,
            field_path: Some("a.b".to_string()),
        }
    }

    #[test]
    fn the_outcome_size_counts_every_string_and_each_finding() {
        let outcome = t::Outcome {
            allowed: true,
            findings: vec![
                finding("hello", None),
                finding(
                    "",
                    Some(t::ResourceRef {
                        api_version: "v1".to_string(),
                        kind: "ConfigMap".to_string(),
                        name: "web".to_string(),
                        namespace: Some("team".to_string()),
                    }),
                ),
            ],
            create: vec!["{}".to_string()],
        };
        let strings = 5 + 3 + 3 + (2 + 9 + 3 + 4) + 2;
        assert_eq!(outcome_size(&outcome), strings + 2 * FINDING_OVERHEAD);
    }
}
