//! The root key: the top of the hierarchy, which only ever wraps KEK versions.
//!
//! Every provider (passphrase, key file, PKCS#11, Transit) implements
//! [`RootKey`]; the keyring code only ever sees that trait, so a provider
//! that keeps its key inside a device slots in without touching callers.

pub mod keyfile;
pub mod passphrase;
pub mod pkcs11;
pub mod transit;

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
    /// An AES-256 key inside a PKCS#11 token, named by an RFC 7512 URI
    /// (which never holds a PIN: `pin-value` is refused).
    Pkcs11 { uri: String },
    /// A key in OpenBao's or Vault's Transit engine, named by its API URL
    /// (`https://HOST:8200/v1/transit/keys/NAME`); never a token.
    Transit { url: String },
}

impl RootConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            RootConfig::Passphrase(_) => "passphrase",
            RootConfig::Keyfile { .. } => "keyfile",
            RootConfig::Pkcs11 { .. } => "pkcs11",
            RootConfig::Transit { .. } => "transit",
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
            RootConfig::Pkcs11 { uri } => format!("PKCS#11 {uri}"),
            RootConfig::Transit { url } => format!("Transit {url}"),
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
    /// `--pin-file`: the PKCS#11 token's PIN (before KEYCASK_PIN_FILE,
    /// KEYCASK_PIN, the URI's pin-source and the terminal).
    pub pin_file: Option<PathBuf>,
    /// `--pkcs11-module` / KEYCASK_PKCS11_MODULE: this machine's module,
    /// which wins over the URI's module-path.
    pub pkcs11_module: Option<PathBuf>,
    /// Set by `rotate --root` only: a PKCS#11 root that fails the adoption
    /// rules at unlock is used anyway, with a warning, to move the keyring
    /// off it (refusing would leave the keyring unopenable).
    pub leaving_root: bool,
    /// The keyring these secrets unlock, named in the passphrase prompt.
    pub keyring: Option<PathBuf>,
    /// `--allow-weak-passphrase` of `init` and `rotate --root`: a new
    /// passphrase under 12 characters from a file, descriptor or variable.
    pub allow_weak_passphrase: bool,
    /// `-v`: roots that talk to a service report their retries on stderr.
    pub verbose: bool,
}

/// A root asked for on the command line: `passphrase`, `keyfile:PATH`,
/// `pkcs11:URI`.
#[derive(Clone, Debug, PartialEq)]
pub enum RootSpec {
    Passphrase,
    Keyfile(PathBuf),
    Pkcs11(Box<pkcs11::Pkcs11Uri>),
    Transit(Box<transit::TransitUrl>),
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
            Ok(RootSpec::Pkcs11(Box::new(text.parse()?)))
        } else if text.starts_with("transit:") {
            Ok(RootSpec::Transit(Box::new(text.parse()?)))
        } else {
            Err(Failure::usage(format!("unknown root '{text}'")).hint(
                "--root passphrase, --root keyfile:PATH, --root 'pkcs11:token=..;object=..' or --root transit:https://HOST:8200/v1/transit/keys/NAME",
            ))
        }
    }
}

/// Opens the root a keyring records, asking for its secret as needed.
pub fn open(config: &RootConfig, sources: &SecretSources) -> Result<Box<dyn RootKey>> {
    match config {
        RootConfig::Passphrase(kdf) => {
            Ok(Box::new(passphrase::PassphraseRoot::open(kdf, sources)?))
        }
        RootConfig::Keyfile { path } => {
            let path = sources.keyfile.as_deref().unwrap_or(path);
            Ok(Box::new(keyfile::KeyfileRoot::load(path)?))
        }
        RootConfig::Pkcs11 { uri } => {
            let uri: pkcs11::Pkcs11Uri = uri.parse().map_err(|e: Failure| {
                Failure::keyring(format!("the keyring's root URI is unusable: {e}"))
            })?;
            Ok(Box::new(pkcs11::Pkcs11Root::open(&uri, sources)?))
        }
        RootConfig::Transit { url } => {
            let url: transit::TransitUrl = url.parse().map_err(|e: Failure| {
                Failure::keyring(format!("the keyring's root URL is unusable: {e}"))
            })?;
            Ok(Box::new(transit::TransitRoot::open(&url, sources.verbose)?))
        }
    }
}

/// Creates a new root (for `init`, and `rotate --root`): a fresh salt, a
/// fresh key file, or a key generated in (or adopted from) a PKCS#11 token.
/// `passphrase` is the new passphrase of a passphrase root; `sources` give
/// the PKCS#11 module and PIN.
pub fn create(
    spec: &RootSpec,
    passphrase: Option<&Passphrase>,
    sources: &SecretSources,
) -> Result<Box<dyn RootKey>> {
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
        RootSpec::Pkcs11(uri) => Ok(Box::new(pkcs11::Pkcs11Root::create(uri, sources)?)),
        RootSpec::Transit(url) => Ok(Box::new(transit::TransitRoot::create(
            url,
            sources.verbose,
        )?)),
    }
}

/// Who unlocked the root in this process, when the root has an identity of
/// its own (a Transit token's accessor or an AppRole role id); recorded in
/// the audit log. Never a secret.
static IDENTITY: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

pub(crate) fn set_identity(identity: &str) {
    if let Ok(mut slot) = IDENTITY.lock() {
        *slot = Some(identity.to_string());
    }
}

/// The root identity for audit records; `None` for roots without one.
pub fn identity() -> Option<String> {
    IDENTITY.lock().ok().and_then(|slot| slot.clone())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    Ok(std::path::absolute(path)?)
}
