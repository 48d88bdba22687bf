//! Asymmetric keys in the encodings the rest of the world reads and writes:
//! SPKI, PKCS#8, SEC1 and PKCS#1, as DER or PEM; JWK for public keys. ECDSA
//! P-256 and RSA (PSS or PKCS#1 v1.5) signatures over a SHA-256 digest, and
//! the two key-transport primitives of bundles: ECDH on P-256 and RSA-OAEP
//! with SHA-256.
//!
//! Nothing here knows about keyrings or the command line. Errors are
//! [`Failure`]s that name what is wrong with a key (its curve, its size, a
//! private key where a public one belongs) and never echo key bytes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::elliptic_curve::Generate;
use p256::pkcs8::der::Decode;
use p256::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use p256::pkcs8::{
    DecodePrivateKey, EncodePrivateKey, LineEnding, ObjectIdentifier, PrivateKeyInfoRef,
    SubjectPublicKeyInfoRef,
};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::Failure;
use crate::key::Algorithm;
use crate::secret::{SecretBytes, SecretKey32};

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The smallest RSA modulus keycask accepts anywhere.
pub const MIN_RSA_BITS: usize = 2048;

/// A people's name for a curve OID, for error messages.
fn curve_name(oid: &ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.3.132.0.34" => "P-384 (secp384r1)".into(),
        "1.3.132.0.35" => "P-521 (secp521r1)".into(),
        "1.3.132.0.10" => "secp256k1".into(),
        "1.2.840.10045.3.1.1" => "P-192 (prime192v1)".into(),
        "1.3.132.0.33" => "P-224 (secp224r1)".into(),
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1".into(),
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1".into(),
        other => format!("the curve with OID {other}"),
    }
}

/// A people's name for a key algorithm OID, for error messages.
fn algorithm_name(oid: &ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.3.101.112" => "Ed25519".into(),
        "1.3.101.113" => "Ed448".into(),
        "1.3.101.110" => "X25519".into(),
        "1.3.101.111" => "X448".into(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS-restricted RSA".into(),
        "1.2.840.10040.4.1" => "DSA".into(),
        other => format!("the algorithm with OID {other}"),
    }
}

fn unsupported_curve(oid: &ObjectIdentifier) -> Failure {
    Failure::usage(format!(
        "EC keys on {} are not supported: keycask uses P-256 (prime256v1) only",
        curve_name(oid)
    ))
    .hint("generate a P-256 key: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256")
}

/// Refuses EC key parameters that name a curve other than P-256; `what`
/// names the key when the parameters cannot be read.
fn require_p256(
    algorithm: &p256::pkcs8::spki::AlgorithmIdentifierRef<'_>,
    what: &str,
) -> Result<(), Failure> {
    let curve = algorithm.parameters_oid().map_err(|_| malformed(what))?;
    if curve != OID_P256 {
        return Err(unsupported_curve(&curve));
    }
    Ok(())
}

fn unsupported_algorithm(oid: &ObjectIdentifier) -> Failure {
    Failure::usage(format!(
        "{} keys are not supported: keycask uses P-256 and RSA (2048 bits or more)",
        algorithm_name(oid)
    ))
}

fn rsa_too_small(bits: usize) -> Failure {
    Failure::usage(format!(
        "RSA-{bits} keys are refused: RSA under {MIN_RSA_BITS} bits is breakable"
    ))
    .hint("use an RSA key of 3072 bits (or 2048, 4096), or a P-256 key")
}

fn malformed(what: &str) -> Failure {
    Failure::usage(format!("{what} is malformed"))
}

/// The bit length of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    match trimmed.first() {
        Some(first) => trimmed.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// A public key keycask can verify with and seal to.
#[derive(Clone, Debug, PartialEq)]
pub enum PublicKey {
    P256(p256::PublicKey),
    Rsa(rsa::PublicKey),
}

