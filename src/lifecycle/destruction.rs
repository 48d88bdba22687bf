//! Destruction: `destroy`. A version (never the primary) or a whole key is
//! destroyed at once (`--now`) or scheduled (`--after`), a schedule can be
//! cancelled, due schedules are carried out (`--pending`, and every writer
//! through `Session::open`), and the tombstone of a destroyed key can be
//! purged deliberately. See docs/destruction.md for the decisions.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::{Value, json};

use crate::Context;
use crate::cli::DestroyArgs;
use crate::clock::{self, Timestamp};
use crate::error::Failure;
use crate::keyring::destruction::{
    DueDestruction, carry_out_due, destroy_key, destroy_version, due,
};
use crate::keyring::{
    Event, Key, Keyring, Session, Tombstone, VersionState, destruction_note, file, find_key,
    validate_key_name,
};
use crate::output;
use crate::rekey::scan;
use crate::root::RootConfig;

/// When a destruction happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Now,
    /// After this many seconds.
    After(u64),
}

/// What `destroy` was asked to do, checked once at the edge.
#[derive(Clone, Debug, PartialEq)]
pub enum DestroyRequest {
    /// Destroy or schedule one version, or the whole key.
    Destroy(Plan),
    /// Cancel a scheduled destruction of one version or of the whole key.
    Cancel { name: String, version: Option<u32> },
    /// Remove the tombstone of a destroyed key.
    Purge { name: String, yes: bool },
    /// Carry out the scheduled destructions that fell due, or with
    /// `dry_run` say which would.
    Pending { dry_run: bool },
}

/// A destruction or a schedule of one version, or of the whole key
/// (`version: None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub name: String,
    pub version: Option<u32>,
    pub when: When,
    pub reason: Option<String>,
    /// `--yes`: no typed confirmation.
    pub yes: bool,
    pub rotate_kek: bool,
    /// `--check` paths: refuse while an envelope there needs a version.
    pub checks: Vec<PathBuf>,
}

const MAX_REASON: usize = 200;

