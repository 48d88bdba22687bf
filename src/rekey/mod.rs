//! Re-keying envelopes: their CEK re-wrapped under the key's primary
//! version, the header rewritten, the payload bytes untouched.
//!
//! Binary envelopes are rewritten in place (the new header has exactly the
//! length of the old one), protected by a journal ([`journal`]); the cost
//! does not grow with the payload. Armored envelopes change in more than
//! their first bytes' place, so they are rewritten whole into a temporary
//! file that replaces them (they are small: armor is for pasting).
//!
//! Nothing here knows the command line: `rotation::rekey` walks, calls
//! [`Rekeyer::rekey_file`] per file in parallel and reports.

pub mod reencrypt;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result};

use crate::envelope::journal;
use crate::envelope::scan::{self, Encoding, Entry};
use crate::envelope::{self, Header, KeyStanza, RecipientStanza, VersionRef};
use crate::key::Purpose;
use crate::keyring::{Keyring, Unlocked, VersionState, cancel_command, destruction_note};
use crate::secret::SecretKey32;

/// What became, or would become, of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Its header now names the key's primary version.
    Rekeyed,
    /// `--dry-run`: it would be rekeyed.
    WouldRekey,
    /// It already names the primary version.
    Current,
    /// Not for this keyring to rekey (not an envelope, another keyring's).
    Skipped,
    /// It could not be rekeyed; the file was left as it was.
    Failed,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Rekeyed => "rekeyed",
            Status::WouldRekey => "would-rekey",
            Status::Current => "current",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

/// The report on one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    pub status: Status,
    /// The key and version the envelope named when it was found.
    pub key: Option<String>,
    pub from_version: Option<u32>,
    /// The version it names now (or would).
    pub to_version: Option<u32>,
    /// The version it named was flagged compromised.
    pub compromised: bool,
    /// Why it was skipped or failed; for people.
    pub reason: Option<String>,
    /// The key versions it depends on (with a pending rekey journal, the
    /// one its header names and the one the journal would install).
    pub needs: Vec<scan::VersionName>,
}

