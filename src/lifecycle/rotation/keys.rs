//! `rotate NAME` and `rotate --due`: new primary versions of keys.

#[allow(unused_imports)]
use super::*;

/// What one key's rotation did, for the report.
#[derive(Serialize)]
pub(super) struct Rotated {
    name: String,
    #[serde(rename = "old_version")]
    old: u32,
    #[serde(rename = "new_version")]
    new: u32,
    #[serde(rename = "new_version_id")]
    new_id: String,
    #[serde(rename = "compromised_versions")]
    flagged: Vec<u32>,
    #[serde(with = "crate::key::rfc3339_opt")]
    due: Option<Timestamp>,
}

/// What `rotate NAME` reports: `keycask.rotate/1` (docs/JSON.md).
#[derive(Serialize)]
struct RotateReport<'a> {
    schema: &'static str,
    #[serde(flatten)]
    rotated: &'a Rotated,
    reason: Option<&'a str>,
}

impl fmt::Display for RotateReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.rotated;
        writeln!(
            f,
            "rotated key {}: version {} -> {} (id {}); version {} and older still decrypt",
            r.name, r.old, r.new, r.new_id, r.old
        )
    }
}

/// What a real `rotate --due` reports: `keycask.rotate-due/1`
/// (docs/JSON.md); a dry run prints its plan itself.
#[derive(Serialize)]
struct RotateDueReport<'a> {
    schema: &'static str,
    dry_run: bool,
    #[serde(with = "crate::key::rfc3339")]
    now: Timestamp,
    rotated: &'a [Rotated],
    would_rotate: &'a [Value],
}

impl fmt::Display for RotateDueReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in self.rotated {
            writeln!(
                f,
                "rotated {}: version {} -> {} (due {})",
                r.name,
                r.old,
                r.new,
                r.due.map(clock::format_time).unwrap_or_default()
            )?;
        }
        Ok(())
    }
}

/// Adds a new primary version to `name` in an open session, generated from
/// the OS CSPRNG, flagging older versions if `compromised`.
pub(super) fn add_rotated_version(
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

pub(super) fn rotate_key(
    ctx: &Context,
    name: &str,
    compromised: bool,
    reason: Option<&str>,
) -> Result<()> {
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

    ctx.emit(&RotateReport {
        schema: "keycask.rotate/1",
        rotated: &rotated,
        reason,
    })?;
    // Warnings go to stderr under --json too (docs/JSON.md): the document
    // lists the flagged versions but not what to do about them.
    if !rotated.flagged.is_empty() {
        ctx.warn(format!(
            "flagged as compromised: {}; they still decrypt, with a warning. Rotation alone does not protect data already encrypted under them: re-encrypt your envelopes with a fresh content key (`keycask rekey --reencrypt PATH...`; a header-only `keycask rekey` keeps their content key), then disable or destroy those versions",
            version_tags(&rotated.flagged)
        ));
    }
    // A recipient key: hosts that seal to a copy of its public key keep
    // sealing to the old version until they get the new one.
    if algorithm.is_symmetric() || purpose != crate::key::Purpose::Encrypt {
        return Ok(());
    }
    ctx.warn(format!(
        "hosts that seal to key {name} with `wrap --to FILE.pem` keep using version {} until they get the new public key (`keycask export {name} --public -o {name}.pem`){}",
        rotated.old,
        if rotated.flagged.is_empty() {
            ""
        } else {
            "; envelopes sealed to a compromised version are exposed: re-encrypt them (`keycask rekey --reencrypt PATH...`), as a header-only rekey keeps their content key"
        }
    ));
    Ok(())
}

/// The keys due for rotation at `now`: those with a period whose primary
/// version is at least that old. Destroyed keys, and keys scheduled for
/// destruction as a whole, are never due ([`Key::rotation_due`]).
pub(super) fn due_keys(doc: &crate::keyring::Keyring, now: Timestamp) -> Vec<(String, Timestamp)> {
    doc.keys
        .iter()
        .filter_map(|(name, key)| {
            key.rotation_due()
                .filter(|due| *due <= now)
                .map(|due| (name.clone(), due))
        })
        .collect()
}

pub(super) fn rotate_due(ctx: &Context, dry_run: bool) -> Result<()> {
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
    if rotated.is_empty() && stuck.is_empty() && !ctx.json {
        ctx.note("no key is due for rotation");
    }
    ctx.emit(&RotateDueReport {
        schema: "keycask.rotate-due/1",
        dry_run: false,
        now,
        rotated: &rotated,
        would_rotate: &[],
    })?;
    match stuck.first() {
        Some(name) => Err(crate::keyring::version_ceiling_reached(name).into()),
        None => Ok(()),
    }
}
