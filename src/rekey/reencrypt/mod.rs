//! `rekey --reencrypt`: an envelope decrypted and encrypted again under a
//! fresh content key (CEK) and salt, for its key's primary version.
//!
//! Header-only rekey ([`super::Rekeyer`]) keeps the CEK, so whoever holds a
//! compromised version and any earlier copy of the header (a backup, a mail
//! attachment) can still read the payload. Re-encryption is the cure: the
//! new envelope shares nothing secret with the old one.
//!
//! - The same encryption context, chunk size and armor; a new format 2
//!   header, whose stanzas are those of the old one in the same order: key
//!   stanzas and recipient stanzas of this keyring's keys now for the key's
//!   primary version, recipients given with `--to PEM` sealed again to the
//!   same public key, recipients named with `--drop-recipient` left out.
//! - Streamed chunk for chunk ([`crate::envelope::stream::reencrypt`]): the
//!   old chunk is opened and sealed again under the new payload key in the
//!   same buffer, on every core, so memory stays bounded and plaintext never
//!   leaves zeroizing buffers.
//! - Written beside the old file (`.NAME.keycask-rekey.tmp`, unnamed while
//!   written where the filesystem allows, see [`crate::temp`]), with its
//!   owner, group and mode, synced and renamed over it, and the folder
//!   synced: a kill at any moment leaves the old envelope or the new one,
//!   each complete.
//!
//! Nothing here knows the command line: `rotation::rekey` walks, calls
//! [`Reencrypter::reencrypt_file`] per file and reports.
//!
//! The files: the reports ([`report`]), deciding from a header what
//! re-encrypting it means ([`plan`]), and the rewrite itself ([`rewrite`]).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::Result;

use super::Rekeyer;
use crate::error::Failure;
use crate::keyring::{Keyring, Unlocked};
use crate::sealed::Recipient;

mod plan;
mod report;
mod rewrite;

pub use report::{Move, Report, Status, Summary};

/// `--drop-recipient FINGERPRINT`: `SHA256:<hex>` as `inspect` and `show`
/// print it, or the 64 hex digits alone.
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], Failure> {
    let hex_part = text
        .strip_prefix("SHA256:")
        .or_else(|| text.strip_prefix("sha256:"))
        .unwrap_or(text);
    hex::decode(hex_part)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            Failure::usage(format!(
                "--drop-recipient {text}: not a public-key fingerprint"
            ))
            .hint("a fingerprint is SHA256: and 64 hex digits, as `keycask inspect FILE` lists an envelope's recipients")
        })
}

/// What `rekey --reencrypt` was asked to do, beyond the paths.
#[derive(Default)]
pub struct Options {
    /// Also envelopes already under a primary version that is not
    /// compromised.
    pub force: bool,
    /// Only envelopes under a compromised version.
    pub only_compromised: bool,
    /// Public keys of recipients that are not keys of this keyring.
    pub to: Vec<Recipient>,
    /// Recipients to leave out of the new envelopes.
    pub drop: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("force", &self.force)
            .field("only_compromised", &self.only_compromised)
            .field(
                "to",
                &self.to.iter().map(|p| p.label.as_str()).collect::<Vec<_>>(),
            )
            .field("drop", &self.drop.len())
            .finish()
    }
}

/// Re-encrypts envelopes for one keyring. With only the keyring's metadata
/// (no unlock) it plans (`--dry-run`); with the unlocked keyring it acts.
pub struct Reencrypter<'a> {
    rekeyer: Rekeyer<'a>,
    doc: &'a Keyring,
    unlocked: Option<&'a Unlocked>,
    options: &'a Options,
}

impl<'a> Reencrypter<'a> {
    pub fn planner(doc: &'a Keyring, options: &'a Options) -> Self {
        Reencrypter {
            rekeyer: Rekeyer::planner(doc),
            doc,
            unlocked: None,
            options,
        }
    }

    pub fn new(unlocked: &'a Unlocked, options: &'a Options) -> Self {
        Reencrypter {
            rekeyer: Rekeyer::new(unlocked),
            doc: &unlocked.doc,
            unlocked: Some(unlocked),
            options,
        }
    }
}

/// Whether the file may be replaced by a rewritten one: its folder is
/// writable, and it has no other hard links (the rename would split it from
/// them).
fn replaceable(path: &Path) -> Result<(), String> {
    super::writable(path)?;
    match std::fs::metadata(path) {
        Ok(meta) if meta.nlink() > 1 => Err(format!(
            "it has {} other hard links, which replacing it would split from it",
            meta.nlink() - 1
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_in_both_forms_and_bad_ones_are_usage_errors() {
        let hex64 = "ab".repeat(32);
        assert_eq!(parse_fingerprint(&hex64).unwrap(), [0xab; 32]);
        assert_eq!(
            parse_fingerprint(&format!("SHA256:{hex64}")).unwrap(),
            [0xab; 32]
        );
        for bad in [
            "",
            "SHA256:",
            "SHA256:abc",
            &"zz".repeat(32),
            &"ab".repeat(33),
        ] {
            let err = parse_fingerprint(bad).unwrap_err();
            assert_eq!(err.code, crate::error::ExitCode::Usage, "{bad}");
        }
    }

    #[test]
    fn the_summary_counts_bytes_of_what_is_reencrypted_only() {
        let with = |status, bytes| Report {
            bytes,
            ..Report::new(status)
        };
        let reports = [
            with(Status::Reencrypted, 10),
            with(Status::Current, 100),
            with(Status::Failed, 1000),
            with(Status::Reencrypted, 5),
            with(Status::NotCompromised, 1),
            with(Status::Skipped, 1),
        ];
        let s = Summary::of(&reports);
        assert_eq!(
            s,
            Summary {
                reencrypted: 2,
                current: 1,
                not_compromised: 1,
                skipped: 1,
                failed: 1,
                bytes: 15,
            }
        );
    }
}
