//! Distribution: `export` and `import`.
//!
//! Public keys leave as SPKI PEM or JWK. A key's material leaves only sealed
//! to a recipient's public key, optionally signed by the sender, in a key
//! bundle (`crate::bundle`); imported versions keep their version ids, so the
//! sender's envelopes unwrap in the recipient's keyring. Existing keys come in
//! through `import --raw` (AES) and `import --pem` (P-256, RSA).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::{
    STANDARD as B64, STANDARD_NO_PAD as B64_NO_PAD, URL_SAFE as B64URL,
    URL_SAFE_NO_PAD as B64URL_NO_PAD,
};
use serde_json::json;
use zeroize::Zeroizing;

use crate::Context;
use crate::asymmetric::{self, PrivateKey, PublicKey};
use crate::audit;
use crate::bundle::{self, Bundle, Metadata, VersionMetadata};
use crate::cli::{ExportArgs, ImportArgs};
use crate::clock::{self, Timestamp};
use crate::error::Failure;
use crate::input::{read_limited, source_name};
use crate::keyring::{
    Algorithm, Event, Key, KeyVersion, Origin, Purpose, Session, Source, Tombstone, Unlocked,
    VersionState, open_read_only, validate_key_name,
};
use crate::output;
use crate::output::Output;
use crate::secret::SecretBytes;

/// Files given to `--raw` larger than this cannot be a 32-byte key in any
/// of the accepted encodings; they are refused without reading them whole.
const MAX_RAW_LEN: u64 = 4096;
/// PEM private keys (RSA-4096 is ~3.3 KiB) and public keys.
const MAX_PEM_LEN: u64 = 1024 * 1024;
/// A bundle of many RSA-4096 versions stays far below this.
const MAX_BUNDLE_LEN: u64 = 64 * 1024 * 1024;

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

fn stdin_or(path: &Path) -> Option<PathBuf> {
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

fn check_purpose(algorithm: Algorithm, purpose: Purpose) -> Result<(), Failure> {
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

fn refuse_binary_terminal(output: Option<&Path>) -> Result<()> {
    if output.is_none() && std::io::stdout().is_terminal() {
        return Err(
            Failure::usage("refusing to write a binary key bundle to the terminal")
                .hint("redirect stdout (`> FILE.kcx`) or use -o FILE.kcx")
                .into(),
        );
    }
    Ok(())
}

fn version_or_fail<'a>(name: &str, key: &'a Key, number: u32) -> Result<&'a KeyVersion> {
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

pub fn export(ctx: &Context, request: &ExportRequest) -> Result<()> {
    match request {
        ExportRequest::Public {
            name,
            version,
            format,
            output,
        } => export_public(ctx, name, *version, *format, output.as_deref()),
        ExportRequest::Sealed {
            name,
            recipient,
            sign_with,
            version,
            output,
        } => export_sealed(
            ctx,
            name,
            recipient,
            sign_with.as_deref(),
            *version,
            output.as_deref(),
        ),
    }
}

fn export_public(
    ctx: &Context,
    name: &str,
    version: Option<u32>,
    format: PublicFormat,
    output: Option<&Path>,
) -> Result<()> {
    // Unlocked so that the public key handed out is covered by the
    // keyring's integrity MAC: a swapped public key would be a trap.
    let keyring = open_read_only(&ctx.keyring_path, &ctx.sources)?;
    let key = keyring.key(name)?;
    if key.algorithm.is_symmetric() {
        return Err(Failure::key_unusable(format!(
            "key '{name}' is {}: a symmetric key has no public half",
            key.algorithm
        ))
        .hint(format!(
            "to move it to another keyring, seal it to the recipient: keycask export {name} --to RECIPIENT.pem"
        ))
        .into());
    }
    let v = version_or_fail(name, key, version.unwrap_or(key.primary))?;
    if v.state != VersionState::Enabled {
        ctx.warn(format!(
            "version {} of key '{name}' is {}: it no longer signs or receives",
            v.version, v.state
        ));
    }
    let public = PublicKey::of_version(name, v)?;
    // Only the public half leaves: a usage event, logged when asked for.
    // (A sealed export of material is always recorded, by its session.)
    audit::record_usage(
        ctx,
        &keyring,
        Event::new("export")
            .key(name)
            .versions([v.version])
            .detail("public key"),
    )?;
    let text = match format {
        PublicFormat::Pem => public.to_pem(),
        PublicFormat::Jwk => {
            let jwk = public.to_jwk(&v.id, key.purpose == Purpose::Sign);
            format!("{}\n", serde_json::to_string_pretty(&jwk)?)
        }
    };
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.export-public/1",
            "name": name,
            "version": v.version,
            "version_id": v.id,
            "algorithm": key.algorithm.as_str(),
            "purpose": key.purpose.as_str(),
            "fingerprint": public.fingerprint(),
            "pem": public.to_pem(),
            "jwk": public.to_jwk(&v.id, key.purpose == Purpose::Sign),
        }))?;
        if let Some(path) = output {
            Output::write(Some(path), Output::PUBLIC_KEY, text.as_bytes())?;
        }
        return Ok(());
    }
    Output::write(output, Output::PUBLIC_KEY, text.as_bytes())?;
    let summary = format!(
        "public key of {name} version {}: {} {}",
        v.version,
        public.describe(),
        public.fingerprint()
    );
    if let Some(path) = output {
        ctx.report(format_args!("wrote {summary} -> {}", path.display()))?;
    } else if ctx.verbose > 0 {
        ctx.note(summary);
    }
    Ok(())
}

