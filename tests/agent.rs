//! `keycask agent`, `unlock` and `lock` (issue 20): every test starts the
//! real binary as the agent and talks to it over its real socket, through
//! keycask commands or raw protocol frames.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Run, TestDir};

/// An agent run with `--foreground`, its socket in a folder of the test's
/// own (TMPDIR); killed when dropped.
pub struct Agent {
    child: Child,
    pub socket: PathBuf,
    pub pid: u32,
}

impl Agent {
    pub fn start(t: &TestDir) -> Agent {
        let mut cmd = t.command();
        cmd.args(["agent", "--foreground"])
            .env("TMPDIR", t.path())
            .env_remove("XDG_RUNTIME_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start the agent");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let second = lines.next().unwrap().unwrap();
        let third = lines.next().unwrap().unwrap();
        let socket = first
            .strip_prefix("KEYCASK_AGENT_SOCK=")
            .and_then(|rest| rest.strip_suffix("; export KEYCASK_AGENT_SOCK;"))
            .unwrap_or_else(|| panic!("first line: {first}"));
        let pid: u32 = second
            .strip_prefix("KEYCASK_AGENT_PID=")
            .and_then(|rest| rest.strip_suffix("; export KEYCASK_AGENT_PID;"))
            .unwrap_or_else(|| panic!("second line: {second}"))
            .parse()
            .unwrap();
        assert_eq!(pid, child.id());
        assert_eq!(third, format!("echo Agent pid {pid};"));
        Agent {
            child,
            socket: PathBuf::from(socket),
            pid,
        }
    }

    /// A keycask command that uses this agent.
    pub fn command(&self, t: &TestDir) -> Command {
        let mut cmd = t.command();
        cmd.env("KEYCASK_AGENT_SOCK", &self.socket)
            .env("KEYCASK_AGENT_PID", self.pid.to_string());
        cmd
    }

    fn run(&self, t: &TestDir, args: &[&str]) -> Run {
        t.run_with(self.command(t), args, None)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.socket.with_file_name("agent.log")).unwrap_or_default()
    }

    /// Waits (at most a minute) until the log holds `needle`.
    #[track_caller]
    fn wait_for_log(&self, needle: &str) {
        let start = Instant::now();
        while !self.log().contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the agent's log never said {needle:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn connect(&self) -> UnixStream {
        let stream = UnixStream::connect(&self.socket).expect("connect to the agent");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream
    }

    /// One request, one reply, on a connection of its own.
    fn ask(&self, body: &str) -> serde_json::Value {
        let mut stream = self.connect();
        send(&mut stream, body.as_bytes());
        receive(&mut stream).expect("a reply")
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn send(stream: &mut UnixStream, body: &[u8]) {
    stream
        .write_all(&(body.len() as u32).to_be_bytes())
        .unwrap();
    stream.write_all(body).unwrap();
}

fn receive(stream: &mut UnixStream) -> Option<serde_json::Value> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    stream.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("a JSON reply"))
}

fn keyring_id(t: &TestDir) -> String {
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    doc["keyring_id"].as_str().unwrap().to_string()
}

/// A passphrase keyring with an AES key `k`, an agent, and the keyring
/// unlocked in it for `duration` (the passphrase read once, from
/// KEYCASK_PASSPHRASE_FILE).
fn unlocked(t: &TestDir, duration: &str) -> Agent {
    t.init_passphrase("correct horse battery staple");
    t.run(&["keygen", "k", "--passphrase-file", "pass.txt"])
        .ok();
    let agent = Agent::start(t);
    let mut cmd = agent.command(t);
    cmd.env("KEYCASK_PASSPHRASE_FILE", t.join("pass.txt"));
    t.run_with(cmd, &["unlock", "--for", duration], None)
        .ok()
        .stdout_has(&format!("in the agent (pid {})", agent.pid));
    agent
}

/// What a command without a passphrase source says when the agent cannot
/// serve it: today's error (exit 2, no terminal), with a hint to unlock.
#[track_caller]
fn asks_again(run: Run) -> Run {
    run.fails(2, "no passphrase given and no terminal")
        .stderr_has("`keycask unlock`")
}

