//! The envelope format (docs/FORMAT.md, "Envelope"): a header naming the key
//! version that wraps a fresh content key (CEK), then the data in STREAM
//! chunks under a key derived from the CEK. Nothing here knows the command
//! line or the keyring file; callers hand in the key version's material.
//!
//! For `rekey`: [`read_header`] parses a header from any reader without
//! unlocking anything and leaves the reader at the payload ([`Header::len`]
//! is where the payload starts in a binary envelope); [`Header::open`] gives
//! the CEK back given the old version's material, and [`Header::rewrap`]
//! builds the header for another version of the same key, of exactly the
//! same length, so it can be written over the old one in place.

pub mod armor;
pub mod context;
mod cursor;
pub mod header;
pub mod journal;
pub mod recipient;
pub mod scan;
pub mod stream;

use std::fmt;

pub use header::{
    Cek, DEFAULT_CHUNK_SIZE, EncryptionContext, Header, KeyStanza, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE,
    RecipientStanza, Stanza, VersionRef, read_header,
};

/// Why an envelope could not be read. The variants that concern the bytes
/// themselves are deliberately coarse: a caller learns that the envelope is
/// damaged, never which check failed.
#[derive(Debug)]
pub enum EnvelopeError {
    /// The input does not start like an envelope (or is empty).
    NotEnvelope,
    /// A format version this build does not know.
    UnsupportedVersion(u8),
    /// The input ends inside the header.
    Truncated,
    /// The header's structure is wrong (a length, a field out of range).
    Malformed,
    /// Authentication failed: the wrapped CEK, the header MAC or a payload
    /// chunk does not verify, or the chunks are cut, reordered or extended.
    Damaged,
    /// Reading the input failed.
    Read(std::io::Error),
    /// Writing the output failed.
    Write(std::io::Error),
}

impl PartialEq for EnvelopeError {
    fn eq(&self, other: &Self) -> bool {
        use EnvelopeError::*;
        match (self, other) {
            (UnsupportedVersion(a), UnsupportedVersion(b)) => a == b,
            (Read(a), Read(b)) | (Write(a), Write(b)) => a.kind() == b.kind(),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvelopeError::NotEnvelope => f.write_str("not a keycask envelope"),
            EnvelopeError::UnsupportedVersion(v) => write!(
                f,
                "envelope format version {v} is not supported by this keycask (it reads versions {} and {})",
                header::FORMAT_V1,
                header::FORMAT_VERSION
            ),
            EnvelopeError::Truncated => f.write_str("the envelope is truncated"),
            EnvelopeError::Malformed | EnvelopeError::Damaged => {
                f.write_str("the envelope is damaged or was tampered with")
            }
            EnvelopeError::Read(_) => f.write_str("cannot read the input"),
            EnvelopeError::Write(_) => f.write_str("cannot write the output"),
        }
    }
}

impl std::error::Error for EnvelopeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EnvelopeError::Read(e) | EnvelopeError::Write(e) => Some(e),
            _ => None,
        }
    }
}
