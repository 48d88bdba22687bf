//! Envelope encryption: `wrap`, `unwrap`, `inspect`, `datakey`.
//!
//! The format is in `crate::envelope`; this module chooses the key version,
//! handles files, terminals and pipes, and turns failures into exit codes:
//! bytes that do not verify exit 3 (vaguely), key versions that cannot be
//! used exit 4 (precisely).

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::Context;
use crate::audit;
use crate::cli::{DatakeyArgs, UnwrapArgs, WrapArgs};
use crate::clock;
use crate::envelope::armor::{self, ArmorWriter};
use crate::envelope::header::MAX_STANZAS;
use crate::envelope::stream::{self, PayloadCipher};
use crate::envelope::{
    Cek, EncryptionContext, EnvelopeError, Header, KeyStanza, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE,
    RecipientStanza, VersionRef, read_header,
};
use crate::error::Failure;
use crate::keyring::{
    self, Event, Key, KeyVersion, Keyring, Origin, Purpose, Unlocked, VersionState, cancel_command,
    destruction_note, find_key,
};
use crate::output::Output;
use crate::secret::SecretKey32;

use super::recipients::{self, Recipient};

/// A progress bar is shown only for inputs larger than this.
const PROGRESS_THRESHOLD: u64 = 64 * 1024 * 1024;

#[derive(Debug)]
pub struct WrapRequest {
    /// `-k NAME`: a key of the keyring (a key stanza, or a recipient stanza
    /// for an asymmetric key).
    pub key: Option<String>,
    /// `--to FILE.pem`: recipients' public keys.
    pub to: Vec<PathBuf>,
    /// `None` is stdin.
    pub input: Option<PathBuf>,
    /// `None` is stdout.
    pub output: Option<PathBuf>,
    pub context: EncryptionContext,
    pub armor: bool,
    pub chunk_size: u32,
    pub progress: bool,
}

impl WrapRequest {
    pub fn from_args(args: &WrapArgs) -> Result<Self> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&args.chunk_size) {
            return Err(Failure::usage(format!(
                "--chunk-size {} is out of range",
                args.chunk_size
            ))
            .hint(format!(
                "a chunk is {MIN_CHUNK_SIZE} to {MAX_CHUNK_SIZE} bytes; the default, 65536, suits almost everything"
            ))
            .into());
        }
        Ok(WrapRequest {
            key: args.key.clone(),
            to: args.to.clone(),
            input: stdio_path(args.input.as_deref()),
            output: stdio_path(args.output.as_deref()),
            context: parse_context(&args.context, "-c")?,
            armor: args.armor,
            chunk_size: args.chunk_size,
            progress: !args.no_progress,
        })
    }
}

#[derive(Debug)]
pub struct UnwrapRequest {
    pub input: Option<PathBuf>,
    /// `-k NAME`: the only key that may open the envelope.
    pub key: Option<String>,
    pub output: Option<PathBuf>,
    pub expect_context: EncryptionContext,
    pub progress: bool,
}

impl UnwrapRequest {
    pub fn from_args(args: &UnwrapArgs) -> Result<Self> {
        Ok(UnwrapRequest {
            input: stdio_path(args.input.as_deref()),
            key: args.key.clone(),
            output: stdio_path(args.output.as_deref()),
            expect_context: parse_context(&args.expect_context, "--expect-context")?,
            progress: !args.no_progress,
        })
    }
}

#[derive(Debug)]
pub struct DatakeyRequest {
    pub key: String,
    pub context: EncryptionContext,
    pub wrapped_only: bool,
}

impl DatakeyRequest {
    pub fn from_args(args: &DatakeyArgs) -> Result<Self> {
        Ok(DatakeyRequest {
            key: args.key.clone(),
            context: parse_context(&args.context, "-c")?,
            wrapped_only: args.wrapped_only,
        })
    }
}

/// `-` means stdin or stdout, like no path at all.
fn stdio_path(path: Option<&Path>) -> Option<PathBuf> {
    path.filter(|p| p.as_os_str() != "-").map(Path::to_path_buf)
}

fn parse_context(pairs: &[String], flag: &str) -> Result<EncryptionContext> {
    let mut context = EncryptionContext::new();
    for pair in pairs {
        context.insert_pair(pair).map_err(|why| {
            Failure::usage(why).hint(format!(
                "{flag} KEY=VALUE, e.g. {flag} env=prod; keys are A-Z a-z 0-9 . _ -"
            ))
        })?;
    }
    Ok(context)
}

// ---------------------------------------------------------------- wrap

