//! The PKCS#11 root: an AES-256 secret key object inside an HSM token, named
//! by an RFC 7512 PKCS#11 URI. The KEK versions are wrapped and unwrapped by
//! the token; the root key never leaves it.
//!
//! One [`Pkcs11Root`] is one PKCS#11 session, opened once per command and
//! logged out, closed and finalised when it is dropped, also on every error
//! path (the [`Device`] guard owns the session from the moment it exists).
//!
//! Blobs start with one byte naming the mechanism that made them:
//! - `0x01` CKM_AES_GCM: `0x01 || IV (12) || ciphertext (32) || tag (16)`,
//!   with the caller's AAD (keyring id and KEK version) as GCM's AAD.
//! - `0x02` CKM_AES_KEY_WRAP_PAD and `0x03` CKM_AES_KEY_WRAP, for tokens or
//!   keys that may only wrap/unwrap: the token wraps a 64-byte session object
//!   `KEK || SHA-256(AAD)`, so the blob stays bound to its place although key
//!   wrap has no associated data; the hash is checked after unwrapping.

mod objects;
mod session;
mod uri;

use objects::*;
use session::*;
pub use uri::Pkcs11Uri;
#[allow(unused_imports)]
use uri::*;

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::passphrase::SecretText;
use super::{RootConfig, RootKey, SecretSources};
use crate::crypto;
use crate::error::Failure;
use crate::secret::{Passphrase, SecretKey32};

/// A root key held by a PKCS#11 token, with its session open.
pub struct Pkcs11Root {
    uri: Pkcs11Uri,
    key: ObjectHandle,
    wrapping: Wrapping,
    device: Device,
}

