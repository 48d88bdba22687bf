//! keycask's integration tests: one binary over the real executable.

mod util;

mod audit;
mod fuzz_corpus;
mod generation;
mod hardening;
mod reliability;
mod storage;
