//! The audit log: what is recorded, `audit` filters, and `audit verify`
//! naming each kind of damage; writers refuse a log whose end the keyring
//! does not know, and recover from an interrupted writer.

use std::path::PathBuf;

use crate::util::TestDir;

fn log_path(t: &TestDir) -> PathBuf {
    t.join("keyring.json.audit.jsonl")
}

fn log_lines(t: &TestDir) -> Vec<String> {
    std::fs::read_to_string(log_path(t))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(t: &TestDir, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(log_path(t), text).unwrap();
}

/// A keyring with three records: init, keygen a, keygen b.
fn three_records() -> TestDir {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "a"]).ok();
    t.run(&["keygen", "b"]).ok();
    t
}

fn ops(t: &TestDir, args: &[&str]) -> Vec<String> {
    let mut all = vec!["audit", "--json"];
    all.extend_from_slice(args);
    let doc = t.run(&all).ok().json();
    assert_eq!(doc["schema"], "keycask.audit/1");
    doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["op"].as_str().unwrap(),
                r["key"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn changes_are_recorded_in_order_and_filtered() {
    let t = three_records();
    assert_eq!(ops(&t, &[]), ["init -", "keygen a", "keygen b"]);
    assert_eq!(ops(&t, &["--key", "b"]), ["keygen b"]);
    assert_eq!(ops(&t, &["--since", "2999-01-01"]), Vec::<String>::new());
    assert_eq!(ops(&t, &["--since", "2000-01-01T00:00:00Z"]).len(), 3);
    let doc = t.run(&["audit", "--json"]).ok().json();
    let r = &doc["records"][1];
    assert_eq!(r["seq"], 2);
    assert_eq!(r["versions"], serde_json::json!([1]));
    assert_eq!(r["outcome"], "ok");
    assert!(r["uid"].is_u64() && r["host"].is_string() && r["user"].is_string());
    t.run(&["audit"])
        .ok()
        .stdout_has("keygen")
        .stdout_has("SEQ");
    t.run(&["audit", "verify"])
        .ok()
        .stdout_has("audit log OK: 3 records");
    // The log is private and holds no key material.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(log_path(&t))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(log_path(&t)).unwrap();
    let keyring: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    let wrapped = keyring["keys"]["a"]["versions"][0]["wrapped"]
        .as_str()
        .unwrap();
    assert!(!text.contains(wrapped));
}

#[test]
fn bad_audit_arguments_are_usage_errors() {
    let t = three_records();
    let before = t.keyring_bytes();
    t.run(&["audit", "--since", "last tuesday"])
        .fails(2, "is not a time");
    t.run(&["audit", "verify", "--key", "a"]).fails(2, "");
    t.run(&["config", "audit-usage", "maybe"]).fails(2, "");
    assert_eq!(t.keyring_bytes(), before);
    let empty = TestDir::new();
    empty.run(&["audit"]).fails(5, "no keyring");
    empty.run(&["audit", "verify"]).fails(5, "no keyring");
}

#[test]
fn an_edited_record_is_named() {
    let t = three_records();
    let mut lines = log_lines(&t);
    lines[1] = lines[1].replace("\"key\":\"a\"", "\"key\":\"z\"");
    write_lines(&t, &lines);
    let before = t.keyring_bytes();
    t.run(&["audit", "verify"])
        .fails(3, "record 2 (line 2) was edited");
    let doc = t.run(&["audit", "verify", "--json"]);
    assert_eq!(doc.code(), 3);
    let doc = doc.json();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["problem"]["kind"], "edited");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn a_line_that_is_not_a_record_is_named() {
    let t = three_records();
    let mut lines = log_lines(&t);
    lines[0] = "hello".into();
    write_lines(&t, &lines);
    t.run(&["audit", "verify"])
        .fails(3, "line 1 was edited: it is not a valid record");
    t.run(&["audit"])
        .ok()
        .stderr_has("1 line(s) of the audit log are not records");
}

/// `keycask audit` reads the log a line at a time: a line that is not a
/// record is counted and passed over, a last line cut short (no newline) is
/// left out as `audit verify` leaves it out, and the table and the JSON list
/// the same records.
#[test]
fn show_passes_over_junk_and_a_line_cut_short() {
    let t = three_records();
    let mut lines = log_lines(&t);
    lines.insert(1, "not a record".into());
    let mut text = lines.join("\n");
    text.push_str("\n{\"seq\": 4, \"cut sh");
    std::fs::write(log_path(&t), text).unwrap();
    let doc = t
        .run(&["audit", "--json"])
        .ok()
        .stderr_has("1 line(s) of the audit log are not records")
        .json();
    let seqs: Vec<u64> = doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    let table = t.run(&["audit"]).ok().stdout();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 4, "header and three rows:\n{table}");
    assert!(rows[0].starts_with("SEQ  TIME"), "{table}");
    // Every row is cut to the same columns: OP starts where the header's does.
    let op = rows[0].find("OP").unwrap();
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[op..].starts_with("init") || r[op..].starts_with("keygen")),
        "{table}"
    );
    // An empty log, or one that matches nothing: an empty list, and a note.
    let none = t.run(&["audit", "--json", "--key", "nosuch"]).ok().json();
    assert_eq!(none["records"], serde_json::json!([]));
    t.run(&["audit", "--key", "nosuch"])
        .ok()
        .stderr_has("no audit records match");
}

