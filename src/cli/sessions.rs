//! The options of `agent`, `unlock`, `lock`: holding an unlocked keyring for a while.

use std::path::PathBuf;

use clap::Args;

#[derive(Args, Debug)]
pub struct AgentArgs {
    /// Stay in the foreground and log to stderr (the shell lines are
    /// printed all the same)
    #[arg(long)]
    pub foreground: bool,

    /// Stop the agent named by KEYCASK_AGENT_PID, as `ssh-agent -k` does
    #[arg(short = 'k', long, conflicts_with_all = ["foreground", "exit_with", "confirm_timeout"])]
    pub kill: bool,

    /// Stop when this process ends (such as the login shell: --exit-with $$)
    #[arg(long, value_name = "PID")]
    pub exit_with: Option<u32>,

    /// How long a use of a keyring unlocked with --confirm waits for its
    /// yes before it is refused: 30s, 2m; at most 5m
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub confirm_timeout: String,

    /// The socket to bind (set by `keycask agent` for the agent it starts)
    #[arg(long, hide = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,

    /// Run as the background agent (set by `keycask agent`)
    #[arg(long, hide = true, requires = "socket")]
    pub daemon: bool,
}

#[derive(Args, Debug)]
pub struct UnlockArgs {
    /// How long the agent holds the keyring: 90s, 30m, 2h; at most 12h
    #[arg(long = "for", value_name = "DURATION", default_value = "15m")]
    pub duration: String,

    /// Ask before each use, on the agent's terminal or through its
    /// KEYCASK_ASKPASS program (as `ssh-add -c`); a no fails the command
    #[arg(long)]
    pub confirm: bool,
}

#[derive(Args, Debug)]
pub struct LockArgs {
    /// Every keyring the agent holds, not only this one
    #[arg(long)]
    pub all: bool,
}
