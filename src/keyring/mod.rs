//! The keyring: its stored model, its file, and the unlocked form in which
//! commands read and change it.

mod agent;
pub mod destruction;
pub mod file;
mod keys;
pub mod model;
mod record;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::audit_log as audit;
use crate::clock::Timestamp;
use crate::crypto;
use crate::error::Failure;
use crate::root::{self, RootConfig, RootKey, SecretSources};
use crate::secret::{SecretBytes, SecretKey32};
pub use model::*;
use record::{commit_events, set_aside_orphan_log};
pub use record::{record, record_usage, verify_audit_log};
// The audit log's types, where the keyring's callers have always found them.
pub use crate::audit_log::Event;

/// A keyring whose KEK versions are unwrapped and whose integrity MAC has
/// been checked. Key material is unwrapped on demand, one version at a time.
pub struct Unlocked {
    pub doc: Keyring,
    keks: BTreeMap<u32, SecretKey32>,
}

impl std::fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlocked")
            .field("keyring_id", &self.doc.keyring_id)
            .finish_non_exhaustive()
    }
}

fn random_id() -> String {
    hex::encode(crate::random::random_array::<16>())
}

fn integrity_failure() -> Failure {
    Failure::keyring("the keyring failed its integrity check: it was changed outside keycask")
        .hint("restore the keyring from a backup; keycask will not use a keyring it cannot verify")
}

impl Unlocked {
    /// A new, empty keyring with a fresh id and KEK version 1.
    pub fn create(root_config: RootConfig, root: &dyn RootKey, now: Timestamp) -> Result<Self> {
        let keyring_id = random_id();
        let kek = SecretKey32::generate();
        let wrapped = root.wrap_kek(&kek, &kek_aad(&keyring_id, 1))?;
        let doc = Keyring {
            kind: KEYRING_KIND.into(),
            format: FORMAT_VERSION,
            keyring_id,
            created: now,
            root: root_config,
            kek: KekSet {
                primary: 1,
                versions: vec![KekVersion {
                    version: 1,
                    created: now,
                    wrapped: B64.encode(wrapped),
                }],
            },
            keys: Keys::new(),
            audit: None,
            mac: None,
            mac_input: MacInput::default(),
        };
        let mut unlocked = Unlocked {
            doc,
            keks: BTreeMap::from([(1, kek)]),
        };
        unlocked.ensure_audit_state()?;
        Ok(unlocked)
    }

    /// Gives a keyring written before the audit log existed its audit state
    /// (a fresh audit key, counter 0).
    fn ensure_audit_state(&mut self) -> Result<()> {
        if self.doc.audit.is_none() {
            let (kek_version, kek) = self.primary_kek()?;
            let audit_key = SecretKey32::generate();
            let wrapped = crypto::seal(
                kek,
                audit_key.expose_secret(),
                &audit_key_aad(&self.doc.keyring_id, kek_version),
            );
            self.doc.audit = Some(AuditState {
                seq: 0,
                last: String::new(),
                key: B64.encode(wrapped),
                kek_version,
                usage: false,
            });
        }
        Ok(())
    }

    fn audit_key(&self) -> Result<SecretKey32> {
        let state = self.doc.audit.as_ref().ok_or_else(integrity_failure)?;
        let kek = self
            .keks
            .get(&state.kek_version)
            .ok_or_else(integrity_failure)?;
        let blob = B64.decode(&state.key).map_err(|_| integrity_failure())?;
        let plain = crypto::open(
            kek,
            &blob,
            &audit_key_aad(&self.doc.keyring_id, state.kek_version),
        )
        .map_err(|_| integrity_failure())?;
        SecretKey32::from_slice(&plain).ok_or_else(|| integrity_failure().into())
    }

    /// The key that MACs this keyring's audit records.
    pub fn audit_mac_key(&self) -> Result<audit::MacKey> {
        Ok(audit::MacKey::derive(
            &self.audit_key()?,
            &self.doc.keyring_id,
        ))
    }

    /// Turns usage logging (wrap, unwrap, sign, export) on or off.
    pub fn set_audit_usage(&mut self, on: bool) -> Result<()> {
        self.ensure_audit_state()?;
        if let Some(state) = self.doc.audit.as_mut() {
            state.usage = on;
        }
        Ok(())
    }

    /// Unwraps every KEK version with the root and checks the document's MAC.
    pub fn unlock(doc: Keyring, root: &dyn RootKey) -> Result<Self> {
        let mut keks = BTreeMap::new();
        for version in &doc.kek.versions {
            let wrapped = B64
                .decode(&version.wrapped)
                .map_err(|_| integrity_failure())?;
            let kek = root.unwrap_kek(&wrapped, &kek_aad(&doc.keyring_id, version.version))?;
            keks.insert(version.version, kek);
        }
        let mut unlocked = Unlocked { doc, keks };
        unlocked.verify_mac()?;
        Ok(unlocked)
    }

