//! The command line, and nothing else: clap types only, no other imports from
//! the crate, so that the generators of completions and man pages read the
//! one true definition.
//!
//! This file holds the top level (`Cli`, the global options, the `Command`
//! enum with each command's examples); each command's own options are in
//! the file of its group, the groups of `keycask --help`: `keys`,
//! `sessions`, `data`, `lifecycle`, `distribution`, `inspection`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod data;
mod distribution;
mod help;
mod inspection;
mod keys;
mod lifecycle;
mod sessions;

pub use data::{DatakeyArgs, SignArgs, UnwrapArgs, VerifyArgs, WrapArgs};
pub use distribution::{ExportArgs, ImportArgs};
pub use help::{COMMAND_GROUPS, ENVIRONMENT, command};
pub use inspection::{AuditAction, AuditArgs, InspectArgs};
pub use keys::{ConfigArgs, ConfigSetting, InitArgs, KeygenArgs, ListArgs, ShowArgs};
pub use lifecycle::{DestroyArgs, RekeyArgs, RotateArgs, VersionStateArgs};
pub use sessions::{AgentArgs, LockArgs, UnlockArgs};

/// The exit codes and what each means, as `keycask --help` ends.
pub const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  failure (I/O, full disk, anything not below)
  2  usage: wrong arguments or values, missing input, not an envelope
  3  authentication failed: wrong passphrase or key file, tampered data
  4  key or version not usable: unknown, disabled, destroyed, wrong purpose
  5  keyring problem: missing, unreadable, unsupported format, integrity
     check failed, unsafe permissions";

/// The command line of `keycask`: parse it with [`clap::Parser`] (or from
/// [`command`]'s matches with `clap::FromArgMatches`) and hand it to
/// [`run`](crate::run).
///
/// ```no_run
/// use clap::Parser;
/// let cli = keycask::Cli::parse_from(["keycask", "list", "--names"]);
/// if let Err(err) = keycask::run(cli) {
///     std::process::exit(keycask::report_error(&err).into());
/// }
/// ```
#[derive(Parser, Debug)]
#[command(
    name = "keycask",
    version,
    about = "Local key management: versioned keys, envelope encryption, rotation, destruction",
    long_about = "keycask manages the whole life of cryptographic keys on one keyring file: \
generation, distribution, storage, usage, rotation and destruction. A root key \
(passphrase, key file or PKCS#11 HSM key) wraps a KEK; the KEK wraps versioned named keys.",
    after_help = EXIT_CODES,
    max_term_width = 80
)]
pub struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The options every command takes. `--help` lists them under their own
/// heading, after the command's own options; `-h` leaves them out, so that a
/// command's short help fits a screen.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]
    #[arg(
        long,
        global = true,
        hide_short_help = true,
        value_name = "PATH",
        env = "KEYCASK_KEYRING",
        hide_env_values = true
    )]
    pub keyring: Option<PathBuf>,

    /// Read the passphrase from this file (one trailing newline is ignored)
    #[arg(long, global = true, hide_short_help = true, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,

    /// Read the passphrase from this open file descriptor
    #[arg(long, global = true, hide_short_help = true, value_name = "N")]
    pub passphrase_fd: Option<i32>,

    /// The root key file, instead of the path recorded in the keyring
    #[arg(
        long,
        global = true,
        hide_short_help = true,
        value_name = "PATH",
        env = "KEYCASK_KEYFILE",
        hide_env_values = true
    )]
    pub keyfile: Option<PathBuf>,

    /// The PKCS#11 token's PIN is in this file (one trailing newline is
    /// ignored)
    #[arg(long, global = true, hide_short_help = true, value_name = "PATH")]
    pub pin_file: Option<PathBuf>,

    /// The PKCS#11 module (.so) to load, instead of the URI's module-path
    #[arg(
        long,
        global = true,
        hide_short_help = true,
        value_name = "PATH",
        env = "KEYCASK_PKCS11_MODULE",
        hide_env_values = true
    )]
    pub pkcs11_module: Option<PathBuf>,

    /// Print machine-readable JSON on stdout
    #[arg(long, global = true, hide_short_help = true)]
    pub json: bool,

    /// Print nothing but errors and the output asked for: no status lines
    /// ("created key ...", "rotated ..."), notes or warnings
    #[arg(
        short,
        long,
        global = true,
        hide_short_help = true,
        conflicts_with = "verbose"
    )]
    pub quiet: bool,

    /// Say more on stderr (repeat for more)
    #[arg(short, long, global = true,
        hide_short_help = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a keyring with a root key
    #[command(after_help = "\
Examples:
  keycask init                                 # passphrase root, asked twice
  keycask init --root keyfile:/run/secrets/kc  # key-file root, for CI
  keycask init --root 'pkcs11:token=kc;object=kc-root' --pin-file pin  # HSM
  keycask init --root transit:https://bao:8200/v1/transit/keys/kc  # OpenBao
  keycask --keyring ./ring.json init --passphrase-file pass.txt")]
    Init(InitArgs),

    /// Generate a new named key
    #[command(after_help = "\
