//! The passphrase root: Argon2id over a passphrase, with parameters and salt
//! stored in the keyring. The passphrase itself never comes from argv.

use std::cell::{Cell, RefCell};
use std::io::Read;
use std::path::Path;

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{RootKey, SecretSources};
use crate::crypto;
use crate::error::Failure;
use crate::secret::{Passphrase, SecretKey32};

/// OWASP's minimum for Argon2id (m = 19 MiB, t = 2, p = 1). Parameters below
/// it are refused when read, so an edited file cannot weaken the KDF.
pub const MIN_M_COST_KIB: u32 = 19 * 1024;
pub const MIN_T_COST: u32 = 2;

/// Above these, parameters are refused when read too: keycask never writes
/// them, and an edited file must not make every unlock take gigabytes of
/// memory or minutes of time.
pub const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
pub const MAX_T_COST: u32 = 64;
pub const MAX_P_COST: u32 = 64;

/// What keycask chooses for a new passphrase: m = 64 MiB, t = 3, p = 1,
/// above the OWASP minimum; measured in docs/BENCHMARKS.md.
pub const DEFAULT_M_COST_KIB: u32 = 64 * 1024;
pub const DEFAULT_T_COST: u32 = 3;
pub const DEFAULT_P_COST: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Always `argon2id`.
    pub kdf: String,
    /// Argon2 version, 19 (0x13).
    pub version: u32,
    /// Memory in KiB.
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
    /// 16 random bytes, base64.
    pub salt: String,
}

impl KdfParams {
    pub fn generate() -> Self {
        KdfParams {
            kdf: "argon2id".into(),
            version: 0x13,
            m_cost: DEFAULT_M_COST_KIB,
            t_cost: DEFAULT_T_COST,
            p_cost: DEFAULT_P_COST,
            salt: B64.encode(crate::random::random_array::<16>()),
        }
    }

    fn check(&self) -> Result<Vec<u8>, Failure> {
        if self.kdf != "argon2id" || self.version != 0x13 {
            return Err(Failure::keyring(format!(
                "unsupported passphrase KDF {} version {}",
                self.kdf, self.version
            )));
        }
        if self.m_cost < MIN_M_COST_KIB || self.t_cost < MIN_T_COST || self.p_cost == 0 {
            return Err(Failure::keyring(format!(
                "the keyring's Argon2id parameters (m={} KiB, t={}) are below the minimum (m={} KiB, t={}); the file may have been tampered with",
                self.m_cost, self.t_cost, MIN_M_COST_KIB, MIN_T_COST
            )));
        }
        if self.m_cost > MAX_M_COST_KIB || self.t_cost > MAX_T_COST || self.p_cost > MAX_P_COST {
            return Err(Failure::keyring(format!(
                "the keyring's Argon2id parameters (m={} KiB, t={}, p={}) are above the maximum (m={} KiB, t={}, p={}); the file may have been tampered with",
                self.m_cost, self.t_cost, self.p_cost, MAX_M_COST_KIB, MAX_T_COST, MAX_P_COST
            )));
        }
        let salt = B64
            .decode(&self.salt)
            .map_err(|_| Failure::keyring("the keyring's passphrase salt is not base64"))?;
        if salt.len() < 16 {
            return Err(Failure::keyring(
                "the keyring's passphrase salt is too short",
            ));
        }
        Ok(salt)
    }
}

pub struct PassphraseRoot {
    params: KdfParams,
    /// Replaced when a mistyped passphrase is typed again.
    key: RefCell<SecretKey32>,
    /// Set when the passphrase was typed at a terminal: a wrong one may be
    /// typed again, up to [`TRIES`] in all, as sudo and ssh allow. A
    /// passphrase from a file, a descriptor or a variable gets no retry.
    retry: Option<Retry>,
}

struct Retry {
    prompt: String,
    left: Cell<u32>,
}

/// Tries at a terminal to type the passphrase of an existing keyring.
pub const TRIES: u32 = 3;

/// A new passphrase shorter than this gets a warning at a terminal, and is
/// refused from a file, a descriptor or a variable without
/// `--allow-weak-passphrase`.
pub const MIN_NEW_CHARS: usize = 12;

impl PassphraseRoot {
    /// Asks for the passphrase of an existing keyring (from the first
    /// source that is set) and derives the root from it.
    pub fn open(params: &KdfParams, sources: &SecretSources) -> Result<Self> {
        let prompt = prompt_for(sources, false);
        let (pass, typed) = read_from(sources, &prompt, false)?;
        let mut root = Self::derive(params, &pass)?;
        if typed {
            root.retry = Some(Retry {
                prompt,
                left: Cell::new(TRIES - 1),
            });
        }
        Ok(root)
    }

