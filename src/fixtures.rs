//! Benchmark fixtures: large keyrings and audit logs made in one write, for
//! `make bench` (examples/bulk_keyring.rs and examples/bulk_audit.rs are
//! their command lines). Not part of the library's API: they write through
//! the keyring's internals, faster than running `keycask keygen` ten
//! thousand times.

// Public for examples/ only, so hidden from the documentation.
#![doc(hidden)]

use std::path::Path;

use anyhow::Result;

use crate::key::{Algorithm, Purpose};
use crate::keyring::{Event, Key, Origin, Session};
use crate::root::SecretSources;

/// The keyring's root as the fixtures open it: a key file named by
/// `KEYCASK_KEYFILE`, else whatever the keyring's root needs.
fn sources() -> SecretSources {
    SecretSources {
        keyfile: std::env::var_os("KEYCASK_KEYFILE").map(Into::into),
        ..SecretSources::default()
    }
}

/// Adds `count` aes256-gcm keys `bulk-000000`, ... with a 90-day rotation
/// period to the keyring at `path`, in one write. The first `due` were made
/// 100 days ago, so `rotate --due` rotates them.
pub fn add_keys(path: &Path, count: usize, due: usize) -> Result<()> {
    let mut session = Session::open(path, &sources())?;
    let now = crate::clock::now()?;
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
        let material = crate::crypto::material::generate(Algorithm::Aes256Gcm)?.material;
        session
            .keyring
            .add_version(&name, &material, None, created)?;
    }
    session.commit()
}

/// Appends `count` `unwrap` records (keys `k1` to `k8`, version 1) to the
/// audit log of the keyring at `path`, in one write.
pub fn add_audit_records(path: &Path, count: usize) -> Result<()> {
    let mut session = Session::open(path, &sources())?;
    for i in 0..count {
        session.record(
            Event::new("unwrap")
                .key(&format!("k{}", i % 8 + 1))
                .versions([1]),
        );
    }
    session.commit()
}
