//! Zeroizing holders for key material, passphrases and PINs.
//!
//! None of these types implements `Display` or `Serialize`, and their `Debug`
//! prints no bytes. Reading the bytes out is an explicit `expose_secret()` call,
//! so every place that touches plaintext material can be found with grep.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A 256-bit symmetric key: a root key, a KEK, an AES key version, a CEK.
#[derive(Clone)]
pub struct SecretKey32(Zeroizing<[u8; 32]>);

impl SecretKey32 {
    #[cfg(any(test, fuzzing))]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&bytes);
        let mut bytes = bytes;
        zeroize::Zeroize::zeroize(&mut bytes);
        SecretKey32(key)
    }

    /// Copies a slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 32 {
            return None;
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(bytes);
        Some(SecretKey32(key))
    }

    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        crate::random::fill_random(key.as_mut());
        SecretKey32(key)
    }

    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A key filled in place, in a `Zeroizing` buffer, is moved in whole: no
/// copy of it is left behind, as `from_bytes(*buffer)` would leave one on
/// the stack.
impl From<Zeroizing<[u8; 32]>> for SecretKey32 {
    fn from(key: Zeroizing<[u8; 32]>) -> Self {
        SecretKey32(key)
    }
}

impl fmt::Debug for SecretKey32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey32").finish_non_exhaustive()
    }
}

impl PartialEq for SecretKey32 {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for SecretKey32 {}

/// Secret bytes of any length: a PKCS#8 private key, a key file's contents.
#[derive(Clone)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(Zeroizing::new(bytes))
    }

    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<Zeroizing<Vec<u8>>> for SecretBytes {
    fn from(bytes: Zeroizing<Vec<u8>>) -> Self {
        SecretBytes(bytes)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBytes")
            .field("len", &self.0.len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for SecretBytes {}

/// A passphrase or a PIN, as typed or read from a file.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    pub fn new(text: String) -> Self {
        Passphrase(Zeroizing::new(text))
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passphrase").finish_non_exhaustive()
    }
}

impl PartialEq for Passphrase {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Passphrase {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_bytes() {
        let key = SecretKey32::from_bytes([0xAB; 32]);
        let bytes = SecretBytes::new(b"hunter2-material".to_vec());
        let pass = Passphrase::new("correct horse".into());
        for printed in [
            format!("{key:?}"),
            format!("{bytes:?}"),
            format!("{pass:?}"),
            format!("{key:#?}"),
        ] {
            assert!(!printed.contains("171"), "{printed}");
            assert!(!printed.to_lowercase().contains("ab"), "{printed}");
            assert!(!printed.contains("hunter2"), "{printed}");
            assert!(!printed.contains("horse"), "{printed}");
        }
    }

    #[test]
    fn equality_compares_contents() {
        assert_eq!(
            SecretKey32::from_bytes([1; 32]),
            SecretKey32::from_bytes([1; 32])
        );
        assert_ne!(
            SecretKey32::from_bytes([1; 32]),
            SecretKey32::from_bytes([2; 32])
        );
        assert!(SecretKey32::from_slice(&[0; 31]).is_none());
    }
}
