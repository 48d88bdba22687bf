//! The payload: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár 2015, as in
//! age) over AES-256-GCM. The plaintext is cut into chunks of `chunk_size`
//! bytes; chunk `i` is sealed under the payload key with the nonce
//! `i` (11 bytes, big-endian) `||` `last` (1 byte: 1 for the final chunk,
//! else 0), so cutting, extending, reordering or duplicating chunks fails
//! authentication. Only the final chunk may be shorter than `chunk_size`;
//! it is empty only when the whole plaintext is.
//!
//! Chunks are independent, so both directions run a three-stage pipeline:
//! a reader thread cuts the input into batches, the calling thread seals or
//! opens each batch's chunks on every core (rayon), and a writer thread
//! writes them out in order. At most a few batches are alive at once, so
//! memory does not grow with the input.
//!
//! Every chunk buffer is a [`Chunk`], zeroized when it is dropped: opened
//! chunks hold plaintext (a data key, for `unwrap`), and so do sealed
//! chunks before they are sealed. Buffers are reused from chunk to chunk
//! without being cleared (the next read overwrites them); the pool of spare
//! ones is emptied, and so zeroized, when the stream ends.

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use rayon::prelude::*;
use zeroize::Zeroizing;

use super::EnvelopeError;
use super::header::read_full;
use crate::secret::SecretKey32;

pub const TAG_LEN: usize = 16;

/// One chunk's buffer, zeroized (its whole capacity) when dropped.
type Chunk = Zeroizing<Vec<u8>>;

/// Bytes of chunks handed to the cores at once.
const BATCH_BYTES: usize = 2 * 1024 * 1024;
/// The most a batch may hold, whatever the chunk size and the core count.
const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// How many chunks (of `piece_len` bytes with their tags) a batch holds:
/// about BATCH_BYTES, at least one per core so that every core has work, at
/// most 256, and never more than MAX_BATCH_BYTES. The chunk size comes from
/// the envelope's header (up to 16 MiB): one such chunk per core of a
/// 64-core machine, a few batches deep, would keep gigabytes in flight.
fn chunks_per_batch(piece_len: usize, threads: usize) -> usize {
    let fits = (MAX_BATCH_BYTES / piece_len).max(1);
    (BATCH_BYTES / piece_len).clamp(threads.min(fits), 256)
}

/// The payload cipher, keyed once with the payload key.
pub struct PayloadCipher(Aes256Gcm);

impl std::fmt::Debug for PayloadCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayloadCipher").finish_non_exhaustive()
    }
}

impl PayloadCipher {
    pub fn new(key: &SecretKey32) -> Self {
        PayloadCipher(Aes256Gcm::new(key.expose_secret().into()))
    }

    /// Seals one chunk in place, appending its tag.
    pub fn seal_chunk(&self, index: u64, last: bool, chunk: &mut Vec<u8>) {
        let tag = self
            .0
            .encrypt_inout_detached(&nonce(index, last), &[], chunk.as_mut_slice().into())
            .expect("a chunk is far below AES-GCM's length limit");
        chunk.extend_from_slice(&tag);
    }

    /// Opens one chunk in place, removing its tag.
    pub fn open_chunk(
        &self,
        index: u64,
        last: bool,
        chunk: &mut Vec<u8>,
    ) -> Result<(), EnvelopeError> {
        let body = chunk
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(EnvelopeError::Damaged)?;
        // Canonical form: only a stream's sole chunk may be empty.
        if last && index > 0 && body == 0 {
            return Err(EnvelopeError::Damaged);
        }
        let (data, tag) = chunk.split_at_mut(body);
        let tag: [u8; TAG_LEN] = (&*tag).try_into().expect("TAG_LEN bytes");
        self.0
            .decrypt_inout_detached(&nonce(index, last), &[], data.into(), &Tag::from(tag))
            .map_err(|_| EnvelopeError::Damaged)?;
        chunk.truncate(body);
        Ok(())
    }
}

/// The STREAM nonce: an 11-byte big-endian counter and the last-chunk flag.
fn nonce(index: u64, last: bool) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::from(n)
}

/// Consecutive chunks of the stream, the first of which has index `first`.
struct Batch {
    first: u64,
    chunks: Vec<Chunk>,
    /// The batch ends with the stream's final chunk.
    last: bool,
}