    /// Unlocks with KEK versions an agent held (see `src/agent`): every
    /// KEK version the document names must be among them (else the KEK was
    /// rotated since `keycask unlock`, and the document is handed back to
    /// be unlocked with its root), and the MAC must verify under them (else
    /// the keyring was changed outside keycask: exit 5).
    pub(crate) fn unlock_with_keks(
        doc: Keyring,
        held: &BTreeMap<u32, SecretKey32>,
    ) -> Result<std::result::Result<Self, Keyring>> {
        let mut keks = BTreeMap::new();
        for version in &doc.kek.versions {
            match held.get(&version.version) {
                Some(kek) => keks.insert(version.version, kek.clone()),
                None => return Ok(Err(doc)),
            };
        }
        let mut unlocked = Unlocked { doc, keks };
        unlocked.verify_mac()?;
        Ok(Ok(unlocked))
    }

    /// The unlocked KEK versions, for `keycask unlock` to hand the agent.
    pub(crate) fn keks(&self) -> &BTreeMap<u32, SecretKey32> {
        &self.keks
    }

    pub fn primary_kek(&self) -> Result<(u32, &SecretKey32)> {
        let version = self.doc.kek.primary;
        let kek = self.keks.get(&version).ok_or_else(integrity_failure)?;
        Ok((version, kek))
    }

    fn mac_key(&self) -> Result<SecretKey32> {
        let (_, kek) = self.primary_kek()?;
        Ok(crypto::hkdf_sha256(
            kek.expose_secret(),
            Some(self.doc.keyring_id.as_bytes()),
            b"keycask/keyring-mac/v1",
        ))
    }

    /// Checks the MAC over the bytes it covers (docs/FORMAT.md, "Keyring
    /// MAC"): in format 3, the file's bytes before its `mac` member and a
    /// `}`, as read (no re-serialisation: a keyring of 100,000 keys costs a
    /// SHA-256 pass over its file); in format 2, the RFC 8785 canonical JSON
    /// of the file without `mac`; in format 1, keycask's own compact
    /// serialisation without `mac`. A document not read from a file (just
    /// sealed) is checked over what keycask would write.
    fn verify_mac(&mut self) -> Result<()> {
        let tag = self
            .doc
            .mac
            .as_deref()
            .and_then(|m| B64.decode(m).ok())
            .ok_or_else(integrity_failure)?;
        let key = self.mac_key()?;
        let verified = match (&self.doc.mac_input, self.doc.format) {
            (MacInput::Misplaced, _) => return Err(integrity_failure().into()),
            (MacInput::Exact { text, end }, FORMAT_VERSION) => {
                crypto::hmac_sha256_verify_parts(&key, &[text[..*end].as_bytes(), b"}"], &tag)
            }
            (MacInput::Canonical(message), FORMAT_V2) => {
                crypto::hmac_sha256_verify(&key, message, &tag)
            }
            (_, format) => {
                // The `mac` is taken out and put back, rather than cloning a
                // keyring of thousands of keys.
                let mac = self.doc.mac.take();
                let message = match format {
                    FORMAT_V1 => {
                        serde_json::to_vec(&self.doc).expect("a keyring always serialises")
                    }
                    FORMAT_V2 => text::canonical_json(&self.doc),
                    _ => {
                        let mut body = text::body(&self.doc);
                        body.push(b'}');
                        body
                    }
                };
                self.doc.mac = mac;
                crypto::hmac_sha256_verify(&key, &message, &tag)
            }
        };
        verified.map_err(|_| integrity_failure().into())
    }

    /// Seals the MAC and returns the file's bytes; called just before every
    /// write. A format 1 or 2 keyring is written as format 3 from here on.
    pub fn seal(&mut self) -> Result<Vec<u8>> {
        self.doc.format = FORMAT_VERSION;
        self.doc.mac = None;
        self.doc.mac_input = MacInput::None;
        let key = self.mac_key()?;
        let body = text::body(&self.doc);
        let tag = crypto::hmac_sha256_parts(&key, &[&body, b"}"]);
        self.doc.mac = Some(B64.encode(tag));
        Ok(text::with_mac(body, self.doc.mac.as_deref()))
    }

    /// Recomputes the MAC (see [`Unlocked::seal`]).
    #[cfg(test)]
    pub fn seal_mac(&mut self) -> Result<()> {
        self.seal().map(drop)
    }

    /// The key of that name, or an exit-4 error that says what to do.
    pub fn key(&self, name: &str) -> Result<&Key> {
        find_key(&self.doc, name)
    }

    /// Unwraps the material of one key version.
    pub fn material(&self, name: &str, version: u32) -> Result<SecretBytes> {
        let key = self.key(name)?;
        let v = key.version(version).ok_or_else(|| {
            Failure::key_unusable(format!("key '{name}' has no version {version}"))
        })?;
        let wrapped = v.wrapped.as_deref().ok_or_else(|| {
            Failure::key_unusable(format!(
                "version {version} of key '{name}' was destroyed{}",
                destruction_note(v)
            ))
        })?;
        let kek = self
            .keks
            .get(&v.kek_version)
            .ok_or_else(integrity_failure)?;
        let blob = B64.decode(wrapped).map_err(|_| integrity_failure())?;
        let plain = crypto::open(
            kek,
            &blob,
            &material_aad(&self.doc.keyring_id, name, key, v),
        )
        .map_err(|_| integrity_failure())?;
        Ok(SecretBytes::from(plain))
    }

