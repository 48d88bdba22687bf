//! Rotation: `rotate NAME`, `rotate --due`, `rotate --kek`, `rotate --root`,
//! `enable` / `disable`, and `rekey`.
//!
//! Rotation never re-encrypts data: a key gets a new primary version and the
//! old ones keep decrypting; the KEK and the root re-wrap only what sits
//! directly under them; `rekey` rewrites only envelope headers.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;

use anyhow::{Context as _, Result};
use serde_json::{Value, json};

use crate::Context;
use crate::audit;
use crate::cli::{RotateArgs, VersionStateArgs};
use crate::clock::{self, Timestamp};
use crate::error::Failure;
use crate::keyring::{
    Event, Key, KeyVersion, Session, Tombstone, VersionState, cancel_command, destruction_note,
    file, find_key, validate_key_name,
};
use crate::keyring::{Keyring, open_read_only};
use crate::material;
use crate::output;
use crate::rekey::{self, FileReport, Rekeyer, Status};
use crate::root::{self, RootConfig, RootSpec, passphrase};

/// What `rotate` was asked to do, decided once from the command line.
#[derive(Debug, PartialEq)]
pub enum RotateRequest {
    /// A new primary version for one key; with `compromised`, every older
    /// version is flagged, with the reason given.
    Key {
        name: String,
        compromised: bool,
        reason: Option<String>,
    },
    /// Every key past its rotation period.
    Due { dry_run: bool },
    /// A new KEK version.
    Kek,
    /// A new root; `to: None` means a new passphrase for a passphrase root.
    Root {
        to: Option<RootSpec>,
        new_passphrase_file: Option<PathBuf>,
    },
}

impl RotateRequest {
    pub fn from_args(args: &RotateArgs) -> Result<Self> {
        // clap checks that exactly one of NAME, --due, --kek, --root is
        // given; which option goes with which is checked here.
        let misplaced = [
            (
                args.compromised,
                "--compromised",
                args.name.is_some(),
                "NAME",
            ),
            (args.dry_run, "--dry-run", args.due, "--due"),
            (args.to.is_some(), "--to", args.root, "--root"),
            (
                args.new_passphrase_file.is_some(),
                "--new-passphrase-file",
                args.root,
                "--root",
            ),
        ];
        for (given, option, allowed, with) in misplaced {
            if given && !allowed {
                return Err(Failure::usage(format!("{option} goes only with {with}"))
                    .hint("see `keycask rotate --help`")
                    .into());
            }
        }
        if let Some(name) = &args.name {
            validate_key_name(name)?;
            if let Some(reason) = &args.reason {
                check_reason(reason)?;
            }
            return Ok(RotateRequest::Key {
                name: name.clone(),
                compromised: args.compromised,
                reason: args.reason.clone(),
            });
        }
        if args.due {
            return Ok(RotateRequest::Due {
                dry_run: args.dry_run,
            });
        }
        if args.kek {
            return Ok(RotateRequest::Kek);
        }
        let to: Option<RootSpec> = args.to.as_deref().map(str::parse).transpose()?;
        if args.new_passphrase_file.is_some()
            && to.as_ref().is_some_and(|t| *t != RootSpec::Passphrase)
        {
            return Err(Failure::usage(
                "--new-passphrase-file is only for a passphrase root (--to passphrase)",
            )
            .into());
        }
        Ok(RotateRequest::Root {
            to,
            new_passphrase_file: args.new_passphrase_file.clone(),
        })
    }
}

/// A reason is one line of text people read in `show`; it is never a secret.
fn check_reason(reason: &str) -> Result<(), Failure> {
    if reason.trim().is_empty() || reason.len() > 500 || reason.chars().any(char::is_control) {
        return Err(Failure::usage(
            "--reason must be one line of text, 1 to 500 bytes, without control characters",
        ));
    }
    Ok(())
}

pub fn rotate(ctx: &Context, request: &RotateRequest) -> Result<()> {
    match request {
        RotateRequest::Key {
            name,
            compromised,
            reason,
        } => rotate_key(ctx, name, *compromised, reason.as_deref()),
        RotateRequest::Due { dry_run } => rotate_due(ctx, *dry_run),
        RotateRequest::Kek => rotate_kek(ctx),
        RotateRequest::Root {
            to,
            new_passphrase_file,
        } => rotate_root(ctx, to.as_ref(), new_passphrase_file.as_deref()),
    }
}

/// Refuses a key that was destroyed as a whole.
fn check_not_destroyed(name: &str, key: &Key) -> Result<(), Failure> {
    match &key.destroyed {
        Some(t) => Err(Failure::key_unusable(format!(
            "key '{name}' was destroyed{}",
            t.note()
        ))),
        None => Ok(()),
    }
}

