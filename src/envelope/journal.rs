//! The rekey journal: what makes an in-place header rewrite crash-safe.
//!
//! Before a header is overwritten, a journal beside the envelope
//! (`.NAME.keycask-rekey`) records the old and the new header, the file's
//! length and a hash of the payload's first bytes, with a checksum over all
//! of it; it is fsynced, and so is the folder. Then the header is written in
//! place and fsynced, and the journal removed. Whoever next opens the
//! envelope for a rekey or an unwrap (or calls [`recover`]) and finds a
//! journal:
//!
//! - a journal that fails its checksum was cut short before the header was
//!   touched: it is removed, the envelope is as it was;
//! - a complete journal is finished: one of its two headers is written
//!   (whatever the header bytes are now, old, new or torn), fsynced, the
//!   journal removed. The caller chooses which ([`Install`]): the new one,
//!   unless its key version can no longer be used here while the old one
//!   still can, so that finishing never installs a header naming a version
//!   destroyed in the meantime.
//!
//! Old and new header have the same length and both describe the same
//! payload, so at every instant the envelope, completed from its journal
//! where needed, unwraps to the same plaintext. Until it is finished, an
//! envelope with a complete journal depends on both versions: the scans
//! (`rekey --dry-run`, `destroy --check`) read the journal with
//! [`pending`], which writes nothing.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::crypto;

const MAGIC: &[u8; 8] = b"KCREKEYJ";
const VERSION: u8 = 1;
const SUFFIX: &str = ".keycask-rekey";
/// How much of the payload the journal fingerprints, to make sure a journal
/// is only ever applied to the file it was written for.
const SAMPLE_LEN: u64 = 4096;
/// A journal is never larger than this (two headers of at most ~8 KiB).
const MAX_JOURNAL_LEN: u64 = 64 * 1024;

/// The journal's path for an envelope: `.NAME.keycask-rekey` beside it.
pub fn path_for(envelope: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(envelope.file_name().unwrap_or_default());
    name.push(SUFFIX);
    envelope.with_file_name(name)
}

/// The temporary file an armored envelope is rewritten into before it
/// replaces it: `.NAME.keycask-rekey.tmp` beside it. Only the holder of the
/// envelope's lock writes it, so one found by the holder is stale.
pub fn temp_path_for(envelope: &Path) -> PathBuf {
    let mut path = path_for(envelope).into_os_string();
    path.push(".tmp");
    PathBuf::from(path)
}

/// True for a file name that a journal, or the temporary file of an
/// armored rewrite, would have: rekey's own files, never envelopes to walk.
pub fn is_journal_name(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.starts_with('.') && (n.ends_with(SUFFIX) || n.ends_with(".keycask-rekey.tmp"))
    })
}

/// One planned header rewrite.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub file_len: u64,
    pub old_header: Vec<u8>,
    pub new_header: Vec<u8>,
    pub payload_sample: [u8; 32],
}

