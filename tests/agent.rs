//! `keycask agent`, `unlock` and `lock` (issue 20): every test starts the
//! real binary as the agent and talks to it over its real socket, through
//! keycask commands or raw protocol frames.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::{Run, TestDir, cannot_check};

/// `program` with the environment and folder of `t.command()` (keycask's
/// variables removed, the test's keyring named), its socket's folder under
/// the test's folder.
fn like(t: &TestDir, program: &str) -> Command {
    let base = t.command();
    let mut cmd = Command::new(program);
    for (name, value) in base.get_envs() {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    cmd.current_dir(t.path())
        .env("TMPDIR", t.path())
        .env_remove("XDG_RUNTIME_DIR");
    cmd
}

/// An agent run with `--foreground`, its socket in a folder of the test's
/// own (TMPDIR), in a session of its own (`setsid`: no terminal, whatever
/// terminal the tests run in); killed when dropped.
pub struct Agent {
    child: Child,
    pub socket: PathBuf,
    pub pid: u32,
    /// Everything it printed (under `script`, its terminal's output too).
    output: Arc<Mutex<String>>,
}

impl Agent {
    pub fn start(t: &TestDir) -> Agent {
        Agent::start_with(t, &[], &[])
    }

    /// An agent with more arguments and variables, in a session of its
    /// own without a terminal.
    fn start_with(t: &TestDir, args: &[&str], vars: &[(&str, &OsStr)]) -> Agent {
        let mut cmd = like(t, "setsid");
        cmd.arg(assert_cmd::cargo::cargo_bin!("keycask"))
            .args(["agent", "--foreground"])
            .args(args)
            .stdin(Stdio::null());
        for (name, value) in vars {
            cmd.env(name, value);
        }
        let agent = Agent::spawn(cmd);
        assert_eq!(agent.pid, agent.child.id(), "setsid runs it in place");
        agent
    }

    /// An agent whose terminal is a pseudo-terminal that `script` runs it
    /// in; what the test writes to `script`'s stdin is typed there. With
    /// `background`, a shell with job control runs it as a background job
    /// of that terminal.
    fn start_on_a_terminal(
        t: &TestDir,
        args: &[&str],
        background: bool,
    ) -> Option<(Agent, ChildStdin)> {
        if Command::new("script").arg("--version").output().is_err() {
            cannot_check("`script` (util-linux) is not installed");
            return None;
        }
        let keycask = assert_cmd::cargo::cargo_bin!("keycask");
        let mut line = format!("'{}' agent --foreground", keycask.display());
        for arg in args {
            line.push_str(&format!(" '{arg}'"));
        }
        let line = if background {
            format!("set -m; {line} & wait")
        } else {
            format!("exec {line}")
        };
        let mut cmd = like(t, "script");
        cmd.args(["-q", "-f", "-e", "-c", &line, "/dev/null"])
            .env("SHELL", "/bin/sh")
            .stdin(Stdio::piped());
        let mut agent = Agent::spawn_with_stdin(cmd);
        let stdin = agent.1.take().unwrap();
        Some((agent.0, stdin))
    }

    fn spawn(cmd: Command) -> Agent {
        Agent::spawn_with_stdin(cmd).0
    }

    fn spawn_with_stdin(mut cmd: Command) -> (Agent, Option<ChildStdin>) {
        cmd.stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start the agent");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stdout.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&buf[..n]).replace('\r', "");
                    output.lock().unwrap().push_str(&text);
                }
            });
        }
        let mut agent = Agent {
            child,
            socket: PathBuf::new(),
            pid: 0,
            output,
        };
        agent.wait_for_output("echo Agent pid ", 1);
        let out = agent.output();
        let line = |prefix: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no line {prefix}: {out}"))
                .to_string()
        };
        let socket = line("KEYCASK_AGENT_SOCK=");
        let socket = socket
            .strip_suffix("; export KEYCASK_AGENT_SOCK;")
            .unwrap_or_else(|| panic!("{out}"));
        let pid = line("KEYCASK_AGENT_PID=");
        let pid: u32 = pid
            .strip_suffix("; export KEYCASK_AGENT_PID;")
            .unwrap_or_else(|| panic!("{out}"))
            .parse()
            .unwrap();
        assert_eq!(line("echo Agent pid "), format!("{pid};"));
        agent.socket = PathBuf::from(socket);
        agent.pid = pid;
        (agent, stdin)
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits (at most a minute) until the output holds `needle` `count`
    /// times.
    #[track_caller]
    fn wait_for_output(&mut self, needle: &str, count: usize) {
        let start = Instant::now();
        while self.output().matches(needle).count() < count {
            assert!(
                start.elapsed() < Duration::from_secs(60) && self.alive(),
                "the agent never printed {needle:?} {count} time(s):\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
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
        if self.pid != self.child.id() && self.pid != 0 {
            // Under `script`: the agent itself, then `script`.
            signal(self.pid, rustix::process::Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `signal` to the process `pid` (an agent this test started).
fn signal(pid: u32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
    let _ = rustix::process::kill_process(pid, signal);
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

/// An askpass program (as `KEYCASK_ASKPASS`) that logs each question (with
/// `SSH_ASKPASS_PROMPT`) to `asked.log` and answers with the contents of
/// `answer.txt`, exiting with the status in `status.txt` (0 without one).
fn askpass(t: &TestDir) -> PathBuf {
    let path = t.join("askpass.sh");
    let dir = t.path().display();
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '%s|%s\\n' \"$SSH_ASKPASS_PROMPT\" \"$1\" >> '{dir}/asked.log'\n\
             cat '{dir}/answer.txt'\nexit $(cat '{dir}/status.txt' 2>/dev/null || echo 0)\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn asked(t: &TestDir) -> Vec<String> {
    std::fs::read_to_string(t.join("asked.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A passphrase keyring with a key `k` and `a.kc` wrapped with it, an
/// agent started with `args` and `vars`, and the keyring unlocked in it
/// with `--confirm`.
fn unlocked_with_confirm(t: &TestDir, args: &[&str], vars: &[(&str, &OsStr)]) -> Agent {
    t.init_passphrase("correct horse battery staple");
    t.run(&["keygen", "k", "--passphrase-file", "pass.txt"])
        .ok();
    t.run_stdin(
        &[
            "wrap",
            "-k",
            "k",
            "-o",
            "a.kc",
            "--passphrase-file",
            "pass.txt",
        ],
        b"secret",
    )
    .ok();
    let agent = Agent::start_with(t, args, vars);
    t.run_with(
        agent.command(t),
        &["unlock", "--confirm", "--passphrase-file", "pass.txt"],
        None,
    )
    .ok()
    .stdout_has("each use is confirmed first");
    agent
}

#[test]
fn confirm_asks_the_askpass_program_before_each_use() {
    let t = TestDir::new();
    let program = askpass(&t);
    let agent = unlocked_with_confirm(&t, &[], &[("KEYCASK_ASKPASS", program.as_os_str())]);
    let audit = t.run(&["audit"]).ok().stdout();
    assert!(audit.contains("each use confirmed"), "{audit}");
    // Yes: the command runs, asked once, with who asks and which keyring.
    std::fs::write(t.join("answer.txt"), "yes\n").unwrap();
    let out = agent.run(&t, &["unwrap", "a.kc"]).ok();
    assert_eq!(out.stdout(), "secret");
    let questions = asked(&t);
    assert_eq!(questions.len(), 1, "{questions:?}");
    let keyring = t.keyring().display().to_string();
    assert!(
        questions[0].starts_with("confirm|keycask agent: allow pid ")
            && questions[0].contains("unwrap a.kc")
            && questions[0].contains(&keyring),
        "{questions:?}"
    );
    agent.wait_for_log("unwrap a.kc` allowed (askpass)");
    // A writer is asked for too; an empty answer with status 0 is yes, as
    // OpenSSH reads an askpass program.
    std::fs::write(t.join("answer.txt"), "").unwrap();
    agent.run(&t, &["keygen", "second"]).ok();
    assert_eq!(asked(&t).len(), 2);
    // No: refused with exit 3, and the passphrase file the command could
    // read is not used instead.
    std::fs::write(t.join("answer.txt"), "no\n").unwrap();
    let mut cmd = agent.command(&t);
    cmd.env("KEYCASK_PASSPHRASE_FILE", t.join("pass.txt"));
    let refused = t
        .run_with(cmd, &["unwrap", "a.kc"], None)
        .fails(3, "the answer was no")
        .stderr_has(&format!("the agent (pid {})", agent.pid));
    assert_eq!(refused.stdout(), "");
    agent.wait_for_log("unwrap a.kc` denied (askpass)");
    // A yes on a failing status is a no.
    std::fs::write(t.join("answer.txt"), "yes\n").unwrap();
    std::fs::write(t.join("status.txt"), "1").unwrap();
    agent
        .run(&t, &["unwrap", "a.kc"])
        .fails(3, "the answer was no");
    // A denial does not forget the keyring.
    let held = agent.ask(r#"{"v":1,"op":"status"}"#);
    assert_eq!(held["entries"].as_array().unwrap().len(), 1, "{held}");
    assert_eq!(asked(&t).len(), 4);
}

#[test]
fn an_unanswered_confirmation_is_refused() {
    let t = TestDir::new();
    let program = t.join("slow.sh");
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\necho $$ > '{}'\nexec sleep 600\n",
            t.join("slow.pid").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let agent = unlocked_with_confirm(
        &t,
        &["--confirm-timeout", "1s"],
        &[("KEYCASK_ASKPASS", program.as_os_str())],
    );
    let mut cmd = agent.command(&t);
    cmd.env("KEYCASK_PASSPHRASE_FILE", t.join("pass.txt"));
    t.run_with(cmd, &["unwrap", "a.kc"], None)
        .fails(3, "was not confirmed")
        .stderr_has("no yes in time");
    agent.wait_for_log("not confirmed: the askpass program gave no answer in time");
    // The program that did not answer was stopped.
    let pid = std::fs::read_to_string(t.join("slow.pid")).unwrap();
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the askpass program {pid} still runs"
    );
}

#[test]
fn confirm_asks_on_the_agents_terminal() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    t.run(&["keygen", "k", "--passphrase-file", "pass.txt"])
        .ok();
    let Some((mut agent, mut typed)) =
        Agent::start_on_a_terminal(&t, &["--confirm-timeout", "2s"], false)
    else {
        return;
    };
    t.run_with(
        agent.command(&t),
        &["unlock", "--confirm", "--passphrase-file", "pass.txt"],
        None,
    )
    .ok()
    .stdout_has("each use is confirmed first (terminal)");
    let question = "to use the keyring";
    // y: allowed.
    let mut wrap = agent.command(&t);
    wrap.args(["wrap", "-k", "k", "-o", "a.kc", "pass.txt"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = wrap.spawn().unwrap();
    agent.wait_for_output(question, 1);
    typed.write_all(b"y\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}\n{}", agent.output());
    assert!(
        agent.output().contains("wrap -k k -o a.kc pass.txt`"),
        "{}",
        agent.output()
    );
    // n: refused.
    let mut unwrap = agent.command(&t);
    unwrap
        .args(["unwrap", "a.kc"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = unwrap.spawn().unwrap();
    agent.wait_for_output(question, 2);
    typed.write_all(b"n\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the answer was no"),
        "{out:?}"
    );
    assert!(out.stdout.is_empty());
    // A y typed before the question is not its answer: the time runs out.
    typed.write_all(b"y\n").unwrap();
    agent.wait_for_output("\ny\n", 1);
    let run = agent.run(&t, &["unwrap", "a.kc"]);
    run.fails(3, "was not confirmed");
    agent.wait_for_output("(no answer within 2 s: not allowed)", 1);
    agent.wait_for_log("not confirmed: no answer within 2 s");
}

#[test]
fn confirm_is_refused_when_the_agent_cannot_ask() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    let agent = Agent::start(&t);
    // Refused before any passphrase is asked (none could be here).
    agent
        .run(&t, &["unlock", "--confirm"])
        .fails(2, "has no way to ask")
        .stderr_has("KEYCASK_ASKPASS");
    let audit = t.run(&["audit"]).ok().stdout();
    assert!(!audit.contains(" unlock "), "{audit}");
    // The agent refuses it too, whoever asks.
    let key = "A".repeat(43) + "=";
    let id = keyring_id(&t);
    let reply = agent.ask(&format!(
        r#"{{"v":1,"op":"add","keyring":"{id}","path":"/k","seconds":60,"keks":[{{"version":1,"key":"{key}"}}],"confirm":true}}"#
    ));
    assert_eq!(reply["error"], "cannot-confirm", "{reply}");
    let held = agent.ask(r#"{"v":1,"op":"status"}"#);
    assert_eq!(held["entries"], serde_json::json!([]), "{held}");
    // Without --confirm the same agent serves.
    let mut cmd = agent.command(&t);
    cmd.env("KEYCASK_PASSPHRASE_FILE", t.join("pass.txt"));
    t.run_with(cmd, &["unlock"], None).ok();
}

#[test]
fn confirmations_are_asked_one_at_a_time() {
    let t = TestDir::new();
    // The program fails if another question is being asked at once.
    let program = t.join("one.sh");
    let dir = t.path().display();
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\nmkdir '{dir}/asking' || echo overlap >> '{dir}/overlap'\n\
             echo \"$1\" >> '{dir}/asked.log'\nsleep 0.2\nrmdir '{dir}/asking'\necho yes\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let agent = unlocked_with_confirm(&t, &[], &[("KEYCASK_ASKPASS", program.as_os_str())]);
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut cmd = agent.command(&t);
            cmd.args(["unwrap", "a.kc"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(out.stdout, b"secret");
    }
    assert_eq!(asked(&t).len(), 4);
    assert!(
        !t.join("overlap").exists(),
        "two questions were asked at once"
    );
}

#[test]
fn a_signal_stops_the_agent_and_removes_its_folder() {
    use rustix::process::Signal;
    use std::os::unix::process::ExitStatusExt;
    for (sig, number) in [(Signal::TERM, 15), (Signal::INT, 2), (Signal::HUP, 1)] {
        let t = TestDir::new();
        let mut agent = unlocked(&t, "15m");
        let dir = agent.socket.parent().unwrap().to_path_buf();
        assert!(dir.exists());
        signal(agent.pid, sig);
        let status = agent.child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(number),
            "dies of the signal: {status:?}"
        );
        assert!(!dir.exists(), "signal {number}: the agent's folder is left");
        // Commands go on without it.
        asks_again(agent.run(&t, &["wrap", "-k", "k", "pass.txt"]))
            .stderr_has("cannot reach the agent");
    }
}

#[test]
fn agent_kill_removes_the_folder_a_killed_agent_left() {
    let t = TestDir::new();
    let mut agent = unlocked(&t, "15m");
    let dir = agent.socket.parent().unwrap().to_path_buf();
    // SIGKILL cannot be caught: the folder stays, and commands fall back.
    agent.child.kill().unwrap();
    agent.child.wait().unwrap();
    assert!(dir.exists());
    asks_again(agent.run(&t, &["wrap", "-k", "k", "pass.txt"]));
    agent
        .run(&t, &["agent", "--kill"])
        .ok()
        .stdout_has(&format!("echo Agent pid {} was not running;", agent.pid))
        .stderr_has("removed the folder it left");
    assert!(!dir.exists(), "the stale folder is removed");
    // A folder not of an agent's is never removed.
    let mut cmd = t.command();
    cmd.env("KEYCASK_AGENT_SOCK", t.join("pass.txt"))
        .env("KEYCASK_AGENT_PID", agent.pid.to_string());
    t.run_with(cmd, &["agent", "--kill"], None)
        .fails(1, "is not a running keycask agent");
    assert!(t.join("pass.txt").exists());
}

#[test]
fn an_agent_in_the_background_of_its_terminal_does_not_read_it() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    t.run(&["keygen", "k", "--passphrase-file", "pass.txt"])
        .ok();
    let Some((agent, _typed)) = Agent::start_on_a_terminal(&t, &[], true) else {
        return;
    };
    t.run_with(
        agent.command(&t),
        &["unlock", "--confirm", "--passphrase-file", "pass.txt"],
        None,
    )
    .ok();
    // Reading the terminal from its background would stop the agent
    // (SIGTTIN) and every command waiting on it: refused at once instead.
    agent
        .run(&t, &["wrap", "-k", "k", "pass.txt"])
        .fails(3, "was not confirmed");
    agent.wait_for_log("not confirmed: the agent is not in the foreground of its terminal");
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", agent.pid)).unwrap();
    let state = stat.rsplit_once(") ").unwrap().1.split(' ').next().unwrap();
    assert_ne!(state, "T", "the agent was stopped: {stat}");
    agent.ask(r#"{"v":1,"op":"ping"}"#);
}

#[test]
fn a_bad_confirm_timeout_is_refused_before_the_agent_starts() {
    let t = TestDir::new();
    for (value, needle) in [
        ("soon", "--confirm-timeout soon: not a duration"),
        ("0s", "from 1 second to 5 minutes"),
        ("10m", "from 1 second to 5 minutes"),
    ] {
        let mut cmd = t.command();
        cmd.env("TMPDIR", t.path()).env_remove("XDG_RUNTIME_DIR");
        t.run_with(cmd, &["agent", "--confirm-timeout", value], None)
            .fails(2, needle);
    }
    let left: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("keycask-agent-")
        })
        .collect();
    assert!(left.is_empty(), "no agent folder is made: {left:?}");
}
