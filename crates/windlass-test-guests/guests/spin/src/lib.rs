//! Loops forever without calling the host: only epoch interruption and the
//! call's timeout can end it.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}

export!(Hook);
