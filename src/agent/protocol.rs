//! The agent's wire protocol, version 1: each frame is a big-endian `u32`
//! length followed by that many bytes of JSON, at most [`MAX_FRAME`].
//!
//! A request is one JSON object with `v` (the protocol version, 1) and `op`,
//! plus the fields that operation needs; a reply is one JSON object with
//! `v` and `ok`, and `error` when `ok` is false. KEKs travel as standard
//! base64 of their 32 bytes. Buffers that hold KEKs are zeroized; unknown
//! fields, unknown operations, missing fields and oversized frames are
//! refused (docs/agent.md, "Protocol").

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::secret::SecretKey32;

/// The protocol version this build speaks.
pub const VERSION: u32 = 1;
/// The largest frame accepted or sent, in bytes (the length prefix aside).
pub const MAX_FRAME: usize = 64 * 1024;
/// The most KEK versions one entry may hold (a keyring keeps one after
/// `rotate --kek`; older keyrings a few).
pub const MAX_KEKS: usize = 64;
/// The longest an entry may be held: 12 hours.
pub const MAX_SECONDS: u64 = 12 * 60 * 60;
/// The longest the agent waits for a use to be confirmed (its
/// `--confirm-timeout`), which is how long a `get` may take to be answered.
pub const MAX_CONFIRM_SECONDS: u64 = 5 * 60;

/// A request, as parsed and checked by [`parse_request`].
#[derive(Debug, PartialEq)]
pub enum Request {
    /// Is the agent there? Replies with its pid.
    Ping,
    /// The KEK versions held for this keyring id, if unexpired.
    Get { keyring: String },
    /// Hold these KEK versions for `seconds`; replaces an entry of that id.
    /// With `confirm`, every `get` of it is first confirmed at the agent
    /// (`unlock --confirm`); refused `cannot-confirm` when the agent has no
    /// way to ask.
    Add {
        keyring: String,
        path: String,
        seconds: u64,
        keks: Keks,
        confirm: bool,
    },
    /// Can the agent ask for confirmation? Replies with its pid and how it
    /// asks (`confirm`: `terminal` or `askpass`), or `cannot-confirm`.
    CanConfirm,
    /// Replace the KEK versions of an entry that is held (after `rotate
    /// --kek`), keeping its expiry; nothing happens when none is held.
    Update { keyring: String, keks: Keks },
    /// Forget this keyring now (`lock`, or a failed MAC check).
    Drop { keyring: String, reason: String },
    /// Forget every keyring (`lock --all`).
    LockAll,
    /// What is held: ids, paths, expiry; never a key.
    Status,
    /// Forget everything, remove the socket and exit (`agent --kill`).
    Stop,
}

/// KEK versions by number.
#[derive(Debug, PartialEq, Default)]
pub struct Keks(pub BTreeMap<u32, SecretKey32>);

/// One held entry, as `status` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryStatus {
    pub keyring: String,
    pub path: String,
    /// Seconds since the Unix epoch.
    pub expires: u64,
}

/// A reply. `ok` false carries `error`, one of [`Refusal`]'s words.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub v: u32,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keks: Option<Vec<WireKek>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped: Option<u64>,
    /// How the agent asks for confirmation (`can-confirm` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply {
            v: VERSION,
            ok: true,
            ..Reply::default()
        }
    }

    pub fn refused(error: Refusal) -> Reply {
        Reply {
            v: VERSION,
            ok: false,
            error: Some(error.word().to_string()),
            ..Reply::default()
        }
    }

    /// The KEK versions of a `get` reply.
    pub fn take_keks(&mut self) -> Option<Keks> {
        let keks = self.keks.take()?;
        let mut map = BTreeMap::new();
        for kek in keks {
            if map.insert(kek.version, kek.key.0).is_some() {
                return None;
            }
        }
        Some(Keks(map))
    }
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The keyring is not held (never unlocked, locked, or expired).
    Locked,
    /// The frame is not a request of this protocol version.
    Malformed,
    /// Another protocol version.
    Version,
    /// Too many connections at once.
    Busy,
    /// The use of an entry held with `confirm` was answered "no".
    Denied,
    /// The use of an entry held with `confirm` was not answered "yes" in
    /// time, or could not be asked.
    Unconfirmed,
    /// `confirm` asked of an agent with no terminal and no askpass program.
    CannotConfirm,
}

impl Refusal {
    pub fn word(self) -> &'static str {
        match self {
            Refusal::Locked => "locked",
            Refusal::Malformed => "malformed",
            Refusal::Version => "version",
            Refusal::Busy => "busy",
            Refusal::Denied => "denied",
            Refusal::Unconfirmed => "unconfirmed",
            Refusal::CannotConfirm => "cannot-confirm",
        }
    }
}

