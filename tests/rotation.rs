//! Rotation: `rotate NAME`, `--compromised`, `--due`, `--kek`, `--root`,
//! `enable` / `disable`, and `rekey`.

use crate::util::{Run, TestDir, rekey_journal, rekey_journal_path};

fn show(t: &TestDir, name: &str) -> serde_json::Value {
    t.run(&["show", name, "--json"]).ok().json()
}

fn version_states(t: &TestDir, name: &str) -> Vec<(u64, String)> {
    show(t, name)["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn run_at(t: &TestDir, now: &str, args: &[&str]) -> Run {
    t.run_with(t.command_at(now), args, None)
}

fn keyring_json(t: &TestDir) -> serde_json::Value {
    serde_json::from_slice(&t.keyring_bytes()).unwrap()
}

#[test]
fn rotate_adds_a_primary_version_and_never_reuses_numbers() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"])
        .ok()
        .stdout_has("rotated key backups: version 1 -> 2");
    let out = t.run(&["rotate", "backups", "--json"]).ok().json();
    assert_eq!(out["schema"], "keycask.rotate/1");
    assert_eq!(out["old_version"], 2);
    assert_eq!(out["new_version"], 3);
    let key = show(&t, "backups");
    assert_eq!(key["primary"], 3);
    assert_eq!(
        version_states(&t, "backups"),
        [
            (1, "enabled".into()),
            (2, "enabled".into()),
            (3, "enabled".into())
        ]
    );
    let ids: Vec<&str> = key["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[2], out["new_version_id"]);
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    assert_eq!(ids[2].len(), 32);
}

#[test]
fn rotate_asymmetric_keys_gets_a_new_public_key() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "signing", "--type", "p256", "--purpose", "sign"])
        .ok();
    t.run(&["rotate", "signing"]).ok();
    let key = show(&t, "signing");
    let fp = |i: usize| {
        key["versions"][i]["public_key_fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(fp(0).starts_with("SHA256:"));
    assert_ne!(fp(0), fp(1));
}

#[test]
fn rotate_compromised_flags_older_versions_with_reason() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&[
        "rotate",
        "backups",
        "--compromised",
        "--reason",
        "laptop lost",
    ])
    .ok()
    .stdout_has("version 2 -> 3")
    .stderr_has("flagged as compromised: v1, v2");
    let key = show(&t, "backups");
    assert_eq!(key["compromised_versions"], serde_json::json!([1, 2]));
    assert_eq!(key["versions"][0]["compromised"]["reason"], "laptop lost");
    assert!(key["versions"][2]["compromised"].is_null());
    // A later event keeps the first date and reason of an already flagged
    // version, and flags only the newly older one.
    let out = t
        .run(&["rotate", "backups", "--compromised", "--json"])
        .ok()
        // The warning reaches stderr under --json too (docs/JSON.md).
        .stderr_has("flagged as compromised: v3")
        .json();
    assert_eq!(out["compromised_versions"], serde_json::json!([3]));
    let key = show(&t, "backups");
    assert_eq!(key["versions"][0]["compromised"]["reason"], "laptop lost");
    assert!(key["versions"][2]["compromised"]["reason"].is_null());
    t.run(&["list"]).ok().stdout_has("3 COMPROMISED");
    t.run(&["show", "backups"]).ok().stdout_has("COMPROMISED");
}

