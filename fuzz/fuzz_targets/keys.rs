//! The PEM and DER key parsers and signature verification on arbitrary
//! bytes (see `checks.rs`).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::keys(data));
