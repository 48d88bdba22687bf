//! `KEYCASK_NOW`: a pretended clock previews (reading commands honour it,
//! with a warning), and is never written unless `KEYCASK_NOW_WRITES=1`
//! (issue 13, item 7).

use std::process::Command;

use serde_json::Value;

use crate::util::{Run, TestDir};

const FUTURE: &str = "2099-01-01T00:00:00Z";

/// The warning every command that uses the pretended clock prints.
const WARNING: &str =
    "keycask: warning: KEYCASK_NOW=2099-01-01T00:00:00Z is in effect: times are not the real clock";

/// A command under `KEYCASK_NOW=now`, without leave to write it.
fn pretending(t: &TestDir, now: &str) -> Command {
    let mut cmd = t.command();
    cmd.env("KEYCASK_NOW", now);
    cmd
}

fn log_bytes(t: &TestDir) -> Vec<u8> {
    std::fs::read(t.join("keyring.json.audit.jsonl")).unwrap_or_default()
}

/// A keyring with `backups` (30-day period) and `spare`, both at version 1,
/// `spare` v1 scheduled for destruction in 7 days (real clock).
fn keyring_with_dates(t: &TestDir) {
    t.init_keyfile();
    t.run(&["keygen", "backups", "--rotate-every", "30d"]).ok();
    t.run(&["keygen", "spare"]).ok();
    t.run(&["rotate", "spare"]).ok();
    t.run(&[
        "destroy",
        "spare",
        "--version",
        "1",
        "--after",
        "7d",
        "--yes",
    ])
    .ok();
}

/// Asserts the refusal: exit 2, the variable and its value named, the hint.
#[track_caller]
fn refused(run: Run) {
    run.fails(
        2,
        "KEYCASK_NOW=2099-01-01T00:00:00Z is set, and this command writes",
    )
    .stderr_has("hint: unset KEYCASK_NOW");
}

/// The cookbook's old line: `KEYCASK_NOW=2099… keycask rotate --due` would
/// date the new version 2099, so that the key never rotated again. It is
/// refused (exit 2, the variable named), and neither the keyring nor its
/// audit log changes by a byte; `KEYCASK_NOW_WRITES` other than `1` does
/// not let it through.
#[test]
fn a_pretended_clock_is_refused_by_rotate_due_and_the_keyring_is_unchanged() {
    let t = TestDir::new();
    keyring_with_dates(&t);
    let (ring, log) = (t.keyring_bytes(), log_bytes(&t));
    for writes in [None, Some("0"), Some("yes"), Some("")] {
        let mut cmd = pretending(&t, FUTURE);
        if let Some(value) = writes {
            cmd.env("KEYCASK_NOW_WRITES", value);
        }
        let run = t.run_with(cmd, &["rotate", "--due"], None);
        assert!(
            run.stderr().starts_with("keycask: error: "),
            "{}",
            run.stderr()
        );
        refused(run);
        assert_eq!(t.keyring_bytes(), ring);
        assert_eq!(log_bytes(&t), log);
    }
    // Refused up front: even when nothing would be due, and before any
    // secret is asked for.
    let run = t.run_with(
        pretending(&t, "2000-01-01"),
        &["--keyfile", "missing.key", "rotate", "--due"],
        None,
    );
    run.fails(2, "KEYCASK_NOW=2000-01-01 is set");
    assert_eq!(t.keyring_bytes(), ring);
}

/// `destroy --pending` under a future clock would destroy, for good,
/// versions whose time has not come: refused, the version still scheduled.
#[test]
fn destroy_pending_under_a_future_clock_refuses() {
    let t = TestDir::new();
    keyring_with_dates(&t);
    let (ring, log) = (t.keyring_bytes(), log_bytes(&t));
    let run = t.run_with(pretending(&t, FUTURE), &["destroy", "--pending"], None);
    refused(run);
    assert_eq!(t.keyring_bytes(), ring);
    assert_eq!(log_bytes(&t), log);
    let show = t.run(&["show", "spare", "--json"]).ok().json();
    assert_eq!(show["versions"][0]["state"], "destroy-scheduled");
    // No other writer carries the due destruction out under it either.
    let run = t.run_with(pretending(&t, FUTURE), &["keygen", "other"], None);
    refused(run);
    assert_eq!(t.keyring_bytes(), ring);
}

