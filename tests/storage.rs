use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;

use crate::util::TestDir;

fn edit_json(t: &TestDir, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    edit(&mut doc);
    std::fs::write(t.keyring(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

#[test]
fn init_creates_a_private_keyring_and_refuses_to_overwrite() {
    let t = TestDir::new();
    t.init_keyfile();
    let mode = std::fs::metadata(t.keyring()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let key_mode = std::fs::metadata(t.join("root.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(key_mode & 0o777, 0o600);
    let before = t.keyring_bytes();
    t.run(&["init", "--root", "keyfile:other.key"])
        .fails(5, "already exists");
    assert_eq!(t.keyring_bytes(), before);
    assert!(!t.join("other.key").exists());
    assert!(t.temp_files().is_empty());
}

#[test]
fn init_creates_missing_folders_and_honours_xdg_data_home() {
    let t = TestDir::new();
    let mut cmd = t.command();
    cmd.env_remove("KEYCASK_KEYRING")
        .env("XDG_DATA_HOME", t.join("data"));
    t.run_with(cmd, &["init", "--root", "keyfile:root.key"], None)
        .ok();
    let default = t.join("data/keycask/keyring.json");
    assert!(default.exists());
    let dir_mode = std::fs::metadata(default.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o077, 0, "folder is private");

    // --keyring wins over KEYCASK_KEYRING, and works after the subcommand too.
    let other = t.join("nested/dir/ring.json");
    t.run(&[
        "init",
        "--root",
        "keyfile:k2.key",
        "--keyring",
        other.to_str().unwrap(),
    ])
    .ok();
    assert!(other.exists());
}

#[test]
fn passphrase_root_round_trip_from_every_source() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple\n");
    // --passphrase-file (set by init_passphrase)
    t.run(&["keygen", "a", "--passphrase-file", "pass.txt"])
        .ok();
    // KEYCASK_PASSPHRASE_FILE
    let mut cmd = t.command();
    cmd.env("KEYCASK_PASSPHRASE_FILE", t.join("pass.txt"));
    t.run_with(cmd, &["keygen", "b"], None).ok();
    // KEYCASK_PASSPHRASE (no trailing newline needed)
    let mut cmd = t.command();
    cmd.env("KEYCASK_PASSPHRASE", "correct horse battery staple");
    t.run_with(cmd, &["keygen", "c"], None).ok();
    // --passphrase-fd: the passphrase arrives on fd 0 here.
    t.run_stdin(
        &["--passphrase-fd", "0", "keygen", "d"],
        b"correct horse battery staple\n",
    )
    .ok();
    // --passphrase-fd wins over a wrong KEYCASK_PASSPHRASE.
    let mut cmd = t.command();
    cmd.env("KEYCASK_PASSPHRASE", "wrong");
    let run = t.run_with(
        cmd,
        &["keygen", "e", "--passphrase-fd", "0"],
        Some(b"correct horse battery staple"),
    );
    run.ok();
    let list = t.run(&["list", "--json"]).ok().json();
    assert_eq!(list["keys"].as_array().unwrap().len(), 5);
}

#[test]
fn passphrase_keyring_uses_argon2id_at_or_above_owasp_minimum() {
    let t = TestDir::new();
    t.init_passphrase("pw");
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["root"]["kind"], "passphrase");
    assert_eq!(doc["root"]["kdf"], "argon2id");
    assert!(doc["root"]["m_cost"].as_u64().unwrap() >= 19 * 1024);
    assert!(doc["root"]["t_cost"].as_u64().unwrap() >= 2);
    assert!(!String::from_utf8_lossy(&t.keyring_bytes()).contains("pw\""));
}

#[test]
fn wrong_credentials_fail_with_exit_3_and_change_nothing() {
    let t = TestDir::new();
    t.init_passphrase("right");
    let before = t.keyring_bytes();
    std::fs::write(t.join("wrong.txt"), "wrong").unwrap();
    t.run(&["keygen", "x", "--passphrase-file", "wrong.txt"])
        .fails(3, "wrong passphrase");
    assert_eq!(t.keyring_bytes(), before);

    let k = TestDir::new();
    k.init_keyfile();
    let before = k.keyring_bytes();
    let mut other = std::fs::OpenOptions::new();
    use std::os::unix::fs::OpenOptionsExt;
    other.write(true).create_new(true).mode(0o600);
    std::io::Write::write_all(&mut other.open(k.join("other.key")).unwrap(), &[7u8; 32]).unwrap();
    k.run(&["keygen", "x", "--keyfile", "other.key"])
        .fails(3, "wrong key file");
    k.run(&["keygen", "x", "--keyfile", "missing.key"])
        .fails(3, "cannot read the key file");
    let mut cmd = k.command();
    cmd.env("KEYCASK_KEYFILE", k.join("missing.key"));
    k.run_with(cmd, &["keygen", "x"], None)
        .fails(3, "missing.key");
    std::fs::write(k.join("short.key"), [1u8; 31]).unwrap();
    std::fs::set_permissions(k.join("short.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    k.run(&["keygen", "x", "--keyfile", "short.key"])
        .fails(3, "31 bytes");
    std::fs::remove_file(k.join("root.key")).unwrap();
    k.run(&["keygen", "x"]).fails(3, "root.key");
    assert_eq!(k.keyring_bytes(), before);
}

#[test]
fn missing_or_empty_passphrase_sources_fail_at_once() {
    let t = TestDir::new();
    t.init_passphrase("right");
    let before = t.keyring_bytes();
    // No source and no terminal (stdin closed, no controlling tty): a clear error, not a hang.
    let mut cmd = t.command();
    cmd.stdin(Stdio::null());
    t.run_with(cmd, &["keygen", "x"], None)
        .fails(2, "no passphrase given and no terminal")
        .stderr_has("hint: give it with --passphrase-file");
    std::fs::write(t.join("empty.txt"), "\n").unwrap();
    t.run(&["keygen", "x", "--passphrase-file", "empty.txt"])
        .fails(2, "is empty");
    t.run(&["keygen", "x", "--passphrase-file", "nope.txt"])
        .fails(2, "cannot read the passphrase file");
    let mut cmd = t.command();
    cmd.env("KEYCASK_PASSPHRASE", "");
    t.run_with(cmd, &["keygen", "x"], None)
        .fails(2, "KEYCASK_PASSPHRASE is empty");
    // A variable that is set but not UTF-8 is refused, not taken for unset.
    let mut cmd = t.command();
    cmd.env(
        "KEYCASK_PASSPHRASE",
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"r\xffight"),
    )
    .stdin(Stdio::null());
    t.run_with(cmd, &["keygen", "x"], None).fails(
        2,
        "the passphrase from KEYCASK_PASSPHRASE is not UTF-8 text",
    );
    // A descriptor that is not open is a usage error that says so.
    t.run(&["keygen", "x", "--passphrase-fd", "9"])
        .fails(
            2,
            "cannot read the passphrase from file descriptor 9: it is not open",
        )
        .stderr_has("9<FILE");
    assert_eq!(t.keyring_bytes(), before);

    // init with no passphrase source creates nothing.
    let fresh = TestDir::new();
    fresh.run(&["init"]).fails(2, "no passphrase given");
    assert!(!fresh.keyring().exists());
}

#[test]
fn missing_keyring_hints_at_init() {
    let t = TestDir::new();
    t.run(&["list"])
        .fails(5, "no keyring at")
        .stderr_has("keycask init");
    t.run(&["show", "x"]).fails(5, "no keyring at");
    t.run(&["keygen", "x"]).fails(5, "no keyring at");
    assert!(!t.keyring().exists());
}

#[test]
fn damaged_keyrings_are_refused_with_exit_5() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let good = t.keyring_bytes();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..good.len() / 2].to_vec(), "not valid JSON"),
        (b"".to_vec(), "not valid JSON"),
        (b"hello".to_vec(), "not valid JSON"),
        (b"[1,2]".to_vec(), "not a keycask keyring"),
        (
            String::from_utf8_lossy(&good)
                .replace("\"format\":3", "\"format\":4")
                .into_bytes(),
            "format version 4, newer than this keycask",
        ),
        (
            String::from_utf8_lossy(&good)
                .replace("\"format\":3", "\"format\":0")
                .into_bytes(),
            "unsupported format version",
        ),
        (
            String::from_utf8_lossy(&good)
                .replace(
                    "\"primary\":1,\"versions\"",
                    "\"primary\":1,\"extra\":1,\"versions\"",
                )
                .into_bytes(),
            "malformed",
        ),
    ];
    for (bytes, needle) in cases {
        assert_ne!(bytes, good, "{needle}: the damage must change the file");
        std::fs::write(t.keyring(), &bytes).unwrap();
        t.run(&["keygen", "x"]).fails(5, needle);
        t.run(&["list"]).fails(5, needle);
        assert_eq!(t.keyring_bytes(), bytes, "keyring rewritten after {needle}");
    }
}

#[test]
fn edits_outside_keycask_fail_the_integrity_check() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "a"]).ok();
    t.run(&["keygen", "b"]).ok();
    let good = t.keyring_bytes();

    // The primary flipped (what `jq '.keys.a.primary = 2'` does).
    edit_json(&t, |doc| doc["keys"]["a"]["primary"] = 2.into());
    let edited = t.keyring_bytes();
    t.run(&["keygen", "x"])
        .fails(5, "integrity check")
        .stderr_has("restore the keyring");
    assert_eq!(t.keyring_bytes(), edited);

    // A version's state changed.
    std::fs::write(t.keyring(), &good).unwrap();
    edit_json(&t, |doc| {
        doc["keys"]["a"]["versions"][0]["state"] = "disabled".into()
    });
    t.run(&["keygen", "x"]).fails(5, "integrity check");

    // Two wrapped blobs swapped between keys.
    std::fs::write(t.keyring(), &good).unwrap();
    edit_json(&t, |doc| {
        let a = doc["keys"]["a"]["versions"][0]["wrapped"].clone();
        let b = doc["keys"]["b"]["versions"][0]["wrapped"].clone();
        doc["keys"]["a"]["versions"][0]["wrapped"] = b;
        doc["keys"]["b"]["versions"][0]["wrapped"] = a;
    });
    t.run(&["keygen", "x"]).fails(5, "integrity check");

    // The MAC removed.
    std::fs::write(t.keyring(), &good).unwrap();
    edit_json(&t, |doc| {
        doc.as_object_mut().unwrap().remove("mac");
    });
    t.run(&["keygen", "x"]).fails(5, "integrity check");

    // The wrapped KEK changed: authentication of the root fails.
    std::fs::write(t.keyring(), &good).unwrap();
    edit_json(&t, |doc| {
        let w = doc["kek"]["versions"][0]["wrapped"]
            .as_str()
            .unwrap()
            .to_string();
        let first = if w.starts_with('A') { "B" } else { "A" };
        let flipped = format!("{first}{}", &w[1..]);
        doc["kek"]["versions"][0]["wrapped"] = flipped.into();
    });
    t.run(&["keygen", "x"]).fails(3, "wrong key file");

    // The untouched file still works.
    std::fs::write(t.keyring(), &good).unwrap();
    t.run(&["keygen", "x"]).ok();
}

