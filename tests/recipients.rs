//! Recipient envelopes (issue 16): `wrap --to FILE.pem` on a host with
//! nothing secret, `wrap -k` with a P-256 or RSA encrypt key, several
//! recipients, rotation with header-only rekey, destruction checks, an
//! independent implementation (pyhpke), and the input that must be refused.

use std::process::Command;

use crate::util::TestDir;

/// A keyring with a key-file root, a P-256 and an RSA-3072 recipient key,
/// an aes256-gcm key, and their public halves in `inbox.pem`, `rinbox.pem`.
fn operators() -> TestDir {
    let t = TestDir::new();
    t.init_keyfile();
    recipient_key(&t, "inbox", "p256");
    recipient_key(&t, "rinbox", "rsa-3072");
    t.run(&["keygen", "backups"]).ok();
    t
}

/// A recipient key NAME of type KIND (purpose encrypt) in `t`'s keyring,
/// and its public half in `NAME.pem`.
fn recipient_key(t: &TestDir, name: &str, kind: &str) {
    t.run(&["keygen", name, "--type", kind, "--purpose", "encrypt"])
        .ok();
    t.run(&["export", name, "--public", "-o", &format!("{name}.pem")])
        .ok();
}

fn write(t: &TestDir, name: &str, bytes: &[u8]) {
    std::fs::write(t.join(name), bytes).unwrap();
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

/// A host with no keyring and no KEYCASK_* variables: only `keycask` and a
/// public key file.
fn bare_host(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keycask"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KEYCASK_") {
            cmd.env_remove(&name);
        }
    }
    cmd.env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("nothing-here"))
        .current_dir(dir);
    cmd
}

