//! Generation: `keygen`. Material comes from the OS CSPRNG only.

use std::fmt;

use anyhow::Result;
use serde::Serialize;

use crate::Context;
use crate::cli::KeygenArgs;
use crate::clock;
use crate::crypto::material;
use crate::error::Failure;
use crate::key::{Algorithm, Purpose, validate_key_name};
use crate::keyring::{Event, Key, Origin, Session, name_taken};

#[derive(Debug)]
pub struct KeygenRequest {
    pub name: String,
    pub algorithm: Algorithm,
    pub purpose: Purpose,
    pub rotation_period: Option<u64>,
}

impl KeygenRequest {
    pub fn from_args(args: &KeygenArgs) -> Result<Self> {
        validate_key_name(&args.name)?;
        let algorithm: Algorithm = args.key_type.parse()?;
        let purpose = match &args.purpose {
            Some(p) => p.parse()?,
            None => algorithm.default_purpose(),
        };
        if !algorithm.allowed_purposes().contains(&purpose) {
            let allowed: Vec<&str> = algorithm
                .allowed_purposes()
                .iter()
                .map(|p| p.as_str())
                .collect();
            return Err(Failure::usage(format!(
                "{} key cannot have purpose {purpose}",
                algorithm.with_article()
            ))
            .hint(if algorithm.is_symmetric() {
                "aes256-gcm keys encrypt; for signatures or transport use --type p256 or rsa-3072".to_string()
            } else {
                format!("{algorithm} keys may have purpose {}; for envelope encryption use --type aes256-gcm", allowed.join(" or "))
            })
            .into());
        }
        let rotation_period = args
            .rotate_every
            .as_deref()
            .map(clock::parse_duration)
            .transpose()?;
        Ok(KeygenRequest {
            name: args.name.clone(),
            algorithm,
            purpose,
            rotation_period,
        })
    }
}

pub fn keygen(ctx: &Context, request: &KeygenRequest) -> Result<()> {
    // Generate before taking the lock: RSA-4096 takes a while, and other
    // writers should not wait for it.
    let generated = material::generate(request.algorithm)?;
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let now = session.now();
    let keyring = &mut session.keyring;
    if let Some(existing) = keyring.doc.keys.get(&request.name) {
        let hint = match &existing.destroyed {
            Some(_) => format!(
                "to reuse the name deliberately, `keycask destroy --purge {}` first",
                request.name
            ),
            None => format!(
                "to get new material under that name, `keycask rotate {}`",
                request.name
            ),
        };
        return Err(name_taken(&request.name, existing).hint(hint).into());
    }
    keyring.doc.keys.insert(
        request.name.clone(),
        Key {
            algorithm: request.algorithm,
            purpose: request.purpose,
            created: now,
            origin: Origin::Generated,
            rotation_period: request.rotation_period,
            primary: 0,
            versions: Vec::new(),
            destroyed: None,
        },
    );
    let version = keyring.add_version(
        &request.name,
        &generated.material,
        generated.public_key_der.as_deref(),
        now,
    )?;
    let version_id = keyring
        .key(&request.name)?
        .version(version)
        .expect("just added")
        .id
        .clone();
    session.record(Event::new("keygen").key(&request.name).versions([version]));
    session.commit()?;

    let fingerprint = generated
        .public_key_der
        .as_deref()
        .map(material::fingerprint);
    ctx.emit(&KeygenReport {
        schema: "keycask.keygen/1",
        name: &request.name,
        algorithm: request.algorithm,
        purpose: request.purpose,
        version,
        version_id,
        fingerprint,
        rotation_period: request.rotation_period.map(clock::format_duration),
    })?;
    Ok(())
}

/// What `keygen` reports: `keycask.keygen/1` (docs/JSON.md).
#[derive(Serialize)]
struct KeygenReport<'a> {
    schema: &'static str,
    name: &'a str,
    algorithm: Algorithm,
    purpose: Purpose,
    version: u32,
    version_id: String,
    fingerprint: Option<String>,
    rotation_period: Option<String>,
}

impl fmt::Display for KeygenReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "created key {} ({}, {}) version {} id {}",
            self.name, self.algorithm, self.purpose, self.version, self.version_id
        )?;
        if let Some(fp) = &self.fingerprint {
            writeln!(f, "public key fingerprint {fp}")?;
        }
        Ok(())
    }
}
