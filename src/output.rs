//! What commands print: aligned tables for people, JSON documents for
//! scripts, and status lines on stderr.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use zeroize::Zeroizing;

use crate::error::Failure;
use crate::temp::TempFile;

/// stdout for reports, buffered: Rust's stdout writes at every newline, so
/// a report of 10,000 lines would cost 10,000 write calls. End with
/// `flush()?` so that a write error is reported rather than lost in a drop.
/// Not for key material: the buffer is not zeroized.
pub fn report_stdout() -> BufWriter<std::io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, std::io::stdout().lock())
}

/// stdout as a `File` of its own (a duplicate of fd 1), written with no
/// buffer in between: std's global stdout buffer is never zeroized.
fn stdout_file() -> Result<File> {
    let fd = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .context("cannot write to stdout")?;
    Ok(File::from(fd))
}

/// Writes `bytes`, which hold key material, whole to stdout in one go,
/// through no buffer (the caller keeps them in zeroizing memory).
pub fn write_secret_stdout(bytes: &[u8]) -> Result<()> {
    stdout_file()?.write_all(bytes)?;
    Ok(())
}

/// Prints a JSON document on stdout, followed by a newline.
pub fn print_json(value: &(impl serde::Serialize + ?Sized)) -> Result<()> {
    let mut out = report_stdout();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Prints rows as a table with a header, columns padded to their widest cell.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut table = Table::new(header);
    for row in rows {
        table.fit(row);
    }
    let mut out = report_stdout();
    table.write_header(&mut out)?;
    for row in rows {
        table.write_row(&mut out, row)?;
    }
    out.flush()?;
    Ok(())
}

/// A table's column widths, fitted to rows before any is written: in two
/// passes over data too large to hold (`keycask audit`), or in one over rows
/// in memory ([`print_table`]).
pub struct Table {
    header: Vec<String>,
    widths: Vec<usize>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            widths: header.iter().map(|h| h.chars().count()).collect(),
        }
    }

    /// Widens the columns to hold `row`.
    pub fn fit(&mut self, row: &[String]) {
        for (width, cell) in self.widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }

    pub fn write_header(&self, out: &mut impl Write) -> Result<()> {
        self.write_row(out, &self.header)
    }

    /// One line: every cell but the last padded to its column's width.
    pub fn write_row(&self, out: &mut impl Write, row: &[String]) -> Result<()> {
        // One buffer a row, no formatting machinery: `list` of 100,000 keys
        // writes 700,000 cells.
        let mut line = String::with_capacity(160);
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let width = self.widths.get(i).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let line = line.trim_end();
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

/// True when `a` and `b` name the same file: the same inode when both exist
/// (through links of either kind), the same place when neither does yet.
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        (Err(_), Err(_)) => place(a).is_some() && place(a) == place(b),
        _ => false,
    }
}

/// Gives `file` (the keyring's replacement, its lock file, its audit log)
/// the owner and group of the keyring, when run as root: root running a
/// command on a service's keyring (a `rekey` of its files, a rotation) must
/// leave the keyring and its files the service's, or the service is locked
/// out of them. Anyone else can read only a keyring they own (it is 0600),
/// and cannot give files away.
pub fn match_keyring_owner(keyring: &Path, file: &File) -> std::io::Result<()> {
    if !rustix::process::geteuid().is_root() {
        return Ok(());
    }
    match std::fs::metadata(keyring) {
        Ok(keyring) => keep_owner(file, &keyring),
        Err(_) => Ok(()),
    }
}

/// Gives a file keycask just made the owner and group in `like` (the file
/// it stands in for), when they differ: run as root over a service's files,
/// what keycask writes must stay the service's. Only root can give a file
/// away; the callers decide when to ask.
pub fn keep_owner(file: &File, like: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let made = file.metadata()?;
    if (made.uid(), made.gid()) != (like.uid(), like.gid()) {
        std::os::unix::fs::fchown(file, Some(like.uid()), Some(like.gid()))?;
    }
    Ok(())
}

/// A path that may not exist, made absolute through its folder's real path.
fn place(path: &Path) -> Option<PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(path.file_name()?))
}

