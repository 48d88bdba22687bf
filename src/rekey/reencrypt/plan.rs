//! Deciding from a header alone what re-encrypting it means: which stanza
//! is whose, which key version it moves to, and what stands in the way.
//! `--dry-run` stops here.

use std::fs::File;
use std::path::Path;

use super::{Move, Reencrypter, Report, Status, replaceable};
use crate::envelope::journal;
use crate::envelope::scan::{self, Entry};
use crate::envelope::{self, Header, KeyStanza, RecipientStanza};
use crate::keyring::VersionState;
use crate::rekey::{FileReport, Status as PlanStatus};

/// What becomes of one stanza of the old header.
pub(super) enum Role<'h> {
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

impl<'a> Reencrypter<'a> {
    pub(super) fn roles<'h>(&self, header: &'h Header) -> Vec<Role<'h>> {
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

    pub(super) fn plan_roles(&self, header: &Header, roles: &[Role]) -> Report {
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
    pub(super) fn check_key_stanza(
        &self,
        k: &KeyStanza,
        name: &str,
        number: u32,
    ) -> Result<(), String> {
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
    pub(super) fn check_primary(&self, name: &str) -> Result<(), String> {
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
            other => Report::from_plan(crate::rekey::entry_report(other)),
        };
        report.bytes = size;
        if report.status != Status::WouldReencrypt {
            return report;
        }
        if let Err(why) = replaceable(path) {
            return report.failed_after(why);
        }
        report
    }
}
