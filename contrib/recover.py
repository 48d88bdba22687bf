#!/usr/bin/env python3
"""Recover keys and envelopes from a keycask keyring without keycask.

An independent implementation of docs/FORMAT.md ("Keyring", "Envelope"), written
from that page: Python 3 with `cryptography`, and `argon2-cffi` for a passphrase
root. Usage and examples: docs/RECOVERY.md. It checks the keyring MAC (and with
--audit the audit log), prints or writes every key version's material on request,
and decrypts envelopes (binary or armored, format 1 or 2). Exit 0 on success,
1 when anything is refused, 2 on a usage error.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import pathlib
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

class Refused(Exception):
    """Input that does not verify, or that this script cannot open."""

def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)

def b64(text):
    try:
        return base64.b64decode(text, validate=True)
    except Exception:
        raise Refused("a base64 value of the keyring is malformed")

def gcm_open(key, blob, aad, what):
    """nonce (12) || ciphertext || tag (16), as every wrapped blob is."""
    if len(blob) < 28:
        raise Refused(f"{what} is malformed")
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], aad)
    except Exception:
        raise Refused(f"{what} does not unwrap (wrong root secret, or the keyring was changed)")

def aad(*fields):
    """Associated data: the fields as text, NUL-separated, no terminator."""
    return b"\0".join(str(f).encode() for f in fields)

# --- the root ---------------------------------------------------------------

def root_key(root, args):
    kind = root.get("kind")
    if kind == "keyfile":
        if not args.keyfile:
            raise Refused(f"the keyring has a key-file root ({root.get('path')}): give --keyfile PATH")
        data = pathlib.Path(args.keyfile).read_bytes()
        if len(data) != 32:
            raise Refused(f"the key file holds {len(data)} bytes, not 32")
        return hkdf(data, None, b"keycask/root/keyfile/v1")
    if kind == "passphrase":
        if not args.passphrase_file:
            raise Refused("the keyring has a passphrase root: give --passphrase-file PATH")
        if root.get("kdf") != "argon2id" or root.get("version") != 19:
            raise Refused("unknown passphrase KDF")
        try:
            from argon2.low_level import Type, hash_secret_raw
        except ImportError:
            raise Refused("a passphrase root needs argon2-cffi: python3 -m pip install argon2-cffi")
        secret = pathlib.Path(args.passphrase_file).read_bytes()
        if secret.endswith(b"\n"):  # one trailing newline, as keycask reads a file
            secret = secret[:-1]
            if secret.endswith(b"\r"):
                secret = secret[:-1]
        secret.decode("utf-8")  # keycask refuses a passphrase that is not UTF-8
        return hash_secret_raw(secret, b64(root["salt"]), time_cost=root["t_cost"],
                               memory_cost=root["m_cost"], parallelism=root["p_cost"],
                               hash_len=32, type=Type.ID, version=19)
    if kind == "pkcs11":
        raise Refused("the root is a key inside a PKCS#11 token: recovery needs the token "
                      "(docs/RECOVERY.md, 'PKCS#11 roots')")
    raise Refused(f"unknown root kind {kind!r}")

# --- the keyring --------------------------------------------------------------

def canonical_json(value):
    """RFC 8785 for a keyring: ASCII member names, integer numbers only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

def ordered(obj, fields, defaults=None):
    """A format 1 object: keycask's member order, absent members omitted."""
    out = {}
    for f in fields:
        value = obj.get(f, (defaults or {}).get(f))
        if value is not None:
            out[f] = value
    return out

def format1_message(doc):
    """Keyring format 1's MAC input: keycask's own serialisation (FORMAT.md)."""
    tomb = lambda t: ordered(t, ["at", "reason"]) if t else None  # noqa: E731
    root = doc["root"]
    root_fields = {"passphrase": ["kind", "kdf", "version", "m_cost", "t_cost", "p_cost", "salt"],
                   "keyfile": ["kind", "path"], "pkcs11": ["kind", "uri"]}[root["kind"]]
    keys = {}
    for name in sorted(doc["keys"], key=lambda n: n.encode()):
        key = dict(doc["keys"][name])
        key["versions"] = [ordered(dict(v, compromised=tomb(v.get("compromised")),
                                        destruction=tomb(v.get("destruction"))),
                                   ["version", "id", "state", "created", "kek_version", "wrapped",
                                    "public_key", "compromised", "destroy_after", "destruction"])
                           for v in key["versions"]]
        key["destroyed"] = tomb(key.get("destroyed"))
        keys[name] = ordered(key, ["algorithm", "purpose", "created", "origin", "rotation_period",
                                   "primary", "versions", "destroyed"], {"origin": "generated"})
    audit = doc.get("audit")
    if audit is not None:
        audit = ordered({k: v for k, v in audit.items() if v not in ("", False)},
                        ["seq", "last", "key", "kek_version", "usage"])
    kek = {"primary": doc["kek"]["primary"],
           "versions": [ordered(v, ["version", "created", "wrapped"]) for v in doc["kek"]["versions"]]}
    out = ordered(dict(doc, root=ordered(root, root_fields), kek=kek, keys=keys, audit=audit),
                  ["kind", "format", "keyring_id", "created", "root", "kek", "keys", "audit"])
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False).encode()

