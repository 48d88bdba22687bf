//! The keyring document as it is stored (DESIGN.md §2), and the names, types
//! and states it is made of. Pure data: no I/O, no secrets in the clear.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::keys::{Lazy, LazyMap};
pub use crate::audit_log::AuditState;
use crate::clock::Timestamp;
use crate::crypto::asymmetric::PublicKey;
use crate::error::Failure;
use crate::root::RootConfig;

// Moved to `crate::key` (issue 14); re-exported so that `crate::key::Algorithm`
// and the like keep working until every caller names `crate::key`.
pub use crate::key::{Algorithm, MAX_VERSION, Purpose, rfc3339, rfc3339_opt};

/// The keyring format this build writes. It reads formats 1, 2 and 3;
/// they differ only in the MAC's input (docs/FORMAT.md, "Keyring MAC"):
/// format 1 MACs keycask's own serialisation of the document, format 2 the
/// RFC 8785 canonical JSON of the document as the file holds it, format 3
/// the file's exact bytes before its `mac` member (no re-serialisation, so
/// a keyring of 100,000 keys is checked at the speed of SHA-256). A format
/// 1 or 2 keyring becomes format 3 at its next write.
pub const FORMAT_VERSION: u32 = 3;

/// The first format, still read.
pub const FORMAT_V1: u32 = 1;

/// The canonical-JSON format, still read.
pub const FORMAT_V2: u32 = 2;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Keyring {
    /// Always `"keycask-keyring"`: tells a reader what this JSON is.
    pub kind: String,
    pub format: u32,
    /// 128 random bits, hex. Bound into every wrapped blob and envelope.
    pub keyring_id: String,
    #[serde(with = "rfc3339")]
    pub created: Timestamp,
    pub root: RootConfig,
    pub kek: KekSet,
    /// Keys by name, sorted; each parsed from the file when first used.
    pub keys: Keys,
    /// Where the audit log stands (see `docs/audit.md`). Absent in keyrings
    /// written before the audit log existed; added at their next write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditState>,
    /// HMAC-SHA256 (base64) over this document without `mac` (format 3:
    /// the file's bytes before it), under a key derived from the primary KEK.
    /// Written last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// The bytes the MAC of a format 2 or 3 file covers, as read from the
    /// file (not from keycask's serialisation of it): see [`MacInput`].
    #[serde(skip)]
    pub mac_input: MacInput,
}

/// What the MAC of a keyring file covers, kept from the moment the file
/// was parsed, so that the MAC is checked over what the file says exactly
/// as an independent reader checks it. Derived data, not part of the
/// document: it takes no part in equality, and is cleared when the
/// document is re-sealed.
#[derive(Clone, Default)]
pub enum MacInput {
    /// Not read from a file (or a format 1 file, whose input is keycask's
    /// own serialisation of the document).
    #[default]
    None,
    /// Format 2: the RFC 8785 canonical JSON of the file without `mac`.
    Canonical(Vec<u8>),
    /// Format 3: `text[..end]` followed by `}`, where `end` is where the
    /// final `,"mac":"` member begins.
    Exact { text: Arc<String>, end: usize },
    /// A format 3 file whose `mac` is not its last member written as
    /// `,"mac":"..."}`: its MAC fails.
    Misplaced,
}

impl PartialEq for MacInput {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for MacInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MacInput::None => "MacInput(none)",
            MacInput::Canonical(_) => "MacInput(canonical)",
            MacInput::Exact { .. } => "MacInput(exact)",
            MacInput::Misplaced => "MacInput(misplaced)",
        })
    }
}

pub const KEYRING_KIND: &str = "keycask-keyring";

/// The keys of a keyring by name, sorted, each parsed when first used
/// (`keys.rs`).
pub type Keys = LazyMap<Key>;

/// The largest integer a keyring may hold: 2^53 - 1, the largest that
/// every JSON reader (and RFC 8785's IEEE-754 numbers) holds exactly, so
/// that canonical JSON writes every number of a keyring as plain decimal.
pub const MAX_JSON_INTEGER: u64 = (1 << 53) - 1;

impl Lazy for Key {
    /// A number a keyring may not hold, or inconsistent version numbers.
    fn problem(&self) -> Option<String> {
        if let Some(period) = self.rotation_period.filter(|&p| p > MAX_JSON_INTEGER) {
            return Some(format!(
                "the number {period} is not an integer from 0 to 2^53 - 1"
            ));
        }
        self.version_numbers_problem()
    }

