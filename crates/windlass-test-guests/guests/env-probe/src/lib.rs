//! Reads environment variables, arguments and the working directory. Returns
//! `err` with everything it saw (the host grants none of it).

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        let args: Vec<String> = std::env::args().collect();
        let home = std::env::var("HOME");
        let path = std::env::var("PATH");
        let cwd = std::env::current_dir();
        Err(format!(
            "saw {} environment variables {vars:?}; args {args:?}; HOME {home:?}; PATH {path:?}; cwd {cwd:?}",
            vars.len()
        ))
    }
}

export!(Hook);
