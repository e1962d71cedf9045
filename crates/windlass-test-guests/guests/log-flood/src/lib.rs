//! Logs 100 MiB through the `log` interface (1600 lines of 64 KiB), then allows.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

use windlass::hook::log::{Level, log};

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        let line = "x".repeat(64 << 10);
        for i in 0..1600 {
            log(Level::Info, &line, &[("line".to_string(), i.to_string())]);
        }
        Ok(Outcome {
            allowed: true,
            findings: Vec::new(),
            create: Vec::new(),
        })
    }
}

export!(Hook);
