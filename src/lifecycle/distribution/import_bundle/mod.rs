//! `import --bundle`: a sealed key bundle from another keyring, into a new
//! key or the same key imported before. Here the bundle is verified and
//! opened; `plan.rs` decides what it changes (pure), `apply.rs` changes
//! and reports it.

mod apply;
mod plan;

use std::path::Path;

use anyhow::Result;

use crate::Context;
use crate::bundle::{self, Bundle, Metadata};
use crate::clock;
use crate::crypto::asymmetric::{self, PublicKey};
use crate::error::Failure;
use crate::input::read_limited;
use crate::key::{Purpose, validate_key_name};
use crate::keyring::{Session, Unlocked, VersionState};
use crate::secret::SecretBytes;

use super::{MAX_BUNDLE_LEN, read_public_pem};
use apply::{apply, warn_unapplied};
use plan::plan;

/// How `import --bundle` was asked to treat the bundle.
pub(super) struct BundleImport<'a> {
    pub(super) transport_key: &'a str,
    pub(super) verify_with: Option<&'a Path>,
    pub(super) as_name: Option<&'a str>,
    pub(super) add_unverified: bool,
    pub(super) make_primary: bool,
}

/// `import --bundle`, in four steps: verify the bundle's origin, open it
/// with the transport key, plan what it changes (pure: nothing is written
/// and nothing printed), and apply the plan.
pub(super) fn import_bundle(
    ctx: &Context,
    path: Option<&Path>,
    options: BundleImport,
) -> Result<()> {
    let bytes = read_limited(path, MAX_BUNDLE_LEN, "a key bundle")?;
    let trusted = options
        .verify_with
        .map(|path| read_public_pem(ctx, path))
        .transpose()?;
    let parsed = Bundle::parse(&bytes)?;
    // Origin first: a bundle that fails its signature is not opened. The
    // warning about an unverified origin waits until the bundle opened.
    let origin_warning = verify_origin(trusted.as_ref(), &parsed)?;
    let name = target_name(&parsed.metadata, &options)?;

    let session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let materials = open_bundle(&session.keyring, options.transport_key, &parsed)?;
    if let Some(warning) = origin_warning {
        ctx.warn(warning);
    }
    let plan = plan(
        &session.keyring,
        name,
        &parsed,
        &materials,
        trusted.is_some(),
        &options,
    )?;
    warn_unapplied(ctx, &plan);
    apply(ctx, session, &plan, &materials)
}

/// Checks the bundle's signature against `--verify-with`, if given, and
/// returns the warning to give once the bundle opened when its origin is
/// unverified.
fn verify_origin(trusted: Option<&PublicKey>, parsed: &Bundle) -> Result<Option<String>> {
    Ok(match (trusted, &parsed.signer) {
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
    })
}

/// The name the bundle's key takes here (`--as`, or the sender's), once the
/// bundle's dates are checked.
fn target_name<'a>(metadata: &'a Metadata, options: &BundleImport<'a>) -> Result<&'a str> {
    metadata.check_dates(clock::now()?)?;
    let name = options.as_name.unwrap_or(&metadata.name);
    validate_key_name(name).map_err(|e| {
        Failure::usage(format!(
            "the bundle names its key '{}', not a valid key name",
            crate::error::untrusted(&metadata.name)
        ))
        .hint(e.hint.unwrap_or_default() + "; import it with --as NAME")
    })?;
    if name == options.transport_key {
        return Err(Failure::usage(format!(
            "refusing to import into key '{name}': it is the --with transport key that opens the bundle"
        ))
        .hint("a bundle never changes the key it is sealed to; import it under another name with --as NAME")
        .into());
    }
    Ok(name)
}

/// Opens the bundle with the version of the transport key whose public key
/// it is sealed to.
fn open_bundle(
    keyring: &Unlocked,
    transport_key: &str,
    parsed: &Bundle,
) -> Result<Vec<SecretBytes>> {
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
    Ok(materials)
}
