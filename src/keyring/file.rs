//! The keyring file on disk: where it is, reading it, the writer's lock, and
//! atomic, durable replacement.
//!
//! Writers take an exclusive lock on `<keyring>.lock` for the whole
//! read-modify-write, write a temporary file in the same folder, fsync it,
//! rename it over the keyring and fsync the folder. Readers need no lock:
//! the rename makes every version of the file they can open complete.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::model::{FORMAT_V1, FORMAT_VERSION, KEYRING_KIND, Keyring, MacInput};
use crate::error::Failure;
use crate::root::RootConfig;

/// The keyring path: `--keyring` / `KEYCASK_KEYRING` if given, else
/// `$XDG_DATA_HOME/keycask/keyring.json`, else `~/.local/share/keycask/keyring.json`.
pub fn resolve_path(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let data_home = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    Failure::keyring(
                        "cannot find the keyring: neither XDG_DATA_HOME nor HOME is set",
                    )
                    .hint("name it with --keyring PATH or KEYCASK_KEYRING")
                })?;
            PathBuf::from(home).join(".local/share")
        }
    };
    Ok(data_home.join("keycask").join("keyring.json"))
}

/// Follows a symlinked keyring to its target, so that an atomic replace
/// happens beside the real file and the link stays a link.
fn real_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Reads and parses the keyring, refusing loose permissions.
pub fn read(path: &Path) -> Result<Keyring> {
    let path = real_path(path);
    let file = File::open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Failure::keyring(format!("no keyring at {}", path.display()))
                .hint("create one with `keycask init`, or name another with --keyring PATH")
        }
        _ => Failure::keyring(format!("cannot open the keyring {}: {e}", path.display())),
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(not_a_file(&path));
    }
    check_permissions(&file, &path)?;
    let bytes = std::io::read_to_string(&file).map_err(|e| {
        Failure::keyring(format!("cannot read the keyring {}: {e}", path.display()))
    })?;
    parse(bytes.as_bytes()).with_context(|| format!("{}", path.display()))
}

/// `--keyring` names a folder: the keyring is a file in it.
fn not_a_file(path: &Path) -> anyhow::Error {
    Failure::keyring(format!(
        "{} is a folder, not a keyring file",
        path.display()
    ))
    .hint(format!(
        "name the file itself, e.g. --keyring {}",
        path.join("keyring.json").display()
    ))
    .into()
}

fn check_permissions(file: &File, path: &Path) -> Result<()> {
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(Failure::keyring(format!(
            "the keyring {} is accessible by other users (mode {:04o}); refusing to use it",
            path.display(),
            mode & 0o7777
        ))
        .hint(format!("chmod 600 {}", path.display()))
        .into());
    }
    Ok(())
}

/// Parses a keyring document, checking what it is and its format version
/// before reading anything else, so that a future format is never misread.
pub fn parse(bytes: &[u8]) -> Result<Keyring> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        Failure::keyring(format!(
            "the keyring is not valid JSON ({e}); it may be truncated or damaged"
        ))
        .hint("restore it from a backup")
    })?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(KEYRING_KIND) {
        return Err(Failure::keyring("this file is not a keycask keyring").into());
    }
    let format = value.get("format").and_then(|f| f.as_u64());
    match format {
        Some(v) if v == u64::from(FORMAT_VERSION) || v == u64::from(FORMAT_V1) => {}
        Some(v) if v > u64::from(FORMAT_VERSION) => {
            return Err(Failure::keyring(format!(
                "the keyring has format version {v}, newer than this keycask understands ({FORMAT_VERSION})"
            ))
            .hint("upgrade keycask to read it")
            .into());
        }
        other => {
            return Err(Failure::keyring(format!(
                "the keyring has an unsupported format version ({})",
                other.map_or("missing".to_string(), |v| v.to_string())
            ))
            .into());
        }
    }
    if let Some(problem) = number_problem(&value) {
        return Err(
            Failure::keyring(format!("the keyring is malformed: {problem}"))
                .hint("restore it from a backup")
                .into(),
        );
    }
    // Format 2's MAC covers the canonical JSON of what the file holds, so
    // it is taken now, from the parsed file, before anything is defaulted
    // or normalised by reading it into the model.
    let mac_input = if format == Some(u64::from(FORMAT_V1)) {
        None
    } else {
        let object = value
            .as_object_mut()
            .expect("it has a kind, so it is an object");
        let mac = object.remove("mac");
        let canonical = serde_jcs::to_vec(&value).expect("parsed JSON always canonicalises");
        if let (Some(mac), Some(object)) = (mac, value.as_object_mut()) {
            object.insert("mac".to_string(), mac);
        }
        Some(canonical)
    };
    let mut doc: Keyring = serde_json::from_value(value).map_err(|e| {
        Failure::keyring(format!("the keyring is malformed: {e}")).hint("restore it from a backup")
    })?;
    doc.mac_input = MacInput(mac_input);
    for (name, key) in &doc.keys {
        if let Some(problem) = key.version_numbers_problem() {
            return Err(Failure::keyring(format!(
                "the keyring is malformed: key '{name}' {problem}"
            ))
            .hint("restore it from a backup")
            .into());
        }
    }
    Ok(doc)
}

