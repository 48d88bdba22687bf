//! Benchmark aid: appends N records to a keyring's audit log in one write,
//! so that `make bench` can show that a logged write does not slow down as
//! the log grows (writers read only its end).
//!
//! usage: KEYCASK_KEYFILE=... cargo run --release --example bulk_audit -- KEYRING N
//!
//! The work is `keycask::fixtures` (src/fixtures.rs), hidden from the
//! library's API.

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().context("KEYRING path")?);
    let count: usize = args.next().context("N")?.parse()?;
    keycask::fixtures::add_audit_records(&path, count)
}
