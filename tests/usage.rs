//! Envelope encryption: `wrap`, `unwrap`, `inspect`, `datakey`.
//!
//! Negative cases first and most: every way an envelope can be damaged or
//! misused, each checked for its exit code, its message, that no plaintext
//! of a bad chunk and no `-o` file is left behind, and that the keyring is
//! unchanged. Then the happy paths, the known-answer vectors in
//! tests/vectors/ (both directions) and a property test.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;

use proptest::prelude::*;

use crate::util::{Run, TestDir, edit_keyring_with};

/// The tag of each payload chunk (docs/FORMAT.md, "Payload").
const TAG_LEN: usize = 16;

/// A keyring with a key-file root and an encryption key `backups`.
fn setup() -> TestDir {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn wrap(t: &TestDir, args: &[&str], plaintext: &[u8]) -> Vec<u8> {
    let mut all = vec!["wrap", "-k", "backups"];
    all.extend_from_slice(args);
    t.run_stdin(&all, plaintext).ok().output.stdout
}

/// Changes the keyring as the lifecycle commands of other phases would
/// (disable, destroy), with [`util::edit_keyring`](crate::util::edit_keyring).
fn edit_keyring(t: &TestDir, edit: impl FnOnce(&mut serde_json::Value)) {
    crate::util::edit_keyring(&t.keyring(), &t.join("root.key"), edit);
}

/// Edits version `number` of key `name` in the keyring's JSON.
fn set_state(t: &TestDir, name: &str, number: u32, edit: impl FnOnce(&mut serde_json::Value)) {
    edit_keyring(t, |doc| {
        let versions = doc["keys"][name]["versions"].as_array_mut().unwrap();
        edit(
            versions
                .iter_mut()
                .find(|v| v["version"] == number)
                .unwrap(),
        );
    });
}

/// Header length of an envelope, from its bytes 10..12.
fn header_len(envelope: &[u8]) -> usize {
    u16::from_be_bytes([envelope[10], envelope[11]]) as usize
}

/// Runs `unwrap` on `envelope` both to stdout and with `-o`, checks the
/// exit code and message, that no `-o` file or temporary file is left, and
/// that the keyring did not change. Returns the stdout run.
#[track_caller]
fn unwrap_fails(t: &TestDir, envelope: &[u8], code: i32, needle: &str) -> Run {
    let before = t.keyring_bytes();
    std::fs::write(t.join("bad.kc"), envelope).unwrap();
    let run = t.run(&["unwrap", "bad.kc"]).fails(code, needle);
    t.run(&["unwrap", "-o", "out.bin", "bad.kc"])
        .fails(code, needle);
    assert!(!t.join("out.bin").exists(), "-o file left behind");
    assert!(t.temp_files().is_empty(), "temp files {:?}", t.temp_files());
    assert_eq!(t.keyring_bytes(), before, "keyring changed");
    run
}

// ------------------------------------------------------------ bad input

#[test]
fn every_header_byte_flipped_is_refused() {
    let t = setup();
    let plain = pattern(200);
    let env = wrap(&t, &["--chunk-size", "64", "-c", "env=prod"], &plain);
    let hlen = header_len(&env);
    // The key stanza ends the header (format 2): version id (16), number
    // (4), wrapped CEK (60), then the header MAC (32).
    let version_id = (hlen - 32 - 60 - 4 - 16)..(hlen - 32 - 60 - 4);
    // Format 2: the key stanza's body (its keyring id first) starts after
    // the context, the stanza count, and the stanza's kind and length.
    let context_len = u16::from_be_bytes([env[48], env[49]]) as usize;
    let keyring_id_at = 50 + context_len + 1 + 3;
    let keyring_id = keyring_id_at..keyring_id_at + 16;
    for i in 0..hlen {
        let mut bad = env.clone();
        bad[i] ^= 0x01;
        // A flipped keyring-id byte still finds the version by its id, whose
        // origin (this keyring) the header then no longer claims: exit 4
        // before any key is used (issue 13 item 2, strict unwrap). A flipped
        // version number or key name byte is damage (exit 3).
        let (code, needle) = if version_id.contains(&i) {
            (4, "has no version with id")
        } else if keyring_id.contains(&i) {
            (
                4,
                "refusing an envelope whose claimed origin is not its key's",
            )
        } else if i < 8 {
            // Without the magic it is not an envelope: exit 2 (issue 18).
            (2, "not a keycask envelope")
        } else if i == 8 {
            (3, "envelope format version 3 is not supported")
        } else {
            (3, "envelope")
        };
        let run = unwrap_fails(&t, &bad, code, needle);
        assert!(run.output.stdout.is_empty(), "plaintext released, byte {i}");
        if code == 3 && i > 8 {
            let err = run.stderr();
            assert!(
                err.contains("the envelope is damaged or was tampered with")
                    || err.contains("the envelope is truncated"),
                "byte {i}: {err}"
            );
        }
    }
}

#[test]
fn flipped_chunk_bytes_release_only_verified_chunks() {
    let t = setup();
    let plain = pattern(64 * 5 + 10);
    let env = wrap(&t, &["--chunk-size", "64"], &plain);
    let h = header_len(&env);
    let piece = 64 + TAG_LEN;
    // First chunk, a middle chunk (its tag), the last chunk.
    for (chunk, offset) in [(0, 5), (2, piece - 1), (5, 3)] {
        let mut bad = env.clone();
        bad[h + chunk * piece + offset] ^= 0x80;
        let run = unwrap_fails(&t, &bad, 3, "the envelope is damaged or was tampered with");
        assert_eq!(
            run.output.stdout,
            plain[..chunk * 64],
            "only the chunks before chunk {chunk} may be released"
        );
        // Only output that went out is called incomplete.
        assert_eq!(
            run.stderr()
                .contains("the output written to stdout is incomplete: discard it"),
            chunk > 0,
            "chunk {chunk}: {}",
            run.stderr()
        );
        t.run(&["unwrap", "-o", "x.out", "bad.kc"])
            .fails(3, "no output file was written");
    }
}

#[test]
fn an_early_bad_chunk_in_a_long_envelope_fails_promptly() {
    // Many batches of chunks: the reader is still busy when the first chunk
    // fails, and must be stopped, not waited for.
    let t = setup();
    let plain = pattern(200_000);
    let mut env = wrap(&t, &["--chunk-size", "64"], &plain);
    let h = header_len(&env);
    env[h + 1] ^= 1;
    let run = unwrap_fails(&t, &env, 3, "the envelope is damaged or was tampered with");
    assert!(run.output.stdout.is_empty());
}

#[test]
fn truncation_anywhere_is_refused() {
    let t = setup();
    let plain = pattern(64 * 3 + 20);
    let env = wrap(&t, &["--chunk-size", "64"], &plain);
    let h = header_len(&env);
    let piece = 64 + TAG_LEN;
    unwrap_fails(&t, b"", 2, "not a keycask envelope");
    for cut in [3, 8, 12, 40, h / 2, h - 1] {
        unwrap_fails(&t, &env[..cut], 3, "the envelope is truncated");
    }
    // At the end of the header, at each chunk boundary, inside a chunk, and
    // without the final chunk.
    for cut in [
        h,
        h + piece,
        h + 2 * piece,
        h + 3 * piece,
        h + 10,
        h + piece + 70,
    ] {
        unwrap_fails(
            &t,
            &env[..cut],
            3,
            "the envelope is damaged or was tampered with",
        );
    }
    assert_eq!(env.len(), h + 3 * piece + 20 + TAG_LEN);
}

#[test]
fn appended_swapped_and_duplicated_chunks_are_refused() {
    let t = setup();
    let plain = pattern(64 * 3);
    let env = wrap(&t, &["--chunk-size", "64"], &plain);
    let h = header_len(&env);
    let piece = 64 + TAG_LEN;
    let chunk = |i: usize| env[h + i * piece..h + (i + 1) * piece].to_vec();
    let damaged = "the envelope is damaged or was tampered with";
    for extra in [&b"\0"[..], &[0u8; 16], &chunk(2)] {
        let mut longer = env.clone();
        longer.extend_from_slice(extra);
        unwrap_fails(&t, &longer, 3, damaged);
    }
    let swapped = [&env[..h], &chunk(1), &chunk(0), &chunk(2)].concat();
    assert_eq!(unwrap_fails(&t, &swapped, 3, damaged).output.stdout, b"");
    let duplicated = [&env[..h], &chunk(0), &chunk(0), &chunk(1), &chunk(2)].concat();
    let run = unwrap_fails(&t, &duplicated, 3, damaged);
    assert_eq!(run.output.stdout, plain[..64]);
}

#[test]
fn an_envelope_from_another_keyring_names_both() {
    let t = setup();
    let other = setup();
    let env = wrap(&other, &[], b"secret");
    let ids: Vec<String> = [&t, &other]
        .iter()
        .map(|d| {
            let doc: serde_json::Value = serde_json::from_slice(&d.keyring_bytes()).unwrap();
            doc["keyring_id"].as_str().unwrap().to_string()
        })
        .collect();
    let run = unwrap_fails(&t, &env, 4, "the envelope was made with keyring");
    run.stderr_has(&ids[0])
        .stderr_has(&ids[1])
        .stderr_has("hint: ");
}

#[test]
fn unusable_versions_and_keys_exit_4() {
    let t = setup();
    let env = wrap(&t, &[], b"secret");
    t.run(&["rotate", "backups"]).ok();
    set_state(&t, "backups", 1, |v| v["state"] = "disabled".into());
    unwrap_fails(&t, &env, 4, "version 1 of key 'backups' is disabled")
        .stderr_has("hint: if it should decrypt again: `keycask enable backups --version 1`");

    set_state(&t, "backups", 1, |v| {
        v["state"] = "destroy-scheduled".into();
        v["destroy_after"] = "2030-01-01T00:00:00Z".into();
    });
    unwrap_fails(
        &t,
        &env,
        4,
        "version 1 of key 'backups' is scheduled for destruction on 2030-01-01",
    )
    .stderr_has("keycask destroy --cancel backups --version 1");

    set_state(&t, "backups", 1, |v| {
        v["state"] = "destroyed".into();
        v.as_object_mut().unwrap().remove("wrapped");
        v["destruction"] =
            serde_json::json!({"at": "2026-01-01T00:00:00Z", "reason": "key retired"});
    });
    unwrap_fails(
        &t,
        &env,
        4,
        "version 1 of key 'backups' was destroyed on 2026-01-01 (key retired)",
    );

    edit_keyring(&t, |doc| {
        doc["keys"].as_object_mut().unwrap().remove("backups");
    });
    unwrap_fails(&t, &env, 4, "no key named 'backups' in this keyring");
}

#[test]
fn a_compromised_version_decrypts_with_a_warning() {
    let t = setup();
    let env = wrap(&t, &[], b"secret");
    set_state(&t, "backups", 1, |v| {
        v["compromised"] =
            serde_json::json!({"at": "2026-01-01T00:00:00Z", "reason": "laptop stolen"});
    });
    let run = t.run_stdin(&["unwrap"], &env).ok();
    assert_eq!(run.output.stdout, b"secret");
    run.stderr_has(
        "warning: version 1 of key 'backups' is flagged compromised on 2026-01-01 (laptop stolen)",
    );
}

#[test]
fn context_mismatch_and_bad_context_are_refused() {
    let t = setup();
    let env = wrap(&t, &["-c", "env=prod", "-c", "app=billing"], b"data");
    std::fs::write(t.join("e.kc"), &env).unwrap();
    for expect in [&["env=dev"][..], &["env=prod", "team=x"], &["app=billin"]] {
        let mut args = vec!["unwrap", "e.kc"];
        for e in expect {
            args.extend_from_slice(&["--expect-context", e]);
        }
        let run = t
            .run(&args)
            .fails(3, "the envelope's context does not match");
        let run = run.stderr_has("app=billing, env=prod");
        assert!(run.output.stdout.is_empty());
    }
    // A value holding ", k=v" is quoted, so it cannot read as another pair.
    let tricky = wrap(&t, &["-c", "a=1, b=2"], b"data");
    std::fs::write(t.join("tricky.kc"), &tricky).unwrap();
    t.run(&["unwrap", "tricky.kc", "--expect-context", "b=2"])
        .fails(3, "expected b=2, the envelope has context a=\"1, b=2\"");
    t.run(&["inspect", "tricky.kc"])
        .ok()
        .stdout_has("context     a=\"1, b=2\"");
    let ok = t
        .run(&[
            "unwrap",
            "e.kc",
            "--expect-context",
            "env=prod",
            "--expect-context",
            "app=billing",
        ])
        .ok();
    assert_eq!(ok.output.stdout, b"data");
    let before = t.keyring_bytes();
    for bad in ["env", "=x", "a b=c", "k=a\u{7}b"] {
        t.run_stdin(&["wrap", "-k", "backups", "-c", bad], b"x")
            .fails(2, "context");
        t.run(&["unwrap", "e.kc", "--expect-context", bad])
            .fails(2, "context");
    }
    t.run_stdin(&["wrap", "-k", "backups", "-c", "a=1", "-c", "a=2"], b"x")
        .fails(2, "context key 'a' is given twice");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn bad_armor_is_refused() {
    let t = setup();
    let armored = String::from_utf8(wrap(&t, &["--armor"], &pattern(300))).unwrap();
    let lines: Vec<&str> = armored.lines().collect();
    let mut bad_b64 = lines.clone();
    let star = format!("{}*", &lines[2][..63]);
    bad_b64[2] = &star;
    let cases = [
        (bad_b64.join("\n"), "bad armor: invalid base64"),
        (
            armored.replace("END KEYCASK ENVELOPE", "END KEYCASK THING"),
            "bad armor: wrong end line",
        ),
        (
            lines[..lines.len() - 1].join("\n"),
            "bad armor: missing the end line",
        ),
        (
            format!("{armored}more text\n{armored}"),
            "bad armor: a second envelope after the end line",
        ),
        (
            [&lines[..2], &lines[3..]].concat().join("\n"),
            "the envelope is damaged or was tampered with",
        ),
    ];
    for (text, needle) in cases {
        unwrap_fails(&t, text.as_bytes(), 3, needle).stderr_has("hint: ");
    }
    // PEM text of another kind is not a keycask envelope: exit 2 (issue 18).
    unwrap_fails(
        &t,
        armored
            .replace("KEYCASK ENVELOPE", "PGP MESSAGE")
            .as_bytes(),
        2,
        "not a keycask envelope (bad armor: wrong label",
    )
    .stderr_has("hint: ");
    // Pasted with CRLF line ends and surrounding blank lines: still fine.
    let pasted = format!("\n\n{}\n", armored.replace('\n', "\r\n"));
    let run = t.run_stdin(&["unwrap"], pasted.as_bytes()).ok();
    assert_eq!(run.output.stdout, pattern(300));
}

#[test]
fn not_an_envelope_is_refused() {
    let t = setup();
    for input in [
        &b""[..],
        b"hello, world\n",
        b"   \n",
        b"KCASK",
        &[0u8; 4096],
    ] {
        // Input without the magic is not an envelope at all: a usage
        // error (exit 2), not failed authentication (issue 18).
        let (code, needle) = if input == b"KCASK" {
            (3, "the envelope is truncated")
        } else {
            (2, "not a keycask envelope")
        };
        unwrap_fails(&t, input, code, needle);
    }
    t.run(&["unwrap", "missing.kc"])
        .fails(2, "cannot open missing.kc: no such file");
    t.run(&["unwrap", "."]).fails(2, "is a directory");
}

#[test]
fn wrap_refuses_unusable_keys_and_bad_arguments() {
    let t = setup();
    t.run(&["keygen", "signer", "--type", "p256", "--purpose", "sign"])
        .ok();
    std::fs::write(t.join("in.txt"), b"data").unwrap();
    let before = t.keyring_bytes();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["wrap", "-k", "signer", "in.txt"],
            4,
            "only encrypt keys wrap data",
        ),
        (&["wrap", "-k", "nope", "in.txt"], 4, "no key named 'nope'"),
        (&["datakey", "-k", "signer"], 4, "only encrypt keys"),
        (
            &["wrap", "-k", "backups", "--chunk-size", "63", "in.txt"],
            2,
            "out of range",
        ),
        (
            &[
                "wrap",
                "-k",
                "backups",
                "--chunk-size",
                "16777217",
                "in.txt",
            ],
            2,
            "out of range",
        ),
        (
            &["wrap", "-k", "backups", "missing.txt", "-o", "x.kc"],
            2,
            "no such file",
        ),
    ];
    for (args, code, needle) in cases {
        t.run(args).fails(*code, needle);
        assert_eq!(t.keyring_bytes(), before, "{args:?}");
        assert!(!t.join("x.kc").exists());
    }
    set_state(&t, "backups", 1, |v| v["state"] = "disabled".into());
    t.run(&["wrap", "-k", "backups", "in.txt", "-o", "x.kc"])
        .fails(4, "version 1 of key 'backups' is disabled")
        .stderr_has("keycask rotate backups");
    assert!(!t.join("x.kc").exists());
    assert!(t.temp_files().is_empty());
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let t = setup();
    std::fs::write(t.join("big"), pattern(4 << 20)).unwrap();
    t.run(&["wrap", "-k", "backups", "big", "-o", "big.kc"])
        .ok();
    for args in [&["unwrap", "big.kc"][..], &["wrap", "-k", "backups", "big"]] {
        let mut child = t
            .command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        // The pipe's reader is gone now, like `| head -c 10`.
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(
            output.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

// ------------------------------------------------------------ inspect

#[test]
fn inspect_reads_headers_without_the_keyring_and_reports_each_file() {
    let t = setup();
    std::fs::write(
        t.join("a.kc"),
        wrap(&t, &["-c", "env=prod"], &pattern(70_000)),
    )
    .unwrap();
    std::fs::write(
        t.join("b.asc"),
        wrap(&t, &["--armor", "--chunk-size", "64"], b"x"),
    )
    .unwrap();
    std::fs::write(t.join("c.txt"), b"plain text").unwrap();
    // No keyring, no key file: inspect needs neither.
    std::fs::remove_file(t.keyring()).unwrap();
    std::fs::remove_file(t.join("root.key")).unwrap();
    let run = t
        .run(&["inspect", "a.kc", "c.txt", "b.asc", "missing"])
        .fails(2, "c.txt: not a keycask envelope");
    run.stderr_has("missing: no such file")
        .stderr_has("2 of 4 files could not be inspected")
        .stdout_has("a.kc\n  key         backups version 1")
        .stdout_has("context     env=prod")
        .stdout_has("70000 bytes in 2 chunks")
        .stdout_has("b.asc")
        .stdout_has("armored");
    let json = t
        .run(&["inspect", "--json", "a.kc", "b.asc", "c.txt"])
        .json();
    assert_eq!(json["schema"], "keycask.inspect/1");
    let a = &json["envelopes"][0];
    assert_eq!(a["key"], "backups");
    assert_eq!(a["version"], 1);
    assert_eq!(a["context"]["env"], "prod");
    assert_eq!(a["chunk_size"], 65536);
    assert_eq!(a["plaintext_bytes"], 70000);
    assert_eq!(a["chunks"], 2);
    assert_eq!(a["version_id"].as_str().unwrap().len(), 32);
    assert_eq!(json["envelopes"][1]["armored"], true);
    assert_eq!(json["envelopes"][1]["plaintext_bytes"], 1);
    assert!(
        json["envelopes"][2]["error"]
            .as_str()
            .unwrap()
            .contains("not a keycask envelope")
    );
}

// ------------------------------------------------------------ happy paths

#[test]
fn wrap_unwrap_round_trips_through_files_pipes_and_armor() {
    let t = setup();
    let plain = pattern(300_000);
    std::fs::write(t.join("plain"), &plain).unwrap();
    t.run(&["wrap", "-k", "backups", "plain", "-o", "p.kc"])
        .ok();
    t.run(&["wrap", "-k", "backups", "plain", "--armor", "-o", "p.asc"])
        .ok();
    assert_eq!(t.run(&["unwrap", "p.asc"]).ok().output.stdout, plain);
    let stdin_env = wrap(&t, &["-"], &plain);
    assert_eq!(t.run(&["unwrap", "p.kc"]).ok().output.stdout, plain);
    assert_eq!(
        t.run_stdin(&["unwrap", "-"], &stdin_env).ok().output.stdout,
        plain
    );
    t.run(&["unwrap", "p.kc", "-o", "back"]).ok();
    assert_eq!(std::fs::read(t.join("back")).unwrap(), plain);
    let mode = std::fs::metadata(t.join("back"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "plaintext output is private");
    // An existing output file is replaced only on success.
    std::fs::write(t.join("back"), b"old").unwrap();
    let mut bad = std::fs::read(t.join("p.kc")).unwrap();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(t.join("bad.kc"), &bad).unwrap();
    t.run(&["unwrap", "bad.kc", "-o", "back"])
        .fails(3, "damaged");
    assert_eq!(std::fs::read(t.join("back")).unwrap(), b"old");
    // Armor, binary, every size around the chunk boundary.
    for len in [0, 1, 63, 64, 65, 128, 1000] {
        let data = pattern(len);
        for armor in [false, true] {
            let mut args = vec!["--chunk-size", "64"];
            if armor {
                args.push("--armor");
            }
            let env = wrap(&t, &args, &data);
            let chunks = if len == 0 { 1 } else { len.div_ceil(64) };
            if !armor {
                assert_eq!(env.len(), header_len(&env) + len + chunks * TAG_LEN);
            } else {
                assert!(env.starts_with(b"-----BEGIN KEYCASK ENVELOPE-----\n"));
            }
            assert_eq!(t.run_stdin(&["unwrap"], &env).ok().output.stdout, data);
        }
    }
    // Two wraps of the same data differ (fresh CEK and salt every time).
    assert_ne!(wrap(&t, &[], b"same"), wrap(&t, &[], b"same"));
}

#[test]
fn old_versions_keep_decrypting_after_rotation() {
    let t = setup();
    let old = wrap(&t, &[], b"before rotation");
    t.run(&["rotate", "backups"]).ok();
    let new = wrap(&t, &[], b"after rotation");
    assert_eq!(
        t.run_stdin(&["unwrap"], &old).ok().output.stdout,
        b"before rotation"
    );
    assert_eq!(
        t.run_stdin(&["unwrap"], &new).ok().output.stdout,
        b"after rotation"
    );
    std::fs::write(t.join("new.kc"), &new).unwrap();
    let json = t.run(&["inspect", "--json", "new.kc"]).ok().json();
    assert_eq!(json["envelopes"][0]["version"], 2);
    t.run_stdin(&["-v", "unwrap"], &old)
        .ok()
        .stderr_has("unwrapped with key backups version 1");
}

#[test]
fn datakey_gives_a_key_and_its_envelope() {
    let t = setup();
    let json = t
        .run(&["datakey", "-k", "backups", "--json", "-c", "app=x"])
        .ok()
        .json();
    assert_eq!(json["schema"], "keycask.datakey/1");
    assert_eq!(json["key"], "backups");
    assert_eq!(json["version"], 1);
    assert_eq!(json["context"]["app"], "x");
    use base64::Engine;
    let plain = base64::engine::general_purpose::STANDARD
        .decode(json["plaintext"].as_str().unwrap())
        .unwrap();
    assert_eq!(plain.len(), 32);
    let wrapped = json["wrapped"].as_str().unwrap();
    assert!(wrapped.starts_with("-----BEGIN KEYCASK ENVELOPE-----"));
    let back = t
        .run_stdin(&["unwrap", "--expect-context", "app=x"], wrapped.as_bytes())
        .ok();
    assert_eq!(back.output.stdout, plain);
    let only = t
        .run(&["datakey", "-k", "backups", "--json", "--wrapped-only"])
        .ok()
        .json();
    assert_eq!(only.get("plaintext"), Some(&serde_json::Value::Null));
    assert!(only["wrapped"].as_str().unwrap().starts_with("-----BEGIN"));
    let text = t
        .run(&["datakey", "-k", "backups", "--wrapped-only"])
        .ok()
        .stdout();
    assert!(text.starts_with("-----BEGIN KEYCASK ENVELOPE-----"));
    let two = t.run(&["datakey", "-k", "backups"]).ok().stdout();
    let first_line = two.lines().next().unwrap();
    assert_eq!(first_line.len(), 44, "base64 of 32 bytes");
    assert_ne!(two, t.run(&["datakey", "-k", "backups"]).ok().stdout());
}

// ------------------------------------------------------------ vectors

fn vectors_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v2")
}

/// Format 1 vectors: stored files that this build must keep decrypting.
fn v1_vectors_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1")
}

/// The manifest of the vectors in `dir`: their key, and each file with its
/// plaintext or, for a vector that must fail, its message. (That the
/// format 2 files and manifest are what this build makes, and that the
/// library opens them, are unit tests: src/tests/usage.rs.)
fn vectors_manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("vectors.json")).unwrap()).unwrap()
}

