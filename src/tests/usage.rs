//! From tests/usage.rs: the envelope test vectors of tests/vectors/v2 (made
//! here from their inputs, byte for byte, with the manifest a second reader
//! needs) and the stored format 1 and 2 vectors opened through the library;
//! the envelope's round trip and its readers' survival of hostile bytes
//! (proptest). That the binary opens every vector is still checked there.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use proptest::prelude::*;

use crate::envelope::stream::{self, PayloadCipher, TAG_LEN};
use crate::envelope::{
    Cek, EncryptionContext, EnvelopeError, Header, VersionRef, armor, header::HeaderParams,
    read_header,
};
use crate::secret::SecretKey32;

fn boxed(bytes: &[u8]) -> Box<dyn Read + Send> {
    Box::new(std::io::Cursor::new(bytes.to_vec()))
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// Header length of an envelope, from its bytes 10..12.
fn header_len(envelope: &[u8]) -> usize {
    u16::from_be_bytes([envelope[10], envelope[11]]) as usize
}

/// The fixed key the vectors are made with (tests/vectors/vectors.json).
struct VectorKey {
    keyring_id: [u8; 16],
    name: &'static str,
    version: VersionRef,
    material: [u8; 32],
}

const VECTOR_KEY: VectorKey = VectorKey {
    keyring_id: [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0xff,
    ],
    name: "vectors",
    version: VersionRef {
        number: 1,
        id: [
            0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02,
            0x01, 0x00,
        ],
    },
    material: [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31,
    ],
};

struct Vector {
    file: &'static str,
    seed: u8,
    chunk_size: u32,
    context: &'static [(&'static str, &'static str)],
    plaintext_len: usize,
    armored: bool,
}

const VECTORS: &[Vector] = &[
    Vector {
        file: "empty.kc",
        seed: 1,
        chunk_size: 64,
        context: &[],
        plaintext_len: 0,
        armored: false,
    },
    Vector {
        file: "one_byte.kc",
        seed: 2,
        chunk_size: 64,
        context: &[],
        plaintext_len: 1,
        armored: false,
    },
    Vector {
        file: "one_chunk.kc",
        seed: 3,
        chunk_size: 64,
        context: &[],
        plaintext_len: 64,
        armored: false,
    },
    Vector {
        file: "one_chunk_plus_one.kc",
        seed: 4,
        chunk_size: 64,
        context: &[],
        plaintext_len: 65,
        armored: false,
    },
    Vector {
        file: "three_chunks.kc",
        seed: 5,
        chunk_size: 64,
        context: &[],
        plaintext_len: 192,
        armored: false,
    },
    Vector {
        file: "context.kc",
        seed: 6,
        chunk_size: 64,
        context: &[("env", "prod"), ("app", "billing")],
        plaintext_len: 100,
        armored: false,
    },
    Vector {
        file: "armored.kc.asc",
        seed: 7,
        chunk_size: 64,
        context: &[("k", "v")],
        plaintext_len: 70,
        armored: true,
    },
    Vector {
        file: "default_chunk_size.kc",
        seed: 8,
        chunk_size: 65536,
        context: &[],
        plaintext_len: 65536 + 1,
        armored: false,
    },
];

fn filled<const N: usize>(seed: u8, salt: u8) -> [u8; N] {
    std::array::from_fn(|i| {
        seed.wrapping_mul(16)
            .wrapping_add(salt)
            .wrapping_add(i as u8)
    })
}

fn vector_plaintext(v: &Vector) -> Vec<u8> {
    (0..v.plaintext_len).map(|i| (i as u8) ^ v.seed).collect()
}

fn vector_context(v: &Vector) -> EncryptionContext {
    let mut c = EncryptionContext::new();
    for (k, val) in v.context {
        c.insert(k, val).unwrap();
    }
    c
}

/// The envelope of a vector, made deterministically from its inputs.
fn seal_vector(v: &Vector) -> (Header, Cek, Vec<u8>) {
    let cek = Cek::from_key(SecretKey32::from_bytes(filled(v.seed, 0x80)));
    let params = HeaderParams {
        keyring_id: VECTOR_KEY.keyring_id,
        key_name: VECTOR_KEY.name.into(),
        version: VECTOR_KEY.version,
        context: vector_context(v),
        chunk_size: v.chunk_size,
    };
    let material = SecretKey32::from_bytes(VECTOR_KEY.material);
    let header = Header::seal(
        &params,
        &material,
        &cek,
        filled(v.seed, 0x40),
        filled(v.seed, 0x20),
    )
    .unwrap();
    let mut out = header.to_bytes();
    let cipher = PayloadCipher::new(&cek.payload_key(&header.salt));
    stream::encrypt(
        &cipher,
        v.chunk_size,
        boxed(&vector_plaintext(v)),
        &mut out,
        &|_| {},
    )
    .unwrap();
    (header, cek, out)
}

fn vector_bytes(v: &Vector) -> Vec<u8> {
    let bytes = seal_vector(v).2;
    if v.armored {
        armor::armor(&bytes).into_bytes()
    } else {
        bytes
    }
}

/// Vectors that must be rejected: (file, expected message, bytes).
fn fail_vectors() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let damaged = "the envelope is damaged or was tampered with";
    let three = seal_vector(&VECTORS[4]).2;
    let h = header_len(&three);
    let piece = 64 + TAG_LEN;
    let flip = |at: usize| {
        let mut b = three.clone();
        b[at] ^= 0x01;
        b
    };
    // 64 bytes sealed as a full chunk followed by an empty final chunk: every
    // tag verifies, but the encoding is not canonical.
    let (one_header, one_cek, _) = seal_vector(&VECTORS[2]);
    let cipher = PayloadCipher::new(&one_cek.payload_key(&one_header.salt));
    let mut full = vector_plaintext(&VECTORS[2]);
    cipher.seal_chunk(0, false, &mut full);
    let mut empty = Vec::new();
    cipher.seal_chunk(1, true, &mut empty);
    let non_canonical = [one_header.to_bytes(), full, empty].concat();
    let mut future = three.clone();
    future[8] = 3;
    let armored = String::from_utf8(vector_bytes(&VECTORS[6])).unwrap();
    vec![
        ("fail_header_mac.kc", damaged, flip(h - 1)),
        ("fail_wrapped_cek.kc", damaged, flip(h - 40)),
        ("fail_salt.kc", damaged, flip(20)),
        ("fail_chunk_size.kc", damaged, flip(15)),
        ("fail_middle_chunk_tag.kc", damaged, flip(h + 2 * piece - 1)),
        (
            "fail_final_chunk_dropped.kc",
            damaged,
            three[..h + 2 * piece].to_vec(),
        ),
        (
            "fail_truncated_inside_chunk.kc",
            damaged,
            three[..h + piece + 10].to_vec(),
        ),
        (
            "fail_appended_byte.kc",
            damaged,
            [&three[..], b"\0"].concat(),
        ),
        (
            "fail_swapped_chunks.kc",
            damaged,
            [
                &three[..h],
                &three[h + piece..h + 2 * piece],
                &three[h..h + piece],
                &three[h + 2 * piece..],
            ]
            .concat(),
        ),
        ("fail_empty_final_chunk.kc", damaged, non_canonical),
        ("fail_no_payload.kc", damaged, three[..h].to_vec()),
        (
            "fail_truncated_header.kc",
            "the envelope is truncated",
            three[..h - 1].to_vec(),
        ),
        (
            "fail_future_version.kc",
            "envelope format version 3 is not supported",
            future,
        ),
        (
            "fail_not_envelope.kc",
            "not a keycask envelope",
            b"hello\n".to_vec(),
        ),
        ("fail_empty.kc", "not a keycask envelope", Vec::new()),
        (
            "fail_armor_bad_base64.kc.asc",
            "bad armor: invalid base64",
            armored.replacen("\nS0NB", "\nS0N!", 1).into_bytes(),
        ),
        (
            "fail_armor_wrong_label.kc.asc",
            "bad armor: wrong label",
            armored
                .replace("BEGIN KEYCASK ENVELOPE", "BEGIN AGE ENCRYPTED FILE")
                .into_bytes(),
        ),
        (
            "fail_armor_missing_end.kc.asc",
            "bad armor: missing the end line",
            armored
                .replace("-----END KEYCASK ENVELOPE-----\n", "")
                .into_bytes(),
        ),
    ]
}

