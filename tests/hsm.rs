//! The PKCS#11 root against a real SoftHSM2 token. Every test makes its own
//! token in its own folder with its own SOFTHSM2_CONF, so no system token is
//! touched. `KEYCASK_SKIP_HSM=1` skips these tests explicitly; otherwise a
//! missing SoftHSM2 fails them with the install hint.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::util::{Run, TestDir};

const PIN: &str = "314159";
const SO_PIN: &str = "271828";
const TOKEN: &str = "keycask";

const MODULE_CANDIDATES: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
];

/// A SoftHSM2 token of the test's own, in the test's folder.
pub(crate) struct Hsm<'a> {
    t: &'a TestDir,
    conf: PathBuf,
    module: PathBuf,
    pin_file: PathBuf,
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

/// SoftHSM2 with a fresh token labelled `keycask`, or `None` when the run
/// asked to skip HSM tests with KEYCASK_SKIP_HSM=1.
pub(crate) fn hsm(t: &TestDir) -> Option<Hsm<'_>> {
    if std::env::var("KEYCASK_SKIP_HSM").as_deref() == Ok("1") {
        eprintln!("KEYCASK_SKIP_HSM=1: skipping a SoftHSM2 test");
        return None;
    }
    let module = MODULE_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    let (Some(module), true, true) = (module, on_path("softhsm2-util"), on_path("pkcs11-tool"))
    else {
        panic!(
            "SoftHSM2 and OpenSC are needed by the HSM tests: run `make test-deps` as root \
             (apt-get install softhsm2 opensc), or set KEYCASK_SKIP_HSM=1 to skip them explicitly"
        );
    };
    let hsm = Hsm::with_token_dir(t, module, "tokens");
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &hsm.conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            PIN,
            "--so-pin",
            SO_PIN,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "softhsm2-util: {out:?}");
    std::fs::write(&hsm.pin_file, format!("{PIN}\n")).unwrap();
    std::fs::set_permissions(&hsm.pin_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    Some(hsm)
}

impl<'a> Hsm<'a> {
    /// A SOFTHSM2_CONF whose token folder is `dir` inside the test folder.
    fn with_token_dir(t: &'a TestDir, module: PathBuf, dir: &str) -> Hsm<'a> {
        let tokens = t.join(dir);
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = t.join(&format!("softhsm2-{dir}.conf"));
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        Hsm {
            t,
            conf,
            module,
            pin_file: t.join("hsm-pin"),
        }
    }

    /// The same module with no token at all: the HSM is gone.
    fn removed(&self) -> Hsm<'a> {
        Hsm::with_token_dir(self.t, self.module.clone(), "no-tokens")
    }

    /// The full URI of an object in the test token, with module and PIN file.
    pub(crate) fn uri(&self, object: &str) -> String {
        format!(
            "pkcs11:token={TOKEN};object={object}?module-path={}&pin-source=file:{}",
            self.module.display(),
            self.pin_file.display()
        )
    }

    pub(crate) fn command(&self) -> Command {
        let mut cmd = self.t.command();
        cmd.env("SOFTHSM2_CONF", &self.conf);
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        self.t.run_with(self.command(), args, None)
    }

    fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.t.run_with(self.command(), args, Some(stdin))
    }

    fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd = self.command();
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.t.run_with(cmd, args, None)
    }

    /// `pkcs11-tool` on the test token, logged in.
    fn tool(&self, args: &[&str]) -> Output {
        let out = Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &self.conf)
            .arg("--module")
            .arg(&self.module)
            .args(["--login", "--pin", PIN])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pkcs11-tool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The `--list-objects` paragraph of the object labelled `label`.
    fn object_listing(&self, label: &str) -> String {
        let out = self.tool(&["--list-objects"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut blocks: Vec<String> = Vec::new();
        for line in text.lines() {
            if line.contains(" Object;") || blocks.is_empty() {
                blocks.push(String::new());
            }
            let block = blocks.last_mut().expect("pushed above");
            block.push_str(line);
            block.push('\n');
        }
        blocks
            .into_iter()
            .find(|block| block.contains(&format!("label:      {label}\n")))
            .unwrap_or_else(|| panic!("no object {label} in:\n{text}"))
    }

    fn count_objects(&self, label: &str) -> usize {
        let out = self.tool(&["--list-objects"]);
        String::from_utf8_lossy(&out.stdout)
            .matches(&format!("label:      {label}\n"))
            .count()
    }

    /// Acts on the test token with the cryptoki crate, for what pkcs11-tool
    /// cannot do: make an AES key with CKA_WRAP (or CKA_ENCRYPT...) false,
    /// or set an attribute of an existing key. Each step is `generate LABEL
    /// ATTR=0|1...` or `set LABEL ATTR=0|1...`. It runs in a process of its
    /// own (this test binary again, running only [`token_helper`]):
    /// SoftHSM2 reads SOFTHSM2_CONF once per process, and the tests of this
    /// binary run side by side in threads, each with its own token.
    fn token(&self, steps: &[&str]) {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["hsm::token_helper", "--exact", "--ignored", "--nocapture"])
            .env("SOFTHSM2_CONF", &self.conf)
            .env("KEYCASK_TEST_TOKEN_MODULE", &self.module)
            .env("KEYCASK_TEST_TOKEN_STEPS", steps.join(";"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "token helper {steps:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn init(&self, object: &str) -> Run {
        self.run(&["init", "--root", &self.uri(object)]).ok()
    }
}

fn kek_blob(t: &TestDir) -> Vec<u8> {
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    B64.decode(doc["kek"]["versions"][0]["wrapped"].as_str().unwrap())
        .unwrap()
}

/// Every file under `dir`, except the token store.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.contains("tokens") {
                files_under(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

#[test]
fn hsm_rooted_keyring_lifecycle() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    let init = hsm
        .run(&["--json", "init", "--root", &hsm.uri("keycask-root")])
        .ok();
    assert!(
        init.json()["root"]
            .as_str()
            .unwrap()
            .starts_with("PKCS#11 pkcs11:token=keycask;object=keycask-root")
    );
    // The PIN file the URI names is never an output.
    let pin = hsm.pin_file.display().to_string();
    hsm.run(&["keygen", "pin-guard"]).ok();
    hsm.run_stdin(&["wrap", "-k", "pin-guard", "-o", &pin], b"data")
        .fails(2, "that is the PIN file of the keyring's root");

    // The root was generated in the token: AES-256, sensitive, never
    // extractable, allowed to encrypt/decrypt only.
    let listing = hsm.object_listing("keycask-root");
    assert!(listing.contains("AES length 32"), "{listing}");
    assert!(
        listing.contains("Usage:      encrypt, decrypt\n"),
        "{listing}"
    );
    assert!(
        listing.contains("Access:     sensitive, always sensitive, never extractable, local"),
        "{listing}"
    );

    // The keyring records the URI, and the KEK blob is an AES-GCM blob made
    // by the token: tag 1, a 12-byte IV, 32 bytes of KEK and a 16-byte tag.
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["root"]["kind"], "pkcs11");
    assert_eq!(doc["root"]["uri"], hsm.uri("keycask-root").as_str());
    let blob = kek_blob(&t);
    assert_eq!((blob[0], blob.len()), (1, 1 + 12 + 32 + 16));

    hsm.run(&["keygen", "backups"]).ok();
    hsm.run(&["keygen", "release", "--type", "p256", "--purpose", "sign"])
        .ok();
    hsm.run(&["list"])
        .ok()
        .stdout_has("backups")
        .stdout_has("release");
    let show = hsm.run(&["show", "backups", "--json"]).ok().json();
    assert_eq!(show["primary"], 1);
    assert_eq!(show["versions"][0]["kek_version"], 1);

    // A second keyring naming the same object adopts it: no new object.
    let other = t.join("other.json");
    hsm.run(&[
        "--keyring",
        other.to_str().unwrap(),
        "init",
        "--root",
        &hsm.uri("keycask-root"),
    ])
    .ok();
    assert_eq!(hsm.count_objects("keycask-root"), 1);
    hsm.run(&["--keyring", other.to_str().unwrap(), "keygen", "k"])
        .ok();
}

#[test]
fn the_root_never_leaves_the_token() {
    // A key whose bytes the test knows was imported, so its
    // CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE are false, and it is
    // not adopted (before issue 13 it was, and this test looked for its
    // bytes in what keycask wrote). Then a root generated in the token:
    // the known bytes are in no file keycask wrote, raw, hex or base64, and
    // the new root cannot be read out of the token.
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    let secret: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let key_file = t.join("tokens").join("known-aes.bin");
    std::fs::write(&key_file, &secret).unwrap();
    hsm.tool(&[
        "--write-object",
        key_file.to_str().unwrap(),
        "--type",
        "secrkey",
        "--key-type",
        "AES:32",
        "--label",
        "known-root",
        "--sensitive",
        "--private",
        "--usage-decrypt",
    ]);
    std::fs::remove_file(&key_file).unwrap();
    hsm.run(&["init", "--root", &hsm.uri("known-root")])
        .fails(5, "CKA_ALWAYS_SENSITIVE is not true");
    assert!(!t.keyring().exists());
    assert_eq!(hsm.count_objects("known-root"), 1, "nothing generated");
    hsm.init("new-root");
    hsm.run(&["keygen", "backups"]).ok();
    hsm.run(&["keygen", "signer", "--type", "p256"]).ok();

    let mut files = Vec::new();
    files_under(t.path(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("keyring.json")));
    let needles = [
        secret.clone(),
        hex::encode(&secret).into_bytes(),
        B64.encode(&secret).into_bytes(),
    ];
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for needle in &needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{} contains the root key",
                file.display()
            );
        }
    }
    // And the root cannot be read out of the token, nor ever could.
    let listing = hsm.object_listing("new-root");
    assert!(
        listing.contains("Access:     sensitive, always sensitive, never extractable, local"),
        "{listing}"
    );
}

#[test]
fn key_wrap_mechanism_for_wrap_only_keys() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    hsm.run_env(
        &[("KEYCASK_PKCS11_MECHANISM", "aes-key-wrap")],
        &["init", "--root", &hsm.uri("wrap-root")],
    )
    .ok();
    let listing = hsm.object_listing("wrap-root");
    assert!(listing.contains("Usage:      wrap, unwrap\n"), "{listing}");
    assert!(listing.contains("never extractable"), "{listing}");
    let blob = kek_blob(&t);
    // CKM_AES_KEY_WRAP_PAD (tag 2) or CKM_AES_KEY_WRAP (tag 3) of 64 bytes:
    // the KEK and the hash of its AAD, plus the 8-byte integrity block.
    assert!([2, 3].contains(&blob[0]), "tag {}", blob[0]);
    assert_eq!(blob.len(), 1 + 64 + 8);
    hsm.run(&["keygen", "backups"]).ok();
    hsm.run(&["show", "backups"]).ok();
    // A new KEK is wrapped the same way, in the unlocking session.
    hsm.run(&["rotate", "--kek"]).ok();
    let blob = kek_blob(&t);
    assert!([2, 3].contains(&blob[0]), "tag {}", blob[0]);
    let sealed = hsm.run_stdin(&["wrap", "-k", "backups"], b"kw").ok();
    let opened = hsm.run_stdin(&["unwrap"], &sealed.output.stdout).ok();
    assert_eq!(opened.output.stdout, b"kw");
    // No session objects are left behind.
    let out = hsm.tool(&["--list-objects"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("Object;")
            .count(),
        1
    );

    // A changed blob is refused.
    let before = t.keyring_bytes();
    let text = String::from_utf8(before.clone()).unwrap();
    let wrapped = B64.encode(&blob);
    let mut changed = blob.clone();
    changed[20] ^= 1;
    std::fs::write(t.keyring(), text.replace(&wrapped, &B64.encode(&changed))).unwrap();
    hsm.run(&["keygen", "x"]).fails(3, "does not open its KEK");

    hsm.run_env(
        &[("KEYCASK_PKCS11_MECHANISM", "des")],
        &["--keyring", "k2.json", "init", "--root", &hsm.uri("r2")],
    )
    .fails(2, "KEYCASK_PKCS11_MECHANISM");
}

