//! The key bundle parser on arbitrary bytes (see `src/fuzz.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keycask::fuzz::bundle(data));
