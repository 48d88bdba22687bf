//! `import`: the dispatch of the three sources, and `import --raw` (an AES
//! key) and `import --pem` (a P-256 or RSA private key) into a new key.

use std::fmt;
use std::path::Path;

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::{
    STANDARD as B64, STANDARD_NO_PAD as B64_NO_PAD, URL_SAFE as B64URL,
    URL_SAFE_NO_PAD as B64URL_NO_PAD,
};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::Context;
use crate::crypto::asymmetric::PrivateKey;
use crate::error::Failure;
use crate::input::{read_limited, source_name};
use crate::key::{Algorithm, Purpose};
use crate::keyring::{Event, Key, Origin, Session, Unlocked, name_taken};
use crate::secret::SecretBytes;

use super::import_bundle::{BundleImport, import_bundle};
use super::{ImportRequest, MAX_PEM_LEN, MAX_RAW_LEN, check_purpose};

pub fn import(ctx: &Context, request: &ImportRequest) -> Result<()> {
    match request {
        ImportRequest::Bundle {
            path,
            transport_key,
            verify_with,
            as_name,
            add_unverified,
            make_primary,
        } => import_bundle(
            ctx,
            path.as_deref(),
            BundleImport {
                transport_key,
                verify_with: verify_with.as_deref(),
                as_name: as_name.as_deref(),
                add_unverified: *add_unverified,
                make_primary: *make_primary,
            },
        ),
        ImportRequest::Raw {
            name,
            path,
            purpose,
        } => {
            let bytes = read_limited(path.as_deref(), MAX_RAW_LEN, "a raw key")?;
            let source = source_name(path.as_deref());
            let material = decode_raw_key(&bytes, &source)?;
            if bytes.len() == 32 && bytes.iter().all(u8::is_ascii_graphic) {
                ctx.warn(format!(
                    "{source} is 32 printable characters, taken as 32 raw bytes; if it is text (a 128-bit key in hex, a passphrase), it is not a 256-bit key"
                ));
            }
            import_new_key(
                ctx,
                name,
                Algorithm::Aes256Gcm,
                *purpose,
                &material,
                None,
                path.as_deref(),
            )
        }
        ImportRequest::Pem {
            name,
            path,
            purpose,
        } => {
            let text = read_limited(path.as_deref(), MAX_PEM_LEN, "a PEM private key")?;
            let private = PrivateKey::from_pem(&text, &source_name(path.as_deref()))?;
            let algorithm = private.algorithm()?;
            let purpose = purpose.unwrap_or(algorithm.default_purpose());
            check_purpose(algorithm, purpose)?;
            import_new_key(
                ctx,
                name,
                algorithm,
                purpose,
                &private.to_pkcs8_der(),
                Some(&private.public_key().to_spki_der()),
                path.as_deref(),
            )
        }
    }
}

/// A 32-byte AES key: 32 raw bytes, or 64 hex digits, or base64 (standard
/// or URL-safe, padded or not) of 32 bytes; whitespace anywhere is ignored
/// in the text forms (`xxd -p` and `openssl base64` wrap lines). Never
/// echoes the contents.
fn decode_raw_key(bytes: &[u8], source: &str) -> Result<SecretBytes> {
    if bytes.len() == 32 {
        return Ok(SecretBytes::new(bytes.to_vec()));
    }
    // The text without its whitespace, in room reserved up front: a `Vec`
    // collected from a filter would grow, leaving copies behind.
    let mut text = Zeroizing::new(Vec::with_capacity(bytes.len()));
    text.extend(bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()));
    let mut key = Zeroizing::new([0u8; 32]);
    if decode_key_text(&text, &mut key) {
        Ok(SecretBytes::new(key.to_vec()))
    } else {
        Err(Failure::usage(format!(
            "{source} holds {} bytes, not an aes256-gcm key",
            bytes.len()
        ))
        .hint("an aes256-gcm key is exactly 32 raw bytes, or 64 hex digits, or the base64 of 32 bytes")
        .into())
    }
}

/// Decodes 64 hex digits, or base64 (any of the four forms) of exactly 32
/// bytes, into `key`, in place: the decoders write nowhere else (a `decode`
/// into a fresh `Vec` drops what it decoded before failing, unzeroized).
/// Returns false, with `key` all zeros, when `text` is none of these: a
/// decoder that fails part way leaves the bytes it got to, so they are
/// wiped after every failed attempt.
fn decode_key_text(text: &[u8], key: &mut [u8; 32]) -> bool {
    use zeroize::Zeroize;
    if text.len() == 64 {
        if hex::decode_to_slice(text, key).is_ok() {
            return true;
        }
        key.zeroize();
        return false;
    }
    for engine in [B64, B64_NO_PAD, B64URL, B64URL_NO_PAD] {
        // Anything longer than 32 bytes is `OutputSliceTooSmall`, after
        // filling the array.
        if engine.decode_slice(text, key) == Ok(32) {
            return true;
        }
        key.zeroize();
    }
    false
}

