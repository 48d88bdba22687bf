//! The root key: the top of the hierarchy, which only ever wraps KEK versions.
//!
//! Every provider (passphrase, key file, and later PKCS#11) implements
//! [`RootKey`]; the keyring code only ever sees that trait, so a provider
//! that keeps its key inside a device slots in without touching callers.

pub mod keyfile;
pub mod passphrase;

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::error::Failure;
use crate::secret::{Passphrase, SecretKey32};

/// What the keyring file records about its root (never the secret itself).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RootConfig {
    /// A passphrase stretched with Argon2id.
    Passphrase(passphrase::KdfParams),
    /// 32 random bytes in a file.
    Keyfile { path: PathBuf },
}

impl RootConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            RootConfig::Passphrase(_) => "passphrase",
            RootConfig::Keyfile { .. } => "keyfile",
        }
    }

    /// A one-line description for `show` and reports: never a secret.
    pub fn describe(&self) -> String {
        match self {
            RootConfig::Passphrase(kdf) => format!(
                "passphrase (argon2id m={} KiB, t={}, p={})",
                kdf.m_cost, kdf.t_cost, kdf.p_cost
            ),
            RootConfig::Keyfile { path } => format!("key file {}", path.display()),
        }
    }
}

/// A root key, unlocked for the length of one command.
pub trait RootKey {
    /// What the keyring records about this root.
    fn config(&self) -> RootConfig;
    /// Wraps a KEK version, binding it to `aad`.
    fn wrap_kek(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>>;
    /// Unwraps a KEK version; a wrong root or a changed blob is an
    /// authentication failure (exit 3).
    fn unwrap_kek(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey32>;
}

/// Where secrets for unlocking come from, gathered once from the command
/// line and the environment.
#[derive(Clone, Debug, Default)]
pub struct SecretSources {
    pub passphrase_fd: Option<i32>,
    pub passphrase_file: Option<PathBuf>,
    pub keyfile: Option<PathBuf>,
}

/// A root asked for on the command line: `passphrase`, `keyfile:PATH`.
#[derive(Clone, Debug, PartialEq)]
pub enum RootSpec {
    Passphrase,
    Keyfile(PathBuf),
}

impl std::str::FromStr for RootSpec {
    type Err = Failure;

    fn from_str(text: &str) -> Result<Self, Failure> {
        if text == "passphrase" {
            Ok(RootSpec::Passphrase)
        } else if let Some(path) = text.strip_prefix("keyfile:") {
            if path.is_empty() {
                return Err(Failure::usage("keyfile: needs a path")
                    .hint("--root keyfile:/path/to/root.key"));
            }
            Ok(RootSpec::Keyfile(PathBuf::from(path)))
        } else if text.starts_with("pkcs11:") {
            Err(
                Failure::usage("PKCS#11 roots are not supported by this build yet")
                    .hint("use --root passphrase or --root keyfile:PATH"),
            )
        } else {
            Err(Failure::usage(format!("unknown root '{text}'"))
                .hint("--root passphrase, or --root keyfile:PATH"))
        }
    }
}

/// Opens the root a keyring records, asking for its secret as needed.
pub fn open(config: &RootConfig, sources: &SecretSources) -> Result<Box<dyn RootKey>> {
    match config {
        RootConfig::Passphrase(kdf) => {
            let pass = passphrase::read(sources, "Passphrase for the keyring: ", false)?;
            Ok(Box::new(passphrase::PassphraseRoot::derive(kdf, &pass)?))
        }
        RootConfig::Keyfile { path } => {
            let path = sources.keyfile.as_deref().unwrap_or(path);
            Ok(Box::new(keyfile::KeyfileRoot::load(path)?))
        }
    }
}

/// Creates a new root (for `init`, and `rotate --root`): a fresh salt or a
/// fresh key file. `passphrase` is the new passphrase of a passphrase root.
pub fn create(spec: &RootSpec, passphrase: Option<&Passphrase>) -> Result<Box<dyn RootKey>> {
    match spec {
        RootSpec::Passphrase => {
            let pass =
                passphrase.ok_or_else(|| Failure::usage("a passphrase root needs a passphrase"))?;
            let kdf = passphrase::KdfParams::generate();
            Ok(Box::new(passphrase::PassphraseRoot::derive(&kdf, pass)?))
        }
        RootSpec::Keyfile(path) => {
            let path = absolute(path)?;
            Ok(Box::new(keyfile::KeyfileRoot::create_or_adopt(&path)?))
        }
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    Ok(std::path::absolute(path)?)
}
