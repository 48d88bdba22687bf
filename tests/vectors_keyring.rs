//! tests/vectors/keyring: keyrings with their root secrets, written by
//! tests/vectors/keyring/make.py from contrib/recover.py (the independent
//! reader): the binary reads each keyring, opens its envelope and verifies
//! its audit log. The values docs/FORMAT.md ("Keyring") derives from them are
//! checked through keycask's own functions in src/tests/vectors_keyring.rs.

use std::path::{Path, PathBuf};

use crate::util::TestDir;

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/keyring")
        .join(name)
}

fn check(name: &str) {
    let d = dir(name);
    let t = TestDir::new();
    for file in [
        "keyring.json",
        "keyring.json.audit.jsonl",
        "root.key",
        "passphrase.txt",
        "envelope.kc",
    ] {
        if d.join(file).exists() {
            std::fs::copy(d.join(file), t.join(file)).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(t.join(file), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    let secret: [&str; 2] = if d.join("root.key").exists() {
        ["--keyfile", "root.key"]
    } else {
        ["--passphrase-file", "passphrase.txt"]
    };
    let out = t.run(&["unwrap", "envelope.kc", secret[0], secret[1]]).ok();
    assert_eq!(
        out.output.stdout,
        std::fs::read(d.join("plain.txt")).unwrap()
    );
    t.run(&["audit", "verify", secret[0], secret[1]]).ok();
}

#[test]
fn keyring_vector_of_format_3_with_a_key_file_root() {
    check("v3");
}

#[test]
fn keyring_vector_of_format_2_with_a_key_file_root() {
    check("keyfile");
}

#[test]
fn keyring_vector_with_a_passphrase_root_at_the_minimum_argon2id_parameters() {
    check("passphrase");
}

#[test]
fn keyring_vector_of_format_1() {
    check("v1");
}
