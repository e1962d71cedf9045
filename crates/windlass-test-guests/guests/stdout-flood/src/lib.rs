//! Writes 100 MiB to stdout (1600 lines of 64 KiB), ignoring write errors,
//! then allows as if nothing happened.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

use std::io::Write;

use windlass::hook::types::{Finding, Severity};

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        let mut line = "y".repeat((64 << 10) - 1);
        line.push('\n');
        let mut stdout = std::io::stdout().lock();
        let mut failed = 0;
        for _ in 0..1600 {
            if stdout.write_all(line.as_bytes()).is_err() {
                failed += 1;
            }
        }
        let _ = stdout.flush();
        Ok(Outcome {
            allowed: true,
            findings: vec![Finding {
                severity: Severity::Info,
                message: format!("{failed} of 1600 stdout writes failed"),
                resource: None,
                field_path: None,
            }],
            create: Vec::new(),
        })
    }
}

export!(Hook);
