//! `rekey --reencrypt`: a fresh content key and payload under the key's
//! primary version, for every kind of envelope; atomic under SIGKILL;
//! re-runnable; read-only files reported; recipients that keycask has no
//! public key for refused unless given or dropped; `destroy --check`
//! passes only afterwards.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{TestDir, rekey_journal, rekey_journal_path};

fn pattern(seed: u32, n: usize) -> Vec<u8> {
    let mut x = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Writes `plain` to `name` with `wrap` and the extra arguments.
fn wrap(t: &TestDir, name: &str, plain: &[u8], extra: &[&str]) {
    if let Some(dir) = t.join(name).parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut args = vec!["wrap", "-o", name];
    args.extend_from_slice(extra);
    t.run_stdin(&args, plain).ok();
}

#[track_caller]
fn unwraps_to(t: &TestDir, name: &str, plain: &[u8]) {
    let run = t.run(&["unwrap", name]).ok();
    assert!(run.output.stdout == plain, "{name}: wrong plaintext");
}

fn inspect(t: &TestDir, name: &str) -> Value {
    t.run(&["inspect", "--json", name]).ok().json()["envelopes"][0].clone()
}

/// The header's length and the payload (binary envelopes).
fn split(bytes: &[u8]) -> (usize, &[u8]) {
    let len = u16::from_be_bytes([bytes[10], bytes[11]]) as usize;
    (len, &bytes[len..])
}

/// Every file in `dir` (recursively) that keycask would not leave: its
/// temporary and journal files.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.contains(".keycask") {
                    found.push(p.display().to_string());
                }
            }
        }
    }
    found
}

/// A key-file keyring with an aes256-gcm key `b` and a P-256 recipient key
/// `p`, whose public half is in `p.pem`.
fn ring() -> TestDir {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "b"]).ok();
    t.run(&["keygen", "p", "--type", "p256", "--purpose", "encrypt"])
        .ok();
    t.run(&["export", "p", "--public", "-o", "p.pem"]).ok();
    t
}

fn compromise(t: &TestDir, key: &str) {
    t.run(&["rotate", key, "--compromised", "--reason", "laptop lost"])
        .ok();
}

#[test]
fn every_envelope_kind_round_trips_under_a_fresh_key_and_the_primary() {
    let t = ring();
    let big = pattern(1, 300_000);
    let kinds: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("d/binary.kc", pattern(2, 1000), vec!["-k", "b"]),
        ("d/armor.asc", pattern(3, 5000), vec!["-k", "b", "--armor"]),
        (
            "d/context.kc",
            pattern(4, 777),
            vec!["-k", "b", "-c", "env=prod", "-c", "app=db"],
        ),
        (
            "d/chunks.kc",
            pattern(5, 10_000),
            vec!["-k", "b", "--chunk-size", "1000"],
        ),
        ("d/empty.kc", Vec::new(), vec!["-k", "b"]),
        ("d/multi.kc", big.clone(), vec!["-k", "b"]),
        ("d/recipient.kc", pattern(6, 70_000), vec!["-k", "p"]),
        (
            "d/mixed.asc",
            pattern(7, 70_000),
            vec!["-k", "b", "--to", "p.pem", "--armor", "-c", "x=y"],
        ),
    ];
    for (name, plain, extra) in &kinds {
        wrap(&t, name, plain, extra);
    }
    std::fs::set_permissions(t.join("d/binary.kc"), PermissionsExt::from_mode(0o640)).unwrap();
    let before: Vec<(Vec<u8>, Value, std::fs::Metadata)> = kinds
        .iter()
        .map(|(name, _, _)| {
            (
                std::fs::read(t.join(name)).unwrap(),
                inspect(&t, name),
                std::fs::metadata(t.join(name)).unwrap(),
            )
        })
        .collect();
    compromise(&t, "b");
    compromise(&t, "p");
    let doc = t.run(&["rekey", "--reencrypt", "--json", "d"]).ok().json();
    assert_eq!(doc["summary"]["reencrypted"], 8, "{doc:#}");
    assert_eq!(doc["summary"]["failed"], 0);
    for ((name, plain, _), (old, old_header, old_meta)) in kinds.iter().zip(&before) {
        unwraps_to(&t, name, plain);
        let new = inspect(&t, name);
        for field in ["armored", "chunk_size", "context", "plaintext_bytes"] {
            assert_eq!(new[field], old_header[field], "{name}: {field}");
        }
        if new["key"] != Value::Null {
            assert_eq!(new["version"], 2, "{name}");
        }
        for r in new["recipients"].as_array().unwrap() {
            assert_eq!(r["key"], "p", "{name}: {r}");
            assert_eq!(r["version"], 2, "{name}: {r}");
        }
        assert_eq!(
            new["recipients"].as_array().unwrap().len(),
            old_header["recipients"].as_array().unwrap().len(),
            "{name}"
        );
        let bytes = std::fs::read(t.join(name)).unwrap();
        assert_ne!(&bytes, old, "{name}: unchanged");
        let meta = std::fs::metadata(t.join(name)).unwrap();
        assert_eq!(
            (meta.mode(), meta.uid(), meta.gid()),
            (old_meta.mode(), old_meta.uid(), old_meta.gid()),
            "{name}"
        );
    }
    // Binary envelopes: a fresh payload, not only a new header.
    let (old_len, old_payload) = split(&before[5].0);
    let new = std::fs::read(t.join("d/multi.kc")).unwrap();
    let (new_len, new_payload) = split(&new);
    assert_eq!(old_len, new_len);
    assert_eq!(old_payload.len(), new_payload.len());
    assert_ne!(old_payload[..64], new_payload[..64]);
    assert!(leftovers(&t.join("d")).is_empty());
}

