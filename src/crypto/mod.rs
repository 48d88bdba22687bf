//! Thin, typed wrappers over the RustCrypto crates: AES-256-GCM with
//! associated data, HKDF-SHA256, HMAC-SHA256 and the OS random generator.
//! Nothing here knows about keyrings or the command line.
//!
//! [`asymmetric`] holds the public and private keys (P-256, RSA) and
//! [`material`] the key material of each algorithm.

pub mod asymmetric;
pub mod material;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::random::random_array;
use crate::secret::SecretKey32;

pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// The authentication failed: wrong key, or the bytes or their associated
/// data were changed. Deliberately says nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthError;

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("authentication failed")
    }
}

impl std::error::Error for AuthError {}

fn cipher(key: &SecretKey32) -> Aes256Gcm {
    Aes256Gcm::new(key.expose_secret().into())
}

/// AES-256-GCM under a fresh random nonce: returns `nonce || ciphertext || tag`.
pub fn seal(key: &SecretKey32, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce: [u8; NONCE_LEN] = random_array();
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    let ciphertext = cipher(key)
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    out.extend_from_slice(&ciphertext);
    out
}

/// Opens what [`seal`] produced. The plaintext is returned in a zeroizing buffer.
pub fn open(
    key: &SecretKey32,
    sealed: &[u8],
    aad: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, AuthError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(AuthError);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| AuthError)?;
    cipher(key)
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(zeroize::Zeroizing::new)
        .map_err(|_| AuthError)
}

/// HKDF-SHA256 to a 256-bit key.
pub fn hkdf_sha256(ikm: &[u8], salt: Option<&[u8]>, info: &[u8]) -> SecretKey32 {
    let hk = hkdf::Hkdf::<Sha256>::new(salt, ikm);
    let mut okm = zeroize::Zeroizing::new([0u8; 32]);
    hk.expand(info, okm.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    SecretKey32::from(okm)
}

pub fn hmac_sha256(key: &SecretKey32, message: &[u8]) -> [u8; 32] {
    hmac_sha256_parts(key, &[message])
}

/// HMAC-SHA256 of the concatenation of `parts`, without building it (the
/// keyring MAC's input is most of a file of tens of megabytes).
pub fn hmac_sha256_parts(key: &SecretKey32, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key.expose_secret())
        .expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Checks an HMAC-SHA256 tag in constant time.
pub fn hmac_sha256_verify(key: &SecretKey32, message: &[u8], tag: &[u8]) -> Result<(), AuthError> {
    hmac_sha256_verify_parts(key, &[message], tag)
}

/// Checks an HMAC-SHA256 tag over the concatenation of `parts`.
pub fn hmac_sha256_verify_parts(
    key: &SecretKey32,
    parts: &[&[u8]],
    tag: &[u8],
) -> Result<(), AuthError> {
    let expected = hmac_sha256_parts(key, parts);
    if tag.len() == expected.len() && bool::from(expected.ct_eq(tag)) {
        Ok(())
    } else {
        Err(AuthError)
    }
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let key = SecretKey32::generate();
        let sealed = seal(&key, b"material", b"place-a");
        assert_eq!(
            open(&key, &sealed, b"place-a").unwrap().as_slice(),
            b"material"
        );
        assert_eq!(open(&key, &sealed, b"place-b"), Err(AuthError));
        assert_eq!(
            open(&SecretKey32::generate(), &sealed, b"place-a"),
            Err(AuthError)
        );
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert_eq!(open(&key, &bad, b"place-a"), Err(AuthError), "byte {i}");
        }
        assert_eq!(open(&key, &sealed[..20], b"place-a"), Err(AuthError));
    }

    #[test]
    fn hmac_known_answer() {
        // RFC 4231 test case 2 uses a short key; check our wrapper against a
        // 32-byte key computed independently with `openssl dgst -sha256 -mac hmac`.
        let key = SecretKey32::from_bytes([0x0b; 32]);
        let tag = hmac_sha256(&key, b"Hi There");
        assert_eq!(
            hex::encode(tag),
            "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"
        );
        assert!(hmac_sha256_verify(&key, b"Hi There", &tag).is_ok());
        assert!(hmac_sha256_verify(&key, b"Hi there", &tag).is_err());
    }
}
