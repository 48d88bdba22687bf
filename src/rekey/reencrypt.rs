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

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::scan::{self, Encoding, Entry};
use super::{FileReport, Rekeyer, Status as PlanStatus, journal};
use crate::crypto::asymmetric::PublicKey;
use crate::envelope::recipient::{self, SealTo};
use crate::envelope::stream::{self, PayloadCipher};
use crate::envelope::{self, Cek, Header, KeyStanza, RecipientStanza, VersionRef};
use crate::error::Failure;
use crate::keyring::{Keyring, Unlocked, VersionState};
use crate::secret::SecretKey32;

/// At most this many bytes are read from a `--to` file.
const MAX_PEM_LEN: u64 = 1 << 20;

/// A public key given with `--to PEM`: a recipient of the envelopes that is
/// not a key of this keyring, sealed to again.
pub struct Provided {
    pub public: PublicKey,
    pub fingerprint: [u8; 32],
    pub label: String,
}

impl Provided {
    /// A PEM public key (SPKI, as `export --public` writes it; PKCS#1 RSA
    /// too). Anything else is a usage error (exit 2).
    pub fn from_pem_file(path: &Path) -> Result<Provided> {
        let label = path.display().to_string();
        let text = crate::input::read_limited(Some(path), MAX_PEM_LEN, "a public key")?;
        let public = PublicKey::from_pem(&text, &label)?;
        Ok(Provided {
            fingerprint: crate::bundle::spki_fingerprint(&public),
            public,
            label,
        })
    }
}

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
    pub to: Vec<Provided>,
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

/// What became, or would become, of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// A fresh CEK and payload under the primary version.
    Reencrypted,
    /// `--dry-run`: it would be re-encrypted.
    WouldReencrypt,
    /// Already under the primary version, which is not compromised.
    Current,
    /// `--only-compromised`: not under a compromised version; left alone.
    NotCompromised,
    /// Not for this keyring (not an envelope, or none of its keys is here).
    Skipped,
    /// It could not be re-encrypted; the file was left as it was.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reencrypted => "reencrypted",
            Status::WouldReencrypt => "would-reencrypt",
            Status::Current => "current",
            Status::NotCompromised => "not-compromised",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

/// One key version an envelope moves off (or stays on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub key: String,
    pub from_version: u32,
    pub to_version: u32,
    /// The version it was under is flagged compromised.
    pub compromised: bool,
}

/// The report on one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub status: Status,
    /// The keys of this keyring the envelope is for, in header order.
    pub moves: Vec<Move>,
    /// The file's size as found.
    pub bytes: u64,
    /// Recipients left out (`--drop-recipient`).
    pub dropped: Vec<[u8; 32]>,
    /// Why it was skipped or failed; for people.
    pub reason: Option<String>,
}

impl Report {
    fn new(status: Status) -> Report {
        Report {
            status,
            moves: Vec::new(),
            bytes: 0,
            dropped: Vec::new(),
            reason: None,
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Report {
        Report {
            reason: Some(reason.into()),
            ..Report::new(Status::Skipped)
        }
    }

    pub fn failed(reason: impl Into<String>) -> Report {
        Report {
            reason: Some(reason.into()),
            ..Report::new(Status::Failed)
        }
    }

    /// Keeps what is known of the envelope, with another status.
    fn failed_after(mut self, reason: impl Into<String>) -> Report {
        self.status = Status::Failed;
        self.reason = Some(reason.into());
        self
    }

    /// It was (or is) under a compromised version.
    pub fn compromised(&self) -> bool {
        self.moves.iter().any(|m| m.compromised)
    }

    /// From a header-only plan that did not get as far as an envelope.
    fn from_plan(plan: FileReport) -> Report {
        let status = match plan.status {
            PlanStatus::Failed => Status::Failed,
            _ => Status::Skipped,
        };
        Report {
            reason: plan.reason,
            ..Report::new(status)
        }
    }
}

/// What becomes of one stanza of the old header.
enum Role<'h> {
    /// A key stanza of a key version held here.
    Key { name: String, number: u32 },
    /// A recipient stanza sealed to a key version held here.
    Recipient {
        stanza: &'h RecipientStanza,
        name: String,
        number: u32,
    },
    /// A recipient given with `--to`: sealed again to the same public key.
    Provided(usize),
    /// `--drop-recipient`.
    Dropped([u8; 32]),
    /// A key stanza of a version this keyring does not hold.
    ForeignKey(&'h KeyStanza),
    /// A recipient whose public key keycask does not have.
    Missing([u8; 32]),
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

    fn roles<'h>(&self, header: &'h Header) -> Vec<Role<'h>> {
        let index = &self.rekeyer.index;
        let fingerprints = &self.rekeyer.fingerprints;
        header
            .stanzas
            .iter()
            .map(|stanza| match stanza {
                envelope::Stanza::Key(k) => match index.get(&k.version.id) {
                    Some(&(name, number)) => Role::Key {
                        name: name.to_string(),
                        number,
                    },
                    None => Role::ForeignKey(k),
                },
                envelope::Stanza::Recipient(r) => {
                    if let Some(&(name, number)) = fingerprints.get(&r.fingerprint) {
                        Role::Recipient {
                            stanza: r,
                            name: name.to_string(),
                            number,
                        }
                    } else if self.options.drop.contains(&r.fingerprint) {
                        Role::Dropped(r.fingerprint)
                    } else if let Some(i) = self
                        .options
                        .to
                        .iter()
                        .position(|p| p.fingerprint == r.fingerprint)
                    {
                        Role::Provided(i)
                    } else {
                        Role::Missing(r.fingerprint)
                    }
                }
            })
            .collect()
    }

