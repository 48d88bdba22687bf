//! `wrap`: a fresh content key per envelope, given to the primary version of
//! a key of this keyring and sealed to each recipient, then the payload
//! streamed in chunks. The format is in `crate::envelope`.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::Result;

use crate::Context;
use crate::cli::WrapArgs;
use crate::envelope::armor::ArmorWriter;
use crate::envelope::header::MAX_STANZAS;
use crate::envelope::stream::{self, PayloadCipher};
use crate::envelope::{
    Cek, EncryptionContext, EnvelopeError, Header, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, VersionRef,
};
use crate::error::Failure;
use crate::keyring::{self, Event, Unlocked, VersionState, cancel_command, find_key};
use crate::output::Output;
use crate::secret::SecretKey32;

use super::envelopes::{
    Began, advance, check_key_usable, open_input, parse_context, parse_id, progress_bar,
    stdio_path, stream_failure, symmetric_material, version_unusable,
};
use super::recipients::{self, Recipient};

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
pub(super) fn new_envelope(
    ctx: &Context,
    operation: &str,
    key_name: Option<&str>,
    mut recipients: Vec<Recipient>,
    context: &EncryptionContext,
    chunk_size: u32,
) -> Result<(Header, PayloadCipher)> {
    let cek = Cek::generate();
    let mut header = Header::start(chunk_size, context, crate::random::random_array())
        .map_err(|_| Failure::other("cannot build the envelope header"))?;
    if let Some(name) = key_name {
        // Only the key named is parsed; the MAC covers the whole file.
        let doc = keyring::file::read_lazy(&ctx.keyring_path)?;
        match recipients::of_key(&doc, name)? {
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
                keyring::record_usage(
                    &ctx.keyring_path,
                    &ctx.sources,
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
                        crate::random::random_array(),
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