/// Where a command's output goes: stdout, or `-o FILE`. A regular FILE is
/// written as a temporary file beside it ([`TempFile`]: unnamed where the
/// filesystem allows, removed by a signal) that becomes FILE only in
/// [`Output::commit`] (synced, then renamed); dropped uncommitted, the
/// temporary file is removed, so a failure leaves no FILE behind. A device,
/// FIFO or socket (`/dev/null`, a named pipe) is written directly: a rename
/// would put a regular file in its place.
///
/// The buffer is a [`ZeroizingBufWriter`]'s: `unwrap` writes plaintext
/// through it.
pub enum Output {
    /// stdout, or a device or FIFO named with `-o`.
    Direct(ZeroizingBufWriter<File>),
    /// Plaintext for stdout when stdout is a terminal ([`Output::open_plaintext`]).
    Terminal(TerminalText<ZeroizingBufWriter<File>>),
    Temp {
        writer: ZeroizingBufWriter<TempFile>,
        target: PathBuf,
    },
}

impl Output {
    /// Envelopes, signatures: the usual permissions (0666 less the umask).
    pub const PUBLIC: u32 = 0o666;
    /// Public keys, as `openssl pkey -pubout` makes them (less the umask).
    pub const PUBLIC_KEY: u32 = 0o644;
    /// Plaintext and key bundles.
    pub const SECRET: u32 = 0o600;

    /// Refuses an output path that names a folder (`-o out` where `out` is
    /// one, or `-o out/`), as a usage error: callers check it before any
    /// work, so nothing is read or decrypted for an output that cannot be.
    pub fn check(path: Option<&Path>) -> Result<(), Failure> {
        let Some(target) = path else {
            return Ok(());
        };
        if target.is_dir() || target.as_os_str().as_encoded_bytes().ends_with(b"/") {
            return Err(
                Failure::usage(format!("-o {}: is a folder", target.display()))
                    .hint("name the file to write, e.g. -o DIR/NAME"),
            );
        }
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(Failure::usage(format!(
                "-o {}: there is no folder {}",
                target.display(),
                dir.display()
            ))
            .hint(format!("create it first: mkdir -p {}", dir.display())));
        }
        Ok(())
    }

    pub fn open(path: Option<&Path>, mode: u32) -> Result<Output> {
        Output::check(path)?;
        let Some(target) = path else {
            return Ok(Output::Direct(ZeroizingBufWriter::with_capacity(
                32 * 1024,
                stdout_file()?,
            )));
        };
        if let Ok(meta) = std::fs::metadata(target)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .with_context(|| format!("cannot write {}", target.display()))?;
            return Ok(Output::Direct(ZeroizingBufWriter::with_capacity(
                32 * 1024,
                file,
            )));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if target.file_name().is_none() {
            return Err(Failure::usage(format!("-o {}: not a file name", target.display())).into());
        }
        let temp = TempFile::beside(target, mode)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        Ok(Output::Temp {
            writer: ZeroizingBufWriter::with_capacity(32 * 1024, temp),
            target: target.to_path_buf(),
        })
    }

    /// As [`Output::open`] with [`Output::SECRET`], for plaintext: when it
    /// goes to stdout and stdout is a terminal, the first chunk written must
    /// be text ([`is_terminal_text`]), or nothing is written and the write
    /// fails with a usage error (exit 2) that says what to do instead.
    pub fn open_plaintext(path: Option<&Path>) -> Result<Output> {
        let output = Output::open(path, Output::SECRET)?;
        Ok(match output {
            Output::Direct(w) if path.is_none() && io::stdout().is_terminal() => {
                Output::Terminal(TerminalText {
                    inner: w,
                    judged: false,
                })
            }
            other => other,
        })
    }

    pub fn writer(&mut self) -> &mut (dyn Write + Send) {
        match self {
            Output::Direct(w) => w,
            Output::Terminal(w) => w,
            Output::Temp { writer, .. } => writer,
        }
    }

    /// Flushes; for a file, syncs it and renames it into place.
    pub fn commit(self) -> Result<()> {
        match self {
            Output::Direct(mut w) => w.flush().context("cannot write the output"),
            Output::Terminal(mut w) => w.flush().context("cannot write the output"),
            Output::Temp { writer, target } => {
                let temp = writer
                    .into_inner()
                    .with_context(|| format!("cannot write {}", target.display()))?;
                temp.as_file()
                    .sync_all()
                    .with_context(|| format!("cannot write {}", target.display()))?;
                temp.persist(&target)
                    .with_context(|| format!("cannot create {}", target.display()))?;
                Ok(())
            }
        }
    }

    /// Writes `bytes` whole to stdout or `-o FILE` (complete or not at all).
    pub fn write(path: Option<&Path>, mode: u32, bytes: &[u8]) -> Result<()> {
        let mut output = Output::open(path, mode)?;
        output.writer().write_all(bytes)?;
        output.commit()
    }
}