impl FileReport {
    fn new(status: Status) -> Self {
        FileReport {
            status,
            key: None,
            from_version: None,
            to_version: None,
            compromised: false,
            reason: None,
            needs: Vec::new(),
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Self {
        FileReport {
            reason: Some(reason.into()),
            ..FileReport::new(Status::Skipped)
        }
    }

    pub fn failed(reason: impl Into<String>) -> Self {
        FileReport {
            reason: Some(reason.into()),
            ..FileReport::new(Status::Failed)
        }
    }

    /// Keeps the key and versions of a plan, with another status.
    fn failed_after(mut self, reason: impl Into<String>) -> Self {
        self.status = Status::Failed;
        self.to_version = None;
        self.reason = Some(reason.into());
        self
    }
}

/// Re-keys envelopes for one keyring. With only the keyring's metadata
/// (no unlock) it can plan (`--dry-run`); with the unlocked keyring it acts.
pub struct Rekeyer<'a> {
    doc: &'a Keyring,
    unlocked: Option<&'a Unlocked>,
    keyring_id: [u8; 16],
    /// Version id → (key name, version number).
    index: HashMap<[u8; 16], (&'a str, u32)>,
    /// Public-key fingerprint → (key name, version number), for recipient
    /// stanzas.
    fingerprints: HashMap<[u8; 32], (&'a str, u32)>,
}

impl<'a> Rekeyer<'a> {
    /// A planner over the keyring's metadata: `rekey --dry-run`.
    pub fn planner(doc: &'a Keyring) -> Self {
        let index = doc
            .keys
            .iter()
            .flat_map(|(name, key)| {
                key.versions.iter().filter_map(move |v| {
                    let id: [u8; 16] = hex::decode(&v.id).ok()?.try_into().ok()?;
                    Some((id, (name.as_str(), v.version)))
                })
            })
            .collect();
        let keyring_id = hex::decode(&doc.keyring_id)
            .ok()
            .and_then(|id| id.try_into().ok())
            .unwrap_or([0; 16]);
        Rekeyer {
            doc,
            unlocked: None,
            keyring_id,
            index,
            fingerprints: crate::sealed::fingerprint_index(doc),
        }
    }

    /// A rekeyer that can unwrap and re-wrap CEKs.
    pub fn new(unlocked: &'a Unlocked) -> Self {
        Rekeyer {
            unlocked: Some(unlocked),
            ..Rekeyer::planner(&unlocked.doc)
        }
    }

    /// Decides from a header alone what rekeying it means: its key stanza
    /// of this keyring, then its recipient stanzas sealed to keys of this
    /// keyring (the first one that moves, fails, or else is current).
    pub fn plan(&self, header: &Header) -> FileReport {
        let report = match header.key_stanza() {
            Some(stanza) => self.plan_key(stanza),
            None => FileReport::skipped("none of its recipient keys is a key of this keyring"),
        };
        if matches!(report.status, Status::Current | Status::Skipped)
            && let Some(recipients) = self.plan_recipients(header)
            && (report.status == Status::Skipped || recipients.status != Status::Current)
        {
            return recipients;
        }
        report
    }

    /// The recipient stanzas of `header` sealed to a key version here.
    fn local_recipients<'h>(
        &self,
        header: &'h Header,
    ) -> impl Iterator<Item = (&'h RecipientStanza, &'a str, u32)> {
        header.recipients().filter_map(|r| {
            let &(name, number) = self.fingerprints.get(&r.fingerprint)?;
            Some((r, name, number))
        })
    }

    fn plan_recipients(&self, header: &Header) -> Option<FileReport> {
        let mut current = None;
        for (_, name, number) in self.local_recipients(header) {
            let report = self.plan_version(
                FileReport {
                    key: Some(name.to_string()),
                    from_version: Some(number),
                    ..FileReport::new(Status::Failed)
                },
                name,
                number,
            );
            if report.status == Status::Current {
                current.get_or_insert(report);
            } else {
                return Some(report);
            }
        }
        current
    }

    fn plan_key(&self, header: &KeyStanza) -> FileReport {
        if header.keyring_id != self.keyring_id {
            let Some(&(name, number)) = self.index.get(&header.version.id) else {
                return FileReport::skipped(format!(
                    "an envelope of another keyring (id {})",
                    hex::encode(header.keyring_id)
                ));
            };
            // Made by another keyring with a key imported here: it opens
            // here and depends on this version, but its header names the
            // other keyring, which rekey does not rewrite (the sender could
            // no longer open it).
            let version = self.doc.keys[name].version(number).expect("indexed");
            return FileReport {
                key: Some(name.to_string()),
                from_version: Some(number),
                compromised: version.compromised.is_some(),
                ..FileReport::skipped(format!(
                    "an envelope of another keyring (id {}) under version {number} of key '{name}', imported here: rekey does not rewrite another keyring's envelopes; to move it off version {number}, re-encrypt it (`keycask rekey --reencrypt FILE`)",
                    hex::encode(header.keyring_id)
                ))
            };
        }
        let report = FileReport {
            key: Some(header.key_name.clone()),
            from_version: Some(header.version.number),
            ..FileReport::new(Status::Failed)
        };
        let Some(&(name, number)) = self.index.get(&header.version.id) else {
            return report.failed_after(format!(
                "it names version {} of key '{}', which this keyring does not have",
                header.version.number, header.key_name
            ));
        };
        if name != header.key_name || number != header.version.number {
            return report.failed_after("the envelope is damaged or was tampered with");
        }
        self.plan_version(report, name, number)
    }

    /// Whether version `number` of key `name` may be moved off, and to which.
    fn plan_version(&self, mut report: FileReport, name: &str, number: u32) -> FileReport {
        let key = &self.doc.keys[name];
        let version = key.version(number).expect("indexed");
        report.compromised = version.compromised.is_some();
        if let Some(t) = &key.destroyed {
            return report.failed_after(format!(
                "key '{name}' was destroyed on {}",
                crate::clock::format_date(t.at)
            ));
        }
        if key.purpose != Purpose::Encrypt {
            return report.failed_after(format!("key '{name}' is not an encryption key"));
        }
        match version.state {
            VersionState::Enabled => {}
            VersionState::Destroyed => {
                return report.failed_after(format!(
                    "version {number} of key '{name}' was destroyed{}; the envelope cannot be opened any more",
                    destruction_note(version)
                ));
            }
            VersionState::Disabled => {
                return report.failed_after(format!(
                    "version {number} of key '{name}' is disabled; enable it to rekey (`keycask enable {name} --version {number}`)"
                ));
            }
            VersionState::DestroyScheduled => {
                let whole = if key.scheduled_for_destruction() {
                    "the destruction of the whole key"
                } else {
                    "its destruction"
                };
                return report.failed_after(format!(
                    "version {number} of key '{name}' is destroy-scheduled; to rekey it, cancel {whole} (`{}`)",
                    cancel_command(name, key, number)
                ));
            }
        }
        if key.primary == number {
            report.status = Status::Current;
            report.to_version = Some(number);
            return report;
        }
        report.status = Status::WouldRekey;
        report.to_version = Some(key.primary);
        report
    }

    /// Which header finishing an interrupted rekey installs: the new one,
    /// unless its version can no longer be used here while the old one
    /// still can (destroyed, disabled or scheduled in the meantime), so that
    /// finishing a journal never loses the only header that still opens.
    pub fn install(&self, entry: &journal::Entry) -> Result<journal::Install> {
        install_choice(self.doc, entry)
    }

    /// Plans one file as found by the scan: with a pending journal, on the
    /// header finishing it would install, depending on both.
    fn plan_entry(&self, entry: Entry, journal: Option<journal::Install>) -> FileReport {
        match entry {
            Entry::Envelope {
                header, pending, ..
            } => {
                let needs = scan::needs(&header, pending.as_deref());
                let effective = match (pending, journal) {
                    (Some(new), Some(journal::Install::New)) => *new,
                    _ => header,
                };
                FileReport {
                    needs,
                    ..self.plan(&effective)
                }
            }
            other => entry_report(other),
        }
    }

    /// Reads one file's header, changes nothing.
    pub fn plan_file(&self, path: &Path) -> FileReport {
        let entry = scan::read_entry(path);
        let choice = match &entry {
            Entry::Envelope {
                pending: Some(_), ..
            } => {
                let file = File::open(path).ok();
                let pending = file.and_then(|f| journal::pending(path, &f).ok().flatten());
                match pending.map(|p| self.install(&p)) {
                    Some(Ok(choice)) => Some(choice),
                    Some(Err(e)) => return FileReport::failed(format!("{e:#}")),
                    None => None,
                }
            }
            _ => None,
        };
        self.plan_entry(entry, choice)
    }

    /// `--dry-run` for one file: what [`Rekeyer::rekey_file`] would do,
    /// including its failure to write a file or its folder.
    pub fn dry_run_file(&self, path: &Path) -> FileReport {
        let report = self.plan_file(path);
        if report.status != Status::WouldRekey {
            return report;
        }
        // The real run rewrites armored files whole, and refuses armor
        // inside other text (it would lose that text): say so here too.
        let whole =
            File::open(path).and_then(|f| envelope::armor::detect_whole(Box::new(f)).map(|_| ()));
        if let Err(e) = whole {
            let why =
                envelope::armor::armor_error(&e).map_or_else(|| e.to_string(), |a| a.to_string());
            return report.failed_after(format!("cannot rewrite it: {why}"));
        }
        match writable(path) {
            Ok(()) => report,
            Err(why) => report.failed_after(why),
        }
    }

    /// Re-keys one file, or says why not. A failure leaves the file as it
    /// was. A journal left by an interrupted rekey is finished first.
    pub fn rekey_file(&self, path: &Path) -> FileReport {
        let file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(file) => file,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) || e.raw_os_error() == Some(1) =>
            {
                // Cannot write it: fine if there is nothing to do.
                let report = self.plan_file(path);
                return match report.status {
                    Status::WouldRekey => report.failed_after(format!("cannot write it: {e}")),
                    _ => report,
                };
            }
            Err(e) => return FileReport::failed(format!("cannot open it: {e}")),
        };
        match self.rekey_open(path, file) {
            Ok(report) => report,
            Err(e) => FileReport::failed(format!("{e:#}")),
        }
    }

