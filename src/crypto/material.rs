//! Key material for each algorithm: generation from the OS CSPRNG and the
//! encodings keycask stores (raw 32 bytes for AES, PKCS#8 DER for private
//! keys, SPKI DER for public keys).

use anyhow::Result;
use p256::elliptic_curve::Generate;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey};

use crate::crypto;
use crate::error::Failure;
use crate::key::Algorithm;
use crate::secret::{SecretBytes, SecretKey32};

/// Fresh material for a key version, and its public key (SPKI DER) if any.
pub struct Generated {
    pub material: SecretBytes,
    pub public_key_der: Option<Vec<u8>>,
}

impl std::fmt::Debug for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generated").finish_non_exhaustive()
    }
}

pub fn generate(algorithm: Algorithm) -> Result<Generated> {
    match algorithm {
        Algorithm::Aes256Gcm => {
            let key = SecretKey32::generate();
            Ok(Generated {
                material: SecretBytes::new(key.expose_secret().to_vec()),
                public_key_der: None,
            })
        }
        Algorithm::P256 => {
            let secret = p256::SecretKey::generate_from_rng(&mut crate::random::os_rng());
            encoded(&secret, &secret.public_key(), "a P-256")
        }
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
            let bits = algorithm.rsa_bits().expect("an RSA algorithm");
            let private = rsa::PrivateKey::new(&mut crate::random::os_rng(), bits)
                .map_err(|e| Failure::other(format!("generating an RSA-{bits} key: {e}")))?;
            encoded(&private, &private.to_public_key(), "an RSA")
        }
    }
}

/// A fresh private key as PKCS#8 DER and its public key as SPKI DER; `what`
/// ("a P-256") names the key in an error.
fn encoded(
    private: &impl EncodePrivateKey,
    public: &impl EncodePublicKey,
    what: &str,
) -> Result<Generated> {
    let pkcs8 = private
        .to_pkcs8_der()
        .map_err(|e| Failure::other(format!("encoding {what} key: {e}")))?;
    let public = public
        .to_public_key_der()
        .map_err(|e| Failure::other(format!("encoding {what} public key: {e}")))?;
    Ok(Generated {
        material: SecretBytes::from(pkcs8.to_bytes()),
        public_key_der: Some(public.as_bytes().to_vec()),
    })
}

/// The fingerprint of a public key: SHA-256 over its SPKI DER, in hex, the
/// same as `openssl pkey -pubin -outform DER | sha256sum`.
pub fn fingerprint(spki_der: &[u8]) -> String {
    fingerprint_text(&crypto::sha256(spki_der))
}

/// `SHA256:<hex>`, the form `show`, `inspect` and the messages print a
/// public key's fingerprint in.
pub fn fingerprint_text(fingerprint: &[u8; 32]) -> String {
    format!("SHA256:{}", hex::encode(fingerprint))
}
