#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    for failure in keycask::harden_process() {
        keycask::stderr_line!("keycask: warning: {failure}");
    }
    let cli = match keycask::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return ExitCode::from(keycask::report_usage_error(err)),
    };
    match keycask::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(keycask::report_error(&err)),
    }
}