/// Builds a keyring holding the vectors' key, with their keyring id and
/// version id, and unwraps every vector with the real command.
#[test]
fn vectors_through_the_command_line() {
    let t = vector_keyring();
    let before = t.keyring_bytes();
    // Format 2, and the format 1 envelopes, from before format 2, still open.
    for dir in [vectors_dir(), v1_vectors_dir()] {
        let manifest = vectors_manifest(&dir);
        for v in manifest["vectors"].as_array().unwrap() {
            let path = dir.join(v["file"].as_str().unwrap());
            let run = t.run(&["unwrap", path.to_str().unwrap()]).ok();
            assert_eq!(
                hex::encode(&run.output.stdout),
                v["plaintext"].as_str().unwrap(),
                "{}",
                path.display()
            );
        }
        for v in manifest["fail"].as_array().unwrap() {
            let path = dir.join(v["file"].as_str().unwrap());
            // Not an envelope at all (no magic, other PEM text): exit 2.
            let message = v["message"].as_str().unwrap();
            let code = if message == "not a keycask envelope" || message.contains("wrong label") {
                2
            } else {
                3
            };
            t.run(&["unwrap", path.to_str().unwrap()])
                .fails(code, message);
        }
    }
    assert_eq!(t.keyring_bytes(), before);
}

