//! Rotation: `rotate NAME`, `--compromised`, `--due`, `--kek`, `--root`,
//! `enable` / `disable`, and `rekey`.

use crate::util::{Run, TestDir};

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
    let mut cmd = t.command();
    cmd.env("KEYCASK_NOW", now);
    t.run_with(cmd, args, None)
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
            "--reason must be one line",
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
            "--reason must be one line",
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