    /// Written without `origin` when it is `generated`: absent means
    /// generated in every format (docs/FORMAT.md), so that is the same
    /// format 3 document, 21 bytes a key smaller.
    fn compact(&self) -> impl Serialize + '_ {
        let Key {
            algorithm,
            purpose,
            created,
            origin,
            rotation_period,
            primary,
            versions,
            destroyed,
        } = self;
        KeyOut {
            algorithm: *algorithm,
            purpose: *purpose,
            created: *created,
            origin: *origin,
            rotation_period: *rotation_period,
            primary: *primary,
            versions,
            destroyed: destroyed.as_ref(),
        }
    }
}

/// A [`Key`] as keyring format 3 writes it: every member of `Key`, in its
/// order, but `origin` left out when it is the default. Format 1's MAC
/// input (keycask's serialisation of `Key` itself) keeps it.
#[derive(Serialize)]
struct KeyOut<'a> {
    algorithm: Algorithm,
    purpose: Purpose,
    #[serde(with = "rfc3339")]
    created: Timestamp,
    #[serde(skip_serializing_if = "Origin::is_generated")]
    origin: Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_period: Option<u64>,
    primary: u32,
    versions: &'a [KeyVersion],
    #[serde(skip_serializing_if = "Option::is_none")]
    destroyed: Option<&'a Tombstone>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KekSet {
    pub primary: u32,
    pub versions: Vec<KekVersion>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KekVersion {
    pub version: u32,
    #[serde(with = "rfc3339")]
    pub created: Timestamp,
    /// The KEK wrapped by the root key (base64; for passphrase and key-file
    /// roots `nonce || AES-256-GCM ciphertext || tag`).
    pub wrapped: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Key {
    pub algorithm: Algorithm,
    pub purpose: Purpose,
    #[serde(with = "rfc3339")]
    pub created: Timestamp,
    #[serde(default)]
    pub origin: Origin,
    /// Rotation period in seconds, if the key has a policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_period: Option<u64>,
    /// The version that encrypts and signs.
    pub primary: u32,
    pub versions: Vec<KeyVersion>,
    /// Set when the whole key was destroyed: the name stays as a tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroyed: Option<Tombstone>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tombstone {
    #[serde(with = "rfc3339")]
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Tombstone {
    /// " on DATE (REASON)", for messages about what happened to a key or version.
    pub fn note(&self) -> String {
        match &self.reason {
            Some(reason) => format!(" on {} ({reason})", crate::clock::format_date(self.at)),
            None => format!(" on {}", crate::clock::format_date(self.at)),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeyVersion {
    pub version: u32,
    /// 128 random bits, hex: what envelopes name.
    pub id: String,
    pub state: VersionState,
    #[serde(with = "rfc3339")]
    pub created: Timestamp,
    /// The KEK version that wraps `wrapped`.
    pub kek_version: u32,
    /// The key material wrapped by the KEK (base64 `nonce || ct || tag`).
    /// Absent once the version is destroyed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped: Option<String>,
    /// For asymmetric keys: the public key, SPKI DER, base64. Not secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// Flagged by `rotate --compromised`: still decrypts, with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised: Option<Tombstone>,
    /// For `destroy-scheduled`: when the destruction falls due.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rfc3339_opt")]
    pub destroy_after: Option<Timestamp>,
    /// For `destroy-scheduled` and `destroyed`: when and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destruction: Option<Tombstone>,
    /// For a version brought in by `import --bundle`: where it came from.
    /// Absent for versions made here, imported with `--raw`/`--pem`, or
    /// imported from a bundle before keycask recorded this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// Where an imported key version came from, as its bundle said. Envelopes
/// that version opens must claim this keyring and key name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The id of the keyring the bundle was exported from.
    pub keyring: String,
    /// The key's name in that keyring.
    pub key: String,
    /// The bundle signer's fingerprint (`SHA256:` and hex), when its
    /// signature was verified with `--verify-with`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
}

/// The origins an envelope may claim (header keyring id and key name) to be
/// opened by one key version of this keyring.
#[derive(Clone, Copy, Debug)]
pub struct VersionOrigin<'a> {
    /// This keyring's id, the key's name here and the version's number:
    /// envelopes wrapped here with the version claim this keyring and name.
    pub keyring_id: &'a str,
    pub local_name: &'a str,
    pub version: u32,
    /// For a version imported from a bundle: the keyring and key name it
    /// came from, which the sender's envelopes claim.
    pub source: Option<(&'a str, &'a str)>,
    /// An imported key whose version has no recorded source: imported from
    /// a bundle before origins were recorded, or with `--raw`/`--pem`.
    pub unrecorded_import: bool,
}

/// Strict unwrap (the AWS Encryption SDK's lesson): an envelope may only be
/// opened by a key version whose origin is what the envelope's header
/// claims: this keyring and the key's name here (an envelope wrapped here),
/// or, for a version imported from a bundle, the keyring and key name it
/// came from. Without it, whoever got a key imported here (an unverified
/// bundle is enough) could make envelopes claiming any keyring and key, and
/// they would open as if made there. Exit 4.
pub fn check_envelope_origin(
    origin: &VersionOrigin,
    header_keyring_id: &str,
    header_key_name: &str,
) -> Result<(), Failure> {
    let claims = |ring: &str, name: &str| ring == header_keyring_id && name == header_key_name;
    if claims(origin.keyring_id, origin.local_name)
        || origin.source.is_some_and(|(ring, name)| claims(ring, name))
    {
        return Ok(());
    }
    let VersionOrigin {
        local_name,
        version,
        source,
        unrecorded_import,
        ..
    } = *origin;
    let belongs = match source {
        Some((ring, name)) => format!(
            "which came from key '{name}' of keyring {ring} and opens only envelopes of that key or made here"
        ),
        None if unrecorded_import => {
            "which was imported with no recorded origin and opens only envelopes made here"
                .to_string()
        }
        None => "a key of this keyring, which opens only envelopes made here".to_string(),
    };
    let failure = Failure::key_unusable(format!(
        "the envelope claims key '{header_key_name}' of keyring {header_keyring_id}, but the version it names is version {version} of '{local_name}' here, {belongs}: refusing an envelope whose claimed origin is not its key's"
    ));
    Err(if unrecorded_import {
        failure.hint(format!(
            "if version {version} of '{local_name}' came from a bundle imported before keycask recorded origins, import that bundle again to record where it came from (`keycask import --bundle FILE --with KEY --verify-with SENDER.pem`)"
        ))
    } else {
        failure.hint(
            "whoever holds that key made the envelope, not the keyring it names; `keycask show NAME` shows where a key came from",
        )
    })
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum VersionState {
    /// Decrypts and verifies; the primary version also encrypts and signs.
    Enabled,
    /// Reversibly refuses all use.
    Disabled,
    /// Disabled, and destroyed once `destroy_after` passes.
    DestroyScheduled,
    /// Material removed; only the tombstone remains.
    Destroyed,
}

impl fmt::Display for VersionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionState::Enabled => "enabled",
            VersionState::Disabled => "disabled",
            VersionState::DestroyScheduled => "destroy-scheduled",
            VersionState::Destroyed => "destroyed",
        })
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    #[default]
    Generated,
    Imported,
}

impl Origin {
    fn is_generated(&self) -> bool {
        *self == Origin::Generated
    }
}

impl Key {
    pub fn version(&self, number: u32) -> Option<&KeyVersion> {
        self.versions.iter().find(|v| v.version == number)
    }

    pub fn version_mut(&mut self, number: u32) -> Option<&mut KeyVersion> {
        self.versions.iter_mut().find(|v| v.version == number)
    }

    pub fn primary_version(&self) -> Option<&KeyVersion> {
        self.version(self.primary)
    }

    /// The next version number: versions are never renumbered or reused.
    /// `None` once the key has reached [`MAX_VERSION`].
    pub fn next_version_number(&self) -> Option<u32> {
        let next = self
            .versions
            .iter()
            .map(|v| v.version)
            .max()
            .unwrap_or(0)
            .checked_add(1)?;
        (next <= MAX_VERSION).then_some(next)
    }

    /// Where a loaded document could mislead every command: a version
    /// numbered 0, or two versions of one number (envelopes and `--version N`
    /// would name either). Returns what is wrong.
    pub fn version_numbers_problem(&self) -> Option<String> {
        let mut seen = std::collections::BTreeSet::new();
        for v in &self.versions {
            if v.version == 0 {
                return Some("has a version numbered 0 (numbers start at 1)".to_string());
            }
            if !seen.insert(v.version) {
                return Some(format!("has two versions numbered {}", v.version));
            }
        }
        None
    }

    /// True while the whole key is scheduled for destruction: its primary
    /// is destroy-scheduled (a version alone is never scheduled while it is
    /// the primary, so only a whole-key schedule makes it so).
    pub fn scheduled_for_destruction(&self) -> bool {
        self.destroyed.is_none()
            && self
                .primary_version()
                .is_some_and(|v| v.state == VersionState::DestroyScheduled)
    }

    /// When the primary version falls due for rotation, if the key has a
    /// policy. A destroyed key, or one scheduled for destruction as a whole,
    /// is never due: it is not to be rotated.
    pub fn rotation_due(&self) -> Option<Timestamp> {
        let period = self.rotation_period?;
        if self.destroyed.is_some() || self.scheduled_for_destruction() {
            return None;
        }
        let primary = self.primary_version()?;
        Some(crate::clock::later(primary.created, period))
    }
}

impl Keyring {
    /// The origins an envelope opened by `version` of key `name` may claim
    /// (see [`check_envelope_origin`]).
    pub fn version_origin<'a>(
        &'a self,
        name: &'a str,
        key: &Key,
        version: &'a KeyVersion,
    ) -> VersionOrigin<'a> {
        VersionOrigin {
            keyring_id: &self.keyring_id,
            local_name: name,
            version: version.version,
            source: version
                .source
                .as_ref()
                .map(|s| (s.keyring.as_str(), s.key.as_str())),
            unrecorded_import: key.origin == Origin::Imported && version.source.is_none(),
        }
    }

    /// Finds the key that holds a version id, with that version. Only the
    /// keys whose text holds the id are parsed; one of them that is
    /// malformed is an error (exit 5).
    pub fn find_version_id(&self, id: &str) -> Result<Option<(&str, &Key, &KeyVersion)>, Failure> {
        for entry in self.keys.iter_mentioning(id) {
            let (name, key) = entry
                .map(|(name, key)| (name.as_str(), key))
                .map_err(|(name, problem)| malformed_key(&name, &problem))?;
            if let Some(v) = key.versions.iter().find(|v| v.id == id) {
                return Ok(Some((name, key, v)));
            }
        }
        Ok(None)
    }

    /// The key of that name, parsed now if it was not yet (see
    /// `file::read_lazy`): `Ok(None)` when there is none, an error (exit
    /// 5) when it is malformed.
    pub fn try_key(&self, name: &str) -> Result<Option<&Key>, Failure> {
        self.keys
            .try_get(name)
            .map_err(|problem| malformed_key(name, &problem))
    }

    /// Parses every key not parsed yet and keeps it, for a command that
    /// looks at every key of a keyring read lazily (`list`): the first that
    /// is malformed is an error (exit 5), as when the file is read whole.
    pub fn parse_all_keys(&self) -> Result<(), Failure> {
        self.keys
            .parse_all()
            .map_err(|(name, problem)| malformed_key(&name, &problem))
    }
}

