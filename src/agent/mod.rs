//! The agent's transport, below the keyring: its wire protocol, its client
//! (what every unlock asks first) and its server (the process `keycask
//! agent` runs). The commands `agent`, `unlock` and `lock` are in
//! `lifecycle/agent.rs`; the hooks the keyring calls in `keyring/agent.rs`
//! (docs/agent.md).

pub mod client;
pub mod confirm;
pub mod protocol;
pub mod server;
