//! The reliability suite: writers killed at random moments, many writers at
//! once, a full disk, a read-only folder, a symlinked keyring, and a path
//! with spaces and non-UTF-8 bytes. After each: the keyring parses, its MAC
//! verifies (`audit verify` unlocks it), it holds the state before or after,
//! the audit chain verifies, and no temporary file outlives the next write.
//!
//! The full-disk and read-only cases mount a small tmpfs, which needs root
//! (as on the project's machines and in CI); elsewhere they say so on
//! stderr and pass without checking, except under CI (`CI=true`), where a
//! check that cannot run fails.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::TestDir;

/// A small deterministic generator; the seed is printed so that a failure
/// can be replayed with `KEYCASK_TEST_SEED`.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("KEYCASK_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("reliability seed: KEYCASK_TEST_SEED={seed}");
        Rng(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn keyring_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The keys of a keyring with the parts every write changes (MAC, audit
/// counter) left out: what "the state" means for before/after checks.
fn keys(doc: &Value) -> serde_json::Map<String, Value> {
    doc["keys"].as_object().unwrap().clone()
}

/// Checks what must hold after any interruption: the keyring parses and
/// unlocks (MAC), and the audit log verifies against it.
#[track_caller]
fn assert_consistent(t: &TestDir) {
    let run = t.run(&["audit", "verify", "--json"]);
    assert_eq!(run.code(), 0, "audit verify failed: {}", run.stderr());
    let doc = run.json();
    assert_eq!(doc["ok"], true);
}

#[test]
fn writers_killed_at_random_moments_leave_before_or_after() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "base"]).ok();
    let mut rng = Rng::new();
    // How long an uninterrupted write takes here, to aim the kills.
    let started = Instant::now();
    t.run(&["keygen", "warm", "--type", "p256"]).ok();
    // Kills are aimed at [0, 2 × span]; span follows the command's real
    // run time (longer when killed, shorter when it finished), so that
    // about half the kills land mid-command, at every stage of it.
    let mut span = started.elapsed().as_micros() as u64;
    let mut outcomes = [0usize; 2];
    let mut uncommitted = 0;
    let mut per_command = std::collections::BTreeMap::new();
    for i in 0..200 {
        let before = keyring_json(&t.keyring());
        let name = format!("k{i}");
        // A version of `base` that destroy may take: enabled, not primary.
        let destroyable = before["keys"]["base"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["state"] == "enabled")
            .map(|v| v["version"].as_u64().unwrap())
            .find(|&v| v != before["keys"]["base"]["primary"].as_u64().unwrap());
        let (args, what): (Vec<String>, &str) = match rng.below(5) {
            4 if destroyable.is_some() => (
                vec![
                    "destroy".into(),
                    "base".into(),
                    "--version".into(),
                    destroyable.unwrap().to_string(),
                    "--now".into(),
                    "--yes".into(),
                ],
                "destroy",
            ),
            0 => (vec!["keygen".into(), name.clone()], "keygen"),
            1 => (
                vec![
                    "keygen".into(),
                    name.clone(),
                    "--type".into(),
                    "p256".into(),
                ],
                "keygen",
            ),
            2 | 4 => (vec!["rotate".into(), "base".into()], "rotate"),
            _ => (vec!["rotate".into(), "--kek".into()], "rotate-kek"),
        };
        let mut cmd = t.command();
        cmd.args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        *per_command.entry(what).or_insert(0usize) += 1;
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(2 * span)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        outcomes[usize::from(status.success())] += 1;
        span = if status.success() {
            span * 19 / 20
        } else {
            span * 21 / 20
        }
        .max(100);

        let after = keyring_json(&t.keyring());
        let (b, a) = (keys(&before), keys(&after));
        match what {
            "keygen" => {
                let mut without = a.clone();
                let added = without.remove(&name);
                assert_eq!(without, b, "iteration {i}: other keys changed");
                if let Some(added) = added {
                    assert_eq!(added["versions"].as_array().unwrap().len(), 1);
                } else {
                    assert_eq!(
                        after["audit"]["seq"], before["audit"]["seq"],
                        "iteration {i}"
                    );
                }
            }
            "destroy" => {
                let number = destroyable.unwrap() as usize - 1;
                let state = |d: &serde_json::Map<String, Value>| {
                    d["base"]["versions"][number]["state"]
                        .as_str()
                        .unwrap()
                        .to_string()
                };
                assert!(
                    state(&a) == state(&b) || state(&a) == "destroyed",
                    "iteration {i}"
                );
                let mut others = (a.clone(), b.clone());
                others.0.remove("base");
                others.1.remove("base");
                assert_eq!(others.0, others.1, "iteration {i}");
            }
            "rotate" => {
                let n = |d: &serde_json::Map<String, Value>| {
                    d["base"]["versions"].as_array().unwrap().len()
                };
                assert!(n(&a) == n(&b) || n(&a) == n(&b) + 1, "iteration {i}");
            }
            _ => {
                let primary = |d: &Value| d["kek"]["primary"].as_u64().unwrap();
                assert!(
                    primary(&after) == primary(&before) || primary(&after) == primary(&before) + 1,
                    "iteration {i}"
                );
            }
        }
        if status.success() {
            assert_ne!(
                after["audit"]["seq"], before["audit"]["seq"],
                "iteration {i}"
            );
        }
        let verify = t.run(&["audit", "verify", "--json"]).ok().json();
        assert_eq!(verify["ok"], true, "iteration {i}");
        if !verify["uncommitted"].as_array().unwrap().is_empty() {
            uncommitted += 1;
        }
        if i % 20 == 19 {
            // A completed write clears what killed writers left behind.
            t.run(&["keygen", &format!("check{i}")]).ok();
            assert_eq!(t.temp_files(), Vec::<String>::new(), "iteration {i}");
            assert_consistent(&t);
        }
    }
    eprintln!(
        "commands: {per_command:?}; killed before finishing: {}, finished: {}, checks that found records of a killed writer past the counter: {uncommitted}",
        outcomes[0], outcomes[1]
    );
    assert!(
        outcomes[0] > 0,
        "no kill landed mid-command: aim the delays"
    );
    assert!(outcomes[1] > 0, "every command was killed: aim the delays");
}

