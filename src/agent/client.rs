//! The client side: how a command asks the agent named by
//! `KEYCASK_AGENT_SOCK` for a keyring's KEK versions, and tells it to
//! forget one. Every failure to reach the agent means "not held": the
//! command then asks for the root's secret as it always did.

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use super::protocol::{self, Keks, Reply, Request, read_frame, write_frame};
use crate::error::Failure;

/// The variable naming the agent's socket.
pub const SOCK_VAR: &str = "KEYCASK_AGENT_SOCK";
/// The variable naming the agent's pid (for `agent --kill`).
pub const PID_VAR: &str = "KEYCASK_AGENT_PID";

/// How long a command waits for the agent before going on without it.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The agent's socket, when `KEYCASK_AGENT_SOCK` names one.
pub fn socket_from_env() -> Option<PathBuf> {
    std::env::var_os(SOCK_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A connection to the agent.
pub struct Client {
    stream: UnixStream,
    pub socket: PathBuf,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects, and checks that the agent runs as this user: a socket of
    /// another user's process is never trusted with a request.
    pub fn connect(socket: PathBuf) -> Result<Client, String> {
        let stream = UnixStream::connect(&socket)
            .map_err(|e| format!("cannot reach the agent at {}: {e}", socket.display()))?;
        let cred = rustix::net::sockopt::socket_peercred(&stream)
            .map_err(|e| format!("cannot tell who runs the agent (SO_PEERCRED): {e}"))?;
        let me = rustix::process::geteuid().as_raw();
        if cred.uid.as_raw() != me {
            return Err(format!(
                "the agent at {} runs as uid {}, not as this user (uid {me})",
                socket.display(),
                cred.uid.as_raw()
            ));
        }
        let _ = stream.set_read_timeout(Some(TIMEOUT));
        let _ = stream.set_write_timeout(Some(TIMEOUT));
        Ok(Client { stream, socket })
    }

    /// The agent of `KEYCASK_AGENT_SOCK`, or why there is none.
    pub fn from_env() -> Result<Client, String> {
        let socket = socket_from_env().ok_or_else(|| format!("{SOCK_VAR} is not set"))?;
        Client::connect(socket)
    }

    /// Sends one request and reads its reply.
    pub fn call(&mut self, request: &Request) -> Result<Reply, String> {
        let body = protocol::encode_request(request);
        write_frame(&self.stream, &body).map_err(|e| format!("writing to the agent: {e}"))?;
        match read_frame(&self.stream) {
            Ok(Some(reply)) => {
                protocol::parse_reply(&reply).map_err(|e| format!("the agent's reply: {}", e.why))
            }
            Ok(None) => Err("the agent closed the connection".into()),
            Err(e) => Err(format!("reading from the agent: {e}")),
        }
    }

    /// Like [`Client::call`], and a refusal is an error naming its word.
    pub fn call_ok(&mut self, request: &Request) -> Result<Reply, String> {
        let reply = self.call(request)?;
        if reply.ok {
            Ok(reply)
        } else {
            Err(format!(
                "the agent refused the request ({})",
                reply.error.as_deref().unwrap_or("no reason")
            ))
        }
    }
}

/// What the agent holds for one keyring.
pub enum Lookup {
    /// No agent is named (`KEYCASK_AGENT_SOCK` unset).
    NoAgent,
    /// An agent is named but does not hold this keyring; why, for a hint.
    Missed(String),
    /// The KEK versions, and the agent's pid.
    Held(Keks, u32),
    /// The keyring is held with `--confirm`, and this use was answered no
    /// (`denied` true) or not answered in time: final, nothing is asked
    /// instead. The agent's pid.
    Refused { denied: bool, pid: Option<u32> },
}

/// Asks the agent of `KEYCASK_AGENT_SOCK` for this keyring's KEK versions.
pub fn lookup(keyring_id: &str) -> Lookup {
    if socket_from_env().is_none() {
        return Lookup::NoAgent;
    }
    let mut client = match Client::from_env() {
        Ok(client) => client,
        Err(why) => return Lookup::Missed(why),
    };
    let request = Request::Get {
        keyring: keyring_id.to_string(),
    };
    // The answer to a `get` may wait for a use to be confirmed.
    let _ = client.stream.set_read_timeout(Some(
        TIMEOUT + Duration::from_secs(protocol::MAX_CONFIRM_SECONDS),
    ));
    match client.call(&request) {
        Ok(mut reply) if reply.ok => match (reply.take_keks(), reply.pid) {
            (Some(keks), Some(pid)) if !keks.0.is_empty() => Lookup::Held(keks, pid),
            _ => Lookup::Missed("the agent's reply held no KEK".into()),
        },
        Ok(reply) if matches!(reply.error.as_deref(), Some("denied" | "unconfirmed")) => {
            Lookup::Refused {
                denied: reply.error.as_deref() == Some("denied"),
                pid: reply.pid,
            }
        }
        Ok(reply) if reply.error.as_deref() == Some("locked") => Lookup::Missed(
            "the agent does not hold this keyring (not unlocked, locked, or expired)".into(),
        ),
        Ok(reply) => Lookup::Missed(format!(
            "the agent refused ({})",
            reply.error.as_deref().unwrap_or("no reason")
        )),
        Err(why) => Lookup::Missed(why),
    }
}

/// Tells the agent to forget a keyring; quietly does nothing without one.
pub fn forget(keyring_id: &str, reason: &str) {
    if let Ok(mut client) = Client::from_env() {
        let _ = client.call(&Request::Drop {
            keyring: keyring_id.to_string(),
            reason: reason.to_string(),
        });
    }
}

/// After `rotate --kek`: an agent that holds this keyring is given the new
/// KEK versions (its expiry unchanged). Returns whether it held it.
pub fn replace_keks(keyring_id: &str, keks: Keks) -> bool {
    let Ok(mut client) = Client::from_env() else {
        return false;
    };
    matches!(
        client.call(&Request::Update {
            keyring: keyring_id.to_string(),
            keks,
        }),
        Ok(reply) if reply.ok
    )
}

/// The error of `unlock` and `lock` when no agent can be reached.
pub fn no_agent(why: String) -> anyhow::Error {
    Failure::usage(format!("no keycask agent: {why}"))
        .hint("start one with: eval \"$(keycask agent)\"")
        .into()
}

/// The agent's pid, from `ping`.
pub fn ping(client: &mut Client) -> Result<u32> {
    let reply = client.call_ok(&Request::Ping).map_err(no_agent)?;
    reply
        .pid
        .ok_or_else(|| no_agent("the agent did not give its pid".into()))
}
