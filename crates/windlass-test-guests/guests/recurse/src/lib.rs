//! Recurses without bound. The result is combined after the call (with a
//! rotate, which is not an accumulator LLVM can turn into a loop), so every
//! level keeps a Wasm frame.

wit_bindgen::generate!({ path: "../../../../wit", world: "hook" });

#[inline(never)]
fn dive(n: u64) -> u64 {
    if n == 0 {
        return 1;
    }
    dive(n - 1).rotate_left(7) ^ n
}

struct Hook;

impl Guest for Hook {
    fn run(_context: Context) -> Result<Outcome, String> {
        let depth = std::hint::black_box(u64::MAX);
        Err(format!("recursion came back: {}", dive(depth)))
    }
}

export!(Hook);
