//! Key bundles: a key's metadata and the material of some of its versions,
//! sealed to a recipient's public key and optionally signed by the sender
//! (`docs/FORMAT.md`, "Key bundles", specifies every byte).
//!
//! - P-256 recipients: ECDH-ES with a fresh ephemeral key, HKDF-SHA256,
//!   AES-256-GCM.
//! - RSA recipients: a fresh 256-bit content key wrapped with RSA-OAEP
//!   (SHA-256, MGF1-SHA-256), AES-256-GCM.
//!
//! Everything before the ciphertext (recipient, metadata, signer) is the
//! AEAD's associated data; the optional signature covers every byte before
//! it. A bundle whose bytes changed anywhere fails to open.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::clock::{self, Timestamp};
use crate::crypto;
use crate::crypto::asymmetric::{self, PrivateKey, PublicKey};
use crate::error::Failure;
use crate::key::{Algorithm, MAX_VERSION, Purpose, rfc3339, rfc3339_opt};
use crate::secret::{SecretBytes, SecretKey32};

pub const MAGIC: &[u8; 8] = b"KCBUNDLE";
/// Version 2: the signature covers [`SIGNATURE_CONTEXT`] and is made with
/// SHA-384, so that no signature `keycask sign` makes can be a bundle
/// signature (version 1 signed SHA-256 of the bytes, as `sign` does: a
/// file signature could be turned into a signed bundle).
pub const FORMAT_VERSION: u8 = 2;
/// The withdrawn format, refused with the reason and the way forward.
pub const WITHDRAWN_VERSION: u8 = 1;
/// What a bundle signature signs before the bundle's bytes: its namespace
/// (as SSHSIG's `namespace`). The hash is SHA-384, never the SHA-256 that
/// `sign` uses; `docs/distribution.md` explains why both are needed.
pub const SIGNATURE_CONTEXT: &[u8] = b"keycask bundle signature v2\0";
pub const METADATA_KIND: &str = "keycask-key-bundle";

/// How the content key reaches the recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// ECDH-ES on P-256, HKDF-SHA256, AES-256-GCM.
    EcdhEsP256 = 1,
    /// RSA-OAEP-SHA256 wrapping an AES-256-GCM key.
    RsaOaepSha256 = 2,
}

impl Scheme {
    fn from_byte(byte: u8) -> Option<Scheme> {
        match byte {
            1 => Some(Scheme::EcdhEsP256),
            2 => Some(Scheme::RsaOaepSha256),
            _ => None,
        }
    }
}

/// What the bundle says about the key, in the clear and authenticated.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Always `keycask-key-bundle`.
    pub kind: String,
    pub format: u8,
    /// The id of the keyring the key was exported from.
    pub source_keyring: String,
    #[serde(with = "rfc3339")]
    pub exported: Timestamp,
    pub name: String,
    pub algorithm: Algorithm,
    pub purpose: Purpose,
    #[serde(with = "rfc3339")]
    pub created: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_period: Option<u64>,
    /// The sender's primary version number.
    pub primary: u32,
    /// The versions whose material the payload holds, in payload order.
    pub versions: Vec<VersionMetadata>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VersionMetadata {
    pub version: u32,
    /// 128 bits, hex: the id envelopes name.
    pub id: String,
    #[serde(with = "rfc3339")]
    pub created: Timestamp,
    /// For asymmetric keys: SPKI DER, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// When the sender flagged the version compromised.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rfc3339_opt")]
    pub compromised: Option<Timestamp>,
}

