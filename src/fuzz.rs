//! What each fuzz target checks (as age's `fuzz_header`): built only for
//! the fuzz targets in `fuzz/` (cargo-fuzz sets `--cfg fuzzing`) and for the
//! unit tests below, which run every committed corpus file through the same
//! checks without libFuzzer, so a crash the fuzzer finds becomes a corpus
//! file and so a regression test. Not part of the library's API: the checks
//! reach the parsers that the API keeps private.

use std::io::{Cursor, Read};

use crate::audit_log::{MacKey, verify_bytes};
use crate::bundle::Bundle;
use crate::envelope::header::Header;
use crate::envelope::stream::{self, PayloadCipher};
use crate::envelope::{armor, read_header};
use crate::keyring::{AuditState, text};
use crate::secret::SecretKey32;

/// The keyring loader on arbitrary bytes: never panics, and whatever it
/// accepts it writes back in a form it reads back identically (the MAC
/// depends on that).
pub fn keyring_json(data: &[u8]) {
    if let Ok(doc) = text::parse(data) {
        let bytes = text::to_bytes(&doc);
        let again = text::parse(&bytes).expect("what keycask writes, it reads");
        assert_eq!(again, doc);
        assert_eq!(text::to_bytes(&again), bytes);
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

/// The key and signature parsers on arbitrary bytes (what `import --pem`,
/// `export --to`, `import --verify-with`, `verify --public-key` and
/// `verify --signature` read): never panic; a key they accept re-encodes to
/// bytes they read back as the same key; arbitrary bytes never verify.
pub fn keys(data: &[u8]) {
    use crate::crypto::asymmetric::{PrivateKey, PublicKey, RsaScheme};
    let publics = [
        PublicKey::from_pem(data, "fuzz").ok(),
        PublicKey::from_spki_der(data).ok(),
    ];
    for public in publics.into_iter().flatten() {
        let again = PublicKey::from_spki_der(&public.to_spki_der())
            .expect("a public key keycask encodes, it reads");
        assert_eq!(again, public);
        let digest = crate::crypto::sha256(data);
        assert!(public.verify_digest(&digest, data, RsaScheme::Pss).is_err());
    }
    let privates = [
        PrivateKey::from_pem(data, "fuzz").ok(),
        PrivateKey::from_pkcs8_der(data).ok(),
    ];
    for private in privates.into_iter().flatten() {
        let again = PrivateKey::from_pkcs8_der(private.to_pkcs8_der().expose_secret())
            .expect("a private key keycask stores, it reads");
        assert_eq!(again.public_key(), private.public_key());
    }
    // The bytes as a signature by a fixed P-256 key, over themselves.
    let fixed = PrivateKey::from_pkcs8_der(&P256_PKCS8).expect("a valid key");
    let digest = crate::crypto::sha256(b"keycask fuzz");
    assert!(
        fixed
            .public_key()
            .verify_digest(&digest, data, RsaScheme::Pss)
            .is_err()
    );
    assert!(
        fixed
            .public_key()
            .verify_digest(&digest, data, RsaScheme::Pkcs1v15)
            .is_err()
    );
}

/// A fixed P-256 key (PKCS#8 DER) for the signature checks above: the
/// recipient of the bundle test vector in docs/FORMAT.md ("Key bundles").
const P256_PKCS8: [u8; 138] = [
    0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x6d, 0x30, 0x6b, 0x02,
    0x01, 0x01, 0x04, 0x20, 0x01, 0x4b, 0x79, 0x05, 0xe7, 0x32, 0x24, 0x14, 0xb6, 0x9b, 0xe4, 0x84,
    0x54, 0xe3, 0xbb, 0x27, 0x36, 0x42, 0x11, 0x4c, 0x4e, 0x08, 0x9e, 0x97, 0xe3, 0x4f, 0x6c, 0xa8,
    0x60, 0xf6, 0x2a, 0xce, 0xa1, 0x44, 0x03, 0x42, 0x00, 0x04, 0x7b, 0x61, 0x37, 0x79, 0xac, 0xf8,
    0x49, 0x6c, 0x6f, 0x02, 0x31, 0x83, 0xa5, 0xb5, 0x15, 0xdd, 0x68, 0xed, 0x85, 0x6d, 0xef, 0x57,
    0xbd, 0x18, 0x42, 0x7c, 0x4e, 0x86, 0x27, 0x7d, 0x1c, 0x0a, 0x32, 0x84, 0x13, 0xd8, 0x85, 0xde,
    0x60, 0xd9, 0x20, 0x46, 0x23, 0x9a, 0xa9, 0x06, 0x5c, 0xde, 0x13, 0xe4, 0x06, 0xed, 0x71, 0x79,
    0x33, 0x06, 0xf1, 0xa1, 0xe8, 0xfd, 0x57, 0x75, 0xd8, 0x24,
];

/// The agent's request parser on arbitrary bytes (a frame's body, or a
/// whole frame with its length): never panics; a request it accepts is
/// written back by `encode_request` to a body it parses the same; a frame
/// read from the bytes is never longer than the bound.
pub fn agent_request(data: &[u8]) {
    use crate::agent::protocol::{MAX_FRAME, encode_request, parse_request, read_frame};
    if let Ok(request) = parse_request(data) {
        let body = encode_request(&request);
        assert_eq!(parse_request(&body).as_ref(), Ok(&request));
    }
    if let Ok(Some(body)) = read_frame(data) {
        assert!(body.len() <= MAX_FRAME);
        let _ = parse_request(&body);
    }
}

/// Every committed fuzz corpus file, run through the fuzz targets' checks
/// without libFuzzer: the corpora are regression tests (a crash the fuzzer
/// finds is added to its corpus), at no cost to `make test`.
#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Bundle;

    fn each_input(target: &str, check: fn(&[u8])) -> usize {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target);
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its fuzz check", path.display());
            count += 1;
        }
        count
    }

    #[test]
    fn keyring_json_corpus() {
        assert!(each_input("keyring_json", super::keyring_json) >= 5);
    }

    #[test]
    fn audit_log_corpus() {
        assert!(each_input("audit_log", super::audit_log) >= 4);
    }

    #[test]
    fn envelope_header_corpus() {
        assert!(each_input("envelope_header", super::envelope_header) >= 10);
    }

    #[test]
    fn unwrap_corpus() {
        assert!(each_input("unwrap", super::unwrap) >= 10);
    }

    #[test]
    fn armor_decoder_corpus() {
        assert!(each_input("armor_decoder", super::armor_decoder) >= 3);
    }

    #[test]
    fn bundle_corpus() {
        assert!(each_input("bundle", super::bundle) >= 4);
        // The seeds are real bundles (plain, RSA-OAEP, signed): the fuzzer
        // starts past the parser's first checks.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/bundle");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let bundle = Bundle::parse(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
            assert!(bundle.check_signature().is_ok(), "{}", path.display());
        }
    }

    #[test]
    fn keys_corpus() {
        // PEM and DER public and private keys (throwaway), an encrypted key, a
        // P-384 key and an ECDSA signature.
        assert!(each_input("keys", super::keys) >= 10);
    }

    #[test]
    fn agent_request_corpus() {
        // Each request kind, refused ones, and whole frames with their length.
        assert!(each_input("agent_request", super::agent_request) >= 10);
    }
}