    /// Decides from a header alone what re-encrypting it means.
    pub fn plan(&self, header: &Header) -> Report {
        let roles = self.roles(header);
        self.plan_roles(header, &roles)
    }

    fn plan_roles(&self, header: &Header, roles: &[Role]) -> Report {
        let mut report = Report::new(Status::Failed);
        // Each key stanza and recipient of this keyring, checked as rekey
        // checks it (key destroyed, purpose, version state).
        let mut problems = Vec::new();
        for (role, stanza) in roles.iter().zip(&header.stanzas) {
            let (name, number) = match role {
                Role::Key { name, number } | Role::Recipient { name, number, .. } => {
                    (name.as_str(), *number)
                }
                Role::Dropped(fp) => {
                    report.dropped.push(*fp);
                    continue;
                }
                _ => continue,
            };
            if let envelope::Stanza::Key(k) = stanza
                && let Err(why) = self.check_key_stanza(k, name, number)
            {
                problems.push(why);
            }
            let planned = self
                .rekeyer
                .plan_version(FileReport::failed(""), name, number);
            let key = &self.doc.keys[name];
            report.moves.push(Move {
                key: name.to_string(),
                from_version: number,
                to_version: key.primary,
                compromised: planned.compromised,
            });
            if planned.status == PlanStatus::Failed {
                problems.push(planned.reason.unwrap_or_default());
            }
        }
        if report.moves.is_empty() {
            return Report {
                dropped: Vec::new(),
                ..Report::skipped("none of its keys and recipients is a key of this keyring")
            };
        }
        if self.options.only_compromised && !report.compromised() {
            report.status = Status::NotCompromised;
            return report;
        }
        let at_primary = report.moves.iter().all(|m| m.from_version == m.to_version);
        if at_primary && !report.compromised() && !self.options.force {
            report.status = Status::Current;
            return report;
        }
        if let Some(why) = problems.into_iter().next() {
            return report.failed_after(why);
        }
        for m in &report.moves {
            if let Err(why) = self.check_primary(&m.key) {
                return report.failed_after(why);
            }
        }
        let foreign: Vec<String> = roles
            .iter()
            .filter_map(|r| match r {
                Role::ForeignKey(k) => Some(format!(
                    "version {} of key '{}' of keyring {}",
                    k.version.number,
                    k.key_name,
                    hex::encode(k.keyring_id)
                )),
                _ => None,
            })
            .collect();
        if !foreign.is_empty() {
            return report.failed_after(format!(
                "its content key is also wrapped for {}, which this keyring does not hold; re-encrypting here would drop it (re-encrypt it with that keyring, or `keycask unwrap FILE | keycask wrap ...` by hand)",
                foreign.join(", ")
            ));
        }
        let missing: Vec<String> = roles
            .iter()
            .filter_map(|r| match r {
                Role::Missing(fp) => Some(crate::crypto::material::fingerprint_text(fp)),
                _ => None,
            })
            .collect();
        if !missing.is_empty() {
            return report.failed_after(format!(
                "it is also sealed to {} recipient(s) whose public keys keycask does not have: {}; give each with --to PEM, or leave it out with --drop-recipient FINGERPRINT",
                missing.len(),
                missing.join(", ")
            ));
        }
        report.status = Status::WouldReencrypt;
        report
    }