/// Refuses a key that is destroyed or scheduled for destruction as a whole:
/// a new primary would bring back a key that is on its way out (as AWS KMS
/// refuses to rotate a key pending deletion).
fn check_rotatable(name: &str, key: &Key) -> Result<(), Failure> {
    check_not_destroyed(name, key)?;
    crate::keyring::refuse_scheduled(
        name,
        key,
        "a key on its way out is not rotated",
        "then rotate",
    )?;
    if key.next_version_number().is_none() {
        return Err(crate::keyring::version_ceiling_reached(name));
    }
    Ok(())
}

/// What one key's rotation did, for the report.
struct Rotated {
    name: String,
    old: u32,
    new: u32,
    new_id: String,
    flagged: Vec<u32>,
    due: Option<Timestamp>,
}

impl Rotated {
    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "old_version": self.old,
            "new_version": self.new,
            "new_version_id": self.new_id,
            "compromised_versions": self.flagged,
            "due": self.due.map(clock::format_time),
        })
    }
}

/// Adds a new primary version to `name` in an open session, generated from
/// the OS CSPRNG, flagging older versions if `compromised`.
fn add_rotated_version(
    session: &mut Session,
    name: &str,
    generated: &material::Generated,
    compromised: Option<&Tombstone>,
    now: Timestamp,
) -> Result<Rotated> {
    let keyring = &mut session.keyring;
    let key = keyring.key(name)?;
    check_rotatable(name, key)?;
    let old = key.primary;
    let due = key.rotation_due();
    let new = keyring.add_version(
        name,
        &generated.material,
        generated.public_key_der.as_deref(),
        now,
    )?;
    let key = keyring.doc.keys.get_mut(name).expect("looked up above");
    let mut flagged = Vec::new();
    if let Some(tombstone) = compromised {
        for v in key.versions.iter_mut().filter(|v| v.version != new) {
            // A version flagged earlier keeps its first date and reason.
            if v.compromised.is_none() && v.state != VersionState::Destroyed {
                v.compromised = Some(tombstone.clone());
                flagged.push(v.version);
            }
        }
    }
    let new_id = key.version(new).expect("just added").id.clone();
    Ok(Rotated {
        name: name.to_string(),
        old,
        new,
        new_id,
        flagged,
        due,
    })
}

fn rotate_key(ctx: &Context, name: &str, compromised: bool, reason: Option<&str>) -> Result<()> {
    // Look the key up before unlocking, so that an unknown key is reported
    // without asking for a passphrase, and generate before taking the lock
    // (RSA-4096 takes a while; other writers should not wait for it).
    let doc = file::read(&ctx.keyring_path)?;
    let key = find_key(&doc, name)?;
    check_rotatable(name, key)?;
    let algorithm = key.algorithm;
    let purpose = key.purpose;
    let generated = material::generate(algorithm)?;

    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    if session.keyring.key(name)?.algorithm != algorithm {
        return Err(Failure::other(format!(
            "key '{name}' changed while it was being rotated; run the command again"
        ))
        .into());
    }
    let now = session.now();
    let tombstone = compromised.then(|| Tombstone {
        at: now,
        reason: reason.map(str::to_string),
    });
    let rotated = add_rotated_version(&mut session, name, &generated, tombstone.as_ref(), now)?;
    let mut event = Event::new("rotate").key(name).versions([rotated.new]);
    if compromised {
        event = event.detail(format!(
            "compromised: versions {:?}{}",
            rotated.flagged,
            reason.map(|r| format!(" ({r})")).unwrap_or_default()
        ));
    }
    session.record(event);
    session.commit()?;

    if ctx.json {
        let mut value = rotated.to_json();
        value["schema"] = json!("keycask.rotate/1");
        value["reason"] = json!(reason);
        return output::print_json(&value);
    }
    ctx.report(format_args!(
        "rotated key {name}: version {} -> {} (id {}); version {} and older still decrypt",
        rotated.old, rotated.new, rotated.new_id, rotated.old
    ))?;
    if !rotated.flagged.is_empty() {
        ctx.warn(format!(
            "flagged as compromised: {}; they still decrypt, with a warning. Rotation alone does not protect data already encrypted under them: `keycask rekey` your envelopes, then disable or destroy those versions",
            version_list(&rotated.flagged)
        ));
    }
    // A recipient key: hosts that seal to a copy of its public key keep
    // sealing to the old version until they get the new one.
    if algorithm.is_symmetric() || purpose != crate::keyring::Purpose::Encrypt {
        return Ok(());
    }
    ctx.warn(format!(
        "hosts that seal to key {name} with `wrap --to FILE.pem` keep using version {} until they get the new public key (`keycask export {name} --public -o {name}.pem`){}",
        rotated.old,
        if rotated.flagged.is_empty() {
            ""
        } else {
            "; envelopes sealed to a compromised version are exposed: re-encrypt them (`keycask unwrap FILE | keycask wrap -k NAME`), as rekey keeps their content key"
        }
    ));
    Ok(())
}

