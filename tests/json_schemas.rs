//! One test per `--json` schema: each produces the document from the real
//! binary, checks its `schema` field, and checks it against docs/JSON.md —
//! every field the document holds is documented there, and every top-level
//! field documented there is present.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::util::TestDir;

/// A schema's documented field paths (`keys[].name`), and those whose value
/// is a free-form map (not descended into).
#[derive(Default)]
struct Documented {
    fields: BTreeSet<String>,
    maps: BTreeSet<String>,
}

fn documented() -> BTreeMap<String, Documented> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/JSON.md"),
    )
    .unwrap();
    let mut all: BTreeMap<String, Documented> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## `") {
            current = heading.split('`').next().map(str::to_string);
            all.entry(current.clone().unwrap()).or_default();
            continue;
        }
        let (Some(schema), Some(row)) = (&current, line.strip_prefix("| `")) else {
            continue;
        };
        let cells: Vec<&str> = row.split(" | ").collect();
        let entry = all.get_mut(schema).unwrap();
        for name in format!("`{}", cells[0]).split(", ") {
            let name = name.trim().trim_matches('`').to_string();
            if cells.get(1).is_some_and(|t| t.contains("(map)")) {
                entry.maps.insert(name.clone());
            }
            entry.fields.insert(name);
        }
    }
    all
}

fn paths(value: &Value, prefix: &str, maps: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (name, inner) in fields {
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                out.insert(path.clone());
                if !maps.contains(&path) {
                    paths(inner, &path, maps, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                paths(item, &format!("{prefix}[]"), maps, out);
            }
        }
        _ => {}
    }
}

/// Checks a document against its section of docs/JSON.md.
#[track_caller]
fn check(doc: &Value, schema: &str) {
    check_without(doc, schema, &[]);
}

/// `check`, for a document that docs/JSON.md says lacks `absent`.
#[track_caller]
fn check_without(doc: &Value, schema: &str, absent: &[&str]) {
    assert_eq!(doc["schema"], schema, "{doc:#}");
    let all = documented();
    let documented = all
        .get(schema)
        .unwrap_or_else(|| panic!("docs/JSON.md has no section for {schema}"));
    let mut actual = BTreeSet::new();
    paths(doc, "", &documented.maps, &mut actual);
    let undocumented: Vec<&String> = actual.difference(&documented.fields).collect();
    assert!(
        undocumented.is_empty(),
        "{schema}: fields missing from docs/JSON.md: {undocumented:?}\n{doc:#}"
    );
    let missing: Vec<&String> = documented
        .fields
        .iter()
        .filter(|f| !f.contains('.') && !f.contains("[]"))
        .filter(|f| !actual.contains(*f) && !absent.contains(&f.as_str()))
        .collect();
    // `rekey` has `summary.rekeyed` or `summary.would_rekey`; top level only.
    assert!(
        missing.is_empty(),
        "{schema}: documented fields absent from the document: {missing:?}\n{doc:#}"
    );
}

fn ring() -> TestDir {
    let t = TestDir::new();
    t.init_keyfile();
    t
}

#[test]
fn every_schema_in_the_docs_has_a_test_here() {
    let source = include_str!("json_schemas.rs");
    for schema in documented().keys() {
        let quoted = format!("\"{schema}\"");
        assert!(
            source.contains(&quoted),
            "docs/JSON.md documents {schema}, but no test checks it"
        );
    }
}

#[test]
fn every_json_document_of_the_program_is_documented() {
    // Each `"schema": "keycask.x/1"` literal in the sources has a section.
    let documented = documented();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut found = BTreeSet::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("\"keycask.").skip(1) {
                    if let Some(name) = piece.split('"').next()
                        && name.ends_with("/1")
                        && !name.contains(' ')
                    {
                        found.insert(format!("keycask.{name}"));
                    }
                }
            }
        }
    }
    assert!(found.len() >= 10, "{found:?}");
    for schema in &found {
        assert!(
            documented.contains_key(schema),
            "{schema} is printed by the program but not documented in docs/JSON.md"
        );
    }
}

#[test]
fn init() {
    let t = TestDir::new();
    let spec = format!("keyfile:{}", t.join("root.key").display());
    let doc = t.run(&["init", "--root", &spec, "--json"]).ok().json();
    check(&doc, "keycask.init/1");
}

