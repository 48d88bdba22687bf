//! Recipient stanzas: the CEK sealed to a public key (docs/FORMAT.md,
//! "Recipient stanzas"). Sealing needs only the public key, so a host that
//! holds nothing secret can make envelopes; opening needs the private key.
//!
//! - P-256: HPKE (RFC 9180) base mode, DHKEM(P-256, HKDF-SHA256),
//!   HKDF-SHA256, AES-256-GCM, through the `hpke` crate.
//! - RSA: RSA-OAEP with SHA-256 and MGF1-SHA-256.
//!
//! Both are bound to the header ([`Header::recipient_binding`]: HPKE `info`,
//! OAEP label), so a stanza cannot be moved to another envelope or made to
//! name another recipient. Opening also checks the header MAC, which commits
//! the envelope to one CEK.

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::DhP256HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::EnvelopeError;
use super::header::{Cek, HPKE_SEALED_LEN, Header, RecipientScheme, RecipientStanza};
use crate::crypto::asymmetric::PublicKey;
use crate::secret::SecretKey32;

type HpkeKem = DhP256HkdfSha256;

/// A public key a CEK can be sealed to.
#[derive(Clone, Copy)]
pub enum SealTo<'a> {
    P256(&'a p256::PublicKey),
    Rsa(&'a rsa::PublicKey),
}

impl<'a> From<&'a PublicKey> for SealTo<'a> {
    fn from(public: &'a PublicKey) -> Self {
        match public {
            PublicKey::P256(p) => SealTo::P256(p),
            PublicKey::Rsa(r) => SealTo::Rsa(r),
        }
    }
}

/// A private key that opens what was sealed to its public half.
#[derive(Clone, Copy)]
pub enum OpenWith<'a> {
    P256(&'a p256::SecretKey),
    Rsa(&'a rsa::PrivateKey),
}

impl SealTo<'_> {
    pub fn scheme(self) -> RecipientScheme {
        match self {
            SealTo::P256(_) => RecipientScheme::HpkeP256,
            SealTo::Rsa(_) => RecipientScheme::RsaOaep256,
        }
    }
}

/// Seals `cek` to `to`, whose SubjectPublicKeyInfo DER hashes (SHA-256) to
/// `fingerprint`, for the header `header` (its binding must be final: chunk
/// size, salt and context).
pub fn seal(
    header: &Header,
    to: SealTo<'_>,
    fingerprint: [u8; 32],
    cek: &Cek,
) -> Result<RecipientStanza, EnvelopeError> {
    let scheme = to.scheme();
    let binding = header.recipient_binding(scheme, &fingerprint);
    let sealed = match to {
        SealTo::P256(public) => {
            let point = public.to_sec1_bytes();
            let recipient = <HpkeKem as Kem>::PublicKey::from_bytes(&point)
                .map_err(|_| EnvelopeError::Malformed)?;
            let (enc, ciphertext) =
                hpke::single_shot_seal_with_rng::<AesGcm256, HkdfSha256, HpkeKem>(
                    &OpModeS::Base,
                    &recipient,
                    &binding,
                    cek.expose_secret(),
                    b"",
                    &mut crate::random::os_rng(),
                )
                .map_err(|_| EnvelopeError::Malformed)?;
            let mut sealed = enc.to_bytes().to_vec();
            sealed.extend_from_slice(&ciphertext);
            sealed
        }
        SealTo::Rsa(public) => public
            .encrypt(
                &mut crate::random::os_rng(),
                rsa::Oaep::<Sha256>::new_with_label(binding),
                cek.expose_secret(),
            )
            .map_err(|_| EnvelopeError::Malformed)?,
    };
    Ok(RecipientStanza {
        scheme,
        fingerprint,
        sealed,
    })
}

