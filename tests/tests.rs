//! keycask's integration tests: one binary over the real executable.

mod util;

mod generation;
mod hsm;
mod storage;