fn vectors_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v2")
}

/// Format 1 vectors: stored files that this build must keep decrypting.
fn v1_vectors_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v1")
}

/// The manifest: every input a second implementation needs.
fn manifest() -> serde_json::Value {
    let vectors: Vec<serde_json::Value> = VECTORS
        .iter()
        .map(|v| {
            let context: BTreeMap<&str, &str> = v.context.iter().copied().collect();
            serde_json::json!({
                "file": v.file,
                "cek": hex::encode(filled::<32>(v.seed, 0x80)),
                "salt": hex::encode(filled::<32>(v.seed, 0x40)),
                "wrap_nonce": hex::encode(filled::<12>(v.seed, 0x20)),
                "chunk_size": v.chunk_size,
                "context": context,
                "plaintext": hex::encode(vector_plaintext(v)),
                "armored": v.armored,
            })
        })
        .collect();
    let fail: Vec<serde_json::Value> = fail_vectors()
        .iter()
        .map(|(file, message, _)| serde_json::json!({ "file": file, "message": message }))
        .collect();
    serde_json::json!({
        "comment": "keycask envelope format 2 test vectors: see docs/FORMAT.md. Written by `KEYCASK_WRITE_VECTORS=1 cargo test vectors`.",
        "keyring_id": hex::encode(VECTOR_KEY.keyring_id),
        "key": VECTOR_KEY.name,
        "version": VECTOR_KEY.version.number,
        "version_id": hex::encode(VECTOR_KEY.version.id),
        "material": hex::encode(VECTOR_KEY.material),
        "vectors": vectors,
        "fail": fail,
    })
}

