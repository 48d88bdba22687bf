//! Every committed fuzz corpus file, run through the fuzz targets' checks
//! without libFuzzer: the corpora are regression tests (a crash the fuzzer
//! finds is added to its corpus), at no cost to `make test`.

use std::path::Path;

#[path = "../fuzz/checks.rs"]
mod checks;

fn each_input(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails its fuzz check", path.display());
        count += 1;
    }
    count
}

#[test]
fn keyring_json_corpus() {
    assert!(each_input("keyring_json", checks::keyring_json) >= 5);
}

#[test]
fn audit_log_corpus() {
    assert!(each_input("audit_log", checks::audit_log) >= 4);
}

#[test]
fn envelope_header_corpus() {
    assert!(each_input("envelope_header", checks::envelope_header) >= 10);
}

#[test]
fn unwrap_corpus() {
    assert!(each_input("unwrap", checks::unwrap) >= 10);
}

#[test]
fn armor_decoder_corpus() {
    assert!(each_input("armor_decoder", checks::armor_decoder) >= 3);
}

#[test]
fn bundle_corpus() {
    assert!(each_input("bundle", checks::bundle) >= 4);
    // The seeds are real bundles (plain, RSA-OAEP, signed): the fuzzer
    // starts past the parser's first checks.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/bundle");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bundle = keycask::bundle::Bundle::parse(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
        assert!(bundle.check_signature().is_ok(), "{}", path.display());
    }
}

#[test]
fn keys_corpus() {
    // PEM and DER public and private keys (throwaway), an encrypted key, a
    // P-384 key and an ECDSA signature.
    assert!(each_input("keys", checks::keys) >= 10);
}

#[test]
fn agent_request_corpus() {
    // Each request kind, refused ones, and whole frames with their length.
    assert!(each_input("agent_request", checks::agent_request) >= 10);
}
