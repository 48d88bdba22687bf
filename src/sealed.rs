//! The keyring's recipient keys: which key version a recipient stanza is
//! sealed to (by the fingerprint of its public key), and opening it with
//! that version's private key; and [`Recipient`], a public key a content
//! key is sealed to. Shared by `wrap`, `unwrap` and `rekey`.

use std::collections::HashMap;
use std::path::Path;

use crate::crypto::asymmetric::{self, PrivateKey, PublicKey};
use crate::crypto::material::fingerprint_text;
use crate::envelope::recipient::{self, OpenWith};
use crate::envelope::{Cek, EnvelopeError, Header, RecipientStanza};
use crate::error::Failure;
use crate::keyring::{Key, KeyVersion, Keyring, Unlocked, malformed_key};

/// At most this many bytes are read from a `--to` file.
const MAX_PEM_LEN: u64 = 1 << 20;

/// A public key an envelope is sealed to, and what to call it in messages:
/// a `--to FILE.pem`, or a key version of this keyring.
pub struct Recipient {
    pub public: PublicKey,
    pub fingerprint: [u8; 32],
    pub label: String,
}

impl Recipient {
    pub fn new(public: PublicKey, label: String) -> Recipient {
        Recipient {
            fingerprint: crate::bundle::spki_fingerprint(&public),
            public,
            label,
        }
    }

    /// `--to FILE`: a PEM public key (SPKI, as `export --public` writes it;
    /// PKCS#1 RSA too). Anything else is a usage error (exit 2).
    pub fn from_pem_file(path: &Path) -> anyhow::Result<Recipient> {
        let label = path.display().to_string();
        let text = crate::input::read_limited(Some(path), MAX_PEM_LEN, "a public key")?;
        let public = PublicKey::from_pem(&text, &label)?;
        Ok(Recipient::new(public, label))
    }

    /// The public key of version `version` of key `name`.
    pub fn of_version(name: &str, version: &KeyVersion) -> anyhow::Result<Recipient> {
        let public = PublicKey::of_version(name, version)?;
        Ok(Recipient::new(
            public,
            format!("key '{name}' version {}", version.version),
        ))
    }

    /// Seals `cek` to this recipient for `header`.
    pub fn seal(&self, header: &Header, cek: &Cek) -> Result<RecipientStanza, Failure> {
        recipient::seal(header, (&self.public).into(), self.fingerprint, cek)
            .map_err(|_| Failure::other(format!("cannot seal the content key to {}", self.label)))
    }
}

/// What the text of every key that has a public key holds: only those
/// keys are parsed to find a fingerprint.
const PUBLIC_KEY_MEMBER: &str = "\"public_key\"";

/// Every asymmetric key version of `doc` by the fingerprint of its public
/// key (SHA-256 of the SubjectPublicKeyInfo DER): key name and version
/// number. For a document read with every key checked (`file::read`).
pub fn fingerprint_index(doc: &Keyring) -> HashMap<[u8; 32], (&str, u32)> {
    doc.keys
        .iter_mentioning(PUBLIC_KEY_MEMBER)
        .flatten()
        .filter(|(_, key)| !key.algorithm.is_symmetric())
        .flat_map(|(name, key)| {
            key.versions.iter().filter_map(move |v| {
                let public = PublicKey::of_version(name, v).ok()?;
                Some((
                    crate::bundle::spki_fingerprint(&public),
                    (name.as_str(), v.version),
                ))
            })
        })
        .collect()
}

/// The key version of `doc` whose public key has `fingerprint`. Only the
/// keys that have a public key are parsed; one of them that is malformed is
/// an error (exit 5).
pub fn find_by_fingerprint<'d>(
    doc: &'d Keyring,
    fingerprint: &[u8; 32],
) -> Result<Option<(&'d str, &'d Key, &'d KeyVersion)>, Failure> {
    for entry in doc.keys.iter_mentioning(PUBLIC_KEY_MEMBER) {
        let (name, key) = entry.map_err(|(name, problem)| malformed_key(&name, &problem))?;
        if key.algorithm.is_symmetric() {
            continue;
        }
        let found = key.versions.iter().find(|v| {
            PublicKey::of_version(name, v)
                .is_ok_and(|public| crate::bundle::spki_fingerprint(&public) == *fingerprint)
        });
        if let Some(v) = found {
            return Ok(Some((name.as_str(), key, v)));
        }
    }
    Ok(None)
}

/// Opens a recipient stanza with the private key of version `number` of
/// key `name` (the keyring unlocked), and checks the header MAC.
pub fn open(
    keyring: &Unlocked,
    header: &Header,
    stanza: &RecipientStanza,
    name: &str,
    number: u32,
) -> Result<Cek, EnvelopeError> {
    let material = keyring
        .material(name, number)
        .map_err(|_| EnvelopeError::Damaged)?;
    let private =
        asymmetric::private_from_material(&material).map_err(|_| EnvelopeError::Damaged)?;
    let with = match &private {
        PrivateKey::P256(secret) => OpenWith::P256(secret),
        PrivateKey::Rsa(secret) => OpenWith::Rsa(secret),
    };
    recipient::open(header, stanza, with)
}

/// Seals `cek` for `header` to the public key of version `version` of key
/// `name`: the stanza that `rekey` puts in place of an older version's.
pub fn seal_to_version(
    header: &Header,
    name: &str,
    version: &KeyVersion,
    cek: &Cek,
) -> Result<RecipientStanza, String> {
    let recipient = Recipient::of_version(name, version).map_err(|e| e.to_string())?;
    recipient.seal(header, cek).map_err(|e| e.message)
}

/// What envelopes name version `v` of key `name` by: its version id (key
/// stanzas) and, for an asymmetric key, `SHA256:<hex>` of its public key
/// (recipient stanzas). For `destroy --check` and `rekey --dry-run`.
pub fn dependency_ids(name: &str, v: &KeyVersion) -> Vec<String> {
    let mut ids = vec![v.id.clone()];
    if let Ok(public) = PublicKey::of_version(name, v) {
        ids.push(fingerprint_text(&crate::bundle::spki_fingerprint(&public)));
    }
    ids
}