#[test]
fn a_wrong_pin_exits_3_once_and_does_not_lock_the_token() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    hsm.init("keycask-root");
    let before = t.keyring_bytes();
    std::fs::write(t.join("bad-pin"), "000000\n").unwrap();
    hsm.run(&["--pin-file", "bad-pin", "keygen", "k"])
        .fails(3, "wrong PIN for token 'keycask'");
    hsm.run_env(&[("KEYCASK_PIN", "999999")], &["keygen", "k"])
        .fails(3, "wrong PIN");
    assert_eq!(t.keyring_bytes(), before);
    // The token's counters are its own business: not locked, the right PIN
    // still opens it.
    let out = Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &hsm.conf)
        .arg("--module")
        .arg(&hsm.module)
        .arg("-L")
        .output()
        .unwrap();
    let slots = String::from_utf8_lossy(&out.stdout);
    assert!(!slots.to_lowercase().contains("locked"), "{slots}");
    hsm.run(&["keygen", "k"]).ok();
}

#[test]
fn pin_sources_in_their_order() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    // A URI without pin-source: the PIN must come from elsewhere.
    let uri = format!(
        "pkcs11:token={TOKEN};object=root?module-path={}",
        hsm.module.display()
    );
    let good = hsm.pin_file.to_str().unwrap();
    std::fs::write(t.join("bad-pin"), "000000").unwrap();

    // No source and no terminal: a clear error, not a hang; nothing created.
    hsm.run(&["init", "--root", &uri])
        .fails(2, "no PIN given for the PKCS#11 token and no terminal");
    assert!(!t.keyring().exists());
    assert_eq!(hsm.count_objects("root"), 0);

    hsm.run(&["--pin-file", good, "init", "--root", &uri]).ok();
    // --pin-file beats KEYCASK_PIN_FILE and KEYCASK_PIN.
    hsm.run_env(
        &[("KEYCASK_PIN_FILE", "bad-pin"), ("KEYCASK_PIN", "000000")],
        &["--pin-file", good, "keygen", "a"],
    )
    .ok();
    hsm.run_env(
        &[("KEYCASK_PIN", PIN)],
        &["--pin-file", "bad-pin", "keygen", "b"],
    )
    .fails(3, "wrong PIN");
    // KEYCASK_PIN_FILE beats KEYCASK_PIN.
    hsm.run_env(
        &[("KEYCASK_PIN_FILE", good), ("KEYCASK_PIN", "000000")],
        &["keygen", "c"],
    )
    .ok();
    hsm.run_env(&[("KEYCASK_PIN", PIN)], &["keygen", "d"]).ok();
    // A missing or empty PIN file is a usage error naming the source.
    hsm.run(&["--pin-file", "nope", "keygen", "e"])
        .fails(2, "cannot read the PIN file nope (--pin-file)");
    std::fs::write(t.join("empty"), "\n").unwrap();
    hsm.run_env(&[("KEYCASK_PIN_FILE", "empty")], &["keygen", "e"])
        .fails(2, "is empty");
    hsm.run(&["list"])
        .ok()
        .stdout_has("a")
        .stdout_has("c")
        .stdout_has("d");

    // The URI's pin-source comes after the environment.
    let with_source = hsm.uri("root");
    hsm.run_env(
        &[("KEYCASK_PIN", "000000")],
        &["--keyring", "k2.json", "init", "--root", &with_source],
    )
    .fails(3, "wrong PIN");
    hsm.run(&["--keyring", "k2.json", "init", "--root", &with_source])
        .ok();
}

#[test]
fn a_pin_in_the_uri_is_refused_and_never_stored() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    let uri = format!(
        "pkcs11:token={TOKEN};object=root?module-path={}&pin-value={PIN}",
        hsm.module.display()
    );
    let run = hsm.run(&["init", "--root", &uri]).fails(2, "pin-value");
    assert!(!run.stderr().contains(PIN));
    assert!(!t.keyring().exists());
    hsm.init("root");
    let text = String::from_utf8(t.keyring_bytes()).unwrap();
    assert!(!text.contains(PIN));
    assert!(!text.contains("pin-value"));
}

#[test]
fn the_module_comes_from_the_uri_the_flag_or_the_environment() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    let module = hsm.module.to_str().unwrap();
    let bare = format!("pkcs11:token={TOKEN};object=root");
    let pin = hsm.pin_file.to_str().unwrap();
    hsm.run(&["--pin-file", pin, "init", "--root", &bare])
        .fails(2, "no PKCS#11 module");
    assert!(!t.keyring().exists());
    hsm.run(&[
        "--pin-file",
        pin,
        "--pkcs11-module",
        module,
        "init",
        "--root",
        &bare,
    ])
    .ok();
    hsm.run_env(
        &[("KEYCASK_PKCS11_MODULE", module)],
        &["--pin-file", pin, "keygen", "a"],
    )
    .ok();
    hsm.run(&["--pin-file", pin, "keygen", "b"])
        .fails(2, "no PKCS#11 module");
}