#[test]
fn weakened_or_inflated_argon2_parameters_are_refused() {
    let t = TestDir::new();
    t.init_passphrase("pw");
    edit_json(&t, |doc| doc["root"]["m_cost"] = 1024.into());
    let before = t.keyring_bytes();
    t.run(&["keygen", "x", "--passphrase-file", "pass.txt"])
        .fails(5, "below the minimum");
    assert_eq!(t.keyring_bytes(), before);
    // Inflated ones too: an edit must not make every unlock take gigabytes.
    for (field, value) in [("m_cost", 64 << 20), ("t_cost", 1000), ("p_cost", 1000)] {
        edit_json(&t, |doc| {
            doc["root"]["m_cost"] = (64 * 1024).into();
            doc["root"][field] = value.into();
        });
        t.run(&["keygen", "x", "--passphrase-file", "pass.txt"])
            .fails(5, "above the maximum");
    }
}

#[test]
fn loose_permissions_are_refused_with_the_fix() {
    let t = TestDir::new();
    t.init_keyfile();
    let before = t.keyring_bytes();
    for mode in [0o644, 0o640, 0o604, 0o660] {
        std::fs::set_permissions(t.keyring(), std::fs::Permissions::from_mode(mode)).unwrap();
        t.run(&["list"])
            .fails(5, "accessible by other users")
            .stderr_has("hint: chmod 600");
        t.run(&["keygen", "x"])
            .fails(5, "accessible by other users");
        assert_eq!(t.keyring_bytes(), before);
    }
    std::fs::set_permissions(t.keyring(), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(t.join("root.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    t.run(&["keygen", "x"])
        .fails(3, "accessible by other users")
        .stderr_has("chmod 600");
}

#[test]
fn list_and_show_need_no_unlock_and_print_no_secret() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups", "--rotate-every", "90d"]).ok();
    t.run(&["keygen", "signer", "--type", "p256"]).ok();
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    let blob = doc["keys"]["backups"]["versions"][0]["wrapped"]
        .as_str()
        .unwrap()
        .to_string();
    // Remove the root: list and show still work, since they do not unlock.
    std::fs::remove_file(t.join("root.key")).unwrap();
    let list = t.run(&["list"]).ok();
    assert!(list.stdout().starts_with("NAME"));
    assert!(list.stdout().contains("backups"));
    assert!(list.stdout().contains("every 90d, due"));
    let show = t.run(&["show", "backups", "--json"]).ok();
    let json = show.json();
    assert_eq!(json["schema"], "keycask.key/1");
    assert_eq!(json["versions"][0]["state"], "enabled");
    assert_eq!(json["rotation_period"], "90d");
    for out in [
        list.stdout(),
        show.stdout(),
        t.run(&["show", "signer"]).ok().stdout(),
    ] {
        assert!(!out.contains(&blob[..20]));
        assert!(!out.contains("wrapped"));
    }
    t.run(&["show", "nope"]).fails(4, "no key named 'nope'");
}

#[test]
fn rotation_due_and_overdue_follow_the_clock() {
    let t = TestDir::new();
    t.init_keyfile();
    let cmd = t.command_at("2026-01-01T00:00:00Z");
    t.run_with(cmd, &["keygen", "k", "--rotate-every", "30d"], None)
        .ok();
    let mut cmd = t.command();
    cmd.env("KEYCASK_NOW", "2026-01-15T00:00:00Z");
    let run = t.run_with(cmd, &["show", "k", "--json"], None).ok();
    assert_eq!(run.json()["rotation_due"], "2026-01-31T00:00:00Z");
    assert_eq!(run.json()["rotation_overdue"], false);
    let mut cmd = t.command();
    cmd.env("KEYCASK_NOW", "2026-02-01T00:00:00Z");
    t.run_with(cmd, &["list"], None)
        .ok()
        .stdout_has("OVERDUE since 2026-01-31");
}

#[test]
fn concurrent_writers_lose_no_update() {
    let t = TestDir::new();
    t.init_keyfile();
    let children: Vec<_> = (0..8)
        .map(|p| {
            let ring = t.keyring();
            let bin = assert_cmd::cargo::cargo_bin!("keycask").to_path_buf();
            let dir = t.path().to_path_buf();
            std::thread::spawn(move || {
                for k in 0..25 {
                    let status = std::process::Command::new(&bin)
                        .args(["keygen", &format!("p{p}-k{k}")])
                        .env("KEYCASK_KEYRING", &ring)
                        .env_remove("KEYCASK_KEYFILE")
                        .current_dir(&dir)
                        .stdout(Stdio::null())
                        .status()
                        .unwrap();
                    assert!(status.success());
                }
            })
        })
        .collect();
    for child in children {
        child.join().unwrap();
    }
    let list = t.run(&["list", "--json"]).ok().json();
    assert_eq!(list["keys"].as_array().unwrap().len(), 200);
    // The MAC verifies: a writing command succeeds.
    t.run(&["keygen", "after"]).ok();
    assert!(t.temp_files().is_empty(), "{:?}", t.temp_files());
}

#[test]
fn stale_temp_files_are_cleaned_by_the_next_write() {
    let t = TestDir::new();
    t.init_keyfile();
    std::fs::write(t.join(".keyring.json.abc123.tmp"), b"half").unwrap();
    t.run(&["keygen", "x"]).ok();
    assert!(t.temp_files().is_empty());
}

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let t = TestDir::new();
    t.init_keyfile();
    let ring = t.keyring();
    let ring = ring.to_str().unwrap();
    let mut cmd = t.command();
    cmd.env_remove("KEYCASK_KEYRING");
    t.run_with(cmd, &["--keyring", ring, "--json", "keygen", "a"], None)
        .ok()
        .json();
    let mut cmd = t.command();
    cmd.env_remove("KEYCASK_KEYRING");
    let run = t
        .run_with(
            cmd,
            &["keygen", "b", "--keyring", ring, "--json", "-q"],
            None,
        )
        .ok();
    assert_eq!(run.json()["schema"], "keycask.keygen/1");
    assert_eq!(run.json()["version"], 1);
    assert_eq!(run.json()["version_id"].as_str().unwrap().len(), 32);
}

#[test]
fn usage_errors_exit_2_and_help_lists_exit_codes() {
    let t = TestDir::new();
    let run = t.run(&["frobnicate"]);
    assert_eq!(run.code(), 2);
    let run = t.run(&["keygen"]);
    assert_eq!(run.code(), 2);
    t.run(&["init", "--root", "vault:x"])
        .fails(2, "unknown root 'vault:x'");
    t.run(&["init", "--root", "keyfile:"])
        .fails(2, "needs a path");
    let help = t.run(&["--help"]).ok();
    for code in [
        "0  success",
        "2  usage",
        "3  authentication",
        "4  key or version",
        "5  keyring",
    ] {
        assert!(help.stdout().contains(code), "{code}");
    }
}

/// `keycask list --json | head -1` and the like: a reader that has gone away
/// ends the command quietly with 0, as for `cat`, whatever the report's form.
#[test]
fn reports_into_a_closed_pipe_end_quietly() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run_stdin(&["wrap", "-k", "backups", "-o", "a.kc"], b"data")
        .ok();
    // Enough keys that `list --json` outgrows every buffer on the way, so the
    // failed write comes from inside the JSON writer. `list` reads without
    // unlocking, so copies of one key (which break the MAC) serve.
    let mut doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    let key = doc["keys"]["backups"].clone();
    for n in 0..400 {
        doc["keys"][format!("copy-{n:03}")] = key.clone();
    }
    std::fs::write(t.keyring(), serde_json::to_vec(&doc).unwrap()).unwrap();
    let json = t.run(&["list", "--json"]).ok().stdout();
    assert!(
        json.len() > 128 << 10,
        "list --json is only {} bytes",
        json.len()
    );
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["list", "--names"],
        &["show", "backups", "--json"],
        &["inspect", "a.kc"],
        &["inspect", "--json", "a.kc"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = t
            .command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            (
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ),
            (Some(0), "".into()),
            "keycask {args:?} into a closed pipe"
        );
    }
}