/// docs/rotation.md: after `--reencrypt`, the old header no longer opens
/// the payload (the content key changed), while an old copy of the whole
/// envelope (a backup) still opens with the old version until that is
/// destroyed.
#[test]
fn the_old_header_fails_on_the_new_payload_and_an_old_copy_still_opens() {
    let t = ring();
    let plain = pattern(8, 200_000);
    wrap(&t, "a.kc", &plain, &["-k", "b"]);
    std::fs::copy(t.join("a.kc"), t.join("backup.kc")).unwrap();
    std::fs::copy(t.join("a.kc"), t.join("header-only.kc")).unwrap();
    compromise(&t, "b");
    t.run(&["rekey", "header-only.kc"]).ok();
    t.run(&["rekey", "--reencrypt", "a.kc"]).ok();
    let old = std::fs::read(t.join("backup.kc")).unwrap();
    let new = std::fs::read(t.join("a.kc")).unwrap();
    let (old_len, old_payload) = split(&old);
    let (new_len, new_payload) = split(&new);
    // The old header (version 1, old CEK) on the new payload.
    let spliced = [&old[..old_len], new_payload].concat();
    std::fs::write(t.join("spliced.kc"), spliced).unwrap();
    // (After the compromised version's warning.)
    let run = t.run(&["unwrap", "spliced.kc"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("spliced.kc: the envelope is damaged or was tampered with")
    );
    assert!(run.output.stdout.is_empty());
    // The new header on the old payload.
    let spliced = [&new[..new_len], old_payload].concat();
    std::fs::write(t.join("spliced2.kc"), spliced).unwrap();
    t.run(&["unwrap", "spliced2.kc"])
        .fails(3, "damaged or was tampered with");
    // A header-only rekey, by contrast, keeps the payload: the old header
    // (a backup's) still opens it, with the compromised version.
    let moved = std::fs::read(t.join("header-only.kc")).unwrap();
    assert_eq!(split(&moved).1, old_payload);
    std::fs::write(
        t.join("spliced3.kc"),
        [&old[..old_len], split(&moved).1].concat(),
    )
    .unwrap();
    assert_eq!(t.run(&["unwrap", "spliced3.kc"]).ok().output.stdout, plain);
    let run = t
        .run(&["unwrap", "backup.kc"])
        .ok()
        .stderr_has("version 1 of key 'b' is flagged compromised");
    assert_eq!(run.output.stdout, plain);
    unwraps_to(&t, "a.kc", &plain);
    // Destroying version 1 is what makes the old copy useless.
    t.run(&["destroy", "b", "--version", "1", "--now", "--yes"])
        .ok();
    t.run(&["unwrap", "backup.kc"]).fails(4, "destroyed");
    unwraps_to(&t, "a.kc", &plain);
}

/// 40 times: `rekey --reencrypt --force` of an 8 MiB envelope (128 chunks,
/// several batches), SIGKILLed at a random moment. The file always opens to
/// the original plaintext (it is the old envelope, byte for byte, or a
/// complete new one), and nothing but at most the temporary file of the
/// rename's last step is left, which the next run removes. A debug build
/// encrypts at a few MB/s (the AES-GCM generics are compiled at opt-level
/// 0 in keycask's own crate), so 8 MiB keeps this near half a minute on an
/// idle machine; `KEYCASK_TEST_REENCRYPT_MIB=200` runs the size of the
/// issue.
#[test]
fn killed_at_random_moments_the_file_is_the_old_or_the_new_envelope() {
    use sha2::Digest;
    let t = ring();
    let mib: usize = std::env::var("KEYCASK_TEST_REENCRYPT_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let plain = pattern(9, mib << 20);
    let want = sha2::Sha256::digest(&plain);
    std::fs::create_dir(t.join("d")).unwrap();
    wrap(&t, "d/big.kc", &plain, &["-k", "b"]);
    compromise(&t, "b");
    let file = t.join("d/big.kc");
    let opens = |label: &str| {
        let run = t.run(&["unwrap", "d/big.kc"]);
        assert!(
            run.output.status.success(),
            "{label}: does not open: {}",
            run.stderr()
        );
        assert!(
            sha2::Sha256::digest(&run.output.stdout) == want,
            "{label}: wrong plaintext"
        );
    };
    let started = Instant::now();
    t.run(&["rekey", "--reencrypt", "d"]).ok();
    let mut span = started.elapsed().as_micros() as u64;
    let mut last = sha2::Sha256::digest(std::fs::read(&file).unwrap());
    opens("first run");
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("reencrypt kill seed {seed}, span {span} µs");
    let (mut killed, mut replaced, mut temp_left) = (0, 0, 0);
    for round in 0..40 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = seed % (span * 6 / 5).max(1);
        let mut cmd = t.command();
        cmd.args(["rekey", "--reencrypt", "--force", "d"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            span = (span * 9 / 10).max(10_000);
        } else {
            killed += 1;
            span = span * 21 / 20;
        }
        let now = sha2::Sha256::digest(std::fs::read(&file).unwrap());
        if now != last {
            // A new envelope: complete, and the same plaintext.
            replaced += 1;
            opens(&format!("round {round}, seed {seed}"));
            last = now;
        }
        let left = leftovers(&t.join("d"));
        for path in &left {
            // Only the finished new envelope, caught between its link and
            // its rename: never plaintext, never anything else.
            assert!(path.ends_with(".big.kc.keycask-rekey.tmp"), "{left:?}");
            let bytes = std::fs::read(path).unwrap();
            assert!(
                !bytes.windows(64).any(|w| w == &plain[1000..1064]),
                "plaintext in {path}"
            );
            temp_left += 1;
        }
    }
    eprintln!(
        "{killed} of 40 runs killed, {replaced} replaced the file, {temp_left} left a temporary file"
    );
    assert!(killed >= 10, "only {killed} of 40 runs were killed");
    opens("after the last kill");
    // The next run finishes cleanly and leaves nothing behind.
    t.run(&["rekey", "--reencrypt", "d"])
        .ok()
        .stdout_has("already current 1");
    assert!(leftovers(&t.join("d")).is_empty());
    opens("after a clean run");
}

/// Makes a file or a folder unwritable even for root: `chattr +i` where
/// it works (root ignores modes), undone on drop.
struct ReadOnly(std::path::PathBuf, bool);

impl ReadOnly {
    fn make(path: std::path::PathBuf) -> ReadOnly {
        let mode = if path.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(&path, PermissionsExt::from_mode(mode)).unwrap();
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

    fn writable(path: &Path) -> bool {
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
            let _ = std::fs::set_permissions(&self.0, PermissionsExt::from_mode(0o755));
        }
    }
}

#[test]
fn read_only_files_and_folders_are_reported_and_nothing_is_half_written() {
    let t = ring();
    wrap(&t, "d/ro.kc", b"read-only file", &["-k", "b"]);
    wrap(&t, "d/ok.kc", b"writable", &["-k", "b"]);
    wrap(&t, "rod/x.kc", b"in a read-only folder", &["-k", "b"]);
    wrap(&t, "rod/y.asc", b"armored there", &["-k", "b", "--armor"]);
    compromise(&t, "b");
    let file = ReadOnly::make(t.join("d/ro.kc"));
    let folder = ReadOnly::make(t.join("rod"));
    if !file.effective() || !folder.effective() {
        eprintln!("cannot make a file or folder read-only here: case not checked");
        return;
    }
    let names = ["d/ro.kc", "rod/x.kc", "rod/y.asc"];
    let before: Vec<Vec<u8>> = names
        .iter()
        .map(|p| std::fs::read(t.join(p)).unwrap())
        .collect();
    t.run(&["rekey", "--reencrypt", "--dry-run", "d", "rod"])
        .fails(1, "3 file(s) would fail to re-encrypt")
        .stdout_has("failed d/ro.kc: cannot write it")
        .stdout_has("failed rod/x.kc: cannot write in its folder rod")
        .stdout_has("failed rod/y.asc: cannot write in its folder rod")
        .stdout_has("would re-encrypt 1 (");
    t.run(&["rekey", "--reencrypt", "d", "rod"])
        .fails(1, "3 file(s) could not be re-encrypted")
        .stdout_has("failed d/ro.kc: cannot write it")
        .stdout_has("failed rod/x.kc: cannot write in its folder rod")
        .stdout_has("re-encrypted 1 (");
    for (p, bytes) in names.iter().zip(&before) {
        assert_eq!(&std::fs::read(t.join(p)).unwrap(), bytes, "{p}");
    }
    assert_eq!(inspect(&t, "d/ok.kc")["version"], 2);
    assert!(leftovers(&t.join("d")).is_empty());
    assert!(leftovers(&t.join("rod")).is_empty());
    drop((file, folder));
    unwraps_to(&t, "d/ro.kc", b"read-only file");
    unwraps_to(&t, "rod/x.kc", b"in a read-only folder");
}

#[test]
fn destroy_check_fails_before_and_passes_after() {
    let t = ring();
    wrap(&t, "backups/a.kc", &pattern(10, 5000), &["-k", "b"]);
    wrap(
        &t,
        "backups/b.asc",
        &pattern(11, 5000),
        &["-k", "b", "--armor"],
    );
    wrap(&t, "backups/c.kc", &pattern(12, 500), &["-k", "p"]);
    compromise(&t, "b");
    compromise(&t, "p");
    let destroy = |key: &str| {
        t.run(&[
            "destroy",
            key,
            "--version",
            "1",
            "--now",
            "--yes",
            "--check",
            "backups",
        ])
    };
    destroy("b")
        .fails(4, "still need")
        .stderr_has("`keycask rekey --reencrypt backups`");
    destroy("p").fails(4, "still need");
    t.run(&["rekey", "--reencrypt", "backups"]).ok();
    destroy("b").ok();
    destroy("p").ok();
    unwraps_to(&t, "backups/a.kc", &pattern(10, 5000));
    unwraps_to(&t, "backups/b.asc", &pattern(11, 5000));
    unwraps_to(&t, "backups/c.kc", &pattern(12, 500));
}

#[test]
fn a_run_does_only_what_is_left_and_force_and_only_compromised_choose() {
    let t = ring();
    t.run(&["keygen", "other"]).ok();
    wrap(&t, "d/1.kc", b"one", &["-k", "b"]);
    wrap(&t, "d/2.kc", b"two", &["-k", "other"]);
    compromise(&t, "b");
    t.run(&["rotate", "other"]).ok();
    wrap(&t, "d/3.kc", b"three", &["-k", "b"]);
    // Only the envelope under the compromised version.
    let doc = t
        .run(&["rekey", "--reencrypt", "--only-compromised", "--json", "d"])
        .ok()
        .json();
    assert_eq!(doc["summary"]["reencrypted"], 1, "{doc:#}");
    assert_eq!(doc["summary"]["not_compromised"], 2, "{doc:#}");
    assert_eq!(doc["files"][0]["path"], "d/1.kc");
    assert_eq!(doc["files"][0]["compromised"], true);
    assert_eq!(inspect(&t, "d/2.kc")["version"], 1);
    // Then the rest: the old version of `other`, not what is current.
    let three = std::fs::read(t.join("d/3.kc")).unwrap();
    t.run(&["rekey", "--reencrypt", "d"])
        .ok()
        .stdout_has("re-encrypted 1 (")
        .stdout_has("already current 2");
    assert_eq!(inspect(&t, "d/2.kc")["version"], 2);
    assert_eq!(std::fs::read(t.join("d/3.kc")).unwrap(), three);
    // Nothing left to do, unless forced.
    t.run(&["rekey", "--reencrypt", "d"])
        .ok()
        .stdout_has("re-encrypted 0 (0 B), already current 3");
    t.run(&["rekey", "--reencrypt", "--force", "d"])
        .ok()
        .stdout_has("re-encrypted 3 (");
    assert_ne!(std::fs::read(t.join("d/3.kc")).unwrap(), three);
    for (f, p) in [("d/1.kc", "one"), ("d/2.kc", "two"), ("d/3.kc", "three")] {
        unwraps_to(&t, f, p.as_bytes());
    }
    // One audit record per run, with counts and bytes.
    let log = std::fs::read_to_string(t.join("keyring.json.audit.jsonl")).unwrap();
    let runs: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"rekey-reencrypt\""))
        .collect();
    assert_eq!(runs.len(), 4, "{log}");
    assert!(runs[3].contains("re-encrypted 3 ("), "{}", runs[3]);
    assert!(runs[3].contains(" bytes)"), "{}", runs[3]);
}

