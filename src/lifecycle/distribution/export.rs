//! `export`: a public key as PEM or JWK, or key material sealed to a
//! recipient in a key bundle, optionally signed.

use std::fmt;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use serde_json::json;

use crate::Context;
use crate::bundle::{self, Metadata, VersionMetadata};
use crate::clock;
use crate::crypto::asymmetric::{self, PrivateKey, PublicKey};
use crate::error::Failure;
use crate::key::Purpose;
use crate::keyring::{Event, KeyVersion, Session, Unlocked, VersionState, open_read_only};
use crate::lifecycle::common::version_list;
use crate::output;
use crate::output::Output;

use super::{
    ExportRequest, PublicFormat, read_public_pem, refuse_binary_terminal, version_or_fail,
};

pub fn export(ctx: &Context, request: &ExportRequest) -> Result<()> {
    match request {
        ExportRequest::Public {
            name,
            version,
            format,
            output,
        } => export_public(ctx, name, *version, *format, output.as_deref()),
        ExportRequest::Sealed {
            name,
            recipient,
            sign_with,
            version,
            output,
        } => export_sealed(
            ctx,
            name,
            recipient,
            sign_with.as_deref(),
            *version,
            output.as_deref(),
        ),
    }
}

fn export_public(
    ctx: &Context,
    name: &str,
    version: Option<u32>,
    format: PublicFormat,
    output: Option<&Path>,
) -> Result<()> {
    // Unlocked so that the public key handed out is covered by the
    // keyring's integrity MAC: a swapped public key would be a trap.
    let keyring = open_read_only(&ctx.keyring_path, &ctx.sources)?;
    let key = keyring.key(name)?;
    if key.algorithm.is_symmetric() {
        return Err(Failure::key_unusable(format!(
            "key '{name}' is {}: a symmetric key has no public half",
            key.algorithm
        ))
        .hint(format!(
            "to move it to another keyring, seal it to the recipient: keycask export {name} --to RECIPIENT.pem"
        ))
        .into());
    }
    let v = version_or_fail(name, key, version.unwrap_or(key.primary))?;
    if v.state != VersionState::Enabled {
        ctx.warn(format!(
            "version {} of key '{name}' is {}: it no longer signs or receives",
            v.version, v.state
        ));
    }
    let public = PublicKey::of_version(name, v)?;
    // Only the public half leaves: a usage event, logged when asked for.
    // (A sealed export of material is always recorded, by its session.)
    crate::keyring::record_usage(
        &ctx.keyring_path,
        &ctx.sources,
        &keyring,
        Event::new("export")
            .key(name)
            .versions([v.version])
            .detail("public key"),
    )?;
    let text = match format {
        PublicFormat::Pem => public.to_pem(),
        PublicFormat::Jwk => {
            let jwk = public.to_jwk(&v.id, key.purpose == Purpose::Sign);
            format!("{}\n", serde_json::to_string_pretty(&jwk)?)
        }
    };
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.export-public/1",
            "name": name,
            "version": v.version,
            "version_id": v.id,
            "algorithm": key.algorithm.as_str(),
            "purpose": key.purpose.as_str(),
            "fingerprint": public.fingerprint(),
            "pem": public.to_pem(),
            "jwk": public.to_jwk(&v.id, key.purpose == Purpose::Sign),
        }))?;
        if let Some(path) = output {
            Output::write(Some(path), Output::PUBLIC_KEY, text.as_bytes())?;
        }
        return Ok(());
    }
    Output::write(output, Output::PUBLIC_KEY, text.as_bytes())?;
    let summary = format!(
        "public key of {name} version {}: {} {}",
        v.version,
        public.describe(),
        public.fingerprint()
    );
    if let Some(path) = output {
        ctx.report(format_args!("wrote {summary} -> {}", path.display()))?;
    } else if ctx.verbose > 0 {
        ctx.note(summary);
    }
    Ok(())
}

/// A sign-purpose key's primary version, as a private key.
fn signing_key(keyring: &Unlocked, name: &str) -> Result<PrivateKey> {
    let key = keyring.key(name)?;
    if key.purpose != Purpose::Sign {
        return Err(Failure::key_unusable(format!(
            "--sign-with key '{name}' has purpose {}; signing a bundle needs a key of purpose sign",
            key.purpose
        ))
        .into());
    }
    let v = key
        .primary_version()
        .filter(|v| v.state == VersionState::Enabled)
        .ok_or_else(|| {
            Failure::key_unusable(format!("key '{name}' has no enabled primary version"))
        })?;
    Ok(asymmetric::private_from_material(
        &keyring.material(name, v.version)?,
    )?)
}

