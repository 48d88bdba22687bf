#!/usr/bin/env python3
"""Writes vectors.json for each keyring vector, from contrib/recover.py (the
independent reader), and once (--lower) moves passphrase/ to the minimum
Argon2id parameters keycask accepts (m = 19456 KiB, t = 2, p = 1): KEK
re-wrapped, MAC recomputed, as keycask would. tests/vectors_keyring.rs checks
every value through keycask's own code.

    python3 tests/vectors/keyring/make.py [--lower]
"""
import base64, hashlib, hmac, importlib.util, json, os, pathlib, sys, types

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("recover", HERE.parents[2] / "contrib/recover.py")
rec = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rec)


def args_for(d):
    return types.SimpleNamespace(keyfile=str(d / "root.key") if (d / "root.key").exists() else None,
                                 passphrase_file=str(d / "passphrase.txt"))


def lower(d):
    raw = (d / "keyring.json").read_bytes()
    doc = json.loads(raw)
    keks = rec.unlock(doc, args_for(d), raw)
    doc["root"].update(m_cost=19456, t_cost=2, p_cost=1)
    rkey = rec.root_key(doc["root"], args_for(d))
    for v in doc["kek"]["versions"]:
        nonce = os.urandom(12)
        blob = nonce + AESGCM(rkey).encrypt(nonce, keks[v["version"]],
                                           rec.aad("keycask/kek/v1", doc["keyring_id"], v["version"]))
        v["wrapped"] = base64.b64encode(blob).decode()
    body = {k: v for k, v in doc.items() if k != "mac"}
    mac_key = rec.hkdf(keks[doc["kek"]["primary"]], doc["keyring_id"].encode(), b"keycask/keyring-mac/v1")
    doc["mac"] = base64.b64encode(hmac.new(mac_key, rec.canonical_json(body), hashlib.sha256).digest()).decode()
    (d / "keyring.json").write_text(json.dumps(doc, indent=2) + "\n")


def vectors(d):
    raw = (d / "keyring.json").read_bytes()
    doc = json.loads(raw)
    kid, a = doc["keyring_id"], args_for(d)
    keks = rec.unlock(doc, a, raw)
    message = rec.mac_message(doc, raw)
    state = doc["audit"]
    audit_key = rec.gcm_open(keks[state["kek_version"]], rec.b64(state["key"]),
                             rec.aad("keycask/audit-key/v1", kid, state["kek_version"]), "audit key")
    lines = (d / "keyring.json.audit.jsonl").read_bytes().split(b"\n")[:-1]
    return {
        "root_key": rec.root_key(doc["root"], a).hex(),
        "keks": {str(k): v.hex() for k, v in keks.items()},
        "mac_key": rec.hkdf(keks[doc["kek"]["primary"]], kid.encode(), b"keycask/keyring-mac/v1").hex(),
        "mac_input_sha256": hashlib.sha256(message).hexdigest(),
        "mac": doc["mac"],
        "materials": [{"key": n, "version": v["version"], "id": v["id"], "material": m.hex()}
                      for n, _, v, m in rec.materials(doc, keks)],
        "audit_key": audit_key.hex(),
        "audit_mac_key": rec.hkdf(audit_key, kid.encode(), b"keycask/audit-mac/v1").hex(),
        "audit_records": rec.check_audit(doc, keks, d / "keyring.json.audit.jsonl"),
        "audit_line_sha256": [hashlib.sha256(line).hexdigest() for line in lines],
        "audit_genesis": hashlib.sha256(b"keycask/audit/v1\0" + kid.encode()).hexdigest(),
    }


if "--lower" in sys.argv:
    lower(HERE / "passphrase")
for name in ["v3", "keyfile", "passphrase", "v1"]:
    (HERE / name / "vectors.json").write_text(json.dumps(vectors(HERE / name), indent=2) + "\n")
    print("wrote", name)