#[test]
fn bad_modules_give_one_line_and_exit_5() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    hsm.init("keycask-root");
    let before = t.keyring_bytes();
    std::fs::write(t.join("not-a-library.so"), "just text\n").unwrap();
    let mut cases = vec![
        ("/nonexistent/libpkcs11.so".to_string(), "no such file"),
        (
            t.join("not-a-library.so").display().to_string(),
            "not a shared library",
        ),
    ];
    // A real shared library that is not a PKCS#11 module.
    if let Some(lib) = [
        "/lib/x86_64-linux-gnu/libz.so.1",
        "/usr/lib/x86_64-linux-gnu/libz.so.1",
        "/lib/aarch64-linux-gnu/libz.so.1",
        "/lib/x86_64-linux-gnu/libc.so.6",
    ]
    .iter()
    .find(|p| Path::new(p).exists())
    {
        cases.push((lib.to_string(), "not a PKCS#11 library"));
    }
    for (module, needle) in &cases {
        let run = hsm
            .run(&["--pkcs11-module", module, "keygen", "k"])
            .fails(5, needle);
        assert_eq!(run.stderr().lines().count(), 2, "{}", run.stderr());
        assert!(run.stderr().contains("hint: give the module"));
        // And at init, nothing is created.
        let uri = format!("pkcs11:token={TOKEN};object=r?module-path={module}");
        hsm.run(&[
            "--keyring",
            "new.json",
            "--pin-file",
            "hsm-pin",
            "init",
            "--root",
            &uri,
        ])
        .fails(5, needle);
        assert!(!t.join("new.json").exists());
    }
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn missing_token_or_object_exits_5_and_leaves_the_keyring() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    let wrong_token = hsm.uri("r").replace("token=keycask", "token=elsewhere");
    hsm.run(&["init", "--root", &wrong_token])
        .fails(5, "no token labelled 'elsewhere'")
        .stderr_has("its tokens: keycask");
    assert!(!t.keyring().exists());

    hsm.init("keycask-root");
    hsm.run(&["keygen", "backups"]).ok();
    let before = t.keyring_bytes();

    // The HSM is gone: the same module finds no token.
    let removed = hsm.removed();
    removed
        .run(&["keygen", "k"])
        .fails(5, "no token labelled 'keycask'")
        .stderr_has("no initialised token");
    assert_eq!(t.keyring_bytes(), before);
    assert!(t.temp_files().is_empty());
    // Metadata needs no unlock.
    removed.run(&["list"]).ok().stdout_has("backups");

    // Someone deleted the root object: a clear error, nothing changed.
    hsm.tool(&[
        "--delete-object",
        "--type",
        "secrkey",
        "--label",
        "keycask-root",
    ]);
    hsm.run(&["keygen", "k"])
        .fails(5, "no PKCS#11 object 'keycask-root' in token 'keycask'");
    assert_eq!(t.keyring_bytes(), before);
}

#[test]
fn objects_that_are_not_a_safe_aes_256_key_are_refused() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    hsm.tool(&[
        "--keypairgen",
        "--key-type",
        "rsa:2048",
        "--label",
        "rsa-key",
    ]);
    hsm.run(&["init", "--root", &hsm.uri("rsa-key")])
        .fails(5, "is an RSA p")
        .stderr_has("key, not an AES-256 secret key");
    hsm.tool(&[
        "--keygen",
        "--key-type",
        "AES:16",
        "--label",
        "aes-128",
        "--sensitive",
    ]);
    hsm.run(&["init", "--root", &hsm.uri("aes-128")])
        .fails(5, "not an AES-256 secret key");
    hsm.tool(&[
        "--keygen",
        "--key-type",
        "AES:32",
        "--label",
        "exportable",
        "--sensitive",
        "--extractable",
    ]);
    hsm.run(&["init", "--root", &hsm.uri("exportable")])
        .fails(5, "CKA_EXTRACTABLE is not false");
    for label in ["twin", "twin"] {
        hsm.tool(&[
            "--keygen",
            "--key-type",
            "AES:32",
            "--label",
            label,
            "--sensitive",
        ]);
    }
    hsm.run(&["init", "--root", &hsm.uri("twin")])
        .fails(5, "2 AES-256 keys match")
        .stderr_has("id=");
    assert!(!t.keyring().exists());
    // Nothing was generated under any of those labels.
    assert_eq!(hsm.count_objects("rsa-key"), 2);
    assert_eq!(hsm.count_objects("exportable"), 1);
}

