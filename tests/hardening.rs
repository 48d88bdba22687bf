//! Process hardening and secret hygiene: core dumps off in the running
//! process, and edited or loose keyrings refused. (Secrets' `Debug`, usage
//! records through the library call and the keyring model's JSON round trip
//! are unit tests: src/tests/hardening.rs.)

use std::process::{Command, Stdio};

use crate::util::{TestDir, edit_keyring};

#[test]
fn core_dumps_are_off_in_the_running_process() {
    // A passphrase file that is a FIFO keeps keycask waiting while we look at
    // its limits, after start-up and before it has read any secret.
    let t = TestDir::new();
    let fifo = t.join("pass.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut cmd = t.command();
    cmd.args(["init", "--passphrase-file", "pass.fifo"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let limits_path = format!("/proc/{}/limits", child.id());
    let mut limits = String::new();
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        // Wait until it blocks in the FIFO open (past start-up).
        let wchan =
            std::fs::read_to_string(format!("/proc/{}/wchan", child.id())).unwrap_or_default();
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
        if wchan.contains("fifo") || wchan.contains("pipe") || stat.contains(") S ") {
            limits = std::fs::read_to_string(&limits_path).unwrap();
            if limits.contains("Max core file size        0                    0") {
                break;
            }
        }
    }
    // Feed the FIFO so keycask finishes (it creates the keyring).
    std::fs::write(&fifo, "a long enough passphrase\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap_or_else(|| panic!("no core limit in {limits:?}"));
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
    // No warning about hardening on a normal run.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kek_rotation_keeps_old_records_verifiable() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "a"]).ok();
    t.run(&["rotate", "--kek"]).ok();
    let keyring: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(keyring["audit"]["kek_version"], 2);
    assert_eq!(keyring["kek"]["versions"].as_array().unwrap().len(), 1);
    t.run(&["audit", "verify"]).ok().stdout_has("3 records");
}

/// Applies `edit` to the keyring JSON and checks that every command that
/// unlocks refuses it with exit 5 and changes nothing.
#[track_caller]
fn assert_edit_detected(t: &TestDir, edit: impl Fn(&mut serde_json::Value)) {
    let good = t.keyring_bytes();
    let mut doc: serde_json::Value = serde_json::from_slice(&good).unwrap();
    edit(&mut doc);
    let bad = serde_json::to_vec_pretty(&doc).unwrap();
    assert_ne!(bad, good, "the edit changed nothing");
    std::fs::write(t.keyring(), &bad).unwrap();
    let log_before = std::fs::read(t.join("keyring.json.audit.jsonl")).unwrap();
    t.run(&["keygen", "new"]).fails(5, "integrity check");
    t.run(&["audit", "verify"]).fails(5, "integrity check");
    t.run(&["config", "audit-usage", "on"])
        .fails(5, "integrity check");
    assert_eq!(t.keyring_bytes(), bad);
    assert_eq!(
        std::fs::read(t.join("keyring.json.audit.jsonl")).unwrap(),
        log_before,
        "a refused command wrote to the log"
    );
    std::fs::write(t.keyring(), &good).unwrap();
}

#[test]
fn keyring_edits_are_detected_at_unlock() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "a"]).ok();
    t.run(&["keygen", "b", "--rotate-every", "30d"]).ok();
    assert_edit_detected(&t, |d| d["keys"]["a"]["primary"] = 2.into());
    assert_edit_detected(&t, |d| {
        d["keys"]["a"]["versions"][0]["state"] = "disabled".into()
    });
    assert_edit_detected(&t, |d| {
        let a = d["keys"]["a"]["versions"][0]["wrapped"].clone();
        let b = d["keys"]["b"]["versions"][0]["wrapped"].clone();
        d["keys"]["a"]["versions"][0]["wrapped"] = b;
        d["keys"]["b"]["versions"][0]["wrapped"] = a;
    });
    assert_edit_detected(&t, |d| {
        d["keys"]["b"]
            .as_object_mut()
            .unwrap()
            .remove("rotation_period");
    });
    assert_edit_detected(&t, |d| d["audit"]["usage"] = true.into());
    assert_edit_detected(&t, |d| d["audit"]["seq"] = 2.into());
    assert_edit_detected(&t, |d| {
        d.as_object_mut().unwrap().remove("mac");
    });
    assert_edit_detected(&t, |d| {
        let keys = d["keys"].as_object_mut().unwrap();
        let a = keys.remove("a").unwrap();
        keys.insert("c".into(), a);
    });
    // Untouched, everything still works.
    t.run(&["keygen", "new"]).ok();
    t.run(&["audit", "verify"]).ok();
}

