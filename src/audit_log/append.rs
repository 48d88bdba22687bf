//! Appending records at the end of the log, after checking that its end is
//! the one the keyring knows.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context as _, Result};

use super::record::*;
use super::{AuditState, Event, log_path};
use crate::clock::{self, Timestamp};
use crate::error::Failure;

/// Who runs this process, for the records.
pub(super) fn who() -> (String, u32, String) {
    let uid = rustix::process::getuid().as_raw();
    let user = ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| format!("uid {uid}"));
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    (user, uid, host)
}

pub(super) fn log_failure(path: &Path, what: impl std::fmt::Display) -> Failure {
    Failure::auth(format!("the audit log {} {what}", path.display())).hint(format!(
        "`keycask audit verify` names the bad record; restore the log from a backup. The keyring was not changed. \
         Without a backup, keep the damaged log aside (`mv {0} {0}.damaged`): the next write starts a new log with a `log-restarted` record",
        path.display()
    ))
}

/// The complete lines of a log from the record numbered `from` (or the
/// start) to the end, with their offsets, and where complete lines end.
pub(super) struct Tail {
    /// `(offset, bytes)` of each complete line in the window.
    lines: Vec<(u64, Vec<u8>)>,
    /// The offset just past the last newline.
    complete_end: u64,
    /// Whether the window starts at the beginning of the file.
    from_start: bool,
}

/// Reads the end of the log, growing the window until it reaches back to
/// the record numbered `seq` (so a long log is not read whole at every
/// write).
pub(super) fn read_tail(file: &mut File, seq: u64) -> Result<Tail> {
    let len = file.metadata()?.len();
    let mut window: u64 = 8 * 1024;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::with_capacity((len - start) as usize);
        Read::by_ref(file)
            .take(len - start)
            .read_to_end(&mut bytes)?;
        let mut offset = start;
        let mut rest: &[u8] = &bytes;
        if start > 0 {
            // The first line is cut by the window: skip it.
            match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    offset += i as u64 + 1;
                    rest = &rest[i + 1..];
                }
                None => rest = &[],
            }
        }
        let mut lines = Vec::new();
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            lines.push((offset, rest[..i].to_vec()));
            offset += i as u64 + 1;
            rest = &rest[i + 1..];
        }
        let reaches_back = start == 0
            || lines
                .first()
                .and_then(|(_, l)| decode_unverified(l))
                .is_some_and(|r| r.seq <= seq.max(1) && seq > 0);
        if reaches_back {
            return Ok(Tail {
                lines,
                complete_end: offset,
                from_start: start == 0,
            });
        }
        window = window.saturating_mul(4);
    }
}

/// Appends the records of `events` to the log of a keyring whose audit
/// state is `state`, after checking that the log's end is the one the
/// keyring knows. Returns the new state's `(seq, last)`. The caller holds
/// the keyring's writer lock and writes the keyring after this returns.
pub fn append(
    keyring_path: &Path,
    keyring_id: &str,
    state: &AuditState,
    key: &MacKey,
    events: &[Event],
    now: Timestamp,
) -> Result<(u64, String)> {
    let path = log_path(keyring_path);
    // A keyring copied or moved without its log, or whose log was deleted:
    // the log restarts from the keyring's counter with a record saying so.
    // (A log that exists but does not end where the keyring says is
    // refused in `open_log`: that is damage, not absence.)
    let restart = state.seq > 0 && !path.exists() && !path.is_symlink();
    let mut file = open_log(&path, keyring_path, state, restart)?;
    let tail = if restart {
        Tail {
            lines: Vec::new(),
            complete_end: 0,
            from_start: true,
        }
    } else {
        read_tail(&mut file, state.seq)
            .with_context(|| format!("reading the audit log {}", path.display()))?
    };
    let mut chain = if restart {
        Chain {
            prev: state.last.clone(),
            next_seq: state.seq + 1,
            leftovers: Vec::new(),
        }
    } else {
        check_end(&path, &tail, keyring_id, state, key)?
    };
    let len = file.metadata()?.len();
    if len > tail.complete_end {
        // A partial line from a writer killed mid-append: never a record.
        file.set_len(tail.complete_end)?;
    }

    let out = new_records(&mut chain, restart.then_some(state.seq), events, key, now);
    let written = file.write_all(&out).and_then(|()| file.sync_data());
    if let Err(e) = written {
        // Best effort: leave the log as it was (a full disk, an I/O error).
        let _ = file.set_len(tail.complete_end);
        return Err(Failure::other(format!(
            "cannot write the audit log {}: {e}",
            path.display()
        ))
        .hint("the keyring was not changed")
        .into());
    }
    Ok((chain.next_seq - 1, chain.prev))
}