#[test]
fn a_changed_kek_blob_or_uri_is_refused() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    hsm.init("keycask-root");
    hsm.run(&["keygen", "backups"]).ok();
    let before = String::from_utf8(t.keyring_bytes()).unwrap();
    let blob = kek_blob(&t);
    for i in [0usize, 5, 20, blob.len() - 1] {
        let mut changed = blob.clone();
        changed[i] ^= 0x01;
        std::fs::write(
            t.keyring(),
            before.replace(&B64.encode(&blob), &B64.encode(&changed)),
        )
        .unwrap();
        if i == 0 {
            // The mechanism tag: 0x00 names no mechanism.
            hsm.run(&["keygen", "k"])
                .fails(5, "a KEK version is malformed");
        } else {
            hsm.run(&["keygen", "k"]).fails(3, "does not open its KEK");
        }
        assert!(t.temp_files().is_empty());
    }
    // A blob moved to another KEK version is refused by its AAD.
    let mut doc: serde_json::Value = serde_json::from_str(&before).unwrap();
    doc["kek"]["versions"][0]["version"] = 2.into();
    doc["kek"]["primary"] = 2.into();
    std::fs::write(t.keyring(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    hsm.run(&["keygen", "k"]).fails(3, "does not open its KEK");
    std::fs::write(t.keyring(), &before).unwrap();
    hsm.run(&["keygen", "k"]).ok();
    // A stored URI with a pin-value is refused, not used.
    let text = String::from_utf8(t.keyring_bytes()).unwrap();
    std::fs::write(
        t.keyring(),
        text.replace("&pin-source=", "&pin-value=1234&pin-source="),
    )
    .unwrap();
    hsm.run(&["keygen", "z"])
        .fails(5, "the keyring's root URI is unusable");
}

#[test]
fn bad_uris_are_usage_errors() {
    let t = TestDir::new();
    for (uri, needle) in [
        ("pkcs11:token=keycask", "names no object"),
        ("pkcs11:object=a;object=b", "given twice"),
        ("pkcs11:object=a%zz", "percent-encoding"),
        (
            "pkcs11:object=a;colour=blue",
            "unsupported attribute 'colour'",
        ),
        ("pkcs11:object=a?pin-source=|cat", "must be a file"),
    ] {
        t.run(&["init", "--root", uri]).fails(2, needle);
        assert!(!t.keyring().exists());
    }
}

/// Runs keycask at a pseudo-terminal (util-linux `script`), typing `typed`
/// once the prompt had time to appear. Returns (exit code, terminal output).
fn at_terminal(hsm: &Hsm, args: &str, typed: &str) -> (i32, String) {
    let keycask = assert_cmd::cargo::cargo_bin!("keycask");
    let mut cmd = Command::new("sh");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KEYCASK_") {
            cmd.env_remove(&name);
        }
    }
    let out = cmd
        .env("KEYCASK_KEYRING", hsm.t.keyring())
        .env("SOFTHSM2_CONF", &hsm.conf)
        .env("HOME", hsm.t.path())
        .current_dir(hsm.t.path())
        .arg("-c")
        .arg(format!(
            "(sleep 1; printf '%s\\n' \"$TYPED\") | script -qec \"$KEYCASK_BIN {args}\" /dev/null"
        ))
        .env("TYPED", typed)
        .env("KEYCASK_BIN", keycask)
        .output()
        .expect("sh and script (util-linux) are needed");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_pin_is_asked_once_at_a_terminal() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    let uri = format!(
        "pkcs11:token={TOKEN};object=root?module-path={}",
        hsm.module.display()
    );
    let (code, text) = at_terminal(&hsm, &format!("init --root '{uri}'"), PIN);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("PIN for token 'keycask': "), "{text}");
    assert!(!text.contains(PIN), "the PIN was echoed: {text}");
    let before = t.keyring_bytes();
    let (code, text) = at_terminal(&hsm, "keygen k", "000000");
    assert_eq!(code, 3, "{text}");
    assert_eq!(
        text.matches("PIN for token 'keycask': ").count(),
        1,
        "asked again: {text}"
    );
    assert!(text.contains("wrong PIN for token 'keycask'"), "{text}");
    assert_eq!(t.keyring_bytes(), before);
    let (code, text) = at_terminal(&hsm, "keygen k", PIN);
    assert_eq!(code, 0, "{text}");
}
/// The whole lifecycle on an HSM-rooted keyring: wrap/unwrap, key rotation,
/// rekey, KEK rotation, the root moved to another token object, out of the
/// HSM to a passphrase and back in, disable/enable, destroy of a version
/// (with a KEK rotated by the token) and of a whole key, datakey.
#[test]
fn hsm_rooted_keyring_through_its_whole_life() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    hsm.init("root-a");
    hsm.run(&["keygen", "backups"]).ok();
    let data = b"pg_dump output, say\n".repeat(1000);
    let unwrap = |hsm: &Hsm, file: &str| {
        let sealed = std::fs::read(t.join(file)).unwrap();
        let out = hsm.run_stdin(&["unwrap"], &sealed).ok();
        assert_eq!(out.output.stdout, data, "{file}");
    };
    let wrap = |hsm: &Hsm, file: &str| {
        let out = hsm.run_stdin(&["wrap", "-k", "backups"], &data).ok();
        std::fs::write(t.join(file), &out.output.stdout).unwrap();
    };
    wrap(&hsm, "v1.kc");
    unwrap(&hsm, "v1.kc");

    // Rotate the key; the old envelope still opens; rekey moves it to v2.
    hsm.run(&["rotate", "backups"]).ok();
    std::fs::copy(t.join("v1.kc"), t.join("v1-kept.kc")).unwrap();
    hsm.run(&["rekey", "v1.kc"]).ok();
    unwrap(&hsm, "v1.kc");
    unwrap(&hsm, "v1-kept.kc");
    let header = hsm.run(&["inspect", "--json", "v1.kc"]).ok().json();
    assert_eq!(header["envelopes"][0]["version"], 2, "{header}");

    // A new KEK: the token wraps it; every envelope still opens.
    hsm.run(&["rotate", "--kek"]).ok();
    assert_eq!(kek_blob(&t)[0], 1);
    unwrap(&hsm, "v1-kept.kc");
    wrap(&hsm, "v2.kc");

    // The same object again is refused, whatever the module path says.
    let module = &hsm.module;
    let same = format!(
        "pkcs11:object=root-a;token={TOKEN}?module-path={}/./{}",
        module.parent().unwrap().display(),
        module.file_name().unwrap().to_string_lossy()
    );
    let before = t.keyring_bytes();
    for uri in [hsm.uri("root-a"), same] {
        hsm.run(&["--pin-file", "hsm-pin", "rotate", "--root", "--to", &uri])
            .fails(2, "is already the keyring's root");
    }
    assert_eq!(t.keyring_bytes(), before);

    // Another object in the same token (one login shared by both roots).
    let before_blob = kek_blob(&t);
    hsm.run(&["rotate", "--root", "--to", &hsm.uri("root-b")])
        .ok();
    assert_ne!(kek_blob(&t), before_blob);
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["root"]["uri"], hsm.uri("root-b").as_str());
    assert!(hsm.object_listing("root-b").contains("never extractable"));
    unwrap(&hsm, "v2.kc");

    // Out of the HSM: a passphrase root needs no token at all.
    std::fs::write(t.join("pass.txt"), "a passphrase out of the HSM\n").unwrap();
    hsm.run(&[
        "rotate",
        "--root",
        "--to",
        "passphrase",
        "--new-passphrase-file",
        "pass.txt",
    ])
    .ok();
    let removed = hsm.removed();
    let sealed = std::fs::read(t.join("v2.kc")).unwrap();
    let out = removed
        .run_stdin(&["--passphrase-file", "pass.txt", "unwrap"], &sealed)
        .ok();
    assert_eq!(out.output.stdout, data);

    // And back in, to the first object.
    hsm.run(&[
        "--passphrase-file",
        "pass.txt",
        "rotate",
        "--root",
        "--to",
        &hsm.uri("root-a"),
    ])
    .ok();
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["root"]["kind"], "pkcs11");
    unwrap(&hsm, "v1-kept.kc");
    unwrap(&hsm, "v2.kc");
    // Without the token nothing opens it.
    let before = t.keyring_bytes();
    removed
        .run_stdin(&["unwrap"], &sealed)
        .fails(5, "no token labelled 'keycask'");
    assert_eq!(t.keyring_bytes(), before);
    assert_eq!(hsm.count_objects("root-a"), 1);
    assert_eq!(hsm.count_objects("root-b"), 1);

    // Disable and enable a version, then destroy version 1 at once with a
    // new KEK wrapped by the token: the rekeyed envelope opens, the one
    // still under version 1 does not.
    hsm.run(&["disable", "backups", "--version", "1"]).ok();
    let sealed_v1 = std::fs::read(t.join("v1-kept.kc")).unwrap();
    hsm.run_stdin(&["unwrap"], &sealed_v1).fails(4, "disabled");
    hsm.run(&["enable", "backups", "--version", "1"]).ok();
    unwrap(&hsm, "v1-kept.kc");
    let kek_before = kek_blob(&t);
    hsm.run(&[
        "destroy",
        "backups",
        "--version",
        "1",
        "--now",
        "--yes",
        "--rotate-kek",
        "--reason",
        "retired",
    ])
    .ok();
    let kek_after = kek_blob(&t);
    assert_ne!(kek_after, kek_before);
    assert_eq!(kek_after[0], 1, "the new KEK is wrapped by the token");
    unwrap(&hsm, "v1.kc");
    unwrap(&hsm, "v2.kc");
    hsm.run_stdin(&["unwrap"], &sealed_v1).fails(4, "destroyed");
    let show = hsm.run(&["show", "backups", "--json"]).ok().json();
    assert_eq!(show["versions"][0]["state"], "destroyed", "{show}");

    // A whole key destroyed; a data key from another key, under the HSM root.
    hsm.run(&["keygen", "tokens"]).ok();
    let datakey = hsm.run(&["datakey", "-k", "tokens", "--json"]).ok().json();
    assert!(datakey.is_object(), "{datakey}");
    hsm.run(&["destroy", "tokens", "--now", "--yes"]).ok();
    hsm.run(&["datakey", "-k", "tokens", "--json"])
        .fails(4, "destroyed");
}