/// Writes the vectors when `KEYCASK_WRITE_VECTORS=1`; otherwise checks that
/// the files are exactly what this build makes from the same inputs.
#[test]
fn vectors_encrypt_to_the_exact_files() {
    let dir = vectors_dir();
    let manifest_text = serde_json::to_string_pretty(&manifest()).unwrap() + "\n";
    let mut files: Vec<(String, Vec<u8>)> = VECTORS
        .iter()
        .map(|v| (v.file.to_string(), vector_bytes(v)))
        .collect();
    files.extend(
        fail_vectors()
            .into_iter()
            .map(|(f, _, b)| (f.to_string(), b)),
    );
    files.push(("vectors.json".into(), manifest_text.into_bytes()));
    if std::env::var_os("KEYCASK_WRITE_VECTORS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    for (name, bytes) in &files {
        let stored = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            stored == *bytes,
            "{name} differs from what this build makes"
        );
    }
}

/// Decrypts the stored vectors (format 2, and the format 1 ones kept from
/// before) with the library, from the manifest's key.
#[test]
fn vectors_decrypt_to_their_plaintexts() {
    for dir in [vectors_dir(), v1_vectors_dir()] {
        decrypt_stored_vectors(&dir);
    }
}

fn decrypt_stored_vectors(dir: &Path) {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("vectors.json")).unwrap()).unwrap();
    let material =
        SecretKey32::from_slice(&hex::decode(manifest["material"].as_str().unwrap()).unwrap())
            .unwrap();
    let open = |bytes: Vec<u8>| -> Result<Vec<u8>, EnvelopeError> {
        let (mut input, _) =
            armor::detect(Box::new(std::io::Cursor::new(bytes))).map_err(EnvelopeError::Read)?;
        let (header, _) = read_header(&mut input)?;
        let cek = header.open(&material)?;
        let mut out = Vec::new();
        stream::decrypt(
            &PayloadCipher::new(&cek.payload_key(&header.salt)),
            header.chunk_size,
            input,
            &mut out,
            &|_| {},
        )?;
        Ok(out)
    };
    for v in manifest["vectors"].as_array().unwrap() {
        let file = v["file"].as_str().unwrap();
        let plain =
            open(std::fs::read(dir.join(file)).unwrap()).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            hex::encode(plain),
            v["plaintext"].as_str().unwrap(),
            "{file}"
        );
    }
    for v in manifest["fail"].as_array().unwrap() {
        let file = v["file"].as_str().unwrap();
        let err = open(std::fs::read(dir.join(file)).unwrap()).expect_err(file);
        let shown = match &err {
            EnvelopeError::Read(e) => armor::armor_error(e)
                .map(|a| a.to_string())
                .unwrap_or_default(),
            other => other.to_string(),
        };
        assert!(
            shown.contains(v["message"].as_str().unwrap()),
            "{file}: {shown}"
        );
    }
}