impl Entry {
    /// The journal's bytes, as written beside the envelope.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&(self.old_header.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.file_len.to_be_bytes());
        out.extend_from_slice(&self.old_header);
        out.extend_from_slice(&self.new_header);
        out.extend_from_slice(&self.payload_sample);
        let sum = crypto::sha256(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// `None` when the bytes are not a complete, intact journal.
    fn decode(bytes: &[u8]) -> Option<Entry> {
        let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
        if crypto::sha256(body) != sum || !body.starts_with(MAGIC) || body.get(8) != Some(&VERSION)
        {
            return None;
        }
        let len = u32::from_be_bytes(body.get(9..13)?.try_into().ok()?) as usize;
        let file_len = u64::from_be_bytes(body.get(13..21)?.try_into().ok()?);
        let rest = body.get(21..)?;
        if rest.len() != 2 * len + 32 {
            return None;
        }
        Some(Entry {
            file_len,
            old_header: rest[..len].to_vec(),
            new_header: rest[len..2 * len].to_vec(),
            payload_sample: rest[2 * len..].try_into().ok()?,
        })
    }
}

/// SHA-256 of up to 4 KiB of the file after its header.
pub fn payload_sample(file: &File, header_len: u64, file_len: u64) -> Result<[u8; 32]> {
    let end = file_len.min(header_len + SAMPLE_LEN);
    let mut buf = vec![0u8; end.saturating_sub(header_len) as usize];
    file.read_exact_at(&mut buf, header_len)?;
    Ok(crypto::sha256(&buf))
}

fn sync_folder(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// Rewrites the header of `file` (open for writing, locked by the caller)
/// from `entry.old_header` to `entry.new_header`, journalled.
pub fn rewrite_header(envelope: &Path, file: &File, entry: &Entry) -> Result<()> {
    assert_eq!(entry.old_header.len(), entry.new_header.len());
    let journal = path_for(envelope);
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&journal)
        .with_context(|| format!("cannot create the rekey journal {}", journal.display()))?;
    // Root rekeying a service's files leaves a journal the service can
    // finish: the envelope's owner's, like the envelope.
    if rustix::process::geteuid().is_root()
        && let Err(e) = crate::output::keep_owner(&out, &file.metadata()?)
    {
        let _ = std::fs::remove_file(&journal);
        return Err(e).context("cannot give the rekey journal the envelope's owner");
    }
    let written = out
        .write_all(&entry.encode())
        .and_then(|_| out.sync_all())
        .and_then(|_| sync_folder(&journal));
    if let Err(e) = written {
        // Nothing was changed in the envelope: take the journal back.
        let _ = std::fs::remove_file(&journal);
        return Err(e).context("cannot write the rekey journal");
    }
    apply(file, &entry.new_header)?;
    finish(&journal)
}

/// Writes a header in place and makes it durable.
fn apply(file: &File, header: &[u8]) -> Result<()> {
    file.write_all_at(header, 0)
        .and_then(|_| file.sync_data())
        .context("cannot write the new header")
}

/// Removes a journal whose work is done. Losing the removal in a crash is
/// harmless: the journal is redone, which writes the same header again.
/// For the same reason the removal is not synced, and a journal that cannot
/// be removed is not an error: the header is already in place.
fn finish(journal: &Path) -> Result<()> {
    let _ = std::fs::remove_file(journal);
    Ok(())
}

/// What [`recover_locked`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Recovery {
    /// No journal: nothing to do.
    None,
    /// An incomplete journal was removed; the envelope had not been touched.
    Discarded,
    /// A complete journal was redone: the envelope has its new header.
    Completed,
    /// A complete journal was undone: the envelope has its old header back,
    /// because the new one names a version that can no longer be used.
    RolledBack,
}

/// Which of a journal's two headers finishing it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Install {
    New,
    Old,
}

/// Reads the journal beside `envelope` (open by the caller) without
/// changing anything: `Some` for a complete journal written for this very
/// file, which a recovery would finish. An incomplete journal (the header
/// was not touched) and one for another file (a recovery leaves both
/// alone) are `None`: the header on disk is what counts then.
pub fn pending(envelope: &Path, file: &File) -> std::io::Result<Option<Entry>> {
    let Some(bytes) = read_journal(envelope)? else {
        return Ok(None);
    };
    let Some(entry) = Entry::decode(&bytes) else {
        return Ok(None);
    };
    Ok(matches(&entry, file)?.then_some(entry))
}

