//! The agent's request parser and frame reader on arbitrary bytes (see
//! `src/fuzz.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keycask::fuzz::agent_request(data));