/// Opens `stanza` (one of `header`'s) with `with` and checks the header MAC
/// under the CEK it gives. Any failure is the same vague
/// [`EnvelopeError::Damaged`].
pub fn open(
    header: &Header,
    stanza: &RecipientStanza,
    with: OpenWith<'_>,
) -> Result<Cek, EnvelopeError> {
    let binding = header.recipient_binding(stanza.scheme, &stanza.fingerprint);
    let plain: Zeroizing<Vec<u8>> = match (stanza.scheme, with) {
        (RecipientScheme::HpkeP256, OpenWith::P256(secret)) => {
            if stanza.sealed.len() != HPKE_SEALED_LEN {
                return Err(EnvelopeError::Damaged);
            }
            let (enc, ciphertext) = stanza.sealed.split_at(65);
            let enc = <HpkeKem as Kem>::EncappedKey::from_bytes(enc)
                .map_err(|_| EnvelopeError::Damaged)?;
            let scalar = Zeroizing::new(secret.to_bytes());
            let private = <HpkeKem as Kem>::PrivateKey::from_bytes(scalar.as_slice())
                .map_err(|_| EnvelopeError::Damaged)?;
            Zeroizing::new(
                hpke::single_shot_open::<AesGcm256, HkdfSha256, HpkeKem>(
                    &OpModeR::Base,
                    &private,
                    &enc,
                    &binding,
                    ciphertext,
                    b"",
                )
                .map_err(|_| EnvelopeError::Damaged)?,
            )
        }
        (RecipientScheme::RsaOaep256, OpenWith::Rsa(secret)) => Zeroizing::new(
            secret
                .decrypt_blinded(
                    &mut crate::random::os_rng(),
                    rsa::Oaep::<Sha256>::new_with_label(binding),
                    &stanza.sealed,
                )
                .map_err(|_| EnvelopeError::Damaged)?,
        ),
        _ => return Err(EnvelopeError::Damaged),
    };
    let cek = Cek::from_key(SecretKey32::from_slice(&plain).ok_or(EnvelopeError::Damaged)?);
    header.check_mac(&cek)?;
    Ok(cek)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{DEFAULT_CHUNK_SIZE, EncryptionContext};
    use p256::elliptic_curve::Generate;

    fn header() -> Header {
        let mut context = EncryptionContext::new();
        context.insert("env", "prod").unwrap();
        Header::start(DEFAULT_CHUNK_SIZE, &context, [3; 32]).unwrap()
    }

    fn p256_pair() -> (p256::SecretKey, p256::PublicKey) {
        let secret = p256::SecretKey::generate_from_rng(&mut crate::random::os_rng());
        let public = secret.public_key();
        (secret, public)
    }

    #[test]
    fn hpke_and_oaep_stanzas_open_with_their_key_only() {
        let cek = Cek::generate();
        let (secret, public) = p256_pair();
        let (other, _) = p256_pair();
        let rsa_secret = rsa::PrivateKey::new(&mut crate::random::os_rng(), 2048).unwrap();
        let rsa_public = rsa_secret.to_public_key();
        let mut h = header();
        let hpke = seal(&h, SealTo::P256(&public), [1; 32], &cek).unwrap();
        let oaep = seal(&h, SealTo::Rsa(&rsa_public), [2; 32], &cek).unwrap();
        assert_eq!(hpke.sealed.len(), HPKE_SEALED_LEN);
        assert_eq!(oaep.sealed.len(), 256);
        h.add_recipient(hpke.clone()).unwrap();
        h.add_recipient(oaep.clone()).unwrap();
        h.finish(&cek);
        let parsed = Header::parse(&h.to_bytes()).unwrap();
        assert_eq!(open(&parsed, &hpke, OpenWith::P256(&secret)).unwrap(), cek);
        assert_eq!(
            open(&parsed, &oaep, OpenWith::Rsa(&rsa_secret)).unwrap(),
            cek
        );
        assert!(open(&parsed, &hpke, OpenWith::P256(&other)).is_err());
        assert!(open(&parsed, &hpke, OpenWith::Rsa(&rsa_secret)).is_err());
        // Every flipped bit of a sealed CEK is refused.
        for stanza in [&hpke, &oaep] {
            for i in [0, 1, 64, 65, stanza.sealed.len() - 1] {
                let mut bad = stanza.clone();
                bad.sealed[i] ^= 0x01;
                let with = match bad.scheme {
                    RecipientScheme::HpkeP256 => OpenWith::P256(&secret),
                    RecipientScheme::RsaOaep256 => OpenWith::Rsa(&rsa_secret),
                };
                assert!(open(&parsed, &bad, with).is_err(), "byte {i}");
            }
        }
    }

    /// A stanza is bound to its envelope and to the fingerprint it names:
    /// moved to another header (another salt), or relabelled with another
    /// fingerprint, it does not open.
    #[test]
    fn a_stanza_cannot_be_moved_or_relabelled() {
        let cek = Cek::generate();
        let (secret, public) = p256_pair();
        let mut h = header();
        let stanza = seal(&h, SealTo::P256(&public), [1; 32], &cek).unwrap();
        h.add_recipient(stanza.clone()).unwrap();
        h.finish(&cek);
        let mut elsewhere = Header::start(DEFAULT_CHUNK_SIZE, &h.context, [4; 32]).unwrap();
        elsewhere.add_recipient(stanza.clone()).unwrap();
        elsewhere.finish(&cek);
        assert!(open(&elsewhere, &stanza, OpenWith::P256(&secret)).is_err());
        let mut relabelled = stanza.clone();
        relabelled.fingerprint = [9; 32];
        assert!(open(&h, &relabelled, OpenWith::P256(&secret)).is_err());
        // The MAC is checked too: a header whose MAC does not verify under
        // the CEK the stanza gives is refused.
        let mut bad_mac = h.clone();
        bad_mac.mac[0] ^= 1;
        assert!(open(&bad_mac, &stanza, OpenWith::P256(&secret)).is_err());
        assert_eq!(open(&h, &stanza, OpenWith::P256(&secret)).unwrap(), cek);
    }

    /// RFC 9180, Appendix A.3.1: the KEM (DHKEM(P-256, HKDF-SHA256)) and the
    /// key schedule (HKDF-SHA256) keycask uses, through the same types, with
    /// the vector's AEAD (AES-128-GCM; no vector exists for AES-256-GCM with
    /// this KEM, which the pyhpke interop test covers).
    #[test]
    fn rfc_9180_a3_vector() {
        let text = include_str!("../../tests/vectors/hpke/rfc9180-a3.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let hex = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
        let (sk_r, pk_r) = <HpkeKem as Kem>::derive_keypair(&hex("ikmR"));
        assert_eq!(sk_r.to_bytes().to_vec(), hex("skRm"));
        assert_eq!(pk_r.to_bytes().to_vec(), hex("pkRm"));
        let (sk_e, pk_e) = <HpkeKem as Kem>::derive_keypair(&hex("ikmE"));
        assert_eq!(sk_e.to_bytes().to_vec(), hex("skEm"));
        assert_eq!(pk_e.to_bytes().to_vec(), hex("pkEm"));
        let enc = <HpkeKem as Kem>::EncappedKey::from_bytes(&hex("enc")).unwrap();
        let first = &v["encryptions"][0];
        let field = |k: &str| hex::decode(first[k].as_str().unwrap()).unwrap();
        let pt = hpke::single_shot_open::<hpke::aead::AesGcm128, HkdfSha256, HpkeKem>(
            &OpModeR::Base,
            &sk_r,
            &enc,
            &hex("info"),
            &field("ct"),
            &field("aad"),
        )
        .unwrap();
        assert_eq!(pt, field("pt"));
        // One flipped bit of the ciphertext, or another info, fails.
        let mut bad = field("ct");
        bad[0] ^= 1;
        assert!(
            hpke::single_shot_open::<hpke::aead::AesGcm128, HkdfSha256, HpkeKem>(
                &OpModeR::Base,
                &sk_r,
                &enc,
                &hex("info"),
                &bad,
                &field("aad"),
            )
            .is_err()
        );
    }
}
