//! keycask: the whole life of cryptographic keys on one local keyring file.
//!
//! `run` turns the parsed command line into typed requests once, here at the
//! edge, and hands each to the module of its lifecycle phase.

#![forbid(unsafe_code)]
// Output goes through `Context::report`, the report writers of `output` and
// `stderr_line!`, which honour `-q` and survive a closed pipe.
#![warn(clippy::print_stdout, clippy::print_stderr)]

/// `eprintln!` that shrugs off a failed write: with stderr closed
/// (`keycask ... 2>&1 | head -1`), a message that cannot be shown must not
/// turn the documented exit code into a panic's 101.
#[macro_export]
macro_rules! stderr_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod agent;
pub mod asymmetric;
pub mod audit;
pub mod bundle;
pub mod cli;
pub mod clock;
pub mod crypto;
pub mod envelope;
pub mod error;
pub mod input;
pub mod keyring;
pub mod lifecycle;
pub mod material;
pub mod output;
pub mod rekey;
pub mod root;
pub mod sealed;
pub mod secret;
pub mod temp;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::error::{ExitCode, Failure, find_failure, is_broken_pipe};
use crate::lifecycle::usage::{self, signatures};
use crate::lifecycle::{
    audit as inspection, destruction, distribution, generation, rotation, storage,
};
use crate::root::SecretSources;

/// What every command needs to know beyond its own arguments.
#[derive(Debug, Clone)]
pub struct Context {
    pub keyring_path: PathBuf,
    pub sources: SecretSources,
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
}

impl Context {
    fn from_cli(global: &cli::GlobalArgs) -> Result<Context> {
        Ok(Context {
            keyring_path: keyring::file::resolve_path(global.keyring.as_deref())?,
            sources: SecretSources {
                passphrase_fd: global.passphrase_fd,
                passphrase_file: global.passphrase_file.clone(),
                keyfile: global.keyfile.clone(),
                pin_file: global.pin_file.clone(),
                pkcs11_module: global.pkcs11_module.clone(),
                leaving_root: false,
            },
            json: global.json,
            quiet: global.quiet,
            verbose: global.verbose,
        })
    }

    /// Refuses `-o FILE` when FILE is one that keycask itself depends on: the
    /// keyring, its lock and audit log, the root key file, or the file a
    /// passphrase or PIN is read from. Output replaces its file whole, so
    /// `-o $KEYCASK_KEYRING` would otherwise lose every key.
    fn refuse_overwriting_own_files(&self, output: Option<&Path>) -> Result<()> {
        let Some(output) = output else {
            return Ok(());
        };
        let mut own = keyring::file::own_files(&self.keyring_path);
        let env_file = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let secret_files = [
            ("the root key file", self.sources.keyfile.clone()),
            ("the passphrase file", self.sources.passphrase_file.clone()),
            ("the passphrase file", env_file("KEYCASK_PASSPHRASE_FILE")),
            ("the PIN file", self.sources.pin_file.clone()),
            ("the PIN file", env_file("KEYCASK_PIN_FILE")),
        ];
        own.extend(
            secret_files
                .into_iter()
                .filter_map(|(what, path)| Some((what, path?))),
        );
        match own.iter().find(|(_, path)| output::same_file(output, path)) {
            Some((what, _)) => Err(Failure::usage(format!(
                "-o {}: that is {what}; keycask never writes its output over it",
                output.display()
            ))
            .hint("name another file with -o")
            .into()),
            None => Ok(()),
        }
    }

    /// A status line on stdout, such as "created key ...", unless `-q`. It
    /// reports what was already done: a closed stdout is ignored, and any
    /// other failure to write it (a full disk) is a warning, not a failure
    /// of a command that succeeded (`println!` would panic).
    pub fn report(&self, line: impl std::fmt::Display) -> Result<()> {
        if !self.quiet {
            use std::io::Write;
            if let Err(e) = writeln!(std::io::stdout(), "{line}")
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                crate::stderr_line!(
                    "keycask: warning: the command succeeded, but its report could not be written to stdout: {e}"
                );
            }
        }
        Ok(())
    }

    /// A line of the output asked for (a dry run's plan), printed even with
    /// `-q`; a write error fails the command (a closed stdout quietly).
    pub fn print(&self, line: impl std::fmt::Display) -> Result<()> {
        use std::io::Write;
        writeln!(std::io::stdout(), "{line}")?;
        Ok(())
    }

    /// A status line on stderr, unless `-q`.
    pub fn note(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            crate::stderr_line!("keycask: {message}");
        }
    }

    /// A warning on stderr, unless `-q`.
    pub fn warn(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            crate::stderr_line!("keycask: warning: {message}");
        }
    }
}

