//! `destroy`: immediate and scheduled destruction, cancellation, tombstones,
//! purge, `--pending`, `--rotate-kek` and what older copies still hold.

use serde_json::Value;

use crate::util::{Run, TestDir};

fn keyring_json(t: &TestDir) -> Value {
    serde_json::from_slice(&t.keyring_bytes()).unwrap()
}

/// The wrapped blob of a version as the file holds it (base64 text).
fn blob(t: &TestDir, name: &str, version: u32) -> String {
    let doc = keyring_json(t);
    doc["keys"][name]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == version)
        .and_then(|v| v["wrapped"].as_str())
        .unwrap_or_else(|| panic!("no blob for {name} v{version}"))
        .to_string()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Runs keycask with the clock set to `now`.
fn at(t: &TestDir, now: &str, args: &[&str]) -> Run {
    t.run_with(t.command_at(now), args, None)
}

fn version_json(t: &TestDir, name: &str, version: u32) -> Value {
    let show = t.run(&["show", name, "--json"]).ok().json();
    show["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == version)
        .cloned()
        .unwrap()
}

#[test]
fn destroy_whole_key_now_removes_every_blob_and_keeps_a_tombstone() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "old-project"]).ok();
    t.run(&["keygen", "keeper"]).ok();
    let gone = blob(&t, "old-project", 1);
    let kept = blob(&t, "keeper", 1);
    let run = t
        .run(&[
            "destroy",
            "old-project",
            "--now",
            "--yes",
            "--reason",
            "project ended",
        ])
        .ok()
        .stdout_has("destroyed key 'old-project' (version 1)")
        .stderr_has("still hold the destroyed material")
        .stderr_has("keycask rotate --kek");
    assert!(!run.stderr().contains(&gone), "the blob must not be echoed");
    let bytes = t.keyring_bytes();
    assert!(
        !contains(&bytes, &gone),
        "the destroyed blob is still in the file"
    );
    assert!(contains(&bytes, &kept), "the other key's blob went too");

    let v = version_json(&t, "old-project", 1);
    assert_eq!(v["state"], "destroyed");
    assert_eq!(v["destruction"]["reason"], "project ended");
    assert!(
        v["id"].as_str().unwrap().len() == 32,
        "the version id stays"
    );
    t.run(&["show", "old-project"])
        .ok()
        .stdout_has("DESTROYED")
        .stdout_has("project ended");
    t.run(&["list"])
        .ok()
        .stdout_has("DESTROYED")
        .stdout_has("(project ended)");
    let list = t.run(&["list", "--json"]).ok().json();
    let entry = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "old-project")
        .unwrap()
        .clone();
    assert_eq!(entry["destroyed"]["reason"], "project ended");
    // The other key still works: a writer can still unlock and use it.
    t.run(&["keygen", "another"]).ok();
    assert_eq!(blob(&t, "keeper", 1), kept);
}

#[test]
fn destroy_json_reports_what_was_done() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "old"]).ok();
    let out = t
        .run(&["destroy", "old", "--now", "--yes", "--json"])
        .ok()
        .json();
    assert_eq!(out["schema"], "keycask.destroy/1");
    assert_eq!(out["action"], "destroyed");
    assert_eq!(out["whole_key"], true);
    assert_eq!(out["versions"], serde_json::json!([1]));
    assert_eq!(out["kek_rotated"], false);
    assert_eq!(out["kek_version"], 1);
}

#[test]
fn a_destroyed_key_blocks_keygen_until_purged() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "old"]).ok();
    t.run(&["destroy", "old", "--now", "--yes", "--reason", "retired"])
        .ok();
    t.refuses_unchanged(&["keygen", "old"], 2, "was destroyed on")
        .stderr_has("keycask destroy --purge old");
    t.refuses_unchanged(
        &["destroy", "old", "--now", "--yes"],
        4,
        "key 'old' was destroyed on",
    )
    .stderr_has("(retired)");
    t.refuses_unchanged(&["destroy", "--cancel", "old"], 4, "was destroyed")
        .stderr_has("cannot be undone");
    t.refuses_unchanged(&["destroy", "--purge", "old"], 2, "no terminal")
        .stderr_has("--yes");

    t.run(&["destroy", "--purge", "old", "--yes"])
        .ok()
        .stdout_has("purged the tombstone of key 'old'");
    t.run(&["show", "old"]).fails(4, "no key named 'old'");
    t.run(&["keygen", "old"]).ok().stdout_has("created key old");
}