/// Every command that writes a time refuses a pretended clock up front,
/// leaving the keyring, its log and the folder as they were.
#[test]
fn every_writing_command_refuses_a_pretended_clock() {
    let t = TestDir::new();
    keyring_with_dates(&t);
    t.run(&[
        "keygen",
        "inbox",
        "--type",
        "p256",
        "--purpose",
        "transport",
    ])
    .ok();
    t.run(&["export", "inbox", "--public", "-o", "inbox.pem"])
        .ok();
    t.run_stdin(&["wrap", "-k", "backups", "-o", "a.kc"], b"data")
        .ok();
    std::fs::write(t.join("raw.key"), [7u8; 32]).unwrap();
    t.run(&["rotate", "backups"]).ok();
    let (ring, log) = (t.keyring_bytes(), log_bytes(&t));
    let envelope = std::fs::read(t.join("a.kc")).unwrap();
    let files = || {
        let mut names: Vec<String> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = files();
    let commands: &[&[&str]] = &[
        &["keygen", "new"],
        &["rotate", "backups"],
        &["rotate", "--due"],
        &["rotate", "--kek"],
        &["disable", "backups", "--version", "1"],
        &["enable", "spare", "--version", "1"],
        &[
            "destroy",
            "backups",
            "--version",
            "1",
            "--after",
            "7d",
            "--yes",
        ],
        &["destroy", "backups", "--version", "1", "--now", "--yes"],
        &["destroy", "--cancel", "spare", "--version", "1"],
        &["destroy", "--pending"],
        &["config", "audit-usage", "on"],
        &["import", "byok", "--raw", "raw.key"],
        &["export", "backups", "--to", "inbox.pem", "-o", "b.kcx"],
        &["rekey", "a.kc"],
    ];
    for args in commands {
        let run = t.run_with(pretending(&t, FUTURE), args, None);
        refused(run);
        assert_eq!(t.keyring_bytes(), ring, "{args:?}");
        assert_eq!(log_bytes(&t), log, "{args:?}");
        assert_eq!(files(), before, "{args:?}");
    }
    assert_eq!(std::fs::read(t.join("a.kc")).unwrap(), envelope);
    // init too: no keyring appears.
    let fresh = TestDir::new();
    let root = format!("keyfile:{}", fresh.join("root.key").display());
    let run = fresh.run_with(pretending(&fresh, FUTURE), &["init", "--root", &root], None);
    refused(run);
    assert!(!fresh.keyring().exists());
}

/// With usage logging on, a command that only uses a key writes a dated
/// audit record: it is refused before any output, and writes nothing.
/// Without usage logging it records no time, and runs.
#[test]
fn usage_records_are_not_written_under_a_pretended_clock() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run_stdin(&["wrap", "-k", "backups", "-o", "a.kc"], b"data")
        .ok();
    t.run_with(
        pretending(&t, FUTURE),
        &["unwrap", "a.kc", "-o", "plain.txt"],
        None,
    )
    .ok();
    assert_eq!(std::fs::read(t.join("plain.txt")).unwrap(), b"data");
    t.run(&["config", "audit-usage", "on"]).ok();
    let (ring, log) = (t.keyring_bytes(), log_bytes(&t));
    let run = t.run_with(
        pretending(&t, FUTURE),
        &["unwrap", "a.kc", "-o", "again.txt"],
        None,
    );
    refused(run);
    assert!(!t.join("again.txt").exists());
    let run = t.run_with(
        pretending(&t, FUTURE),
        &["wrap", "-k", "backups"],
        Some(b"data"),
    );
    assert!(run.output.stdout.is_empty());
    refused(run);
    assert_eq!((t.keyring_bytes(), log_bytes(&t)), (ring, log));
}

