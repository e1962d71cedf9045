//! Copies 96 MiB with one `memory.copy` (the Wasm targets enable bulk memory,
//! so `copy_within` lowers to it), forever. A single instruction cannot be
//! interrupted; the deadline must still hold between them.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

const HALF: usize = 96 << 20;

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        let mut buffer = vec![0u8; 2 * HALF];
        let mut from = 0;
        loop {
            let to = HALF - from;
            buffer.copy_within(from..from + std::hint::black_box(HALF), to);
            from = std::hint::black_box(to);
        }
    }
}

export!(Hook);