#[test]
fn rotate_refuses_bad_input_and_leaves_keyring_unchanged() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let before = t.keyring_bytes();
    let long_reason = "x".repeat(501);
    let cases: &[(&[&str], i32, &str)] = &[
        (&["rotate", "nosuch"], 4, "no key named 'nosuch'"),
        (&["rotate", "Bad/Name"], 2, "invalid key name"),
        (&["rotate"], 2, "required"),
        (&["rotate", "backups", "--kek"], 2, "cannot be used with"),
        (&["rotate", "--due", "--kek"], 2, "cannot be used with"),
        (&["rotate", "--kek", "--root"], 2, "cannot be used with"),
        (
            &["rotate", "backups", "--dry-run"],
            2,
            "--dry-run goes only with --due",
        ),
        (&["rotate", "backups", "--reason", "x"], 2, "--compromised"),
        (
            &["rotate", "--due", "--compromised"],
            2,
            "--compromised goes only with NAME",
        ),
        (
            &["rotate", "--kek", "--to", "passphrase"],
            2,
            "--to goes only with --root",
        ),
        (
            &["rotate", "backups", "--compromised", "--reason", ""],
            2,
            "--reason is empty",
        ),
        (
            &["rotate", "backups", "--compromised", "--reason", "a\nb"],
            2,
            "--reason must be one line",
        ),
        (
            &[
                "rotate",
                "backups",
                "--compromised",
                "--reason",
                &long_reason,
            ],
            2,
            "--reason is longer than 500 bytes",
        ),
    ];
    for (args, code, needle) in cases {
        t.run(args).fails(*code, needle);
        assert_eq!(t.keyring_bytes(), before, "keyring changed by {args:?}");
    }
    t.run(&["rotate", "nosuch"]).stderr_has("keycask list");
    // A wrong root key file: exit 3, nothing changed.
    std::fs::write(t.join("other.key"), [7u8; 32]).unwrap();
    let mut perms = std::fs::metadata(t.join("other.key"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(t.join("other.key"), perms).unwrap();
    t.run(&["rotate", "backups", "--keyfile", "other.key"])
        .fails(3, "wrong key file");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn rotate_due_rotates_exactly_the_keys_past_their_period_once() {
    let t = TestDir::new();
    t.init_keyfile();
    let created = "2026-01-01T00:00:00Z";
    run_at(
        &t,
        created,
        &["keygen", "quarterly", "--rotate-every", "90d"],
    )
    .ok();
    run_at(&t, created, &["keygen", "yearly", "--rotate-every", "1y"]).ok();
    run_at(&t, created, &["keygen", "manual"]).ok();
    let before = t.keyring_bytes();

    // Day 89: nothing is due; exit 0, nothing written, no unlock needed.
    let early = "2026-03-31T00:00:00Z";
    let out = run_at(&t, early, &["rotate", "--due", "--keyfile", "/nonexistent"]).ok();
    assert!(out.stdout().is_empty(), "{}", out.stdout());
    assert!(out.stderr().contains("no key is due"));
    let out = run_at(&t, early, &["rotate", "--due", "--json"])
        .ok()
        .json();
    assert_eq!(out["schema"], "keycask.rotate-due/1");
    assert_eq!(out["rotated"], serde_json::json!([]));
    assert_eq!(t.keyring_bytes(), before);

    // Day 90 exactly: due. The dry run says so and changes nothing.
    let due = "2026-04-01T00:00:00Z";
    let dry = run_at(&t, due, &["rotate", "--due", "--dry-run", "--json"])
        .ok()
        .json();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["would_rotate"].as_array().unwrap().len(), 1);
    assert_eq!(dry["would_rotate"][0]["name"], "quarterly");
    assert_eq!(dry["would_rotate"][0]["new_version"], 2);
    run_at(&t, due, &["rotate", "--due", "--dry-run"])
        .ok()
        .stdout_has("would rotate quarterly: version 1 -> 2");
    assert_eq!(t.keyring_bytes(), before);

    let out = run_at(&t, due, &["rotate", "--due"]).ok();
    assert_eq!(out.stdout().lines().count(), 1, "{}", out.stdout());
    assert!(out.stdout().contains("rotated quarterly: version 1 -> 2"));
    let after_first = t.keyring_bytes();

    // Idempotent: a second run, even a day later, rotates nothing.
    let out = run_at(&t, "2026-04-02T00:00:00Z", &["rotate", "--due", "--json"])
        .ok()
        .json();
    assert_eq!(out["rotated"], serde_json::json!([]));
    assert_eq!(t.keyring_bytes(), after_first);
    assert_eq!(show(&t, "quarterly")["primary"], 2);
    assert_eq!(show(&t, "yearly")["primary"], 1);
    assert_eq!(show(&t, "manual")["primary"], 1);

    // A year later both policies are due; the new primary restarts the clock.
    let out = run_at(&t, "2027-01-02T00:00:00Z", &["rotate", "--due", "--json"])
        .ok()
        .json();
    let names: Vec<&str> = out["rotated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["quarterly", "yearly"]);
    assert_eq!(out["rotated"][0]["old_version"], 2);
    assert_eq!(out["rotated"][0]["new_version"], 3);
    let key = run_at(&t, "2027-01-02T00:00:00Z", &["show", "quarterly", "--json"])
        .ok()
        .json();
    assert_eq!(key["rotation_overdue"], false);
}

#[test]
fn rotate_due_refuses_a_bad_clock() {
    let t = TestDir::new();
    t.init_keyfile();
    let before = t.keyring_bytes();
    run_at(&t, "yesterday", &["rotate", "--due"]).fails(2, "KEYCASK_NOW");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn rotate_kek_keeps_only_the_new_kek_and_every_key_usable() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["keygen", "signing", "--type", "p256", "--purpose", "sign"])
        .ok();
    let before = keyring_json(&t);
    let out = t.run(&["rotate", "--kek", "--json"]).ok().json();
    assert_eq!(out["schema"], "keycask.rotate-kek/1");
    assert_eq!(out["old_kek_versions"], serde_json::json!([1]));
    assert_eq!(out["new_kek_version"], 2);
    assert_eq!(out["key_versions_rewrapped"], 3);
    let after = keyring_json(&t);
    assert_eq!(after["kek"]["primary"], 2);
    assert_eq!(after["kek"]["versions"].as_array().unwrap().len(), 1);
    assert_eq!(after["kek"]["versions"][0]["version"], 2);
    assert_eq!(after["keyring_id"], before["keyring_id"]);
    for name in ["backups", "signing"] {
        let old = before["keys"][name]["versions"].as_array().unwrap();
        let new = after["keys"][name]["versions"].as_array().unwrap();
        assert_eq!(old.len(), new.len());
        for (o, n) in old.iter().zip(new) {
            assert_eq!(o["id"], n["id"], "version ids are kept");
            assert_eq!(o["public_key"], n["public_key"]);
            assert_eq!(n["kek_version"], 2);
            assert_ne!(o["wrapped"], n["wrapped"], "material re-wrapped");
        }
    }
    // Every version's material still unwraps under the new KEK: a second
    // KEK rotation unwraps all of it, and the MAC verifies.
    t.run(&["rotate", "--kek"])
        .ok()
        .stdout_has("version 2 -> 3; 3 key versions re-wrapped");
    t.run(&["rotate", "backups"]).ok();
}

#[test]
fn rotate_root_to_a_new_passphrase_stops_the_old_one() {
    let t = TestDir::new();
    t.init_passphrase("old passphrase");
    t.run(&["keygen", "backups", "--passphrase-file", "pass.txt"])
        .ok();
    let salt = |t: &TestDir| keyring_json(t)["root"]["salt"].clone();
    let old_salt = salt(&t);
    std::fs::write(t.join("new.txt"), "new passphrase\n").unwrap();
    let out = t
        .run(&[
            "rotate",
            "--root",
            "--passphrase-file",
            "pass.txt",
            "--new-passphrase-file",
            "new.txt",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(out["schema"], "keycask.rotate-root/1");
    assert_eq!(out["kek_versions_rewrapped"], 1);
    assert_ne!(salt(&t), old_salt, "a new passphrase gets a new salt");
    let after = t.keyring_bytes();
    t.run(&["rotate", "backups", "--passphrase-file", "pass.txt"])
        .fails(3, "wrong passphrase");
    assert_eq!(t.keyring_bytes(), after);
    t.run(&["rotate", "backups", "--passphrase-file", "new.txt"])
        .ok();
}

#[test]
fn rotate_root_refuses_bad_input_and_leaves_keyring_unchanged() {
    let t = TestDir::new();
    t.init_passphrase("old passphrase");
    std::fs::write(t.join("same.txt"), "old passphrase").unwrap();
    std::fs::write(t.join("wrong.txt"), "not it").unwrap();
    std::fs::write(t.join("empty.txt"), "").unwrap();
    std::fs::write(t.join("new.txt"), "new passphrase").unwrap();
    let before = t.keyring_bytes();
    let p = "--passphrase-file";
    let n = "--new-passphrase-file";
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["rotate", "--root", p, "pass.txt", n, "same.txt"],
            2,
            "same as the current one",
        ),
        (
            &["rotate", "--root", p, "wrong.txt", n, "new.txt"],
            3,
            "wrong passphrase",
        ),
        (
            &["rotate", "--root", p, "pass.txt", n, "empty.txt"],
            2,
            "empty",
        ),
        (
            &["rotate", "--root", p, "pass.txt", n, "missing.txt"],
            2,
            "cannot read the passphrase file",
        ),
        // No terminal and no file for the new passphrase: an error, not a hang.
        (&["rotate", "--root", p, "pass.txt"], 2, "no terminal"),
        (
            &["rotate", "--root", "--to", "keyfile:k", n, "new.txt"],
            2,
            "only for a passphrase root",
        ),
        (
            &["rotate", "--root", "--to", "vault"],
            2,
            "unknown root 'vault'",
        ),
        (&["rotate", "--root", "--to", "keyfile:"], 2, "needs a path"),
        (
            &[
                "rotate",
                "--root",
                p,
                "wrong.txt",
                "--to",
                "keyfile:new.key",
            ],
            3,
            "wrong passphrase",
        ),
    ];
    for (args, code, needle) in cases {
        t.run(args).fails(*code, needle);
        assert_eq!(t.keyring_bytes(), before, "keyring changed by {args:?}");
    }
    assert!(
        !t.join("new.key").exists(),
        "no key file made for a failed rotation"
    );
    t.run(&["keygen", "backups", p, "pass.txt"]).ok();
}

#[test]
fn rotate_root_moves_between_passphrase_and_key_file() {
    let t = TestDir::new();
    t.init_passphrase("old passphrase");
    t.run(&["keygen", "backups", "--passphrase-file", "pass.txt"])
        .ok();
    let kek_before = keyring_json(&t)["kek"]["versions"][0]["version"].clone();
    t.run(&[
        "rotate",
        "--root",
        "--passphrase-file",
        "pass.txt",
        "--to",
        "keyfile:root.key",
    ])
    .ok()
    .stdout_has("-> key file");
    let key_file = t.join("root.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(std::fs::read(&key_file).unwrap().len(), 32);
    let ring = keyring_json(&t);
    assert_eq!(ring["root"]["kind"], "keyfile");
    assert_eq!(
        ring["kek"]["versions"][0]["version"], kek_before,
        "KEK kept"
    );
    // The key file unlocks it now; no passphrase is asked for.
    t.run(&["rotate", "backups"]).ok();

    // Rotating a key-file root needs a destination, and not the same file.
    let before = t.keyring_bytes();
    t.run(&["rotate", "--root"]).fails(2, "say which root");
    t.run(&["rotate", "--root", "--to", "keyfile:root.key"])
        .fails(2, "already the keyring's root key file");
    t.run(&["rotate", "--root", "--to", "keyfile:./root.key"])
        .fails(2, "already the keyring's root key file");
    assert_eq!(t.keyring_bytes(), before);

    // To another key file: the old one stops working.
    t.run(&["rotate", "--root", "--to", "keyfile:root2.key"])
        .ok()
        .stderr_has("no longer unlocks this keyring");
    t.run(&["rotate", "backups", "--keyfile", "root.key"])
        .fails(3, "wrong key file");

    // Back to a passphrase.
    std::fs::write(t.join("new.txt"), "fresh passphrase").unwrap();
    t.run(&[
        "rotate",
        "--root",
        "--to",
        "passphrase",
        "--new-passphrase-file",
        "new.txt",
    ])
    .ok();
    assert_eq!(keyring_json(&t)["root"]["kind"], "passphrase");
    t.run(&["rotate", "backups"]).fails(2, "no terminal");
    t.run(&["rotate", "backups", "--passphrase-file", "new.txt"])
        .ok();
    assert_eq!(show(&t, "backups")["primary"], 3);
}

#[test]
fn disable_and_enable_a_version() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["disable", "backups", "--version", "1"])
        .ok()
        .stdout_has("key backups version 1 is now disabled");
    assert_eq!(
        version_states(&t, "backups"),
        [(1, "disabled".into()), (2, "enabled".into())]
    );
    // Again: nothing to do, nothing written.
    let before = t.keyring_bytes();
    let out = t
        .run(&["disable", "backups", "--version", "1", "--json"])
        .ok()
        .json();
    assert_eq!(out["schema"], "keycask.version-state/1");
    assert_eq!(out["changed"], false);
    assert_eq!(t.keyring_bytes(), before);
    let out = t
        .run(&["enable", "backups", "--version", "1", "--json"])
        .ok()
        .json();
    assert_eq!(out["changed"], true);
    assert_eq!(out["state"], "enabled");
    assert_eq!(
        version_states(&t, "backups"),
        [(1, "enabled".into()), (2, "enabled".into())]
    );
    t.run(&["enable", "backups", "--version", "1"])
        .ok()
        .stderr_has("already enabled");
}

