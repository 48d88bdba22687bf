//! The keys of a keyring by name, each parsed from the file's text only
//! when a command first looks at it.
//!
//! A keyring of 100,000 keys is read whole at every command (its MAC covers
//! every byte), but a `wrap` uses one key: building the other 99,999 in
//! memory was most of its time and memory (docs/BENCHMARKS.md, "Keyring
//! scale"). Every entry is still checked against the document's schema when
//! the file is read ([`Keys::check_all`]), so a malformed keyring is refused
//! up front as before; what is deferred is keeping the parsed form.
//! An entry that no command changed is written back as the exact text it
//! was read from.

use std::collections::BTreeMap;
use std::collections::btree_map;
use std::fmt;
use std::ops::{Index, Range};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::Key;

#[derive(Clone)]
pub(super) struct Entry {
    /// Where the entry's JSON text is in [`Keys::source`], as long as no
    /// command has changed the key.
    raw: Option<Range<usize>>,
    parsed: OnceLock<Box<Key>>,
}

impl Entry {
    fn parsed(key: Key) -> Entry {
        Entry {
            raw: None,
            parsed: OnceLock::from(Box::new(key)),
        }
    }
}

/// The entries by name; shared by the documents read from one text (a
/// command that reads the keyring twice), copied on the first change.
pub(super) type KeyMap = BTreeMap<String, Entry>;

/// Keys by name, sorted (as a `BTreeMap<String, Key>`, whose methods it
/// offers), parsed on first use.
#[derive(Clone, Default)]
pub struct Keys {
    /// The file's text that raw entries point into.
    source: Option<Arc<String>>,
    entries: Arc<KeyMap>,
}

/// Parses one key as the file holds it. Numbers a keyring may not hold
/// (over 2^53 - 1) and inconsistent version numbers are malformed.
pub(super) fn parse_key(text: &str) -> Result<Key, String> {
    let key: Key = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if key
        .rotation_period
        .is_some_and(|p| p > super::file::MAX_JSON_INTEGER)
    {
        return Err(format!(
            "the number {} is not an integer from 0 to 2^53 - 1",
            key.rotation_period.unwrap_or_default()
        ));
    }
    if let Some(problem) = key.version_numbers_problem() {
        return Err(problem);
    }
    Ok(key)
}

impl Keys {
    pub fn new() -> Keys {
        Keys::default()
    }

    /// Keys whose text is `source[range]` for each `(name, range)`, not
    /// parsed yet (see [`Keys::check_all`]).
    pub(super) fn from_source(
        source: Arc<String>,
        entries: impl IntoIterator<Item = (String, Range<usize>)>,
    ) -> Keys {
        Keys {
            entries: Arc::new(
                entries
                    .into_iter()
                    .map(|(name, range)| {
                        (
                            name,
                            Entry {
                                raw: Some(range),
                                parsed: OnceLock::new(),
                            },
                        )
                    })
                    .collect(),
            ),
            source: Some(source),
        }
    }

    /// The text and the entries, to share with the next read of the same
    /// file (see `file::read`).
    pub(super) fn shared(&self) -> Option<(&Arc<String>, &Arc<KeyMap>)> {
        Some((self.source.as_ref()?, &self.entries))
    }

    /// Keys sharing what [`Keys::shared`] gave.
    pub(super) fn from_shared(source: Arc<String>, entries: Arc<KeyMap>) -> Keys {
        Keys {
            source: Some(source),
            entries,
        }
    }

    /// The JSON text of an entry as read, while unchanged.
    fn raw_text(&self, entry: &Entry) -> Option<&str> {
        let range = entry.raw.clone()?;
        self.source.as_deref().map(|s| &s[range])
    }

    fn force<'a>(&'a self, name: &str, entry: &'a Entry) -> &'a Key {
        entry.parsed.get_or_init(|| {
            let text = self
                .raw_text(entry)
                .expect("an unparsed entry has its text");
            // Every entry was parsed once by `check_all` when the file was
            // read: this cannot fail on a keyring that was read.
            Box::new(parse_key(text).unwrap_or_else(|e| panic!("key '{name}' was checked: {e}")))
        })
    }

