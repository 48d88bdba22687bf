//! The command line, and nothing else: clap types only, no other imports from
//! the crate, so that the generators of completions and man pages read the
//! one true definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod help;
pub use help::{COMMAND_GROUPS, ENVIRONMENT, command};

pub const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  failure (I/O, full disk, anything not below)
  2  usage: wrong arguments or values, missing input, not an envelope
  3  authentication failed: wrong passphrase or key file, tampered data
  4  key or version not usable: unknown, disabled, destroyed, wrong purpose
  5  keyring problem: missing, unreadable, unsupported format, integrity
     check failed, unsafe permissions";

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
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
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

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The root key: `passphrase`, `keyfile:PATH` (created 0600 with 32
    /// random bytes if absent, adopted if it holds exactly 32 bytes), or a
    /// PKCS#11 URI `pkcs11:token=..;object=..` (an AES-256 key in an HSM,
    /// generated there if no object has that label), or an OpenBao/Vault
    /// Transit key `transit:https://HOST:8200/v1/transit/keys/NAME` (token
    /// from VAULT_TOKEN, BAO_TOKEN or ~/.vault-token, or an AppRole login)
    #[arg(long, value_name = "ROOT", default_value = "passphrase")]
    pub root: String,

    /// Log usage (wrap, unwrap, datakey, sign, export) in the audit log too, not only
    /// changes; each use then writes the keyring
    #[arg(long)]
    pub audit_usage: bool,

    /// Accept a new passphrase shorter than 12 characters from a file, a
    /// descriptor or a variable (at a terminal it only gets a warning)
    #[arg(long)]
    pub allow_weak_passphrase: bool,
}

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// The key's name: [a-z0-9][a-z0-9._-]{0,63}
    pub name: String,

    /// Key type: aes256-gcm, p256, rsa-2048, rsa-3072 or rsa-4096
    #[arg(long = "type", value_name = "TYPE", default_value = "aes256-gcm")]
    pub key_type: String,

    /// What the key may be used for [default: encrypt for aes256-gcm, sign
    /// for p256 and rsa-*]
    #[arg(long, value_name = "PURPOSE", value_parser = ["encrypt", "sign", "transport"])]
    pub purpose: Option<String>,

    /// Rotation period, e.g. 90d, 12h, 2w, 1y, at most 100y (`rotate --due`
    /// rotates the keys that are due)
    #[arg(long, value_name = "DURATION")]
    pub rotate_every: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print only the key names, one per line (for shell completion; reads
    /// the keyring without unlocking it)
    #[arg(long, hide = true)]
    pub names: bool,

    /// With --names: only the keys of this purpose (what `-k` of wrap, sign
    /// or `import --with` accepts), without destroyed keys
    #[arg(long, hide = true, requires = "names", value_name = "PURPOSE",
          value_parser = ["encrypt", "sign", "transport"])]
    pub purpose: Option<String>,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The key's name
    pub name: String,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: Option<AuditAction>,

    /// Only records about this key
    #[arg(long, value_name = "NAME")]
    pub key: Option<String>,

    /// Only records at or after this time (RFC 3339, or a date like
    /// 2026-11-29; a time without an offset is UTC)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Check every record's MAC, the hash chain, and the end of the log
    /// against the keyring's counter (unlocks the keyring)
    #[command(after_help = "\
Examples:
  keycask audit verify
  keycask audit verify --json")]
    Verify,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub setting: ConfigSetting,
}

#[derive(Subcommand, Debug)]
pub enum ConfigSetting {
    /// Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes
    #[command(after_help = "\
Examples:
  keycask config audit-usage on
  keycask config audit-usage off")]
    AuditUsage {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["name", "due", "kek", "root"])))]
pub struct RotateArgs {
    /// The key to rotate: a new version becomes primary
    pub name: Option<String>,

    /// Flag every older version of NAME as compromised: they still decrypt,
    /// with a warning at each use
    #[arg(long)]
    pub compromised: bool,

    /// Why the versions are compromised (recorded with the flag)
    #[arg(long, value_name = "TEXT", requires = "compromised")]
    pub reason: Option<String>,