#[test]
fn a_keyring_with_version_0_or_a_repeated_version_number_is_refused() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let good: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    for (number, problem) in [
        (0, "key 'backups' has a version numbered 0"),
        (1, "key 'backups' has two versions numbered 1"),
    ] {
        let mut doc = good.clone();
        doc["keys"]["backups"]["versions"][1]["version"] = number.into();
        let bytes = serde_json::to_vec_pretty(&doc).unwrap();
        std::fs::write(t.keyring(), &bytes).unwrap();
        for args in [&["list"][..], &["show", "backups"], &["rotate", "backups"]] {
            t.run(args)
                .fails(5, &format!("the keyring is malformed: {problem}"))
                .stderr_has("restore it from a backup");
            assert_eq!(t.keyring_bytes(), bytes, "{args:?}");
        }
    }
}

/// Issue 19: a command that uses one key parses (and checks) that key
/// only, but still checks the MAC over the whole file before using it; a
/// command that looks at every key checks every key.
#[test]
fn a_damaged_key_is_refused_by_what_uses_it_and_by_the_mac() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["keygen", "other"]).ok();
    std::fs::write(t.join("in"), b"data").unwrap();
    t.run(&[
        "wrap",
        "-k",
        "backups",
        "-o",
        &t.join("e").display().to_string(),
        &t.join("in").display().to_string(),
    ])
    .ok();
    let text = String::from_utf8(t.keyring_bytes()).unwrap();
    let line = text.find("\n    \"other\":").unwrap();
    let bad = format!(
        "{}{}",
        &text[..line],
        text[line..].replacen("\"purpose\":\"encrypt\"", "\"purpose\":\"nonsense\"", 1)
    );
    std::fs::write(t.keyring(), &bad).unwrap();
    // Reading the damaged key, or every key: malformed.
    t.run(&["show", "other"])
        .fails(5, "the keyring is malformed: key 'other'");
    t.run(&["list"])
        .fails(5, "the keyring is malformed: key 'other'");
    t.run(&["keygen", "x"])
        .fails(5, "the keyring is malformed: key 'other'");
    // `show` of another key reads (it never unlocks: no MAC, as before).
    t.run(&["show", "backups"])
        .ok()
        .stdout_has("key        backups");
    // Using another key: the MAC over the whole file refuses it.
    let out = t.join("out").display().to_string();
    t.run(&[
        "wrap",
        "-k",
        "backups",
        "-o",
        &out,
        &t.join("in").display().to_string(),
    ])
    .fails(5, "integrity check");
    t.run(&["unwrap", "-o", &out, &t.join("e").display().to_string()])
        .fails(5, "integrity check");
    t.run(&["datakey", "-k", "backups"])
        .fails(5, "integrity check");
    assert!(!t.join("out").exists());
    assert_eq!(t.keyring_bytes(), bad.as_bytes());
}