#[test]
fn a_removed_record_is_named() {
    let t = three_records();
    let mut lines = log_lines(&t);
    lines.remove(1);
    write_lines(&t, &lines);
    t.run(&["audit", "verify"])
        .fails(3, "record 2 was removed (before line 2)");
}

#[test]
fn reordered_records_are_named() {
    let t = three_records();
    let mut lines = log_lines(&t);
    lines.swap(1, 2);
    write_lines(&t, &lines);
    t.run(&["audit", "verify"])
        .fails(3, "record 3 (line 2) is out of order");
    let mut lines = log_lines(&t);
    lines.swap(1, 2);
    lines.push(lines[1].clone());
    write_lines(&t, &lines);
    t.run(&["audit", "verify"])
        .fails(3, "record 2 (line 4) is out of order");
}

#[test]
fn a_truncated_log_is_named_and_writers_refuse_it() {
    let t = three_records();
    let mut lines = log_lines(&t);
    lines.pop();
    write_lines(&t, &lines);
    let before = t.keyring_bytes();
    t.run(&["audit", "verify"]).fails(
        3,
        "truncated after record 2: the keyring's counter knows of 3",
    );
    t.run(&["keygen", "c"]).fails(3, "ends before record 3");
    assert_eq!(t.keyring_bytes(), before);
    // An empty log is damage too.
    std::fs::write(log_path(&t), b"").unwrap();
    t.run(&["audit", "verify"])
        .fails(3, "truncated after record 0");
    t.run(&["keygen", "c"]).fails(3, "ends before record 3");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn a_missing_log_restarts_with_a_record_that_says_so() {
    let t = three_records();
    std::fs::remove_file(log_path(&t)).unwrap();
    t.run(&["audit", "verify"])
        .fails(3, "truncated after record 0");
    // A keyring copied without its log, or whose log was deleted, goes on
    // being used; the new log's first record names what it lacks.
    t.run(&["keygen", "c"]).ok();
    let doc = t.run(&["audit", "--json"]).ok().json();
    let records = doc["records"].as_array().unwrap();
    assert_eq!(records[0]["op"], "log-restarted");
    assert_eq!(records[0]["seq"], 4);
    assert!(
        records[0]["detail"]
            .as_str()
            .unwrap()
            .contains("records 1-3 are not in this log")
    );
    assert_eq!(records[1]["op"], "keygen");
    assert_eq!(records[1]["seq"], 5);
    t.run(&["audit", "verify"])
        .ok()
        .stderr_has("this log starts at record 4")
        .stdout_has("audit log OK: 2 records");
    let verify = t.run(&["audit", "verify", "--json"]).ok().json();
    assert_eq!(verify["restarted_at"], 4);
    // Removing the restart record is still caught.
    let lines = log_lines(&t);
    write_lines(&t, &lines[1..]);
    t.run(&["audit", "verify"])
        .fails(3, "records 1-4 were removed");
}

#[test]
fn a_log_replaced_by_another_keyrings_is_refused() {
    let t = three_records();
    let other = three_records();
    std::fs::copy(log_path(&other), log_path(&t)).unwrap();
    let before = t.keyring_bytes();
    t.run(&["audit", "verify"])
        .fails(3, "record 1 (line 1) was edited");
    t.run(&["keygen", "c"]).fails(3, "audit log");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn records_of_an_interrupted_writer_are_reported_then_marked() {
    let t = three_records();
    // What a writer killed between its log append and its keyring write
    // leaves: the old keyring and a record past its counter.
    let old = t.keyring_bytes();
    t.run(&["keygen", "c"]).ok();
    std::fs::write(t.keyring(), &old).unwrap();
    t.run(&["audit", "verify"])
        .ok()
        .stderr_has("record 4 past the keyring's counter (3) did not take effect");
    let doc = t.run(&["audit", "verify", "--json"]).ok().json();
    assert_eq!(doc["uncommitted"], serde_json::json!([4]));
    t.run(&["keygen", "d"]).ok();
    assert_eq!(
        ops(&t, &[]),
        [
            "init -",
            "keygen a",
            "keygen b",
            "keygen c",
            "interrupted -",
            "keygen d"
        ]
    );
    let doc = t.run(&["audit", "--json"]).ok().json();
    assert!(
        doc["records"][4]["detail"]
            .as_str()
            .unwrap()
            .contains("record 4 was written by a command that stopped")
    );
    t.run(&["audit", "verify"]).ok().stdout_has("6 records");
}

#[test]
fn a_partial_last_line_is_cut_by_the_next_writer() {
    let t = three_records();
    let mut bytes = std::fs::read(log_path(&t)).unwrap();
    bytes.extend_from_slice(b"{\"seq\":4,\"time\":\"2026");
    std::fs::write(log_path(&t), &bytes).unwrap();
    t.run(&["audit", "verify"]).ok().stderr_has("partial line");
    t.run(&["keygen", "c"]).ok();
    t.run(&["audit", "verify"]).ok().stdout_has("4 records");
    assert_eq!(ops(&t, &[]).last().unwrap(), "keygen c");
}

#[test]
fn config_audit_usage_is_recorded_and_kept_in_the_keyring() {
    let t = TestDir::new();
    t.init_keyfile();
    let keyring =
        |t: &TestDir| -> serde_json::Value { serde_json::from_slice(&t.keyring_bytes()).unwrap() };
    assert!(keyring(&t)["audit"].get("usage").is_none());
    t.run(&["config", "audit-usage", "on"])
        .ok()
        .stderr_has("audit-usage on");
    assert_eq!(keyring(&t)["audit"]["usage"], true);
    let before = t.keyring_bytes();
    t.run(&["config", "audit-usage", "on"])
        .ok()
        .stderr_has("already on");
    assert_eq!(t.keyring_bytes(), before);
    t.run(&["config", "audit-usage", "off"]).ok();
    assert!(keyring(&t)["audit"].get("usage").is_none());
    assert_eq!(ops(&t, &[]), ["init -", "config -", "config -"]);
    t.run(&["audit", "verify"]).ok();

    let u = TestDir::new();
    let spec = format!("keyfile:{}", u.join("root.key").display());
    u.run(&["init", "--root", &spec, "--audit-usage"]).ok();
    assert_eq!(keyring(&u)["audit"]["usage"], true);
    let doc = u.run(&["audit", "--json"]).ok().json();
    assert_eq!(doc["records"][0]["detail"], "audit-usage on");
}

#[test]
fn verify_needs_the_root_and_checks_the_keyring_too() {
    let t = TestDir::new();
    t.init_passphrase("right horse battery");
    t.run(&["keygen", "a", "--passphrase-file", "pass.txt"])
        .ok();
    std::fs::write(t.join("wrong.txt"), "wrong").unwrap();
    t.run(&["audit", "verify", "--passphrase-file", "wrong.txt"])
        .fails(3, "");
    t.run(&["audit", "verify", "--passphrase-file", "pass.txt"])
        .ok();
    // The counter is under the keyring MAC: rolling it back is caught.
    let text = String::from_utf8(t.keyring_bytes()).unwrap();
    let edited = text.replace("\"seq\":2", "\"seq\":1");
    assert_ne!(edited, text);
    std::fs::write(t.keyring(), edited).unwrap();
    t.run(&["audit", "verify", "--passphrase-file", "pass.txt"])
        .fails(5, "integrity check");
}

#[test]
fn an_orphaned_log_is_moved_aside_by_init() {
    let t = three_records();
    std::fs::remove_file(t.keyring()).unwrap();
    t.init_keyfile();
    let aside: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".orphan-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(ops(&t, &[]), ["init -"]);
    t.run(&["audit", "verify"]).ok();
}

#[test]
fn usage_is_logged_only_when_asked() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    std::fs::write(t.join("plain"), b"some data").unwrap();
    // Off (the default): using a key writes nothing.
    let before = t.keyring_bytes();
    let log_before = std::fs::read(log_path(&t)).unwrap();
    t.run(&["wrap", "-k", "k", "-o", "a.kc", "plain"]).ok();
    t.run(&["unwrap", "-o", "a.out", "a.kc"]).ok();
    t.run(&["datakey", "-k", "k", "--json"]).ok();
    assert_eq!(t.keyring_bytes(), before);
    assert_eq!(std::fs::read(log_path(&t)).unwrap(), log_before);

    t.run(&["config", "audit-usage", "on"]).ok();
    t.run(&["wrap", "-k", "k", "-o", "b.kc", "plain"]).ok();
    t.run(&["unwrap", "-o", "b.out", "b.kc"]).ok();
    t.run(&["datakey", "-k", "k", "--json"]).ok();
    // A refused use (unknown key) is not a use: nothing logged.
    t.run(&["wrap", "-k", "nope", "-o", "c.kc", "plain"])
        .fails(4, "no key named");
    assert_eq!(
        ops(&t, &[]),
        [
            "init -",
            "keygen k",
            "config -",
            "wrap k",
            "unwrap k",
            "datakey k"
        ]
    );
    let doc = t.run(&["audit", "--json", "--key", "k"]).ok().json();
    assert_eq!(doc["records"][1]["versions"], serde_json::json!([1]));
    t.run(&["audit", "verify"]).ok().stdout_has("6 records");

    // Signatures and public exports, once those commands are in the build.
    if t.run(&["sign", "--help"]).code() == 0 {
        t.run(&["keygen", "s", "--type", "p256", "--purpose", "sign"])
            .ok();
        t.run(&["sign", "-k", "s", "-o", "plain.sig", "plain"]).ok();
        t.run(&["export", "s", "--public", "-o", "s.pem"]).ok();
        let doc = t.run(&["audit", "--json", "--key", "s"]).ok().json();
        let ops: Vec<&str> = doc["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["op"].as_str().unwrap())
            .collect();
        assert_eq!(ops, ["keygen", "sign", "export"]);
        t.run(&["audit", "verify"]).ok();
    }

    // Usage logging fails closed: no log, no plaintext.
    std::fs::write(log_path(&t), b"").unwrap();
    t.run(&["unwrap", "-o", "d.out", "b.kc"])
        .fails(3, "audit log");
    assert!(!t.join("d.out").exists());
}

#[test]
fn rekey_records_its_summary_but_not_a_dry_run() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    std::fs::write(t.join("plain"), b"some data").unwrap();
    t.run(&["wrap", "-k", "k", "-o", "a.kc", "plain"]).ok();
    t.run(&["rotate", "k"]).ok();
    let before = log_lines(&t).len();
    t.run(&["rekey", "--dry-run", "a.kc"]).ok();
    assert_eq!(log_lines(&t).len(), before);
    t.run(&["rekey", "a.kc"]).ok();
    let doc = t.run(&["audit", "--json"]).ok().json();
    let last = doc["records"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["op"], "rekey");
    assert_eq!(last["outcome"], "ok");
    assert_eq!(
        last["detail"],
        "rekeyed 1, already current 0, skipped 0, failed 0"
    );
    t.run(&["audit", "verify"]).ok();
}

#[test]
fn a_damaged_log_without_a_backup_can_be_set_aside_as_the_hint_says() {
    let t = three_records();
    let mut lines = log_lines(&t);
    lines.truncate(2);
    write_lines(&t, &lines);
    let before = t.keyring_bytes();
    t.run(&["keygen", "c"])
        .fails(3, "ends before record 3")
        .stderr_has("restore the log from a backup")
        .stderr_has(".damaged");
    assert_eq!(t.keyring_bytes(), before);
    // What the hint says: keep the damaged log aside; the next write starts a new one.
    let aside = t.join("keyring.json.audit.jsonl.damaged");
    std::fs::rename(log_path(&t), &aside).unwrap();
    t.run(&["keygen", "c"]).ok();
    let first: serde_json::Value = serde_json::from_str(&log_lines(&t)[0]).unwrap();
    assert_eq!(first["op"], "log-restarted");
    t.run(&["audit", "verify"]).ok();
    assert_eq!(std::fs::read_to_string(aside).unwrap().lines().count(), 2);
}

#[test]
fn a_refused_write_through_a_dangling_log_symlink_creates_nothing() {
    let t = three_records();
    let log = t.join("keyring.json.audit.jsonl");
    std::fs::rename(&log, t.join("real.log")).unwrap();
    std::fs::create_dir(t.join("other")).unwrap();
    let target = t.join("other").join("target.log");
    std::os::unix::fs::symlink(&target, &log).unwrap();
    let before = t.keyring_bytes();
    t.run(&["keygen", "s1"])
        .fails(3, "is a symbolic link to ")
        .stderr_has("which does not exist");
    assert!(
        !target.exists(),
        "the refused write created the link's target"
    );
    assert_eq!(std::fs::read_dir(t.join("other")).unwrap().count(), 0);
    assert_eq!(t.keyring_bytes(), before);
}

/// adv-c F5: with usage logging on, `unwrap`s running while `rotate --kek`
/// replaces the KEK all succeed: the usage record re-unlocks the keyring it
/// re-reads under the lock instead of failing with exit 5. (A concurrency
/// test: it asserts outcomes only, never timings.)
#[test]
fn usage_records_survive_a_concurrent_kek_rotation() {
    let t = TestDir::new();
    let spec = format!("keyfile:{}", t.join("root.key").display());
    t.run(&["init", "--root", &spec, "--audit-usage"]).ok();
    t.run(&["keygen", "b"]).ok();
    let plain: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    t.run_stdin(&["wrap", "-k", "b", "-o", "p.kc"], &plain).ok();
    let done = std::sync::atomic::AtomicBool::new(false);
    let rotations = std::thread::scope(|s| {
        let readers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..15 {
                        let run = t.run(&["unwrap", "p.kc"]).ok();
                        assert!(run.output.stdout == plain, "wrong plaintext");
                    }
                })
            })
            .collect();
        let rotator = s.spawn(|| {
            let mut n = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) && n < 40 {
                t.run(&["-q", "rotate", "--kek"]).ok();
                n += 1;
            }
            n
        });
        for r in readers {
            r.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        rotator.join().unwrap()
    });
    assert!(rotations > 0);
    t.run(&["audit", "verify"]).ok();
    let unwraps = ops(&t, &[])
        .iter()
        .filter(|op| op.as_str() == "unwrap b")
        .count();
    assert_eq!(unwraps, 60);
}
