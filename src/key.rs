//! The definitions every floor above shares: the key algorithms and
//! purposes, the highest version number, key-name rules and the serde
//! helpers for RFC 3339 timestamps. Pure data: no I/O, no keyring, no
//! secrets. Below the keyring, the envelope format and the crypto helpers,
//! so that none of them has to reach up into `keyring` for a name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Failure;

/// The highest version number a key may reach: a million rotations, a
/// daily rotation for 2,700 years. Far below `u32::MAX`, so that no
/// arithmetic on version numbers can wrap; bundles naming a higher number
/// are refused, and a key that reaches it is no longer rotated.
pub const MAX_VERSION: u32 = 1_000_000;

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub enum Algorithm {
    #[serde(rename = "aes256-gcm")]
    Aes256Gcm,
    #[serde(rename = "p256")]
    P256,
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    #[serde(rename = "rsa-4096")]
    Rsa4096,
}

impl Algorithm {
    pub const ALL: [Algorithm; 5] = [
        Algorithm::Aes256Gcm,
        Algorithm::P256,
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::Rsa4096,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Aes256Gcm => "aes256-gcm",
            Algorithm::P256 => "p256",
            Algorithm::Rsa2048 => "rsa-2048",
            Algorithm::Rsa3072 => "rsa-3072",
            Algorithm::Rsa4096 => "rsa-4096",
        }
    }

    /// The name with its indefinite article, as read aloud: "an aes256-gcm",
    /// "a p256", "an rsa-3072".
    pub fn with_article(self) -> String {
        let article = match self {
            Algorithm::P256 => "a",
            _ => "an",
        };
        format!("{article} {self}")
    }

    pub fn is_symmetric(self) -> bool {
        self == Algorithm::Aes256Gcm
    }

    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            Algorithm::Rsa2048 => Some(2048),
            Algorithm::Rsa3072 => Some(3072),
            Algorithm::Rsa4096 => Some(4096),
            _ => None,
        }
    }

    /// The purposes a key of this algorithm may have.
    pub fn allowed_purposes(self) -> &'static [Purpose] {
        if self.is_symmetric() {
            &[Purpose::Encrypt]
        } else {
            &[Purpose::Sign, Purpose::Transport, Purpose::Encrypt]
        }
    }

    pub fn default_purpose(self) -> Purpose {
        self.allowed_purposes()[0]
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = Failure;

    fn from_str(text: &str) -> Result<Self, Failure> {
        if let Some(algorithm) = Algorithm::ALL.iter().find(|a| a.as_str() == text) {
            return Ok(*algorithm);
        }
        let known = Algorithm::ALL.map(Algorithm::as_str).join(", ");
        if let Some(bits) = text
            .strip_prefix("rsa-")
            .and_then(|b| b.parse::<u32>().ok())
            && bits < 2048
        {
            return Err(Failure::usage(format!(
                "RSA keys of {bits} bits are refused: RSA under 2048 bits is breakable"
            ))
            .hint("use --type rsa-3072 (or rsa-2048, rsa-4096)"));
        }
        Err(Failure::usage(format!("unknown key type '{text}'"))
            .hint(format!("key types: {known}")))
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Envelope encryption (`wrap`, `unwrap`, `datakey`).
    Encrypt,
    /// Signatures (`sign`, `verify`).
    Sign,
    /// Receiving sealed key bundles (`import --bundle --with`).
    Transport,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Encrypt => "encrypt",
            Purpose::Sign => "sign",
            Purpose::Transport => "transport",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Purpose {
    type Err = Failure;

    fn from_str(text: &str) -> Result<Self, Failure> {
        match text {
            "encrypt" => Ok(Purpose::Encrypt),
            "sign" => Ok(Purpose::Sign),
            "transport" => Ok(Purpose::Transport),
            _ => Err(Failure::usage(format!("unknown purpose '{text}'"))
                .hint("purposes: encrypt, sign, transport")),
        }
    }
}

/// Checks a key name against `[a-z0-9][a-z0-9._-]{0,63}`.
pub fn validate_key_name(name: &str) -> Result<(), Failure> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        });
    if valid {
        Ok(())
    } else {
        let shown: String = name.chars().take(80).collect();
        Err(Failure::usage(format!("invalid key name '{shown}'")).hint(
            "a name is 1 to 64 characters: lowercase letters, digits, '.', '_' and '-', starting with a letter or digit",
        ))
    }
}

/// Serde for timestamps as RFC 3339 text.
pub mod rfc3339 {
    use serde::{Deserializer, Serializer};

    use crate::clock::{Timestamp, format_time, parse_time};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_time(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_str(TimeVisitor)
    }

    /// Reads the text where the parser has it (no copy of each of a
    /// keyring's thousands of times).
    pub(super) struct TimeVisitor;

    impl serde::de::Visitor<'_> for TimeVisitor {
        type Value = Timestamp;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an RFC 3339 time")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
            parse_time(text).map_err(|_| E::custom(format!("bad time '{text}'")))
        }
    }
}

/// Serde for optional timestamps as RFC 3339 text.
pub mod rfc3339_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::clock::{Timestamp, format_time, parse_time};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_time(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|text| {
            parse_time(&text).map_err(|_| serde::de::Error::custom(format!("bad time '{text}'")))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        for good in [
            "a",
            "backups",
            "release-signing",
            "db.v2_x",
            "0",
            &"a".repeat(64),
        ] {
            assert!(validate_key_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Backups",
            "../x",
            "-a",
            ".a",
            "a b",
            "a/b",
            &"a".repeat(65),
            "é",
        ] {
            assert!(validate_key_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn algorithms() {
        for a in Algorithm::ALL {
            assert_eq!(a.as_str().parse::<Algorithm>().unwrap(), a);
        }
        let err = "rsa-1024".parse::<Algorithm>().unwrap_err();
        assert!(err.message.contains("1024"));
        assert!("dsa".parse::<Algorithm>().is_err());
    }
}
