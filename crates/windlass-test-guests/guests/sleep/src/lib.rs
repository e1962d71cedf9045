//! Sleeps an hour through WASI clocks (a `monotonic-clock` pollable), inside
//! a host call that epochs cannot interrupt.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        std::thread::sleep(std::time::Duration::from_secs(3600));
        Err("woke up after an hour".to_string())
    }
}

export!(Hook);
