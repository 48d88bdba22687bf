//! From tests/hardening.rs: no secret-holding type prints its bytes with
//! `{:?}`, usage records through the library call (`record_usage`), and the
//! keyring model's JSON round trip (proptest).

use base64::Engine;

use crate::key::{Algorithm, Purpose};
use crate::keyring::{Key, Origin, Session};
use crate::root::{self, RootKey, SecretSources};
use crate::secret::{Passphrase, SecretBytes, SecretKey32};

/// Every way the bytes could show up in a formatted value.
fn renderings(bytes: &[u8]) -> Vec<String> {
    let mut out = vec![
        hex::encode(bytes),
        hex::encode_upper(bytes),
        base64::engine::general_purpose::STANDARD.encode(bytes),
        format!("{:?}", &bytes[..bytes.len().min(8)])
            .trim_end_matches(']')
            .to_string(),
    ];
    if let Ok(text) = std::str::from_utf8(bytes) {
        out.push(text.to_string());
    }
    out
}

#[track_caller]
fn assert_hidden(value: &dyn std::fmt::Debug, secret: &[u8]) {
    for printed in [format!("{value:?}"), format!("{value:#?}")] {
        for needle in renderings(secret) {
            assert!(
                !printed.contains(&needle),
                "{printed} shows the secret as {needle}"
            );
        }
    }
}

#[test]
fn no_secret_holding_type_prints_its_bytes() {
    let raw: [u8; 32] = std::array::from_fn(|i| 0xA0 ^ i as u8);
    assert_hidden(&SecretKey32::from_bytes(raw), &raw);
    let long: Vec<u8> = (0u8..=255).rev().collect();
    assert_hidden(&SecretBytes::new(long.clone()), &long);
    let pass = "correct horse battery staple";
    assert_hidden(&Passphrase::new(pass.to_string()), pass.as_bytes());
    assert_hidden(
        &crate::audit_log::MacKey::derive(&SecretKey32::from_bytes(raw), "id"),
        &raw,
    );
    assert_hidden(
        &crate::envelope::Cek::from_key(SecretKey32::from_bytes(raw)),
        &raw,
    );
    assert_hidden(
        &crate::envelope::stream::PayloadCipher::new(&SecretKey32::from_bytes(raw)),
        &raw,
    );

    // Generated material of every type.
    for algorithm in [Algorithm::Aes256Gcm, Algorithm::P256, Algorithm::Rsa2048] {
        let generated = crate::crypto::material::generate(algorithm).unwrap();
        let secret = generated.material.expose_secret().to_vec();
        assert_hidden(&generated, &secret);
    }

    // An unlocked keyring and a session, holding a key-file root and a KEK
    // that wraps a key whose material we know.
    let t = tempfile::tempdir().unwrap();
    let root_path = t.path().join("root.key");
    std::fs::write(&root_path, raw).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&root_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let spec: root::RootSpec = format!("keyfile:{}", root_path.display()).parse().unwrap();
    let root: Box<dyn RootKey> = root::create(&spec, None, &SecretSources::default()).unwrap();
    let mut session = Session::create(&t.path().join("keyring.json"), root).unwrap();
    let material = SecretBytes::new(long.clone());
    session.keyring.doc.keys.insert(
        "k".into(),
        Key {
            algorithm: Algorithm::Aes256Gcm,
            purpose: Purpose::Encrypt,
            created: 1_800_000_000,
            origin: Origin::default(),
            rotation_period: None,
            primary: 0,
            versions: Vec::new(),
            destroyed: None,
        },
    );
    session
        .keyring
        .add_version("k", &material, None, 1_800_000_000)
        .unwrap();
    assert_hidden(&session.keyring, &raw);
    assert_hidden(&session.keyring, &long);
    assert_hidden(&session, &raw);
    assert_hidden(&session, &long);
    assert_hidden(&session.keyring.material("k", 1).unwrap(), &long);
    assert_hidden(&session.keyring.audit_mac_key().unwrap(), &raw);
}