    /// Wraps material for a version under the primary KEK, setting its
    /// `kek_version` and `wrapped` fields.
    pub fn wrap_material(
        &self,
        name: &str,
        key: &Key,
        version: &mut KeyVersion,
        material: &SecretBytes,
    ) -> Result<()> {
        let (kek_version, kek) = self.primary_kek()?;
        version.kek_version = kek_version;
        let aad = material_aad(&self.doc.keyring_id, name, key, version);
        version.wrapped = Some(B64.encode(crypto::seal(kek, material.expose_secret(), &aad)));
        Ok(())
    }

    /// Adds a new enabled version holding `material` and makes it primary.
    /// Returns its number.
    pub fn add_version(
        &mut self,
        name: &str,
        material: &SecretBytes,
        public_key_der: Option<&[u8]>,
        now: Timestamp,
    ) -> Result<u32> {
        let key = self.key(name)?.clone();
        let number = key
            .next_version_number()
            .ok_or_else(|| version_ceiling_reached(name))?;
        let mut version = KeyVersion {
            version: number,
            id: random_id(),
            state: VersionState::Enabled,
            created: now,
            kek_version: 0,
            wrapped: None,
            public_key: public_key_der.map(|der| B64.encode(der)),
            compromised: None,
            destroy_after: None,
            destruction: None,
            source: None,
        };
        self.wrap_material(name, &key, &mut version, material)?;
        let key = self.doc.keys.get_mut(name).expect("looked up above");
        key.versions.push(version);
        key.primary = number;
        Ok(number)
    }
}

impl Unlocked {
    /// Adds a version that keeps a number and id given by the caller (an
    /// imported version keeps the sender's, so the sender's envelopes find
    /// it), its material wrapped under the primary KEK. The caller checks
    /// that the number and the id are free; the primary is left alone.
    pub fn insert_version(
        &mut self,
        name: &str,
        mut version: KeyVersion,
        material: &SecretBytes,
    ) -> Result<()> {
        let key = self.key(name)?.clone();
        self.wrap_material(name, &key, &mut version, material)?;
        let key = self.doc.keys.get_mut(name).expect("looked up above");
        let at = key
            .versions
            .iter()
            .position(|v| v.version > version.version)
            .unwrap_or(key.versions.len());
        key.versions.insert(at, version);
        Ok(())
    }
}

/// The refusal of a new version for a key that holds version [`MAX_VERSION`].
pub fn version_ceiling_reached(name: &str) -> Failure {
    Failure::key_unusable(format!(
        "key '{name}' has reached version {MAX_VERSION}, the highest version number keycask gives; it takes no new version"
    ))
    .hint(format!(
        "create a new key (keycask keygen NEWNAME) and move to it, then retire '{name}'"
    ))
}

/// Refuses a change to a key scheduled for destruction as a whole: a new
/// version or primary would bring back a key that is on its way out.
/// `refused` says what is not done, `then` what to do after cancelling.
pub fn refuse_scheduled(name: &str, key: &Key, refused: &str, then: &str) -> Result<(), Failure> {
    if !key.scheduled_for_destruction() {
        return Ok(());
    }
    let after = key
        .primary_version()
        .and_then(|v| v.destroy_after)
        .map(|t| format!(" on {}", crate::clock::format_time(t)))
        .unwrap_or_default();
    Err(Failure::key_unusable(format!(
        "key '{name}' is scheduled for destruction{after}; {refused}"
    ))
    .hint(format!(
        "`keycask destroy --cancel {name}` cancels it; {then}"
    )))
}

/// The refusal of a new key under a name already taken, by a key or by the
/// tombstone of a destroyed one: one message for `keygen` and `import`,
/// which add their own hint.
pub fn name_taken(name: &str, existing: &Key) -> Failure {
    match &existing.destroyed {
        Some(tombstone) => Failure::usage(format!(
            "key '{name}' was destroyed on {} and its name is kept as a tombstone",
            crate::clock::format_date(tombstone.at)
        )),
        None => Failure::usage(format!("a key named '{name}' already exists")),
    }
}

/// Why a destroyed version is gone, for error messages: " on DATE (REASON)".
pub fn destruction_note(v: &KeyVersion) -> String {
    v.destruction
        .as_ref()
        .map(Tombstone::note)
        .unwrap_or_default()
}

/// The command that cancels the scheduled destruction of version `number`:
/// `destroy --cancel NAME --version N`, or `destroy --cancel NAME` while the
/// whole key is scheduled (a single version is then refused).
pub fn cancel_command(name: &str, key: &Key, number: u32) -> String {
    if key.scheduled_for_destruction() {
        format!("keycask destroy --cancel {name}")
    } else {
        format!("keycask destroy --cancel {name} --version {number}")
    }
}

/// Looks a key up by name, for locked and unlocked keyrings alike.
/// A key not parsed yet (a keyring read with `file::read_lazy`) is parsed
/// and checked now: a malformed one is an error (exit 5).
pub fn find_key<'a>(doc: &'a Keyring, name: &str) -> Result<&'a Key> {
    doc.try_key(name)?.ok_or_else(|| {
        Failure::key_unusable(format!("no key named '{name}' in this keyring"))
            .hint("`keycask list` shows the keys; `keycask keygen NAME` creates one")
            .into()
    })
}

