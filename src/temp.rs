//! The temporary files that become an output file, the keyring or a
//! rewritten envelope, and what becomes of them when keycask is interrupted.
//!
//! - **Unnamed while written.** Where the filesystem has `O_TMPFILE` (Linux:
//!   ext4, xfs, btrfs, tmpfs, …), the file has no name until
//!   [`TempFile::persist`], so a `kill -9`, a crash or a power cut leaves
//!   nothing behind. `persist` names it with `linkat(2)` through
//!   `/proc/self/fd` (which needs no privilege), under a fresh temporary
//!   name, and renames that over the target at once: `linkat` cannot
//!   replace a file.
//! - **Named otherwise** (a filesystem without `O_TMPFILE`, such as NFS or
//!   some FUSE and overlay mounts, or no `/proc`): `.NAME.keycask.XXXXXX.tmp`
//!   beside the target, created with the caller's mode (0600 for secrets),
//!   and held under an exclusive `flock(2)` by its writer for as long as it
//!   is open.
//! - **Signals.** Named files in flight are registered here. On SIGINT,
//!   SIGTERM or SIGHUP a thread of [`clean_up_on_signals`] removes them and
//!   then ends the process by the same signal, so the shell reports 128 + N
//!   (130, 143, 129) and a shell loop stops as it would have.
//!   Other work to do first is registered with [`before_dying_of_signal`].
//! - **Stale files** that a `kill -9` left in the named case are removed by
//!   the next write into the same folder ([`sweep_stale`]).
//!
//! One lock covers the registry, the creation of named files, `persist` and
//! the signal's clean-up: a signal never removes a file that is being
//! renamed into place (it waits, and the complete file stays), and nothing
//! new is created once the clean-up has begun.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// Named temporary files in flight, removed by a signal.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Work done before dying of a signal, after the files in flight are gone
/// (the agent forgets its keyrings and removes its socket's folder).
type Hook = Box<dyn FnOnce(i32) + Send>;
static BEFORE_DYING: Mutex<Vec<Hook>> = Mutex::new(Vec::new());

/// Runs `hook` (with the signal's number) when SIGINT, SIGTERM or SIGHUP
/// ends the process, before it dies of the signal.
pub fn before_dying_of_signal(hook: impl FnOnce(i32) + Send + 'static) {
    BEFORE_DYING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(Box::new(hook));
}

fn in_flight() -> MutexGuard<'static, Vec<PathBuf>> {
    IN_FLIGHT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts the thread that, on SIGINT, SIGTERM or SIGHUP, removes the named
/// temporary files in flight and ends the process by that signal.
/// A signal ignored when keycask started stays ignored: `nohup` ignores
/// SIGHUP, and a shell ignores SIGINT for its background jobs.
pub fn clean_up_on_signals() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let ignored = std::fs::read_to_string("/proc/self/status")
        .map(|status| ignored_signals(&status))
        .unwrap_or(0);
    let caught: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|&signal| ignored & (1 << (signal - 1)) == 0)
        .collect();
    if caught.is_empty() {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new(caught)?;
    std::thread::Builder::new()
        .name("keycask-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until the process ends: nothing is renamed into
                // place or created from here on.
                let _files = remove_in_flight();
                let hooks = std::mem::take(
                    &mut *BEFORE_DYING
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()),
                );
                for hook in hooks {
                    hook(signal);
                }
                // Dies of the signal itself (the default action): a shell
                // sees 128 + N and stops a loop, as Ctrl-C means. Should
                // that fail, exits with the same status.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// The signals ignored by the process, as Linux's `/proc/self/status`
/// shows them (`SigIgn:`, a hexadecimal mask, bit N-1 for signal N).
/// Elsewhere, none.
fn ignored_signals(status: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .unwrap_or(0)
}

/// Removes the named temporary files in flight, and returns the lock on
/// their registry: whoever holds it next creates or renames nothing.
fn remove_in_flight() -> MutexGuard<'static, Vec<PathBuf>> {
    let mut files = in_flight();
    for path in files.drain(..) {
        let _ = std::fs::remove_file(path);
    }
    files
}

/// The suffix of keycask's own temporary names, `.NAME.keycask.XXXXXX.tmp`.
const MARK: &str = ".keycask.";
const SUFFIX: &str = ".tmp";
const RANDOM_LEN: usize = 6;
/// A named temporary file last written longer ago than this, and not held
/// by a writer, is stale.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

enum Naming {
    /// `.NAME.keycask.XXXXXX.tmp` beside the target, XXXXXX fresh each time.
    Random { prefix: OsString },
    /// A name the caller owns under a lock of its own, stale ones removed.
    Fixed(PathBuf),
}

