//! Finding envelopes among files and folders, by content rather than by
//! name, and reporting which key versions they depend on.
//!
//! Used by `rekey` (and its `--dry-run`) and by `destroy --check`, which
//! must refuse while envelopes still need a version. Reading a header needs
//! no unlock: everything in it is public.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::journal;
use crate::envelope::{self, EnvelopeError, Header, KeyStanza, RecipientStanza};
use crate::error::Failure;

/// How an envelope is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Binary,
    Armored,
}

/// What a file turned out to be. (One per file, short-lived: the size of
/// a header inline is no burden.)
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Entry {
    Envelope {
        encoding: Encoding,
        /// The header the envelope has (with a pending journal: the one it
        /// had before the interrupted rekey).
        header: Header,
        /// The header a pending rekey journal beside it would install: the
        /// envelope depends on both versions until the journal is finished.
        pending: Option<Box<Header>>,
    },
    /// Not an envelope (by content).
    NotEnvelope,
    /// Starts like an envelope but its header cannot be read.
    Damaged(String),
    /// The file cannot be read at all.
    Unreadable(String),
}

/// The files below some paths: what `rekey` and `destroy --check` look at.
#[derive(Debug, Default)]
pub struct Walk {
    /// Regular files, each once, in a stable order.
    pub files: Vec<PathBuf>,
    /// What was passed over on purpose, with the reason (symbolic links
    /// inside folders, special files).
    pub passed_over: Vec<(PathBuf, String)>,
    /// What could not be looked at (a folder that cannot be read): it may
    /// hold envelopes.
    pub unreadable: Vec<(PathBuf, String)>,
}

impl Walk {
    /// What the walk passed over, as reports beside the files' own: a link
    /// or a special file as `skipped`, a folder that cannot be read as
    /// `failed`.
    pub fn passed_over_reports<R>(
        &self,
        skipped: impl Fn(String) -> R,
        failed: impl Fn(String) -> R,
    ) -> Vec<(PathBuf, R)> {
        let skipped = self
            .passed_over
            .iter()
            .map(|(path, why)| (path.clone(), skipped(why.clone())));
        let failed = self
            .unreadable
            .iter()
            .map(|(path, why)| (path.clone(), failed(why.clone())));
        skipped.chain(failed).collect()
    }
}

/// Walks `paths` recursively. A path that does not exist is a usage error,
/// raised before anything is read. Symbolic links named on the command line
/// are followed; inside folders they are not (no loops, no escaping the
/// folder). Rekey journals are not listed: they are read with their
/// envelope.
pub fn walk(paths: &[PathBuf]) -> Result<Walk> {
    for path in paths {
        if std::fs::metadata(path).is_err() {
            return Err(
                Failure::usage(format!("no such file or folder: {}", path.display())).into(),
            );
        }
    }
    let mut walk = Walk::default();
    let mut seen = Seen {
        files: HashSet::new(),
        named_links: paths
            .iter()
            .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
            .filter_map(|p| link_location(p))
            .collect(),
    };
    for path in paths {
        visit(path, true, &mut walk, &mut seen);
    }
    Ok(walk)
}

/// What the walk has met: the files listed (by their canonical path), and
/// the symbolic links named on the command line (by [`link_location`]),
/// which are followed there and so not passed over inside a folder.
struct Seen {
    files: HashSet<PathBuf>,
    named_links: HashSet<PathBuf>,
}

/// Where a symbolic link itself sits: its folder resolved, its own name
/// kept, so that `a/link` and `./a/link` are the same link.
fn link_location(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(folder).ok()?.join(name))
}