/// Reading commands preview a day under `KEYCASK_NOW`, say so on stderr
/// (one line, even with -q), and change nothing.
#[test]
fn rotate_due_dry_run_and_listings_preview_a_pretended_clock_with_a_warning() {
    let t = TestDir::new();
    keyring_with_dates(&t);
    let (ring, log) = (t.keyring_bytes(), log_bytes(&t));
    let run = t
        .run_with(
            pretending(&t, FUTURE),
            &["-q", "rotate", "--due", "--dry-run"],
            None,
        )
        .ok()
        .stdout_has("would rotate backups: version 1 -> 2");
    assert_eq!(run.stderr(), format!("{WARNING}\n"));
    let json = t
        .run_with(
            pretending(&t, FUTURE),
            &["rotate", "--due", "--dry-run", "--json"],
            None,
        )
        .ok()
        .json();
    assert_eq!(json["now"], FUTURE);
    assert_eq!(json["would_rotate"][0]["name"], "backups");
    t.run_with(pretending(&t, FUTURE), &["list"], None)
        .ok()
        .stdout_has("OVERDUE")
        .stderr_has(WARNING);
    t.run_with(pretending(&t, FUTURE), &["show", "backups", "--json"], None)
        .ok()
        .stderr_has(WARNING);
    // Without the variable: no warning, nothing due.
    let real = t.run(&["rotate", "--due", "--dry-run"]).ok();
    assert!(!real.stderr().contains("KEYCASK_NOW"), "{}", real.stderr());
    assert_eq!(real.stdout(), "");
    assert_eq!((t.keyring_bytes(), log_bytes(&t)), (ring, log));
}

/// `destroy --pending --dry-run` says what would be destroyed as of the
/// pretended day, and destroys nothing.
#[test]
fn destroy_pending_dry_run_previews_a_pretended_clock() {
    let t = TestDir::new();
    keyring_with_dates(&t);
    let (ring, log) = (t.keyring_bytes(), log_bytes(&t));
    let run = t
        .run_with(
            pretending(&t, FUTURE),
            &["destroy", "--pending", "--dry-run"],
            None,
        )
        .ok()
        .stdout_has("would destroy version 1 of key 'spare' (due ");
    assert_eq!(run.stderr(), format!("{WARNING}\n"));
    let json: Value = t
        .run_with(
            pretending(&t, FUTURE),
            &["destroy", "--pending", "--dry-run", "--json"],
            None,
        )
        .ok()
        .json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["at"], FUTURE);
    assert_eq!(json["destroyed"], serde_json::json!([]));
    assert_eq!(json["would_destroy"][0]["key"], "spare");
    assert_eq!(json["would_destroy"][0]["version"], 1);
    assert_eq!(json["scheduled"], serde_json::json!([]));
    // Today, nothing is due.
    t.run(&["destroy", "--pending", "--dry-run"])
        .ok()
        .stderr_has("no scheduled destruction falls due by");
    assert_eq!((t.keyring_bytes(), log_bytes(&t)), (ring, log));
    t.run(&["destroy", "--dry-run"]).fails(2, "--pending");
}

/// With `KEYCASK_NOW_WRITES=1` (tests only) the pretended time is written,
/// and the warning says so.
#[test]
fn keycask_now_writes_lets_a_pretended_time_be_written() {
    let t = TestDir::new();
    keyring_with_dates(&t);
    let run = t
        .run_with(t.command_at(FUTURE), &["rotate", "--due"], None)
        .ok()
        .stdout_has("rotated backups: version 1 -> 2")
        .stderr_has(&format!(
            "{WARNING} (KEYCASK_NOW_WRITES=1: and they are written)"
        ));
    assert_eq!(run.stderr().lines().count(), 2, "{}", run.stderr());
    let show = t.run(&["show", "backups", "--json"]).ok().json();
    assert_eq!(show["versions"][1]["created"], FUTURE);
    // The pending destruction of spare v1 was carried out as of 2099.
    let spare = t.run(&["show", "spare", "--json"]).ok().json();
    assert_eq!(spare["versions"][0]["state"], "destroyed");
    let log = String::from_utf8(log_bytes(&t)).unwrap();
    assert!(log.contains("\"time\":\"2099-01-01T00:00:00Z\""), "{log}");
}