impl Naming {
    fn path_in(&self, dir: &Path) -> PathBuf {
        match self {
            Naming::Random { prefix } => {
                const CHARS: &[u8] =
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
                let random: [u8; RANDOM_LEN] = crate::random::random_array();
                let mut name = prefix.clone();
                name.push(
                    random
                        .iter()
                        .map(|b| CHARS[*b as usize % CHARS.len()] as char)
                        .collect::<String>(),
                );
                name.push(SUFFIX);
                dir.join(name)
            }
            Naming::Fixed(path) => path.clone(),
        }
    }

    fn retries(&self) -> bool {
        matches!(self, Naming::Random { .. })
    }
}

/// A file being written that becomes its target only in
/// [`persist`](Self::persist); dropped before, it leaves nothing behind.
pub struct TempFile {
    file: File,
    dir: PathBuf,
    naming: Naming,
    /// Its name on disk; `None` while it has none (`O_TMPFILE`), or once
    /// persisted.
    named: Option<PathBuf>,
}

impl TempFile {
    /// A temporary file in `target`'s folder, created with `mode` (less the
    /// umask). Stale temporary files of keycask's in that folder are
    /// removed first.
    pub fn beside(target: &Path, mode: u32) -> io::Result<TempFile> {
        let dir = folder_of(target);
        let mut prefix = OsString::from(".");
        prefix.push(target.file_name().unwrap_or_default());
        prefix.push(MARK);
        sweep_stale(&dir, STALE_AFTER);
        TempFile::create(dir, Naming::Random { prefix }, mode, true)
    }

    /// A temporary file that, when it needs a name, has exactly `path`: the
    /// caller holds a lock that makes it the only writer of that name, and
    /// removes a stale one first.
    pub fn at(path: &Path, mode: u32) -> io::Result<TempFile> {
        TempFile::create(
            folder_of(path),
            Naming::Fixed(path.to_path_buf()),
            mode,
            true,
        )
    }