fn version_list(versions: &[u32]) -> String {
    versions
        .iter()
        .map(|v| format!("v{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The keys due for rotation at `now`: those with a period whose primary
/// version is at least that old. Destroyed keys, and keys scheduled for
/// destruction as a whole, are never due ([`Key::rotation_due`]).
fn due_keys(doc: &crate::keyring::Keyring, now: Timestamp) -> Vec<(String, Timestamp)> {
    doc.keys
        .iter()
        .filter_map(|(name, key)| {
            key.rotation_due()
                .filter(|due| *due <= now)
                .map(|due| (name.clone(), due))
        })
        .collect()
}

fn rotate_due(ctx: &Context, dry_run: bool) -> Result<()> {
    let now = clock::now()?;
    // Decide from the metadata first: a cron job with nothing to do needs
    // no passphrase and takes no lock.
    let doc = file::read(&ctx.keyring_path)?;
    let due = due_keys(&doc, now);
    if dry_run || due.is_empty() {
        let planned: Vec<Value> = due
            .iter()
            .map(|(name, at)| {
                let key = &doc.keys[name];
                json!({
                    "name": name,
                    "old_version": key.primary,
                    "new_version": key.next_version_number(),
                    "due": clock::format_time(*at),
                })
            })
            .collect();
        if ctx.json {
            return output::print_json(&json!({
                "schema": "keycask.rotate-due/1",
                "dry_run": dry_run,
                "now": clock::format_time(now),
                "rotated": [],
                "would_rotate": planned,
            }));
        }
        if due.is_empty() {
            ctx.note("no key is due for rotation");
        }
        for (name, at) in &due {
            let key = &doc.keys[name];
            match key.next_version_number() {
                Some(next) => ctx.print(format_args!(
                    "would rotate {name}: version {} -> {next} (due {})",
                    key.primary,
                    clock::format_time(*at)
                ))?,
                None => ctx.warn(format!(
                    "{name} is due (since {}) but cannot rotate: {}",
                    clock::format_time(*at),
                    crate::keyring::version_ceiling_reached(name)
                )),
            }
        }
        return Ok(());
    }

    // Generate outside the lock, then decide again under it: another
    // `rotate --due` may have run meanwhile, and must not rotate twice.
    let mut generated = Vec::new();
    for (name, _) in &due {
        generated.push(material::generate(doc.keys[name].algorithm)?);
    }
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let now = session.now();
    let still_due = due_keys(&session.keyring.doc, now);
    let mut rotated = Vec::new();
    let mut stuck = Vec::new();
    for ((name, _), material) in due.iter().zip(&generated) {
        let Some(key) = session.keyring.doc.keys.get(name) else {
            continue;
        };
        let same_type = key.algorithm == doc.keys[name].algorithm;
        if !same_type || !still_due.iter().any(|(n, _)| n == name) {
            continue;
        }
        // One key at the version ceiling must not hold back the others:
        // they rotate, and the command fails afterwards, naming it.
        if key.next_version_number().is_none() {
            stuck.push(name.clone());
            continue;
        }
        let r = add_rotated_version(&mut session, name, material, None, now)?;
        session.record(
            Event::new("rotate")
                .key(name)
                .versions([r.new])
                .detail("rotation period passed (rotate --due)"),
        );
        rotated.push(r);
    }
    if !rotated.is_empty() {
        session.commit()?;
    }
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.rotate-due/1",
            "dry_run": false,
            "now": clock::format_time(now),
            "rotated": rotated.iter().map(Rotated::to_json).collect::<Vec<_>>(),
            "would_rotate": [],
        }))?;
    } else {
        if rotated.is_empty() && stuck.is_empty() {
            ctx.note("no key is due for rotation");
        }
        for r in &rotated {
            ctx.report(format_args!(
                "rotated {}: version {} -> {} (due {})",
                r.name,
                r.old,
                r.new,
                r.due.map(clock::format_time).unwrap_or_default()
            ))?;
        }
    }
    match stuck.first() {
        Some(name) => Err(crate::keyring::version_ceiling_reached(name).into()),
        None => Ok(()),
    }
}

fn rotate_kek(ctx: &Context) -> Result<()> {
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let old: Vec<u32> = session
        .keyring
        .doc
        .kek
        .versions
        .iter()
        .map(|v| v.version)
        .collect();
    let rewrapped = live_versions(&session);
    let new = session.rotate_kek(session.now())?;
    session.record(
        Event::new("rotate-kek")
            .versions([new])
            .detail(format!("{rewrapped} key versions re-wrapped")),
    );
    session.commit()?;
    if ctx.json {
        return output::print_json(&json!({
            "schema": "keycask.rotate-kek/1",
            "old_kek_versions": old,
            "new_kek_version": new,
            "key_versions_rewrapped": rewrapped,
        }));
    }
    ctx.report(format_args!(
        "rotated the KEK: version {} -> {new}; {rewrapped} key versions re-wrapped, envelopes untouched",
        version_list(&old).replace('v', "")
    ))?;
    Ok(())
}

/// Key versions that still hold material (all but the destroyed).
fn live_versions(session: &Session) -> usize {
    session
        .keyring
        .doc
        .keys
        .values()
        .flat_map(|k| &k.versions)
        .filter(|v| v.wrapped.is_some())
        .count()
}

