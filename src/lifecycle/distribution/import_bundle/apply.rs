//! Applying a plan: the keyring changed in memory, the audit record, the
//! commit, and the report.

use std::fmt;

use anyhow::Result;
use serde::Serialize;

use crate::Context;
use crate::key::{Algorithm, Purpose};
use crate::keyring::{Event, Key, KeyVersion, Origin, Session, Tombstone, Unlocked, VersionState};
use crate::lifecycle::common::version_list;
use crate::secret::SecretBytes;

use super::plan::{Outcome, Plan};

/// The changes an unverified bundle would make to versions already here,
/// which the plan leaves out: said before anything is written.
pub(super) fn warn_unapplied(ctx: &Context, plan: &Plan) {
    let name = plan.name;
    if !plan.flag_trusted && !plan.unrecorded.is_empty() {
        ctx.warn(format!(
            "key '{name}' holds versions of this bundle whose origin was never recorded (imported before keycask recorded origins); it was NOT recorded now: the bundle's signature is not verified"
        ));
        ctx.note(
            "to record it, import again with --verify-with SENDER.pem, or with --add-unverified-versions if you trust the bundle's origin anyway",
        );
    }
    if !plan.flag_trusted && !plan.flagging.is_empty() {
        let numbers: Vec<u32> = plan.flagging.iter().map(|(n, _)| *n).collect();
        ctx.warn(format!(
            "the bundle flags version{} {} of key '{name}' compromised; the flag was NOT applied here: the bundle's signature is not verified",
            if numbers.len() == 1 { "" } else { "s" },
            version_list(&numbers)
        ));
        ctx.note(format!(
            "to apply it, import again with --verify-with SENDER.pem (a bundle signed by the sender), or flag the versions yourself: keycask rotate {name} --compromised"
        ));
    }
}

/// Applies the plan to the keyring, records and commits it, and reports.
pub(super) fn apply(
    ctx: &Context,
    mut session: Session,
    plan: &Plan,
    materials: &[SecretBytes],
) -> Result<()> {
    let added = change_keyring(&mut session.keyring, plan, materials)?;
    let Plan {
        name,
        metadata,
        ref existing,
        new_primary,
        ref flagged,
        ref recorded,
        ref source,
        ..
    } = *plan;
    let skipped: Vec<u32> = metadata
        .versions
        .iter()
        .map(|v| v.version)
        .filter(|n| !added.contains(n))
        .collect();
    let report = ImportBundleReport {
        schema: "keycask.import/1",
        name,
        algorithm: metadata.algorithm,
        purpose: metadata.purpose,
        origin: "imported",
        source_keyring: &metadata.source_keyring,
        versions: &added,
        already_present: &skipped,
        version_ids: metadata
            .versions
            .iter()
            .filter(|v| added.contains(&v.version))
            .map(|v| v.id.clone())
            .collect(),
        signer_fingerprint: plan.signer_fp.as_deref(),
        signature_verified: plan.verified,
        new_primary,
        kept_primary: existing
            .as_ref()
            .filter(|_| new_primary.is_none())
            .map(|k| k.primary),
        sender_primary: metadata
            .versions
            .iter()
            .any(|v| v.version == metadata.primary)
            .then_some(metadata.primary),
    };
    if added.is_empty() && new_primary.is_none() && flagged.is_empty() && recorded.is_empty() {
        return ctx.emit(&report);
    }
    // A new key follows the sender's primary when the bundle holds it, else
    // takes its highest version. An existing key's primary moves only with
    // --make-primary: importing adds versions, switching is a rotation.
    let key = session
        .keyring
        .doc
        .keys
        .get_mut(name)
        .expect("created above");
    if let Some(primary) = new_primary {
        key.primary = primary;
    } else if existing.is_none() {
        key.primary = if metadata
            .versions
            .iter()
            .any(|v| v.version == metadata.primary)
        {
            metadata.primary
        } else {
            key.versions.iter().map(|v| v.version).max().unwrap_or(0)
        };
    }
    session.record(
        Event::new("import")
            .key(name)
            .versions(added.clone())
            .detail(event_detail(plan)),
    );
    session.commit()?;
    if !recorded.is_empty() {
        ctx.note(format!(
            "key '{name}': recorded that version{} {} came from key '{}' of keyring {}",
            if recorded.len() == 1 { "" } else { "s" },
            version_list(recorded),
            source.key,
            source.keyring
        ));
    }
    if !flagged.is_empty() {
        ctx.warn(format!(
            "key '{name}': the bundle flags version{} {} compromised, and so does this keyring now; {}",
            if flagged.len() == 1 { "" } else { "s" },
            version_list(flagged),
            "they still decrypt, with a warning: re-encrypt your envelopes with a fresh content key (`keycask rekey --reencrypt PATH...`)"
        ));
    }
    ctx.emit(&report)
}