/// A sign-purpose key's primary version, as a private key.
fn signing_key(keyring: &Unlocked, name: &str) -> Result<PrivateKey> {
    let key = keyring.key(name)?;
    if key.purpose != Purpose::Sign {
        return Err(Failure::key_unusable(format!(
            "--sign-with key '{name}' has purpose {}; signing a bundle needs a key of purpose sign",
            key.purpose
        ))
        .into());
    }
    let v = key
        .primary_version()
        .filter(|v| v.state == VersionState::Enabled)
        .ok_or_else(|| {
            Failure::key_unusable(format!("key '{name}' has no enabled primary version"))
        })?;
    Ok(asymmetric::private_from_material(
        &keyring.material(name, v.version)?,
    )?)
}

/// A public key from a PEM file; a note on stderr when its fingerprint needs
/// another OpenSSL command than the one the docs give.
fn read_public_pem(ctx: &Context, path: &Path) -> Result<PublicKey> {
    let text = read_limited(Some(path), MAX_PEM_LEN, "a public key")?;
    let source = path.display().to_string();
    let public = PublicKey::from_pem(&text, &source)?;
    if let Some(note) = public.fingerprint_note(&text, &source) {
        ctx.note(note);
    }
    Ok(public)
}

fn export_sealed(
    ctx: &Context,
    name: &str,
    recipient_path: &Path,
    sign_with: Option<&str>,
    version: Option<u32>,
    output: Option<&Path>,
) -> Result<()> {
    refuse_binary_terminal(output)?;
    let recipient = read_public_pem(ctx, recipient_path)?;
    // A session, not a read-only open: sending key material away is an
    // event for the audit log.
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let now = session.now();
    let keyring = &session.keyring;
    let key = keyring.key(name)?;
    if let Some(tombstone) = &key.destroyed {
        return Err(Failure::key_unusable(format!(
            "key '{name}' was destroyed on {}",
            clock::format_date(tombstone.at)
        ))
        .into());
    }
    let chosen: Vec<&KeyVersion> = match version {
        Some(number) => {
            let v = version_or_fail(name, key, number)?;
            if v.state != VersionState::Enabled {
                return Err(Failure::key_unusable(format!(
                    "version {number} of key '{name}' is {}: only enabled versions are exported",
                    v.state
                ))
                .into());
            }
            vec![v]
        }
        None => key
            .versions
            .iter()
            .filter(|v| v.state == VersionState::Enabled)
            .collect(),
    };
    if chosen.is_empty() {
        return Err(Failure::key_unusable(format!(
            "key '{name}' has no enabled version to export"
        ))
        .into());
    }
    let mut materials = Vec::new();
    let mut versions = Vec::new();
    for v in &chosen {
        if v.compromised.is_some() {
            ctx.warn(format!(
                "version {} of key '{name}' is flagged compromised; the bundle carries the flag",
                v.version
            ));
        }
        materials.push(keyring.material(name, v.version)?);
        versions.push(VersionMetadata {
            version: v.version,
            id: v.id.clone(),
            created: v.created,
            public_key: v.public_key.clone(),
            compromised: v.compromised.as_ref().map(|t| t.at),
        });
    }
    let metadata = Metadata {
        kind: bundle::METADATA_KIND.into(),
        format: bundle::FORMAT_VERSION,
        source_keyring: keyring.doc.keyring_id.clone(),
        exported: now,
        name: name.to_string(),
        algorithm: key.algorithm,
        purpose: key.purpose,
        created: key.created,
        rotation_period: key.rotation_period,
        primary: key.primary,
        versions,
    };
    let signer = sign_with.map(|s| signing_key(keyring, s)).transpose()?;
    let sealed = bundle::seal(&metadata, &materials, &recipient, signer.as_ref())?;
    drop(materials);
    let numbers: Vec<u32> = chosen.iter().map(|v| v.version).collect();
    let signer_fp = signer.as_ref().map(|s| s.public_key().fingerprint());
    let detail = format!(
        "sealed to {} {}{}",
        recipient.describe(),
        recipient.fingerprint(),
        match (&sign_with, &signer_fp) {
            (Some(s), Some(fp)) => format!(", signed by {s} {fp}"),
            _ => String::new(),
        }
    );
    session.record(
        Event::new("export")
            .key(name)
            .versions(numbers.clone())
            .detail(detail.clone()),
    );
    // Audited before the bundle leaves: a failure to record stops the export.
    session.commit()?;
    Output::write(output, Output::SECRET, &sealed)?;

    let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
    if ctx.json && output.is_some() {
        output::print_json(&json!({
            "schema": "keycask.export-bundle/1",
            "name": name,
            "versions": numbers,
            "recipient": recipient.describe(),
            "recipient_fingerprint": recipient.fingerprint(),
            "signer_fingerprint": signer_fp,
            "output": output,
        }))?;
    } else if let Some(path) = output {
        ctx.report(format_args!(
            "sealed key {name} version{} {} to {} {}{} -> {}",
            if list.len() == 1 { "" } else { "s" },
            list.join(", "),
            recipient.describe(),
            recipient.fingerprint(),
            signer_fp
                .map(|fp| format!(", signed by {} {fp}", sign_with.unwrap_or_default()))
                .unwrap_or_default(),
            path.display()
        ))?;
    } else if ctx.verbose > 0 {
        ctx.note(format!("sealed key {name} {detail}"));
    }
    Ok(())
}

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
        let failure = match &existing.destroyed {
            Some(tombstone) => Failure::usage(format!(
                "key '{name}' was destroyed on {} and its name is kept as a tombstone",
                clock::format_date(tombstone.at)
            )),
            None => Failure::usage(format!("a key named '{name}' already exists")),
        };
        return Err(failure.hint("import under another name").into());
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
    let fingerprint = public_key_der.map(crate::material::fingerprint);
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.import/1",
            "name": name,
            "algorithm": algorithm.as_str(),
            "purpose": purpose.as_str(),
            "origin": "imported",
            "versions": [number],
            "version_ids": [id],
            "fingerprint": fingerprint,
        }))?;
    } else {
        ctx.report(format_args!(
            "imported key {name} ({algorithm}, {purpose}) version {number} id {id}"
        ))?;
        if let Some(fp) = fingerprint {
            ctx.report(format_args!("public key fingerprint {fp}"))?;
        }
    }
    if let Some(path) = source {
        ctx.note(format!(
            "the key is now in the keyring; delete the source file if nothing else needs it: shred -u {}",
            path.display()
        ));
    }
    Ok(())
}

