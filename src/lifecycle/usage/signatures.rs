//! Signatures: `sign` and `verify`, interoperable with OpenSSL.
//!
//! ECDSA P-256 with SHA-256 (DER, what `openssl dgst -sha256 -sign` makes)
//! and RSA-PSS with SHA-256 (salt 32), or PKCS#1 v1.5 with `--scheme
//! pkcs1v15`. The input is hashed as it streams, so files of any size sign
//! in constant memory.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::Context;
use crate::asymmetric::{self, PublicKey, RsaScheme};
use crate::audit;
use crate::cli::{SignArgs, VerifyArgs};
use crate::error::Failure;
use crate::keyring::{Event, Key, Purpose, VersionState, open_read_only};
use crate::output;

/// Signatures larger than this are not signatures keycask could have made
/// (RSA-8192 is 1 KiB); a larger file is refused as invalid before reading on.
const MAX_SIGNATURE_LEN: u64 = 16 * 1024;

#[derive(Debug)]
pub struct SignRequest {
    pub key: String,
    pub input: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub scheme: RsaScheme,
}

#[derive(Debug)]
pub enum Verifier {
    Key(String),
    PublicKey(PathBuf),
}

#[derive(Debug)]
pub struct VerifyRequest {
    pub verifier: Verifier,
    pub signature: PathBuf,
    pub input: Option<PathBuf>,
    pub scheme: RsaScheme,
}

fn parse_scheme(text: &str) -> RsaScheme {
    if text == "pkcs1v15" {
        RsaScheme::Pkcs1v15
    } else {
        RsaScheme::Pss
    }
}

impl SignRequest {
    pub fn from_args(args: &SignArgs) -> SignRequest {
        SignRequest {
            key: args.key.clone(),
            input: args.input.clone().filter(|p| p != Path::new("-")),
            output: args.output.clone().filter(|p| p != Path::new("-")),
            scheme: parse_scheme(&args.scheme),
        }
    }
}

impl VerifyRequest {
    pub fn from_args(args: &VerifyArgs) -> VerifyRequest {
        let verifier = match (&args.key, &args.public_key) {
            (Some(name), _) => Verifier::Key(name.clone()),
            (None, Some(path)) => Verifier::PublicKey(path.clone()),
            (None, None) => unreachable!("clap requires --key or --public-key"),
        };
        VerifyRequest {
            verifier,
            signature: args.signature.clone(),
            input: args.input.clone().filter(|p| p != Path::new("-")),
            scheme: parse_scheme(&args.scheme),
        }
    }
}

/// Hashes a file or stdin with SHA-256 as it streams.
fn digest_input(input: Option<&Path>) -> Result<[u8; 32]> {
    let mut reader: Box<dyn Read> = match input {
        Some(path) => {
            Box::new(File::open(path).with_context(|| format!("cannot read {}", path.display()))?)
        }
        None => Box::new(std::io::stdin().lock()),
    };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(e).with_context(|| match input {
                    Some(path) => format!("cannot read {}", path.display()),
                    None => "cannot read stdin".to_string(),
                });
            }
        };
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().into())
}

/// Checks that a key may sign or verify: purpose `sign`.
fn require_sign_purpose(name: &str, key: &Key, command: &str) -> Result<()> {
    if key.purpose != Purpose::Sign {
        return Err(Failure::key_unusable(format!(
            "key '{name}' has purpose {}; {command} needs a key of purpose sign",
            key.purpose
        ))
        .hint("create one with `keycask keygen NAME --type p256 --purpose sign`")
        .into());
    }
    Ok(())
}

fn check_scheme(public: &PublicKey, scheme: RsaScheme) -> Result<()> {
    if scheme == RsaScheme::Pkcs1v15 && matches!(public, PublicKey::P256(_)) {
        return Err(Failure::usage("--scheme pkcs1v15 applies to RSA keys only")
            .hint("P-256 keys sign with ECDSA; drop --scheme")
            .into());
    }
    Ok(())
}