fn check_reason(text: &str) -> Result<String, Failure> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err(Failure::usage("--reason is empty")
            .hint("say why in a few words, e.g. --reason \"rotated 2026-11\""));
    }
    if reason.chars().any(char::is_control) {
        return Err(Failure::usage(
            "--reason must be one line of text without control characters",
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(Failure::usage(format!(
            "--reason is longer than {MAX_REASON} characters"
        )));
    }
    Ok(reason.to_string())
}

impl DestroyRequest {
    pub fn from_args(args: &DestroyArgs) -> Result<Self> {
        if args.pending {
            return Ok(DestroyRequest::Pending {
                dry_run: args.dry_run,
            });
        }
        let name = args
            .name
            .clone()
            .ok_or_else(|| Failure::usage("destroy needs a key name, or --pending"))?;
        validate_key_name(&name)?;
        if args.cancel {
            return Ok(DestroyRequest::Cancel {
                name,
                version: args.version,
            });
        }
        if args.purge {
            return Ok(DestroyRequest::Purge {
                name,
                yes: args.yes,
            });
        }
        let when = match (&args.after, args.now) {
            (Some(duration), false) => When::After(clock::parse_duration(duration)?),
            (None, true) => When::Now,
            _ => {
                let target = match args.version {
                    Some(n) => format!("{name} --version {n}"),
                    None => name.clone(),
                };
                return Err(Failure::usage(
                    "say when to destroy: --after DURATION (scheduled, cancellable) or --now",
                )
                .hint(format!(
                    "`keycask destroy {target} --after 30d` schedules it and disables it at once; \
                     `keycask destroy {target} --now` destroys it for good"
                ))
                .into());
            }
        };
        if args.rotate_kek && when != When::Now {
            return Err(Failure::usage("--rotate-kek goes with --now").into());
        }
        Ok(DestroyRequest::Destroy(Plan {
            name,
            version: args.version,
            when,
            reason: args.reason.as_deref().map(check_reason).transpose()?,
            yes: args.yes,
            rotate_kek: args.rotate_kek,
            checks: args.check.clone(),
        }))
    }
}

pub fn destroy(ctx: &Context, request: &DestroyRequest) -> Result<()> {
    match request {
        DestroyRequest::Destroy(plan) => destroy_versions(ctx, plan),
        DestroyRequest::Cancel { name, version } => cancel(ctx, name, *version),
        DestroyRequest::Purge { name, yes } => purge(ctx, name, *yes),
        DestroyRequest::Pending { dry_run } => pending(ctx, *dry_run),
    }
}

fn key_destroyed(name: &str, tombstone: &Tombstone) -> Failure {
    Failure::key_unusable(format!("key '{name}' was destroyed{}", tombstone.note())).hint(format!(
        "its name is kept as a tombstone; `keycask destroy --purge {name}` removes it"
    ))
}

fn no_such_version(name: &str, version: u32) -> Failure {
    Failure::key_unusable(format!("key '{name}' has no version {version}"))
        .hint(format!("`keycask show {name}` lists its versions"))
}

/// The versions a destruction acts on, or why it is refused. Checked before
/// asking for confirmation, and again under the lock.
fn targets(doc: &Keyring, name: &str, version: Option<u32>, when: When) -> Result<Vec<u32>> {
    let key = find_key(doc, name)?;
    if let Some(tombstone) = &key.destroyed {
        return Err(key_destroyed(name, tombstone).into());
    }
    let Some(number) = version else {
        // The whole key: every version that still holds material; when
        // scheduling, those not already scheduled keep their own date.
        let all: Vec<u32> = key
            .versions
            .iter()
            .filter(|v| v.wrapped.is_some())
            .filter(|v| when == When::Now || v.state != VersionState::DestroyScheduled)
            .map(|v| v.version)
            .collect();
        if all.is_empty() {
            return Err(Failure::key_unusable(format!(
                "every version of key '{name}' is already scheduled for destruction"
            ))
            .hint(format!(
                "`keycask destroy --cancel {name}` cancels it; `keycask destroy {name} --now` destroys it at once"
            ))
            .into());
        }
        return Ok(all);
    };
    let v = key
        .version(number)
        .ok_or_else(|| no_such_version(name, number))?;
    if v.state == VersionState::Destroyed || v.wrapped.is_none() {
        return Err(Failure::key_unusable(format!(
            "version {number} of key '{name}' was already destroyed{}",
            destruction_note(v)
        ))
        .into());
    }
    if number == key.primary {
        return Err(Failure::key_unusable(format!(
            "version {number} is the primary version of key '{name}'; refusing to destroy it"
        ))
        .hint(format!(
            "rotate first (`keycask rotate {name}`) so that a new version becomes primary, \
             then destroy this one; or destroy the whole key with `keycask destroy {name}`"
        ))
        .into());
    }
    if let (When::After(_), Some(after)) = (when, v.destroy_after) {
        return Err(Failure::key_unusable(format!(
            "version {number} of key '{name}' is already scheduled for destruction on {}",
            clock::format_time(after)
        ))
        .hint(format!(
            "to change the date, `keycask destroy --cancel {name} --version {number}` first; \
             --now destroys it at once"
        ))
        .into());
    }
    Ok(vec![number])
}

/// The keyring as the next writer will see it: with the scheduled
/// destructions due now carried out (in memory only; nothing is written).
fn as_of_now(mut doc: Keyring) -> Result<Keyring> {
    carry_out_due(&mut doc, clock::now()?);
    Ok(doc)
}

/// Asks, at a terminal, to type the key name. Without a terminal and without
/// `--yes` it refuses: a script must say so explicitly.
fn confirm(name: &str, what: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        // The first clause only: the consequences are for the prompt.
        let short = what.split(';').next().unwrap_or(what);
        return Err(Failure::usage(format!(
            "refusing to {short} without confirmation: there is no terminal to ask on"
        ))
        .hint("pass --yes to confirm from a script")
        .into());
    }
    let mut stderr = std::io::stderr().lock();
    write!(
        stderr,
        "keycask: about to {what}.\nType the key name ({name}) to confirm: "
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if answer.trim_end_matches(['\n', '\r']) != name {
        return Err(Failure::usage("the name typed does not match; nothing was changed").into());
    }
    Ok(())
}

/// Commits what the session's opening carried out (due destructions) before
/// returning a refusal, so that it is written rather than only reported.
fn refuse(session: Session, err: anyhow::Error) -> Result<()> {
    if !session.destroyed_due.is_empty() {
        session.commit()?;
    }
    Err(err)
}

fn version_list(versions: &[u32]) -> String {
    versions
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(name: &str, version: Option<u32>, versions: &[u32]) -> String {
    match version {
        Some(n) => format!("version {n} of key '{name}'"),
        None if versions.len() == 1 => format!("key '{name}' (version {})", versions[0]),
        None => format!("key '{name}' (versions {})", version_list(versions)),
    }
}

fn destroy_versions(ctx: &Context, plan: &Plan) -> Result<()> {
    let Plan {
        name,
        version,
        when,
        reason,
        yes,
        rotate_kek,
        checks,
    } = plan;
    let (name, version, when, reason, yes, rotate_kek) = (
        name.as_str(),
        *version,
        *when,
        reason.as_deref(),
        *yes,
        *rotate_kek,
    );
    // Refuse what will be refused before asking anything, and ask before
    // taking the writer's lock: no other writer waits on a person. The
    // keyring is looked at as it will be once due destructions are done.
    let doc = as_of_now(file::read(&ctx.keyring_path)?)?;
    let planned = targets(&doc, name, version, when)?;
    let what = describe(name, version, &planned);
    let checked = if checks.is_empty() {
        None
    } else {
        let checked = check_envelopes(&doc, name, &planned, &what, checks)?;
        ctx.note(format!(
            "checked {} file{} ({} envelope{}): none needs {what}",
            checked.files,
            plural(checked.files),
            checked.envelopes,
            plural(checked.envelopes),
        ));
        for (path, why) in &checked.passed_over {
            ctx.warn(format!("--check passed over {}: {why}", path.display()));
        }
        Some(checked)
    };
    let action = match when {
        When::Now => format!("destroy {what} now; this cannot be undone"),
        When::After(seconds) => format!(
            "schedule {what} for destruction in {}",
            clock::format_duration(seconds)
        ),
    };
    confirm(name, &action, yes)?;

    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let now = session.now();
    let versions = match targets(&session.keyring.doc, name, version, when) {
        Ok(versions) if versions == planned => versions,
        Ok(_) => {
            // Another writer added or changed versions while we asked: what
            // was confirmed and checked is no longer what would be done.
            let err = Failure::other(format!(
                "key '{name}' changed while waiting for confirmation; nothing was destroyed"
            ))
            .hint("run the command again")
            .into();
            return refuse(session, err);
        }
        Err(err) => return refuse(session, err),
    };
    let old_kek = session.keyring.doc.kek.primary;
    let root = session.keyring.doc.root.clone();
    let reason = reason.map(str::to_string);
    let key: &mut Key = session
        .keyring
        .doc
        .keys
        .get_mut(name)
        .expect("checked by targets()");
    let destroy_after = match when {
        When::Now => {
            let tombstone = Tombstone {
                at: now,
                reason: reason.clone(),
            };
            if version.is_none() {
                destroy_key(key, tombstone);
            } else {
                for number in &versions {
                    let v = key.version_mut(*number).expect("checked by targets()");
                    destroy_version(v, tombstone.clone());
                }
            }
            None
        }
        When::After(seconds) => {
            let after = clock::later(now, seconds);
            for number in &versions {
                let v = key.version_mut(*number).expect("checked by targets()");
                v.state = VersionState::DestroyScheduled;
                v.destroy_after = Some(after);
                v.destruction = Some(Tombstone {
                    at: now,
                    reason: reason.clone(),
                });
            }
            Some(after)
        }
    };
    let mut event = Event::new(if destroy_after.is_some() {
        "destroy-schedule"
    } else {
        "destroy"
    })
    .key(name)
    .versions(versions.clone());
    if let Some(reason) = &reason {
        event = event.detail(reason.clone());
    }
    session.record(event);
    let new_kek = if rotate_kek {
        // After the destruction, so the destroyed material is never
        // unwrapped to be re-wrapped.
        let number = session.rotate_kek(now)?;
        session
            .record(Event::new("rotate-kek").detail(format!("KEK version {old_kek} -> {number}")));
        Some(number)
    } else {
        None
    };
    session.commit()?;

    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.destroy/1",
            "action": if destroy_after.is_some() { "scheduled" } else { "destroyed" },
            "key": name,
            "whole_key": version.is_none(),
            "versions": versions,
            "at": clock::format_time(now),
            "destroy_after": destroy_after.map(clock::format_time),
            "reason": reason,
            "kek_version": new_kek.unwrap_or(old_kek),
            "kek_rotated": new_kek.is_some(),
            "checked": checked.as_ref().map(|c| json!({
                "paths": checks,
                "files": c.files,
                "envelopes": c.envelopes,
                "passed_over": c.not_ours + c.passed_over.len(),
            })),
        }))?;
    } else {
        let what = describe(name, version, &versions);
        match destroy_after {
            Some(after) => ctx.report(format_args!(
                "scheduled {what} for destruction on {}; disabled until then \
                 (undo with `keycask destroy --cancel {name}{}`)",
                clock::format_time(after),
                version
                    .map(|n| format!(" --version {n}"))
                    .unwrap_or_default()
            ))?,
            None => ctx.report(format_args!("destroyed {what}"))?,
        }
        if let Some(number) = new_kek {
            ctx.report(format_args!(
                "rotated the KEK: version {old_kek} -> {number}"
            ))?;
        }
    }
    if destroy_after.is_none() {
        ctx.note(remnants(&root, old_kek, new_kek));
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What `--check` looked at, when nothing needs the versions.
#[derive(Debug)]
struct Checked {
    /// Regular files read.
    files: usize,
    /// Envelopes of this keyring among them.
    envelopes: usize,
    /// The other files read: not envelopes, or another keyring's.
    not_ours: usize,
    /// What the walk did not read (links inside folders, special files).
    passed_over: Vec<(PathBuf, String)>,
}

/// How many files `--check` lists before it only counts.
const LISTED: usize = 20;

/// Scans `paths` with the same scan as `rekey --dry-run` (headers only, no
/// unlock) and refuses while an envelope needs one of `versions`, or while a
/// file that looks like an envelope cannot be read (it might need one).
fn check_envelopes(
    doc: &Keyring,
    name: &str,
    versions: &[u32],
    what: &str,
    paths: &[PathBuf],
) -> Result<Checked> {
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let deps = scan::dependencies(paths, jobs)?;
    let key = find_key(doc, name)?;
    // (path, version number, the keyring id its header names when that is
    // another keyring's: an envelope made with a key imported here).
    let mut needing: Vec<(&Path, u32, Option<&str>)> = Vec::new();
    for number in versions {
        let v = key.version(*number).expect("checked by targets()");
        for id in crate::sealed::dependency_ids(name, v) {
            for (path, named) in deps.envelopes_needing(&id) {
                // A recipient stanza names no keyring: it is this one's key.
                let foreign = (!named.keyring_id.is_empty() && named.keyring_id != doc.keyring_id)
                    .then_some(named.keyring_id.as_str());
                needing.push((path, *number, foreign));
            }
        }
    }
    needing.sort();
    needing.dedup();
    let list = |total: usize, lines: Vec<String>| {
        let mut text = lines
            .into_iter()
            .take(LISTED)
            .map(|line| format!("\n  {line}"))
            .collect::<String>();
        if total > LISTED {
            text.push_str(&format!("\n  ... and {} more", total - LISTED));
        }
        text
    };
    if !needing.is_empty() {
        let total = needing.len();
        let foreign = needing.iter().any(|(_, _, f)| f.is_some());
        let lines = needing
            .iter()
            .map(|(path, n, keyring)| match keyring {
                None => format!("{} (version {n})", path.display()),
                Some(id) => format!(
                    "{} (version {n}; made by keyring {id}: re-encrypt it, a header-only rekey does not rewrite it)",
                    path.display()
                ),
            })
            .collect();
        return Err(Failure::key_unusable(format!(
            "{total} envelope{} under --check still need{} {}:{}",
            plural(total),
            if total == 1 { "s" } else { "" },
            what,
            list(total, lines)
        ))
        .hint(format!(
            "re-key them to the primary version first (`keycask rekey {0}`; after a compromise, re-encrypt them with a fresh content key: `keycask rekey --reencrypt {0}`){1}, then destroy again",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            if foreign {
                "; those another keyring made need `keycask rekey --reencrypt`"
            } else {
                ""
            }
        ))
        .into());
    }
    if !deps.unreadable.is_empty() {
        let total = deps.unreadable.len();
        let lines = deps
            .unreadable
            .iter()
            .map(|(path, why)| format!("{}: {why}", path.display()))
            .collect();
        return Err(Failure::key_unusable(format!(
            "cannot tell whether {total} file{} under --check need{} {}: they look like envelopes but cannot be read:{}",
            plural(total),
            if total == 1 { "s" } else { "" },
            what,
            list(total, lines)
        ))
        .hint("repair, move or delete them, or leave their folder out of --check")
        .into());
    }
    // This keyring's envelopes: those that need one of its versions (by
    // version id or public key, as `unwrap` finds them).
    let ids: std::collections::HashSet<String> = doc
        .keys
        .iter()
        .flat_map(|(name, k)| {
            k.versions
                .iter()
                .flat_map(|v| crate::sealed::dependency_ids(name, v))
        })
        .collect();
    let envelopes = deps.envelopes.len();
    let ours = deps
        .envelopes
        .iter()
        .filter(|(_, needs)| needs.iter().any(|v| ids.contains(v.version_id.as_str())))
        .count();
    Ok(Checked {
        files: envelopes + deps.not_envelopes.len(),
        envelopes: ours,
        not_ours: envelopes - ours + deps.not_envelopes.len(),
        passed_over: deps.passed_over,
    })
}

/// What still holds destroyed material after a destruction, and the remedy.
fn remnants(root: &RootConfig, old_kek: u32, new_kek: Option<u32>) -> String {
    let copies = "copies of the keyring made before this moment (backups, snapshots, \
                  synced copies, freed disk blocks) still hold the destroyed material";
    let root_remedy = match root {
        RootConfig::Passphrase(_) => {
            "an old copy opens with the old passphrase, so change it too \
             (`keycask rotate --root`)"
        }
        RootConfig::Keyfile { .. } => {
            "move to a new key file (`keycask rotate --root --to keyfile:NEW`) and destroy \
             the old one"
        }
        RootConfig::Pkcs11 { .. } => {
            "move to a new token object (`keycask rotate --root --to 'pkcs11:...;object=NEW'`) \
             and delete the old object from the token"
        }
        RootConfig::Transit { .. } => {
            "rotate the Transit key, re-wrap (`keycask rotate --root`), then raise its \
             min_decryption_version (`bao write transit/keys/NAME/config min_decryption_version=N`) \
             and trim the old versions"
        }
    };
    match new_kek {
        None => format!(
            "{copies}, wrapped under KEK version {old_kek} and this keyring's unchanged root, \
             which still open them. To cut them off: `keycask rotate --kek` (or \
             `destroy --now --rotate-kek` next time), then retire the root: {root_remedy}; \
             and delete the old copies you can reach. See docs/destruction.md"
        ),
        Some(_) => format!(
            "{copies}, under the old KEK version {old_kek}; the KEK was rotated, so they open \
             only with the root as it was. The root has not changed yet: {root_remedy}; and \
             delete the old copies you can reach. See docs/destruction.md"
        ),
    }
}

fn cancel(ctx: &Context, name: &str, version: Option<u32>) -> Result<()> {
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let versions = match cancellable(&session.keyring.doc, name, version) {
        Ok(versions) => versions,
        Err(err) => return refuse(session, err),
    };
    let key = session
        .keyring
        .doc
        .keys
        .get_mut(name)
        .expect("checked by cancellable()");
    for number in &versions {
        let v = key.version_mut(*number).expect("checked by cancellable()");
        v.state = VersionState::Enabled;
        v.destroy_after = None;
        v.destruction = None;
    }
    session.record(
        Event::new("destroy-cancel")
            .key(name)
            .versions(versions.clone()),
    );
    session.commit()?;
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.destroy/1",
            "action": "cancelled",
            "key": name,
            "whole_key": version.is_none(),
            "versions": versions,
        }))
    } else {
        ctx.report(format_args!(
            "cancelled the scheduled destruction of {}; enabled again",
            describe(name, version, &versions)
        ))?;
        Ok(())
    }
}