fn visit(path: &Path, named: bool, walk: &mut Walk, seen: &mut Seen) {
    let meta = if named {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    };
    let meta = match meta {
        Ok(m) => m,
        Err(e) => {
            walk.unreadable.push((path.to_path_buf(), e.to_string()));
            return;
        }
    };
    if meta.file_type().is_symlink() {
        if link_location(path).is_some_and(|l| seen.named_links.contains(&l)) {
            // Named on the command line too, and followed there.
            return;
        }
        walk.passed_over.push((
            path.to_path_buf(),
            "symbolic link inside a folder, not followed".into(),
        ));
    } else if meta.is_dir() {
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => {
                walk.unreadable
                    .push((path.to_path_buf(), format!("cannot read the folder: {e}")));
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        children.sort();
        for child in children {
            if !journal::is_journal_name(&child) {
                visit(&child, false, walk, seen);
            }
        }
    } else if meta.is_file() {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if seen.files.insert(key) {
            walk.files.push(path.to_path_buf());
        }
    } else {
        walk.passed_over
            .push((path.to_path_buf(), "not a regular file".into()));
    }
}

/// Reads the start of an open file and says whether it is an envelope,
/// by the rule `unwrap` applies (`envelope::armor::detect`): the binary
/// magic at the very start, or a begin line within the first
/// `armor::MAX_SEARCH` bytes of text. The reader is consumed; nothing
/// past the header is read. A journal beside the file is not looked at
/// (see [`read_entry`]).
pub fn classify(file: &mut File) -> Entry {
    let mut start = [0u8; envelope::header::MAGIC.len()];
    let got = match read_up_to(file, &mut start) {
        Ok(n) => n,
        Err(e) => return Entry::Unreadable(e.to_string()),
    };
    if got == start.len() && &start == envelope::header::MAGIC {
        let mut input = std::io::Read::chain(&start[..], file);
        return match envelope::read_header(&mut input) {
            Ok((header, _)) => Entry::Envelope {
                encoding: Encoding::Binary,
                header,
                pending: None,
            },
            Err(e) => header_error(e),
        };
    }
    // Anything else may be text with armor inside (an email, a ticket):
    // `detect` looks for the begin line, as for `unwrap`.
    let detected = file
        .seek(std::io::SeekFrom::Start(0))
        .and_then(|_| file.try_clone())
        .and_then(|f| envelope::armor::detect(Box::new(f)));
    let mut decoded = match detected {
        Ok((reader, true)) => reader,
        Ok((_, false)) => return Entry::NotEnvelope,
        Err(e) => return header_error(EnvelopeError::Read(e)),
    };
    match envelope::read_header(&mut decoded) {
        Ok((header, _)) => Entry::Envelope {
            encoding: Encoding::Armored,
            header,
            pending: None,
        },
        Err(e) => header_error(e),
    }
}

fn header_error(e: EnvelopeError) -> Entry {
    match e {
        EnvelopeError::NotEnvelope => Entry::NotEnvelope,
        EnvelopeError::Read(io) => match envelope::armor::armor_error(&io) {
            // Other PEM text (a key, a certificate): not ours, as for unwrap.
            Some(armor) if armor.not_ours() => Entry::NotEnvelope,
            Some(armor) => Entry::Damaged(armor.to_string()),
            None => Entry::Unreadable(io.to_string()),
        },
        other => Entry::Damaged(other.to_string()),
    }
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Opens and classifies one file, reading (never finishing) a rekey
/// journal beside it: an envelope whose rekey was interrupted after its
/// journal was written comes back with both headers, the one it had and
/// the one the journal would install.
pub fn read_entry(path: &Path) -> Entry {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return Entry::Unreadable(e.to_string()),
    };
    match journal::pending(path, &file) {
        Ok(Some(entry)) => {
            let parse = |bytes: &[u8]| envelope::read_header(&mut &bytes[..]).ok();
            if let (Some((old, _)), Some((new, _))) =
                (parse(&entry.old_header), parse(&entry.new_header))
            {
                return Entry::Envelope {
                    encoding: Encoding::Binary,
                    header: old,
                    pending: Some(Box::new(new)),
                };
            }
        }
        Ok(None) => {}
        Err(e) => {
            return Entry::Unreadable(format!(
                "cannot read the rekey journal {}: {e}",
                journal::path_for(path).display()
            ));
        }
    }
    classify(&mut file)
}

/// A key version as an envelope names it: by version id in a key stanza,
/// or, for a recipient stanza, by the fingerprint of the public key
/// (`version_id` is then `SHA256:<hex>`, and the other fields are empty:
/// see [`crate::sealed::dependency_ids`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionName {
    /// The keyring id, hex.
    pub keyring_id: String,
    pub key: String,
    pub version: u32,
    /// The version id, hex.
    pub version_id: String,
}

