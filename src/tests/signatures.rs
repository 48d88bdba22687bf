//! From tests/signatures.rs: every vector of the Project Wycheproof suites
//! (tests/vectors/wycheproof/) through `PublicKey::verify_digest`, the one
//! function `keycask verify` calls for each candidate key (after
//! `PublicKey::from_pem` for `--public-key`). A handful per suite also go
//! through the binary there; the "acceptable" decisions are the same table.

use std::path::PathBuf;

use serde_json::Value;
use sha2::Digest;

use crate::crypto::asymmetric::{PublicKey, RsaScheme};

fn suite(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/wycheproof")
        .join(file);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// One Wycheproof vector, flattened with its group's key.
struct Vector {
    id: u64,
    key_pem: String,
    msg: Vec<u8>,
    sig: Vec<u8>,
    result: String,
    flags: Vec<String>,
}

fn vectors(suite: &Value) -> Vec<Vector> {
    let mut out = Vec::new();
    for group in suite["testGroups"].as_array().unwrap() {
        let key_pem = group["publicKeyPem"].as_str().unwrap().to_string();
        for test in group["tests"].as_array().unwrap() {
            out.push(Vector {
                id: test["tcId"].as_u64().unwrap(),
                key_pem: key_pem.clone(),
                msg: hex::decode(test["msg"].as_str().unwrap()).unwrap(),
                sig: hex::decode(test["sig"].as_str().unwrap()).unwrap(),
                result: test["result"].as_str().unwrap().to_string(),
                flags: test["flags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap().to_string())
                    .collect(),
            });
        }
    }
    assert_eq!(
        out.len() as u64,
        suite["numberOfTests"].as_u64().unwrap(),
        "every vector of the suite is read"
    );
    out
}

/// Whether keycask must accept this vector: valid ones yes, invalid ones
/// no, acceptable ones as `acceptable` decides by flag (every flag of the
/// vector must be decided, and all the same way).
fn expected(v: &Vector, acceptable: &[(&str, bool)]) -> bool {
    match v.result.as_str() {
        "valid" => true,
        "invalid" => false,
        "acceptable" => {
            let decided: Vec<bool> = v
                .flags
                .iter()
                .map(|flag| {
                    acceptable
                        .iter()
                        .find(|(f, _)| f == flag)
                        .unwrap_or_else(|| {
                            panic!("tcId {}: acceptable flag {flag} is not decided", v.id)
                        })
                        .1
                })
                .collect();
            assert!(!decided.is_empty(), "tcId {}: acceptable, no flag", v.id);
            assert!(
                decided.iter().all(|d| *d == decided[0]),
                "tcId {}: its flags are decided both ways",
                v.id
            );
            decided[0]
        }
        other => panic!("tcId {}: unknown result {other}", v.id),
    }
}

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
