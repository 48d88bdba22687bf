//! The few pieces the lifecycle phases share that belong to no layer below
//! them: how a `--reason` is checked and how version numbers are listed.
//! (Files are compared with `crate::output::same_file`.)
//! (The phases never import each other; they may all import this.)

use crate::error::Failure;

/// How long a `--reason` may be. Each command keeps the limit it has always
/// had: `destroy` counts characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxLen {
    Chars(usize),
    Bytes(usize),
}

/// Checks a `--reason`: one line of text people read in `show` and the
/// audit log, never a secret. Returns it trimmed.
pub fn check_reason(text: &str, max: MaxLen) -> Result<String, Failure> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err(Failure::usage("--reason is empty")
            .hint("say why in a few words, e.g. --reason \"rotated 2026-11\""));
    }
    if reason.chars().any(char::is_control) {
        return Err(Failure::usage(
            "--reason must be one line of text without control characters",
        ));
    }
    let too_long = match max {
        MaxLen::Chars(n) => (reason.chars().count() > n).then(|| format!("{n} characters")),
        MaxLen::Bytes(n) => (reason.len() > n).then(|| format!("{n} bytes")),
    };
    if let Some(limit) = too_long {
        return Err(Failure::usage(format!("--reason is longer than {limit}")));
    }
    Ok(reason.to_string())
}

/// Version numbers as a list people read: `1, 2, 5`.
pub fn version_list(versions: &[u32]) -> String {
    join_versions(versions, "")
}

/// Version numbers as tags, where they stand alone in a message:
/// `v1, v2, v5`.
pub fn version_tags(versions: &[u32]) -> String {
    join_versions(versions, "v")
}

fn join_versions(versions: &[u32], prefix: &str) -> String {
    versions
        .iter()
        .map(|v| format!("{prefix}{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_keep_each_commands_limit() {
        assert_eq!(
            check_reason("  retired  ", MaxLen::Chars(200)).unwrap(),
            "retired"
        );
        assert!(check_reason(" ", MaxLen::Chars(200)).is_err());
        assert!(check_reason("a\nb", MaxLen::Chars(200)).is_err());
        let accents = "é".repeat(200);
        assert!(check_reason(&accents, MaxLen::Chars(200)).is_ok());
        let err = check_reason(&accents, MaxLen::Bytes(200)).unwrap_err();
        assert_eq!(err.message, "--reason is longer than 200 bytes");
        let err = check_reason(&"x".repeat(201), MaxLen::Chars(200)).unwrap_err();
        assert_eq!(err.message, "--reason is longer than 200 characters");
    }

    #[test]
    fn version_lists() {
        assert_eq!(version_list(&[]), "");
        assert_eq!(version_list(&[1, 2, 5]), "1, 2, 5");
        assert_eq!(version_tags(&[1, 2, 5]), "v1, v2, v5");
    }
}
