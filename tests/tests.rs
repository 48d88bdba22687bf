//! keycask's integration tests: one binary over the real executable.

mod util;

mod distribution;
mod generation;
mod storage;
