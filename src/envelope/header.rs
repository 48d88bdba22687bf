//! The envelope header: its fields, its byte encoding, the wrapped CEK and
//! the header MAC (docs/FORMAT.md, "Envelope").
//!
//! Parsing is written for hostile bytes: every length is checked against a
//! small cap before anything is allocated, and nothing here panics on input.

use std::collections::BTreeMap;
use std::io::Read;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

use super::EnvelopeError;
use crate::crypto;
use crate::secret::SecretKey32;

/// The first eight bytes of every binary envelope.
pub const MAGIC: &[u8; 8] = b"KCASKENV";
/// The envelope format this build reads and writes.
pub const FORMAT_VERSION: u8 = 1;
/// Algorithm 1: the CEK is wrapped with AES-256-GCM by an `aes256-gcm` key
/// version, and the payload is AES-256-GCM STREAM.
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
pub const MAX_CONTEXT_PAIRS: usize = 64;
pub const MAX_CONTEXT_KEY_LEN: usize = 64;
pub const MAX_CONTEXT_VALUE_LEN: usize = 1024;
/// The encoded context (its 2-byte length excluded) is at most this long.
pub const MAX_CONTEXT_LEN: usize = 8192;

/// Bytes of the header that do not depend on the key name or the context.
const FIXED_LEN: usize =
    PREFIX_LEN + 4 + SALT_LEN + ID_LEN + 1 + 2 + ID_LEN + 4 + WRAPPED_CEK_LEN + MAC_LEN;
pub const MIN_HEADER_LEN: usize = FIXED_LEN + 1;
pub const MAX_HEADER_LEN: usize = FIXED_LEN + MAX_KEY_NAME_LEN + MAX_CONTEXT_LEN;

const CEK_WRAP_LABEL: &[u8] = b"keycask/envelope/v1/cek";
const MAC_INFO: &[u8] = b"keycask/envelope/v1/header-mac";
const PAYLOAD_INFO: &[u8] = b"keycask/envelope/v1/payload";

/// The encryption context: sorted, unique `key=value` pairs, bound into the
/// header and shown by `inspect`. Not secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionContext(BTreeMap<String, String>);

impl EncryptionContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one pair, checking it against the format's rules. The message of
    /// the error says what is wrong with it.
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), String> {
        check_context_key(key)?;
        check_context_value(value)?;
        if self.0.contains_key(key) {
            return Err(format!("context key '{key}' is given twice"));
        }
        if self.0.len() >= MAX_CONTEXT_PAIRS {
            return Err(format!("at most {MAX_CONTEXT_PAIRS} context pairs"));
        }
        self.0.insert(key.to_string(), value.to_string());
        if self.encoded_len() > MAX_CONTEXT_LEN {
            self.0.remove(key);
            return Err(format!(
                "the context is longer than {MAX_CONTEXT_LEN} bytes encoded"
            ));
        }
        Ok(())
    }

    /// Parses `key=value`.
    pub fn insert_pair(&mut self, pair: &str) -> Result<(), String> {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("context '{}' is not key=value", shorten(pair)))?;
        self.insert(key, value)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn encoded_len(&self) -> usize {
        self.0.iter().map(|(k, v)| 1 + k.len() + 2 + v.len()).sum()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        for (k, v) in &self.0 {
            out.push(k.len() as u8);
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.extend_from_slice(v.as_bytes());
        }
    }

    fn decode(mut bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let mut context = EncryptionContext::new();
        let mut previous: Option<String> = None;
        while !bytes.is_empty() {
            let mut r = Cursor(bytes);
            let klen = r.u8()? as usize;
            let key = r.take(klen)?;
            let vlen = r.u16()? as usize;
            let value = r.take(vlen)?;
            let key = std::str::from_utf8(key).map_err(|_| EnvelopeError::Malformed)?;
            let value = std::str::from_utf8(value).map_err(|_| EnvelopeError::Malformed)?;
            // Canonical: strictly ascending keys, so one context has one encoding.
            if previous.as_deref().is_some_and(|p| p >= key) {
                return Err(EnvelopeError::Malformed);
            }
            context
                .insert(key, value)
                .map_err(|_| EnvelopeError::Malformed)?;
            previous = Some(key.to_string());
            bytes = r.0;
        }
        Ok(context)
    }
}

impl std::fmt::Display for EncryptionContext {
    /// `k1=v1, k2=v2`, for messages (see [`context_text`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&context_text(self.iter()))
    }
}

/// Context pairs for people: `k1=v1, k2=v2`. A value that could be misread
/// in that form (a comma, an `=`, a quote, spaces at its ends, an empty
/// value) or that holds characters a terminal does not show as themselves
/// (control and bidirectional-formatting characters) is quoted and escaped:
/// `note="a, b"`, `v="x\u{202e}y"`. Keys are plain by construction.
pub fn context_text<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .map(|(k, v)| {
            let plain = !v.is_empty()
                && v.trim() == v
                && !v.contains([',', '=', '"', '\\'])
                && v.chars()
                    .all(|c| c == ' ' || c == '\'' || c.escape_debug().len() == 1);
            if plain {
                format!("{k}={v}")
            } else {
                format!("{k}=\"{}\"", v.escape_debug())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

fn check_context_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= MAX_CONTEXT_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid context key '{}': 1 to {MAX_CONTEXT_KEY_LEN} of A-Z a-z 0-9 . _ -",
            shorten(key)
        ))
    }
}

