#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::FromArgMatches;

fn main() -> ExitCode {
    for failure in keycask::harden_process() {
        keycask::stderr_line!("keycask: warning: {failure}");
    }
    let parsed = keycask::command()
        .try_get_matches()
        .and_then(|matches| keycask::Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => return ExitCode::from(keycask::report_usage_error(err)),
    };
    match keycask::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(keycask::report_error(&err)),
    }
}