#[test]
fn disable_and_enable_refuse_bad_input_and_leave_keyring_unchanged() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let before = t.keyring_bytes();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["disable", "backups", "--version", "2"],
            2,
            "primary version of key 'backups' and cannot be disabled",
        ),
        (
            &["disable", "backups", "--version", "3"],
            4,
            "has no version 3",
        ),
        (
            &["enable", "backups", "--version", "0"],
            4,
            "has no version 0",
        ),
        (&["disable", "nosuch", "--version", "1"], 4, "no key named"),
        (&["enable", "nosuch", "--version", "1"], 4, "no key named"),
        (&["disable", "backups"], 2, "--version"),
        (
            &["disable", "backups", "--version", "x"],
            2,
            "invalid value",
        ),
        (
            &["disable", "backups", "--version", "-1"],
            2,
            "unexpected argument",
        ),
        (&["enable", "BAD", "--version", "1"], 2, "invalid key name"),
    ];
    for (args, code, needle) in cases {
        t.run(args).fails(*code, needle);
        assert_eq!(t.keyring_bytes(), before, "keyring changed by {args:?}");
    }
    t.run(&["disable", "backups", "--version", "2"])
        .stderr_has("hint: rotate first (`keycask rotate backups`)");
    t.run(&["disable", "backups", "--version", "3"])
        .stderr_has("its versions: v1, v2");
}

// ---------------------------------------------------------------- envelopes

/// Deterministic bytes for a test plaintext.
fn plaintext(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn wrap_to(t: &TestDir, key: &str, plain: &[u8], out: &str, armor: bool) {
    if let Some(dir) = std::path::Path::new(out).parent() {
        std::fs::create_dir_all(t.join(&dir.to_string_lossy())).unwrap();
    }
    let mut args = vec!["wrap", "-k", key, "-o", out];
    if armor {
        args.push("--armor");
    }
    t.run_stdin(&args, plain).ok();
}

fn unwrap_file(t: &TestDir, path: &str) -> Vec<u8> {
    t.run(&["unwrap", path]).ok().output.stdout
}

/// Key name and version an envelope names, from `inspect --json`.
fn names_version(t: &TestDir, path: &str) -> (String, u64) {
    let out = t.run(&["inspect", "--json", path]).ok().json();
    let env = &out["envelopes"][0];
    (
        env["key"].as_str().unwrap().to_string(),
        env["version"].as_u64().unwrap(),
    )
}

/// Header length of a binary envelope (bytes 10..12, big-endian).
fn header_len(bytes: &[u8]) -> usize {
    u16::from_be_bytes([bytes[10], bytes[11]]) as usize
}

#[test]
fn after_rotate_old_envelopes_unwrap_and_new_ones_name_the_new_version() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let old = plaintext(1, 100_000);
    wrap_to(&t, "backups", &old, "old.kc", false);
    t.run(&["rotate", "backups"]).ok();
    let new = plaintext(2, 5_000);
    wrap_to(&t, "backups", &new, "new.kc", false);
    assert_eq!(names_version(&t, "old.kc"), ("backups".into(), 1));
    assert_eq!(names_version(&t, "new.kc"), ("backups".into(), 2));
    assert_eq!(unwrap_file(&t, "old.kc"), old);
    assert_eq!(unwrap_file(&t, "new.kc"), new);
}