/// Encrypts all of `input` to `output` (the payload only; the caller writes
/// the header first). `progress` is called with each count of input bytes
/// consumed. Returns the plaintext length.
pub fn encrypt(
    cipher: &PayloadCipher,
    chunk_size: u32,
    input: Box<dyn Read + Send>,
    output: &mut (dyn Write + Send),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, EnvelopeError> {
    let chunk_size = chunk_size as usize;
    pipeline(
        input,
        output,
        chunk_size,
        TAG_LEN,
        |batch: &mut Batch| {
            let count = batch.chunks.len();
            batch
                .chunks
                .par_iter_mut()
                .enumerate()
                .for_each(|(i, chunk)| {
                    let last = batch.last && i + 1 == count;
                    cipher.seal_chunk(batch.first + i as u64, last, chunk);
                });
            Ok(())
        },
        |written| {
            let plain = written.len() - TAG_LEN;
            progress(plain as u64);
            plain as u64
        },
    )
}

/// Decrypts a payload from `input` to `output`. A chunk's plaintext is
/// written only after its tag verified, and only after every chunk before
/// it; at the first failure nothing more is written and the result is
/// [`EnvelopeError::Damaged`]. Returns the plaintext length.
pub fn decrypt(
    cipher: &PayloadCipher,
    chunk_size: u32,
    input: Box<dyn Read + Send>,
    output: &mut (dyn Write + Send),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, EnvelopeError> {
    open_chunks(cipher, None, chunk_size, input, output, progress)
}

/// Re-encrypts a payload from `input` (sealed under `old`) to `output`
/// (sealed under `new`), chunk for chunk: the chunk size, and so the chunk
/// boundaries and the last-chunk flag, stay the same. Each chunk is opened,
/// and sealed again only once its tag verified; at the first failure
/// nothing more is written and the result is [`EnvelopeError::Damaged`].
/// The plaintext lives only in the pipeline's zeroizing buffers. `progress`
/// is called with each count of input bytes consumed. Returns the
/// plaintext length.
pub fn reencrypt(
    old: &PayloadCipher,
    new: &PayloadCipher,
    chunk_size: u32,
    input: Box<dyn Read + Send>,
    output: &mut (dyn Write + Send),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, EnvelopeError> {
    open_chunks(old, Some(new), chunk_size, input, output, progress)
}

/// [`decrypt`], and [`reencrypt`] when `reseal` is given: every chunk is
/// opened under `old` and, once its tag verified, sealed again under
/// `reseal` in the same buffer (its capacity holds the tag again: no
/// reallocation). `progress` counts input bytes; the result is the
/// plaintext length.
fn open_chunks(
    old: &PayloadCipher,
    reseal: Option<&PayloadCipher>,
    chunk_size: u32,
    input: Box<dyn Read + Send>,
    output: &mut (dyn Write + Send),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, EnvelopeError> {
    let piece = chunk_size as usize + TAG_LEN;
    // What is written is a sealed chunk when resealing, else plaintext.
    let tag_written = if reseal.is_some() { TAG_LEN } else { 0 };
    pipeline(
        input,
        output,
        piece,
        0,
        |batch: &mut Batch| {
            each_chunk(batch, |index, last, chunk| {
                let opened = old.open_chunk(index, last, chunk).is_ok();
                if let (true, Some(new)) = (opened, reseal) {
                    new.seal_chunk(index, last, chunk);
                }
                opened
            })
        },
        |written| {
            let plaintext = written.len() - tag_written;
            progress((plaintext + TAG_LEN) as u64);
            plaintext as u64
        },
    )
}

/// Runs `step` on every chunk of `batch` on every core, with the chunk's
/// index in the stream and whether it is the stream's last. When a step
/// fails (a tag that does not verify), only the chunks before the first
/// failure are kept, and the batch fails: nothing after it is released.
fn each_chunk(
    batch: &mut Batch,
    step: impl Fn(u64, bool, &mut Chunk) -> bool + Sync + Send,
) -> Result<(), EnvelopeError> {
    let count = batch.chunks.len();
    let (first, last_batch) = (batch.first, batch.last);
    let verdicts: Vec<bool> = batch
        .chunks
        .par_iter_mut()
        .enumerate()
        .map(|(i, chunk)| step(first + i as u64, last_batch && i + 1 == count, chunk))
        .collect();
    match verdicts.iter().position(|ok| !ok) {
        None => Ok(()),
        Some(bad) => {
            batch.chunks.truncate(bad);
            Err(EnvelopeError::Damaged)
        }
    }
}

/// Reader thread → `process` on this thread (on every core) → writer thread.
/// `process` may fail after keeping a good prefix of its batch: that prefix
/// is still written, then the pipeline stops with the error.
///
/// The reader owns the input and is not waited for after a failure: it may
/// be blocked reading a pipe whose writer stays open, and it stops by itself
/// at its next send (nobody receives any more) or when the process exits.
fn pipeline(
    input: Box<dyn Read + Send>,
    output: &mut (dyn Write + Send),
    piece_len: usize,
    spare: usize,
    process: impl Fn(&mut Batch) -> Result<(), EnvelopeError>,
    count: impl Fn(&[u8]) -> u64 + Send + Sync,
) -> Result<u64, EnvelopeError> {
    let threads = rayon::current_num_threads().max(1);
    let per_batch = chunks_per_batch(piece_len, threads);
    let (to_process, from_reader) = sync_channel::<Result<Batch, EnvelopeError>>(1);
    let (to_writer, from_processor) = sync_channel::<Vec<Chunk>>(1);
    // Written chunks' buffers go back to the reader: no allocation, page
    // faults or zeroing per chunk once the pipeline is full.
    let pool = Arc::new(Pool {
        free: Mutex::new(Vec::new()),
        cap: 2 * per_batch,
    });
    let reader = {
        let pool = Arc::clone(&pool);
        std::thread::spawn(move || {
            read_batches(input, piece_len, spare, per_batch, &pool, &to_process);
        })
    };
    let pool = &*pool;
    let result = std::thread::scope(|scope| {
        let writer = scope.spawn(move || write_batches(output, &from_processor, &count, pool));
        // Both channel ends this thread holds are moved in and dropped when
        // it returns, so a reader or writer blocked on them wakes up.
        let processed = process_batches(from_reader, to_writer, process);
        let written = writer.join().expect("the writer thread does not panic");
        // A failed write explains everything after it (a closed pipe, a full disk).
        let total = written?;
        processed.map(|()| total)
    });
    if result.is_ok() {
        // It sent the final batch and is returning.
        reader.join().expect("the reader thread does not panic");
    }
    // The spare buffers hold the last chunks written: zeroize them now,
    // not when a reader still blocked on its input lets go of the pool.
    pool.clear();
    result
}

fn process_batches(
    from_reader: Receiver<Result<Batch, EnvelopeError>>,
    to_writer: SyncSender<Vec<Chunk>>,
    process: impl Fn(&mut Batch) -> Result<(), EnvelopeError>,
) -> Result<(), EnvelopeError> {
    for received in from_reader {
        let mut batch = received?;
        let result = process(&mut batch);
        if to_writer.send(batch.chunks).is_err() {
            // The writer stopped; it reports why.
            return Ok(());
        }
        result?;
        if batch.last {
            return Ok(());
        }
    }
    // The reader stops early only after sending an error or the last batch.
    Ok(())
}

/// Spare chunk buffers, handed back by the writer to the reader.
struct Pool {
    free: Mutex<Vec<Chunk>>,
    cap: usize,
}

impl Pool {
    /// A buffer of `len` bytes with room for `spare` more. All buffers of
    /// a stream have the same size, so none ever grows (which would leave
    /// the old block behind unzeroized).
    fn take(&self, len: usize, spare: usize) -> Chunk {
        let reused = self.free.lock().ok().and_then(|mut free| free.pop());
        let mut buf = reused.unwrap_or_else(|| Zeroizing::new(Vec::with_capacity(len + spare)));
        // The read overwrites it; only a buffer that is too short is grown.
        if buf.len() < len {
            buf.resize(len, 0);
        }
        buf.truncate(len);
        buf
    }

    fn give(&self, buf: Chunk) {
        if let Ok(mut free) = self.free.lock()
            && free.len() < self.cap
        {
            free.push(buf);
        }
    }

    /// Drops (and so zeroizes) every spare buffer.
    fn clear(&self) {
        let spare = match self.free.lock() {
            Ok(mut free) => std::mem::take(&mut *free),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        drop(spare);
    }
}

fn write_batches(
    output: &mut (dyn Write + Send),
    from_processor: &Receiver<Vec<Chunk>>,
    count: &(dyn Fn(&[u8]) -> u64 + Sync),
    pool: &Pool,
) -> Result<u64, EnvelopeError> {
    let mut total = 0u64;
    for chunks in from_processor {
        for chunk in chunks {
            output.write_all(&chunk).map_err(EnvelopeError::Write)?;
            total += count(&chunk);
            pool.give(chunk);
        }
    }
    output.flush().map_err(EnvelopeError::Write)?;
    Ok(total)
}

/// Cuts the input into pieces of `piece_len` bytes (each allocated with
/// `spare` bytes to grow into), grouped `per_batch` to a batch. A piece is
/// known to be the final one when the input ends right after it, so one
/// piece is always held back until the next read. An empty input gives one
/// empty final piece.
fn read_batches(
    mut input: Box<dyn Read + Send>,
    piece_len: usize,
    spare: usize,
    per_batch: usize,
    pool: &Pool,
    to_process: &SyncSender<Result<Batch, EnvelopeError>>,
) {
    let mut first = 0u64;
    let mut chunks = Vec::with_capacity(per_batch);
    let mut pending: Option<Chunk> = None;
    loop {
        let mut piece = pool.take(piece_len, spare);
        let got = match read_full(&mut *input, &mut piece) {
            Ok(got) => got,
            Err(e) => {
                let _ = to_process.send(Err(e));
                return;
            }
        };
        piece.truncate(got);
        if got == 0 {
            chunks.push(pending.take().unwrap_or(piece));
            let _ = to_process.send(Ok(Batch {
                first,
                chunks,
                last: true,
            }));
            return;
        }
        if let Some(previous) = pending.take() {
            chunks.push(previous);
            if chunks.len() == per_batch {
                let full = std::mem::replace(&mut chunks, Vec::with_capacity(per_batch));
                if to_process
                    .send(Ok(Batch {
                        first,
                        chunks: full,
                        last: false,
                    }))
                    .is_err()
                {
                    return;
                }
                first += per_batch as u64;
            }
        }
        if got < piece_len {
            chunks.push(piece);
            let _ = to_process.send(Ok(Batch {
                first,
                chunks,
                last: true,
            }));
            return;
        }
        pending = Some(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_bounded_whatever_the_chunk_size_and_cores() {
        let default = 64 * 1024 + TAG_LEN;
        assert_eq!(chunks_per_batch(default, 2), 31);
        assert_eq!(chunks_per_batch(default, 64), 64, "one per core");
        let largest = 16 * 1024 * 1024 + TAG_LEN;
        for threads in [1, 2, 64, 1024] {
            let n = chunks_per_batch(largest, threads);
            assert!(
                n >= 1 && n * largest <= MAX_BATCH_BYTES,
                "{threads} cores: {n}"
            );
        }
        assert_eq!(
            chunks_per_batch(16 + TAG_LEN, 2),
            256,
            "small chunks: at most 256"
        );
    }

    fn boxed(bytes: &[u8]) -> Box<dyn Read + Send> {
        Box::new(std::io::Cursor::new(bytes.to_vec()))
    }

    fn cipher() -> PayloadCipher {
        PayloadCipher::new(&SecretKey32::from_bytes([5; 32]))
    }

    fn seal(plain: &[u8], chunk: u32) -> Vec<u8> {
        let mut out = Vec::new();
        encrypt(&cipher(), chunk, boxed(plain), &mut out, &|_| {}).unwrap();
        out
    }

    fn open(sealed: &[u8], chunk: u32) -> Result<Vec<u8>, EnvelopeError> {
        let mut out = Vec::new();
        decrypt(&cipher(), chunk, boxed(sealed), &mut out, &|_| {})?;
        Ok(out)
    }

    #[test]
    fn sizes_round_trip_with_expected_lengths() {
        for (len, chunks) in [(0, 1), (1, 1), (64, 1), (65, 2), (192, 3), (1000, 16)] {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = seal(&plain, 64);
            assert_eq!(sealed.len(), len + chunks * TAG_LEN, "len {len}");
            assert_eq!(open(&sealed, 64).unwrap(), plain);
        }
    }

    #[test]
    fn reorder_truncate_extend_fail() {
        let plain = vec![7u8; 64 * 3];
        let sealed = seal(&plain, 64);
        let c = 64 + TAG_LEN;
        let mut swapped = sealed.clone();
        swapped[..c].copy_from_slice(&sealed[c..2 * c]);
        swapped[c..2 * c].copy_from_slice(&sealed[..c]);
        assert_eq!(open(&swapped, 64), Err(EnvelopeError::Damaged));
        assert_eq!(open(&sealed[..2 * c], 64), Err(EnvelopeError::Damaged));
        assert_eq!(open(&[], 64), Err(EnvelopeError::Damaged));
        let mut longer = sealed.clone();
        longer.push(0);
        assert_eq!(open(&longer, 64), Err(EnvelopeError::Damaged));
        // A good prefix is released, nothing after the bad chunk.
        let mut out = Vec::new();
        let mut bad = sealed.clone();
        bad[c + 3] ^= 1;
        let err = decrypt(&cipher(), 64, boxed(&bad), &mut out, &|_| {});
        assert_eq!(err, Err(EnvelopeError::Damaged));
        assert_eq!(out, vec![7u8; 64]);
    }

    #[test]
    fn an_early_failure_in_a_long_stream_stops_every_thread() {
        let plain = vec![1u8; 8 * BATCH_BYTES];
        let mut sealed = seal(&plain, 4096);
        sealed[10] ^= 1;
        assert_eq!(open(&sealed, 4096), Err(EnvelopeError::Damaged));
        // A writer that fails at once (a closed pipe) stops the reader too.
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let result = encrypt(&cipher(), 4096, boxed(&plain), &mut Closed, &|_| {});
        assert!(matches!(result, Err(EnvelopeError::Write(_))));
    }

    #[test]
    fn reencrypt_gives_the_same_plaintext_under_the_new_key_only() {
        let other = PayloadCipher::new(&SecretKey32::from_bytes([9; 32]));
        for len in [0usize, 1, 64, 65, 3 * BATCH_BYTES / 64 + 7] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let sealed = seal(&plain, 64);
            let mut moved = Vec::new();
            let n = reencrypt(&cipher(), &other, 64, boxed(&sealed), &mut moved, &|_| {}).unwrap();
            assert_eq!(n, len as u64);
            assert_eq!(moved.len(), sealed.len());
            let mut out = Vec::new();
            decrypt(&other, 64, boxed(&moved), &mut out, &|_| {}).unwrap();
            assert_eq!(out, plain);
            assert_eq!(open(&moved, 64), Err(EnvelopeError::Damaged));
        }
        // A damaged chunk stops it: nothing from that chunk on is written.
        let plain = vec![3u8; 64 * 4];
        let mut sealed = seal(&plain, 64);
        sealed[(64 + TAG_LEN) * 2 + 5] ^= 1;
        let mut moved = Vec::new();
        let err = reencrypt(&cipher(), &other, 64, boxed(&sealed), &mut moved, &|_| {});
        assert_eq!(err, Err(EnvelopeError::Damaged));
        assert_eq!(moved.len(), 2 * (64 + TAG_LEN));
        // Truncated: the last chunk is not marked last, so it fails.
        let sealed = seal(&plain, 64);
        let mut moved = Vec::new();
        let cut = &sealed[..3 * (64 + TAG_LEN)];
        let err = reencrypt(&cipher(), &other, 64, boxed(cut), &mut moved, &|_| {});
        assert_eq!(err, Err(EnvelopeError::Damaged));
    }

    #[test]
    fn many_batches_keep_order() {
        let plain: Vec<u8> = (0..(3 * BATCH_BYTES + 12345))
            .map(|i| (i % 251) as u8)
            .collect();
        let sealed = seal(&plain, 4096);
        assert_eq!(open(&sealed, 4096).unwrap(), plain);
    }
}