/// Copies a keyring made by an older keycask (tests/vectors/keyring/v1:
/// keyring format 1, its key file, audit log and an envelope) into `t`.
fn copy_format_1_keyring(t: &TestDir) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keyring/v1");
    for (from, to) in [
        ("keyring.json", "keyring.json"),
        ("keyring.json.audit.jsonl", "keyring.json.audit.jsonl"),
        ("root.key", "root.key"),
        ("envelope.kc", "envelope.kc"),
    ] {
        std::fs::copy(dir.join(from), t.join(to)).unwrap();
        std::fs::set_permissions(t.join(to), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn a_format_1_keyring_is_read_and_becomes_format_3_at_its_next_write() {
    let t = TestDir::new();
    copy_format_1_keyring(&t);
    let plain = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keyring/v1/plain.txt"),
    )
    .unwrap();
    let unwrap = ["unwrap", "--keyfile", "root.key", "envelope.kc"];
    assert_eq!(t.run(&unwrap).ok().output.stdout, plain);
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["format"], 1, "a read does not rewrite the keyring");
    t.run(&["keygen", "reports", "--keyfile", "root.key"]).ok();
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["format"], 3);
    assert_eq!(t.run(&unwrap).ok().output.stdout, plain);
    t.run(&["audit", "verify", "--keyfile", "root.key"]).ok();
    // A format 1 keyring edited is refused like any other.
    let t = TestDir::new();
    copy_format_1_keyring(&t);
    let mut doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    doc["keys"]["backups"]["primary"] = 1.into();
    std::fs::write(t.keyring(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    t.run(&unwrap).fails(5, "integrity check");
}

#[test]
fn a_format_3_keyring_reordered_or_reindented_fails_its_mac_as_any_edit() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let envelope = t
        .run_stdin(&["wrap", "-k", "backups"], b"data")
        .ok()
        .output
        .stdout;
    std::fs::write(t.join("e.kc"), &envelope).unwrap();
    let good = t.keyring_bytes();
    // Format 3: compact, a key a line, `mac` last; its MAC covers these bytes.
    let text = String::from_utf8(good.clone()).unwrap();
    assert!(text.contains("\n    \"backups\":{\"algorithm\":"), "{text}");
    assert!(good.ends_with(b"\"}\n"));
    let value: serde_json::Value = serde_json::from_slice(&good).unwrap();
    assert_eq!(value["format"], 3);
    // serde_json's map sorts members by name (`mac` is no longer last);
    // pretty-printed keeps the order but not the bytes.
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    for bytes in [serde_json::to_vec(&value).unwrap(), pretty] {
        assert_ne!(bytes, good);
        std::fs::write(t.keyring(), &bytes).unwrap();
        t.run(&["unwrap", "e.kc"]).fails(5, "integrity check");
        t.run(&["keygen", "other"]).fails(5, "integrity check");
        assert_eq!(t.keyring_bytes(), bytes);
    }
    // Trailing whitespace is outside the MAC and harmless.
    let mut spaced = good.clone();
    spaced.extend_from_slice(b"\n\n");
    std::fs::write(t.keyring(), &spaced).unwrap();
    assert_eq!(t.run(&["unwrap", "e.kc"]).ok().output.stdout, b"data");
    // A change of meaning in keycask's own layout is refused.
    let edited = text.replacen("\"primary\":2", "\"primary\":1", 1);
    assert_ne!(edited, text);
    std::fs::write(t.keyring(), &edited).unwrap();
    t.run(&["unwrap", "e.kc"]).fails(5, "integrity check");
    std::fs::write(t.keyring(), &good).unwrap();
    t.run(&["keygen", "other"]).ok();
    assert_eq!(t.run(&["unwrap", "e.kc"]).ok().output.stdout, b"data");
}

