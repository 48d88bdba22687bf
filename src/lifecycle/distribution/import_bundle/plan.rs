//! What an opened bundle will change, decided before anything is changed:
//! pure, it reads the keyring and writes and prints nothing.

use anyhow::Result;

use crate::bundle::{Bundle, Metadata, VersionMetadata};
use crate::clock::{self, Timestamp};
use crate::crypto::asymmetric::PublicKey;
use crate::error::Failure;
use crate::keyring::{Key, Origin, Source, Unlocked, VersionState};
use crate::lifecycle::common::version_list;
use crate::secret::SecretBytes;

use super::BundleImport;

/// What an import of a bundle did to one of its versions.
pub(super) enum Outcome {
    Added,
    AlreadyPresent,
}

/// What an import of an opened bundle will change, decided before anything
/// is changed.
pub(super) struct Plan<'a> {
    pub(super) name: &'a str,
    pub(super) metadata: &'a Metadata,
    /// The key of that name already here, as it was before the import.
    pub(super) existing: Option<Key>,
    /// For each version of the bundle, in its order.
    pub(super) outcomes: Vec<Outcome>,
    pub(super) adding: Vec<u32>,
    /// Versions already here that the bundle flags compromised and this
    /// keyring does not (yet).
    pub(super) flagging: Vec<(u32, Timestamp)>,
    /// Versions already here, imported before keycask recorded origins.
    pub(super) unrecorded: Vec<u32>,
    pub(super) new_primary: Option<u32>,
    /// Whether the bundle may change what is already here: its signature
    /// verified, or `--add-unverified-versions`.
    pub(super) flag_trusted: bool,
    pub(super) flagged: Vec<u32>,
    pub(super) recorded: Vec<u32>,
    pub(super) source: Source,
    pub(super) signer_fp: Option<String>,
    pub(super) verified: bool,
}

/// Plans the import (pure: reads the keyring, writes and prints nothing),
/// refusing what the bundle may not do to a key this keyring holds.
pub(super) fn plan<'a>(
    keyring: &Unlocked,
    name: &'a str,
    parsed: &'a Bundle,
    materials: &[SecretBytes],
    verified: bool,
    options: &BundleImport,
) -> Result<Plan<'a>> {
    let metadata = &parsed.metadata;
    let signer_fp = parsed.signer.as_ref().map(PublicKey::fingerprint);
    // Where the versions go: a new key, or the same key imported before.
    let existing = keyring.doc.keys.get(name).cloned();
    if let Some(existing) = &existing {
        check_existing(name, existing, metadata)?;
    }
    let mut outcomes = Vec::new();
    for (version, material) in metadata.versions.iter().zip(materials) {
        outcomes.push(check_version_free(
            keyring,
            name,
            version,
            material,
            existing.as_ref(),
        )?);
    }
    let adding: Vec<u32> = metadata
        .versions
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, Outcome::Added))
        .map(|(v, _)| v.version)
        .collect();
    // Versions already here that the bundle flags compromised and this
    // keyring does not (yet): the flag is a change to an existing key.
    let flagging: Vec<(u32, Timestamp)> = match &existing {
        Some(key) => metadata
            .versions
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| matches!(o, Outcome::AlreadyPresent))
            .filter_map(|(v, _)| {
                let at = v.compromised?;
                let local = key.version(v.version)?;
                local.compromised.is_none().then_some((v.version, at))
            })
            .collect(),
        None => Vec::new(),
    };
    // Versions already here, imported from a bundle before keycask recorded
    // origins: this bundle (same material) says where they came from.
    let unrecorded: Vec<u32> = match &existing {
        Some(key) if key.origin == Origin::Imported => metadata
            .versions
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| matches!(o, Outcome::AlreadyPresent))
            .filter(|(v, _)| key.version(v.version).is_some_and(|l| l.source.is_none()))
            .map(|(v, _)| v.version)
            .collect(),
        _ => Vec::new(),
    };
    let new_primary = match &existing {
        Some(key) if options.make_primary => {
            Some(primary_to_make(name, key, metadata)?).filter(|&p| p != key.primary)
        }
        _ => None,
    };
    if let Some(key) = &existing
        && (!adding.is_empty() || new_primary.is_some())
        && !verified
        && !options.add_unverified
    {
        return Err(unverified_into_existing(name, key, &adding, new_primary).into());
    }
    let flag_trusted = verified || options.add_unverified;
    let flagged: Vec<u32> = if flag_trusted {
        flagging.iter().map(|(n, _)| *n).collect()
    } else {
        Vec::new()
    };
    let source = Source {
        keyring: metadata.source_keyring.clone(),
        key: metadata.name.clone(),
        signer: if verified { signer_fp.clone() } else { None },
    };
    // Recording an origin changes which envelopes a key opens: the same
    // rule as any change to an existing key.
    let recorded: Vec<u32> = if flag_trusted {
        unrecorded.clone()
    } else {
        Vec::new()
    };
    Ok(Plan {
        name,
        metadata,
        existing,
        outcomes,
        adding,
        flagging,
        unrecorded,
        new_primary,
        flag_trusted,
        flagged,
        recorded,
        source,
        signer_fp,
        verified,
    })
}