#[test]
fn recipients_without_a_public_key_here_are_refused_unless_given_or_dropped() {
    let t = ring();
    // A recipient of another keyring: keycask here has no key for it.
    let other = TestDir::new();
    other.init_keyfile();
    other
        .run(&["keygen", "ops", "--type", "p256", "--purpose", "encrypt"])
        .ok();
    other
        .run(&["export", "ops", "--public", "-o", "ops.pem"])
        .ok();
    std::fs::copy(other.join("ops.pem"), t.join("ops.pem")).unwrap();
    let fingerprint =
        other.run(&["show", "ops", "--json"]).ok().json()["versions"][0]["public_key_fingerprint"]
            .as_str()
            .unwrap()
            .to_string();
    wrap(
        &t,
        "shared.kc",
        b"for both",
        &["-k", "b", "--to", "ops.pem"],
    );
    compromise(&t, "b");
    let before = std::fs::read(t.join("shared.kc")).unwrap();
    t.run(&["rekey", "--reencrypt", "--dry-run", "shared.kc"])
        .fails(1, "1 file(s) would fail to re-encrypt")
        .stdout_has(&fingerprint)
        .stdout_has("--to PEM");
    t.run(&["rekey", "--reencrypt", "shared.kc"])
        .fails(1, "1 file(s) could not be re-encrypted")
        .stdout_has(&format!(
            "sealed to 1 recipient(s) whose public keys keycask does not have: {fingerprint}"
        ));
    assert_eq!(std::fs::read(t.join("shared.kc")).unwrap(), before);

    // Given with --to: both still open the new envelope.
    t.run(&["rekey", "--reencrypt", "--to", "ops.pem", "shared.kc"])
        .ok();
    assert_ne!(std::fs::read(t.join("shared.kc")).unwrap(), before);
    unwraps_to(&t, "shared.kc", b"for both");
    std::fs::copy(t.join("shared.kc"), other.join("shared.kc")).unwrap();
    let run = other.run(&["unwrap", "shared.kc"]).ok();
    assert_eq!(run.output.stdout, b"for both");

    // Dropped: only this keyring opens it.
    t.run(&[
        "rekey",
        "--reencrypt",
        "--force",
        "--drop-recipient",
        &fingerprint,
        "shared.kc",
    ])
    .ok();
    unwraps_to(&t, "shared.kc", b"for both");
    assert_eq!(
        inspect(&t, "shared.kc")["recipients"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    std::fs::copy(t.join("shared.kc"), other.join("shared.kc")).unwrap();
    other.run(&["unwrap", "shared.kc"]).fails(4, "");
}

#[test]
fn envelopes_of_keys_not_in_this_keyring_are_skipped_and_reported() {
    let t = ring();
    let other = TestDir::new();
    other.init_keyfile();
    other.run(&["keygen", "theirs"]).ok();
    other
        .run_stdin(&["wrap", "-k", "theirs", "-o", "theirs.kc"], b"not ours")
        .ok();
    std::fs::create_dir(t.join("d")).unwrap();
    std::fs::copy(other.join("theirs.kc"), t.join("d/theirs.kc")).unwrap();
    std::fs::write(t.join("d/notes.txt"), b"plain text").unwrap();
    wrap(&t, "d/ours.kc", b"ours", &["-k", "b"]);
    compromise(&t, "b");
    let before = std::fs::read(t.join("d/theirs.kc")).unwrap();
    let doc = t.run(&["rekey", "--reencrypt", "--json", "d"]).ok().json();
    assert_eq!(doc["summary"]["reencrypted"], 1);
    assert_eq!(doc["summary"]["skipped"], 2);
    let theirs = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "d/theirs.kc")
        .unwrap();
    assert_eq!(theirs["status"], "skipped");
    assert!(
        theirs["reason"]
            .as_str()
            .unwrap()
            .contains("none of its keys and recipients is a key of this keyring")
    );
    assert_eq!(std::fs::read(t.join("d/theirs.kc")).unwrap(), before);
    t.run(&["rekey", "--reencrypt", "d"])
        .ok()
        .stdout_has("skipped d/theirs.kc: none of its keys");
}

#[test]
fn the_compromise_hints_name_rekey_reencrypt() {
    let t = ring();
    t.run(&["rotate", "b", "--compromised", "--reason", "leak"])
        .ok()
        .stderr_has("`keycask rekey --reencrypt PATH...`")
        .stderr_has("a header-only `keycask rekey` keeps their content key");
    t.run(&["rotate", "p", "--compromised", "--reason", "leak"])
        .ok()
        .stderr_has("re-encrypt them (`keycask rekey --reencrypt PATH...`)");
}

#[test]
fn bad_arguments_are_refused_before_anything_is_touched() {
    let t = ring();
    wrap(&t, "a.kc", b"x", &["-k", "b"]);
    compromise(&t, "b");
    let before = std::fs::read(t.join("a.kc")).unwrap();
    for flag in [
        &["--force"][..],
        &["--only-compromised"],
        &["--to", "p.pem"],
        &["--drop-recipient", "SHA256:00"],
    ] {
        let mut args = vec!["rekey"];
        args.extend_from_slice(flag);
        args.push("a.kc");
        t.run(&args).fails(2, "--reencrypt");
    }
    t.run(&[
        "rekey",
        "--reencrypt",
        "--drop-recipient",
        "SHA256:abc",
        "a.kc",
    ])
    .fails(
        2,
        "--drop-recipient SHA256:abc: not a public-key fingerprint",
    );
    t.run(&["rekey", "--reencrypt", "--to", "missing.pem", "a.kc"])
        .fails(2, "missing.pem");
    t.run(&["rekey", "--reencrypt", "--to", "a.kc", "a.kc"])
        .fails(2, "a.kc");
    t.run(&["rekey", "--reencrypt", "nothing-here"])
        .fails(2, "no such file or folder: nothing-here");
    assert_eq!(std::fs::read(t.join("a.kc")).unwrap(), before);
}

/// An envelope another keyring made with a key imported here opens here,
/// and so `--reencrypt` moves it: the new envelope is this keyring's, under
/// the imported key's primary version here, and `destroy --check` of the
/// imported version then passes. (Header-only `rekey` skips it.)
#[test]
fn an_envelope_made_with_an_imported_key_is_reencrypted_here() {
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
    let inbox = [
        "keygen",
        "inbox",
        "--type",
        "p256",
        "--purpose",
        "transport",
    ];
    ring("bob.json", &inbox).ok();
    ring(
        "bob.json",
        &["export", "inbox", "--public", "-o", "inbox.pem"],
    )
    .ok();
    std::fs::create_dir(t.join("arch")).unwrap();
    let wrap = [
        "--keyring",
        "alice.json",
        "wrap",
        "-k",
        "backups",
        "-o",
        "arch/h.kc",
    ];
    t.run_stdin(&wrap, b"made by alice").ok();
    let export = ["export", "backups", "--to", "inbox.pem", "-o", "b.kcx"];
    ring("alice.json", &export).ok();
    let import = [
        "import",
        "--bundle",
        "b.kcx",
        "--with",
        "inbox",
        "--as",
        "from-alice",
    ];
    ring("bob.json", &import).ok();
    ring("bob.json", &["rotate", "from-alice", "--compromised"]).ok();

    let doc = ring("bob.json", &["rekey", "--reencrypt", "--json", "arch"])
        .ok()
        .json();
    assert_eq!(doc["files"][0]["status"], "reencrypted", "{doc:#}");
    assert_eq!(doc["files"][0]["keys"][0]["key"], "from-alice");
    assert_eq!(doc["files"][0]["keys"][0]["to_version"], 2);
    let run = ring("bob.json", &["unwrap", "arch/h.kc"]).ok();
    assert_eq!(run.output.stdout, b"made by alice");
    let check = "destroy from-alice --version 1 --now --yes --check arch";
    let mut args = vec!["--keyring", "bob.json"];
    args.extend(check.split(' '));
    t.run(&args).ok();
    // Alice no longer opens it: it is bob's keyring's envelope now.
    ring("alice.json", &["unwrap", "arch/h.kc"]).fails(4, "");
}

/// A payload damaged past the header fails that file when its chunk is
/// reached: the file is left byte for byte, no temporary file is left, and
/// the other files are re-encrypted.
#[test]
fn a_damaged_payload_fails_the_file_and_leaves_it_whole() {
    let t = ring();
    wrap(&t, "d/bad.kc", &pattern(13, 500_000), &["-k", "b"]);
    wrap(&t, "d/good.kc", &pattern(14, 500_000), &["-k", "b"]);
    let mut bytes = std::fs::read(t.join("d/bad.kc")).unwrap();
    let at = bytes.len() - 70_000;
    bytes[at] ^= 1;
    std::fs::write(t.join("d/bad.kc"), &bytes).unwrap();
    compromise(&t, "b");
    t.run(&["rekey", "--reencrypt", "d"])
        .fails(1, "1 file(s) could not be re-encrypted")
        .stdout_has("failed d/bad.kc: the envelope is damaged or was tampered with")
        .stdout_has("re-encrypted 1 (");
    assert_eq!(std::fs::read(t.join("d/bad.kc")).unwrap(), bytes);
    assert!(leftovers(&t.join("d")).is_empty());
    unwraps_to(&t, "d/good.kc", &pattern(14, 500_000));
}

/// A header-only rekey killed after its journal was synced: `--reencrypt`
/// (dry run and real) plans on the header the journal installs, finishes
/// the journal first, and leaves no journal behind.
#[test]
fn a_journal_left_by_a_killed_header_rekey_is_finished_first() {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let t = ring();
    let plain = pattern(15, 100_000);
    wrap(&t, "d/j.kc", &plain, &["-k", "b"]);
    t.run(&["rotate", "b"]).ok();
    let file = t.join("d/j.kc");
    let old = std::fs::read(&file).unwrap();
    t.run(&["rekey", "d/j.kc"]).ok();
    let new = std::fs::read(&file).unwrap();
    let len = split(&old).0;
    std::fs::write(&file, &old).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(rekey_journal_path(&file))
        .unwrap()
        .write_all(&rekey_journal(&old, &new[..len]))
        .unwrap();
    // The journal installs version 2, the primary: nothing left to do.
    t.run(&["rekey", "--reencrypt", "--dry-run", "d"])
        .ok()
        .stdout_has("would re-encrypt 0 (0 B), already current 1");
    assert!(rekey_journal_path(&file).exists(), "a dry run wrote");
    t.run(&["rekey", "--reencrypt", "--force", "d"])
        .ok()
        .stdout_has("re-encrypted 1 (");
    assert!(leftovers(&t.join("d")).is_empty());
    assert_eq!(inspect(&t, "d/j.kc")["version"], 2);
    unwraps_to(&t, "d/j.kc", &plain);
}
