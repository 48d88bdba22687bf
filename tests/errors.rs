//! The errors a user can cause, in one list: each reads
//! `keycask: error: <what>: <why>` on one line, followed by a `hint:` line
//! where a fix exists, exits with its documented code, and leaves the
//! keyring byte for byte as it was. Command-line errors found by clap are
//! reported in the same form (exit 2). The phases' own test files go deeper
//! into each case; this list is the overview, and the check of the form.

use crate::util::TestDir;

struct Case {
    args: &'static [&'static str],
    code: i32,
    message: &'static str,
    hint: Option<&'static str>,
}

const fn case(
    args: &'static [&'static str],
    code: i32,
    message: &'static str,
    hint: Option<&'static str>,
) -> Case {
    Case {
        args,
        code,
        message,
        hint,
    }
}

const CASES: &[Case] = &[
    // The command line (exit 2), from clap, in keycask's form.
    case(
        &["wrap"],
        2,
        "the following required arguments were not provided: --key <NAME>",
        Some("usage: keycask wrap --key <NAME> [INPUT]"),
    ),
    case(
        &["wrap", "-k", "backups", "--bogus"],
        2,
        "unexpected argument '--bogus' found",
        Some("usage: keycask wrap"),
    ),
    // Not "use '-- -k'" (issue 18): an option given to the wrong command.
    case(
        &["inspect", "-k", "backups", "f.kc"],
        2,
        "unexpected argument '-k' found",
        Some("usage: keycask inspect [OPTIONS] <FILE>..."),
    ),
    case(
        &["lisst"],
        2,
        "unrecognized subcommand 'lisst'",
        Some("'list'"),
    ),
    case(
        &["keygen", "x", "--purpose", "storage"],
        2,
        "invalid value 'storage' for '--purpose <PURPOSE>' [possible values: encrypt, sign, transport]",
        None,
    ),
    case(
        &["rekey", "--jobs", "0", "."],
        2,
        "invalid value '0' for '--jobs <N>'",
        None,
    ),
    case(
        &["destroy", "--pending", "--now"],
        2,
        "the argument '--pending' cannot be used with '--now'",
        Some("usage:"),
    ),
    // Values keycask checks itself (exit 2).
    case(
        &["keygen", "Bad Name"],
        2,
        "invalid key name 'Bad Name'",
        Some("lowercase letters, digits"),
    ),
    case(
        &["keygen", "x", "--type", "rsa-1024"],
        2,
        "RSA under 2048 bits is breakable",
        None,
    ),
    case(
        &["keygen", "x", "--type", "des"],
        2,
        "unknown key type 'des'",
        Some("aes256-gcm"),
    ),
    case(
        &["keygen", "x", "--rotate-every", "soon"],
        2,
        "'soon' is not a duration",
        None,
    ),
    case(
        &[
            "keygen",
            "x",
            "--type",
            "aes256-gcm",
            "--purpose",
            "transport",
        ],
        2,
        "an aes256-gcm key cannot have purpose transport",
        None,
    ),
    case(
        &["keygen", "backups"],
        2,
        "a key named 'backups' already exists",
        Some("keycask rotate backups"),
    ),
    case(
        &["wrap", "-k", "backups", "-c", "novalue"],
        2,
        "novalue",
        Some("-c env=prod"),
    ),
    case(
        &["wrap", "-k", "backups", "--chunk-size", "1", "a.txt"],
        2,
        "--chunk-size 1 is out of range",
        None,
    ),
    case(
        &["unwrap", "missing.kc"],
        2,
        "cannot open missing.kc: no such file",
        None,
    ),
    case(
        &["rekey", "nothere"],
        2,
        "no such file or folder: nothere",
        None,
    ),
    case(
        &["destroy", "backups", "--version", "1"],
        2,
        "say when to destroy",
        None,
    ),
    case(
        &["destroy", "backups", "--version", "1", "--now"],
        2,
        "without confirmation: there is no terminal to ask on",
        Some("pass --yes"),
    ),
    case(
        &["init", "--root", "keyfile:other.key"],
        5,
        "a keyring already exists at",
        Some("move it away first"),
    ),
    case(
        &["init", "--root", "vault:x"],
        2,
        "unknown root 'vault:x'",
        Some("--root keyfile:PATH"),
    ),
    // Not an envelope at all: exit 2 (issue 18), not 3.
    case(
        &["unwrap", "junk.txt"],
        2,
        "junk.txt: not a keycask envelope",
        Some("keycask unwraps what `keycask wrap` made"),
    ),
    // Data that fails authentication (exit 3).
    case(
        &["unwrap", "--expect-context", "env=dev", "a.kc"],
        3,
        "the envelope's context does not match: expected env=dev",
        None,
    ),
    case(
        &["--keyfile", "wrong.key", "wrap", "-k", "backups", "a.txt"],
        3,
        "cannot unlock the keyring: wrong key file",
        Some("KEYCASK_KEYFILE"),
    ),
    case(
        &["--keyfile", "short.key", "wrap", "-k", "backups", "a.txt"],
        3,
        "holds 5 bytes, not the 32 bytes of a root key",
        None,
    ),
    case(
        &["--keyfile", "huge.key", "wrap", "-k", "backups", "a.txt"],
        3,
        "holds more than 32 bytes, not the 32 bytes of a root key",
        None,
    ),
    // Keys and versions that cannot be used (exit 4).
    case(
        &["wrap", "-k", "nokey", "a.txt"],
        4,
        "no key named 'nokey' in this keyring",
        Some("`keycask list` shows the keys"),
    ),
    case(
        &["wrap", "-k", "sig", "a.txt"],
        4,
        "key 'sig' is a p256 key with purpose sign: only encrypt keys wrap data",
        Some("keycask keygen NAME"),
    ),
    case(
        &["show", "nokey"],
        4,
        "no key named 'nokey'",
        Some("keycask list"),
    ),
    case(
        &["enable", "backups", "--version", "9"],
        4,
        "key 'backups' has no version 9",
        Some("its versions: v1, v2"),
    ),
    case(
        &["disable", "backups", "--version", "2"],
        2,
        "version 2 is the primary version of key 'backups' and cannot be disabled",
        Some("rotate first (`keycask rotate backups`), then disable version 2"),
    ),
    case(
        &["destroy", "backups", "--version", "2", "--now", "--yes"],
        4,
        "version 2 is the primary version of key 'backups'; refusing to destroy it",
        Some("rotate first (`keycask rotate backups`)"),
    ),
    // The keyring itself (exit 5).
    case(
        &["--keyring", "missing.json", "list"],
        5,
        "no keyring at",
        Some("keycask init"),
    ),
    case(
        &["--keyring", "missing.json", "keygen", "x"],
        5,
        "no keyring at",
        Some("keycask init"),
    ),
    case(
        &["--keyring", "no/such/folder/ring.json", "rotate", "backups"],
        5,
        "no keyring at",
        Some("keycask init"),
    ),
];

