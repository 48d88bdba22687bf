//! The command line, and nothing else: clap types only, no other imports from
//! the crate, so that the generators of completions and man pages read the
//! one true definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  failure (I/O, full disk, anything not below)
  2  usage: wrong arguments or values, missing input
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
    propagate_version = true,
    max_term_width = 80
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Default)]
pub struct GlobalArgs {
    /// The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]
    #[arg(long, global = true, value_name = "PATH", env = "KEYCASK_KEYRING")]
    pub keyring: Option<PathBuf>,

    /// Read the passphrase from this file (one trailing newline is ignored)
    #[arg(long, global = true, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,

    /// Read the passphrase from this open file descriptor
    #[arg(long, global = true, value_name = "N")]
    pub passphrase_fd: Option<i32>,

    /// The root key file, instead of the path recorded in the keyring
    #[arg(long, global = true, value_name = "PATH", env = "KEYCASK_KEYFILE")]
    pub keyfile: Option<PathBuf>,

    /// The PKCS#11 token's PIN is in this file (one trailing newline is
    /// ignored)
    #[arg(long, global = true, value_name = "PATH")]
    pub pin_file: Option<PathBuf>,

    /// The PKCS#11 module (.so) to load, instead of the URI's module-path
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "KEYCASK_PKCS11_MODULE"
    )]
    pub pkcs11_module: Option<PathBuf>,

    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// Print nothing but errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more on stderr (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a keyring with a root key
    #[command(after_help = "\
Examples:
  keycask init                                 # passphrase root, asked twice
  keycask init --root keyfile:/run/secrets/kc  # key-file root, for CI
  keycask init --root 'pkcs11:token=kc;object=kc-root?module-path=/usr/lib/softhsm/libsofthsm2.so' --pin-file pin
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
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The root key: `passphrase`, `keyfile:PATH` (created 0600 with 32
    /// random bytes if absent, adopted if it holds exactly 32 bytes), or a
    /// PKCS#11 URI `pkcs11:token=..;object=..` (an AES-256 key in an HSM,
    /// generated there if no object has that label)
    #[arg(long, value_name = "ROOT", default_value = "passphrase")]
    pub root: String,
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

    /// Rotation period, e.g. 90d, 12h, 2w, 1y (see `rotate --due`)
    #[arg(long, value_name = "DURATION")]
    pub rotate_every: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The key's name
    pub name: String,
}