    fn rekey_open(&self, path: &Path, mut file: File) -> Result<FileReport> {
        // Another rekey of the same file waits here; it then finds the
        // header current.
        file.lock().context("cannot lock it")?;
        journal::recover_locked(path, &file, &|entry| self.install(entry))?;
        journal::remove_stale_temp(path);
        let (encoding, header) = match scan::classify(&mut file) {
            Entry::Envelope {
                encoding, header, ..
            } => (encoding, header),
            other => return Ok(entry_report(other)),
        };
        let mut report = FileReport {
            needs: scan::needs(&header, None),
            ..self.plan(&header)
        };
        if report.status != Status::WouldRekey {
            return Ok(report);
        }
        let new_header = match self.rewrap(&header, &report) {
            Ok(h) => h,
            Err(reason) => return Ok(report.failed_after(reason)),
        };
        match encoding {
            // A format 1 header becomes a (slightly longer) format 2 one: the
            // file is rewritten once, its payload copied unchanged.
            Encoding::Binary if new_header.len() != header.len() => {
                rewrite_whole(path, &file, header.len(), &new_header, false)?
            }
            Encoding::Binary => {
                let file_len = file.metadata()?.len();
                let len = header.len() as u64;
                let entry = journal::Entry {
                    file_len,
                    old_header: header.to_bytes(),
                    new_header: new_header.to_bytes(),
                    payload_sample: journal::payload_sample(&file, len, file_len)?,
                };
                journal::rewrite_header(path, &file, &entry)?;
            }
            Encoding::Armored => rewrite_whole(path, &file, header.len(), &new_header, true)?,
        }
        report.status = Status::Rekeyed;
        Ok(report)
    }

