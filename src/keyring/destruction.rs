//! Destruction at the level of the keyring document: removing a version's
//! wrapped material for good, tombstoning a whole key, and carrying out the
//! scheduled destructions that fell due.
//!
//! This sits below the phases because every command that writes the keyring
//! carries out due destructions (through [`super::Session::open`]), not only
//! `destroy`.

use zeroize::Zeroize;

use super::model::{Key, KeyVersion, Keyring, Tombstone, VersionState};
use crate::clock::Timestamp;

/// Removes a version's wrapped material from the document and leaves its
/// tombstone: number, id, dates, the public key (not secret) and the reason.
/// The blob is taken out of the document, not blanked, so the next write of
/// the file no longer holds it; the in-memory text is zeroized.
pub fn destroy_version(version: &mut KeyVersion, tombstone: Tombstone) {
    if let Some(mut wrapped) = version.wrapped.take() {
        wrapped.zeroize();
    }
    version.state = VersionState::Destroyed;
    version.destroy_after = None;
    version.destruction = Some(tombstone);
}

/// Destroys every version of a key that still holds material and marks the
/// key itself destroyed, so that its name stays as a tombstone.
pub fn destroy_key(key: &mut Key, tombstone: Tombstone) {
    for version in &mut key.versions {
        if version.state != VersionState::Destroyed || version.wrapped.is_some() {
            destroy_version(version, tombstone.clone());
        }
    }
    key.destroyed = Some(tombstone);
}

/// A scheduled destruction that fell due and was carried out.
#[derive(Clone, Debug, PartialEq)]
pub struct DueDestruction {
    pub key: String,
    pub version: u32,
    pub version_id: String,
    /// When it was scheduled to happen.
    pub due: Timestamp,
    pub reason: Option<String>,
    /// True when the primary version fell due, so the whole key went with it.
    pub whole_key: bool,
}

/// The scheduled destructions due at `now`, without changing anything:
/// `(key, version, due)`, in key and version order.
pub fn due(doc: &Keyring, now: Timestamp) -> Vec<(String, u32, Timestamp)> {
    let mut found = Vec::new();
    // Only keys whose text names the state are parsed (every writer asks);
    // the document was read with every key checked (`file::read`).
    for (name, key) in doc.keys.iter_mentioning("destroy-scheduled").flatten() {
        for v in &key.versions {
            if let (VersionState::DestroyScheduled, Some(after)) = (v.state, v.destroy_after)
                && after <= now
            {
                found.push((name.clone(), v.version, after));
            }
        }
    }
    found
}

/// Carries out every scheduled destruction due at `now`. A single version can
/// be scheduled only when it is not the primary, so a primary version that
/// falls due was scheduled with its whole key: the key is then tombstoned.
pub fn carry_out_due(doc: &mut Keyring, now: Timestamp) -> Vec<DueDestruction> {
    let mut done = Vec::new();
    for (name, version, due) in due(doc, now) {
        let key = doc.keys.get_mut(&name).expect("listed by due()");
        let whole_key = version == key.primary;
        let primary = key.primary;
        // Either this version alone, or (the primary fell due) every version
        // that still holds material.
        let numbers: Vec<u32> = key
            .versions
            .iter()
            .filter(|v| {
                v.wrapped.is_some() && (v.version == version || (whole_key && v.version != primary))
            })
            .map(|v| v.version)
            .collect();
        let mut key_tombstone = None;
        for number in numbers {
            let v = key.version_mut(number).expect("listed above");
            let reason = v.destruction.as_ref().and_then(|t| t.reason.clone());
            let tombstone = Tombstone {
                at: now,
                reason: reason.clone(),
            };
            if number == primary {
                key_tombstone = Some(tombstone.clone());
            }
            done.push(DueDestruction {
                key: name.clone(),
                version: number,
                version_id: v.id.clone(),
                due: v.destroy_after.unwrap_or(due),
                reason,
                whole_key,
            });
            destroy_version(v, tombstone);
        }
        if whole_key && key.destroyed.is_none() {
            key.destroyed = key_tombstone.or(Some(Tombstone {
                at: now,
                reason: None,
            }));
        }
    }
    done.sort_by(|a, b| (&a.key, a.version).cmp(&(&b.key, b.version)));
    done
}

