//! Returns an outcome far over any sensible outcome limit. The config (a JSON
//! string) picks where the bulk is:
//! - `"messages"` (default): 48 findings with 1 MiB messages, and 16 objects
//!   to create of 1 MiB each;
//! - `"resource-refs"`: empty messages, 1 MiB in each finding's resource name;
//! - `"count"`: 400 000 empty findings.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

use windlass::hook::types::{Finding, ResourceRef, Severity};

fn finding(message: String, resource: Option<ResourceRef>) -> Finding {
    Finding {
        severity: Severity::Warning,
        message,
        resource,
        field_path: None,
    }
}

struct Hook;

impl Guest for Hook {
    fn run(context: Context) -> Result<Outcome, String> {
        let mib = "z".repeat(1 << 20);
        let mut create = Vec::new();
        let findings = match context.config.trim_matches('"') {
            "resource-refs" => (0..48)
                .map(|_| {
                    finding(
                        String::new(),
                        Some(ResourceRef {
                            api_version: "v1".to_string(),
                            kind: "ConfigMap".to_string(),
                            name: mib.clone(),
                            namespace: Some(mib.clone()),
                        }),
                    )
                })
                .collect(),
            "count" => (0..400_000).map(|_| finding(String::new(), None)).collect(),
            _ => {
                create = (0..16)
                    .map(|i| {
                        format!(
                            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"c{i}"}},"data":{{"x":"{mib}"}}}}"#
                        )
                    })
                    .collect();
                (0..48).map(|_| finding(mib.clone(), None)).collect()
            }
        };
        Ok(Outcome {
            allowed: true,
            findings,
            create,
        })
    }
}

export!(Hook);