/// A private key: the material of a P-256 or RSA key version.
pub enum PrivateKey {
    P256(p256::SecretKey),
    Rsa(Box<rsa::PrivateKey>),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey").finish_non_exhaustive()
    }
}

/// The RSA-PSS salt length keycask signs with and requires when verifying:
/// the digest length (SHA-256), OpenSSL's `rsa_pss_saltlen:digest`.
pub const PSS_SALT_LEN: usize = 32;

/// The RSA signature padding; ECDSA has only one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaScheme {
    /// RSASSA-PSS, SHA-256, MGF1-SHA-256, salt of 32 bytes when signing.
    Pss,
    /// RSASSA-PKCS1-v1_5 with SHA-256, for legacy verifiers.
    Pkcs1v15,
}

/// A signature did not verify, or was not a well-formed signature at all.
/// Deliberately says nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadSignature;

impl PublicKey {
    /// Decodes a DER SubjectPublicKeyInfo, naming any curve, size or
    /// algorithm keycask refuses.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, Failure> {
        let spki =
            SubjectPublicKeyInfoRef::from_der(der).map_err(|_| malformed("the public key"))?;
        let oid = spki.algorithm.oid;
        if oid == OID_EC_PUBLIC_KEY {
            require_p256(&spki.algorithm, "the EC public key")?;
            p256::PublicKey::from_public_key_der(der)
                .map(PublicKey::P256)
                .map_err(|_| malformed("the P-256 public key"))
        } else if oid == OID_RSA {
            let bytes = spki
                .subject_public_key
                .as_bytes()
                .ok_or_else(|| malformed("the RSA public key"))?;
            let pkcs1 = rsa::pkcs1::RsaPublicKeyRef::from_der(bytes)
                .map_err(|_| malformed("the RSA public key"))?;
            Self::rsa_checked(pkcs1.modulus.as_bytes(), || {
                rsa::PublicKey::from_public_key_der(der)
            })
        } else {
            Err(unsupported_algorithm(&oid))
        }
    }

    /// Decodes a DER PKCS#1 RSAPublicKey (`RSA PUBLIC KEY` in PEM).
    fn from_pkcs1_der(der: &[u8]) -> Result<PublicKey, Failure> {
        let pkcs1 = rsa::pkcs1::RsaPublicKeyRef::from_der(der)
            .map_err(|_| malformed("the RSA public key"))?;
        Self::rsa_checked(pkcs1.modulus.as_bytes(), || {
            rsa::PublicKey::from_pkcs1_der(der)
        })
    }

    fn rsa_checked<E>(
        modulus: &[u8],
        decode: impl FnOnce() -> Result<rsa::PublicKey, E>,
    ) -> Result<PublicKey, Failure> {
        let bits = bit_length(modulus);
        if bits < MIN_RSA_BITS {
            return Err(rsa_too_small(bits));
        }
        if bits > rsa::PublicKey::MAX_SIZE {
            return Err(Failure::usage(format!(
                "RSA-{bits} keys are not supported: the limit is {} bits",
                rsa::PublicKey::MAX_SIZE
            )));
        }
        decode()
            .map(PublicKey::Rsa)
            .map_err(|_| malformed("the RSA public key"))
    }

    /// Decodes a PEM public key: `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY`
    /// (PKCS#1). A private key, an encrypted key or a certificate is refused
    /// with the command that extracts the public key.
    pub fn from_pem(text: &[u8], source: &str) -> Result<PublicKey, Failure> {
        let blocks = pem_blocks(text, source)?;
        for (label, der) in &blocks {
            match label.as_str() {
                "PUBLIC KEY" => return PublicKey::from_spki_der(der),
                "RSA PUBLIC KEY" => return PublicKey::from_pkcs1_der(der),
                label if label.contains("PRIVATE KEY") => {
                    return Err(Failure::usage(format!(
                        "{source} holds a private key where a public key is expected"
                    ))
                    .hint(format!(
                        "give its public half: `keycask export NAME --public`, or `openssl pkey -in {source} -pubout`"
                    )));
                }
                "CERTIFICATE" => {
                    return Err(Failure::usage(format!(
                        "{source} holds a certificate, not a public key"
                    ))
                    .hint(format!(
                        "extract its public key: openssl x509 -in {source} -pubkey -noout"
                    )));
                }
                _ => {}
            }
        }
        Err(no_pem_key(source, "PUBLIC KEY", &blocks))
    }

    /// When a PEM public key is not stored in the form keycask fingerprints
    /// (a compressed P-256 point), the OpenSSL command that gives the same
    /// fingerprint, to print beside it; `None` when the plain `openssl pkey
    /// -pubin -outform DER` already does.
    pub fn fingerprint_note(&self, text: &[u8], source: &str) -> Option<String> {
        let blocks = pem_blocks(text, source).ok()?;
        let (_, der) = blocks.iter().find(|(label, _)| label == "PUBLIC KEY")?;
        if der.as_slice() == self.to_spki_der().as_slice() {
            return None;
        }
        Some(match self {
            PublicKey::P256(_) => format!(
                "note: {source} holds the P-256 point compressed; keycask's fingerprint is over the uncompressed SubjectPublicKeyInfo, as `openssl pkey -pubin -in {source} -ec_conv_form uncompressed -outform DER | sha256sum` computes it"
            ),
            PublicKey::Rsa(_) => format!(
                "note: {source} is not in canonical DER; keycask's fingerprint is over the SubjectPublicKeyInfo re-encoded, as `openssl pkey -pubin -in {source} -outform DER | sha256sum` computes it"
            ),
        })
    }

    pub fn to_spki_der(&self) -> Vec<u8> {
        let doc = match self {
            PublicKey::P256(key) => key.to_public_key_der(),
            PublicKey::Rsa(key) => key.to_public_key_der(),
        };
        doc.expect("a valid public key always encodes")
            .as_bytes()
            .to_vec()
    }

    pub fn to_pem(&self) -> String {
        let pem = match self {
            PublicKey::P256(key) => key.to_public_key_pem(LineEnding::LF),
            PublicKey::Rsa(key) => key.to_public_key_pem(LineEnding::LF),
        };
        pem.expect("a valid public key always encodes")
    }

    /// `SHA256:<hex>` over the SPKI DER, as `crate::crypto::material::fingerprint`.
    pub fn fingerprint(&self) -> String {
        super::material::fingerprint(&self.to_spki_der())
    }

    /// `P-256` or `RSA-3072`.
    pub fn describe(&self) -> String {
        match self {
            PublicKey::P256(_) => "P-256".into(),
            PublicKey::Rsa(key) => format!("RSA-{}", key.n().bit_width()),
        }
    }

    /// The public key as a JWK (RFC 7517/7518). `sign` keys carry `use:sig`
    /// and their JOSE algorithm (ES256, PS256); transport keys `use:enc` and
    /// no `alg`, since keycask's bundles are not JOSE.
    pub fn to_jwk(&self, kid: &str, signing: bool) -> Value {
        let mut jwk = match self {
            PublicKey::P256(key) => {
                let point = key.to_sec1_bytes();
                // Uncompressed SEC1: 0x04 || x (32) || y (32).
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": B64URL.encode(&point[1..33]),
                    "y": B64URL.encode(&point[33..65]),
                })
            }
            PublicKey::Rsa(key) => json!({
                "kty": "RSA",
                "n": B64URL.encode(key.n_bytes()),
                "e": B64URL.encode(key.e_bytes()),
            }),
        };
        let object = jwk.as_object_mut().expect("built as an object");
        object.insert("kid".into(), kid.into());
        object.insert("use".into(), if signing { "sig" } else { "enc" }.into());
        // The algorithm keycask uses the key for (RFC 7518 names): signing
        // with ECDSA P-256 or RSA-PSS, or key transport with ECDH-ES or
        // RSA-OAEP-256.
        let alg = match (self, signing) {
            (PublicKey::P256(_), true) => "ES256",
            (PublicKey::Rsa(_), true) => "PS256",
            (PublicKey::P256(_), false) => "ECDH-ES",
            (PublicKey::Rsa(_), false) => "RSA-OAEP-256",
        };
        object.insert("alg".into(), alg.into());
        jwk
    }

    /// Verifies a signature over a SHA-256 digest. ECDSA signatures must be
    /// canonical DER with `r` and `s` in range; a high `s` is accepted (OpenSSL
    /// and most signers other than keycask make them half the time). RSA
    /// signatures must be exactly the modulus length; PSS requires a salt of
    /// exactly [`PSS_SALT_LEN`] bytes, as `openssl dgst -verify -sigopt
    /// rsa_pss_saltlen:32` does and as FIPS 186-5 asks of a verifier that
    /// knows the signer's salt length.
    pub fn verify_digest(
        &self,
        digest: &[u8; 32],
        signature: &[u8],
        scheme: RsaScheme,
    ) -> Result<(), BadSignature> {
        match self {
            PublicKey::P256(key) => {
                let parsed =
                    p256::ecdsa::DerSignature::from_bytes(signature).map_err(|_| BadSignature)?;
                let fixed = p256::ecdsa::Signature::try_from(parsed).map_err(|_| BadSignature)?;
                // Strict DER: the signature must be exactly what encoding (r, s) gives.
                if fixed.to_der().as_bytes() != signature {
                    return Err(BadSignature);
                }
                p256::ecdsa::VerifyingKey::from(key)
                    .verify_prehash(digest, &fixed)
                    .map_err(|_| BadSignature)
            }
            PublicKey::Rsa(key) => {
                let result = match scheme {
                    // The crate checks the salt length when it is given
                    // (`salt_len: None` would detect any length).
                    RsaScheme::Pss => key.verify(
                        rsa::Pss::<Sha256>::new_with_salt(PSS_SALT_LEN),
                        digest,
                        signature,
                    ),
                    RsaScheme::Pkcs1v15 => key.pkcs1v15_verify_prehash::<Sha256>(digest, signature),
                };
                result.map_err(|_| BadSignature)
            }
        }
    }

    /// Whether `signature` is a valid RSA-PSS signature of `digest` with a
    /// salt of another length than [`PSS_SALT_LEN`]: such a signature does
    /// not verify, and this only lets the refusal say why (every input is
    /// public, so it tells nobody anything they could not compute).
    pub fn is_pss_with_other_salt(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
        let PublicKey::Rsa(key) = self else {
            return false;
        };
        let any_salt = rsa::Pss::<Sha256> {
            blinded: false,
            digest: <Sha256 as sha2::Digest>::new(),
            salt_len: None,
        };
        key.verify(any_salt, digest, signature).is_ok()
            && self
                .verify_digest(digest, signature, RsaScheme::Pss)
                .is_err()
    }
}

