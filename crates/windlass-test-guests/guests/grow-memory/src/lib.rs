//! Allocates 1 MiB chunks, touching every page, and never frees them: the
//! memory limit must stop it.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut chunk = vec![0u8; 1 << 20];
            for page in chunk.chunks_mut(4096) {
                page[0] = 1;
            }
            hoard.push(std::hint::black_box(chunk));
        }
    }
}

export!(Hook);