#[test]
fn destroy_refuses_bad_requests_and_leaves_the_keyring_unchanged() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let before = t.keyring_bytes();
    let long_reason = "x".repeat(201);
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["destroy", "nothere", "--now", "--yes"],
            4,
            "no key named 'nothere'",
        ),
        (
            &["destroy", "backups", "--version", "7", "--now", "--yes"],
            4,
            "key 'backups' has no version 7",
        ),
        (
            &["destroy", "backups", "--version", "1", "--now", "--yes"],
            4,
            "version 1 is the primary version of key 'backups'",
        ),
        (
            &[
                "destroy",
                "backups",
                "--version",
                "1",
                "--after",
                "7d",
                "--yes",
            ],
            4,
            "primary version",
        ),
        (
            &["destroy", "backups", "--now"],
            2,
            "refusing to destroy key 'backups' (version 1) now",
        ),
        (
            &["destroy", "backups", "--after", "7d"],
            2,
            "without confirmation: there is no terminal",
        ),
        (&["destroy", "backups", "--yes"], 2, "say when to destroy"),
        (
            &["destroy", "backups", "--after", "7", "--yes"],
            2,
            "not a duration",
        ),
        (
            &["destroy", "backups", "--after", "0d", "--yes"],
            2,
            "'0d' is no time at all",
        ),
        (
            &["destroy", "backups", "--after", "7d", "--now", "--yes"],
            2,
            "cannot be used with",
        ),
        (
            &[
                "destroy",
                "backups",
                "--after",
                "7d",
                "--rotate-kek",
                "--yes",
            ],
            2,
            "--now",
        ),
        (
            &["destroy", "backups", "--now", "--yes", "--reason", ""],
            2,
            "--reason is empty",
        ),
        (
            &["destroy", "backups", "--now", "--yes", "--reason", "a\nb"],
            2,
            "one line of text",
        ),
        (
            &[
                "destroy",
                "backups",
                "--now",
                "--yes",
                "--reason",
                &long_reason,
            ],
            2,
            "longer than 200",
        ),
        (
            &["destroy", "Backups", "--now", "--yes"],
            2,
            "invalid key name",
        ),
        (&["destroy"], 2, "required"),
        (
            &["destroy", "--pending", "backups"],
            2,
            "cannot be used with",
        ),
        (
            &["destroy", "--cancel", "backups"],
            4,
            "no version of key 'backups' is scheduled",
        ),
        (
            &["destroy", "--cancel", "backups", "--version", "1"],
            4,
            "not scheduled for destruction (it is enabled)",
        ),
        (
            &["destroy", "--cancel", "backups", "--version", "3"],
            4,
            "has no version 3",
        ),
        (
            &["destroy", "--purge", "backups", "--yes"],
            4,
            "key 'backups' is not destroyed",
        ),
        (
            &["destroy", "--purge", "nothere", "--yes"],
            4,
            "no key named 'nothere'",
        ),
    ];
    for (args, code, needle) in cases {
        t.refuses_unchanged(args, *code, needle);
    }
    assert_eq!(t.keyring_bytes(), before);
    t.run(&["destroy", "backups", "--version", "1", "--now", "--yes"])
        .fails(4, "primary")
        .stderr_has("keycask rotate backups");
    assert!(t.temp_files().is_empty());
}