/// What an import of a bundle did to one of its versions.
enum Outcome {
    Added,
    AlreadyPresent,
}

/// How `import --bundle` was asked to treat the bundle.
struct BundleImport<'a> {
    transport_key: &'a str,
    verify_with: Option<&'a Path>,
    as_name: Option<&'a str>,
    add_unverified: bool,
    make_primary: bool,
}

fn import_bundle(ctx: &Context, path: Option<&Path>, options: BundleImport) -> Result<()> {
    let BundleImport {
        transport_key,
        verify_with,
        as_name,
        add_unverified,
        make_primary,
    } = options;
    let bytes = read_limited(path, MAX_BUNDLE_LEN, "a key bundle")?;
    let trusted = verify_with
        .map(|path| read_public_pem(ctx, path))
        .transpose()?;
    let parsed = Bundle::parse(&bytes)?;
    let signer_fp = parsed.signer.as_ref().map(PublicKey::fingerprint);

    // Origin first: a bundle that fails its signature is not opened. The
    // warning about an unverified origin waits until the bundle opened.
    let origin_warning = match (&trusted, &parsed.signer) {
        (Some(_), None) => {
            return Err(Failure::auth(
                "the bundle is not signed, but --verify-with requires a signature",
            )
            .hint("ask the sender to export with --sign-with KEY")
            .into());
        }
        (Some(trusted), Some(signer)) => {
            if trusted.to_spki_der() != signer.to_spki_der() {
                return Err(Failure::auth(format!(
                    "the bundle is signed by {}, not by the --verify-with key {}",
                    signer.fingerprint(),
                    trusted.fingerprint()
                ))
                .hint("check with the sender which key signed it, comparing fingerprints out of band")
                .into());
            }
            parsed.check_signature()?;
            None
        }
        (None, Some(signer)) => {
            parsed.check_signature()?;
            Some(format!(
                "the bundle is signed by {}, but without --verify-with that key is not checked against one you trust: its origin is unverified",
                signer.fingerprint()
            ))
        }
        (None, None) => Some(
            "the bundle is not signed: its origin is unverified (anyone with your public key can make a bundle)".to_string(),
        ),
    };

    let metadata = &parsed.metadata;
    metadata.check_dates(clock::now()?)?;
    let name = as_name.unwrap_or(&metadata.name);
    validate_key_name(name).map_err(|e| {
        Failure::usage(format!(
            "the bundle names its key '{}', not a valid key name",
            crate::error::untrusted(&metadata.name)
        ))
        .hint(e.hint.unwrap_or_default() + "; import it with --as NAME")
    })?;
    if name == transport_key {
        return Err(Failure::usage(format!(
            "refusing to import into key '{name}': it is the --with transport key that opens the bundle"
        ))
        .hint("a bundle never changes the key it is sealed to; import it under another name with --as NAME")
        .into());
    }

    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let keyring = &mut session.keyring;

    // The transport key: the version whose public key the bundle is sealed to.
    let transport = keyring.key(transport_key)?;
    if transport.purpose != Purpose::Transport {
        return Err(Failure::key_unusable(format!(
            "key '{transport_key}' has purpose {}; --with needs a key of purpose transport",
            transport.purpose
        ))
        .hint("create one with `keycask keygen NAME --type p256 --purpose transport`")
        .into());
    }
    let mut receiving = None;
    let mut fingerprints = Vec::new();
    for v in transport
        .versions
        .iter()
        .filter(|v| v.state == VersionState::Enabled)
    {
        let public = PublicKey::of_version(transport_key, v)?;
        if bundle::spki_fingerprint(&public) == parsed.recipient_fingerprint {
            receiving = Some(v.version);
        }
        fingerprints.push(public.fingerprint());
    }
    let Some(receiving) = receiving else {
        return Err(Failure::auth(format!(
            "the bundle is sealed to another recipient (SHA256:{}), not to key '{transport_key}' ({})",
            hex::encode(parsed.recipient_fingerprint),
            fingerprints.join(", ")
        ))
        .hint("import it with the transport key whose public half the sender used")
        .into());
    };
    let private = asymmetric::private_from_material(&keyring.material(transport_key, receiving)?)?;
    let materials = parsed.open(&private)?;
    drop(private);
    if let Some(warning) = origin_warning {
        ctx.warn(warning);
    }

    // Where the versions go: a new key, or the same key imported before.
    let existing = keyring.doc.keys.get(name).cloned();
    if let Some(existing) = &existing {
        if let Some(tombstone) = &existing.destroyed {
            return Err(Failure::usage(format!(
                "key '{name}' was destroyed here on {}; its name is kept as a tombstone",
                clock::format_date(tombstone.at)
            ))
            .hint("import under another name with --as NAME")
            .into());
        }
        crate::keyring::refuse_scheduled(
            name,
            existing,
            "a key on its way out takes no versions and no new primary",
            "then import again (or import under another name with --as NAME)",
        )?;
        if existing.algorithm != metadata.algorithm || existing.purpose != metadata.purpose {
            return Err(Failure::usage(format!(
                "a key named '{name}' already exists as {} {}, and the bundle holds {} {}",
                existing.algorithm, existing.purpose, metadata.algorithm, metadata.purpose
            ))
            .hint("import under another name with --as NAME")
            .into());
        }
    }
    let mut outcomes = Vec::new();
    for (version, material) in metadata.versions.iter().zip(&materials) {
        outcomes.push(check_version_free(
            keyring,
            name,
            version,
            material,
            existing.as_ref(),
        )?);
    }
    let adding: Vec<u32> = metadata
        .versions
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, Outcome::Added))
        .map(|(v, _)| v.version)
        .collect();
    // Versions already here that the bundle flags compromised and this
    // keyring does not (yet): the flag is a change to an existing key.
    let flagging: Vec<(u32, Timestamp)> = match &existing {
        Some(key) => metadata
            .versions
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| matches!(o, Outcome::AlreadyPresent))
            .filter_map(|(v, _)| {
                let at = v.compromised?;
                let local = key.version(v.version)?;
                local.compromised.is_none().then_some((v.version, at))
            })
            .collect(),
        None => Vec::new(),
    };
    // Versions already here, imported from a bundle before keycask recorded
    // origins: this bundle (same material) says where they came from.
    let unrecorded: Vec<u32> = match &existing {
        Some(key) if key.origin == Origin::Imported => metadata
            .versions
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| matches!(o, Outcome::AlreadyPresent))
            .filter(|(v, _)| key.version(v.version).is_some_and(|l| l.source.is_none()))
            .map(|(v, _)| v.version)
            .collect(),
        _ => Vec::new(),
    };
    let new_primary = match &existing {
        Some(key) if make_primary => {
            Some(primary_to_make(name, key, metadata)?).filter(|&p| p != key.primary)
        }
        _ => None,
    };
    if let Some(key) = &existing
        && (!adding.is_empty() || new_primary.is_some())
        && trusted.is_none()
        && !add_unverified
    {
        return Err(unverified_into_existing(name, key, &adding, new_primary).into());
    }
    let flag_trusted = trusted.is_some() || add_unverified;
    let flagged: Vec<u32> = if flag_trusted {
        flagging.iter().map(|(n, _)| *n).collect()
    } else {
        Vec::new()
    };
    let source = Source {
        keyring: metadata.source_keyring.clone(),
        key: metadata.name.clone(),
        signer: trusted.as_ref().and(signer_fp.clone()),
    };
    // Recording an origin changes which envelopes a key opens: the same
    // rule as any change to an existing key.
    let recorded: Vec<u32> = if flag_trusted {
        unrecorded.clone()
    } else {
        Vec::new()
    };
    if !flag_trusted && !unrecorded.is_empty() {
        ctx.warn(format!(
            "key '{name}' holds versions of this bundle whose origin was never recorded (imported before keycask recorded origins); it was NOT recorded now: the bundle's signature is not verified"
        ));
        ctx.note(
            "to record it, import again with --verify-with SENDER.pem, or with --add-unverified-versions if you trust the bundle's origin anyway",
        );
    }
    if !flag_trusted && !flagging.is_empty() {
        let numbers: Vec<u32> = flagging.iter().map(|(n, _)| *n).collect();
        ctx.warn(format!(
            "the bundle flags version{} {} of key '{name}' compromised; the flag was NOT applied here: the bundle's signature is not verified",
            if numbers.len() == 1 { "" } else { "s" },
            numbers.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        ));
        ctx.note(format!(
            "to apply it, import again with --verify-with SENDER.pem (a bundle signed by the sender), or flag the versions yourself: keycask rotate {name} --compromised"
        ));
    }
    if let Some(key) = keyring.doc.keys.get_mut(name)
        && flag_trusted
    {
        for number in &recorded {
            if let Some(v) = key.version_mut(*number) {
                v.source = Some(source.clone());
            }
        }
        for (number, at) in &flagging {
            if let Some(v) = key.version_mut(*number) {
                v.compromised = Some(Tombstone {
                    at: *at,
                    reason: Some("flagged compromised by the sender".into()),
                });
            }
        }
    }
    let mut added = Vec::new();
    if existing.is_none() && !adding.is_empty() {
        keyring.doc.keys.insert(
            name.to_string(),
            Key {
                algorithm: metadata.algorithm,
                purpose: metadata.purpose,
                created: metadata.created,
                origin: Origin::Imported,
                rotation_period: metadata.rotation_period,
                primary: 0,
                versions: Vec::new(),
                destroyed: None,
            },
        );
    }
    for ((version, material), outcome) in metadata.versions.iter().zip(&materials).zip(&outcomes) {
        if matches!(outcome, Outcome::AlreadyPresent) {
            continue;
        }
        let stored = KeyVersion {
            version: version.version,
            id: version.id.clone(),
            state: VersionState::Enabled,
            created: version.created,
            kek_version: 0,
            wrapped: None,
            public_key: version.public_key.clone(),
            compromised: version.compromised.map(|at| Tombstone {
                at,
                reason: Some("flagged compromised by the sender".into()),
            }),
            destroy_after: None,
            destruction: None,
            source: Some(source.clone()),
        };
        keyring.insert_version(name, stored, material)?;
        added.push(version.version);
    }
    let skipped: Vec<u32> = metadata
        .versions
        .iter()
        .map(|v| v.version)
        .filter(|n| !added.contains(n))
        .collect();
    let summary = ImportSummary {
        name,
        metadata,
        added: &added,
        skipped: &skipped,
        signer_fp: signer_fp.as_deref(),
        verified: trusted.is_some(),
        new_primary,
        kept_primary: existing
            .as_ref()
            .filter(|_| new_primary.is_none())
            .map(|k| k.primary),
    };
    if added.is_empty() && new_primary.is_none() && flagged.is_empty() && recorded.is_empty() {
        return print_import_summary(ctx, &summary);
    }
    // A new key follows the sender's primary when the bundle holds it, else
    // takes its highest version. An existing key's primary moves only with
    // --make-primary: importing adds versions, switching is a rotation.
    let key = keyring.doc.keys.get_mut(name).expect("created above");
    if let Some(primary) = new_primary {
        key.primary = primary;
    } else if existing.is_none() {
        key.primary = if metadata
            .versions
            .iter()
            .any(|v| v.version == metadata.primary)
        {
            metadata.primary
        } else {
            key.versions.iter().map(|v| v.version).max().unwrap_or(0)
        };
    }
    session.record(
        Event::new("import")
            .key(name)
            .versions(added.clone())
            .detail(format!(
                "bundle from keyring {} ({}), {}{}{}{}{}",
                metadata.source_keyring,
                metadata.name,
                match (&signer_fp, trusted.is_some()) {
                    (Some(fp), true) => format!("signature by {fp} verified"),
                    (Some(fp), false) => format!("signed by {fp}, not verified"),
                    (None, _) => "unsigned".to_string(),
                },
                if existing.is_some() && trusted.is_none() {
                    ", added to an existing key with --add-unverified-versions"
                } else {
                    ""
                },
                new_primary
                    .map(|p| format!(", primary now version {p}"))
                    .unwrap_or_default(),
                if flagged.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", flagged compromised as the sender flagged them: versions {flagged:?}"
                    )
                },
                if recorded.is_empty() {
                    String::new()
                } else {
                    format!(", origin recorded for versions {recorded:?} imported earlier")
                }
            )),
    );
    session.commit()?;
    if !recorded.is_empty() {
        ctx.note(format!(
            "key '{name}': recorded that version{} {} came from key '{}' of keyring {}",
            if recorded.len() == 1 { "" } else { "s" },
            recorded
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            source.key,
            source.keyring
        ));
    }
    if !flagged.is_empty() {
        ctx.warn(format!(
            "key '{name}': the bundle flags version{} {} compromised, and so does this keyring now; {}",
            if flagged.len() == 1 { "" } else { "s" },
            flagged.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
            "they still decrypt, with a warning: re-encrypt your envelopes with a fresh content key (`keycask rekey --reencrypt PATH...`)"
        ));
    }
    print_import_summary(ctx, &summary)
}

