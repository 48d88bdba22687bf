//! `import --bundle`: a sealed key bundle from another keyring, into a new
//! key or the same key imported before.

use std::path::Path;

use anyhow::Result;
use serde_json::json;

use crate::Context;
use crate::asymmetric::{self, PublicKey};
use crate::bundle::{self, Bundle, Metadata, VersionMetadata};
use crate::clock::{self, Timestamp};
use crate::error::Failure;
use crate::input::read_limited;
use crate::key::{Purpose, validate_key_name};
use crate::keyring::{
    Event, Key, KeyVersion, Origin, Session, Source, Tombstone, Unlocked, VersionState,
};
use crate::output;
use crate::secret::SecretBytes;

use super::{MAX_BUNDLE_LEN, read_public_pem};

/// What an import of a bundle did to one of its versions.
enum Outcome {
    Added,
    AlreadyPresent,
}

/// How `import --bundle` was asked to treat the bundle.
pub(super) struct BundleImport<'a> {
    pub(super) transport_key: &'a str,
    pub(super) verify_with: Option<&'a Path>,
    pub(super) as_name: Option<&'a str>,
    pub(super) add_unverified: bool,
    pub(super) make_primary: bool,
}

pub(super) fn import_bundle(
    ctx: &Context,
    path: Option<&Path>,
    options: BundleImport,
) -> Result<()> {
    let BundleImport {
        transport_key,
        verify_with,
        as_name,
        add_unverified,
        make_primary,
    } = options;
    let bytes = read_limited(path, MAX_BUNDLE_LEN, "a key bundle")?;
    let trusted = verify_with
        .map(|path| read_public_pem(ctx, path))
        .transpose()?;
    let parsed = Bundle::parse(&bytes)?;
    let signer_fp = parsed.signer.as_ref().map(PublicKey::fingerprint);

    // Origin first: a bundle that fails its signature is not opened. The
    // warning about an unverified origin waits until the bundle opened.
    let origin_warning = match (&trusted, &parsed.signer) {
        (Some(_), None) => {
            return Err(Failure::auth(
                "the bundle is not signed, but --verify-with requires a signature",
            )
            .hint("ask the sender to export with --sign-with KEY")
            .into());
        }
        (Some(trusted), Some(signer)) => {
            if trusted.to_spki_der() != signer.to_spki_der() {
                return Err(Failure::auth(format!(
                    "the bundle is signed by {}, not by the --verify-with key {}",
                    signer.fingerprint(),
                    trusted.fingerprint()
                ))
                .hint("check with the sender which key signed it, comparing fingerprints out of band")
                .into());
            }
            parsed.check_signature()?;
            None
        }
        (None, Some(signer)) => {
            parsed.check_signature()?;
            Some(format!(
                "the bundle is signed by {}, but without --verify-with that key is not checked against one you trust: its origin is unverified",
                signer.fingerprint()
            ))
        }
        (None, None) => Some(
            "the bundle is not signed: its origin is unverified (anyone with your public key can make a bundle)".to_string(),
        ),
    };

    let metadata = &parsed.metadata;
    metadata.check_dates(clock::now()?)?;
    let name = as_name.unwrap_or(&metadata.name);
    validate_key_name(name).map_err(|e| {
        Failure::usage(format!(
            "the bundle names its key '{}', not a valid key name",
            crate::error::untrusted(&metadata.name)
        ))
        .hint(e.hint.unwrap_or_default() + "; import it with --as NAME")
    })?;
    if name == transport_key {
        return Err(Failure::usage(format!(
            "refusing to import into key '{name}': it is the --with transport key that opens the bundle"
        ))
        .hint("a bundle never changes the key it is sealed to; import it under another name with --as NAME")
        .into());
    }

    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let keyring = &mut session.keyring;

    // The transport key: the version whose public key the bundle is sealed to.
    let transport = keyring.key(transport_key)?;
    if transport.purpose != Purpose::Transport {
        return Err(Failure::key_unusable(format!(
            "key '{transport_key}' has purpose {}; --with needs a key of purpose transport",
            transport.purpose
        ))
        .hint("create one with `keycask keygen NAME --type p256 --purpose transport`")
        .into());
    }
    let mut receiving = None;
    let mut fingerprints = Vec::new();
    for v in transport
        .versions
        .iter()
        .filter(|v| v.state == VersionState::Enabled)
    {
        let public = PublicKey::of_version(transport_key, v)?;
        if bundle::spki_fingerprint(&public) == parsed.recipient_fingerprint {
            receiving = Some(v.version);
        }
        fingerprints.push(public.fingerprint());
    }
    let Some(receiving) = receiving else {
        return Err(Failure::auth(format!(
            "the bundle is sealed to another recipient (SHA256:{}), not to key '{transport_key}' ({})",
            hex::encode(parsed.recipient_fingerprint),
            fingerprints.join(", ")
        ))
        .hint("import it with the transport key whose public half the sender used")
        .into());
    };
    let private = asymmetric::private_from_material(&keyring.material(transport_key, receiving)?)?;
    let materials = parsed.open(&private)?;
    drop(private);
    if let Some(warning) = origin_warning {
        ctx.warn(warning);
    }

    // Where the versions go: a new key, or the same key imported before.
    let existing = keyring.doc.keys.get(name).cloned();
    if let Some(existing) = &existing {
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
    }
    let mut outcomes = Vec::new();
    for (version, material) in metadata.versions.iter().zip(&materials) {
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
        Some(key) if make_primary => {
            Some(primary_to_make(name, key, metadata)?).filter(|&p| p != key.primary)
        }
        _ => None,
    };
    if let Some(key) = &existing
        && (!adding.is_empty() || new_primary.is_some())
        && trusted.is_none()
        && !add_unverified
    {
        return Err(unverified_into_existing(name, key, &adding, new_primary).into());
    }
    let flag_trusted = trusted.is_some() || add_unverified;
    let flagged: Vec<u32> = if flag_trusted {
        flagging.iter().map(|(n, _)| *n).collect()
    } else {
        Vec::new()
    };
    let source = Source {
        keyring: metadata.source_keyring.clone(),
        key: metadata.name.clone(),
        signer: trusted.as_ref().and(signer_fp.clone()),
    };
    // Recording an origin changes which envelopes a key opens: the same
    // rule as any change to an existing key.
    let recorded: Vec<u32> = if flag_trusted {
        unrecorded.clone()
    } else {
        Vec::new()
    };
    if !flag_trusted && !unrecorded.is_empty() {
        ctx.warn(format!(
            "key '{name}' holds versions of this bundle whose origin was never recorded (imported before keycask recorded origins); it was NOT recorded now: the bundle's signature is not verified"
        ));
        ctx.note(
            "to record it, import again with --verify-with SENDER.pem, or with --add-unverified-versions if you trust the bundle's origin anyway",
        );
    }
    if !flag_trusted && !flagging.is_empty() {
        let numbers: Vec<u32> = flagging.iter().map(|(n, _)| *n).collect();
        ctx.warn(format!(
            "the bundle flags version{} {} of key '{name}' compromised; the flag was NOT applied here: the bundle's signature is not verified",
            if numbers.len() == 1 { "" } else { "s" },
            numbers.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        ));
        ctx.note(format!(
            "to apply it, import again with --verify-with SENDER.pem (a bundle signed by the sender), or flag the versions yourself: keycask rotate {name} --compromised"
        ));
    }
    if let Some(key) = keyring.doc.keys.get_mut(name)
        && flag_trusted
    {
        for number in &recorded {
            if let Some(v) = key.version_mut(*number) {
                v.source = Some(source.clone());
            }
        }
        for (number, at) in &flagging {
            if let Some(v) = key.version_mut(*number) {
                v.compromised = Some(Tombstone {
                    at: *at,
                    reason: Some("flagged compromised by the sender".into()),
                });
            }
        }
    }
    let mut added = Vec::new();
    if existing.is_none() && !adding.is_empty() {
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
    for ((version, material), outcome) in metadata.versions.iter().zip(&materials).zip(&outcomes) {
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
    let skipped: Vec<u32> = metadata
        .versions
        .iter()
        .map(|v| v.version)
        .filter(|n| !added.contains(n))
        .collect();
    let summary = ImportSummary {
        name,
        metadata,
        added: &added,
        skipped: &skipped,
        signer_fp: signer_fp.as_deref(),
        verified: trusted.is_some(),
        new_primary,
        kept_primary: existing
            .as_ref()
            .filter(|_| new_primary.is_none())
            .map(|k| k.primary),
    };
    if added.is_empty() && new_primary.is_none() && flagged.is_empty() && recorded.is_empty() {
        return print_import_summary(ctx, &summary);
    }
    // A new key follows the sender's primary when the bundle holds it, else
    // takes its highest version. An existing key's primary moves only with
    // --make-primary: importing adds versions, switching is a rotation.
    let key = keyring.doc.keys.get_mut(name).expect("created above");
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
            .detail(format!(
                "bundle from keyring {} ({}), {}{}{}{}{}",
                metadata.source_keyring,
                metadata.name,
                match (&signer_fp, trusted.is_some()) {
                    (Some(fp), true) => format!("signature by {fp} verified"),
                    (Some(fp), false) => format!("signed by {fp}, not verified"),
                    (None, _) => "unsigned".to_string(),
                },
                if existing.is_some() && trusted.is_none() {
                    ", added to an existing key with --add-unverified-versions"
                } else {
                    ""
                },
                new_primary
                    .map(|p| format!(", primary now version {p}"))
                    .unwrap_or_default(),
                if flagged.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", flagged compromised as the sender flagged them: versions {flagged:?}"
                    )
                },
                if recorded.is_empty() {
                    String::new()
                } else {
                    format!(", origin recorded for versions {recorded:?} imported earlier")
                }
            )),
    );
    session.commit()?;
    if !recorded.is_empty() {
        ctx.note(format!(
            "key '{name}': recorded that version{} {} came from key '{}' of keyring {}",
            if recorded.len() == 1 { "" } else { "s" },
            recorded
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            source.key,
            source.keyring
        ));
    }
    if !flagged.is_empty() {
        ctx.warn(format!(
            "key '{name}': the bundle flags version{} {} compromised, and so does this keyring now; {}",
            if flagged.len() == 1 { "" } else { "s" },
            flagged.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
            "they still decrypt, with a warning: `keycask rekey` your envelopes"
        ));
    }
    print_import_summary(ctx, &summary)
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
            adding
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
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
    if let Some((holder, _, local)) = keyring.doc.find_version_id(&version.id) {
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

/// What `import --bundle` reports.
struct ImportSummary<'a> {
    name: &'a str,
    metadata: &'a Metadata,
    added: &'a [u32],
    skipped: &'a [u32],
    signer_fp: Option<&'a str>,
    verified: bool,
    /// Set when --make-primary moved an existing key's primary.
    new_primary: Option<u32>,
    /// An existing key's primary, when it did not move.
    kept_primary: Option<u32>,
}