/// Plaintext on its way to a terminal: its first write (the first chunk
/// of an envelope, 64 KiB by default) is looked at before any of it is
/// written, and refused unless it is text ([`is_terminal_text`]). Binary
/// bytes would garble the terminal, and control characters can drive it
/// (escape sequences). Later writes pass unchecked.
pub struct TerminalText<W: Write> {
    inner: W,
    judged: bool,
}

impl<W: Write> Write for TerminalText<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if !self.judged && !data.is_empty() {
            if !is_terminal_text(data) {
                return Err(io::Error::other(
                    Failure::usage("refusing to write binary plaintext to a terminal")
                        .hint("write it to a file with -o FILE, or page it with | less"),
                ));
            }
            self.judged = true;
        }
        self.inner.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// True when `bytes` may be shown on a terminal as they are: UTF-8 (a
/// character cut short at the very end counts, as the next write would
/// complete it) with no control character (Unicode Cc: U+0000 to U+001F,
/// U+007F to U+009F) other than tab, line feed and carriage return. So no
/// NUL, no escape sequence, no backspace, bell or form feed.
pub fn is_terminal_text(bytes: &[u8]) -> bool {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        // Only a sequence cut short at the end, never an invalid one.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid up to here")
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

/// A buffered writer, as `std::io::BufWriter`, whose buffer is zeroized
/// (its whole capacity) when the writer is dropped or taken apart with
/// [`into_inner`](Self::into_inner). Its room is reserved once and never
/// grows, so no copy of what went through it is left in freed memory.
/// Like `BufWriter`, a drop flushes what is still buffered (errors
/// ignored); writes of a buffer's size or more go straight through.
pub struct ZeroizingBufWriter<W: Write> {
    /// `None` only once [`into_inner`](Self::into_inner) took it.
    inner: Option<W>,
    buf: Zeroizing<Vec<u8>>,
    /// A write of the inner writer panicked: a drop must not write again.
    panicked: bool,
}

impl<W: Write> ZeroizingBufWriter<W> {
    pub fn with_capacity(capacity: usize, inner: W) -> Self {
        ZeroizingBufWriter {
            inner: Some(inner),
            buf: Zeroizing::new(Vec::with_capacity(capacity)),
            panicked: false,
        }
    }

    fn inner_mut(&mut self) -> &mut W {
        self.inner
            .as_mut()
            .expect("the inner writer is taken only by into_inner")
    }

    /// Writes out the buffer. On an error, what was written is removed and
    /// the rest stays, so that nothing is written twice.
    fn flush_buf(&mut self) -> io::Result<()> {
        let mut written = 0;
        let result = loop {
            if written == self.buf.len() {
                break Ok(());
            }
            self.panicked = true;
            let r = self
                .inner
                .as_mut()
                .expect("the inner writer is taken only by into_inner")
                .write(&self.buf[written..]);
            self.panicked = false;
            match r {
                Ok(0) => {
                    break Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "failed to write the buffered data",
                    ));
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        // Moves the rest to the front, within the same block.
        self.buf.drain(..written);
        result
    }

    /// Flushes the buffer and returns the inner writer; the buffer is
    /// zeroized. On an error the writer is dropped (and its buffer too).
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush_buf()?;
        Ok(self
            .inner
            .take()
            .expect("the inner writer is taken only by into_inner"))
    }

    #[cfg(test)]
    fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }
}

