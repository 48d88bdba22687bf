//! The conditions that pick an exit code, and the hint shown with them.
//!
//! Command code uses `anyhow` with context; where a failure must map to a
//! specific exit code it raises a [`Failure`]. `main` walks the cause chain,
//! finds the first `Failure` and exits with its code.

use std::fmt;

/// Exit codes, documented in the README, `keycask --help` and the man pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Any other failure (I/O, a full disk, a bug).
    Failure = 1,
    /// The command line or its values are wrong.
    Usage = 2,
    /// Authentication failed: wrong passphrase or key file, tampered data,
    /// a bad signature.
    Auth = 3,
    /// The key or version cannot be used: unknown, disabled, destroyed, or
    /// of the wrong type or purpose.
    KeyUnusable = 4,
    /// The keyring itself: missing, unreadable, unsupported format, integrity
    /// MAC mismatch, unsafe permissions.
    Keyring = 5,
}

/// A failure with a chosen exit code and an optional hint for the user.
#[derive(Debug)]
pub struct Failure {
    pub code: ExitCode,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(ExitCode::Usage, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Failure::new(ExitCode::Auth, message)
    }

    pub fn key_unusable(message: impl Into<String>) -> Self {
        Failure::new(ExitCode::KeyUnusable, message)
    }

    pub fn keyring(message: impl Into<String>) -> Self {
        Failure::new(ExitCode::Keyring, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Failure::new(ExitCode::Failure, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The first [`Failure`] in an error's cause chain, if any.
pub fn find_failure(err: &anyhow::Error) -> Option<&Failure> {
    err.chain().find_map(|cause| {
        cause.downcast_ref::<Failure>().or_else(|| {
            // A writer's refusal, carried in the I/O error it returned.
            cause
                .downcast_ref::<std::io::Error>()?
                .get_ref()?
                .downcast_ref::<Failure>()
        })
    })
}

/// The exit code an error maps to.
pub fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    find_failure(err).map_or(ExitCode::Failure, |f| f.code)
}

/// True when the error is a closed pipe on output, which is not a failure.
/// serde_json reports a failed write as its own error, with the I/O error's
/// kind inside rather than as its source.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().map(|io| io.kind()) == broken
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(|json| json.io_error_kind())
                == broken
    })
}

/// Text from a file someone else made (a bundle's key name, a PEM label),
/// made fit for a message: at most 80 characters, control characters
/// escaped, so that it can neither drive the terminal nor break the
/// one-line error.
pub fn untrusted(text: &str) -> String {
    text.chars().take(80).flat_map(char::escape_debug).collect()
}

/// Why a file operation failed, in keycask's words: "no such file" for a
/// missing file (as everywhere else), otherwise the system's reason without
/// its "(os error N)" (issue 18: errors said both).
pub fn io_reason(err: &std::io::Error) -> String {
    if err.kind() == std::io::ErrorKind::NotFound {
        return "no such file".to_string();
    }
    without_os_error(&err.to_string())
}

/// `text` without the " (os error N)" the standard library appends to a
/// system error, and with "No such file or directory" said as "no such
/// file": the one wording of every message (the last line of defence for
/// an I/O error that travelled inside a chain).
pub fn without_os_error(text: &str) -> String {
    let mut out = text.replace("No such file or directory (os error 2)", "no such file");
    while let Some(at) = out.find(" (os error ") {
        let Some(len) = out[at..].find(')') else {
            break;
        };
        let digits = &out[at + " (os error ".len()..at + len];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        out.replace_range(at..=at + len, "");
    }
    out
}

#[cfg(test)]
mod os_error_tests {
    use super::*;

    #[test]
    fn os_error_numbers_are_dropped_and_missing_files_said_one_way() {
        assert_eq!(
            without_os_error("cannot read x: No such file or directory (os error 2)"),
            "cannot read x: no such file"
        );
        assert_eq!(
            without_os_error("a: Permission denied (os error 13): b (os error 21)"),
            "a: Permission denied: b"
        );
        assert_eq!(without_os_error("kept (os error x)"), "kept (os error x)");
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(io_reason(&missing), "no such file");
    }
}
