//! The key-file root: 32 random bytes in a 0600 file, for CI systems that
//! hand secrets over as files.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, Result};

use super::RootKey;
use crate::crypto;
use crate::error::Failure;
use crate::secret::SecretKey32;

pub struct KeyfileRoot {
    path: std::path::PathBuf,
    key: SecretKey32,
}

impl KeyfileRoot {
    /// Reads the key file through one open file: its type and mode are
    /// checked on the file that is then read (not on a path that could be
    /// swapped in between), and at most 33 bytes are read, enough to tell a
    /// 32-byte key from anything else.
    pub fn load(path: &Path) -> Result<Self> {
        let cannot_read = |e: std::io::Error| {
            Failure::auth(format!(
                "cannot read the key file {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            ))
            .hint("give the root key file with --keyfile PATH or KEYCASK_KEYFILE")
        };
        let file = std::fs::File::open(path).map_err(cannot_read)?;
        let meta = file.metadata().map_err(cannot_read)?;
        if meta.is_dir() {
            return Err(Failure::usage(format!(
                "the key file {} is a folder, not a file",
                path.display()
            ))
            .hint("give the path of the 32-byte root key file itself")
            .into());
        }
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(Failure::auth(format!(
                "the key file {} is accessible by other users (mode {:04o})",
                path.display(),
                meta.permissions().mode() & 0o7777
            ))
            .hint(format!("chmod 600 {}", path.display()))
            .into());
        }
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(33));
        std::io::Read::read_to_end(&mut std::io::Read::take(&file, 33), &mut bytes)
            .with_context(|| format!("reading {}", path.display()))?;
        let key = SecretKey32::from_slice(&bytes).ok_or_else(|| {
            Failure::auth(format!(
                "the key file {} holds {}, not the 32 bytes of a root key",
                path.display(),
                if bytes.len() > 32 {
                    "more than 32 bytes".to_string()
                } else {
                    format!("{} bytes", bytes.len())
                }
            ))
        })?;
        Ok(KeyfileRoot::from_file_bytes(path, &key))
    }

    /// Creates 32 random bytes at `path` (0600) unless a file is already there,
    /// in which case it is adopted if it holds exactly 32 bytes.
    pub fn create_or_adopt(path: &Path) -> Result<Self> {
        if path.exists() {
            return KeyfileRoot::load(path);
        }
        let key = SecretKey32::generate();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating the key file {}", path.display()))?;
        file.write_all(key.expose_secret())?;
        file.sync_all()?;
        Ok(KeyfileRoot::from_file_bytes(path, &key))
    }

    fn from_file_bytes(path: &Path, file_key: &SecretKey32) -> Self {
        KeyfileRoot {
            path: path.to_path_buf(),
            key: crypto::hkdf_sha256(file_key.expose_secret(), None, b"keycask/root/keyfile/v1"),
        }
    }
}

impl RootKey for KeyfileRoot {
    fn config(&self) -> super::RootConfig {
        super::RootConfig::Keyfile {
            path: self.path.clone(),
        }
    }

    fn wrap_kek(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        Ok(crypto::seal(&self.key, kek.expose_secret(), aad))
    }

    fn unwrap_kek(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        let plain = crypto::open(&self.key, wrapped, aad).map_err(|_| {
            Failure::auth("cannot unlock the keyring: wrong key file")
                .hint("check --keyfile / KEYCASK_KEYFILE, or the path recorded by `keycask init`")
        })?;
        SecretKey32::from_slice(&plain)
            .ok_or_else(|| Failure::keyring("a KEK version has the wrong length").into())
    }
}