/// The in-memory changes of the plan: origins recorded and flags applied
/// to versions already here, the new key, the new versions. Returns the
/// numbers of the versions added.
fn change_keyring(
    keyring: &mut Unlocked,
    plan: &Plan,
    materials: &[SecretBytes],
) -> Result<Vec<u32>> {
    let Plan {
        name,
        metadata,
        ref source,
        ..
    } = *plan;
    if let Some(key) = keyring.doc.keys.get_mut(name)
        && plan.flag_trusted
    {
        for number in &plan.recorded {
            if let Some(v) = key.version_mut(*number) {
                v.source = Some(source.clone());
            }
        }
        for (number, at) in &plan.flagging {
            if let Some(v) = key.version_mut(*number) {
                v.compromised = Some(Tombstone {
                    at: *at,
                    reason: Some("flagged compromised by the sender".into()),
                });
            }
        }
    }
    let mut added = Vec::new();
    if plan.existing.is_none() && !plan.adding.is_empty() {
        keyring.doc.keys.insert(
            name.to_string(),
            Key {
                algorithm: metadata.algorithm,
                purpose: metadata.purpose,
                created: metadata.created,
                origin: Origin::Imported,
                rotation_period: metadata.rotation_period,
                primary: 0,
                versions: Vec::new(),
                destroyed: None,
            },
        );
    }
    for ((version, material), outcome) in
        metadata.versions.iter().zip(materials).zip(&plan.outcomes)
    {
        if matches!(outcome, Outcome::AlreadyPresent) {
            continue;
        }
        let stored = KeyVersion {
            version: version.version,
            id: version.id.clone(),
            state: VersionState::Enabled,
            created: version.created,
            kek_version: 0,
            wrapped: None,
            public_key: version.public_key.clone(),
            compromised: version.compromised.map(|at| Tombstone {
                at,
                reason: Some("flagged compromised by the sender".into()),
            }),
            destroy_after: None,
            destruction: None,
            source: Some(source.clone()),
        };
        keyring.insert_version(name, stored, material)?;
        added.push(version.version);
    }
    Ok(added)
}

/// The audit record's account of the import.
fn event_detail(plan: &Plan) -> String {
    let metadata = plan.metadata;
    format!(
        "bundle from keyring {} ({}), {}{}{}{}{}",
        metadata.source_keyring,
        metadata.name,
        match (&plan.signer_fp, plan.verified) {
            (Some(fp), true) => format!("signature by {fp} verified"),
            (Some(fp), false) => format!("signed by {fp}, not verified"),
            (None, _) => "unsigned".to_string(),
        },
        if plan.existing.is_some() && !plan.verified {
            ", added to an existing key with --add-unverified-versions"
        } else {
            ""
        },
        plan.new_primary
            .map(|p| format!(", primary now version {p}"))
            .unwrap_or_default(),
        if plan.flagged.is_empty() {
            String::new()
        } else {
            format!(
                ", flagged compromised as the sender flagged them: versions {:?}",
                plan.flagged
            )
        },
        if plan.recorded.is_empty() {
            String::new()
        } else {
            format!(
                ", origin recorded for versions {:?} imported earlier",
                plan.recorded
            )
        }
    )
}

/// What `import --bundle` reports: `keycask.import/1` (docs/JSON.md).
#[derive(Serialize)]
struct ImportBundleReport<'a> {
    schema: &'static str,
    name: &'a str,
    algorithm: Algorithm,
    purpose: Purpose,
    origin: &'static str,
    source_keyring: &'a str,
    /// The versions added.
    versions: &'a [u32],
    already_present: &'a [u32],
    version_ids: Vec<String>,
    signer_fingerprint: Option<&'a str>,
    signature_verified: bool,
    /// Set when --make-primary moved an existing key's primary.
    #[serde(skip)]
    new_primary: Option<u32>,
    /// An existing key's primary, when it did not move.
    #[serde(skip)]
    kept_primary: Option<u32>,
    /// The sender's primary, when the bundle holds it.
    #[serde(skip)]
    sender_primary: Option<u32>,
}

impl fmt::Display for ImportBundleReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, added, skipped) = (self.name, self.versions, self.already_present);
        if let Some(primary) = self.new_primary {
            writeln!(
                f,
                "key {name}: primary is now version {primary}, the sender's primary"
            )?;
        }
        if added.is_empty() {
            if self.new_primary.is_some() {
                return Ok(());
            }
            return writeln!(
                f,
                "nothing to import: key {name} already holds version{} {} of this bundle",
                if skipped.len() == 1 { "" } else { "s" },
                version_list(skipped)
            );
        }
        writeln!(
            f,
            "imported key {name} ({}, {}) version{} {} from keyring {}{}",
            self.algorithm,
            self.purpose,
            if added.len() == 1 { "" } else { "s" },
            version_list(added),
            self.source_keyring,
            match (self.signer_fingerprint, self.signature_verified) {
                (Some(fp), true) => format!("; signature by {fp} verified"),
                _ => String::new(),
            }
        )?;
        if !skipped.is_empty() {
            writeln!(
                f,
                "already present: version{} {}",
                if skipped.len() == 1 { "" } else { "s" },
                version_list(skipped)
            )?;
        }
        if let (Some(kept), Some(sender)) = (self.kept_primary, self.sender_primary)
            && kept != sender
        {
            writeln!(
                f,
                "primary stays version {kept}; the sender's primary is version {sender}: import again with --make-primary to switch"
            )?;
        }
        Ok(())
    }
}
