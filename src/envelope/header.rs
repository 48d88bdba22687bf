//! The envelope header: its fields, its byte encoding, the wrapped CEK and
//! the header MAC (docs/FORMAT.md, "Envelope").
//!
//! Parsing is written for hostile bytes: every length is checked against a
//! small cap before anything is allocated, and nothing here panics on input.

use std::io::Read;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

use super::EnvelopeError;
pub use super::context::{EncryptionContext, MAX_CONTEXT_LEN, context_text};
use super::cursor::Cursor;
use crate::crypto;
use crate::secret::SecretKey32;

/// The first eight bytes of every binary envelope.
pub const MAGIC: &[u8; 8] = b"KCASKENV";
/// The envelope format this build writes (and reads).
pub const FORMAT_VERSION: u8 = 2;
/// The first format: one key stanza, the CEK wrapped directly under the key
/// version's material. Still read, and re-keyed into format 2.
pub const FORMAT_V1: u8 = 1;
/// Algorithm 1: the payload is AES-256-GCM STREAM (and, in format 1, the
/// CEK is wrapped with AES-256-GCM by an `aes256-gcm` key version).
pub const ALG_AES256_GCM: u8 = 1;

/// The bytes every header starts with before its variable fields:
/// magic, format version, algorithm, header length.
pub const PREFIX_LEN: usize = 8 + 1 + 1 + 2;
/// Length of the wrapped CEK: nonce (12) + ciphertext (32) + tag (16).
pub const WRAPPED_CEK_LEN: usize = 12 + 32 + 16;
pub const MAC_LEN: usize = 32;
pub const SALT_LEN: usize = 32;
pub const ID_LEN: usize = 16;

pub const MIN_CHUNK_SIZE: u32 = 64;
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;

pub const MAX_KEY_NAME_LEN: usize = 64;
/// At most this many stanzas (keys and recipients) in one header.
pub const MAX_STANZAS: usize = 16;

/// Stanza kinds of format 2.
const STANZA_KEY: u8 = 0x01;
const STANZA_HPKE_P256: u8 = 0x02;
const STANZA_RSA_OAEP: u8 = 0x03;
/// Kind and body length.
const STANZA_PREFIX_LEN: usize = 1 + 2;
/// HPKE P-256: enc (65) || ciphertext of the CEK (32) || tag (16).
pub const HPKE_SEALED_LEN: usize = 65 + 32 + 16;

/// Bytes of a format 1 header that do not depend on the key name or the context.
const FIXED_LEN_V1: usize =
    PREFIX_LEN + 4 + SALT_LEN + ID_LEN + 1 + 2 + ID_LEN + 4 + WRAPPED_CEK_LEN + MAC_LEN;
const MIN_HEADER_LEN_V1: usize = FIXED_LEN_V1 + 1;
const MAX_HEADER_LEN_V1: usize = FIXED_LEN_V1 + MAX_KEY_NAME_LEN + MAX_CONTEXT_LEN;
/// A format 2 header's fields around its stanzas.
const FIXED_LEN: usize = PREFIX_LEN + 4 + SALT_LEN + 2 + 1 + MAC_LEN;
/// The smallest stanza: a key stanza with a one-letter name.
const MIN_STANZA_LEN: usize = STANZA_PREFIX_LEN + ID_LEN + 1 + 1 + ID_LEN + 4 + WRAPPED_CEK_LEN;
pub const MIN_HEADER_LEN: usize = FIXED_LEN + MIN_STANZA_LEN;
/// The 2-byte length field is the cap: 16 RSA-8192 stanzas and the largest
/// context fit under it.
pub const MAX_HEADER_LEN: usize = u16::MAX as usize;

const CEK_WRAP_LABEL_V1: &[u8] = b"keycask/envelope/v1/cek";
const MAC_INFO_V1: &[u8] = b"keycask/envelope/v1/header-mac";
const CEK_WRAP_LABEL: &[u8] = b"keycask/envelope/v2/key-stanza";
const KEY_WRAP_INFO: &[u8] = b"keycask/envelope/v2/key-wrap";
const MAC_INFO: &[u8] = b"keycask/envelope/v2/header-mac";
const HPKE_LABEL: &[u8] = b"keycask/envelope/v2/hpke-p256";
const RSA_OAEP_LABEL: &[u8] = b"keycask/envelope/v2/rsa-oaep-256";
/// The payload key's label is the same in every format version.
const PAYLOAD_INFO: &[u8] = b"keycask/envelope/v1/payload";

/// A content-encryption key: fresh for every envelope, wrapped in its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cek(SecretKey32);

impl Cek {
    pub fn generate() -> Self {
        Cek(SecretKey32::generate())
    }

    pub fn from_key(key: SecretKey32) -> Self {
        Cek(key)
    }

    pub fn expose_secret(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }

    /// The key of the header MAC: HKDF-SHA256(CEK, salt, "…/header-mac"),
    /// with the label of the header's format version.
    fn mac_key(&self, format: u8, salt: &[u8; SALT_LEN]) -> SecretKey32 {
        let info = if format == FORMAT_V1 {
            MAC_INFO_V1
        } else {
            MAC_INFO
        };
        crypto::hkdf_sha256(self.0.expose_secret(), Some(salt), info)
    }