#[test]
fn a_wrong_typed_name_or_a_wrong_root_changes_nothing() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let before = t.keyring_bytes();
    // stdin is a pipe, not a terminal: no confirmation can be typed there.
    t.run_stdin(&["destroy", "backups", "--now"], b"backups\n")
        .fails(2, "no terminal");
    std::fs::write(t.join("other.key"), [7u8; 32]).unwrap();
    let mut perms = std::fs::metadata(t.join("other.key"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(t.join("other.key"), perms).unwrap();
    let wrong = t.run(&[
        "--keyfile",
        "other.key",
        "destroy",
        "backups",
        "--now",
        "--yes",
    ]);
    assert_eq!(wrong.code(), 3, "{}", wrong.stderr());
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn a_whole_key_scheduled_with_an_injected_clock() {
    let t = TestDir::new();
    t.init_keyfile();
    at(&t, "2026-11-01T00:00:00Z", &["keygen", "old"]).ok();
    let gone = blob(&t, "old", 1);
    at(
        &t,
        "2026-11-01T00:00:00Z",
        &[
            "destroy", "old", "--after", "7d", "--yes", "--reason", "retired",
        ],
    )
    .ok()
    .stdout_has("scheduled key 'old' (version 1) for destruction on 2026-11-08T00:00:00Z")
    .stdout_has("keycask destroy --cancel old");
    let v = version_json(&t, "old", 1);
    assert_eq!(v["state"], "destroy-scheduled");
    assert_eq!(v["destroy_after"], "2026-11-08T00:00:00Z");
    assert_eq!(v["destruction"]["reason"], "retired");
    t.run(&["show", "old"])
        .ok()
        .stdout_has("destroy after 2026-11-08T00:00:00Z");
    // Scheduling again is refused; the date stays.
    let before = t.keyring_bytes();
    at(
        &t,
        "2026-11-02T00:00:00Z",
        &["destroy", "old", "--after", "1d", "--yes"],
    )
    .fails(4, "already scheduled");
    assert_eq!(t.keyring_bytes(), before);

    // Cancel restores it.
    at(&t, "2026-11-02T00:00:00Z", &["destroy", "--cancel", "old"])
        .ok()
        .stdout_has("cancelled the scheduled destruction of key 'old'");
    let v = version_json(&t, "old", 1);
    assert_eq!(v["state"], "enabled");
    assert_eq!(v["destroy_after"], Value::Null);
    assert_eq!(v["destruction"], Value::Null);

    // Scheduled again; a writer before the date leaves it.
    at(
        &t,
        "2026-11-02T00:00:00Z",
        &["destroy", "old", "--after", "7d", "--yes"],
    )
    .ok();
    let run = at(&t, "2026-11-08T23:59:59Z", &["keygen", "probe1"]).ok();
    assert!(!run.stderr().contains("destroyed"), "{}", run.stderr());
    assert_eq!(version_json(&t, "old", 1)["state"], "destroy-scheduled");
    assert!(contains(&t.keyring_bytes(), &gone));

    // The first writer after the date carries it out, and says so.
    at(&t, "2026-11-09T00:00:00Z", &["keygen", "probe2"])
        .ok()
        .stderr_has("destroyed version 1 of key 'old'")
        .stderr_has("fell due on 2026-11-09T00:00:00Z")
        .stderr_has("the whole key is now a tombstone");
    assert!(!contains(&t.keyring_bytes(), &gone));
    assert_eq!(version_json(&t, "old", 1)["state"], "destroyed");
    let show = t.run(&["show", "old", "--json"]).ok().json();
    assert_eq!(show["destroyed"]["at"], "2026-11-09T00:00:00Z");
    at(&t, "2026-11-10T00:00:00Z", &["keygen", "old"]).fails(2, "destroy --purge old");
    at(&t, "2026-11-10T00:00:00Z", &["destroy", "--cancel", "old"])
        .fails(4, "was destroyed on 2026-11-09");
}

#[test]
fn pending_carries_out_what_fell_due_for_cron() {
    let t = TestDir::new();
    t.init_keyfile();
    at(&t, "2026-11-01T00:00:00Z", &["keygen", "a"]).ok();
    at(&t, "2026-11-01T00:00:00Z", &["keygen", "b"]).ok();
    at(
        &t,
        "2026-11-01T00:00:00Z",
        &["destroy", "a", "--after", "1d", "--yes"],
    )
    .ok();
    at(
        &t,
        "2026-11-01T00:00:00Z",
        &["destroy", "b", "--after", "30d", "--yes"],
    )
    .ok();
    let before = t.keyring_bytes();

    // Nothing due: it says so, as `rotate --due` does (issue 18; silent
    // with -q), writes nothing, and needs no secret to find that out.
    let none = at(
        &t,
        "2026-11-01T12:00:00Z",
        &["--keyfile", "missing.key", "destroy", "--pending"],
    )
    .ok();
    assert_eq!(none.stdout(), "");
    assert_eq!(
        none.stderr_beyond_clock(),
        "keycask: no scheduled destruction has fallen due\n"
    );
    let quiet = at(
        &t,
        "2026-11-01T12:00:00Z",
        &["-q", "--keyfile", "missing.key", "destroy", "--pending"],
    )
    .ok();
    assert_eq!(quiet.stdout(), "");
    assert_eq!(quiet.stderr_beyond_clock(), "");
    assert_eq!(t.keyring_bytes(), before);
    let json = at(
        &t,
        "2026-11-01T12:00:00Z",
        &["destroy", "--pending", "--json"],
    )
    .ok()
    .json();
    assert_eq!(json["schema"], "keycask.destroy-pending/1");
    assert_eq!(json["destroyed"], serde_json::json!([]));
    assert_eq!(json["scheduled"].as_array().unwrap().len(), 2);

    // Due: it needs the root, and reports each destruction.
    at(
        &t,
        "2026-11-02T00:00:00Z",
        &["--keyfile", "missing.key", "destroy", "--pending"],
    )
    .fails(3, "missing.key");
    assert_eq!(t.keyring_bytes(), before);
    let run = at(
        &t,
        "2026-11-02T00:00:00Z",
        &["destroy", "--pending", "--json"],
    )
    .ok()
    .stderr_has("destroyed version 1 of key 'a'");
    let json = run.json();
    let destroyed = json["destroyed"].as_array().unwrap();
    assert_eq!(destroyed.len(), 1);
    assert_eq!(destroyed[0]["key"], "a");
    assert_eq!(destroyed[0]["due"], "2026-11-02T00:00:00Z");
    assert_eq!(json["scheduled"].as_array().unwrap().len(), 1);
    assert_eq!(json["scheduled"][0]["key"], "b");
    assert_eq!(version_json(&t, "a", 1)["state"], "destroyed");
    assert_eq!(version_json(&t, "b", 1)["state"], "destroy-scheduled");

    // Idempotent: running it again does nothing.
    let after = t.keyring_bytes();
    at(&t, "2026-11-03T00:00:00Z", &["destroy", "--pending"]).ok();
    assert_eq!(t.keyring_bytes(), after);
}

#[test]
fn a_refused_command_still_writes_what_fell_due() {
    let t = TestDir::new();
    t.init_keyfile();
    at(&t, "2026-11-01T00:00:00Z", &["keygen", "a"]).ok();
    at(
        &t,
        "2026-11-01T00:00:00Z",
        &["destroy", "a", "--after", "1d", "--yes"],
    )
    .ok();
    // `--cancel` after the date is too late: the destruction already
    // happened, and it is written, not only reported.
    let run = at(&t, "2026-11-05T00:00:00Z", &["destroy", "--cancel", "a"])
        .stderr_has("destroyed version 1 of key 'a'")
        .stderr_has("keycask: error: key 'a' was destroyed on 2026-11-05");
    assert_eq!(run.code(), 4);
    assert_eq!(version_json(&t, "a", 1)["state"], "destroyed");
}

#[test]
fn rotate_kek_cuts_the_current_keyring_off_from_older_copies() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "keeper"]).ok();
    t.run(&["keygen", "old"]).ok();
    let gone = blob(&t, "old", 1);
    let kept_before = blob(&t, "keeper", 1);
    std::fs::copy(t.keyring(), t.join("before.json")).unwrap();
    assert_eq!(keyring_json(&t)["kek"]["primary"], 1);

    let out = t
        .run(&["destroy", "old", "--now", "--rotate-kek", "--yes", "--json"])
        .ok()
        .stderr_has("the KEK was rotated")
        .stderr_has("rotate --root --to keyfile:NEW")
        .json();
    assert_eq!(out["kek_rotated"], true);
    assert_eq!(out["kek_version"], 2);
    let doc = keyring_json(&t);
    assert_eq!(doc["kek"]["primary"], 2);
    assert_eq!(doc["kek"]["versions"].as_array().unwrap().len(), 1);
    assert_eq!(doc["keys"]["keeper"]["versions"][0]["kek_version"], 2);
    let bytes = t.keyring_bytes();
    assert!(!contains(&bytes, &gone));
    // The surviving key was re-wrapped under the new KEK and still unlocks.
    assert_ne!(blob(&t, "keeper", 1), kept_before);
    t.run(&["keygen", "probe"]).ok();

    // The documented remnant: the copy taken before still holds the blob and
    // still opens with the root as it was (here: the same key file).
    let old_copy = std::fs::read(t.join("before.json")).unwrap();
    assert!(contains(&old_copy, &gone));
    t.run(&["--keyring", "before.json", "keygen", "opened-old-copy"])
        .ok();
    t.run(&["--keyring", "before.json", "show", "old", "--json"])
        .ok()
        .stdout_has("\"state\": \"enabled\"");

    // The rest of the remedy: retire the root. The old copy then opens only
    // with the old key file, not with the root the keyring has now.
    let new_root = format!("keyfile:{}", t.join("new-root.key").display());
    t.run(&["rotate", "--root", "--to", &new_root]).ok();
    t.run(&["keygen", "after-root-change"]).ok();
    std::fs::copy(t.join("before.json"), t.join("before2.json")).unwrap();
    let refused = t.run(&[
        "--keyring",
        "before2.json",
        "--keyfile",
        "new-root.key",
        "keygen",
        "x",
    ]);
    assert_eq!(refused.code(), 3, "{}", refused.stderr());
    t.run(&[
        "--keyring",
        "before2.json",
        "--keyfile",
        "root.key",
        "keygen",
        "x",
    ])
    .ok();
}

