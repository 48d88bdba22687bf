//! `keycask agent`, `unlock` and `lock`: unlock a keyring once per session,
//! as ssh-agent does for SSH keys (docs/agent.md).
//!
//! The agent holds the unlocked KEK versions of the keyrings given to it by
//! `keycask unlock`, by keyring id, until they expire; a command finds the
//! agent through `KEYCASK_AGENT_SOCK`, receives the KEK versions of its
//! keyring for its own run, and verifies the keyring's MAC with them
//! before anything else (docs/THREAT-MODEL.md, "Issue 20: agent", says
//! why the KEK travels rather than staying in the agent). Whatever goes
//! wrong with the agent, the command asks for the root's secret as it
//! would without one; only a keyring that fails its MAC under the held
//! KEK is refused (exit 5), and the agent forgets it.

use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, Result};
use serde::Serialize;

use crate::Context;
use crate::agent::client::{self, Client, PID_VAR, SOCK_VAR, no_agent, ping};
use crate::agent::protocol::{self, Keks, Request};
use crate::agent::server;
use crate::error::Failure;
use crate::keyring::{self, AgentUse, Event, Session};

/// What `keycask agent` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct AgentRequest {
    pub foreground: bool,
    pub kill: bool,
    pub exit_with: Option<u32>,
    /// How long a use of a `--confirm` entry waits for its yes.
    pub confirm_timeout: Duration,
    /// Hidden: the socket a daemonised agent binds (chosen by its parent).
    pub socket: Option<PathBuf>,
    /// Hidden: this process is the daemon (new session, logs to file only).
    pub daemon: bool,
}

impl AgentRequest {
    pub fn from_args(args: &crate::cli::AgentArgs) -> Result<AgentRequest> {
        Ok(AgentRequest {
            foreground: args.foreground,
            kill: args.kill,
            exit_with: args.exit_with,
            confirm_timeout: parse_confirm_timeout(&args.confirm_timeout)?,
            socket: args.socket.clone(),
            daemon: args.daemon,
        })
    }
}

/// `--confirm-timeout DURATION`: from a second to five minutes.
fn parse_confirm_timeout(text: &str) -> Result<Duration> {
    let span = humantime::parse_duration(text).map_err(|_| {
        Failure::usage(format!("--confirm-timeout {text}: not a duration"))
            .hint("like --confirm-timeout 30s or --confirm-timeout 2m")
    })?;
    if span.as_secs() == 0 || span.as_secs() > protocol::MAX_CONFIRM_SECONDS {
        return Err(Failure::usage(format!(
            "--confirm-timeout {text}: from 1 second to 5 minutes"
        ))
        .hint("like --confirm-timeout 30s")
        .into());
    }
    Ok(Duration::from_secs(span.as_secs()))
}

/// The program that asks for confirmation, as `SSH_ASKPASS`.
pub const ASKPASS_VAR: &str = "KEYCASK_ASKPASS";

/// `--for DURATION`: `30s`, `15m`, `2h`, `1h30m`; at least a second, at
/// most 12 hours.
pub fn parse_for(text: &str) -> Result<u64> {
    let seconds = humantime::parse_duration(text)
        .map_err(|_| {
            Failure::usage(format!("'{text}' is not a duration"))
                .hint("like --for 30m, --for 2h or --for 90s")
        })?
        .as_secs();
    if seconds == 0 || seconds > protocol::MAX_SECONDS {
        return Err(Failure::usage(format!(
            "--for {text}: the agent holds a keyring from 1 second to 12 hours"
        ))
        .hint("like --for 30m; run `keycask unlock` again when it expires")
        .into());
    }
    Ok(seconds)
}