    /// The payload key: HKDF-SHA256(CEK, salt, "keycask/envelope/v1/payload")
    /// in every format version. It depends on nothing but the CEK and the
    /// salt, so re-keying the header (even from format 1 to 2) leaves the
    /// payload valid.
    pub fn payload_key(&self, salt: &[u8; SALT_LEN]) -> SecretKey32 {
        crypto::hkdf_sha256(self.0.expose_secret(), Some(salt), PAYLOAD_INFO)
    }
}

/// The key version that wraps (or wrapped) a CEK, as the header names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionRef {
    pub number: u32,
    pub id: [u8; ID_LEN],
}

/// A stanza that wraps the CEK under a version of a keyring's symmetric key
/// (the only stanza of a format 1 header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyStanza {
    pub keyring_id: [u8; ID_LEN],
    pub key_name: String,
    pub version: VersionRef,
    pub wrapped_cek: [u8; WRAPPED_CEK_LEN],
}

/// How a recipient stanza seals the CEK to a public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecipientScheme {
    /// HPKE (RFC 9180) base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256,
    /// AES-256-GCM: `enc (65) || ciphertext (32) || tag (16)`.
    HpkeP256,
    /// RSA-OAEP with SHA-256 and MGF1-SHA-256: one modulus-sized block.
    RsaOaep256,
}

impl RecipientScheme {
    fn kind(self) -> u8 {
        match self {
            RecipientScheme::HpkeP256 => STANZA_HPKE_P256,
            RecipientScheme::RsaOaep256 => STANZA_RSA_OAEP,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RecipientScheme::HpkeP256 => "hpke-p256",
            RecipientScheme::RsaOaep256 => "rsa-oaep-256",
        }
    }
}

/// A stanza that seals the CEK to a public key: whoever holds the private
/// half opens it. The fingerprint is SHA-256 of the recipient's
/// SubjectPublicKeyInfo DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientStanza {
    pub scheme: RecipientScheme,
    pub fingerprint: [u8; 32],
    pub sealed: Vec<u8>,
}

/// One way to get the envelope's CEK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stanza {
    Key(KeyStanza),
    Recipient(RecipientStanza),
}

/// A parsed envelope header. Everything in it is public; the CEK is not in
/// it, only wrapped or sealed in its stanzas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// 1 (read only) or 2.
    pub format: u8,
    pub chunk_size: u32,
    pub salt: [u8; SALT_LEN],
    pub context: EncryptionContext,
    /// 1 to [`MAX_STANZAS`]; a format 1 header has exactly one key stanza.
    pub stanzas: Vec<Stanza>,
    pub mac: [u8; MAC_LEN],
}

/// Everything that makes a header except the CEK and the randomness, which
/// [`Header::seal`] takes separately so test vectors can fix them.
#[cfg(test)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderParams {
    pub keyring_id: [u8; ID_LEN],
    pub key_name: String,
    pub version: VersionRef,
    pub context: EncryptionContext,
    pub chunk_size: u32,
}

impl Header {
    /// A new format 2 header for `cek` with one key stanza, wrapped under
    /// `material` (the key version's 32 bytes), with the given salt and
    /// wrapping nonce. Recipient stanzas can be added with
    /// [`Header::add_recipient`], then [`Header::finish`] seals the MAC.
    #[cfg(test)]
    pub fn seal(
        params: &HeaderParams,
        material: &SecretKey32,
        cek: &Cek,
        salt: [u8; SALT_LEN],
        wrap_nonce: [u8; 12],
    ) -> Result<Header, EnvelopeError> {
        let mut header = Header::start(params.chunk_size, &params.context, salt)?;
        header.add_key(
            params.keyring_id,
            &params.key_name,
            params.version,
            material,
            cek,
            wrap_nonce,
        )?;
        header.finish(cek);
        Ok(header)
    }