#[test]
fn rekey_rewrites_headers_only_and_every_envelope_still_unwraps() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["keygen", "logs"]).ok();
    // Names say nothing: envelopes are found by content.
    let files = [
        ("data/a.kc", "backups", 0usize, false),
        ("data/b", "backups", 1, false),
        ("data/deep/er/c.bin", "backups", 200_000, false),
        ("data/d.asc", "backups", 3_000, true),
        ("data/e.kc", "logs", 70_000, false),
        ("single.kc", "backups", 65_536, false),
    ];
    let mut plain = Vec::new();
    for (i, (path, key, len, armor)) in files.iter().enumerate() {
        plain.push(plaintext(i as u32, *len));
        wrap_to(&t, key, &plain[i], path, *armor);
    }
    std::fs::write(t.join("data/notes.txt"), "not an envelope").unwrap();
    // Links inside folders are not followed.
    std::os::unix::fs::symlink("../single.kc", t.join("data/link.kc")).unwrap();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|(p, ..)| std::fs::read(t.join(p)).unwrap())
        .collect();

    let out = t.run(&["rekey", "data", "single.kc", "--json"]).ok().json();
    assert_eq!(out["schema"], "keycask.rekey/1");
    assert_eq!(out["summary"]["rekeyed"], 5);
    assert_eq!(out["summary"]["current"], 1, "logs was not rotated");
    assert_eq!(out["summary"]["skipped"], 2);
    assert_eq!(out["summary"]["failed"], 0);
    let link = out["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("link.kc"))
        .unwrap();
    assert_eq!(link["status"], "skipped");
    assert_eq!(
        link["reason"],
        "symbolic link inside a folder, not followed"
    );
    let notes = out["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("notes.txt"))
        .unwrap();
    assert_eq!(notes["status"], "skipped");
    assert_eq!(notes["reason"], "not an envelope");

    for (i, (path, key, _, armor)) in files.iter().enumerate() {
        let expected = if *key == "backups" { 3 } else { 1 };
        assert_eq!(
            names_version(&t, path),
            (key.to_string(), expected),
            "{path}"
        );
        assert_eq!(unwrap_file(&t, path), plain[i], "{path}");
        let after = std::fs::read(t.join(path)).unwrap();
        if !armor {
            assert_eq!(after.len(), before[i].len(), "{path}: same length");
            let h = header_len(&before[i]);
            assert_eq!(header_len(&after), h);
            assert_eq!(
                after[h..],
                before[i][h..],
                "{path}: payload bytes identical"
            );
            if *key == "backups" {
                assert_ne!(after[..h], before[i][..h], "{path}: header rewritten");
            }
        }
    }
    // Run again: everything is current, nothing changes.
    let again: Vec<Vec<u8>> = files
        .iter()
        .map(|(p, ..)| std::fs::read(t.join(p)).unwrap())
        .collect();
    t.run(&["rekey", "data", "single.kc"])
        .ok()
        .stdout_has("rekeyed 0, already current 6, skipped 2, failed 0")
        .stdout_has("skipped data/notes.txt: not an envelope");
    for (i, (path, ..)) in files.iter().enumerate() {
        assert_eq!(std::fs::read(t.join(path)).unwrap(), again[i]);
    }
    assert!(leftovers(&t.join("data")).is_empty());
}

/// Rekey journals and temporary files anywhere below `dir`.
fn leftovers(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(leftovers(&path));
        } else {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.contains("keycask-rekey") || name.ends_with(".tmp") {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn rekey_dry_run_counts_envelopes_per_version_and_changes_nothing() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    for i in 0..3 {
        wrap_to(&t, "backups", b"v1 data", &format!("d/v1-{i}.kc"), false);
    }
    t.run(&["rotate", "backups"]).ok();
    wrap_to(&t, "backups", b"v2 data", "d/v2.kc", false);
    t.run(&["rotate", "backups", "--compromised", "--reason", "leak"])
        .ok();
    std::fs::write(t.join("d/readme"), "hello").unwrap();
    let before: Vec<Vec<u8>> = ["d/v1-0.kc", "d/v2.kc"]
        .iter()
        .map(|p| std::fs::read(t.join(p)).unwrap())
        .collect();
    let keyring = t.keyring_bytes();

    // Metadata only: works without the root key.
    let out = t
        .run(&[
            "rekey",
            "--dry-run",
            "--json",
            "d",
            "--keyfile",
            "/nonexistent",
        ])
        .ok()
        .json();
    assert_eq!(out["dry_run"], true);
    assert_eq!(out["summary"]["would_rekey"], 4);
    assert_eq!(out["summary"]["skipped"], 1);
    let versions = out["versions"].as_array().unwrap();
    let row = |v: u64| versions.iter().find(|r| r["version"] == v).unwrap();
    assert_eq!(row(1)["envelopes"], 3);
    assert_eq!(row(2)["envelopes"], 1);
    assert_eq!(
        row(3)["envelopes"],
        0,
        "nothing depends on the new primary yet"
    );
    assert_eq!(row(3)["primary"], true);
    assert_eq!(row(1)["compromised"], true);
    // Compromised versions are reported first, files and versions alike.
    assert_eq!(versions[2]["compromised"], false);
    assert!(
        out["files"]
            .as_array()
            .unwrap()
            .iter()
            .take(4)
            .all(|f| f["compromised"] == true)
    );
    let text = t.run(&["rekey", "--dry-run", "d"]).ok();
    assert!(
        text.stdout()
            .contains("would rekey 4, already current 0, skipped 1, failed 0")
    );
    assert!(text.stdout().contains("COMPROMISED"));
    assert!(
        text.stdout()
            .contains("COMPROMISED: 3 envelope(s) are under version 1 of key 'backups'")
    );
    assert_eq!(std::fs::read(t.join("d/v1-0.kc")).unwrap(), before[0]);
    assert_eq!(std::fs::read(t.join("d/v2.kc")).unwrap(), before[1]);
    assert_eq!(t.keyring_bytes(), keyring);

    // After the rekey, nothing depends on versions 1 and 2 any more.
    t.run(&["rekey", "d"])
        .ok()
        .stdout_has("COMPROMISED: 3 envelope(s) were under version 1 of key 'backups'");
    let out = t.run(&["rekey", "--dry-run", "--json", "d"]).ok().json();
    let versions = out["versions"].as_array().unwrap();
    let counts: Vec<u64> = versions
        .iter()
        .map(|r| r["envelopes"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 4);
    assert_eq!(
        versions.iter().find(|r| r["version"] == 3).unwrap()["envelopes"],
        4
    );
}

#[test]
fn rekey_reports_what_it_cannot_do_and_touches_nothing_else() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    wrap_to(&t, "backups", b"good", "d/good.kc", false);
    wrap_to(&t, "backups", b"disabled", "d/disabled.kc", false);
    // An envelope of another keyring, with a key of the same name.
    let other = TestDir::new();
    other.init_keyfile();
    other.run(&["keygen", "backups"]).ok();
    other
        .run_stdin(&["wrap", "-k", "backups", "-o", "x.kc"], b"theirs")
        .ok();
    std::fs::copy(other.join("x.kc"), t.join("d/other.kc")).unwrap();
    // A damaged envelope: the header cut short.
    let good = std::fs::read(t.join("d/good.kc")).unwrap();
    std::fs::write(t.join("d/cut.kc"), &good[..40]).unwrap();
    std::fs::write(t.join("d/empty"), "").unwrap();
    std::fs::write(t.join("d/pem"), "-----BEGIN PRIVATE KEY-----\nMIIB\n").unwrap();

    t.run(&["rotate", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let before = |p: &str| std::fs::read(t.join(p)).unwrap();
    let (d0, o0, c0) = (
        before("d/disabled.kc"),
        before("d/other.kc"),
        before("d/cut.kc"),
    );
    // Every envelope here is under version 1; disabled, it refuses all use,
    // rekeying included.
    t.run(&["disable", "backups", "--version", "1"]).ok();
    let keyring = t.keyring_bytes();
    let run = t.run(&["rekey", "d", "--json"]);
    assert_eq!(run.code(), 1, "failures make the exit code non-zero");
    assert!(
        run.stderr()
            .contains("3 file(s) could not be rekeyed; they were left as they were")
    );
    let out = run.json();
    assert_eq!(out["summary"]["failed"], 3, "{out:#}");
    assert_eq!(out["summary"]["skipped"], 3, "{out:#}");
    let status = |name: &str| {
        out["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap()
            .clone()
    };
    assert_eq!(status("disabled.kc")["status"], "failed");
    assert!(
        status("disabled.kc")["reason"]
            .as_str()
            .unwrap()
            .contains("version 1 of key 'backups' is disabled")
    );
    assert_eq!(status("other.kc")["status"], "skipped");
    assert!(
        status("other.kc")["reason"]
            .as_str()
            .unwrap()
            .contains("another keyring")
    );
    assert_eq!(status("cut.kc")["status"], "failed");
    assert!(
        status("cut.kc")["reason"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );
    assert_eq!(status("empty")["status"], "skipped");
    assert_eq!(status("pem")["status"], "skipped");
    assert_eq!(before("d/disabled.kc"), d0);
    assert_eq!(before("d/other.kc"), o0);
    assert_eq!(before("d/cut.kc"), c0);
    // rekey changes no key; it writes the keyring only to move the audit
    // counter past its summary record (docs/audit.md).
    let without_audit = |bytes: &[u8]| {
        let mut doc: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let doc = doc.as_object_mut().unwrap();
        doc.remove("audit");
        doc.remove("mac");
        serde_json::Value::Object(doc.clone())
    };
    assert_eq!(
        without_audit(&t.keyring_bytes()),
        without_audit(&keyring),
        "rekey changes no key"
    );

    // The people's report names each failure on stderr.
    let run = t.run(&["rekey", "d"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stdout()
            .contains("failed d/disabled.kc: version 1 of key 'backups' is disabled")
    );
    assert!(
        run.stderr()
            .starts_with("keycask: error: 3 file(s) could not be rekeyed")
    );

    // Enabled again, the same command finishes the job.
    t.run(&["enable", "backups", "--version", "1"]).ok();
    t.run(&["rekey", "d"])
        .fails(1, "1 file(s) could not be rekeyed")
        .stdout_has("failed d/cut.kc: looks like an envelope, but the envelope is truncated");
    assert_eq!(names_version(&t, "d/disabled.kc"), ("backups".into(), 3));
    assert_eq!(unwrap_file(&t, "d/disabled.kc"), b"disabled");
}

#[test]
fn rekey_refuses_bad_arguments_before_touching_anything() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    wrap_to(&t, "backups", b"data", "d/a.kc", false);
    t.run(&["rotate", "backups"]).ok();
    let before = std::fs::read(t.join("d/a.kc")).unwrap();
    t.run(&["rekey", "d", "missing"])
        .fails(2, "no such file or folder: missing");
    t.run(&["rekey"]).fails(2, "required");
    t.run(&["rekey", "--jobs", "0", "d"])
        .fails(2, "invalid value");
    t.run(&["rekey", "d", "--keyfile", "/nonexistent"])
        .fails(3, "cannot read the key file");
    std::fs::write(t.join("k2"), [9u8; 32]).unwrap();
    std::fs::set_permissions(
        t.join("k2"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    t.run(&["rekey", "d", "--keyfile", "k2"])
        .fails(3, "wrong key file");
    assert_eq!(std::fs::read(t.join("d/a.kc")).unwrap(), before);
}

/// Makes a file or a folder unwritable even for root (which ignores modes):
/// `chattr +i` where it works, undone on drop so the folder can be removed.
struct ReadOnly(std::path::PathBuf, bool);

impl ReadOnly {
    fn make(path: std::path::PathBuf) -> ReadOnly {
        let mode = if path.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(mode))
            .unwrap();
        if !Self::writable(&path) {
            return ReadOnly(path, false);
        }
        let immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        ReadOnly(path, immutable)
    }

    /// A file opens for writing; a folder takes a new file.
    fn writable(path: &std::path::Path) -> bool {
        if path.is_dir() {
            let probe = path.join(".probe");
            let made = std::fs::write(&probe, b"").is_ok();
            let _ = std::fs::remove_file(&probe);
            return made;
        }
        std::fs::OpenOptions::new().write(true).open(path).is_ok()
    }

    fn effective(&self) -> bool {
        !Self::writable(&self.0)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.0)
                .status();
        }
        if self.0.is_dir() {
            let _ = std::fs::set_permissions(
                &self.0,
                std::os::unix::fs::PermissionsExt::from_mode(0o755),
            );
        }
    }
}

#[test]
fn rekey_of_a_read_only_file_fails_for_that_file_alone() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    wrap_to(&t, "backups", b"locked", "d/locked.kc", false);
    wrap_to(&t, "backups", b"free", "d/free.kc", false);
    t.run(&["rotate", "backups"]).ok();
    wrap_to(&t, "backups", b"current", "d/current.kc", false);
    let before = std::fs::read(t.join("d/locked.kc")).unwrap();
    let locked = ReadOnly::make(t.join("d/locked.kc"));
    let current = ReadOnly::make(t.join("d/current.kc"));
    if !locked.effective() || !current.effective() {
        eprintln!("cannot make a file read-only here (root without chattr): case not checked");
        return;
    }
    t.run(&["rekey", "d"])
        .fails(1, "1 file(s) could not be rekeyed")
        .stdout_has("failed d/locked.kc: cannot write it")
        .stdout_has("rekeyed 1, already current 1, skipped 0, failed 1");
    assert_eq!(std::fs::read(t.join("d/locked.kc")).unwrap(), before);
    assert_eq!(names_version(&t, "d/free.kc"), ("backups".into(), 2));
    assert_eq!(unwrap_file(&t, "d/locked.kc"), b"locked");
    assert!(leftovers(&t.join("d")).is_empty());
}

#[test]
fn disabled_versions_refuse_unwrap_and_compromised_ones_warn() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    wrap_to(&t, "backups", b"secret", "a.kc", false);
    t.run(&[
        "rotate",
        "backups",
        "--compromised",
        "--reason",
        "laptop lost",
    ])
    .ok();
    t.run(&["unwrap", "a.kc"])
        .ok()
        .stderr_has("version 1 of key 'backups' is flagged compromised");
    t.run(&["disable", "backups", "--version", "1"]).ok();
    t.run(&["unwrap", "a.kc"])
        .fails(4, "version 1 of key 'backups' is disabled");
    t.run(&["enable", "backups", "--version", "1"]).ok();
    assert_eq!(unwrap_file(&t, "a.kc"), b"secret");
}

#[test]
fn envelopes_survive_kek_and_root_rotation() {
    let t = TestDir::new();
    t.init_passphrase("first passphrase");
    let p = ["--passphrase-file", "pass.txt"];
    t.run(&["keygen", "backups", p[0], p[1]]).ok();
    t.run_stdin(&["wrap", "-k", "backups", "-o", "a.kc", p[0], p[1]], b"one")
        .ok();
    t.run(&["rotate", "backups", p[0], p[1]]).ok();
    t.run_stdin(&["wrap", "-k", "backups", "-o", "b.kc", p[0], p[1]], b"two")
        .ok();
    let envelopes = [
        std::fs::read(t.join("a.kc")).unwrap(),
        std::fs::read(t.join("b.kc")).unwrap(),
    ];
    t.run(&["rotate", "--kek", p[0], p[1]]).ok();
    t.run(&["rotate", "--kek", p[0], p[1]]).ok();
    std::fs::write(t.join("new.txt"), "second passphrase").unwrap();
    t.run(&[
        "rotate",
        "--root",
        p[0],
        p[1],
        "--new-passphrase-file",
        "new.txt",
    ])
    .ok();
    let q = ["--passphrase-file", "new.txt"];
    t.run(&["unwrap", "a.kc", p[0], p[1]])
        .fails(3, "wrong passphrase");
    assert_eq!(
        t.run(&["unwrap", "a.kc", q[0], q[1]]).ok().output.stdout,
        b"one"
    );
    assert_eq!(
        t.run(&["unwrap", "b.kc", q[0], q[1]]).ok().output.stdout,
        b"two"
    );
    t.run(&["rotate", "--root", q[0], q[1], "--to", "keyfile:root.key"])
        .ok();
    assert_eq!(unwrap_file(&t, "a.kc"), b"one");
    assert_eq!(unwrap_file(&t, "b.kc"), b"two");
    // KEK and root rotation never touch envelopes.
    assert_eq!(std::fs::read(t.join("a.kc")).unwrap(), envelopes[0]);
    assert_eq!(std::fs::read(t.join("b.kc")).unwrap(), envelopes[1]);
}

/// 100 times: `rekey` a folder of envelopes and SIGKILL it at a random
/// moment. Every envelope must still unwrap to its original plaintext,
/// whether or not a later run completes the interrupted work.
#[test]
fn rekey_killed_at_any_moment_never_damages_an_envelope() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let mut files = Vec::new();
    for i in 0..24u32 {
        let len = [0usize, 1, 1000, 65_536, 150_000][i as usize % 5];
        let path = format!("d/{}/f{i}", i % 3);
        let plain = plaintext(i, len);
        wrap_to(&t, "backups", &plain, &path, i % 8 == 7);
        files.push((path, plain));
    }
    let check_all = |label: &str| {
        let mut args = vec!["inspect", "--json"];
        args.extend(files.iter().map(|(p, _)| p.as_str()));
        let out = t.run(&args);
        assert!(
            out.output.status.success(),
            "{label}: inspect failed: {}",
            out.stderr()
        );
        for (path, plain) in &files {
            let run = t.run(&["unwrap", path]);
            assert!(
                run.output.status.success(),
                "{label}: {path}: {}",
                run.stderr()
            );
            assert_eq!(&run.output.stdout, plain, "{label}: {path}");
        }
    };

    // How long an uninterrupted rekey of the folder takes, to aim within it.
    t.run(&["rotate", "backups"]).ok();
    let started = std::time::Instant::now();
    t.run(&["rekey", "d"]).ok();
    let mut span = started.elapsed().as_micros().max(2_000) as u64;

    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill test seed {seed}, span {span} µs");
    let mut interrupted = 0;
    let mut mid_write = 0;
    for round in 0..100 {
        t.run(&["rotate", "backups"]).ok();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = seed % (span * 5 / 4);
        let mut cmd = t.command();
        cmd.args(["rekey", "d"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_micros(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        // Keep aiming inside the run: the machine's speed varies under load.
        if status.success() {
            span = (span * 3 / 4).max(1_000);
        } else {
            interrupted += 1;
            span = span * 21 / 20;
        }
        if !leftovers(&t.join("d")).is_empty() {
            mid_write += 1;
        }
        if round % 20 == 19 {
            check_all(&format!("round {round}, seed {seed}"));
        }
    }
    // Timing on a loaded machine varies; many runs must still be cut short.
    eprintln!("{interrupted} runs interrupted, {mid_write} left a journal or temporary file");
    assert!(
        interrupted > 30,
        "only {interrupted} of 100 runs were interrupted"
    );
    // Without any recovery run: every envelope unwraps.
    check_all("after the last kill");
    // A clean run finishes whatever was interrupted and leaves nothing behind.
    t.run(&["rekey", "d"]).ok().stdout_has("failed 0");
    assert!(
        leftovers(&t.join("d")).is_empty(),
        "{:?}",
        leftovers(&t.join("d"))
    );
    let primary = show(&t, "backups")["primary"].as_u64().unwrap();
    for (path, _) in &files {
        assert_eq!(names_version(&t, path).1, primary, "{path}");
    }
    check_all("after the clean run");
}

#[test]
fn show_and_list_display_the_policy_primary_age_and_due_state() {
    let t = TestDir::new();
    t.init_keyfile();
    run_at(
        &t,
        "2026-01-01T00:00:00Z",
        &["keygen", "backups", "--rotate-every", "30d"],
    )
    .ok();
    let at = "2026-02-15T12:00:00Z";
    run_at(&t, at, &["show", "backups"])
        .ok()
        .stdout_has("primary    v1 (45d old)")
        .stdout_has("every 30d, OVERDUE since 2026-01-31");
    let key = run_at(&t, at, &["show", "backups", "--json"]).ok().json();
    assert_eq!(key["primary_created"], "2026-01-01T00:00:00Z");
    assert_eq!(key["primary_age_seconds"], 45 * 86_400 + 12 * 3_600);
    assert_eq!(key["rotation_overdue"], true);
    run_at(&t, at, &["rotate", "--due"]).ok();
    run_at(&t, at, &["show", "backups"])
        .ok()
        .stdout_has("primary    v2 (0h old)")
        .stdout_has("every 30d, due 2026-03-17");
    let list = run_at(&t, at, &["list", "--json"]).ok().json();
    assert_eq!(list["keys"][0]["rotation_overdue"], false);
    assert_eq!(list["keys"][0]["primary_age_seconds"], 0);
}

#[test]
fn destroyed_versions_and_keys_cannot_be_enabled_rotated_or_rekeyed() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    wrap_to(&t, "backups", b"old data", "d/old.kc", false);
    t.run(&["rotate", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&[
        "destroy",
        "backups",
        "--version",
        "1",
        "--now",
        "--yes",
        "--reason",
        "retired",
    ])
    .ok();
    t.run(&[
        "destroy",
        "backups",
        "--version",
        "2",
        "--after",
        "7d",
        "--yes",
    ])
    .ok();
    let before = t.keyring_bytes();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["enable", "backups", "--version", "1"],
            4,
            "version 1 of key 'backups' was destroyed on",
        ),
        (
            &["disable", "backups", "--version", "1"],
            4,
            "cannot be brought back",
        ),
        (
            &["enable", "backups", "--version", "2"],
            4,
            "version 2 of key 'backups' is scheduled for destruction after",
        ),
    ];
    for (args, code, needle) in cases {
        t.run(args).fails(*code, needle);
        assert_eq!(t.keyring_bytes(), before, "keyring changed by {args:?}");
    }
    t.run(&["enable", "backups", "--version", "2"])
        .stderr_has("keycask destroy --cancel backups --version 2");
    t.run(&["enable", "backups", "--version", "1"])
        .stderr_has("(retired)");
    let envelope = std::fs::read(t.join("d/old.kc")).unwrap();
    t.run(&["rekey", "d"])
        .fails(1, "1 file(s) could not be rekeyed")
        .stdout_has("version 1 of key 'backups' was destroyed");
    assert_eq!(std::fs::read(t.join("d/old.kc")).unwrap(), envelope);
    let out = t
        .run(&["rekey", "--dry-run", "--json", "d"])
        .fails(1, "1 file(s) would fail to rekey")
        .json();
    assert_eq!(out["summary"]["failed"], 1);
    let v1 = &out["versions"][0];
    assert_eq!(
        (v1["version"].as_u64(), v1["state"].as_str()),
        (Some(1), Some("destroyed"))
    );
    assert_eq!(v1["envelopes"], 1);

    // A whole key destroyed: nothing can rotate it.
    t.run(&["keygen", "gone"]).ok();
    t.run(&["destroy", "gone", "--now", "--yes"]).ok();
    let before = t.keyring_bytes();
    t.run(&["rotate", "gone"])
        .fails(4, "key 'gone' was destroyed on");
    t.run(&["disable", "gone", "--version", "1"])
        .fails(4, "was destroyed");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn rekey_of_armored_envelopes_streams_and_refuses_broken_armor() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let plain = plaintext(9, 300_000);
    wrap_to(&t, "backups", &plain, "d/good.asc", true);
    wrap_to(&t, "backups", &plain, "d/broken.asc", true);
    std::fs::set_permissions(
        t.join("d/good.asc"),
        std::os::unix::fs::PermissionsExt::from_mode(0o640),
    )
    .unwrap();
    // A character deep in the payload's armor that is not base64.
    let mut broken = std::fs::read(t.join("d/broken.asc")).unwrap();
    let at = broken.len() / 2;
    broken[at] = b'!';
    std::fs::write(t.join("d/broken.asc"), &broken).unwrap();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["rekey", "d"])
        .fails(1, "1 file(s) could not be rekeyed")
        .stdout_has("failed d/broken.asc");
    assert_eq!(std::fs::read(t.join("d/broken.asc")).unwrap(), broken);
    assert!(
        leftovers(&t.join("d")).is_empty(),
        "{:?}",
        leftovers(&t.join("d"))
    );
    assert_eq!(names_version(&t, "d/good.asc"), ("backups".into(), 2));
    assert_eq!(unwrap_file(&t, "d/good.asc"), plain);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(t.join("d/good.asc"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o640, "the file keeps its permissions");
}

/// A journal left by a killed `rekey` is completed by the next command that
/// reads the envelope (here `unwrap`), not only by the next `rekey`.
#[test]
fn unwrap_completes_a_journal_left_by_a_killed_rekey() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let plain = plaintext(7, 200_000);
    wrap_to(&t, "backups", &plain, "j/data.kc", false);
    let journal = t.join("j/.data.kc.keycask-rekey");
    let mut delay = 50u64;
    let mut left_journal = false;
    for _ in 0..300 {
        t.run(&["rotate", "backups"]).ok();
        let mut cmd = t.command();
        cmd.args(["rekey", "j/data.kc"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_micros(delay));
        let _ = child.kill();
        let _ = child.wait();
        if journal.exists() {
            left_journal = true;
            break;
        }
        delay = (delay * 11 / 10 + 50) % 20_000;
    }
    assert!(
        left_journal,
        "no kill in 300 landed inside the journal window"
    );
    let run = t.run(&["unwrap", "j/data.kc"]).ok();
    assert_eq!(run.output.stdout, plain);
    assert!(
        !journal.exists(),
        "unwrap left the journal: {:?}",
        leftovers(&t.join("j"))
    );
}

/// An armored envelope is replaced through a temporary file: the new file
/// keeps the old one's owner and group (run as root over a service's files,
/// it would otherwise become root's), and one with other hard links is
/// refused rather than split from them.
#[test]
fn rekey_of_an_armored_envelope_keeps_its_owner_and_its_hard_links() {
    use std::os::unix::fs::MetadataExt;
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    wrap_to(&t, "k", b"service secret", "owned.asc", true);
    wrap_to(&t, "k", b"linked secret", "linked.asc", true);
    std::fs::hard_link(t.join("linked.asc"), t.join("also.asc")).unwrap();
    t.run(&["rotate", "k"]).ok();

    let linked_before = std::fs::read(t.join("linked.asc")).unwrap();
    t.run(&["rekey", "linked.asc"])
        .fails(1, "1 file(s) could not be rekeyed")
        .stdout_has("linked.asc: it has 1 other hard links");
    assert_eq!(std::fs::read(t.join("linked.asc")).unwrap(), linked_before);
    assert_eq!(std::fs::metadata(t.join("also.asc")).unwrap().nlink(), 2);

    // Owner and group: only root can give a file away, so only root checks.
    let owned = t.join("owned.asc");
    let root = running_as_root(&t);
    if root {
        std::os::unix::fs::chown(&owned, Some(65534), Some(65534)).unwrap();
    }
    let before = std::fs::metadata(&owned).unwrap();
    t.run(&["rekey", "owned.asc"]).ok();
    let after = std::fs::metadata(&owned).unwrap();
    assert_eq!(names_version(&t, "owned.asc").1, 2, "not rekeyed");
    assert_ne!(before.ino(), after.ino(), "armored envelopes are replaced");
    assert_eq!(
        (after.uid(), after.gid(), after.mode()),
        (before.uid(), before.gid(), before.mode())
    );
    if !root {
        eprintln!("not root: the owner of another user's file was not checked");
    }
    assert_eq!(unwrap_file(&t, "owned.asc"), b"service secret");
}

fn running_as_root(t: &TestDir) -> bool {
    std::fs::metadata(t.path())
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn a_destroyed_key_is_never_due_in_show_list_or_json() {
    let t = TestDir::new();
    t.init_keyfile();
    let day1 = "2026-11-01T00:00:00Z";
    run_at(&t, day1, &["keygen", "old", "--rotate-every", "1d"]).ok();
    run_at(&t, day1, &["keygen", "live", "--rotate-every", "1d"]).ok();
    run_at(
        &t,
        day1,
        &["destroy", "old", "--now", "--yes", "--reason", "gone"],
    )
    .ok();
    let later = "2027-01-01T00:00:00Z";
    let text = run_at(&t, later, &["show", "old"]).ok().stdout();
    assert!(!text.contains("OVERDUE"), "{text}");
    assert!(
        text.contains("rotation   every 1d, never due: the key was destroyed"),
        "{text}"
    );
    let key = run_at(&t, later, &["show", "old", "--json"]).ok().json();
    assert_eq!(key["rotation_period"], "1d");
    assert_eq!(key["rotation_due"], serde_json::Value::Null);
    assert_eq!(key["rotation_overdue"], false);
    let list = run_at(&t, later, &["list", "--json"]).ok().json();
    let overdue: Vec<&str> = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["rotation_overdue"] == true)
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(overdue, ["live"]);
    let text = run_at(&t, later, &["list"]).ok().stdout();
    let row = text.lines().find(|l| l.starts_with("old ")).unwrap();
    assert!(!row.contains("OVERDUE"), "{row}");
}

/// Key `k` rotated to version 2, with `a/1.kc` still under version 1.
fn rotated_with_an_old_envelope() -> TestDir {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    std::fs::create_dir(t.join("a")).unwrap();
    let run = t.run_stdin(&["wrap", "-k", "k"], b"one").ok();
    std::fs::write(t.join("a/1.kc"), &run.output.stdout).unwrap();
    t.run(&["rotate", "k"]).ok();
    t
}

#[test]
fn rekey_names_destroy_cancel_for_a_scheduled_version() {
    let t = rotated_with_an_old_envelope();
    t.run(&["destroy", "k", "--version", "1", "--after", "7d", "--yes"])
        .ok();
    let run = t
        .run(&["rekey", "a"])
        .fails(1, "1 file(s) could not be rekeyed");
    assert!(
        run.stdout()
            .contains("version 1 of key 'k' is destroy-scheduled; to rekey it, cancel its destruction (`keycask destroy --cancel k --version 1`)"),
        "{}",
        run.stdout()
    );
    assert!(!run.stdout().contains("keycask enable"), "{}", run.stdout());

    // The whole key scheduled: only the whole key's cancel is accepted.
    t.run(&["destroy", "k", "--after", "7d", "--yes"]).ok();
    let out = t
        .run(&["rekey", "--dry-run", "--json", "a"])
        .fails(1, "1 file(s) would fail")
        .json();
    assert_eq!(
        out["files"][0]["reason"],
        "version 1 of key 'k' is destroy-scheduled; to rekey it, cancel the destruction of the whole key (`keycask destroy --cancel k`)"
    );
}

#[test]
fn rekey_dry_run_exits_1_when_a_file_would_fail_like_the_real_run() {
    let t = rotated_with_an_old_envelope();
    t.run(&["disable", "k", "--version", "1"]).ok();
    let before = t.keyring_bytes();
    let envelope = std::fs::read(t.join("a/1.kc")).unwrap();
    t.run(&["rekey", "--dry-run", "a"])
        .fails(1, "1 file(s) would fail to rekey")
        .stdout_has("would rekey 0, already current 0, skipped 0, failed 1");
    let out = t
        .run(&["rekey", "--dry-run", "--json", "a"])
        .fails(1, "1 file(s) would fail to rekey")
        .json();
    assert_eq!(out["summary"]["failed"], 1);
    assert_eq!(t.keyring_bytes(), before);
    t.run(&["rekey", "a"])
        .fails(1, "1 file(s) could not be rekeyed");
    assert_eq!(std::fs::read(t.join("a/1.kc")).unwrap(), envelope);
    // Nothing failing: exit 0.
    t.run(&["enable", "k", "--version", "1"]).ok();
    t.run(&["rekey", "--dry-run", "a"])
        .ok()
        .stdout_has("would rekey 1, already current 0, skipped 0, failed 0");
}

#[test]
fn rekey_reports_a_link_named_on_the_command_line_once() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    std::fs::create_dir(t.join("a")).unwrap();
    std::fs::create_dir(t.join("b")).unwrap();
    let run = t.run_stdin(&["wrap", "-k", "k"], b"one").ok();
    std::fs::write(t.join("b/1.kc"), &run.output.stdout).unwrap();
    std::os::unix::fs::symlink("../b/1.kc", t.join("a/link.kc")).unwrap();
    t.run(&["rotate", "k"]).ok();
    for args in [
        &["rekey", "--dry-run", "--json", "a", "a/link.kc"][..],
        &["rekey", "--dry-run", "--json", "a/link.kc", "a/"],
        &["rekey", "--json", "a", "./a/link.kc"],
    ] {
        let out = t.run(args).ok().json();
        let files = out["files"].as_array().unwrap();
        assert_eq!(files.len(), 1, "{args:?}: {out}");
        assert_ne!(files[0]["status"], "skipped", "{args:?}: {out}");
        assert_eq!(out["summary"]["skipped"], 0, "{args:?}: {out}");
    }
    assert_eq!(t.run(&["unwrap", "b/1.kc"]).ok().stdout(), "one");
    // Not named: still passed over, once.
    let run = t.run(&["rekey", "a"]).ok();
    assert_eq!(
        run.stdout(),
        "skipped a/link.kc: symbolic link inside a folder, not followed\nrekeyed 0, already current 0, skipped 1, failed 0\n"
    );
}

#[test]
fn rotate_every_refuses_periods_beyond_a_hundred_years() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "ok"]).ok();
    let before = t.keyring_bytes();
    for period in ["8000y", "101y", "36866d", "884761h"] {
        t.run(&["keygen", "far", "--rotate-every", period])
            .fails(2, "longer than 100 years")
            .stderr_has(period);
        assert_eq!(t.keyring_bytes(), before, "{period}");
    }
    t.run(&["keygen", "far", "--rotate-every", "100y"]).ok();
    t.run(&["list"]).ok().stdout_has("every 100y");
}

