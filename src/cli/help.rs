//! What `keycask --help` shows beyond the derive's definition: the commands
//! in groups, as git shows its own, and the environment (also read by the
//! man pages' ENVIRONMENT section).

use super::{Cli, EXIT_CODES};

use clap::CommandFactory;

/// The environment keycask reads: `keycask --help` and the man pages list it.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "KEYCASK_KEYRING",
        "The keyring file, when --keyring is not given.",
    ),
    (
        "KEYCASK_KEYFILE",
        "The root key file, instead of the path recorded in the keyring (--keyfile).",
    ),
    (
        "KEYCASK_PASSPHRASE_FILE",
        "Read the passphrase from this file, when neither --passphrase-file nor --passphrase-fd is given.",
    ),
    (
        "KEYCASK_PASSPHRASE",
        "The passphrase itself. Fragile: visible in /proc to the same user and inherited by child processes; prefer a file or a file descriptor.",
    ),
    (
        "KEYCASK_PIN_FILE",
        "Read the PKCS#11 token's PIN from this file, when --pin-file is not given.",
    ),
    (
        "KEYCASK_PIN",
        "The PKCS#11 token's PIN itself. Fragile, like KEYCASK_PASSPHRASE.",
    ),
    (
        "KEYCASK_PKCS11_MODULE",
        "The PKCS#11 module (.so) to load, instead of the URI's module-path (--pkcs11-module).",
    ),
    (
        "KEYCASK_PKCS11_MECHANISM",
        "aes-key-wrap makes init generate a wrap/unwrap-only root key in the token; aes-gcm insists on AES-GCM.",
    ),
    (
        "VAULT_TOKEN, BAO_TOKEN",
        "The Transit root's token (else ~/.vault-token, which must be 0600); VAULT_CACERT or BAO_CACERT: a CA beside the system's; VAULT_NAMESPACE: the namespace; VAULT_SKIP_VERIFY=1: no TLS verification, with a warning each time.",
    ),
    (
        "KEYCASK_TRANSIT_ROLE_ID",
        "AppRole login for the Transit root instead of a token, with the secret id read from KEYCASK_TRANSIT_SECRET_ID_FILE; KEYCASK_TRANSIT_APPROLE_MOUNT: where AppRole is enabled (default approle).",
    ),
    (
        "KEYCASK_TRANSIT_RETRY_SECONDS",
        "How long to retry an unreachable, sealed or leaderless Transit server (default 5; an election at OpenBao's default timing takes longer, see docs/transit.md).",
    ),
    (
        "KEYCASK_AGENT_SOCK",
        "The agent's socket, set by eval \"$(keycask agent)\": commands take the keyring's KEK from it, and ask as usual when it cannot serve (KEYCASK_AGENT_PID: its pid, for agent --kill).",
    ),
    (
        "KEYCASK_ASKPASS",
        "For the agent: the program that confirms each use of a keyring unlocked with --confirm, as SSH_ASKPASS (run with the question; exit 0 with yes, y or nothing is yes).",
    ),
    (
        "KEYCASK_NOW",
        "Preview a day: pretend the current time is this RFC 3339 instant (or date), for commands that change nothing (list, show, rotate --due --dry-run, destroy --pending --dry-run). A command that writes refuses it (exit 2), unless KEYCASK_NOW_WRITES=1 (for tests only).",
    ),
    (
        "XDG_DATA_HOME",
        "The default keyring is $XDG_DATA_HOME/keycask/keyring.json (~/.local/share when unset).",
    ),
    (
        "NO_COLOR",
        "keycask prints no colour, so there is nothing to turn off. Progress bars appear only when stderr is a terminal (and never with --no-progress).",
    ),
];

/// The groups of commands in `keycask --help`, as git groups its own.
pub const COMMAND_GROUPS: &[(&str, &[&str])] = &[
    ("Keys", &["init", "keygen", "list", "show", "config"]),
    ("Sessions", &["agent", "unlock", "lock"]),
    ("Data", &["wrap", "unwrap", "datakey", "sign", "verify"]),
    (
        "Lifecycle",
        &["rotate", "rekey", "enable", "disable", "destroy"],
    ),
    ("Distribution", &["export", "import"]),
    ("Inspection", &["inspect", "audit"]),
];

/// The command line as `keycask` parses it: the derive's definition, with
/// `keycask --help` listing the commands in [`COMMAND_GROUPS`] and, in its
/// long form, the [`ENVIRONMENT`]. (The generators of completions and man
/// pages read `Cli::command()`, where no command is hidden.)
pub fn command() -> clap::Command {
    const WIDTH: usize = 80;
    const COLUMN: usize = 19;
    let mut cmd = Cli::command();
    let mut groups = String::new();
    let mut listed = Vec::new();
    for (title, names) in COMMAND_GROUPS {
        groups.push_str(&format!("{title}:\n"));
        for name in *names {
            let sub = cmd
                .find_subcommand(name)
                .unwrap_or_else(|| panic!("COMMAND_GROUPS names '{name}', which is no command"));
            let label: Vec<&str> = std::iter::once(sub.get_name())
                .chain(sub.get_visible_aliases())
                .collect();
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            push_wrapped(
                &mut groups,
                &format!("  {}", label.join(", ")),
                &about,
                COLUMN,
                WIDTH,
            );
            listed.push(sub.get_name().to_string());
        }
        groups.push('\n');
    }
    let every: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| n != "help")
        .collect();
    for name in &every {
        assert!(
            listed.contains(name),
            "'{name}' is in no group of COMMAND_GROUPS"
        );
    }
    groups.push_str("See 'keycask help <COMMAND>' or 'keycask <COMMAND> --help' for a command.\n");
    let mut environment = String::from("Environment:\n");
    for (name, meaning) in ENVIRONMENT {
        push_wrapped(&mut environment, &format!("  {name}"), meaning, 6, WIDTH);
    }
    for name in every {
        cmd = cmd.mut_subcommand(name, |s| s.hide(true));
    }
    cmd.override_usage("keycask [OPTIONS] <COMMAND>")
        .help_template(format!(
            "{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{groups}\n{{all-args}}{{after-help}}"
        ))
        .after_long_help(format!("{environment}\n{EXIT_CODES}"))
}

/// Appends `label`, then `text` word-wrapped from column `column` to
/// `width` (on the next line when the label is too long for the column).
fn push_wrapped(out: &mut String, label: &str, text: &str, column: usize, width: usize) {
    let mut line = label.to_string();
    if line.len() + 1 > column {
        out.push_str(&line);
        out.push('\n');
        line.clear();
    }
    let indent = " ".repeat(column);
    let mut started = false;
    for word in text.split_whitespace() {
        if !started {
            line = format!("{line:<column$}{word}");
            started = true;
        } else if line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = format!("{indent}{word}");
        } else {
            line.push(' ');
            line.push_str(word);
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}
