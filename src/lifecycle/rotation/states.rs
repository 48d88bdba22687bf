//! `enable` and `disable`: a version's state.

#[allow(unused_imports)]
use super::*;

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
pub(super) fn check_state_change(
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
        let known = version_tags(&key.versions.iter().map(|v| v.version).collect::<Vec<_>>());
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
    if !changed && !ctx.json {
        ctx.note(format!(
            "key {name} version {version} is already {wanted}; nothing changed"
        ));
    }
    ctx.emit(&VersionStateReport {
        schema: "keycask.version-state/1",
        name,
        version: *version,
        state: wanted.to_string(),
        changed,
    })
}

/// What `enable` and `disable` report: `keycask.version-state/1`
/// (docs/JSON.md); no line when nothing changed (a note says so).
#[derive(Serialize)]
struct VersionStateReport<'a> {
    schema: &'static str,
    name: &'a str,
    version: u32,
    state: String,
    changed: bool,
}

impl fmt::Display for VersionStateReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changed {
            writeln!(
                f,
                "key {} version {} is now {}",
                self.name, self.version, self.state
            )?;
        }
        Ok(())
    }
}
