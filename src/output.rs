//! What commands print: aligned tables for people, JSON documents for
//! scripts, and status lines on stderr.

use std::io::Write;

use anyhow::Result;
use serde_json::Value;

/// Prints a JSON document on stdout, followed by a newline.
pub fn print_json(value: &Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Prints rows as a table with a header, columns padded to their widest cell.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = std::io::stdout().lock();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// For `-o PATH` that names a device, a FIFO or a socket (`/dev/null`,
/// `/dev/stdout`, a named pipe): the open file to write to directly. Such a
/// target cannot be replaced by a rename — that would put a regular file in
/// place of `/dev/null` — and holds no half-written file to clean up.
/// `None` for regular files and paths that do not exist yet.
pub fn open_special_output(path: &std::path::Path) -> anyhow::Result<Option<std::fs::File>> {
    use anyhow::Context;
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(Some(file))
        }
        _ => Ok(None),
    }
}
