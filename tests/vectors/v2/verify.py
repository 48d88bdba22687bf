#!/usr/bin/env python3
"""A second, independent reader of keycask format 2 envelopes, written from
docs/FORMAT.md alone (Python `cryptography`), to check that the format page
and the Rust code agree. Not part of `cargo test` (it needs Python):

    python3 tests/vectors/v2/verify.py

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


def key_fields(keyring_id, name, version_id, version):
    return keyring_id + bytes([len(name)]) + name + version_id + struct.pack(">I", version)


def parse(data):
    """Header fields, stanzas, MAC and payload of a format 2 envelope."""
    if not data or data[:8] != b"KCASKENV"[:len(data[:8])]:
        raise Refused("not an envelope")
    if len(data) < 12:
        raise Refused("truncated")
    if data[8] != 2:
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
    (m,) = struct.unpack(">H", header[48:50])
    binding = header[12:50 + m]
    count, at, stanzas = header[50 + m], 51 + m, []
    if not 1 <= count <= 16:
        raise Refused("damaged")
    for _ in range(count):
        kind, length = header[at], struct.unpack(">H", header[at + 1:at + 3])[0]
        stanzas.append((kind, header[at + 3:at + 3 + length]))
        at += 3 + length
    if at != h - 32:
        raise Refused("damaged")
    return header, chunk_size, salt, binding, stanzas, data[h:]


def open_envelope(data, material, version_id):
    data = dearmor(data)
    header, chunk_size, salt, binding, stanzas, payload = parse(data)
    cek = None
    for kind, body in stanzas:
        if kind == 1 and body[17 + body[16]:33 + body[16]] == version_id:
            fields, wrapped = body[:-60], body[-60:]
            key = hkdf(material, salt, b"keycask/envelope/v2/key-wrap" + version_id)
            try:
                cek = AESGCM(key).decrypt(wrapped[:12], wrapped[12:],
                                          b"keycask/envelope/v2/key-stanza" + binding + fields)
            except Exception:
                raise Refused("damaged")
    if cek is None:
        raise Refused("no stanza for this key")
    mac_key = hkdf(cek, salt, b"keycask/envelope/v2/header-mac")
    if not hmac.compare_digest(hmac.new(mac_key, header[:-32], hashlib.sha256).digest(), header[-32:]):
        raise Refused("damaged")
    aead = AESGCM(hkdf(cek, salt, b"keycask/envelope/v1/payload"))
    piece, out, i = chunk_size + 16, b"", 0
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
    version_id = bytes.fromhex(m["version_id"])
    ctx = encode_context(v["context"])
    binding = struct.pack(">I", v["chunk_size"]) + salt + struct.pack(">H", len(ctx)) + ctx
    fields = key_fields(bytes.fromhex(m["keyring_id"]), m["key"].encode(), version_id, m["version"])
    key = hkdf(material, salt, b"keycask/envelope/v2/key-wrap" + version_id)
    wrapped = nonce + AESGCM(key).encrypt(nonce, cek, b"keycask/envelope/v2/key-stanza" + binding + fields)
    stanza = bytes([1]) + struct.pack(">H", len(fields) + 60) + fields + wrapped
    total = 12 + len(binding) + 1 + len(stanza) + 32
    head = b"KCASKENV" + bytes([2, 1]) + struct.pack(">H", total) + binding + bytes([1]) + stanza
    head += hmac.new(hkdf(cek, salt, b"keycask/envelope/v2/header-mac"), head, hashlib.sha256).digest()
    aead, c = AESGCM(hkdf(cek, salt, b"keycask/envelope/v1/payload")), v["chunk_size"]
    chunks = [plaintext[i:i + c] for i in range(0, len(plaintext), c)] or [b""]
    body = b"".join(aead.encrypt(i.to_bytes(11, "big") + bytes([i == len(chunks) - 1]), ch, None)
                    for i, ch in enumerate(chunks))
    return head + body


def main():
    m = json.loads((HERE / "vectors.json").read_text())
    material, version_id = bytes.fromhex(m["material"]), bytes.fromhex(m["version_id"])
    failures = 0
    for v in m["vectors"]:
        data = (HERE / v["file"]).read_bytes()
        plain = bytes.fromhex(v["plaintext"])
        ok = open_envelope(data, material, version_id) == plain
        binary = seal(m, v, plain)
        if v["armored"]:
            ok = ok and dearmor(data) == binary
        else:
            ok = ok and data == binary
        print(("ok  " if ok else "BAD ") + v["file"])
        failures += not ok
    for v in m["fail"]:
        try:
            open_envelope((HERE / v["file"]).read_bytes(), material, version_id)
            print("BAD " + v["file"] + " was accepted")
            failures += 1
        except Refused as why:
            print(f"ok  {v['file']} refused ({why})")
        except Exception as why:  # a malformed header may break the parser
            print(f"ok  {v['file']} refused ({type(why).__name__})")
    print(f"{len(m['vectors']) + len(m['fail']) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