fn export_sealed(
    ctx: &Context,
    name: &str,
    recipient_path: &Path,
    sign_with: Option<&str>,
    version: Option<u32>,
    output: Option<&Path>,
) -> Result<()> {
    refuse_binary_terminal(output)?;
    let recipient = read_public_pem(ctx, recipient_path)?;
    // A session, not a read-only open: sending key material away is an
    // event for the audit log.
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let now = session.now();
    let keyring = &session.keyring;
    let key = keyring.key(name)?;
    if let Some(tombstone) = &key.destroyed {
        return Err(Failure::key_unusable(format!(
            "key '{name}' was destroyed on {}",
            clock::format_date(tombstone.at)
        ))
        .into());
    }
    let chosen: Vec<&KeyVersion> = match version {
        Some(number) => {
            let v = version_or_fail(name, key, number)?;
            if v.state != VersionState::Enabled {
                return Err(Failure::key_unusable(format!(
                    "version {number} of key '{name}' is {}: only enabled versions are exported",
                    v.state
                ))
                .into());
            }
            vec![v]
        }
        None => key
            .versions
            .iter()
            .filter(|v| v.state == VersionState::Enabled)
            .collect(),
    };
    if chosen.is_empty() {
        return Err(Failure::key_unusable(format!(
            "key '{name}' has no enabled version to export"
        ))
        .into());
    }
    let mut materials = Vec::new();
    let mut versions = Vec::new();
    for v in &chosen {
        if v.compromised.is_some() {
            ctx.warn(format!(
                "version {} of key '{name}' is flagged compromised; the bundle carries the flag",
                v.version
            ));
        }
        materials.push(keyring.material(name, v.version)?);
        versions.push(VersionMetadata {
            version: v.version,
            id: v.id.clone(),
            created: v.created,
            public_key: v.public_key.clone(),
            compromised: v.compromised.as_ref().map(|t| t.at),
        });
    }
    let metadata = Metadata {
        kind: bundle::METADATA_KIND.into(),
        format: bundle::FORMAT_VERSION,
        source_keyring: keyring.doc.keyring_id.clone(),
        exported: now,
        name: name.to_string(),
        algorithm: key.algorithm,
        purpose: key.purpose,
        created: key.created,
        rotation_period: key.rotation_period,
        primary: key.primary,
        versions,
    };
    let signer = sign_with.map(|s| signing_key(keyring, s)).transpose()?;
    let sealed = bundle::seal(&metadata, &materials, &recipient, signer.as_ref())?;
    drop(materials);
    let numbers: Vec<u32> = chosen.iter().map(|v| v.version).collect();
    let signer_fp = signer.as_ref().map(|s| s.public_key().fingerprint());
    let detail = format!(
        "sealed to {} {}{}",
        recipient.describe(),
        recipient.fingerprint(),
        match (&sign_with, &signer_fp) {
            (Some(s), Some(fp)) => format!(", signed by {s} {fp}"),
            _ => String::new(),
        }
    );
    session.record(
        Event::new("export")
            .key(name)
            .versions(numbers.clone())
            .detail(detail.clone()),
    );
    // Audited before the bundle leaves: a failure to record stops the export.
    session.commit()?;
    Output::write(output, Output::SECRET, &sealed)?;

    match output {
        Some(path) => ctx.emit(&ExportBundleReport {
            schema: "keycask.export-bundle/1",
            name,
            versions: &numbers,
            recipient: recipient.describe(),
            recipient_fingerprint: recipient.fingerprint(),
            signer_fingerprint: signer_fp.as_deref(),
            output: path,
            signer: sign_with,
        })?,
        // The bundle went to stdout: no report.
        None if ctx.verbose > 0 => ctx.note(format!("sealed key {name} {detail}")),
        None => {}
    }
    Ok(())
}

/// What `export --to -o FILE` reports: `keycask.export-bundle/1`
/// (docs/JSON.md).
#[derive(Serialize)]
struct ExportBundleReport<'a> {
    schema: &'static str,
    name: &'a str,
    versions: &'a [u32],
    recipient: String,
    recipient_fingerprint: String,
    signer_fingerprint: Option<&'a str>,
    output: &'a Path,
    /// The key that signed the bundle (`--sign-with`), for the text.
    #[serde(skip)]
    signer: Option<&'a str>,
}

impl fmt::Display for ExportBundleReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sealed key {} version{} {} to {} {}{} -> {}",
            self.name,
            if self.versions.len() == 1 { "" } else { "s" },
            version_list(self.versions),
            self.recipient,
            self.recipient_fingerprint,
            self.signer_fingerprint
                .map(|fp| format!(", signed by {} {fp}", self.signer.unwrap_or_default()))
                .unwrap_or_default(),
            self.output.display()
        )
    }
}
