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

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a lazily parsed value is: for a keyring, a key (`model::Key`).
pub trait Lazy: Serialize + DeserializeOwned + Clone + PartialEq + fmt::Debug {
    /// What is wrong with a value just parsed that its type does not say.
    fn problem(&self) -> Option<String>;

    /// The value as the file is written ([`LazyMap::write_compact`]).
    fn compact(&self) -> impl Serialize + '_;
}

#[derive(Clone)]
pub(super) struct Entry<Key> {
    /// Where the entry's JSON text is in [`Keys::source`], as long as no
    /// command has changed the key.
    raw: Option<Range<usize>>,
    parsed: OnceLock<Box<Key>>,
}

impl<Key> Entry<Key> {
    fn parsed(key: Key) -> Entry<Key> {
        Entry {
            raw: None,
            parsed: OnceLock::from(Box::new(key)),
        }
    }
}

/// The entries by name; shared by the documents read from one text (a
/// command that reads the keyring twice), copied on the first change.
pub(super) type KeyMap<Key> = BTreeMap<String, Entry<Key>>;

/// Keys by name, sorted (as a `BTreeMap<String, Key>`, whose methods it
/// offers), parsed on first use.
#[derive(Clone)]
pub struct LazyMap<Key> {
    /// The file's text that raw entries point into.
    source: Option<Arc<String>>,
    entries: Arc<KeyMap<Key>>,
}

impl<Key> Default for LazyMap<Key> {
    fn default() -> Self {
        LazyMap {
            source: None,
            entries: Arc::default(),
        }
    }
}

type Keys<Key> = LazyMap<Key>;

/// Parses one key as the file holds it; [`Lazy::problem`] makes it
/// malformed too.
fn parse_key<Key: Lazy>(text: &str) -> Result<Key, String> {
    let key: Key = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match key.problem() {
        Some(problem) => Err(problem),
        None => Ok(key),
    }
}

impl<Key: Lazy> LazyMap<Key> {
    pub fn new() -> Self {
        Keys::default()
    }

    /// Keys whose text is `source[range]` for each `(name, range)`, not
    /// parsed yet (see [`Keys::check_all`]).
    pub(super) fn from_source(
        source: Arc<String>,
        entries: impl IntoIterator<Item = (String, Range<usize>)>,
    ) -> Self {
        LazyMap {
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
    pub(super) fn shared(&self) -> Option<(&Arc<String>, &Arc<KeyMap<Key>>)> {
        Some((self.source.as_ref()?, &self.entries))
    }

    /// Keys sharing what [`Keys::shared`] gave.
    pub(super) fn from_shared(source: Arc<String>, entries: Arc<KeyMap<Key>>) -> Self {
        LazyMap {
            source: Some(source),
            entries,
        }
    }

    /// The JSON text of an entry as read, while unchanged.
    fn raw_text(&self, entry: &Entry<Key>) -> Option<&str> {
        let range = entry.raw.clone()?;
        self.source.as_deref().map(|s| &s[range])
    }

    /// The entry's key, parsed now if it was not yet; what is wrong with
    /// it when it does not parse.
    fn try_force<'a>(&'a self, entry: &'a Entry<Key>) -> Result<&'a Key, String> {
        if let Some(key) = entry.parsed.get() {
            return Ok(key);
        }
        let text = self
            .raw_text(entry)
            .expect("an unparsed entry has its text");
        let key = parse_key(text)?;
        Ok(entry.parsed.get_or_init(|| Box::new(key)))
    }

    /// The entry's key, for the infallible accessors: the entry was checked
    /// before ([`Keys::check_all`] when the file was read, or a fallible
    /// accessor of a file read lazily: see `file::read_lazy`).
    fn force<'a>(&'a self, name: &str, entry: &'a Entry<Key>) -> &'a Key {
        self.try_force(entry)
            .unwrap_or_else(|e| panic!("key '{name}' was checked: {e}"))
    }

    /// Parses every entry not parsed yet, without keeping the result, and
    /// returns the first that is malformed with what is wrong. Called once
    /// when the file is read (`file::read`).
    pub(super) fn check_all(&self) -> Result<(), (String, String)> {
        for (name, entry) in self.entries.iter() {
            if entry.parsed.get().is_none()
                && let Some(text) = self.raw_text(entry)
            {
                parse_key::<Key>(text).map_err(|e| (name.clone(), e))?;
            }
        }
        Ok(())
    }

    /// Parses every entry not parsed yet and keeps it, for a command that
    /// goes on to look at every key (`list`): each is parsed once.
    pub(super) fn parse_all(&self) -> Result<(), (String, String)> {
        for (name, entry) in self.entries.iter() {
            self.try_force(entry).map_err(|e| (name.clone(), e))?;
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Key> {
        let (name, entry) = self.entries.get_key_value(name)?;
        Some(self.force(name, entry))
    }

    /// The key of that name, parsed and checked now if it was not yet:
    /// `Err` with what is wrong when it is malformed. The accessor of
    /// keyrings read lazily (`file::read_lazy`).
    pub fn try_get(&self, name: &str) -> Result<Option<&Key>, String> {
        match self.entries.get(name) {
            Some(entry) => self.try_force(entry).map(Some),
            None => Ok(None),
        }
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

    pub fn iter(&self) -> Iter<'_, Key> {
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
    /// Each is parsed and checked as it is reached: `Err` with the name and
    /// what is wrong for a malformed one.
    pub fn iter_mentioning<'a>(
        &'a self,
        needle: &str,
    ) -> impl Iterator<Item = Result<(&'a String, &'a Key), (String, String)>> + 'a {
        let finder = memchr::memmem::Finder::new(needle.as_bytes()).into_owned();
        self.entries
            .iter()
            .filter(move |(_, entry)| {
                entry.parsed.get().is_some()
                    || self.raw_text(entry).is_none_or(|text| {
                        finder.find(text.as_bytes()).is_some()
                            || memchr::memchr(b'\\', text.as_bytes()).is_some()
                    })
            })
            .map(|(name, entry)| {
                self.try_force(entry)
                    .map(|key| (name, key))
                    .map_err(|e| (name.clone(), e))
            })
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
                None => write_lines(out, 2, &self.force(name, entry).compact()),
            }
        }
        out.push(b'}');
    }
}

/// The keys with their names, sorted by name; each parsed on first use.
pub struct Iter<'a, Key> {
    keys: &'a Keys<Key>,
    inner: btree_map::Iter<'a, String, Entry<Key>>,
}