#[test]
fn a_passphrase_root_is_told_to_change_its_passphrase() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    let pass = ["--passphrase-file", "pass.txt"];
    t.run(&[&pass[..], &["keygen", "old"]].concat()).ok();
    t.run(
        &[
            &pass[..],
            &["destroy", "old", "--now", "--yes", "--rotate-kek"],
        ]
        .concat(),
    )
    .ok()
    .stderr_has("opens with the old passphrase")
    .stderr_has("keycask rotate --root");
}

/// Runs `keycask ARGS` inside a pseudo-terminal (util-linux `script`),
/// typing `typed` at it.
fn at_terminal(t: &TestDir, args: &str, typed: &[u8]) -> Run {
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
    t.run_with(script, &[], Some(typed))
}

#[test]
fn at_a_terminal_the_key_name_must_be_typed() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "old"]).ok();
    let before = t.keyring_bytes();
    let wrong = at_terminal(&t, "destroy old --now", b"yes\n");
    assert_eq!(wrong.code(), 2, "{}", wrong.stdout());
    assert!(
        wrong
            .stdout()
            .contains("Type the key name (old) to confirm")
    );
    assert!(wrong.stdout().contains("the name typed does not match"));
    assert_eq!(t.keyring_bytes(), before);

    let right = at_terminal(&t, "destroy old --now", b"old\n");
    assert_eq!(right.code(), 0, "{}", right.stdout());
    assert!(right.stdout().contains("destroyed key 'old' (version 1)"));
    assert_eq!(version_json(&t, "old", 1)["state"], "destroyed");
}

#[test]
fn destroy_a_non_primary_version_now() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let v1 = blob(&t, "backups", 1);
    let v2 = blob(&t, "backups", 2);
    let v3 = blob(&t, "backups", 3);
    t.run(&[
        "destroy",
        "backups",
        "--version",
        "1",
        "--now",
        "--yes",
        "--reason",
        "rotated 2026-11",
    ])
    .ok()
    .stdout_has("destroyed version 1 of key 'backups'");
    let bytes = t.keyring_bytes();
    assert!(
        !contains(&bytes, &v1),
        "the destroyed blob is still in the file"
    );
    assert!(contains(&bytes, &v2) && contains(&bytes, &v3));

    let v = version_json(&t, "backups", 1);
    assert_eq!(v["state"], "destroyed");
    assert_eq!(v["destruction"]["reason"], "rotated 2026-11");
    t.run(&["show", "backups"])
        .ok()
        .stdout_has("destroyed")
        .stdout_has("reason: rotated 2026-11")
        .stdout_has("v3*");
    let date = v["destruction"]["at"].as_str().unwrap()[..10].to_string();
    t.run(&["list"])
        .ok()
        .stdout_has(&format!("v1 destroyed {date} (rotated 2026-11)"));

    // The other versions are intact and the key keeps rotating.
    assert_eq!(version_json(&t, "backups", 2)["state"], "enabled");
    t.run(&["rotate", "backups"]).ok();
    assert_eq!(blob(&t, "backups", 2), v2);

    // A destroyed version stays destroyed.
    let before = t.keyring_bytes();
    t.run(&["destroy", "backups", "--version", "1", "--now", "--yes"])
        .fails(4, "version 1 of key 'backups' was already destroyed on")
        .stderr_has("(rotated 2026-11)");
    t.run(&["enable", "backups", "--version", "1"])
        .fails(4, "destroyed");
    t.run(&["destroy", "--cancel", "backups", "--version", "1"])
        .fails(4, "already destroyed");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn a_scheduled_version_with_an_injected_clock() {
    let t = TestDir::new();
    t.init_keyfile();
    at(&t, "2026-11-01T00:00:00Z", &["keygen", "backups"]).ok();
    at(&t, "2026-11-01T00:00:00Z", &["rotate", "backups"]).ok();
    let v1 = blob(&t, "backups", 1);
    at(
        &t,
        "2026-11-01T00:00:00Z",
        &[
            "destroy",
            "backups",
            "--version",
            "1",
            "--after",
            "7d",
            "--yes",
            "--reason",
            "rotated",
        ],
    )
    .ok()
    .stdout_has("scheduled version 1 of key 'backups' for destruction on 2026-11-08T00:00:00Z")
    .stdout_has("keycask destroy --cancel backups --version 1");

    // Before the date: disabled, so it refuses use, and cancellable.
    let v = version_json(&t, "backups", 1);
    assert_eq!(v["state"], "destroy-scheduled");
    assert_eq!(v["destroy_after"], "2026-11-08T00:00:00Z");
    let before = t.keyring_bytes();
    at(
        &t,
        "2026-11-02T00:00:00Z",
        &["enable", "backups", "--version", "1"],
    )
    .fails(4, "scheduled");
    assert_eq!(t.keyring_bytes(), before);
    at(
        &t,
        "2026-11-07T00:00:00Z",
        &["destroy", "--cancel", "backups", "--version", "1"],
    )
    .ok()
    .stdout_has("cancelled the scheduled destruction of version 1 of key 'backups'; enabled again");
    assert_eq!(version_json(&t, "backups", 1)["state"], "enabled");
    assert!(contains(&t.keyring_bytes(), &v1));

    // Scheduled again; on the date, the next write destroys it.
    at(
        &t,
        "2026-11-07T00:00:00Z",
        &[
            "destroy",
            "backups",
            "--version",
            "1",
            "--after",
            "1d",
            "--yes",
        ],
    )
    .ok();
    at(&t, "2026-11-07T23:00:00Z", &["keygen", "probe1"]).ok();
    assert_eq!(version_json(&t, "backups", 1)["state"], "destroy-scheduled");
    at(&t, "2026-11-08T00:00:00Z", &["rotate", "backups"])
        .ok()
        .stderr_has("destroyed version 1 of key 'backups'")
        .stderr_has("fell due on 2026-11-08T00:00:00Z");
    assert!(!contains(&t.keyring_bytes(), &v1));
    assert_eq!(version_json(&t, "backups", 1)["state"], "destroyed");
    assert_eq!(version_json(&t, "backups", 2)["state"], "enabled");
    let show = t.run(&["show", "backups", "--json"]).ok().json();
    assert_eq!(show["destroyed"], Value::Null, "only the version went");
    assert_eq!(show["primary"], 3);
}

