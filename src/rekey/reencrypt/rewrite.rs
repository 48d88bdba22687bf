//! The rewrite: the old CEK opened, a new header for a fresh CEK, the
//! payload streamed through both, and the new file put in the old one's
//! place atomically.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::plan::Role;
use super::{Reencrypter, Report, Status, replaceable};
use crate::envelope::journal;
use crate::envelope::scan::{self, Encoding, Entry};
use crate::envelope::stream::{self, PayloadCipher};
use crate::envelope::{self, Cek, Header, VersionRef};
use crate::secret::SecretKey32;

impl Reencrypter<'_> {
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

    pub(super) fn reencrypt_path(&self, path: &Path, progress: &(dyn Fn(u64) + Sync)) -> Report {
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

    pub(super) fn reencrypt_locked(
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
                    ..Report::from_plan(crate::rekey::entry_report(other))
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
        if let Err(why) = replaceable(path) {
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
    pub(super) fn open_cek(&self, header: &Header, roles: &[Role]) -> Result<Cek, String> {
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

    pub(super) fn material(&self, name: &str, number: u32) -> Result<SecretKey32, String> {
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
    pub(super) fn new_header(
        &self,
        old: &Header,
        roles: &[Role],
        cek: &Cek,
    ) -> Result<Header, String> {
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
                    if recipients.insert(provided.fingerprint) {
                        let stanza = provided.seal(&header, cek).map_err(|e| e.message)?;
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

    pub(super) fn primary_ref(&self, name: &str) -> Result<VersionRef, String> {
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

/// The old payload: past the header, armor decoded.
pub(super) fn payload_reader(
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
pub(super) fn write_replacement(
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