pub fn sign(ctx: &Context, request: &SignRequest) -> Result<()> {
    if request.output.is_none() && std::io::stdout().is_terminal() {
        return Err(
            Failure::usage("refusing to write a binary signature to the terminal")
                .hint("redirect stdout (`> FILE.sig`) or use -o FILE.sig")
                .into(),
        );
    }
    let keyring = open_read_only(&ctx.keyring_path, &ctx.sources)?;
    let key = keyring.key(&request.key)?;
    require_sign_purpose(&request.key, key, "sign")?;
    let version = key.primary_version().ok_or_else(|| {
        Failure::key_unusable(format!("key '{}' has no primary version", request.key))
    })?;
    if version.state != VersionState::Enabled {
        return Err(Failure::key_unusable(format!(
            "the primary version {} of key '{}' is {}",
            version.version, request.key, version.state
        ))
        .into());
    }
    if version.compromised.is_some() {
        ctx.warn(format!(
            "version {} of key '{}' is flagged compromised; rotate it",
            version.version, request.key
        ));
    }
    let number = version.version;
    // Logged (when the keyring asks for it) before any signature exists.
    audit::record_usage(
        ctx,
        &keyring,
        Event::new("sign").key(&request.key).versions([number]),
    )?;
    let private = asymmetric::private_from_material(&keyring.material(&request.key, number)?)?;
    check_scheme(&private.public_key(), request.scheme)?;
    let digest = digest_input(request.input.as_deref())?;
    let signature = private.sign_digest(&digest, request.scheme)?;
    crate::output::Output::write(
        request.output.as_deref(),
        crate::output::Output::PUBLIC,
        &signature,
    )?;
    if ctx.json && request.output.is_some() {
        output::print_json(&json!({
            "schema": "keycask.sign/1",
            "key": request.key,
            "version": number,
            "fingerprint": private.public_key().fingerprint(),
            "sha256": hex::encode(digest),
            "signature": B64.encode(&signature),
        }))?;
    }
    Ok(())
}

/// One public key that may have made the signature, and how to name it.
struct Candidate {
    public: PublicKey,
    label: String,
}

fn candidates(ctx: &Context, verifier: &Verifier) -> Result<Vec<Candidate>> {
    match verifier {
        Verifier::PublicKey(path) => {
            let text =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let public = PublicKey::from_pem(&text, &path.display().to_string())?;
            let label = format!("{} ({})", path.display(), public.describe());
            Ok(vec![Candidate { public, label }])
        }
        Verifier::Key(name) => {
            // Unlocked, so the public keys are covered by the integrity MAC.
            let keyring = open_read_only(&ctx.keyring_path, &ctx.sources)?;
            let key = keyring.key(name)?;
            require_sign_purpose(name, key, "verify")?;
            let mut found = Vec::new();
            for v in &key.versions {
                if v.state != VersionState::Enabled {
                    continue;
                }
                let public = PublicKey::of_version(name, v)?;
                let label = format!("key {name} version {} ({})", v.version, public.describe());
                found.push(Candidate { public, label });
            }
            if found.is_empty() {
                return Err(Failure::key_unusable(format!(
                    "key '{name}' has no enabled version to verify with"
                ))
                .into());
            }
            Ok(found)
        }
    }
}

fn read_signature(path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut signature = Vec::new();
    file.take(MAX_SIGNATURE_LEN + 1)
        .read_to_end(&mut signature)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(signature)
}

pub fn verify(ctx: &Context, request: &VerifyRequest) -> Result<()> {
    let candidates = candidates(ctx, &request.verifier)?;
    for candidate in &candidates {
        check_scheme(&candidate.public, request.scheme)?;
    }
    let signature = read_signature(&request.signature)?;
    let digest = digest_input(request.input.as_deref())?;
    let input_name = request
        .input
        .as_deref()
        .map_or("stdin".to_string(), |p| p.display().to_string());
    let valid = if signature.len() as u64 > MAX_SIGNATURE_LEN {
        None
    } else {
        candidates.iter().find(|c| {
            c.public
                .verify_digest(&digest, &signature, request.scheme)
                .is_ok()
        })
    };
    let Some(candidate) = valid else {
        let against = match &request.verifier {
            Verifier::Key(name) => format!("key {name}"),
            Verifier::PublicKey(path) => path.display().to_string(),
        };
        return Err(Failure::auth(format!(
            "bad signature: {} is not a valid signature of {input_name} by {against}",
            request.signature.display()
        ))
        .into());
    };
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.verify/1",
            "valid": true,
            "signer": candidate.label,
            "fingerprint": candidate.public.fingerprint(),
            "sha256": hex::encode(digest),
        }))?;
    } else {
        println!(
            "Verified OK: {input_name} signed by {} {}",
            candidate.label,
            candidate.public.fingerprint()
        );
    }
    Ok(())
}