#[test]
fn scheduled_versions_and_whole_keys_interact_predictably() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    t.run(&["rotate", "k"]).ok();
    t.run(&["destroy", "k", "--version", "1", "--after", "30d", "--yes"])
        .ok();
    // A scheduled version can still be destroyed at once.
    t.run(&["destroy", "k", "--version", "1", "--now", "--yes"])
        .ok();
    assert_eq!(version_json(&t, "k", 1)["state"], "destroyed");

    t.run(&["rotate", "k"]).ok();
    t.run(&["destroy", "k", "--after", "7d", "--yes"])
        .ok()
        .stdout_has("scheduled key 'k' (versions 2, 3)");
    t.refuses_unchanged(
        &["destroy", "--cancel", "k", "--version", "2"],
        4,
        "the whole key 'k' is scheduled",
    )
    .stderr_has("keycask destroy --cancel k");
    t.refuses_unchanged(
        &["destroy", "k", "--after", "1d", "--yes"],
        4,
        "already scheduled",
    );
    let out = t.run(&["destroy", "--cancel", "k", "--json"]).ok().json();
    assert_eq!(out["action"], "cancelled");
    assert_eq!(out["versions"], serde_json::json!([2, 3]));
    assert_eq!(version_json(&t, "k", 3)["state"], "enabled");

    // A whole key destroyed now takes every version that holds material.
    let v2 = blob(&t, "k", 2);
    let v3 = blob(&t, "k", 3);
    t.run(&["destroy", "k", "--now", "--yes"])
        .ok()
        .stdout_has("destroyed key 'k' (versions 2, 3)");
    let bytes = t.keyring_bytes();
    assert!(!contains(&bytes, &v2) && !contains(&bytes, &v3));
    t.run(&["rotate", "k"]).fails(4, "was destroyed");
}

/// Wraps `data` under the key's primary version into `file`.
fn wrap_to(t: &TestDir, key: &str, data: &[u8], file: &str) {
    let run = t.run_stdin(&["wrap", "-k", key], data).ok();
    std::fs::write(t.join(file), &run.output.stdout).unwrap();
}

#[test]
fn envelopes_of_a_destroyed_version_fail_with_the_date_and_reason() {
    let t = TestDir::new();
    t.init_keyfile();
    at(&t, "2026-11-01T00:00:00Z", &["keygen", "backups"]).ok();
    wrap_to(&t, "backups", b"made with v1", "v1.kc");
    at(&t, "2026-11-02T00:00:00Z", &["rotate", "backups"]).ok();
    wrap_to(&t, "backups", b"made with v2", "v2.kc");
    t.run(&["unwrap", "v1.kc"]).ok().stdout_has("made with v1");

    // Scheduled: refused at once, and back after --cancel.
    at(
        &t,
        "2026-11-03T00:00:00Z",
        &[
            "destroy",
            "backups",
            "--version",
            "1",
            "--after",
            "7d",
            "--yes",
        ],
    )
    .ok();
    t.run(&["unwrap", "v1.kc"])
        .fails(4, "version 1 of key 'backups'");
    at(
        &t,
        "2026-11-03T12:00:00Z",
        &["destroy", "--cancel", "backups", "--version", "1"],
    )
    .ok();
    t.run(&["unwrap", "v1.kc"]).ok().stdout_has("made with v1");

    at(
        &t,
        "2026-11-04T00:00:00Z",
        &[
            "destroy",
            "backups",
            "--version",
            "1",
            "--now",
            "--yes",
            "--reason",
            "rotated 2026-11",
        ],
    )
    .ok();
    let run = t.run(&["unwrap", "v1.kc"]).fails(
        4,
        "version 1 of key 'backups' was destroyed on 2026-11-04 (rotated 2026-11)",
    );
    assert!(run.output.stdout.is_empty(), "no plaintext after a refusal");
    t.run(&["unwrap", "v2.kc"]).ok().stdout_has("made with v2");
    // New envelopes use the primary, which is untouched.
    wrap_to(&t, "backups", b"after", "v3.kc");
    t.run(&["unwrap", "v3.kc"]).ok().stdout_has("after");
}