    /// Rotate every key whose primary version is older than its period
    #[arg(long)]
    pub due: bool,

    /// With --due: say what would be rotated, change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// New KEK version; every key version's material is re-wrapped under it
    #[arg(long)]
    pub kek: bool,

    /// Re-wrap the KEK under a new root: a new passphrase, or another kind
    /// of root with --to
    #[arg(long)]
    pub root: bool,

    /// With --root: the new root, `passphrase`, `keyfile:PATH`,
    /// `pkcs11:URI` or `transit:URL` [default: the current root when it is
    /// a passphrase (a new one) or Transit (re-wrap under its latest version)]
    #[arg(long, value_name = "ROOT")]
    pub to: Option<String>,

    /// With --root: read the new passphrase from this file instead of the
    /// terminal
    #[arg(long, value_name = "PATH")]
    pub new_passphrase_file: Option<PathBuf>,

    /// Accept a new passphrase shorter than 12 characters from a file, a
    /// descriptor or a variable (at a terminal it only gets a warning)
    #[arg(long)]
    pub allow_weak_passphrase: bool,
}

#[derive(Args, Debug)]
pub struct RekeyArgs {
    /// Envelope files, or folders to walk recursively (envelopes are
    /// recognised by content, not by name)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Change nothing; report per key and version how many envelopes still
    /// depend on it
    #[arg(long)]
    pub dry_run: bool,

    /// Files rekeyed in parallel [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Decrypt each envelope and encrypt it again under its key's primary
    /// version, with a fresh content key and salt (after a compromise:
    /// header-only rekey keeps the content key)
    #[arg(long)]
    pub reencrypt: bool,

    /// With --reencrypt: also envelopes already under a primary version
    /// that is not compromised
    #[arg(long, requires = "reencrypt")]
    pub force: bool,

    /// With --reencrypt: only envelopes under a compromised version
    #[arg(long, requires = "reencrypt")]
    pub only_compromised: bool,

    /// With --reencrypt: the public key (PEM) of a recipient that is not a
    /// key of this keyring, to seal the new envelopes to again (repeatable)
    #[arg(long, value_name = "PEM", requires = "reencrypt")]
    pub to: Vec<PathBuf>,

    /// With --reencrypt: leave this recipient (SHA256:<hex>, as `inspect`
    /// shows it) out of the new envelopes (repeatable)
    #[arg(long, value_name = "FINGERPRINT", requires = "reencrypt")]
    pub drop_recipient: Vec<String>,
}

#[derive(Args, Debug)]
pub struct VersionStateArgs {
    /// The key's name
    pub name: String,

    /// The version number
    #[arg(long, value_name = "N")]
    pub version: u32,
}

#[derive(Args, Debug)]
pub struct DestroyArgs {
    /// The key's name (without --version: the whole key, every version)
    #[arg(required_unless_present = "pending")]
    pub name: Option<String>,

    /// The version to destroy (never the primary: rotate first)
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,

    /// Schedule the destruction this far ahead (e.g. 7d, 30d, 12h; at most
    /// 100y); the version is disabled at once and can be restored with
    /// --cancel
    #[arg(long, value_name = "DURATION", conflicts_with = "now")]
    pub after: Option<String>,

    /// Destroy at once; this cannot be undone
    #[arg(long)]
    pub now: bool,

    /// Why, kept in the tombstone and shown in errors
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Do not ask to type the key name (for scripts)
    #[arg(short, long)]
    pub yes: bool,

    /// Refuse while an envelope under PATH (a file or a folder, searched
    /// recursively) still needs a version being destroyed; repeatable
    #[arg(long, value_name = "PATH")]
    pub check: Vec<PathBuf>,

    /// With --now: rotate the KEK in the same write, so that older copies of
    /// the keyring open only with the root as it was
    #[arg(long, requires = "now")]
    pub rotate_kek: bool,

    /// Cancel a scheduled destruction: the version(s) become enabled again
    #[arg(long, conflicts_with_all = ["after", "now", "reason", "check", "rotate_kek", "yes"])]
    pub cancel: bool,