/// A keyring with `backups` (v1, v2 primary) and `sig` (p256, sign), an
/// envelope `a.kc` (context env=prod), and files that provoke errors.
fn setup() -> TestDir {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["keygen", "sig", "--type", "p256"]).ok();
    std::fs::write(t.join("a.txt"), "plain text").unwrap();
    t.run(&[
        "wrap", "-k", "backups", "-c", "env=prod", "a.txt", "-o", "a.kc",
    ])
    .ok();
    std::fs::write(t.join("junk.txt"), "not an envelope at all").unwrap();
    write_0600(&t.join("wrong.key"), &[7u8; 32]);
    write_0600(&t.join("short.key"), b"short");
    // 1 GiB, sparse: a key file named by mistake is never read whole.
    write_0600(&t.join("huge.key"), b"");
    std::fs::OpenOptions::new()
        .write(true)
        .open(t.join("huge.key"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    t
}

fn write_0600(path: &std::path::Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn every_user_error_reads_as_one_line_with_its_hint_and_code() {
    let t = setup();
    let before = t.keyring_bytes();
    let mut problems = Vec::new();
    for case in CASES {
        let run = t.run(case.args);
        let stderr = run.stderr();
        let lines: Vec<&str> = stderr.lines().collect();
        let error_at = lines.iter().position(|l| l.starts_with("keycask: error: "));
        let mut wrong = Vec::new();
        if run.code() != case.code {
            wrong.push(format!("exit {} instead of {}", run.code(), case.code));
        }
        match error_at {
            None => wrong.push("no `keycask: error: ` line".into()),
            Some(at) => {
                if !lines[at].contains(case.message) {
                    wrong.push(format!("the error line lacks {:?}", case.message));
                }
                if lines
                    .iter()
                    .filter(|l| l.starts_with("keycask: error: "))
                    .count()
                    != 1
                {
                    wrong.push("more than one error line".into());
                }
                let hint = lines.get(at + 1).filter(|l| l.starts_with("hint: "));
                match (case.hint, hint) {
                    (Some(want), Some(got)) if !got.contains(want) => {
                        wrong.push(format!("the hint lacks {want:?}"))
                    }
                    (Some(_), None) => wrong.push("no hint line".into()),
                    _ => {}
                }
                if lines.len() > at + 2 {
                    wrong.push("lines after the error and its hint".into());
                }
            }
        }
        if stderr.contains("panicked") {
            wrong.push("a panic".into());
        }
        if !run.output.stdout.is_empty() {
            wrong.push("output on stdout".into());
        }
        if t.keyring_bytes() != before {
            wrong.push("the keyring changed".into());
        }
        if !wrong.is_empty() {
            problems.push(format!(
                "keycask {}: {}\n{stderr}",
                case.args.join(" "),
                wrong.join("; ")
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    // Nothing was left behind for the keyrings that do not exist.
    assert!(!t.join("missing.json.lock").exists());
    assert!(!t.join("no").exists());
}

/// Keyring problems need a keyring of their own: loose permissions, an edit
/// made outside keycask, a newer format.
#[test]
fn keyring_problems_exit_5_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let t = setup();
    let path = t.keyring();

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = t
        .run(&["list"])
        .fails(5, "is accessible by other users (mode 0644)");
    assert!(run.stderr().contains("hint: ") && run.stderr().contains("chmod 600"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

    // The primary flipped back to version 1 behind keycask's back.
    let original = t.keyring_bytes();
    let text = String::from_utf8(original.clone()).unwrap();
    let edited = text.replacen("\"primary\":2", "\"primary\":1", 1);
    assert_ne!(edited, text, "the keyring layout changed; adjust the edit");
    std::fs::write(&path, &edited).unwrap();
    t.run(&["wrap", "-k", "backups", "a.txt"])
        .fails(5, "the keyring failed its integrity check")
        .stderr_has("hint: restore the keyring from a backup");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);

    std::fs::write(&path, text.replacen("\"format\":3", "\"format\":99", 1)).unwrap();
    t.run(&["list"])
        .fails(5, "format version 99, newer than this keycask");

    std::fs::write(&path, &original[..original.len() / 2]).unwrap();
    t.run(&["list"]).fails(5, "not valid JSON");
}

/// One form for the same thing everywhere: version lists read `v1, v2`, and
/// a negative number is named as out of range, not taken for a flag.
#[test]
fn version_hints_and_negative_numbers_read_alike_everywhere() {
    let t = setup();
    t.run(&["export", "sig", "--public", "--version", "9"])
        .fails(4, "key 'sig' has no version 9")
        .stderr_has("its versions: v1");
    t.run(&["disable", "backups", "--version", "9"])
        .fails(4, "key 'backups' has no version 9")
        .stderr_has("its versions: v1, v2");
    t.run_stdin(&["wrap", "-k", "backups", "--chunk-size", "-64"], b"x")
        .fails(2, "-64 is not in");
}

/// `-o` into a folder that does not exist says so, before any work, with
/// no temporary file name in the message.
#[test]
fn output_into_a_missing_folder_is_named_up_front() {
    let t = setup();
    t.run_stdin(&["wrap", "-k", "backups", "-o", "nodir/x.kc"], b"data")
        .fails(2, "-o nodir/x.kc: there is no folder nodir")
        .stderr_has("mkdir -p nodir");
    // A count too large for any number is over the limit, not "not a duration".
    t.run(&["keygen", "far", "--rotate-every", "99999999999999999999d"])
        .fails(2, "longer than 100 years");
}

/// `-o` replaces its file whole, so an `-o` that names the keyring (or its
/// lock, its audit log, the root key file, a passphrase file) would lose
/// every key; each is refused before anything is read or written.
#[test]
fn output_never_replaces_the_keyring_its_files_or_a_secret_file() {
    let t = setup();
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
    std::fs::write(t.join("pass.txt"), "a passphrase").unwrap();
    std::os::unix::fs::symlink(t.keyring(), t.join("link.json")).unwrap();
    let keyring = t.keyring().display().to_string();
    let guarded = [
        "keyring.json",
        "keyring.json.audit.jsonl",
        "root.key",
        "pass.txt",
    ];
    let before: Vec<Vec<u8>> = guarded
        .iter()
        .map(|f| std::fs::read(t.join(f)).unwrap())
        .collect();
    let cases: [(&[&str], &str); 8] = [
        (
            &["wrap", "-k", "backups", "-o", "keyring.json"],
            "that is the keyring;",
        ),
        (
            &["wrap", "-k", "backups", "-o", "link.json"],
            "that is the keyring;",
        ),
        (
            &["export", "sig", "--public", "-o", &keyring],
            "that is the keyring;",
        ),
        (
            &["wrap", "-k", "backups", "-o", "keyring.json.lock"],
            "the keyring's lock file",
        ),
        (
            &["sign", "-k", "sig", "-o", "keyring.json.audit.jsonl"],
            "the keyring's audit log",
        ),
        (
            &["export", "backups", "--to", "inbox.pem", "-o", "root.key"],
            "the keyring's root key file",
        ),
        (
            &["unwrap", "a.kc", "-o", "./root.key"],
            "the keyring's root key file",
        ),
        (
            &[
                "--passphrase-file",
                "pass.txt",
                "unwrap",
                "a.kc",
                "-o",
                "pass.txt",
            ],
            "the passphrase file",
        ),
    ];
    for (args, what) in cases {
        t.run_stdin(args, b"data")
            .fails(2, what)
            .stderr_has("hint: name another file with -o");
    }
    for (file, bytes) in guarded.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(t.join(file)).unwrap(),
            bytes,
            "{file} changed"
        );
    }
    assert!(t.temp_files().is_empty(), "{:?}", t.temp_files());
    // A file of the same name elsewhere is just a file.
    std::fs::create_dir(t.join("out")).unwrap();
    t.run(&["unwrap", "a.kc", "-o", "out/keyring.json"]).ok();
}

/// With stderr closed (`keycask ... 2>&1 | head -1` once head has gone), the
/// message cannot be shown, but the exit code is still the documented one.
#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let t = setup();
    for (args, code) in [
        (&["show", "nosuchkey"][..], 4),
        (&["unwrap", "junk.txt"], 2),
        (&["wrap"], 2),
        (&["--keyfile", "wrong.key", "unwrap", "a.kc"], 3),
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let status = t
            .command()
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(writer)
            .status()
            .unwrap();
        assert_eq!(
            status.code(),
            Some(code),
            "keycask {args:?} with stderr closed"
        );
    }
}

/// `-q` prints nothing but errors and what was asked for: no "created",
/// "rotated", "destroyed" lines, on stdout or stderr, so that cron mails
/// only failures. The data a command exists to print still comes.
#[test]
fn quiet_silences_status_lines_but_not_the_output_asked_for() {
    let t = TestDir::new();
    let root = format!("keyfile:{}", t.join("root.key").display());
    let quiet = |args: &[&str]| {
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        let run = t.run(&all).ok();
        assert_eq!(
            (run.stdout(), run.stderr()),
            (String::new(), String::new()),
            "keycask {all:?} printed something"
        );
    };
    quiet(&["init", "--root", &root]);
    quiet(&["keygen", "tokens", "--rotate-every", "30d"]);
    quiet(&["keygen", "old"]);
    quiet(&["rotate", "tokens"]);
    quiet(&["rotate", "--kek"]);
    quiet(&["disable", "tokens", "--version", "1"]);
    quiet(&["enable", "tokens", "--version", "1"]);
    quiet(&["destroy", "old", "--after", "7d", "--yes"]);
    quiet(&["destroy", "--cancel", "old"]);
    quiet(&["destroy", "old", "--now", "--yes"]);
    quiet(&["destroy", "--purge", "old", "--yes"]);
    quiet(&["audit", "verify"]);
    quiet(&["keygen", "sig", "--type", "p256", "--purpose", "sign"]);
    quiet(&["export", "sig", "--public", "-o", "sig.pem"]);
    std::fs::write(t.join("data"), "signed data").unwrap();
    quiet(&["sign", "-k", "sig", "-o", "data.sig", "data"]);
    quiet(&["verify", "-k", "sig", "--signature", "data.sig", "data"]);
    std::fs::write(t.join("raw.key"), [9u8; 32]).unwrap();
    quiet(&["import", "byok", "--raw", "raw.key"]);
    // The one line -q keeps: a pretended clock is always said.
    let run = t
        .run_with(
            t.command_at("2099-01-01T00:00:00Z"),
            &["-q", "rotate", "--due"],
            None,
        )
        .ok();
    assert_eq!(
        (run.stdout(), run.stderr()),
        (
            String::new(),
            "keycask: warning: KEYCASK_NOW=2099-01-01T00:00:00Z is in effect: times are not the real clock (KEYCASK_NOW_WRITES=1: and they are written)\n".to_string()
        )
    );
    // A dry run's plan is what was asked for: it comes even with -q.
    let mut cmd = t.command();
    cmd.env("KEYCASK_NOW", "2199-01-01T00:00:00Z");
    t.run_with(cmd, &["-q", "rotate", "--due", "--dry-run"], None)
        .ok()
        .stdout_has("would rotate tokens");
    t.run_stdin(&["wrap", "-k", "tokens", "-o", "a.kc"], b"data")
        .ok();
    t.run(&["-q", "rekey", "--dry-run", "a.kc"])
        .ok()
        .stdout_has("would rekey 0, already current 1");
    // What was asked for still comes.
    t.run(&["-q", "show", "tokens"])
        .ok()
        .stdout_has("key        tokens");
    t.run(&["-q", "list"]).ok().stdout_has("tokens");
    let sealed = t.run_stdin(&["-q", "wrap", "-k", "tokens"], b"data").ok();
    assert!(!sealed.output.stdout.is_empty());
}

/// Status lines into a closed stdout (`keycask keygen x | true`): the change
/// is made, and the command ends with 0 and nothing on stderr instead of a
/// panic (exit 101).
#[test]
fn status_lines_into_a_closed_stdout_end_quietly() {
    let t = setup();
    for args in [
        &["keygen", "fresh"][..],
        &["rotate", "fresh"],
        &["show", "fresh"],
        &["audit", "verify"],
        &["disable", "fresh", "--version", "1"],
        &["destroy", "fresh", "--now", "--yes"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = t
            .command()
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "keycask {args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error"),
            "keycask {args:?}: {stderr}"
        );
    }
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert!(
        doc["keys"]["fresh"]["destroyed"].is_object(),
        "the changes were not made"
    );
}

/// Text from someone else's file (here a PEM label) reaches a message with
/// its control characters escaped: it can neither drive the terminal nor
/// break the one-line error.
#[test]
fn control_characters_from_a_file_are_escaped_in_messages() {
    let t = setup();
    std::fs::write(
        t.join("evil.pem"),
        "-----BEGIN \u{1b}]0;owned\u{7}\nPRIVATE KEY-----\nAAAA\n",
    )
    .unwrap();
    let run = t
        .run(&["import", "x", "--pem", "evil.pem"])
        .fails(2, "has no end");
    let stderr = run.stderr();
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
    assert!(
        stderr.contains("\\u{1b}]0;owned\\u{7}\\nPRIVATE KEY"),
        "{stderr:?}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
}

#[test]
fn a_key_file_path_that_is_a_folder_is_named_as_a_folder() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    std::fs::create_dir(t.join("kdir")).unwrap();
    let to = format!("keyfile:{}", t.join("kdir").display());
    let before = t.keyring_bytes();
    let run = t
        .run(&[
            "--passphrase-file",
            "pass.txt",
            "rotate",
            "--root",
            "--to",
            &to,
        ])
        .fails(2, "kdir is a folder, not a file");
    assert!(!run.stderr().contains("chmod"), "{}", run.stderr());
    assert_eq!(t.keyring_bytes(), before);
    // The same for the key file that unlocks the keyring.
    let k = TestDir::new();
    k.init_keyfile();
    std::fs::create_dir(k.join("kdir")).unwrap();
    k.run(&["--keyfile", "kdir", "keygen", "x"])
        .fails(2, "is a folder, not a file");
}

/// A status line that cannot be written (stdout on a full disk) after the
/// change was made is a warning, not a failure: the key exists, and a retry
/// would fail with "already exists".
#[test]
fn a_report_that_cannot_be_written_does_not_fail_a_done_change() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        crate::util::cannot_check("no /dev/full here");
        return;
    };
    let t = setup();
    let out = t
        .command()
        .args(["keygen", "fresh"])
        .stdin(std::process::Stdio::null())
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("the command succeeded, but its report could not be written"),
        "{stderr}"
    );
    t.run(&["show", "fresh"]).ok();
}