impl fmt::Debug for Pkcs11Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Root")
            .field("uri", &self.uri.text)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Root {
    /// Opens the root a keyring records.
    pub fn open(uri: &Pkcs11Uri, sources: &SecretSources) -> Result<Self> {
        let (device, slot) = connect(uri, sources, UriFrom::Keyring)?;
        let key = select_key(&device, uri)?.ok_or_else(|| {
            Failure::keyring(format!(
                "no PKCS#11 {} (module {})",
                uri.describe(),
                device.module.display()
            ))
            .hint("is this the token the keyring was created with? `keycask show` lists nothing secret; the root's URI is in the keyring's \"root\" field")
        })?;
        // The token may have changed since `init` adopted or made the key
        // (attributes set, the object replaced under its label): the rules
        // of adoption are checked at every unlock.
        let why = key.weaknesses();
        if !why.is_empty() {
            let failure = weak_root(uri, &why);
            if !sources.leaving_root {
                return Err(failure.into());
            }
            crate::stderr_line!(
                "keycask: warning: {}; used only to move the keyring to its new root",
                failure.message
            );
        }
        let wrapping = key_wrapping(&device, slot, &key).ok_or_else(|| unusable(uri))?;
        Ok(Pkcs11Root {
            uri: uri.clone(),
            key: key.handle,
            wrapping,
            device,
        })
    }

    /// For `init` and `rotate --root`: adopts the AES-256 key the URI names
    /// if it cannot leave the token, or generates one there.
    pub fn create(uri: &Pkcs11Uri, sources: &SecretSources) -> Result<Self> {
        let (device, slot) = connect(uri, sources, UriFrom::CommandLine)?;
        let (key, wrapping) = match select_key(&device, uri)? {
            Some(key) => {
                let why = key.weaknesses();
                if !why.is_empty() {
                    return Err(Failure::keyring(format!(
                        "the PKCS#11 {} is not safe as a root: {}",
                        uri.describe(),
                        why.join("; ")
                    ))
                    .hint("keycask adopts only a key generated in the token as sensitive and not extractable, which may not both wrap and decrypt (docs/hsm.md); name a new label and keycask generates one")
                    .into());
                }
                let wrapping = key_wrapping(&device, slot, &key).ok_or_else(|| unusable(uri))?;
                (key.handle, wrapping)
            }
            None => {
                let wrapping = new_key_wrapping(&device, slot)?;
                (generate(&device, uri, wrapping)?, wrapping)
            }
        };
        Ok(Pkcs11Root {
            uri: uri.clone(),
            key,
            wrapping,
            device,
        })
    }

    fn wrap_gcm(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        let mut iv = crate::random::random_array::<GCM_IV_LEN>();
        let sealed = {
            let params = GcmParams::new(&mut iv, aad, ((GCM_TAG_LEN * 8) as u64).into())
                .map_err(|e| device_failure("AES-GCM", &self.device.module, &e))?;
            self.device
                .session()
                .encrypt(&Mechanism::AesGcm(params), self.key, kek.expose_secret())
                .map_err(|e| device_failure("wrapping the KEK", &self.device.module, &e))?
        };
        // Some HSMs (AWS CloudHSM among them) write their own IV into the
        // parameter; `iv` holds whichever IV the token used.
        if sealed.len() != 32 + GCM_TAG_LEN {
            return Err(Failure::keyring(
                "the token returned an AES-GCM ciphertext of an unexpected length",
            )
            .into());
        }
        let mut blob = Vec::with_capacity(1 + GCM_IV_LEN + sealed.len());
        blob.push(Wrapping::Gcm as u8);
        blob.extend_from_slice(&iv);
        blob.extend_from_slice(&sealed);
        Ok(blob)
    }

    fn unwrap_gcm(&self, body: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        if body.len() != GCM_IV_LEN + 32 + GCM_TAG_LEN {
            return Err(integrity().into());
        }
        let mut iv = [0u8; GCM_IV_LEN];
        iv.copy_from_slice(&body[..GCM_IV_LEN]);
        let params = GcmParams::new(&mut iv, aad, ((GCM_TAG_LEN * 8) as u64).into())
            .map_err(|e| device_failure("AES-GCM", &self.device.module, &e))?;
        let plain = self
            .device
            .session()
            .decrypt(&Mechanism::AesGcm(params), self.key, &body[GCM_IV_LEN..])
            .map(Zeroizing::new)
            .map_err(|e| self.unwrap_failure(&e))?;
        SecretKey32::from_slice(&plain).ok_or_else(|| integrity().into())
    }

    /// Creates a session object holding `KEK || SHA-256(AAD)`, has the token
    /// wrap it under the root, and destroys it.
    fn wrap_keywrap(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        let session = self.device.session();
        let mut value = Zeroizing::new(Vec::with_capacity(64));
        value.extend_from_slice(kek.expose_secret());
        value.extend_from_slice(&crypto::sha256(aad));
        let mut template = transient_secret_template();
        template.push(Attribute::Value(value.to_vec()));
        let created = session.create_object(&template);
        for attr in &mut template {
            if let Attribute::Value(v) = attr {
                v.zeroize();
            }
        }
        let object =
            created.map_err(|e| device_failure("loading the KEK", &self.device.module, &e))?;
        let wrapped = session.wrap_key(&self.wrapping.key_wrap_mechanism(), self.key, object);
        let _ = session.destroy_object(object);
        let wrapped =
            wrapped.map_err(|e| device_failure("wrapping the KEK", &self.device.module, &e))?;
        let mut blob = Vec::with_capacity(1 + wrapped.len());
        blob.push(self.wrapping as u8);
        blob.extend_from_slice(&wrapped);
        Ok(blob)
    }

    fn unwrap_keywrap(&self, wrapping: Wrapping, body: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        let session = self.device.session();
        let object = session
            .unwrap_key(
                &wrapping.key_wrap_mechanism(),
                self.key,
                body,
                &transient_secret_template(),
            )
            .map_err(|e| self.unwrap_failure(&e))?;
        // What stays behind unzeroized, out of keycask's reach: cryptoki
        // 0.12 `get_attributes` reads the value into a buffer of its own
        // (`KEK || SHA-256(AAD)`, 64 bytes), copies it into the returned
        // `Attribute::Value` and frees that buffer without zeroizing it.
        // Reading it into our own buffer would need a raw
        // `C_GetAttributeValue` call through cryptoki-sys, i.e. `unsafe`,
        // which the crate forbids. The token's own copy lives in a session
        // object destroyed right below. What keycask gets back is taken
        // over, and zeroized, by `take_value`.
        let value = session.get_attributes(object, &[AttributeType::Value]);
        let _ = session.destroy_object(object);
        let attrs = value
            .map_err(|e| device_failure("reading the unwrapped KEK", &self.device.module, &e))?;
        let plain = take_value(attrs).ok_or_else(integrity)?;
        if plain.len() != 64 || !bool::from(plain[32..].ct_eq(&crypto::sha256(aad))) {
            return Err(unwrap_auth(&self.uri).into());
        }
        SecretKey32::from_slice(&plain[..32]).ok_or_else(|| integrity().into())
    }

    /// A blob the token will not open is an authentication failure (exit 3),
    /// like a wrong passphrase. SoftHSM2 (and some other modules) report a
    /// failed GCM tag or key-wrap integrity check as CKR_GENERAL_ERROR.
    fn unwrap_failure(&self, err: &CkError) -> anyhow::Error {
        match err {
            CkError::Pkcs11(
                RvError::EncryptedDataInvalid
                | RvError::EncryptedDataLenRange
                | RvError::WrappedKeyInvalid
                | RvError::WrappedKeyLenRange
                | RvError::GeneralError,
                _,
            ) => unwrap_auth(&self.uri).into(),
            other => device_failure("unwrapping the KEK", &self.device.module, other).into(),
        }
    }
}