impl PrivateKey {
    /// Decodes PKCS#8 DER (what keycask stores), naming refused curves and
    /// sizes.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, Failure> {
        let info = PrivateKeyInfoRef::from_der(der).map_err(|_| malformed("the private key"))?;
        let oid = info.algorithm.oid;
        if oid == OID_EC_PUBLIC_KEY {
            require_p256(&info.algorithm, "the EC private key")?;
            p256::SecretKey::from_pkcs8_der(der)
                .map(PrivateKey::P256)
                .map_err(|_| malformed("the P-256 private key"))
        } else if oid == OID_RSA {
            let pkcs1 = rsa::pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
                .map_err(|_| malformed("the RSA private key"))?;
            let bits = bit_length(pkcs1.modulus.as_bytes());
            if bits < MIN_RSA_BITS {
                return Err(rsa_too_small(bits));
            }
            rsa::PrivateKey::from_pkcs8_der(der)
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(|_| malformed("the RSA private key"))
        } else {
            Err(unsupported_algorithm(&oid))
        }
    }

    /// Decodes a PEM private key: PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE
    /// KEY` or PKCS#1 `RSA PRIVATE KEY`. Encrypted keys are refused with the
    /// command that decrypts them into a pipe.
    pub fn from_pem(text: &[u8], source: &str) -> Result<PrivateKey, Failure> {
        let encrypted = || {
            Failure::usage(format!("{source} holds an encrypted private key"))
                .hint(format!(
                    "decrypt it into a pipe, never to disk: openssl pkey -in {source} | keycask import NAME --pem -"
                ))
        };
        if text.windows(10).any(|w| w == b"Proc-Type:") {
            return Err(encrypted());
        }
        let blocks = pem_blocks(text, source)?;
        let private_keys = blocks
            .iter()
            .filter(|(label, _)| label.ends_with("PRIVATE KEY"))
            .count();
        if private_keys > 1 {
            return Err(Failure::usage(format!(
                "{source} holds {private_keys} private keys; keycask imports one key from a file"
            ))
            .hint("split it so that each file holds one key, and import each under its own name"));
        }
        for (label, der) in &blocks {
            match label.as_str() {
                "PRIVATE KEY" => return PrivateKey::from_pkcs8_der(der),
                "EC PRIVATE KEY" => {
                    return p256::SecretKey::from_sec1_der(der)
                        .map(PrivateKey::P256)
                        .map_err(|_| {
                            Failure::usage(format!(
                                "{source} is not a P-256 private key: keycask uses EC keys on P-256 (prime256v1) only"
                            ))
                        });
                }
                "RSA PRIVATE KEY" => {
                    let pkcs1 = rsa::pkcs1::RsaPrivateKeyRef::from_der(der)
                        .map_err(|_| malformed("the RSA private key"))?;
                    let bits = bit_length(pkcs1.modulus.as_bytes());
                    if bits < MIN_RSA_BITS {
                        return Err(rsa_too_small(bits));
                    }
                    return rsa::PrivateKey::from_pkcs1_der(der)
                        .map(|k| PrivateKey::Rsa(Box::new(k)))
                        .map_err(|_| malformed("the RSA private key"));
                }
                "ENCRYPTED PRIVATE KEY" => return Err(encrypted()),
                "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                    return Err(Failure::usage(format!(
                        "{source} holds a public key where a private key is expected"
                    ))
                    .hint("--pem imports a private key (PKCS#8, SEC1 or PKCS#1 PEM); a public key alone cannot sign or decrypt"));
                }
                _ => {}
            }
        }
        Err(no_pem_key(source, "PRIVATE KEY", &blocks))
    }

    /// The stored form of a key version's material: PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> SecretBytes {
        let doc = match self {
            PrivateKey::P256(key) => key.to_pkcs8_der(),
            PrivateKey::Rsa(key) => key.to_pkcs8_der(),
        };
        SecretBytes::new(
            doc.expect("a valid private key always encodes")
                .as_bytes()
                .to_vec(),
        )
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::P256(key) => PublicKey::P256(key.public_key()),
            PrivateKey::Rsa(key) => PublicKey::Rsa(key.to_public_key()),
        }
    }

    /// The keyring algorithm of this key; RSA sizes other than 2048, 3072
    /// and 4096 bits are refused.
    pub fn algorithm(&self) -> Result<Algorithm, Failure> {
        match self {
            PrivateKey::P256(_) => Ok(Algorithm::P256),
            PrivateKey::Rsa(key) => match key.n().bit_width() {
                2048 => Ok(Algorithm::Rsa2048),
                3072 => Ok(Algorithm::Rsa3072),
                4096 => Ok(Algorithm::Rsa4096),
                bits => Err(Failure::usage(format!(
                    "RSA-{bits} keys cannot be stored: keycask keeps RSA keys of 2048, 3072 or 4096 bits"
                ))),
            },
        }
    }

    /// Signs a SHA-256 digest: ECDSA (DER, low-S) for P-256, PSS (salt
    /// [`PSS_SALT_LEN`]) or PKCS#1 v1.5 for RSA.
    pub fn sign_digest(&self, digest: &[u8; 32], scheme: RsaScheme) -> anyhow::Result<Vec<u8>> {
        match self {
            PrivateKey::P256(key) => {
                let signer = p256::ecdsa::SigningKey::from(key);
                let signature: p256::ecdsa::Signature = signer
                    .sign_prehash(digest)
                    .map_err(|e| Failure::other(format!("ECDSA signing failed: {e}")))?;
                // P-256 does not normalise by itself: s and n - s are both
                // valid, and keycask always gives the low one (BIP 62), so
                // its signatures are not malleable by whoever relays them.
                Ok(signature.normalize_s().to_der().as_bytes().to_vec())
            }
            PrivateKey::Rsa(key) => {
                let result = match scheme {
                    RsaScheme::Pss => key.sign_with_rng(
                        &mut crate::random::os_rng(),
                        rsa::Pss::<Sha256>::new_with_salt(PSS_SALT_LEN),
                        digest,
                    ),
                    RsaScheme::Pkcs1v15 => key.pkcs1v15_sign_prehash_with_rng::<Sha256, _>(
                        &mut crate::random::os_rng(),
                        digest,
                    ),
                };
                Ok(result.map_err(|e| Failure::other(format!("RSA signing failed: {e}")))?)
            }
        }
    }
}