/// A KEK version on the wire.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireKek {
    pub version: u32,
    pub key: WireKey,
}

/// A 32-byte key as base64 on the wire; decoded straight into a zeroizing
/// buffer, encoded from one.
#[derive(Debug, PartialEq)]
pub struct WireKey(pub SecretKey32);

impl Serialize for WireKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = Zeroizing::new([0u8; 44]);
        let n = B64
            .encode_slice(self.0.expose_secret(), text.as_mut())
            .map_err(serde::ser::Error::custom)?;
        let text = std::str::from_utf8(&text[..n]).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(text)
    }
}

impl<'de> Deserialize<'de> for WireKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = WireKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a 32-byte key in base64")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<WireKey, E> {
                let mut key = Zeroizing::new([0u8; 32]);
                // 44 characters of base64 are exactly 32 bytes (with `=`).
                if text.len() != 44 {
                    return Err(E::custom("a key is 44 characters of base64"));
                }
                match B64.decode_slice(text, key.as_mut()) {
                    Ok(32) => Ok(WireKey(SecretKey32::from(key))),
                    _ => Err(E::custom("a key is 32 bytes in base64")),
                }
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl Keks {
    fn to_wire(&self) -> Vec<WireKek> {
        self.0
            .iter()
            .map(|(version, key)| WireKek {
                version: *version,
                key: WireKey(key.clone()),
            })
            .collect()
    }

    pub fn wire(&self) -> Option<Vec<WireKek>> {
        Some(self.to_wire())
    }
}

/// The request object as it comes off the wire, before its checks.
#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    v: u32,
    op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keyring: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keks: Option<Vec<WireKek>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confirm: Option<bool>,
}

/// Why a frame was not a request.
#[derive(Debug, PartialEq, Eq)]
pub struct ParseError {
    pub refusal: Refusal,
    /// For the agent's log: never holds the frame's bytes.
    pub why: String,
}

fn malformed(why: impl Into<String>) -> ParseError {
    ParseError {
        refusal: Refusal::Malformed,
        why: why.into(),
    }
}

/// A keyring id is 32 lowercase hex digits (`keycask init`'s).
fn keyring_id(raw: Option<String>) -> Result<String, ParseError> {
    let id = raw.ok_or_else(|| malformed("no keyring id"))?;
    if id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(id)
    } else {
        Err(malformed("a keyring id is 32 lowercase hex digits"))
    }
}

fn keks(raw: Option<Vec<WireKek>>) -> Result<Keks, ParseError> {
    let raw = raw.ok_or_else(|| malformed("no KEKs"))?;
    if raw.is_empty() || raw.len() > MAX_KEKS {
        return Err(malformed(format!("between 1 and {MAX_KEKS} KEKs")));
    }
    let mut map = BTreeMap::new();
    for kek in raw {
        if kek.version == 0 || map.insert(kek.version, kek.key.0).is_some() {
            return Err(malformed("KEK versions are numbered from 1, each once"));
        }
    }
    Ok(Keks(map))
}

fn text(raw: Option<String>, what: &str) -> Result<String, ParseError> {
    let text = raw.ok_or_else(|| malformed(format!("no {what}")))?;
    if text.len() > 4096 || text.chars().any(char::is_control) {
        return Err(malformed(format!(
            "the {what} is too long or has control characters"
        )));
    }
    Ok(text)
}