Examples:
  keycask keygen backups                       # aes256-gcm, purpose encrypt
  keycask keygen release-signing --type p256 --purpose sign
  keycask keygen partner-inbox --type rsa-3072 --purpose transport
  keycask keygen api-tokens --rotate-every 90d")]
    Keygen(KeygenArgs),

    /// List the keys (metadata only; no unlock needed)
    #[command(after_help = "\
Examples:
  keycask list
  keycask list --json | jq -r '.keys[].name'")]
    List(ListArgs),

    /// Show one key and its versions (metadata only; no unlock needed)
    #[command(after_help = "\
Examples:
  keycask show backups
  keycask show backups --json")]
    Show(ShowArgs),

    /// Show the audit log, or verify its chain and MACs
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "\
Examples:
  keycask audit                                # every record
  keycask audit --key backups --since 2026-01-01
  keycask audit verify             # exit 3 names the first bad record"
    )]
    Audit(AuditArgs),

    /// Change a keyring setting
    #[command(after_help = "\
Examples:
  keycask config audit-usage on    # log wrap, unwrap, datakey, sign, export too
  keycask config audit-usage off")]
    Config(ConfigArgs),
    /// Rotate a key (new primary version), every key that is due, the KEK,
    /// or the root
    #[command(after_help = "\
Examples:
  keycask rotate backups            # new primary; old versions still decrypt
  keycask rotate backups --compromised --reason \"laptop lost\"
  keycask rotate --due --dry-run --json   # what a cron job would rotate
  keycask rotate --kek               # new KEK; key material re-wrapped
  keycask rotate --root --new-passphrase-file new.txt
  keycask rotate --root --to keyfile:/run/secrets/kc-root
  keycask rotate --root    # Transit root: re-wrap under its latest version")]
    Rotate(RotateArgs),

    /// Re-wrap envelopes to their key's primary version (header only), or
    /// re-encrypt them with a fresh content key (--reencrypt)
    #[command(after_help = "\
Examples:
  keycask rekey backups/ *.kc                 # folders are walked recursively
  keycask rekey --dry-run --json archive/  # what the files still depend on
  keycask rekey --jobs 1 big.kc
  keycask rekey --reencrypt --dry-run /srv/backups   # after a compromise
  keycask rekey --reencrypt --only-compromised /srv/backups
  keycask rekey --reencrypt --to ops.pem shared.kc  # recipient held elsewhere")]
    Rekey(RekeyArgs),

    /// Enable a disabled version of a key again
    #[command(after_help = "\
Examples:
  keycask enable backups --version 1
  keycask enable backups --version 1 --json")]
    Enable(VersionStateArgs),

    /// Disable a version of a key: it refuses all use until enabled again
    #[command(after_help = "\
Examples:
  keycask disable backups --version 1        # reversible with `keycask enable`
  keycask rotate backups && keycask disable backups --version 1   # retire v1")]
    Disable(VersionStateArgs),

    /// Destroy a key version or a whole key, scheduled or at once
    #[command(after_help = "\
Examples:
  keycask destroy backups --version 1 --after 7d --reason \"rotated 2026-11\"
  keycask destroy --cancel backups --version 1
  keycask destroy backups --version 1 --now --rotate-kek --check archive/
  keycask destroy old-project --now --yes   # every version; a tombstone stays
  keycask destroy --pending          # from cron: carry out what fell due")]
    Destroy(DestroyArgs),
    /// Encrypt data under a fresh content key wrapped by a key (envelope)
    #[command(
        visible_alias = "encrypt",
        after_help = "\
Examples:
  keycask wrap -k backups < db.dump > db.dump.kc
  pg_dump app | keycask wrap -k backups -c env=prod -c app=billing > app.kc
  keycask wrap -k api-tokens --armor <<< \"$TOKEN\" > token.kc.asc"
    )]
    Wrap(WrapArgs),

    /// Decrypt an envelope made by `wrap` (binary or armored)
    #[command(
        visible_alias = "decrypt",
        after_help = "\
Examples:
  keycask unwrap < db.dump.kc > db.dump
  keycask unwrap --expect-context env=prod -o db.dump db.dump.kc
  keycask unwrap token.kc.asc"
    )]
    Unwrap(UnwrapArgs),

    /// Show envelope headers without unlocking anything
    #[command(after_help = "\
Examples:
  keycask inspect db.dump.kc
  keycask inspect --json *.kc | jq -r '.envelopes[] | [.file, .version] | @tsv'")]
    Inspect(InspectArgs),

    /// A fresh 256-bit data key: plaintext and wrapped (like KMS GenerateDataKey)
    #[command(after_help = "\