fn read_journal(envelope: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    match File::open(path_for(envelope)) {
        Ok(f) => {
            f.take(MAX_JOURNAL_LEN + 1).read_to_end(&mut bytes)?;
            Ok(Some(bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The journal was written for this file: same length, same payload start,
/// and a header that is the old one, the new one, or a write of the one
/// over the other cut short (every byte one of the two). A journal planted
/// beside someone's envelope, naming a header of its own, fails the last
/// test unless the file's header is already one of its two.
fn matches(entry: &Entry, file: &File) -> std::io::Result<bool> {
    let file_len = file.metadata()?.len();
    let len = entry.new_header.len() as u64;
    if file_len != entry.file_len || file_len < len {
        return Ok(false);
    }
    let mut current = vec![0u8; entry.new_header.len()];
    file.read_exact_at(&mut current, 0)?;
    let torn_between = current
        .iter()
        .zip(entry.old_header.iter().zip(&entry.new_header))
        .all(|(now, (old, new))| now == old || now == new);
    Ok(torn_between
        && payload_sample(file, len, file_len).map_err(std::io::Error::other)?
            == entry.payload_sample)
}

/// Only a journal keycask wrote is followed: a regular file, not a link,
/// owned by this user, root, or the envelope's owner (root's `rekey` of a
/// service's files gives its journals to the service), and writable by
/// nobody else. Whoever else could write the folder could otherwise plant
/// one and have the next `unwrap` write its header over an envelope.
fn check_journal_owner(journal: &Path, envelope: &File) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(journal)
        .with_context(|| format!("cannot read the rekey journal {}", journal.display()))?;
    let trusted = [
        rustix::process::getuid().as_raw(),
        0,
        envelope.metadata()?.uid(),
    ];
    if !meta.is_file() || !trusted.contains(&meta.uid()) || meta.mode() & 0o022 != 0 {
        bail!(
            "the rekey journal {} was not written by keycask for you (a {}, uid {}, mode {:04o}); both it and the file beside it were left alone",
            journal.display(),
            if meta.is_file() {
                "file"
            } else {
                "link or special file"
            },
            meta.uid(),
            meta.mode() & 0o7777
        );
    }
    Ok(())
}

/// Finishes or discards an interrupted rekey of `envelope`, whose file the
/// caller has open for writing and locked. `choose` says which header a
/// complete journal installs (or refuses, leaving both alone).
pub fn recover_locked(
    envelope: &Path,
    file: &File,
    choose: &dyn Fn(&Entry) -> Result<Install>,
) -> Result<Recovery> {
    let journal = path_for(envelope);
    if !journal.exists() && !journal.is_symlink() {
        return Ok(Recovery::None);
    }
    check_journal_owner(&journal, file)?;
    let Some(bytes) = read_journal(envelope)
        .with_context(|| format!("cannot read the rekey journal {}", journal.display()))?
    else {
        return Ok(Recovery::None);
    };
    let Some(entry) = Entry::decode(&bytes) else {
        // Cut short before it was synced, so before the header was touched.
        finish(&journal)?;
        return Ok(Recovery::Discarded);
    };
    if !matches(&entry, file)? {
        bail!(
            "the rekey journal {} does not match the file beside it (was the file replaced?); both were left alone",
            journal.display()
        );
    }
    let install = choose(&entry)?;
    let header = match install {
        Install::New => &entry.new_header,
        Install::Old => &entry.old_header,
    };
    apply(file, header)?;
    finish(&journal)?;
    Ok(match install {
        Install::New => Recovery::Completed,
        Install::Old => Recovery::RolledBack,
    })
}

/// Removes the temporary file of an armored rewrite that was interrupted.
/// The caller holds the envelope's lock.
pub fn remove_stale_temp(envelope: &Path) {
    let _ = std::fs::remove_file(temp_path_for(envelope));
}

/// Opens `envelope`, locks it and recovers an interrupted rekey, for
/// commands that meet an envelope with a journal beside it.
pub fn recover(envelope: &Path, choose: &dyn Fn(&Entry) -> Result<Install>) -> Result<Recovery> {
    if !path_for(envelope).exists() {
        return Ok(Recovery::None);
    }
    let file = OpenOptions::new().read(true).write(true).open(envelope)?;
    file.lock()?;
    recover_locked(envelope, &file, choose)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope_with(dir: &Path, header: &[u8], payload: &[u8]) -> PathBuf {
        let path = dir.join("data.kc");
        let mut bytes = header.to_vec();
        bytes.extend_from_slice(payload);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn entry_for(path: &Path, old: &[u8], new: &[u8]) -> Entry {
        let file = File::open(path).unwrap();
        let len = file.metadata().unwrap().len();
        Entry {
            file_len: len,
            old_header: old.to_vec(),
            new_header: new.to_vec(),
            payload_sample: payload_sample(&file, old.len() as u64, len).unwrap(),
        }
    }

    /// A journal as keycask writes one: mode 0600, whatever the umask.
    fn write_journal(envelope: &Path, bytes: &[u8]) {
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path_for(envelope))
            .unwrap();
        out.write_all(bytes).unwrap();
    }

    /// A journal planted beside an envelope, naming headers that are not
    /// the envelope's, is not followed: the envelope keeps its header.
    #[test]
    fn a_journal_for_other_headers_is_refused_and_the_envelope_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = envelope_with(dir.path(), &[1; 120], b"payload bytes");
        // Right length and payload, but neither header is the file's.
        let entry = entry_for(&path, &[3; 120], &[4; 120]);
        write_journal(&path, &entry.encode());
        let err = recover(&path, &|_| Ok(Install::New)).unwrap_err();
        assert!(
            format!("{err:#}").contains("does not match the file beside it"),
            "{err:#}"
        );
        assert_eq!(&std::fs::read(&path).unwrap()[..120], &[1; 120]);
        assert!(path_for(&path).exists(), "the journal is left for a person");
    }

    /// A journal others could have written is not followed either.
    #[test]
    fn a_journal_writable_by_others_or_of_another_user_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = envelope_with(dir.path(), &[1; 120], b"payload bytes");
        let entry = entry_for(&path, &[1; 120], &[2; 120]);
        write_journal(&path, &entry.encode());
        let journal = path_for(&path);
        std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = recover(&path, &|_| Ok(Install::New)).unwrap_err();
        assert!(
            format!("{err:#}").contains("was not written by keycask for you"),
            "{err:#}"
        );
        std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o600)).unwrap();
        // Only root can give a file away.
        if std::os::unix::fs::chown(&journal, Some(65534), Some(65534)).is_ok() {
            let err = recover(&path, &|_| Ok(Install::New)).unwrap_err();
            assert!(format!("{err:#}").contains("uid 65534"), "{err:#}");
            assert_eq!(&std::fs::read(&path).unwrap()[..120], &[1; 120]);
            // The envelope's owner's journal is followed: root's `rekey` of a
            // service's files leaves journals the service (and root) finish.
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
            assert_eq!(
                recover(&path, &|_| Ok(Install::New)).unwrap(),
                Recovery::Completed
            );
            assert_eq!(&std::fs::read(&path).unwrap()[..120], &[2; 120]);
        }
    }

    fn open_rw(path: &Path) -> File {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap()
    }

    #[test]
    fn names() {
        let j = path_for(Path::new("/a/b/data.kc"));
        assert_eq!(j, Path::new("/a/b/.data.kc.keycask-rekey"));
        assert!(is_journal_name(&j));
        assert!(!is_journal_name(Path::new("/a/b/data.kc")));
        assert!(!is_journal_name(Path::new("/a/b/x.keycask-rekey")));
        let temp = temp_path_for(Path::new("/a/b/data.kc"));
        assert_eq!(temp, Path::new("/a/b/.data.kc.keycask-rekey.tmp"));
        assert!(is_journal_name(&temp));
        let temp = temp_path_for(Path::new("/a/b/data.kc"));
        assert_eq!(temp, Path::new("/a/b/.data.kc.keycask-rekey.tmp"));
        assert!(is_journal_name(&temp));
    }

    #[test]
    fn encode_decode_and_every_truncation_is_rejected() {
        let e = Entry {
            file_len: 1000,
            old_header: vec![1; 100],
            new_header: vec![2; 100],
            payload_sample: [3; 32],
        };
        let bytes = e.encode();
        assert_eq!(Entry::decode(&bytes), Some(e));
        for cut in 0..bytes.len() {
            assert_eq!(Entry::decode(&bytes[..cut]), None, "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 1;
            assert_eq!(Entry::decode(&flipped), None, "flip at {i}");
        }
    }

    #[test]
    fn rewrite_leaves_no_journal_and_keeps_the_payload() {
        let dir = tempfile::tempdir().unwrap();
        let payload: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let path = envelope_with(dir.path(), &[1; 120], &payload);
        let entry = entry_for(&path, &[1; 120], &[2; 120]);
        rewrite_header(&path, &open_rw(&path), &entry).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..120], &[2; 120]);
        assert_eq!(&bytes[120..], payload);
        assert!(!path_for(&path).exists());
        assert_eq!(
            recover(&path, &|_| Ok(Install::New)).unwrap(),
            Recovery::None
        );
    }

    #[test]
    fn a_torn_header_is_completed_from_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = envelope_with(dir.path(), &[1; 120], b"payload bytes");
        let entry = entry_for(&path, &[1; 120], &[2; 120]);
        write_journal(&path, &entry.encode());
        // The crash hit after 50 bytes of the new header.
        open_rw(&path).write_all_at(&[2; 50], 0).unwrap();
        assert_eq!(
            recover(&path, &|_| Ok(Install::New)).unwrap(),
            Recovery::Completed
        );
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..120], &[2; 120]);
        assert_eq!(&bytes[120..], b"payload bytes");
        assert!(!path_for(&path).exists());
    }

    #[test]
    fn a_journal_can_be_undone_and_pending_reads_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = envelope_with(dir.path(), &[1; 120], b"payload bytes");
        let entry = entry_for(&path, &[1; 120], &[2; 120]);
        write_journal(&path, &entry.encode());
        open_rw(&path).write_all_at(&[2; 50], 0).unwrap();
        let torn = std::fs::read(&path).unwrap();
        let found = pending(&path, &File::open(&path).unwrap()).unwrap();
        assert_eq!(found, Some(entry));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            torn,
            "pending writes nothing"
        );
        assert!(path_for(&path).exists());
        assert_eq!(
            recover(&path, &|_| Ok(Install::Old)).unwrap(),
            Recovery::RolledBack
        );
        assert_eq!(&std::fs::read(&path).unwrap()[..120], &[1; 120]);
        assert!(!path_for(&path).exists());
    }

    #[test]
    fn a_journal_cut_short_is_discarded_and_the_envelope_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = envelope_with(dir.path(), &[1; 120], b"payload bytes");
        let entry = entry_for(&path, &[1; 120], &[2; 120]);
        let bytes = entry.encode();
        write_journal(&path, &bytes[..bytes.len() - 1]);
        let before = std::fs::read(&path).unwrap();
        assert_eq!(
            recover(&path, &|_| Ok(Install::New)).unwrap(),
            Recovery::Discarded
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert!(!path_for(&path).exists());
    }

    #[test]
    fn a_journal_for_another_file_is_refused_and_both_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = envelope_with(dir.path(), &[1; 120], b"payload bytes");
        let entry = entry_for(&path, &[1; 120], &[2; 120]);
        write_journal(&path, &entry.encode());
        std::fs::write(&path, [[1u8; 120].as_slice(), b"other payload"].concat()).unwrap();
        let before = std::fs::read(&path).unwrap();
        let err = recover(&path, &|_| Ok(Install::New)).unwrap_err();
        assert!(format!("{err:#}").contains("does not match"));
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert!(path_for(&path).exists());
    }
}