/// Decodes a version's stored material as a private key.
pub fn private_from_material(material: &SecretBytes) -> Result<PrivateKey, Failure> {
    PrivateKey::from_pkcs8_der(material.expose_secret())
        .map_err(|_| Failure::keyring("a key version's stored private key is malformed"))
}

/// ECDH-ES to a P-256 public key: a fresh ephemeral key pair. Returns the
/// ephemeral public point (uncompressed SEC1, 65 bytes) and the shared
/// secret (the x coordinate).
pub fn ecdh_ephemeral(recipient: &p256::PublicKey) -> (Vec<u8>, SecretKey32) {
    let ephemeral = p256::ecdh::EphemeralSecret::generate_from_rng(&mut crate::random::os_rng());
    let shared = ephemeral.diffie_hellman(recipient);
    let point = ephemeral.public_key().to_sec1_bytes().to_vec();
    let secret = SecretKey32::from_slice(shared.raw_secret_bytes().as_slice())
        .expect("a P-256 shared secret is 32 bytes");
    (point, secret)
}

/// The recipient's side of [`ecdh_ephemeral`]. `None` when the point is not
/// a valid P-256 point.
pub fn ecdh_static(secret: &p256::SecretKey, ephemeral_point: &[u8]) -> Option<SecretKey32> {
    let ephemeral = p256::PublicKey::from_sec1_bytes(ephemeral_point).ok()?;
    let shared = secret.diffie_hellman(&ephemeral);
    SecretKey32::from_slice(shared.raw_secret_bytes().as_slice())
}

