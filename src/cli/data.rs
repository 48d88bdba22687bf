//! The options of `wrap`, `unwrap`, `datakey`, `sign`, `verify`: using keys on data.

use std::path::PathBuf;

use clap::Args;

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