fn is_id(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Metadata {
    /// What a sender's keycask always writes: known kind and format, a
    /// purpose the algorithm allows, at least one version, version numbers
    /// and ids well formed and unique, public keys exactly for asymmetric keys.
    fn is_well_formed(&self) -> bool {
        let mut numbers = std::collections::BTreeSet::new();
        let mut ids = std::collections::BTreeSet::new();
        self.kind == METADATA_KIND
            && self.format == FORMAT_VERSION
            && is_id(&self.source_keyring)
            && self.algorithm.allowed_purposes().contains(&self.purpose)
            && self.primary >= 1
            && !self.versions.is_empty()
            && self.versions.iter().all(|v| {
                v.version >= 1
                    && is_id(&v.id)
                    && numbers.insert(v.version)
                    && ids.insert(v.id.as_str())
                    && v.public_key.is_some() != self.algorithm.is_symmetric()
            })
    }
}

impl Metadata {
    /// Version numbers above [`MAX_VERSION`] are never made by keycask: a
    /// bundle naming one is crafted, and would leave the key one rotation
    /// away from a wrapped-around number. Said plainly: the metadata is in
    /// the clear, so naming the number reveals nothing.
    fn check_version_ceiling(&self) -> Result<(), Failure> {
        let highest = self
            .versions
            .iter()
            .map(|v| v.version)
            .chain([self.primary])
            .max()
            .unwrap_or(0);
        if highest > MAX_VERSION {
            return Err(Failure::auth(format!(
                "the bundle names version {highest}, above {MAX_VERSION}, the highest version number keycask gives: it was not made by keycask"
            ))
            .hint("refuse it; if you trust its sender, ask them how it was made"));
        }
        // Likewise a rotation period keycask would not take from `keygen`.
        if let Some(period) = self
            .rotation_period
            .filter(|p| *p == 0 || *p > clock::MAX_DURATION)
        {
            return Err(Failure::auth(format!(
                "the bundle sets a rotation period of {period} seconds, outside what keycask takes (1 second to 100 years): it was not made by keycask"
            ))
            .hint("refuse it; if you trust its sender, ask them how it was made"));
        }
        Ok(())
    }

    /// The dates a bundle sets on the key and its versions: none may lie
    /// in the future beyond [`CLOCK_SKEW`] (a version created in the year
    /// 9999 would never fall due for rotation).
    pub fn check_dates(&self, now: Timestamp) -> Result<(), Failure> {
        let limit = now.saturating_add(CLOCK_SKEW);
        let future = std::iter::once(("the key".to_string(), self.created))
            .chain(self.versions.iter().flat_map(|v| {
                [
                    Some((format!("version {}", v.version), v.created)),
                    v.compromised
                        .map(|at| (format!("the compromise flag of version {}", v.version), at)),
                ]
                .into_iter()
                .flatten()
            }))
            .find(|(_, at)| *at > limit);
        match future {
            Some((what, at)) => Err(Failure::auth(format!(
                "the bundle dates {what} {}, in the future (now is {}): refusing dates the key would be judged by",
                clock::format_time(at),
                clock::format_time(now)
            ))
            .hint(
                "if the sender's clock is wrong, ask them to fix it and export again; if yours is, fix it",
            )),
            None => Ok(()),
        }
    }
}

/// How far in the future a bundle may date the key and its versions: one
/// day, for clocks that disagree and time zones got wrong.
pub const CLOCK_SKEW: u64 = 86_400;

/// The one error for every way a bundle can be damaged: no oracle about
/// which check failed.
fn damaged() -> Failure {
    Failure::auth("the bundle is damaged, tampered with, or not a keycask key bundle")
        .hint("ask the sender for a fresh bundle; check it arrived byte for byte")
}

fn hkdf_info() -> &'static [u8] {
    b"keycask/bundle/v1 ECDH-ES P-256 AES-256-GCM"
}

/// The payload key of an ECDH-ES bundle, from the shared secret, the
/// ephemeral point and the recipient's fingerprint.
fn ecdh_payload_key(
    shared: &SecretKey32,
    ephemeral: &[u8],
    recipient_fp: &[u8; 32],
) -> SecretKey32 {
    let mut salt = ephemeral.to_vec();
    salt.extend_from_slice(recipient_fp);
    crypto::hkdf_sha256(shared.expose_secret(), Some(&salt), hkdf_info())
}

/// What a bundle signature signs: SHA-384 of [`SIGNATURE_CONTEXT`] followed
/// by the signed bytes. Both halves matter. The context alone would not do:
/// `keycask sign` signs SHA-256 of any file, and a file holding the context
/// and a bundle body would hash to a SHA-256 context digest. The hash alone
/// would leave no namespace for a later SHA-384 signature. With both, a
/// file signature (an ECDSA or PSS signature over a SHA-256 digest) and a
/// bundle signature (over a SHA-384 digest) never verify as each other
/// short of a preimage of one hash in the other.
fn signature_digest(signed: &[u8]) -> [u8; 48] {
    use sha2::Digest as _;
    let mut hash = sha2::Sha384::new();
    hash.update(SIGNATURE_CONTEXT);
    hash.update(signed);
    hash.finalize().into()
}

