//! What became, or would become, of each file, and the counts of a run.

use crate::rekey::{FileReport, Status as PlanStatus};

/// What became, or would become, of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// A fresh CEK and payload under the primary version.
    Reencrypted,
    /// `--dry-run`: it would be re-encrypted.
    WouldReencrypt,
    /// Already under the primary version, which is not compromised.
    Current,
    /// `--only-compromised`: not under a compromised version; left alone.
    NotCompromised,
    /// Not for this keyring (not an envelope, or none of its keys is here).
    Skipped,
    /// It could not be re-encrypted; the file was left as it was.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reencrypted => "reencrypted",
            Status::WouldReencrypt => "would-reencrypt",
            Status::Current => "current",
            Status::NotCompromised => "not-compromised",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

/// One key version an envelope moves off (or stays on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub key: String,
    pub from_version: u32,
    pub to_version: u32,
    /// The version it was under is flagged compromised.
    pub compromised: bool,
}

/// The report on one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub status: Status,
    /// The keys of this keyring the envelope is for, in header order.
    pub moves: Vec<Move>,
    /// The file's size as found.
    pub bytes: u64,
    /// Recipients left out (`--drop-recipient`).
    pub dropped: Vec<[u8; 32]>,
    /// Why it was skipped or failed; for people.
    pub reason: Option<String>,
}

impl Report {
    pub(super) fn new(status: Status) -> Report {
        Report {
            status,
            moves: Vec::new(),
            bytes: 0,
            dropped: Vec::new(),
            reason: None,
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Report {
        Report {
            reason: Some(reason.into()),
            ..Report::new(Status::Skipped)
        }
    }

    pub fn failed(reason: impl Into<String>) -> Report {
        Report {
            reason: Some(reason.into()),
            ..Report::new(Status::Failed)
        }
    }

    /// Keeps what is known of the envelope, with another status.
    pub(super) fn failed_after(mut self, reason: impl Into<String>) -> Report {
        self.status = Status::Failed;
        self.reason = Some(reason.into());
        self
    }

    /// It was (or is) under a compromised version.
    pub fn compromised(&self) -> bool {
        self.moves.iter().any(|m| m.compromised)
    }

    /// From a header-only plan that did not get as far as an envelope.
    pub(super) fn from_plan(plan: FileReport) -> Report {
        let status = match plan.status {
            PlanStatus::Failed => Status::Failed,
            _ => Status::Skipped,
        };
        Report {
            reason: plan.reason,
            ..Report::new(status)
        }
    }
}

/// Counts of a run, for its summary, its audit record and `--json`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub reencrypted: usize,
    pub current: usize,
    pub not_compromised: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Bytes of the envelopes re-encrypted (or that would be).
    pub bytes: u64,
}

impl Summary {
    pub fn of<'r>(reports: impl IntoIterator<Item = &'r Report>) -> Summary {
        let mut s = Summary::default();
        for r in reports {
            match r.status {
                Status::Reencrypted | Status::WouldReencrypt => {
                    s.reencrypted += 1;
                    s.bytes += r.bytes;
                }
                Status::Current => s.current += 1,
                Status::NotCompromised => s.not_compromised += 1,
                Status::Skipped => s.skipped += 1,
                Status::Failed => s.failed += 1,
            }
        }
        s
    }
}
