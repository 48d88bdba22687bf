//! The agent process: a Unix socket in a private folder, one thread per
//! connection (bounded), the peer's uid checked on every connection, and a
//! housekeeping thread that forgets expired entries and stops the agent
//! when its socket is removed or the process named by `--exit-with` ends.
//!
//! What it holds: the unlocked KEK versions of the keyrings `keycask
//! unlock` gave it, by keyring id, each until its expiry. Never a root key,
//! a passphrase or a PIN; nothing of it is written to disk (the log in the
//! socket's folder names ids, paths, uids and pids only).

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, Result};

use super::confirm::{Answer, Confirmer, Way, describe_peer};
use super::protocol::{self, EntryStatus, Keks, Refusal, Reply, Request, read_frame, write_frame};

/// Connections served at once; more are told `busy`.
const MAX_CONNECTIONS: usize = 32;
/// A connection idle this long is closed.
const IDLE: Duration = Duration::from_secs(30);
/// How often expiry, the socket and `--exit-with` are checked.
const TICK: Duration = Duration::from_millis(200);

/// What `keycask agent` was asked to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The socket, inside a folder of its own (0700) that the agent removes
    /// when it stops.
    pub socket: PathBuf,
    /// Stop when this process is gone.
    pub exit_with: Option<u32>,
    /// Also log to stderr (`--foreground`).
    pub log_to_stderr: bool,
    /// How long a use of a `--confirm` entry waits for its "yes".
    pub confirm_timeout: Duration,
    /// The program that asks for confirmation (`KEYCASK_ASKPASS`); without
    /// one, the agent's terminal.
    pub askpass: Option<std::ffi::OsString>,
}

struct Entry {
    keks: Keks,
    path: String,
    /// Every use is confirmed first (`unlock --confirm`).
    confirm: bool,
    /// Expired when either clock says so: the monotonic clock cannot be
    /// set back, the wall clock counts time asleep.
    until: Instant,
    until_wall: SystemTime,
}

impl Entry {
    fn expired(&self) -> bool {
        Instant::now() >= self.until || SystemTime::now() >= self.until_wall
    }

    fn expires_unix(&self) -> u64 {
        self.until_wall
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

struct State {
    entries: Mutex<HashMap<String, Entry>>,
    log: Mutex<Option<std::fs::File>>,
    log_to_stderr: bool,
    connections: AtomicUsize,
    settings: Settings,
    /// How uses are confirmed; `None` when the agent has no way to ask.
    confirmer: Option<Confirmer>,
}

impl State {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One line in the agent's log (never a secret).
    fn log(&self, line: impl std::fmt::Display) {
        let now = humantime::format_rfc3339_seconds(SystemTime::now());
        let line = format!("{now} keycask-agent[{}]: {line}\n", std::process::id());
        if let Some(file) = self.log.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            let _ = file.write_all(line.as_bytes());
        }
        if self.log_to_stderr {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }

    /// Forgets everything (the KEKs are zeroized as they drop) and
    /// removes the socket's folder.
    fn clean_up(&self, why: &str) {
        let count = {
            let mut entries = self.entries();
            let count = entries.len();
            entries.clear();
            count
        };
        self.log(format!("stopping ({why}); forgot {count} keyring(s)"));
        if let Some(dir) = self.settings.socket.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Cleans up and exits.
    fn shut_down(&self, why: &str) -> ! {
        self.clean_up(why);
        std::process::exit(0)
    }
}

/// The log beside the socket.
pub fn log_path(socket: &Path) -> PathBuf {
    socket.with_file_name("agent.log")
}

/// Binds the socket and serves until stopped. `ready` is called once the
/// socket accepts connections (to print the shell lines).
pub fn serve(settings: Settings, ready: impl FnOnce() -> Result<()>) -> Result<()> {
    let listener = UnixListener::bind(&settings.socket)
        .with_context(|| format!("binding the agent's socket {}", settings.socket.display()))?;
    std::fs::set_permissions(&settings.socket, std::fs::Permissions::from_mode(0o600))?;
    let inode = std::fs::symlink_metadata(&settings.socket)?.ino();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode_0600()
        .open(log_path(&settings.socket))
        .ok();
    let confirmer = Way::find(settings.askpass.clone())
        .map(|way| Confirmer::new(way, settings.confirm_timeout));
    let state = Arc::new(State {
        entries: Mutex::new(HashMap::new()),
        log: Mutex::new(log),
        log_to_stderr: settings.log_to_stderr,
        connections: AtomicUsize::new(0),
        settings: settings.clone(),
        confirmer,
    });
    {
        // SIGTERM, SIGINT or SIGHUP: forget, remove the folder, then die
        // of the signal (src/temp.rs owns the process's signal thread).
        let state = Arc::clone(&state);
        crate::temp::before_dying_of_signal(move |signal| {
            state.clean_up(&format!("signal {signal}"));
        });
    }
    lock_memory(&state);
    state.log(format!(
        "listening on {} for uid {}; uses are confirmed {}",
        settings.socket.display(),
        rustix::process::geteuid().as_raw(),
        match &state.confirmer {
            Some(c) => format!(
                "by {} (within {} s) when unlocked with --confirm",
                c.word(),
                settings.confirm_timeout.as_secs()
            ),
            None =>
                "by no one: `unlock --confirm` is refused (no terminal, no KEYCASK_ASKPASS)".into(),
        }
    ));
    {
        let state = Arc::clone(&state);
        std::thread::Builder::new()
            .name("keycask-agent-housekeeping".into())
            .spawn(move || housekeeping(&state, inode))?;
    }
    ready()?;
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                state.log(format!("accept failed: {e}"));
                std::thread::sleep(TICK);
                continue;
            }
        };
        let state_for_thread = Arc::clone(&state);
        if state.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            state.connections.fetch_sub(1, Ordering::SeqCst);
            let _ = write_frame(
                &stream,
                &protocol::encode_reply(&Reply::refused(Refusal::Busy)),
            );
            continue;
        }
        let spawned = std::thread::Builder::new()
            .name("keycask-agent-client".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                connection(&state_for_thread, stream);
                state_for_thread.connections.fetch_sub(1, Ordering::SeqCst);
            });
        if let Err(e) = spawned {
            state.connections.fetch_sub(1, Ordering::SeqCst);
            state.log(format!("cannot start a thread for a connection: {e}"));
        }
    }
    Ok(())
}

