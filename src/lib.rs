//! keycask: the whole life of cryptographic keys on one local keyring file.
//!
//! `run` turns the parsed command line into typed requests once, here at the
//! edge, and hands each to the module of its lifecycle phase.

#![forbid(unsafe_code)]
// Output goes through `Context::report`, the report writers of `output` and
// `stderr_line!`, which honour `-q` and survive a closed pipe.
#![warn(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
pub mod messages;
pub mod agent;
pub mod audit_log;
pub mod bundle;
pub mod cli;
pub mod clock;
pub mod context;
pub mod crypto;
pub mod envelope;
pub mod error;
pub mod hardening;
pub mod input;
pub mod key;
pub mod keyring;
pub mod lifecycle;
pub mod output;
pub mod random;
pub mod rekey;
pub mod root;
pub mod sealed;
pub mod secret;
pub mod temp;

use anyhow::Result;

pub use crate::context::Context;
pub use crate::hardening::harden_process;
pub use crate::messages::{report_error, report_usage_error};

use crate::cli::{Cli, Command};
use crate::lifecycle::agent as session;
use crate::lifecycle::usage::{self, signatures};
use crate::lifecycle::{destruction, distribution, generation, rotation, storage};

pub fn run(cli: Cli) -> Result<()> {
    let mut ctx = Context::from_cli(&cli.global)?;
    ctx.sources.allow_weak_passphrase = cli.command.allows_weak_passphrase();
    ctx.refuse_overwriting_own_files(cli.command.output())?;
    if cli.command.writes_a_time() {
        clock::check_writes()?;
    }
    match cli.command {
        Command::Init(args) => storage::init(&ctx, &args.root.parse()?, args.audit_usage),
        Command::Keygen(args) => {
            generation::keygen(&ctx, &generation::KeygenRequest::from_args(&args)?)
        }
        Command::List(args) if args.names => {
            let purpose = args.purpose.as_deref().map(str::parse).transpose()?;
            storage::list_names(&ctx, purpose)
        }
        Command::List(_) => storage::list(&ctx),
        Command::Show(args) => storage::show(&ctx, &args.name),
        Command::Audit(args) => match args.action {
            Some(cli::AuditAction::Verify) => lifecycle::audit::verify(&ctx),
            None => lifecycle::audit::show(&ctx, &lifecycle::audit::ShowRequest::from_args(&args)?),
        },
        Command::Config(args) => match args.setting {
            cli::ConfigSetting::AuditUsage { state } => {
                lifecycle::audit::set_usage(&ctx, state == "on")
            }
        },
        Command::Export(args) => {
            distribution::export(&ctx, &distribution::ExportRequest::from_args(&args)?)
        }
        Command::Import(args) => {
            distribution::import(&ctx, &distribution::ImportRequest::from_args(&args)?)
        }
        Command::Sign(args) => signatures::sign(&ctx, &signatures::SignRequest::from_args(&args)),
        Command::Verify(args) => {
            signatures::verify(&ctx, &signatures::VerifyRequest::from_args(&args))
        }
        Command::Rotate(args) => {
            rotation::rotate(&ctx, &rotation::RotateRequest::from_args(&args)?)
        }
        Command::Rekey(args) => rotation::rekey(&ctx, &rotation::RekeyRequest::from_args(&args)?),
        Command::Enable(args) => rotation::set_version_state(
            &ctx,
            &rotation::VersionStateRequest::from_args(&args, rotation::StateChange::Enable)?,
        ),
        Command::Disable(args) => rotation::set_version_state(
            &ctx,
            &rotation::VersionStateRequest::from_args(&args, rotation::StateChange::Disable)?,
        ),
        Command::Destroy(args) => {
            destruction::destroy(&ctx, &destruction::DestroyRequest::from_args(&args)?)
        }
        Command::Wrap(args) => usage::wrap(&ctx, &usage::WrapRequest::from_args(&args)?),
        Command::Unwrap(args) => usage::unwrap(&ctx, &usage::UnwrapRequest::from_args(&args)?),
        Command::Inspect(args) => usage::inspect(&ctx, &args.files),
        Command::Datakey(args) => usage::datakey(&ctx, &usage::DatakeyRequest::from_args(&args)?),
        Command::Agent(args) => session::agent(&ctx, &session::AgentRequest::from_args(&args)?),
        Command::Unlock(args) => {
            session::unlock(&ctx, session::parse_for(&args.duration)?, args.confirm)
        }
        Command::Lock(args) => session::lock(&ctx, args.all),
    }
}