Examples:
  keycask datakey -k backups --json
  keycask datakey -k backups --wrapped-only > data.key.kc.asc
  keycask unwrap data.key.kc.asc | base64     # the same 32 bytes back")]
    Datakey(DatakeyArgs),

    /// Export a public key (PEM, JWK), or a key sealed to a recipient
    #[command(after_help = "\
Examples:
  keycask export bob-inbox --public > bob-inbox.pem
  keycask export release-signing --public --format jwk
  keycask export backups --to bob.pem --sign-with alice-signing -o b.kcx")]
    Export(ExportArgs),

    /// Import a sealed key bundle, or bring your own key (raw AES, PEM)
    #[command(after_help = "\
Examples:
  keycask import --bundle b.kcx --with bob-inbox --verify-with alice.pem
  keycask import legacy-db --raw legacy.key --type aes256-gcm
  openssl pkey -in old.pem | keycask import old-signer --pem -")]
    Import(ImportArgs),

    /// Sign a file (ECDSA P-256 or RSA-PSS, SHA-256; OpenSSL-compatible)
    #[command(after_help = "\
Examples:
  keycask sign -k release-signing dist.tar.gz > dist.sig
  keycask sign -k legacy-rsa --scheme pkcs1v15 dist.tar.gz -o dist.sig
  openssl dgst -sha256 -verify release.pem -signature dist.sig dist.tar.gz")]
    Sign(SignArgs),

    /// Verify a signature with a key of the keyring or any public key PEM
    #[command(after_help = "\
Examples:
  keycask verify --public-key release.pem --signature dist.sig dist.tar.gz
  keycask verify -k release-signing --signature dist.sig < dist.tar.gz
Exit status 0 when the signature is valid, 3 when it is not.")]
    Verify(VerifyArgs),

    /// Start an agent that holds unlocked keyrings for a while (like ssh-agent)
    #[command(after_help = "\
Examples:
  eval \"$(keycask agent)\"      # sets KEYCASK_AGENT_SOCK and KEYCASK_AGENT_PID
  keycask unlock --for 30m       # asks once; then no more prompts
  keycask agent --kill           # stops the agent of KEYCASK_AGENT_PID")]
    Agent(AgentArgs),

    /// Unlock the keyring once; the agent holds its KEK for a while
    #[command(after_help = "\
Examples:
  keycask unlock                    # 15 minutes
  keycask unlock --for 2h --passphrase-file pass.txt
  keycask unlock --confirm          # each use asks at the agent first")]
    Unlock(UnlockArgs),

    /// Make the agent forget the keyring now
    #[command(after_help = "\
Examples:
  keycask lock
  keycask lock --all")]
    Lock(LockArgs),
}

impl Command {
    /// The file named with `-o`, for the commands that have one.
    pub fn output(&self) -> Option<&std::path::Path> {
        match self {
            Command::Wrap(args) => args.output.as_deref(),
            Command::Unwrap(args) => args.output.as_deref(),
            Command::Export(args) => args.output.as_deref(),
            Command::Sign(args) => args.output.as_deref(),
            _ => None,
        }
    }

    /// Whether a new passphrase shorter than 12 characters may come from a
    /// file, a descriptor or a variable (`--allow-weak-passphrase`).
    pub fn allows_weak_passphrase(&self) -> bool {
        match self {
            Command::Init(args) => args.allow_weak_passphrase,
            Command::Rotate(args) => args.allow_weak_passphrase,
            _ => false,
        }
    }

    /// Whether this command writes a time: into the keyring (key versions,
    /// tombstones, schedules, the audit counter), its audit log, or a key bundle.
    /// Those refuse `KEYCASK_NOW` up front (`clock::check_writes`), before
    /// anything is asked or done. The match is exhaustive on purpose: a new
    /// command must be placed here. (Commands that write only a usage record,
    /// when the keyring logs usage, are refused where that record is written,
    /// before any output.)
    pub fn writes_a_time(&self) -> bool {
        match self {
            Command::Init(_)
            | Command::Keygen(_)
            | Command::Config(_)
            | Command::Import(_)
            | Command::Enable(_)
            | Command::Disable(_)
            | Command::Unlock(_) => true,
            Command::Rotate(args) => !(args.due && args.dry_run),
            Command::Rekey(args) => !args.dry_run,
            Command::Destroy(args) => !(args.pending && args.dry_run),
            // A sealed bundle (not --public) is dated and logged.
            Command::Export(args) => !args.public,
            Command::List(_)
            | Command::Show(_)
            | Command::Audit(_)
            | Command::Inspect(_)
            | Command::Verify(_)
            | Command::Wrap(_)
            | Command::Unwrap(_)
            | Command::Sign(_)
            | Command::Datakey(_)
            // `lock` forgets whatever the clock; its audit record is refused
            // where it is written.
            | Command::Lock(_)
            | Command::Agent(_) => false,
        }
    }
}
