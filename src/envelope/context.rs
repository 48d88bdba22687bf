//! The encryption context of an envelope: sorted, unique `key=value` pairs,
//! their canonical encoding in the header, and how they are shown to people
//! (docs/FORMAT.md, "Context").

use std::collections::BTreeMap;

use super::EnvelopeError;
use super::cursor::Cursor;

pub const MAX_CONTEXT_PAIRS: usize = 64;
pub const MAX_CONTEXT_KEY_LEN: usize = 64;
pub const MAX_CONTEXT_VALUE_LEN: usize = 1024;
/// The encoded context (its 2-byte length excluded) is at most this long.
pub const MAX_CONTEXT_LEN: usize = 8192;

/// The encryption context: sorted, unique `key=value` pairs, bound into the
/// header and shown by `inspect`. Not secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionContext(BTreeMap<String, String>);

impl EncryptionContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one pair, checking it against the format's rules. The message of
    /// the error says what is wrong with it.
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), String> {
        check_context_key(key)?;
        check_context_value(value)?;
        if self.0.contains_key(key) {
            return Err(format!("context key '{key}' is given twice"));
        }
        if self.0.len() >= MAX_CONTEXT_PAIRS {
            return Err(format!("at most {MAX_CONTEXT_PAIRS} context pairs"));
        }
        self.0.insert(key.to_string(), value.to_string());
        if self.encoded_len() > MAX_CONTEXT_LEN {
            self.0.remove(key);
            return Err(format!(
                "the context is longer than {MAX_CONTEXT_LEN} bytes encoded"
            ));
        }
        Ok(())
    }

    /// Parses `key=value`.
    pub fn insert_pair(&mut self, pair: &str) -> Result<(), String> {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("context '{}' is not key=value", shorten(pair)))?;
        self.insert(key, value)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn encoded_len(&self) -> usize {
        self.0.iter().map(|(k, v)| 1 + k.len() + 2 + v.len()).sum()
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        for (k, v) in &self.0 {
            out.push(k.len() as u8);
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.extend_from_slice(v.as_bytes());
        }
    }

    pub(super) fn decode(mut bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let mut context = EncryptionContext::new();
        let mut previous: Option<String> = None;
        while !bytes.is_empty() {
            let mut r = Cursor(bytes);
            let klen = r.u8()? as usize;
            let key = r.take(klen)?;
            let vlen = r.u16()? as usize;
            let value = r.take(vlen)?;
            let key = std::str::from_utf8(key).map_err(|_| EnvelopeError::Malformed)?;
            let value = std::str::from_utf8(value).map_err(|_| EnvelopeError::Malformed)?;
            // Canonical: strictly ascending keys, so one context has one encoding.
            if previous.as_deref().is_some_and(|p| p >= key) {
                return Err(EnvelopeError::Malformed);
            }
            context
                .insert(key, value)
                .map_err(|_| EnvelopeError::Malformed)?;
            previous = Some(key.to_string());
            bytes = r.0;
        }
        Ok(context)
    }
}

impl std::fmt::Display for EncryptionContext {
    /// `k1=v1, k2=v2`, for messages (see [`context_text`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&context_text(self.iter()))
    }
}

/// Context pairs for people: `k1=v1, k2=v2`. A value that could be misread
/// in that form (a comma, an `=`, a quote, spaces at its ends, an empty
/// value) or that holds characters a terminal does not show as themselves
/// (control and bidirectional-formatting characters) is quoted and escaped:
/// `note="a, b"`, `v="x\u{202e}y"`. Keys are plain by construction.
pub fn context_text<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .map(|(k, v)| {
            let plain = !v.is_empty()
                && v.trim() == v
                && !v.contains([',', '=', '"', '\\'])
                && v.chars()
                    .all(|c| c == ' ' || c == '\'' || c.escape_debug().len() == 1);
            if plain {
                format!("{k}={v}")
            } else {
                format!("{k}=\"{}\"", v.escape_debug())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

fn check_context_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= MAX_CONTEXT_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid context key '{}': 1 to {MAX_CONTEXT_KEY_LEN} of A-Z a-z 0-9 . _ -",
            shorten(key)
        ))
    }
}

fn check_context_value(value: &str) -> Result<(), String> {
    if value.len() > MAX_CONTEXT_VALUE_LEN {
        return Err(format!(
            "a context value is at most {MAX_CONTEXT_VALUE_LEN} bytes"
        ));
    }
    if value.chars().any(char::is_control) {
        return Err("a context value cannot hold control characters".into());
    }
    Ok(())
}
