//! The options of `export`, `import`: keys leaving and entering the keyring.

use std::path::PathBuf;

use clap::Args;

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