#[test]
fn a_keyring_holding_huge_times_still_lists_and_shows() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "far", "--rotate-every", "1d"]).ok();
    t.run(&["rotate", "far"]).ok();
    t.run(&["destroy", "far", "--version", "1", "--after", "1d", "--yes"])
        .ok();
    // As written by an older keycask (or by hand: list and show read
    // metadata without checking the MAC).
    let mut doc = keyring_json(&t);
    // The largest number a keyring holds (format 2: RFC 8785 canonical JSON
    // numbers are exact only up to 2^53 - 1; larger ones are refused as
    // malformed, tested in storage.rs).
    doc["keys"]["far"]["rotation_period"] = serde_json::json!((1u64 << 53) - 1);
    doc["keys"]["far"]["versions"][0]["destroy_after"] = serde_json::json!("9999-12-31T23:59:59Z");
    std::fs::write(t.keyring(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    t.run(&["list"]).ok().stdout_has("far");
    let list = t.run(&["list", "--json"]).ok().json();
    assert_eq!(list["keys"][0]["rotation_due"], "9999-12-31T23:59:59Z");
    assert_eq!(list["keys"][0]["rotation_overdue"], false);
    t.run(&["show", "far"]).ok().stdout_has("due 9999-12-31");
    t.run(&["show", "far", "--json"]).ok();
    t.run(&["rotate", "--due", "--dry-run"]).ok();
}

#[test]
fn keycask_now_accepts_rfc3339_offsets() {
    let t = TestDir::new();
    t.init_keyfile();
    run_at(
        &t,
        "2026-12-01T05:30:00+05:30",
        &["keygen", "k", "--rotate-every", "1d"],
    )
    .ok();
    assert_eq!(show(&t, "k")["created"], "2026-12-01T00:00:00Z");
    let due = run_at(
        &t,
        "2026-12-01T19:00:00-05:00",
        &["rotate", "--due", "--dry-run", "--json"],
    )
    .ok()
    .json();
    assert_eq!(due["now"], "2026-12-02T00:00:00Z");
    assert_eq!(due["would_rotate"][0]["name"], "k");
    let before = t.keyring_bytes();
    for bad in [
        "2026-12-01T00:00:00+5:00",
        "2026-12-01T00:00:00+24:00",
        "2026-12-01+05:00",
    ] {
        run_at(&t, bad, &["rotate", "--due"]).fails(2, "KEYCASK_NOW");
    }
    assert_eq!(t.keyring_bytes(), before);
}

/// Leaves `dir/name` as a `rekey` killed right after syncing its journal
/// leaves it: the old header on disk, a complete journal beside it naming
/// the primary version. (The new header comes from a real rekey of the
/// file, which is then put back as it was.)
fn interrupted_rekey(t: &TestDir, path: &str) {
    let file = t.join(path);
    let old = std::fs::read(&file).unwrap();
    t.run(&["rekey", path]).ok();
    let new = std::fs::read(&file).unwrap();
    let len = header_len(&old);
    assert_ne!(old[..len], new[..len], "the rekey changed nothing");
    std::fs::write(&file, &old).unwrap();
    let journal = rekey_journal(&old, &new[..len]);
    // As keycask writes it: 0600 whatever the umask (a journal others could
    // write is not followed).
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(rekey_journal_path(&file))
        .unwrap()
        .write_all(&journal)
        .unwrap();
}

/// adv-c F1: an envelope whose rekey was interrupted depends on both the
/// version its header names and the one its journal installs, for
/// `rekey --dry-run` and `destroy --check`; `inspect` reports the journal
/// and writes nothing; and finishing the journal never installs a header
/// naming a version that was destroyed in the meantime.
#[test]
fn an_interrupted_rekey_depends_on_both_versions_until_finished() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "b"]).ok();
    wrap_to(&t, "b", b"precious data", "arch/x.kc", false);
    t.run(&["rotate", "b"]).ok();
    interrupted_rekey(&t, "arch/x.kc");
    let journal = t.join("arch/.x.kc.keycask-rekey");
    let before = std::fs::read(t.join("arch/x.kc")).unwrap();

    let run = t.run(&["rekey", "--dry-run", "--json", "arch"]).ok();
    assert_eq!(run.dependency_counts(), [(1, 1), (2, 1)]);

    // inspect shows the journal and writes nothing.
    let out = t.run(&["inspect", "--json", "arch/x.kc"]).ok().json();
    assert_eq!(out["envelopes"][0]["version"], 1);
    assert_eq!(out["envelopes"][0]["pending_rekey"]["version"], 2);
    t.run(&["inspect", "arch/x.kc"])
        .ok()
        .stdout_has("pending     an interrupted rekey to version 2");
    assert_eq!(std::fs::read(t.join("arch/x.kc")).unwrap(), before);
    assert!(journal.exists(), "inspect finished the journal");

    // Neither version may be destroyed while the journal is pending.
    t.run(&["rotate", "b"]).ok();
    let keyring = t.keyring_bytes();
    for v in ["1", "2"] {
        t.run(&[
            "destroy",
            "b",
            "--version",
            v,
            "--now",
            "--yes",
            "--check",
            "arch",
        ])
        .fails(4, &format!("arch/x.kc (version {v})"));
        assert_eq!(t.keyring_bytes(), keyring);
    }

    // Destroyed anyway (without --check): finishing rolls back to version 1
    // instead of installing the header that names the destroyed version 2.
    t.run(&["destroy", "b", "--version", "2", "--now", "--yes"])
        .ok();
    let run = t.run(&["unwrap", "arch/x.kc"]).ok();
    assert_eq!(run.output.stdout, b"precious data");
    assert!(!journal.exists());
    assert_eq!(names_version(&t, "arch/x.kc"), ("b".into(), 1));
    t.run(&["rekey", "arch"]).ok();
    assert_eq!(names_version(&t, "arch/x.kc"), ("b".into(), 3));
    assert_eq!(unwrap_file(&t, "arch/x.kc"), b"precious data");
}