impl VersionName {
    pub fn of_recipient(stanza: &RecipientStanza) -> Self {
        VersionName {
            keyring_id: String::new(),
            key: String::new(),
            version: 0,
            version_id: crate::crypto::material::fingerprint_text(&stanza.fingerprint),
        }
    }

    pub fn of(stanza: &KeyStanza) -> Self {
        VersionName {
            keyring_id: hex::encode(stanza.keyring_id),
            key: stanza.key_name.clone(),
            version: stanza.version.number,
            version_id: hex::encode(stanza.version.id),
        }
    }
}

/// Which envelopes under some paths depend on which key versions.
#[derive(Debug, Default)]
pub struct Dependencies {
    /// Every envelope, with the versions it depends on: the one its header
    /// names, and the one a pending rekey journal would install.
    pub envelopes: Vec<(PathBuf, Vec<VersionName>)>,
    /// Files that are not envelopes.
    pub not_envelopes: Vec<PathBuf>,
    /// Files that look like envelopes but cannot be read, and files that
    /// cannot be opened, with the reason. A caller deciding whether a
    /// version may be destroyed should treat these as possibly dependent.
    pub unreadable: Vec<(PathBuf, String)>,
    /// What the walk passed over.
    pub passed_over: Vec<(PathBuf, String)>,
}

impl Dependencies {
    /// The envelopes that need the key version with id `version_id` (hex),
    /// with the name they give it. The version id decides, as for `unwrap`,
    /// whatever keyring the header names: a key imported from another
    /// keyring keeps its version ids, and the sender's envelopes open here.
    pub fn envelopes_needing(&self, version_id: &str) -> Vec<(&Path, &VersionName)> {
        self.envelopes
            .iter()
            .flat_map(|(path, versions)| {
                versions
                    .iter()
                    .filter(|v| v.version_id == version_id)
                    .map(move |v| (path.as_path(), v))
            })
            .collect()
    }
}

/// The versions an envelope found by [`read_entry`] depends on.
pub fn needs(header: &Header, pending: Option<&Header>) -> Vec<VersionName> {
    let named = |h: &Header| -> Vec<VersionName> {
        h.keys()
            .map(VersionName::of)
            .chain(h.recipients().map(VersionName::of_recipient))
            .collect()
    };
    let mut names = named(header);
    for name in pending.map(named).unwrap_or_default() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Walks `paths` and reads every file's header (in parallel, `jobs`
/// threads), without unlocking anything and without writing.
pub fn dependencies(paths: &[PathBuf], jobs: usize) -> Result<Dependencies> {
    let walk = walk(paths)?;
    let entries = read_all(&walk.files, jobs)?;
    let mut deps = Dependencies {
        passed_over: walk.passed_over,
        unreadable: walk.unreadable,
        ..Dependencies::default()
    };
    for (path, entry) in walk.files.into_iter().zip(entries) {
        match entry {
            Entry::Envelope {
                header, pending, ..
            } => deps
                .envelopes
                .push((path, needs(&header, pending.as_deref()))),
            Entry::NotEnvelope => deps.not_envelopes.push(path),
            Entry::Damaged(why) | Entry::Unreadable(why) => deps.unreadable.push((path, why)),
        }
    }
    Ok(deps)
}

/// Classifies files in parallel, keeping their order.
pub fn read_all(files: &[PathBuf], jobs: usize) -> Result<Vec<Entry>> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()?;
    Ok(pool.install(|| files.par_iter().map(|p| read_entry(p)).collect()))
}