/// Parses and checks one request frame's body. Never panics; whatever it
/// accepts [`encode_request`] writes back to a frame it parses the same.
pub fn parse_request(body: &[u8]) -> Result<Request, ParseError> {
    let raw: RawRequest =
        serde_json::from_slice(body).map_err(|e| malformed(format!("not a request: {e}")))?;
    if raw.v != VERSION {
        return Err(ParseError {
            refusal: Refusal::Version,
            why: format!("protocol version {} (this agent speaks {VERSION})", raw.v),
        });
    }
    let only = |allowed: &[&str]| -> Result<(), ParseError> {
        let present = [
            ("keyring", raw.keyring.is_some()),
            ("path", raw.path.is_some()),
            ("seconds", raw.seconds.is_some()),
            ("keks", raw.keks.is_some()),
            ("reason", raw.reason.is_some()),
            ("confirm", raw.confirm.is_some()),
        ];
        match present
            .iter()
            .find(|(name, there)| *there && !allowed.contains(name))
        {
            Some((name, _)) => Err(malformed(format!("'{}' takes no {name}", raw.op))),
            None => Ok(()),
        }
    };
    match raw.op.as_str() {
        "ping" => only(&[]).map(|()| Request::Ping),
        "lock-all" => only(&[]).map(|()| Request::LockAll),
        "status" => only(&[]).map(|()| Request::Status),
        "stop" => only(&[]).map(|()| Request::Stop),
        "can-confirm" => only(&[]).map(|()| Request::CanConfirm),
        "get" => {
            only(&["keyring"])?;
            Ok(Request::Get {
                keyring: keyring_id(raw.keyring)?,
            })
        }
        "add" => {
            only(&["keyring", "path", "seconds", "keks", "confirm"])?;
            let seconds = raw.seconds.ok_or_else(|| malformed("no seconds"))?;
            if seconds == 0 || seconds > MAX_SECONDS {
                return Err(malformed(format!("seconds from 1 to {MAX_SECONDS}")));
            }
            Ok(Request::Add {
                keyring: keyring_id(raw.keyring)?,
                path: text(raw.path, "path")?,
                seconds,
                keks: keks(raw.keks)?,
                // Written only when true, so that an older agent refuses
                // what it could not honour rather than ignore it.
                confirm: raw.confirm == Some(true),
            })
        }
        "update" => {
            only(&["keyring", "keks"])?;
            Ok(Request::Update {
                keyring: keyring_id(raw.keyring)?,
                keks: keks(raw.keks)?,
            })
        }
        "drop" => {
            only(&["keyring", "reason"])?;
            Ok(Request::Drop {
                keyring: keyring_id(raw.keyring)?,
                reason: text(raw.reason, "reason")?,
            })
        }
        _ => Err(malformed("unknown operation")),
    }
}

/// A request's frame body (without the length prefix), in a zeroizing
/// buffer.
pub fn encode_request(request: &Request) -> Zeroizing<Vec<u8>> {
    let (op, mut raw) = match request {
        Request::Ping => ("ping", RawRequest::default()),
        Request::LockAll => ("lock-all", RawRequest::default()),
        Request::Status => ("status", RawRequest::default()),
        Request::Stop => ("stop", RawRequest::default()),
        Request::CanConfirm => ("can-confirm", RawRequest::default()),
        Request::Get { keyring } => (
            "get",
            RawRequest {
                keyring: Some(keyring.clone()),
                ..RawRequest::default()
            },
        ),
        Request::Add {
            keyring,
            path,
            seconds,
            keks,
            confirm,
        } => (
            "add",
            RawRequest {
                keyring: Some(keyring.clone()),
                path: Some(path.clone()),
                seconds: Some(*seconds),
                keks: keks.wire(),
                confirm: confirm.then_some(true),
                ..RawRequest::default()
            },
        ),
        Request::Update { keyring, keks } => (
            "update",
            RawRequest {
                keyring: Some(keyring.clone()),
                keks: keks.wire(),
                ..RawRequest::default()
            },
        ),
        Request::Drop { keyring, reason } => (
            "drop",
            RawRequest {
                keyring: Some(keyring.clone()),
                reason: Some(reason.clone()),
                ..RawRequest::default()
            },
        ),
    };
    raw.v = VERSION;
    raw.op = op.to_string();
    to_zeroizing_json(&raw)
}

/// A reply's frame body, in a zeroizing buffer.
pub fn encode_reply(reply: &Reply) -> Zeroizing<Vec<u8>> {
    to_zeroizing_json(reply)
}

/// Serialises into a buffer allocated once at the largest frame size, so
/// that no reallocation leaves a copy of a KEK behind.
fn to_zeroizing_json<T: Serialize>(value: &T) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(MAX_FRAME));
    serde_json::to_writer(&mut *out, value).expect("requests and replies always serialise");
    out
}

/// Parses a reply's frame body.
pub fn parse_reply(body: &[u8]) -> Result<Reply, ParseError> {
    let reply: Reply =
        serde_json::from_slice(body).map_err(|e| malformed(format!("not a reply: {e}")))?;
    if reply.v != VERSION {
        return Err(ParseError {
            refusal: Refusal::Version,
            why: format!("protocol version {}", reply.v),
        });
    }
    Ok(reply)
}

/// Writes one frame: the length, then the body.
pub fn write_frame(mut out: impl Write, body: &[u8]) -> io::Result<()> {
    if body.len() > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut frame = Zeroizing::new(Vec::with_capacity(4 + body.len()));
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(body);
    out.write_all(&frame)?;
    out.flush()
}