fn rotate_root(
    ctx: &Context,
    to: Option<&RootSpec>,
    new_passphrase_file: Option<&std::path::Path>,
) -> Result<()> {
    let doc = file::read(&ctx.keyring_path)?;
    let spec = match to {
        Some(spec) => spec.clone(),
        None if matches!(doc.root, RootConfig::Passphrase(_)) => RootSpec::Passphrase,
        // A Transit root: re-wrap the KEK under the key's latest version.
        None if let RootConfig::Transit { url } = &doc.root => {
            RootSpec::Transit(Box::new(url.parse().map_err(|e: Failure| {
                Failure::keyring(format!("the keyring's root URL is unusable: {e}"))
            })?))
        }
        None => {
            return Err(Failure::usage(format!(
                "the keyring's root is a {}; say which root to move to",
                doc.root.kind()
            ))
            .hint("keycask rotate --root --to keyfile:NEW-PATH (or --to passphrase)")
            .into());
        }
    };
    if let (RootSpec::Keyfile(new_path), RootConfig::Keyfile { path: old_path }) =
        (&spec, &doc.root)
        && same_file(new_path, old_path)
    {
        return Err(Failure::usage(format!(
            "{} is already the keyring's root key file",
            new_path.display()
        ))
        .hint("name a new path: keycask rotate --root --to keyfile:NEW-PATH")
        .into());
    }

    if let (RootSpec::Pkcs11(new_uri), RootConfig::Pkcs11 { uri }) = (&spec, &doc.root)
        && uri
            .parse::<root::pkcs11::Pkcs11Uri>()
            .is_ok_and(|old| old.same_object(new_uri))
    {
        return Err(Failure::usage(format!(
            "the PKCS#11 {} is already the keyring's root",
            new_uri.describe()
        ))
        .hint("name another object or token: keycask rotate --root --to 'pkcs11:token=..;object=NEW-LABEL?..'")
        .into());
    }

    // Transit: the same key again means "re-wrap under its latest version".
    let rewrap = matches!((&spec, &doc.root), (RootSpec::Transit(new_url), RootConfig::Transit { url })
        if url.parse::<root::transit::TransitUrl>().is_ok_and(|old| old.same_key(new_url)));

    // Unlock with the current root first: a wrong old secret fails here,
    // before anything new is asked for or created. A PKCS#11 root that no
    // longer passes the adoption rules is opened here, and only here, to
    // move the keyring off it.
    let leaving = root::SecretSources {
        leaving_root: true,
        ..ctx.sources.clone()
    };
    let mut session = Session::open(&ctx.keyring_path, &leaving)?;
    let new_passphrase = match spec {
        RootSpec::Passphrase => {
            let pass = passphrase::read_new(new_passphrase_file, &ctx.sources)?;
            refuse_same_passphrase(&session, &pass)?;
            Some(pass)
        }
        _ => None,
    };
    let created_file = match &spec {
        RootSpec::Keyfile(path) if !path.exists() => Some(std::path::absolute(path)?),
        _ => None,
    };
    let result = (|| -> Result<()> {
        let new_root = root::create(&spec, new_passphrase.as_ref(), &ctx.sources)?;
        let old_desc = session.keyring.doc.root.describe();
        let old_versions = transit_versions(&session.keyring.doc);
        session.replace_root(new_root)?;
        let new_desc = session.keyring.doc.root.describe();
        let detail = if rewrap {
            format!(
                "KEK re-wrapped under {new_desc}: Transit key version(s) {} -> {}",
                old_versions,
                transit_versions(&session.keyring.doc)
            )
        } else {
            format!("root moved from {old_desc} to {new_desc}")
        };
        session.record(Event::new("rotate-root").detail(detail.clone()));
        let kek_versions = session.keyring.doc.kek.versions.len();
        session.commit()?;
        if ctx.json {
            return output::print_json(&json!({
                "schema": "keycask.rotate-root/1",
                "old_root": old_desc,
                "new_root": new_desc,
                "kek_versions_rewrapped": kek_versions,
            }));
        }
        if rewrap {
            ctx.report(format_args!("{detail}"))?;
        } else {
            ctx.report(format_args!(
                "rotated the root: {old_desc} -> {new_desc}; {kek_versions} KEK version(s) re-wrapped"
            ))?;
        }
        Ok(())
    })();
    if result.is_err()
        && let Some(path) = created_file
    {
        // The keyring was not changed; a key file made for it protects nothing.
        let _ = std::fs::remove_file(path);
    }
    result?;
    if let RootConfig::Keyfile { path } = &doc.root {
        ctx.note(format!(
            "the old key file {} no longer unlocks this keyring (but still unlocks its old backups); remove it when you are done with them",
            path.display()
        ));
    }
    Ok(())
}