impl<W: Write> Write for ZeroizingBufWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > self.buf.capacity() {
            self.flush_buf()?;
        }
        if data.len() >= self.buf.capacity() {
            self.panicked = true;
            let r = self.inner_mut().write(data);
            self.panicked = false;
            r
        } else {
            // Fits: the buffer is empty, or holds less than capacity - len.
            self.buf.extend_from_slice(data);
            Ok(data.len())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_buf()?;
        self.inner_mut().flush()
    }
}

impl<W: Write> Drop for ZeroizingBufWriter<W> {
    fn drop(&mut self) {
        if self.inner.is_some() && !self.panicked {
            let _ = self.flush_buf();
        }
        // `buf` is zeroized as it drops.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_is_utf8_without_control_characters_but_tab_and_newlines() {
        for text in [
            &b""[..],
            b"hello\n",
            b"a\tb\r\nc",
            "caf\u{e9} \u{1F510} \u{FEFF}\u{A0}".as_bytes(),
            // A character cut at the end of the chunk.
            &"\u{1F510}".as_bytes()[..2],
        ] {
            assert!(is_terminal_text(text), "{text:?}");
        }
        for binary in [
            &b"a\0b"[..],
            b"\x1b[2J",
            b"bell\x07",
            b"back\x08",
            b"feed\x0c",
            b"del\x7f",
            "c1 \u{9b}".as_bytes(),
            b"\xff\xfe",
            b"\xc3(",
            // Cut short, then more: invalid, not incomplete.
            b"\xf0\x9f a",
        ] {
            assert!(!is_terminal_text(binary), "{binary:?}");
        }
    }

    #[test]
    fn terminal_text_writes_nothing_of_a_binary_first_chunk_and_checks_only_it() {
        let mut out = TerminalText {
            inner: Vec::new(),
            judged: false,
        };
        let err = out.write_all(b"\0\x01binary").unwrap_err();
        let failure = err.get_ref().unwrap().downcast_ref::<Failure>().unwrap();
        assert_eq!(failure.code, crate::error::ExitCode::Usage);
        assert!(out.inner.is_empty());
        let mut out = TerminalText {
            inner: Vec::new(),
            judged: false,
        };
        out.write_all(b"text\n").unwrap();
        out.write_all(b"\0later").unwrap();
        assert_eq!(out.inner, b"text\n\0later");
    }

    #[test]
    fn zeroizing_writer_passes_everything_through_in_order_and_never_grows() {
        let mut writer = ZeroizingBufWriter::with_capacity(64, Vec::new());
        let mut expected = Vec::new();
        for (i, len) in [1usize, 10, 63, 64, 0, 100, 5, 60, 200, 3]
            .into_iter()
            .enumerate()
        {
            let data = vec![i as u8; len];
            writer.write_all(&data).unwrap();
            expected.extend_from_slice(&data);
            assert_eq!(writer.buffer_capacity(), 64);
        }
        assert_eq!(writer.into_inner().unwrap(), expected);
    }

    /// A sink that takes `room` bytes, a few at a time, then fails.
    struct Full {
        got: Got,
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            let mut got = self.got.borrow_mut();
            let n = data.len().min(7).min(self.room - got.len());
            if n == 0 {
                return Err(io::Error::other("full"));
            }
            got.extend_from_slice(&data[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    type Got = std::rc::Rc<std::cell::RefCell<Vec<u8>>>;

    fn writer_into(room: usize) -> (Got, ZeroizingBufWriter<Full>) {
        let got = Got::default();
        let sink = Full {
            got: got.clone(),
            room,
        };
        (got, ZeroizingBufWriter::with_capacity(64, sink))
    }

    #[test]
    fn zeroizing_writer_after_an_error_writes_nothing_twice() {
        let data: Vec<u8> = (0..40).collect();
        let (got, mut writer) = writer_into(20);
        writer.write_all(&data).unwrap();
        assert!(writer.flush().is_err());
        drop(writer);
        assert_eq!(*got.borrow(), data[..20]);
        // Flushed on drop, as `BufWriter` does.
        let (got, mut writer) = writer_into(100);
        writer.write_all(&data).unwrap();
        drop(writer);
        assert_eq!(*got.borrow(), data);
    }
}