fn print_import_summary(ctx: &Context, summary: &ImportSummary) -> Result<()> {
    let ImportSummary {
        name,
        metadata,
        added,
        skipped,
        signer_fp,
        verified,
        new_primary,
        kept_primary,
    } = *summary;
    if ctx.json {
        return output::print_json(&json!({
            "schema": "keycask.import/1",
            "name": name,
            "algorithm": metadata.algorithm.as_str(),
            "purpose": metadata.purpose.as_str(),
            "origin": "imported",
            "source_keyring": metadata.source_keyring,
            "versions": added,
            "already_present": skipped,
            "version_ids": metadata.versions.iter().filter(|v| added.contains(&v.version)).map(|v| v.id.clone()).collect::<Vec<_>>(),
            "signer_fingerprint": signer_fp,
            "signature_verified": verified,
        }));
    }
    let list = |n: &[u32]| n.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    if let Some(primary) = new_primary {
        ctx.report(format_args!(
            "key {name}: primary is now version {primary}, the sender's primary"
        ))?;
    }
    if added.is_empty() {
        if new_primary.is_some() {
            return Ok(());
        }
        ctx.report(format_args!(
            "nothing to import: key {name} already holds version{} {} of this bundle",
            if skipped.len() == 1 { "" } else { "s" },
            list(skipped)
        ))?;
        return Ok(());
    }
    ctx.report(format_args!(
        "imported key {name} ({}, {}) version{} {} from keyring {}{}",
        metadata.algorithm,
        metadata.purpose,
        if added.len() == 1 { "" } else { "s" },
        list(added),
        metadata.source_keyring,
        match (signer_fp, verified) {
            (Some(fp), true) => format!("; signature by {fp} verified"),
            _ => String::new(),
        }
    ))?;
    if !skipped.is_empty() {
        ctx.report(format_args!(
            "already present: version{} {}",
            if skipped.len() == 1 { "" } else { "s" },
            list(skipped)
        ))?;
    }
    if let Some(kept) = kept_primary
        && kept != metadata.primary
        && metadata
            .versions
            .iter()
            .any(|v| v.version == metadata.primary)
    {
        ctx.report(format_args!(
            "primary stays version {kept}; the sender's primary is version {}: import again with --make-primary to switch",
            metadata.primary
        ))?;
    }
    Ok(())
}