    /// A format 2 header with no stanza yet.
    pub fn start(
        chunk_size: u32,
        context: &EncryptionContext,
        salt: [u8; SALT_LEN],
    ) -> Result<Header, EnvelopeError> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(EnvelopeError::Malformed);
        }
        Ok(Header {
            format: FORMAT_VERSION,
            chunk_size,
            salt,
            context: context.clone(),
            stanzas: Vec::new(),
            mac: [0; MAC_LEN],
        })
    }

    /// Adds a key stanza wrapping `cek` under `material`.
    pub fn add_key(
        &mut self,
        keyring_id: [u8; ID_LEN],
        key_name: &str,
        version: VersionRef,
        material: &SecretKey32,
        cek: &Cek,
        wrap_nonce: [u8; 12],
    ) -> Result<(), EnvelopeError> {
        if key_name.is_empty() || key_name.len() > MAX_KEY_NAME_LEN || !key_name.is_ascii() {
            return Err(EnvelopeError::Malformed);
        }
        if self.stanzas.len() >= MAX_STANZAS || self.key_stanza_index(&version.id).is_some() {
            return Err(EnvelopeError::Malformed);
        }
        let mut stanza = KeyStanza {
            keyring_id,
            key_name: key_name.to_string(),
            version,
            wrapped_cek: [0; WRAPPED_CEK_LEN],
        };
        self.wrap_cek(&mut stanza, material, cek, wrap_nonce);
        self.stanzas.push(Stanza::Key(stanza));
        Ok(())
    }

    /// Adds a recipient stanza, sealed by the caller (see
    /// [`Header::recipient_binding`]).
    pub fn add_recipient(&mut self, stanza: RecipientStanza) -> Result<(), EnvelopeError> {
        let duplicate = self
            .recipients()
            .any(|r| r.fingerprint == stanza.fingerprint);
        if self.stanzas.len() >= MAX_STANZAS || duplicate || !sealed_len_ok(&stanza) {
            return Err(EnvelopeError::Malformed);
        }
        self.stanzas.push(Stanza::Recipient(stanza));
        Ok(())
    }

    /// Computes the header MAC once every stanza is in.
    pub fn finish(&mut self, cek: &Cek) {
        self.mac = self.compute_mac(cek);
    }

    /// The key stanzas, in header order.
    pub fn keys(&self) -> impl Iterator<Item = &KeyStanza> {
        self.stanzas.iter().filter_map(|s| match s {
            Stanza::Key(k) => Some(k),
            Stanza::Recipient(_) => None,
        })
    }

    /// The recipient stanzas, in header order.
    pub fn recipients(&self) -> impl Iterator<Item = &RecipientStanza> {
        self.stanzas.iter().filter_map(|s| match s {
            Stanza::Recipient(r) => Some(r),
            Stanza::Key(_) => None,
        })
    }

    /// The first key stanza, if the header has one.
    pub fn key_stanza(&self) -> Option<&KeyStanza> {
        self.keys().next()
    }

    fn key_stanza_index(&self, version_id: &[u8; ID_LEN]) -> Option<usize> {
        self.stanzas
            .iter()
            .position(|s| matches!(s, Stanza::Key(k) if k.version.id == *version_id))
    }

    /// The same header with the key stanza of `from` (a version id) now
    /// wrapping the CEK under another version of the same key: wrapped anew
    /// under `material`, MAC recomputed. A format 1 header becomes format 2.
    /// Salt, context, chunk size, key name and the other stanzas are
    /// unchanged, so the payload stays valid (for `rekey`), and a format 2
    /// header keeps its length.
    pub fn rewrap(
        &self,
        cek: &Cek,
        from: &[u8; ID_LEN],
        version: VersionRef,
        material: &SecretKey32,
    ) -> Result<Header, EnvelopeError> {
        let mut header = self.clone();
        header.format = FORMAT_VERSION;
        let index = header
            .key_stanza_index(from)
            .ok_or(EnvelopeError::Malformed)?;
        if from != &version.id && header.key_stanza_index(&version.id).is_some() {
            // The new version already has a stanza of its own: drop this one.
            header.stanzas.remove(index);
        } else {
            let Stanza::Key(mut stanza) = header.stanzas[index].clone() else {
                unreachable!("key_stanza_index finds key stanzas");
            };
            stanza.version = version;
            header.wrap_cek(&mut stanza, material, cek, crate::random::random_array());
            header.stanzas[index] = Stanza::Key(stanza);
        }
        header.finish(cek);
        Ok(header)
    }

    /// The same header with a recipient stanza replaced (for `rekey` of a
    /// recipient envelope onto another version's public key).
    pub fn replace_recipient(
        &self,
        cek: &Cek,
        old_fingerprint: &[u8; 32],
        stanza: RecipientStanza,
    ) -> Result<Header, EnvelopeError> {
        let mut header = self.clone();
        header.format = FORMAT_VERSION;
        let index = header
            .stanzas
            .iter()
            .position(|s| matches!(s, Stanza::Recipient(r) if r.fingerprint == *old_fingerprint))
            .ok_or(EnvelopeError::Malformed)?;
        header.stanzas.remove(index);
        header.add_recipient(stanza)?;
        header.finish(cek);
        Ok(header)
    }

    /// The per-envelope wrapping key of a format 2 key stanza:
    /// HKDF-SHA256(ikm = material, salt = the header's salt,
    /// info = "keycask/envelope/v2/key-wrap" || version id). A key version
    /// thus never wraps two CEKs under the same AES-GCM key (the salt is
    /// fresh for every envelope), and the random-nonce limit of 2^32 wraps
    /// per version no longer applies.
    fn wrapping_key(&self, material: &SecretKey32, version_id: &[u8; ID_LEN]) -> SecretKey32 {
        if self.format == FORMAT_V1 {
            return material.clone();
        }
        let mut info = KEY_WRAP_INFO.to_vec();
        info.extend_from_slice(version_id);
        crypto::hkdf_sha256(material.expose_secret(), Some(&self.salt), &info)
    }

    fn wrap_cek(&self, stanza: &mut KeyStanza, material: &SecretKey32, cek: &Cek, nonce: [u8; 12]) {
        let aad = self.cek_aad(stanza);
        let key = self.wrapping_key(material, &stanza.version.id);
        let mut buf = *cek.expose_secret();
        let tag = Aes256Gcm::new(key.expose_secret().into())
            .encrypt_inout_detached(&Nonce::from(nonce), &aad, buf.as_mut_slice().into())
            .expect("AES-GCM of 32 bytes cannot fail");
        stanza.wrapped_cek[..12].copy_from_slice(&nonce);
        stanza.wrapped_cek[12..44].copy_from_slice(&buf);
        stanza.wrapped_cek[44..].copy_from_slice(&tag);
        zeroize::Zeroize::zeroize(&mut buf);
    }

    /// Unwraps the CEK from the first key stanza with the key version's
    /// material and checks the header MAC. Either failure is the same vague
    /// [`EnvelopeError::Damaged`].
    #[cfg(any(test, fuzzing))]
    pub fn open(&self, material: &SecretKey32) -> Result<Cek, EnvelopeError> {
        let stanza = self.key_stanza().ok_or(EnvelopeError::Damaged)?;
        self.open_key(stanza, material)
    }

    /// Unwraps the CEK from `stanza` (one of this header's) and checks the
    /// header MAC.
    pub fn open_key(
        &self,
        stanza: &KeyStanza,
        material: &SecretKey32,
    ) -> Result<Cek, EnvelopeError> {
        let aad = self.cek_aad(stanza);
        let key = self.wrapping_key(material, &stanza.version.id);
        let nonce: [u8; 12] = stanza.wrapped_cek[..12].try_into().expect("12 bytes");
        let tag: [u8; 16] = stanza.wrapped_cek[44..].try_into().expect("16 bytes");
        let mut buf = zeroize::Zeroizing::new([0u8; 32]);
        buf.copy_from_slice(&stanza.wrapped_cek[12..44]);
        Aes256Gcm::new(key.expose_secret().into())
            .decrypt_inout_detached(
                &Nonce::from(nonce),
                &aad,
                buf.as_mut_slice().into(),
                &Tag::from(tag),
            )
            .map_err(|_| EnvelopeError::Damaged)?;
        let cek = Cek(SecretKey32::from(buf));
        self.check_mac(&cek)?;
        Ok(cek)
    }

    /// Checks the header MAC under a CEK that a stanza gave: this is the key
    /// commitment, and it authenticates every stanza, the context and the
    /// chunk size.
    pub fn check_mac(&self, cek: &Cek) -> Result<(), EnvelopeError> {
        let bytes = self.to_bytes();
        crypto::hmac_sha256_verify(
            &cek.mac_key(self.format, &self.salt),
            &bytes[..bytes.len() - MAC_LEN],
            &self.mac,
        )
        .map_err(|_| EnvelopeError::Damaged)
    }

    fn compute_mac(&self, cek: &Cek) -> [u8; MAC_LEN] {
        let bytes = self.to_bytes();
        crypto::hmac_sha256(
            &cek.mac_key(self.format, &self.salt),
            &bytes[..bytes.len() - MAC_LEN],
        )
    }

    /// The header fields every stanza is bound to in format 2:
    /// `chunk size (4) || salt (32) || context length (2) || context`.
    pub fn binding(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + SALT_LEN + 2 + self.context.encoded_len());
        out.extend_from_slice(&self.chunk_size.to_be_bytes());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&(self.context.encoded_len() as u16).to_be_bytes());
        self.context.encode(&mut out);
        out
    }

    /// What a recipient stanza's sealing is bound to (HPKE `info`, RSA-OAEP
    /// label): `label || SHA-256(binding || fingerprint)`, 61 or 64 bytes, so
    /// a stanza cannot be moved to another envelope or another recipient (and
    /// the `info` stays within the 64 bytes every HPKE implementation takes).
    pub fn recipient_binding(&self, scheme: RecipientScheme, fingerprint: &[u8; 32]) -> Vec<u8> {
        let label: &[u8] = match scheme {
            RecipientScheme::HpkeP256 => HPKE_LABEL,
            RecipientScheme::RsaOaep256 => RSA_OAEP_LABEL,
        };
        [
            label,
            &crypto::sha256(&[&self.binding()[..], fingerprint].concat()),
        ]
        .concat()
    }

    /// The associated data of a key stanza's wrapped CEK. Format 1: a label
    /// and every header byte before the wrapped CEK. Format 2: a label, the
    /// binding and the stanza's fields before the wrapped CEK.
    fn cek_aad(&self, stanza: &KeyStanza) -> Vec<u8> {
        if self.format == FORMAT_V1 {
            let bytes = self.to_bytes();
            let end = bytes.len() - MAC_LEN - WRAPPED_CEK_LEN;
            return [CEK_WRAP_LABEL_V1, &bytes[..end]].concat();
        }
        let mut aad = CEK_WRAP_LABEL.to_vec();
        aad.extend_from_slice(&self.binding());
        encode_key_fields(stanza, &mut aad);
        aad
    }

    /// The encoded length of this header: where the payload starts.
    pub fn len(&self) -> usize {
        if self.format == FORMAT_V1 {
            let stanza = self
                .key_stanza()
                .expect("a format 1 header has a key stanza");
            return FIXED_LEN_V1 + stanza.key_name.len() + self.context.encoded_len();
        }
        PREFIX_LEN
            + 4
            + SALT_LEN
            + 2
            + self.context.encoded_len()
            + 1
            + self
                .stanzas
                .iter()
                .map(|s| STANZA_PREFIX_LEN + stanza_body_len(s))
                .sum::<usize>()
            + MAC_LEN
    }

    /// The header's bytes, as written at the start of an envelope.
    pub fn to_bytes(&self) -> Vec<u8> {
        let len = self.len();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(MAGIC);
        out.push(self.format);
        out.push(ALG_AES256_GCM);
        out.extend_from_slice(&(len as u16).to_be_bytes());
        if self.format == FORMAT_V1 {
            let stanza = self
                .key_stanza()
                .expect("a format 1 header has a key stanza");
            out.extend_from_slice(&self.chunk_size.to_be_bytes());
            out.extend_from_slice(&self.salt);
            out.extend_from_slice(&stanza.keyring_id);
            out.push(stanza.key_name.len() as u8);
            out.extend_from_slice(stanza.key_name.as_bytes());
            out.extend_from_slice(&(self.context.encoded_len() as u16).to_be_bytes());
            self.context.encode(&mut out);
            out.extend_from_slice(&stanza.version.id);
            out.extend_from_slice(&stanza.version.number.to_be_bytes());
            out.extend_from_slice(&stanza.wrapped_cek);
        } else {
            out.extend_from_slice(&self.binding());
            out.push(self.stanzas.len() as u8);
            for stanza in &self.stanzas {
                let (kind, body) = match stanza {
                    Stanza::Key(k) => {
                        let mut body = Vec::with_capacity(stanza_body_len(stanza));
                        encode_key_fields(k, &mut body);
                        body.extend_from_slice(&k.wrapped_cek);
                        (STANZA_KEY, body)
                    }
                    Stanza::Recipient(r) => {
                        (r.scheme.kind(), [&r.fingerprint[..], &r.sealed].concat())
                    }
                };
                out.push(kind);
                out.extend_from_slice(&(body.len() as u16).to_be_bytes());
                out.extend_from_slice(&body);
            }
        }
        out.extend_from_slice(&self.mac);
        debug_assert_eq!(out.len(), len);
        out
    }

    /// Parses a complete header. `bytes` must be exactly the header (its
    /// length is in bytes 10..12; see [`read_header`]).
    pub fn parse(bytes: &[u8]) -> Result<Header, EnvelopeError> {
        let declared = check_prefix(bytes)?;
        if bytes.len() != declared {
            return Err(EnvelopeError::Malformed);
        }
        let format = bytes[8];
        let mut r = Cursor(&bytes[PREFIX_LEN..]);
        let chunk_size = r.u32()?;
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(EnvelopeError::Malformed);
        }
        let salt = r.array::<SALT_LEN>()?;
        let mut header = Header {
            format,
            chunk_size,
            salt,
            context: EncryptionContext::new(),
            stanzas: Vec::new(),
            mac: [0; MAC_LEN],
        };
        if format == FORMAT_V1 {
            let keyring_id = r.array::<ID_LEN>()?;
            let key_name = parse_key_name(&mut r)?;
            header.context = parse_context(&mut r)?;
            let version = parse_version(&mut r)?;
            let wrapped_cek = r.array::<WRAPPED_CEK_LEN>()?;
            header.stanzas.push(Stanza::Key(KeyStanza {
                keyring_id,
                key_name,
                version,
                wrapped_cek,
            }));
        } else {
            header.context = parse_context(&mut r)?;
            let count = r.u8()? as usize;
            if count == 0 || count > MAX_STANZAS {
                return Err(EnvelopeError::Malformed);
            }
            for _ in 0..count {
                let kind = r.u8()?;
                let body_len = r.u16()? as usize;
                let mut body = Cursor(r.take(body_len)?);
                match kind {
                    STANZA_KEY => {
                        let keyring_id = body.array::<ID_LEN>()?;
                        let key_name = parse_key_name(&mut body)?;
                        let version = parse_version(&mut body)?;
                        let wrapped_cek = body.array::<WRAPPED_CEK_LEN>()?;
                        if !body.0.is_empty() || header.key_stanza_index(&version.id).is_some() {
                            return Err(EnvelopeError::Malformed);
                        }
                        header.stanzas.push(Stanza::Key(KeyStanza {
                            keyring_id,
                            key_name,
                            version,
                            wrapped_cek,
                        }));
                    }
                    STANZA_HPKE_P256 | STANZA_RSA_OAEP => {
                        let scheme = if kind == STANZA_HPKE_P256 {
                            RecipientScheme::HpkeP256
                        } else {
                            RecipientScheme::RsaOaep256
                        };
                        let fingerprint = body.array::<32>()?;
                        let stanza = RecipientStanza {
                            scheme,
                            fingerprint,
                            sealed: body.0.to_vec(),
                        };
                        header.add_recipient(stanza)?;
                    }
                    _ => return Err(EnvelopeError::Malformed),
                }
            }
        }
        header.mac = r.array::<MAC_LEN>()?;
        if !r.0.is_empty() {
            return Err(EnvelopeError::Malformed);
        }
        Ok(header)
    }
}