/// The Transit key versions the KEK versions are wrapped under (`v1,v2`),
/// or `-` for another root.
fn transit_versions(doc: &crate::keyring::Keyring) -> String {
    let versions: Vec<String> = doc
        .kek
        .versions
        .iter()
        .filter_map(|v| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &v.wrapped).ok()
        })
        .filter_map(|blob| root::transit::ciphertext_version(&blob))
        .map(|n| format!("v{n}"))
        .collect();
    if versions.is_empty() {
        "-".into()
    } else {
        versions.join(",")
    }
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    }
}

/// A "new" passphrase equal to the current one would leave the old
/// passphrase working, which is what the user asked to stop.
fn refuse_same_passphrase(session: &Session, new: &crate::secret::Passphrase) -> Result<()> {
    let RootConfig::Passphrase(kdf) = &session.keyring.doc.root else {
        return Ok(());
    };
    let Some(first) = session.keyring.doc.kek.versions.first() else {
        return Ok(());
    };
    let candidate = passphrase::PassphraseRoot::derive(kdf, new)?;
    let wrapped =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &first.wrapped)
            .unwrap_or_default();
    let aad = crate::keyring::kek_aad(&session.keyring.doc.keyring_id, first.version);
    if root::RootKey::unwrap_kek(&candidate, &wrapped, &aad).is_ok() {
        return Err(
            Failure::usage("the new passphrase is the same as the current one")
                .hint("choose a different passphrase")
                .into(),
        );
    }
    Ok(())
}

/// `enable` or `disable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateChange {
    Enable,
    Disable,
}

#[derive(Debug)]
pub struct VersionStateRequest {
    pub name: String,
    pub version: u32,
    pub change: StateChange,
}

impl VersionStateRequest {
    pub fn from_args(args: &VersionStateArgs, change: StateChange) -> Result<Self> {
        validate_key_name(&args.name)?;
        Ok(VersionStateRequest {
            name: args.name.clone(),
            version: args.version,
            change,
        })
    }
}

/// Checks that `change` may be applied to version `v` of `key`; `Ok(false)`
/// means it is already in the wanted state.
fn check_state_change(
    name: &str,
    key: &Key,
    v: &KeyVersion,
    change: StateChange,
) -> Result<bool, Failure> {
    check_not_destroyed(name, key)?;
    let number = v.version;
    match (change, v.state) {
        (_, VersionState::Destroyed) => Err(Failure::key_unusable(format!(
            "version {number} of key '{name}' was destroyed{}; destroyed material cannot be brought back",
            destruction_note(v)
        ))),
        (_, VersionState::DestroyScheduled) => Err(Failure::key_unusable(format!(
            "version {number} of key '{name}' is scheduled for destruction{}",
            v.destroy_after
                .map(|t| format!(" after {}", clock::format_time(t)))
                .unwrap_or_default()
        ))
        .hint(format!(
            "`{}` cancels it and enables the version again",
            cancel_command(name, key, number)
        ))),
        (StateChange::Disable, VersionState::Enabled) if number == key.primary => {
            Err(Failure::usage(format!(
                "version {number} is the primary version of key '{name}' and cannot be disabled"
            ))
            .hint(format!(
                "rotate first (`keycask rotate {name}`), then disable version {number}"
            )))
        }
        (StateChange::Disable, VersionState::Enabled)
        | (StateChange::Enable, VersionState::Disabled) => Ok(true),
        (StateChange::Disable, VersionState::Disabled)
        | (StateChange::Enable, VersionState::Enabled) => Ok(false),
    }
}

pub fn set_version_state(ctx: &Context, request: &VersionStateRequest) -> Result<()> {
    let VersionStateRequest {
        name,
        version,
        change,
    } = request;
    let unknown_version = |key: &Key| {
        let known = version_list(&key.versions.iter().map(|v| v.version).collect::<Vec<_>>());
        Failure::key_unusable(format!("key '{name}' has no version {version}"))
            .hint(format!("its versions: {known}"))
    };
    // Check against the metadata before unlocking, so that a mistake costs
    // no passphrase prompt; checked again under the lock.
    let doc = file::read(&ctx.keyring_path)?;
    let key = find_key(&doc, name)?;
    let v = key.version(*version).ok_or_else(|| unknown_version(key))?;
    let wanted = match change {
        StateChange::Enable => VersionState::Enabled,
        StateChange::Disable => VersionState::Disabled,
    };
    let changed = if check_state_change(name, key, v, *change)? {
        let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
        let key = session.keyring.key(name)?;
        let v = key.version(*version).ok_or_else(|| unknown_version(key))?;
        let changed = check_state_change(name, key, v, *change)?;
        if changed {
            let key = session
                .keyring
                .doc
                .keys
                .get_mut(name.as_str())
                .expect("found");
            key.version_mut(*version).expect("found").state = wanted;
            let operation = match change {
                StateChange::Enable => "enable",
                StateChange::Disable => "disable",
            };
            session.record(Event::new(operation).key(name).versions([*version]));
            session.commit()?;
        }
        changed
    } else {
        false
    };
    if ctx.json {
        return output::print_json(&json!({
            "schema": "keycask.version-state/1",
            "name": name,
            "version": version,
            "state": wanted.to_string(),
            "changed": changed,
        }));
    }
    if changed {
        ctx.report(format_args!("key {name} version {version} is now {wanted}"))?;
    } else {
        ctx.note(format!(
            "key {name} version {version} is already {wanted}; nothing changed"
        ));
    }
    Ok(())
}

