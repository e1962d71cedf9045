//! Any UTF-8 text as one template of a small chart, rendered: output or a
//! template error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        windlass_template_fuzz::render_template(text);
    }
});