/// Opens the log for appending (creating it for a new or restarted log,
/// mode 0600, owned as the keyring is).
fn open_log(path: &Path, keyring_path: &Path, state: &AuditState, restart: bool) -> Result<File> {
    // A log with records must already be there: a symlink to a missing file
    // is refused, and a refused write leaves no file behind.
    if state.seq > 0 && !restart && !path.exists() {
        let target = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        return Err(log_failure(
            path,
            format!(
                "is a symbolic link to {target}, which does not exist; the keyring knows {} record(s)",
                state.seq
            ),
        )
        .into());
    }
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(restart || state.seq == 0)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            Failure::other(format!("cannot open the audit log {}: {e}", path.display()))
                .hint("the keyring was not changed")
        })?;
    crate::output::match_keyring_owner(keyring_path, &file).map_err(|e| {
        Failure::other(format!(
            "cannot give the audit log {} the keyring's owner: {e}",
            path.display()
        ))
    })?;
    Ok(file)
}

/// Where the chain stands before the new records: the hash and number the
/// next record links to, and the numbers of records left after the
/// keyring's last one by a writer killed before its keyring write.
struct Chain {
    prev: String,
    next_seq: u64,
    leftovers: Vec<u64>,
}

/// Finds the record the keyring knows as its last, then checks the records
/// after it (left by a writer killed before its keyring write).
fn check_end(
    path: &Path,
    tail: &Tail,
    keyring_id: &str,
    state: &AuditState,
    key: &MacKey,
) -> Result<Chain> {
    let mut chain = Chain {
        prev: genesis(keyring_id),
        next_seq: 1,
        leftovers: Vec::new(),
    };
    // Where the records after the keyring's last one begin. The last one
    // is found by its number alone, from the end (usually the last line),
    // and checked by its hash, which the keyring's own MAC vouches for.
    let mut after_known = 0;
    if state.seq > 0 {
        let known = tail
            .lines
            .iter()
            .rposition(|(_, l)| decode_unverified(l).is_some_and(|r| r.seq == state.seq))
            .ok_or_else(|| {
                log_failure(
                    path,
                    format!(
                        "ends before record {}, the last one the keyring knows: it was truncated or replaced",
                        state.seq
                    ),
                )
            })?;
        let line = &tail.lines[known].1;
        if line_hash(line) != state.last {
            return Err(log_failure(
                path,
                format!(
                    "does not hold the record {} that the keyring knows",
                    state.seq
                ),
            )
            .into());
        }
        chain.prev = state.last.clone();
        chain.next_seq = state.seq + 1;
        after_known = known + 1;
    }
    for (_, line) in &tail.lines[after_known..] {
        let Ok(record) = decode(line, key) else {
            return Err(log_failure(
                path,
                format!("has a damaged record after record {}", chain.next_seq - 1),
            )
            .into());
        };
        if record.seq != chain.next_seq || record.prev != chain.prev {
            if state.seq == 0 && tail.from_start && chain.leftovers.is_empty() {
                return Err(Failure::keyring(format!(
                    "the audit log {} belongs to another keyring",
                    path.display()
                ))
                .hint("move it away; keycask starts a new log for this keyring")
                .into());
            }
            return Err(
                log_failure(path, format!("breaks its chain at record {}", record.seq)).into(),
            );
        }
        chain.leftovers.push(record.seq);
        chain.prev = line_hash(line);
        chain.next_seq += 1;
    }
    Ok(chain)
}

/// The lines to append, each linked to the one before: a `log-restarted`
/// record when the log was missing (`restarted_after` is the keyring's
/// count), an `interrupted` record naming leftovers, then one per event.
fn new_records(
    chain: &mut Chain,
    restarted_after: Option<u64>,
    events: &[Event],
    key: &MacKey,
    now: Timestamp,
) -> Vec<u8> {
    let (user, uid, host) = who();
    let root_identity = crate::root::identity();
    let time = clock::format_time(now);
    let mut out = Vec::new();
    let mut push = |op: &str, event: Option<&Event>, detail: Option<String>| {
        let record = Record {
            seq: chain.next_seq,
            time: time.clone(),
            op: op.to_string(),
            key: event.and_then(|e| e.key.clone()),
            versions: event.map(|e| e.versions.clone()).unwrap_or_default(),
            outcome: event
                .and_then(|e| e.outcome.clone())
                .unwrap_or_else(|| "ok".into()),
            user: user.clone(),
            uid,
            host: host.clone(),
            root_identity: root_identity.clone(),
            detail,
            prev: chain.prev.clone(),
        };
        let line = encode(&record, key);
        chain.prev = line_hash(&line);
        chain.next_seq += 1;
        out.extend_from_slice(&line);
        out.push(b'\n');
    };
    if let Some(seq) = restarted_after {
        push(
            RESTART_OP,
            None,
            Some(format!(
                "no audit log was found here; records 1-{seq} are not in this log (the keyring was copied or moved without its log, or the log was deleted)"
            )),
        );
    }
    let leftovers = std::mem::take(&mut chain.leftovers);
    if let (Some(first), Some(last)) = (leftovers.first(), leftovers.last()) {
        let which = if first == last {
            format!("record {first} was")
        } else {
            format!("records {first}-{last} were")
        };
        push(
            "interrupted",
            None,
            Some(format!(
                "{which} written by a command that stopped before it changed the keyring (or the keyring was restored from an older copy); it did not take effect"
            )),
        );
    }
    for event in events {
        push(&event.operation, Some(event), event.detail.clone());
    }
    out
}