/// `keycask agent`: start one (in the background unless `--foreground`),
/// or stop the one named by `KEYCASK_AGENT_PID` (`--kill`).
pub fn agent(ctx: &Context, request: &AgentRequest) -> Result<()> {
    if request.kill {
        return kill(ctx);
    }
    if request.foreground {
        if request.daemon {
            // A session of its own: no controlling terminal, and the
            // terminal's hang-up does not reach it.
            let _ = rustix::process::setsid();
        }
        let socket = match &request.socket {
            Some(socket) => socket.clone(),
            None => socket_dir()?.join("agent.sock"),
        };
        let settings = server::Settings {
            socket: socket.clone(),
            exit_with: request.exit_with,
            log_to_stderr: !request.daemon,
            confirm_timeout: request.confirm_timeout,
            askpass: std::env::var_os(ASKPASS_VAR),
        };
        return server::serve(settings, || {
            let mut out = std::io::stdout().lock();
            out.write_all(shell_lines(&socket, std::process::id()).as_bytes())?;
            out.flush()?;
            Ok(())
        });
    }
    // Daemonise without `fork` (keycask has no unsafe code): run this
    // program again as the agent, in a session of its own, and relay the
    // shell lines it prints once its socket is ready.
    let socket = socket_dir()?.join("agent.sock");
    let exe = std::env::current_exe().context("finding the keycask executable")?;
    let mut command = Command::new(exe);
    command
        .args(["agent", "--foreground", "--daemon", "--socket"])
        .arg(&socket)
        .arg("--confirm-timeout")
        .arg(format!("{}s", request.confirm_timeout.as_secs()))
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(pid) = request.exit_with {
        command.args(["--exit-with", &pid.to_string()]);
    }
    let mut child = command.spawn().context("starting the agent")?;
    let stdout = child.stdout.take().expect("piped above");
    let mut lines = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        lines.push_str(&line);
        lines.push('\n');
        if line.starts_with("echo Agent pid") {
            ctx.print(lines.trim_end())?;
            return Ok(());
        }
    }
    let _ = child.wait();
    let log = std::fs::read_to_string(server::log_path(&socket)).unwrap_or_default();
    if let Some(dir) = socket.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    Err(Failure::other(format!(
        "the agent did not start{}",
        log.lines()
            .last()
            .map(|l| format!(": {l}"))
            .unwrap_or_default()
    ))
    .into())
}

/// The lines `eval` runs, in the form of `ssh-agent -s`.
fn shell_lines(socket: &Path, pid: u32) -> String {
    format!(
        "{SOCK_VAR}={}; export {SOCK_VAR};\n{PID_VAR}={pid}; export {PID_VAR};\necho Agent pid {pid};\n",
        shell_quote(&socket.to_string_lossy())
    )
}

fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%".contains(&b))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// A fresh folder for the socket, 0700: under `$XDG_RUNTIME_DIR` when it
/// is a private folder of this user, else under the temporary folder.
fn socket_dir() -> Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let me = rustix::process::geteuid().as_raw();
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| {
            dir.is_absolute()
                && std::fs::metadata(dir)
                    .is_ok_and(|m| m.is_dir() && m.uid() == me && m.mode() & 0o077 == 0)
        });
    let base = runtime.unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!(
        "keycask-agent-{}",
        hex::encode(crate::random::random_array::<6>())
    ));
    // A socket's path holds at most 107 bytes.
    if dir.as_os_str().len() + "/agent.sock".len() > 107 {
        return Err(Failure::other(format!(
            "the agent's socket would be too long a path under {}",
            base.display()
        ))
        .hint("set XDG_RUNTIME_DIR or TMPDIR to a shorter folder")
        .into());
    }
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("creating the agent's folder {}", dir.display()))?;
    Ok(dir)
}

