//! Signatures: `sign` and `verify`, interoperable with OpenSSL.
//!
//! ECDSA P-256 with SHA-256 (DER, what `openssl dgst -sha256 -sign` makes;
//! keycask's own are low-S, high-S ones from others verify) and RSA-PSS with
//! SHA-256 (salt 32, required when verifying), or PKCS#1 v1.5 with `--scheme
//! pkcs1v15`. The input is hashed as it streams, so files of any size sign
//! in constant memory.

use std::fmt;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Context;
use crate::cli::{SignArgs, VerifyArgs};
use crate::crypto::asymmetric::{self, PSS_SALT_LEN, PublicKey, RsaScheme};
use crate::error::Failure;
use crate::input::{open_file, read_limited};
use crate::key::Purpose;
use crate::keyring::{self, Event, Key, VersionState, open_read_only_lazy};

/// Signatures larger than this are not signatures keycask could have made
/// (RSA-8192 is 1 KiB); a larger file is refused as invalid before reading on.
const MAX_SIGNATURE_LEN: u64 = 16 * 1024;
/// A public key PEM is a few hundred bytes; an RSA-16384 one under 3 KiB.
const MAX_PUBLIC_KEY_LEN: u64 = 1024 * 1024;

#[derive(Debug)]
pub struct SignRequest {
    pub key: String,
    pub input: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// `None` when `--scheme` was not given: PSS for RSA keys.
    pub scheme: Option<RsaScheme>,
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
    /// `None` when `--scheme` was not given: PSS for RSA keys.
    pub scheme: Option<RsaScheme>,
}

fn parse_scheme(text: Option<&str>) -> Option<RsaScheme> {
    text.map(|text| {
        if text == "pkcs1v15" {
            RsaScheme::Pkcs1v15
        } else {
            RsaScheme::Pss
        }
    })
}

impl SignRequest {
    pub fn from_args(args: &SignArgs) -> SignRequest {
        SignRequest {
            key: args.key.clone(),
            input: args.input.clone().filter(|p| p != Path::new("-")),
            output: args.output.clone().filter(|p| p != Path::new("-")),
            scheme: parse_scheme(args.scheme.as_deref()),
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
            scheme: parse_scheme(args.scheme.as_deref()),
        }
    }
}