    /// Parses every entry not parsed yet, without keeping the result, and
    /// returns the first that is malformed with what is wrong. Called once
    /// when the file is read.
    pub(super) fn check_all(&self) -> Result<(), (String, String)> {
        for (name, entry) in self.entries.iter() {
            if entry.parsed.get().is_none()
                && let Some(text) = self.raw_text(entry)
            {
                parse_key(text).map_err(|e| (name.clone(), e))?;
            }
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Key> {
        let (name, entry) = self.entries.get_key_value(name)?;
        Some(self.force(name, entry))
    }

    /// The key, to change: it is written from its parsed form from now on.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Key> {
        let source = self.source.clone();
        let entry = Arc::make_mut(&mut self.entries).get_mut(name)?;
        if entry.parsed.get().is_none() {
            let range = entry.raw.clone().expect("an unparsed entry has its text");
            let text = &source.as_deref().expect("a raw entry has a source")[range];
            let key = parse_key(text).unwrap_or_else(|e| panic!("key '{name}' was checked: {e}"));
            entry.parsed = OnceLock::from(Box::new(key));
        }
        entry.raw = None;
        entry.parsed.get_mut().map(|k| &mut **k)
    }

    pub fn insert(&mut self, name: String, key: Key) -> Option<Key> {
        let old = self.remove(&name);
        Arc::make_mut(&mut self.entries).insert(name, Entry::parsed(key));
        old
    }

    pub fn remove(&mut self, name: &str) -> Option<Key> {
        let (name, entry) = Arc::make_mut(&mut self.entries).remove_entry(name)?;
        Some(match entry.parsed.into_inner() {
            Some(key) => *key,
            None => {
                let range = entry.raw.expect("an unparsed entry has its text");
                let text = &self.source.as_deref().expect("a raw entry has a source")[range];
                parse_key(text).unwrap_or_else(|e| panic!("key '{name}' was checked: {e}"))
            }
        })
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The names, sorted, without parsing any key.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.keys()
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            keys: self,
            inner: self.entries.iter(),
        }
    }

    pub fn values(&self) -> impl Iterator<Item = &Key> {
        self.iter().map(|(_, key)| key)
    }

    /// The keys whose text may contain `needle` (a version id, a state
    /// name): every parsed key, and every unparsed one whose text contains
    /// it or any escape sequence (`\u0061` is an `a`). Finding a version
    /// id among 100,000 keys then parses the one that holds it.
    pub fn iter_mentioning<'a>(
        &'a self,
        needle: &str,
    ) -> impl Iterator<Item = (&'a String, &'a Key)> + 'a {
        let needle = needle.to_owned();
        self.entries
            .iter()
            .filter(move |(_, entry)| {
                entry.parsed.get().is_some()
                    || self
                        .raw_text(entry)
                        .is_none_or(|text| text.contains(needle.as_str()) || text.contains('\\'))
            })
            .map(|(name, entry)| (name, self.force(name, entry)))
    }

    /// Writes the `keys` object (level 1 of the document) in keycask's
    /// layout (`file::Lines`): one key a line, an entry no command changed
    /// as the exact text it was read from, the others serialised.
    pub(super) fn write_compact(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (name, entry)) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"\n    ");
            serde_json::to_writer(&mut *out, name).expect("a name always serialises");
            out.push(b':');
            match self.raw_text(entry) {
                Some(text) => out.extend_from_slice(text.as_bytes()),
                None => super::file::write_lines(out, 2, self.force(name, entry)),
            }
        }
        out.push(b'}');
    }
}

/// The keys with their names, sorted by name; each parsed on first use.
pub struct Iter<'a> {
    keys: &'a Keys,
    inner: btree_map::Iter<'a, String, Entry>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Key);

    fn next(&mut self) -> Option<Self::Item> {
        let (name, entry) = self.inner.next()?;
        Some((name, self.keys.force(name, entry)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let (name, entry) = self.inner.next_back()?;
        Some((name, self.keys.force(name, entry)))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Keys {
    type Item = (&'a String, &'a Key);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Index<&str> for Keys {
    type Output = Key;

    fn index(&self, name: &str) -> &Key {
        self.get(name).expect("no key of that name")
    }
}

impl Index<&String> for Keys {
    type Output = Key;

    fn index(&self, name: &String) -> &Key {
        &self[name.as_str()]
    }
}

impl FromIterator<(String, Key)> for Keys {
    fn from_iter<I: IntoIterator<Item = (String, Key)>>(iter: I) -> Keys {
        Keys {
            source: None,
            entries: Arc::new(
                iter.into_iter()
                    .map(|(name, key)| (name, Entry::parsed(key)))
                    .collect(),
            ),
        }
    }
}

impl From<BTreeMap<String, Key>> for Keys {
    fn from(map: BTreeMap<String, Key>) -> Keys {
        map.into_iter().collect()
    }
}

impl PartialEq for Keys {
    fn eq(&self, other: &Keys) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Keys {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
        Ok(BTreeMap::<String, Key>::deserialize(d)?.into())
    }
}
