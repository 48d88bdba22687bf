//! The keyring JSON loader on arbitrary bytes (see `checks.rs`).
#![no_main]

include!("../checks.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyring_json(data));