fn cancellable(doc: &Keyring, name: &str, version: Option<u32>) -> Result<Vec<u32>> {
    let key = find_key(doc, name)?;
    if let Some(tombstone) = &key.destroyed {
        return Err(key_destroyed(name, tombstone)
            .hint("a destruction that was carried out cannot be undone")
            .into());
    }
    let scheduled = |n: u32| {
        key.version(n)
            .is_some_and(|v| v.state == VersionState::DestroyScheduled)
    };
    let Some(number) = version else {
        let all: Vec<u32> = key
            .versions
            .iter()
            .filter(|v| v.state == VersionState::DestroyScheduled)
            .map(|v| v.version)
            .collect();
        if all.is_empty() {
            return Err(Failure::key_unusable(format!(
                "no version of key '{name}' is scheduled for destruction"
            ))
            .into());
        }
        return Ok(all);
    };
    let v = key
        .version(number)
        .ok_or_else(|| no_such_version(name, number))?;
    match v.state {
        VersionState::DestroyScheduled => {}
        VersionState::Destroyed => {
            return Err(Failure::key_unusable(format!(
                "version {number} of key '{name}' was already destroyed{}",
                destruction_note(v)
            ))
            .hint("a destruction that was carried out cannot be undone")
            .into());
        }
        state => {
            return Err(Failure::key_unusable(format!(
                "version {number} of key '{name}' is not scheduled for destruction (it is {state})"
            ))
            .into());
        }
    }
    // The primary included: cancelling it alone would leave the key half
    // cancelled, its other versions still scheduled.
    if scheduled(key.primary) {
        return Err(Failure::key_unusable(format!(
            "the whole key '{name}' is scheduled for destruction, with its primary version {}",
            key.primary
        ))
        .hint(format!(
            "`keycask destroy --cancel {name}` cancels it for every version"
        ))
        .into());
    }
    Ok(vec![number])
}