/// An environment variable set but empty (an unset CI secret) is named as
/// such, exit 2, instead of clap's "a value is required for '--keyring
/// <PATH>'" about a flag nobody typed (issue 18, bug 3). The variables read
/// at use (KEYCASK_PASSPHRASE_FILE, KEYCASK_PIN_FILE) no longer pass for
/// unset either.
#[test]
fn an_empty_environment_variable_is_named() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    for (name, option) in [
        ("KEYCASK_KEYRING", "--keyring"),
        ("KEYCASK_KEYFILE", "--keyfile"),
        ("KEYCASK_PKCS11_MODULE", "--pkcs11-module"),
    ] {
        for args in [vec!["list"], vec!["--keyring", "keyring.json", "list"]] {
            let mut cmd = t.command();
            cmd.env(name, "");
            let run = t.run_with(cmd, &args, None).fails(
                2,
                &format!("environment variable {name} is set but empty (it stands for {option})"),
            );
            assert!(
                run.stderr()
                    .contains(&format!("hint: give it a value, or unset it: unset {name}")),
                "{}",
                run.stderr()
            );
            assert!(
                !run.stderr().contains("a value is required"),
                "{}",
                run.stderr()
            );
        }
    }
    // An empty value typed on the line is the line's fault.
    t.run(&["--keyring=", "list"])
        .fails(2, "a value is required for '--keyring <PATH>'");
    let mut cmd = t.command();
    cmd.env("KEYCASK_PASSPHRASE_FILE", "");
    t.run_with(cmd, &["keygen", "backups"], None).fails(
        2,
        "environment variable KEYCASK_PASSPHRASE_FILE is set but empty (it stands for --passphrase-file)",
    );
    // --passphrase-file given: the variable is not read.
    let mut cmd = t.command();
    cmd.env("KEYCASK_PASSPHRASE_FILE", "");
    t.run_with(
        cmd,
        &["--passphrase-file", "pass.txt", "keygen", "backups"],
        None,
    )
    .ok();
}

