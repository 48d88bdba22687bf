//! keycask's integration tests: one binary over the real executable.

mod util;

mod audit;
mod destruction;
mod fuzz_corpus;
mod generation;
mod hardening;
mod reliability;
mod rotation;
mod storage;
mod usage;