    /// Carry out the scheduled destructions that fell due (for cron)
    #[arg(long, conflicts_with_all = ["name", "version", "after", "now", "reason", "check", "rotate_kek", "cancel", "purge", "yes"])]
    pub pending: bool,

    /// With --pending: say what would be destroyed, change nothing (with
    /// KEYCASK_NOW, as of that time)
    #[arg(long, requires = "pending")]
    pub dry_run: bool,

    /// Remove the tombstone of a destroyed key, so that its name can be used
    /// again
    #[arg(long, conflicts_with_all = ["version", "after", "now", "reason", "check", "rotate_kek", "cancel"])]
    pub purge: bool,
}

#[derive(Args, Debug)]
pub struct WrapArgs {
    /// The key to encrypt to (purpose encrypt)
    ///
    /// It wraps the content key; its primary version is used. An aes256-gcm key needs the keyring
    /// unlocked; a P-256 or RSA encrypt key seals to its public half without
    /// unlocking
    #[arg(
        short,
        long = "key",
        value_name = "NAME",
        required_unless_present = "to"
    )]
    pub key: Option<String>,

    /// Also seal to this public key (PEM; repeatable)
    ///
    /// The content key is sealed to a PEM public key, as `export --public` writes it (P-256, or RSA of 2048
    /// bits or more): whoever holds its private half opens the envelope.
    /// Needs no keyring
    #[arg(long = "to", value_name = "FILE.pem")]
    pub to: Vec<std::path::PathBuf>,

    /// The file to encrypt; `-` or absent reads stdin
    #[arg(value_name = "INPUT")]
    pub input: Option<std::path::PathBuf>,

    /// Write to FILE instead of stdout
    ///
    /// FILE is created only on success: a failure leaves no file
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// Encryption context (repeatable; not secret)
    ///
    /// A key=value pair bound to the envelope as associated data and shown by
    /// `inspect`; `unwrap --expect-context` checks it
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,

    /// Write ASCII armor instead of binary
    ///
    /// PEM-style base64 text, for mail, chat or YAML
    #[arg(short, long)]
    pub armor: bool,

    /// Plaintext bytes per chunk (64 to 16777216)
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = 65536,
        allow_negative_numbers = true
    )]
    pub chunk_size: u32,

    /// No progress bar, even on a terminal
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Args, Debug)]
pub struct UnwrapArgs {
    /// The envelope; `-` or absent reads stdin
    #[arg(value_name = "INPUT")]
    pub input: Option<std::path::PathBuf>,

    /// Fail (exit 4) unless key NAME of this keyring opens the envelope
    #[arg(short, long = "key", value_name = "NAME")]
    pub key: Option<String>,

    /// Write to FILE (mode 0600, created only on success) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// Fail unless the envelope's context holds this key=value pair
    /// (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub expect_context: Vec<String>,

    /// No progress bar, even on a terminal
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Envelopes to inspect (`-` reads stdin)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct DatakeyArgs {
    /// The key that wraps the data key (purpose encrypt)
    #[arg(short, long = "key", value_name = "NAME")]
    pub key: String,

    /// Encryption context for the wrapped data key (repeatable)
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,

    /// Print only the wrapped (armored) data key, not the plaintext
    #[arg(long)]
    pub wrapped_only: bool,
}

#[derive(Args, Debug)]
#[command(
    group(clap::ArgGroup::new("what").required(true).args(["public", "to"]))
)]
pub struct ExportArgs {
    /// The key's name
    pub name: String,

    /// Export the public key (SPKI PEM, or JWK with --format jwk)
    #[arg(long)]
    pub public: bool,

    /// Output format of --public: pem or jwk
    #[arg(long, value_name = "FORMAT", default_value = "pem", value_parser = ["pem", "jwk"], requires = "public", conflicts_with = "to")]
    pub format: String,

    /// Seal the key's material to this recipient public key (SPKI PEM of a
    /// P-256 or RSA >= 2048 key), making a key bundle
    #[arg(long, value_name = "RECIPIENT.pem")]
    pub to: Option<PathBuf>,

    /// Sign the bundle with this sign-purpose key of the keyring
    #[arg(long, value_name = "KEY", requires = "to", conflicts_with = "public")]
    pub sign_with: Option<String>,