/// A key of the keyring that does not parse or breaks a rule of the
/// document (exit 5).
pub fn malformed_key(name: &str, problem: &str) -> Failure {
    Failure::keyring(format!("the keyring is malformed: key '{name}' {problem}"))
        .hint("restore it from a backup")
}

/// The associated data that binds a wrapped KEK to its keyring and version.
pub fn kek_aad(keyring_id: &str, kek_version: u32) -> Vec<u8> {
    format!("keycask/kek/v1\0{keyring_id}\0{kek_version}").into_bytes()
}

/// Associated data of the wrapped audit key: binds it to this keyring and
/// KEK version.
pub fn audit_key_aad(keyring_id: &str, kek_version: u32) -> Vec<u8> {
    format!("keycask/audit-key/v1\0{keyring_id}\0{kek_version}").into_bytes()
}

/// The associated data that binds a key version's wrapped material to its
/// place: keyring, key name, version number and id, algorithm, purpose, and
/// the KEK version that wraps it. Moving a blob anywhere else breaks it.
pub fn material_aad(keyring_id: &str, name: &str, key: &Key, version: &KeyVersion) -> Vec<u8> {
    format!(
        "keycask/key-material/v1\0{keyring_id}\0{name}\0{}\0{}\0{}\0{}\0{}",
        version.version, version.id, key.algorithm, key.purpose, version.kek_version
    )
    .into_bytes()
}