/// `rotate --root` between the token and a key file, both ways: only the KEK
/// blob changes, and data made under either root keeps opening.
#[test]
fn rotate_root_between_the_token_and_a_key_file() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    hsm.init("root-a");
    hsm.run(&["keygen", "backups"]).ok();
    let data = b"moved between roots".to_vec();
    let sealed = hsm
        .run_stdin(&["wrap", "-k", "backups"], &data)
        .ok()
        .output
        .stdout;

    // Out of the token, to a new key file.
    let keyfile = t.join("new-root.key");
    let spec = format!("keyfile:{}", keyfile.display());
    let kek_in_token = kek_blob(&t);
    hsm.run(&["rotate", "--root", "--to", &spec]).ok();
    assert_ne!(kek_blob(&t), kek_in_token);
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["root"]["kind"], "keyfile");
    // The token is not needed any more.
    let removed = hsm.removed();
    let out = removed.run_stdin(&["unwrap"], &sealed).ok();
    assert_eq!(out.output.stdout, data);
    let sealed_2 = removed
        .run_stdin(&["wrap", "-k", "backups"], &data)
        .ok()
        .output
        .stdout;

    // And back into the token, from the key file.
    hsm.run(&["rotate", "--root", "--to", &hsm.uri("root-a")])
        .ok();
    let doc: serde_json::Value = serde_json::from_slice(&t.keyring_bytes()).unwrap();
    assert_eq!(doc["root"]["kind"], "pkcs11");
    for envelope in [&sealed, &sealed_2] {
        let out = hsm.run_stdin(&["unwrap"], envelope).ok();
        assert_eq!(out.output.stdout, data);
    }
    // Without the token it no longer opens, key file or not.
    let before = t.keyring_bytes();
    removed
        .run_stdin(&["--keyfile", keyfile.to_str().unwrap(), "unwrap"], &sealed)
        .fails(5, "no token labelled 'keycask'");
    assert_eq!(t.keyring_bytes(), before);
}