#[test]
fn keygen() {
    let t = ring();
    let doc = t
        .run(&["keygen", "sig", "--type", "p256", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.keygen/1");
    assert!(doc["fingerprint"].as_str().unwrap().starts_with("SHA256:"));
}

#[test]
fn list() {
    let t = ring();
    t.run(&["keygen", "backups", "--rotate-every", "90d"]).ok();
    t.run(&["keygen", "gone"]).ok();
    t.run(&["destroy", "gone", "--now", "--yes", "--reason", "test"])
        .ok();
    let doc = t.run(&["list", "--json"]).ok().json();
    check(&doc, "keycask.list/1");
    assert_eq!(doc["keys"].as_array().unwrap().len(), 2);
    assert_eq!(doc["keys"][1]["destroyed"]["reason"], "test");
}

#[test]
fn show() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups", "--compromised", "--reason", "lost"])
        .ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["destroy", "backups", "--version", "1", "--now", "--yes"])
        .ok();
    t.run(&[
        "destroy",
        "backups",
        "--version",
        "2",
        "--after",
        "7d",
        "--yes",
    ])
    .ok();
    let doc = t.run(&["show", "backups", "--json"]).ok().json();
    check(&doc, "keycask.key/1");
    assert_eq!(doc["versions"][0]["state"], "destroyed");
    assert_eq!(doc["versions"][1]["state"], "destroy-scheduled");
}

#[test]
fn rotate() {
    let t = ring();
    t.run(&["keygen", "backups", "--rotate-every", "30d"]).ok();
    let doc = t.run(&["rotate", "backups", "--json"]).ok().json();
    check(&doc, "keycask.rotate/1");
    assert_eq!(doc["new_version"], 2);
}

#[test]
fn rotate_due() {
    let t = ring();
    t.run(&["keygen", "backups", "--rotate-every", "30d"]).ok();
    let later = |args: &[&str]| {
        let cmd = t.command_at("2099-01-01T00:00:00Z");
        t.run_with(cmd, args, None).ok().json()
    };
    let dry = later(&["rotate", "--due", "--dry-run", "--json"]);
    check(&dry, "keycask.rotate-due/1");
    assert_eq!(dry["would_rotate"][0]["name"], "backups");
    let done = later(&["rotate", "--due", "--json"]);
    check(&done, "keycask.rotate-due/1");
    assert_eq!(done["rotated"][0]["new_version"], 2);
}

#[test]
fn rotate_kek() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    let doc = t.run(&["rotate", "--kek", "--json"]).ok().json();
    check(&doc, "keycask.rotate-kek/1");
    assert_eq!(doc["new_kek_version"], 2);
}

#[test]
fn rotate_root() {
    let t = ring();
    let to = format!("keyfile:{}", t.join("new.key").display());
    let doc = t
        .run(&["rotate", "--root", "--to", &to, "--json"])
        .ok()
        .json();
    check(&doc, "keycask.rotate-root/1");
}