/// Signs a bundle: ECDSA P-256 over the SHA-384 digest (RFC 6979, low-S,
/// DER), or RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt.
fn sign_bundle(signer: &PrivateKey, signed: &[u8]) -> anyhow::Result<Vec<u8>> {
    use p256::ecdsa::signature::hazmat::PrehashSigner as _;
    let digest = signature_digest(signed);
    match signer {
        PrivateKey::P256(key) => {
            let signature: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(key)
                .sign_prehash(&digest)
                .map_err(|e| Failure::other(format!("ECDSA signing failed: {e}")))?;
            Ok(signature.normalize_s().to_der().as_bytes().to_vec())
        }
        PrivateKey::Rsa(key) => Ok(key
            .pss_sign_prehash_with_rng::<sha2::Sha384, _>(&mut crate::random::os_rng(), &digest)
            .map_err(|e| Failure::other(format!("RSA signing failed: {e}")))?),
    }
}

/// Checks a bundle signature made by [`sign_bundle`]: strict DER for ECDSA,
/// exactly a 48-byte salt for PSS.
fn verify_bundle(signer: &PublicKey, signed: &[u8], signature: &[u8]) -> Result<(), ()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
    let digest = signature_digest(signed);
    match signer {
        PublicKey::P256(key) => {
            let parsed = p256::ecdsa::DerSignature::from_bytes(signature).map_err(|_| ())?;
            let fixed = p256::ecdsa::Signature::try_from(parsed).map_err(|_| ())?;
            if fixed.to_der().as_bytes() != signature {
                return Err(());
            }
            p256::ecdsa::VerifyingKey::from(key)
                .verify_prehash(&digest, &fixed)
                .map_err(|_| ())
        }
        PublicKey::Rsa(key) => key
            .verify(
                rsa::Pss::<sha2::Sha384> {
                    blinded: false,
                    digest: <sha2::Sha384 as sha2::Digest>::new(),
                    salt_len: Some(48),
                },
                &digest,
                signature,
            )
            .map_err(|_| ()),
    }
}

/// The SHA-256 of a public key's SPKI DER.
pub fn spki_fingerprint(public: &PublicKey) -> [u8; 32] {
    crypto::sha256(&public.to_spki_der())
}

fn push_u16(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).expect("field fits in 64 KiB");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

