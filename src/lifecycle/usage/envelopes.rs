//! What the envelope commands (`wrap`, `unwrap`, `inspect`, `datakey`) share:
//! files, stdin and the progress bar, `-c KEY=VALUE` pairs, the checks of a
//! key version before it is used, and the messages of envelope failures.
//!
//! Failures turn into exit codes here: bytes that do not verify exit 3
//! (vaguely), key versions that cannot be used exit 4 (precisely).

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::Context;
use crate::clock;
use crate::envelope::armor;
use crate::envelope::{EncryptionContext, EnvelopeError};
use crate::error::Failure;
use crate::key::Purpose;
use crate::keyring::{Key, KeyVersion, Unlocked, VersionState, destruction_note};
use crate::secret::SecretKey32;

/// A progress bar is shown only for inputs larger than this.
const PROGRESS_THRESHOLD: u64 = 64 * 1024 * 1024;

/// `-` means stdin or stdout, like no path at all.
pub(super) fn stdio_path(path: Option<&Path>) -> Option<PathBuf> {
    path.filter(|p| p.as_os_str() != "-").map(Path::to_path_buf)
}

pub(super) fn parse_context(pairs: &[String], flag: &str) -> Result<EncryptionContext> {
    let mut context = EncryptionContext::new();
    for pair in pairs {
        context.insert_pair(pair).map_err(|why| {
            Failure::usage(why).hint(format!(
                "{flag} KEY=VALUE, e.g. {flag} env=prod; keys are A-Z a-z 0-9 . _ -"
            ))
        })?;
    }
    Ok(context)
}

/// Refuses keys that cannot wrap: destroyed, or not an encryption key.
pub(super) fn check_key_usable(name: &str, key: &Key) -> Result<(), Failure> {
    if let Some(t) = &key.destroyed {
        return Err(Failure::key_unusable(format!(
            "key '{name}' was destroyed{}",
            t.note()
        )));
    }
    if key.purpose != Purpose::Encrypt || !key.algorithm.is_symmetric() {
        return Err(Failure::key_unusable(format!(
            "key '{name}' is {} key with purpose {}: only encrypt keys (aes256-gcm) wrap data",
            key.algorithm.with_article(),
            key.purpose
        ))
        .hint("create one with `keycask keygen NAME` (aes256-gcm, purpose encrypt)"));
    }
    Ok(())
}

/// "version N of key K is disabled", and the like, as an exit-4 failure.
pub(super) fn version_unusable(name: &str, v: &KeyVersion) -> Failure {
    let n = v.version;
    let what = match v.state {
        VersionState::Enabled => format!("version {n} of key '{name}' is enabled"),
        VersionState::Disabled => format!("version {n} of key '{name}' is disabled"),
        VersionState::DestroyScheduled => format!(
            "version {n} of key '{name}' is scheduled for destruction{} and refuses all use",
            v.destroy_after
                .map(|t| format!(" on {}", clock::format_date(t)))
                .unwrap_or_default()
        ),
        VersionState::Destroyed => format!(
            "version {n} of key '{name}' was destroyed{}",
            destruction_note(v)
        ),
    };
    Failure::key_unusable(what)
}

pub(super) fn symmetric_material(
    keyring: &Unlocked,
    name: &str,
    version: u32,
) -> Result<SecretKey32> {
    let material = keyring.material(name, version)?;
    SecretKey32::from_slice(material.expose_secret()).ok_or_else(|| {
        Failure::keyring(format!(
            "version {version} of key '{name}' does not hold a 256-bit key"
        ))
        .into()
    })
}

pub(super) fn parse_id(hex_id: &str) -> Result<[u8; 16]> {
    hex::decode(hex_id)
        .ok()
        .and_then(|v| <[u8; 16]>::try_from(v).ok())
        .ok_or_else(|| Failure::keyring(format!("malformed id '{hex_id}' in the keyring")).into())
}

/// How far the output had gone when an envelope failed.
#[derive(Clone, Copy)]
pub(super) enum Began {
    /// Nothing was decrypted yet (the header was being read).
    Nothing,
    /// Output to `-o FILE`, which a failure leaves unwritten.
    File,
    /// Output to stdout, of which `bytes` had gone out.
    Stdout { bytes: u64 },
}

