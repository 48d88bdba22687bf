#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    for failure in keycask::harden_process() {
        eprintln!("keycask: warning: {failure}");
    }
    let cli = keycask::cli::Cli::parse();
    match keycask::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(keycask::report_error(&err)),
    }
}
