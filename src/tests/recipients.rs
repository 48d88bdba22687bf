//! From tests/recipients.rs: the stored recipient vectors opened through
//! the library, each key alone.

/// The stored recipient vectors (tests/vectors/v2/recipients): each private
/// key alone opens the envelope through the library; the damaged ones are
/// refused. (Through the command line: tests/recipients.rs.)
#[test]
fn recipient_vectors_open_with_each_key_through_the_library() {
    use crate::crypto::asymmetric::PrivateKey;
    use crate::envelope::recipient::{self, OpenWith};
    use crate::envelope::stream::{self, PayloadCipher};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/v2/recipients");
    let plain = std::fs::read(dir.join("plaintext.txt")).unwrap();
    let open = |file: &str, key: &str| -> Result<Vec<u8>, crate::envelope::EnvelopeError> {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let pem = std::fs::read(dir.join(key)).unwrap();
        let private = PrivateKey::from_pem(&pem, key).unwrap();
        let (header, _) = crate::envelope::read_header(&mut &bytes[..])?;
        let mut result = Err(crate::envelope::EnvelopeError::Damaged);
        for stanza in header.recipients() {
            let with = match &private {
                PrivateKey::P256(s) => OpenWith::P256(s),
                PrivateKey::Rsa(s) => OpenWith::Rsa(s),
            };
            if let Ok(cek) = recipient::open(&header, stanza, with) {
                let mut out = Vec::new();
                stream::decrypt(
                    &PayloadCipher::new(&cek.payload_key(&header.salt)),
                    header.chunk_size,
                    Box::new(std::io::Cursor::new(bytes[header.len()..].to_vec())),
                    &mut out,
                    &|_| {},
                )?;
                result = Ok(out);
            }
        }
        result
    };
    for key in ["p256.key", "rsa2048.key"] {
        assert_eq!(open("recipients.kc", key).unwrap(), plain, "{key}");
    }
    assert!(open("fail_hpke_tag.kc", "p256.key").is_err());
    assert!(open("fail_hpke_tag.kc", "rsa2048.key").is_err());
    assert!(open("fail_header_mac.kc", "p256.key").is_err());
    assert!(open("fail_header_mac.kc", "rsa2048.key").is_err());
}