pub fn wrap(ctx: &Context, request: &WrapRequest) -> Result<()> {
    if request.output.is_none() && !request.armor && io::stdout().is_terminal() {
        return Err(
            Failure::usage("refusing to write a binary envelope to a terminal")
                .hint("redirect stdout, name a file with -o FILE, or use --armor")
                .into(),
        );
    }
    Output::check(request.output.as_deref())?;
    let recipients = request
        .to
        .iter()
        .map(|path| Recipient::from_pem_file(path))
        .collect::<Result<Vec<_>>>()?;
    let (input, input_len) = open_input(request.input.as_deref())?;
    let (header, cipher) = new_envelope(
        ctx,
        "wrap",
        request.key.as_deref(),
        recipients,
        &request.context,
        request.chunk_size,
    )?;

    let mut sink = Output::open(request.output.as_deref(), Output::PUBLIC)?;
    let bar = progress_bar(ctx, request.progress, input_len);
    let result = if request.armor {
        write_armored(&header, &cipher, input, sink.writer(), &bar)
    } else {
        write_envelope(&header, &cipher, input, sink.writer(), &bar)
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    result.map_err(|e| {
        stream_failure(
            e,
            &crate::input::source_name(request.input.as_deref()),
            Began::Nothing,
        )
    })?;
    sink.commit()?;
    if ctx.verbose > 0 {
        for stanza in header.keys() {
            ctx.note(format!(
                "wrapped with key {} version {}",
                stanza.key_name, stanza.version.number
            ));
        }
        for stanza in header.recipients() {
            ctx.note(format!(
                "sealed to {} ({})",
                recipients::fingerprint_text(&stanza.fingerprint),
                stanza.scheme.name()
            ));
        }
    }
    Ok(())
}

fn write_armored(
    header: &Header,
    cipher: &PayloadCipher,
    input: Box<dyn Read + Send>,
    out: &mut (dyn Write + Send),
    bar: &Option<indicatif::ProgressBar>,
) -> Result<u64, EnvelopeError> {
    let mut armored = ArmorWriter::new(out).map_err(EnvelopeError::Write)?;
    let n = write_envelope(header, cipher, input, &mut armored, bar)?;
    armored.finish().map_err(EnvelopeError::Write)?;
    Ok(n)
}

fn write_envelope(
    header: &Header,
    cipher: &PayloadCipher,
    input: Box<dyn Read + Send>,
    out: &mut (dyn Write + Send),
    bar: &Option<indicatif::ProgressBar>,
) -> Result<u64, EnvelopeError> {
    out.write_all(&header.to_bytes())
        .map_err(EnvelopeError::Write)?;
    stream::encrypt(cipher, header.chunk_size, input, out, &|n| {
        if let Some(bar) = bar {
            advance(bar, n);
        }
    })
}

/// Makes a fresh CEK and salt, the header that gives the CEK to each key
/// (the key's primary version: a key stanza for an aes256-gcm key, which
/// unlocks the keyring and logs the use as `operation` when the keyring asks
/// for it, before any output exists; a recipient stanza for a P-256 or RSA
/// encrypt key, from its public key alone) and to each of `recipients`, and
/// the payload cipher. The CEK itself is dropped (zeroized) here.
fn new_envelope(
    ctx: &Context,
    operation: &str,
    key_name: Option<&str>,
    mut recipients: Vec<Recipient>,
    context: &EncryptionContext,
    chunk_size: u32,
) -> Result<(Header, PayloadCipher)> {
    let cek = Cek::generate();
    let mut header = Header::start(chunk_size, context, crate::crypto::random_array())
        .map_err(|_| Failure::other("cannot build the envelope header"))?;
    if let Some(name) = key_name {
        // Only the key named is parsed; the MAC covers the whole file.
        let doc = keyring::file::read_lazy(&ctx.keyring_path)?;
        match Recipient::of_key(&doc, name)? {
            Some(recipient) if operation == "wrap" => recipients.insert(0, recipient),
            Some(_) => {
                return Err(Failure::key_unusable(format!(
                    "key '{name}' is not an aes256-gcm key: {operation} needs a symmetric encrypt key"
                ))
                .hint("create one with `keycask keygen NAME` (aes256-gcm, purpose encrypt)")
                .into());
            }
            None => {
                // The document already read is the one unlocked: one read
                // and one parse of the keyring per command.
                let keyring = keyring::unlock_doc(doc, &ctx.sources)?;
                let chosen = encryption_version(ctx, &keyring, name)?;
                audit::record_usage(
                    ctx,
                    &keyring,
                    Event::new(operation)
                        .key(name)
                        .versions([chosen.version.number]),
                )?;
                header
                    .add_key(
                        parse_id(&keyring.doc.keyring_id)?,
                        name,
                        chosen.version,
                        &chosen.material,
                        &cek,
                        crate::crypto::random_array(),
                    )
                    .map_err(|_| Failure::other("cannot build the envelope header"))?;
            }
        }
    }
    check_recipients(&header, &recipients)?;
    for recipient in &recipients {
        let stanza = recipient.seal(&header, &cek)?;
        header
            .add_recipient(stanza)
            .map_err(|_| Failure::other("cannot build the envelope header"))?;
    }
    header.finish(&cek);
    let cipher = PayloadCipher::new(&cek.payload_key(&header.salt));
    Ok((header, cipher))
}

/// At most [`MAX_STANZAS`] keys and recipients, and no recipient twice
/// (exit 2).
fn check_recipients(header: &Header, recipients: &[Recipient]) -> Result<()> {
    if header.stanzas.len() + recipients.len() > MAX_STANZAS {
        return Err(Failure::usage(format!(
            "an envelope has at most {MAX_STANZAS} keys and recipients; {} were given",
            header.stanzas.len() + recipients.len()
        ))
        .into());
    }
    for (i, recipient) in recipients.iter().enumerate() {
        if let Some(first) = recipients[..i]
            .iter()
            .find(|r| r.fingerprint == recipient.fingerprint)
        {
            return Err(Failure::usage(format!(
                "{} and {} are the same public key ({})",
                first.label,
                recipient.label,
                recipients::fingerprint_text(&recipient.fingerprint)
            ))
            .into());
        }
    }
    Ok(())
}

/// The primary version of an encryption key, with its material.
struct Chosen {
    version: VersionRef,
    material: SecretKey32,
}

fn encryption_version(ctx: &Context, keyring: &Unlocked, name: &str) -> Result<Chosen> {
    let key = find_key(&keyring.doc, name)?;
    check_key_usable(name, key)?;
    let version = key
        .primary_version()
        .ok_or_else(|| Failure::keyring(format!("key '{name}' has no primary version")))?;
    if version.state != VersionState::Enabled {
        // A scheduled primary means the whole key is scheduled, and rotating
        // it is refused: the way back is to cancel.
        let hint = match version.state {
            VersionState::DestroyScheduled => format!(
                "the whole key is scheduled for destruction; `{}` cancels it",
                cancel_command(name, key, version.version)
            ),
            _ => format!("make a new primary version with `keycask rotate {name}`"),
        };
        return Err(version_unusable(name, version).hint(hint).into());
    }
    if let Some(flag) = &version.compromised {
        ctx.warn(format!(
            "version {} of key '{name}' is flagged compromised{}; `keycask rotate {name}` makes a new primary",
            version.version,
            flag.note()
        ));
    }
    Ok(Chosen {
        version: VersionRef {
            number: version.version,
            id: parse_id(&version.id)?,
        },
        material: symmetric_material(keyring, name, version.version)?,
    })
}

/// Refuses keys that cannot wrap: destroyed, or not an encryption key.
fn check_key_usable(name: &str, key: &Key) -> Result<(), Failure> {
    if let Some(t) = &key.destroyed {
        return Err(Failure::key_unusable(format!(
            "key '{name}' was destroyed{}",
            t.note()
        )));
    }
    if key.purpose != Purpose::Encrypt || !key.algorithm.is_symmetric() {
        return Err(Failure::key_unusable(format!(
            "key '{name}' is {} key with purpose {}: only encrypt keys (aes256-gcm) wrap data",
            key.algorithm.with_article(),
            key.purpose
        ))
        .hint("create one with `keycask keygen NAME` (aes256-gcm, purpose encrypt)"));
    }
    Ok(())
}

/// "version N of key K is disabled", and the like, as an exit-4 failure.
fn version_unusable(name: &str, v: &KeyVersion) -> Failure {
    let n = v.version;
    let what = match v.state {
        VersionState::Enabled => format!("version {n} of key '{name}' is enabled"),
        VersionState::Disabled => format!("version {n} of key '{name}' is disabled"),
        VersionState::DestroyScheduled => format!(
            "version {n} of key '{name}' is scheduled for destruction{} and refuses all use",
            v.destroy_after
                .map(|t| format!(" on {}", clock::format_date(t)))
                .unwrap_or_default()
        ),
        VersionState::Destroyed => format!(
            "version {n} of key '{name}' was destroyed{}",
            destruction_note(v)
        ),
    };
    Failure::key_unusable(what)
}

fn symmetric_material(keyring: &Unlocked, name: &str, version: u32) -> Result<SecretKey32> {
    let material = keyring.material(name, version)?;
    SecretKey32::from_slice(material.expose_secret()).ok_or_else(|| {
        Failure::keyring(format!(
            "version {version} of key '{name}' does not hold a 256-bit key"
        ))
        .into()
    })
}

fn parse_id(hex_id: &str) -> Result<[u8; 16]> {
    hex::decode(hex_id)
        .ok()
        .and_then(|v| <[u8; 16]>::try_from(v).ok())
        .ok_or_else(|| Failure::keyring(format!("malformed id '{hex_id}' in the keyring")).into())
}

// ---------------------------------------------------------------- unwrap

pub fn unwrap(ctx: &Context, request: &UnwrapRequest) -> Result<()> {
    let name = crate::input::source_name(request.input.as_deref());
    if ctx.json && request.output.is_none() {
        return Err(
            Failure::usage("unwrap --json needs -o FILE: the plaintext goes to stdout")
                .hint("keycask unwrap --json -o FILE INPUT prints which key opened it as JSON")
                .into(),
        );
    }
    Output::check(request.output.as_deref())?;
    if let Some(path) = request.input.as_deref() {
        finish_interrupted_rekey(ctx, path)?;
    }
    let (input, input_len) = open_input(request.input.as_deref())?;
    let (mut input, armored) = armor::detect(input)
        .map_err(|e| stream_failure(EnvelopeError::Read(e), &name, Began::Nothing))?;
    let (header, _) =
        read_header(&mut input).map_err(|e| stream_failure(e, &name, Began::Nothing))?;

    // Which version, and may it be used? All before asking for a passphrase.
    // Only the keys that may hold the envelope's version are parsed.
    let doc = keyring::file::read_lazy(&ctx.keyring_path)?;
    let opening = choose_opening(ctx, &doc, &header, &name, request.key.as_deref())?;
    let (key_name, version_number) = (opening.key_name.clone(), opening.number);
    let keyring = keyring::unlock_doc(doc, &ctx.sources)?;
    let cek = match opening.via {
        Via::Key(stanza) => {
            let material = symmetric_material(&keyring, &key_name, version_number)?;
            header.open_key(stanza, &material)
        }
        Via::Recipient(stanza) => {
            recipients::open(&keyring, &header, stanza, &key_name, version_number)
        }
    }
    .map_err(|e| stream_failure(e, &name, Began::Nothing))?;
    check_expected_context(&header.context, &request.expect_context)?;
    // Logged (when the keyring asks for it) before any plaintext is released.
    audit::record_usage(
        ctx,
        &keyring,
        Event::new("unwrap")
            .key(&key_name)
            .versions([version_number]),
    )?;
    let cipher = PayloadCipher::new(&cek.payload_key(&header.salt));
    drop(cek);

    // Refuses binary plaintext for a terminal (before writing any).
    let mut sink = Output::open_plaintext(request.output.as_deref())?;
    // The bar counts binary envelope bytes; armor is 65 characters per 48.
    let envelope_len = input_len.map(|len| if armored { len / 65 * 48 } else { len });
    let bar = progress_bar(ctx, request.progress, envelope_len);
    if let Some(bar) = &bar {
        bar.inc(header.len() as u64);
    }
    let mut output = Counting {
        inner: sink.writer(),
        written: 0,
    };
    let result = stream::decrypt(&cipher, header.chunk_size, input, &mut output, &|n| {
        if let Some(bar) = &bar {
            advance(bar, n);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let began = match request.output {
        Some(_) => Began::File,
        None => Began::Stdout {
            bytes: output.written,
        },
    };
    result.map_err(|e| stream_failure(e, &name, began))?;
    sink.commit()?;
    let opener = Opener::of(&keyring.doc, &key_name, version_number);
    if ctx.verbose > 0 {
        ctx.note(format!(
            "unwrapped with key {key_name} version {version_number} ({})",
            opener.describe()
        ));
    }
    if ctx.json {
        return crate::output::print_json(&serde_json::json!({
            "schema": "keycask.unwrap/1",
            "input": name,
            "output": request.output.as_deref().map(|p| p.display().to_string()),
            "key": key_name,
            "version": version_number,
            "version_id": keyring.doc.keys[&key_name].version(version_number).map(|v| v.id.clone()),
            "envelope_keyring_id": opening.key_stanza().map(|k| hex::encode(k.keyring_id)),
            "envelope_key": opening.key_stanza().map(|k| k.key_name.clone()),
            "recipient": opening.recipient().map(|r| recipients::fingerprint_text(&r.fingerprint)),
            "origin": opener,
            "context": header.context.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
        }));
    }
    Ok(())
}

/// Where the key version that opened an envelope came from, for `-v` and
/// `--json`.
#[derive(Serialize)]
struct Opener {
    /// `generated` or `imported`: the key's origin.
    key_origin: Origin,
    /// For a version imported from a bundle: the source keyring's id, the
    /// key's name there, and the verified signer's fingerprint (or null).
    source_keyring: Option<String>,
    source_key: Option<String>,
    signer: Option<String>,
}

impl Opener {
    fn of(doc: &Keyring, name: &str, number: u32) -> Opener {
        let key = &doc.keys[name];
        let source = key.version(number).and_then(|v| v.source.clone());
        Opener {
            key_origin: key.origin,
            source_keyring: source.as_ref().map(|s| s.keyring.clone()),
            source_key: source.as_ref().map(|s| s.key.clone()),
            signer: source.and_then(|s| s.signer),
        }
    }

    fn describe(&self) -> String {
        match (&self.source_keyring, &self.source_key, &self.signer) {
            (Some(ring), Some(key), Some(signer)) => format!(
                "imported from key '{key}' of keyring {ring}, signature by {signer} verified"
            ),
            (Some(ring), Some(key), None) => {
                format!("imported from key '{key}' of keyring {ring}, origin unverified")
            }
            _ => match self.key_origin {
                Origin::Generated => "a key of this keyring".to_string(),
                Origin::Imported => "a key imported into this keyring".to_string(),
            },
        }
    }
}

/// Which stanza of an envelope this keyring opens it with.
enum Via<'h> {
    Key(&'h KeyStanza),
    Recipient(&'h RecipientStanza),
}

struct Opening<'h> {
    via: Via<'h>,
    key_name: String,
    number: u32,
}

impl Opening<'_> {
    fn key_stanza(&self) -> Option<&KeyStanza> {
        match self.via {
            Via::Key(k) => Some(k),
            Via::Recipient(_) => None,
        }
    }

    fn recipient(&self) -> Option<&RecipientStanza> {
        match self.via {
            Via::Recipient(r) => Some(r),
            Via::Key(_) => None,
        }
    }
}

/// Chooses the stanza to open (of key `wanted`, with `unwrap -k`) and checks
/// that its key version may decrypt, all before anything is unlocked. A key
/// stanza whose version this keyring holds comes first (no public-key
/// operation); then a recipient stanza sealed to a key of this keyring.
/// When none is held, the error is the most precise one there is.
fn choose_opening<'h>(
    ctx: &Context,
    doc: &Keyring,
    header: &'h Header,
    input: &str,
    wanted: Option<&str>,
) -> Result<Opening<'h>> {
    let mut held = None;
    for k in header.keys() {
        if doc
            .find_version_id(&hex::encode(k.version.id))?
            .is_some_and(|(name, _, _)| wanted.is_none_or(|w| w == name))
        {
            held = Some(k);
            break;
        }
    }
    let only_keys = header.recipients().next().is_none();
    if let Some(stanza) = held.or_else(|| header.key_stanza().filter(|_| only_keys)) {
        let (key_name, number) = decryption_version(ctx, doc, stanza, input, wanted)?;
        return Ok(Opening {
            via: Via::Key(stanza),
            key_name,
            number,
        });
    }
    if let Some((stanza, key_name, number)) = recipients::local_stanza(doc, header, wanted)? {
        let key = &doc.keys[&key_name];
        let version = key.version(number).expect("found by fingerprint");
        if let Some(t) = &key.destroyed {
            return Err(Failure::key_unusable(format!(
                "key '{key_name}' was destroyed{}",
                t.note()
            ))
            .into());
        }
        recipients::check_purpose(&key_name, key)?;
        check_version_decrypts(ctx, &key_name, key, version)?;
        return Ok(Opening {
            via: Via::Recipient(stanza),
            key_name,
            number,
        });
    }
    if let Some(wanted) = wanted {
        find_key(doc, wanted)?;
        return Err(Failure::key_unusable(format!(
            "{input}: the envelope is not sealed to key '{wanted}': -k {wanted} refuses it"
        ))
        .hint("`keycask inspect FILE` shows the keys and recipients of an envelope; nothing was written")
        .into());
    }
    if let Some(stanza) = header.key_stanza() {
        // A key stanza names its key: say precisely why it is not here.
        decryption_version(ctx, doc, stanza, input, None)?;
    }
    Err(recipients::none_held(header, input).into())
}

fn decryption_version(
    ctx: &Context,
    doc: &Keyring,
    header: &KeyStanza,
    input: &str,
    wanted: Option<&str>,
) -> Result<(String, u32)> {
    // The version id finds the key version, wherever the envelope was made:
    // a key imported from another keyring keeps its version ids, so the
    // sender's envelopes open here. The header's own fields (keyring id,
    // name, number) are bound by the CEK's associated data and the header MAC.
    let envelope_ring = hex::encode(header.keyring_id);
    let foreign = envelope_ring != doc.keyring_id;
    let version_id = hex::encode(header.version.id);
    let Some((name, key, version)) = doc.find_version_id(&version_id)? else {
        let failure = if foreign {
            Failure::key_unusable(format!(
                "the envelope was made with keyring {envelope_ring}, not with this keyring ({})",
                doc.keyring_id
            ))
            .hint("name the keyring that made it with --keyring PATH (or KEYCASK_KEYRING), or import its key (`keycask import --bundle`)")
        } else {
            if doc.keys.contains_key(&header.key_name) {
                Failure::key_unusable(format!(
                    "key '{}' has no version with id {version_id} (the envelope names version {})",
                    header.key_name, header.version.number
                ))
                .hint(format!(
                    "`keycask show {}` lists its versions; the envelope may be damaged",
                    header.key_name
                ))
            } else {
                Failure::key_unusable(format!(
                    "no key named '{}' in this keyring: the envelope needs version {} (id {version_id}) of it",
                    header.key_name, header.version.number
                ))
                .hint("the key was deleted, or the envelope is damaged; `keycask list` shows the keys")
            }
        };
        return Err(failure.into());
    };
    // An imported key may carry another name here (`import --as`); a local
    // key's envelope must name it exactly.
    let name_differs = name != header.key_name && !(foreign && key.origin == Origin::Imported);
    if name_differs || version.version != header.version.number {
        // The id is the keyring's, but the name or number around it is not.
        return Err(stream_failure(
            EnvelopeError::Damaged,
            input,
            Began::Nothing,
        ));
    }
    keyring::check_envelope_origin(
        &doc.version_origin(name, key, version),
        &envelope_ring,
        &header.key_name,
    )?;
    if let Some(wanted) = wanted {
        check_wanted_key(doc, wanted, name, version.version)?;
    }
    if foreign && ctx.verbose > 0 {
        ctx.note(format!(
            "the envelope was made with keyring {envelope_ring}; its key version {version_id} was imported here as '{name}'"
        ));
    }
    check_key_usable(name, key)?;
    check_version_decrypts(ctx, name, key, version)?;
    Ok((name.to_string(), version.version))
}

/// Refuses a version that may not decrypt (disabled, scheduled, destroyed),
/// with the way back where there is one; warns about a compromised one.
fn check_version_decrypts(
    ctx: &Context,
    name: &str,
    key: &Key,
    version: &KeyVersion,
) -> Result<()> {
    if version.state != VersionState::Enabled {
        let n = version.version;
        let hint = match version.state {
            VersionState::Destroyed => {
                "a destroyed version cannot come back; restore the data from another copy"
                    .to_string()
            }
            VersionState::Disabled => {
                format!("if it should decrypt again: `keycask enable {name} --version {n}`")
            }
            VersionState::DestroyScheduled => format!(
                "to keep it: `{}` (enables it again)",
                cancel_command(name, key, n)
            ),
            VersionState::Enabled => format!("`keycask show {name}` shows its versions"),
        };
        return Err(version_unusable(name, version).hint(hint).into());
    }
    if let Some(flag) = &version.compromised {
        ctx.warn(format!(
            "version {} of key '{name}' is flagged compromised{}: this data may be exposed; `keycask rekey` only moves the envelope off that version (same content key), re-encrypting protects it (`keycask rekey --reencrypt FILE`)",
            version.version,
            flag.note()
        ));
    }
    Ok(())
}

/// `unwrap -k NAME`: the envelope must need a version of key NAME.
fn check_wanted_key(doc: &Keyring, wanted: &str, name: &str, number: u32) -> Result<()> {
    find_key(doc, wanted)?;
    if wanted != name {
        return Err(Failure::key_unusable(format!(
            "the envelope needs key '{name}' (version {number}), not '{wanted}': -k {wanted} refuses it"
        ))
        .hint("`keycask inspect FILE` shows which key an envelope names; nothing was written")
        .into());
    }
    Ok(())
}

fn check_expected_context(actual: &EncryptionContext, expected: &EncryptionContext) -> Result<()> {
    for (k, v) in expected.iter() {
        if actual.get(k) != Some(v) {
            let shown = if actual.is_empty() {
                "no context".to_string()
            } else {
                format!("context {actual}")
            };
            let expected = crate::envelope::header::context_text(std::iter::once((k, v)));
            return Err(Failure::auth(format!(
                "the envelope's context does not match: expected {expected}, the envelope has {shown}"
            ))
            .hint("nothing was written; `keycask inspect FILE` shows an envelope's context")
            .into());
        }
    }
    Ok(())
}

/// How far the output had gone when an envelope failed.
#[derive(Clone, Copy)]
enum Began {
    /// Nothing was decrypted yet (the header was being read).
    Nothing,
    /// Output to `-o FILE`, which a failure leaves unwritten.
    File,
    /// Output to stdout, of which `bytes` had gone out.
    Stdout { bytes: u64 },
}

/// Counts the bytes handed to the output, so that a failure can tell whether
/// any reached stdout.
struct Counting<'a> {
    inner: &'a mut (dyn Write + Send),
    written: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

const NOT_ENVELOPE_HINT: &str = "keycask unwraps what `keycask wrap` made: binary, or armored text starting with -----BEGIN KEYCASK ENVELOPE-----";

/// Turns an envelope error into the message the user sees, saying what
/// became of the output.
fn stream_failure(err: EnvelopeError, input: &str, began: Began) -> anyhow::Error {
    let consequence = match began {
        Began::File => "; no output file was written",
        Began::Stdout { bytes } if bytes > 0 => {
            "; the output written to stdout is incomplete: discard it"
        }
        Began::Stdout { .. } | Began::Nothing => "",
    };
    match err {
        EnvelopeError::Write(e) => {
            anyhow::Error::new(e).context(format!("cannot write the output{consequence}"))
        }
        EnvelopeError::Read(e) => {
            if let Some(bad) = armor::armor_error(&e) {
                if bad.not_ours() {
                    // PEM text of another kind, or text: not an envelope
                    // at all, a usage error (exit 2) like binary input
                    // without the magic.
                    return Failure::usage(format!("{input}: not a keycask envelope ({bad})"))
                        .hint(NOT_ENVELOPE_HINT)
                        .into();
                }
                return Failure::auth(format!("{input}: {bad}{consequence}"))
                    .hint("an armored envelope is the text from -----BEGIN KEYCASK ENVELOPE----- to -----END KEYCASK ENVELOPE-----, unchanged")
                    .into();
            }
            anyhow::Error::new(e).context(format!("cannot read {input}{consequence}"))
        }
        // Not an envelope at all (no magic, no armor): the wrong file was
        // given, a usage error (exit 2), not failed authentication (issue
        // 18: scripts reported a wrong passphrase).
        EnvelopeError::NotEnvelope => Failure::usage(format!("{input}: {err}"))
            .hint(NOT_ENVELOPE_HINT)
            .into(),
        EnvelopeError::UnsupportedVersion(_) => Failure::auth(format!("{input}: {err}"))
            .hint("a newer keycask made it: upgrade keycask")
            .into(),
        EnvelopeError::Truncated | EnvelopeError::Malformed | EnvelopeError::Damaged => {
            Failure::auth(format!("{input}: {err}{consequence}"))
                .hint("keycask releases nothing it cannot verify; restore the envelope from a good copy")
                .into()
        }
    }
}

// ---------------------------------------------------------------- inspect

#[derive(Serialize)]
struct Inspected {
    file: String,
    armored: bool,
    format_version: u8,
    algorithm: &'static str,
    keyring_id: Option<String>,
    key: Option<String>,
    version: Option<u32>,
    version_id: Option<String>,
    context: std::collections::BTreeMap<String, String>,
    /// The public keys the CEK is sealed to, with the local key and version
    /// that holds each where this keyring has it.
    recipients: Vec<InspectedRecipient>,
    chunk_size: u32,
    header_bytes: usize,
    payload_bytes: u64,
    chunks: Option<u64>,
    plaintext_bytes: Option<u64>,
    /// A rekey of the file was interrupted: the version its journal moves
    /// it to (`unwrap` or `rekey` finish it; `inspect` writes nothing).
    pending_rekey: Option<PendingRekey>,
}

#[derive(Serialize)]
struct InspectedRecipient {
    scheme: &'static str,
    fingerprint: String,
    key: Option<String>,
    version: Option<u32>,
}

#[derive(Serialize)]
struct PendingRekey {
    version: u32,
    version_id: String,
}

pub fn inspect(ctx: &Context, files: &[PathBuf]) -> Result<()> {
    let mut results = Vec::new();
    let mut first_failure: Option<anyhow::Error> = None;
    let mut failed = 0;
    // Recipients are named by the local key that holds them where this
    // keyring has one; it is read, never unlocked, and may be absent.
    let doc = keyring::file::read_lazy(&ctx.keyring_path).ok();
    for file in files {
        let path = stdio_path(Some(file));
        let name = crate::input::source_name(path.as_deref());
        // Reports name each file as it was given (`-` for stdin); messages
        // say "stdin".
        let given = file.display().to_string();
        match inspect_one(path.as_deref(), &name, doc.as_ref()) {
            Ok(found) => results.push(Ok(Inspected {
                file: given,
                ..found
            })),
            Err(err) => {
                failed += 1;
                let shown = crate::error::without_os_error(&format!("{err:#}"));
                if !ctx.json {
                    crate::stderr_line!("keycask: error: {shown}");
                }
                results.push(Err((given, shown)));
                first_failure.get_or_insert(err);
            }
        }
    }
    print_inspected(ctx, &results)?;
    match first_failure {
        None => Ok(()),
        Some(err) => {
            let code = crate::error::exit_code_of(&err);
            Err(Failure::new(
                code,
                format!("{failed} of {} files could not be inspected", files.len()),
            )
            .into())
        }
    }
}

fn inspect_one(path: Option<&Path>, name: &str, doc: Option<&Keyring>) -> Result<Inspected> {
    let (input, input_len) = open_input(path)?;
    // A rekey journal beside the file: the header it had before the
    // interrupted rekey (the one on disk may be torn), and the one the
    // journal would install. Read only; finishing is for unwrap and rekey.
    let pending = path.and_then(|p| {
        let file = File::open(p).ok()?;
        let entry = crate::rekey::journal::pending(p, &file).ok()??;
        let old = read_header(&mut &entry.old_header[..]).ok()?.0;
        let new = read_header(&mut &entry.new_header[..]).ok()?.0;
        Some((old, new))
    });
    let pending_rekey = pending.as_ref().and_then(|(_, new)| {
        let stanza = new.key_stanza()?;
        Some(PendingRekey {
            version: stanza.version.number,
            version_id: hex::encode(stanza.version.id),
        })
    });
    let (mut input, armored, header) = match pending {
        Some((old, _)) => (input, false, old),
        None => {
            let (mut input, armored) = armor::detect(input)
                .map_err(|e| stream_failure(EnvelopeError::Read(e), name, Began::Nothing))?;
            let (header, _) =
                read_header(&mut input).map_err(|e| stream_failure(e, name, Began::Nothing))?;
            (input, armored, header)
        }
    };
    let payload_bytes = match input_len {
        Some(len) if !armored => len.saturating_sub(header.len() as u64),
        _ => io::copy(&mut input, &mut io::sink())
            .map_err(|e| stream_failure(EnvelopeError::Read(e), name, Began::Nothing))?,
    };
    let piece = u64::from(header.chunk_size) + stream::TAG_LEN as u64;
    let chunks = payload_bytes.div_ceil(piece);
    let last = payload_bytes - chunks.saturating_sub(1) * piece;
    let consistent = chunks > 0 && last >= stream::TAG_LEN as u64;
    let stanza = header.key_stanza();
    let recipients = header
        .recipients()
        .map(|r| {
            let local = doc.and_then(|d| {
                recipients::find_by_fingerprint(d, &r.fingerprint)
                    .ok()
                    .flatten()
            });
            InspectedRecipient {
                scheme: r.scheme.name(),
                fingerprint: recipients::fingerprint_text(&r.fingerprint),
                key: local.map(|(name, _, _)| name.to_string()),
                version: local.map(|(_, _, v)| v.version),
            }
        })
        .collect();
    Ok(Inspected {
        file: name.to_string(),
        armored,
        format_version: header.format,
        algorithm: "aes256-gcm",
        keyring_id: stanza.map(|k| hex::encode(k.keyring_id)),
        key: stanza.map(|k| k.key_name.clone()),
        version: stanza.map(|k| k.version.number),
        version_id: stanza.map(|k| hex::encode(k.version.id)),
        context: header
            .context
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        recipients,
        chunk_size: header.chunk_size,
        header_bytes: header.len(),
        payload_bytes,
        chunks: consistent.then_some(chunks),
        plaintext_bytes: consistent.then(|| payload_bytes - chunks * stream::TAG_LEN as u64),
        pending_rekey,
    })
}

fn print_inspected(ctx: &Context, results: &[Result<Inspected, (String, String)>]) -> Result<()> {
    if ctx.json {
        let envelopes: Vec<serde_json::Value> = results
            .iter()
            .map(|r| match r {
                Ok(found) => serde_json::to_value(found).expect("serialisable"),
                Err((file, error)) => serde_json::json!({ "file": file, "error": error }),
            })
            .collect();
        return crate::output::print_json(&serde_json::json!({
            "schema": "keycask.inspect/1",
            "envelopes": envelopes,
        }));
    }
    let mut out = crate::output::report_stdout();
    for found in results.iter().flatten() {
        let context = if found.context.is_empty() {
            "(none)".to_string()
        } else {
            crate::envelope::header::context_text(
                found.context.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
        };
        let plaintext = match (found.plaintext_bytes, found.chunks) {
            (Some(p), Some(c)) => format!("{p} bytes in {c} chunks"),
            _ => "unknown: the payload is truncated".to_string(),
        };
        writeln!(out, "{}", found.file)?;
        if let (Some(key), Some(version), Some(id), Some(ring)) = (
            &found.key,
            found.version,
            &found.version_id,
            &found.keyring_id,
        ) {
            writeln!(out, "  key         {key} version {version}")?;
            writeln!(out, "  version id  {id}")?;
            writeln!(out, "  keyring     {ring}")?;
        }
        for r in &found.recipients {
            let local = match (&r.key, r.version) {
                (Some(key), Some(version)) => format!(" = key {key} version {version}"),
                _ => String::new(),
            };
            writeln!(out, "  recipient   {} {}{local}", r.scheme, r.fingerprint)?;
        }
        writeln!(
            out,
            "  format      keycask envelope v{}, {}{}",
            found.format_version,
            found.algorithm,
            if found.armored { ", armored" } else { "" }
        )?;
        writeln!(out, "  context     {context}")?;
        writeln!(out, "  chunk size  {}", found.chunk_size)?;
        writeln!(out, "  plaintext   {plaintext} (not verified)")?;
        if let Some(p) = &found.pending_rekey {
            writeln!(
                out,
                "  pending     an interrupted rekey to version {} (its journal is beside the file; `keycask rekey {}` finishes it)",
                p.version, found.file
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

// ---------------------------------------------------------------- datakey

#[derive(Serialize)]
struct DataKeyOutput<'a> {
    schema: &'static str,
    key: &'a str,
    version: u32,
    version_id: String,
    context: std::collections::BTreeMap<&'a str, &'a str>,
    /// `null` with `--wrapped-only`.
    plaintext: Option<&'a str>,
    wrapped: &'a str,
}

pub fn datakey(ctx: &Context, request: &DatakeyRequest) -> Result<()> {
    let (header, cipher) = new_envelope(
        ctx,
        "datakey",
        Some(&request.key),
        Vec::new(),
        &request.context,
        crate::envelope::DEFAULT_CHUNK_SIZE,
    )?;
    // Filled in place on the heap: moving it (into the reader thread) moves
    // a pointer, not a copy of the key.
    let mut data_key = Zeroizing::new(vec![0u8; 32]);
    crate::crypto::fill_random(&mut data_key);
    let plaintext = Zeroizing::new(B64.encode(&data_key[..]));
    let stanza = header
        .key_stanza()
        .ok_or_else(|| Failure::other("cannot build the envelope header"))?;
    let mut envelope = header.to_bytes();
    stream::encrypt(
        &cipher,
        header.chunk_size,
        Box::new(io::Cursor::new(data_key)),
        &mut envelope,
        &|_| {},
    )
    .map_err(|_| Failure::other("cannot encrypt the data key"))?;
    let wrapped = armor::armor(&envelope);
    // The whole document, key included, is laid out in zeroizing memory
    // reserved to its exact size, then written to stdout in one go with no
    // buffer in between (std's stdout buffer is never zeroized).
    let document = if ctx.json {
        let doc = DataKeyOutput {
            schema: "keycask.datakey/1",
            key: &request.key,
            version: stanza.version.number,
            version_id: hex::encode(stanza.version.id),
            context: request.context.iter().collect(),
            plaintext: (!request.wrapped_only).then_some(plaintext.as_str()),
            wrapped: &wrapped,
        };
        let mut size = ByteCount(0);
        serde_json::to_writer_pretty(&mut size, &doc)?;
        let mut document = Zeroizing::new(Vec::with_capacity(size.0 + 1));
        serde_json::to_writer_pretty(&mut *document, &doc)?;
        document.push(b'\n');
        document
    } else {
        let key_line = if request.wrapped_only {
            0
        } else {
            plaintext.len() + 1
        };
        let mut document = Zeroizing::new(Vec::with_capacity(key_line + wrapped.len()));
        if !request.wrapped_only {
            document.extend_from_slice(plaintext.as_bytes());
            document.push(b'\n');
        }
        document.extend_from_slice(wrapped.as_bytes());
        document
    };
    debug_assert_eq!(document.len(), document.capacity(), "the document grew");
    crate::output::write_secret_stdout(&document)
}

/// A writer that only counts the bytes written to it: the size of a
/// document, to reserve its room before it is written for real.
struct ByteCount(usize);

impl Write for ByteCount {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0 += data.len();
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------- files

/// A `rekey` killed mid-write leaves a journal beside the envelope; `unwrap`
/// finishes it (waiting for a rekey still running), so a torn header never
/// reads as damage. It installs the new header unless that one's version
/// can no longer be used here while the old one's still can
/// (`rekey::install_choice`): finishing never loses the header that opens.
/// `inspect` only reports a journal; it writes nothing.
fn finish_interrupted_rekey(ctx: &Context, path: &Path) -> Result<()> {
    if !crate::rekey::journal::path_for(path).exists() {
        return Ok(());
    }
    let doc = keyring::file::read(&ctx.keyring_path)?;
    if let Err(err) =
        crate::rekey::journal::recover(path, &|entry| crate::rekey::install_choice(&doc, entry))
    {
        crate::stderr_line!(
            "keycask: warning: could not finish the interrupted rekey of {}: {err:#}",
            path.display(),
        );
    }
    Ok(())
}

/// Opens a file, or stdin; with the file's length when it is a regular file.
fn open_input(path: Option<&Path>) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
    match path {
        None => {
            let fd = io::stdin()
                .as_fd()
                .try_clone_to_owned()
                .context("cannot read stdin")?;
            let file = File::from(fd);
            let len = regular_len(&file);
            Ok((Box::new(file), len))
        }
        Some(path) => {
            let file = crate::input::open_file(path)?;
            let len = regular_len(&file);
            Ok((Box::new(file), len))
        }
    }
}

fn regular_len(file: &File) -> Option<u64> {
    file.metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// A progress bar on stderr when it is a terminal, for inputs over
/// [`PROGRESS_THRESHOLD`]. With a known size (a file): a bar with the total
/// and the time left. With an unknown size (a pipe: `cat big | keycask
/// wrap`): bytes done and the rate, as `pv` shows them, drawn only once the
/// threshold has passed (see [`advance`]), so small inputs show nothing.
fn progress_bar(
    ctx: &Context,
    wanted: bool,
    input_len: Option<u64>,
) -> Option<indicatif::ProgressBar> {
    if !wanted || ctx.quiet || !io::stderr().is_terminal() {
        return None;
    }
    let Some(len) = input_len else {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {bytes:>10} {binary_bytes_per_sec} {elapsed}",
        ) {
            bar.set_style(style);
        }
        return Some(bar);
    };
    if len <= PROGRESS_THRESHOLD {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bytes:>10} / {total_bytes} [{wide_bar}] {binary_bytes_per_sec} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// Counts `n` more bytes; a bar of unknown size appears once it has passed
/// [`PROGRESS_THRESHOLD`].
fn advance(bar: &indicatif::ProgressBar, n: u64) {
    bar.inc(n);
    if bar.length().is_none() && bar.is_hidden() && bar.position() > PROGRESS_THRESHOLD {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
}