// ------------------------------------------------------------ properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any size from empty to several chunks, any chunk size: the payload
    /// has the predicted length and opens to the same bytes; one flipped
    /// payload bit anywhere makes it fail.
    #[test]
    fn envelopes_round_trip(len in 0usize..2000, chunk_size in 64u32..400, flip in any::<prop::sample::Index>()) {
        let data = pattern(len);
        let material = SecretKey32::generate();
        let cek = Cek::generate();
        let params = HeaderParams {
            keyring_id: [1; 16],
            key_name: "k".into(),
            version: VersionRef { number: 1, id: [2; 16] },
            context: EncryptionContext::new(),
            chunk_size,
        };
        let header = Header::seal(&params, &material, &cek, [3; 32], [4; 12]).unwrap();
        let cipher = PayloadCipher::new(&cek.payload_key(&header.salt));
        let mut sealed = Vec::new();
        stream::encrypt(&cipher, chunk_size, boxed(&data), &mut sealed, &|_| {}).unwrap();
        let chunks = len.div_ceil(chunk_size as usize).max(1);
        prop_assert_eq!(sealed.len(), len + chunks * TAG_LEN);
        let reopened = Header::parse(&header.to_bytes()).unwrap().open(&material).unwrap();
        let cipher = PayloadCipher::new(&reopened.payload_key(&header.salt));
        let mut back = Vec::new();
        stream::decrypt(&cipher, chunk_size, boxed(&sealed), &mut back, &|_| {}).unwrap();
        prop_assert_eq!(&back, &data);
        let mut bad = sealed.clone();
        bad[flip.index(sealed.len())] ^= 0x10;
        let mut out = Vec::new();
        let result = stream::decrypt(&cipher, chunk_size, boxed(&bad), &mut out, &|_| {});
        prop_assert!(result.is_err());
        prop_assert!(data.starts_with(&out));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Hostile bytes after a plausible prefix: the header reader returns an
    /// error or a header, never panics, and never reads past the length
    /// the prefix declares.
    #[test]
    fn header_parsing_survives_hostile_bytes(declared in 0u16..10_000, body in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = b"KCASKENV\x01\x01".to_vec();
        bytes.extend_from_slice(&declared.to_be_bytes());
        bytes.extend_from_slice(&body);
        let mut reader = &bytes[..];
        if read_header(&mut reader).is_ok() {
            prop_assert_eq!(bytes.len() - reader.len(), declared as usize);
        }
        prop_assert!(bytes.len() - reader.len() <= 12 + declared as usize);
    }

    /// Arbitrary text after an armor begin line never panics the decoder.
    #[test]
    fn armor_reader_survives_hostile_text(body in "[A-Za-z0-9+/=\r\n -]{0,400}") {
        let text = format!("-----BEGIN KEYCASK ENVELOPE-----\n{body}");
        let (mut reader, armored) = armor::detect(Box::new(std::io::Cursor::new(text.into_bytes()))).unwrap();
        prop_assert!(armored);
        let mut out = Vec::new();
        let _ = reader.read_to_end(&mut out);
    }
}