/// A keyring whose key `vectors` is the test vectors' key, under their
/// keyring id and version id (from tests/vectors/v2/vectors.json), written
/// into the keyring with [`edit_keyring_with`] as docs/FORMAT.md says.
fn vector_keyring() -> TestDir {
    let t = TestDir::new();
    t.init_keyfile();
    let manifest = vectors_manifest(&vectors_dir());
    let field = |name: &str| manifest[name].as_str().unwrap().to_string();
    let (id, name, version_id) = (field("keyring_id"), field("key"), field("version_id"));
    let material = hex::decode(field("material")).unwrap();
    edit_keyring_with(&t.keyring(), &t.join("root.key"), |e| {
        e.doc["keyring_id"] = id.clone().into();
        // The audit key is bound to the old id: start the log anew.
        e.doc.as_object_mut().unwrap().remove("audit");
        let kek_version = e.doc["kek"]["primary"].as_u64().unwrap();
        let aad = format!(
            "keycask/key-material/v1\0{id}\0{name}\0{}\0{version_id}\0aes256-gcm\0encrypt\0{kek_version}",
            1
        );
        let wrapped = e.wrap(&material, &aad);
        e.doc["keys"][&name] = serde_json::json!({
            "algorithm": "aes256-gcm",
            "purpose": "encrypt",
            "created": "2023-11-14T22:13:20Z",
            "origin": "imported",
            "primary": 1,
            "versions": [{
                "version": 1,
                "id": version_id,
                "state": "enabled",
                "created": "2023-11-14T22:13:20Z",
                "kek_version": kek_version,
                "wrapped": wrapped,
            }],
        });
    });
    t
}

