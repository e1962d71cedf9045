//! A WASI command on the fallback ABI that writes to stdout what its config
//! (from the context on stdin) says, ignoring write errors, and exits 0:
//! - `{"garbage": N}`: N bytes of pseudo-random garbage (not UTF-8, not JSON);
//! - `{"padded": N}`: a valid outcome whose one finding is N bytes long;
//! - `"strict": true` with either: panics on a failed write instead.

use std::io::{Read, Write};

fn main() {
    let mut input = String::new();
    let _ = std::io::stdin().read_to_string(&mut input);
    let context: serde_json::Value = serde_json::from_str(&input).unwrap_or_default();
    let config = &context["config"];
    let strict = config["strict"].as_bool().unwrap_or(false);
    let mut stdout = std::io::stdout().lock();
    let mut write = |bytes: &[u8]| {
        if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            assert!(!strict, "cannot write to stdout: {e}");
        }
    };
    if let Some(n) = config["padded"].as_u64() {
        let message = "p".repeat(usize::try_from(n).unwrap_or(0));
        let outcome = format!(
            r#"{{"allowed": true, "findings": [{{"severity": "info", "message": "{message}"}}]}}"#
        );
        write(outcome.as_bytes());
    } else {
        let mut left = config["garbage"].as_u64().unwrap_or(4096);
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut chunk = [0u8; 65536];
        while left > 0 {
            for byte in chunk.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *byte = (state >> 24) as u8 | 0x80;
            }
            let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(0);
            write(&chunk[..n]);
            left -= n as u64;
        }
    }
}