#[test]
fn envelopes_of_a_destroyed_key_fail_and_after_purge_name_no_key() {
    let t = TestDir::new();
    t.init_keyfile();
    at(&t, "2026-11-01T00:00:00Z", &["keygen", "old"]).ok();
    wrap_to(&t, "old", b"secret", "old.kc");
    at(
        &t,
        "2026-11-05T00:00:00Z",
        &["destroy", "old", "--now", "--yes", "--reason", "retired"],
    )
    .ok();
    t.run(&["unwrap", "old.kc"])
        .fails(4, "destroyed on 2026-11-05");
    t.run_stdin(&["wrap", "-k", "old"], b"x")
        .fails(4, "key 'old' was destroyed");
    t.run(&["destroy", "--purge", "old", "--yes"]).ok();
    let run = t.run(&["unwrap", "old.kc"]);
    assert_ne!(run.code(), 0);
    assert!(run.output.stdout.is_empty());
}

#[test]
fn check_refuses_while_envelopes_need_the_version_and_passes_after_rekey() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    std::fs::create_dir_all(t.join("archive/sub")).unwrap();
    wrap_to(&t, "backups", b"a", "archive/a.kc");
    wrap_to(&t, "backups", b"b", "archive/sub/b.kc");
    let armored = t
        .run_stdin(&["wrap", "-k", "backups", "--armor"], b"c")
        .ok();
    std::fs::write(t.join("archive/c.asc"), &armored.output.stdout).unwrap();
    std::fs::write(t.join("archive/notes.txt"), b"not an envelope").unwrap();
    t.run(&["rotate", "backups"]).ok();
    wrap_to(&t, "backups", b"d", "archive/d.kc");
    let before = t.keyring_bytes();

    for when in [&["--now"][..], &["--after", "7d"][..]] {
        let args = [
            &[
                "destroy",
                "backups",
                "--version",
                "1",
                "--yes",
                "--check",
                "archive",
            ][..],
            when,
        ]
        .concat();
        t.run(&args)
            .fails(
                4,
                "3 envelopes under --check still need version 1 of key 'backups':",
            )
            .stderr_has("archive/a.kc (version 1)")
            .stderr_has("archive/sub/b.kc (version 1)")
            .stderr_has("archive/c.asc (version 1)")
            .stderr_has("keycask rekey archive");
        assert_eq!(t.keyring_bytes(), before);
    }
    let run = t.run(&[
        "destroy",
        "backups",
        "--version",
        "1",
        "--yes",
        "--now",
        "--check",
        "archive",
    ]);
    assert!(
        !run.stderr().contains("d.kc"),
        "v2 envelopes are not listed"
    );
    assert!(!run.stderr().contains("notes.txt"));

    t.run(&["rekey", "archive"]).ok();
    let out = t
        .run(&[
            "destroy",
            "backups",
            "--version",
            "1",
            "--now",
            "--yes",
            "--check",
            "archive",
            "--check",
            "archive/a.kc",
            "--json",
        ])
        .ok()
        .stderr_has("checked 5 files (4 envelopes): none needs version 1 of key 'backups'")
        .json();
    assert_eq!(out["checked"]["envelopes"], 4);
    assert_eq!(version_json(&t, "backups", 1)["state"], "destroyed");
    for (file, plain) in [
        ("archive/a.kc", "a"),
        ("archive/sub/b.kc", "b"),
        ("archive/c.asc", "c"),
        ("archive/d.kc", "d"),
    ] {
        assert_eq!(t.run(&["unwrap", file]).ok().stdout(), plain);
    }
}

#[test]
fn check_lists_twenty_files_and_the_total() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    std::fs::create_dir(t.join("many")).unwrap();
    wrap_to(&t, "backups", b"x", "many/00.kc");
    for i in 1..23 {
        std::fs::copy(t.join("many/00.kc"), t.join(&format!("many/{i:02}.kc"))).unwrap();
    }
    t.run(&["rotate", "backups"]).ok();
    let run = t
        .run(&[
            "destroy",
            "backups",
            "--version",
            "1",
            "--now",
            "--yes",
            "--check",
            "many",
        ])
        .fails(4, "23 envelopes under --check still need version 1")
        .stderr_has("many/19.kc (version 1)")
        .stderr_has("... and 3 more");
    assert_eq!(run.stderr().matches("(version 1)").count(), 20);
    assert!(!run.stderr().contains("many/20.kc"));
}

