//! The options of `rotate`, `rekey`, `enable`, `disable`, `destroy`: versions over time.

use std::path::PathBuf;

use clap::Args;

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
