//! Everything keycask writes to stderr about a failure, in one place (as
//! ripgrep's `messages.rs`): the `stderr_line!` macro, the one-line error
//! with its hint, and clap's usage errors rewritten in keycask's form.

use crate::error::{self, ExitCode, Failure, find_failure, is_broken_pipe};

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
    if let Some(failure) = empty_environment_variable(&err) {
        crate::stderr_line!("keycask: error: {}", failure.message);
        if let Some(hint) = &failure.hint {
            crate::stderr_line!("hint: {hint}");
        }
        return ExitCode::Usage as u8;
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
            // "to pass '-k' as a value, use '-- -k'" misleads: an option
            // mistyped or given to the wrong command is far likelier than a
            // file named `-k` (issue 18); the usage line says what is there.
            if !t.starts_with("to pass '") {
                tip.get_or_insert_with(|| t.to_string());
            }
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
    crate::stderr_line!(
        "keycask: error: {}",
        error::without_os_error(&format!("{err:#}"))
    );
    if let Some(Failure {
        hint: Some(hint), ..
    }) = find_failure(err)
    {
        crate::stderr_line!("hint: {hint}");
    }
    error::exit_code_of(err) as u8
}

/// clap's "a value is required for '--keyring <PATH>'" when the option's
/// environment variable (KEYCASK_KEYRING, ...) is set but empty and no empty
/// value was typed: the variable is named, since nobody typed the flag
/// (an unset CI secret expands to an empty value).
fn empty_environment_variable(err: &clap::Error) -> Option<Failure> {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let empty =
        matches!(err.get(ContextKind::InvalidValue), Some(ContextValue::String(v)) if v.is_empty());
    if err.kind() != ErrorKind::InvalidValue || !empty {
        return None;
    }
    let Some(ContextValue::String(shown)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = shown.strip_prefix("--")?.split([' ', '=']).next()?;
    let command = crate::cli::Cli::command();
    let arg = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long))?;
    let name = arg.get_env()?.to_str()?;
    // clap also checks the variable of a global option typed with a value
    // (`KEYCASK_KEYRING= keycask --keyring r.json list` fails): only an
    // empty value typed on the line is the line's fault.
    let flag = format!("--{long}");
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let typed_empty = args.iter().enumerate().any(|(i, a)| {
        *a == *format!("{flag}=") || (*a == *flag && args.get(i + 1).is_some_and(|v| v.is_empty()))
    });
    if typed_empty || std::env::var_os(name).is_none_or(|v| !v.is_empty()) {
        return None;
    }
    Some(crate::input::empty_variable(name, &format!("--{long}")))
}