/// What `rekey` was asked to do.
#[derive(Debug)]
pub struct RekeyRequest {
    pub paths: Vec<PathBuf>,
    pub dry_run: bool,
    pub jobs: usize,
}

impl RekeyRequest {
    pub fn from_args(args: &crate::cli::RekeyArgs) -> Result<Self> {
        Ok(RekeyRequest {
            paths: args.paths.clone(),
            dry_run: args.dry_run,
            jobs: args
                .jobs
                .map(usize::from)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        })
    }
}

pub fn rekey(ctx: &Context, request: &RekeyRequest) -> Result<()> {
    let walk = rekey::scan::walk(&request.paths)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(request.jobs)
        .build()?;
    // The bar appears only after the unlock, which may ask at the terminal.
    let mut opened = None;
    // Every file, in parallel on the pool, with a progress bar.
    let each_file = |one: &(dyn Fn(&std::path::Path) -> FileReport + Sync)| -> Vec<FileReport> {
        let bar = progress_bar(ctx, walk.files.len());
        let reports = pool.install(|| {
            walk.files
                .par_iter()
                .map(|p| {
                    let report = one(p);
                    bar.inc(1);
                    report
                })
                .collect()
        });
        bar.finish_and_clear();
        reports
    };
    let (doc, reports) = if request.dry_run {
        // Planning needs only metadata: no unlock, no passphrase.
        let doc = file::read(&ctx.keyring_path)?;
        let planner = Rekeyer::planner(&doc);
        let reports = each_file(&|p| planner.dry_run_file(p));
        (doc, reports)
    } else {
        let unlocked = open_read_only(&ctx.keyring_path, &ctx.sources)?;
        let rekeyer = Rekeyer::new(&unlocked);
        let reports = each_file(&|p| rekeyer.rekey_file(p));
        let doc = unlocked.doc.clone();
        opened = Some(unlocked);
        (doc, reports)
    };
    // What the walk passed over is reported with the files: a link or a
    // special file as skipped, a folder that cannot be read as failed.
    let extra: Vec<(PathBuf, FileReport)> = walk
        .passed_over
        .iter()
        .map(|(path, why)| (path.clone(), FileReport::skipped(why.clone())))
        .chain(
            walk.unreadable
                .iter()
                .map(|(path, why)| (path.clone(), FileReport::failed(why.clone()))),
        )
        .collect();
    let mut files: Vec<(&PathBuf, &FileReport)> = walk
        .files
        .iter()
        .zip(&reports)
        .chain(extra.iter().map(|(p, r)| (p, r)))
        .collect();
    // Envelopes that were under a compromised version come first.
    files.sort_by_key(|(_, r)| !r.compromised);
    let count = |status: Status| files.iter().filter(|(_, r)| r.status == status).count();
    let rekeyed = count(if request.dry_run {
        Status::WouldRekey
    } else {
        Status::Rekeyed
    });
    let (current, skipped, failed) = (
        count(Status::Current),
        count(Status::Skipped),
        count(Status::Failed),
    );
    let versions = if request.dry_run {
        dependency_rows(&doc, &files)
    } else {
        Vec::new()
    };
    if let Some(unlocked) = &opened {
        // The summary goes to the audit log (a rekey changes no keyring, so
        // it is written on its own, under the keyring's lock).
        let summary = format!(
            "rekeyed {rekeyed}, already current {current}, skipped {skipped}, failed {failed}"
        );
        let event =
            Event::new("rekey")
                .detail(summary)
                .outcome(if failed > 0 { "failed" } else { "ok" });
        audit::record(ctx, unlocked, event)
            .context("the envelopes are rekeyed, but the audit record of it was not written")?;
    }

    if ctx.json {
        let listed: Vec<Value> = files
            .iter()
            .map(|(path, r)| {
                json!({
                    "path": path.display().to_string(),
                    "status": r.status.as_str(),
                    "key": r.key,
                    "from_version": r.from_version,
                    "to_version": r.to_version,
                    "compromised": r.compromised,
                    "reason": r.reason,
                })
            })
            .collect();
        output::print_json(&json!({
            "schema": "keycask.rekey/1",
            "dry_run": request.dry_run,
            "summary": {
                if request.dry_run { "would_rekey" } else { "rekeyed" }: rekeyed,
                "current": current,
                "skipped": skipped,
                "failed": failed,
            },
            "files": listed,
            "versions": versions.iter().map(DependencyRow::to_json).collect::<Vec<_>>(),
        }))?;
    } else {
        report_rekey_for_people(ctx, request.dry_run, &files, &versions)?;
        let verb = if request.dry_run {
            "would rekey"
        } else {
            "rekeyed"
        };
        let summary = format!(
            "{verb} {rekeyed}, already current {current}, skipped {skipped}, failed {failed}"
        );
        // A dry run's summary is what was asked for; a real run's reports
        // what was done.
        if request.dry_run {
            ctx.print(summary)?;
        } else {
            ctx.report(summary)?;
        }
    }
    let where_ = if ctx.json {
        "the reasons are in the report's files[].reason"
    } else {
        "the reasons are listed above"
    };
    // A dry run fails as the real run would, so that it can gate it.
    if failed > 0 && request.dry_run {
        return Err(Failure::other(format!(
            "{failed} file(s) would fail to rekey; nothing was changed"
        ))
        .hint(format!("{where_}; fix them before the real run"))
        .into());
    }
    if failed > 0 {
        return Err(Failure::other(format!(
            "{failed} file(s) could not be rekeyed; they were left as they were"
        ))
        .hint(format!("{where_}; fix them and run the same command again"))
        .into());
    }
    Ok(())
}

