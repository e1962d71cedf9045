//! A value built from the input through `toYaml` and back through
//! `fromYaml`, and the input itself through `fromYaml`: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    windlass_template_fuzz::to_yaml(data);
});
