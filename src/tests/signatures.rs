//! From tests/signatures.rs: every vector of the Project Wycheproof suites
//! (tests/vectors/wycheproof/) through `PublicKey::verify_digest`, the one
//! function `keycask verify` calls for each candidate key (after
//! `PublicKey::from_pem` for `--public-key`). A handful per suite also go
//! through the binary there; the "acceptable" decisions are the same table.

use sha2::Digest;

use super::wycheproof::{Vector, expected, suite, vectors};
use crate::crypto::asymmetric::{PublicKey, RsaScheme};

/// Runs every vector of a suite through the library; returns the vectors
/// with whether each must verify.
fn check_suite(file: &str, scheme: RsaScheme, acceptable: &[(&str, bool)]) -> Vec<(Vector, bool)> {
    let suite = suite(file);
    let mut failures = Vec::new();
    let mut out = Vec::new();
    for v in vectors(&suite) {
        let must_verify = expected(&v, acceptable);
        let key = PublicKey::from_pem(v.key_pem.as_bytes(), file).unwrap();
        let digest: [u8; 32] = sha2::Sha256::digest(&v.msg).into();
        let verified = key.verify_digest(&digest, &v.sig, scheme).is_ok();
        if verified != must_verify {
            failures.push(format!(
                "tcId {} ({}, flags {:?}): verified = {verified}",
                v.id, v.result, v.flags
            ));
        }
        out.push((v, must_verify));
    }
    assert!(failures.is_empty(), "{file}:\n{}", failures.join("\n"));
    out
}

#[test]
fn wycheproof_ecdsa_p256_sha256_der() {
    let vectors = check_suite("ecdsa_secp256r1_sha256_test.json", RsaScheme::Pss, &[]);
    assert!(vectors.iter().filter(|(_, m)| *m).count() > 100);
}

#[test]
fn wycheproof_rsa_pss_2048_sha256_salt_32() {
    check_suite("rsa_pss_2048_sha256_mgf1_32_test.json", RsaScheme::Pss, &[]);
}

#[test]
fn wycheproof_rsa_pkcs1v15_2048_sha256() {
    check_suite(
        "rsa_signature_2048_sha256_test.json",
        RsaScheme::Pkcs1v15,
        &[("MissingNull", false)],
    );
}