/// Issue 13, item 3: `rekey` moves a format 1 envelope (the CEK wrapped
/// directly under the version's material) to format 2 (a per-envelope
/// wrapping key): the file is rewritten once, the payload bytes unchanged,
/// and it opens to the same plaintext.
#[test]
fn rekey_moves_a_format_1_envelope_to_format_2() {
    let t = vector_keyring();
    t.run(&["rotate", "vectors"]).ok();
    let v1 = v1_vectors_dir();
    for file in ["three_chunks.kc", "armored.kc.asc"] {
        let path = t.join(file);
        std::fs::copy(v1.join(file), &path).unwrap();
        let before = t.run(&["unwrap", file]).ok().output.stdout;
        let old = std::fs::read(&path).unwrap();
        t.run(&["rekey", file]).ok();
        let inspected = t.run(&["inspect", "--json", file]).ok().json();
        let envelope = &inspected["envelopes"][0];
        assert_eq!(envelope["format_version"], 2, "{file}");
        assert_eq!(envelope["version"], 2, "{file}");
        assert_eq!(t.run(&["unwrap", file]).ok().output.stdout, before);
        if !file.ends_with(".asc") {
            let new = std::fs::read(&path).unwrap();
            let (old_h, new_h) = (header_len(&old), header_len(&new));
            assert_eq!(old[8], 1);
            assert_eq!(new[8], 2);
            assert_eq!(
                old[old_h..],
                new[new_h..],
                "the payload bytes are untouched"
            );
        }
        // A second rekey has nothing to do.
        let again = t.run(&["rekey", "--json", file]).ok().json();
        assert!(again.to_string().contains("current"), "{again}");
    }
}

