//! Recipient envelopes: `wrap --to FILE.pem`, `wrap -k NAME` with a P-256
//! or RSA encryption key, and `unwrap` of a stanza sealed to a key of this
//! keyring. Sealing reads only public keys: no keyring is needed for
//! `--to`, and no unlock for `-k` with an asymmetric key.

use anyhow::Result;

use crate::envelope::{Header, RecipientStanza};
use crate::error::Failure;
use crate::key::Purpose;
use crate::keyring::{Key, Keyring, VersionState};

/// `-k NAME` with an asymmetric key: its primary version's public key.
/// `None` for a symmetric key (a key stanza, which needs the unlocked
/// keyring). Refuses (exit 4) keys that are not for encryption and
/// primaries that cannot be used.
pub fn of_key(doc: &Keyring, name: &str) -> Result<Option<Recipient>> {
    let key = crate::keyring::find_key(doc, name)?;
    if key.algorithm.is_symmetric() {
        return Ok(None);
    }
    if let Some(t) = &key.destroyed {
        return Err(
            Failure::key_unusable(format!("key '{name}' was destroyed{}", t.note())).into(),
        );
    }
    if key.purpose != Purpose::Encrypt {
        return Err(Failure::key_unusable(format!(
            "key '{name}' is {} key with purpose {}: only encrypt keys wrap data",
            key.algorithm.with_article(),
            key.purpose
        ))
        .hint(format!(
            "a recipient key is made with `keycask keygen NAME --type {} --purpose encrypt`",
            key.algorithm
        ))
        .into());
    }
    let version = key
        .primary_version()
        .ok_or_else(|| Failure::keyring(format!("key '{name}' has no primary version")))?;
    if version.state != VersionState::Enabled {
        return Err(Failure::key_unusable(format!(
            "version {} of key '{name}' (its primary) is {}",
            version.version, version.state
        ))
        .hint(format!(
            "make a new primary version with `keycask rotate {name}`"
        ))
        .into());
    }
    Ok(Some(Recipient::of_version(name, version)?))
}

pub use crate::crypto::material::fingerprint_text;
pub use crate::sealed::{Recipient, find_by_fingerprint, open};

/// The first recipient stanza of `header` that a key of `doc` holds (of key
/// `wanted`, when given), with that key's name and version number.
pub fn local_stanza<'h>(
    doc: &Keyring,
    header: &'h Header,
    wanted: Option<&str>,
) -> Result<Option<(&'h RecipientStanza, String, u32)>, Failure> {
    for stanza in header.recipients() {
        if let Some((name, _, version)) = find_by_fingerprint(doc, &stanza.fingerprint)?
            && wanted.is_none_or(|w| w == name)
        {
            return Ok(Some((stanza, name.to_string(), version.version)));
        }
    }
    Ok(None)
}

/// Refuses a key that holds a recipient stanza's private key but may not
/// decrypt data: a sign or transport key (exit 4).
pub fn check_purpose(name: &str, key: &Key) -> Result<(), Failure> {
    if key.purpose != Purpose::Encrypt {
        return Err(Failure::key_unusable(format!(
            "the envelope is sealed to key '{name}', whose purpose is {}: only encrypt keys open envelopes",
            key.purpose
        )));
    }
    Ok(())
}

/// Why an envelope sealed only to recipients does not open here (exit 4).
pub fn none_held(header: &Header, input: &str) -> Failure {
    let prints: Vec<String> = header
        .recipients()
        .map(|r| fingerprint_text(&r.fingerprint))
        .collect();
    Failure::key_unusable(format!(
        "{input}: none of the envelope's {} recipient keys is a key of this keyring ({})",
        prints.len(),
        prints.join(", ")
    ))
    .hint("`keycask inspect FILE` lists its recipients; name the keyring that holds one with --keyring PATH")
}
