//! Storage: `init` creates a keyring; `list` and `show` read its metadata
//! without unlocking it (nothing they print is secret).

use std::io::Write;

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use serde_json::{Value, json};

use crate::Context;
use crate::clock::{self, Timestamp};
use crate::crypto::material;
use crate::keyring::{
    Event, Key, KeyVersion, Keyring, Origin, Session, Tombstone, VersionState, file, find_key,
};
use crate::output;
use crate::root::{self, RootSpec, passphrase};

pub fn init(ctx: &Context, spec: &RootSpec, audit_usage: bool) -> Result<()> {
    // Refuse early, before asking for a passphrase, when a keyring exists.
    file::prepare_new(&ctx.keyring_path)?;
    let passphrase = match spec {
        RootSpec::Passphrase => Some(passphrase::read_new_for(&ctx.sources)?),
        _ => None,
    };
    let root = root::create(spec, passphrase.as_ref(), &ctx.sources)?;
    let mut session = Session::create(&ctx.keyring_path, root)?;
    if audit_usage {
        session.keyring.set_audit_usage(true)?;
        session.events[0] = Event::new("init").detail("audit-usage on");
    }
    let id = session.keyring.doc.keyring_id.clone();
    let root_desc = session.keyring.doc.root.describe();
    session.commit()?;
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.init/1",
            "keyring": ctx.keyring_path,
            "keyring_id": id,
            "root": root_desc,
        }))
    } else {
        ctx.report(format_args!(
            "created keyring {} (id {id}, root: {root_desc})",
            ctx.keyring_path.display()
        ))?;
        Ok(())
    }
}

/// Rotation status of a key at `now`, for people. `explain` says why a key
/// scheduled for destruction is not due (`show`); `list` has no room for it
/// and says so in its NOTES column.
fn rotation_text(key: &Key, now: Timestamp, explain: bool) -> String {
    match (key.rotation_period, key.rotation_due()) {
        (Some(period), Some(due)) if due <= now => format!(
            "every {}, OVERDUE since {}",
            clock::format_duration(period),
            clock::format_date(due)
        ),
        (Some(period), Some(due)) => format!(
            "every {}, due {}",
            clock::format_duration(period),
            clock::format_date(due)
        ),
        (Some(period), None) if key.destroyed.is_some() => format!(
            "every {}, never due: the key was destroyed",
            clock::format_duration(period)
        ),
        (Some(period), None) if key.scheduled_for_destruction() => format!(
            "every {}, not due{}",
            clock::format_duration(period),
            if explain {
                ": the key is scheduled for destruction"
            } else {
                ""
            }
        ),
        _ => "-".to_string(),
    }
}

/// An age for people: whole days, or hours under a day.
fn age_text(seconds: u64) -> String {
    if seconds >= 86_400 {
        format!("{}d", seconds / 86_400)
    } else {
        format!("{}h", seconds / 3_600)
    }
}

fn version_flags(v: &KeyVersion) -> String {
    let mut flags = Vec::new();
    if v.compromised.is_some() {
        flags.push("COMPROMISED".to_string());
    }
    if let Some(after) = v.destroy_after {
        flags.push(format!("destroy after {}", clock::format_time(after)));
    }
    if let Some(t) = &v.destruction {
        if v.wrapped.is_none() {
            flags.push(format!("destroyed {}", clock::format_date(t.at)));
        }
        if let Some(reason) = &t.reason {
            flags.push(format!("reason: {reason}"));
        }
    }
    flags.join(", ")
}

/// A key as `list --json` and `show --json` print it. A struct rather than a
/// `json!` value: `list --json` on 10,000 keys spent most of its time
/// building and dropping maps. Fields in alphabetical order, the order
/// serde_json's maps print in, which the documents have always had.
#[derive(Serialize)]
struct KeySummary<'a> {
    algorithm: &'static str,
    compromised_versions: Vec<u32>,
    created: String,
    destroyed: Option<TombstoneJson<'a>>,
    name: &'a str,
    origin: Origin,
    primary: u32,
    primary_age_seconds: Option<u64>,
    primary_created: Option<String>,
    purpose: &'static str,
    rotation_due: Option<String>,
    rotation_overdue: bool,
    rotation_period: Option<String>,
    versions: usize,
}

/// `list --json` (keycask.list/1), fields in the order of [`KeySummary`]'s.
#[derive(Serialize)]
struct ListDocument<'a> {
    keyring: &'a std::path::Path,
    keyring_id: &'a str,
    keys: Vec<KeySummary<'a>>,
    root: RootJson,
    schema: &'static str,
}

/// The root in `list --json`: its kind and its one-line description.
#[derive(Serialize)]
struct RootJson {
    description: String,
    kind: &'static str,
}

/// A tombstone in JSON: its time and its reason, `null` when none was given.
#[derive(Serialize)]
struct TombstoneJson<'a> {
    at: String,
    reason: Option<&'a str>,
}

