//! The HTTP side of a Transit root: the token and how it is found, TLS,
//! bounded retries, and the service's answers.

#[allow(unused_imports)]
use super::*;

/// A token, held in zeroizing memory, with no `Debug` of its bytes.
pub(super) struct Token(pub(super) Zeroizing<String>);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").finish_non_exhaustive()
    }
}

/// The first of these environment variables that is set and not empty.
pub(super) fn env_first(names: &[&str]) -> Option<(String, String)> {
    names.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .map(|v| (name.to_string(), v))
    })
}

pub(super) fn retry_budget() -> Result<Duration, Failure> {
    match std::env::var(RETRY_VAR) {
        Err(_) => Ok(DEFAULT_RETRY),
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| *s <= MAX_RETRY_SECONDS)
            .map(Duration::from_secs)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "{RETRY_VAR} must be a whole number of seconds from 0 to {MAX_RETRY_SECONDS}"
                ))
            }),
    }
}

pub(super) fn skip_verify() -> Result<bool, Failure> {
    match env_first(&["VAULT_SKIP_VERIFY", "BAO_SKIP_VERIFY"]) {
        None => Ok(false),
        Some((_, v)) if v == "0" => Ok(false),
        Some((_, v)) if v == "1" => Ok(true),
        Some((name, _)) => Err(Failure::usage(format!(
            "{name} must be 1 (skip TLS verification, with a warning) or 0"
        ))),
    }
}

pub(super) fn tls_config(url: &TransitUrl) -> Result<ureq::tls::TlsConfig> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    if !url.https {
        return Ok(TlsConfig::default());
    }
    if skip_verify()? {
        crate::stderr_line!(
            "keycask: warning: VAULT_SKIP_VERIFY=1: the TLS certificate of {} is NOT checked; whoever sits on the path can read the KEK",
            url.origin
        );
        return Ok(TlsConfig::builder().disable_verification(true).build());
    }
    let mut certs: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    if let Some((name, path)) = env_first(&["VAULT_CACERT", "BAO_CACERT"]) {
        let pem = std::fs::read(&path).map_err(|e| {
            Failure::usage(format!("cannot read {name} ({path}): {e}"))
                .hint("point it at the PEM file of the CA that signed the server's certificate")
        })?;
        let before = certs.len();
        for item in ureq::tls::parse_pem(&pem) {
            if let Ok(ureq::tls::PemItem::Certificate(cert)) = item {
                certs.push(cert);
            }
        }
        if certs.len() == before {
            return Err(Failure::usage(format!("{name} ({path}) holds no PEM certificate")).into());
        }
    }
    Ok(TlsConfig::builder()
        .root_certs(RootCerts::Specific(Arc::new(certs)))
        .build())
}

pub(super) fn agent(url: &TransitUrl) -> Result<ureq::Agent> {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // A redirect would carry the token to a server the URL does not name.
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(30)))
        .user_agent(concat!("keycask/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls_config(url)?);
    if url.loopback {
        config = config.proxy(None);
    }
    Ok(config.build().new_agent())
}

/// One answer: the status and the body, kept in zeroizing memory (a
/// decrypt answer holds the KEK).
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Zeroizing<Vec<u8>>,
}

#[derive(Deserialize)]
pub(super) struct Errors {
    #[serde(default)]
    pub(super) errors: Vec<String>,
}

impl Answer {
    /// The server's error text, one line, made safe to print.
    pub(super) fn error_text(&self) -> String {
        let errors = serde_json::from_slice::<Errors>(&self.body)
            .map(|e| e.errors)
            .unwrap_or_default();
        let text = errors
            .iter()
            .flat_map(|e| e.split(['\n', '\t', '*']))
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.ends_with("error occurred:"))
            .collect::<Vec<_>>()
            .join("; ");
        if text.is_empty() {
            format!("HTTP {}", self.status)
        } else {
            untrusted(&text)
        }
    }
}

/// Where a request is sent, named in messages; never holds a secret.
pub(super) enum Call<'a> {
    Get(&'a str),
    Post(&'a str, &'a [u8]),
}

pub(super) fn product() -> &'static str {
    "OpenBao/Vault"
}

/// A connection that failed in a way that may pass (refused, reset, timed
/// out, a name not resolved yet); not a TLS verification failure.
pub(super) fn transient(err: &ureq::Error) -> bool {
    match err {
        ureq::Error::Io(io) => io.kind() != std::io::ErrorKind::InvalidData,
        ureq::Error::Timeout(_) | ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => true,
        _ => false,
    }
}

pub(super) fn tried(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (tried {attempts} times)")
    } else {
        String::new()
    }
}

/// VAULT_TOKEN, else BAO_TOKEN, else ~/.vault-token. The file is refused
/// when other users may read or write it (as ssh refuses such a private
/// key): `bao login` and `vault login` write it 0600, so a looser mode means
/// the token may already be in other hands.
pub(super) fn read_token() -> Result<Token> {
    if let Some((_, token)) = env_first(&["VAULT_TOKEN", "BAO_TOKEN"]) {
        return Ok(Token(Zeroizing::new(token.trim().to_string())));
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    if let Some(path) = home.map(|h| h.join(".vault-token"))
        && let Some(token) = read_token_file(&path)?
    {
        return Ok(token);
    }
    Err(Failure::usage("no token for the Transit root: VAULT_TOKEN, BAO_TOKEN and ~/.vault-token are all empty")
        .hint("log in (`bao login` writes ~/.vault-token), set VAULT_TOKEN, or use AppRole: KEYCASK_TRANSIT_ROLE_ID and KEYCASK_TRANSIT_SECRET_ID_FILE")
        .into())
}

/// The token in `path`, `None` when there is no such file or it is empty.
/// The mode is checked on the file that is then read.
fn read_token_file(path: &std::path::Path) -> Result<Option<Token>, Failure> {
    use std::io::Read as _;
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(None);
    };
    let mode = file.metadata().map(|m| m.permissions().mode()).unwrap_or(0);
    if mode & 0o077 != 0 {
        return Err(Failure::auth(format!(
            "{} is accessible by other users (mode {:04o}); its token is not used",
            path.display(),
            mode & 0o7777
        ))
        .hint(format!(
            "chmod 600 {}, and revoke the token if others could have read it (`bao token revoke -self`)",
            path.display()
        )));
    }
    let mut text = Zeroizing::new(String::new());
    if file.read_to_string(&mut text).is_err() {
        return Ok(None);
    }
    let token = text.trim();
    Ok((!token.is_empty()).then(|| Token(Zeroizing::new(token.to_string()))))
}

/// The env variable naming the AppRole auth mount.
pub(super) const APPROLE_MOUNT_VAR: &str = "KEYCASK_TRANSIT_APPROLE_MOUNT";

/// Where the AppRole auth method is mounted (`auth/MOUNT`): `approle`
/// unless KEYCASK_TRANSIT_APPROLE_MOUNT names another path.
pub(super) fn approle_mount() -> Result<String, Failure> {
    match std::env::var(APPROLE_MOUNT_VAR) {
        Err(_) => Ok("approle".into()),
        Ok(text) => {
            let mount = text.trim_matches('/');
            let mount = mount.strip_prefix("auth/").unwrap_or(mount);
            if mount_ok(mount) {
                Ok(mount.to_string())
            } else {
                Err(Failure::usage(format!(
                    "{APPROLE_MOUNT_VAR} '{}' is not a mount path",
                    untrusted(&text)
                ))
                .hint("the path the AppRole auth method is enabled at, e.g. `ci-approle` for auth/ci-approle (letters, digits, '-', '_', '.', segments joined by '/')"))
            }
        }
    }
}