#[test]
fn concurrent_writers_lose_no_update() {
    const PROCESSES: usize = 16;
    const WRITES: usize = 50;
    let t = TestDir::new();
    // 800 writes are 2,400 fsyncs: on a tmpfs where one can be mounted
    // (locking and atomic replacement behave the same; durability is the
    // crash test's business), so the suite stays short.
    let fs = Tmpfs::mount(t.join("fast"), "64m");
    let keyring = fs
        .as_ref()
        .map_or_else(|| t.keyring(), |fs| fs.path.join("keyring.json"));
    let with_keyring = |args: &[&str]| {
        let mut cmd = t.command();
        cmd.env("KEYCASK_KEYRING", &keyring);
        t.run_with(cmd, args, None)
    };
    let spec = format!("keyfile:{}", t.join("root.key").display());
    with_keyring(&["init", "--root", &spec]).ok();
    let mut threads = Vec::new();
    for p in 0..PROCESSES {
        let keyring = keyring.clone();
        let home = t.path().to_path_buf();
        threads.push(std::thread::spawn(move || {
            let mut expected_versions = 0usize;
            let own = format!("p{p}");
            for w in 0..WRITES {
                let args: Vec<String> = match w % 4 {
                    _ if w == 0 => vec!["keygen".into(), own.clone()],
                    1 => vec!["rotate".into(), own.clone()],
                    2 => {
                        vec![
                            "disable".into(),
                            own.clone(),
                            "--version".into(),
                            "1".into(),
                        ]
                    }
                    3 => {
                        vec!["enable".into(), own.clone(), "--version".into(), "1".into()]
                    }
                    _ => vec!["keygen".into(), format!("p{p}-{w}")],
                };
                if args[0] == "rotate" || w == 0 {
                    expected_versions += 1;
                }
                let out = Command::new(assert_cmd::cargo::cargo_bin!("keycask"))
                    .args(&args)
                    .env("KEYCASK_KEYRING", &keyring)
                    .env("HOME", &home)
                    .env_remove("KEYCASK_KEYFILE")
                    .stdin(Stdio::null())
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            expected_versions
        }));
    }
    let own_versions: Vec<usize> = threads.into_iter().map(|h| h.join().unwrap()).collect();
    let doc = keyring_json(&keyring);
    let keys = keys(&doc);
    let total_versions: usize = keys
        .values()
        .map(|k| k["versions"].as_array().unwrap().len())
        .sum();
    let other_keygens = keys.len() - PROCESSES;
    assert_eq!(
        total_versions,
        own_versions.iter().sum::<usize>() + other_keygens,
        "versions lost"
    );
    let names: BTreeSet<&String> = keys.keys().collect();
    for p in 0..PROCESSES {
        assert!(names.contains(&format!("p{p}")));
    }
    // Every write is in the log: init plus one record per write.
    assert_eq!(doc["audit"]["seq"], (1 + PROCESSES * WRITES) as u64);
    let verify = with_keyring(&["audit", "verify", "--json"]).ok().json();
    assert_eq!(verify["ok"], true);
    assert_eq!(verify["records"], (1 + PROCESSES * WRITES) as u64);
    let dir = keyring.parent().unwrap();
    let temps: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(temps, Vec::<String>::new());
    drop(fs);
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(path: PathBuf, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(&path).unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            Some(Tmpfs { path })
        } else {
            crate::util::cannot_check("cannot mount a tmpfs (not root?)");
            None
        }
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.path)
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the filesystem at `dir` to the last byte, keeping `spare` bytes in
/// a file that can be removed to free exactly that much.
fn fill(dir: &Path, spare: usize) {
    std::fs::write(dir.join("spare"), vec![0u8; spare]).unwrap();
    use std::io::Write;
    let mut filler = std::fs::File::create(dir.join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    while filler.write_all(&chunk).is_ok() {}
    while filler.write_all(&chunk[..1]).is_ok() {}
    let _ = std::fs::remove_file(dir.join("spare"));
}

#[test]
fn a_full_disk_fails_clearly_and_keeps_the_keyring() {
    let t = TestDir::new();
    let Some(fs) = Tmpfs::mount(t.join("small"), "256k") else {
        return;
    };
    let keyring = fs.path.join("keyring.json");
    let with_keyring = |args: &[&str]| {
        let mut cmd = t.command();
        cmd.env("KEYCASK_KEYRING", &keyring);
        t.run_with(cmd, args, None)
    };
    let spec = format!("keyfile:{}", t.join("root.key").display());
    with_keyring(&["init", "--root", &spec]).ok();
    // 14 keys: enough for more than two pages since keys are written
    // without their default `origin` (issue 19).
    for i in 0..14 {
        with_keyring(&["keygen", &format!("sig{i}"), "--type", "p256"]).ok();
    }
    let before = std::fs::read(&keyring).unwrap();
    assert!(before.len() > 8192, "the keyring must need several pages");

    // Nothing free: the audit append fails first; nothing changes.
    fill(&fs.path, 0);
    with_keyring(&["keygen", "full"]).fails(1, "No space left on device");
    assert_eq!(std::fs::read(&keyring).unwrap(), before);
    with_keyring(&["audit", "verify"]).ok();

    // One page free: the audit record fits, the keyring does not. The
    // keyring stays as it was; the record is reported as uncommitted.
    std::fs::remove_file(fs.path.join("filler")).unwrap();
    fill(&fs.path, 4096);
    with_keyring(&["keygen", "full"]).fails(1, "cannot write the keyring");
    assert_eq!(std::fs::read(&keyring).unwrap(), before);
    with_keyring(&["list"]).ok().stdout_has("sig11");
    let verify = with_keyring(&["audit", "verify", "--json"]).ok().json();
    assert_eq!(verify["ok"], true);
    let temps: Vec<String> = std::fs::read_dir(&fs.path)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(
        temps,
        Vec::<String>::new(),
        "a failed write left its temp file"
    );

    // Space again: the next write succeeds and marks the interrupted one.
    std::fs::remove_file(fs.path.join("filler")).unwrap();
    with_keyring(&["keygen", "after"]).ok();
    with_keyring(&["audit", "verify"]).ok();
    let log = with_keyring(&["audit", "--json"]).ok().json();
    let ops: Vec<&str> = log["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["op"].as_str().unwrap())
        .collect();
    let tail = &ops[ops.len().saturating_sub(3)..];
    assert!(
        tail == ["keygen", "interrupted", "keygen"] || tail.ends_with(&["keygen", "keygen"]),
        "{ops:?}"
    );
    drop(fs);
}

#[test]
fn a_read_only_keyring_folder_reads_but_refuses_writes() {
    let t = TestDir::new();
    let Some(fs) = Tmpfs::mount(t.join("ro"), "1m") else {
        return;
    };
    let keyring = fs.path.join("keyring.json");
    let with_keyring = |args: &[&str]| {
        let mut cmd = t.command();
        cmd.env("KEYCASK_KEYRING", &keyring);
        t.run_with(cmd, args, None)
    };
    let spec = format!("keyfile:{}", t.join("root.key").display());
    with_keyring(&["init", "--root", &spec]).ok();
    with_keyring(&["keygen", "a"]).ok();
    let before = std::fs::read(&keyring).unwrap();
    fs.remount("ro");
    with_keyring(&["keygen", "b"]).fails(5, "Read-only file system");
    with_keyring(&["config", "audit-usage", "on"]).fails(5, "Read-only file system");
    with_keyring(&["list"]).ok().stdout_has("a");
    with_keyring(&["show", "a"]).ok();
    with_keyring(&["audit"]).ok().stdout_has("keygen");
    with_keyring(&["audit", "verify"]).ok();
    assert_eq!(std::fs::read(&keyring).unwrap(), before);
    // Using a key reads only, unless usage is logged: then it must write,
    // and fails closed.
    std::fs::write(t.join("plain"), b"data").unwrap();
    let plain = t.join("plain");
    let plain = plain.to_str().unwrap();
    with_keyring(&["wrap", "-k", "a", "-o", "a.kc", plain]).ok();
    fs.remount("rw");
    with_keyring(&["config", "audit-usage", "on"]).ok();
    fs.remount("ro");
    with_keyring(&["wrap", "-k", "a", "-o", "b.kc", plain]).fails(5, "Read-only file system");
    assert!(!t.join("b.kc").exists());
    fs.remount("rw");
    with_keyring(&["keygen", "b"]).ok();
    drop(fs);
}

#[test]
fn a_symlinked_keyring_is_followed_and_stays_a_link() {
    let t = TestDir::new();
    let real_dir = t.join("real");
    std::fs::create_dir(&real_dir).unwrap();
    let spec = format!("keyfile:{}", t.join("root.key").display());
    let mut cmd = t.command();
    cmd.env("KEYCASK_KEYRING", real_dir.join("ring.json"));
    t.run_with(cmd, &["init", "--root", &spec], None).ok();
    std::os::unix::fs::symlink(real_dir.join("ring.json"), t.keyring()).unwrap();

    t.run(&["keygen", "a"]).ok();
    assert!(t.keyring().is_symlink(), "the link was replaced by a file");
    let doc = keyring_json(&real_dir.join("ring.json"));
    assert!(doc["keys"]["a"].is_object());
    // Lock and log live beside the real file, not beside the link.
    assert!(real_dir.join("ring.json.audit.jsonl").exists());
    assert!(real_dir.join("ring.json.lock").exists());
    assert!(!t.join("keyring.json.audit.jsonl").exists());
    t.run(&["audit", "verify"]).ok().stdout_has("2 records");
    assert_eq!(t.temp_files(), Vec::<String>::new());

    // `init` never writes through a link, dangling or not.
    std::fs::remove_file(real_dir.join("ring.json")).unwrap();
    t.run(&["init", "--root", &spec])
        .fails(5, "is a symbolic link to")
        .stderr_has("which does not exist")
        .stderr_has("hint: create the keyring where the link points");
    assert!(!real_dir.join("ring.json").exists());
}

/// `--keyring` naming a folder is told so, never asked to `chmod 600` it.
#[test]
fn a_folder_given_as_the_keyring_is_named_for_what_it_is() {
    let t = TestDir::new();
    let dir = t.join("keys");
    std::fs::create_dir(&dir).unwrap();
    let dir = dir.to_str().unwrap();
    let spec = format!("keyfile:{}", t.join("root.key").display());
    for args in [
        &["--keyring", dir, "list"][..],
        &["--keyring", dir, "keygen", "a"],
        &["--keyring", dir, "init", "--root", &spec],
    ] {
        t.run(args)
            .fails(5, "is a folder, not a keyring file")
            .stderr_has("keys/keyring.json");
    }
    assert!(!t.join("root.key").exists());
}

#[test]
fn a_path_with_spaces_and_non_utf8_bytes_works() {
    let t = TestDir::new();
    let mut name = b"my keys \xff\xfe dir".to_vec();
    let dir = t.path().join(OsString::from_vec(std::mem::take(&mut name)));
    let keyring = dir.join("key ring.json");
    let with_keyring = |args: &[&str]| {
        let mut cmd = t.command();
        cmd.env("KEYCASK_KEYRING", &keyring);
        t.run_with(cmd, args, None)
    };
    let spec = format!("keyfile:{}", t.join("root.key").display());
    with_keyring(&["init", "--root", &spec]).ok();
    with_keyring(&["keygen", "a"]).ok();
    with_keyring(&["keygen", "b", "--type", "p256"]).ok();
    with_keyring(&["list"]).ok().stdout_has("b");
    with_keyring(&["audit", "verify"])
        .ok()
        .stdout_has("3 records");
    assert!(dir.join("key ring.json.audit.jsonl").exists());
    // Errors name the path readably (lossily), on one line.
    std::fs::remove_file(&keyring).unwrap();
    with_keyring(&["list"]).fails(5, "my keys \u{fffd}\u{fffd} dir/key ring.json");
}

#[test]
fn wrap_on_a_full_disk_leaves_no_partial_output() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "data"]).ok();
    let Some(fs) = Tmpfs::mount(t.join("small"), "256k") else {
        return;
    };
    let input = t.join("input.bin");
    std::fs::write(&input, vec![0x5a; 1024 * 1024]).unwrap();
    let output = fs.path.join("out.kc");
    let out_arg = output.to_str().unwrap();
    t.run(&["wrap", "-k", "data", "-o", out_arg, "input.bin"])
        .fails(1, "No space left on device");
    let left: Vec<String> = std::fs::read_dir(&fs.path)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, Vec::<String>::new(), "wrap left output behind");
    // A small input fits, and is written whole.
    std::fs::write(&input, b"small enough").unwrap();
    t.run(&["wrap", "-k", "data", "-o", out_arg, "input.bin"])
        .ok();
    assert!(output.exists());
    drop(fs);
}