/// Not a test of its own: [`Hsm::token`] runs the test binary again with
/// only this function, which carries out `KEYCASK_TEST_TOKEN_STEPS` on the
/// token of `SOFTHSM2_CONF` with the cryptoki crate.
#[test]
#[ignore = "a helper that Hsm::token runs in a process of its own"]
fn token_helper() {
    use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
    use cryptoki::mechanism::Mechanism;
    use cryptoki::object::{Attribute, KeyType, ObjectClass};
    use cryptoki::session::UserType;
    use cryptoki::types::AuthPin;

    let steps = std::env::var("KEYCASK_TEST_TOKEN_STEPS").expect("run by Hsm::token");
    let module = std::env::var("KEYCASK_TEST_TOKEN_MODULE").expect("run by Hsm::token");
    let pkcs11 = Pkcs11::new(module).unwrap();
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    let slot = pkcs11
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|slot| {
            pkcs11
                .get_token_info(*slot)
                .is_ok_and(|info| info.label().trim_end() == TOKEN)
        })
        .expect("the test token");
    let session = pkcs11.open_rw_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::from(PIN)))
        .unwrap();
    let attribute = |word: &str| {
        let (name, value) = word.split_once('=').expect("ATTR=0|1");
        let on = value == "1";
        match name {
            "sensitive" => Attribute::Sensitive(on),
            "extractable" => Attribute::Extractable(on),
            "encrypt" => Attribute::Encrypt(on),
            "decrypt" => Attribute::Decrypt(on),
            "wrap" => Attribute::Wrap(on),
            "unwrap" => Attribute::Unwrap(on),
            other => panic!("unknown attribute {other}"),
        }
    };
    for step in steps.split(';') {
        let mut words = step.split(' ');
        let (op, label) = (words.next().unwrap(), words.next().unwrap());
        let attrs: Vec<Attribute> = words.map(attribute).collect();
        match op {
            "generate" => {
                let mut template = vec![
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::AES),
                    Attribute::ValueLen(32.into()),
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Label(label.as_bytes().to_vec()),
                ];
                template.extend(attrs);
                session
                    .generate_key(&Mechanism::AesKeyGen, &template)
                    .unwrap();
            }
            "set" => {
                let found = session
                    .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
                    .unwrap();
                assert_eq!(found.len(), 1, "one object labelled {label}");
                session.update_attributes(found[0], &attrs).unwrap();
            }
            other => panic!("unknown step {other}"),
        }
    }
    session.logout().unwrap();
    session.close().unwrap();
    pkcs11.finalize().unwrap();
}

/// Adoption (`init --root pkcs11:...` naming an existing key, and
/// `rotate --root --to pkcs11:...`) takes only a key that has never been
/// readable or extractable and may not both wrap and decrypt; each rule is
/// broken by one key here, made by pkcs11-tool where it can make it and by
/// the cryptoki crate otherwise. Nothing is created and nothing changes.
#[test]
fn adoption_refuses_keys_that_were_readable_extractable_or_wrap_and_decrypt() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    // pkcs11-tool 0.23 sets only the usage flags it is given, and SoftHSM2
    // turns on encrypt, decrypt, wrap and unwrap by default: every AES key
    // pkcs11-tool makes there may wrap and decrypt.
    let keygen = |label: &str, extra: &[&str]| {
        let mut args = vec!["--keygen", "--key-type", "AES:32", "--label", label];
        args.extend_from_slice(extra);
        hsm.tool(&args);
    };
    keygen("tool-wrap-decrypt", &["--sensitive"]);
    keygen("tool-extractable", &["--sensitive", "--extractable"]);
    keygen("tool-not-sensitive", &[]);
    let key_file = t.join("tokens").join("known.bin");
    std::fs::write(&key_file, [7u8; 32]).unwrap();
    hsm.tool(&[
        "--write-object",
        key_file.to_str().unwrap(),
        "--type",
        "secrkey",
        "--key-type",
        "AES:32",
        "--label",
        "tool-imported",
        "--sensitive",
        "--private",
    ]);
    std::fs::remove_file(&key_file).unwrap();
    // What pkcs11-tool cannot make: one broken rule at a time.
    let gcm_only = "encrypt=1 decrypt=1 wrap=0 unwrap=0";
    let wrap_only = "encrypt=0 decrypt=0 wrap=1 unwrap=1";
    hsm.token(&[
        // Generated readable, made sensitive afterwards.
        &format!("generate once-readable sensitive=0 extractable=0 {gcm_only}"),
        "set once-readable sensitive=1",
        // Generated extractable, made non-extractable afterwards.
        &format!("generate once-extractable sensitive=1 extractable=1 {gcm_only}"),
        "set once-extractable extractable=0",
        // A key-wrap key that may also decrypt: its own KEK blobs decrypt
        // as data.
        &format!("generate wrap-only-but-decrypt sensitive=1 extractable=0 {wrap_only}"),
        "set wrap-only-but-decrypt decrypt=1",
        // And keys that pass every rule.
        &format!("generate good-gcm sensitive=1 extractable=0 {gcm_only}"),
        &format!("generate good-wrap sensitive=1 extractable=0 {wrap_only}"),
        "generate good-unwrap-decrypt sensitive=1 extractable=0 encrypt=1 decrypt=1 wrap=0 unwrap=1",
    ]);
    // The attributes are what each case says (pkcs11-tool's own reading).
    let access = |label: &str| {
        let listing = hsm.object_listing(label);
        listing
            .lines()
            .find(|l| l.contains("Access:"))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(
        access("once-readable"),
        "Access:     sensitive, never extractable, local"
    );
    assert_eq!(
        access("once-extractable"),
        "Access:     sensitive, always sensitive, local"
    );
    assert_eq!(access("tool-imported"), "Access:     sensitive");
    assert_eq!(
        access("tool-wrap-decrypt"),
        "Access:     sensitive, always sensitive, never extractable, local"
    );

    let rules = [
        "CKA_SENSITIVE is not true",
        "CKA_EXTRACTABLE is not false",
        "CKA_ALWAYS_SENSITIVE is not true",
        "CKA_NEVER_EXTRACTABLE is not true",
        "may both wrap and decrypt",
    ];
    for (label, broken) in [
        ("tool-wrap-decrypt", &[4][..]),
        ("tool-extractable", &[1, 3, 4]),
        ("tool-not-sensitive", &[0, 2, 4]),
        ("tool-imported", &[2, 3, 4]),
        ("once-readable", &[2]),
        ("once-extractable", &[3]),
        ("wrap-only-but-decrypt", &[4]),
    ] {
        let run = hsm
            .run(&["init", "--root", &hsm.uri(label)])
            .fails(
                5,
                &format!("the PKCS#11 object '{label}' in token 'keycask' is not safe as a root"),
            )
            .stderr_has("hint: keycask adopts only a key generated in the token");
        assert_eq!(run.stderr().lines().count(), 2, "{}", run.stderr());
        for (i, rule) in rules.iter().enumerate() {
            assert_eq!(
                run.stderr().contains(rule),
                broken.contains(&i),
                "{label}: {rule}: {}",
                run.stderr()
            );
        }
        assert!(!t.keyring().exists(), "{label}");
        assert_eq!(hsm.count_objects(label), 1, "{label}: nothing generated");
    }

    // The keys that keep every rule are adopted (a key that may unwrap and
    // decrypt, but not wrap, included: docs/hsm.md says why).
    for label in ["good-gcm", "good-wrap", "good-unwrap-decrypt"] {
        let keyring = format!("{label}.json");
        hsm.run(&["--keyring", &keyring, "init", "--root", &hsm.uri(label)])
            .ok();
        hsm.run(&["--keyring", &keyring, "keygen", "k"]).ok();
        assert_eq!(hsm.count_objects(label), 1, "{label}: adopted");
    }

    // rotate --root --to adopts by the same rules; the keyring is unchanged.
    let keyring = "good-gcm.json";
    let before = std::fs::read(t.join(keyring)).unwrap();
    for label in ["tool-wrap-decrypt", "once-readable", "once-extractable"] {
        hsm.run(&[
            "--keyring",
            keyring,
            "rotate",
            "--root",
            "--to",
            &hsm.uri(label),
        ])
        .fails(5, "is not safe as a root");
        assert_eq!(std::fs::read(t.join(keyring)).unwrap(), before, "{label}");
    }
}

