//! What commands print: aligned tables for people, JSON documents for
//! scripts, and status lines on stderr.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::Failure;

/// stdout for reports, buffered: Rust's stdout writes at every newline, so
/// a report of 10,000 lines would cost 10,000 write calls. End with
/// `flush()?` so that a write error is reported rather than lost in a drop.
/// Not for key material: the buffer is not zeroized.
pub fn report_stdout() -> BufWriter<std::io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, std::io::stdout().lock())
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
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let width = self.widths.get(i).copied().unwrap_or(0);
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
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

/// A path that may not exist, made absolute through its folder's real path.
fn place(path: &Path) -> Option<PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(path.file_name()?))
}

/// Where a command's output goes: stdout, or `-o FILE`. A regular FILE is
/// written as a temporary file beside it that becomes FILE only in
/// [`Output::commit`] (synced, then renamed); dropped uncommitted, the
/// temporary file is removed, so a failure leaves no FILE behind. A device,
/// FIFO or socket (`/dev/null`, a named pipe) is written directly: a rename
/// would put a regular file in its place.
pub enum Output {
    /// stdout, or a device or FIFO named with `-o`.
    Direct(BufWriter<File>),
    Temp {
        writer: BufWriter<tempfile::NamedTempFile>,
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
        Ok(())
    }

    pub fn open(path: Option<&Path>, mode: u32) -> Result<Output> {
        Output::check(path)?;
        let Some(target) = path else {
            let fd = std::io::stdout()
                .as_fd()
                .try_clone_to_owned()
                .context("cannot write to stdout")?;
            return Ok(Output::Direct(BufWriter::with_capacity(
                32 * 1024,
                File::from(fd),
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
            return Ok(Output::Direct(BufWriter::with_capacity(32 * 1024, file)));
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let file_name = target
            .file_name()
            .ok_or_else(|| Failure::usage(format!("-o {}: not a file name", target.display())))?;
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{}.", file_name.to_string_lossy()))
            .suffix(".tmp")
            .permissions(std::fs::Permissions::from_mode(mode))
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        Ok(Output::Temp {
            writer: BufWriter::with_capacity(32 * 1024, temp),
            target: target.to_path_buf(),
        })
    }

    pub fn writer(&mut self) -> &mut (dyn Write + Send) {
        match self {
            Output::Direct(w) => w,
            Output::Temp { writer, .. } => writer,
        }
    }

    /// Flushes; for a file, syncs it and renames it into place.
    pub fn commit(self) -> Result<()> {
        match self {
            Output::Direct(mut w) => w.flush().context("cannot write the output"),
            Output::Temp { writer, target } => {
                let temp = writer
                    .into_inner()
                    .map_err(|e| anyhow::Error::new(e.into_error()))
                    .with_context(|| format!("cannot write {}", target.display()))?;
                temp.as_file()
                    .sync_all()
                    .with_context(|| format!("cannot write {}", target.display()))?;
                temp.persist(&target)
                    .map_err(|e| anyhow::Error::new(e.error))
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