#[test]
fn check_refuses_what_it_cannot_read_and_paths_that_do_not_exist() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    wrap_to(&t, "k", b"x", "k1.kc");
    t.run(&["rotate", "k"]).ok();
    std::fs::create_dir(t.join("dir")).unwrap();
    let mut damaged = b"KCASKENV".to_vec();
    damaged.extend_from_slice(&[0xff; 40]);
    std::fs::write(t.join("dir/bad.kc"), damaged).unwrap();
    let before = t.keyring_bytes();
    t.run(&[
        "destroy",
        "k",
        "--version",
        "1",
        "--now",
        "--yes",
        "--check",
        "dir",
    ])
    .fails(
        4,
        "cannot tell whether 1 file under --check needs version 1",
    )
    .stderr_has("dir/bad.kc");
    t.run(&[
        "destroy",
        "k",
        "--version",
        "1",
        "--now",
        "--yes",
        "--check",
        "nothere",
    ])
    .fails(2, "no such file or folder: nothere");
    t.run(&["destroy", "--cancel", "k", "--check", "dir"])
        .fails(2, "cannot be used with");
    // A whole key checks every version, the primary included.
    wrap_to(&t, "k", b"y", "k2.kc");
    t.run(&["destroy", "k", "--now", "--yes", "--check", "k2.kc"])
        .fails(
            4,
            "1 envelope under --check still needs key 'k' (versions 1, 2)",
        )
        .stderr_has("k2.kc (version 2)");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn a_destruction_that_fell_due_is_counted_before_confirming() {
    let t = TestDir::new();
    t.init_keyfile();
    at(&t, "2026-11-01T00:00:00Z", &["keygen", "k"]).ok();
    at(&t, "2026-11-01T00:00:00Z", &["rotate", "k"]).ok();
    at(
        &t,
        "2026-11-01T00:00:00Z",
        &["destroy", "k", "--version", "1", "--after", "1d", "--yes"],
    )
    .ok();
    // Version 1 fell due: the whole-key destruction is about version 2 only,
    // and version 1's scheduled destruction is carried out and reported.
    at(
        &t,
        "2026-11-03T00:00:00Z",
        &["destroy", "k", "--now", "--yes"],
    )
    .ok()
    .stdout_has("destroyed key 'k' (version 2)")
    .stderr_has("destroyed version 1 of key 'k'");
    let show = t.run(&["show", "k", "--json"]).ok().json();
    assert_eq!(show["destroyed"]["at"], "2026-11-03T00:00:00Z");
    assert!(
        show["versions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["state"] == "destroyed")
    );
    // Before confirming, a version that fell due is already destroyed.
    at(&t, "2026-11-03T00:00:00Z", &["keygen", "j"]).ok();
    at(&t, "2026-11-03T00:00:00Z", &["rotate", "j"]).ok();
    at(
        &t,
        "2026-11-03T00:00:00Z",
        &["destroy", "j", "--version", "1", "--after", "1d", "--yes"],
    )
    .ok();
    let before = t.keyring_bytes();
    at(
        &t,
        "2026-11-05T00:00:00Z",
        &["destroy", "j", "--version", "1", "--now"],
    )
    .fails(
        4,
        "version 1 of key 'j' was already destroyed on 2026-11-05",
    );
    assert_eq!(
        t.keyring_bytes(),
        before,
        "a refusal before the lock writes nothing"
    );
}

#[test]
fn a_key_scheduled_for_destruction_is_not_rotated_and_its_schedule_holds() {
    let t = TestDir::new();
    t.init_keyfile();
    let day1 = "2026-11-01T00:00:00Z";
    at(&t, day1, &["keygen", "w", "--rotate-every", "1d"]).ok();
    at(&t, day1, &["keygen", "live", "--rotate-every", "1d"]).ok();
    at(
        &t,
        day1,
        &[
            "destroy", "w", "--after", "30d", "--yes", "--reason", "closed",
        ],
    )
    .ok();
    let later = "2026-11-05T00:00:00Z";
    let before = t.keyring_bytes();
    for args in [
        &["rotate", "w"][..],
        &["rotate", "w", "--compromised", "--reason", "leak"],
    ] {
        at(&t, later, args)
            .fails(4, "key 'w' is scheduled for destruction on 2026-12-01")
            .stderr_has("hint: `keycask destroy --cancel w` cancels it; then rotate");
        assert_eq!(t.keyring_bytes(), before, "{args:?}");
    }

    // `rotate --due` never counts it, even in a dry run, and leaves it.
    let plan = at(&t, later, &["rotate", "--due", "--dry-run", "--json"])
        .ok()
        .json();
    assert_eq!(plan["would_rotate"].as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(plan["would_rotate"][0]["name"], "live");
    let run = at(&t, later, &["rotate", "--due"]).ok();
    assert!(run.stdout().contains("rotated live"), "{}", run.stdout());
    assert!(!run.stdout().contains("rotated w"), "{}", run.stdout());
    let show = at(&t, later, &["show", "w", "--json"]).ok().json();
    assert_eq!(show["primary"], 1);
    assert_eq!(show["versions"].as_array().unwrap().len(), 1);
    assert_eq!(show["versions"][0]["state"], "destroy-scheduled");
    assert_eq!(show["rotation_due"], Value::Null);
    assert_eq!(show["rotation_overdue"], false);
    // People see the same: short in `list` (NOTES says why), whole in `show`.
    at(&t, later, &["list"])
        .ok()
        .stdout_has("every 1d, not due ")
        .stdout_has("v1 destroy after 2026-12-01");
    at(&t, later, &["show", "w"])
        .ok()
        .stdout_has("every 1d, not due: the key is scheduled for destruction");

    // When the date comes, the whole key goes.
    let due = "2026-12-02T00:00:00Z";
    let done = at(&t, due, &["destroy", "--pending", "--json"]).ok().json();
    assert_eq!(done["destroyed"][0]["key"], "w");
    assert_eq!(done["destroyed"][0]["whole_key"], true);
    let show = t.run(&["show", "w", "--json"]).ok().json();
    assert_eq!(show["destroyed"]["reason"], "closed");
}

#[test]
fn a_single_version_cannot_be_cancelled_while_the_whole_key_is_scheduled() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "w"]).ok();
    t.run(&["rotate", "w"]).ok();
    t.run(&["keygen", "one"]).ok();
    t.run(&["destroy", "w", "--after", "3d", "--yes"]).ok();
    t.run(&["destroy", "one", "--after", "3d", "--yes"]).ok();
    let before = t.keyring_bytes();
    // The primary too: cancelling it alone would leave the key half
    // cancelled, with the other versions still scheduled.
    for (name, version) in [("w", "2"), ("w", "1"), ("one", "1")] {
        t.run(&["destroy", "--cancel", name, "--version", version])
            .fails(
                4,
                &format!("the whole key '{name}' is scheduled for destruction"),
            )
            .stderr_has(&format!("`keycask destroy --cancel {name}` cancels it"));
        assert_eq!(t.keyring_bytes(), before, "{name} v{version}");
    }
    t.run(&["destroy", "--cancel", "w"]).ok();
    for version in [1, 2] {
        assert_eq!(version_json(&t, "w", version)["state"], "enabled");
    }
}

