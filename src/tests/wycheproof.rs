//! Project Wycheproof signature suites (tests/vectors/wycheproof/): reading
//! a suite, and whether keycask must accept each vector. Shared by the unit
//! tests (src/tests/signatures.rs: every vector through the library) and the
//! integration tests (tests/signatures.rs, which include this file by path:
//! a handful per suite through the binary), so both decide the same way.

use std::path::PathBuf;

use serde_json::Value;

pub fn suite(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/wycheproof")
        .join(file);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// One Wycheproof vector, flattened with its group's key.
pub struct Vector {
    pub id: u64,
    pub key_pem: String,
    pub msg: Vec<u8>,
    pub sig: Vec<u8>,
    pub result: String,
    pub flags: Vec<String>,
}

pub fn vectors(suite: &Value) -> Vec<Vector> {
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
pub fn expected(v: &Vector, acceptable: &[(&str, bool)]) -> bool {
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
