//! contrib/recover.py, the independent reader written from docs/FORMAT.md,
//! against keyrings and envelopes made by keycask: every root kind that runs
//! here (key file, passphrase; a PKCS#11 root cannot be recovered without
//! its token), every envelope kind (binary, armored, context, chunk sizes,
//! format 1), after rotate, rekey, rotate --kek and rotate --root. Its
//! plaintext must be byte-identical, and tampered input refused. When the
//! format changes, this fails until the spec and the script follow.
//! Needs python3 with `cryptography` and `argon2-cffi` (scripts/test-deps.sh).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::TestDir;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn recover(t: &TestDir, args: &[&str]) -> Output {
    let output = Command::new("python3")
        .arg(repo("contrib/recover.py"))
        .args(args)
        .current_dir(t.path())
        .output()
        .expect("python3 runs (scripts/test-deps.sh installs it)");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("Traceback"),
        "recover.py crashed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[track_caller]
fn recovered_ok(t: &TestDir, args: &[&str]) -> Output {
    let output = recover(t, args);
    assert!(
        output.status.success(),
        "recover.py {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[track_caller]
fn refused(t: &TestDir, args: &[&str], needle: &str) {
    let output = recover(t, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "recover.py {args:?}: {stderr}"
    );
    assert!(stderr.contains(needle), "recover.py {args:?}: {stderr}");
}

/// Plaintexts of several sizes around the chunk sizes used.
fn plaintexts() -> Vec<(&'static str, Vec<u8>)> {
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    vec![
        ("empty", Vec::new()),
        ("one", b"x".to_vec()),
        ("c64", big[..64].to_vec()),
        ("c65", big[..65].to_vec()),
        ("big", big),
    ]
}

/// Wraps every plaintext in several forms; returns (envelope file, plaintext).
fn wrap_all(t: &TestDir, tag: &str) -> Vec<(String, Vec<u8>)> {
    let mut made = Vec::new();
    for (name, plain) in plaintexts() {
        std::fs::write(t.join(&format!("{name}.txt")), &plain).unwrap();
        for (form, extra) in [
            ("bin", vec![]),
            ("asc", vec!["--armor"]),
            ("ctx", vec!["-c", "app=recovery", "-c", "env=test"]),
            ("c64", vec!["--chunk-size", "64"]),
            ("c1000", vec!["--chunk-size", "1000", "--armor"]),
        ] {
            let file = format!("{tag}-{name}-{form}.kc");
            let input = format!("{name}.txt");
            let mut args = vec!["wrap", "-k", "data", "-o", &file, &input];
            args.extend(extra);
            t.run(&args).ok();
            made.push((file, plain.clone()));
        }
    }
    made
}

fn check_all(t: &TestDir, secret: &[&str], envelopes: &[(String, Vec<u8>)]) {
    let out = t.join("out");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir(&out).unwrap();
    let mut args = vec!["keyring.json", "--audit", "--out-dir", "out"];
    args.extend(secret);
    args.extend(envelopes.iter().map(|(f, _)| f.as_str()));
    recovered_ok(t, &args);
    for (file, plain) in envelopes {
        let got = std::fs::read(out.join(file.trim_end_matches(".kc"))).unwrap();
        assert!(&got == plain, "{file}: recover.py's plaintext differs");
    }
}

/// The whole life of a keyring with a root of kind `first`, moved to a root
/// of the other kind at the end.
fn run_life(first: &str) {
    let t = TestDir::new();
    std::fs::write(t.join("pass.txt"), "correct horse battery staple\n").unwrap();
    std::fs::write(t.join("new-pass.txt"), "a newer passphrase, ü\n").unwrap();
    let mut secret: Vec<String> = if first == "keyfile" {
        t.init_keyfile();
        vec!["--keyfile".into(), "root.key".into()]
    } else {
        t.run(&["init", "--passphrase-file", "pass.txt"]).ok();
        vec!["--passphrase-file".into(), "pass.txt".into()]
    };
    let pass_args = |s: &[String]| -> Vec<String> {
        if s[0] == "--passphrase-file" {
            s.to_vec()
        } else {
            Vec::new()
        }
    };
    let run = |args: &[&str], s: &[String]| {
        let mut all: Vec<&str> = args.to_vec();
        let extra = pass_args(s);
        all.extend(extra.iter().map(String::as_str));
        t.run(&all).ok();
    };
    run(&["keygen", "data"], &secret);
    run(&["keygen", "signer", "--type", "p256"], &secret);
    let mut envelopes = Vec::new();
    let wrap_with = |tag: &str, s: &[String]| wrap_all_env(&t, tag, s);
    envelopes.extend(wrap_with("v1", &secret));
    let s: Vec<&str> = secret.iter().map(String::as_str).collect();
    check_all(&t, &s, &envelopes);

    run(&["rotate", "data"], &secret);
    envelopes.extend(wrap_with("rot", &secret));
    // rekey moves the first envelopes to version 2 (header only).
    let mut rekey = vec!["rekey".to_string()];
    rekey.extend(envelopes[..5].iter().map(|(f, _)| f.clone()));
    let rekey: Vec<&str> = rekey.iter().map(String::as_str).collect();
    run(&rekey, &secret);
    run(&["rotate", "--kek"], &secret);
    envelopes.extend(wrap_with("kek", &secret));
    let s: Vec<&str> = secret.iter().map(String::as_str).collect();
    check_all(&t, &s, &envelopes);

    // rotate --root to the other kind.
    if first == "keyfile" {
        t.run(&[
            "rotate",
            "--root",
            "--to",
            "passphrase",
            "--new-passphrase-file",
            "new-pass.txt",
        ])
        .ok();
        secret = vec!["--passphrase-file".into(), "new-pass.txt".into()];
    } else {
        let to = format!("keyfile:{}", t.join("new-root.key").display());
        let mut args = vec!["rotate", "--root", "--to", &to];
        let extra = pass_args(&secret);
        args.extend(extra.iter().map(String::as_str));
        t.run(&args).ok();
        secret = vec!["--keyfile".into(), "new-root.key".into()];
    }
    envelopes.extend(wrap_with("root", &secret));
    let s: Vec<&str> = secret.iter().map(String::as_str).collect();
    check_all(&t, &s, &envelopes);

    // Every key version's material, as keycask sees it.
    let out = recovered_ok(
        &t,
        &[&["keyring.json", "--show-keys", "hex"], &s[..]].concat(),
    );
    let listing = String::from_utf8(out.stdout).unwrap();
    assert_eq!(listing.lines().count(), 3, "{listing}");
    assert!(listing.contains("data v2 ") && listing.contains("signer v1 "));

    // Tampered input is refused.
    let (file, _) = envelopes
        .iter()
        .rfind(|(f, _)| f.ends_with("big-bin.kc"))
        .unwrap();
    let mut bytes = std::fs::read(t.join(file)).unwrap();
    let at = bytes.len() - 3;
    bytes[at] ^= 1;
    std::fs::write(t.join("tampered.kc"), &bytes).unwrap();
    refused(
        &t,
        &[&["keyring.json", "tampered.kc"], &s[..]].concat(),
        "damaged",
    );
    let good = t.keyring_bytes();
    let mut doc: serde_json::Value = serde_json::from_slice(&good).unwrap();
    doc["keys"]["data"]["primary"] = 1.into();
    std::fs::write(t.keyring(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    refused(&t, &[&["keyring.json"], &s[..]].concat(), "integrity check");
    std::fs::write(t.keyring(), &good).unwrap();
    // The wrong root secret.
    std::fs::write(t.join("wrong.txt"), "wrong").unwrap();
    std::fs::write(t.join("wrong.key"), [7u8; 32]).unwrap();
    let wrong = if s[0] == "--keyfile" {
        ["--keyfile", "wrong.key"]
    } else {
        ["--passphrase-file", "wrong.txt"]
    };
    refused(
        &t,
        &[&["keyring.json"], &wrong[..]].concat(),
        "does not unwrap",
    );
}

/// `wrap_all`, giving a passphrase root its passphrase through
/// KEYCASK_PASSPHRASE_FILE.
fn wrap_all_env(t: &TestDir, tag: &str, secret: &[String]) -> Vec<(String, Vec<u8>)> {
    if secret[0] != "--passphrase-file" {
        return wrap_all(t, tag);
    }
    let mut made = Vec::new();
    for (name, plain) in plaintexts() {
        std::fs::write(t.join(&format!("{name}.txt")), &plain).unwrap();
        for (form, extra) in [
            ("bin", vec![]),
            ("asc", vec!["--armor"]),
            ("ctx", vec!["-c", "app=recovery"]),
            ("c64", vec!["--chunk-size", "64", "--armor"]),
        ] {
            let file = format!("{tag}-{name}-{form}.kc");
            let input = format!("{name}.txt");
            let mut args = vec!["wrap", "-k", "data", "-o", &file, &input];
            args.extend(extra);
            let mut cmd = t.command();
            cmd.env("KEYCASK_PASSPHRASE_FILE", t.join(&secret[1]));
            t.run_with(cmd, &args, None).ok();
            made.push((file, plain.clone()));
        }
    }
    made
}

#[test]
fn recover_py_reads_a_key_file_keyring_through_its_whole_life() {
    run_life("keyfile");
}

#[test]
fn recover_py_reads_a_passphrase_keyring_through_its_whole_life() {
    run_life("passphrase");
}

#[test]
fn recover_py_reads_a_format_1_keyring_and_envelope() {
    let t = TestDir::new();
    let dir = repo("tests/vectors/keyring/v1");
    for name in [
        "keyring.json",
        "keyring.json.audit.jsonl",
        "root.key",
        "envelope.kc",
    ] {
        std::fs::copy(dir.join(name), t.join(name)).unwrap();
    }
    let out = recovered_ok(
        &t,
        &[
            "keyring.json",
            "--keyfile",
            "root.key",
            "--audit",
            "envelope.kc",
        ],
    );
    assert_eq!(out.stdout, std::fs::read(dir.join("plain.txt")).unwrap());
}
