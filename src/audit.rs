//! The hash-chained audit log, `<keyring>.audit.jsonl` beside the keyring.
//!
//! One JSON object per line. Each record carries its sequence number, the
//! SHA-256 of the previous line (`prev`; for record 1, of a genesis string
//! naming the keyring id) and, as its last field, an HMAC-SHA256 (`mac`) of
//! the exact bytes of the line without that field, under a key derived from
//! the keyring's audit key (which the KEK wraps). The keyring itself records
//! the sequence number and hash of the last record (`AuditState`), under its
//! own MAC, so that removing records from the end is detected too.
//!
//! Crash safety: a writer appends and fsyncs the records first, then
//! replaces the keyring (which moves the counter). Killed between the two,
//! the log holds records past the keyring's counter that did not take
//! effect; `verify` reports them as uncommitted and the next writer chains
//! an `interrupted` record after them saying so. A partial last line (killed
//! mid-append) is never a record: the next writer cuts it off.
//!
//! See `docs/audit.md` for the format and the decisions.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::clock::{self, Timestamp};
use crate::crypto;
use crate::error::Failure;
use crate::keyring::{AuditState, Event, Unlocked};
use crate::secret::SecretKey32;

/// The log of the keyring at `keyring_path` (after following a symlinked
/// keyring, as the keyring writes do): `<keyring>.audit.jsonl`.
pub fn log_path(keyring_path: &Path) -> PathBuf {
    let real = std::fs::canonicalize(keyring_path).unwrap_or_else(|_| keyring_path.to_path_buf());
    let mut name = real.file_name().unwrap_or_default().to_os_string();
    name.push(".audit.jsonl");
    real.with_file_name(name)
}

/// One audit record, as stored, without its `mac`. Field order is the order
/// on disk. Never holds a secret.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub seq: u64,
    /// UTC, RFC 3339.
    pub time: String,
    /// `init`, `keygen`, `rotate`, `destroy`, `config`, `interrupted`,
    /// and with usage logging `wrap`, `unwrap`, `sign`, `export`, ...
    pub op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<u32>,
    /// `ok`, or what the command says (`denied`, `failed`, ...).
    pub outcome: String,
    /// From `$USER`/`$LOGNAME` (informative) and the real uid (not spoofable
    /// by the environment).
    pub user: String,
    pub uid: u32,
    pub host: String,
    /// Who unlocked a root that has an identity of its own: a Transit
    /// token's accessor, or an AppRole role id. Never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// SHA-256 (hex) of the previous line.
    pub prev: String,
}

/// A record as parsed from a line: the record and its MAC.
#[derive(Deserialize)]
struct Stored {
    #[serde(flatten)]
    record: Record,
    mac: String,
}

const MAC_FIELD: &[u8] = b",\"mac\":\"";

/// The operation of the first record of a log restarted because the log
/// was missing (see [`append`]).
pub const RESTART_OP: &str = "log-restarted";

/// The MAC key for the records of one keyring.
pub struct MacKey(SecretKey32);

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MacKey").finish_non_exhaustive()
    }
}

impl MacKey {
    /// Derives the record MAC key from the keyring's (unwrapped) audit key.
    pub fn derive(audit_key: &SecretKey32, keyring_id: &str) -> MacKey {
        MacKey(crypto::hkdf_sha256(
            audit_key.expose_secret(),
            Some(keyring_id.as_bytes()),
            b"keycask/audit-mac/v1",
        ))
    }
}

/// What `prev` of record 1 is: binds the log to its keyring.
pub fn genesis(keyring_id: &str) -> String {
    hex::encode(crypto::sha256(
        format!("keycask/audit/v1\0{keyring_id}").as_bytes(),
    ))
}

fn line_hash(line: &[u8]) -> String {
    hex::encode(crypto::sha256(line))
}

/// The line for `record` (without the newline): its JSON with `mac` added
/// as the last field.
fn encode(record: &Record, key: &MacKey) -> Vec<u8> {
    let mut line = serde_json::to_vec(record).expect("a record always serialises");
    let tag = crypto::hmac_sha256(&key.0, &line);
    line.pop(); // the closing brace
    line.extend_from_slice(MAC_FIELD);
    line.extend_from_slice(B64.encode(tag).as_bytes());
    line.extend_from_slice(b"\"}");
    line
}

/// Why a line is not a valid record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineError {
    /// Not a record at all (not JSON, fields missing).
    Malformed,
    /// A record whose MAC does not match its bytes.
    BadMac,
}

