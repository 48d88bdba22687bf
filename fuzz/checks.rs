//! What each fuzz target checks, shared with the test suite, which runs
//! every committed corpus file through the same checks
//! (`tests/fuzz_corpus.rs`): a crash the fuzzer finds becomes a corpus file
//! and so a regression test.

// Each fuzz target uses one of these.
#![allow(dead_code)]

use keycask::audit::{MacKey, verify_bytes};
use keycask::keyring::{AuditState, file};
use keycask::secret::SecretKey32;

/// The keyring loader on arbitrary bytes: never panics, and whatever it
/// accepts it writes back in a form it reads back identically (the MAC
/// depends on that).
pub fn keyring_json(data: &[u8]) {
    if let Ok(doc) = file::parse(data) {
        let bytes = file::to_bytes(&doc);
        let again = file::parse(&bytes).expect("what keycask writes, it reads");
        assert_eq!(again, doc);
        assert_eq!(file::to_bytes(&again), bytes);
    }
}

/// The audit log verifier on arbitrary bytes: never panics, and what it
/// reports is consistent. The seed logs are MACed under this key and
/// keyring id (written by `src/audit.rs`'s tests), so mutations get past the
/// MAC to the chain and sequence checks.
pub fn audit_log(data: &[u8]) {
    let key = MacKey::derive(&SecretKey32::from_bytes([7; 32]), "ring");
    let lines = data.iter().filter(|&&b| b == b'\n').count();
    for seq in [0, 1, 3] {
        let state = AuditState {
            seq,
            last: String::new(),
            key: String::new(),
            kek_version: 1,
            usage: false,
        };
        let verdict = verify_bytes(data, "ring", &state, &key);
        assert_eq!(verdict.records, lines);
        assert_eq!(
            verdict.partial_line,
            !data.is_empty() && !data.ends_with(b"\n")
        );
        assert!(verdict.uncommitted.iter().all(|&s| s > seq), "{verdict:?}");
        assert!(verdict.uncommitted.len() <= lines);
    }
}