    /// A key stanza of a version held here: of this keyring, it must name
    /// that version exactly; made by another keyring (a key imported here),
    /// its origin must be the one the version came from (as `unwrap` checks).
    fn check_key_stanza(&self, k: &KeyStanza, name: &str, number: u32) -> Result<(), String> {
        if k.keyring_id == self.rekeyer.keyring_id {
            if k.key_name != name || k.version.number != number {
                return Err("the envelope is damaged or was tampered with".into());
            }
            return Ok(());
        }
        let key = &self.doc.keys[name];
        let version = key.version(number).expect("indexed");
        crate::keyring::check_envelope_origin(
            &self.doc.version_origin(name, key, version),
            &hex::encode(k.keyring_id),
            &k.key_name,
        )
        .map_err(|f| f.message)
    }

    /// The primary version the envelope moves to must encrypt, and must not
    /// be compromised itself (a fresh CEK under it would protect nothing).
    fn check_primary(&self, name: &str) -> Result<(), String> {
        let key = &self.doc.keys[name];
        let Some(primary) = key.primary_version() else {
            return Err(format!("key '{name}' has no primary version"));
        };
        if primary.state != VersionState::Enabled {
            return Err(format!(
                "the primary version {} of key '{name}' is {}; it cannot encrypt",
                primary.version, primary.state
            ));
        }
        if primary.compromised.is_some() {
            return Err(format!(
                "the primary version {} of key '{name}' is flagged compromised: re-encrypting under it protects nothing; make a new primary first (`keycask rotate {name}`)",
                primary.version
            ));
        }
        Ok(())
    }

    /// `--dry-run` for one file: what [`Reencrypter::reencrypt_file`] would
    /// do, including its failure to write the file or its folder.
    pub fn dry_run_file(&self, path: &Path) -> Report {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut report = match scan::read_entry(path) {
            Entry::Envelope {
                header, pending, ..
            } => {
                // A pending header-only rekey is finished first by the real
                // run: the header it would install is what is planned on.
                let pending = pending.map(|new| {
                    let entry = File::open(path)
                        .ok()
                        .and_then(|f| journal::pending(path, &f).ok().flatten());
                    (new, entry.map(|e| self.rekeyer.install(&e)))
                });
                match pending {
                    Some((_, Some(Err(e)))) => Report::failed(format!("{e:#}")),
                    Some((new, Some(Ok(journal::Install::New)))) => self.plan(&new),
                    _ => self.plan(&header),
                }
            }
            other => Report::from_plan(super::entry_report(other)),
        };
        report.bytes = size;
        if report.status != Status::WouldReencrypt {
            return report;
        }
        if let Err(why) = super::writable(path).and_then(|()| single_link(path)) {
            return report.failed_after(why);
        }
        report
    }

    /// Re-encrypts one file, or says why not. A failure leaves the file as
    /// it was. `progress` is called with counts of the file's bytes read.
    pub fn reencrypt_file(&self, path: &Path, progress: &(dyn Fn(u64) + Sync)) -> Report {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut report = self.reencrypt_path(path, progress);
        if report.bytes == 0 {
            report.bytes = size;
        }
        report
    }