/// `keycask agent --kill`: the agent of `KEYCASK_AGENT_PID` is asked to
/// stop over its socket; if the socket does not answer for that pid, it is
/// sent SIGTERM (only if that process is a keycask agent).
fn kill(ctx: &Context) -> Result<()> {
    let pid: u32 = std::env::var(PID_VAR)
        .ok()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            Failure::usage(format!("{PID_VAR} is not set: which agent to stop?"))
                .hint("run it in the shell where `eval \"$(keycask agent)\"` ran")
        })?;
    let by_socket = Client::from_env().ok().and_then(|mut client| {
        let socket = client.socket.clone();
        match client.call_ok(&Request::Ping) {
            Ok(reply) if reply.pid == Some(pid) => {
                client.call_ok(&Request::Stop).ok().map(|_| socket)
            }
            _ => None,
        }
    });
    // The agent removes its folder before it exits, whether asked over
    // its socket or sent SIGTERM.
    let wait_until_gone = |socket: &Path| {
        for _ in 0..250 {
            if !socket.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    match by_socket {
        Some(socket) => wait_until_gone(&socket),
        None => {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let words: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let is_agent = words.iter().any(|w| w.ends_with(b"keycask"))
                && words.iter().any(|w| *w == b"agent");
            if !is_agent {
                if let Some(dir) = remove_stale_folder() {
                    ctx.warn(format!(
                        "the agent (pid {pid}) was not running; removed the folder it left, {}",
                        dir.display()
                    ));
                    return ctx.print(format!(
                        "unset {SOCK_VAR};\nunset {PID_VAR};\necho Agent pid {pid} was not running;"
                    ));
                }
                return Err(Failure::other(format!(
                    "process {pid} ({PID_VAR}) is not a running keycask agent"
                ))
                .hint(format!("unset {PID_VAR} {SOCK_VAR}"))
                .into());
            }
            let target = rustix::process::Pid::from_raw(pid as i32)
                .ok_or_else(|| Failure::usage(format!("{PID_VAR}={pid} is not a pid")))?;
            rustix::process::kill_process(target, rustix::process::Signal::TERM)
                .with_context(|| format!("stopping the agent (pid {pid})"))?;
            if let Some(socket) = client::socket_from_env() {
                wait_until_gone(&socket);
            }
        }
    }
    ctx.print(format!(
        "unset {SOCK_VAR};\nunset {PID_VAR};\necho Agent pid {pid} killed;"
    ))
}

/// The folder an agent killed by SIGKILL (or a crash) left behind, removed
/// when `KEYCASK_AGENT_SOCK` names a socket nobody listens on, in a folder
/// `keycask-agent-*` of this user's that holds nothing but the socket and
/// the log. The folder, when it was removed.
fn remove_stale_folder() -> Option<PathBuf> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let socket = client::socket_from_env()?;
    let dir = socket.parent()?;
    let name = dir.file_name()?.to_str()?;
    let meta = std::fs::symlink_metadata(dir).ok()?;
    let me = rustix::process::geteuid().as_raw();
    if !name.starts_with("keycask-agent-") || !meta.is_dir() || meta.uid() != me {
        return None;
    }
    let is_socket = std::fs::symlink_metadata(&socket).is_ok_and(|m| m.file_type().is_socket());
    let refused = matches!(
        std::os::unix::net::UnixStream::connect(&socket),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused
    );
    if !is_socket || !refused {
        return None;
    }
    let only_ours = std::fs::read_dir(dir).ok()?.all(|entry| {
        entry.is_ok_and(|e| e.file_name() == "agent.sock" || e.file_name() == "agent.log")
    });
    if !only_ours {
        return None;
    }
    let _ = std::fs::remove_file(&socket);
    let _ = std::fs::remove_file(server::log_path(&socket));
    std::fs::remove_dir(dir).ok()?;
    Some(dir.to_path_buf())
}

/// `keycask unlock [--confirm]`: unlocks the keyring with its root (asking
/// for the passphrase or PIN once), and gives the agent its KEK versions
/// for `seconds`; with `confirm`, the agent asks before each use. Recorded
/// in the audit log with the agent's pid.
pub fn unlock(ctx: &Context, seconds: u64, confirm: bool) -> Result<()> {
    // The agent is checked first: nothing is asked for an agent not there,
    // nor for one that could not honour --confirm.
    let mut client = Client::from_env().map_err(no_agent)?;
    let (pid, how) = if confirm {
        can_confirm(&mut client)?
    } else {
        (ping(&mut client)?, String::new())
    };
    drop(client);
    let mut session = Session::open_with(&ctx.keyring_path, &ctx.sources, AgentUse::Never)?;
    let id = session.keyring.doc.keyring_id.clone();
    let path = std::path::absolute(&ctx.keyring_path)?;
    // A new connection: the passphrase may have taken a while to type.
    let reply = Client::from_env()
        .and_then(|mut client| {
            client.call_ok(&Request::Add {
                keyring: id.clone(),
                path: path.to_string_lossy().into_owned(),
                seconds,
                keks: Keks(session.keyring.keks().clone()),
                confirm,
            })
        })
        .map_err(no_agent)?;
    let expires = reply.expires.unwrap_or_default();
    session.record(Event::new("unlock").detail(format!(
        "agent pid {pid}, until {}{}",
        crate::clock::format_time(expires),
        if confirm { ", each use confirmed" } else { "" }
    )));
    if let Err(e) = session.commit() {
        client::forget(&id, "its unlock could not be recorded");
        return Err(e);
    }
    ctx.emit(&UnlockReport {
        schema: "keycask.unlock/1",
        keyring: &path,
        keyring_id: &id,
        agent_pid: pid,
        expires,
        confirm,
        asks: &how,
    })
}

/// What `unlock` reports: `keycask.unlock/1` (docs/JSON.md).
#[derive(Serialize)]
struct UnlockReport<'a> {
    schema: &'static str,
    keyring: &'a Path,
    keyring_id: &'a str,
    agent_pid: u32,
    #[serde(with = "crate::key::rfc3339")]
    expires: crate::clock::Timestamp,
    confirm: bool,
    /// How the agent asks (`terminal`, `askpass`), for the text.
    #[serde(skip)]
    asks: &'a str,
}

