//! The audit log verifier on arbitrary bytes (see `checks.rs`).
#![no_main]

include!("../checks.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| audit_log(data));