/// A pending journal is finished by `rekey` the same way, and the dry run
/// predicts it: the new header's version destroyed, the old one back.
#[test]
fn rekey_finishes_a_journal_without_installing_a_destroyed_version() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "b"]).ok();
    wrap_to(&t, "b", b"kept", "arch/x.kc", false);
    t.run(&["rotate", "b"]).ok();
    interrupted_rekey(&t, "arch/x.kc");
    t.run(&["rotate", "b"]).ok();
    t.run(&["destroy", "b", "--version", "2", "--now", "--yes"])
        .ok();
    t.run(&["rekey", "--dry-run", "-v", "arch"])
        .ok()
        .stdout_has("would-rekey arch/x.kc: b v1 -> v3");
    t.run(&["rekey", "arch"])
        .ok()
        .stdout_has("rekeyed 1, already current 0, skipped 0, failed 0");
    assert_eq!(names_version(&t, "arch/x.kc"), ("b".into(), 3));
    assert_eq!(unwrap_file(&t, "arch/x.kc"), b"kept");
    assert!(leftovers(&t.join("arch")).is_empty());
}

/// adv-c F3: the dry run predicts the real run's failures to write: a
/// read-only file, and a file in a read-only folder (where the journal or
/// the temporary file cannot be made). Root ignores modes, so the test
/// makes them immutable (`chattr +i`) where it can.
#[test]
fn rekey_dry_run_predicts_read_only_files_and_folders() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "b"]).ok();
    wrap_to(&t, "b", b"a", "d/ro.kc", false);
    wrap_to(&t, "b", b"b", "rod/x.kc", false);
    wrap_to(&t, "b", b"c", "rod/y.kc.asc", true);
    t.run(&["rotate", "b"]).ok();
    let file = ReadOnly::make(t.join("d/ro.kc"));
    let folder = ReadOnly::make(t.join("rod"));
    if !file.effective() || !folder.effective() {
        eprintln!("cannot make a file or folder read-only here: case not checked");
        return;
    }
    let before: Vec<Vec<u8>> = ["d/ro.kc", "rod/x.kc", "rod/y.kc.asc"]
        .iter()
        .map(|p| std::fs::read(t.join(p)).unwrap())
        .collect();
    t.run(&["rekey", "--dry-run", "d", "rod"])
        .fails(1, "3 file(s) would fail to rekey")
        .stdout_has("failed d/ro.kc: cannot write it")
        .stdout_has("failed rod/x.kc: cannot write in its folder rod")
        .stdout_has("failed rod/y.kc.asc: cannot write in its folder rod")
        .stdout_has("would rekey 0, already current 0, skipped 0, failed 3");
    t.run(&["rekey", "d", "rod"])
        .fails(1, "3 file(s) could not be rekeyed")
        .stdout_has("rekeyed 0, already current 0, skipped 0, failed 3");
    for (p, bytes) in ["d/ro.kc", "rod/x.kc", "rod/y.kc.asc"].iter().zip(&before) {
        assert_eq!(&std::fs::read(t.join(p)).unwrap(), bytes);
        t.run(&["unwrap", p]).ok();
    }
    // A read-only file that is already current is current, in both runs.
    wrap_to(&t, "b", b"new", "cur/n.kc", false);
    let _current = ReadOnly::make(t.join("cur/n.kc"));
    t.run(&["rekey", "--dry-run", "cur"])
        .ok()
        .stdout_has("would rekey 0, already current 1");
}

/// Root running `rotate` or `rekey` on a service's keyring leaves the
/// keyring, its lock file and its audit log the service's: replaced or
/// created by root, they would lock the service out (exit 5).
#[test]
fn root_leaves_a_service_s_keyring_and_its_files_to_the_service() {
    use std::os::unix::fs::MetadataExt;
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    wrap_to(&t, "k", b"service data", "a.kc", false);
    let files = [
        "keyring.json",
        "keyring.json.lock",
        "keyring.json.audit.jsonl",
        "a.kc",
    ];
    if !running_as_root(&t) {
        eprintln!("not root: not checked");
        return;
    }
    for f in files {
        std::os::unix::fs::chown(t.join(f), Some(65534), Some(65534)).unwrap();
    }
    // A lock file that root creates anew is the service's too.
    std::fs::remove_file(t.join("keyring.json.lock")).unwrap();
    t.run(&["rotate", "k"]).ok();
    t.run(&["rekey", "a.kc"]).ok();
    for f in files {
        let meta = std::fs::metadata(t.join(f)).unwrap();
        assert_eq!(
            (meta.uid(), meta.gid()),
            (65534, 65534),
            "{f} changed hands"
        );
    }
    assert_eq!(unwrap_file(&t, "a.kc"), b"service data");
}