/// A locked, unlocked keyring, open for one read-modify-write.
pub struct Session {
    path: PathBuf,
    lock: file::WriteLock,
    /// The root, when it was opened: a keyring unlocked with an agent's
    /// KEK versions opens it only when a command needs it
    /// ([`Session::root`]).
    root: Option<Box<dyn RootKey>>,
    sources: SecretSources,
    /// Set by `rotate_kek`: `commit` hands the agent the new KEK.
    kek_rotated: bool,
    pub keyring: Unlocked,
    /// What this session did, for the audit log.
    pub events: Vec<Event>,
    /// Scheduled destructions that fell due and were carried out when the
    /// session opened; written and reported on stderr by `commit`.
    pub destroyed_due: Vec<destruction::DueDestruction>,
    /// The time this session records, from [`crate::clock::now_for_writing`]:
    /// no session opens under a pretended clock that may not be written.
    now: Timestamp,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.path)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Locks, reads, unlocks and verifies the keyring at `path`, with the
    /// KEK versions an agent holds for it when there are some, else with
    /// its root.
    pub fn open(path: &Path, sources: &SecretSources) -> Result<Session> {
        Session::open_with(path, sources, AgentUse::Prefer)
    }

    /// [`Session::open`], saying whether an agent may be used.
    pub fn open_with(path: &Path, sources: &SecretSources, agent: AgentUse) -> Result<Session> {
        // First: a pretended clock is refused before anything is asked.
        let now = crate::clock::now_for_writing()?;
        // A missing keyring is reported as such ("no keyring at ..."), and
        // no lock file is left beside it.
        if !path.try_exists().unwrap_or(true) {
            file::read(path)?;
        }
        let lock = file::lock(path)?;
        let doc = file::read(path)?;
        let (mut keyring, root) = unlock_with(doc, sources, agent)?;
        // Every writer carries out the scheduled destructions that fell due,
        // before the command sees the keyring.
        let destroyed_due = destruction::carry_out_due(&mut keyring.doc, now);
        let events = destroyed_due
            .iter()
            .map(|d| {
                Event::new("destroy")
                    .key(&d.key)
                    .versions([d.version])
                    .detail(format!(
                        "scheduled destruction fell due on {}",
                        crate::clock::format_time(d.due)
                    ))
            })
            .collect();
        Ok(Session {
            path: path.to_path_buf(),
            lock,
            root,
            sources: sources.clone(),
            kek_rotated: false,
            keyring,
            events,
            destroyed_due,
            now,
        })
    }

    /// Starts a session on a keyring that does not exist yet (`init`).
    pub fn create(path: &Path, root: Box<dyn RootKey>) -> Result<Session> {
        let now = crate::clock::now_for_writing()?;
        file::prepare_new(path)?;
        let lock = file::lock(path)?;
        // Another `init` may have won the race while we waited for the lock.
        file::prepare_new(path)?;
        set_aside_orphan_log(path)?;
        let keyring = Unlocked::create(root.config(), root.as_ref(), now)?;
        Ok(Session {
            path: path.to_path_buf(),
            lock,
            root: Some(root),
            sources: SecretSources::default(),
            kek_rotated: false,
            keyring,
            events: vec![Event::new("init")],
            destroyed_due: Vec::new(),
            now,
        })
    }

    /// The time to record in this session's changes (checked when it
    /// opened; see [`crate::clock::now_for_writing`]).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn record(&mut self, event: Event) {
        self.events.push(event);
    }

    /// A new KEK version becomes primary; every key version's material is
    /// re-wrapped under it and the old KEK versions are removed. Returns the
    /// new KEK version number. Envelopes are untouched.
    pub fn rotate_kek(&mut self, now: Timestamp) -> Result<u32> {
        let number = self
            .keyring
            .doc
            .kek
            .versions
            .iter()
            .map(|v| v.version)
            .max()
            .unwrap_or(0)
            + 1;
        let kek = SecretKey32::generate();
        let aad = kek_aad(&self.keyring.doc.keyring_id, number);
        let wrapped = self.root()?.wrap_kek(&kek, &aad)?;
        self.kek_rotated = true;
        let keyring = &mut self.keyring;
        keyring.ensure_audit_state()?;
        let audit_key = keyring.audit_key()?;
        // Unwrap everything under the old KEKs first, then switch.
        let mut materials = Vec::new();
        for (name, key) in &keyring.doc.keys {
            for v in &key.versions {
                if v.wrapped.is_some() {
                    materials.push((name.clone(), v.version, keyring.material(name, v.version)?));
                }
            }
        }
        keyring.doc.kek = KekSet {
            primary: number,
            versions: vec![KekVersion {
                version: number,
                created: now,
                wrapped: B64.encode(wrapped),
            }],
        };
        keyring.keks = BTreeMap::from([(number, kek)]);
        if let Some(state) = keyring.doc.audit.as_mut() {
            let aad = audit_key_aad(&keyring.doc.keyring_id, number);
            state.key = B64.encode(crypto::seal(
                &keyring.keks[&number],
                audit_key.expose_secret(),
                &aad,
            ));
            state.kek_version = number;
        }
        for (name, number, material) in materials {
            let key = keyring.doc.keys[&name].clone();
            let mut version = key.version(number).expect("listed above").clone();
            keyring.wrap_material(&name, &key, &mut version, &material)?;
            *keyring
                .doc
                .keys
                .get_mut(&name)
                .and_then(|k| k.version_mut(number))
                .expect("listed above") = version;
        }
        Ok(number)
    }

    /// Moves the keyring to a new root: only the KEK versions are re-wrapped.
    pub fn replace_root(&mut self, new_root: Box<dyn RootKey>) -> Result<()> {
        let keyring = &mut self.keyring;
        for version in &mut keyring.doc.kek.versions {
            let kek = keyring
                .keks
                .get(&version.version)
                .ok_or_else(integrity_failure)?;
            let wrapped =
                new_root.wrap_kek(kek, &kek_aad(&keyring.doc.keyring_id, version.version))?;
            version.wrapped = B64.encode(wrapped);
        }
        keyring.doc.root = new_root.config();
        self.root = Some(new_root);
        Ok(())
    }

    /// The keyring's root, opened now if the keyring was unlocked with an
    /// agent's KEK versions. Checked before use: it must unwrap the primary
    /// KEK version to the KEK held, so that a wrong passphrase can never
    /// wrap a new KEK the keyring could not open again.
    fn root(&mut self) -> Result<&dyn RootKey> {
        if self.root.is_none() {
            let doc = &self.keyring.doc;
            let root = root::open(&doc.root, &self.sources)?;
            let (number, held) = self.keyring.primary_kek()?;
            let version = doc
                .kek
                .versions
                .iter()
                .find(|v| v.version == number)
                .ok_or_else(integrity_failure)?;
            let wrapped = B64
                .decode(&version.wrapped)
                .map_err(|_| integrity_failure())?;
            let kek = root.unwrap_kek(&wrapped, &kek_aad(&doc.keyring_id, number))?;
            if &kek != held {
                return Err(integrity_failure().into());
            }
            self.root = Some(root);
        }
        Ok(self.root.as_deref().expect("opened above"))
    }

    /// Appends the audit records of `events`, then seals the MAC and writes
    /// the keyring atomically; the lock is released after.
    /// Scheduled destructions carried out by this session are reported on
    /// stderr once written, even with `-q`: a destruction that an unrelated
    /// command carried out must never go unnoticed.
    pub fn commit(mut self) -> Result<()> {
        commit_events(&self.path, &self.lock, &mut self.keyring, &self.events)?;
        if self.kek_rotated {
            agent::after_kek_rotation(&self.keyring);
        }
        for done in &self.destroyed_due {
            crate::stderr_line!("keycask: {}", done.report());
        }
        Ok(())
    }
}

