//! Benchmark aid: appends N records to a keyring's audit log in one write,
//! so that `make bench` can show that a logged write does not slow down as
//! the log grows (writers read only its end).
//!
//! usage: KEYCASK_KEYFILE=... cargo run --release --example bulk_audit -- KEYRING N

use anyhow::{Context, Result};
use keycask::keyring::{Event, Session};
use keycask::root::SecretSources;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().context("KEYRING path")?);
    let count: usize = args.next().context("N")?.parse()?;
    let sources = SecretSources {
        keyfile: std::env::var_os("KEYCASK_KEYFILE").map(Into::into),
        ..SecretSources::default()
    };
    let mut session = Session::open(&path, &sources)?;
    for i in 0..count {
        session.record(
            Event::new("unwrap")
                .key(&format!("k{}", i % 8 + 1))
                .versions([1]),
        );
    }
    session.commit()
}