    /// The header re-wrapped for the key's primary version, or why not.
    /// The header with every stanza of this keyring (key and recipient)
    /// moved to its key's primary version, or why not.
    fn rewrap(&self, header: &Header, _plan: &FileReport) -> Result<Header, String> {
        let unlocked = self.unlocked.expect("rekey_file needs an unlocked keyring");
        let damaged = |_| "the envelope is damaged or was tampered with".to_string();
        let material = |name: &str, number: u32| -> Result<SecretKey32, String> {
            let bytes = unlocked
                .material(name, number)
                .map_err(|e| format!("{e:#}"))?;
            SecretKey32::from_slice(bytes.expose_secret())
                .ok_or_else(|| format!("version {number} of key '{name}' is not a 32-byte key"))
        };
        let local_key = |k: &KeyStanza| {
            (k.keyring_id == self.keyring_id)
                .then(|| self.index.get(&k.version.id).copied())
                .flatten()
        };
        // The CEK, from a key stanza of this keyring, else a recipient one.
        let cek = match header.keys().find_map(|k| Some((k, local_key(k)?))) {
            Some((stanza, (name, number))) => header
                .open_key(stanza, &material(name, number)?)
                .map_err(damaged)?,
            None => {
                let (stanza, name, number) = self
                    .local_recipients(header)
                    .next()
                    .ok_or("no stanza of the envelope is for a key of this keyring")?;
                crate::sealed::open(unlocked, header, stanza, name, number).map_err(damaged)?
            }
        };
        let mut new = header.clone();
        for stanza in header.keys() {
            let Some((name, number)) = local_key(stanza) else {
                continue;
            };
            let to = self.doc.keys[name].primary;
            if to == number {
                continue;
            }
            let primary = self.doc.keys[name].version(to).expect("the primary exists");
            let id: [u8; 16] = hex::decode(&primary.id)
                .ok()
                .and_then(|id| id.try_into().ok())
                .ok_or("the keyring holds a malformed version id")?;
            new = new
                .rewrap(
                    &cek,
                    &stanza.version.id,
                    VersionRef { number: to, id },
                    &material(name, to)?,
                )
                .map_err(damaged)?;
        }
        for (stanza, name, number) in self.local_recipients(header) {
            let key = &self.doc.keys[name];
            if key.primary == number {
                continue;
            }
            let primary = key.version(key.primary).expect("the primary exists");
            let sealed = crate::sealed::seal_to_version(&new, name, primary, &cek)?;
            new = new
                .replace_recipient(&cek, &stanza.fingerprint, sealed)
                .map_err(damaged)?;
        }
        Ok(new)
    }
}

/// Which header finishing an interrupted rekey installs, for keyring `doc`
/// (see [`Rekeyer::install`]); an error when neither version can be used
/// here, and the journal is then left alone.
pub fn install_choice(doc: &Keyring, entry: &journal::Entry) -> Result<journal::Install> {
    let fingerprints = crate::sealed::fingerprint_index(doc);
    let usable = |bytes: &[u8]| -> bool {
        let Ok((header, _)) = envelope::read_header(&mut &bytes[..]) else {
            return false;
        };
        let enabled = |name: &str, number: u32| {
            let key = &doc.keys[name];
            key.destroyed.is_none()
                && key
                    .version(number)
                    .is_some_and(|v| v.state == VersionState::Enabled)
        };
        header.recipients().any(|r| {
            fingerprints
                .get(&r.fingerprint)
                .is_some_and(|&(name, number)| enabled(name, number))
        }) || header
            .key_stanza()
            .and_then(|k| {
                doc.find_version_id(&hex::encode(k.version.id))
                    .ok()
                    .flatten()
            })
            .is_some_and(|(_, key, v)| key.destroyed.is_none() && v.state == VersionState::Enabled)
    };
    if usable(&entry.new_header) {
        Ok(journal::Install::New)
    } else if usable(&entry.old_header) {
        Ok(journal::Install::Old)
    } else {
        anyhow::bail!(
            "an interrupted rekey left a journal, and neither the version it moves from nor the one it moves to can be used by this keyring; both were left alone"
        )
    }
}