/// The first `Value` among `attrs`, taken over without a copy into
/// zeroizing memory; any other `Value` in the list is zeroized as it is
/// dropped.
fn take_value(attrs: Vec<Attribute>) -> Option<Zeroizing<Vec<u8>>> {
    let mut value = None;
    for attr in attrs {
        if let Attribute::Value(v) = attr {
            let v = Zeroizing::new(v);
            if value.is_none() {
                value = Some(v);
            }
        }
    }
    value
}

/// A session object the token may wrap and we may read back: the KEK is not
/// secret from us (we hold it in memory), only from the keyring file.
fn transient_secret_template() -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Private(true),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ]
}

fn integrity() -> Failure {
    Failure::keyring("the keyring failed its integrity check: a KEK version is malformed")
        .hint("restore the keyring from a backup; keycask will not use a keyring it cannot verify")
}

fn unwrap_auth(uri: &Pkcs11Uri) -> Failure {
    Failure::auth(format!(
        "cannot unlock the keyring: the PKCS#11 {} does not open its KEK",
        uri.describe()
    ))
    .hint("a different key under the same label, or a keyring changed outside keycask")
}

/// The root a keyring records fails the adoption rules at unlock.
fn weak_root(uri: &Pkcs11Uri, why: &[&str]) -> Failure {
    let failure = Failure::keyring(format!(
        "the PKCS#11 {} is no longer safe as the keyring's root: {}",
        uri.describe(),
        why.join("; ")
    ));
    let only_usage = why.iter().all(|w| w.contains("CKA_WRAP"));
    if only_usage {
        failure.hint("set CKA_WRAP or CKA_DECRYPT of the key back to false with the HSM's tools, or move the keyring off it: keycask rotate --root --to NEW-ROOT (allowed from this root)")
    } else {
        failure.hint("the key was changed or replaced in the token, or adopted by an older keycask, and its value may have been outside a token: move the keyring off it with keycask rotate --root --to NEW-ROOT (allowed from this root), then keycask rotate --kek")
    }
}

fn unusable(uri: &Pkcs11Uri) -> Failure {
    Failure::keyring(format!(
        "the PKCS#11 {} may neither encrypt/decrypt with AES-GCM nor wrap/unwrap with AES key wrap on this token",
        uri.describe()
    ))
    .hint("the root key needs CKA_ENCRYPT and CKA_DECRYPT (AES-GCM), or CKA_WRAP and CKA_UNWRAP")
}

impl RootKey for Pkcs11Root {
    fn config(&self) -> RootConfig {
        RootConfig::Pkcs11 {
            uri: self.uri.text.clone(),
        }
    }

    fn wrap_kek(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        match self.wrapping {
            Wrapping::Gcm => self.wrap_gcm(kek, aad),
            Wrapping::KeyWrap | Wrapping::KeyWrapPad => self.wrap_keywrap(kek, aad),
        }
    }