/// RSA-OAEP with SHA-256 and MGF1-SHA-256, empty label (AWS KMS's
/// `RSAES_OAEP_SHA_256`): wraps a 32-byte key.
pub fn oaep_wrap(recipient: &rsa::PublicKey, key: &SecretKey32) -> anyhow::Result<Vec<u8>> {
    recipient
        .oaep_encrypt_with_rng::<Sha256, _>(&mut crate::random::os_rng(), key.expose_secret())
        .map_err(|e| Failure::other(format!("RSA-OAEP encryption failed: {e}")).into())
}

/// Unwraps what [`oaep_wrap`] made. `None` when it does not decrypt to 32 bytes.
pub fn oaep_unwrap(secret: &rsa::PrivateKey, wrapped: &[u8]) -> Option<SecretKey32> {
    let plain = zeroize::Zeroizing::new(
        secret
            .oaep_decrypt_with_rng::<Sha256, _>(&mut crate::random::os_rng(), wrapped)
            .ok()?,
    );
    SecretKey32::from_slice(&plain)
}

/// A PEM block's label and DER contents (zeroized: it may be a private key).
type PemBlock = (String, Zeroizing<Vec<u8>>);

fn no_pem_key(source: &str, wanted: &str, blocks: &[PemBlock]) -> Failure {
    if blocks.is_empty() {
        Failure::usage(format!(
            "{source} is not PEM: no -----BEGIN {wanted}----- block"
        ))
    } else {
        let labels: Vec<&str> = blocks.iter().map(|(l, _)| l.as_str()).collect();
        Failure::usage(format!(
            "{source} holds no key keycask reads (found: {})",
            labels.join(", ")
        ))
    }
}