    /// The version [default: the primary for --public; every enabled
    /// version for --to]
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,

    /// Write to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(
    group(clap::ArgGroup::new("source").required(true).args(["bundle", "raw", "pem"])),
    override_usage = "keycask import --bundle FILE --with TRANSPORT_KEY [OPTIONS]\n       \
                      keycask import NAME (--raw FILE | --pem FILE) [OPTIONS]"
)]
pub struct ImportArgs {
    /// The new key's name (for --raw and --pem)
    pub name: Option<String>,

    /// A key bundle made by `keycask export --to` (`-` for stdin)
    #[arg(long, value_name = "FILE", requires = "with")]
    pub bundle: Option<PathBuf>,

    /// The transport-purpose key of this keyring the bundle is sealed to
    #[arg(long = "with", value_name = "TRANSPORT_KEY", requires = "bundle")]
    pub with: Option<String>,

    /// Require a valid signature of the bundle by this public key (PEM)
    #[arg(long, value_name = "PEM", requires = "bundle")]
    pub verify_with: Option<PathBuf>,

    /// Import the bundle's key under this name
    #[arg(long = "as", value_name = "NAME", requires = "bundle")]
    pub as_name: Option<String>,

    /// Let a bundle whose signature was not verified (--verify-with) add
    /// versions to a key that already exists here
    #[arg(long, requires = "bundle")]
    pub add_unverified_versions: bool,

    /// Make the sender's primary version the primary of a key that already
    /// exists here (a new key always follows the sender's primary)
    #[arg(long, requires = "bundle")]
    pub make_primary: bool,

    /// A symmetric key: 32 raw bytes, or 64 hex digits, or base64 (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub raw: Option<PathBuf>,

    /// Key type of --raw (only aes256-gcm)
    #[arg(
        long = "type",
        value_name = "TYPE",
        default_value = "aes256-gcm",
        requires = "raw",
        conflicts_with_all = ["pem", "bundle"]
    )]
    pub key_type: String,

    /// A private key in PEM: PKCS#8, SEC1 (P-256) or PKCS#1 (RSA); `-` for stdin
    #[arg(long, value_name = "FILE")]
    pub pem: Option<PathBuf>,

    /// Purpose of the imported key [default: encrypt for aes256-gcm, sign
    /// for P-256 and RSA]
    #[arg(long, value_name = "PURPOSE", value_parser = ["encrypt", "sign", "transport"])]
    pub purpose: Option<String>,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// The sign-purpose key; its primary version signs
    #[arg(short, long, value_name = "NAME")]
    pub key: String,

    /// The file to sign [default: stdin]
    pub input: Option<PathBuf>,

    /// Write the signature to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// RSA padding: pss (salt length 32) or pkcs1v15 for legacy verifiers
    /// [default for RSA keys: pss; refused for P-256 keys]
    #[arg(long, value_name = "SCHEME", value_parser = ["pss", "pkcs1v15"])]
    pub scheme: Option<String>,
}

#[derive(Args, Debug)]
#[command(
    group(clap::ArgGroup::new("verifier").required(true).args(["key", "public_key"])),
    override_usage = "keycask verify (-k NAME | --public-key PEM) --signature SIG [INPUT]"
)]
pub struct VerifyArgs {
    /// A sign-purpose key of the keyring (any enabled version may match)
    #[arg(short, long, value_name = "NAME")]
    pub key: Option<String>,

    /// A public key in PEM (P-256, or RSA of 2048 bits or more)
    #[arg(long, value_name = "PEM")]
    pub public_key: Option<PathBuf>,

    /// The signature file (DER ECDSA, or raw RSA)
    #[arg(long, value_name = "SIG")]
    pub signature: PathBuf,

    /// RSA padding: pss (salt length 32 exactly) or pkcs1v15 [default for
    /// RSA keys: pss; refused for P-256 keys]
    #[arg(long, value_name = "SCHEME", value_parser = ["pss", "pkcs1v15"])]
    pub scheme: Option<String>,

    /// The signed file [default: stdin]
    pub input: Option<PathBuf>,
}

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
