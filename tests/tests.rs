//! keycask's integration tests: one binary over the real executable.

mod util;

mod agent;
mod architecture;
mod audit;
mod clock;
mod destruction;
mod distribution;
mod docs;
mod errors;
mod generation;
mod hardening;
mod help;
mod hsm;
mod json_schemas;
mod output_safety;
mod recipients;
mod recovery;
mod reencrypt;
mod reliability;
mod rotation;
mod signatures;
mod storage;
mod supply_chain;
mod transit;
mod usage;
mod vectors_keyring;
#[path = "../src/tests/wycheproof.rs"]
mod wycheproof;