    pub fn derive(params: &KdfParams, passphrase: &Passphrase) -> Result<Self> {
        let salt = params.check()?;
        let argon_params =
            argon2::Params::new(params.m_cost, params.t_cost, params.p_cost, Some(32))
                .map_err(|e| Failure::keyring(format!("invalid Argon2id parameters: {e}")))?;
        let argon = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon_params,
        );
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase.expose_secret().as_bytes(), &salt, out.as_mut())
            .map_err(|e| Failure::other(format!("Argon2id failed: {e}")))?;
        Ok(PassphraseRoot {
            params: params.clone(),
            key: RefCell::new(SecretKey32::from(out)),
            retry: None,
        })
    }
}

impl RootKey for PassphraseRoot {
    fn config(&self) -> super::RootConfig {
        super::RootConfig::Passphrase(self.params.clone())
    }

    fn wrap_kek(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        Ok(crypto::seal(&self.key.borrow(), kek.expose_secret(), aad))
    }

    fn unwrap_kek(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        loop {
            let opened = crypto::open(&self.key.borrow(), wrapped, aad);
            if let Ok(plain) = opened {
                return SecretKey32::from_slice(&plain)
                    .ok_or_else(|| Failure::keyring("a KEK version has the wrong length").into());
            }
            let Some(retry) = &self.retry else {
                return Err(Failure::auth("cannot unlock the keyring: wrong passphrase")
                    .hint("check the passphrase source (--passphrase-file, --passphrase-fd, KEYCASK_PASSPHRASE_FILE, KEYCASK_PASSPHRASE)")
                    .into());
            };
            // Typed at a terminal: no hint about files, which the person
            // typing did not use; another try while there are tries left.
            if retry.left.get() == 0 {
                return Err(Failure::auth(format!(
                    "cannot unlock the keyring: wrong passphrase ({TRIES} tries)"
                ))
                .into());
            }
            retry.left.set(retry.left.get() - 1);
            crate::stderr_line!("keycask: wrong passphrase, try again");
            let pass = from_terminal(&retry.prompt, false, SOURCES_HINT)?;
            let again = Self::derive(&self.params, &pass)?;
            *self.key.borrow_mut() = again.key.into_inner();
        }
    }
}

const SOURCES_HINT: &str = "give it with --passphrase-file PATH, --passphrase-fd N, KEYCASK_PASSPHRASE_FILE or KEYCASK_PASSPHRASE, or run at a terminal";

/// The prompt, naming the keyring it unlocks.
fn prompt_for(sources: &SecretSources, new: bool) -> String {
    let what = if new { "New passphrase" } else { "Passphrase" };
    match &sources.keyring {
        Some(path) => format!("{what} for keyring {}: ", path.display()),
        None => format!("{what} for the keyring: "),
    }
}

/// Reads the passphrase of a new passphrase root (`init`), asked twice at a
/// terminal, and holds it to [`MIN_NEW_CHARS`].
pub fn read_new_for(sources: &SecretSources) -> Result<Passphrase> {
    let (pass, typed) = read_from(sources, &prompt_for(sources, true), true)?;
    check_new(&pass, typed, sources.allow_weak_passphrase)?;
    Ok(pass)
}

/// A new passphrase shorter than [`MIN_NEW_CHARS`]: a warning when typed,
/// else refused unless allowed. (Its length is never printed.)
fn check_new(pass: &Passphrase, typed: bool, allowed: bool) -> Result<()> {
    if pass.expose_secret().chars().count() >= MIN_NEW_CHARS {
        return Ok(());
    }
    if typed {
        crate::stderr_line!(
            "keycask: warning: the new passphrase is shorter than {MIN_NEW_CHARS} characters; a few random words resist guessing far better"
        );
        return Ok(());
    }
    if allowed {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "the new passphrase is shorter than {MIN_NEW_CHARS} characters"
    ))
    .hint("use a longer one (a few random words), or accept it with --allow-weak-passphrase")
    .into())
}