/// `keyring::record_usage`, the call by which the commands that only read
/// the keyring log a use: nothing while usage logging is off, and with it on
/// a record even when another writer moved the audit counter between the
/// open and the record. The commands run in-process (`-q`); what `audit
/// --json --key a` and `audit verify` show is read from the log and from
/// `verify_audit_log`, which they print.
#[test]
fn record_usage_logs_only_when_the_keyring_says_so() {
    use crate::context::Context;
    use crate::keyring::{Event, open_read_only, record_usage, verify_audit_log};
    use crate::lifecycle::{audit, generation, storage};

    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("keyring.json");
    let sources = SecretSources {
        keyring: Some(path.clone()),
        ..SecretSources::default()
    };
    let ctx = Context {
        keyring_path: path.clone(),
        sources: sources.clone(),
        json: false,
        quiet: true,
        verbose: 0,
    };
    let keygen = |name: &str| {
        let request = generation::KeygenRequest {
            name: name.into(),
            algorithm: Algorithm::Aes256Gcm,
            purpose: Purpose::Encrypt,
            rotation_period: None,
        };
        generation::keygen(&ctx, &request).unwrap();
    };
    let keyring_bytes = || std::fs::read(&path).unwrap();
    let spec = format!("keyfile:{}", t.path().join("root.key").display());
    storage::init(&ctx, &spec.parse().unwrap(), false).unwrap();
    keygen("a");
    let opened = open_read_only(&path, &sources).unwrap();
    let before = keyring_bytes();
    record_usage(
        &path,
        &sources,
        &opened,
        Event::new("wrap").key("a").versions([1]),
    )
    .unwrap();
    assert_eq!(keyring_bytes(), before, "usage logging is off by default");

    audit::set_usage(&ctx, true).unwrap();
    let opened = open_read_only(&path, &sources).unwrap();
    // Another writer moves the counter between our open and our record.
    keygen("b");
    record_usage(
        &path,
        &sources,
        &opened,
        Event::new("wrap").key("a").versions([1]),
    )
    .unwrap();
    record_usage(
        &path,
        &sources,
        &opened,
        Event::new("unwrap")
            .key("a")
            .versions([1])
            .outcome("denied"),
    )
    .unwrap();
    let log = std::fs::read_to_string(crate::audit_log::log_path(&path)).unwrap();
    let records: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|r: &serde_json::Value| r["key"] == "a")
        .collect();
    let ops: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["op"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ops,
        [("keygen", "ok"), ("wrap", "ok"), ("unwrap", "denied")]
    );
    let verdict = verify_audit_log(&path, &open_read_only(&path, &sources).unwrap()).unwrap();
    assert!(verdict.problem.is_none());
    assert_eq!(verdict.records - verdict.uncommitted.len(), 6, "6 records");
}

mod model {
    use std::collections::BTreeMap;

    use crate::key::{Algorithm, Purpose};
    use crate::keyring::{
        AuditState, KekSet, KekVersion, Key, KeyVersion, Keyring, Origin, Source, Tombstone,
        VersionState, text,
    };
    use crate::root::RootConfig;
    use proptest::prelude::*;

    fn time() -> impl Strategy<Value = u64> {
        0u64..4_000_000_000
    }

    fn tombstone() -> impl Strategy<Value = Option<Tombstone>> {
        proptest::option::of(
            (time(), proptest::option::of("[ -~]{0,20}"))
                .prop_map(|(at, reason)| Tombstone { at, reason }),
        )
    }

    fn state() -> impl Strategy<Value = VersionState> {
        prop_oneof![
            Just(VersionState::Enabled),
            Just(VersionState::Disabled),
            Just(VersionState::DestroyScheduled),
            Just(VersionState::Destroyed)
        ]
    }

