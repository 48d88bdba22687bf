//! The agent's request parser and frame reader on arbitrary bytes (see
//! `checks.rs`).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::agent_request(data));
