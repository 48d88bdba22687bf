//! [`Context`]: what every command needs to know beyond its own arguments
//! (the keyring path, where secrets come from, the output flags), and the
//! status lines it writes.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cli;
use crate::error::Failure;
use crate::keyring;
use crate::output;
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
    pub(crate) fn from_cli(global: &cli::GlobalArgs) -> Result<Context> {
        Ok(Context {
            keyring_path: keyring::file::resolve_path(global.keyring.as_deref())?,
            sources: SecretSources {
                passphrase_fd: global.passphrase_fd,
                passphrase_file: global.passphrase_file.clone(),
                keyfile: global.keyfile.clone(),
                pin_file: global.pin_file.clone(),
                pkcs11_module: global.pkcs11_module.clone(),
                leaving_root: false,
                keyring: Some(keyring::file::resolve_path(global.keyring.as_deref())?),
                allow_weak_passphrase: false,
                verbose: global.verbose > 0,
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
    pub(crate) fn refuse_overwriting_own_files(&self, output: Option<&Path>) -> Result<()> {
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

    /// Reports a command's success: with `--json` its JSON document (even
    /// with `-q`: it was asked for), otherwise its text for people through
    /// [`Context::report`] (nothing with `-q`, nor when the text is empty).
    /// The text is one or more lines, each ended by a newline.
    ///
    /// The document goes through [`serde_json::Value`], whose objects sort
    /// their members (serde_json without `preserve_order`): documents keep
    /// the alphabetical member order they have always had, whatever the
    /// order of a report's fields, which follow docs/JSON.md instead.
    pub fn emit(&self, report: &(impl serde::Serialize + std::fmt::Display)) -> Result<()> {
        if self.json {
            return output::print_json(&serde_json::to_value(report)?);
        }
        if self.quiet {
            return Ok(());
        }
        let text = report.to_string();
        match text.strip_suffix('\n').unwrap_or(&text) {
            "" => Ok(()),
            lines => self.report(lines),
        }
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
