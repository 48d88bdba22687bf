//! The Transit root: a key in the Transit engine of OpenBao or HashiCorp
//! Vault, named by its API URL (`transit:https://HOST:8200/v1/transit/keys/NAME`,
//! the form SOPS uses). The service wraps and unwraps the KEK versions with
//! the keyring's KEK AAD as Transit's `associated_data`; the root key never
//! leaves the service. Identity, policy, revocation and audit are the
//! service's, per machine (a token, or an AppRole login).
//!
//! The keyring records the URL only. A KEK version's blob is the ASCII
//! Transit ciphertext (`vault:vN:...`) as returned by `encrypt`.
//!
//! HTTP goes through `ureq` (blocking, rustls). Secrets: the token, the
//! AppRole secret id and the KEK in base64 are held in zeroizing buffers on
//! keycask's side; they never reach argv, `Debug`, errors or the audit log.

mod http;
mod url;

use http::*;
#[allow(unused_imports)]
use url::*;
pub use url::{TransitUrl, ciphertext_version};

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{RootConfig, RootKey};
use crate::error::{Failure, untrusted};
use crate::secret::SecretKey32;

/// The retry budget for 5xx answers and connection errors, in seconds.
pub const RETRY_VAR: &str = "KEYCASK_TRANSIT_RETRY_SECONDS";
const DEFAULT_RETRY: Duration = Duration::from_secs(5);
const MAX_RETRY_SECONDS: u64 = 300;

/// Key types whose encryption takes `associated_data` (AEAD).
pub const AEAD_TYPES: &[&str] = &["aes256-gcm96", "aes128-gcm96", "chacha20-poly1305"];

/// A connection to one Transit key, authenticated, for one command.
pub struct TransitRoot {
    url: TransitUrl,
    agent: ureq::Agent,
    token: Token,
    namespace: Option<String>,
    retry: Duration,
    /// The token's accessor or the AppRole role id, for the audit log.
    identity: String,
    /// `-v`: each retry is reported on stderr.
    verbose: bool,
}