// ------------------------------------------------------------ properties

#[test]
fn command_line_round_trip_of_random_sizes() {
    let t = setup();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(8));
    runner
        .run(&(0usize..5000, 64u32..2048), |(len, chunk)| {
            let data = pattern(len);
            let env = wrap(&t, &["--chunk-size", &chunk.to_string()], &data);
            prop_assert_eq!(t.run_stdin(&["unwrap"], &env).ok().output.stdout, data);
            Ok(())
        })
        .unwrap();
}

/// Runs keycask under `script`, so that stdin, stdout and stderr are a
/// terminal. Returns the exit code and everything the terminal showed.
fn run_on_terminal(t: &TestDir, args: &str) -> (i32, String) {
    let keycask = assert_cmd::cargo::cargo_bin!("keycask");
    let output = std::process::Command::new("script")
        .args([
            "-q",
            "-e",
            "-c",
            &format!("{} {args}", keycask.display()),
            "/dev/null",
        ])
        .env("KEYCASK_KEYRING", t.keyring())
        .env_remove("KEYCASK_KEYFILE")
        .current_dir(t.path())
        .stdin(Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn a_binary_envelope_is_never_written_to_a_terminal() {
    let t = setup();
    std::fs::write(t.join("in.txt"), b"secret").unwrap();
    let before = t.keyring_bytes();
    let (code, shown) = run_on_terminal(&t, "wrap -k backups in.txt");
    assert_eq!(code, 2, "{shown}");
    assert!(
        shown.contains("refusing to write a binary envelope to a terminal"),
        "{shown}"
    );
    assert!(shown.contains("--armor"), "{shown}");
    assert!(!shown.contains("KCASKENV"), "{shown}");
    let (code, shown) = run_on_terminal(&t, "wrap -k backups --armor in.txt");
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("-----BEGIN KEYCASK ENVELOPE-----"),
        "{shown}"
    );
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn unusable_envelopes_are_refused_before_the_passphrase_is_asked() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    t.run(&["--passphrase-file", "pass.txt", "keygen", "backups"])
        .ok();
    let env = t
        .run_stdin(
            &["--passphrase-file", "pass.txt", "wrap", "-k", "backups"],
            b"under a passphrase",
        )
        .ok()
        .output
        .stdout;
    let back = t
        .run_stdin(&["--passphrase-file", "pass.txt", "unwrap"], &env)
        .ok();
    assert_eq!(back.output.stdout, b"under a passphrase");
    // No passphrase source at all: a foreign or damaged envelope is still
    // refused for what it is, not for the missing passphrase.
    let other = setup();
    let foreign = wrap(&other, &[], b"x");
    t.run_stdin(&["unwrap"], &foreign)
        .fails(4, "the envelope was made with keyring");
    t.run_stdin(&["unwrap"], b"not an envelope")
        .fails(2, "not a keycask envelope");
    // A good envelope needs the passphrase.
    t.run_stdin(&["unwrap"], &env).fails(2, "passphrase");
    // Headers are readable without it.
    t.run_stdin(&["inspect", "-"], &env)
        .ok()
        .stdout_has("-\n  key         backups version 1");
    // Files are named as given, `-` for stdin (docs/JSON.md).
    let report = t.run_stdin(&["inspect", "--json", "-"], &env).ok().json();
    assert_eq!(report["envelopes"][0]["file"], "-");
    let report = t.run_stdin(&["inspect", "--json", "-"], b"junk").json();
    assert_eq!(report["envelopes"][0]["file"], "-");
}

/// `-o` naming a FIFO (or a device such as /dev/null) writes into it: a
/// rename would replace the FIFO with a regular file.
#[test]
fn output_to_a_fifo_writes_through_it_and_keeps_it() {
    use std::os::unix::fs::FileTypeExt;
    let t = setup();
    let fifo = t.join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let plain = pattern(100_000);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    t.run_stdin(&["wrap", "-k", "backups", "-o", "pipe"], &plain)
        .ok();
    let envelope = reader.join().unwrap();
    assert!(
        std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "the FIFO was replaced"
    );
    let back = t.run_stdin(&["unwrap"], &envelope).ok();
    assert_eq!(back.output.stdout, plain);

    // And unwrap -o into it too.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    t.run_stdin(&["unwrap", "-o", "pipe"], &envelope).ok();
    assert_eq!(reader.join().unwrap(), plain);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(t.temp_files().is_empty(), "{:?}", t.temp_files());
}

/// Runs keycask under `script`, so that stderr is a terminal; returns the
/// exit code and what the terminal showed.
fn at_terminal(t: &TestDir, args: &str) -> (i32, String) {
    let mut cmd = std::process::Command::new("sh");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KEYCASK_") {
            cmd.env_remove(&name);
        }
    }
    let out = cmd
        .env("KEYCASK_KEYRING", t.keyring())
        .env("HOME", t.path())
        .env("KEYCASK_BIN", assert_cmd::cargo::cargo_bin!("keycask"))
        .current_dir(t.path())
        .arg("-c")
        .arg(format!(
            "script -qec \"$KEYCASK_BIN {args}\" /dev/null < /dev/null"
        ))
        .output()
        .expect("sh and script (util-linux) are needed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), text)
}