#[test]
fn a_session_of_twenty_unwraps_asks_for_the_passphrase_once() {
    let t = TestDir::new();
    let agent = unlocked(&t, "15m");
    // The passphrase is gone: everything from here runs on the agent.
    std::fs::remove_file(t.join("pass.txt")).unwrap();
    for i in 0..20 {
        let plain = format!("file {i}");
        std::fs::write(t.join(&format!("{i}.txt")), &plain).unwrap();
        agent
            .run(
                &t,
                &[
                    "wrap",
                    "-k",
                    "k",
                    "-o",
                    &format!("{i}.kc"),
                    &format!("{i}.txt"),
                ],
            )
            .ok();
    }
    for i in 0..20 {
        let out = agent.run(&t, &["unwrap", &format!("{i}.kc")]).ok();
        assert_eq!(out.stdout(), format!("file {i}"));
    }
    // Writers work through the agent too.
    agent.run(&t, &["keygen", "second"]).ok();
    agent.run(&t, &["rotate", "k"]).ok();
    let audit = t.run(&["audit"]).ok().stdout();
    assert_eq!(audit.matches(" unlock ").count(), 1, "{audit}");
    assert!(
        audit.contains(&format!("agent pid {}", agent.pid)),
        "{audit}"
    );
    // Without the agent, the same command asks (and there is no terminal).
    t.run(&["unwrap", "0.kc"])
        .fails(2, "no passphrase given and no terminal");
}

#[test]
fn an_unlock_expires() {
    let t = TestDir::new();
    let agent = unlocked(&t, "2s");
    agent.wait_for_log("expired and was forgotten");
    std::fs::write(t.join("a.txt"), "a").unwrap();
    asks_again(agent.run(&t, &["wrap", "-k", "k", "a.txt"]))
        .stderr_has("not unlocked, locked, or expired");
    // The passphrase still works, as without an agent.
    agent
        .run(
            &t,
            &["wrap", "-k", "k", "--passphrase-file", "pass.txt", "a.txt"],
        )
        .ok();
    // Bounds of --for.
    for bad in ["0s", "13h", "soon"] {
        agent
            .run(
                &t,
                &["unlock", "--for", bad, "--passphrase-file", "pass.txt"],
            )
            .fails(2, "--for");
    }
}