fn check_context_value(value: &str) -> Result<(), String> {
    if value.len() > MAX_CONTEXT_VALUE_LEN {
        return Err(format!(
            "a context value is at most {MAX_CONTEXT_VALUE_LEN} bytes"
        ));
    }
    if value.chars().any(char::is_control) {
        return Err("a context value cannot hold control characters".into());
    }
    Ok(())
}

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

    /// The key of the header MAC: HKDF-SHA256(CEK, salt, "…/header-mac").
    fn mac_key(&self, salt: &[u8; SALT_LEN]) -> SecretKey32 {
        crypto::hkdf_sha256(self.0.expose_secret(), Some(salt), MAC_INFO)
    }

    /// The payload key: HKDF-SHA256(CEK, salt, "…/payload"). It depends on
    /// nothing but the CEK and the salt, so re-keying the header leaves the
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

/// A parsed envelope header. Everything in it is public; the CEK is not in
/// it, only wrapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub chunk_size: u32,
    pub salt: [u8; SALT_LEN],
    pub keyring_id: [u8; ID_LEN],
    pub key_name: String,
    pub context: EncryptionContext,
    pub version: VersionRef,
    pub wrapped_cek: [u8; WRAPPED_CEK_LEN],
    pub mac: [u8; MAC_LEN],
}

/// Everything that makes a header except the CEK and the randomness, which
/// [`Header::seal`] takes separately so test vectors can fix them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderParams {
    pub keyring_id: [u8; ID_LEN],
    pub key_name: String,
    pub version: VersionRef,
    pub context: EncryptionContext,
    pub chunk_size: u32,
}

