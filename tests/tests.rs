//! keycask's integration tests: one binary over the real executable.

mod util;

mod destruction;
mod distribution;
mod generation;
mod hsm;
mod rotation;
mod storage;
mod usage;
