#!/usr/bin/env python3
"""A second, independent reader of keycask envelopes, written from
docs/FORMAT.md alone (Python `cryptography`), to check that the format page
and the Rust code agree. Not part of `cargo test` (it needs Python):

    python3 tests/vectors/verify.py

It decrypts every vector in vectors.json to its plaintext, re-encrypts it
from the listed CEK, salt and nonce to the exact same bytes, and refuses
every fail_* file.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = pathlib.Path(__file__).resolve().parent
BEGIN = b"-----BEGIN KEYCASK ENVELOPE-----"
END = b"-----END KEYCASK ENVELOPE-----"


class Refused(Exception):
    pass


def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def dearmor(data):
    text = data.strip()
    if not text.startswith(b"-"):
        return data
    lines = text.replace(b"\r\n", b"\n").split(b"\n")
    if lines[0] != BEGIN:
        raise Refused("bad armor: label")
    if lines[-1] != END:
        raise Refused("bad armor: end line")
    body = lines[1:-1]
    for i, line in enumerate(body):
        if not 0 < len(line) <= 64 or (len(line) < 64 and i != len(body) - 1):
            raise Refused("bad armor: line length")
    try:
        return base64.b64decode(b"".join(body), validate=True)
    except Exception:
        raise Refused("bad armor: base64")


def encode_context(context):
    out = b""
    for key in sorted(context, key=lambda k: k.encode()):
        k, v = key.encode(), context[key].encode()
        out += bytes([len(k)]) + k + struct.pack(">H", len(v)) + v
    return out


def header_bytes(keyring_id, name, context, version_id, version, chunk_size, salt):
    """The header up to the wrapped CEK."""
    ctx = encode_context(context)
    total = 179 + len(name) + len(ctx)
    return (b"KCASKENV" + bytes([1, 1]) + struct.pack(">HI", total, chunk_size) + salt
            + keyring_id + bytes([len(name)]) + name + struct.pack(">H", len(ctx)) + ctx
            + version_id + struct.pack(">I", version))


def open_envelope(data, material):
    data = dearmor(data)
    if not data or data[:8] != b"KCASKENV"[:len(data[:8])]:
        raise Refused("not an envelope")
    if len(data) < 12:
        raise Refused("truncated")
    if data[8] != 1:
        raise Refused("unsupported version")
    if data[9] != 1:
        raise Refused("damaged")
    (h,) = struct.unpack(">H", data[10:12])
    if len(data) < h:
        raise Refused("truncated")
    header = data[:h]
    (chunk_size,) = struct.unpack(">I", header[12:16])
    if not 64 <= chunk_size <= 1 << 24:
        raise Refused("damaged")
    salt = header[16:48]
    wrapped, mac = header[h - 92:h - 32], header[h - 32:]
    try:
        cek = AESGCM(material).decrypt(wrapped[:12], wrapped[12:],
                                       b"keycask/envelope/v1/cek" + header[:h - 92])
    except Exception:
        raise Refused("damaged")
    mac_key = hkdf(cek, salt, b"keycask/envelope/v1/header-mac")
    if not hmac.compare_digest(hmac.new(mac_key, header[:h - 32], hashlib.sha256).digest(), mac):
        raise Refused("damaged")
    aead = AESGCM(hkdf(cek, salt, b"keycask/envelope/v1/payload"))
    payload, piece, out, i = data[h:], chunk_size + 16, b"", 0
    if not payload:
        raise Refused("damaged")
    while payload:
        chunk, payload = payload[:piece], payload[piece:]
        last = not payload
        if len(chunk) < 16 or (last and i > 0 and len(chunk) == 16):
            raise Refused("damaged")
        nonce = i.to_bytes(11, "big") + bytes([1 if last else 0])
        try:
            out += aead.decrypt(nonce, chunk, None)
        except Exception:
            raise Refused("damaged")
        i += 1
    return out


def seal(m, v, plaintext):
    material, cek = bytes.fromhex(m["material"]), bytes.fromhex(v["cek"])
    salt, nonce = bytes.fromhex(v["salt"]), bytes.fromhex(v["wrap_nonce"])
    prefix = header_bytes(bytes.fromhex(m["keyring_id"]), m["key"].encode(), v["context"],
                          bytes.fromhex(m["version_id"]), m["version"], v["chunk_size"], salt)
    wrapped = nonce + AESGCM(material).encrypt(nonce, cek, b"keycask/envelope/v1/cek" + prefix)
    head = prefix + wrapped
    head += hmac.new(hkdf(cek, salt, b"keycask/envelope/v1/header-mac"), head, hashlib.sha256).digest()
    aead, c = AESGCM(hkdf(cek, salt, b"keycask/envelope/v1/payload")), v["chunk_size"]
    chunks = [plaintext[i:i + c] for i in range(0, len(plaintext), c)] or [b""]
    body = b"".join(aead.encrypt(i.to_bytes(11, "big") + bytes([i == len(chunks) - 1]), ch, None)
                    for i, ch in enumerate(chunks))
    return head + body


def main():
    m = json.loads((HERE / "vectors.json").read_text())
    material = bytes.fromhex(m["material"])
    failures = 0
    for v in m["vectors"]:
        data = (HERE / v["file"]).read_bytes()
        plain = bytes.fromhex(v["plaintext"])
        ok = open_envelope(data, material) == plain
        binary = seal(m, v, plain)
        if v["armored"]:
            ok = ok and dearmor(data) == binary
        else:
            ok = ok and data == binary
        print(("ok  " if ok else "BAD ") + v["file"])
        failures += not ok
    for v in m["fail"]:
        try:
            open_envelope((HERE / v["file"]).read_bytes(), material)
            print("BAD " + v["file"] + " was accepted")
            failures += 1
        except Refused as why:
            print(f"ok  {v['file']} refused ({why})")
    print(f"{len(m['vectors']) + len(m['fail']) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