fn purge(ctx: &Context, name: &str, yes: bool) -> Result<()> {
    let doc = as_of_now(file::read(&ctx.keyring_path)?)?;
    purgeable(&doc, name)?;
    confirm(
        name,
        &format!(
            "remove the tombstone of the destroyed key '{name}'; envelopes made with it \
             will then fail as made with an unknown key, without saying when and why it was destroyed"
        ),
        yes,
    )?;
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    if let Err(err) = purgeable(&session.keyring.doc, name) {
        return refuse(session, err);
    }
    let key = session
        .keyring
        .doc
        .keys
        .remove(name)
        .expect("checked by purgeable()");
    session.record(
        Event::new("destroy-purge")
            .key(name)
            .versions(key.versions.iter().map(|v| v.version)),
    );
    session.commit()?;
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.destroy/1",
            "action": "purged",
            "key": name,
            "whole_key": true,
            "versions": key.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        }))
    } else {
        ctx.report(format_args!(
            "purged the tombstone of key '{name}'; the name can be used again"
        ))?;
        Ok(())
    }
}

fn purgeable(doc: &Keyring, name: &str) -> Result<()> {
    let key = find_key(doc, name)?;
    if key.destroyed.is_none() {
        return Err(Failure::key_unusable(format!(
            "key '{name}' is not destroyed; --purge removes only the tombstone of a destroyed key"
        ))
        .hint(format!("destroy it first: `keycask destroy {name} --now`"))
        .into());
    }
    Ok(())
}