/// Copies tests/vectors/keyring/keyfile (a format 2 keyring, its key file,
/// audit log and envelope) into `t`.
fn copy_format_2_keyring(t: &TestDir) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keyring/keyfile");
    for name in [
        "keyring.json",
        "keyring.json.audit.jsonl",
        "root.key",
        "envelope.kc",
    ] {
        std::fs::copy(dir.join(name), t.join(name)).unwrap();
        std::fs::set_permissions(t.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn a_format_2_keyring_reordered_and_reindented_still_verifies_and_becomes_format_3() {
    let t = TestDir::new();
    copy_format_2_keyring(&t);
    let plain = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keyring/keyfile/plain.txt"),
    )
    .unwrap();
    let unwrap = ["unwrap", "--keyfile", "root.key", "envelope.kc"];
    let good = t.keyring_bytes();
    let value: serde_json::Value = serde_json::from_slice(&good).unwrap();
    assert_eq!(value["format"], 2);
    let compact = serde_json::to_vec(&value).unwrap();
    let tabbed = String::from_utf8(serde_json::to_vec_pretty(&value).unwrap())
        .unwrap()
        .replace("  ", "\t");
    for bytes in [compact.clone(), tabbed.into_bytes()] {
        assert_ne!(bytes, good);
        std::fs::write(t.keyring(), &bytes).unwrap();
        assert_eq!(t.run(&unwrap).ok().output.stdout, plain);
    }
    // A change of meaning in the same re-ordered form is refused, and so is
    // an optional member spelled out as null (canonical JSON keeps it).
    for (key, member, edit) in [
        ("backups", "primary", serde_json::Value::from(1)),
        ("backups", "rotation_period", serde_json::Value::Null),
    ] {
        let mut edited = value.clone();
        edited["keys"][key][member] = edit;
        std::fs::write(t.keyring(), serde_json::to_vec(&edited).unwrap()).unwrap();
        t.run(&unwrap).fails(5, "integrity check");
    }
    // Its next write makes it format 3.
    std::fs::write(t.keyring(), &compact).unwrap();
    t.run(&["keygen", "other", "--keyfile", "root.key"]).ok();
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["format"], 3);
    assert_eq!(t.run(&unwrap).ok().output.stdout, plain);
    t.run(&["audit", "verify", "--keyfile", "root.key"]).ok();
}