/// A key of the bundle's name already here takes the bundle's versions only
/// if it is alive, not on its way out, and of the same type and purpose.
fn check_existing(name: &str, existing: &Key, metadata: &Metadata) -> Result<()> {
    if let Some(tombstone) = &existing.destroyed {
        return Err(Failure::usage(format!(
            "key '{name}' was destroyed here on {}; its name is kept as a tombstone",
            clock::format_date(tombstone.at)
        ))
        .hint("import under another name with --as NAME")
        .into());
    }
    crate::keyring::refuse_scheduled(
        name,
        existing,
        "a key on its way out takes no versions and no new primary",
        "then import again (or import under another name with --as NAME)",
    )?;
    if existing.algorithm != metadata.algorithm || existing.purpose != metadata.purpose {
        return Err(Failure::usage(format!(
            "a key named '{name}' already exists as {} {}, and the bundle holds {} {}",
            existing.algorithm, existing.purpose, metadata.algorithm, metadata.purpose
        ))
        .hint("import under another name with --as NAME")
        .into());
    }
    Ok(())
}

/// With `--make-primary`: the sender's primary version, which the bundle
/// must hold and which must be enabled here if it is already here.
fn primary_to_make(name: &str, key: &Key, metadata: &Metadata) -> Result<u32> {
    if !metadata
        .versions
        .iter()
        .any(|v| v.version == metadata.primary)
    {
        return Err(Failure::usage(format!(
            "--make-primary: the bundle does not hold the sender's primary version {} of '{name}'",
            metadata.primary
        ))
        .hint("ask the sender for a bundle with that version (export without --version)")
        .into());
    }
    let target = metadata.primary;
    if let Some(local) = key.version(target) {
        if local.state != VersionState::Enabled {
            return Err(Failure::key_unusable(format!(
                "--make-primary: version {target} of key '{name}' is {} here",
                local.state
            ))
            .into());
        }
        if let Some(flag) = &local.compromised {
            return Err(Failure::key_unusable(format!(
                "--make-primary: version {target} of key '{name}' is flagged compromised here{}; new data must not go to it",
                flag.note()
            ))
            .hint(format!(
                "ask the sender for a current bundle; `keycask rotate {name}` makes a fresh primary here"
            ))
            .into());
        }
    }
    let flagged_by_sender = metadata
        .versions
        .iter()
        .any(|v| v.version == target && v.compromised.is_some());
    if flagged_by_sender {
        return Err(Failure::key_unusable(format!(
            "--make-primary: the bundle flags version {target} of key '{name}' compromised; new data must not go to it"
        ))
        .into());
    }
    if target < key.primary {
        return Err(Failure::usage(format!(
            "--make-primary: refusing to move the primary of key '{name}' back from version {} to version {target}: the bundle may be an old one, replayed",
            key.primary
        ))
        .hint(
            "the primary only moves forward on import; ask the sender for a current bundle (the versions still import without --make-primary)",
        )
        .into());
    }
    Ok(target)
}

/// The refusal of a bundle without a verified signature that would change a
/// key this keyring already holds: anyone with the transport public key can
/// make a bundle, so it could hand the key's future envelopes or signatures to
/// its maker.
fn unverified_into_existing(
    name: &str,
    key: &Key,
    adding: &[u32],
    new_primary: Option<u32>,
) -> Failure {
    let what = if adding.is_empty() {
        format!(
            "make version {} the primary of",
            new_primary.unwrap_or_default()
        )
    } else {
        format!(
            "add version{} {} to",
            if adding.len() == 1 { "" } else { "s" },
            version_list(adding)
        )
    };
    let origin = match key.origin {
        Origin::Generated => "generated here",
        Origin::Imported => "imported",
    };
    Failure::usage(format!(
        "refusing to {what} key '{name}' ({origin}) from a bundle whose signature is not verified"
    ))
    .hint(
        "ask the sender to sign it (export --sign-with KEY) and import with --verify-with THEIR_KEY.pem; \
or import it as a separate key with --as NEWNAME; \
or, if you trust its origin anyway, add --add-unverified-versions",
    )
}

/// A bundle version may join the keyring only if its id is new here and its
/// number is free in the target key, or if that very version (same key,
/// number, id and material) is already here, which makes it a no-op.
fn check_version_free(
    keyring: &Unlocked,
    name: &str,
    version: &VersionMetadata,
    material: &SecretBytes,
    existing: Option<&Key>,
) -> Result<Outcome> {
    if let Some((holder, _, local)) = keyring.doc.find_version_id(&version.id)? {
        let same_place = holder == name && local.version == version.version;
        let identical = same_place
            && local.wrapped.is_some()
            && keyring.material(holder, local.version)? == *material;
        if identical {
            return Ok(Outcome::AlreadyPresent);
        }
        let failure = if same_place && local.state == VersionState::Destroyed {
            Failure::usage(format!(
                "version {} of key '{holder}' (id {}) was destroyed here{}; an import does not bring it back",
                local.version,
                version.id,
                crate::keyring::destruction_note(local)
            ))
            .hint(
                "for the bundle's other versions, ask the sender to export each alone (export NAME --version N --to …)",
            )
        } else if same_place {
            Failure::usage(format!(
                "version {} of key '{holder}' (id {}) is already here with different material",
                local.version, version.id
            ))
            .hint("a version id names one key version; the bundle conflicts with the key you hold")
        } else {
            Failure::usage(format!(
                "version id {} is already in this keyring, as key '{holder}' version {}",
                version.id, local.version
            ))
            .hint(format!(
                "a version id names one key version: this keyring already holds it, under '{holder}'"
            ))
        };
        return Err(failure.into());
    }
    if let Some(key) = existing
        && key.version(version.version).is_some()
    {
        return Err(Failure::usage(format!(
            "key '{name}' already has a version {} with another id: the bundle's key is a different key",
            version.version
        ))
        .hint("import it under another name with --as NAME")
        .into());
    }
    Ok(Outcome::Added)
}