impl<'a> TombstoneJson<'a> {
    fn of(t: &'a Tombstone) -> Self {
        TombstoneJson {
            at: clock::format_time(t.at),
            reason: t.reason.as_deref(),
        }
    }
}

fn key_summary<'a>(name: &'a str, key: &'a Key, now: Timestamp) -> KeySummary<'a> {
    let due = key.rotation_due();
    let primary = key.primary_version();
    KeySummary {
        algorithm: key.algorithm.as_str(),
        compromised_versions: key
            .versions
            .iter()
            .filter(|v| v.compromised.is_some())
            .map(|v| v.version)
            .collect(),
        created: clock::format_time(key.created),
        destroyed: key.destroyed.as_ref().map(TombstoneJson::of),
        name,
        origin: key.origin,
        primary: key.primary,
        primary_age_seconds: primary.map(|v| now.saturating_sub(v.created)),
        primary_created: primary.map(|v| clock::format_time(v.created)),
        purpose: key.purpose.as_str(),
        rotation_due: due.map(clock::format_time),
        rotation_overdue: due.is_some_and(|d| d <= now),
        rotation_period: key.rotation_period.map(clock::format_duration),
        versions: key.versions.len(),
    }
}

fn version_json(v: &KeyVersion, primary: u32) -> Value {
    let fingerprint = v
        .public_key
        .as_deref()
        .and_then(|b| B64.decode(b).ok())
        .map(|der| material::fingerprint(&der));
    json!({
        "version": v.version,
        "id": v.id,
        "state": v.state.to_string(),
        "primary": v.version == primary,
        "created": clock::format_time(v.created),
        "kek_version": v.kek_version,
        "public_key_fingerprint": fingerprint,
        "compromised": v.compromised.as_ref().map(TombstoneJson::of),
        "destroy_after": v.destroy_after.map(clock::format_time),
        "destruction": v.destruction.as_ref().map(TombstoneJson::of),
        "source": v.source.as_ref().map(|s| json!({
            "keyring": s.keyring,
            "key": s.key,
            "signer": s.signer,
        })),
    })
}

/// `show`'s lines on where imported versions came from: one per source,
/// with the versions that came from it.
fn source_lines(key: &Key) -> Vec<String> {
    let mut sources: Vec<(&crate::keyring::Source, Vec<u32>)> = Vec::new();
    for v in &key.versions {
        let Some(source) = &v.source else { continue };
        match sources.iter_mut().find(|(s, _)| *s == source) {
            Some((_, numbers)) => numbers.push(v.version),
            None => sources.push((source, vec![v.version])),
        }
    }
    let mut lines: Vec<String> = sources
        .into_iter()
        .map(|(s, numbers)| {
            format!(
                "key '{}' of keyring {} (v{}), {}",
                s.key,
                s.keyring,
                numbers
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", v"),
                match &s.signer {
                    Some(fp) => format!("signature by {fp} verified"),
                    None => "origin unverified".to_string(),
                }
            )
        })
        .collect();
    if key.origin == Origin::Imported {
        let unrecorded: Vec<String> = key
            .versions
            .iter()
            .filter(|v| v.source.is_none())
            .map(|v| format!("v{}", v.version))
            .collect();
        if !unrecorded.is_empty() {
            lines.push(format!(
                "this keyring ({}): made here, imported with --raw/--pem, or from a bundle imported before keycask recorded origins",
                unrecorded.join(", ")
            ));
        }
    }
    lines
}

/// `list --names`: the key names, one per line, for shell completion. Reads
/// the file without unlocking it; destroyed keys' tombstones are included
/// (`destroy --purge NAME` completes them too). With a purpose, only the
/// live keys of that purpose (what `wrap -k`, `sign -k` or `import --with`
/// can use).
pub fn list_names(ctx: &Context, purpose: Option<crate::key::Purpose>) -> Result<()> {
    let doc = file::read_lazy(&ctx.keyring_path)?;
    doc.parse_all_keys()?;
    let mut out = crate::output::report_stdout();
    let fits = |key: &Key| purpose.is_none_or(|p| key.purpose == p && key.destroyed.is_none());
    for (name, _) in doc.keys.iter().filter(|(_, key)| fits(key)) {
        writeln!(out, "{name}")?;
    }
    out.flush()?;
    Ok(())
}

