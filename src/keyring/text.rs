//! The keyring's text: the bytes of a keyring file parsed into the document
//! (formats 1 to 3; in format 3 each key is kept as its text until it is
//! used, found by the file's line-per-key layout), and the document written
//! back as the file holds it (docs/FORMAT.md, "The document"). No I/O:
//! `file.rs` reads and writes the file.

use std::ops::Range;
use std::sync::Arc;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::keys::write_lines;
use super::model::{
    AuditState, FORMAT_V1, FORMAT_V2, FORMAT_VERSION, KEYRING_KIND, KekSet, Keyring, Keys, MacInput,
};
use crate::clock::Timestamp;
use crate::error::Failure;
use crate::key::rfc3339;
use crate::root::RootConfig;
/// Parses a keyring document, checking what it is and its format version
/// before reading anything else, so that a future format is never misread.
#[cfg(any(test, fuzzing))]
pub fn parse(bytes: &[u8]) -> Result<Keyring> {
    parse_owned(bytes.to_vec(), true)
}

/// [`parse`] as [`read_lazy`] reads.
#[cfg(test)]
pub(super) fn parse_lazy(bytes: &[u8]) -> Result<Keyring> {
    parse_owned(bytes.to_vec(), false)
}

/// [`parse`], keeping the file's text for the keys parsed later, and
/// checking every key now or not (see [`read_lazy`]).
pub(super) fn parse_owned(bytes: Vec<u8>, check_keys: bool) -> Result<Keyring> {
    match String::from_utf8(bytes) {
        Ok(text) => parse_text(Arc::new(text), check_keys),
        Err(e) => parse_value(e.as_bytes()),
    }
}

/// [`parse`] of a text.
pub(super) fn parse_text(text: Arc<String>, check_keys: bool) -> Result<Keyring> {
    match parse_format_3(&text, check_keys)? {
        Some(doc) => Ok(doc),
        None => parse_value(text.as_bytes()),
    }
}

/// The document as the fast path reads it: the keys left as text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Head<'a> {
    kind: String,
    format: u64,
    keyring_id: String,
    #[serde(with = "rfc3339")]
    created: Timestamp,
    root: RootConfig,
    kek: KekSet,
    #[serde(borrow)]
    keys: RawKeys<'a>,
    #[serde(default)]
    audit: Option<AuditState>,
    #[serde(default)]
    mac: Option<String>,
}

/// The `keys` object, each key's text left unparsed, in file order.
pub(super) struct RawKeys<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawKeys<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = RawKeys<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of keys")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<RawKeys<'a>, M::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(RawKeys(entries))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// Each key's name and where its JSON text is in the file, sorted by name.
pub(super) type KeyTexts = Vec<(String, Range<usize>)>;

/// The keys of a format 3 file laid out as keycask writes it (docs/FORMAT.md,
/// "Layout"; `keys::Lines`), found by its lines rather than by parsing
/// the JSON of every key: the members before `keys`, `{}` and those after
/// (the document with no keys, to parse as [`Head`]), and each key's name
/// and where its JSON text is. A raw line break is never inside a JSON
/// string, so each line break is layout: a key begins on a line indented
/// four spaces (`    "NAME":{`), its versions follow on lines indented
/// more, and the next line indented less closes `keys`. `None` when the
/// file is not laid out so, or its names are not plain, unique and sorted
/// as keycask writes them: the generic scan ([`raw_keys`]) reads it then.
///
/// The layout is trusted only as far as the MAC, which covers the file's
/// exact bytes: a command that uses a key checks it before the key is
/// used, so a file this scan reads otherwise than a JSON parser does is
/// one nobody without the KEK made, and each key used is parsed (and
/// checked) from its text by the JSON parser.
pub(super) fn scan_layout(text: &str) -> Option<(String, KeyTexts)> {
    const KEYS: &str = ",\n  \"keys\":{";
    let bytes = text.as_bytes();
    let open = memchr::memmem::find(bytes, KEYS.as_bytes())? + KEYS.len();
    let line_end = |from: usize| memchr::memchr(b'\n', &bytes[from..]).map(|at| from + at);
    let mut entries: KeyTexts = Vec::new();
    let mut at = open;
    let close = loop {
        if bytes.get(at) == Some(&b'}') && entries.is_empty() {
            break at;
        }
        // `\n    "NAME":{`, the name plain printable ASCII.
        let rest = bytes.get(at..)?.strip_prefix(b"\n    \"")?;
        let name_len = rest.iter().position(|&b| b == b'"')?;
        let name = &rest[..name_len];
        if name
            .iter()
            .any(|&b| !(0x20..0x7f).contains(&b) || b == b'\\')
        {
            return None;
        }
        let start = at + 6 + name_len + 2;
        if !rest[name_len..].starts_with(b"\":{") {
            return None;
        }
        // The key's lines: its first, and those indented more than four.
        let mut end = line_end(start)?;
        while bytes[end + 1..].starts_with(b"     ") {
            end = line_end(end + 1)?;
        }
        let name = std::str::from_utf8(name).ok()?.to_string();
        if entries.last().is_some_and(|(last, _)| *last >= name) {
            return None;
        }
        if bytes[end + 1..].starts_with(b"    \"") {
            // Another key follows: this one ends before the comma.
            (bytes[end - 1] == b',').then_some(())?;
            entries.push((name, start..end - 1));
            at = end;
        } else {
            // The last key: `keys` closes on its line, and the document
            // goes on (`,` and the next member).
            bytes[..end].ends_with(b"},").then_some(())?;
            entries.push((name, start..end - 2));
            break end - 2;
        }
    };
    let mut head = String::with_capacity(open + (text.len() - close));
    head.push_str(&text[..open]);
    head.push_str(&text[close..]);
    Some((head, entries))
}