fn encode_key_fields(stanza: &KeyStanza, out: &mut Vec<u8>) {
    out.extend_from_slice(&stanza.keyring_id);
    out.push(stanza.key_name.len() as u8);
    out.extend_from_slice(stanza.key_name.as_bytes());
    out.extend_from_slice(&stanza.version.id);
    out.extend_from_slice(&stanza.version.number.to_be_bytes());
}

fn stanza_body_len(stanza: &Stanza) -> usize {
    match stanza {
        Stanza::Key(k) => ID_LEN + 1 + k.key_name.len() + ID_LEN + 4 + WRAPPED_CEK_LEN,
        Stanza::Recipient(r) => 32 + r.sealed.len(),
    }
}

/// Whether a recipient stanza's sealed CEK has the size its scheme makes:
/// HPKE P-256 `enc (65) || ciphertext (32) || tag (16)`; RSA-OAEP a block of
/// a 2048- to 8192-bit modulus.
fn sealed_len_ok(stanza: &RecipientStanza) -> bool {
    match stanza.scheme {
        RecipientScheme::HpkeP256 => stanza.sealed.len() == HPKE_SEALED_LEN,
        RecipientScheme::RsaOaep256 => (256..=1024).contains(&stanza.sealed.len()),
    }
}

fn parse_key_name(r: &mut Cursor<'_>) -> Result<String, EnvelopeError> {
    let name_len = r.u8()? as usize;
    if name_len == 0 || name_len > MAX_KEY_NAME_LEN {
        return Err(EnvelopeError::Malformed);
    }
    let key_name = std::str::from_utf8(r.take(name_len)?).map_err(|_| EnvelopeError::Malformed)?;
    if crate::key::validate_key_name(key_name).is_err() {
        return Err(EnvelopeError::Malformed);
    }
    Ok(key_name.to_string())
}