fn push_u32(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).expect("field fits in 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The payload plaintext: each material behind its 32-bit length. Its
/// room is reserved exactly, up front, so the `Vec` never grows: a
/// reallocation would free a copy of the private keys gathered so far
/// without zeroizing it.
fn payload_plaintext(materials: &[SecretBytes]) -> zeroize::Zeroizing<Vec<u8>> {
    let len = materials.iter().map(|m| 4 + m.len()).sum();
    let mut plaintext = zeroize::Zeroizing::new(Vec::with_capacity(len));
    for material in materials {
        push_u32(&mut plaintext, material.expose_secret());
    }
    debug_assert_eq!(plaintext.capacity(), len, "the payload plaintext grew");
    plaintext
}

/// Seals `materials` (one per `metadata.versions`, same order) to
/// `recipient`, signed by `signer` if given. The plaintext exists only in
/// zeroizing memory.
pub fn seal(
    metadata: &Metadata,
    materials: &[SecretBytes],
    recipient: &PublicKey,
    signer: Option<&PrivateKey>,
) -> anyhow::Result<Vec<u8>> {
    let signer_public = signer.map(PrivateKey::public_key);
    let mut out = seal_body(metadata, materials, recipient, signer_public.as_ref())?;
    if let Some(signer) = signer {
        let signature = sign_bundle(signer, &out)?;
        push_u16(&mut out, &signature);
    }
    Ok(out)
}

/// The bytes a bundle signature covers: the bundle up to the end of its
/// payload, naming `signer` in its signer field (an unsigned bundle when
/// `None`).
fn seal_body(
    metadata: &Metadata,
    materials: &[SecretBytes],
    recipient: &PublicKey,
    signer: Option<&PublicKey>,
) -> anyhow::Result<Vec<u8>> {
    assert_eq!(metadata.versions.len(), materials.len());
    let recipient_fp = spki_fingerprint(recipient);
    let (scheme, encapsulated, payload_key) = match recipient {
        PublicKey::P256(key) => {
            let (point, shared) = asymmetric::ecdh_ephemeral(key);
            let payload_key = ecdh_payload_key(&shared, &point, &recipient_fp);
            (Scheme::EcdhEsP256, point, payload_key)
        }
        PublicKey::Rsa(key) => {
            let cek = SecretKey32::generate();
            let wrapped = asymmetric::oaep_wrap(key, &cek)?;
            (Scheme::RsaOaepSha256, wrapped, cek)
        }
    };
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    out.push(scheme as u8);
    out.extend_from_slice(&recipient_fp);
    push_u16(&mut out, &encapsulated);
    push_u32(&mut out, &serde_json::to_vec(metadata)?);
    let signer_spki = signer.map(PublicKey::to_spki_der);
    push_u16(&mut out, signer_spki.as_deref().unwrap_or_default());

    let plaintext = payload_plaintext(materials);
    let payload = crypto::seal(&payload_key, &plaintext, &out);
    push_u32(&mut out, &payload);
    Ok(out)
}

/// A parsed, not yet opened bundle.
#[derive(Debug)]
pub struct Bundle {
    pub scheme: Scheme,
    pub recipient_fingerprint: [u8; 32],
    encapsulated: Vec<u8>,
    pub metadata: Metadata,
    pub signer: Option<PublicKey>,
    /// The bytes the AEAD authenticates as associated data.
    aad: Vec<u8>,
    payload: Vec<u8>,
    /// The bytes the signature covers, and the signature.
    signed: Vec<u8>,
    signature: Option<Vec<u8>>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Failure> {
        let end = self.at.checked_add(n).ok_or_else(damaged)?;
        let slice = self.bytes.get(self.at..end).ok_or_else(damaged)?;
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, Failure> {
        Ok(self.take(1)?[0])
    }

    fn u16_field(&mut self) -> Result<&'a [u8], Failure> {
        let len = u16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes"));
        self.take(usize::from(len))
    }

    fn u32_field(&mut self) -> Result<&'a [u8], Failure> {
        let len = u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes"));
        self.take(usize::try_from(len).map_err(|_| damaged())?)
    }
}

impl Bundle {
    /// Parses a bundle's structure and metadata. Every failure, whatever
    /// byte caused it, is the same exit-3 error.
    pub fn parse(bytes: &[u8]) -> Result<Bundle, Failure> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(damaged());
        }
        let version = r.u8()?;
        if version == WITHDRAWN_VERSION {
            return Err(Failure::auth(
                "this key bundle is in format version 1, which keycask no longer imports: a version 1 signature could be forged from a file signature made with `keycask sign`, so neither its signature nor its origin can be trusted",
            )
            .hint(format!(
                "ask the sender to upgrade keycask and export the key again (it then writes bundle format version {FORMAT_VERSION}); nothing was imported"
            )));
        }
        if version != FORMAT_VERSION {
            return Err(Failure::auth(format!(
                "unsupported key bundle format version {version} (this keycask reads version {FORMAT_VERSION})"
            ))
            .hint("upgrade keycask, or check the bundle arrived intact"));
        }
        let scheme = Scheme::from_byte(r.u8()?).ok_or_else(damaged)?;
        let recipient_fingerprint: [u8; 32] = r.take(32)?.try_into().expect("32 bytes");
        let encapsulated = r.u16_field()?.to_vec();
        let metadata: Metadata = serde_json::from_slice(r.u32_field()?).map_err(|_| damaged())?;
        if !metadata.is_well_formed() {
            return Err(damaged());
        }
        metadata.check_version_ceiling()?;
        let signer_der = r.u16_field()?;
        let signer = if signer_der.is_empty() {
            None
        } else {
            Some(PublicKey::from_spki_der(signer_der).map_err(|_| damaged())?)
        };
        let aad = bytes[..r.at].to_vec();
        let payload = r.u32_field()?.to_vec();
        let signed = bytes[..r.at].to_vec();
        let signature = match signer {
            Some(_) => Some(r.u16_field()?.to_vec()),
            None => None,
        };
        if r.at != bytes.len() {
            return Err(damaged());
        }
        Ok(Bundle {
            scheme,
            recipient_fingerprint,
            encapsulated,
            metadata,
            signer,
            aad,
            payload,
            signed,
            signature,
        })
    }

    /// Checks the signature against the signer key the bundle names.
    /// Unsigned bundles pass (the caller decides whether that is enough).
    pub fn check_signature(&self) -> Result<(), Failure> {
        match (&self.signer, &self.signature) {
            (Some(signer), Some(signature)) => verify_bundle(signer, &self.signed, signature)
                .map_err(|()| {
                    Failure::auth(
                        "the bundle's signature is not valid: it was changed after signing",
                    )
                }),
            _ => Ok(()),
        }
    }

    /// Decrypts the payload with the recipient's private key: one material
    /// per metadata version, checked against the metadata (AES keys 32 bytes,
    /// private keys matching their public key).
    pub fn open(&self, recipient: &PrivateKey) -> Result<Vec<SecretBytes>, Failure> {
        let payload_key = match (self.scheme, recipient) {
            (Scheme::EcdhEsP256, PrivateKey::P256(secret)) => {
                let shared =
                    asymmetric::ecdh_static(secret, &self.encapsulated).ok_or_else(damaged)?;
                ecdh_payload_key(&shared, &self.encapsulated, &self.recipient_fingerprint)
            }
            (Scheme::RsaOaepSha256, PrivateKey::Rsa(secret)) => {
                asymmetric::oaep_unwrap(secret, &self.encapsulated).ok_or_else(damaged)?
            }
            _ => return Err(damaged()),
        };
        // `crypto::open` decrypts in place in one buffer of the ciphertext's
        // exact size, which is zeroizing; each material is then copied out
        // with `to_vec` (exact size, never grown) into its own zeroizing holder.
        let plaintext =
            crypto::open(&payload_key, &self.payload, &self.aad).map_err(|_| damaged())?;
        let mut r = Reader {
            bytes: &plaintext,
            at: 0,
        };
        let mut materials = Vec::new();
        for version in &self.metadata.versions {
            let material = SecretBytes::new(r.u32_field()?.to_vec());
            check_material(self.metadata.algorithm, version, &material)?;
            materials.push(material);
        }
        if r.at != plaintext.len() {
            return Err(damaged());
        }
        Ok(materials)
    }
}