/// Hashes a file or stdin with SHA-256 as it streams.
fn digest_input(input: Option<&Path>) -> Result<[u8; 32]> {
    let mut reader: Box<dyn Read> = match input {
        Some(path) => Box::new(open_file(path)?),
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

/// `--scheme` names an RSA padding: given for a P-256 key, either value is
/// refused, so that a script never believes it chose something it did not.
fn check_scheme(public: &PublicKey, scheme: Option<RsaScheme>) -> Result<RsaScheme> {
    if let (Some(scheme), PublicKey::P256(_)) = (scheme, public) {
        let named = match scheme {
            RsaScheme::Pss => "pss",
            RsaScheme::Pkcs1v15 => "pkcs1v15",
        };
        return Err(
            Failure::usage(format!("--scheme {named} applies to RSA keys only"))
                .hint("P-256 keys sign with ECDSA; drop --scheme")
                .into(),
        );
    }
    Ok(scheme.unwrap_or(RsaScheme::Pss))
}

pub fn sign(ctx: &Context, request: &SignRequest) -> Result<()> {
    if ctx.json && request.output.is_none() {
        // stdout carries the signature; the report would be lost or mixed in.
        return Err(Failure::usage(
            "sign --json needs -o SIG: the signature goes to the file, the JSON report to stdout",
        )
        .hint(format!(
            "keycask sign -k {} --json -o FILE.sig [IN]",
            request.key
        ))
        .into());
    }
    if request.output.is_none() && std::io::stdout().is_terminal() {
        return Err(
            Failure::usage("refusing to write a binary signature to the terminal")
                .hint("redirect stdout (`> FILE.sig`) or use -o FILE.sig")
                .into(),
        );
    }
    let keyring = open_read_only_lazy(&ctx.keyring_path, &ctx.sources)?;
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
    keyring::record_usage(
        &ctx.keyring_path,
        &ctx.sources,
        &keyring,
        Event::new("sign").key(&request.key).versions([number]),
    )?;
    let private = asymmetric::private_from_material(&keyring.material(&request.key, number)?)?;
    let scheme = check_scheme(&private.public_key(), request.scheme)?;
    let digest = digest_input(request.input.as_deref())?;
    let signature = private.sign_digest(&digest, scheme)?;
    crate::output::Output::write(
        request.output.as_deref(),
        crate::output::Output::PUBLIC,
        &signature,
    )?;
    // With --json, -o is required (checked first): stdout is free.
    ctx.emit(&SignReport {
        schema: "keycask.sign/1",
        key: &request.key,
        version: number,
        fingerprint: private.public_key().fingerprint(),
        sha256: hex::encode(digest),
        signature: B64.encode(&signature),
    })?;
    Ok(())
}

/// What `sign --json -o SIG` reports: `keycask.sign/1` (docs/JSON.md).
/// Without `--json` there is no text: the signature is the output.
#[derive(Serialize)]
struct SignReport<'a> {
    schema: &'static str,
    key: &'a str,
    version: u32,
    fingerprint: String,
    sha256: String,
    signature: String,
}

impl fmt::Display for SignReport<'_> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

/// One public key that may have made the signature, and how to name it.
struct Candidate {
    public: PublicKey,
    label: String,
    /// For a version of a keyring key that is not enabled: its number and
    /// state. It never makes a signature valid; it only explains a refusal.
    unusable: Option<(u32, VersionState)>,
}

fn candidates(ctx: &Context, verifier: &Verifier) -> Result<Vec<Candidate>> {
    match verifier {
        Verifier::PublicKey(path) => {
            let text = read_limited(Some(path), MAX_PUBLIC_KEY_LEN, "a public key")?;
            let source = path.display().to_string();
            let public = PublicKey::from_pem(&text, &source)?;
            if let Some(note) = public.fingerprint_note(&text, &source) {
                ctx.note(note);
            }
            let label = format!("{} ({})", path.display(), public.describe());
            Ok(vec![Candidate {
                public,
                label,
                unusable: None,
            }])
        }
        Verifier::Key(name) => {
            // Unlocked, so the public keys are covered by the integrity MAC.
            let keyring = open_read_only_lazy(&ctx.keyring_path, &ctx.sources)?;
            let key = keyring.key(name)?;
            require_sign_purpose(name, key, "verify")?;
            let mut found = Vec::new();
            for v in &key.versions {
                if v.public_key.is_none() {
                    continue;
                }
                let public = PublicKey::of_version(name, v)?;
                let label = format!("key {name} version {} ({})", v.version, public.describe());
                let unusable = (v.state != VersionState::Enabled).then_some((v.version, v.state));
                found.push(Candidate {
                    public,
                    label,
                    unusable,
                });
            }
            if found.iter().all(|c| c.unusable.is_some()) {
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
    let file = open_file(path)?;
    let mut signature = Vec::new();
    file.take(MAX_SIGNATURE_LEN + 1)
        .read_to_end(&mut signature)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(signature)
}

/// A refused RSA signature that is valid in another form than the one
/// asked for is still refused (exit 3), but the message says what to
/// change: a PSS signature with a salt of another length than 32 (OpenSSL's
/// default when signing is the longest salt), or a signature in the other
/// RSA padding (OpenSSL's default is PKCS#1 v1.5). Every input is public, so
/// this tells nobody anything they could not compute themselves.
fn explain_refusal(
    failure: Failure,
    candidates: &[Candidate],
    digest: &[u8; 32],
    signature: &[u8],
    scheme: RsaScheme,
    signature_path: &Path,
    input_name: &str,
) -> Failure {
    if signature.len() as u64 > MAX_SIGNATURE_LEN {
        return failure;
    }
    let valid_as = |other: RsaScheme| {
        candidates.iter().any(|c| {
            matches!(c.public, PublicKey::Rsa(_))
                && c.public.verify_digest(digest, signature, other).is_ok()
        })
    };
    match scheme {
        RsaScheme::Pss
            if candidates
                .iter()
                .any(|c| c.public.is_pss_with_other_salt(digest, signature)) =>
        {
            Failure::auth(format!(
                "bad signature: {} is an RSA-PSS signature of {input_name} with a salt length other than {PSS_SALT_LEN} bytes, which keycask refuses",
                signature_path.display()
            ))
            .hint(format!(
                "sign with a {PSS_SALT_LEN}-byte salt: openssl dgst -sha256 -sign KEY -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:{PSS_SALT_LEN}"
            ))
        }
        RsaScheme::Pss if valid_as(RsaScheme::Pkcs1v15) => failure.hint(
            "it is an RSA PKCS#1 v1.5 signature (OpenSSL's default padding): verify it with --scheme pkcs1v15",
        ),
        RsaScheme::Pkcs1v15 if valid_as(RsaScheme::Pss) => {
            failure.hint("it is an RSA-PSS signature: verify it without --scheme pkcs1v15")
        }
        _ => failure,
    }
}

pub fn verify(ctx: &Context, request: &VerifyRequest) -> Result<()> {
    let candidates = candidates(ctx, &request.verifier)?;
    for candidate in &candidates {
        check_scheme(&candidate.public, request.scheme)?;
    }
    let scheme = request.scheme.unwrap_or(RsaScheme::Pss);
    let signature = read_signature(&request.signature)?;
    let digest = digest_input(request.input.as_deref())?;
    let input_name = crate::input::source_name(request.input.as_deref());
    let valid = if signature.len() as u64 > MAX_SIGNATURE_LEN {
        None
    } else {
        // Enabled versions first: only they can make a signature valid.
        let mut ordered: Vec<&Candidate> = candidates.iter().collect();
        ordered.sort_by_key(|c| c.unusable.is_some());
        ordered
            .into_iter()
            .find(|c| c.public.verify_digest(&digest, &signature, scheme).is_ok())
    };
    if let (Some(candidate), Verifier::Key(name)) = (valid, &request.verifier)
        && let Some((number, state)) = candidate.unusable
    {
        let failure = Failure::key_unusable(format!(
            "{} is a signature of {input_name} by version {number} of key '{name}', which is {state}: only enabled versions verify",
            request.signature.display()
        ));
        return Err(match state {
            VersionState::Disabled => failure.hint(format!(
                "if you still trust that version: keycask enable {name} --version {number}"
            )),
            VersionState::DestroyScheduled => failure.hint(format!(
                "if you still trust that version: keycask destroy --cancel {name} --version {number}"
            )),
            _ => failure,
        }
        .into());
    }
    let Some(candidate) = valid else {
        let against = match &request.verifier {
            Verifier::Key(name) => format!("key {name}"),
            Verifier::PublicKey(path) => path.display().to_string(),
        };
        let failure = Failure::auth(format!(
            "bad signature: {} is not a valid signature of {input_name} by {against}",
            request.signature.display()
        ));
        return Err(explain_refusal(
            failure,
            &candidates,
            &digest,
            &signature,
            scheme,
            &request.signature,
            &input_name,
        )
        .into());
    };
    ctx.emit(&VerifyReport {
        schema: "keycask.verify/1",
        valid: true,
        signer: &candidate.label,
        fingerprint: candidate.public.fingerprint(),
        sha256: hex::encode(digest),
        input: &input_name,
    })?;
    Ok(())
}

/// What `verify` reports of a valid signature: `keycask.verify/1`
/// (docs/JSON.md).
#[derive(Serialize)]
struct VerifyReport<'a> {
    schema: &'static str,
    valid: bool,
    signer: &'a str,
    fingerprint: String,
    sha256: String,
    /// The signed file as messages name it, for the text.
    #[serde(skip)]
    input: &'a str,
}

impl fmt::Display for VerifyReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Verified OK: {} signed by {} {}",
            self.input, self.signer, self.fingerprint
        )
    }
}