def format3_message(raw, mac):
    """Keyring format 3's MAC input: the file's exact bytes before its last
    `,"mac":"`, then `}`; the `mac` member must end the document."""
    at = raw.rfind(b',"mac":"')
    tail = raw[at + len(b',"mac":"'):] if at >= 0 else b""
    if at < 0 or tail.rstrip(b" \t\r\n") != mac.encode() + b'"}':
        raise Refused("the keyring failed its integrity check (MAC): its mac member is not last")
    return raw[:at] + b"}"

def mac_message(doc, raw):
    """The bytes the keyring MAC covers, for each format (FORMAT.md)."""
    body = {k: v for k, v in doc.items() if k != "mac"}
    if doc["format"] == 3:
        return format3_message(raw, doc.get("mac", ""))
    return canonical_json(body) if doc["format"] == 2 else format1_message(body)

def unlock(doc, args, raw):
    """Every KEK version, after checking the keyring MAC. `raw` is the file."""
    if doc.get("kind") != "keycask-keyring":
        raise Refused("this file is not a keycask keyring")
    if doc.get("format") not in (1, 2, 3):
        raise Refused(f"keyring format {doc.get('format')!r} is not supported by this script")
    kid = doc["keyring_id"]
    rkey = root_key(doc["root"], args)
    keks = {}
    for v in doc["kek"]["versions"]:
        blob = b64(v["wrapped"])
        keks[v["version"]] = gcm_open(rkey, blob, aad("keycask/kek/v1", kid, v["version"]),
                                      f"KEK version {v['version']}")
    primary = keks.get(doc["kek"]["primary"])
    if primary is None:
        raise Refused("the keyring's primary KEK version is missing")
    message = mac_message(doc, raw)
    mac_key = hkdf(primary, kid.encode(), b"keycask/keyring-mac/v1")
    expected = hmac.new(mac_key, message, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, b64(doc.get("mac", ""))):
        raise Refused("the keyring failed its integrity check (MAC): it was changed outside keycask")
    return keks

def materials(doc, keks):
    """(name, key, version, material) of every version that still has one."""
    kid, out = doc["keyring_id"], []
    for name, key in sorted(doc["keys"].items()):
        for v in key["versions"]:
            if "wrapped" not in v:
                continue
            kek = keks.get(v["kek_version"])
            if kek is None:
                raise Refused(f"key {name} v{v['version']} names a missing KEK version")
            data = gcm_open(kek, b64(v["wrapped"]),
                            aad("keycask/key-material/v1", kid, name, v["version"], v["id"],
                                key["algorithm"], key["purpose"], v["kek_version"]),
                            f"key {name} v{v['version']}")
            out.append((name, key, v, data))
    return out

def check_audit(doc, keks, log_path):
    """The hash chain and record MACs of the audit log (FORMAT.md)."""
    kid, state = doc["keyring_id"], doc.get("audit")
    if state is None:
        raise Refused("the keyring has no audit state")
    audit_key = gcm_open(keks[state["kek_version"]], b64(state["key"]),
                         aad("keycask/audit-key/v1", kid, state["kek_version"]), "the audit key")
    mac_key = hkdf(audit_key, kid.encode(), b"keycask/audit-mac/v1")
    prev = hashlib.sha256(b"keycask/audit/v1\0" + kid.encode()).hexdigest()
    lines = log_path.read_bytes().split(b"\n")
    if lines[-1] != b"":
        raise Refused("the audit log's last line is incomplete")
    seq = None
    for n, line in enumerate(lines[:-1], 1):
        record = json.loads(line)
        at = line.rfind(b',"mac":"')
        tag = hmac.new(mac_key, line[:at] + b"}", hashlib.sha256).digest()
        if at < 0 or not hmac.compare_digest(tag, b64(record["mac"])):
            raise Refused(f"audit record on line {n}: MAC does not match")
        if n == 1 and record["op"] == "log-restarted":
            prev, seq = record["prev"], record["seq"] - 1
        if record["prev"] != prev or record["seq"] != (seq or 0) + 1:
            raise Refused(f"audit record on line {n}: the chain is broken")
        prev, seq = hashlib.sha256(line).hexdigest(), record["seq"]
        if seq == state["seq"] and prev != state.get("last"):
            raise Refused(f"audit record {seq} is not the one the keyring knows")
    if (seq or 0) < state["seq"]:
        raise Refused("the audit log ends before the last record the keyring knows")
    return seq or 0

