#!/usr/bin/env python3
"""Writes tests/vectors/bundle-p256-signed.hex, the key bundle vector of
docs/FORMAT.md ("Key bundles", format version 2), from the format page alone
(Python `cryptography`), as a second implementation beside src/bundle.rs:

    python3 tests/vectors/make_bundle_vector.py

The recipient, signer and ephemeral scalars and the payload nonce are fixed;
the ECDSA signature is randomised by `cryptography`, so running it again
gives another valid vector (the tests check validity, not these bytes).
"""

import hashlib
import pathlib
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = pathlib.Path(__file__).resolve().parent


def scalar(label):
    return ec.derive_private_key(
        int.from_bytes(hashlib.sha256(label).digest(), "big"), ec.SECP256R1()
    )


def spki(key):
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


recipient = scalar(b"keycask bundle test recipient")
signer = scalar(b"keycask bundle test signer")
ephemeral = scalar(b"keycask bundle test ephemeral")
nonce = bytes(range(0x40, 0x4C))

metadata = (
    b'{"kind":"keycask-key-bundle","format":2,'
    b'"source_keyring":"000102030405060708090a0b0c0d0e0f",'
    b'"exported":"2026-01-01T00:00:00Z","name":"backups",'
    b'"algorithm":"aes256-gcm","purpose":"encrypt",'
    b'"created":"2025-12-01T00:00:00Z","primary":1,'
    b'"versions":[{"version":1,"id":"101112131415161718191a1b1c1d1e1f",'
    b'"created":"2025-12-01T00:00:00Z"}]}'
)

recipient_fp = hashlib.sha256(spki(recipient)).digest()
point = ephemeral.public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
)
z = ephemeral.exchange(ec.ECDH(), recipient.public_key())
payload_key = HKDF(
    algorithm=hashes.SHA256(),
    length=32,
    salt=point + recipient_fp,
    info=b"keycask/bundle/v1 ECDH-ES P-256 AES-256-GCM",
).derive(z)

out = b"KCBUNDLE" + bytes([2, 1]) + recipient_fp
out += struct.pack(">H", len(point)) + point
out += struct.pack(">I", len(metadata)) + metadata
signer_der = spki(signer)
out += struct.pack(">H", len(signer_der)) + signer_der
plaintext = struct.pack(">I", 32) + bytes(range(32))
payload = nonce + AESGCM(payload_key).encrypt(nonce, plaintext, out)
out += struct.pack(">I", len(payload)) + payload

# The signature: ECDSA P-256 over SHA-384("keycask bundle signature v2\0" || out).
digest = hashlib.sha384(b"keycask bundle signature v2\x00" + out).digest()
der = signer.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA384())))
r, s = utils.decode_dss_signature(der)
n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
if s > n // 2:  # low-S, as keycask writes
    der = utils.encode_dss_signature(r, n - s)
out += struct.pack(">H", len(der)) + der

(HERE / "bundle-p256-signed.hex").write_text(out.hex() + "\n")
print(f"wrote bundle-p256-signed.hex ({len(out)} bytes)")