/// The sender's material must be what its metadata says.
fn check_material(
    algorithm: Algorithm,
    version: &VersionMetadata,
    material: &SecretBytes,
) -> Result<(), Failure> {
    let inconsistent = || {
        Failure::auth(format!(
            "version {} in the bundle does not match its metadata",
            version.version
        ))
    };
    if algorithm.is_symmetric() {
        if material.len() != 32 || version.public_key.is_some() {
            return Err(inconsistent());
        }
        return Ok(());
    }
    let private =
        PrivateKey::from_pkcs8_der(material.expose_secret()).map_err(|_| inconsistent())?;
    if private.algorithm().ok() != Some(algorithm) {
        return Err(inconsistent());
    }
    let expected = version
        .public_key
        .as_deref()
        .and_then(|b| B64.decode(b).ok())
        .ok_or_else(inconsistent)?;
    if private.public_key().to_spki_der() != expected {
        return Err(inconsistent());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::elliptic_curve::Generate;

    fn p256_key() -> PrivateKey {
        PrivateKey::P256(p256::SecretKey::generate_from_rng(
            &mut crate::random::os_rng(),
        ))
    }

    fn metadata(public_key: Option<String>, algorithm: Algorithm) -> Metadata {
        Metadata {
            kind: METADATA_KIND.into(),
            format: FORMAT_VERSION,
            source_keyring: "00112233445566778899aabbccddeeff".into(),
            exported: 1_700_000_000,
            name: "backups".into(),
            algorithm,
            purpose: if algorithm.is_symmetric() {
                Purpose::Encrypt
            } else {
                Purpose::Sign
            },
            created: 1_690_000_000,
            rotation_period: None,
            primary: 1,
            versions: vec![VersionMetadata {
                version: 1,
                id: "ffeeddccbbaa99887766554433221100".into(),
                created: 1_690_000_000,
                public_key,
                compromised: None,
            }],
        }
    }

    #[test]
    fn round_trip_and_every_byte_flipped_fails() {
        let recipient = p256_key();
        let signer = p256_key();
        let material = SecretBytes::new(vec![7u8; 32]);
        let meta = metadata(None, Algorithm::Aes256Gcm);
        let sealed = seal(
            &meta,
            std::slice::from_ref(&material),
            &recipient.public_key(),
            Some(&signer),
        )
        .unwrap();
        let parsed = Bundle::parse(&sealed).unwrap();
        assert_eq!(parsed.metadata, meta);
        assert_eq!(parsed.signer, Some(signer.public_key()));
        parsed.check_signature().unwrap();
        assert_eq!(parsed.open(&recipient).unwrap(), vec![material.clone()]);
        // Another recipient cannot open it.
        assert!(parsed.open(&p256_key()).is_err());
        for i in 0..sealed.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = sealed.clone();
                bad[i] ^= bit;
                let opened = Bundle::parse(&bad).and_then(|b| {
                    b.check_signature()?;
                    b.open(&recipient)
                });
                assert!(
                    opened.is_err(),
                    "flipping bit {bit:#x} of byte {i} went unnoticed"
                );
            }
        }
        for cut in 0..sealed.len() {
            assert!(Bundle::parse(&sealed[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(Bundle::parse(&longer).is_err());
    }

    #[test]
    fn unsigned_bundle_flips_fail_to_open() {
        let recipient = p256_key();
        let key = p256_key();
        let spki = B64.encode(key.public_key().to_spki_der());
        let meta = metadata(Some(spki), Algorithm::P256);
        let material = key.to_pkcs8_der();
        let sealed = seal(
            &meta,
            std::slice::from_ref(&material),
            &recipient.public_key(),
            None,
        )
        .unwrap();
        assert!(Bundle::parse(&sealed).unwrap().signer.is_none());
        assert_eq!(
            Bundle::parse(&sealed).unwrap().open(&recipient).unwrap(),
            vec![material]
        );
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x04;
            let opened = Bundle::parse(&bad).and_then(|b| {
                b.check_signature()?;
                b.open(&recipient)
            });
            assert!(opened.is_err(), "byte {i}");
        }
    }

    /// The known-answer vector of docs/FORMAT.md ("Key bundles"): a signed bundle of
    /// one AES key (bytes 00..1f) to a fixed P-256 recipient.
    const VECTOR_RECIPIENT_PKCS8: &str = "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420014b7905e7322414b69be48454e3bb273642114c4e089e97e34f6ca860f62acea144034200047b613779acf8496c6f023183a5b515dd68ed856def57bd18427c4e86277d1c0a328413d885de60d92046239aa9065cde13e406ed71793306f1a1e8fd5775d824";
    const VECTOR_SIGNER_SPKI: &str = "3059301306072a8648ce3d020106082a8648ce3d03010703420004f82f36204ca7130676fbfb167d0739ad3cc4b312d6ac1d63a4fa151ffadb953f5cf68dd334ec1294c206371abf0f73c9fb6da25e34f2fd976b32195d0d945e9e";

    #[test]
    fn known_answer_vector_opens_and_fail_vectors_do_not() {
        let bundle =
            hex::decode(include_str!("../tests/vectors/bundle-p256-signed.hex").trim()).unwrap();
        let recipient =
            PrivateKey::from_pkcs8_der(&hex::decode(VECTOR_RECIPIENT_PKCS8).unwrap()).unwrap();
        let parsed = Bundle::parse(&bundle).unwrap();
        assert_eq!(parsed.scheme, Scheme::EcdhEsP256);
        assert_eq!(
            parsed.recipient_fingerprint,
            spki_fingerprint(&recipient.public_key())
        );
        assert_eq!(
            parsed.signer.as_ref().unwrap().to_spki_der(),
            hex::decode(VECTOR_SIGNER_SPKI).unwrap()
        );
        parsed.check_signature().unwrap();
        assert_eq!(parsed.metadata.name, "backups");
        assert_eq!(
            parsed.metadata.versions[0].id,
            "101112131415161718191a1b1c1d1e1f"
        );
        let materials = parsed.open(&recipient).unwrap();
        assert_eq!(materials[0].expose_secret(), (0u8..32).collect::<Vec<_>>());

        // fail_wrong_recipient: the right bundle, another key.
        assert!(parsed.open(&p256_key()).is_err());
        // fail_signature: last byte of the signature changed.
        let mut bad = bundle.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(Bundle::parse(&bad).unwrap().check_signature().is_err());
        // fail_version: format version 3 is refused, not misread.
        let mut bad = bundle.clone();
        bad[8] = 3;
        let err = Bundle::parse(&bad).unwrap_err();
        assert!(err.message.contains("format version 3"));
    }

    /// The version 1 vector (signed SHA-256 of the bytes, as `keycask sign`
    /// signs a file) is refused with the reason and the way forward, and so
    /// is any bundle marked version 1, signed or not.
    #[test]
    fn withdrawn_version_1_is_refused_with_the_reason() {
        let old =
            hex::decode(include_str!("../tests/vectors/fail_bundle-p256-signed-v1.hex").trim())
                .unwrap();
        assert_eq!(old[8], 1);
        let err = Bundle::parse(&old).unwrap_err();
        assert_eq!(err.code, crate::error::ExitCode::Auth);
        assert!(err.message.contains("format version 1"), "{}", err.message);
        assert!(err.message.contains("forged"), "{}", err.message);
        assert!(
            err.hint
                .as_deref()
                .unwrap()
                .contains("export the key again")
        );
        let recipient = p256_key();
        let mut unsigned = seal(
            &metadata(None, Algorithm::Aes256Gcm),
            &[SecretBytes::new(vec![1; 32])],
            &recipient.public_key(),
            None,
        )
        .unwrap();
        unsigned[8] = 1;
        assert!(
            Bundle::parse(&unsigned)
                .unwrap_err()
                .message
                .contains("format version 1")
        );
    }

    /// Domain separation both ways: a signature over the SHA-256 of the
    /// signed bytes, with or without the context in front (what `keycask
    /// sign` makes of a file holding them), is no bundle signature; and a
    /// bundle signature verifies as no file signature of those bytes.
    #[test]
    fn file_signatures_and_bundle_signatures_never_verify_as_each_other() {
        let recipient = p256_key();
        let rsa = PrivateKey::Rsa(Box::new(
            rsa::PrivateKey::new(&mut crate::random::os_rng(), 2048).unwrap(),
        ));
        for signer in [p256_key(), rsa] {
            let sealed = seal(
                &metadata(None, Algorithm::Aes256Gcm),
                &[SecretBytes::new(vec![2; 32])],
                &recipient.public_key(),
                Some(&signer),
            )
            .unwrap();
            let parsed = Bundle::parse(&sealed).unwrap();
            parsed.check_signature().unwrap();
            let mut with_context = SIGNATURE_CONTEXT.to_vec();
            with_context.extend_from_slice(&parsed.signed);
            for file in [&parsed.signed, &with_context] {
                let digest = crypto::sha256(file);
                for scheme in [asymmetric::RsaScheme::Pss, asymmetric::RsaScheme::Pkcs1v15] {
                    if matches!(signer, PrivateKey::P256(_)) && scheme != asymmetric::RsaScheme::Pss
                    {
                        continue;
                    }
                    // `keycask sign` of that file, appended as the signature.
                    let file_signature = signer.sign_digest(&digest, scheme).unwrap();
                    let mut forged = parsed.signed.clone();
                    push_u16(&mut forged, &file_signature);
                    assert!(
                        Bundle::parse(&forged).unwrap().check_signature().is_err(),
                        "a file signature verified as a bundle signature"
                    );
                    // And the bundle's signature is no file signature.
                    let bundle_signature = parsed.signature.as_deref().unwrap();
                    assert!(
                        signer
                            .public_key()
                            .verify_digest(&digest, bundle_signature, scheme)
                            .is_err(),
                        "a bundle signature verified as a file signature"
                    );
                }
            }
        }
    }

    #[test]
    fn malformed_metadata_is_refused() {
        let recipient = p256_key();
        let material = SecretBytes::new(vec![1; 32]);
        let mut meta = metadata(None, Algorithm::Aes256Gcm);
        meta.versions.push(meta.versions[0].clone());
        let sealed = seal(
            &meta,
            &[material.clone(), material.clone()],
            &recipient.public_key(),
            None,
        )
        .unwrap();
        assert!(Bundle::parse(&sealed).is_err(), "duplicate versions");
        let mut meta = metadata(None, Algorithm::Aes256Gcm);
        meta.purpose = Purpose::Sign;
        let sealed = seal(
            &meta,
            std::slice::from_ref(&material),
            &recipient.public_key(),
            None,
        )
        .unwrap();
        assert!(
            Bundle::parse(&sealed).is_err(),
            "purpose the algorithm forbids"
        );
        let mut meta = metadata(None, Algorithm::Aes256Gcm);
        meta.versions[0].id = "../../etc".into();
        let sealed = seal(&meta, &[material], &recipient.public_key(), None).unwrap();
        assert!(Bundle::parse(&sealed).is_err(), "bad version id");
    }

    #[test]
    fn rsa_recipient_and_rsa_signer_round_trip() {
        let rsa = |bits| {
            PrivateKey::Rsa(Box::new(
                rsa::PrivateKey::new(&mut crate::random::os_rng(), bits).unwrap(),
            ))
        };
        let recipient = rsa(2048);
        let signer = rsa(2048);
        let material = SecretBytes::new(vec![9; 32]);
        let meta = metadata(None, Algorithm::Aes256Gcm);
        let sealed = seal(
            &meta,
            std::slice::from_ref(&material),
            &recipient.public_key(),
            Some(&signer),
        )
        .unwrap();
        let parsed = Bundle::parse(&sealed).unwrap();
        assert_eq!(parsed.scheme, Scheme::RsaOaepSha256);
        parsed.check_signature().unwrap();
        assert_eq!(parsed.open(&recipient).unwrap(), vec![material]);
        // A P-256 key cannot open an RSA bundle, nor another RSA key.
        assert!(parsed.open(&p256_key()).is_err());
        assert!(parsed.open(&rsa(2048)).is_err());
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(Bundle::parse(&bad).unwrap().check_signature().is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Arbitrary bytes never panic the parser; bytes that start like a
        /// bundle are refused as damaged.
        #[test]
        fn parse_never_panics(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = Bundle::parse(&tail);
            let mut bytes = MAGIC.to_vec();
            bytes.push(FORMAT_VERSION);
            bytes.extend_from_slice(&tail);
            proptest::prop_assert!(Bundle::parse(&bytes).is_err());
        }

        /// Any number of AES versions survives the round trip in order.
        #[test]
        fn round_trip_any_versions(keys in proptest::collection::vec(proptest::prelude::any::<[u8; 32]>(), 1..5)) {
            let recipient = p256_key();
            let mut meta = metadata(None, Algorithm::Aes256Gcm);
            meta.versions = (1..=keys.len() as u32)
                .map(|n| VersionMetadata {
                    version: n,
                    id: format!("{n:032x}"),
                    created: 1,
                    public_key: None,
                    compromised: None,
                })
                .collect();
            let materials: Vec<SecretBytes> = keys.iter().map(|k| SecretBytes::new(k.to_vec())).collect();
            let sealed = seal(&meta, &materials, &recipient.public_key(), None).unwrap();
            let opened = Bundle::parse(&sealed).unwrap().open(&recipient).unwrap();
            proptest::prop_assert_eq!(opened, materials);
        }
    }

    #[test]
    fn payload_plaintext_is_reserved_exactly() {
        let key = p256_key();
        let materials = [
            key.to_pkcs8_der(),
            SecretBytes::new(vec![3; 32]),
            SecretBytes::new(vec![]),
            SecretBytes::new(vec![5; 2400]),
        ];
        let plaintext = payload_plaintext(&materials);
        assert_eq!(plaintext.capacity(), plaintext.len());
        assert_eq!(
            plaintext.len(),
            materials.iter().map(|m| 4 + m.len()).sum::<usize>()
        );
        assert!(payload_plaintext(&[]).is_empty());
    }

    #[test]
    fn material_must_match_metadata() {
        let recipient = p256_key();
        let key = p256_key();
        let other = p256_key();
        // Metadata names one public key, the payload holds another key.
        let meta = metadata(
            Some(B64.encode(other.public_key().to_spki_der())),
            Algorithm::P256,
        );
        let sealed = seal(&meta, &[key.to_pkcs8_der()], &recipient.public_key(), None).unwrap();
        let err = Bundle::parse(&sealed)
            .unwrap()
            .open(&recipient)
            .unwrap_err();
        assert!(err.message.contains("does not match its metadata"));
        // An AES key of the wrong length.
        let meta = metadata(None, Algorithm::Aes256Gcm);
        let sealed = seal(
            &meta,
            &[SecretBytes::new(vec![1; 31])],
            &recipient.public_key(),
            None,
        )
        .unwrap();
        assert!(Bundle::parse(&sealed).unwrap().open(&recipient).is_err());
    }
}