#[test]
fn an_encrypt_only_host_seals_with_a_public_key_and_the_keyring_opens() {
    let t = operators();
    let host = TestDir::new();
    std::fs::copy(t.join("inbox.pem"), host.join("inbox.pem")).unwrap();
    let plain = pattern(200_000);
    write(&host, "dump.sql", &plain);
    let out = bare_host(host.path())
        .args([
            "wrap",
            "--to",
            "inbox.pem",
            "-c",
            "env=prod",
            "dump.sql",
            "-o",
            "dump.kc",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "quiet on success");
    // The host made no keyring, and cannot open what it sealed.
    assert!(!host.join("nothing-here").exists());
    let refused = bare_host(host.path())
        .args(["unwrap", "dump.kc"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(5), "no keyring here");
    assert!(refused.stdout.is_empty());
    std::fs::copy(host.join("dump.kc"), t.join("dump.kc")).unwrap();
    let opened = t
        .run(&["unwrap", "--expect-context", "env=prod", "dump.kc"])
        .ok();
    assert_eq!(opened.output.stdout, plain);
    let inspected = t.run(&["inspect", "--json", "dump.kc"]).ok().json();
    let recipients = &inspected["envelopes"][0]["recipients"];
    assert_eq!(recipients[0]["scheme"], "hpke-p256");
    assert_eq!(recipients[0]["key"], "inbox");
    assert_eq!(recipients[0]["version"], 1);
    assert!(inspected["envelopes"][0]["key"].is_null());
}

#[test]
fn wrap_with_an_asymmetric_key_needs_no_unlock() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    t.run(&[
        "keygen",
        "inbox",
        "--type",
        "p256",
        "--purpose",
        "encrypt",
        "--passphrase-file",
        "pass.txt",
    ])
    .ok();
    write(&t, "a.txt", b"secret\n");
    // No passphrase source at all, and no terminal: a symmetric wrap would
    // fail; a recipient wrap never asks.
    t.run(&["wrap", "-k", "inbox", "a.txt", "-o", "a.kc"]).ok();
    t.run(&["unwrap", "a.kc"]).fails(2, "passphrase");
    let opened = t
        .run(&["unwrap", "--passphrase-file", "pass.txt", "a.kc"])
        .ok();
    assert_eq!(opened.output.stdout, b"secret\n");
}

#[test]
fn several_recipients_and_a_key_each_open_the_same_envelope() {
    let t = operators();
    let elsewhere = TestDir::new();
    elsewhere.init_keyfile();
    recipient_key(&elsewhere, "dr-offline", "rsa-4096");
    std::fs::copy(elsewhere.join("dr-offline.pem"), t.join("dr.pem")).unwrap();
    let plain = pattern(70_000);
    write(&t, "data", &plain);
    t.run(&[
        "wrap",
        "-k",
        "backups",
        "--to",
        "inbox.pem",
        "--to",
        "rinbox.pem",
        "--to",
        "dr.pem",
        "data",
        "-o",
        "data.kc",
    ])
    .ok();
    // This keyring opens it with its symmetric key first, or with -k any of
    // the keys it holds.
    assert_eq!(t.run(&["unwrap", "data.kc"]).ok().output.stdout, plain);
    for key in ["inbox", "rinbox", "backups"] {
        let run = t.run(&["-v", "unwrap", "-k", key, "data.kc"]).ok();
        assert_eq!(run.output.stdout, plain);
        assert!(
            run.stderr().contains(&format!("unwrapped with key {key} ")),
            "{}",
            run.stderr()
        );
    }
    // The other keyring opens it with its own recipient key only.
    std::fs::copy(t.join("data.kc"), elsewhere.join("data.kc")).unwrap();
    assert_eq!(
        elsewhere.run(&["unwrap", "data.kc"]).ok().output.stdout,
        plain
    );
    elsewhere
        .run(&["unwrap", "-k", "nokey", "data.kc"])
        .fails(4, "no key named 'nokey'");
    let inspected = elsewhere.run(&["inspect", "data.kc"]).ok().stdout();
    assert!(
        inspected.contains("= key dr-offline version 1"),
        "{inspected}"
    );
    assert!(
        inspected.contains("key         backups version 1"),
        "{inspected}"
    );
}

/// Rotation, then `rekey`: every recipient stanza of this keyring's keys
/// moves to the new public key, in place (the header keeps its length and
/// the payload its bytes); the old versions can then be destroyed.
#[test]
fn rotate_then_rekey_moves_recipient_stanzas_header_only() {
    let t = operators();
    let plain = pattern(100_000);
    write(&t, "data", &plain);
    t.run(&[
        "wrap",
        "--to",
        "inbox.pem",
        "--to",
        "rinbox.pem",
        "data",
        "-o",
        "data.kc",
    ])
    .ok();
    let before = std::fs::read(t.join("data.kc")).unwrap();
    let rotated = t.run(&["rotate", "inbox"]).ok();
    assert!(
        rotated.stderr().contains("wrap --to FILE.pem"),
        "{}",
        rotated.stderr()
    );
    t.run(&["rotate", "rinbox"]).ok();
    // Both old versions are still needed.
    let counts = t.run(&["rekey", "--dry-run", "--json", "data.kc"]).ok();
    let rows = counts.json();
    let needed: Vec<(String, u64, u64)> = rows["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["version"].as_u64().unwrap(),
                r["envelopes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(needed.contains(&("inbox".into(), 1, 1)), "{needed:?}");
    assert!(needed.contains(&("rinbox".into(), 1, 1)), "{needed:?}");
    t.run(&[
        "destroy",
        "inbox",
        "--version",
        "1",
        "--now",
        "--yes",
        "--check",
        ".",
    ])
    .fails(4, "still needs version 1 of key 'inbox'");
    t.run(&["rekey", "data.kc"]).ok();
    let after = std::fs::read(t.join("data.kc")).unwrap();
    assert_eq!(before.len(), after.len(), "the header keeps its length");
    let h = u16::from_be_bytes([before[10], before[11]]) as usize;
    assert_eq!(before[h..], after[h..], "the payload bytes are untouched");
    assert_ne!(before[..h], after[..h]);
    let inspected = t.run(&["inspect", "--json", "data.kc"]).ok().json();
    for r in inspected["envelopes"][0]["recipients"].as_array().unwrap() {
        assert_eq!(r["version"], 2, "{r}");
    }
    t.run(&[
        "destroy",
        "inbox",
        "--version",
        "1",
        "--now",
        "--yes",
        "--check",
        ".",
    ])
    .ok();
    t.run(&[
        "destroy",
        "rinbox",
        "--version",
        "1",
        "--now",
        "--yes",
        "--check",
        ".",
    ])
    .ok();
    assert_eq!(t.run(&["unwrap", "data.kc"]).ok().output.stdout, plain);
    // Hosts that still seal to version 1 make envelopes nobody can open now.
    t.run(&["wrap", "--to", "inbox.pem", "data", "-o", "late.kc"])
        .ok();
    t.run(&["unwrap", "late.kc"])
        .fails(4, "version 1 of key 'inbox' was destroyed");
}

#[test]
fn a_disabled_recipient_version_refuses_to_open() {
    let t = operators();
    write(&t, "a", b"x");
    t.run(&["wrap", "--to", "inbox.pem", "a", "-o", "a.kc"])
        .ok();
    t.run(&["rotate", "inbox"]).ok();
    t.run(&["disable", "inbox", "--version", "1"]).ok();
    let before = t.keyring_bytes();
    let run = t
        .run(&["unwrap", "a.kc", "-o", "a.out"])
        .fails(4, "version 1 of key 'inbox' is disabled");
    assert!(run.output.stdout.is_empty());
    assert!(!t.join("a.out").exists(), "no output file");
    assert_eq!(t.keyring_bytes(), before);
    t.run(&["enable", "inbox", "--version", "1"]).ok();
    assert_eq!(t.run(&["unwrap", "a.kc"]).ok().output.stdout, b"x");
}

#[test]
fn keys_that_may_not_be_recipients_are_refused() {
    let t = operators();
    t.run(&["keygen", "signer", "--type", "p256"]).ok();
    t.run(&[
        "keygen",
        "courier",
        "--type",
        "rsa-3072",
        "--purpose",
        "transport",
    ])
    .ok();
    write(&t, "a", b"x");
    let before = t.keyring_bytes();
    t.run(&["wrap", "-k", "signer", "a"])
        .fails(4, "purpose sign: only encrypt keys wrap data");
    t.run(&["wrap", "-k", "courier", "a"])
        .fails(4, "purpose transport: only encrypt keys wrap data");
    t.run(&["datakey", "-k", "inbox"])
        .fails(4, "datakey needs a symmetric encrypt key");
    // A transport key's public half given as a file is just a public key:
    // sealing to it works, but its keyring will not open the envelope.
    t.run(&["export", "courier", "--public", "-o", "courier.pem"])
        .ok();
    t.run(&["wrap", "--to", "courier.pem", "a", "-o", "c.kc"])
        .ok();
    t.run(&["unwrap", "c.kc"]).fails(
        4,
        "whose purpose is transport: only encrypt keys open envelopes",
    );
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn bad_recipient_files_exit_2_and_write_nothing() {
    let t = operators();
    write(&t, "a", b"x");
    write(&t, "notpem.pem", b"hello\n");
    let rsa1024 = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
        ])
        .arg(t.join("small.key"))
        .output()
        .unwrap();
    assert!(rsa1024.status.success());
    let public = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(t.join("small.key"))
        .arg("-out")
        .arg(t.join("small.pem"))
        .output()
        .unwrap();
    assert!(public.status.success());
    let cases: &[(&[&str], &str)] = &[
        (&["--to", "notpem.pem"], "notpem.pem"),
        (
            &["--to", "small.key"],
            "private key where a public key is expected",
        ),
        (&["--to", "small.pem"], "RSA-1024 keys are refused"),
        (&["--to", "missing.pem"], "missing.pem"),
        (
            &["--to", "inbox.pem", "--to", "inbox.pem"],
            "are the same public key",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["wrap"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["a", "-o", "a.kc"]);
        t.run(&all).fails(2, needle);
        assert!(!t.join("a.kc").exists(), "{args:?} left output");
    }
    // More than 16 keys and recipients.
    let mut many = vec!["wrap".to_string(), "-k".into(), "backups".into()];
    for i in 0..16 {
        let name = format!("r{i}");
        recipient_key(&t, &name, "p256");
        many.extend(["--to".into(), format!("{name}.pem")]);
    }
    many.extend(["a".into(), "-o".into(), "a.kc".into()]);
    let args: Vec<&str> = many.iter().map(String::as_str).collect();
    t.run(&args)
        .fails(2, "at most 16 keys and recipients; 17 were given");
    assert!(!t.join("a.kc").exists());
    // 16 is fine, and the last of them opens it.
    let args: Vec<&str> = many
        .iter()
        .map(String::as_str)
        .filter(|a| !["-k", "backups"].contains(a))
        .collect();
    t.run(&args).ok();
    assert_eq!(
        t.run(&["unwrap", "-k", "r15", "a.kc"]).ok().output.stdout,
        b"x"
    );
}

#[test]
fn tampered_or_foreign_recipient_envelopes_are_refused() {
    let t = operators();
    let plain = pattern(1000);
    write(&t, "a", &plain);
    t.run(&[
        "wrap",
        "--to",
        "inbox.pem",
        "--to",
        "rinbox.pem",
        "a",
        "-o",
        "a.kc",
    ])
    .ok();
    let env = std::fs::read(t.join("a.kc")).unwrap();
    let h = u16::from_be_bytes([env[10], env[11]]) as usize;
    let before = t.keyring_bytes();
    // Every header byte flipped: refused, nothing released.
    for i in 8..h {
        let mut bad = env.clone();
        bad[i] ^= 0x01;
        write(&t, "bad.kc", &bad);
        let run = t.run(&["unwrap", "bad.kc", "-o", "bad.out"]);
        assert!(
            [3, 4].contains(&run.code()),
            "byte {i}: exit {} {}",
            run.code(),
            run.stderr()
        );
        assert!(!t.join("bad.out").exists(), "byte {i} left output");
    }
    // A truncated stanza.
    write(&t, "cut.kc", &env[..h - 40]);
    t.run(&["unwrap", "cut.kc"]).fails(3, "truncated");
    // A stanza moved into another envelope (same recipient, other salt).
    t.run(&["wrap", "--to", "inbox.pem", "a", "-o", "b.kc"])
        .ok();
    let other = std::fs::read(t.join("b.kc")).unwrap();
    let ho = u16::from_be_bytes([other[10], other[11]]) as usize;
    let stanza_at = ho - 32 - (3 + 32 + 113);
    let mut moved = other.clone();
    let own_stanza_at = env
        .windows(3)
        .position(|w| w == [2, 0, 32 + 113])
        .expect("the HPKE stanza");
    moved[stanza_at..stanza_at + 148].copy_from_slice(&env[own_stanza_at..own_stanza_at + 148]);
    write(&t, "moved.kc", &moved);
    t.run(&["unwrap", "moved.kc"])
        .fails(3, "the envelope is damaged or was tampered with");
    // An envelope for keys this keyring does not hold.
    let stranger = TestDir::new();
    stranger.init_keyfile();
    recipient_key(&stranger, "x", "p256");
    std::fs::copy(stranger.join("x.pem"), t.join("x.pem")).unwrap();
    t.run(&["wrap", "--to", "x.pem", "a", "-o", "x.kc"]).ok();
    t.run(&["unwrap", "x.kc", "-o", "x.out"]).fails(
        4,
        "none of the envelope's 1 recipient keys is a key of this keyring",
    );
    assert!(!t.join("x.out").exists());
    assert_eq!(t.keyring_bytes(), before);
}

/// pyhpke (an independent HPKE) and Python `cryptography` open what keycask
/// seals, and keycask opens what they seal (tests/interop/recipients.py,
/// written from docs/FORMAT.md).
#[test]
fn pyhpke_interop_both_ways() {
    let t = TestDir::new();
    t.init_keyfile();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/recipients.py");
    let sh = |cmd: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(t.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    sh(
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out py.key && openssl pkey -in py.key -pubout -out py.pem",
    );
    sh(
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out pyr.key && openssl pkey -in pyr.key -pubout -out pyr.pem",
    );
    t.run(&["import", "pyk", "--pem", "py.key", "--purpose", "encrypt"])
        .ok();
    t.run(&["import", "pyr", "--pem", "pyr.key", "--purpose", "encrypt"])
        .ok();
    let plain = pattern(150_000);
    write(&t, "data", &plain);
    t.run(&[
        "wrap", "--to", "py.pem", "--to", "pyr.pem", "data", "-o", "kc.kc",
    ])
    .ok();
    for key in ["py.key", "pyr.key"] {
        let opened = sh(&format!("python3 {} open kc.kc {key}", script.display()));
        assert_eq!(opened, plain, "Python opened keycask's envelope with {key}");
    }
    sh(&format!(
        "python3 {} seal data py.kc py.pem pyr.pem",
        script.display()
    ));
    for key in ["pyk", "pyr"] {
        let run = t
            .run(&[
                "unwrap",
                "-k",
                key,
                "--expect-context",
                "made-by=pyhpke",
                "py.kc",
            ])
            .ok();
        assert_eq!(
            run.output.stdout, plain,
            "keycask opened Python's envelope with {key}"
        );
    }
}

/// The stored recipient vectors (tests/vectors/v2/recipients): each private
/// key alone opens the envelope through the command line; the damaged ones
/// are refused. (Through the library: src/tests/recipients.rs.)
#[test]
fn recipient_vectors_open_with_each_key() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v2/recipients");
    let plain = std::fs::read(dir.join("plaintext.txt")).unwrap();
    // The same through the command line, each key in a keyring of its own.
    for key in ["p256.key", "rsa2048.key"] {
        let t = TestDir::new();
        t.init_keyfile();
        let path = dir.join(key);
        t.run(&[
            "import",
            "k",
            "--pem",
            path.to_str().unwrap(),
            "--purpose",
            "encrypt",
        ])
        .ok();
        let envelope = dir.join("recipients.kc");
        let run = t
            .run(&[
                "unwrap",
                "--expect-context",
                "vector=recipients",
                envelope.to_str().unwrap(),
            ])
            .ok();
        assert_eq!(run.output.stdout, plain, "{key}");
        // With the RSA key too: its own stanza is intact in fail_hpke_tag.kc,
        // but the header MAC covers every stanza.
        for fail in ["fail_hpke_tag.kc", "fail_header_mac.kc"] {
            let bad = dir.join(fail);
            t.run(&["unwrap", bad.to_str().unwrap()])
                .fails(3, "the envelope is damaged or was tampered with");
        }
    }
}