/// Splits PEM text into its blocks, `(label, DER)`. Text around the blocks
/// (OpenSSL's "Bag Attributes", comments) is ignored; a block that does not
/// decode is an error.
fn pem_blocks(text: &[u8], source: &str) -> Result<Vec<PemBlock>, Failure> {
    let text = std::str::from_utf8(text)
        .map_err(|_| Failure::usage(format!("{source} is not PEM text")))?;
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start..];
        let label_end = after[11..]
            .find("-----")
            .ok_or_else(|| Failure::usage(format!("{source}: a PEM header is cut short")))?;
        let label = &after[11..11 + label_end];
        let footer = format!("-----END {label}-----");
        let shown = crate::error::untrusted(label);
        let end = after
            .find(&footer)
            .ok_or_else(|| Failure::usage(format!("{source}: the PEM block {shown} has no end")))?
            + footer.len();
        let (found, der) = p256::pkcs8::der::pem::decode_vec(&after.as_bytes()[..end])
            .map_err(|_| Failure::usage(format!("{source}: the PEM block {shown} is malformed")))?;
        blocks.push((found.to_string(), Zeroizing::new(der)));
        rest = &after[end..];
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto;

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[]), 0);
    }

    #[test]
    fn p256_round_trip_and_strict_der() {
        let secret = p256::SecretKey::generate_from_rng(&mut crate::random::os_rng());
        let key = PrivateKey::P256(secret);
        let public = key.public_key();
        let digest = crypto::sha256(b"message");
        let sig = key.sign_digest(&digest, RsaScheme::Pss).unwrap();
        assert!(public.verify_digest(&digest, &sig, RsaScheme::Pss).is_ok());
        let other = crypto::sha256(b"other");
        assert!(public.verify_digest(&other, &sig, RsaScheme::Pss).is_err());
        // A long-form length (non-canonical DER) is refused.
        let mut long = vec![0x30, 0x81, sig[1]];
        long.extend_from_slice(&sig[2..]);
        assert!(
            public
                .verify_digest(&digest, &long, RsaScheme::Pss)
                .is_err()
        );
        for cut in 0..sig.len() {
            assert!(
                public
                    .verify_digest(&digest, &sig[..cut], RsaScheme::Pss)
                    .is_err()
            );
        }
        let spki = public.to_spki_der();
        assert_eq!(PublicKey::from_spki_der(&spki).unwrap(), public);
        let pem = public.to_pem();
        assert_eq!(PublicKey::from_pem(pem.as_bytes(), "x").unwrap(), public);
        let again = PrivateKey::from_pkcs8_der(key.to_pkcs8_der().expose_secret()).unwrap();
        assert_eq!(again.public_key(), public);
    }

    /// keycask's ECDSA signatures are low-S (s <= n/2), every one of them:
    /// without normalisation about half are high-S, so 256 signatures all
    /// low by chance would happen once in 2^256 runs. The high-S twin of each
    /// still verifies (OpenSSL interop, docs/distribution.md).
    #[test]
    fn ecdsa_signatures_are_low_s() {
        use p256::elliptic_curve::scalar::IsHigh;
        let key = PrivateKey::P256(p256::SecretKey::generate_from_rng(
            &mut crate::random::os_rng(),
        ));
        let public = key.public_key();
        for i in 0u32..256 {
            let digest = crypto::sha256(&i.to_be_bytes());
            let der = key.sign_digest(&digest, RsaScheme::Pss).unwrap();
            let sig = p256::ecdsa::Signature::from_der(&der).unwrap();
            assert!(!bool::from(sig.s().is_high()), "signature {i} is high-S");
            let high = p256::ecdsa::Signature::from_scalars(sig.r(), -*sig.s()).unwrap();
            assert!(bool::from(high.s().is_high()));
            let high_der = high.to_der().as_bytes().to_vec();
            assert_ne!(high_der, der);
            assert_eq!(
                public.verify_digest(&digest, &high_der, RsaScheme::Pss),
                Ok(())
            );
        }
    }

    /// RSA-PSS verification requires the 32-byte salt keycask signs with:
    /// a valid PSS signature with any other salt length is refused.
    #[test]
    fn pss_requires_a_32_byte_salt() {
        let private = rsa::PrivateKey::new(&mut crate::random::os_rng(), 2048).unwrap();
        let key = PrivateKey::Rsa(Box::new(private.clone()));
        let public = key.public_key();
        let digest = crypto::sha256(b"message");
        let ours = key.sign_digest(&digest, RsaScheme::Pss).unwrap();
        assert_eq!(public.verify_digest(&digest, &ours, RsaScheme::Pss), Ok(()));
        assert!(!public.is_pss_with_other_salt(&digest, &ours));
        for salt in [0, 20, 31, 33, 64, 222] {
            let sig = private
                .sign_with_rng(
                    &mut crate::random::os_rng(),
                    rsa::Pss::<Sha256>::new_with_salt(salt),
                    &digest,
                )
                .unwrap();
            assert_eq!(
                public.verify_digest(&digest, &sig, RsaScheme::Pss),
                Err(BadSignature),
                "salt {salt}"
            );
            assert!(public.is_pss_with_other_salt(&digest, &sig), "salt {salt}");
            let other = crypto::sha256(b"other");
            assert!(!public.is_pss_with_other_salt(&other, &sig));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Untrusted key and signature bytes never panic a parser.
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = PublicKey::from_spki_der(&bytes);
            let _ = PrivateKey::from_pkcs8_der(&bytes);
            let _ = PublicKey::from_pem(&bytes, "x");
            let _ = PrivateKey::from_pem(&bytes, "x");
            let mut pem = b"-----BEGIN PUBLIC KEY-----\n".to_vec();
            pem.extend_from_slice(&bytes);
            pem.extend_from_slice(b"\n-----END PUBLIC KEY-----\n");
            let _ = PublicKey::from_pem(&pem, "x");
        }

        /// Arbitrary signatures are refused, never accepted or panicking.
        #[test]
        fn random_signatures_do_not_verify(sig in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let key = PrivateKey::P256(p256::SecretKey::from_slice(&[7u8; 32]).unwrap());
            let digest = crypto::sha256(b"m");
            proptest::prop_assert!(key.public_key().verify_digest(&digest, &sig, RsaScheme::Pss).is_err());
        }
    }

    #[test]
    fn pem_labels_are_checked() {
        let secret = p256::SecretKey::generate_from_rng(&mut crate::random::os_rng());
        let private_pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
        let err = PublicKey::from_pem(private_pem.as_bytes(), "k.pem").unwrap_err();
        assert!(err.message.contains("private key where a public key"));
        let public_pem = PrivateKey::P256(secret).public_key().to_pem();
        let err = PrivateKey::from_pem(public_pem.as_bytes(), "p.pem").unwrap_err();
        assert!(err.message.contains("public key where a private key"));
        let err = PublicKey::from_pem(b"hello", "h").unwrap_err();
        assert!(err.message.contains("not PEM"));
    }
}