#[test]
fn version_state() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let doc = t
        .run(&["disable", "backups", "--version", "1", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.version-state/1");
    let doc = t
        .run(&["enable", "backups", "--version", "1", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.version-state/1");
    assert_eq!(doc["state"], "enabled");
}

#[test]
fn rekey() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    std::fs::create_dir(t.join("archive")).unwrap();
    t.run_stdin(&["wrap", "-k", "backups", "-o", "archive/a.kc"], b"data")
        .ok();
    std::fs::write(t.join("archive/notes.txt"), "not an envelope").unwrap();
    t.run(&["rotate", "backups"]).ok();
    let dry = t
        .run(&["rekey", "--dry-run", "archive", "--json"])
        .ok()
        .json();
    check(&dry, "keycask.rekey/1");
    assert_eq!(dry["summary"]["would_rekey"], 1);
    let done = t.run(&["rekey", "archive", "--json"]).ok().json();
    check(&done, "keycask.rekey/1");
    assert_eq!(done["summary"]["rekeyed"], 1);
}

#[test]
fn reencrypt() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    std::fs::create_dir(t.join("archive")).unwrap();
    t.run_stdin(&["wrap", "-k", "backups", "-o", "archive/a.kc"], b"data")
        .ok();
    std::fs::write(t.join("archive/notes.txt"), "not an envelope").unwrap();
    t.run(&["rotate", "backups", "--compromised"]).ok();
    let dry = t
        .run(&["rekey", "--reencrypt", "--dry-run", "archive", "--json"])
        .ok()
        .json();
    check(&dry, "keycask.reencrypt/1");
    assert_eq!(dry["summary"]["would_reencrypt"], 1);
    assert_eq!(dry["files"][0]["keys"][0]["compromised"], true);
    let done = t
        .run(&["rekey", "--reencrypt", "archive", "--json"])
        .ok()
        .json();
    check(&done, "keycask.reencrypt/1");
    assert_eq!(done["summary"]["reencrypted"], 1);
    assert_eq!(done["summary"]["bytes"], done["files"][0]["bytes"]);
}

#[test]
fn destroy() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let scheduled = t
        .run(&[
            "destroy",
            "backups",
            "--version",
            "1",
            "--after",
            "7d",
            "--yes",
            "--json",
        ])
        .ok()
        .json();
    check(&scheduled, "keycask.destroy/1");
    assert_eq!(scheduled["action"], "scheduled");
    let cancelled = t
        .run(&["destroy", "--cancel", "backups", "--version", "1", "--json"])
        .ok()
        .json();
    // docs/JSON.md: cancelled and purged documents hold only these fields.
    let short = [
        "at",
        "destroy_after",
        "reason",
        "kek_version",
        "kek_rotated",
        "checked",
    ];
    check_without(&cancelled, "keycask.destroy/1", &short);
    assert_eq!(cancelled["action"], "cancelled");
    let now = t
        .run(&[
            "destroy",
            "backups",
            "--version",
            "2",
            "--now",
            "--yes",
            "--check",
            ".",
            "--json",
        ])
        .ok()
        .json();
    check(&now, "keycask.destroy/1");
    assert_eq!(now["checked"]["paths"][0], ".");
    t.run(&["keygen", "old"]).ok();
    t.run(&["destroy", "old", "--now", "--yes"]).ok();
    let purged = t
        .run(&["destroy", "old", "--purge", "--yes", "--json"])
        .ok()
        .json();
    check_without(&purged, "keycask.destroy/1", &short);
    assert_eq!(purged["action"], "purged");
}

#[test]
fn destroy_pending() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    t.run(&["rotate", "backups"]).ok();
    let at = |now: &str, args: &[&str]| t.run_with(t.command_at(now), args, None).ok();
    at(
        "2026-01-01T00:00:00Z",
        &[
            "destroy",
            "backups",
            "--version",
            "1",
            "--after",
            "1d",
            "--yes",
        ],
    );
    at(
        "2026-01-01T00:00:00Z",
        &[
            "destroy",
            "backups",
            "--version",
            "2",
            "--after",
            "30d",
            "--yes",
        ],
    );
    let dry = at(
        "2026-01-03T00:00:00Z",
        &["destroy", "--pending", "--dry-run", "--json"],
    )
    .json();
    check(&dry, "keycask.destroy-pending/1");
    assert_eq!(dry["would_destroy"][0]["version"], 1);
    let doc = at("2026-01-03T00:00:00Z", &["destroy", "--pending", "--json"]).json();
    check(&doc, "keycask.destroy-pending/1");
    assert_eq!(doc["destroyed"][0]["version"], 1);
    assert_eq!(doc["scheduled"][0]["version"], 2);
}

#[test]
fn inspect() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    t.run_stdin(
        &["wrap", "-k", "backups", "-c", "env=prod", "-o", "a.kc"],
        b"data",
    )
    .ok();
    let doc = t.run(&["inspect", "a.kc", "--json"]).ok().json();
    check(&doc, "keycask.inspect/1");
    assert_eq!(doc["envelopes"][0]["context"]["env"], "prod");
    // A file that is not an envelope gets an entry with an error.
    std::fs::write(t.join("junk"), "junk").unwrap();
    let run = t.run(&["inspect", "a.kc", "junk", "--json"]);
    assert_eq!(run.code(), 2, "not an envelope: exit 2 (issue 18)");
    let doc = run.json();
    check(&doc, "keycask.inspect/1");
    assert!(doc["envelopes"][1]["error"].is_string());
}