/// Process hardening, done first in `main`, before any secret is read: no
/// core dumps (`RLIMIT_CORE` 0, soft and hard), and on Linux the process is
/// not dumpable (`PR_SET_DUMPABLE` 0), which also stops other processes of
/// the same user from attaching a debugger or reading its memory through
/// `/proc`. Through rustix, so no `unsafe` here. Also starts the thread
/// that removes temporary files when a signal ends keycask
/// ([`temp::clean_up_on_signals`]). Returns what could not be done; `main`
/// warns about it and goes on.
pub fn harden_process() -> Vec<String> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let mut failures = Vec::new();
    let zero = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, zero) {
        failures.push(format!("cannot turn core dumps off (RLIMIT_CORE): {e}"));
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        failures.push(format!(
            "cannot make the process non-dumpable (PR_SET_DUMPABLE): {e}"
        ));
    }
    if let Err(e) = temp::clean_up_on_signals() {
        failures.push(format!(
            "cannot catch SIGINT, SIGTERM and SIGHUP to remove temporary files: {e}"
        ));
    }
    failures
}

/// Whether `command` writes a time: into the keyring (key versions,
/// tombstones, schedules, the audit counter), its audit log, or a key bundle.
/// Those refuse `KEYCASK_NOW` up front ([`clock::check_writes`]), before
/// anything is asked or done. The match is exhaustive on purpose: a new
/// command must be placed here. (Commands that write only a usage record,
/// when the keyring logs usage, are refused where that record is written,
/// before any output.)
fn writes_a_time(command: &Command) -> bool {
    match command {
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

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Context::from_cli(&cli.global)?;
    ctx.refuse_overwriting_own_files(cli.command.output())?;
    if writes_a_time(&cli.command) {
        clock::check_writes()?;
    }
    match cli.command {
        Command::Init(args) => storage::init(&ctx, &args.root.parse()?, args.audit_usage),
        Command::Keygen(args) => {
            generation::keygen(&ctx, &generation::KeygenRequest::from_args(&args)?)
        }
        Command::List(args) if args.names => storage::list_names(&ctx),
        Command::List(_) => storage::list(&ctx),
        Command::Show(args) => storage::show(&ctx, &args.name),
        Command::Audit(args) => match args.action {
            Some(cli::AuditAction::Verify) => inspection::verify(&ctx),
            None => inspection::show(&ctx, &inspection::ShowRequest::from_args(&args)?),
        },
        Command::Config(args) => match args.setting {
            cli::ConfigSetting::AuditUsage { state } => inspection::set_usage(&ctx, state == "on"),
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
        Command::Agent(args) => agent::agent(&ctx, &agent::AgentRequest::from_args(&args)),
        Command::Unlock(args) => agent::unlock(&ctx, agent::parse_for(&args.duration)?),
        Command::Lock(args) => agent::lock(&ctx, args.all),
    }
}

/// Prints a command-line error from clap in keycask's form — one line
/// `keycask: error: <what>`, then a `hint:` with clap's tip or the usage —
/// and returns its exit code (2). `--help` and `--version` print as clap
/// does and return 0; a missing subcommand prints the help (exit 2).
pub fn report_usage_error(err: clap::Error) -> u8 {
    use clap::error::ErrorKind;
    if !err.use_stderr() || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = err.print();
        return err.exit_code() as u8;
    }
    let rendered = err.render().to_string();
    let mut message = String::new();
    let mut tip = None;
    let mut usage = None;
    for line in rendered.lines() {
        let trimmed = line.trim();
        if let Some(first) = line.strip_prefix("error: ") {
            message.push_str(first);
        } else if let Some(t) = trimmed.strip_prefix("tip: ") {
            tip.get_or_insert_with(|| t.to_string());
        } else if let Some(u) = line.strip_prefix("Usage: ") {
            // clap lists a global option that an environment variable set
            // (KEYCASK_KEYRING, ...) as if the command required it.
            let global = [
                " --keyring <PATH>",
                " --keyfile <PATH>",
                " --pkcs11-module <PATH>",
            ];
            usage = Some(global.iter().fold(u.to_string(), |u, g| u.replace(g, "")));
        } else if usage.is_none() && !trimmed.is_empty() && line.starts_with(' ') {
            // The indented details of the message (missing arguments, ...).
            let sep = if message.ends_with(':') || trimmed.starts_with('[') {
                " "
            } else {
                ", "
            };
            message.push_str(sep);
            message.push_str(trimmed);
        }
    }
    crate::stderr_line!("keycask: error: {message}");
    match (tip, usage) {
        (Some(tip), _) => crate::stderr_line!("hint: {tip}"),
        (None, Some(usage)) => crate::stderr_line!("hint: usage: {usage}"),
        (None, None) => {}
    }
    ExitCode::Usage as u8
}

/// Prints an error as `keycask: error: ...` with its hint, and returns the
/// exit code. A closed stdout is not an error: it exits quietly with 0.
pub fn report_error(err: &anyhow::Error) -> u8 {
    if is_broken_pipe(err) {
        return 0;
    }
    crate::stderr_line!("keycask: error: {err:#}");
    if let Some(Failure {
        hint: Some(hint), ..
    }) = find_failure(err)
    {
        crate::stderr_line!("hint: {hint}");
    }
    error::exit_code_of(err) as u8
}

#[cfg(test)]
mod tests {
    /// Runs in the test process itself, the only way to read the flags back.
    #[test]
    fn hardening_turns_core_dumps_and_dumpability_off() {
        let failures = super::harden_process();
        assert!(failures.is_empty(), "{failures:?}");
        let core = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(core.current, Some(0));
        assert_eq!(core.maximum, Some(0));
        #[cfg(target_os = "linux")]
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
