//! Files and stdin named on the command line: opened with one set of
//! messages for every command, and read whole only up to a limit, into
//! zeroizing memory reserved up front (a `Vec` that grows leaves copies of
//! what it held in the blocks it gives back, unzeroized).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use zeroize::Zeroizing;

use crate::error::Failure;

/// The path in environment variable `name` (KEYCASK_PASSPHRASE_FILE, ...):
/// `None` when it is unset; set but empty is a usage error that names the
/// variable (an unset CI secret expands to an empty value, which must not
/// pass for "no file given" and fall through to another source).
pub fn env_path(name: &str, option: &str) -> Result<Option<PathBuf>, Failure> {
    match std::env::var_os(name) {
        None => Ok(None),
        Some(value) if value.is_empty() => Err(empty_variable(name, option)),
        Some(value) => Ok(Some(PathBuf::from(value))),
    }
}

/// The error for an environment variable that is set but empty; `option`
/// is the command-line option it stands for.
pub fn empty_variable(name: &str, option: &str) -> Failure {
    Failure::usage(format!(
        "environment variable {name} is set but empty (it stands for {option})"
    ))
    .hint(format!("give it a value, or unset it: unset {name}"))
}

/// Opens a file named on the command line for reading. A missing file or a
/// folder is a usage error (exit 2: "missing input", as the README says);
/// any other failure to open it is exit 1.
pub fn open_file(path: &Path) -> Result<File, Failure> {
    let file = File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Failure::usage(format!("cannot open {}: no such file", path.display()))
        } else {
            Failure::other(format!("cannot open {}: {e}", path.display()))
        }
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Failure::usage(format!("{} is a directory", path.display())));
    }
    Ok(file)
}

/// How messages name an input: its path, or "stdin".
pub fn source_name(path: Option<&Path>) -> String {
    path.map_or("stdin".to_string(), |p| p.display().to_string())
}

/// Reads a file, or stdin when `path` is `None`, into zeroizing memory,
/// refusing anything longer than `limit` (exit 2, naming `what` it should
/// have been).
pub fn read_limited(path: Option<&Path>, limit: u64, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let source = source_name(path);
    let (reader, size): (Box<dyn Read>, Option<u64>) = match path {
        Some(path) => {
            let file = open_file(path)?;
            let size = file.metadata().ok().map(|m| m.len());
            (Box::new(file), size)
        }
        None => (Box::new(std::io::stdin().lock()), None),
    };
    // Room for all of it, and one byte more to see that it was too long:
    // a file says its size; stdin gets up to 1 MiB before it would grow.
    let room = size.unwrap_or(1 << 20).min(limit) + 1;
    let mut bytes = Zeroizing::new(Vec::with_capacity(room as usize));
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {source}"))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::usage(format!(
            "{source} is too large to be {what} (more than {limit} bytes)"
        ))
        .into());
    }
    Ok(bytes)
}