    fn source() -> impl Strategy<Value = Option<Source>> {
        proptest::option::of(
            (
                "[0-9a-f]{32}",
                "[a-z0-9][a-z0-9._-]{0,10}",
                proptest::option::of("SHA256:[0-9a-f]{64}"),
            )
                .prop_map(|(keyring, key, signer)| Source {
                    keyring,
                    key,
                    signer,
                }),
        )
    }

    prop_compose! {
        fn version()(
            version in 1u32..1000,
            id in "[0-9a-f]{32}",
            state in state(),
            created in time(),
            kek_version in 1u32..5,
            wrapped in proptest::option::of("[A-Za-z0-9+/]{4,60}"),
            public_key in proptest::option::of("[A-Za-z0-9+/]{4,60}"),
            compromised in tombstone(),
            destroy_after in proptest::option::of(time()),
            destruction in tombstone(),
            source in source(),
        ) -> KeyVersion {
            KeyVersion {
                version,
                id,
                state,
                created,
                kek_version,
                wrapped,
                public_key,
                compromised,
                destroy_after,
                destruction,
                source,
            }
        }
    }

    fn key() -> impl Strategy<Value = Key> {
        (
            prop_oneof![
                Just(Algorithm::Aes256Gcm),
                Just(Algorithm::P256),
                Just(Algorithm::Rsa2048),
                Just(Algorithm::Rsa3072),
                Just(Algorithm::Rsa4096)
            ],
            prop_oneof![
                Just(Purpose::Encrypt),
                Just(Purpose::Sign),
                Just(Purpose::Transport)
            ],
            time(),
            proptest::option::of(1u64..100_000_000),
            1u32..1000,
            proptest::collection::vec(version(), 0..4),
            tombstone(),
        )
            .prop_map(
                |(algorithm, purpose, created, rotation_period, primary, versions, destroyed)| {
                    // A key's version numbers are distinct (the loader
                    // refuses repeats): number them 1, 2, ...
                    let versions = versions
                        .into_iter()
                        .zip(1..)
                        .map(|(v, version)| KeyVersion { version, ..v })
                        .collect();
                    Key {
                        algorithm,
                        purpose,
                        created,
                        origin: Origin::default(),
                        rotation_period,
                        primary,
                        versions,
                        destroyed,
                    }
                },
            )
    }

    fn keyring() -> impl Strategy<Value = Keyring> {
        (
            "[0-9a-f]{32}",
            time(),
            proptest::collection::btree_map("[a-z0-9][a-z0-9._-]{0,20}", key(), 0..4),
            proptest::option::of((0u64..1000, "[0-9a-f]{64}", any::<bool>())),
            proptest::option::of("[A-Za-z0-9+/]{43}="),
            proptest::collection::vec((1u32..10, time(), "[A-Za-z0-9+/]{10,40}"), 1..3),
        )
            .prop_map(|(keyring_id, created, keys, audit, mac, keks)| Keyring {
                kind: "keycask-keyring".into(),
                format: 1,
                keyring_id,
                created,
                root: RootConfig::Keyfile {
                    path: "/run/secrets/root".into(),
                },
                kek: KekSet {
                    primary: keks[0].0,
                    versions: keks
                        .into_iter()
                        .map(|(version, created, wrapped)| KekVersion {
                            version,
                            created,
                            wrapped,
                        })
                        .collect(),
                },
                keys: keys.into_iter().collect::<BTreeMap<_, _>>().into(),
                audit: audit.map(|(seq, last, usage)| AuditState {
                    seq,
                    last,
                    key: "AAAA".into(),
                    kek_version: 1,
                    usage,
                }),
                mac,
                mac_input: Default::default(),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// What keycask writes, keycask reads back identically, and writing
        /// it again gives the same bytes (the MAC depends on that).
        #[test]
        fn keyring_json_round_trips(doc in keyring()) {
            let bytes = text::to_bytes(&doc);
            let parsed = text::parse(&bytes).unwrap();
            prop_assert_eq!(&parsed, &doc);
            prop_assert_eq!(text::to_bytes(&parsed), bytes);
        }
    }
}