/// Input of unknown size at a terminal (`cat big | keycask wrap`): once
/// past 64 MiB, bytes done and the rate, as `pv` shows them, with no total
/// (issue 18, usability 4); nothing for a small pipe or with `-q`.
#[test]
fn progress_of_a_pipe_shows_bytes_and_rate() {
    let t = setup();
    let run = |pipe: &str, args: &str| -> (i32, String) {
        let mut cmd = std::process::Command::new("sh");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("KEYCASK_") {
                cmd.env_remove(&name);
            }
        }
        let out = cmd
            .env("KEYCASK_KEYRING", t.keyring())
            .env("KEYCASK_BIN", assert_cmd::cargo::cargo_bin!("keycask"))
            .current_dir(t.path())
            .arg("-c")
            .arg(format!(
                "script -qec \"{pipe} | $KEYCASK_BIN {args}\" /dev/null < /dev/null"
            ))
            .output()
            .expect("sh and script (util-linux) are needed");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code().unwrap_or(-1), text)
    };
    let big = "head -c 68157440 /dev/zero";
    let (code, screen) = run(big, "wrap -k backups -o big.kc");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("MiB/s"), "no rate: {screen:?}");
    assert!(
        screen.contains("65.00 MiB") || screen.contains("64."),
        "no bytes: {screen:?}"
    );
    assert!(
        !screen.contains(" / "),
        "a total that is not known: {screen:?}"
    );
    assert!(std::fs::metadata(t.join("big.kc")).unwrap().len() > 68_157_440);

    let (code, screen) = run("echo small", "wrap -k backups -o small.kc");
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("B/s"), "{screen:?}");
    let (code, screen) = run(big, "wrap -q -k backups -o quiet.kc");
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("B/s"), "{screen:?}");
}

/// A progress bar appears only when stderr is a terminal and the input is a
/// file over 64 MiB; `--no-progress` and `-q` turn it off.
#[test]
fn progress_bar_only_at_a_terminal_for_large_files() {
    let t = setup();
    let big = std::fs::File::create(t.join("big")).unwrap();
    big.set_len(65 * 1024 * 1024).unwrap();
    drop(big);

    let (code, screen) = at_terminal(&t, "wrap -k backups big -o big.kc");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("65.00 MiB"), "no progress bar: {screen:?}");

    for quiet in ["--no-progress", "-q"] {
        let (code, screen) = at_terminal(&t, &format!("wrap -k backups big -o quiet.kc {quiet}"));
        assert_eq!(code, 0, "{screen}");
        assert!(!screen.contains("MiB"), "{quiet}: {screen:?}");
    }
    // Not a terminal: nothing on stderr.
    let run = t.run(&["unwrap", "big.kc", "-o", "big.out"]).ok();
    assert!(run.stderr().is_empty(), "{}", run.stderr());
    assert_eq!(
        std::fs::metadata(t.join("big.out")).unwrap().len(),
        65 * 1024 * 1024
    );
    // A small file at a terminal: no bar either.
    std::fs::write(t.join("small"), b"small").unwrap();
    let (code, screen) = at_terminal(&t, "wrap -k backups small -o small.kc");
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("B/s"), "{screen:?}");
}

#[test]
fn wrap_and_unwrap_under_a_scheduled_key_name_destroy_cancel_not_rotate() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "w"]).ok();
    let old = t.run_stdin(&["wrap", "-k", "w"], b"secret").ok();
    std::fs::write(t.join("old.kc"), &old.output.stdout).unwrap();
    t.run(&["destroy", "w", "--after", "30d", "--yes"]).ok();
    let before = t.keyring_bytes();
    let run = t
        .run_stdin(&["wrap", "-k", "w"], b"x")
        .fails(4, "version 1 of key 'w' is scheduled for destruction")
        .stderr_has("hint: the whole key is scheduled for destruction; `keycask destroy --cancel w` cancels it");
    assert!(!run.stderr().contains("keycask rotate"), "{}", run.stderr());
    let run = t
        .run(&["unwrap", "old.kc"])
        .fails(4, "scheduled for destruction")
        .stderr_has("`keycask destroy --cancel w` (enables it again)");
    assert!(!run.stderr().contains("--version"), "{}", run.stderr());
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn the_compromised_warning_does_not_call_rekey_re_encryption() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    let old = t.run_stdin(&["wrap", "-k", "k"], b"1").ok();
    std::fs::write(t.join("1.kc"), &old.output.stdout).unwrap();
    t.run(&["rotate", "k", "--compromised", "--reason", "leak"])
        .ok();
    let run = t
        .run(&["unwrap", "1.kc"])
        .ok()
        .stderr_has("`keycask rekey` only moves the envelope off that version (same content key)")
        .stderr_has("re-encrypting protects it (`keycask rekey --reencrypt FILE`)");
    assert!(
        !run.stderr()
            .contains("re-encrypt this data (`keycask rekey`)")
    );
}

