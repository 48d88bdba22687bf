//! The options of `inspect`, `audit`: reading envelopes and the audit log.

use std::path::PathBuf;

use clap::{Args, Subcommand};

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
pub struct InspectArgs {
    /// Envelopes to inspect (`-` reads stdin)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}
