//! From tests/vectors_keyring.rs: the keyring vectors of tests/vectors/keyring
//! (written by its make.py from contrib/recover.py, the independent reader)
//! against the values docs/FORMAT.md ("Keyring") derives, through keycask's
//! own functions. That the binary reads each keyring and opens its envelope
//! is still checked there.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use crate::crypto;
use crate::keyring::{self, text};
use crate::secret::SecretKey32;

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keyring")
        .join(name)
}

fn key(hex_text: &str) -> SecretKey32 {
    SecretKey32::from_slice(&hex::decode(hex_text).unwrap()).unwrap()
}

fn check(name: &str) {
    let d = dir(name);
    let bytes = std::fs::read(d.join("keyring.json")).unwrap();
    let v: Value = serde_json::from_slice(&std::fs::read(d.join("vectors.json")).unwrap()).unwrap();
    let doc = text::parse(&bytes).unwrap();
    let id = doc.keyring_id.clone();

    // Root key.
    let root = match &doc.root {
        crate::root::RootConfig::Keyfile { .. } => {
            let file_key = std::fs::read(d.join("root.key")).unwrap();
            crypto::hkdf_sha256(&file_key, None, b"keycask/root/keyfile/v1")
        }
        crate::root::RootConfig::Passphrase(kdf) => {
            let text = std::fs::read_to_string(d.join("passphrase.txt")).unwrap();
            let params = argon2::Params::new(kdf.m_cost, kdf.t_cost, kdf.p_cost, Some(32)).unwrap();
            let argon =
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let mut out = [0u8; 32];
            argon
                .hash_password_into(
                    text.trim_end_matches('\n').as_bytes(),
                    &B64.decode(&kdf.salt).unwrap(),
                    &mut out,
                )
                .unwrap();
            SecretKey32::from_bytes(out)
        }
        other => panic!("no vector for {other:?}"),
    };
    assert_eq!(
        hex::encode(root.expose_secret()),
        v["root_key"],
        "{name}: root key"
    );

    // KEK versions.
    for kek in &doc.kek.versions {
        let plain = crypto::open(
            &root,
            &B64.decode(&kek.wrapped).unwrap(),
            &keyring::kek_aad(&id, kek.version),
        )
        .unwrap();
        assert_eq!(
            hex::encode(&*plain),
            v["keks"][kek.version.to_string()],
            "{name}: KEK"
        );
    }
    let primary = key(v["keks"][doc.kek.primary.to_string()].as_str().unwrap());

    // The keyring MAC.
    let mac_key = crypto::hkdf_sha256(
        primary.expose_secret(),
        Some(id.as_bytes()),
        b"keycask/keyring-mac/v1",
    );
    assert_eq!(
        hex::encode(mac_key.expose_secret()),
        v["mac_key"],
        "{name}: MAC key"
    );
    let message = match &doc.mac_input {
        keyring::MacInput::Exact { text, end } => {
            assert_eq!(doc.format, 3);
            [text[..*end].as_bytes(), b"}"].concat()
        }
        keyring::MacInput::Canonical(read) => read.clone(),
        _ => {
            assert_eq!(doc.format, 1);
            let mut doc = doc.clone();
            doc.mac = None;
            serde_json::to_vec(&doc).unwrap()
        }
    };
    assert_eq!(
        hex::encode(crypto::sha256(&message)),
        v["mac_input_sha256"],
        "{name}"
    );
    assert_eq!(
        B64.encode(crypto::hmac_sha256(&mac_key, &message)),
        v["mac"],
        "{name}: MAC"
    );
    assert_eq!(doc.mac.as_deref(), v["mac"].as_str());

    // Key material.
    let materials = v["materials"].as_array().unwrap();
    let mut seen = 0;
    for (key_name, k) in &doc.keys {
        for version in &k.versions {
            let Some(wrapped) = &version.wrapped else {
                continue;
            };
            let kek = key(v["keks"][version.kek_version.to_string()].as_str().unwrap());
            let plain = crypto::open(
                &kek,
                &B64.decode(wrapped).unwrap(),
                &keyring::material_aad(&id, key_name, k, version),
            )
            .unwrap();
            let expected = materials
                .iter()
                .find(|m| m["id"] == version.id.as_str())
                .unwrap_or_else(|| panic!("{name}: no vector for {key_name}"));
            assert_eq!(expected["key"], key_name.as_str());
            assert_eq!(
                hex::encode(&*plain),
                expected["material"],
                "{name}: material"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, materials.len());

    // The audit key, its MAC key and the chain.
    let state = doc.audit.as_ref().unwrap();
    let kek = key(v["keks"][state.kek_version.to_string()].as_str().unwrap());
    let audit_key = crypto::open(
        &kek,
        &B64.decode(&state.key).unwrap(),
        &keyring::audit_key_aad(&id, state.kek_version),
    )
    .unwrap();
    assert_eq!(
        hex::encode(&*audit_key),
        v["audit_key"],
        "{name}: audit key"
    );
    let audit_key = SecretKey32::from_slice(&audit_key).unwrap();
    let mac_key = crypto::hkdf_sha256(
        audit_key.expose_secret(),
        Some(id.as_bytes()),
        b"keycask/audit-mac/v1",
    );
    assert_eq!(hex::encode(mac_key.expose_secret()), v["audit_mac_key"]);
    assert_eq!(crate::audit_log::genesis(&id), v["audit_genesis"]);
    let log = std::fs::read(d.join("keyring.json.audit.jsonl")).unwrap();
    let lines: Vec<&[u8]> = log
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let hashes = v["audit_line_sha256"].as_array().unwrap();
    assert_eq!(lines.len(), hashes.len());
    let mut prev = crate::audit_log::genesis(&id);
    for (line, hash) in lines.iter().zip(hashes) {
        let record: Value = serde_json::from_slice(line).unwrap();
        assert_eq!(record["prev"], prev.as_str(), "{name}: chain");
        let at = line.windows(8).rposition(|w| w == b",\"mac\":\"").unwrap();
        let mut signed = line[..at].to_vec();
        signed.push(b'}');
        let tag = B64.decode(record["mac"].as_str().unwrap()).unwrap();
        assert!(crypto::hmac_sha256_verify(&mac_key, &signed, &tag).is_ok());
        prev = hex::encode(crypto::sha256(line));
        assert_eq!(&prev, hash);
    }
    assert_eq!(state.last, prev);
}

#[test]
fn keyring_vector_of_format_3_with_a_key_file_root() {
    let bytes = std::fs::read(dir("v3/keyring.json")).unwrap();
    assert_eq!(text::parse(&bytes).unwrap().format, 3);
    check("v3");
}

#[test]
fn keyring_vector_of_format_2_with_a_key_file_root() {
    check("keyfile");
}

#[test]
fn keyring_vector_with_a_passphrase_root_at_the_minimum_argon2id_parameters() {
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir("passphrase/keyring.json")).unwrap()).unwrap();
    assert_eq!(v["root"]["m_cost"], 19456);
    assert_eq!(v["root"]["t_cost"], 2);
    check("passphrase");
}

#[test]
fn keyring_vector_of_format_1() {
    check("v1");
}