/// adv-c F2, as changed by issue 18 (armor inside text): one limit for
/// `unwrap FILE`, `unwrap` from stdin, `rekey` and `destroy --check` alike:
/// the begin line is looked for in the first 64 KiB of text, blank or not.
/// Within it, every reader sees the envelope; past it, none does ("not an
/// envelope" to all of them).
#[test]
fn text_before_armor_has_one_limit_for_every_reader() {
    let t = setup();
    std::fs::create_dir(t.join("ok")).unwrap();
    std::fs::create_dir(t.join("far")).unwrap();
    let armored = wrap(&t, &["--armor"], b"pasted secret");
    for blank in [4096usize, 4097, 60_000] {
        let mut text = vec![b'\n'; blank];
        text.extend_from_slice(&armored);
        let name = format!("ok/s{blank}.asc");
        std::fs::write(t.join(&name), &text).unwrap();
        t.run(&["unwrap", &name]).ok().stdout_has("pasted secret");
        t.run_stdin(&["unwrap"], &text)
            .ok()
            .stdout_has("pasted secret");
    }
    // Far beyond, it is not an envelope, for every reader.
    let mut text = vec![b' '; 70_000];
    text.extend_from_slice(&armored);
    std::fs::write(t.join("far/blank.txt"), &text).unwrap();
    t.run(&["unwrap", "far/blank.txt"])
        .fails(2, "not a keycask envelope");
    t.run_stdin(&["unwrap"], &text)
        .fails(2, "not a keycask envelope");
    t.run(&["rekey", "--dry-run", "far"])
        .ok()
        .stdout_has("skipped far/blank.txt: not an envelope");

    t.run(&["rotate", "backups"]).ok();
    t.run(&["rekey", "--dry-run", "ok"])
        .ok()
        .stdout_has("would rekey 3,");
    let keyring = t.keyring_bytes();
    let check = |dir: &str| {
        let args = format!("destroy backups --version 1 --now --yes --check {dir}");
        t.run(&args.split(' ').collect::<Vec<_>>())
    };
    check("ok").fails(4, "ok/s4096.asc (version 1)");
    assert_eq!(t.keyring_bytes(), keyring);
    // Blank space around the block only: rekey rewrites it in place.
    t.run(&["rekey", "ok"]).ok().stdout_has("rekeyed 3,");
    t.run(&["unwrap", "ok/s4097.asc"])
        .ok()
        .stdout_has("pasted secret");
}

/// Issue 18, usability 5: an envelope pasted into an email or a ticket,
/// indented, with text around it, opens as it is, for unwrap and inspect;
/// `destroy --check` sees it. `rekey` would lose the text around it, so it
/// leaves that file alone and says why. Two envelopes in one input are
/// refused.
#[test]
fn armor_pasted_inside_text_is_found() {
    let t = setup();
    let armored = String::from_utf8(wrap(&t, &["--armor"], b"pasted secret")).unwrap();
    let indented: String = armored.lines().map(|l| format!("    {l}\n")).collect();
    let mail = format!(
        "Hi Bob,\n\nthe token, as agreed:\n\n{indented}\nCheers,\nAlice\n-- \nsent from a phone\n"
    );
    std::fs::create_dir(t.join("mail")).unwrap();
    std::fs::write(t.join("mail/mail.txt"), &mail).unwrap();
    t.run(&["unwrap", "mail/mail.txt"])
        .ok()
        .stdout_has("pasted secret");
    t.run_stdin(&["unwrap"], mail.as_bytes())
        .ok()
        .stdout_has("pasted secret");
    t.run(&["inspect", "mail/mail.txt"])
        .ok()
        .stdout_has("key         backups version 1");

    t.run(&["rotate", "backups"]).ok();
    let keyring = t.keyring_bytes();
    t.run(&[
        "destroy",
        "backups",
        "--version",
        "1",
        "--now",
        "--yes",
        "--check",
        "mail",
    ])
    .fails(4, "mail/mail.txt (version 1)");
    assert_eq!(t.keyring_bytes(), keyring);
    // The dry run says what the real run does: it fails the file.
    let dry = t.run(&["rekey", "--dry-run", "--json", "mail"]);
    assert_ne!(dry.code(), 0, "{}", dry.stdout());
    let report = dry.json();
    assert_eq!(report["files"][0]["status"], "failed", "{report}");
    assert!(
        report["files"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("inside other text")),
        "{report}"
    );
    let run = t.run(&["rekey", "mail"]);
    assert_ne!(run.code(), 0, "{}", run.stdout());
    assert!(
        run.stdout().contains("inside other text") || run.stderr().contains("inside other text"),
        "{}{}",
        run.stdout(),
        run.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(t.join("mail/mail.txt")).unwrap(),
        mail
    );

    let two = format!("{mail}\nand again:\n{armored}");
    unwrap_fails(
        &t,
        two.as_bytes(),
        3,
        "a second envelope after the end line",
    );
}

/// adv-c F8: blank space that editors and chat clients leave at the end of
/// armor lines is accepted like a CRLF line end, by unwrap and by rekey.
#[test]
fn trailing_blank_space_on_armor_lines_is_accepted() {
    let t = setup();
    let armored = String::from_utf8(wrap(&t, &["--armor"], b"pasted")).unwrap();
    let padded: String = armored.lines().map(|l| format!("{l} \t \r\n")).collect();
    std::fs::write(t.join("tws.asc"), &padded).unwrap();
    t.run(&["unwrap", "tws.asc"]).ok().stdout_has("pasted");
    t.run_stdin(&["unwrap"], padded.as_bytes())
        .ok()
        .stdout_has("pasted");
    t.run(&["rotate", "backups"]).ok();
    t.run(&["rekey", "tws.asc"]).ok().stdout_has("rekeyed 1,");
    t.run(&["unwrap", "tws.asc"]).ok().stdout_has("pasted");
    // A wrong label is still called that.
    let other = armored.replace("KEYCASK ENVELOPE", "PGP MESSAGE");
    std::fs::write(t.join("pgp.asc"), other).unwrap();
    t.run(&["unwrap", "pgp.asc"])
        .fails(2, "not a keycask envelope (bad armor: wrong label");
}

/// adv-c F8: `-o` naming a folder is refused up front (exit 2, "is a
/// folder"), before the keyring is opened or the input read.
#[test]
fn output_naming_a_folder_is_refused_before_any_work() {
    let t = setup();
    let envelope = wrap(&t, &[], b"data");
    std::fs::write(t.join("h.kc"), &envelope).unwrap();
    std::fs::create_dir(t.join("out")).unwrap();
    for out in ["out", "out/", "missing/"] {
        t.run(&["unwrap", "h.kc", "-o", out])
            .fails(2, &format!("-o {out}: is a folder"));
        t.run_stdin(&["wrap", "-k", "backups", "-o", out], b"x")
            .fails(2, "is a folder");
    }
    // Before any work: with no keyring at all, the -o error comes first.
    std::fs::rename(t.keyring(), t.join("moved.json")).unwrap();
    t.run(&["unwrap", "h.kc", "-o", "out"])
        .fails(2, "-o out: is a folder");
    assert_eq!(std::fs::read_dir(t.join("out")).unwrap().count(), 0);
}

// ------------------------------------- issue 17 item 2: FORMAT.md, literally