/// The `keycask ...` commands quoted in a hint (between backquotes), except
/// those with a placeholder to fill in (NAME, FILE, ...), a pipe or quotes.
fn runnable_hints(stderr: &str) -> Vec<String> {
    let hint = stderr
        .lines()
        .find_map(|l| l.strip_prefix("hint: "))
        .unwrap_or_else(|| panic!("no hint in {stderr:?}"));
    hint.split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("keycask "))
        .filter(|c| {
            !c.contains(['|', '\'', '"', '.'])
                && !c
                    .split_whitespace()
                    .any(|w| w.len() > 1 && w.chars().all(|ch| ch.is_ascii_uppercase()))
        })
        .map(str::to_string)
        .collect()
}

/// A copy of `t`'s keyring (and audit log) in a fresh folder, with the
/// same root key file.
fn fork(t: &TestDir) -> TestDir {
    let copy = TestDir::new();
    for file in ["keyring.json", "keyring.json.audit.jsonl"] {
        if t.join(file).exists() {
            std::fs::copy(t.join(file), copy.join(file)).unwrap();
        }
    }
    copy
}

/// Runs `keycask ARGS` in a pseudo-terminal (util-linux `script`), typing
/// `typed` (a confirmation) at it.
fn at_a_terminal(t: &TestDir, args: &str, typed: &[u8]) -> crate::util::Run {
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

/// Every hint that names a command runs as printed (issue 18, bug 4:
/// refusing to destroy the primary version recommended `keycask destroy
/// backups`, which fails without --now or --after; `unwrap -k` was told to
/// use `-- -k`). Each command runs in a copy of the keyring at a terminal,
/// where a confirmation is typed, and must succeed.
#[test]
fn every_hint_that_names_a_command_runs_as_printed() {
    type Setup = fn(&TestDir);
    fn backups(t: &TestDir) {
        t.init_keyfile();
        t.run(&["keygen", "backups"]).ok();
    }
    fn rotated(t: &TestDir) {
        backups(t);
        t.run(&["rotate", "backups"]).ok();
    }
    fn destroyed(t: &TestDir) {
        backups(t);
        t.run(&["destroy", "backups", "--now", "--yes"]).ok();
    }
    fn scheduled(t: &TestDir) {
        backups(t);
        t.run(&["destroy", "backups", "--after", "7d", "--yes"])
            .ok();
    }
    let cases: &[(Setup, &[&str], usize)] = &[
        (
            backups,
            &["destroy", "backups", "--version", "1", "--now", "--yes"],
            2,
        ),
        (
            backups,
            &["destroy", "backups", "--version", "1", "--after", "7d"],
            2,
        ),
        (rotated, &["destroy", "backups", "--version", "1"], 2),
        (backups, &["show", "nope"], 1),
        (destroyed, &["keygen", "backups"], 1),
        (
            scheduled,
            &["destroy", "backups", "--after", "7d", "--yes"],
            2,
        ),
        (
            rotated,
            &["destroy", "--cancel", "backups", "--version", "1"],
            0,
        ),
    ];
    let mut ran = 0;
    for (setup, args, expected) in cases {
        let t = TestDir::new();
        setup(&t);
        let failed = t.run(args);
        assert_ne!(failed.code(), 0, "{args:?} should fail");
        if !failed.stderr().contains("hint: ") {
            assert_eq!(*expected, 0, "{args:?}: no hint: {}", failed.stderr());
            continue;
        }
        let hints = runnable_hints(&failed.stderr());
        assert_eq!(
            hints.len(),
            *expected,
            "{args:?}: runnable hints {hints:?} in {}",
            failed.stderr()
        );
        for hint in hints {
            let copy = fork(&t);
            let args = hint.strip_prefix("keycask ").unwrap();
            let run = at_a_terminal(&copy, args, b"backups\n");
            assert_eq!(
                run.code(),
                0,
                "the hint `{hint}` of {:?} fails as printed:\n{}",
                failed.stderr(),
                run.stdout()
            );
            ran += 1;
        }
    }
    assert!(ran >= 9, "only {ran} hints ran");
}

/// A missing file is "no such file" in every message, never the system's
/// "No such file or directory (os error 2)" (issue 18, bug 6).
#[test]
fn a_missing_file_is_said_one_way() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let k = TestDir::new();
    k.init_passphrase("correct horse battery staple");
    for (dir, args, code) in [
        (&t, &["--keyfile", "nope.key", "keygen", "x"][..], 3),
        (&k, &["--passphrase-file", "nope.txt", "keygen", "x"], 2),
        (&t, &["unwrap", "nope.kc"], 2),
        (&t, &["inspect", "nope.kc"], 2),
        (&t, &["wrap", "--to", "nope.pem"], 2),
        (&t, &["import", "x", "--raw", "nope"], 2),
    ] {
        let run = dir.run(args).fails(code, "no such file");
        assert!(
            !run.stderr().contains("os error"),
            "{args:?}: {}",
            run.stderr()
        );
        assert!(
            !run.stderr().contains("No such file or directory"),
            "{args:?}: {}",
            run.stderr()
        );
    }
    let json = t.run(&["inspect", "--json", "nope.kc"]).fails(2, "").json();
    let error = json["envelopes"][0]["error"].as_str().unwrap();
    assert!(error.ends_with("no such file"), "{error}");
}