const NOT_ENVELOPE_HINT: &str = "keycask unwraps what `keycask wrap` made: binary, or armored text starting with -----BEGIN KEYCASK ENVELOPE-----";

/// Turns an envelope error into the message the user sees, saying what
/// became of the output.
pub(super) fn stream_failure(err: EnvelopeError, input: &str, began: Began) -> anyhow::Error {
    let consequence = match began {
        Began::File => "; no output file was written",
        Began::Stdout { bytes } if bytes > 0 => {
            "; the output written to stdout is incomplete: discard it"
        }
        Began::Stdout { .. } | Began::Nothing => "",
    };
    match err {
        EnvelopeError::Write(e) => {
            anyhow::Error::new(e).context(format!("cannot write the output{consequence}"))
        }
        EnvelopeError::Read(e) => {
            if let Some(bad) = armor::armor_error(&e) {
                if bad.not_ours() {
                    // PEM text of another kind, or text: not an envelope
                    // at all, a usage error (exit 2) like binary input
                    // without the magic.
                    return Failure::usage(format!("{input}: not a keycask envelope ({bad})"))
                        .hint(NOT_ENVELOPE_HINT)
                        .into();
                }
                return Failure::auth(format!("{input}: {bad}{consequence}"))
                    .hint("an armored envelope is the text from -----BEGIN KEYCASK ENVELOPE----- to -----END KEYCASK ENVELOPE-----, unchanged")
                    .into();
            }
            anyhow::Error::new(e).context(format!("cannot read {input}{consequence}"))
        }
        // Not an envelope at all (no magic, no armor): the wrong file was
        // given, a usage error (exit 2), not failed authentication (issue
        // 18: scripts reported a wrong passphrase).
        EnvelopeError::NotEnvelope => Failure::usage(format!("{input}: {err}"))
            .hint(NOT_ENVELOPE_HINT)
            .into(),
        EnvelopeError::UnsupportedVersion(_) => Failure::auth(format!("{input}: {err}"))
            .hint("a newer keycask made it: upgrade keycask")
            .into(),
        EnvelopeError::Truncated | EnvelopeError::Malformed | EnvelopeError::Damaged => {
            Failure::auth(format!("{input}: {err}{consequence}"))
                .hint("keycask releases nothing it cannot verify; restore the envelope from a good copy")
                .into()
        }
    }
}

/// Opens a file, or stdin; with the file's length when it is a regular file.
pub(super) fn open_input(path: Option<&Path>) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
    match path {
        None => {
            let fd = io::stdin()
                .as_fd()
                .try_clone_to_owned()
                .context("cannot read stdin")?;
            let file = File::from(fd);
            let len = regular_len(&file);
            Ok((Box::new(file), len))
        }
        Some(path) => {
            let file = crate::input::open_file(path)?;
            let len = regular_len(&file);
            Ok((Box::new(file), len))
        }
    }
}

fn regular_len(file: &File) -> Option<u64> {
    file.metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// A progress bar on stderr when it is a terminal, for inputs over
/// [`PROGRESS_THRESHOLD`]. With a known size (a file): a bar with the total
/// and the time left. With an unknown size (a pipe: `cat big | keycask
/// wrap`): bytes done and the rate, as `pv` shows them, drawn only once the
/// threshold has passed (see [`advance`]), so small inputs show nothing.
pub(super) fn progress_bar(
    ctx: &Context,
    wanted: bool,
    input_len: Option<u64>,
) -> Option<indicatif::ProgressBar> {
    if !wanted || ctx.quiet || !io::stderr().is_terminal() {
        return None;
    }
    let Some(len) = input_len else {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {bytes:>10} {binary_bytes_per_sec} {elapsed}",
        ) {
            bar.set_style(style);
        }
        return Some(bar);
    };
    if len <= PROGRESS_THRESHOLD {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bytes:>10} / {total_bytes} [{wide_bar}] {binary_bytes_per_sec} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// Counts `n` more bytes; a bar of unknown size appears once it has passed
/// [`PROGRESS_THRESHOLD`].
pub(super) fn advance(bar: &indicatif::ProgressBar, n: u64) {
    bar.inc(n);
    if bar.length().is_none() && bar.is_hidden() && bar.position() > PROGRESS_THRESHOLD {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
}