#[test]
fn datakey() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    let doc = t
        .run(&["datakey", "-k", "backups", "-c", "app=x", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.datakey/1");
    assert_eq!(doc["context"]["app"], "x");
}

#[test]
fn export_public() {
    let t = ring();
    t.run(&["keygen", "sig", "--type", "p256"]).ok();
    let doc = t.run(&["export", "sig", "--public", "--json"]).ok().json();
    check(&doc, "keycask.export-public/1");
    assert_eq!(doc["jwk"]["crv"], "P-256");
}

/// Two keyrings: `a.json` exports `backups` sealed to `inbox` of `b.json`,
/// signed by `sig`; `b.json` imports it.
#[test]
fn export_bundle_and_import() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["keygen", "sig", "--type", "p256"]).ok();
    let b = t.join("b.json");
    let b = b.to_str().unwrap();
    let b_root = format!("keyfile:{}", t.join("b.key").display());
    t.run(&["--keyring", b, "init", "--root", &b_root]).ok();
    t.run(&[
        "--keyring",
        b,
        "keygen",
        "inbox",
        "--type",
        "p256",
        "--purpose",
        "transport",
    ])
    .ok();
    t.run(&[
        "--keyring",
        b,
        "export",
        "inbox",
        "--public",
        "-o",
        "inbox.pem",
    ])
    .ok();
    t.run(&["export", "sig", "--public", "-o", "sig.pem"]).ok();
    let doc = t
        .run(&[
            "export",
            "backups",
            "--to",
            "inbox.pem",
            "--sign-with",
            "sig",
            "-o",
            "b.kcx",
            "--json",
        ])
        .ok()
        .json();
    check(&doc, "keycask.export-bundle/1");
    let doc = t
        .run(&[
            "--keyring",
            b,
            "import",
            "--bundle",
            "b.kcx",
            "--with",
            "inbox",
            "--verify-with",
            "sig.pem",
            "--json",
        ])
        .ok()
        .json();
    check_without(&doc, "keycask.import/1", &["fingerprint"]);
    assert_eq!(doc["signature_verified"], true);
    // Where the version came from, in `show`; which key opened an
    // envelope, in `unwrap -o FILE --json`.
    let doc = t
        .run(&["--keyring", b, "show", "backups", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.key/1");
    assert_eq!(doc["versions"][0]["source"]["key"], "backups");
    t.run_stdin(
        &["wrap", "-k", "backups", "-c", "env=prod", "-o", "a.kc"],
        b"data",
    )
    .ok();
    let doc = t
        .run(&["--keyring", b, "unwrap", "a.kc", "-o", "a.out", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.unwrap/1");
    assert_eq!(doc["origin"]["source_key"], "backups");
    assert_eq!(doc["context"]["env"], "prod");
    // A raw import has no bundle fields.
    std::fs::write(t.join("raw.key"), [9u8; 32]).unwrap();
    let doc = t
        .run(&[
            "import",
            "legacy",
            "--raw",
            "raw.key",
            "--type",
            "aes256-gcm",
            "--json",
        ])
        .ok()
        .json();
    check_without(
        &doc,
        "keycask.import/1",
        &[
            "source_keyring",
            "already_present",
            "signer_fingerprint",
            "signature_verified",
        ],
    );
}

#[test]
fn sign_and_verify() {
    let t = ring();
    t.run(&["keygen", "sig", "--type", "p256"]).ok();
    std::fs::write(t.join("f"), "data").unwrap();
    let doc = t
        .run(&["sign", "-k", "sig", "f", "-o", "f.sig", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.sign/1");
    let doc = t
        .run(&["verify", "-k", "sig", "--signature", "f.sig", "f", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.verify/1");
    assert_eq!(doc["valid"], true);
}

#[test]
fn audit_config_and_verify() {
    let t = ring();
    t.run(&["keygen", "backups"]).ok();
    let doc = t
        .run(&["config", "audit-usage", "on", "--json"])
        .ok()
        .json();
    check(&doc, "keycask.config/1");
    assert_eq!(doc["audit_usage"], true);
    t.run_stdin(&["wrap", "-k", "backups", "-o", "a.kc"], b"x")
        .ok();
    let doc = t.run(&["audit", "--json"]).ok().json();
    check(&doc, "keycask.audit/1");
    assert!(doc["records"].as_array().unwrap().len() >= 2, "{doc:#}");
    let doc = t.run(&["audit", "verify", "--json"]).ok().json();
    check(&doc, "keycask.audit-verify/1");
    assert_eq!(doc["ok"], true);
}

#[test]
fn unlock_and_lock() {
    let t = ring();
    let agent = crate::agent::Agent::start(&t);
    let doc = t
        .run_with(agent.command(&t), &["unlock", "--json"], None)
        .ok()
        .json();
    check(&doc, "keycask.unlock/1");
    assert_eq!(doc["agent_pid"], agent.pid);
    let doc = t
        .run_with(agent.command(&t), &["lock", "--json"], None)
        .ok()
        .json();
    check(&doc, "keycask.lock/1");
    assert_eq!(doc["keyrings"].as_array().unwrap().len(), 1);
}