impl<'a, Key: Lazy> Iterator for Iter<'a, Key> {
    type Item = (&'a String, &'a Key);

    fn next(&mut self) -> Option<Self::Item> {
        let (name, entry) = self.inner.next()?;
        Some((name, self.keys.force(name, entry)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<Key: Lazy> DoubleEndedIterator for Iter<'_, Key> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let (name, entry) = self.inner.next_back()?;
        Some((name, self.keys.force(name, entry)))
    }
}

impl<Key: Lazy> ExactSizeIterator for Iter<'_, Key> {}

impl<'a, Key: Lazy> IntoIterator for &'a Keys<Key> {
    type Item = (&'a String, &'a Key);
    type IntoIter = Iter<'a, Key>;

    fn into_iter(self) -> Iter<'a, Key> {
        self.iter()
    }
}

impl<Key: Lazy> Index<&str> for Keys<Key> {
    type Output = Key;

    fn index(&self, name: &str) -> &Key {
        self.get(name).expect("no key of that name")
    }
}

impl<Key: Lazy> Index<&String> for Keys<Key> {
    type Output = Key;

    fn index(&self, name: &String) -> &Key {
        &self[name.as_str()]
    }
}

impl<Key> FromIterator<(String, Key)> for Keys<Key> {
    fn from_iter<I: IntoIterator<Item = (String, Key)>>(iter: I) -> Self {
        LazyMap {
            source: None,
            entries: Arc::new(
                iter.into_iter()
                    .map(|(name, key)| (name, Entry::parsed(key)))
                    .collect(),
            ),
        }
    }
}

impl<Key> From<BTreeMap<String, Key>> for Keys<Key> {
    fn from(map: BTreeMap<String, Key>) -> Self {
        map.into_iter().collect()
    }
}

impl<Key: Lazy> PartialEq for Keys<Key> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<Key: Lazy> fmt::Debug for Keys<Key> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<Key: Lazy> Serialize for Keys<Key> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de, Key: Lazy> Deserialize<'de> for Keys<Key> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, Key>::deserialize(d)?.into())
    }
}

/// keycask's layout of a keyring file: compact JSON, with a line break
/// and indentation (two spaces a level) before each member of the
/// document and of its objects (level 1 and 2: `root`, `kek`, `keys`,
/// `audit`) and before each element of an array down to level 4 (KEK
/// versions, key versions): one line per key and per version, so that a
/// diff of two keyrings reads, at a few bytes a key. Closing brackets stay
/// on the line. Deterministic: keycask writes an unchanged key as read.
pub(super) struct Lines {
    /// The level of the value being written (0: the document itself).
    pub(super) base: usize,
    arrays: Vec<bool>,
}

impl Lines {
    pub(super) fn at(base: usize) -> Lines {
        Lines {
            base,
            arrays: Vec::new(),
        }
    }

    fn break_line<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        let level = self.base + self.arrays.len();
        let in_array = self.arrays.last().copied().unwrap_or(false);
        if level <= 2 || (in_array && level <= 4) {
            w.write_all(b"\n")?;
            for _ in 0..level {
                w.write_all(b"  ")?;
            }
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Lines {
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.arrays.push(false);
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.arrays.pop();
        w.write_all(b"}")
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.arrays.push(true);
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.arrays.pop();
        w.write_all(b"]")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.break_line(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.break_line(w)
    }
}

/// Serialises `value` in keycask's layout ([`Lines`]) as a value at `level`.
pub(super) fn write_lines<T: Serialize + ?Sized>(out: &mut Vec<u8>, level: usize, value: &T) {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, Lines::at(level));
    value
        .serialize(&mut ser)
        .expect("a keyring always serialises");
}