pub fn list(ctx: &Context) -> Result<()> {
    // Every key parsed once, and kept for the rows.
    let doc = file::read_lazy(&ctx.keyring_path)?;
    doc.parse_all_keys()?;
    let now = clock::now()?;
    if ctx.json {
        let keys: Vec<KeySummary> = doc
            .keys
            .iter()
            .map(|(name, key)| key_summary(name, key, now))
            .collect();
        return output::print_json(&ListDocument {
            keyring: &ctx.keyring_path,
            keyring_id: &doc.keyring_id,
            keys,
            root: RootJson {
                description: doc.root.describe(),
                kind: doc.root.kind(),
            },
            schema: "keycask.list/1",
        });
    }
    if doc.keys.is_empty() {
        if !ctx.quiet {
            crate::stderr_line!("keycask: no keys yet; create one with `keycask keygen NAME`");
        }
        return Ok(());
    }
    let rows: Vec<Vec<String>> = doc
        .keys
        .iter()
        .map(|(name, key)| list_row(name, key, now))
        .collect();
    output::print_table(
        &[
            "NAME", "TYPE", "PURPOSE", "PRIMARY", "VERSIONS", "ROTATION", "NOTES",
        ],
        &rows,
    )
}

fn list_row(name: &str, key: &Key, now: Timestamp) -> Vec<String> {
    let primary = if key.destroyed.is_some() {
        "-".to_string()
    } else {
        format!("v{}", key.primary)
    };
    let rotation = match &key.destroyed {
        Some(_) => "-".to_string(),
        None => rotation_text(key, now, false),
    };
    vec![
        name.to_string(),
        key.algorithm.to_string(),
        key.purpose.to_string(),
        primary,
        key.versions.len().to_string(),
        rotation,
        list_notes(key),
    ]
}

/// Tombstones and flags, for the NOTES column: what a reader of `list`
/// must not miss.
fn list_notes(key: &Key) -> String {
    let with_reason = |what: String, t: &crate::keyring::Tombstone| {
        format!(
            "{what} {}{}",
            clock::format_date(t.at),
            t.reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        )
    };
    let mut notes = Vec::new();
    if let Some(t) = &key.destroyed {
        notes.push(with_reason("KEY DESTROYED".into(), t));
        return notes.join("; ");
    }
    for v in &key.versions {
        match (&v.state, &v.destruction) {
            (VersionState::Destroyed, Some(t)) => {
                notes.push(with_reason(format!("v{} destroyed", v.version), t))
            }
            (VersionState::DestroyScheduled, _) => notes.push(format!(
                "v{} destroy after {}",
                v.version,
                v.destroy_after.map(clock::format_date).unwrap_or_default()
            )),
            (VersionState::Disabled, _) => notes.push(format!("v{} disabled", v.version)),
            _ => {}
        }
        if let Some(t) = &v.compromised {
            notes.push(with_reason(format!("v{} COMPROMISED", v.version), t));
        }
    }
    notes.join("; ")
}

pub fn show(ctx: &Context, name: &str) -> Result<()> {
    // Only the key shown is parsed (and checked).
    let doc: Keyring = file::read_lazy(&ctx.keyring_path)?;
    let key = find_key(&doc, name)?;
    let now = clock::now()?;
    if ctx.json {
        let mut value = serde_json::to_value(key_summary(name, key, now))?;
        value["schema"] = json!("keycask.key/1");
        value["keyring_id"] = json!(doc.keyring_id);
        value["versions"] = key
            .versions
            .iter()
            .map(|v| version_json(v, key.primary))
            .collect();
        return output::print_json(&value);
    }
    let mut out = output::report_stdout();
    writeln!(out, "key        {name}")?;
    writeln!(out, "type       {}", key.algorithm)?;
    writeln!(out, "purpose    {}", key.purpose)?;
    writeln!(
        out,
        "origin     {}",
        serde_json::to_value(key.origin)?.as_str().unwrap_or("-")
    )?;
    for line in source_lines(key) {
        writeln!(out, "from       {line}")?;
    }
    writeln!(out, "created    {}", clock::format_time(key.created))?;
    writeln!(out, "rotation   {}", rotation_text(key, now, true))?;
    if let Some(t) = &key.destroyed {
        writeln!(
            out,
            "DESTROYED  {}{}",
            clock::format_time(t.at),
            t.reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        )?;
    } else {
        let age = key
            .primary_version()
            .map(|v| format!(" ({} old)", age_text(now.saturating_sub(v.created))))
            .unwrap_or_default();
        writeln!(out, "primary    v{}{age}", key.primary)?;
    }
    writeln!(out)?;
    out.flush()?;
    drop(out);
    let rows: Vec<Vec<String>> = key
        .versions
        .iter()
        .map(|v| {
            let fingerprint = v
                .public_key
                .as_deref()
                .and_then(|b| B64.decode(b).ok())
                .map(|der| material::fingerprint(&der))
                .unwrap_or_else(|| "-".into());
            vec![
                format!(
                    "v{}{}",
                    v.version,
                    if v.version == key.primary { "*" } else { "" }
                ),
                v.id.clone(),
                v.state.to_string(),
                clock::format_time(v.created),
                fingerprint,
                version_flags(v),
            ]
        })
        .collect();
    output::print_table(
        &["VERSION", "ID", "STATE", "CREATED", "PUBLIC KEY", "NOTES"],
        &rows,
    )
}
