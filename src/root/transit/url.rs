//! `transit:URL`: the Transit key a root names, checked before any request.

#[allow(unused_imports)]
use super::*;

/// A parsed `transit:` root URL.
#[derive(Clone, PartialEq)]
pub struct TransitUrl {
    /// `https://HOST:PORT/v1/MOUNT/keys/NAME`, as given (without `transit:`).
    pub url: String,
    /// `https://HOST:PORT`.
    pub(super) origin: String,
    /// The engine's mount path, e.g. `transit`.
    pub mount: String,
    /// The key's name.
    pub name: String,
    pub(super) https: bool,
    pub(super) loopback: bool,
}

impl fmt::Debug for TransitUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TransitUrl").field(&self.url).finish()
    }
}

pub(super) fn url_error(message: impl fmt::Display) -> Failure {
    Failure::usage(format!("invalid Transit URL: {message}"))
        .hint("transit:https://HOST:8200/v1/transit/keys/NAME (the key's full API URL)")
}

pub(super) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One path segment of a mount or key name: letters, digits, `-`, `_`, `.`
/// (not `.` or `..`).
pub(super) fn segment_ok(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// A mount path: segments joined by `/`.
pub(super) fn mount_ok(mount: &str) -> bool {
    !mount.is_empty() && mount.split('/').all(segment_ok)
}

impl std::str::FromStr for TransitUrl {
    type Err = Failure;

    /// Parses `transit:URL` (or the URL alone, as recorded in a keyring).
    fn from_str(text: &str) -> Result<Self, Failure> {
        let url = text.strip_prefix("transit:").unwrap_or(text);
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(url_error(
                "it must start with https:// (or http:// to a loopback address)",
            ));
        };
        if url.contains(['?', '#', ' ']) || url.chars().any(char::is_control) {
            return Err(url_error(
                "it must not have a query, a fragment, spaces or control characters",
            ));
        }
        let (authority, path) = rest
            .split_once('/')
            .ok_or_else(|| url_error("it names no key (…/v1/MOUNT/keys/NAME)"))?;
        if authority.contains('@') {
            return Err(url_error(
                "credentials in the URL would be stored in the keyring; give the token with VAULT_TOKEN or ~/.vault-token",
            ));
        }
        let host = if authority.starts_with('[') {
            authority
                .split_once(']')
                .map(|(h, _)| format!("{h}]"))
                .ok_or_else(|| url_error("unclosed [ in the host"))?
        } else {
            authority.split(':').next().unwrap_or_default().to_string()
        };
        if host.is_empty() || host == "[]" {
            return Err(url_error("it names no host"));
        }
        let port = authority[host.len()..].strip_prefix(':');
        if let Some(port) = port
            && port.parse::<u16>().is_err()
        {
            return Err(url_error(format!("bad port '{}'", untrusted(port))));
        } else if port.is_none() && authority.len() != host.len() {
            return Err(url_error("bad host"));
        }
        let path = path
            .strip_prefix("v1/")
            .ok_or_else(|| url_error("the path must start with /v1/ (…/v1/MOUNT/keys/NAME)"))?;
        let (mount, name) = path
            .rsplit_once("/keys/")
            .ok_or_else(|| url_error("the path must end with /keys/NAME (…/v1/MOUNT/keys/NAME)"))?;
        if !mount_ok(mount) {
            return Err(url_error("bad mount path"));
        }
        if !segment_ok(name) {
            return Err(url_error(
                "bad key name (letters, digits, '-', '_' and '.' only)",
            ));
        }
        let loopback = is_loopback(&host);
        if !https && !loopback {
            return Err(Failure::usage(format!(
                "refusing plain http:// to {}: the token and the KEK would cross the network unencrypted",
                untrusted(&host)
            ))
            .hint("use https:// (plain http is accepted for loopback dev servers only: 127.0.0.1, ::1, localhost)"));
        }
        Ok(TransitUrl {
            url: url.to_string(),
            origin: format!("{}://{authority}", if https { "https" } else { "http" }),
            mount: mount.to_string(),
            name: name.to_string(),
            https,
            loopback,
        })
    }
}

impl TransitUrl {
    /// `transit/decrypt/NAME`: a policy path.
    pub fn policy_path(&self, op: &str) -> String {
        format!("{}/{op}/{}", self.mount, self.name)
    }

    pub(super) fn api(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.origin)
    }

    /// True when both name the same key on the same server.
    pub fn same_key(&self, other: &TransitUrl) -> bool {
        self.origin.eq_ignore_ascii_case(&other.origin)
            && self.mount == other.mount
            && self.name == other.name
    }
}

/// The Transit key version a ciphertext was made with (`vault:vN:...`).
pub fn ciphertext_version(ciphertext: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(ciphertext).ok()?;
    let rest = text.strip_prefix("vault:v")?;
    rest.split_once(':')?.0.parse().ok()
}
