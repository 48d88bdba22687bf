//! What each fuzz target checks, shared with the test suite, which runs
//! every committed corpus file through the same checks
//! (`tests/fuzz_corpus.rs`): a crash the fuzzer finds becomes a corpus file
//! and so a regression test.

// Each fuzz target uses one of these.
#![allow(dead_code)]

use std::io::{Cursor, Read};

use keycask::audit::{MacKey, verify_bytes};
use keycask::bundle::Bundle;
use keycask::envelope::header::Header;
use keycask::envelope::stream::{self, PayloadCipher};
use keycask::envelope::{armor, read_header};
use keycask::keyring::{AuditState, file};
use keycask::secret::SecretKey32;

/// The keyring loader on arbitrary bytes: never panics, and whatever it
/// accepts it writes back in a form it reads back identically (the MAC
/// depends on that).
pub fn keyring_json(data: &[u8]) {
    if let Ok(doc) = file::parse(data) {
        let bytes = file::to_bytes(&doc);
        let again = file::parse(&bytes).expect("what keycask writes, it reads");
        assert_eq!(again, doc);
        assert_eq!(file::to_bytes(&again), bytes);
    }
}

/// The audit log verifier on arbitrary bytes: never panics, and what it
/// reports is consistent. The seed logs are MACed under this key and
/// keyring id (written by `src/audit.rs`'s tests), so mutations get past the
/// MAC to the chain and sequence checks.
pub fn audit_log(data: &[u8]) {
    let key = MacKey::derive(&SecretKey32::from_bytes([7; 32]), "ring");
    let lines = data.iter().filter(|&&b| b == b'\n').count();
    for seq in [0, 1, 3] {
        let state = AuditState {
            seq,
            last: String::new(),
            key: String::new(),
            kek_version: 1,
            usage: false,
        };
        let verdict = verify_bytes(data, "ring", &state, &key);
        assert_eq!(verdict.records, lines);
        assert_eq!(
            verdict.partial_line,
            !data.is_empty() && !data.ends_with(b"\n")
        );
        assert!(verdict.uncommitted.iter().all(|&s| s > seq), "{verdict:?}");
        assert!(verdict.uncommitted.len() <= lines);
    }
}

/// The envelope header parser on arbitrary bytes: never panics; a header
/// it accepts serialises back to exactly the bytes it came from (so there
/// is one encoding per header, and the header MAC covers all of it), and
/// reading it from a stream agrees with parsing it whole.
pub fn envelope_header(data: &[u8]) {
    if let Ok(header) = Header::parse(data) {
        assert_eq!(header.to_bytes(), data);
    }
    let mut input = Cursor::new(data);
    if let Ok((header, raw)) = read_header(&mut input) {
        assert_eq!(Header::parse(&raw).as_ref(), Ok(&header));
        assert_eq!(input.position() as usize, raw.len());
    }
}

/// The key the envelope seed corpus (tests/vectors) is made with, so that
/// mutations of real envelopes get past the header MAC into the payload.
const VECTOR_MATERIAL: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];

/// The whole unwrap path on arbitrary bytes — armor detection, header,
/// CEK unwrap, chunked decryption — as `keycask unwrap` runs it: never
/// panics, and never releases more plaintext than ciphertext came in.
pub fn unwrap(data: &[u8]) {
    let material = SecretKey32::from_bytes(VECTOR_MATERIAL);
    let Ok((mut input, _armored)) = armor::detect(Box::new(Cursor::new(data.to_vec()))) else {
        return;
    };
    let Ok((header, raw)) = read_header(&mut input) else {
        return;
    };
    let Ok(cek) = header.open(&material) else {
        return;
    };
    let mut out = Vec::new();
    let result = stream::decrypt(
        &PayloadCipher::new(&cek.payload_key(&header.salt)),
        header.chunk_size,
        input,
        &mut out,
        &|_| {},
    );
    assert!(raw.len() + out.len() <= data.len(), "more out than in");
    if let Ok(len) = result {
        assert_eq!(len as usize, out.len());
    }
}

/// The armor decoder on arbitrary bytes: never panics; what it decodes,
/// armored again, decodes to the same bytes.
pub fn armor_decoder(data: &[u8]) {
    let mut reader = armor::ArmorReader::new(Cursor::new(data));
    let mut decoded = Vec::new();
    if reader.read_to_end(&mut decoded).is_ok() {
        let again = armor::armor(&decoded);
        let mut round = Vec::new();
        armor::ArmorReader::new(Cursor::new(again.as_bytes()))
            .read_to_end(&mut round)
            .expect("what keycask armors, it reads");
        assert_eq!(round, decoded);
    }
}

/// The key bundle parser on arbitrary bytes (what `import` reads from a
/// stranger): never panics, and a signature check on whatever it accepts
/// never panics either. (Opening needs the recipient's private key; the
/// seeds are sealed to keys that were thrown away.)
pub fn bundle(data: &[u8]) {
    if let Ok(bundle) = Bundle::parse(data) {
        let _ = bundle.check_signature();
        assert!(bundle.metadata.versions.len() <= data.len());
    }
}
