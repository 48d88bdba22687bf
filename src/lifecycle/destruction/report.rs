//! What `destroy` reports: the `keycask.destroy/1` documents
//! (docs/JSON.md) and their text, through `Context::emit`.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::describe;
use crate::clock::{self, Timestamp};

/// What `destroy` reports when it destroys or schedules:
/// `keycask.destroy/1` (docs/JSON.md).
#[derive(Serialize)]
pub(super) struct DestroyReport<'a> {
    pub(super) schema: &'static str,
    pub(super) action: &'static str,
    pub(super) key: &'a str,
    pub(super) whole_key: bool,
    pub(super) versions: &'a [u32],
    #[serde(with = "crate::key::rfc3339")]
    pub(super) at: Timestamp,
    #[serde(with = "crate::key::rfc3339_opt")]
    pub(super) destroy_after: Option<Timestamp>,
    pub(super) reason: Option<&'a str>,
    pub(super) kek_version: u32,
    pub(super) kek_rotated: bool,
    pub(super) checked: Option<CheckedReport<'a>>,
    /// The `--version` asked for, for the text.
    #[serde(skip)]
    pub(super) version: Option<u32>,
    /// The KEK's primary version before, for the text.
    #[serde(skip)]
    pub(super) old_kek: u32,
}

/// `destroy --check`'s part of the report.
#[derive(Serialize)]
pub(super) struct CheckedReport<'a> {
    pub(super) paths: &'a [PathBuf],
    pub(super) files: usize,
    pub(super) envelopes: usize,
    pub(super) passed_over: usize,
}

impl fmt::Display for DestroyReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, version) = (self.key, self.version);
        let what = describe(name, version, self.versions);
        match self.destroy_after {
            Some(after) => writeln!(
                f,
                "scheduled {what} for destruction on {}; disabled until then \
                 (undo with `keycask destroy --cancel {name}{}`)",
                clock::format_time(after),
                version
                    .map(|n| format!(" --version {n}"))
                    .unwrap_or_default()
            )?,
            None => writeln!(f, "destroyed {what}")?,
        }
        if self.kek_rotated {
            writeln!(
                f,
                "rotated the KEK: version {} -> {}",
                self.old_kek, self.kek_version
            )?;
        }
        Ok(())
    }
}

/// What `destroy --cancel` and `destroy --purge` report: the short
/// `keycask.destroy/1` document (docs/JSON.md).
#[derive(Serialize)]
pub(super) struct UndoReport<'a> {
    pub(super) schema: &'static str,
    pub(super) action: Undone,
    pub(super) key: &'a str,
    pub(super) whole_key: bool,
    pub(super) versions: Vec<u32>,
    /// The `--version` asked for, for the text.
    #[serde(skip)]
    pub(super) version: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Undone {
    Cancelled,
    Purged,
}

impl fmt::Display for UndoReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.action {
            Undone::Cancelled => writeln!(
                f,
                "cancelled the scheduled destruction of {}; enabled again",
                describe(self.key, self.version, &self.versions)
            ),
            Undone::Purged => writeln!(
                f,
                "purged the tombstone of key '{}'; the name can be used again",
                self.key
            ),
        }
    }
}