fn parse_context(r: &mut Cursor<'_>) -> Result<EncryptionContext, EnvelopeError> {
    let context_len = r.u16()? as usize;
    if context_len > MAX_CONTEXT_LEN {
        return Err(EnvelopeError::Malformed);
    }
    EncryptionContext::decode(r.take(context_len)?)
}

fn parse_version(r: &mut Cursor<'_>) -> Result<VersionRef, EnvelopeError> {
    let id = r.array::<ID_LEN>()?;
    let number = r.u32()?;
    if number == 0 {
        return Err(EnvelopeError::Malformed);
    }
    Ok(VersionRef { number, id })
}

/// Checks magic, format version and algorithm, and returns the header
/// length the prefix declares (already checked against the caps).
fn check_prefix(bytes: &[u8]) -> Result<usize, EnvelopeError> {
    let have = bytes.len().min(MAGIC.len());
    if bytes[..have] != MAGIC[..have] {
        return Err(EnvelopeError::NotEnvelope);
    }
    if bytes.len() < PREFIX_LEN {
        return Err(if bytes.is_empty() {
            EnvelopeError::NotEnvelope
        } else {
            EnvelopeError::Truncated
        });
    }
    if bytes[8] != FORMAT_V1 && bytes[8] != FORMAT_VERSION {
        return Err(EnvelopeError::UnsupportedVersion(bytes[8]));
    }
    if bytes[9] != ALG_AES256_GCM {
        return Err(EnvelopeError::Malformed);
    }
    let declared = u16::from_be_bytes([bytes[10], bytes[11]]) as usize;
    let (min, max) = if bytes[8] == FORMAT_V1 {
        (MIN_HEADER_LEN_V1, MAX_HEADER_LEN_V1)
    } else {
        (MIN_HEADER_LEN, MAX_HEADER_LEN)
    };
    if !(min..=max).contains(&declared) {
        return Err(EnvelopeError::Malformed);
    }
    Ok(declared)
}