/// Every unlock checks the root's attributes again: a key changed in the
/// token (an attribute set, or the object replaced under its label) after
/// `init` is refused with exit 5, the keyring is unchanged, and `rotate
/// --root` can still move the keyring off a key that was only given a
/// dangerous usage.
#[test]
fn every_unlock_rechecks_the_root_in_the_token() {
    let t = TestDir::new();
    let Some(hsm) = hsm(&t) else { return };
    // A root generated by keycask (AES-GCM: encrypt and decrypt only).
    hsm.init("gcm-root");
    hsm.run(&["keygen", "backups"]).ok();
    let sealed = hsm
        .run_stdin(&["wrap", "-k", "backups"], b"secret")
        .ok()
        .output
        .stdout;
    let before = t.keyring_bytes();

    // Someone lets the root wrap: what it wraps, it could decrypt.
    hsm.token(&["set gcm-root wrap=1"]);
    for args in [&["keygen", "k"][..], &["unwrap"], &["rotate", "--kek"]] {
        let run = hsm
            .run_stdin(args, &sealed)
            .fails(
                5,
                "the PKCS#11 object 'gcm-root' in token 'keycask' is no longer safe as the keyring's root: it may both wrap and decrypt",
            )
            .stderr_has("hint: set CKA_WRAP or CKA_DECRYPT of the key back to false");
        assert_eq!(run.stderr().lines().count(), 2, "{}", run.stderr());
        assert!(run.stdout().is_empty(), "{args:?}");
        assert_eq!(t.keyring_bytes(), before, "{args:?}");
    }
    // Set back, the keyring opens again.
    hsm.token(&["set gcm-root wrap=0"]);
    let out = hsm.run_stdin(&["unwrap"], &sealed).ok();
    assert_eq!(out.output.stdout, b"secret");

    // A key-wrap root that is let decrypt: its KEK blob could be decrypted
    // as data.
    let kw = "kw.json";
    hsm.run_env(
        &[("KEYCASK_PKCS11_MECHANISM", "aes-key-wrap")],
        &["--keyring", kw, "init", "--root", &hsm.uri("kw-root")],
    )
    .ok();
    hsm.run(&["--keyring", kw, "keygen", "k"]).ok();
    hsm.token(&["set kw-root decrypt=1"]);
    let kw_before = std::fs::read(t.join(kw)).unwrap();
    hsm.run(&["--keyring", kw, "keygen", "k2"])
        .fails(5, "'kw-root' in token 'keycask' is no longer safe")
        .stderr_has("CKA_WRAP and CKA_DECRYPT");
    assert_eq!(std::fs::read(t.join(kw)).unwrap(), kw_before);
    // `rotate --root` may still move the keyring off it, with a warning.
    let new_root = t.join("new-root.key");
    let moved = hsm
        .run(&[
            "--keyring",
            kw,
            "rotate",
            "--root",
            "--to",
            &format!("keyfile:{}", new_root.display()),
        ])
        .ok();
    assert!(
        moved.stderr().contains(
            "keycask: warning: the PKCS#11 object 'kw-root' in token 'keycask' is no longer safe"
        ) && moved
            .stderr()
            .contains("used only to move the keyring to its new root"),
        "{}",
        moved.stderr()
    );
    hsm.run(&["--keyring", kw, "keygen", "k2"]).ok();

    // The root object replaced under its label by a key that was readable
    // once: refused for that, before the token is asked to open the KEK.
    hsm.tool(&[
        "--delete-object",
        "--type",
        "secrkey",
        "--label",
        "gcm-root",
    ]);
    hsm.token(&[
        "generate gcm-root sensitive=0 extractable=0 encrypt=1 decrypt=1 wrap=0 unwrap=0",
        "set gcm-root sensitive=1",
    ]);
    let run = hsm
        .run(&["keygen", "k"])
        .fails(5, "CKA_ALWAYS_SENSITIVE is not true")
        .stderr_has("hint: the key was changed or replaced in the token");
    assert!(
        !run.stderr().contains("does not open its KEK"),
        "{}",
        run.stderr()
    );
    assert_eq!(t.keyring_bytes(), before);
    assert!(t.temp_files().is_empty());
}
