//! The hooks every unlock and KEK rotation go through when an agent is
//! named (`KEYCASK_AGENT_SOCK`; docs/agent.md): the keyring unlocked with
//! the KEK versions the agent holds, or why not.

use anyhow::Result;

use super::{Keyring, Unlocked};
use crate::agent::client::{self, Lookup};
use crate::agent::protocol::Keks;
use crate::error::Failure;

/// The hook every unlock goes through first ([`keyring::unlock_doc`],
/// `Session::open`): the keyring unlocked with the agent's KEK versions,
/// or the document back with why the agent did not serve (`None` when no
/// agent is named). A MAC that fails under the held KEK is an error, and
/// the agent forgets the keyring.
pub(crate) fn unlock_from_agent(
    doc: Keyring,
) -> Result<std::result::Result<Unlocked, (Keyring, Option<String>)>> {
    let id = doc.keyring_id.clone();
    match client::lookup(&id) {
        Lookup::NoAgent => Ok(Err((doc, None))),
        Lookup::Missed(why) => Ok(Err((doc, Some(why)))),
        // A "no" at the agent is final: asking for the root's secret
        // instead (or reading it from a file) would turn it into a yes.
        Lookup::Refused { denied, pid } => {
            let agent = pid.map_or("the agent".to_string(), |pid| {
                format!("the agent (pid {pid})")
            });
            let what = if denied {
                format!(
                    "this use of the keyring was refused: {agent} asked for confirmation and the answer was no"
                )
            } else {
                format!(
                    "this use of the keyring was not confirmed: {agent} got no yes in time, or could not ask"
                )
            };
            Err(Failure::auth(what)
                .hint("the keyring was unlocked with --confirm: the agent asks before each use; answer yes there (at its terminal, or its KEYCASK_ASKPASS program)")
                .into())
        }
        Lookup::Held(keks, pid) => match Unlocked::unlock_with_keks(doc, &keks.0) {
            Ok(Ok(unlocked)) => Ok(Ok(unlocked)),
            Ok(Err(doc)) => {
                client::forget(&id, "its KEK was rotated by a command without the agent");
                Ok(Err((
                    doc,
                    Some(format!(
                        "the keyring's KEK was rotated since `keycask unlock`, so the agent (pid {pid}) forgot it"
                    )),
                )))
            }
            Err(_) => {
                client::forget(&id, "the keyring failed its MAC check under the held KEK");
                Err(Failure::keyring(
                    "the keyring failed its integrity check under the KEK the agent holds: it was changed outside keycask since `keycask unlock`",
                )
                .hint(format!(
                    "the agent (pid {pid}) forgot it; restore the keyring from a backup, then `keycask unlock` again"
                ))
                .into())
            }
        },
    }
}

/// Adds "or `keycask unlock`" to the hint of a root that could not be
/// opened while an agent is named but did not hold the keyring.
pub(crate) fn hint_unlock(mut err: anyhow::Error, why: &str) -> anyhow::Error {
    if let Some(failure) = err.downcast_mut::<Failure>() {
        let unlock = format!("or unlock once with `keycask unlock` ({why})");
        failure.hint = Some(match failure.hint.take() {
            Some(hint) => format!("{hint}; {unlock}"),
            None => unlock,
        });
    }
    err
}

/// After `rotate --kek` commits: an agent that holds the keyring gets the
/// new KEK version, its expiry unchanged.
pub(crate) fn after_kek_rotation(keyring: &Unlocked) {
    if client::socket_from_env().is_some() {
        client::replace_keks(&keyring.doc.keyring_id, Keks(keyring.keks().clone()));
    }
}
