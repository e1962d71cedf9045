//! Findings: what a hook tells the user, built as `deny(msg).at(path).on(resource)`.

use std::fmt;

/// How serious a finding is. Only [`Severity::Error`] findings deny an
/// [`Outcome`](crate::Outcome) by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// `Kind/name`, or `Kind namespace/name` when the namespace is known: how findings
/// name resources in their messages.
impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// One thing the hook wants the user to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
    /// The resource it is about, if any.
    pub resource: Option<ResourceRef>,
    /// A path into the values or the resource (`image.tag`, `spec.replicas`).
    pub field_path: Option<String>,
}

impl Finding {
    /// A finding of `severity` about nothing in particular.
    pub fn new(severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            message: message.into(),
            resource: None,
            field_path: None,
        }
    }

    /// Sets the field path (a [`Path`](crate::Path) or any text).
    pub fn at(mut self, path: impl fmt::Display) -> Finding {
        self.field_path = Some(path.to_string());
        self
    }

    /// Sets the resource the finding is about.
    pub fn on(mut self, resource: ResourceRef) -> Finding {
        self.resource = Some(resource);
        self
    }

    /// Whether this finding denies by default.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An error finding: the reason the hook denies.
pub fn deny(message: impl Into<String>) -> Finding {
    Finding::new(Severity::Error, message)
}

/// A warning: shown, but does not deny.
pub fn warn(message: impl Into<String>) -> Finding {
    Finding::new(Severity::Warning, message)
}

/// Information for the user.
pub fn info(message: impl Into<String>) -> Finding {
    Finding::new(Severity::Info, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Path;

    #[test]
    fn builders_set_severity_path_and_resource() {
        let web = ResourceRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: "web".into(),
            namespace: Some("shop".into()),
        };
        let f = deny("no limits")
            .at(Path::parse("spec.template").unwrap().key("x").index(0))
            .on(web.clone());
        assert_eq!(f.severity, Severity::Error);
        assert!(f.is_error());
        assert_eq!(f.message, "no limits");
        assert_eq!(f.field_path.as_deref(), Some("spec.template.x[0]"));
        assert_eq!(f.resource, Some(web));
        assert_eq!(warn("w").severity, Severity::Warning);
        assert!(!warn("w").is_error());
        assert_eq!(
            info("i").at("image.tag").field_path.as_deref(),
            Some("image.tag")
        );
        assert_eq!(info("i").resource, None);
    }

    #[test]
    fn resource_display() {
        let mut r = ResourceRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            name: "p".into(),
            namespace: None,
        };
        assert_eq!(r.to_string(), "Pod/p");
        r.namespace = Some("ns".into());
        assert_eq!(r.to_string(), "Pod ns/p");
    }
}