fn scheduled_json(doc: &Keyring) -> Vec<Value> {
    doc.keys
        .iter()
        .flat_map(|(name, key)| {
            key.versions
                .iter()
                .filter(|v| v.state == VersionState::DestroyScheduled)
                .map(move |v| {
                    json!({
                        "key": name,
                        "version": v.version,
                        "destroy_after": v.destroy_after.map(clock::format_time),
                    })
                })
        })
        .collect()
}

fn due_json(d: &DueDestruction) -> Value {
    json!({
        "key": d.key,
        "version": d.version,
        "version_id": d.version_id,
        "due": clock::format_time(d.due),
        "reason": d.reason,
        "whole_key": d.whole_key,
    })
}

/// Carries out the scheduled destructions that fell due, for cron. When
/// nothing is due it neither unlocks nor writes, so it needs no secret.
/// A dry run works on the metadata only, in memory, as of [`clock::now`]
/// (which `KEYCASK_NOW` may move, to preview a day).
fn pending(ctx: &Context, dry_run: bool) -> Result<()> {
    let doc = file::read(&ctx.keyring_path)?;
    let now: Timestamp = clock::now()?;
    if dry_run {
        let mut after = doc;
        let would = carry_out_due(&mut after, now);
        if ctx.json {
            return output::print_json(&json!({
                "schema": "keycask.destroy-pending/1",
                "dry_run": true,
                "at": clock::format_time(now),
                "destroyed": [],
                "would_destroy": would.iter().map(due_json).collect::<Vec<_>>(),
                "scheduled": scheduled_json(&after),
            }));
        }
        if would.is_empty() {
            ctx.note(format!(
                "no scheduled destruction falls due by {}",
                clock::format_time(now)
            ));
        }
        for d in &would {
            ctx.print(format_args!(
                "would destroy version {} of key '{}' (due {}){}",
                d.version,
                d.key,
                clock::format_time(d.due),
                if d.whole_key {
                    "; it is the primary, so the whole key would become a tombstone"
                } else {
                    ""
                }
            ))?;
        }
        return Ok(());
    }
    let (done, doc) = if due(&doc, now).is_empty() {
        (Vec::new(), doc)
    } else {
        let session = Session::open(&ctx.keyring_path, &ctx.sources)?;
        let done = session.destroyed_due.clone();
        let doc = session.keyring.doc.clone();
        session.commit()?;
        (done, doc)
    };
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.destroy-pending/1",
            "dry_run": false,
            "at": clock::format_time(now),
            "destroyed": done.iter().map(due_json).collect::<Vec<_>>(),
            "would_destroy": [],
            "scheduled": scheduled_json(&doc),
        }))?;
    } else if ctx.verbose > 0 && done.is_empty() {
        ctx.note("no scheduled destruction has fallen due");
    }
    if !done.is_empty() {
        ctx.note(remnants(&doc.root, doc.kek.primary, None));
    }
    Ok(())
}