#[test]
fn destroy_after_refuses_durations_beyond_a_hundred_years() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    t.run(&["rotate", "k"]).ok();
    let before = t.keyring_bytes();
    for after in ["8000y", "101y", "5300w", "36866d", "292277026596y"] {
        t.run(&["destroy", "k", "--version", "1", "--after", after, "--yes"])
            .fails(2, "longer than 100 years")
            .stderr_has(after);
        assert_eq!(t.keyring_bytes(), before, "{after}");
    }
    t.run(&["destroy", "k", "--version", "1", "--after", "100y", "--yes"])
        .ok();
}

#[test]
fn check_json_counts_what_is_not_an_envelope_of_this_keyring_as_passed_over() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    std::fs::create_dir(t.join("a")).unwrap();
    std::fs::write(t.join("a/notes.txt"), "text\n").unwrap();
    t.run(&["rotate", "k"]).ok();
    wrap_to(&t, "k", b"x", "a/2.kc");
    // An envelope of another keyring is not one of ours either.
    let other = TestDir::new();
    other.init_keyfile();
    other.run(&["keygen", "k"]).ok();
    let foreign = other.run_stdin(&["wrap", "-k", "k"], b"y").ok();
    std::fs::write(t.join("a/foreign.kc"), &foreign.output.stdout).unwrap();
    std::os::unix::fs::symlink("2.kc", t.join("a/link.kc")).unwrap();
    let args: Vec<&str> = "destroy k --version 1 --now --yes --check a --json"
        .split(' ')
        .collect();
    let out = t.run(&args).ok().json();
    let checked = &out["checked"];
    assert_eq!(checked["files"], 3, "{checked}");
    assert_eq!(checked["envelopes"], 1, "{checked}");
    // notes.txt, foreign.kc and the link inside the folder.
    assert_eq!(checked["passed_over"], 3, "{checked}");
}

/// adv-c F4 / adv-d F4: after `import --bundle`, the sender's envelopes open
/// here (the version id decides), so `destroy --check` counts them and
/// `rekey --dry-run` counts them under the imported version; `rekey` leaves
/// them alone (their header names the sender's keyring) and says to
/// re-encrypt. The `--as` name is the one shown.
#[test]
fn check_and_dry_run_count_envelopes_made_with_an_imported_key() {
    let t = TestDir::new();
    let ring = |name: &str, args: &[&str]| {
        let mut full = vec!["--keyring", name];
        full.extend_from_slice(args);
        t.run(&full)
    };
    for name in ["alice.json", "bob.json"] {
        let spec = format!("keyfile:{}", t.join(&format!("{name}.key")).display());
        ring(name, &["init", "--root", &spec]).ok();
    }
    ring("alice.json", &["keygen", "backups"]).ok();
    ring(
        "bob.json",
        &[
            "keygen",
            "inbox",
            "--type",
            "p256",
            "--purpose",
            "transport",
        ],
    )
    .ok();
    ring(
        "bob.json",
        &["export", "inbox", "--public", "-o", "inbox.pem"],
    )
    .ok();
    std::fs::create_dir(t.join("arch")).unwrap();
    t.run_stdin(
        &[
            "--keyring",
            "alice.json",
            "wrap",
            "-k",
            "backups",
            "-o",
            "arch/h.kc",
        ],
        b"made by alice",
    )
    .ok();
    ring(
        "alice.json",
        &["export", "backups", "--to", "inbox.pem", "-o", "b.kcx"],
    )
    .ok();
    ring(
        "bob.json",
        &[
            "import",
            "--bundle",
            "b.kcx",
            "--with",
            "inbox",
            "--as",
            "from-alice",
        ],
    )
    .ok();
    ring("bob.json", &["rotate", "from-alice"]).ok();
    let envelope = std::fs::read(t.join("arch/h.kc")).unwrap();

    let run = ring("bob.json", &["rekey", "--dry-run", "--json", "arch"]).ok();
    assert_eq!(run.dependency_counts(), [(1, 1), (2, 0)]);
    let out = run.json();
    assert_eq!(out["files"][0]["status"], "skipped");
    assert!(
        out["files"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("re-encrypt it"),
        "{out}"
    );

    let keyring = std::fs::read(t.join("bob.json")).unwrap();
    let args = "--keyring bob.json destroy from-alice --version 1 --now --yes --check arch";
    t.run(&args.split(' ').collect::<Vec<_>>())
        .fails(
            4,
            "1 envelope under --check still needs version 1 of key 'from-alice'",
        )
        .stderr_has("arch/h.kc (version 1; made by keyring")
        .stderr_has("re-encrypt");
    assert_eq!(std::fs::read(t.join("bob.json")).unwrap(), keyring);

    // The real rekey skips it, untouched; it still opens on both sides.
    ring("bob.json", &["rekey", "arch"])
        .ok()
        .stdout_has("skipped arch/h.kc: an envelope of another keyring");
    assert_eq!(std::fs::read(t.join("arch/h.kc")).unwrap(), envelope);
    for name in ["alice.json", "bob.json"] {
        ring(name, &["unwrap", "arch/h.kc"])
            .ok()
            .stdout_has("made by alice");
    }
    // Re-encrypted, it no longer needs the imported version.
    let plain = ring("bob.json", &["unwrap", "arch/h.kc"])
        .ok()
        .output
        .stdout;
    std::fs::remove_file(t.join("arch/h.kc")).unwrap();
    t.run_stdin(
        &[
            "--keyring",
            "bob.json",
            "wrap",
            "-k",
            "from-alice",
            "-o",
            "arch/h.kc",
        ],
        &plain,
    )
    .ok();
    t.run(&args.split(' ').collect::<Vec<_>>())
        .ok()
        .stderr_has("none needs version 1 of key 'from-alice'");
}