/// Reads and unlocks the keyring without taking the writer's lock, for
/// commands that only use keys (`wrap`, `unwrap`, `sign`).
pub fn open_read_only(path: &Path, sources: &SecretSources) -> Result<Unlocked> {
    let doc = file::read(path)?;
    unlock_doc(doc, sources)
}

/// [`open_read_only`] of a keyring read with [`file::read_lazy`], for the
/// commands that use the keys they name or find by version id (`sign`,
/// `verify -k`): the MAC is still checked over the whole file, each key is
/// parsed and checked when first looked up ([`find_key`],
/// [`Keyring::find_version_id`]), the others are not built.
pub fn open_read_only_lazy(path: &Path, sources: &SecretSources) -> Result<Unlocked> {
    let doc = file::read_lazy(path)?;
    unlock_doc(doc, sources)
}

/// Unlocks a keyring read by the caller: with an agent's KEK versions when
/// one holds them, else with its root.
pub fn unlock_doc(doc: Keyring, sources: &SecretSources) -> Result<Unlocked> {
    Ok(unlock_with(doc, sources, AgentUse::Prefer)?.0)
}

/// Whether a command may unlock with KEK versions an agent holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentUse {
    /// The agent's when it holds them, else the root (every command).
    Prefer,
    /// The root only (`unlock`, `rotate --root`: they prove the root).
    Never,
    /// The agent's only (`lock`); not held is an error, nothing is asked.
    Only,
}

