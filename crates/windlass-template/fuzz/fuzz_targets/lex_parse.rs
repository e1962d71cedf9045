//! Any UTF-8 text through the lexer and the parser: items or a parse error,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Templates are text: render refuses other bytes before lexing.
    if let Ok(text) = std::str::from_utf8(data) {
        windlass_template_fuzz::lex_parse(text);
    }
});
