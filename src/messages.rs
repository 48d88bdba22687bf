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
