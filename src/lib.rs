//! keycask: the whole life of cryptographic keys on one local keyring file.
//!
//! This library is the `keycask` command-line tool, so that its binary stays
//! a dozen lines and other programs can run it in-process: [`Cli`] (a clap
//! `Parser`; [`command`] adds keycask's help layout) is the command line and
//! [`run`] carries out one command. The binary also calls [`harden_process`],
//! [`report_error`] and [`report_usage_error`]. [`ENVIRONMENT`],
//! [`EXIT_CODES`] and [`COMMAND_GROUPS`] are the tables of `keycask --help`,
//! for generators of completions and man pages. keycask's file formats are
//! specified in docs/FORMAT.md and have no Rust API (docs/ARCHITECTURE.md).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Output goes through `Context::report`, `output` and `stderr_line!` (-q, EPIPE).
#![warn(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod messages;
mod agent;
mod audit_log;
mod bundle;
mod cli;
mod clock;
mod context;
mod crypto;
mod envelope;
mod error;
pub mod fixtures; // Not API (docs/ARCHITECTURE.md): examples/' bench fixtures, doc-hidden.
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod fuzz;
mod hardening;
mod input;
mod key;
mod keyring;
mod lifecycle;
mod output;
mod random;
mod rekey;
mod root;
mod sealed;
mod secret;
mod temp;

pub use crate::cli::{COMMAND_GROUPS, Cli, ENVIRONMENT, EXIT_CODES, command};
pub use crate::hardening::harden_process;
pub use crate::messages::{report_error, report_usage_error};

use crate::lifecycle::{agent as session, destruction, distribution, generation, rotation};
use crate::lifecycle::{storage, usage, usage::signatures};
use crate::{cli::Command, context::Context};

/// Carries out one parsed command line, as the `keycask` binary does: reads
/// and writes the keyring, files and standard streams it names. An error
/// is to be printed with [`report_error`], which gives its exit code.
pub fn run(cli: Cli) -> anyhow::Result<()> {
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
#[cfg(test)]
mod tests;
