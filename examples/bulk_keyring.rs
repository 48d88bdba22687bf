//! Benchmark aid: adds N aes256-gcm keys to an existing keyring in one write,
//! so that `make bench` can time `list` and `keygen` on a large keyring
//! without running `keycask keygen` ten thousand times.
//!
//! usage: KEYCASK_KEYFILE=... cargo run --release --example bulk_keyring -- KEYRING N [DUE]
//!
//! With DUE, the first DUE keys were made 100 days ago: their 90-day
//! rotation period has passed (`rotate --due` rotates them).

use anyhow::{Context, Result};
use keycask::key::{Algorithm, Purpose};
use keycask::keyring::{Key, Origin, Session};
use keycask::root::SecretSources;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().context("KEYRING path")?);
    let count: usize = args.next().context("N")?.parse()?;
    let due: usize = args.next().map_or(Ok(0), |d| d.parse())?;
    let sources = SecretSources {
        keyfile: std::env::var_os("KEYCASK_KEYFILE").map(Into::into),
        ..SecretSources::default()
    };
    let mut session = Session::open(&path, &sources)?;
    let now = keycask::clock::now()?;
    for i in 0..count {
        let name = format!("bulk-{i:06}");
        let created = if i < due { now - 100 * 86_400 } else { now };
        session.keyring.doc.keys.insert(
            name.clone(),
            Key {
                algorithm: Algorithm::Aes256Gcm,
                purpose: Purpose::Encrypt,
                created,
                origin: Origin::Generated,
                rotation_period: Some(90 * 86_400),
                primary: 0,
                versions: Vec::new(),
                destroyed: None,
            },
        );
        let material = keycask::crypto::material::generate(Algorithm::Aes256Gcm)?.material;
        session
            .keyring
            .add_version(&name, &material, None, created)?;
    }
    session.commit()
}