/// The largest integer a keyring may hold: 2^53 - 1, the largest that
/// every JSON reader (and RFC 8785's IEEE-754 numbers) holds exactly, so
/// that canonical JSON writes every number of a keyring as plain decimal.
pub const MAX_JSON_INTEGER: u64 = (1 << 53) - 1;

/// A number that is not an integer from 0 to [`MAX_JSON_INTEGER`], anywhere
/// in the document.
fn number_problem(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(v) if v <= MAX_JSON_INTEGER => None,
            _ => Some(format!(
                "the number {n} is not an integer from 0 to 2^53 - 1"
            )),
        },
        serde_json::Value::Array(items) => items.iter().find_map(number_problem),
        serde_json::Value::Object(members) => members.values().find_map(number_problem),
        _ => None,
    }
}

/// RFC 8785 canonical JSON of a keyring as keycask writes it (the MAC's
/// input, called with `mac` taken out). Equal to the canonical JSON of the
/// file `to_bytes` writes, since canonical JSON ignores order and spacing.
pub fn canonical_json(doc: &Keyring) -> Vec<u8> {
    serde_jcs::to_vec(doc).expect("a keyring always serialises")
}

/// The exclusive writer's lock, held until dropped.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

/// The files of the keyring at `path` that no output may replace, each with
/// what it is: the keyring, its lock, its audit log and, when it has one, its
/// root key file. Those that do not exist yet are included.
pub fn own_files(path: &Path) -> Vec<(&'static str, PathBuf)> {
    let real = real_path(path);
    let mut files = vec![
        ("the keyring", real.clone()),
        ("the keyring's lock file", lock_path(&real)),
        ("the keyring's audit log", crate::audit_log::log_path(&real)),
    ];
    files.extend(recorded_secret_file(&real));
    files
}

/// The file a keyring's root secret is read from, read without the rest of
/// the document: a key-file root's key file, or the PIN file a PKCS#11
/// root's URI names (`pin-source`); `None` when the keyring is unreadable or
/// its root has no such file.
fn recorded_secret_file(path: &Path) -> Option<(&'static str, PathBuf)> {
    #[derive(serde::Deserialize)]
    struct RootOnly {
        root: RootConfig,
    }
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice::<RootOnly>(&bytes).ok()?.root {
        RootConfig::Keyfile { path } => Some(("the keyring's root key file", path)),
        RootConfig::Pkcs11 { uri } => {
            let uri: crate::root::pkcs11::Pkcs11Uri = uri.parse().ok()?;
            Some(("the PIN file of the keyring's root", uri.pin_source?))
        }
        RootConfig::Passphrase(_) | RootConfig::Transit { .. } => None,
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Takes the writer's lock beside the keyring, waiting for other writers.
pub fn lock(path: &Path) -> Result<WriteLock> {
    let path = real_path(path);
    let lock_path = lock_path(&path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| {
            Failure::keyring(format!(
                "cannot open the lock file {}: {e}",
                lock_path.display()
            ))
        })?;
    crate::output::match_keyring_owner(&path, &file)
        .with_context(|| format!("giving {} the keyring's owner", lock_path.display()))?;
    file.lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    Ok(WriteLock { _file: file })
}

fn temp_prefix(path: &Path) -> String {
    format!(
        ".{}.",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

const TEMP_SUFFIX: &str = ".tmp";

/// Removes temporary files left by a writer that was killed mid-write.
/// Called only under the lock, so no live writer's file is touched.
fn remove_stale_temps(path: &Path) {
    let Some(dir) = path.parent() else { return };
    let prefix = temp_prefix(path);
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(TEMP_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Serialises the keyring as the file holds it.
pub fn to_bytes(doc: &Keyring) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(doc).expect("a keyring always serialises");
    bytes.push(b'\n');
    bytes
}

/// Replaces the keyring atomically and durably. The caller holds the lock.
pub fn write(path: &Path, doc: &Keyring, _lock: &WriteLock) -> Result<()> {
    let path = real_path(path);
    remove_stale_temps(&path);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let write_err = |e: std::io::Error| {
        Failure::other(format!("cannot write the keyring {}: {e}", path.display()))
            .hint("the keyring was left as it was")
    };
    let mut temp = crate::temp::TempFile::beside(&path, 0o600).map_err(write_err)?;
    crate::output::match_keyring_owner(&path, temp.as_file()).map_err(write_err)?;
    temp.write_all(&to_bytes(doc)).map_err(write_err)?;
    temp.as_file().sync_all().map_err(write_err)?;
    temp.persist(&path).map_err(write_err)?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(write_err)?;
    Ok(())
}

/// Creates the folder (0700) of a new keyring, refusing when a keyring exists.
pub fn prepare_new(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(not_a_file(path));
    }
    if path.is_symlink() && !path.exists() {
        let target = std::fs::read_link(path).unwrap_or_default();
        return Err(Failure::keyring(format!(
            "{} is a symbolic link to {}, which does not exist",
            path.display(),
            target.display()
        ))
        .hint("create the keyring where the link points, with --keyring TARGET, or remove the link")
        .into());
    }
    if path.exists() {
        return Err(Failure::keyring(format!("a keyring already exists at {}", path.display()))
            .hint("keycask never overwrites a keyring; move it away first, or name another with --keyring PATH")
            .into());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating the folder {}", dir.display()))?;
    }
    Ok(())
}
