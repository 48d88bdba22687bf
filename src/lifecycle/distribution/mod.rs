//! Distribution: `export` and `import`.
//!
//! Public keys leave as SPKI PEM or JWK. A key's material leaves only sealed
//! to a recipient's public key, optionally signed by the sender, in a key
//! bundle (`crate::bundle`); imported versions keep their version ids, so the
//! sender's envelopes unwrap in the recipient's keyring. Existing keys come in
//! through `import --raw` (AES) and `import --pem` (P-256, RSA).
//!
//! `export` (public keys and sealed bundles) is in `export.rs`; `import
//! --raw` and `--pem` in `import.rs`; `import --bundle` in
//! `import_bundle.rs`. This module holds the typed requests and the checks
//! they share.

mod export;
mod import;
mod import_bundle;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::Context;
use crate::cli::{ExportArgs, ImportArgs};
use crate::crypto::asymmetric::PublicKey;
use crate::error::Failure;
use crate::input::read_limited;
use crate::key::{Algorithm, Purpose, validate_key_name};
use crate::keyring::{Key, KeyVersion};

pub use export::export;
pub use import::import;

/// Files given to `--raw` larger than this cannot be a 32-byte key in any
/// of the accepted encodings; they are refused without reading them whole.
pub(super) const MAX_RAW_LEN: u64 = 4096;
/// PEM private keys (RSA-4096 is ~3.3 KiB) and public keys.
pub(super) const MAX_PEM_LEN: u64 = 1024 * 1024;
/// A bundle of many RSA-4096 versions stays far below this.
pub(super) const MAX_BUNDLE_LEN: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicFormat {
    Pem,
    Jwk,
}

#[derive(Debug)]
pub enum ExportRequest {
    Public {
        name: String,
        version: Option<u32>,
        format: PublicFormat,
        output: Option<PathBuf>,
    },
    Sealed {
        name: String,
        recipient: PathBuf,
        sign_with: Option<String>,
        version: Option<u32>,
        output: Option<PathBuf>,
    },
}

impl ExportRequest {
    pub fn from_args(args: &ExportArgs) -> Result<Self> {
        let output = args.output.clone().filter(|p| p != Path::new("-"));
        Ok(match &args.to {
            Some(recipient) => ExportRequest::Sealed {
                name: args.name.clone(),
                recipient: recipient.clone(),
                sign_with: args.sign_with.clone(),
                version: args.version,
                output,
            },
            None => ExportRequest::Public {
                name: args.name.clone(),
                version: args.version,
                format: if args.format == "jwk" {
                    PublicFormat::Jwk
                } else {
                    PublicFormat::Pem
                },
                output,
            },
        })
    }
}

#[derive(Debug)]
pub enum ImportRequest {
    Bundle {
        path: Option<PathBuf>,
        transport_key: String,
        verify_with: Option<PathBuf>,
        as_name: Option<String>,
        /// Existing keys take versions from an unverified bundle only when asked.
        add_unverified: bool,
        /// An existing key's primary moves only when asked.
        make_primary: bool,
    },
    Raw {
        name: String,
        path: Option<PathBuf>,
        purpose: Purpose,
    },
    Pem {
        name: String,
        path: Option<PathBuf>,
        purpose: Option<Purpose>,
    },
}

pub(super) fn stdin_or(path: &Path) -> Option<PathBuf> {
    (path != Path::new("-")).then(|| path.to_path_buf())
}

impl ImportRequest {
    pub fn from_args(args: &ImportArgs) -> Result<Self> {
        let purpose: Option<Purpose> = args.purpose.as_deref().map(str::parse).transpose()?;
        if let Some(path) = &args.bundle {
            if args.name.is_some() {
                return Err(Failure::usage(
                    "import --bundle takes no NAME: the bundle names its key",
                )
                .hint("to import it under another name, use --as NAME")
                .into());
            }
            if purpose.is_some() {
                return Err(Failure::usage(
                    "--purpose does not apply to --bundle: the key keeps the sender's purpose",
                )
                .into());
            }
            if let Some(name) = &args.as_name {
                validate_key_name(name)?;
            }
            return Ok(ImportRequest::Bundle {
                path: stdin_or(path),
                transport_key: args.with.clone().expect("clap requires --with"),
                verify_with: args.verify_with.clone(),
                as_name: args.as_name.clone(),
                add_unverified: args.add_unverified_versions,
                make_primary: args.make_primary,
            });
        }
        let name = args.name.clone().ok_or_else(|| {
            Failure::usage("import --raw and --pem need the new key's NAME")
                .hint("keycask import NAME --raw FILE, or keycask import NAME --pem FILE")
        })?;
        validate_key_name(&name)?;
        if let Some(path) = &args.raw {
            let algorithm: Algorithm = args.key_type.parse()?;
            if algorithm != Algorithm::Aes256Gcm {
                return Err(Failure::usage(format!(
                    "--raw imports aes256-gcm keys only, not {algorithm}"
                ))
                .hint("import P-256 and RSA private keys with --pem FILE")
                .into());
            }
            let purpose = purpose.unwrap_or(Purpose::Encrypt);
            check_purpose(algorithm, purpose)?;
            return Ok(ImportRequest::Raw {
                name,
                path: stdin_or(path),
                purpose,
            });
        }
        let path = args.pem.as_ref().expect("clap requires a source");
        Ok(ImportRequest::Pem {
            name,
            path: stdin_or(path),
            purpose,
        })
    }
}

pub(super) fn check_purpose(algorithm: Algorithm, purpose: Purpose) -> Result<(), Failure> {
    if algorithm.allowed_purposes().contains(&purpose) {
        return Ok(());
    }
    let allowed: Vec<&str> = algorithm
        .allowed_purposes()
        .iter()
        .map(|p| p.as_str())
        .collect();
    Err(Failure::usage(format!(
        "{} key cannot have purpose {purpose}",
        algorithm.with_article()
    ))
    .hint(format!(
        "{algorithm} keys may have purpose {}",
        allowed.join(" or ")
    )))
}

pub(super) fn refuse_binary_terminal(output: Option<&Path>) -> Result<()> {
    if output.is_none() && std::io::stdout().is_terminal() {
        return Err(
            Failure::usage("refusing to write a binary key bundle to the terminal")
                .hint("redirect stdout (`> FILE.kcx`) or use -o FILE.kcx")
                .into(),
        );
    }
    Ok(())
}

pub(super) fn version_or_fail<'a>(name: &str, key: &'a Key, number: u32) -> Result<&'a KeyVersion> {
    key.version(number).ok_or_else(|| {
        let known: Vec<String> = key
            .versions
            .iter()
            .map(|v| format!("v{}", v.version))
            .collect();
        Failure::key_unusable(format!("key '{name}' has no version {number}"))
            .hint(format!("its versions: {}", known.join(", ")))
            .into()
    })
}

/// A public key from a PEM file; a note on stderr when its fingerprint needs
/// another OpenSSL command than the one the docs give.
pub(super) fn read_public_pem(ctx: &Context, path: &Path) -> Result<PublicKey> {
    let text = read_limited(Some(path), MAX_PEM_LEN, "a public key")?;
    let source = path.display().to_string();
    let public = PublicKey::from_pem(&text, &source)?;
    if let Some(note) = public.fingerprint_note(&text, &source) {
        ctx.note(note);
    }
    Ok(public)
}
