//! The keyring JSON loader on arbitrary bytes (see `src/fuzz.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keycask::fuzz::keyring_json(data));
