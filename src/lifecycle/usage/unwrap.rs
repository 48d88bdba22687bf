//! `unwrap`: chooses the stanza this keyring opens (a key stanza first, then
//! a recipient stanza), checks that its key version may decrypt before
//! anything is unlocked, then streams out only verified plaintext.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::Context;
use crate::cli::UnwrapArgs;
use crate::envelope::armor;
use crate::envelope::stream::{self, PayloadCipher};
use crate::envelope::{
    EncryptionContext, EnvelopeError, Header, KeyStanza, RecipientStanza, read_header,
};
use crate::error::Failure;
use crate::keyring::{
    self, Event, Key, KeyVersion, Keyring, Origin, VersionState, cancel_command, find_key,
};
use crate::output::Output;

use super::envelopes::{
    Began, advance, check_key_usable, open_input, parse_context, progress_bar, stdio_path,
    stream_failure, symmetric_material, version_unusable,
};
use super::recipients;

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
    keyring::record_usage(
        &ctx.keyring_path,
        &ctx.sources,
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
    // With --json, -o is required (checked first): stdout is free.
    ctx.emit(&UnwrapReport {
        schema: "keycask.unwrap/1",
        input: &name,
        output: request.output.as_deref().map(|p| p.display().to_string()),
        key: &key_name,
        version: version_number,
        version_id: keyring.doc.keys[&key_name]
            .version(version_number)
            .map(|v| v.id.as_str()),
        envelope_keyring_id: opening.key_stanza().map(|k| hex::encode(k.keyring_id)),
        envelope_key: opening.key_stanza().map(|k| k.key_name.as_str()),
        recipient: opening
            .recipient()
            .map(|r| recipients::fingerprint_text(&r.fingerprint)),
        origin: opener,
        context: header
            .context
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    })?;
    Ok(())
}

/// What `unwrap --json -o FILE` reports: `keycask.unwrap/1`
/// (docs/JSON.md). Without `--json` there is no text: the plaintext is the
/// output (and `-v` notes the key on stderr).
#[derive(Serialize)]
struct UnwrapReport<'a> {
    schema: &'static str,
    input: &'a str,
    output: Option<String>,
    key: &'a str,
    version: u32,
    version_id: Option<&'a str>,
    envelope_keyring_id: Option<String>,
    envelope_key: Option<&'a str>,
    recipient: Option<String>,
    origin: Opener,
    context: BTreeMap<String, String>,
}

impl fmt::Display for UnwrapReport<'_> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
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

/// A `rekey` killed mid-write leaves a journal beside the envelope; `unwrap`
/// finishes it (waiting for a rekey still running), so a torn header never
/// reads as damage. It installs the new header unless that one's version
/// can no longer be used here while the old one's still can
/// (`rekey::install_choice`): finishing never loses the header that opens.
/// `inspect` only reports a journal; it writes nothing.
fn finish_interrupted_rekey(ctx: &Context, path: &Path) -> Result<()> {
    if !crate::envelope::journal::path_for(path).exists() {
        return Ok(());
    }
    let doc = keyring::file::read(&ctx.keyring_path)?;
    if let Err(err) =
        crate::envelope::journal::recover(path, &|entry| crate::rekey::install_choice(&doc, entry))
    {
        crate::stderr_line!(
            "keycask: warning: could not finish the interrupted rekey of {}: {err:#}",
            path.display(),
        );
    }
    Ok(())
}