    fn reencrypt_path(&self, path: &Path, progress: &(dyn Fn(u64) + Sync)) -> Report {
        // Another process may replace the file while this one waits for
        // its lock: then the lock is on the old file, and the new one is
        // opened again.
        for _ in 0..3 {
            let file = match OpenOptions::new().read(true).write(true).open(path) {
                Ok(file) => file,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::PermissionDenied
                            | std::io::ErrorKind::ReadOnlyFilesystem
                    ) || e.raw_os_error() == Some(1) =>
                {
                    // Cannot write it: fine if there is nothing to do.
                    let report = self.dry_run_file(path);
                    return match report.status {
                        Status::WouldReencrypt => {
                            report.failed_after(format!("cannot write it: {e}"))
                        }
                        _ => report,
                    };
                }
                Err(e) => return Report::failed(format!("cannot open it: {e}")),
            };
            if let Err(e) = file.lock() {
                return Report::failed(format!("cannot lock it: {e}"));
            }
            let same = match (file.metadata(), std::fs::metadata(path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if !same {
                continue;
            }
            return match self.reencrypt_locked(path, file, progress) {
                Ok(report) => report,
                Err(e) => Report::failed(format!("{e:#}")),
            };
        }
        Report::failed("it kept being replaced by another process; run again")
    }

    fn reencrypt_locked(
        &self,
        path: &Path,
        mut file: File,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Report> {
        // A header-only rekey that was interrupted is finished first.
        journal::recover_locked(path, &file, &|entry| self.rekeyer.install(entry))?;
        journal::remove_stale_temp(path);
        let size = file.metadata()?.len();
        let (encoding, header) = match scan::classify(&mut file) {
            Entry::Envelope {
                encoding, header, ..
            } => (encoding, header),
            other => {
                return Ok(Report {
                    bytes: size,
                    ..Report::from_plan(super::entry_report(other))
                });
            }
        };
        let roles = self.roles(&header);
        let mut report = Report {
            bytes: size,
            ..self.plan_roles(&header, &roles)
        };
        if report.status != Status::WouldReencrypt {
            return Ok(report);
        }
        if let Err(why) = super::writable(path).and_then(|()| single_link(path)) {
            return Ok(report.failed_after(why));
        }
        let cek = match self.open_cek(&header, &roles) {
            Ok(cek) => cek,
            Err(why) => return Ok(report.failed_after(why)),
        };
        let new_cek = Cek::generate();
        let new_header = match self.new_header(&header, &roles, &new_cek) {
            Ok(h) => h,
            Err(why) => return Ok(report.failed_after(why)),
        };
        let old = PayloadCipher::new(&cek.payload_key(&header.salt));
        let new = PayloadCipher::new(&new_cek.payload_key(&new_header.salt));
        drop((cek, new_cek));
        let payload = payload_reader(&file, encoding, header.len())?;
        write_replacement(
            path,
            &file,
            encoding == Encoding::Armored,
            &new_header,
            |out| {
                stream::reencrypt(&old, &new, header.chunk_size, payload, out, progress).map_err(
                    |e| match e {
                        envelope::EnvelopeError::Write(io) => {
                            anyhow::Error::new(io).context("cannot write the new envelope")
                        }
                        other => anyhow::Error::new(other),
                    },
                )
            },
        )?;
        report.status = Status::Reencrypted;
        Ok(report)
    }

    /// The old CEK, from a key stanza of a version held here, else a
    /// recipient stanza sealed to one (the header MAC checked either way).
    fn open_cek(&self, header: &Header, roles: &[Role]) -> Result<Cek, String> {
        let unlocked = self
            .unlocked
            .expect("reencrypt_file needs an unlocked keyring");
        let damaged = |_| "the envelope is damaged or was tampered with".to_string();
        for (role, stanza) in roles.iter().zip(&header.stanzas) {
            if let (Role::Key { name, number }, envelope::Stanza::Key(k)) = (role, stanza) {
                return header
                    .open_key(k, &self.material(name, *number)?)
                    .map_err(damaged);
            }
        }
        for role in roles {
            if let Role::Recipient {
                stanza,
                name,
                number,
            } = role
            {
                return crate::sealed::open(unlocked, header, stanza, name, *number)
                    .map_err(damaged);
            }
        }
        Err("no stanza of the envelope is for a key of this keyring".into())
    }

    fn material(&self, name: &str, number: u32) -> Result<SecretKey32, String> {
        let unlocked = self
            .unlocked
            .expect("reencrypt_file needs an unlocked keyring");
        let bytes = unlocked
            .material(name, number)
            .map_err(|e| format!("{e:#}"))?;
        SecretKey32::from_slice(bytes.expose_secret())
            .ok_or_else(|| format!("version {number} of key '{name}' is not a 32-byte key"))
    }

    /// The new header: fresh salt, the same context and chunk size, and the
    /// old header's stanzas in order, each for `cek` and moved as planned.
    fn new_header(&self, old: &Header, roles: &[Role], cek: &Cek) -> Result<Header, String> {
        let broken = |_| "cannot build the new envelope header".to_string();
        let mut header = Header::start(old.chunk_size, &old.context, crate::random::random_array())
            .map_err(broken)?;
        // Two old stanzas of one key (two versions) become one.
        let mut keys: HashSet<&str> = HashSet::new();
        let mut recipients: HashSet<[u8; 32]> = HashSet::new();
        for role in roles {
            match role {
                Role::Key { name, .. } => {
                    if !keys.insert(name) {
                        continue;
                    }
                    let version = self.primary_ref(name)?;
                    header
                        .add_key(
                            self.rekeyer.keyring_id,
                            name,
                            version,
                            &self.material(name, version.number)?,
                            cek,
                            crate::random::random_array(),
                        )
                        .map_err(broken)?;
                }
                Role::Recipient { name, .. } => {
                    let key = &self.doc.keys[name.as_str()];
                    let primary = key.primary_version().ok_or("no primary version")?;
                    let stanza = crate::sealed::seal_to_version(&header, name, primary, cek)?;
                    if recipients.insert(stanza.fingerprint) {
                        header.add_recipient(stanza).map_err(broken)?;
                    }
                }
                Role::Provided(i) => {
                    let provided = &self.options.to[*i];
                    let to = match &provided.public {
                        PublicKey::P256(p) => SealTo::P256(p),
                        PublicKey::Rsa(r) => SealTo::Rsa(r),
                    };
                    if recipients.insert(provided.fingerprint) {
                        let stanza = recipient::seal(&header, to, provided.fingerprint, cek)
                            .map_err(|_| format!("cannot seal to {}", provided.label))?;
                        header.add_recipient(stanza).map_err(broken)?;
                    }
                }
                Role::Dropped(_) => {}
                Role::ForeignKey(_) | Role::Missing(_) => {
                    return Err("planned as failed".into());
                }
            }
        }
        header.finish(cek);
        Ok(header)
    }

    fn primary_ref(&self, name: &str) -> Result<VersionRef, String> {
        let key = &self.doc.keys[name];
        let primary = key.primary_version().ok_or("no primary version")?;
        let id: [u8; 16] = hex::decode(&primary.id)
            .ok()
            .and_then(|id| id.try_into().ok())
            .ok_or("the keyring holds a malformed version id")?;
        Ok(VersionRef {
            number: primary.version,
            id,
        })
    }
}

/// A file with other hard links is refused: the rename would split it from
/// them.
fn single_link(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.nlink() > 1 => Err(format!(
            "it has {} other hard links, which replacing it would split from it",
            meta.nlink() - 1
        )),
        _ => Ok(()),
    }
}

/// The old payload: past the header, armor decoded.
fn payload_reader(
    file: &File,
    encoding: Encoding,
    header_len: usize,
) -> Result<Box<dyn Read + Send>> {
    let mut source = file.try_clone()?;
    match encoding {
        Encoding::Binary => {
            source.seek(SeekFrom::Start(header_len as u64))?;
            Ok(Box::new(source))
        }
        Encoding::Armored => {
            source.seek(SeekFrom::Start(0))?;
            let (mut decoded, _) = envelope::armor::detect(Box::new(source))?;
            std::io::copy(
                &mut (&mut decoded).take(header_len as u64),
                &mut std::io::sink(),
            )?;
            Ok(decoded)
        }
    }
}

/// Writes `header` and what `payload` writes (armored when `armored`) into
/// a temporary file beside `path` with the old file's mode, owner and
/// group; syncs it, renames it over `path` and syncs the folder. On any
/// error the temporary file is removed and `path` is untouched.
fn write_replacement(
    path: &Path,
    old: &File,
    armored: bool,
    header: &Header,
    payload: impl FnOnce(&mut (dyn Write + Send)) -> Result<u64>,
) -> Result<()> {
    let meta = old.metadata()?;
    let mode = meta.permissions().mode() & 0o7777;
    let dir: PathBuf = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let out = crate::temp::TempFile::at(&journal::temp_path_for(path), mode)
        .context("cannot create the new envelope beside the old one")?;
    // Run as root over a service's files, the new file would be root's.
    crate::output::keep_owner(out.as_file(), &meta)
        .context("cannot give the new envelope the old one's owner")?;
    // Again after the owner (a chown may clear set-id bits) and because the
    // umask may have taken bits away.
    out.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    let buffered = BufWriter::with_capacity(1 << 20, out);
    let buffered = if armored {
        let mut armor = envelope::armor::ArmorWriter::new(buffered)?;
        armor.write_all(&header.to_bytes())?;
        payload(&mut armor)?;
        armor.finish()?
    } else {
        let mut plain = buffered;
        plain.write_all(&header.to_bytes())?;
        payload(&mut plain)?;
        plain
    };
    let out = buffered.into_inner().map_err(|e| e.into_error())?;
    out.as_file()
        .sync_all()
        .context("cannot sync the new envelope")?;
    out.persist(path)
        .context("cannot rename the new envelope over the old one")?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .context("cannot sync the folder")?;
    Ok(())
}

/// Counts of a run, for its summary, its audit record and `--json`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub reencrypted: usize,
    pub current: usize,
    pub not_compromised: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Bytes of the envelopes re-encrypted (or that would be).
    pub bytes: u64,
}

impl Summary {
    pub fn of<'r>(reports: impl IntoIterator<Item = &'r Report>) -> Summary {
        let mut s = Summary::default();
        for r in reports {
            match r.status {
                Status::Reencrypted | Status::WouldReencrypt => {
                    s.reencrypted += 1;
                    s.bytes += r.bytes;
                }
                Status::Current => s.current += 1,
                Status::NotCompromised => s.not_compromised += 1,
                Status::Skipped => s.skipped += 1,
                Status::Failed => s.failed += 1,
            }
        }
        s
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
