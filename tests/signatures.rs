//! `verify` against Project Wycheproof (tests/vectors/wycheproof/), and the
//! signature regressions of issue 13 item 4: PSS salt length, low-S ECDSA.
//!
//! Every vector goes through `PublicKey::verify_digest`, the one function
//! `keycask verify` calls for each candidate key (after `PublicKey::from_pem`
//! for `--public-key`), in the unit tests of src/tests/signatures.rs; a
//! handful per suite go through the binary here, so that the two are tied
//! together.
//!
//! Wycheproof marks some vectors "acceptable": neither required to verify nor
//! to fail. keycask's answer for each such flag is fixed in the suite's table
//! below (and in docs/distribution.md); a flag missing from the table fails
//! the test, so a new suite cannot slip in an undecided case.

use std::process::Command;

use crate::util::TestDir;
use crate::wycheproof::{Vector, expected, suite, vectors};

/// Every vector of a suite with whether it must verify. (The library
/// checks all of them: src/tests/signatures.rs.)
fn decided(file: &str, acceptable: &[(&str, bool)]) -> Vec<(Vector, bool)> {
    vectors(&suite(file))
        .into_iter()
        .map(|v| {
            let must_verify = expected(&v, acceptable);
            (v, must_verify)
        })
        .collect()
}

/// The vectors `ids` (chosen to cover the kinds of fault of each suite)
/// through `keycask verify --public-key`: exit 0 for those that must verify,
/// exit 3 for the others.
fn check_through_binary(vectors: &[(Vector, bool)], scheme: Option<&str>, ids: &[u64]) {
    let t = TestDir::new();
    let mut outcomes = Vec::new();
    for id in ids {
        let (v, must) = vectors
            .iter()
            .find(|(v, _)| v.id == *id)
            .unwrap_or_else(|| panic!("no tcId {id}"));
        std::fs::write(t.join("key.pem"), &v.key_pem).unwrap();
        std::fs::write(t.join("msg"), &v.msg).unwrap();
        std::fs::write(t.join("sig"), &v.sig).unwrap();
        let mut args = vec!["verify", "--public-key", "key.pem", "--signature", "sig"];
        if let Some(scheme) = scheme {
            args.extend_from_slice(&["--scheme", scheme]);
        }
        args.push("msg");
        let run = t.run(&args);
        if *must {
            run.ok().stdout_has("Verified OK");
        } else {
            run.fails(3, "bad signature");
        }
        outcomes.push(*must);
    }
    assert!(outcomes.contains(&true) && outcomes.contains(&false));
}

/// ECDSA P-256 with SHA-256, DER signatures (keycask's encoding; the
/// suite's P1363 twin is for raw r||s, which keycask does not read). This
/// version of the suite has no "acceptable" vectors; its valid ones include
/// high-S signatures, which keycask accepts (docs/distribution.md), and its
/// invalid ones every BER and out-of-range encoding, which strict DER refuses.
#[test]
fn wycheproof_ecdsa_p256_sha256_der() {
    let vectors = decided("ecdsa_secp256r1_sha256_test.json", &[]);
    assert!(vectors.iter().filter(|(_, m)| *m).count() > 100);
    // Valid (2 is high-S, 350 an arithmetic edge case); BER long-form
    // length, wrong length, trailing zeros, r + n, -r, r = s = 0, r too large.
    check_through_binary(&vectors, None, &[1, 2, 350, 8, 10, 23, 152, 155, 168, 351]);
}

/// RSASSA-PSS 2048, SHA-256, MGF1-SHA-256, salt 32: keycask's default RSA
/// scheme. Before salt lengths were checked, 6 of the invalid vectors
/// (other salt lengths) verified.
#[test]
fn wycheproof_rsa_pss_2048_sha256_salt_32() {
    let vectors = decided("rsa_pss_2048_sha256_mgf1_32_test.json", &[]);
    // Valid; m_hash modified, salt lengths 0, 20 and 222, bad trailer byte,
    // signature = n, truncated, a PKCS#1 v1.5 signature.
    check_through_binary(&vectors, None, &[1, 2, 62, 67, 69, 72, 96, 102, 106, 108]);
}

/// RSASSA-PKCS1-v1_5 2048, SHA-256 (`verify --scheme pkcs1v15`). The one
/// "acceptable" flag, MissingNull (a DigestInfo without the NULL parameters
/// of the hash's AlgorithmIdentifier), is refused: keycask compares with the
/// single DER encoding RFC 8017 §9.2 gives, which is what keycask and
/// OpenSSL sign with.
#[test]
fn wycheproof_rsa_pkcs1v15_2048_sha256() {
    let vectors = decided(
        "rsa_signature_2048_sha256_test.json",
        &[("MissingNull", false)],
    );
    // Valid (259 close to n); MissingNull, BER length, wrong DigestInfo
    // length, MD5 named, encryption padding, not reduced, a PSS signature.
    check_through_binary(
        &vectors,
        Some("pkcs1v15"),
        &[1, 259, 8, 9, 11, 215, 238, 244, 255],
    );
}