/// `unwrap > FILE` on a disk that fills up part-way: the exit code is a
/// failure and the message says that what went to stdout is incomplete.
#[test]
fn unwrap_to_stdout_on_a_full_disk_says_the_output_is_incomplete() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "data"]).ok();
    std::fs::write(t.join("input.bin"), vec![0x5a; 1024 * 1024]).unwrap();
    t.run(&["wrap", "-k", "data", "-o", "data.kc", "input.bin"])
        .ok();
    let Some(fs) = Tmpfs::mount(t.join("small"), "256k") else {
        return;
    };
    let out = t
        .command()
        .args(["unwrap", "data.kc"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(fs.path.join("out")).unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("No space left on device")
            && stderr.contains("the output written to stdout is incomplete: discard it"),
        "{stderr}"
    );
    drop(fs);
}

/// Regression (found by the `unwrap` fuzz target): a damaged chunk in the
/// first batches of a long envelope made `unwrap` wait forever for its
/// reader thread. It must fail at once, write nothing, and never hang.
#[test]
fn unwrap_of_a_long_envelope_damaged_early_fails_without_hanging() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "k"]).ok();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(t.join("data"), &data).unwrap();
    t.run(&[
        "wrap",
        "-k",
        "k",
        "--chunk-size",
        "64",
        "-o",
        "e.kc",
        "data",
    ])
    .ok();
    let mut bytes = std::fs::read(t.join("e.kc")).unwrap();
    let at = bytes.len() / 8;
    bytes[at] ^= 1;
    std::fs::write(t.join("bad.kc"), &bytes).unwrap();
    let mut cmd = t.command();
    cmd.args(["unwrap", "-o", "out", "bad.kc"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("unwrap of a damaged envelope hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(3));
    assert!(!t.join("out").exists(), "a partial output was left");
    assert_eq!(t.temp_files(), Vec::<String>::new());
}
