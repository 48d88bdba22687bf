//! The keyring file on disk: where it is, reading it, the writer's lock, and
//! atomic, durable replacement.
//!
//! Writers take an exclusive lock on `<keyring>.lock` for the whole
//! read-modify-write, write a temporary file in the same folder, fsync it,
//! rename it over the keyring and fsync the folder. Readers need no lock:
//! the rename makes every version of the file they can open complete.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use std::sync::Arc;

use super::keys::KeyMap;
use super::model::{Keyring, Keys, MacInput};
use super::text::parse_owned;
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

/// Reads and parses the keyring, refusing loose permissions. Every key is
/// checked against the schema (then dropped: see `keys.rs`), so that a
/// malformed keyring is refused before any command uses it: the reading
/// of every command that changes the keyring or looks at all of its keys.
pub fn read(path: &Path) -> Result<Keyring> {
    read_checking(path, true)
}

/// [`read`] without checking the keys no command has looked at yet: each
/// key is parsed and checked when first looked up through the fallible
/// accessors ([`super::find_key`], [`Keyring::try_key`],
/// [`Keyring::find_version_id`], [`Keyring::parse_all_keys`]), which a
/// command reading this way must use for every key before any infallible
/// one. For the commands that use one key of a large keyring (`wrap`,
/// `unwrap`, `sign`, `verify -k`, `datakey`, `show`, `inspect`): the MAC
/// is still checked over every byte of the file when they unlock it; what
/// is not done is building the keys they do not use.
pub fn read_lazy(path: &Path) -> Result<Keyring> {
    read_checking(path, false)
}

fn read_checking(path: &Path, check_keys: bool) -> Result<Keyring> {
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
    let id = file.metadata().ok().map(|m| FileId::of(&path, &m));
    if let Some(doc) = id.as_ref().and_then(|id| still_held(id, check_keys)) {
        // The same file, read and checked by this process, and still held
        // (a command that reads the keyring twice): not read again.
        return doc.with_context(|| format!("{}", path.display()));
    }
    let mut bytes = Vec::with_capacity(file.metadata().map_or(0, |m| m.len() as usize + 1));
    std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(|e| {
        Failure::keyring(format!("cannot read the keyring {}: {e}", path.display()))
    })?;
    let doc = parse_owned(bytes, check_keys).with_context(|| format!("{}", path.display()))?;
    if let (Some(id), Some((text, entries)), MacInput::Exact { end, .. }) =
        (id, doc.keys.shared(), &doc.mac_input)
    {
        *LAST_READ.lock().unwrap_or_else(|e| e.into_inner()) = Some(LastRead {
            id,
            text: Arc::downgrade(text),
            entries: Arc::downgrade(entries),
            end: *end,
            checked: check_keys,
            head: Keyring {
                keys: Keys::new(),
                mac_input: MacInput::None,
                ..doc.clone()
            },
        });
    }
    Ok(doc)
}

/// What tells one version of the keyring file from another: every writer
/// replaces the file (a new inode), and any other change moves its times.
#[derive(Clone, PartialEq, Eq)]
struct FileId {
    path: PathBuf,
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileId {
    fn of(path: &Path, m: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            path: path.to_path_buf(),
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }
}

/// The format 3 keyring this process read last, parsed and checked: its
/// text and keys for as long as a document read from it is alive (nothing
/// big is kept for later), and its other members.
struct LastRead {
    id: FileId,
    text: std::sync::Weak<String>,
    entries: std::sync::Weak<KeyMap<super::model::Key>>,
    end: usize,
    /// Whether every key was checked ([`read`]), or only those looked up
    /// ([`read_lazy`]).
    checked: bool,
    head: Keyring,
}

static LAST_READ: std::sync::Mutex<Option<LastRead>> = std::sync::Mutex::new(None);

/// The document of the last read, when it is of the same file and still
/// held; its keys checked now if `check_keys` asks and they were not yet.
fn still_held(id: &FileId, check_keys: bool) -> Option<Result<Keyring>> {
    let mut guard = LAST_READ.lock().unwrap_or_else(|e| e.into_inner());
    let last = guard.as_mut().filter(|last| last.id == *id)?;
    let text = last.text.upgrade()?;
    let entries = last.entries.upgrade()?;
    let doc = Keyring {
        keys: Keys::from_shared(Arc::clone(&text), entries),
        mac_input: MacInput::Exact {
            text,
            end: last.end,
        },
        ..last.head.clone()
    };
    if check_keys && !last.checked {
        if let Err((name, problem)) = doc.keys.check_all() {
            return Some(Err(super::model::malformed_key(&name, &problem).into()));
        }
        last.checked = true;
    }
    Some(Ok(doc))
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
    let root = match root_from_start(path) {
        Some(root) => root,
        None => read(path).ok()?.root,
    };
    match root {
        RootConfig::Keyfile { path } => Some(("the keyring's root key file", path)),
        RootConfig::Pkcs11 { uri } => {
            let uri: crate::root::pkcs11::Pkcs11Uri = uri.parse().ok()?;
            Some(("the PIN file of the keyring's root", uri.pin_source?))
        }
        RootConfig::Passphrase(_) | RootConfig::Transit { .. } => None,
    }
}

/// The `root` member, when it is in the first 64 KiB of the file (where
/// keycask writes it), without reading the rest: the members before it are
/// skipped, the parse stops once it is read.
fn root_from_start(path: &Path) -> Option<RootConfig> {
    use serde::de::{Deserializer as _, Error as _, IgnoredAny, MapAccess, Visitor};
    struct Seek<'r>(&'r mut Option<RootConfig>);
    impl<'de> Visitor<'de> for Seek<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a keyring")
        }
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
            while let Some(name) = map.next_key::<std::borrow::Cow<str>>()? {
                if name == "root" {
                    *self.0 = Some(map.next_value()?);
                    // Stop here: the rest of the document is not needed.
                    return Err(M::Error::custom("found"));
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let mut start = Vec::with_capacity(64 * 1024);
    std::io::Read::read_to_end(&mut File::open(path).ok()?.take(64 * 1024), &mut start).ok()?;
    let mut root = None;
    let _ = serde_json::Deserializer::from_slice(&start).deserialize_map(Seek(&mut root));
    root
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

/// Replaces the keyring with `bytes` (the sealed bytes of
/// [`super::Unlocked::seal`]) atomically and durably. The caller holds the
/// lock.
pub fn write_bytes(path: &Path, bytes: &[u8], _lock: &WriteLock) -> Result<()> {
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
    temp.write_all(bytes).map_err(write_err)?;
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