trait Mode0600 {
    fn mode_0600(&mut self) -> &mut Self;
}

impl Mode0600 for std::fs::OpenOptions {
    fn mode_0600(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }
}

/// Locks the agent's memory out of swap when the limit allows all of it
/// (root, or a large RLIMIT_MEMLOCK): with a small limit, `mlockall` of
/// future pages would make later allocations fail. Logged either way.
fn lock_memory(state: &State) {
    use rustix::mm::{MlockAllFlags, mlockall};
    use rustix::process::{Resource, getrlimit};
    let limit = getrlimit(Resource::Memlock).current;
    let root = rustix::process::geteuid().is_root();
    if !root && limit.is_some_and(|l| l < 256 * 1024 * 1024) {
        state.log("memory not locked (RLIMIT_MEMLOCK is small); the KEKs could reach swap");
        return;
    }
    match mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE) {
        Ok(()) => state.log("memory locked (mlockall)"),
        Err(e) => state.log(format!("memory not locked: mlockall: {e}")),
    }
}

fn housekeeping(state: &State, inode: u64) {
    loop {
        std::thread::sleep(TICK);
        let expired: Vec<String> = {
            let mut entries = state.entries();
            let gone: Vec<String> = entries
                .iter()
                .filter(|(_, e)| e.expired())
                .map(|(id, _)| id.clone())
                .collect();
            for id in &gone {
                entries.remove(id);
            }
            gone
        };
        for id in expired {
            state.log(format!("keyring {id} expired and was forgotten"));
        }
        match std::fs::symlink_metadata(&state.settings.socket) {
            Ok(meta) if meta.ino() == inode => {}
            _ => state.shut_down("its socket was removed"),
        }
        if let Some(pid) = state.settings.exit_with {
            let alive = rustix::process::Pid::from_raw(pid as i32)
                .map(|pid| rustix::process::test_kill_process(pid).is_ok())
                .unwrap_or(false);
            if !alive {
                state.shut_down(&format!("process {pid} (--exit-with) ended"));
            }
        }
    }
}

/// Serves one connection: its peer's uid first, then frames until the end.
fn connection(state: &State, stream: UnixStream) {
    let me = rustix::process::geteuid().as_raw();
    let peer = match rustix::net::sockopt::socket_peercred(&stream) {
        Ok(cred) if cred.uid.as_raw() == me => u32::try_from(cred.pid.as_raw_nonzero().get()).ok(),
        Ok(cred) => {
            state.log(format!(
                "refused a connection from uid {} (pid {}): only uid {me} may use this agent",
                cred.uid.as_raw(),
                cred.pid.as_raw_nonzero()
            ));
            return;
        }
        Err(e) => {
            state.log(format!(
                "refused a connection whose peer is unknown (SO_PEERCRED: {e})"
            ));
            return;
        }
    };
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_write_timeout(Some(IDLE));
    loop {
        let body = match read_frame(&stream) {
            Ok(Some(body)) => body,
            Ok(None) => return,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::InvalidData {
                    state.log(format!("refused a frame: {e}"));
                    let _ = write_frame(
                        &stream,
                        &protocol::encode_reply(&Reply::refused(Refusal::Malformed)),
                    );
                }
                // The stream cannot be resynchronised: close it.
                return;
            }
        };
        let (reply, stop) = match protocol::parse_request(&body) {
            Ok(request) => {
                let stop = request == Request::Stop;
                (answer(state, request, peer), stop)
            }
            Err(e) => {
                state.log(format!("refused a request: {}", e.why));
                (Reply::refused(e.refusal), false)
            }
        };
        drop(body);
        let written = write_frame(&stream, &protocol::encode_reply(&reply));
        if stop {
            state.shut_down("asked to stop");
        }
        if written.is_err() {
            return;
        }
    }
}