impl Header {
    /// A new header for `cek`, wrapped under `material` (the key version's
    /// 32 bytes), with the given salt and wrapping nonce.
    pub fn seal(
        params: &HeaderParams,
        material: &SecretKey32,
        cek: &Cek,
        salt: [u8; SALT_LEN],
        wrap_nonce: [u8; 12],
    ) -> Result<Header, EnvelopeError> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&params.chunk_size) {
            return Err(EnvelopeError::Malformed);
        }
        if params.key_name.is_empty()
            || params.key_name.len() > MAX_KEY_NAME_LEN
            || !params.key_name.is_ascii()
        {
            return Err(EnvelopeError::Malformed);
        }
        let mut header = Header {
            chunk_size: params.chunk_size,
            salt,
            keyring_id: params.keyring_id,
            key_name: params.key_name.clone(),
            context: params.context.clone(),
            version: params.version,
            wrapped_cek: [0; WRAPPED_CEK_LEN],
            mac: [0; MAC_LEN],
        };
        header.wrap_cek(material, cek, wrap_nonce);
        header.mac = header.compute_mac(cek);
        Ok(header)
    }

    /// The same header for another version of the same key: the CEK is
    /// wrapped anew under `material` and the MAC recomputed. Salt, context,
    /// chunk size and key name are unchanged, so the encoding has exactly
    /// the same length and the payload stays valid (for `rekey`).
    pub fn rewrap(&self, cek: &Cek, version: VersionRef, material: &SecretKey32) -> Header {
        let mut header = self.clone();
        header.version = version;
        header.wrap_cek(material, cek, crypto::random_array());
        header.mac = header.compute_mac(cek);
        header
    }

    fn wrap_cek(&mut self, material: &SecretKey32, cek: &Cek, nonce: [u8; 12]) {
        let aad = self.cek_aad();
        let mut buf = *cek.expose_secret();
        let tag = Aes256Gcm::new(material.expose_secret().into())
            .encrypt_inout_detached(&Nonce::from(nonce), &aad, buf.as_mut_slice().into())
            .expect("AES-GCM of 32 bytes cannot fail");
        self.wrapped_cek[..12].copy_from_slice(&nonce);
        self.wrapped_cek[12..44].copy_from_slice(&buf);
        self.wrapped_cek[44..].copy_from_slice(&tag);
        zeroize::Zeroize::zeroize(&mut buf);
    }

    /// Unwraps the CEK with the key version's material and checks the header
    /// MAC. Either failure is the same vague [`EnvelopeError::Damaged`].
    pub fn open(&self, material: &SecretKey32) -> Result<Cek, EnvelopeError> {
        let aad = self.cek_aad();
        let nonce: [u8; 12] = self.wrapped_cek[..12].try_into().expect("12 bytes");
        let tag: [u8; 16] = self.wrapped_cek[44..].try_into().expect("16 bytes");
        let mut buf = zeroize::Zeroizing::new([0u8; 32]);
        buf.copy_from_slice(&self.wrapped_cek[12..44]);
        Aes256Gcm::new(material.expose_secret().into())
            .decrypt_inout_detached(
                &Nonce::from(nonce),
                &aad,
                buf.as_mut_slice().into(),
                &Tag::from(tag),
            )
            .map_err(|_| EnvelopeError::Damaged)?;
        let cek = Cek(SecretKey32::from(buf));
        crypto::hmac_sha256_verify(
            &cek.mac_key(&self.salt),
            &self.to_bytes()[..self.len() - MAC_LEN],
            &self.mac,
        )
        .map_err(|_| EnvelopeError::Damaged)?;
        Ok(cek)
    }

    fn compute_mac(&self, cek: &Cek) -> [u8; MAC_LEN] {
        let bytes = self.to_bytes();
        crypto::hmac_sha256(&cek.mac_key(&self.salt), &bytes[..bytes.len() - MAC_LEN])
    }

    /// The associated data of the wrapped CEK: a label and every header byte
    /// before the wrapped CEK, which binds the CEK to the keyring, key name,
    /// version, salt, chunk size and context.
    fn cek_aad(&self) -> Vec<u8> {
        let bytes = self.to_bytes();
        let end = self.len() - MAC_LEN - WRAPPED_CEK_LEN;
        let mut aad = Vec::with_capacity(CEK_WRAP_LABEL.len() + end);
        aad.extend_from_slice(CEK_WRAP_LABEL);
        aad.extend_from_slice(&bytes[..end]);
        aad
    }

    /// The encoded length of this header: where the payload starts.
    pub fn len(&self) -> usize {
        FIXED_LEN + self.key_name.len() + self.context.encoded_len()
    }

    /// Never true: a header has at least its fixed fields.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The header's bytes, as written at the start of an envelope.
    pub fn to_bytes(&self) -> Vec<u8> {
        let len = self.len();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        out.push(ALG_AES256_GCM);
        out.extend_from_slice(&(len as u16).to_be_bytes());
        out.extend_from_slice(&self.chunk_size.to_be_bytes());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.keyring_id);
        out.push(self.key_name.len() as u8);
        out.extend_from_slice(self.key_name.as_bytes());
        out.extend_from_slice(&(self.context.encoded_len() as u16).to_be_bytes());
        self.context.encode(&mut out);
        out.extend_from_slice(&self.version.id);
        out.extend_from_slice(&self.version.number.to_be_bytes());
        out.extend_from_slice(&self.wrapped_cek);
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
        let mut r = Cursor(&bytes[PREFIX_LEN..]);
        let chunk_size = r.u32()?;
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(EnvelopeError::Malformed);
        }
        let salt = r.array::<SALT_LEN>()?;
        let keyring_id = r.array::<ID_LEN>()?;
        let name_len = r.u8()? as usize;
        if name_len == 0 || name_len > MAX_KEY_NAME_LEN {
            return Err(EnvelopeError::Malformed);
        }
        let key_name = r.take(name_len)?;
        if crate::keyring::validate_key_name(
            std::str::from_utf8(key_name).map_err(|_| EnvelopeError::Malformed)?,
        )
        .is_err()
        {
            return Err(EnvelopeError::Malformed);
        }
        let key_name =
            String::from_utf8(key_name.to_vec()).map_err(|_| EnvelopeError::Malformed)?;
        let context_len = r.u16()? as usize;
        if context_len > MAX_CONTEXT_LEN {
            return Err(EnvelopeError::Malformed);
        }
        let context = EncryptionContext::decode(r.take(context_len)?)?;
        let id = r.array::<ID_LEN>()?;
        let number = r.u32()?;
        if number == 0 {
            return Err(EnvelopeError::Malformed);
        }
        let wrapped_cek = r.array::<WRAPPED_CEK_LEN>()?;
        let mac = r.array::<MAC_LEN>()?;
        if !r.0.is_empty() {
            return Err(EnvelopeError::Malformed);
        }
        Ok(Header {
            chunk_size,
            salt,
            keyring_id,
            key_name,
            context,
            version: VersionRef { number, id },
            wrapped_cek,
            mac,
        })
    }
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
    if bytes[8] != FORMAT_VERSION {
        return Err(EnvelopeError::UnsupportedVersion(bytes[8]));
    }
    if bytes[9] != ALG_AES256_GCM {
        return Err(EnvelopeError::Malformed);
    }
    let declared = u16::from_be_bytes([bytes[10], bytes[11]]) as usize;
    if !(MIN_HEADER_LEN..=MAX_HEADER_LEN).contains(&declared) {
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

/// A bounds-checked reader over a byte slice.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EnvelopeError> {
        if self.0.len() < n {
            return Err(EnvelopeError::Malformed);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], EnvelopeError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn u8(&mut self) -> Result<u8, EnvelopeError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, EnvelopeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, EnvelopeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
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
        let rekeyed = header.rewrap(&cek, next, &new);
        assert_eq!(rekeyed.len(), header.len());
        assert_eq!(rekeyed.to_bytes().len(), header.to_bytes().len());
        assert_eq!(rekeyed.version, next);
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
