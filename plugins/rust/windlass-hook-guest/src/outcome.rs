//! The hook's verdict, built from findings.

use serde_json::Value;

use crate::Finding;

/// What a hook returns: findings, objects to create, and the verdict.
///
/// Unless set with [`Outcome::verdict`], the verdict follows the findings: allowed
/// when none is an error. Build one with [`Outcome::new`] and the chained methods,
/// or collect findings into it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    findings: Vec<Finding>,
    create: Vec<Value>,
    verdict: Option<bool>,
}

impl Outcome {
    /// No findings, nothing to create: allowed.
    pub fn new() -> Outcome {
        Outcome::default()
    }

    /// Adds a finding.
    pub fn finding(mut self, finding: Finding) -> Outcome {
        self.findings.push(finding);
        self
    }

    /// Adds findings.
    pub fn extend(mut self, findings: impl IntoIterator<Item = Finding>) -> Outcome {
        self.findings.extend(findings);
        self
    }

    /// Asks the host to create `object` as a hook resource (its kind must be
    /// granted under the `WasmHook`'s `grants.create`).
    pub fn create(mut self, object: Value) -> Outcome {
        self.create.push(object);
        self
    }

    /// Sets the verdict, whatever the findings say.
    pub fn verdict(mut self, allowed: bool) -> Outcome {
        self.verdict = Some(allowed);
        self
    }

    /// The verdict: as set, or allowed when no finding is an error.
    pub fn is_allowed(&self) -> bool {
        self.verdict
            .unwrap_or_else(|| !self.findings.iter().any(Finding::is_error))
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The objects to create.
    pub fn created(&self) -> &[Value] {
        &self.create
    }
}

impl FromIterator<Finding> for Outcome {
    fn from_iter<I: IntoIterator<Item = Finding>>(findings: I) -> Outcome {
        Outcome::new().extend(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{deny, info, warn};
    use serde_json::json;

    #[test]
    fn verdict_follows_error_findings() {
        assert!(Outcome::new().is_allowed());
        assert!(
            Outcome::new()
                .finding(warn("w"))
                .finding(info("i"))
                .is_allowed()
        );
        let denied: Outcome = vec![info("i"), deny("d")].into_iter().collect();
        assert!(!denied.is_allowed());
        assert_eq!(denied.findings().len(), 2);
    }

    #[test]
    fn explicit_verdict_wins() {
        assert!(Outcome::new().finding(deny("d")).verdict(true).is_allowed());
        assert!(!Outcome::new().verdict(false).is_allowed());
    }

    #[test]
    fn keeps_objects_to_create_in_order() {
        let o = Outcome::new()
            .create(json!({"kind": "ConfigMap"}))
            .create(json!({"kind": "Secret"}));
        assert_eq!(
            o.created(),
            &[json!({"kind": "ConfigMap"}), json!({"kind": "Secret"})]
        );
    }
}