/// Byte ranges of the key stanza of a one-stanza format 2 envelope made by
/// `wrap -k backups`: (keyring id, key name, version id, version number).
fn key_stanza_fields(
    env: &[u8],
) -> (
    std::ops::Range<usize>,
    std::ops::Range<usize>,
    std::ops::Range<usize>,
    std::ops::Range<usize>,
) {
    let hlen = header_len(env);
    let number = (hlen - 32 - 60 - 4)..(hlen - 32 - 60);
    let version_id = (number.start - 16)..number.start;
    let name = (version_id.start - 7)..version_id.start;
    assert_eq!(env[name.start - 1], 7, "the stanza layout moved");
    assert_eq!(&env[name.clone()], b"backups");
    let keyring_id = (name.start - 1 - 16)..(name.start - 1);
    (keyring_id, name, version_id, number)
}

/// FORMAT.md's failure table, the rows about the key stanza's fields, each
/// as stated: a version number that is not the number of the version the
/// id names is damage (exit 3: the number is checked, not informational);
/// a key name that is not the name of the key holding that id is damage,
/// also when the header claims another keyring (only a key imported under
/// another name is exempt, tests/distribution.rs); a version id of a key
/// that cannot wrap (a signing key) is refused as unusable (exit 4); and a
/// header claiming another keyring for a key of this one is refused by the
/// origin check (exit 4). Nothing is decrypted in any case.
#[test]
fn key_stanza_fields_fail_as_format_md_says() {
    let t = setup();
    // A signing key whose name is as long as "backups".
    t.run(&["keygen", "signing", "--type", "p256", "--purpose", "sign"])
        .ok();
    let env = wrap(&t, &[], b"secret");
    let (ring, name, id, number) = key_stanza_fields(&env);
    let damaged = "the envelope is damaged or was tampered with";

    let mut bad = env.clone();
    bad[number.clone()].copy_from_slice(&2u32.to_be_bytes());
    unwrap_fails(&t, &bad, 3, damaged);
    t.run(&["rotate", "backups"]).ok();
    // Version 2 exists now; the header still names version 1's id.
    unwrap_fails(&t, &bad, 3, damaged);

    let mut bad = env.clone();
    bad[name.clone()].copy_from_slice(b"cackups");
    unwrap_fails(&t, &bad, 3, damaged);
    // The same, in a header that also claims another keyring.
    bad[ring.start] ^= 0x01;
    unwrap_fails(&t, &bad, 3, damaged);

    // Only the keyring id changed: the origin check refuses (exit 4).
    let mut bad = env.clone();
    bad[ring.end - 1] ^= 0x80;
    unwrap_fails(
        &t,
        &bad,
        4,
        "refusing an envelope whose claimed origin is not its key's",
    )
    .stderr_has("a key of this keyring, which opens only envelopes made here");

    // The version id and name of the signing key: found, but it cannot wrap.
    let signing = t.run(&["show", "signing", "--json"]).ok().json()["versions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bad = env.clone();
    bad[name].copy_from_slice(b"signing");
    bad[id].copy_from_slice(&hex::decode(signing).unwrap());
    unwrap_fails(&t, &bad, 4, "key 'signing' is a p256 key with purpose sign");
}

/// FORMAT.md, Armor: blank space is exactly space, \t, \n, \r and \f (ASCII
/// whitespace as Rust's `u8::is_ascii_whitespace` and WHATWG define it);
/// \v (0x0B) is not blank, wherever it stands.
#[test]
fn armor_blank_space_is_space_tab_lf_cr_ff_and_not_vt() {
    let t = setup();
    let armored = String::from_utf8(wrap(&t, &["--armor"], b"pasted")).unwrap();
    let padded = |end: &str| -> String { armored.lines().map(|l| format!("{l}{end}")).collect() };
    for blank in [" ", "\t", "\x0c", "\r"] {
        let text = format!("{blank}\n{blank}{}{blank}", padded(&format!("{blank}\n")));
        let run = t.run_stdin(&["unwrap"], text.as_bytes()).ok();
        assert_eq!(run.output.stdout, b"pasted", "blank {blank:?}");
    }
    // \v ends no line: a begin line followed by it is not the begin line,
    // so the input is not an envelope (exit 2).
    let text = padded("\x0b\n");
    unwrap_fails(&t, text.as_bytes(), 2, "bad armor: wrong label");
    std::fs::write(t.join("vt.asc"), &text).unwrap();
    t.run(&["inspect", "vt.asc"])
        .fails(2, "bad armor: wrong label");
    // Around the block it is text like any other (issue 18: armor is found
    // inside text).
    for text in [format!("{armored}\x0b"), format!("\x0b\n{armored}")] {
        let run = t.run_stdin(&["unwrap"], text.as_bytes()).ok();
        assert_eq!(run.output.stdout, b"pasted");
    }
}

/// FORMAT.md, Context: "control characters" are the Unicode characters of
/// general category Cc: U+0000..U+001F (tab included), DEL (U+007F) and
/// U+0080..U+009F (U+0085 included). `wrap -c` and `--expect-context`
/// refuse them (exit 2), a header holding one is malformed (exit 3, even
/// for `inspect`, which checks no MAC), and other characters, such as
/// U+00A0 and U+2028, are values like any other.
#[test]
fn context_control_characters_are_unicode_cc_with_del_and_u0085() {
    let t = setup();
    for value in ["a\u{7f}b", "a\u{85}b", "a\u{9f}b", "a\tb", "a\u{1b}b"] {
        let pair = format!("k={value}");
        t.run_stdin(&["wrap", "-k", "backups", "-c", &pair], b"x")
            .fails(2, "a context value cannot hold control characters");
        t.run(&["unwrap", "none.kc", "--expect-context", &pair])
            .fails(2, "cannot hold control characters");
    }
    for value in ["a\u{a0}b", "a\u{2028}b"] {
        let env = wrap(&t, &["-c", &format!("k={value}")], b"x");
        std::fs::write(t.join("ok.kc"), &env).unwrap();
        t.run(&["unwrap", "ok.kc", "--expect-context", &format!("k={value}")])
            .ok()
            .stdout_has("x");
    }
    // Headers made with a printable value, then one byte changed to make
    // DEL ('~' 0x7E -> 0x7F) or U+0085 (U+00C5 is C3 85, U+0085 is C2 85).
    for (value, byte) in [("a~b", 0x7e_u8), ("a\u{c5}b", 0xc3)] {
        let env = wrap(&t, &["-c", &format!("k={value}")], b"x");
        let at = 50 + 1 + 1 + 2 + 1; // m, klen, "k", vlen, then the value
        assert_eq!(env[at], byte, "the context layout moved");
        let mut bad = env.clone();
        bad[at] ^= 0x01;
        std::fs::write(t.join("cc.kc"), &bad).unwrap();
        t.run(&["inspect", "cc.kc"])
            .fails(3, "the envelope is damaged or was tampered with");
        unwrap_fails(&t, &bad, 3, "the envelope is damaged or was tampered with");
        // The unchanged header inspects fine.
        std::fs::write(t.join("cc.kc"), &env).unwrap();
        t.run(&["inspect", "cc.kc"]).ok();
    }
}
