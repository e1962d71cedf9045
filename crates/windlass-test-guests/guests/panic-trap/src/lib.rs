//! Logs a line, then panics (a trap: Wasm panics abort).

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

use windlass::hook::log::{Level, log};

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        log(Level::Warn, "about to panic", &[]);
        panic!("hostile guest panics on purpose");
    }
}

export!(Hook);