/// Parses one line and checks its MAC over the exact bytes.
fn decode(line: &[u8], key: &MacKey) -> Result<Record, LineError> {
    let stored: Stored = serde_json::from_slice(line).map_err(|_| LineError::Malformed)?;
    let at = find_last(line, MAC_FIELD).ok_or(LineError::Malformed)?;
    let mut message = line[..at].to_vec();
    message.push(b'}');
    let tag = B64.decode(&stored.mac).map_err(|_| LineError::BadMac)?;
    if !line.ends_with(b"\"}") || at + MAC_FIELD.len() + stored.mac.len() + 2 != line.len() {
        return Err(LineError::BadMac);
    }
    crypto::hmac_sha256_verify(&key.0, &message, &tag).map_err(|_| LineError::BadMac)?;
    Ok(stored.record)
}

/// Parses a line without checking its MAC (for showing the log without
/// unlocking the keyring).
fn decode_unverified(line: &[u8]) -> Option<Record> {
    serde_json::from_slice::<Stored>(line)
        .ok()
        .map(|s| s.record)
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Who runs this process, for the records.
fn who() -> (String, u32, String) {
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

fn log_failure(path: &Path, what: impl std::fmt::Display) -> Failure {
    Failure::auth(format!("the audit log {} {what}", path.display())).hint(format!(
        "`keycask audit verify` names the bad record; restore the log from a backup. The keyring was not changed. \
         Without a backup, keep the damaged log aside (`mv {0} {0}.damaged`): the next write starts a new log with a `log-restarted` record",
        path.display()
    ))
}

/// The complete lines of a log from the record numbered `from` (or the
/// start) to the end, with their offsets, and where complete lines end.
struct Tail {
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
fn read_tail(file: &mut File, seq: u64) -> Result<Tail> {
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
    // refused below: that is damage, not absence.)
    let restart = state.seq > 0 && !path.exists() && !path.is_symlink();
    // A log with records must already be there: a symlink to a missing file
    // is refused, and a refused write leaves no file behind.
    if state.seq > 0 && !restart && !path.exists() {
        let target = std::fs::read_link(&path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        return Err(log_failure(
            &path,
            format!(
                "is a symbolic link to {target}, which does not exist; the keyring knows {} record(s)",
                state.seq
            ),
        )
        .into());
    }
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(restart || state.seq == 0)
        .mode(0o600)
        .open(&path)
        .map_err(|e| {
            Failure::other(format!("cannot open the audit log {}: {e}", path.display()))
                .hint("the keyring was not changed")
        })?;
    crate::keyring::file::match_keyring_owner(keyring_path, &file).map_err(|e| {
        Failure::other(format!(
            "cannot give the audit log {} the keyring's owner: {e}",
            path.display()
        ))
    })?;
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

    // Find the record the keyring knows as its last, then check the records
    // after it (left by a writer killed before its keyring write).
    let mut prev = genesis(keyring_id);
    let mut next_seq = 1;
    let mut leftovers = Vec::new();
    // Where the records after the keyring's last one begin. The last one
    // is found by its number alone, from the end (usually the last line),
    // and checked by its hash, which the keyring's own MAC vouches for.
    let mut after_known = 0;
    if restart {
        prev = state.last.clone();
        next_seq = state.seq + 1;
    } else if state.seq > 0 {
        let known = tail
            .lines
            .iter()
            .rposition(|(_, l)| decode_unverified(l).is_some_and(|r| r.seq == state.seq))
            .ok_or_else(|| {
                log_failure(
                    &path,
                    format!(
                        "ends before record {}, the last one the keyring knows: it was truncated or replaced",
                        state.seq
                    ),
                )
            })?;
        let line = &tail.lines[known].1;
        if line_hash(line) != state.last {
            return Err(log_failure(
                &path,
                format!(
                    "does not hold the record {} that the keyring knows",
                    state.seq
                ),
            )
            .into());
        }
        prev = state.last.clone();
        next_seq = state.seq + 1;
        after_known = known + 1;
    }
    for (_, line) in &tail.lines[after_known..] {
        let Ok(record) = decode(line, key) else {
            return Err(log_failure(
                &path,
                format!("has a damaged record after record {}", next_seq - 1),
            )
            .into());
        };
        if record.seq != next_seq || record.prev != prev {
            if state.seq == 0 && tail.from_start && leftovers.is_empty() {
                return Err(Failure::keyring(format!(
                    "the audit log {} belongs to another keyring",
                    path.display()
                ))
                .hint("move it away; keycask starts a new log for this keyring")
                .into());
            }
            return Err(
                log_failure(&path, format!("breaks its chain at record {}", record.seq)).into(),
            );
        }
        leftovers.push(record.seq);
        prev = line_hash(line);
        next_seq += 1;
    }
    let len = file.metadata()?.len();
    if len > tail.complete_end {
        // A partial line from a writer killed mid-append: never a record.
        file.set_len(tail.complete_end)?;
    }

    let (user, uid, host) = who();
    let root_identity = crate::root::identity();
    let time = clock::format_time(now);
    let mut out = Vec::new();
    let mut push = |op: &str, event: Option<&Event>, detail: Option<String>| {
        let record = Record {
            seq: next_seq,
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
            prev: prev.clone(),
        };
        let line = encode(&record, key);
        prev = line_hash(&line);
        next_seq += 1;
        out.extend_from_slice(&line);
        out.push(b'\n');
    };
    if restart {
        push(
            RESTART_OP,
            None,
            Some(format!(
                "no audit log was found here; records 1-{} are not in this log (the keyring was copied or moved without its log, or the log was deleted)",
                state.seq
            )),
        );
    }
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
    let before = tail.complete_end;
    let written = file.write_all(&out).and_then(|()| file.sync_data());
    if let Err(e) = written {
        // Best effort: leave the log as it was (a full disk, an I/O error).
        let _ = file.set_len(before);
        return Err(Failure::other(format!(
            "cannot write the audit log {}: {e}",
            path.display()
        ))
        .hint("the keyring was not changed")
        .into());
    }
    Ok((next_seq - 1, prev))
}

/// A problem `verify` found: the first bad record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The line at `line` is not a record, or its MAC does not match.
    Edited { line: usize, seq: Option<u64> },
    /// Records `first..=last` are missing before line `line`.
    Removed { line: usize, first: u64, last: u64 },
    /// Record `seq` at `line` is out of order (or a duplicate).
    Reordered { line: usize, seq: u64 },
    /// The log ends after record `last`, the keyring knows of `expected`.
    Truncated { last: u64, expected: u64 },
}

impl Problem {
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::Edited { .. } => "edited",
            Problem::Removed { .. } => "removed",
            Problem::Reordered { .. } => "reordered",
            Problem::Truncated { .. } => "truncated",
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Edited {
                line,
                seq: Some(seq),
            } => {
                write!(
                    f,
                    "record {seq} (line {line}) was edited: its MAC or chain link does not match"
                )
            }
            Problem::Edited { line, seq: None } => {
                write!(f, "line {line} was edited: it is not a valid record")
            }
            Problem::Removed { line, first, last } if first == last => {
                write!(f, "record {first} was removed (before line {line})")
            }
            Problem::Removed { line, first, last } => {
                write!(
                    f,
                    "records {first}-{last} were removed (before line {line})"
                )
            }
            Problem::Reordered { line, seq } => {
                write!(
                    f,
                    "record {seq} (line {line}) is out of order: records were reordered or duplicated"
                )
            }
            Problem::Truncated { last, expected } if *last == 0 => write!(
                f,
                "the log is empty or missing, but the keyring's counter knows of {expected} records: it was truncated after record 0"
            ),
            Problem::Truncated { last, expected } => write!(
                f,
                "the log was truncated after record {last}: the keyring's counter knows of {expected}"
            ),
        }
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Complete lines read.
    pub records: usize,
    /// The keyring's counter.
    pub committed: u64,
    /// Valid records past the keyring's counter (an interrupted writer).
    pub uncommitted: Vec<u64>,
    /// Bytes after the last newline (an interrupted append).
    pub partial_line: bool,
    /// When the log was restarted because it was missing: the first record
    /// it holds and that record's time.
    pub restarted: Option<(u64, String)>,
    pub problem: Option<Problem>,
}

/// Reads the whole log, if there is one.
fn read_log(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => {
            Err(Failure::other(format!("cannot read the audit log {}: {e}", path.display())).into())
        }
    }
}

fn split_lines(bytes: &[u8]) -> (Vec<&[u8]>, bool) {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let partial = !lines.last().is_some_and(|l| l.is_empty());
    lines.pop();
    (lines, partial)
}

/// Checks the whole log of an unlocked keyring: every record's MAC, the
/// chain, the sequence, and the end against the keyring's counter.
pub fn verify(keyring_path: &Path, keyring: &Unlocked) -> Result<Verdict> {
    let state = keyring.doc.audit.clone().ok_or_else(|| {
        Failure::usage("this keyring has no audit log yet: it was created before keycask kept one")
            .hint("the next command that changes the keyring starts it")
    })?;
    let key = keyring.audit_mac_key()?;
    let bytes = read_log(&log_path(keyring_path))?;
    Ok(verify_bytes(&bytes, &keyring.doc.keyring_id, &state, &key))
}

/// Checks log bytes against a keyring's audit state and record key (the
/// core of [`verify`]; public for the fuzzer).
pub fn verify_bytes(bytes: &[u8], keyring_id: &str, state: &AuditState, key: &MacKey) -> Verdict {
    let (lines, partial_line) = split_lines(bytes);
    let mut verdict = Verdict {
        records: lines.len(),
        committed: state.seq,
        uncommitted: Vec::new(),
        partial_line,
        restarted: None,
        problem: None,
    };
    let seqs: Vec<Option<u64>> = lines
        .iter()
        .map(|l| decode_unverified(l).map(|r| r.seq))
        .collect();
    let mut prev = genesis(keyring_id);
    let mut expected = 1u64;
    for (i, line) in lines.iter().enumerate() {
        let number = i + 1;
        let record = match decode(line, key) {
            Ok(r) => r,
            Err(_) => {
                verdict.problem = Some(Problem::Edited {
                    line: number,
                    seq: seqs[i],
                });
                return verdict;
            }
        };
        if i == 0 && record.op == RESTART_OP && record.seq > 1 {
            // A MACed restart record: the log legitimately starts here, and
            // says which records it lacks.
            expected = record.seq;
            prev = record.prev.clone();
            verdict.restarted = Some((record.seq, record.time.clone()));
        }
        if record.seq > expected {
            let later = seqs[i + 1..].contains(&Some(expected));
            verdict.problem = Some(if later {
                Problem::Reordered {
                    line: number,
                    seq: record.seq,
                }
            } else {
                Problem::Removed {
                    line: number,
                    first: expected,
                    last: record.seq - 1,
                }
            });
            return verdict;
        }
        if record.seq < expected {
            verdict.problem = Some(Problem::Reordered {
                line: number,
                seq: record.seq,
            });
            return verdict;
        }
        if record.prev != prev {
            verdict.problem = Some(Problem::Edited {
                line: number,
                seq: Some(record.seq),
            });
            return verdict;
        }
        prev = line_hash(line);
        if record.seq == state.seq && prev != state.last {
            verdict.problem = Some(Problem::Edited {
                line: number,
                seq: Some(record.seq),
            });
            return verdict;
        }
        if record.seq > state.seq {
            verdict.uncommitted.push(record.seq);
        }
        expected += 1;
    }
    if expected - 1 < state.seq {
        verdict.problem = Some(Problem::Truncated {
            last: expected - 1,
            expected: state.seq,
        });
    }
    verdict
}

/// Calls `each` with every record of the log, without checking MACs (for
/// `keycask audit`, which needs no unlock; `audit verify` checks). The log is
/// read a line at a time, so memory stays flat however long it grows.
/// Returns how many lines are not records; a last line without its newline
/// (a write cut short) is not counted, as `audit verify` does not count it.
pub fn for_each_record(
    keyring_path: &Path,
    mut each: impl FnMut(Record) -> Result<()>,
) -> Result<usize> {
    use std::io::BufRead;
    let path = log_path(keyring_path);
    let cannot_read = |e: std::io::Error| -> anyhow::Error {
        Failure::other(format!("cannot read the audit log {}: {e}", path.display())).into()
    };
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(cannot_read(e)),
    };
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
    let mut line = Vec::new();
    let mut skipped = 0;
    loop {
        line.clear();
        reader.read_until(b'\n', &mut line).map_err(cannot_read)?;
        if line.pop() != Some(b'\n') {
            return Ok(skipped);
        }
        match decode_unverified(&line) {
            Some(record) => each(record)?,
            None => skipped += 1,
        }
    }
}