/// Defined here, not in `asymmetric`, so that the key-type module below the
/// keyring never names a keyring type.
impl PublicKey {
    /// The public key a key version of the keyring records (SPKI DER, base64).
    pub fn of_version(name: &str, v: &KeyVersion) -> Result<PublicKey, Failure> {
        let der = v
            .public_key
            .as_deref()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .ok_or_else(|| {
                Failure::keyring(format!(
                    "version {} of key '{name}' has no readable public key",
                    v.version
                ))
            })?;
        PublicKey::from_spki_der(&der)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_numbers_stop_at_the_ceiling_and_never_wrap() {
        let key = |numbers: &[u32]| Key {
            algorithm: Algorithm::Aes256Gcm,
            purpose: Purpose::Encrypt,
            created: 0,
            origin: Origin::Generated,
            rotation_period: None,
            primary: numbers.last().copied().unwrap_or(0),
            versions: numbers
                .iter()
                .map(|&version| KeyVersion {
                    version,
                    id: format!("{version:032x}"),
                    state: VersionState::Enabled,
                    created: 0,
                    kek_version: 1,
                    wrapped: None,
                    public_key: None,
                    compromised: None,
                    destroy_after: None,
                    destruction: None,
                    source: None,
                })
                .collect(),
            destroyed: None,
        };
        assert_eq!(key(&[]).next_version_number(), Some(1));
        assert_eq!(key(&[1, 7]).next_version_number(), Some(8));
        assert_eq!(
            key(&[MAX_VERSION - 1]).next_version_number(),
            Some(MAX_VERSION)
        );
        assert_eq!(key(&[MAX_VERSION]).next_version_number(), None);
        assert_eq!(key(&[u32::MAX]).next_version_number(), None);
        assert_eq!(key(&[1, 2]).version_numbers_problem(), None);
        assert!(key(&[0]).version_numbers_problem().is_some());
        assert!(key(&[2, 2]).version_numbers_problem().is_some());
    }

    #[test]
    fn format_3_writes_a_key_without_its_default_origin_and_reads_it_back() {
        let version = KeyVersion {
            version: 1,
            id: "ab".repeat(16),
            state: VersionState::Enabled,
            created: 1_800_000_000,
            kek_version: 1,
            wrapped: Some("d3JhcHBlZA==".into()),
            public_key: None,
            compromised: None,
            destroy_after: None,
            destruction: None,
            source: None,
        };
        let generated = Key {
            algorithm: Algorithm::Aes256Gcm,
            purpose: Purpose::Encrypt,
            created: 1_800_000_000,
            origin: Origin::Generated,
            rotation_period: Some(86_400),
            primary: 1,
            versions: vec![version],
            destroyed: None,
        };
        let imported = Key {
            origin: Origin::Imported,
            rotation_period: None,
            destroyed: Some(Tombstone {
                at: 1_800_000_001,
                reason: Some("r".into()),
            }),
            ..generated.clone()
        };
        for key in [generated, imported] {
            let full = serde_json::to_string(&key).unwrap();
            let compact = serde_json::to_string(&key.compact()).unwrap();
            if key.origin == Origin::Generated {
                assert_eq!(compact, full.replace(",\"origin\":\"generated\"", ""));
                assert!(!compact.contains("origin"), "{compact}");
            } else {
                assert_eq!(compact, full);
            }
            assert_eq!(serde_json::from_str::<Key>(&compact).unwrap(), key);
        }
    }

    #[test]
    fn envelope_origins() {
        let here = "aa".repeat(16);
        let there = "bb".repeat(16);
        let local = VersionOrigin {
            keyring_id: &here,
            local_name: "backups",
            version: 1,
            source: None,
            unrecorded_import: false,
        };
        assert!(check_envelope_origin(&local, &here, "backups").is_ok());
        assert!(check_envelope_origin(&local, &there, "backups").is_err());
        assert!(check_envelope_origin(&local, &here, "other").is_err());
        let imported = VersionOrigin {
            local_name: "alice-backups",
            source: Some((&there, "backups")),
            ..local
        };
        // The sender's envelopes, and envelopes wrapped here with it.
        assert!(check_envelope_origin(&imported, &there, "backups").is_ok());
        assert!(check_envelope_origin(&imported, &here, "alice-backups").is_ok());
        for (ring, name) in [
            (there.as_str(), "alice-backups"),
            (here.as_str(), "backups"),
            ("cc", "backups"),
        ] {
            let err = check_envelope_origin(&imported, ring, name).unwrap_err();
            assert_eq!(err.code, crate::error::ExitCode::KeyUnusable);
        }
        let legacy = VersionOrigin {
            unrecorded_import: true,
            ..local
        };
        let err = check_envelope_origin(&legacy, &there, "backups").unwrap_err();
        assert!(err.hint.unwrap().contains("import that bundle again"));
    }
}