# --- envelopes ----------------------------------------------------------------

BEGIN, END = b"-----BEGIN KEYCASK ENVELOPE-----", b"-----END KEYCASK ENVELOPE-----"
BLANK = b" \t\n\r\f"  # armor's blank space: not \v

def dearmor(data):
    text = data.lstrip(BLANK)
    if not text.startswith(b"-"):
        return data
    if len(data) - len(text) > 4096:
        raise Refused("bad armor: more than 4096 blank bytes before the begin line")
    lines = [line.rstrip(BLANK) for line in text.rstrip(BLANK).split(b"\n")]
    if lines[0] != BEGIN or lines[-1] != END:
        raise Refused("bad armor: begin or end line")
    body = lines[1:-1]
    for i, line in enumerate(body):
        if not 0 < len(line) <= 64 or (len(line) < 64 and i != len(body) - 1):
            raise Refused("bad armor: line length")
    try:
        binary = base64.b64decode(b"".join(body), validate=True)
    except Exception:
        raise Refused("bad armor: base64")
    if base64.b64encode(binary) != b"".join(body):
        raise Refused("bad armor: non-canonical base64")
    return binary

def open_envelope(data, versions, transports):
    """versions: version id (16 bytes) -> material; transports: fingerprint -> private key."""
    data = dearmor(data)
    if data[:8] != b"KCASKENV":
        raise Refused("not a keycask envelope")
    if len(data) < 12:
        raise Refused("the envelope is truncated")
    fmt, h = data[8], struct.unpack(">H", data[10:12])[0]
    if fmt not in (1, 2) or data[9] != 1:
        raise Refused(f"envelope format {fmt} is not supported")
    if len(data) < h:
        raise Refused("the envelope is truncated")
    header, payload = data[:h], data[h:]
    chunk_size, salt = struct.unpack(">I", header[12:16])[0], header[16:48]
    if not 64 <= chunk_size <= 1 << 24:
        raise Refused("the envelope is damaged")
    cek = None
    if fmt == 1:
        n = header[64]
        m = struct.unpack(">H", header[65 + n:67 + n])[0]
        if h != 179 + n + m:
            raise Refused("the envelope is damaged")
        vid, wrapped = header[67 + n + m:83 + n + m], header[87 + n + m:147 + n + m]
        if vid not in versions:
            raise Refused(f"no key version {vid.hex()} in this keyring")
        cek = gcm_open(versions[vid], wrapped, b"keycask/envelope/v1/cek" + header[:h - 92], "the CEK")
        mac_info = b"keycask/envelope/v1/header-mac"
    else:
        m = struct.unpack(">H", header[48:50])[0]
        binding, count, at, stanzas = header[12:50 + m], header[50 + m], 51 + m, []
        for _ in range(count):
            kind, length = header[at], struct.unpack(">H", header[at + 1:at + 3])[0]
            stanzas.append((kind, header[at + 3:at + 3 + length]))
            at += 3 + length
        if at != h - 32 or not 1 <= count <= 16:
            raise Refused("the envelope is damaged")
        for kind, body in stanzas:
            if kind == 1 and len(body) > 17 and body[17 + body[16]:33 + body[16]] in versions:
                vid, fields, wrapped = body[17 + body[16]:33 + body[16]], body[:-60], body[-60:]
                key = hkdf(versions[vid], salt, b"keycask/envelope/v2/key-wrap" + vid)
                cek = gcm_open(key, wrapped, b"keycask/envelope/v2/key-stanza" + binding + fields,
                               "the CEK")
                break
            if kind in (2, 3) and body[:32] in transports:
                label = {2: b"keycask/envelope/v2/hpke-p256", 3: b"keycask/envelope/v2/rsa-oaep-256"}
                r = label[kind] + hashlib.sha256(binding + body[:32]).digest()
                cek = open_recipient(kind, transports[body[:32]], body[32:], r)
                break
        if cek is None:
            raise Refused("no stanza of this envelope is for a key of this keyring")
        mac_info = b"keycask/envelope/v2/header-mac"
    mac = hmac.new(hkdf(cek, salt, mac_info), header[:-32], hashlib.sha256).digest()
    if not hmac.compare_digest(mac, header[-32:]):
        raise Refused("the envelope is damaged or was tampered with")
    aead, piece, out, i = AESGCM(hkdf(cek, salt, b"keycask/envelope/v1/payload")), chunk_size + 16, [], 0
    if not payload:
        raise Refused("the envelope is damaged or was tampered with")
    while payload:
        chunk, payload = payload[:piece], payload[piece:]
        last = not payload
        if len(chunk) < 16 or (last and i > 0 and len(chunk) == 16):
            raise Refused("the envelope is damaged or was tampered with")
        try:
            out.append(aead.decrypt(i.to_bytes(11, "big") + bytes([last]), chunk, None))
        except Exception:
            raise Refused("the envelope is damaged or was tampered with")
        i += 1
    return b"".join(out)

