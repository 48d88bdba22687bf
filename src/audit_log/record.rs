//! One record: its fields, its line (JSON with the MAC as the last field),
//! the key that MACs it, and the chain's genesis.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::crypto;
use crate::secret::SecretKey32;

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
pub(super) struct Stored {
    #[serde(flatten)]
    record: Record,
    mac: String,
}

pub(super) const MAC_FIELD: &[u8] = b",\"mac\":\"";

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

pub(super) fn line_hash(line: &[u8]) -> String {
    hex::encode(crypto::sha256(line))
}

/// The line for `record` (without the newline): its JSON with `mac` added
/// as the last field.
pub(super) fn encode(record: &Record, key: &MacKey) -> Vec<u8> {
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
pub(super) enum LineError {
    /// Not a record at all (not JSON, fields missing).
    Malformed,
    /// A record whose MAC does not match its bytes.
    BadMac,
}

/// Parses one line and checks its MAC over the exact bytes.
pub(super) fn decode(line: &[u8], key: &MacKey) -> Result<Record, LineError> {
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
pub(super) fn decode_unverified(line: &[u8]) -> Option<Record> {
    serde_json::from_slice::<Stored>(line)
        .ok()
        .map(|s| s.record)
}

pub(super) fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}