impl fmt::Debug for TransitRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransitRoot")
            .field("url", &self.url.url)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl TransitRoot {
    /// Authenticates to the server of `url` (token or AppRole).
    pub fn open(url: &TransitUrl, verbose: bool) -> Result<Self> {
        let retry = retry_budget()?;
        let agent = agent(url)?;
        let namespace = env_first(&["VAULT_NAMESPACE", "BAO_NAMESPACE"]).map(|(_, v)| v);
        let mut root = TransitRoot {
            url: url.clone(),
            agent,
            token: Token(Zeroizing::new(String::new())),
            namespace,
            retry,
            identity: String::new(),
            verbose,
        };
        if let Ok(role_id) = std::env::var("KEYCASK_TRANSIT_ROLE_ID")
            && !role_id.is_empty()
        {
            root.approle_login(&role_id)?;
        } else {
            root.token = read_token()?;
            root.identity = root.lookup_accessor()?;
        }
        super::set_identity(&root.identity);
        Ok(root)
    }

    /// Opens the root for a new keyring (or `rotate --root --to`): the key
    /// must exist and be of a type whose encryption takes associated data.
    pub fn create(url: &TransitUrl, verbose: bool) -> Result<Self> {
        let root = TransitRoot::open(url, verbose)?;
        root.check_key()?;
        Ok(root)
    }

    fn approle_login(&mut self, role_id: &str) -> Result<()> {
        let mount = approle_mount()?;
        let Some(path) = std::env::var_os("KEYCASK_TRANSIT_SECRET_ID_FILE") else {
            return Err(Failure::usage(
                "KEYCASK_TRANSIT_ROLE_ID is set but KEYCASK_TRANSIT_SECRET_ID_FILE is not",
            )
            .hint("put the AppRole secret id in a 0600 file and name it with KEYCASK_TRANSIT_SECRET_ID_FILE")
            .into());
        };
        let path = std::path::PathBuf::from(path);
        let secret = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| {
            Failure::auth(format!(
                "cannot read the AppRole secret id file {}: {e}",
                path.display()
            ))
        })?);
        let secret_id = secret.trim_end_matches(['\n', '\r']);
        if secret_id.is_empty() {
            return Err(Failure::auth(format!(
                "the AppRole secret id file {} is empty",
                path.display()
            ))
            .into());
        }
        let body = Zeroizing::new(
            serde_json::to_vec(&serde_json::json!({
                "role_id": role_id,
                "secret_id": secret_id,
            }))
            .expect("JSON of two strings"),
        );
        let login_path = format!("auth/{mount}/login");
        let answer = self.send(&Call::Post(&login_path, &body), false)?;
        if answer.status != 200 {
            let text = answer.error_text();
            if answer.status == 400 || answer.status == 403 || answer.status == 404 {
                return Err(Failure::auth(format!(
                    "{} at {} refused the AppRole login of role id {} at auth/{mount}: {text}",
                    product(),
                    self.url.origin,
                    untrusted(role_id)
                ))
                .hint(format!("check KEYCASK_TRANSIT_ROLE_ID and the secret id (a secret id may be used up, expired or revoked), and that AppRole is enabled at auth/{mount} (`bao auth list`; {APPROLE_MOUNT_VAR} names another mount)"))
                .into());
            }
            return Err(self.unexpected(&answer, &login_path).into());
        }
        #[derive(Deserialize)]
        struct Login<'a> {
            #[serde(borrow)]
            auth: LoginAuth<'a>,
        }
        #[derive(Deserialize)]
        struct LoginAuth<'a> {
            client_token: &'a str,
        }
        let login: Login =
            serde_json::from_slice(&answer.body).map_err(|_| self.malformed(&login_path))?;
        self.token = Token(Zeroizing::new(login.auth.client_token.to_string()));
        self.identity = format!("approle role_id {}", untrusted(role_id));
        Ok(())
    }

    /// `token accessor X`, from lookup-self; a token whose policy does not
    /// allow lookup-self is named as such. A server that cannot be reached
    /// fails here (exit 1), before anything else is asked.
    fn lookup_accessor(&self) -> Result<String, Failure> {
        #[derive(Deserialize)]
        struct Lookup {
            data: LookupData,
        }
        #[derive(Deserialize)]
        struct LookupData {
            accessor: String,
        }
        let answer = self.send(&Call::Get("auth/token/lookup-self"), true)?;
        Ok(if answer.status == 200 {
            serde_json::from_slice::<Lookup>(&answer.body)
                .map(|l| format!("token accessor {}", untrusted(&l.data.accessor)))
                .unwrap_or_else(|_| "token (accessor unknown)".into())
        } else {
            "token (accessor unknown: lookup-self not allowed)".into()
        })
    }

    /// Reads the key's description; refuses a missing key and a key type
    /// that cannot encrypt with associated data (exit 4). A token that may
    /// not read the key skips this check (encrypt reports the same).
    fn check_key(&self) -> Result<()> {
        let path = format!("{}/keys/{}", self.url.mount, self.url.name);
        let answer = self.send(&Call::Get(&path), true)?;
        match answer.status {
            200 => {}
            403 => return Ok(()),
            404 => return Err(self.missing_key().into()),
            _ => return Err(self.unexpected(&answer, &path).into()),
        }
        #[derive(Deserialize)]
        struct Key {
            data: KeyData,
        }
        #[derive(Deserialize)]
        struct KeyData {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            supports_encryption: bool,
            #[serde(default)]
            derived: bool,
        }
        let key: Key = serde_json::from_slice(&answer.body).map_err(|_| self.malformed(&path))?;
        if !AEAD_TYPES.contains(&key.data.kind.as_str()) || !key.data.supports_encryption {
            return Err(Failure::key_unusable(format!(
                "the Transit key '{}' is of type {}, which cannot encrypt with associated data",
                self.url.name,
                untrusted(&key.data.kind)
            ))
            .hint(format!(
                "keycask needs an AEAD key: bao write -f {}/keys/NEW-NAME type=aes256-gcm96 (or aes128-gcm96, chacha20-poly1305)",
                self.url.mount
            ))
            .into());
        }
        if key.data.derived {
            return Err(Failure::key_unusable(format!(
                "the Transit key '{}' is a derived key (it needs a context per request), which keycask does not use",
                self.url.name
            ))
            .hint(format!(
                "make a key without derivation: bao write -f {}/keys/NEW-NAME type=aes256-gcm96",
                self.url.mount
            ))
            .into());
        }
        Ok(())
    }

    fn missing_key(&self) -> Failure {
        Failure::key_unusable(format!(
            "there is no Transit key '{}' at {}",
            self.url.name, self.url.url
        ))
        .hint(format!(
            "create it: bao write -f {}/keys/{} type=aes256-gcm96 (is the mount path right?)",
            self.url.mount, self.url.name
        ))
    }

    fn malformed(&self, path: &str) -> Failure {
        Failure::other(format!(
            "{} at {} gave an answer keycask cannot read for {path}",
            product(),
            self.url.origin
        ))
    }

    fn unexpected(&self, answer: &Answer, path: &str) -> Failure {
        Failure::other(format!(
            "{} at {} answered {} for {path}: {}",
            product(),
            self.url.origin,
            answer.status,
            answer.error_text()
        ))
    }

    /// A 403: the token's policy does not allow `op`, or the token is
    /// revoked or expired (the server does not say which).
    fn denied(&self, op: &str) -> Failure {
        Failure::auth(format!(
            "{} at {} denied {op} with the Transit key '{}': permission denied (the token lacks the capability, or is revoked or expired)",
            product(),
            self.url.origin,
            self.url.name
        ))
        .hint(format!(
            "the token or AppRole needs a policy with capability `update` on `{}`; a revoked or expired token must be replaced (VAULT_TOKEN, BAO_TOKEN, ~/.vault-token or AppRole)",
            self.url.policy_path(op)
        ))
    }

    /// Sends one request, retrying connection errors and 5xx answers with
    /// backoff within the retry budget (never 4xx).
    fn send(&self, call: &Call<'_>, with_token: bool) -> Result<Answer, Failure> {
        let path = match call {
            Call::Get(p) | Call::Post(p, _) => *p,
        };
        let url = self.url.api(path);
        let deadline = Instant::now() + self.retry;
        let mut delay = Duration::from_millis(100);
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let outcome = self.send_once(call, &url, with_token);
            // A standby redirects to the active node while it cannot
            // forward (an election): not followed (the token would go to a
            // server the URL does not name), but retried like a 5xx.
            let retryable = match &outcome {
                Ok(answer) => answer.status >= 500 || (300..400).contains(&answer.status),
                Err(e) => transient(e),
            };
            let now = Instant::now();
            if self.verbose && attempts > 1 && !retryable {
                crate::stderr_line!("keycask: transit: {url}: answered on attempt {attempts}");
            }
            if !retryable || now + delay > deadline {
                return match outcome {
                    Ok(answer) if answer.status >= 500 => Err(Failure::other(format!(
                        "{} at {} is not available: {} {}{}",
                        product(),
                        self.url.url,
                        answer.status,
                        answer.error_text(),
                        tried(attempts)
                    ))
                    .hint("is the server sealed, or a standby without an active leader? `bao status` tells; the keyring was not changed")),
                    Ok(answer) if answer.status >= 300 && answer.status < 400 => Err(Failure::other(format!(
                        "{} at {} redirects to another node (a standby that cannot reach its active node?){}",
                        product(),
                        self.url.url,
                        tried(attempts)
                    ))
                    .hint("keycask does not follow redirects (the token would go to a server the URL does not name): point the URL at the active node or a load balancer; the keyring was not changed")),
                    Ok(answer) => Ok(answer),
                    Err(e) => Err(Failure::other(format!(
                        "cannot reach {} at {}: {}{}",
                        product(),
                        self.url.url,
                        untrusted(&e.to_string()),
                        tried(attempts)
                    ))
                    .hint(format!(
                        "is the server running and the URL right? TLS: VAULT_CACERT names the CA; {RETRY_VAR} sets the retry time; the keyring was not changed"
                    ))),
                };
            }
            if self.verbose {
                let why = match &outcome {
                    Ok(answer) if answer.status < 400 => format!(
                        "{} redirect (a standby without an active node?)",
                        answer.status
                    ),
                    Ok(answer) => format!("{} {}", answer.status, answer.error_text()),
                    Err(e) => untrusted(&e.to_string()),
                };
                crate::stderr_line!(
                    "keycask: transit: {url}: {why}; retrying in {} ms (attempt {attempts})",
                    delay.as_millis()
                );
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    fn send_once(
        &self,
        call: &Call<'_>,
        url: &str,
        with_token: bool,
    ) -> Result<Answer, ureq::Error> {
        let token = with_token.then(|| self.token.0.as_str());
        macro_rules! headers {
            ($req:expr) => {{
                let mut req = $req.header("X-Vault-Request", "true");
                if let Some(token) = token {
                    req = req.header("X-Vault-Token", token);
                }
                if let Some(ns) = &self.namespace {
                    req = req.header("X-Vault-Namespace", ns.as_str());
                }
                req
            }};
        }
        let mut response = match call {
            Call::Get(_) => headers!(self.agent.get(url)).call()?,
            Call::Post(_, body) => headers!(self.agent.post(url))
                .header("Content-Type", "application/json")
                .send(*body)?,
        };
        let status = response.status().as_u16();
        let body = Zeroizing::new(
            response
                .body_mut()
                .with_config()
                .limit(1 << 20)
                .read_to_vec()?,
        );
        Ok(Answer { status, body })
    }

    fn encrypt(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        let mut plaintext = Zeroizing::new(String::with_capacity(44));
        B64.encode_string(kek.expose_secret(), &mut plaintext);
        let answer = self.post_with_aad("encrypt", "plaintext", &plaintext, aad)?;
        let path = self.url.policy_path("encrypt");
        #[derive(Deserialize)]
        struct Encrypted {
            data: EncryptedData,
        }
        #[derive(Deserialize)]
        struct EncryptedData {
            ciphertext: String,
        }
        let encrypted: Encrypted =
            serde_json::from_slice(&answer.body).map_err(|_| self.malformed(&path))?;
        let ciphertext = encrypted.data.ciphertext.into_bytes();
        if ciphertext_version(&ciphertext).is_none() {
            return Err(self.malformed(&path).into());
        }
        Ok(ciphertext)
    }

    /// A 4xx other than 403 from encrypt or decrypt.
    /// POSTs `{"FIELD":"VALUE","associated_data":"AAD"}` to the key's
    /// `OP` endpoint (the body in zeroized memory: it may hold the KEK);
    /// an answer other than 200 becomes the error that names what to do.
    fn post_with_aad(&self, op: &str, field: &str, value: &str, aad: &[u8]) -> Result<Answer> {
        let mut body = Zeroizing::new(String::with_capacity(value.len() + aad.len() * 2 + 64));
        body.push_str("{\"");
        body.push_str(field);
        body.push_str("\":\"");
        body.push_str(value);
        body.push_str("\",\"associated_data\":\"");
        B64.encode_string(aad, &mut body);
        body.push_str("\"}");
        let path = self.url.policy_path(op);
        let answer = self.send(&Call::Post(&path, body.as_bytes()), true)?;
        match answer.status {
            200 => Ok(answer),
            403 => Err(self.denied(op).into()),
            _ => Err(self.refused(&answer, &path).into()),
        }
    }

    fn refused(&self, answer: &Answer, path: &str) -> Failure {
        let text = answer.error_text();
        let lower = text.to_ascii_lowercase();
        if lower.contains("key not found") || (answer.status == 404 && !lower.contains("route")) {
            self.missing_key()
        } else if answer.status == 404 || lower.contains("no handler for route") {
            Failure::key_unusable(format!(
                "there is no Transit engine at '{}' on {}",
                self.url.mount, self.url.origin
            ))
            .hint("check the mount path in the URL (…/v1/MOUNT/keys/NAME): `bao secrets list`")
        } else if lower.contains("non-aead")
            || lower.contains("does not support encryption")
            || lower.contains("not supported")
            || lower.contains("derived")
            || lower.contains("context")
        {
            Failure::key_unusable(format!(
                "the Transit key '{}' cannot encrypt with associated data: {text}",
                self.url.name
            ))
            .hint(format!(
                "keycask needs an AEAD key without derivation: bao write -f {}/keys/NEW-NAME type=aes256-gcm96",
                self.url.mount
            ))
        } else if lower.contains("authentication failed")
            || lower.contains("disallowed by policy")
            || lower.contains("invalid ciphertext")
            || lower.contains("invalid key version")
            || lower.contains("decryption")
        {
            Failure::auth(format!(
                "the Transit key '{}' could not decrypt the KEK: {text}",
                self.url.name
            ))
            .hint("the keyring's KEK was made by another key, or was moved or changed; a key version below min_decryption_version or trimmed also fails")
        } else {
            self.unexpected(answer, path)
        }
    }
}

impl RootKey for TransitRoot {
    fn config(&self) -> RootConfig {
        RootConfig::Transit {
            url: self.url.url.clone(),
        }
    }

    fn wrap_kek(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        self.encrypt(kek, aad)
    }

    fn unwrap_kek(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        let ciphertext = std::str::from_utf8(wrapped)
            .ok()
            .filter(|c| ciphertext_version(c.as_bytes()).is_some() && !c.contains(['"', '\\']))
            .ok_or_else(|| {
                Failure::keyring(
                    "the keyring failed its integrity check: a KEK version is not a Transit ciphertext",
                )
            })?;
        let answer = self.post_with_aad("decrypt", "ciphertext", ciphertext, aad)?;
        let path = self.url.policy_path("decrypt");
        #[derive(Deserialize)]
        struct Decrypted<'a> {
            #[serde(borrow)]
            data: DecryptedData<'a>,
        }
        #[derive(Deserialize)]
        struct DecryptedData<'a> {
            plaintext: &'a str,
        }
        let decrypted: Decrypted =
            serde_json::from_slice(&answer.body).map_err(|_| self.malformed(&path))?;
        let plain = Zeroizing::new(
            B64.decode(decrypted.data.plaintext)
                .map_err(|_| self.malformed(&path))?,
        );
        SecretKey32::from_slice(&plain).ok_or_else(|| {
            Failure::auth(format!(
                "the Transit key '{}' decrypted a KEK of {} bytes, not 32",
                self.url.name,
                plain.len()
            ))
            .hint("the keyring's KEK version was replaced by another ciphertext of this key")
            .into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TransitUrl, Failure> {
        text.parse()
    }

    #[test]
    fn parses_the_sops_form() {
        let url = parse("transit:https://bao.internal:8200/v1/transit/keys/keycask-root").unwrap();
        assert_eq!(
            url.url,
            "https://bao.internal:8200/v1/transit/keys/keycask-root"
        );
        assert_eq!(url.mount, "transit");
        assert_eq!(url.name, "keycask-root");
        assert_eq!(
            url.api("transit/decrypt/keycask-root"),
            "https://bao.internal:8200/v1/transit/decrypt/keycask-root"
        );
        assert_eq!(url.policy_path("decrypt"), "transit/decrypt/keycask-root");
        let nested = parse("transit:https://h/v1/team/transit/keys/k").unwrap();
        assert_eq!(nested.mount, "team/transit");
        let v6 = parse("transit:http://[::1]:8200/v1/transit/keys/k").unwrap();
        assert!(v6.loopback);
    }

    #[test]
    fn refuses_bad_urls() {
        for bad in [
            "transit:ftp://h/v1/transit/keys/k",
            "transit:https://h/transit/keys/k",
            "transit:https://h/v1/transit/k",
            "transit:https://h/v1/transit/keys/",
            "transit:https://h/v1/keys/k",
            "transit:https://h/v1/transit/keys/a/b",
            "transit:https://user:pw@h/v1/transit/keys/k",
            "transit:https://h/v1/transit/keys/k?x=1",
            "transit:https://h:port/v1/transit/keys/k",
            "transit:https:///v1/transit/keys/k",
            "transit:https://h/v1/../keys/k",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(parse("transit:http://127.0.0.1:8200/v1/transit/keys/k").is_ok());
        assert!(parse("transit:http://localhost:8200/v1/transit/keys/k").is_ok());
        let err = parse("transit:http://bao.internal:8200/v1/transit/keys/k").unwrap_err();
        assert!(err.message.contains("plain http"), "{}", err.message);
    }

    #[test]
    fn ciphertext_versions() {
        assert_eq!(ciphertext_version(b"vault:v3:abc"), Some(3));
        assert_eq!(ciphertext_version(b"vault:x3:abc"), None);
        assert_eq!(ciphertext_version(b"\xff"), None);
    }

    #[test]
    fn debug_shows_no_token() {
        let token = Token(Zeroizing::new("s.secret-token".into()));
        assert!(!format!("{token:?}").contains("secret"));
    }
}