/// Unlocks `doc` as `agent` says; the root comes back when it was opened.
fn unlock_with(
    doc: Keyring,
    sources: &SecretSources,
    agent: AgentUse,
) -> Result<(Unlocked, Option<Box<dyn RootKey>>)> {
    let (doc, missed) = match agent {
        AgentUse::Never => (doc, None),
        AgentUse::Prefer | AgentUse::Only => match agent::unlock_from_agent(doc)? {
            Ok(unlocked) => return Ok((unlocked, None)),
            Err((doc, missed)) => (doc, missed),
        },
    };
    if agent == AgentUse::Only {
        return Err(Failure::keyring(format!(
            "the agent does not hold this keyring{}",
            missed.map(|why| format!(": {why}")).unwrap_or_default()
        ))
        .into());
    }
    let root = root::open(&doc.root, sources).map_err(|e| match &missed {
        Some(why) => agent::hint_unlock(e, why),
        None => e,
    })?;
    let unlocked = Unlocked::unlock(doc, root.as_ref())?;
    Ok((unlocked, Some(root)))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestRoot(SecretKey32);

    impl RootKey for TestRoot {
        fn config(&self) -> RootConfig {
            RootConfig::Keyfile {
                path: PathBuf::from("/test"),
            }
        }
        fn wrap_kek(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
            Ok(crypto::seal(&self.0, kek.expose_secret(), aad))
        }
        fn unwrap_kek(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey32> {
            let plain =
                crypto::open(&self.0, wrapped, aad).map_err(|_| Failure::auth("wrong root"))?;
            Ok(SecretKey32::from_slice(&plain).unwrap())
        }
    }

    fn keyring_with(names: &[&str]) -> Unlocked {
        let root = TestRoot(SecretKey32::generate());
        let mut keyring = Unlocked::create(root.config(), &root, 1_800_000_000).unwrap();
        for name in names {
            keyring.doc.keys.insert(
                name.to_string(),
                Key {
                    algorithm: Algorithm::Aes256Gcm,
                    purpose: Purpose::Encrypt,
                    created: 1_800_000_000,
                    origin: Origin::Generated,
                    rotation_period: None,
                    primary: 0,
                    versions: Vec::new(),
                    destroyed: None,
                },
            );
            let material = SecretBytes::new(name.repeat(32).into_bytes()[..32].to_vec());
            keyring
                .add_version(name, &material, None, 1_800_000_000)
                .unwrap();
        }
        keyring
    }

    #[test]
    fn material_round_trips_and_is_bound_to_its_place() {
        let mut keyring = keyring_with(&["a", "b"]);
        assert_eq!(
            keyring.material("a", 1).unwrap().expose_secret(),
            &[b'a'; 32]
        );
        // Swap the blobs and even re-seal the MAC (as someone holding the KEK
        // could): the associated data still refuses the moved blobs.
        let a = keyring.doc.keys["a"].versions[0].wrapped.clone();
        let b = keyring.doc.keys["b"].versions[0].wrapped.clone();
        keyring.doc.keys.get_mut("a").unwrap().versions[0].wrapped = b;
        keyring.doc.keys.get_mut("b").unwrap().versions[0].wrapped = a;
        keyring.seal_mac().unwrap();
        assert!(keyring.material("a", 1).is_err());
        assert!(keyring.material("b", 1).is_err());
    }

    #[test]
    fn version_number_and_purpose_are_bound_too() {
        let mut keyring = keyring_with(&["a"]);
        keyring.doc.keys.get_mut("a").unwrap().purpose = Purpose::Sign;
        assert!(keyring.material("a", 1).is_err());
        let mut keyring = keyring_with(&["a"]);
        keyring.doc.keys.get_mut("a").unwrap().versions[0].version = 2;
        assert!(keyring.material("a", 2).is_err());
    }

    fn reread(keyring: &Unlocked, bytes: &[u8]) -> Unlocked {
        Unlocked {
            doc: text::parse(bytes).unwrap(),
            keks: keyring.keks.clone(),
        }
    }

    #[test]
    fn format_3_macs_the_exact_bytes_before_the_mac_member() {
        let mut keyring = keyring_with(&["a", "b"]);
        let bytes = keyring.seal().unwrap();
        assert_eq!(keyring.doc.format, FORMAT_VERSION);
        assert_eq!(bytes, text::to_bytes(&keyring.doc));
        // Compact JSON, one key a line, `mac` last.
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\n    \"a\":{\"algorithm\":"), "{text}");
        assert!(text.ends_with("\"}\n"), "{text}");
        let at = bytes.windows(8).rposition(|w| w == b",\"mac\":\"").unwrap();
        let mut message = bytes[..at].to_vec();
        message.push(b'}');
        let key = keyring.mac_key().unwrap();
        assert_eq!(
            keyring.doc.mac.as_deref(),
            Some(B64.encode(crypto::hmac_sha256(&key, &message)).as_str())
        );
        assert!(reread(&keyring, &bytes).verify_mac().is_ok());
        // Trailing whitespace is not covered, and allowed.
        let mut spaced = bytes.clone();
        spaced.extend_from_slice(b"  \n");
        assert!(reread(&keyring, &spaced).verify_mac().is_ok());
        // The same document re-indented, or re-ordered (serde_json's map
        // sorts members: `mac` is no longer last), is other bytes: refused.
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        for other in [
            serde_json::to_vec_pretty(&value).unwrap(),
            serde_json::to_vec(&value).unwrap(),
        ] {
            assert_ne!(other, bytes);
            assert!(reread(&keyring, &other).verify_mac().is_err());
        }
        // A space inside the covered bytes changes the MAC's input.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let spaced = text.replacen("\"keys\":{", "\"keys\": {", 1);
        assert!(reread(&keyring, spaced.as_bytes()).verify_mac().is_err());
    }

    #[test]
    fn format_2_is_still_verified_over_canonical_json_in_any_order() {
        let mut keyring = keyring_with(&["a", "b"]);
        keyring.doc.format = FORMAT_V2;
        keyring.doc.mac = None;
        let key = keyring.mac_key().unwrap();
        let canonical = text::canonical_json(&keyring.doc);
        keyring.doc.mac = Some(B64.encode(crypto::hmac_sha256(&key, &canonical)));
        let value = serde_json::to_value(&keyring.doc).unwrap();
        for bytes in [
            serde_json::to_vec_pretty(&value).unwrap(),
            serde_json::to_vec(&value).unwrap(),
        ] {
            let mut again = reread(&keyring, &bytes);
            assert_eq!(again.doc.format, FORMAT_V2);
            assert!(matches!(&again.doc.mac_input, MacInput::Canonical(m) if *m == canonical));
            assert!(again.verify_mac().is_ok());
            // Its next write is format 3.
            let sealed = again.seal().unwrap();
            let third = reread(&keyring, &sealed);
            assert_eq!(third.doc.format, FORMAT_VERSION);
            assert_eq!(third.doc.keys, keyring.doc.keys);
        }
        let mut edited = value.clone();
        edited["keys"]["a"]["primary"] = 7.into();
        let bytes = serde_json::to_vec_pretty(&edited).unwrap();
        assert!(reread(&keyring, &bytes).verify_mac().is_err());
    }

    #[test]
    fn keys_are_parsed_when_used_and_unchanged_ones_are_written_as_read() {
        let mut keyring = keyring_with(&["a", "b", "c"]);
        let bytes = keyring.seal().unwrap();
        let mut again = reread(&keyring, &bytes);
        assert!(again.verify_mac().is_ok());
        assert_eq!(again.material("b", 1).unwrap().expose_secret(), &[b'b'; 32]);
        assert_eq!(
            again
                .doc
                .find_version_id(&keyring.doc.keys["c"].versions[0].id)
                .unwrap()
                .unwrap()
                .0,
            "c"
        );
        assert_eq!(
            again.seal().unwrap(),
            bytes,
            "nothing changed, nothing moves"
        );
        again.doc.keys.get_mut("b").unwrap().rotation_period = Some(86_400);
        let changed = again.seal().unwrap();
        let mut third = reread(&keyring, &changed);
        assert!(third.verify_mac().is_ok());
        assert_eq!(third.doc.keys["b"].rotation_period, Some(86_400));
        assert_eq!(third.doc.keys["a"], keyring.doc.keys["a"]);
        assert_eq!(third.doc.keys.len(), 3);
        // A malformed key is refused when the file is read, used or not.
        let text = String::from_utf8(changed).unwrap();
        let bad = text.replacen("\"algorithm\":\"aes256-gcm\"", "\"algorithm\":\"des\"", 1);
        let err = text::parse(bad.as_bytes()).unwrap_err();
        assert!(format!("{err:#}").contains("malformed: key 'a'"), "{err:#}");
    }

    /// The document of `bytes` read as `file::read_lazy` reads it.
    fn reread_lazy(keyring: &Unlocked, bytes: &[u8]) -> Unlocked {
        Unlocked {
            doc: text::parse_lazy(bytes).unwrap(),
            keks: keyring.keks.clone(),
        }
    }

    #[test]
    fn the_line_scan_finds_what_the_json_parser_finds() {
        let names = ["a", "b.2", "c_3", "d-4", "zz"];
        let mut keyring = keyring_with(&names);
        keyring
            .add_version("b.2", &SecretBytes::new(vec![7; 32]), None, 1_800_000_001)
            .unwrap();
        keyring.doc.keys.get_mut("c_3").unwrap().destroyed = Some(Tombstone {
            at: 1_800_000_002,
            reason: Some("gone".into()),
        });
        let bytes = keyring.seal().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        let (head, scanned) = text::scan_layout(text).expect("keycask's own layout");
        let (_, parsed) = text::raw_keys(text).unwrap();
        assert_eq!(scanned, parsed);
        assert_eq!(scanned.len(), names.len());
        // The head is the document with `keys` empty.
        let value: serde_json::Value = serde_json::from_str(&head).unwrap();
        assert_eq!(value["keys"], serde_json::json!({}));
        assert_eq!(value["mac"], serde_json::json!(keyring.doc.mac));
        // No keys at all, one key.
        for names in [&[][..], &["only"][..]] {
            let mut small = keyring_with(names);
            let bytes = small.seal().unwrap();
            let text = std::str::from_utf8(&bytes).unwrap();
            assert_eq!(
                text::scan_layout(text).unwrap().1,
                text::raw_keys(text).unwrap().1
            );
        }
        // Another layout of the same document (pretty-printed, or names out
        // of order) is not scanned by lines; the JSON parser reads it.
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert!(text::scan_layout(&pretty).is_none());
        assert!(text::raw_keys(&pretty).is_some());
        let swapped = text
            .replacen("\n    \"a\":", "\n    \"TMP\":", 1)
            .replacen("\n    \"zz\":", "\n    \"a\":", 1)
            .replacen("\n    \"TMP\":", "\n    \"zz\":", 1);
        assert!(text::scan_layout(&swapped).is_none());
        let escaped = text.replacen("\n    \"a\":", "\n    \"\\u0061x\":", 1);
        assert!(text::scan_layout(&escaped).is_none());
        // Other spacing outside `keys` is still scanned by lines; `keys`
        // closed on a line of its own is not, and the JSON parser reads it.
        let respaced = text.replacen("\n    \"kind\":\"keyfile\"", "\n  \"kind\":\"keyfile\"", 1);
        assert_ne!(respaced, text);
        let texts = |text: &str, keys: Vec<(String, std::ops::Range<usize>)>| {
            keys.into_iter()
                .map(|(name, range)| (name, text[range].to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            texts(&respaced, text::scan_layout(&respaced).unwrap().1),
            texts(text, scanned.clone())
        );
        let closed = text.replacen("}]}},\n  \"audit\"", "}]}\n  },\n  \"audit\"", 1);
        assert_ne!(closed, text);
        assert!(text::scan_layout(&closed).is_none());
        assert_eq!(
            text::parse(closed.as_bytes()).unwrap().keys,
            keyring.doc.keys
        );
        // Read either way, the keys are the same.
        assert_eq!(
            reread(&keyring, pretty.as_bytes()).doc.keys,
            keyring.doc.keys
        );
        assert_eq!(reread(&keyring, &bytes).doc.keys, keyring.doc.keys);
    }

    #[test]
    fn a_lazy_read_checks_each_key_when_it_is_looked_up_and_the_mac_covers_all() {
        let mut keyring = keyring_with(&["a", "b"]);
        let bytes = keyring.seal().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        // Key 'a' breaks the schema, and the MAC is sealed over it (as only
        // someone holding the KEK could).
        let bad = text.replacen("\"algorithm\":\"aes256-gcm\"", "\"algorithm\":\"des\"", 1);
        let at = bad.rfind(",\"mac\":\"").unwrap();
        let key = keyring.mac_key().unwrap();
        let tag = crypto::hmac_sha256_parts(&key, &[&bad.as_bytes()[..at], b"}"]);
        let sealed = format!("{},\"mac\":\"{}\"}}\n", &bad[..at], B64.encode(tag));
        // Read whole, it is refused; read lazily, the other key is usable.
        let err = text::parse(sealed.as_bytes()).unwrap_err();
        assert!(format!("{err:#}").contains("malformed: key 'a'"), "{err:#}");
        let mut lazy = reread_lazy(&keyring, sealed.as_bytes());
        assert!(lazy.verify_mac().is_ok());
        assert_eq!(lazy.material("b", 1).unwrap().expose_secret(), &[b'b'; 32]);
        // Looking 'a' up is an error (exit 5) by every fallible way, never
        // a panic.
        for err in [
            lazy.key("a").unwrap_err(),
            lazy.material("a", 1).unwrap_err(),
            lazy.doc.parse_all_keys().unwrap_err().into(),
        ] {
            assert!(format!("{err:#}").contains("malformed: key 'a'"), "{err:#}");
            assert_eq!(
                crate::error::exit_code_of(&err),
                crate::error::ExitCode::Keyring
            );
        }
        let id = keyring.doc.keys["a"].versions[0].id.clone();
        let err = lazy.doc.find_version_id(&id).unwrap_err();
        assert!(err.to_string().contains("malformed: key 'a'"), "{err}");
        // Without the KEK, the same change fails the MAC of the lazy read.
        let mut tampered = reread_lazy(&keyring, bad.as_bytes());
        assert!(tampered.verify_mac().is_err());
        assert_eq!(
            tampered.material("b", 1).unwrap().expose_secret(),
            &[b'b'; 32]
        );
    }

    #[test]
    fn format_1_is_verified_its_own_way_and_sealed_as_format_3() {
        let mut keyring = keyring_with(&["a"]);
        keyring.doc.format = FORMAT_V1;
        let key = keyring.mac_key().unwrap();
        let mut doc = keyring.doc.clone();
        doc.mac = None;
        let v1_message = serde_json::to_vec(&doc).unwrap();
        keyring.doc.mac = Some(B64.encode(crypto::hmac_sha256(&key, &v1_message)));
        let bytes = serde_json::to_vec_pretty(&keyring.doc).unwrap();
        let mut reread1 = reread(&keyring, &bytes);
        assert_eq!(reread1.doc.format, FORMAT_V1);
        assert!(matches!(reread1.doc.mac_input, MacInput::None));
        assert!(reread1.verify_mac().is_ok());
        let sealed = reread1.seal().unwrap();
        assert_eq!(reread1.doc.format, FORMAT_VERSION);
        assert!(reread(&keyring, &sealed).verify_mac().is_ok());
        // A format 3 document under the format 1 MAC is refused.
        keyring.doc.format = FORMAT_VERSION;
        assert!(
            reread(&keyring, &text::to_bytes(&keyring.doc))
                .verify_mac()
                .is_err()
        );
    }

    #[test]
    fn numbers_beyond_two_to_the_53_are_malformed() {
        let mut keyring = keyring_with(&["a"]);
        keyring.seal_mac().unwrap();
        let mut value: serde_json::Value =
            serde_json::from_slice(&text::to_bytes(&keyring.doc)).unwrap();
        value["audit"]["seq"] = serde_json::Value::from(1u64 << 53);
        let err = text::parse(&serde_json::to_vec(&value).unwrap()).unwrap_err();
        assert!(format!("{err:#}").contains("2^53"), "{err:#}");
        value["audit"]["seq"] = serde_json::Value::from((1u64 << 53) - 1);
        assert!(text::parse(&serde_json::to_vec(&value).unwrap()).is_ok());
        // In a key, read lazily, too.
        value["keys"]["a"]["rotation_period"] = serde_json::Value::from(1u64 << 53);
        let err = text::parse(&serde_json::to_vec(&value).unwrap()).unwrap_err();
        assert!(format!("{err:#}").contains("2^53"), "{err:#}");
    }

    #[test]
    fn mac_covers_the_document() {
        let mut keyring = keyring_with(&["a"]);
        keyring.seal_mac().unwrap();
        assert!(keyring.verify_mac().is_ok());
        keyring.doc.keys.get_mut("a").unwrap().rotation_period = Some(1);
        assert!(keyring.verify_mac().is_err());
    }
}
