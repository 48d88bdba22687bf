#!/usr/bin/env python3
"""An independent implementation of keycask's recipient stanzas (format 2),
written from docs/FORMAT.md with `pyhpke` (HPKE, RFC 9180) and
`cryptography` (RSA-OAEP, AES-GCM, HKDF, HMAC), for the interop tests in
tests/recipients.rs:

    recipients.py open ENVELOPE PRIVATE.pem            plaintext to stdout
    recipients.py seal PLAINTEXT OUT PUBLIC.pem...     an envelope sealed to each key

`open` finds the stanza sealed to the private key's public half, checks the
header MAC and every chunk; `seal` writes a one-chunk-size (64 KiB) envelope
with a context `made-by=pyhpke`. Exit 1 on any failure.
"""

import hashlib
import hmac
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKey

SUITE = CipherSuite.new(KEMId.DHKEM_P256_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)
LABELS = {2: b"keycask/envelope/v2/hpke-p256", 3: b"keycask/envelope/v2/rsa-oaep-256"}
CHUNK = 65536


def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def spki_fingerprint(public):
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).digest()


def bound(kind, binding, fingerprint):
    return LABELS[kind] + hashlib.sha256(binding + fingerprint).digest()


def oaep(label):
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label)


def open_envelope(data, private):
    if data[:8] != b"KCASKENV" or data[8] != 2 or data[9] != 1:
        raise SystemExit("not a format 2 envelope")
    (h,) = struct.unpack(">H", data[10:12])
    header, payload = data[:h], data[h:]
    (chunk,) = struct.unpack(">I", header[12:16])
    salt = header[16:48]
    (m,) = struct.unpack(">H", header[48:50])
    binding = header[12:50 + m]
    count, at = header[50 + m], 51 + m
    mine = spki_fingerprint(private.public_key())
    cek = None
    for _ in range(count):
        kind, length = header[at], struct.unpack(">H", header[at + 1:at + 3])[0]
        body = header[at + 3:at + 3 + length]
        at += 3 + length
        if kind in (2, 3) and body[:32] == mine:
            sealed, info = body[32:], bound(kind, binding, mine)
            if kind == 2:
                skr = KEMKey.from_pyca_cryptography_key(private)
                ctx = SUITE.create_recipient_context(sealed[:65], skr, info=info)
                cek = ctx.open(sealed[65:], aad=b"")
            else:
                cek = private.decrypt(sealed, oaep(info))
    if cek is None or len(cek) != 32:
        raise SystemExit("no stanza for this key")
    mac_key = hkdf(cek, salt, b"keycask/envelope/v2/header-mac")
    if not hmac.compare_digest(hmac.new(mac_key, header[:-32], hashlib.sha256).digest(), header[-32:]):
        raise SystemExit("header MAC does not verify")
    aead = AESGCM(hkdf(cek, salt, b"keycask/envelope/v1/payload"))
    out, i, piece = b"", 0, chunk + 16
    while payload:
        part, payload = payload[:piece], payload[piece:]
        nonce = i.to_bytes(11, "big") + bytes([0 if payload else 1])
        out += aead.decrypt(nonce, part, None)
        i += 1
    return out


def seal_envelope(plaintext, publics):
    cek, salt = os.urandom(32), os.urandom(32)
    context = bytes([len(b"made-by")]) + b"made-by" + struct.pack(">H", 6) + b"pyhpke"
    binding = struct.pack(">I", CHUNK) + salt + struct.pack(">H", len(context)) + context
    stanzas = b""
    for public in publics:
        fp = spki_fingerprint(public)
        if isinstance(public, ec.EllipticCurvePublicKey):
            kind, info = 2, bound(2, binding, fp)
            enc, ctx = SUITE.create_sender_context(KEMKey.from_pyca_cryptography_key(public), info=info)
            sealed = enc + ctx.seal(cek, aad=b"")
        elif isinstance(public, rsa.RSAPublicKey):
            kind, info = 3, bound(3, binding, fp)
            sealed = public.encrypt(cek, oaep(info))
        else:
            raise SystemExit("unsupported key")
        body = fp + sealed
        stanzas += bytes([kind]) + struct.pack(">H", len(body)) + body
    total = 12 + len(binding) + 1 + len(stanzas) + 32
    head = b"KCASKENV" + bytes([2, 1]) + struct.pack(">H", total) + binding + bytes([len(publics)]) + stanzas
    head += hmac.new(hkdf(cek, salt, b"keycask/envelope/v2/header-mac"), head, hashlib.sha256).digest()
    aead = AESGCM(hkdf(cek, salt, b"keycask/envelope/v1/payload"))
    chunks = [plaintext[i:i + CHUNK] for i in range(0, len(plaintext), CHUNK)] or [b""]
    return head + b"".join(aead.encrypt(i.to_bytes(11, "big") + bytes([i == len(chunks) - 1]), c, None)
                           for i, c in enumerate(chunks))


def main(argv):
    if len(argv) == 3 and argv[0] == "open":
        with open(argv[2], "rb") as f:
            private = serialization.load_pem_private_key(f.read(), password=None)
        with open(argv[1], "rb") as f:
            sys.stdout.buffer.write(open_envelope(f.read(), private))
        return 0
    if len(argv) >= 4 and argv[0] == "seal":
        publics = []
        for path in argv[3:]:
            with open(path, "rb") as f:
                publics.append(serialization.load_pem_public_key(f.read()))
        with open(argv[1], "rb") as f:
            envelope = seal_envelope(f.read(), publics)
        with open(argv[2], "wb") as f:
            f.write(envelope)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
