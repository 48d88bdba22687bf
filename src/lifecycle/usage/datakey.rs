//! `datakey`: a fresh 256-bit data key for the caller's own encryption,
//! returned in plaintext and wrapped as a keycask envelope (as AWS KMS's
//! GenerateDataKey does). The plaintext key lives only in zeroizing memory.

use std::collections::BTreeMap;
use std::io::{self, Write};

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::Context;
use crate::cli::DatakeyArgs;
use crate::envelope::{EncryptionContext, armor, stream};
use crate::error::Failure;

use super::envelopes::parse_context;
use super::wrap::new_envelope;

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

#[derive(Serialize)]
struct DataKeyOutput<'a> {
    schema: &'static str,
    key: &'a str,
    version: u32,
    version_id: String,
    context: BTreeMap<&'a str, &'a str>,
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
    crate::random::fill_random(&mut data_key);
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
