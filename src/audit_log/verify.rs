//! Reading the whole log back: every record's MAC, the chain, the
//! sequence, and the end against the keyring's counter.

use std::fs::File;
use std::path::Path;

use anyhow::Result;

use super::record::*;
use super::{AuditState, log_path};
use crate::error::Failure;

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
pub fn read_log(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => {
            Err(Failure::other(format!("cannot read the audit log {}: {e}", path.display())).into())
        }
    }
}

pub(super) fn split_lines(bytes: &[u8]) -> (Vec<&[u8]>, bool) {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let partial = !lines.last().is_some_and(|l| l.is_empty());
    lines.pop();
    (lines, partial)
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