/// With `--make-primary`: the sender's primary version, which the bundle
/// must hold and which must be enabled here if it is already here.
fn primary_to_make(name: &str, key: &Key, metadata: &Metadata) -> Result<u32> {
    if !metadata
        .versions
        .iter()
        .any(|v| v.version == metadata.primary)
    {
        return Err(Failure::usage(format!(
            "--make-primary: the bundle does not hold the sender's primary version {} of '{name}'",
            metadata.primary
        ))
        .hint("ask the sender for a bundle with that version (export without --version)")
        .into());
    }
    let target = metadata.primary;
    if let Some(local) = key.version(target) {
        if local.state != VersionState::Enabled {
            return Err(Failure::key_unusable(format!(
                "--make-primary: version {target} of key '{name}' is {} here",
                local.state
            ))
            .into());
        }
        if let Some(flag) = &local.compromised {
            return Err(Failure::key_unusable(format!(
                "--make-primary: version {target} of key '{name}' is flagged compromised here{}; new data must not go to it",
                flag.note()
            ))
            .hint(format!(
                "ask the sender for a current bundle; `keycask rotate {name}` makes a fresh primary here"
            ))
            .into());
        }
    }
    let flagged_by_sender = metadata
        .versions
        .iter()
        .any(|v| v.version == target && v.compromised.is_some());
    if flagged_by_sender {
        return Err(Failure::key_unusable(format!(
            "--make-primary: the bundle flags version {target} of key '{name}' compromised; new data must not go to it"
        ))
        .into());
    }
    if target < key.primary {
        return Err(Failure::usage(format!(
            "--make-primary: refusing to move the primary of key '{name}' back from version {} to version {target}: the bundle may be an old one, replayed",
            key.primary
        ))
        .hint(
            "the primary only moves forward on import; ask the sender for a current bundle (the versions still import without --make-primary)",
        )
        .into());
    }
    Ok(target)
}