    /// `try_unnamed` is false only in tests of the named fallback.
    fn create(dir: PathBuf, naming: Naming, mode: u32, try_unnamed: bool) -> io::Result<TempFile> {
        if let Some(file) = unnamed_in(&dir, mode).filter(|_| try_unnamed) {
            return Ok(TempFile {
                file,
                dir,
                naming,
                named: None,
            });
        }
        let mut files = in_flight();
        loop {
            let path = naming.path_in(&dir);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&path)
            {
                Ok(file) => {
                    // Tells a sweeping keycask that this one is alive. A
                    // filesystem without flock: the file's age protects it.
                    let _ = file.try_lock();
                    files.push(path.clone());
                    return Ok(TempFile {
                        file,
                        dir,
                        naming,
                        named: Some(path),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && naming.retries() => {}
                Err(e) => return Err(e),
            }
        }
    }

    pub fn as_file(&self) -> &File {
        &self.file
    }

    /// True while the file has no name on disk (`O_TMPFILE`).
    #[cfg(test)]
    pub fn is_unnamed(&self) -> bool {
        self.named.is_none()
    }

    /// Makes the file `target`, replacing what is there. The caller has
    /// synced its content. On an error the temporary file is still there,
    /// and removed when dropped.
    pub fn persist(mut self, target: &Path) -> io::Result<()> {
        let mut files = in_flight();
        let path = match &self.named {
            Some(path) => path.clone(),
            None => self.link()?,
        };
        let renamed = std::fs::rename(&path, target);
        match (&renamed, self.named.is_some()) {
            (Ok(()), true) => {
                files.retain(|p| *p != path);
                self.named = None;
            }
            (Ok(()), false) => {}
            (Err(_), true) => {}
            (Err(_), false) => {
                let _ = std::fs::remove_file(&path);
            }
        }
        drop(files);
        renamed
    }

    /// Gives an unnamed file a temporary name in its folder. Called with the
    /// registry locked, so a signal cannot end the process between this and
    /// the rename.
    fn link(&self) -> io::Result<PathBuf> {
        use std::os::fd::AsRawFd;
        let through = format!("/proc/self/fd/{}", self.file.as_raw_fd());
        loop {
            let path = self.naming.path_in(&self.dir);
            match rustix::fs::linkat(
                rustix::fs::CWD,
                &through,
                rustix::fs::CWD,
                &path,
                rustix::fs::AtFlags::SYMLINK_FOLLOW,
            ) {
                Ok(()) => return Ok(path),
                Err(rustix::io::Errno::EXIST) if self.naming.retries() => {}
                // No /proc after all: AT_EMPTY_PATH, which needs
                // CAP_DAC_READ_SEARCH.
                Err(e) => {
                    return match rustix::fs::linkat(
                        &self.file,
                        "",
                        rustix::fs::CWD,
                        &path,
                        rustix::fs::AtFlags::EMPTY_PATH,
                    ) {
                        Ok(()) => Ok(path),
                        Err(_) => Err(e.into()),
                    };
                }
            }
        }
    }
}

impl Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.named.take() {
            let mut files = in_flight();
            let _ = std::fs::remove_file(&path);
            files.retain(|p| *p != path);
        }
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An unnamed file in `dir` (`O_TMPFILE`), when the filesystem has them
/// and `/proc/self/fd` is there to name it later; `None` otherwise, and the
/// caller falls back to a named file (which reports any real error, such
/// as a folder that cannot be written).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn unnamed_in(dir: &Path, mode: u32) -> Option<File> {
    use rustix::fs::{Mode, OFlags};
    if !Path::new("/proc/self/fd").is_dir() {
        return None;
    }
    let fd = rustix::fs::open(
        dir,
        OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC,
        Mode::from_raw_mode(mode),
    )
    .ok()?;
    Some(File::from(fd))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn unnamed_in(_dir: &Path, _mode: u32) -> Option<File> {
    None
}

/// True for a name keycask's temporary files have:
/// `.NAME.keycask.XXXXXX.tmp`, XXXXXX six letters or digits.
pub fn is_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_suffix(SUFFIX) else {
        return false;
    };
    let Some(split) = rest.len().checked_sub(RANDOM_LEN) else {
        return false;
    };
    let (head, random) = rest.split_at_checked(split).unwrap_or_default();
    name.starts_with('.')
        && head.len() > MARK.len()
        && head.ends_with(MARK)
        && random.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Removes keycask's stale temporary files in `dir`: those a `kill -9` or
/// a crash left where files must be named while written. A file is stale
/// when all of these hold:
///
/// - its name is keycask's ([`is_temp_name`]);
/// - it is a regular file (not followed through a link) owned by the user
///   running keycask;
/// - no process holds its `flock(2)`: a live writer does, and the kernel
///   lets go when the writer dies, however it dies, on whichever host (NFS
///   passes flock on as a lock of the whole file). A filesystem where flock
///   fails keeps every file;
/// - it was last written more than `older_than` ago, which covers the
///   instant between a writer's creating the file and locking it.
///
/// Failures are ignored: sweeping is housekeeping, never a reason to fail.
pub fn sweep_stale(dir: &Path, older_than: Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = rustix::process::geteuid().as_raw();
    for entry in entries.flatten() {
        // Lossy: keycask's part of the name is ASCII, FILE's may be anything.
        if !is_temp_name(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let path = entry.path();
        // Opened without following a link and without blocking on a FIFO;
        // then checked through the descriptor, which cannot be swapped.
        let Ok(file) = OpenOptions::new()
            .read(true)
            .custom_flags(
                (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
            )
            .open(&path)
        else {
            continue;
        };
        let Ok(meta) = file.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age > older_than);
        if meta.is_file() && meta.uid() == me && old && file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_signals_are_read_from_proc_status() {
        let status = "Name:\tkeycask\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000003\nSigCgt:\t0000000000004000\n";
        // SIGHUP (1) and SIGINT (2).
        assert_eq!(ignored_signals(status), 0b11);
        assert_eq!(ignored_signals("Name:\tkeycask\n"), 0);
        assert_eq!(ignored_signals("SigIgn:\tjunk\n"), 0);
    }

    #[test]
    fn temp_names_are_recognised_exactly() {
        for name in [
            ".out.keycask.AbC123.tmp",
            ".a.b.keycask.zzzzzz.tmp",
            ".keyring.json.keycask.000000.tmp",
        ] {
            assert!(is_temp_name(name), "{name}");
        }
        for name in [
            "out.keycask.AbC123.tmp",
            ".out.AbC123.tmp",
            ".keycask.AbC123.tmp",
            ".out.keycask.AbC12.tmp",
            ".out.keycask.AbC1234.tmp",
            ".out.keycask.AbC-23.tmp",
            ".out.keycask.AbC123.tmp~",
            ".data.kc.keycask-rekey.tmp",
            ".tmp",
        ] {
            assert!(!is_temp_name(name), "{name}");
        }
    }

    fn set_age(path: &Path, age: Duration) {
        let file = OpenOptions::new().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    #[test]
    fn sweep_removes_only_stale_unlocked_files_of_keycask() {
        let dir = tempfile::tempdir().unwrap();
        let old = Duration::from_secs(3600);
        let at = |name: &str| dir.path().join(name);
        // A dead writer's file, old: removed.
        std::fs::write(at(".out.keycask.dead01.tmp"), b"plaintext").unwrap();
        set_age(&at(".out.keycask.dead01.tmp"), old);
        // A live writer's file (its flock held), however old: kept.
        std::fs::write(at(".out.keycask.live01.tmp"), b"plaintext").unwrap();
        set_age(&at(".out.keycask.live01.tmp"), old);
        let live = File::open(at(".out.keycask.live01.tmp")).unwrap();
        live.lock().unwrap();
        // Just written, not yet locked: kept.
        std::fs::write(at(".out.keycask.new001.tmp"), b"plaintext").unwrap();
        // Not keycask's names: kept, however old.
        for name in [".out.abc123.tmp", "out.keycask.abc123.tmp", "notes.txt"] {
            std::fs::write(at(name), b"x").unwrap();
            set_age(&at(name), old);
        }
        // A folder and a link with keycask's name: kept, and the link's
        // target too.
        std::fs::create_dir(at(".d.keycask.abcdef.tmp")).unwrap();
        std::os::unix::fs::symlink("notes.txt", at(".l.keycask.abcdef.tmp")).unwrap();

        sweep_stale(dir.path(), STALE_AFTER);

        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".d.keycask.abcdef.tmp",
                ".l.keycask.abcdef.tmp",
                ".out.abc123.tmp",
                ".out.keycask.live01.tmp",
                ".out.keycask.new001.tmp",
                "notes.txt",
                "out.keycask.abc123.tmp",
            ]
        );
        drop(live);
        // Its writer gone, the old file goes at the next sweep.
        sweep_stale(dir.path(), STALE_AFTER);
        assert!(!at(".out.keycask.live01.tmp").exists());
    }

    /// Serialises the tests that make named files: one of them removes
    /// every registered file, as a signal does.
    static NAMED: Mutex<()> = Mutex::new(());

    fn named_in(dir: &Path) -> TempFile {
        // The fallback of a filesystem without O_TMPFILE.
        TempFile::create(
            dir.to_path_buf(),
            Naming::Random {
                prefix: ".out.keycask.".into(),
            },
            0o600,
            false,
        )
        .unwrap()
    }

    #[test]
    fn a_signal_removes_the_named_files_in_flight_and_nothing_else() {
        let _serial = NAMED.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let first = named_in(dir.path());
        let second = named_in(dir.path());
        let paths = [first.named.clone().unwrap(), second.named.clone().unwrap()];
        std::fs::write(dir.path().join("kept"), b"x").unwrap();
        let files = remove_in_flight();
        assert!(files.is_empty());
        for path in &paths {
            assert!(!path.exists(), "{}", path.display());
        }
        drop(files);
        // The writers' drops find their files gone, and shrug.
        drop(first);
        drop(second);
        assert!(dir.path().join("kept").exists());
    }

    #[test]
    fn a_named_temp_file_is_registered_locked_and_removed_when_dropped() {
        let _serial = NAMED.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let named = || named_in(dir.path());
        let mut temp = named();
        let path = temp.named.clone().unwrap();
        assert!(is_temp_name(path.file_name().unwrap().to_str().unwrap()));
        assert!(in_flight().contains(&path));
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        // Its writer holds the lock: a sweep leaves it, however old.
        set_age(&path, Duration::from_secs(3600));
        sweep_stale(dir.path(), STALE_AFTER);
        assert!(path.exists());
        temp.write_all(b"secret").unwrap();
        drop(temp);
        assert!(!path.exists());
        assert!(!in_flight().contains(&path));
        assert!(!target.exists());
        // Persisted: the target, and nothing else, nothing registered.
        let mut temp = named();
        let path = temp.named.clone().unwrap();
        temp.write_all(b"secret").unwrap();
        temp.persist(&target).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"secret");
        assert!(!in_flight().contains(&path));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn persist_names_the_file_and_leaves_no_temporary_name() {
        let _serial = NAMED.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        std::fs::write(&target, b"old").unwrap();
        let mut temp = TempFile::beside(&target, 0o600).unwrap();
        // ext4 and tmpfs have O_TMPFILE: nothing is visible while written.
        let visible = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(visible, if temp.is_unnamed() { 1 } else { 2 });
        temp.write_all(b"new").unwrap();
        temp.persist(&target).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&target).unwrap().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
