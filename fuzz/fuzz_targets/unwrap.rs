//! The whole unwrap path on arbitrary bytes (see `src/fuzz.rs`). Run with
//! LeakSanitizer off (scripts/fuzz.sh says why).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keycask::fuzz::unwrap(data));