/// Reads exactly one header from `input` and returns it with its raw bytes.
/// Reads nothing past the header, so the reader is left at the payload.
pub fn read_header(input: &mut dyn Read) -> Result<(Header, Vec<u8>), EnvelopeError> {
    let mut prefix = [0u8; PREFIX_LEN];
    let got = read_full(input, &mut prefix)?;
    let declared = check_prefix(&prefix[..got])?;
    let mut bytes = vec![0u8; declared];
    bytes[..PREFIX_LEN].copy_from_slice(&prefix);
    if read_full(input, &mut bytes[PREFIX_LEN..])? != declared - PREFIX_LEN {
        return Err(EnvelopeError::Truncated);
    }
    Ok((Header::parse(&bytes)?, bytes))
}

/// Reads until `buf` is full or the input ends; returns how much was read.
pub(crate) fn read_full(input: &mut dyn Read, buf: &mut [u8]) -> Result<usize, EnvelopeError> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(EnvelopeError::Read(e)),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_text_quotes_values_that_could_be_misread() {
        let shown = |pairs: &[(&str, &str)]| context_text(pairs.iter().copied());
        assert_eq!(
            shown(&[("env", "prod"), ("app", "billing")]),
            "env=prod, app=billing"
        );
        assert_eq!(
            shown(&[("who", "Ann Lee"), ("q", "it's")]),
            "who=Ann Lee, q=it's"
        );
        // A value holding ", b=2" must not read as a second pair.
        assert_eq!(shown(&[("a", "1, b=2")]), "a=\"1, b=2\"");
        assert_eq!(shown(&[("a", "")]), "a=\"\"");
        assert_eq!(shown(&[("a", " x")]), "a=\" x\"");
        assert_eq!(shown(&[("a", "say \"hi\"")]), "a=\"say \\\"hi\\\"\"");
        // Bidirectional overrides are shown as escapes, not obeyed.
        assert_eq!(shown(&[("v", "x\u{202e}y")]), "v=\"x\\u{202e}y\"");
    }

    fn params() -> HeaderParams {
        let mut context = EncryptionContext::new();
        context.insert("env", "prod").unwrap();
        context.insert("app", "billing").unwrap();
        HeaderParams {
            keyring_id: [1; 16],
            key_name: "backups".into(),
            version: VersionRef {
                number: 3,
                id: [2; 16],
            },
            context,
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }

    #[test]
    fn seal_parse_open_round_trip() {
        let material = SecretKey32::from_bytes([7; 32]);
        let cek = Cek::generate();
        let header = Header::seal(&params(), &material, &cek, [3; 32], [4; 12]).unwrap();
        let bytes = header.to_bytes();
        assert_eq!(bytes.len(), header.len());
        let parsed = Header::parse(&bytes).unwrap();
        assert_eq!(parsed, header);
        assert_eq!(parsed.open(&material).unwrap(), cek);
        assert_eq!(
            parsed.open(&SecretKey32::from_bytes([8; 32])),
            Err(EnvelopeError::Damaged)
        );
        let (read, raw) = read_header(&mut &bytes[..]).unwrap();
        assert_eq!((read, raw), (header, bytes));
    }

    #[test]
    fn rewrap_keeps_length_and_payload_key() {
        let old = SecretKey32::from_bytes([7; 32]);
        let new = SecretKey32::from_bytes([9; 32]);
        let cek = Cek::generate();
        let header = Header::seal(&params(), &old, &cek, [3; 32], [4; 12]).unwrap();
        let next = VersionRef {
            number: 4,
            id: [5; 16],
        };
        let rekeyed = header.rewrap(&cek, &[2; 16], next, &new).unwrap();
        assert_eq!(rekeyed.len(), header.len());
        assert_eq!(rekeyed.to_bytes().len(), header.to_bytes().len());
        assert_eq!(rekeyed.key_stanza().unwrap().version, next);
        assert_eq!(rekeyed.open(&new).unwrap(), cek);
        assert!(rekeyed.open(&old).is_err());
        assert_eq!(
            cek.payload_key(&header.salt),
            cek.payload_key(&rekeyed.salt)
        );
    }

    #[test]
    fn every_flipped_byte_fails_parse_or_open() {
        let material = SecretKey32::from_bytes([7; 32]);
        let cek = Cek::generate();
        let bytes = Header::seal(&params(), &material, &cek, [3; 32], [4; 12])
            .unwrap()
            .to_bytes();
        for i in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= bit;
                let result = Header::parse(&bad).and_then(|h| h.open(&material));
                assert!(result.is_err(), "byte {i} bit {bit:#x}");
            }
        }
    }

    /// Issue 13, item 3: a format 2 key stanza is wrapped under a key
    /// derived from the version's material and the envelope's salt, never
    /// under the material itself; two envelopes never share a wrapping key.
    #[test]
    fn key_stanzas_wrap_under_a_per_envelope_key() {
        let material = SecretKey32::from_bytes([7; 32]);
        let cek = Cek::from_key(SecretKey32::from_bytes([9; 32]));
        let a = Header::seal(&params(), &material, &cek, [3; 32], [4; 12]).unwrap();
        let b = Header::seal(&params(), &material, &cek, [5; 32], [4; 12]).unwrap();
        let (ka, kb) = (a.key_stanza().unwrap(), b.key_stanza().unwrap());
        // Same material, CEK and nonce: different ciphertexts, so different keys.
        assert_ne!(ka.wrapped_cek[12..44], kb.wrapped_cek[12..44]);
        // The material alone (format 1's wrapping) does not open it.
        let mut v1_style = a.clone();
        v1_style.format = FORMAT_V1;
        assert!(v1_style.open(&material).is_err());
        assert_eq!(a.open(&material).unwrap(), cek);
        assert_eq!(b.open(&material).unwrap(), cek);
        assert_eq!(a.format, 2);
        assert_eq!(a.to_bytes()[8], 2);
    }

    fn recipient(byte: u8) -> RecipientStanza {
        RecipientStanza {
            scheme: RecipientScheme::HpkeP256,
            fingerprint: [byte; 32],
            sealed: vec![byte; HPKE_SEALED_LEN],
        }
    }

    #[test]
    fn stanzas_round_trip_and_their_limits_hold() {
        let material = SecretKey32::from_bytes([7; 32]);
        let cek = Cek::generate();
        let mut header = Header::start(DEFAULT_CHUNK_SIZE, &params().context, [3; 32]).unwrap();
        let p = params();
        header
            .add_key(
                p.keyring_id,
                &p.key_name,
                p.version,
                &material,
                &cek,
                [4; 12],
            )
            .unwrap();
        // The same version twice, or the same recipient twice, is refused.
        assert!(
            header
                .add_key(
                    p.keyring_id,
                    &p.key_name,
                    p.version,
                    &material,
                    &cek,
                    [4; 12]
                )
                .is_err()
        );
        header.add_recipient(recipient(1)).unwrap();
        assert!(header.add_recipient(recipient(1)).is_err());
        let mut rsa = recipient(2);
        rsa.scheme = RecipientScheme::RsaOaep256;
        rsa.sealed = vec![2; 384];
        header.add_recipient(rsa).unwrap();
        // A sealed CEK of the wrong size for its scheme is refused.
        let mut short = recipient(3);
        short.sealed.pop();
        assert!(header.add_recipient(short).is_err());
        header.finish(&cek);
        let bytes = header.to_bytes();
        assert_eq!(bytes.len(), header.len());
        let parsed = Header::parse(&bytes).unwrap();
        assert_eq!(parsed, header);
        assert_eq!(parsed.check_mac(&cek), Ok(()));
        assert_eq!(parsed.recipients().count(), 2);
        assert_eq!(parsed.open(&material).unwrap(), cek);
        // At most MAX_STANZAS.
        for i in 0..(MAX_STANZAS - 3) {
            header.add_recipient(recipient(10 + i as u8)).unwrap();
        }
        assert_eq!(header.stanzas.len(), MAX_STANZAS);
        assert!(header.add_recipient(recipient(99)).is_err());
        // A header with no stanza, or a count above the cap, does not parse.
        let mut none = Header::start(64, &EncryptionContext::new(), [1; 32]).unwrap();
        none.add_recipient(recipient(1)).unwrap();
        let mut raw = none.to_bytes();
        let count_at = PREFIX_LEN + 4 + SALT_LEN + 2;
        raw[count_at] = 0;
        assert_eq!(Header::parse(&raw), Err(EnvelopeError::Malformed));
        raw[count_at] = (MAX_STANZAS + 1) as u8;
        assert_eq!(Header::parse(&raw), Err(EnvelopeError::Malformed));
    }

    /// A recipient stanza's binding changes with every field of the header
    /// it is bound to, and with the recipient.
    #[test]
    fn recipient_binding_covers_the_header_and_the_recipient() {
        let header = Header::start(64, &params().context, [3; 32]).unwrap();
        let scheme = RecipientScheme::HpkeP256;
        let base = header.recipient_binding(scheme, &[1; 32]);
        assert!(base.len() <= 64, "HPKE info stays within 64 bytes");
        assert_ne!(base, header.recipient_binding(scheme, &[2; 32]));
        assert_ne!(
            base,
            header.recipient_binding(RecipientScheme::RsaOaep256, &[1; 32])
        );
        let other_salt = Header::start(64, &params().context, [4; 32]).unwrap();
        assert_ne!(base, other_salt.recipient_binding(scheme, &[1; 32]));
        let other_chunk = Header::start(128, &params().context, [3; 32]).unwrap();
        assert_ne!(base, other_chunk.recipient_binding(scheme, &[1; 32]));
        let no_context = Header::start(64, &EncryptionContext::new(), [3; 32]).unwrap();
        assert_ne!(base, no_context.recipient_binding(scheme, &[1; 32]));
    }

    #[test]
    fn hostile_lengths_are_refused_without_panic() {
        assert_eq!(Header::parse(b""), Err(EnvelopeError::NotEnvelope));
        assert_eq!(
            Header::parse(b"hello world"),
            Err(EnvelopeError::NotEnvelope)
        );
        assert_eq!(Header::parse(b"KCASK"), Err(EnvelopeError::Truncated));
        let mut prefix = MAGIC.to_vec();
        prefix.extend_from_slice(&[1, 1, 0xff, 0xff]);
        assert_eq!(
            read_header(&mut &prefix[..]).unwrap_err(),
            EnvelopeError::Malformed
        );
        prefix[8] = 2;
        prefix[10..12].copy_from_slice(&(MIN_HEADER_LEN as u16).to_be_bytes());
        assert_eq!(
            read_header(&mut &prefix[..]).unwrap_err(),
            EnvelopeError::Truncated
        );
        // Arbitrary bytes after a valid prefix never panic.
        for seed in 0..200u32 {
            let mut bytes = prefix.clone();
            let len = MIN_HEADER_LEN + (seed as usize % 300);
            bytes[10..12].copy_from_slice(&(len as u16).to_be_bytes());
            let mut x = seed.wrapping_mul(2654435761);
            while bytes.len() < len {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                bytes.push(x as u8);
            }
            let _ = Header::parse(&bytes);
        }
    }

    #[test]
    fn context_rules() {
        let mut c = EncryptionContext::new();
        assert!(c.insert_pair("env=prod").is_ok());
        assert!(c.insert_pair("env=dev").unwrap_err().contains("twice"));
        assert!(c.insert_pair("novalue").is_err());
        assert!(c.insert_pair("=x").is_err());
        assert!(c.insert_pair("a b=x").is_err());
        assert!(c.insert_pair("k=line\nbreak").is_err());
        assert!(c.insert_pair("empty=").is_ok());
        assert!(c.insert_pair("eq=a=b").is_ok());
        assert_eq!(c.get("eq"), Some("a=b"));
        assert_eq!(c.to_string(), r#"empty="", env=prod, eq="a=b""#);
    }
}