    fn unwrap_kek(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        let (&tag, body) = wrapped.split_first().ok_or_else(integrity)?;
        match Wrapping::from_tag(tag).ok_or_else(integrity)? {
            Wrapping::Gcm => self.unwrap_gcm(body, aad),
            other => self.unwrap_keywrap(other, body, aad),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_value_takes_the_kek_over_without_a_copy() {
        let value = vec![7u8; 64];
        let block = value.as_ptr();
        let attrs = vec![
            Attribute::ValueLen(64.into()),
            Attribute::Value(value),
            Attribute::Value(vec![8u8; 64]),
        ];
        let taken = take_value(attrs).unwrap();
        assert_eq!(taken.as_ptr(), block, "the same block, not a copy");
        assert_eq!(taken.as_slice(), [7u8; 64]);
        assert!(take_value(vec![Attribute::Token(false)]).is_none());
    }

    fn parse(text: &str) -> Result<Pkcs11Uri, Failure> {
        text.parse()
    }

    #[test]
    fn parses_token_object_module_and_pin_source() {
        let uri = parse("pkcs11:token=keycask;object=keycask-root?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/secrets/hsm-pin").unwrap();
        assert_eq!(uri.token.as_deref(), Some("keycask"));
        assert_eq!(uri.object, "keycask-root");
        assert_eq!(
            uri.module_path.as_deref(),
            Some(Path::new("/usr/lib/softhsm/libsofthsm2.so"))
        );
        assert_eq!(
            uri.pin_source.as_deref(),
            Some(Path::new("/run/secrets/hsm-pin"))
        );
        assert_eq!(uri.describe(), "object 'keycask-root' in token 'keycask'");
    }

    #[test]
    fn percent_decodes_values_and_ids() {
        let uri = parse("pkcs11:token=My%20Token;object=r%C3%A9ka;id=%01%ff;serial=ab%3Bc;slot-id=3;type=secret-key?pin-source=file:///tmp/p%20in").unwrap();
        assert_eq!(uri.token.as_deref(), Some("My Token"));
        assert_eq!(uri.object, "réka");
        assert_eq!(uri.id.as_deref(), Some(&[0x01, 0xff][..]));
        assert_eq!(uri.serial.as_deref(), Some("ab;c"));
        assert_eq!(uri.slot_id, Some(3));
        assert_eq!(uri.pin_source.as_deref(), Some(Path::new("/tmp/p in")));
        assert_eq!(percent_decode("a%2fb").unwrap(), b"a/b");
    }

    #[test]
    fn refuses_bad_uris() {
        for (text, needle) in [
            ("pkcs12:object=x", "must start with pkcs11:"),
            ("pkcs11:token=t", "names no object"),
            ("pkcs11:object=a;object=b", "given twice"),
            ("pkcs11:object=a%2", "percent-encoding"),
            ("pkcs11:object=a%zz", "percent-encoding"),
            ("pkcs11:object=%ff", "not UTF-8"),
            ("pkcs11:object=", "object is empty"),
            ("pkcs11:object=a;tokn=x", "unsupported attribute 'tokn'"),
            ("pkcs11:object=a;type=private", "secret-key"),
            ("pkcs11:object=a;slot-id=x", "not a number"),
            ("pkcs11:object=a;module-path=/x", "query part"),
            ("pkcs11:object=a?module-name=softhsm2", "unsupported query"),
            ("pkcs11:object=a?pin-source=|cat", "must be a file"),
            ("pkcs11:object=a?pin-source=file://host/x", "local path"),
            ("pkcs11:object=a?pin-value=1234", "pin-value"),
            ("pkcs11:object", "not name=value"),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.code, crate::error::ExitCode::Usage, "{text}");
            assert!(err.message.contains(needle), "{text}: {}", err.message);
            assert!(
                !err.message.contains("1234"),
                "the PIN is echoed: {}",
                err.message
            );
        }
    }

    #[test]
    fn same_object_ignores_module_and_pin_source() {
        let a = parse("pkcs11:token=t;object=o?module-path=/a.so&pin-source=file:/p").unwrap();
        let b = parse("pkcs11:object=o;token=t?module-path=/b/../a.so").unwrap();
        assert!(a.same_object(&b));
        for other in [
            "pkcs11:token=t;object=o2",
            "pkcs11:token=t2;object=o",
            "pkcs11:token=t;object=o;id=%01",
            "pkcs11:token=t;object=o;serial=1",
        ] {
            assert!(!a.same_object(&parse(other).unwrap()), "{other}");
        }
    }

    #[test]
    fn blob_tags_round_trip() {
        for w in [Wrapping::Gcm, Wrapping::KeyWrapPad, Wrapping::KeyWrap] {
            assert_eq!(Wrapping::from_tag(w as u8), Some(w));
        }
        assert_eq!(Wrapping::from_tag(0), None);
        assert_eq!(Wrapping::from_tag(4), None);
    }
}