/// The keys of a format 3 document by a JSON parser's scan (any layout):
/// the document's other members, and each key's name and where its text
/// is, in file order. `None` when it is not such a document.
pub(super) fn raw_keys(text: &str) -> Option<(Head<'_>, KeyTexts)> {
    let mut head = serde_json::from_str::<Head>(text).ok()?;
    let base = text.as_ptr() as usize;
    let raw = std::mem::take(&mut head.keys.0);
    let mut entries = Vec::with_capacity(raw.len());
    for (name, raw) in raw {
        let start = raw.get().as_ptr() as usize - base;
        entries.push((name, start..start + raw.get().len()));
    }
    // A repeated name: the generic reader says which (last one wins there).
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    if entries.windows(2).any(|w| w[0].0 == w[1].0) {
        return None;
    }
    Some((head, entries))
}

/// Reads a format 3 keyring without building a `serde_json::Value` or any
/// key: every key is checked against the schema, then dropped, when
/// `check_keys` says so (see [`read_lazy`]). `None` for anything else,
/// which [`parse_value`] reads or refuses with the precise error.
fn parse_format_3(text: &Arc<String>, check_keys: bool) -> Result<Option<Keyring>> {
    // By lines when the file is in keycask's layout and the rest of the
    // document parses; else by the JSON parser's scan.
    let (head_text, line_entries) = match scan_layout(text) {
        Some((head_text, entries)) => (Some(head_text), entries),
        None => (None, Vec::new()),
    };
    let line_head = head_text
        .as_deref()
        .and_then(|t| serde_json::from_str::<Head>(t).ok())
        .filter(|head| head.keys.0.is_empty());
    let (head, entries) = match line_head {
        Some(head) => (head, line_entries),
        None => match raw_keys(text) {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    if head.kind != KEYRING_KIND
        || head.format != u64::from(FORMAT_VERSION)
        || head
            .audit
            .as_ref()
            .is_some_and(|a| a.seq > MAX_JSON_INTEGER)
    {
        return Ok(None);
    }
    let mac_input = head
        .mac
        .as_deref()
        .and_then(|mac| exact_mac_input(text, mac))
        .unwrap_or(MacInput::Misplaced);
    let keys = Keys::from_source(Arc::clone(text), entries);
    if check_keys && let Err((name, problem)) = keys.check_all() {
        return Err(super::model::malformed_key(&name, &problem).into());
    }
    Ok(Some(Keyring {
        kind: head.kind,
        format: FORMAT_VERSION,
        keyring_id: head.keyring_id,
        created: head.created,
        root: head.root,
        kek: head.kek,
        keys,
        audit: head.audit,
        mac: head.mac,
        mac_input,
    }))
}

/// What a format 3 file's MAC covers (docs/FORMAT.md, "Keyring MAC"): the
/// bytes before the last `,"mac":"`, which must be the document's `mac`
/// member, written last: after it only `}` and whitespace. `None` when the
/// file is not laid out so (its MAC then fails).
fn exact_mac_input(text: &Arc<String>, mac: &str) -> Option<MacInput> {
    const MEMBER: &str = ",\"mac\":\"";
    let end = text.rfind(MEMBER)?;
    let tail = text[end + MEMBER.len()..].strip_prefix(mac)?;
    (tail.trim_end_matches([' ', '\t', '\n', '\r']) == "\"}").then(|| MacInput::Exact {
        text: Arc::clone(text),
        end,
    })
}

/// The generic reader: formats 1 and 2, and the precise error for anything
/// that is not a readable keyring.
fn parse_value(bytes: &[u8]) -> Result<Keyring> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        Failure::keyring(format!(
            "the keyring is not valid JSON ({e}); it may be truncated or damaged"
        ))
        .hint("restore it from a backup")
    })?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(KEYRING_KIND) {
        return Err(Failure::keyring("this file is not a keycask keyring").into());
    }
    let format = value.get("format").and_then(|f| f.as_u64());
    match format {
        Some(v) if v == u64::from(FORMAT_V2) || v == u64::from(FORMAT_V1) => {}
        // The fast path refused it: the typed reading below says why.
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) if v > u64::from(FORMAT_VERSION) => {
            return Err(Failure::keyring(format!(
                "the keyring has format version {v}, newer than this keycask understands ({FORMAT_VERSION})"
            ))
            .hint("upgrade keycask to read it")
            .into());
        }
        other => {
            return Err(Failure::keyring(format!(
                "the keyring has an unsupported format version ({})",
                other.map_or("missing".to_string(), |v| v.to_string())
            ))
            .into());
        }
    }
    if let Some(problem) = number_problem(&value) {
        return Err(
            Failure::keyring(format!("the keyring is malformed: {problem}"))
                .hint("restore it from a backup")
                .into(),
        );
    }
    // Format 2's MAC covers the canonical JSON of what the file holds, so
    // it is taken now, from the parsed file, before anything is defaulted
    // or normalised by reading it into the model.
    let mac_input = if format != Some(u64::from(FORMAT_V2)) {
        MacInput::None
    } else {
        let object = value
            .as_object_mut()
            .expect("it has a kind, so it is an object");
        let mac = object.remove("mac");
        let canonical = serde_jcs::to_vec(&value).expect("parsed JSON always canonicalises");
        if let (Some(mac), Some(object)) = (mac, value.as_object_mut()) {
            object.insert("mac".to_string(), mac);
        }
        MacInput::Canonical(canonical)
    };
    let mut doc: Keyring = serde_json::from_value(value).map_err(|e| {
        Failure::keyring(format!("the keyring is malformed: {e}")).hint("restore it from a backup")
    })?;
    if doc.format == FORMAT_VERSION {
        // Read here only when the fast path could not: a repeated member.
        return Err(Failure::keyring(
            "the keyring is malformed: a member is repeated or misplaced",
        )
        .hint("restore it from a backup")
        .into());
    }
    doc.mac_input = mac_input;
    for (name, key) in &doc.keys {
        if let Some(problem) = key.version_numbers_problem() {
            return Err(Failure::keyring(format!(
                "the keyring is malformed: key '{name}' {problem}"
            ))
            .hint("restore it from a backup")
            .into());
        }
    }
    Ok(doc)
}