fn refuse_existing(keyring: &Unlocked, name: &str) -> Result<()> {
    if let Some(existing) = keyring.doc.keys.get(name) {
        return Err(name_taken(name, existing)
            .hint("import under another name")
            .into());
    }
    Ok(())
}

/// BYOK: a new key holding one version of existing material.
fn import_new_key(
    ctx: &Context,
    name: &str,
    algorithm: Algorithm,
    purpose: Purpose,
    material: &SecretBytes,
    public_key_der: Option<&[u8]>,
    source: Option<&Path>,
) -> Result<()> {
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let now = session.now();
    let keyring = &mut session.keyring;
    refuse_existing(keyring, name)?;
    keyring.doc.keys.insert(
        name.to_string(),
        Key {
            algorithm,
            purpose,
            created: now,
            origin: Origin::Imported,
            rotation_period: None,
            primary: 0,
            versions: Vec::new(),
            destroyed: None,
        },
    );
    let number = keyring.add_version(name, material, public_key_der, now)?;
    let id = keyring
        .key(name)?
        .version(number)
        .expect("just added")
        .id
        .clone();
    session.record(Event::new("import").key(name).versions([number]).detail(
        if public_key_der.is_some() {
            "private key from PEM"
        } else {
            "raw symmetric key"
        },
    ));
    session.commit()?;
    let fingerprint = public_key_der.map(crate::crypto::material::fingerprint);
    ctx.emit(&ImportKeyReport {
        schema: "keycask.import/1",
        name,
        algorithm,
        purpose,
        origin: "imported",
        versions: [number],
        version_ids: [id],
        fingerprint,
    })?;
    if let Some(path) = source {
        ctx.note(format!(
            "the key is now in the keyring; delete the source file if nothing else needs it: shred -u {}",
            path.display()
        ));
    }
    Ok(())
}

/// What `import --raw` and `import --pem` report: `keycask.import/1`
/// (docs/JSON.md), without the fields of a bundle.
#[derive(Serialize)]
struct ImportKeyReport<'a> {
    schema: &'static str,
    name: &'a str,
    algorithm: Algorithm,
    purpose: Purpose,
    origin: &'static str,
    versions: [u32; 1],
    version_ids: [String; 1],
    fingerprint: Option<String>,
}

impl fmt::Display for ImportKeyReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ([number], [id]) = (&self.versions, &self.version_ids);
        writeln!(
            f,
            "imported key {} ({}, {}) version {number} id {id}",
            self.name, self.algorithm, self.purpose
        )?;
        if let Some(fp) = &self.fingerprint {
            writeln!(f, "public key fingerprint {fp}")?;
        }
        Ok(())
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_key_encodings_decode_to_the_same_bytes() {
        let key: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(91)).collect();
        let forms = [
            key.clone(),
            hex::encode(&key).into_bytes(),
            format!("  {}\r\n", hex::encode_upper(&key)).into_bytes(),
            format!(
                "{}\n{}\n",
                &hex::encode(&key)[..60],
                &hex::encode(&key)[60..]
            )
            .into_bytes(),
            B64.encode(&key).into_bytes(),
            format!("{}\n", B64_NO_PAD.encode(&key)).into_bytes(),
            B64URL.encode(&key).into_bytes(),
        ];
        for form in forms {
            let decoded = decode_raw_key(&form, "k").unwrap();
            assert_eq!(decoded.expose_secret(), key.as_slice());
        }
        for bad in [
            vec![0u8; 31],
            vec![0u8; 33],
            b"00".repeat(31),
            b"AAAA".to_vec(),
        ] {
            assert!(decode_raw_key(&bad, "k").is_err());
        }
    }

    /// A decoder that fails after writing part of the key (a bad last
    /// digit, a key too long for the array, too short) leaves nothing of it.
    #[test]
    fn failed_decoding_leaves_the_buffer_zeroed() {
        let key: Vec<u8> = (1u8..=32).collect();
        let mut bad_hex = hex::encode(&key).into_bytes();
        bad_hex[63] = b'z';
        let mut bad_b64 = B64.encode(&key).into_bytes();
        bad_b64[42] = b'!';
        let forms = [
            bad_hex,
            bad_b64,
            B64.encode([0x5au8; 45]).into_bytes(),
            B64_NO_PAD.encode([0x5au8; 33]).into_bytes(),
            B64.encode(&key[..31]).into_bytes(),
            b"\xff".repeat(20),
        ];
        for form in forms {
            let mut out = [0xeeu8; 32];
            assert!(!decode_key_text(&form, &mut out));
            assert_eq!(out, [0u8; 32], "{}", String::from_utf8_lossy(&form));
        }
        let mut out = [0u8; 32];
        assert!(decode_key_text(
            B64URL_NO_PAD.encode(&key).as_bytes(),
            &mut out
        ));
        assert_eq!(out.as_slice(), key.as_slice());
    }
}