def open_recipient(kind, private, sealed, r):
    if kind == 3:
        try:
            return private.decrypt(sealed, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                        algorithm=hashes.SHA256(), label=r))
        except Exception:
            raise Refused("the envelope is damaged or was tampered with")
    try:
        from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKey
    except ImportError:
        raise Refused("an HPKE P-256 stanza needs an HPKE implementation (pyhpke); "
                      "this script does not open it")
    suite = CipherSuite.new(KEMId.DHKEM_P256_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)
    skr = KEMKey.from_pem(private.private_bytes(serialization.Encoding.PEM,
                                                serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    try:
        context = suite.create_recipient_context(sealed[:65], skr, info=r)
        return context.open(sealed[65:], aad=b"")
    except Exception:
        raise Refused("the envelope is damaged or was tampered with")

# --- the command --------------------------------------------------------------

def out_name(envelope, out_dir):
    name = os.path.basename(envelope)
    for suffix in (".asc", ".kc"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[:-len(suffix)]
    if name == os.path.basename(envelope):
        name += ".plain"
    return pathlib.Path(out_dir) / name

def write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)

def main(argv):
    p = argparse.ArgumentParser(prog="recover.py", description=__doc__.split("\n\n")[0])
    p.add_argument("keyring")
    p.add_argument("envelopes", nargs="*", metavar="ENVELOPE")
    p.add_argument("--keyfile", help="the root key file (key-file root)")
    p.add_argument("--passphrase-file", help="a file holding the passphrase (passphrase root)")
    p.add_argument("--show-keys", choices=["hex", "base64"], help="print every version's material")
    p.add_argument("--keys-dir", help="write NAME.vN.key per version (raw AES key, PKCS#8 PEM)")
    p.add_argument("--audit", action="store_true", help="check the audit log beside the keyring")
    p.add_argument("-o", "--output", help="the plaintext of the one ENVELOPE")
    p.add_argument("--out-dir", help="one plaintext per ENVELOPE, named after it")
    args = p.parse_intermixed_args(argv)
    if args.output and len(args.envelopes) != 1 or len(args.envelopes) > 1 and not args.out_dir:
        p.error("-o takes one ENVELOPE; give --out-dir DIR for several")
    try:
        raw = pathlib.Path(args.keyring).read_bytes()
        doc = json.loads(raw)
        keks = unlock(doc, args, raw)
        found = materials(doc, keks)
        print(f"recover.py: keyring {doc['keyring_id']}: MAC verified, {len(keks)} KEK "
              f"version(s), {len(found)} key version(s) unwrapped", file=sys.stderr)
        if args.audit:
            log = pathlib.Path(args.keyring + ".audit.jsonl")
            print(f"recover.py: audit log verified: {check_audit(doc, keks, log)} records",
                  file=sys.stderr)
        versions, transports = {}, {}
        for name, key, v, data in found:
            if args.show_keys:
                text = data.hex() if args.show_keys == "hex" else base64.b64encode(data).decode()
                print(f"{name} v{v['version']} {v['id']} {key['algorithm']} {key['purpose']} "
                      f"{v['state']} {text}")
            if args.keys_dir:
                out = data
                if key["algorithm"] != "aes256-gcm":
                    out = serialization.load_der_private_key(data, None).private_bytes(
                        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption())
                write_private(pathlib.Path(args.keys_dir) / f"{name}.v{v['version']}.key", out)
            if key["algorithm"] == "aes256-gcm":
                versions[bytes.fromhex(v["id"])] = data
            elif key["purpose"] == "transport":
                transports[hashlib.sha256(b64(v["public_key"])).digest()] = \
                    serialization.load_der_private_key(data, None)
        for path in args.envelopes:
            plain = open_envelope(pathlib.Path(path).read_bytes(), versions, transports)
            if args.out_dir:
                write_private(out_name(path, args.out_dir), plain)
            elif args.output:
                write_private(args.output, plain)
            else:
                sys.stdout.buffer.write(plain)
    except Refused as why:
        print(f"recover.py: error: {why}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError, TypeError, IndexError, struct.error) as why:
        print(f"recover.py: error: {type(why).__name__}: {why}", file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