/// Logs one event of a command that changes no keyring but must be on the
/// record whatever the usage setting (`rekey`'s summary), for a keyring
/// opened with [`crate::keyring::open_read_only`]: takes the writer's lock
/// and writes the record and the keyring's new counter.
pub fn record(ctx: &crate::Context, keyring: &Unlocked, event: Event) -> Result<()> {
    crate::keyring::commit_usage(&ctx.keyring_path, keyring, &ctx.sources, event)
}

/// Logs one usage event (`wrap`, `unwrap`, `sign`, `export`, ...) when the
/// keyring has usage logging on (`keycask config audit-usage on`, or
/// `init --audit-usage`); does nothing otherwise, at no cost.
///
/// Call it from a command that only uses keys, with the keyring it opened
/// with [`crate::keyring::open_read_only`], once the key and version are
/// resolved and BEFORE any output is released: if the record cannot be
/// written the command must fail, so that no use goes unlogged.
///
/// ```ignore
/// let keyring = keyring::open_read_only(&ctx.keyring_path, &ctx.sources)?;
/// // ... resolve the key version ...
/// audit::record_usage(ctx, &keyring, Event::new("unwrap").key(name).versions([v]))?;
/// ```
///
/// With logging on it takes the writer's lock and rewrites the keyring (to
/// move the audit counter): the cost is measured in docs/audit.md.
pub fn record_usage(ctx: &crate::Context, keyring: &Unlocked, event: Event) -> Result<()> {
    if !keyring.doc.audit.as_ref().is_some_and(|a| a.usage) {
        return Ok(());
    }
    crate::keyring::commit_usage(&ctx.keyring_path, keyring, &ctx.sources, event)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MacKey {
        MacKey::derive(&SecretKey32::from_bytes([7; 32]), "ring")
    }

    fn record(seq: u64, prev: String) -> Record {
        Record {
            seq,
            time: "2026-11-29T00:00:00Z".into(),
            op: "keygen".into(),
            key: Some("k".into()),
            versions: vec![1],
            outcome: "ok".into(),
            user: "u".into(),
            uid: 1,
            host: "h".into(),
            root_identity: None,
            detail: None,
            prev,
        }
    }

    /// A log of `n` records and the matching state.
    fn log(n: u64) -> (Vec<Vec<u8>>, AuditState) {
        let k = key();
        let mut prev = genesis("ring");
        let mut lines = Vec::new();
        for seq in 1..=n {
            let line = encode(&record(seq, prev.clone()), &k);
            prev = line_hash(&line);
            lines.push(line);
        }
        let state = AuditState {
            seq: n,
            last: if n == 0 { String::new() } else { prev },
            key: String::new(),
            kek_version: 1,
            usage: false,
        };
        (lines, state)
    }

    fn join(lines: &[Vec<u8>]) -> Vec<u8> {
        lines
            .iter()
            .flat_map(|l| l.iter().copied().chain([b'\n']))
            .collect()
    }

    #[test]
    fn a_good_log_verifies_and_lines_end_with_their_mac() {
        let (lines, state) = log(5);
        assert!(lines[0].ends_with(b"\"}"));
        assert!(find_last(&lines[0], MAC_FIELD).is_some());
        let v = verify_bytes(&join(&lines), "ring", &state, &key());
        assert_eq!(v.problem, None);
        assert_eq!(v.records, 5);
        assert!(v.uncommitted.is_empty());
    }

    #[test]
    fn each_kind_of_damage_is_named() {
        let (lines, state) = log(5);
        let k = key();
        // Edited: one byte of record 3.
        let mut edited = lines.clone();
        let at = edited[2].iter().position(|&b| b == b'k').unwrap();
        edited[2][at] = b'j';
        assert_eq!(
            verify_bytes(&join(&edited), "ring", &state, &k).problem,
            Some(Problem::Edited {
                line: 3,
                seq: Some(3)
            })
        );
        // Removed: record 3.
        let mut removed = lines.clone();
        removed.remove(2);
        assert_eq!(
            verify_bytes(&join(&removed), "ring", &state, &k).problem,
            Some(Problem::Removed {
                line: 3,
                first: 3,
                last: 3
            })
        );
        // Reordered: records 3 and 4 swapped.
        let mut swapped = lines.clone();
        swapped.swap(2, 3);
        assert_eq!(
            verify_bytes(&join(&swapped), "ring", &state, &k).problem,
            Some(Problem::Reordered { line: 3, seq: 4 })
        );
        // Truncated: the last two gone.
        assert_eq!(
            verify_bytes(&join(&lines[..3]), "ring", &state, &k).problem,
            Some(Problem::Truncated {
                last: 3,
                expected: 5
            })
        );
        // Another keyring's key or genesis: edited at line 1.
        let other = MacKey::derive(&SecretKey32::from_bytes([8; 32]), "ring");
        assert_eq!(
            verify_bytes(&join(&lines), "ring", &state, &other).problem,
            Some(Problem::Edited {
                line: 1,
                seq: Some(1)
            })
        );
        assert_eq!(
            verify_bytes(&join(&lines), "other", &state, &k).problem,
            Some(Problem::Edited {
                line: 1,
                seq: Some(1)
            })
        );
        // A MAC moved from one record to another.
        let mut moved = lines.clone();
        let mac0 = lines[0][find_last(&lines[0], MAC_FIELD).unwrap()..].to_vec();
        let at = find_last(&moved[1], MAC_FIELD).unwrap();
        moved[1].truncate(at);
        moved[1].extend_from_slice(&mac0);
        assert_eq!(
            verify_bytes(&join(&moved), "ring", &state, &k).problem,
            Some(Problem::Edited {
                line: 2,
                seq: Some(2)
            })
        );
    }

    /// The fuzzer's seed logs (`fuzz/corpus/audit_log`) are logs of this
    /// key and keyring id, so that mutations get past the MAC to the chain
    /// and sequence checks. `KEYCASK_WRITE_SEEDS=1` rewrites them.
    #[test]
    fn fuzz_seed_logs_are_current() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/audit_log");
        let (lines, _) = log(5);
        let mut swapped = lines.clone();
        swapped.swap(1, 2);
        let mut partial = join(&lines[..3]);
        partial.extend_from_slice(&lines[3][..40]);
        let seeds = [
            ("valid-1", join(&lines[..1])),
            ("valid-5", join(&lines)),
            ("swapped", join(&swapped)),
            ("partial", partial),
        ];
        for (name, bytes) in seeds {
            let path = dir.join(name);
            if std::env::var_os("KEYCASK_WRITE_SEEDS").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &bytes).unwrap();
            }
            assert_eq!(
                std::fs::read(&path).unwrap(),
                bytes,
                "{name}: KEYCASK_WRITE_SEEDS=1 cargo test fuzz_seed"
            );
        }
    }

    /// A writer reads the log from its end, growing its window until it
    /// reaches the keyring's last record: here 99 records (about 25 KiB)
    /// past it, as after a restored keyring.
    #[test]
    fn a_writer_reaches_back_past_many_uncommitted_records() {
        let dir = tempfile::tempdir().unwrap();
        let keyring = dir.path().join("k.json");
        let (lines, _) = log(100);
        std::fs::write(log_path(&keyring), join(&lines)).unwrap();
        assert!(join(&lines).len() > 3 * 8 * 1024);
        let (_, state1) = log(1);
        let (seq, last) = append(
            &keyring,
            "ring",
            &state1,
            &key(),
            &[Event::new("keygen").key("k2")],
            1_800_000_000,
        )
        .unwrap();
        assert_eq!(seq, 102);
        let bytes = std::fs::read(log_path(&keyring)).unwrap();
        let state = AuditState {
            seq,
            last,
            key: String::new(),
            kek_version: 1,
            usage: false,
        };
        let verdict = verify_bytes(&bytes, "ring", &state, &key());
        assert_eq!(verdict.problem, None);
        assert_eq!(verdict.records, 102);
        let text = String::from_utf8(bytes).unwrap();
        let marker = text.lines().nth(100).unwrap();
        assert!(marker.contains("records 2-100 were written"), "{marker}");
        // And a keyring whose last record is not in the log is refused.
        let (_, state200) = log(200);
        let err = append(&keyring, "ring", &state200, &key(), &[], 1_800_000_000).unwrap_err();
        assert!(
            format!("{err:#}").contains("ends before record 200"),
            "{err:#}"
        );
    }

    #[test]
    fn records_past_the_counter_are_uncommitted_not_bad() {
        let (lines, _) = log(5);
        let (_, state3) = log(3);
        let mut bytes = join(&lines);
        bytes.extend_from_slice(b"{\"seq\":6,\"ti");
        let v = verify_bytes(&bytes, "ring", &state3, &key());
        assert_eq!(v.problem, None);
        assert_eq!(v.uncommitted, vec![4, 5]);
        assert!(v.partial_line);
    }
}