impl fmt::Display for UnlockReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unlocked {} in the agent (pid {}) until {}",
            self.keyring.display(),
            self.agent_pid,
            crate::clock::format_time(self.expires)
        )?;
        if self.confirm {
            write!(f, "; each use is confirmed first ({})", self.asks)?;
        }
        writeln!(f)
    }
}

/// Whether the agent can ask before each use: its pid and how it asks
/// (`terminal`, `askpass`), or why `unlock --confirm` is refused.
fn can_confirm(client: &mut Client) -> Result<(u32, String)> {
    let reply = client.call(&Request::CanConfirm).map_err(no_agent)?;
    match (reply.ok, reply.pid, reply.confirm) {
        (true, Some(pid), Some(how)) => Ok((pid, how)),
        (false, pid, _) if reply.error.as_deref() == Some("cannot-confirm") => {
            let agent = pid.map_or("the agent".to_string(), |pid| {
                format!("the agent (pid {pid})")
            });
            Err(Failure::usage(format!(
                "--confirm: {agent} has no way to ask: it has no terminal, and {ASKPASS_VAR} was not set when it started"
            ))
            .hint(format!(
                "start the agent with {ASKPASS_VAR} naming a program that asks (as SSH_ASKPASS), or run `keycask agent --foreground` in a terminal of its own; nothing was unlocked"
            ))
            .into())
        }
        _ => Err(Failure::usage(format!(
            "--confirm: the agent at {} cannot ask before each use ({})",
            client.socket.display(),
            reply.error.as_deref().unwrap_or("no reason")
        ))
        .hint("an agent of an older keycask: stop it (`keycask agent --kill`) and start a new one")
        .into()),
    }
}

/// `keycask lock [--all]`: the agent forgets the keyring (or every one)
/// now; each forgotten keyring's audit log records it with the agent's pid.
pub fn lock(ctx: &Context, all: bool) -> Result<()> {
    let mut client = Client::from_env().map_err(no_agent)?;
    let pid = ping(&mut client)?;
    let held = client
        .call_ok(&Request::Status)
        .map_err(no_agent)?
        .entries
        .unwrap_or_default();
    let chosen: Vec<(String, PathBuf)> = if all {
        held.into_iter()
            .map(|e| (e.keyring, PathBuf::from(e.path)))
            .collect()
    } else {
        let doc = keyring::file::read(&ctx.keyring_path)?;
        held.into_iter()
            .filter(|e| e.keyring == doc.keyring_id)
            .map(|_| (doc.keyring_id.clone(), ctx.keyring_path.clone()))
            .collect()
    };
    let mut failed = None;
    for (id, path) in &chosen {
        // The KEK is taken for the record, then forgotten whatever happens.
        let session = Session::open_with(path, &ctx.sources, AgentUse::Only);
        client::forget(id, "lock");
        let recorded = session.and_then(|mut session| {
            if session.keyring.doc.keyring_id != *id {
                return Err(Failure::keyring("another keyring is at that path now").into());
            }
            session.record(Event::new("lock").detail(format!("agent pid {pid}")));
            session.commit()
        });
        if let Err(e) = recorded {
            if all {
                ctx.warn(format!(
                    "{}: forgotten, but the lock is not in its audit log: {e:#}",
                    path.display()
                ));
            }
            failed.get_or_insert(e);
        }
    }
    if all {
        client.call_ok(&Request::LockAll).map_err(no_agent)?;
    }
    ctx.emit(&LockReport {
        schema: "keycask.lock/1",
        agent_pid: pid,
        keyrings: chosen.iter().map(|(_, path)| path.as_path()).collect(),
    })?;
    match failed {
        Some(e) if !all => {
            Err(e.context("the agent forgot the keyring, but the lock is not in its audit log"))
        }
        _ => Ok(()),
    }
}

/// What `lock` reports: `keycask.lock/1` (docs/JSON.md).
#[derive(Serialize)]
struct LockReport<'a> {
    schema: &'static str,
    agent_pid: u32,
    keyrings: Vec<&'a Path>,
}

impl fmt::Display for LockReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.keyrings.len() {
            0 => writeln!(
                f,
                "the agent (pid {}) held no keyring to lock",
                self.agent_pid
            ),
            n => writeln!(
                f,
                "the agent (pid {}) forgot {n} keyring(s)",
                self.agent_pid
            ),
        }
    }
}
