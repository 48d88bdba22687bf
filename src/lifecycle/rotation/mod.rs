//! Rotation: `rotate NAME`, `rotate --due`, `rotate --kek`, `rotate --root`,
//! `enable` / `disable`, and `rekey`.
//!
//! Rotation never re-encrypts data: a key gets a new primary version and the
//! old ones keep decrypting; the KEK and the root re-wrap only what sits
//! directly under them; `rekey` rewrites only envelope headers.

mod hierarchy;
mod keys;
mod reencrypting;
mod rekeying;
mod states;

use hierarchy::*;
use keys::*;
use reencrypting::*;
#[allow(unused_imports)]
use rekeying::*;
pub use rekeying::{RekeyRequest, rekey};
pub use states::{StateChange, VersionStateRequest, set_version_state};

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;

use anyhow::{Context as _, Result};
use serde::Serialize;
use serde_json::{Value, json};

use super::common::{MaxLen, check_reason, version_list, version_tags};
use crate::Context;
use crate::cli::{RotateArgs, VersionStateArgs};
use crate::clock::{self, Timestamp};
use crate::crypto::material;
use crate::error::Failure;
use crate::key::validate_key_name;
use crate::keyring::{
    Event, Key, KeyVersion, Session, Tombstone, VersionState, cancel_command, destruction_note,
    file, find_key,
};
use crate::keyring::{Keyring, open_read_only};
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
            let reason = args
                .reason
                .as_deref()
                .map(|r| check_reason(r, MaxLen::Bytes(500)))
                .transpose()?;
            return Ok(RotateRequest::Key {
                name: name.clone(),
                compromised: args.compromised,
                reason,
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

#[cfg(test)]
mod tests {
    use super::states::check_state_change;
    use super::*;
    use crate::key::{Algorithm, Purpose};
    use crate::keyring::Origin;

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
