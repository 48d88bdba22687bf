//! Finding envelopes among files and folders, by content rather than by
//! name, and reporting which key versions they depend on.
//!
//! Used by `rekey` (and its `--dry-run`) and by `destroy --check`, which
//! must refuse while envelopes still need a version. Reading a header needs
//! no unlock: everything in it is public.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::journal;
use crate::envelope::{self, EnvelopeError, Header};
use crate::error::Failure;

/// How an envelope is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Binary,
    Armored,
}

/// What a file turned out to be.
#[derive(Debug)]
pub enum Entry {
    Envelope {
        encoding: Encoding,
        header: Header,
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

/// Reads the start of an open file and says whether it is an envelope.
/// The reader is consumed; nothing past the header is read.
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
            },
            Err(e) => header_error(e),
        };
    }
    // Armor may follow some whitespace; anything else that begins with '-'
    // (a PEM key, say) is not ours.
    let mut rest = Vec::new();
    if let Err(e) = std::io::Read::chain(&start[..got], &mut *file)
        .take(4096 + envelope::armor::BEGIN.len() as u64)
        .read_to_end(&mut rest)
    {
        return Entry::Unreadable(e.to_string());
    }
    let trimmed = rest.trim_ascii_start();
    if !trimmed.starts_with(envelope::armor::BEGIN.as_bytes()) {
        return Entry::NotEnvelope;
    }
    let mut decoded = match file
        .seek(std::io::SeekFrom::Start(0))
        .and_then(|_| file.try_clone())
        .and_then(|f| envelope::armor::detect(Box::new(f)))
        .map(|(reader, _)| reader)
    {
        Ok(r) => r,
        Err(e) => return Entry::Unreadable(e.to_string()),
    };
    match envelope::read_header(&mut decoded) {
        Ok((header, _)) => Entry::Envelope {
            encoding: Encoding::Armored,
            header,
        },
        Err(e) => header_error(e),
    }
}

fn header_error(e: EnvelopeError) -> Entry {
    match e {
        EnvelopeError::NotEnvelope => Entry::NotEnvelope,
        EnvelopeError::Read(io) => match envelope::armor::armor_error(&io) {
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

/// Opens and classifies one file.
pub fn read_entry(path: &Path) -> Entry {
    match File::open(path) {
        Ok(mut file) => classify(&mut file),
        Err(e) => Entry::Unreadable(e.to_string()),
    }
}

/// A key version as an envelope names it.
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
    pub fn of(header: &Header) -> Self {
        VersionName {
            keyring_id: hex::encode(header.keyring_id),
            key: header.key_name.clone(),
            version: header.version.number,
            version_id: hex::encode(header.version.id),
        }
    }
}

/// Which envelopes under some paths depend on which key versions.
#[derive(Debug, Default)]
pub struct Dependencies {
    pub by_version: BTreeMap<VersionName, Vec<PathBuf>>,
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
    /// The envelopes that need version `version_id` (hex) of keyring
    /// `keyring_id` (hex).
    pub fn envelopes_needing(&self, keyring_id: &str, version_id: &str) -> Vec<&Path> {
        self.by_version
            .iter()
            .filter(|(v, _)| v.keyring_id == keyring_id && v.version_id == version_id)
            .flat_map(|(_, paths)| paths.iter().map(PathBuf::as_path))
            .collect()
    }
}

/// Walks `paths` and reads every file's header (in parallel, `jobs`
/// threads), without unlocking anything.
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
            Entry::Envelope { header, .. } => deps
                .by_version
                .entry(VersionName::of(&header))
                .or_default()
                .push(path),
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
