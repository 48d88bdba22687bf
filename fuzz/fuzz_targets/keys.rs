//! The PEM and DER key parsers and signature verification on arbitrary
//! bytes (see `src/fuzz.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keycask::fuzz::keys(data));