#[test]
fn lock_forgets_now_and_is_in_the_audit_log() {
    let t = TestDir::new();
    let agent = unlocked(&t, "15m");
    std::fs::write(t.join("a.txt"), "a").unwrap();
    agent.run(&t, &["wrap", "-k", "k", "a.txt"]).ok();
    agent
        .run(&t, &["lock"])
        .ok()
        .stdout_has("forgot 1 keyring(s)");
    asks_again(agent.run(&t, &["wrap", "-k", "k", "a.txt"]));
    agent
        .run(&t, &["lock"])
        .ok()
        .stdout_has("held no keyring to lock");
    let audit = t.run(&["audit", "--json"]).ok().json();
    let records = audit["records"].as_array().expect("records");
    let ops: Vec<&str> = records.iter().map(|r| r["op"].as_str().unwrap()).collect();
    assert!(ops.ends_with(&["unlock", "lock"]), "{ops:?}");
    let detail = records.last().unwrap()["detail"].as_str().unwrap();
    assert_eq!(detail, format!("agent pid {}", agent.pid));
    t.run(&["audit", "verify", "--passphrase-file", "pass.txt"])
        .ok();

    // lock --all: two keyrings held, both forgotten.
    let mut unlock = agent.command(&t);
    unlock.env("KEYCASK_PASSPHRASE_FILE", t.join("pass.txt"));
    t.run_with(unlock, &["unlock"], None).ok();
    let other = TestDir::new();
    other.init_keyfile();
    let mut cmd = agent.command(&other);
    cmd.env("KEYCASK_KEYRING", other.keyring());
    other.run_with(cmd, &["unlock"], None).ok();
    let held = agent.ask(r#"{"v":1,"op":"status"}"#);
    assert_eq!(held["entries"].as_array().unwrap().len(), 2, "{held}");
    agent
        .run(&t, &["lock", "--all"])
        .ok()
        .stdout_has("forgot 2 keyring(s)");
    let held = agent.ask(r#"{"v":1,"op":"status"}"#);
    assert_eq!(held["entries"].as_array().unwrap().len(), 0, "{held}");
    assert!(other.run(&["audit"]).ok().stdout().contains(" lock "));
}

#[test]
fn unlock_and_lock_need_an_agent() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    t.run(&["unlock", "--passphrase-file", "pass.txt"])
        .fails(2, "no keycask agent: KEYCASK_AGENT_SOCK is not set")
        .stderr_has("eval \"$(keycask agent)\"");
    t.run(&["lock"]).fails(2, "no keycask agent");
    let mut cmd = t.command();
    cmd.env("KEYCASK_AGENT_SOCK", t.join("no-such.sock"));
    t.run_with(cmd, &["unlock", "--passphrase-file", "pass.txt"], None)
        .fails(2, "cannot reach the agent");
    // Nothing was written: no unlock record.
    assert!(!t.run(&["audit"]).ok().stdout().contains("unlock"));
}

#[test]
fn another_uid_is_refused_and_logged() {
    let t = TestDir::new();
    if rustix_is_root(&t).is_none() || Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipped: needs root and setpriv");
        return;
    }
    let agent = unlocked(&t, "15m");
    // Let `nobody` reach the socket at all: the check under test is the
    // agent's own (SO_PEERCRED), not the folder's permissions.
    for dir in [t.path(), agent.socket.parent().unwrap()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&agent.socket, std::fs::Permissions::from_mode(0o777)).unwrap();
    // A raw client as nobody: a valid `get` for the keyring gets no reply.
    let script = format!(
        "import socket,struct\n\
         s=socket.socket(socket.AF_UNIX)\n\
         s.connect({:?})\n\
         b=b'{{\"v\":1,\"op\":\"get\",\"keyring\":\"{}\"}}'\n\
         try:\n\
         \x20s.sendall(struct.pack('>I',len(b))+b)\n\
         \x20print('reply' if s.recv(4) else 'closed')\n\
         except OSError:\n\
         \x20print('closed')\n",
        agent.socket.to_str().unwrap(),
        keyring_id(&t)
    );
    let out = Command::new("setpriv")
        .args(["--reuid", "nobody", "--regid", "nogroup", "--clear-groups"])
        .args(["/usr/bin/python3", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "closed",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    agent.wait_for_log("refused a connection from uid 65534");
    // keycask itself as nobody: refused too (it also checks the agent's uid).
    let out = Command::new("setpriv")
        .args(["--reuid", "nobody", "--regid", "nogroup", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin!("keycask"))
        .arg("lock")
        .env("KEYCASK_AGENT_SOCK", &agent.socket)
        .env("KEYCASK_KEYRING", t.keyring())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("runs as uid 0, not as this user"));
    // The agent still serves its own user.
    agent.run(&t, &["datakey", "-k", "k", "--json"]).ok();
}

fn rustix_is_root(t: &TestDir) -> Option<()> {
    let meta = std::fs::metadata(t.path()).ok()?;
    (std::os::unix::fs::MetadataExt::uid(&meta) == 0).then_some(())
}

#[test]
fn a_killed_agent_means_asking_again() {
    let t = TestDir::new();
    let mut agent = unlocked(&t, "15m");
    std::fs::write(t.join("a.txt"), "a").unwrap();
    agent.run(&t, &["wrap", "-k", "k", "a.txt"]).ok();
    agent.child.kill().unwrap();
    agent.child.wait().unwrap();
    asks_again(agent.run(&t, &["wrap", "-k", "k", "a.txt"])).stderr_has("cannot reach the agent");
    agent
        .run(
            &t,
            &["wrap", "-k", "k", "a.txt", "--passphrase-file", "pass.txt"],
        )
        .ok();
}

#[test]
fn a_keyring_edited_behind_the_agent_is_refused_and_forgotten() {
    let t = TestDir::new();
    let agent = unlocked(&t, "15m");
    std::fs::write(t.join("a.txt"), "a").unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    doc["keys"]["k"]["created"] = serde_json::json!("2001-09-09T01:46:40Z");
    std::fs::write(t.keyring(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    agent
        .run(&t, &["wrap", "-k", "k", "a.txt"])
        .fails(5, "under the KEK the agent holds")
        .stderr_has("forgot it");
    agent.wait_for_log("failed its MAC check");
    let held = agent.ask(r#"{"v":1,"op":"status"}"#);
    assert_eq!(held["entries"], serde_json::json!([]), "{held}");
    // A writer is refused the same way, and nothing is written.
    let mut unlock = agent.command(&t);
    unlock.env("KEYCASK_PASSPHRASE_FILE", t.join("pass.txt"));
    let before = t.keyring_bytes();
    t.run_with(unlock, &["unlock"], None)
        .fails(5, "integrity check");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn rotate_kek_keeps_the_agent_serving_and_checks_the_root() {
    let t = TestDir::new();
    let agent = unlocked(&t, "15m");
    std::fs::write(t.join("a.txt"), "a").unwrap();
    agent
        .run(&t, &["wrap", "-k", "k", "-o", "a.kc", "a.txt"])
        .ok();
    // A wrong passphrase never wraps the new KEK: refused, nothing written.
    std::fs::write(t.join("wrong.txt"), "not the passphrase").unwrap();
    let before = t.keyring_bytes();
    agent
        .run(&t, &["rotate", "--kek", "--passphrase-file", "wrong.txt"])
        .fails(3, "");
    assert_eq!(t.keyring_bytes(), before);
    agent
        .run(&t, &["rotate", "--kek", "--passphrase-file", "pass.txt"])
        .ok();
    // The agent now holds the new KEK: no prompt, no refusal.
    assert_eq!(agent.run(&t, &["unwrap", "a.kc"]).ok().stdout(), "a");
    // rotate --kek by a command without the agent: the agent's KEK is stale,
    // so the command falls back to asking (it is not an edit).
    t.run(&["rotate", "--kek", "--passphrase-file", "pass.txt"])
        .ok();
    asks_again(agent.run(&t, &["unwrap", "a.kc"])).stderr_has("rotated since `keycask unlock`");
    // rotate --root proves the old root even with the agent.
    let mut cmd = agent.command(&t);
    cmd.env("KEYCASK_PASSPHRASE_FILE", t.join("pass.txt"));
    t.run_with(cmd, &["unlock"], None).ok();
    agent
        .run(
            &t,
            &["rotate", "--root", "--new-passphrase-file", "wrong.txt"],
        )
        .fails(2, "no passphrase given and no terminal");
}

#[test]
fn bad_frames_leave_the_agent_alive() {
    let t = TestDir::new();
    let mut agent = unlocked(&t, "15m");
    let id = keyring_id(&t);
    let refusals = [
        ("not json", "malformed"),
        ("[]", "malformed"),
        (r#"{"v":2,"op":"ping"}"#, "version"),
        (r#"{"v":1,"op":"explode"}"#, "malformed"),
        (r#"{"v":1,"op":"get","keyring":"../../etc"}"#, "malformed"),
        (r#"{"v":1,"op":"ping","keyring":"x"}"#, "malformed"),
        (
            r#"{"v":1,"op":"add","keyring":"0","seconds":1}"#,
            "malformed",
        ),
        (
            r#"{"v":1,"op":"get","keyring":"0123456789abcdef0123456789abcdef"}"#,
            "locked",
        ),
    ];
    for (body, word) in refusals {
        let reply = agent.ask(body);
        assert_eq!(reply["ok"], false, "{body}: {reply}");
        assert_eq!(reply["error"], word, "{body}: {reply}");
    }
    // A frame longer than 64 KiB: refused, the connection closed.
    let mut stream = agent.connect();
    stream.write_all(&(1u32 << 20).to_be_bytes()).unwrap();
    let reply = receive(&mut stream).expect("a refusal");
    assert_eq!(reply["error"], "malformed");
    assert!(receive(&mut stream).is_none());
    // Truncated frames, then the client goes away.
    for bytes in [&b"\0\0"[..], &b"\0\0\0\x10{\"v\""[..], &[0xff; 3][..]] {
        let mut stream = agent.connect();
        stream.write_all(bytes).unwrap();
    }
    // Many requests on one connection, good and bad mixed.
    let mut stream = agent.connect();
    for i in 0..50 {
        let body = if i % 2 == 0 {
            r#"{"v":1,"op":"ping"}"#.to_string()
        } else {
            format!("{{\"v\":1,\"op\":\"get\",\"keyring\":\"{id}\",\"junk\":{i}}}")
        };
        send(&mut stream, body.as_bytes());
        let reply = receive(&mut stream).unwrap();
        assert_eq!(reply["ok"], i % 2 == 0, "{reply}");
    }
    assert!(agent.alive());
    assert_eq!(agent.ask(r#"{"v":1,"op":"ping"}"#)["pid"], agent.pid);
    std::fs::write(t.join("a.txt"), "a").unwrap();
    agent.run(&t, &["wrap", "-k", "k", "a.txt"]).ok();
    // The log names what was refused, never a key.
    let log = agent.log();
    assert!(log.contains("refused a request"), "{log}");
    assert!(log.contains("refused a frame"), "{log}");
}

#[test]
fn eight_clients_with_a_hundred_requests_each() {
    let t = TestDir::new();
    let agent = unlocked(&t, "15m");
    let id = keyring_id(&t);
    std::fs::write(t.join("a.txt"), "a").unwrap();
    agent
        .run(&t, &["wrap", "-k", "k", "-o", "a.kc", "a.txt"])
        .ok();
    let socket = agent.socket.clone();
    let raw: Vec<_> = (0..8)
        .map(|_| {
            let (socket, id) = (socket.clone(), id.clone());
            std::thread::spawn(move || {
                let mut stream = UnixStream::connect(&socket).unwrap();
                let mut keys = std::collections::BTreeSet::new();
                for _ in 0..100 {
                    send(
                        &mut stream,
                        format!("{{\"v\":1,\"op\":\"get\",\"keyring\":\"{id}\"}}").as_bytes(),
                    );
                    let reply = receive(&mut stream).unwrap();
                    assert_eq!(reply["ok"], true, "{reply}");
                    keys.insert(reply["keks"][0]["key"].as_str().unwrap().to_string());
                }
                keys
            })
        })
        .collect();
    // Real commands at the same time.
    let commands: Vec<_> = (0..4)
        .map(|_| {
            let (socket, dir) = (agent.socket.clone(), t.path().to_path_buf());
            std::thread::spawn(move || {
                for _ in 0..5 {
                    let out = Command::new(assert_cmd::cargo::cargo_bin!("keycask"))
                        .args(["unwrap", "a.kc"])
                        .current_dir(&dir)
                        .env("KEYCASK_KEYRING", dir.join("keyring.json"))
                        .env("KEYCASK_AGENT_SOCK", &socket)
                        .env_remove("KEYCASK_PASSPHRASE_FILE")
                        .env_remove("KEYCASK_PASSPHRASE")
                        .stdin(Stdio::null())
                        .output()
                        .unwrap();
                    assert!(out.status.success(), "{out:?}");
                    assert_eq!(out.stdout, b"a");
                }
            })
        })
        .collect();
    let mut keys = std::collections::BTreeSet::new();
    for thread in raw {
        keys.extend(thread.join().unwrap());
    }
    for thread in commands {
        thread.join().unwrap();
    }
    assert_eq!(keys.len(), 1, "every client got the same one KEK");
}

#[test]
fn a_background_agent_starts_and_is_killed() {
    let t = TestDir::new();
    let mut cmd = t.command();
    cmd.env("TMPDIR", t.path()).env_remove("XDG_RUNTIME_DIR");
    let out = t.run_with(cmd, &["agent"], None).ok().stdout();
    let socket = out
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("KEYCASK_AGENT_SOCK="))
        .and_then(|l| l.strip_suffix("; export KEYCASK_AGENT_SOCK;"))
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    let pid = out
        .lines()
        .nth(1)
        .and_then(|l| l.strip_prefix("KEYCASK_AGENT_PID="))
        .and_then(|l| l.strip_suffix("; export KEYCASK_AGENT_PID;"))
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    let dir = Path::new(&socket).parent().unwrap().to_path_buf();
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    // It runs in a session of its own, and answers.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(") ").unwrap().1.split(' ').collect();
    assert_eq!(fields[3], pid, "the agent leads its own session: {stat}");
    let mut kill = t.command();
    kill.env("KEYCASK_AGENT_SOCK", &socket)
        .env("KEYCASK_AGENT_PID", &pid);
    t.run_with(kill, &["agent", "--kill"], None)
        .ok()
        .stdout_has(&format!("echo Agent pid {pid} killed;"));
    assert!(!dir.exists(), "the agent removes its folder");
    // --kill without an agent.
    t.run(&["agent", "--kill"])
        .fails(2, "KEYCASK_AGENT_PID is not set");
}