#[test]
fn a_loose_keyring_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::new();
    t.init_keyfile();
    let before = t.keyring_bytes();
    for mode in [0o640, 0o604, 0o660] {
        std::fs::set_permissions(t.keyring(), std::fs::Permissions::from_mode(mode)).unwrap();
        t.run(&["list"]).fails(5, "accessible by other users");
        t.run(&["keygen", "a"]).fails(5, "chmod 600");
        t.run(&["audit", "verify"]).fails(5, "chmod 600");
        assert_eq!(t.keyring_bytes(), before);
    }
}

#[test]
fn a_keyring_from_before_the_audit_log_starts_one_at_its_next_write() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "a"]).ok();
    // Make it look like a keyring written before the log existed; its old
    // log stays behind, MACed under an audit key the keyring no longer has.
    edit_keyring(&t.keyring(), &t.join("root.key"), |doc| {
        doc.as_object_mut().unwrap().remove("audit").unwrap();
    });
    let text = String::from_utf8(t.keyring_bytes()).unwrap();
    assert!(!text.contains("\"audit\""));
    t.run(&["audit", "verify"]).fails(2, "has no audit log yet");
    t.run(&["keygen", "b"])
        .ok()
        .stderr_has("an audit log that this keyring does not know was moved to");
    let doc = t.run(&["audit", "--json"]).ok().json();
    assert_eq!(doc["records"].as_array().unwrap().len(), 1);
    assert_eq!(doc["records"][0]["key"], "b");
    t.run(&["audit", "verify"]).ok().stdout_has("1 record,");
}

/// The keyring file is authenticated only once its root is open, so a root
/// URI read from it must not let whoever edited the file choose a library
/// for keycask to load (loading runs its code). A module the keyring names is
/// loaded only from a place nobody but root or the user can write; one named
/// on this machine (`--pkcs11-module`) is the user's own choice.
#[test]
fn an_edited_keyring_cannot_make_keycask_load_a_library_from_an_open_place() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    // Any file will do: it must never get as far as the dynamic loader.
    let open = t.join("shared");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let planted = open.join("evil.so");
    std::fs::write(&planted, b"not even a library").unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    doc["root"] = serde_json::json!({
        "kind": "pkcs11",
        "uri": format!("pkcs11:token=t;object=o?module-path={}", planted.display()),
    });
    std::fs::write(t.keyring(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let edited = t.keyring_bytes();
    for args in [
        &["wrap", "-k", "k"][..],
        &["keygen", "other"],
        &["rotate", "k"],
    ] {
        t.run_stdin(args, b"data")
            .fails(
                5,
                "which someone other than root or you could have put there",
            )
            .stderr_has("shared is writable by others")
            .stderr_has("hint: if the module is yours");
    }
    assert_eq!(t.keyring_bytes(), edited);

    // Named on this machine, the same file is tried (and is no library).
    t.run_stdin(
        &[
            "--pkcs11-module",
            planted.to_str().unwrap(),
            "wrap",
            "-k",
            "k",
        ],
        b"data",
    )
    .fails(5, "not a shared library");

    // A file of another user in a private folder: only root can make one.
    let mine = t.join("private");
    std::fs::create_dir(&mine).unwrap();
    let theirs = mine.join("theirs.so");
    std::fs::write(&theirs, b"x").unwrap();
    if std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).is_ok() {
        doc["root"]["uri"] = serde_json::json!(format!(
            "pkcs11:token=t;object=o?module-path={}",
            theirs.display()
        ));
        std::fs::write(t.keyring(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        t.run_stdin(&["wrap", "-k", "k"], b"data")
            .fails(5, "could have put there")
            .stderr_has("belongs to uid 65534");
    }
}
