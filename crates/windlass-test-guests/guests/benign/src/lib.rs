//! The control guest: logs one line, writes one line to stdout and allows.
//! Run after every hostile guest to show the host survived.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

use windlass::hook::log::{Level, log};
use windlass::hook::types::{Finding, Severity};

struct Hook;

impl Guest for Hook {
    fn run(context: Context) -> Result<Outcome, String> {
        log(
            Level::Info,
            "benign guest ran",
            &[("release".to_string(), context.release.name.clone())],
        );
        println!("benign stdout line");
        Ok(Outcome {
            allowed: true,
            findings: vec![Finding {
                severity: Severity::Info,
                message: format!("benign ok for {}", context.release.name),
                resource: None,
                field_path: None,
            }],
            create: Vec::new(),
        })
    }
}

export!(Hook);
