//! Destruction: `destroy`. A version (never the primary) or a whole key is
//! destroyed at once (`--now`) or scheduled (`--after`), a schedule can be
//! cancelled, due schedules are carried out (`--pending`, and every writer
//! through `Session::open`), and the tombstone of a destroyed key can be
//! purged deliberately. See docs/destruction.md for the decisions.
//! `destroy --check` (no envelope may still need what is destroyed) is in
//! `check.rs`.

mod check;
mod report;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use serde_json::{Value, json};

use check::{check_envelopes, plural};
use report::{CheckedReport, DestroyReport, UndoReport, Undone};

use crate::Context;
use crate::cli::DestroyArgs;
use crate::clock::{self, Timestamp};
use crate::error::Failure;
use crate::key::validate_key_name;
use crate::keyring::destruction::{
    DueDestruction, carry_out_due, destroy_key, destroy_version, due,
};
use crate::keyring::{
    Event, Key, Keyring, Session, Tombstone, VersionState, destruction_note, file, find_key,
};
use crate::lifecycle::common::{MaxLen, check_reason, version_list};
use crate::output;
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

/// The longest `--reason` that `destroy` takes, in characters.
const MAX_REASON: usize = 200;

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
            reason: args
                .reason
                .as_deref()
                .map(|r| check_reason(r, MaxLen::Chars(MAX_REASON)))
                .transpose()?,
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

/// The option that asks for `when` again, for a hint that runs as printed.
fn when_flags(when: When) -> String {
    match when {
        When::Now => "--now".to_string(),
        // parse_duration's units are h, d, w and y: a whole number of hours.
        When::After(seconds) if seconds % 86_400 == 0 => format!("--after {}d", seconds / 86_400),
        When::After(seconds) => format!("--after {}h", seconds.div_ceil(3_600)),
    }
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
             then destroy this one; or destroy the whole key with `keycask destroy {name} {}`",
            when_flags(when)
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
    let destroy_after = mark(key, version.is_none(), &versions, when, now, &reason);
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

    ctx.emit(&DestroyReport {
        schema: "keycask.destroy/1",
        action: if destroy_after.is_some() {
            "scheduled"
        } else {
            "destroyed"
        },
        key: name,
        whole_key: version.is_none(),
        versions: &versions,
        at: now,
        destroy_after,
        reason: reason.as_deref(),
        kek_version: new_kek.unwrap_or(old_kek),
        kek_rotated: new_kek.is_some(),
        checked: checked.as_ref().map(|c| CheckedReport {
            paths: checks,
            files: c.files,
            envelopes: c.envelopes,
            passed_over: c.not_ours + c.passed_over.len(),
        }),
        version,
        old_kek,
    })?;
    if destroy_after.is_none() {
        ctx.note(remnants(&root, old_kek, new_kek));
    }
    Ok(())
}

/// Destroys the versions (or the whole key) now, or schedules them;
/// returns when a schedule falls due.
fn mark(
    key: &mut Key,
    whole_key: bool,
    versions: &[u32],
    when: When,
    now: Timestamp,
    reason: &Option<String>,
) -> Option<Timestamp> {
    match when {
        When::Now => {
            let tombstone = Tombstone {
                at: now,
                reason: reason.clone(),
            };
            if whole_key {
                destroy_key(key, tombstone);
            } else {
                for number in versions {
                    let v = key.version_mut(*number).expect("checked by targets()");
                    destroy_version(v, tombstone.clone());
                }
            }
            None
        }
        When::After(seconds) => {
            let after = clock::later(now, seconds);
            for number in versions {
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
    }
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
    ctx.emit(&UndoReport {
        schema: "keycask.destroy/1",
        action: Undone::Cancelled,
        key: name,
        whole_key: version.is_none(),
        versions,
        version,
    })
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
    ctx.emit(&UndoReport {
        schema: "keycask.destroy/1",
        action: Undone::Purged,
        key: name,
        whole_key: true,
        versions: key.versions.iter().map(|v| v.version).collect(),
        version: None,
    })
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
    } else if done.is_empty() {
        // As `rotate --due` says so; `-q` silences it (issue 18).
        ctx.note("no scheduled destruction has fallen due");
    }
    if !done.is_empty() {
        ctx.note(remnants(&doc.root, doc.kek.primary, None));
    }
    Ok(())
}
