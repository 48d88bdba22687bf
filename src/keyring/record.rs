//! The keyring's side of the audit log: the one place the keyring is
//! written together with its records, the usage records of commands that
//! only read the keyring, and checking the log against the keyring. The
//! audit log itself (`crate::audit_log`) never names the keyring.

use std::path::Path;

use anyhow::{Context as _, Result};

use super::{Event, Unlocked, file};
use crate::audit_log as audit;
use crate::error::Failure;
use crate::root::SecretSources;

/// The one place the keyring is written: under the writer's lock, first
/// the audit records (appended and fsynced), then the keyring, whose audit
/// counter and MAC move with it in one atomic rename. Killed between the
/// two, the keyring is as before and the log holds records past its counter,
/// which `audit verify` reports as uncommitted and the next write marks
/// with an `interrupted` record (see `audit.rs`).
pub(super) fn commit_events(
    path: &Path,
    lock: &file::WriteLock,
    keyring: &mut Unlocked,
    events: &[Event],
) -> Result<()> {
    // Every keyring and audit write passes here: a pretended clock that may
    // not be written is refused before anything is.
    let now = crate::clock::now_for_writing()?;
    if keyring.doc.audit.is_none() {
        // A keyring from before the audit log: its log starts now, under a
        // fresh audit key. A log already there (from an attempt killed
        // before its keyring write) was MACed under a key never saved.
        set_aside_orphan_log(path)?;
    }
    keyring.ensure_audit_state()?;
    let key = keyring.audit_mac_key()?;
    let state = keyring.doc.audit.clone().expect("ensured above");
    let (seq, last) = audit::append(path, &keyring.doc.keyring_id, &state, &key, events, now)?;
    let state = keyring.doc.audit.as_mut().expect("ensured above");
    state.seq = seq;
    state.last = last;
    let bytes = keyring.seal()?;
    file::write_bytes(path, &bytes, lock)
}

/// Writes one usage record for a command that opened the keyring read-only
/// (see [`record_usage`]): takes the lock, re-reads the keyring (another
/// writer may have moved its counter), checks it with the KEKs already
/// unwrapped, and commits the record. A writer may also have rotated the
/// KEK in between (`rotate --kek`): the re-read keyring is then unlocked
/// again with the root, under the lock, so the reader's use is recorded
/// rather than refused. A keyring replaced by another (other id) is
/// refused.
fn commit_usage(
    path: &Path,
    opened: &Unlocked,
    sources: &SecretSources,
    event: Event,
) -> Result<()> {
    let lock = file::lock(path)?;
    let doc = file::read(path)?;
    if doc.keyring_id != opened.doc.keyring_id {
        return Err(Failure::keyring(
            "the keyring was replaced by another one while this command ran",
        )
        .hint("run the command again")
        .into());
    }
    let mut current = if opened.keks.contains_key(&doc.kek.primary) {
        let mut current = Unlocked {
            doc,
            keks: opened.keks.clone(),
        };
        current.verify_mac()?;
        current
    } else {
        // The KEK was rotated since this command unlocked: the lock is held,
        // so the keyring read now is the one the record goes with.
        super::unlock_with(doc, sources, super::AgentUse::Prefer)?.0
    };
    commit_events(path, &lock, &mut current, &[event])
}

/// A log left beside a path where no keyring exists (a keyring deleted by
/// hand, or an `init` killed before its keyring write) belongs to no
/// keyring: `init` moves it to `<log>.orphan-<unix time>` rather than
/// deleting or extending it.
pub(super) fn set_aside_orphan_log(path: &Path) -> Result<()> {
    let log = audit::log_path(path);
    if log.exists() {
        let mut name = log.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".orphan-{}", crate::clock::now_for_writing()?));
        let aside = log.with_file_name(name);
        std::fs::rename(&log, &aside)
            .with_context(|| format!("moving the old audit log {} aside", log.display()))?;
        crate::stderr_line!(
            "keycask: warning: an audit log that this keyring does not know was moved to {}",
            aside.display()
        );
    }
    Ok(())
}

/// Logs one event of a command that changes no keyring but must be on the
/// record whatever the usage setting (`rekey`'s summary), for a keyring
/// opened with [`super::open_read_only`]: takes the writer's lock
/// and writes the record and the keyring's new counter.
pub fn record(
    keyring_path: &Path,
    sources: &SecretSources,
    keyring: &Unlocked,
    event: Event,
) -> Result<()> {
    commit_usage(keyring_path, keyring, sources, event)
}

/// Logs one usage event (`wrap`, `unwrap`, `sign`, `export`, ...) when the
/// keyring has usage logging on (`keycask config audit-usage on`, or
/// `init --audit-usage`); does nothing otherwise, at no cost.
///
/// Call it from a command that only uses keys, with the keyring it opened
/// with [`super::open_read_only`], once the key and version are
/// resolved and BEFORE any output is released: if the record cannot be
/// written the command must fail, so that no use goes unlogged.
///
/// ```ignore
/// let keyring = keyring::open_read_only(&ctx.keyring_path, &ctx.sources)?;
/// // ... resolve the key version ...
/// keyring::record_usage(&ctx.keyring_path, &ctx.sources, &keyring, Event::new("unwrap").key(name).versions([v]))?;
/// ```
///
/// With logging on it takes the writer's lock and rewrites the keyring (to
/// move the audit counter): the cost is measured in docs/audit.md.
pub fn record_usage(
    keyring_path: &Path,
    sources: &SecretSources,
    keyring: &Unlocked,
    event: Event,
) -> Result<()> {
    if !keyring.doc.audit.as_ref().is_some_and(|a| a.usage) {
        return Ok(());
    }
    commit_usage(keyring_path, keyring, sources, event)
}

/// Checks the whole log of an unlocked keyring: every record's MAC, the
/// chain, the sequence, and the end against the keyring's counter.
pub fn verify_audit_log(keyring_path: &Path, keyring: &Unlocked) -> Result<audit::Verdict> {
    let state = keyring.doc.audit.clone().ok_or_else(|| {
        Failure::usage("this keyring has no audit log yet: it was created before keycask kept one")
            .hint("the next command that changes the keyring starts it")
    })?;
    let key = keyring.audit_mac_key()?;
    let bytes = audit::read_log(&audit::log_path(keyring_path))?;
    Ok(audit::verify_bytes(
        &bytes,
        &keyring.doc.keyring_id,
        &state,
        &key,
    ))
}
