//! The whole unwrap path on arbitrary bytes (see `checks.rs`). Run with
//! LeakSanitizer off (scripts/fuzz.sh says why).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::unwrap(data));