pub use super::model::MAX_JSON_INTEGER;

/// A number that is not an integer from 0 to [`MAX_JSON_INTEGER`], anywhere
/// in the document.
fn number_problem(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(v) if v <= MAX_JSON_INTEGER => None,
            _ => Some(format!(
                "the number {n} is not an integer from 0 to 2^53 - 1"
            )),
        },
        serde_json::Value::Array(items) => items.iter().find_map(number_problem),
        serde_json::Value::Object(members) => members.values().find_map(number_problem),
        _ => None,
    }
}

/// RFC 8785 canonical JSON of a keyring (format 2's MAC input, called with
/// `mac` taken out). Equal to the canonical JSON of the file `to_bytes`
/// writes, since canonical JSON ignores order and spacing.
pub fn canonical_json(doc: &Keyring) -> Vec<u8> {
    serde_jcs::to_vec(doc).expect("a keyring always serialises")
}

/// The document's members before `keys`, in the order keycask writes them.
#[derive(Serialize)]
struct HeadOut<'a> {
    kind: &'a str,
    format: u32,
    keyring_id: &'a str,
    #[serde(with = "rfc3339")]
    created: Timestamp,
    root: &'a RootConfig,
    kek: &'a KekSet,
}

/// The file as keycask writes it, up to (not including) its `mac` member:
/// compact JSON in keycask's layout ([`Lines`]), members in the order the
/// model declares them, each key no command changed copied as the text it
/// was read from. Ends without the document's closing `}`.
pub fn body(doc: &Keyring) -> Vec<u8> {
    let mut out = Vec::with_capacity(match &doc.mac_input {
        MacInput::Exact { text, .. } => text.len() + 4096,
        _ => 4096 + 384 * doc.keys.len(),
    });
    write_lines(
        &mut out,
        0,
        &HeadOut {
            kind: &doc.kind,
            format: doc.format,
            keyring_id: &doc.keyring_id,
            created: doc.created,
            root: &doc.root,
            kek: &doc.kek,
        },
    );
    out.pop();
    out.extend_from_slice(b",\n  \"keys\":");
    doc.keys.write_compact(&mut out);
    if let Some(audit) = &doc.audit {
        out.extend_from_slice(b",\n  \"audit\":");
        write_lines(&mut out, 1, audit);
    }
    out
}

/// The whole file for a body from [`body`] and the document's MAC.
pub fn with_mac(mut body: Vec<u8>, mac: Option<&str>) -> Vec<u8> {
    if let Some(mac) = mac {
        body.extend_from_slice(b",\"mac\":");
        serde_json::to_writer(&mut body, mac).expect("a string always serialises");
    }
    body.extend_from_slice(b"}\n");
    body
}

/// Serialises the keyring as the file holds it: compact JSON on one line,
/// `mac` last (docs/FORMAT.md, "The document").
#[cfg(any(test, fuzzing))]
pub fn to_bytes(doc: &Keyring) -> Vec<u8> {
    with_mac(body(doc), doc.mac.as_deref())
}