/// Whether the real run could rewrite `path`: write access to the file,
/// and to its folder for the journal or the temporary file (access(2), so
/// a read-only or immutable file, folder or file system shows here).
fn writable(path: &Path) -> Result<(), String> {
    use rustix::fs::{Access, access};
    access(path, Access::WRITE_OK).map_err(|e| {
        format!(
            "cannot write it: {}",
            std::io::Error::from_raw_os_error(e.raw_os_error())
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    access(dir, Access::WRITE_OK | Access::EXEC_OK).map_err(|e| {
        format!(
            "cannot write in its folder {} (for the rekey journal or temporary file): {}",
            dir.display(),
            std::io::Error::from_raw_os_error(e.raw_os_error())
        )
    })
}

fn entry_report(entry: Entry) -> FileReport {
    match entry {
        Entry::NotEnvelope => FileReport::skipped("not an envelope"),
        Entry::Damaged(why) => FileReport::failed(format!("looks like an envelope, but {why}")),
        Entry::Unreadable(why) => FileReport::failed(format!("cannot read it: {why}")),
        Entry::Envelope { .. } => unreachable!("handled by the caller"),
    }
}

/// Envelopes whose header cannot be rewritten in place (armored ones, and
/// binary ones whose header changes length when format 1 becomes format 2)
/// are streamed, given the new header (and armored again if they were),
/// into a temporary file beside them (same permissions, owner and group),
/// synced and renamed over the original, so a crash leaves either one.
/// Memory stays small whatever their size. A file with other hard links is
/// refused: the rename would split it from them.
fn rewrite_whole(
    path: &Path,
    file: &File,
    old_header_len: usize,
    new_header: &Header,
    armored: bool,
) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata()?;
    if meta.nlink() > 1 {
        anyhow::bail!(
            "it has {} other hard links, which replacing it would split from it",
            meta.nlink() - 1
        );
    }
    let mut source = file.try_clone()?;
    std::io::Seek::seek(&mut source, std::io::SeekFrom::Start(0))?;
    // Rewritten whole: armor inside other text would lose that text.
    let (mut decoded, _) = envelope::armor::detect_whole(Box::new(source))?;
    // Past the old header; the rest is the payload, streamed through unchanged.
    std::io::copy(
        &mut (&mut decoded).take(old_header_len as u64),
        &mut std::io::sink(),
    )?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mode = meta.permissions().mode() & 0o7777;
    let temp = journal::temp_path_for(path);
    // Unnamed while written where the filesystem allows; named `temp`
    // otherwise, removed on an error or a signal.
    let written = (|| -> std::io::Result<()> {
        let out = crate::temp::TempFile::at(&temp, mode)?;
        // Run as root over a service's files, the new file would be root's.
        crate::output::keep_owner(out.as_file(), &meta)?;
        // The mode is set again, after the owner (a chown may clear set-id
        // bits) and because the umask may have taken bits away.
        out.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
        let out = if armored {
            let mut armored = envelope::armor::ArmorWriter::new(std::io::BufWriter::new(out))?;
            armored.write_all(&new_header.to_bytes())?;
            std::io::copy(&mut decoded, &mut armored)?;
            armored.finish()?.into_inner().map_err(|e| e.into_error())?
        } else {
            let mut plain = std::io::BufWriter::new(out);
            plain.write_all(&new_header.to_bytes())?;
            std::io::copy(&mut decoded, &mut plain)?;
            plain.into_inner().map_err(|e| e.into_error())?
        };
        out.as_file().sync_all()?;
        out.persist(path)?;
        File::open(dir)?.sync_all()
    })();
    written.context("cannot replace it with its rekeyed form")
}
