//! The whole unwrap path on arbitrary bytes (see `checks.rs`).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(
    // What is created once and kept for the process (rayon's global pool,
    // the runtime's thread bookkeeping) is created before fuzzing by one
    // good unwrap, so that LeakSanitizer does not blame it on an input.
    init: {
        rayon::current_num_threads();
        checks::unwrap(include_bytes!("../../tests/vectors/three_chunks.kc"));
    },
    |data: &[u8]| checks::unwrap(data)
);