/// Reads one frame's body; `Ok(None)` at a clean end of the stream before
/// a frame begins. A length over [`MAX_FRAME`] is an `InvalidData` error,
/// read no further.
pub fn read_frame(mut input: impl Read) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes (at most {MAX_FRAME})"),
        ));
    }
    let mut body = Zeroizing::new(vec![0u8; len]);
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keks() -> Keks {
        Keks(BTreeMap::from([
            (1, SecretKey32::from_bytes([1; 32])),
            (3, SecretKey32::from_bytes([3; 32])),
        ]))
    }

    #[test]
    fn every_request_round_trips() {
        let id = "0123456789abcdef0123456789abcdef".to_string();
        let requests = [
            Request::Ping,
            Request::Status,
            Request::LockAll,
            Request::Stop,
            Request::CanConfirm,
            Request::Get {
                keyring: id.clone(),
            },
            Request::Add {
                keyring: id.clone(),
                path: "/home/a/keyring.json".into(),
                seconds: 900,
                keks: keks(),
                confirm: false,
            },
            Request::Add {
                keyring: id.clone(),
                path: "/home/a/keyring.json".into(),
                seconds: 60,
                keks: keks(),
                confirm: true,
            },
            Request::Update {
                keyring: id.clone(),
                keks: keks(),
            },
            Request::Drop {
                keyring: id,
                reason: "lock".into(),
            },
        ];
        for request in requests {
            let bytes = encode_request(&request);
            assert_eq!(parse_request(&bytes), Ok(request));
        }
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        let id = "0123456789abcdef0123456789abcdef";
        let cases: &[(&str, Refusal)] = &[
            ("", Refusal::Malformed),
            ("[]", Refusal::Malformed),
            (r#"{"v":2,"op":"ping"}"#, Refusal::Version),
            (r#"{"v":1,"op":"fly"}"#, Refusal::Malformed),
            (r#"{"v":1,"op":"ping","extra":1}"#, Refusal::Malformed),
            (r#"{"v":1,"op":"ping","keyring":"x"}"#, Refusal::Malformed),
            (r#"{"v":1,"op":"get","keyring":"ABC"}"#, Refusal::Malformed),
            (r#"{"v":1,"op":"get"}"#, Refusal::Malformed),
            (
                r#"{"v":1,"op":"can-confirm","confirm":true}"#,
                Refusal::Malformed,
            ),
            (
                r#"{"v":1,"op":"get","keyring":"0123456789abcdef0123456789abcdef","confirm":true}"#,
                Refusal::Malformed,
            ),
        ];
        for (body, refusal) in cases {
            assert_eq!(
                parse_request(body.as_bytes()).unwrap_err().refusal,
                *refusal,
                "{body}"
            );
        }
        let add = |seconds: u64, keks: &str| {
            format!(
                r#"{{"v":1,"op":"add","keyring":"{id}","path":"/k","seconds":{seconds},"keks":{keks}}}"#
            )
        };
        let key = B64.encode([7u8; 32]);
        let good = format!(r#"[{{"version":1,"key":"{key}"}}]"#);
        assert!(parse_request(add(900, &good).as_bytes()).is_ok());
        assert!(parse_request(add(0, &good).as_bytes()).is_err());
        assert!(parse_request(add(MAX_SECONDS + 1, &good).as_bytes()).is_err());
        assert!(parse_request(add(900, "[]").as_bytes()).is_err());
        let twice = format!(r#"[{{"version":1,"key":"{key}"}},{{"version":1,"key":"{key}"}}]"#);
        assert!(parse_request(add(900, &twice).as_bytes()).is_err());
        let short = format!(r#"[{{"version":1,"key":"{}"}}]"#, B64.encode([7u8; 31]));
        assert!(parse_request(add(900, &short).as_bytes()).is_err());
    }

    #[test]
    fn frames_are_bounded() {
        let mut out = Vec::new();
        write_frame(&mut out, b"{}").unwrap();
        assert_eq!(out, b"\0\0\0\x02{}");
        assert_eq!(
            read_frame(&out[..]).unwrap().as_deref().map(|b| &b[..]),
            Some(&b"{}"[..])
        );
        assert!(read_frame(&b""[..]).unwrap().is_none());
        assert!(read_frame(&b"\0\0"[..]).is_err());
        assert!(read_frame(&b"\0\0\0\x05{}"[..]).is_err());
        let huge = ((MAX_FRAME + 1) as u32).to_be_bytes();
        assert_eq!(
            read_frame(&huge[..]).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        assert!(write_frame(&mut Vec::new(), &vec![b' '; MAX_FRAME + 1]).is_err());
    }
}
