//! `inspect`: what an envelope's header says (keys, recipients, context,
//! sizes, a pending rekey), without a key and without verifying anything.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::Context;
use crate::envelope::stream;
use crate::envelope::{EnvelopeError, armor, read_header};
use crate::error::Failure;
use crate::keyring::{self, Keyring};

use super::envelopes::{Began, open_input, stdio_path, stream_failure};
use super::recipients;

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
    context: BTreeMap<String, String>,
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
        let entry = crate::envelope::journal::pending(p, &file).ok()??;
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