/// Runs openssl in the test folder and asserts success.
#[track_caller]
fn openssl(t: &TestDir, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(t.path())
        .output()
        .expect("openssl is installed (scripts/test-deps.sh)");
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PSS signature with any salt length but 32 is refused with exit 3, and
/// the message says the salt length is why; OpenSSL's default when signing
/// (the longest salt) included. With `rsa_pss_saltlen:32` (or `digest`) it
/// verifies. A signature in the other RSA padding than the one asked for is
/// refused with a hint naming `--scheme`.
#[test]
fn pss_with_another_salt_length_is_refused_with_exit_3() {
    let t = TestDir::new();
    openssl(
        &t,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.pem",
        ],
    );
    openssl(
        &t,
        &["pkey", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub.pem"],
    );
    std::fs::write(t.join("data"), b"signed with openssl").unwrap();
    let sign = |out: &str, salt: Option<&str>| {
        let mut args = vec![
            "dgst",
            "-sha256",
            "-sign",
            "rsa.pem",
            "-sigopt",
            "rsa_padding_mode:pss",
        ];
        let opt = salt.map(|s| format!("rsa_pss_saltlen:{s}"));
        if let Some(opt) = &opt {
            args.extend_from_slice(&["-sigopt", opt]);
        }
        args.extend_from_slice(&["-out", out, "data"]);
        openssl(&t, &args);
    };
    let verify = |sig: &str| {
        t.run(&[
            "verify",
            "--public-key",
            "rsa.pub.pem",
            "--signature",
            sig,
            "data",
        ])
    };
    for (salt, file) in [
        (Some("20"), "salt20.sig"),
        (Some("0"), "salt0.sig"),
        (Some("64"), "salt64.sig"),
        (None, "default.sig"),
        (Some("max"), "max.sig"),
    ] {
        sign(file, salt);
        verify(file)
            .fails(3, "bad signature")
            .stderr_has("salt length other than 32 bytes")
            .stderr_has("rsa_pss_saltlen:32");
    }
    for (salt, file) in [(Some("32"), "salt32.sig"), (Some("digest"), "digest.sig")] {
        sign(file, salt);
        verify(file).ok().stdout_has("Verified OK");
    }
    // A tampered salt-20 signature is an ordinary bad signature.
    let mut sig = std::fs::read(t.join("salt20.sig")).unwrap();
    sig[100] ^= 1;
    std::fs::write(t.join("bad.sig"), &sig).unwrap();
    let run = verify("bad.sig").fails(3, "bad signature");
    assert!(!run.stderr().contains("salt length"), "{}", run.stderr());
    assert!(!run.stderr().contains("hint:"), "{}", run.stderr());

    // The other RSA padding is refused too, with a hint naming --scheme:
    // OpenSSL's default padding (PKCS#1 v1.5) checked as PSS, and a PSS
    // signature checked with --scheme pkcs1v15.
    openssl(
        &t,
        &[
            "dgst", "-sha256", "-sign", "rsa.pem", "-out", "v15.sig", "data",
        ],
    );
    verify("v15.sig")
        .fails(3, "not a valid signature")
        .stderr_has("verify it with --scheme pkcs1v15");
    let with_scheme = |sig: &str| {
        t.run(&[
            "verify",
            "--public-key",
            "rsa.pub.pem",
            "--scheme",
            "pkcs1v15",
            "--signature",
            sig,
            "data",
        ])
    };
    with_scheme("v15.sig").ok();
    with_scheme("salt32.sig")
        .fails(3, "not a valid signature")
        .stderr_has("verify it without --scheme pkcs1v15");
}

/// keycask's own ECDSA signatures are low-S (the unit test
/// `asymmetric::tests::ecdsa_signatures_are_low_s` checks 256 of them); the
/// high-S twin of one, which OpenSSL and others may make, still verifies
/// through the binary, and OpenSSL accepts both.
#[test]
fn high_s_ecdsa_signatures_still_verify() {
    use p256::elliptic_curve::scalar::IsHigh;
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "ec", "--type", "p256", "--purpose", "sign"])
        .ok();
    t.run(&["export", "ec", "--public", "-o", "ec.pem"]).ok();
    std::fs::write(t.join("data"), b"data").unwrap();
    for i in 0..4 {
        let low_file = format!("low{i}.sig");
        let high_file = format!("high{i}.sig");
        t.run(&["sign", "-k", "ec", "data", "-o", &low_file]).ok();
        let low = std::fs::read(t.join(&low_file)).unwrap();
        let sig = p256::ecdsa::Signature::from_der(&low).unwrap();
        assert!(
            !bool::from(sig.s().is_high()),
            "keycask made a high-S signature"
        );
        let high = p256::ecdsa::Signature::from_scalars(sig.r(), -*sig.s()).unwrap();
        std::fs::write(t.join(&high_file), high.to_der().as_bytes()).unwrap();
        for file in [&low_file, &high_file] {
            t.run(&["verify", "-k", "ec", "--signature", file, "data"])
                .ok()
                .stdout_has("Verified OK");
            t.run(&[
                "verify",
                "--public-key",
                "ec.pem",
                "--signature",
                file,
                "data",
            ])
            .ok();
            openssl(
                &t,
                &[
                    "dgst",
                    "-sha256",
                    "-verify",
                    "ec.pem",
                    "-signature",
                    file,
                    "data",
                ],
            );
        }
    }
}
