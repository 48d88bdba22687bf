//! The hash-chained audit log, `<keyring>.audit.jsonl` beside the keyring.
//!
//! It stands alone: it knows the audit state the keyring records
//! ([`AuditState`]) and the events it is given ([`Event`]), but never the
//! keyring itself; the keyring (`keyring::record`) is its only writer.
//! [`record`] encodes and checks one line, [`append`] adds records at the end,
//! [`verify`] reads the whole log back.
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

mod append;
mod record;
#[cfg(test)]
mod tests;
mod verify;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use append::append;
pub use record::{MacKey, Record};
// The keyring vectors (src/tests/vectors_keyring.rs) check the chain's start.
#[cfg(test)]
pub(crate) use record::genesis;
pub use verify::{Verdict, for_each_record, read_log, verify_bytes};

/// The log of the keyring at `keyring_path` (after following a symlinked
/// keyring, as the keyring writes do): `<keyring>.audit.jsonl`.
pub fn log_path(keyring_path: &Path) -> PathBuf {
    let real = std::fs::canonicalize(keyring_path).unwrap_or_else(|_| keyring_path.to_path_buf());
    let mut name = real.file_name().unwrap_or_default().to_os_string();
    name.push(".audit.jsonl");
    real.with_file_name(name)
}

/// The keyring's own record of its audit log, covered by the keyring MAC: how
/// many records the log must hold and the hash of the last one, so that a
/// truncated or replaced log is detected, and the key that MACs each record.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuditState {
    /// The sequence number of the last record written with this keyring.
    pub seq: u64,
    /// SHA-256 (hex) of that record's line; empty while `seq` is 0.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last: String,
    /// A random 32-byte audit key wrapped by the KEK (base64 `nonce || ct ||
    /// tag`, associated data from [`audit_key_aad`]); the record MAC key is
    /// derived from it. Re-wrapped when the KEK rotates, so old records stay
    /// verifiable.
    pub key: String,
    /// The KEK version that wraps `key`.
    pub kek_version: u32,
    /// Whether usage (wrap, unwrap, sign, export) is logged too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub usage: bool,
}

/// One lifecycle event, recorded by the command that changed the keyring
/// and written to the audit log together with the keyring.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event {
    /// `init`, `keygen`, `rotate`, `rotate-kek`, `rotate-root`, `enable`,
    /// `disable`, `destroy`, `import`, `rekey`, ...
    pub operation: String,
    /// The key it concerns, if one.
    pub key: Option<String>,
    /// The key's versions it concerns, if any.
    pub versions: Vec<u32>,
    /// Free text for people; never a secret.
    pub detail: Option<String>,
    /// `ok` when absent; a usage command may record `denied` or `failed`.
    pub outcome: Option<String>,
}

impl Event {
    /// An event of `operation`, about no key yet.
    pub fn new(operation: &str) -> Event {
        Event {
            operation: operation.to_string(),
            ..Event::default()
        }
    }

    /// The event concerns the key `name`.
    pub fn key(mut self, name: &str) -> Event {
        self.key = Some(name.to_string());
        self
    }

    /// The event concerns these versions of its key.
    pub fn versions(mut self, versions: impl IntoIterator<Item = u32>) -> Event {
        self.versions = versions.into_iter().collect();
        self
    }

    /// Free text for people; never a secret.
    pub fn detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = Some(detail.into());
        self
    }

    /// The outcome when not `ok`: `denied` or `failed`.
    pub fn outcome(mut self, outcome: impl Into<String>) -> Event {
        self.outcome = Some(outcome.into());
        self
    }
}