/// A bar on stderr for long runs, only when stderr is a terminal; hidden
/// (and free) otherwise.
fn progress_bar(ctx: &Context, files: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if ctx.quiet || files < 1000 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(files as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{pos:>7} / {len} files [{wide_bar}] {per_sec} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn report_rekey_for_people(
    ctx: &Context,
    dry_run: bool,
    files: &[(&PathBuf, &FileReport)],
    versions: &[DependencyRow],
) -> Result<()> {
    // The report goes to stdout, one line per file that needs attention;
    // stderr is kept for the error, if any, so it stays one line.
    let mut out = crate::output::report_stdout();
    let mut compromised: BTreeMap<(String, u32), usize> = BTreeMap::new();
    for (path, r) in files {
        let key = r.key.as_deref().unwrap_or("-");
        match r.status {
            Status::Failed | Status::Skipped => writeln!(
                out,
                "{} {}: {}",
                r.status.as_str(),
                path.display(),
                r.reason.as_deref().unwrap_or("")
            )?,
            Status::Rekeyed | Status::WouldRekey => {
                if r.compromised {
                    *compromised
                        .entry((key.to_string(), r.from_version.unwrap_or(0)))
                        .or_default() += 1;
                }
                if ctx.verbose > 0 {
                    writeln!(
                        out,
                        "{} {}: {key} v{} -> v{}",
                        r.status.as_str(),
                        path.display(),
                        r.from_version.unwrap_or(0),
                        r.to_version.unwrap_or(0)
                    )?;
                }
            }
            Status::Current => {}
        }
    }
    for ((key, version), n) in &compromised {
        writeln!(
            out,
            "COMPROMISED: {n} envelope(s) {} under version {version} of key '{key}'{}",
            if dry_run { "are" } else { "were" },
            if dry_run {
                ""
            } else {
                "; they now use the primary, but copies made before are still exposed"
            }
        )?;
    }
    out.flush()?;
    drop(out);
    if dry_run && !versions.is_empty() {
        let rows: Vec<Vec<String>> = versions
            .iter()
            .map(|row| {
                let mut notes = Vec::new();
                if row.primary {
                    notes.push("primary".to_string());
                }
                if row.compromised {
                    notes.push("COMPROMISED".to_string());
                }
                vec![
                    row.key.clone(),
                    format!("v{}", row.version),
                    row.state.clone(),
                    row.envelopes.to_string(),
                    notes.join(", "),
                ]
            })
            .collect();
        output::print_table(&["KEY", "VERSION", "STATE", "ENVELOPES", "NOTES"], &rows)?;
    }
    Ok(())
}

/// How many envelopes depend on one key version: the answer to "can I
/// destroy this version yet?".
struct DependencyRow {
    key: String,
    version: u32,
    version_id: String,
    state: String,
    primary: bool,
    compromised: bool,
    envelopes: usize,
}

impl DependencyRow {
    fn to_json(&self) -> Value {
        json!({
            "key": self.key,
            "version": self.version,
            "version_id": self.version_id,
            "state": self.state,
            "primary": self.primary,
            "compromised": self.compromised,
            "envelopes": self.envelopes,
        })
    }
}

/// Every version of every key that at least one envelope depends on, with
/// how many envelopes depend on it (zero included); compromised versions
/// first. An envelope depends on a version of this keyring when it names
/// its version id, whatever keyring its header names (an imported key's
/// envelopes open here), and an envelope with a pending rekey journal
/// depends on both the version it names and the one the journal installs.
fn dependency_rows(doc: &Keyring, files: &[(&PathBuf, &FileReport)]) -> Vec<DependencyRow> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, r) in files {
        for v in &r.needs {
            *counts.entry(v.version_id.as_str()).or_default() += 1;
        }
    }
    let mut rows: Vec<DependencyRow> = doc
        .keys
        .iter()
        .filter(|(name, key)| {
            key.versions.iter().any(|v| {
                crate::sealed::dependency_ids(name, v)
                    .iter()
                    .any(|id| counts.contains_key(id.as_str()))
            })
        })
        .flat_map(|(name, key)| {
            let counts = &counts;
            key.versions.iter().map(move |v| DependencyRow {
                key: name.to_string(),
                version: v.version,
                version_id: v.id.clone(),
                state: v.state.to_string(),
                primary: v.version == key.primary,
                compromised: v.compromised.is_some(),
                // By version id (key stanzas) and by public key (recipient
                // stanzas).
                envelopes: crate::sealed::dependency_ids(name, v)
                    .iter()
                    .map(|id| counts.get(id.as_str()).copied().unwrap_or(0))
                    .sum(),
            })
        })
        .collect();
    rows.sort_by_key(|r| !r.compromised);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::{Algorithm, Origin, Purpose};

    fn key_with(states: &[VersionState]) -> Key {
        Key {
            algorithm: Algorithm::Aes256Gcm,
            purpose: Purpose::Encrypt,
            created: 0,
            origin: Origin::Generated,
            rotation_period: None,
            primary: states.len() as u32,
            versions: states
                .iter()
                .enumerate()
                .map(|(i, state)| KeyVersion {
                    version: i as u32 + 1,
                    id: format!("{i:032}"),
                    state: *state,
                    created: 0,
                    kek_version: 1,
                    wrapped: (*state != VersionState::Destroyed).then(|| "AA==".into()),
                    public_key: None,
                    compromised: None,
                    destroy_after: (*state == VersionState::DestroyScheduled)
                        .then_some(86_400 * 365),
                    destruction: (*state == VersionState::Destroyed).then(|| Tombstone {
                        at: 86_400,
                        reason: Some("retired".into()),
                    }),
                    source: None,
                })
                .collect(),
            destroyed: None,
        }
    }

    #[test]
    fn destroyed_and_scheduled_versions_cannot_change_state() {
        use StateChange::*;
        use VersionState::*;
        let key = key_with(&[Destroyed, DestroyScheduled, Disabled, Enabled]);
        let v = |n: u32| key.version(n).unwrap();
        for change in [Enable, Disable] {
            let err = check_state_change("k", &key, v(1), change).unwrap_err();
            assert_eq!(err.code, crate::error::ExitCode::KeyUnusable);
            assert!(
                err.message
                    .contains("was destroyed on 1970-01-02 (retired)")
            );
            assert!(err.message.contains("cannot be brought back"));
            let err = check_state_change("k", &key, v(2), change).unwrap_err();
            assert_eq!(err.code, crate::error::ExitCode::KeyUnusable);
            assert!(
                err.message
                    .contains("scheduled for destruction after 1971-01-01")
            );
            assert!(
                err.hint
                    .unwrap()
                    .contains("keycask destroy --cancel k --version 2")
            );
        }
        assert!(check_state_change("k", &key, v(3), Enable).unwrap());
        assert!(!check_state_change("k", &key, v(3), Disable).unwrap());
        assert!(!check_state_change("k", &key, v(4), Enable).unwrap());
        let err = check_state_change("k", &key, v(4), Disable).unwrap_err();
        assert_eq!(err.code, crate::error::ExitCode::Usage);
    }

    #[test]
    fn a_destroyed_key_cannot_change_state() {
        let mut key = key_with(&[VersionState::Disabled, VersionState::Enabled]);
        key.destroyed = Some(Tombstone {
            at: 0,
            reason: None,
        });
        let err = check_state_change("k", &key, key.version(1).unwrap(), StateChange::Enable)
            .unwrap_err();
        assert_eq!(err.code, crate::error::ExitCode::KeyUnusable);
        assert!(err.message.contains("key 'k' was destroyed on 1970-01-01"));
    }

    #[test]
    fn due_keys_are_those_past_their_period() {
        let mut doc: crate::keyring::Keyring = serde_json::from_value(serde_json::json!({
            "kind": "keycask-keyring", "format": 1, "keyring_id": "00", "created": "1970-01-01T00:00:00Z",
            "root": {"kind": "keyfile", "path": "/k"}, "kek": {"primary": 1, "versions": []}, "keys": {}
        }))
        .unwrap();
        let mut a = key_with(&[VersionState::Enabled]);
        a.rotation_period = Some(100);
        let mut b = a.clone();
        b.rotation_period = Some(101);
        let mut gone = a.clone();
        gone.destroyed = Some(Tombstone {
            at: 0,
            reason: None,
        });
        let mut scheduled = key_with(&[VersionState::DestroyScheduled]);
        scheduled.rotation_period = Some(100);
        let none = key_with(&[VersionState::Enabled]);
        doc.keys.insert("a".into(), a);
        doc.keys.insert("scheduled".into(), scheduled);
        doc.keys.insert("b".into(), b);
        doc.keys.insert("gone".into(), gone);
        doc.keys.insert("none".into(), none);
        assert_eq!(due_keys(&doc, 99), []);
        assert_eq!(due_keys(&doc, 100), [("a".to_string(), 100)]);
        assert_eq!(due_keys(&doc, 101).len(), 2);
    }
}