/// Asks whether `peer` may use the keyring held with `--confirm`; the
/// entries are not locked meanwhile. `None` when allowed, else the refusal.
fn confirm_use(state: &State, keyring: &str, path: &str, peer: Option<u32>) -> Option<Reply> {
    let who = describe_peer(peer);
    let Some(confirmer) = &state.confirmer else {
        state.log(format!(
            "use of keyring {keyring} by {who} refused: it needs confirmation and there is no way to ask"
        ));
        return Some(Reply::refused(Refusal::Unconfirmed));
    };
    let question = format!("keycask agent: allow {who} to use the keyring {path}?");
    match confirmer.ask(&question) {
        Answer::Yes => {
            state.log(format!(
                "use of keyring {keyring} by {who} allowed ({})",
                confirmer.word()
            ));
            None
        }
        Answer::No => {
            state.log(format!(
                "use of keyring {keyring} by {who} denied ({})",
                confirmer.word()
            ));
            Some(Reply::refused(Refusal::Denied))
        }
        Answer::Unanswered(why) => {
            state.log(format!(
                "use of keyring {keyring} by {who} not confirmed: {why}"
            ));
            Some(Reply::refused(Refusal::Unconfirmed))
        }
    }
}

fn answer(state: &State, request: Request, peer: Option<u32>) -> Reply {
    let pid = Some(std::process::id());
    match request {
        Request::Ping => Reply { pid, ..Reply::ok() },
        Request::CanConfirm => match &state.confirmer {
            Some(confirmer) => Reply {
                pid,
                confirm: Some(confirmer.word().to_string()),
                ..Reply::ok()
            },
            None => Reply {
                pid,
                ..Reply::refused(Refusal::CannotConfirm)
            },
        },
        Request::Get { keyring } => {
            let confirm = {
                let mut entries = state.entries();
                match entries.get(&keyring) {
                    Some(entry) if !entry.expired() => entry.confirm.then(|| entry.path.clone()),
                    Some(_) => {
                        entries.remove(&keyring);
                        drop(entries);
                        state.log(format!("keyring {keyring} expired and was forgotten"));
                        return Reply::refused(Refusal::Locked);
                    }
                    None => return Reply::refused(Refusal::Locked),
                }
            };
            if let Some(refused) =
                confirm.and_then(|path| confirm_use(state, &keyring, &path, peer))
            {
                return Reply { pid, ..refused };
            }
            // Looked up again: it may have been locked or have expired
            // while the question was asked.
            match state.entries().get(&keyring) {
                Some(entry) if !entry.expired() => Reply {
                    pid,
                    keks: entry.keks.wire(),
                    expires: Some(entry.expires_unix()),
                    ..Reply::ok()
                },
                _ => Reply::refused(Refusal::Locked),
            }
        }
        Request::Add {
            keyring,
            path,
            seconds,
            keks,
            confirm,
        } => {
            if confirm && state.confirmer.is_none() {
                return Reply {
                    pid,
                    ..Reply::refused(Refusal::CannotConfirm)
                };
            }
            let span = Duration::from_secs(seconds);
            let entry = Entry {
                keks,
                path: path.clone(),
                confirm,
                until: Instant::now() + span,
                until_wall: SystemTime::now() + span,
            };
            let expires = entry.expires_unix();
            state.entries().insert(keyring.clone(), entry);
            state.log(format!(
                "unlocked keyring {keyring} ({path}) for {seconds} s{}",
                if confirm { ", each use confirmed" } else { "" }
            ));
            Reply {
                pid,
                expires: Some(expires),
                ..Reply::ok()
            }
        }
        Request::Update { keyring, keks } => {
            let updated = match state.entries().get_mut(&keyring) {
                Some(entry) if !entry.expired() => {
                    entry.keks = keks;
                    true
                }
                _ => false,
            };
            if updated {
                state.log(format!(
                    "keyring {keyring}: KEK versions replaced (rotate --kek)"
                ));
                Reply { pid, ..Reply::ok() }
            } else {
                Reply::refused(Refusal::Locked)
            }
        }
        Request::Drop { keyring, reason } => {
            let dropped = state.entries().remove(&keyring).is_some();
            if dropped {
                state.log(format!("keyring {keyring} forgotten ({reason})"));
            }
            Reply {
                pid,
                dropped: Some(u64::from(dropped)),
                ..Reply::ok()
            }
        }
        Request::LockAll => {
            let count = {
                let mut entries = state.entries();
                let count = entries.len();
                entries.clear();
                count
            };
            state.log(format!("forgot every keyring ({count})"));
            Reply {
                pid,
                dropped: Some(count as u64),
                ..Reply::ok()
            }
        }
        Request::Status => {
            let mut list: Vec<EntryStatus> = state
                .entries()
                .iter()
                .filter(|(_, e)| !e.expired())
                .map(|(id, e)| EntryStatus {
                    keyring: id.clone(),
                    path: e.path.clone(),
                    expires: e.expires_unix(),
                })
                .collect();
            list.sort_by(|a, b| a.keyring.cmp(&b.keyring));
            Reply {
                pid,
                entries: Some(list),
                ..Reply::ok()
            }
        }
        Request::Stop => Reply { pid, ..Reply::ok() },
    }
}
