//! keycask's integration tests: one binary over the real executable.

mod util;

mod destruction;
mod distribution;
mod docs;
mod errors;
mod generation;
mod help;
mod hsm;
mod json_schemas;
mod rotation;
mod storage;
mod usage;