impl DueDestruction {
    /// One line for stderr, reported after the write that carried it out.
    pub fn report(&self) -> String {
        format!(
            "destroyed version {} of key '{}' ({}): its scheduled destruction fell due on {}{}{}",
            self.version,
            self.key,
            self.version_id,
            crate::clock::format_time(self.due),
            self.reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            if self.whole_key {
                "; it was the primary, so the whole key is now a tombstone"
            } else {
                ""
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{Algorithm, Purpose};
    use crate::keyring::model::{KekSet, Keys, Origin};
    use crate::root::RootConfig;

    fn version(number: u32, state: VersionState, after: Option<Timestamp>) -> KeyVersion {
        KeyVersion {
            version: number,
            id: format!("id{number}"),
            state,
            created: 0,
            kek_version: 1,
            wrapped: Some(format!("blob{number}")),
            public_key: None,
            compromised: None,
            destroy_after: after,
            destruction: after.map(|_| Tombstone {
                at: 0,
                reason: Some("why".into()),
            }),
            source: None,
        }
    }

    fn keyring(keys: Vec<(&str, u32, Vec<KeyVersion>)>) -> Keyring {
        Keyring {
            kind: "keycask-keyring".into(),
            format: 1,
            keyring_id: "00".into(),
            created: 0,
            root: RootConfig::Keyfile { path: "/k".into() },
            kek: KekSet {
                primary: 1,
                versions: Vec::new(),
            },
            keys: keys
                .into_iter()
                .map(|(name, primary, versions)| {
                    (
                        name.to_string(),
                        Key {
                            algorithm: Algorithm::Aes256Gcm,
                            purpose: Purpose::Encrypt,
                            created: 0,
                            origin: Origin::Generated,
                            rotation_period: None,
                            primary,
                            versions,
                            destroyed: None,
                        },
                    )
                })
                .collect::<Keys>(),
            audit: None,
            mac: None,
            mac_input: Default::default(),
        }
    }

    #[test]
    fn only_due_versions_are_destroyed() {
        use VersionState::*;
        let mut doc = keyring(vec![(
            "a",
            3,
            vec![
                version(1, DestroyScheduled, Some(100)),
                version(2, DestroyScheduled, Some(200)),
                version(3, Enabled, None),
            ],
        )]);
        assert!(carry_out_due(&mut doc, 99).is_empty());
        let done = carry_out_due(&mut doc, 100);
        assert_eq!(done.len(), 1);
        assert_eq!((done[0].version, done[0].due), (1, 100));
        assert_eq!(done[0].reason.as_deref(), Some("why"));
        assert!(!done[0].whole_key);
        let key = &doc.keys["a"];
        let v1 = key.version(1).unwrap();
        assert_eq!(v1.state, Destroyed);
        assert_eq!(v1.wrapped, None);
        assert_eq!(v1.destroy_after, None);
        assert_eq!(v1.destruction.as_ref().unwrap().at, 100);
        assert_eq!(key.version(2).unwrap().state, DestroyScheduled);
        assert!(key.destroyed.is_none());
        // Nothing more is due; a second pass changes nothing.
        let before = doc.clone();
        assert!(carry_out_due(&mut doc, 150).is_empty());
        assert_eq!(doc, before);
    }

    #[test]
    fn a_due_primary_takes_the_whole_key() {
        use VersionState::*;
        let mut doc = keyring(vec![
            (
                "a",
                2,
                vec![
                    version(1, DestroyScheduled, Some(500)),
                    version(2, DestroyScheduled, Some(100)),
                ],
            ),
            ("b", 1, vec![version(1, Enabled, None)]),
        ]);
        let done = carry_out_due(&mut doc, 100);
        assert_eq!(
            done.iter().map(|d| d.version).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(done.iter().all(|d| d.whole_key));
        let key = &doc.keys["a"];
        assert!(key.versions.iter().all(|v| v.wrapped.is_none()));
        assert_eq!(
            key.destroyed.as_ref().unwrap().reason.as_deref(),
            Some("why")
        );
        assert!(doc.keys["b"].version(1).unwrap().wrapped.is_some());
    }

    #[test]
    fn destroying_a_key_keeps_its_tombstones() {
        let mut doc = keyring(vec![(
            "a",
            1,
            vec![version(1, VersionState::Enabled, None)],
        )]);
        let key = doc.keys.get_mut("a").unwrap();
        destroy_key(
            key,
            Tombstone {
                at: 42,
                reason: None,
            },
        );
        let v = key.version(1).unwrap();
        assert_eq!((v.version, v.id.as_str()), (1, "id1"));
        assert_eq!(v.state, VersionState::Destroyed);
        assert!(v.wrapped.is_none());
        assert_eq!(key.destroyed.as_ref().unwrap().at, 42);
        let text = serde_json::to_string(&doc).unwrap();
        assert!(!text.contains("blob1"));
        assert!(!text.contains("\"wrapped\""));
    }
}