/// Runs `keycask ARGS` in a pseudo-terminal (util-linux `script`), typing
/// `typed` at it; stdout holds what the terminal showed.
fn at_a_terminal(t: &TestDir, args: &str, typed: &str) -> crate::util::Run {
    let bin = assert_cmd::cargo::cargo_bin!("keycask");
    let mut cmd = t.command();
    cmd.env("KEYCASK_BIN", bin);
    let mut script = std::process::Command::new("script");
    script.args(["-qec", &format!("\"$KEYCASK_BIN\" {args}"), "/dev/null"]);
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => script.env(name, value),
            None => script.env_remove(name),
        };
    }
    script.current_dir(t.path());
    t.run_with(script, &[], Some(typed.as_bytes()))
}

/// Passphrase prompts at a terminal (issue 18, usability 3): they name the
/// keyring; a mistyped passphrase may be typed again, 3 tries in all, and
/// the refusal says nothing of --passphrase-file; a passphrase from a file
/// gets no retry (and keeps its hint).
#[test]
fn passphrase_prompts_name_the_keyring_and_allow_three_tries() {
    let t = TestDir::new();
    let keyring = t.keyring().display().to_string();
    let pass = "correct horse battery staple";
    let init = at_a_terminal(&t, "init", &format!("{pass}\n{pass}\n"));
    assert_eq!(init.code(), 0, "{}", init.stdout());
    assert!(
        init.stdout()
            .contains(&format!("New passphrase for keyring {keyring}: ")),
        "{}",
        init.stdout()
    );
    assert!(
        !init.stdout().contains("shorter than 12"),
        "{}",
        init.stdout()
    );

    // Two mistakes, then the right one: it works.
    let run = at_a_terminal(
        &t,
        "keygen backups",
        &format!("wrong\nalso wrong\n{pass}\n"),
    );
    assert_eq!(run.code(), 0, "{}", run.stdout());
    let shown = run.stdout();
    assert_eq!(
        shown
            .matches(&format!("Passphrase for keyring {keyring}: "))
            .count(),
        3,
        "{shown}"
    );
    assert_eq!(
        shown.matches("wrong passphrase, try again").count(),
        2,
        "{shown}"
    );
    assert!(shown.contains("created key backups"), "{shown}");

    // Three mistakes: refused, exit 3, without a hint about files.
    let before = t.keyring_bytes();
    let run = at_a_terminal(&t, "keygen other", "one\ntwo\nthree\nfour\n");
    assert_eq!(run.code(), 3, "{}", run.stdout());
    let shown = run.stdout();
    assert!(shown.contains("wrong passphrase (3 tries)"), "{shown}");
    assert!(!shown.contains("--passphrase-file"), "{shown}");
    assert_eq!(
        shown.matches("Passphrase for keyring").count(),
        3,
        "{shown}"
    );
    assert_eq!(t.keyring_bytes(), before);

    // From a file: no retry, and the hint names the sources.
    std::fs::write(t.join("wrong.txt"), "wrong passphrase here").unwrap();
    let run = at_a_terminal(
        &t,
        "--passphrase-file wrong.txt keygen other",
        &format!("{pass}\n"),
    );
    assert_eq!(run.code(), 3, "{}", run.stdout());
    assert!(
        !run.stdout().contains("Passphrase for keyring"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout().contains("check the passphrase source"),
        "{}",
        run.stdout()
    );
}

/// A new passphrase under 12 characters: a warning at a terminal; from a
/// file it needs --allow-weak-passphrase (init and rotate --root).
#[test]
fn a_short_new_passphrase_warns_or_needs_allow_weak_passphrase() {
    let t = TestDir::new();
    std::fs::write(t.join("short.txt"), "hunter2").unwrap();
    t.run(&["init", "--passphrase-file", "short.txt"])
        .fails(2, "the new passphrase is shorter than 12 characters")
        .stderr_has("--allow-weak-passphrase");
    assert!(!t.keyring().exists());
    t.run(&[
        "init",
        "--passphrase-file",
        "short.txt",
        "--allow-weak-passphrase",
    ])
    .ok();
    std::fs::write(t.join("short2.txt"), "hunter3").unwrap();
    let args = [
        "--passphrase-file",
        "short.txt",
        "rotate",
        "--root",
        "--new-passphrase-file",
        "short2.txt",
    ];
    let before = t.keyring_bytes();
    t.run(&args).fails(2, "shorter than 12 characters");
    assert_eq!(t.keyring_bytes(), before);
    t.run(&[&args[..], &["--allow-weak-passphrase"]].concat())
        .ok();

    let typed = TestDir::new();
    let run = at_a_terminal(&typed, "init", "hunter2\nhunter2\n");
    assert_eq!(run.code(), 0, "{}", run.stdout());
    assert!(
        run.stdout()
            .contains("warning: the new passphrase is shorter than 12 characters"),
        "{}",
        run.stdout()
    );
}
