//! Reads one ConfigMap (`default/settings`) through the `cluster` interface
//! and reports the answer: allows with the object, or returns `err` with why
//! there was none.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

use windlass::hook::cluster::get_object;
use windlass::hook::types::{Finding, Severity};

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        match get_object("v1", "ConfigMap", Some("default"), "settings") {
            Ok(Some(object)) => Ok(Outcome {
                allowed: true,
                findings: vec![Finding {
                    severity: Severity::Info,
                    message: object,
                    resource: None,
                    field_path: None,
                }],
                create: Vec::new(),
            }),
            Ok(None) => Err("lookup: no such ConfigMap".to_string()),
            Err(e) => Err(format!("lookup failed: {e:?}")),
        }
    }
}

export!(Hook);