/// Reads a passphrase from the first source that is set, in the documented
/// order: `--passphrase-fd`, `--passphrase-file`, `KEYCASK_PASSPHRASE_FILE`,
/// `KEYCASK_PASSPHRASE`, then the terminal (with a confirmation if
/// `confirm`). Also says whether it was typed at the terminal.
fn read_from(sources: &SecretSources, prompt: &str, confirm: bool) -> Result<(Passphrase, bool)> {
    if let Some(fd) = sources.passphrase_fd {
        let path = format!("/dev/fd/{fd}");
        let bytes = PASSPHRASE.read_limited(Path::new(&path)).map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "it is not open".to_string(),
                _ => e.to_string(),
            };
            Failure::usage(format!(
                "cannot read the passphrase from file descriptor {fd}: {why}"
            ))
            .hint(format!(
                "open it in the shell: keycask --passphrase-fd {fd} ... {fd}<FILE"
            ))
        })?;
        return Ok((
            PASSPHRASE.parse(bytes, &format!("file descriptor {fd}"))?,
            false,
        ));
    }
    if let Some(path) = &sources.passphrase_file {
        return Ok((PASSPHRASE.read_file(path, "--passphrase-file")?, false));
    }
    if let Some(path) = crate::input::env_path("KEYCASK_PASSPHRASE_FILE", "--passphrase-file")? {
        return Ok((
            PASSPHRASE.read_file(&path, "KEYCASK_PASSPHRASE_FILE")?,
            false,
        ));
    }
    // var_os, not var: a value that is not UTF-8 is refused by `parse`, not
    // taken for an unset variable.
    if let Some(text) = std::env::var_os("KEYCASK_PASSPHRASE") {
        use std::os::unix::ffi::OsStringExt;
        let pass = PASSPHRASE.parse(Zeroizing::new(text.into_vec()), "KEYCASK_PASSPHRASE")?;
        return Ok((pass, false));
    }
    Ok((from_terminal(prompt, confirm, SOURCES_HINT)?, true))
}

/// Reads a new passphrase from a file named for that purpose (`rotate --root
/// --new-passphrase-file`), or else from the terminal with confirmation.
pub fn read_new(file: Option<&Path>, sources: &SecretSources) -> Result<Passphrase> {
    let (pass, typed) = match file {
        Some(path) => (PASSPHRASE.read_file(path, "--new-passphrase-file")?, false),
        None => (
            from_terminal(
                &prompt_for(sources, true),
                true,
                "give the new passphrase with --new-passphrase-file PATH, or run at a terminal",
            )?,
            true,
        ),
    };
    check_new(&pass, typed, sources.allow_weak_passphrase)?;
    Ok(pass)
}

/// A secret typed into a file or a variable: a passphrase or a PIN. The
/// rules are the same for both; only the word in messages and the size
/// limit differ.
#[derive(Clone, Copy)]
pub(crate) struct SecretText {
    /// "passphrase" or "PIN", for messages.
    pub noun: &'static str,
    /// How much of a file is read at most: a secret is never a large file.
    pub limit: u64,
    /// The hint when the secret is empty.
    pub empty_hint: Option<&'static str>,
}

const PASSPHRASE: SecretText = SecretText {
    noun: "passphrase",
    limit: 64 * 1024,
    empty_hint: Some(
        "an empty passphrase protects nothing; put the passphrase in it, or use --root keyfile:PATH",
    ),
};

impl SecretText {
    pub(crate) fn read_file(self, path: &Path, source: &str) -> Result<Passphrase> {
        let bytes = self.read_limited(path).map_err(|e| {
            Failure::usage(format!(
                "cannot read the {} file {} ({source}): {}",
                self.noun,
                path.display(),
                crate::error::io_reason(&e)
            ))
        })?;
        self.parse(bytes, &format!("{} ({source})", path.display()))
    }

    fn read_limited(self, path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
        // All the room up front: a Vec that grew would leave copies of the
        // secret's first bytes in the blocks it gave back, unzeroized.
        let mut bytes = Zeroizing::new(Vec::with_capacity(self.limit as usize + 1));
        std::fs::File::open(path)?
            .take(self.limit)
            .read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// One trailing newline (what `echo` and editors add) is not part of it;
    /// empty and non-UTF-8 secrets are refused.
    pub(crate) fn parse(self, mut bytes: Zeroizing<Vec<u8>>, source: &str) -> Result<Passphrase> {
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        if bytes.is_empty() {
            let failure = Failure::usage(format!("the {} from {source} is empty", self.noun));
            return Err(match self.empty_hint {
                Some(hint) => failure.hint(hint),
                None => failure,
            }
            .into());
        }
        // Checked in place, so that no copy of bytes that are not UTF-8 is
        // dropped unzeroized with the error.
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Failure::usage(format!("the {} from {source} is not UTF-8 text", self.noun))
        })?;
        Ok(Passphrase::new(text.to_owned()))
    }
}

fn from_terminal(prompt: &str, confirm: bool, sources_hint: &str) -> Result<Passphrase> {
    let no_terminal = |_| -> anyhow::Error {
        Failure::usage("no passphrase given and no terminal to ask for one")
            .hint(sources_hint)
            .into()
    };
    let first = Passphrase::new(rpassword::prompt_password(prompt).map_err(no_terminal)?);
    if first.is_empty() {
        return Err(Failure::usage("the passphrase is empty").into());
    }
    if confirm {
        let second = Passphrase::new(
            rpassword::prompt_password("Repeat the passphrase: ").map_err(no_terminal)?,
        );
        if first != second {
            return Err(Failure::usage("the passphrases do not match").into());
        }
    }
    Ok(first)
}
