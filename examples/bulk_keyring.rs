//! Benchmark aid: adds N aes256-gcm keys to an existing keyring in one write,
//! so that `make bench` can time `list` and `keygen` on a large keyring
//! without running `keycask keygen` ten thousand times.
//!
//! usage: KEYCASK_KEYFILE=... cargo run --release --example bulk_keyring -- KEYRING N [DUE]
//!
//! With DUE, the first DUE keys were made 100 days ago: their 90-day
//! rotation period has passed (`rotate --due` rotates them).
//!
//! The work is `keycask::fixtures` (src/fixtures.rs), hidden from the
//! library's API.

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().context("KEYRING path")?);
    let count: usize = args.next().context("N")?.parse()?;
    let due: usize = args.next().map_or(Ok(0), |d| d.parse())?;
    keycask::fixtures::add_keys(&path, count, due)
}
