//! The options of `init`, `keygen`, `list`, `show`, `config`: the keyring and its keys.

use clap::{Args, Subcommand};

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