/// The refusal of a bundle without a verified signature that would change a
/// key this keyring already holds: anyone with the transport public key can
/// make a bundle, so it could hand the key's future envelopes or signatures to
/// its maker.
fn unverified_into_existing(
    name: &str,
    key: &Key,
    adding: &[u32],
    new_primary: Option<u32>,
) -> Failure {
    let what = if adding.is_empty() {
        format!(
            "make version {} the primary of",
            new_primary.unwrap_or_default()
        )
    } else {
        format!(
            "add version{} {} to",
            if adding.len() == 1 { "" } else { "s" },
            adding
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let origin = match key.origin {
        Origin::Generated => "generated here",
        Origin::Imported => "imported",
    };
    Failure::usage(format!(
        "refusing to {what} key '{name}' ({origin}) from a bundle whose signature is not verified"
    ))
    .hint(
        "ask the sender to sign it (export --sign-with KEY) and import with --verify-with THEIR_KEY.pem; \
or import it as a separate key with --as NEWNAME; \
or, if you trust its origin anyway, add --add-unverified-versions",
    )
}

/// A bundle version may join the keyring only if its id is new here and its
/// number is free in the target key, or if that very version (same key,
/// number, id and material) is already here, which makes it a no-op.
fn check_version_free(
    keyring: &Unlocked,
    name: &str,
    version: &VersionMetadata,
    material: &SecretBytes,
    existing: Option<&Key>,
) -> Result<Outcome> {
    if let Some((holder, _, local)) = keyring.doc.find_version_id(&version.id) {
        let same_place = holder == name && local.version == version.version;
        let identical = same_place
            && local.wrapped.is_some()
            && keyring.material(holder, local.version)? == *material;
        if identical {
            return Ok(Outcome::AlreadyPresent);
        }
        let failure = if same_place && local.state == VersionState::Destroyed {
            Failure::usage(format!(
                "version {} of key '{holder}' (id {}) was destroyed here{}; an import does not bring it back",
                local.version,
                version.id,
                crate::keyring::destruction_note(local)
            ))
            .hint(
                "for the bundle's other versions, ask the sender to export each alone (export NAME --version N --to …)",
            )
        } else if same_place {
            Failure::usage(format!(
                "version {} of key '{holder}' (id {}) is already here with different material",
                local.version, version.id
            ))
            .hint("a version id names one key version; the bundle conflicts with the key you hold")
        } else {
            Failure::usage(format!(
                "version id {} is already in this keyring, as key '{holder}' version {}",
                version.id, local.version
            ))
            .hint(format!(
                "a version id names one key version: this keyring already holds it, under '{holder}'"
            ))
        };
        return Err(failure.into());
    }
    if let Some(key) = existing
        && key.version(version.version).is_some()
    {
        return Err(Failure::usage(format!(
            "key '{name}' already has a version {} with another id: the bundle's key is a different key",
            version.version
        ))
        .hint("import it under another name with --as NAME")
        .into());
    }
    Ok(Outcome::Added)
}

/// What `import --bundle` reports.
struct ImportSummary<'a> {
    name: &'a str,
    metadata: &'a Metadata,
    added: &'a [u32],
    skipped: &'a [u32],
    signer_fp: Option<&'a str>,
    verified: bool,
    /// Set when --make-primary moved an existing key's primary.
    new_primary: Option<u32>,
    /// An existing key's primary, when it did not move.
    kept_primary: Option<u32>,
}

fn print_import_summary(ctx: &Context, summary: &ImportSummary) -> Result<()> {
    let ImportSummary {
        name,
        metadata,
        added,
        skipped,
        signer_fp,
        verified,
        new_primary,
        kept_primary,
    } = *summary;
    if ctx.json {
        return output::print_json(&json!({
            "schema": "keycask.import/1",
            "name": name,
            "algorithm": metadata.algorithm.as_str(),
            "purpose": metadata.purpose.as_str(),
            "origin": "imported",
            "source_keyring": metadata.source_keyring,
            "versions": added,
            "already_present": skipped,
            "version_ids": metadata.versions.iter().filter(|v| added.contains(&v.version)).map(|v| v.id.clone()).collect::<Vec<_>>(),
            "signer_fingerprint": signer_fp,
            "signature_verified": verified,
        }));
    }
    let list = |n: &[u32]| n.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    if let Some(primary) = new_primary {
        ctx.report(format_args!(
            "key {name}: primary is now version {primary}, the sender's primary"
        ))?;
    }
    if added.is_empty() {
        if new_primary.is_some() {
            return Ok(());
        }
        ctx.report(format_args!(
            "nothing to import: key {name} already holds version{} {} of this bundle",
            if skipped.len() == 1 { "" } else { "s" },
            list(skipped)
        ))?;
        return Ok(());
    }
    ctx.report(format_args!(
        "imported key {name} ({}, {}) version{} {} from keyring {}{}",
        metadata.algorithm,
        metadata.purpose,
        if added.len() == 1 { "" } else { "s" },
        list(added),
        metadata.source_keyring,
        match (signer_fp, verified) {
            (Some(fp), true) => format!("; signature by {fp} verified"),
            _ => String::new(),
        }
    ))?;
    if !skipped.is_empty() {
        ctx.report(format_args!(
            "already present: version{} {}",
            if skipped.len() == 1 { "" } else { "s" },
            list(skipped)
        ))?;
    }
    if let Some(kept) = kept_primary
        && kept != metadata.primary
        && metadata
            .versions
            .iter()
            .any(|v| v.version == metadata.primary)
    {
        ctx.report(format_args!(
            "primary stays version {kept}; the sender's primary is version {}: import again with --make-primary to switch",
            metadata.primary
        ))?;
    }
    Ok(())
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
