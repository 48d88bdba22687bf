//! The test harness: a fresh temporary folder per test, inherited
//! `KEYCASK_*` variables removed, stdin fed on its own thread, and failure
//! messages that show the command, its status, stdout and stderr.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct TestDir {
    pub dir: tempfile::TempDir,
}

/// The result of one keycask run.
pub struct Run {
    pub description: String,
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// stderr without the one warning a pretended clock (`KEYCASK_NOW`,
    /// see `TestDir::command_at`) puts first.
    pub fn stderr_beyond_clock(&self) -> String {
        let stderr = self.stderr();
        match stderr.split_once('\n') {
            Some((first, rest)) if first.starts_with("keycask: warning: KEYCASK_NOW=") => {
                rest.to_string()
            }
            _ => stderr,
        }
    }

    fn dump(&self) -> String {
        format!(
            "\ncommand: {}\nstatus: {:?}\n--- stdout\n{}\n--- stderr\n{}\n",
            self.description,
            self.output.status,
            String::from_utf8_lossy(&self.output.stdout),
            self.stderr()
        )
    }

    /// Asserts success and returns self.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert!(
            self.output.status.success(),
            "expected success{}",
            self.dump()
        );
        self
    }

    /// Asserts the exit code and that stderr contains `needle`.
    #[track_caller]
    pub fn fails(self, code: i32, needle: &str) -> Self {
        assert_eq!(self.code(), code, "wrong exit code{}", self.dump());
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}{}",
            self.dump()
        );
        assert!(
            self.stderr_beyond_clock().starts_with("keycask: error: ") || code == 2,
            "error line format{}",
            self.dump()
        );
        assert!(!self.stderr().contains("panicked"), "panic{}", self.dump());
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout().contains(needle),
            "stdout lacks {needle:?}{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}{}",
            self.dump()
        );
        self
    }

    /// `rekey --dry-run --json`: (version, envelopes) for each row of its
    /// `versions` table, in order.
    pub fn dependency_counts(&self) -> Vec<(u64, u64)> {
        let doc = self.json();
        doc["versions"]
            .as_array()
            .unwrap_or_else(|| panic!("no versions table{}", self.dump()))
            .iter()
            .map(|v| {
                (
                    v["version"].as_u64().unwrap(),
                    v["envelopes"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}{}", self.dump()))
    }
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::Builder::new()
                .prefix("keycask-test")
                .tempdir()
                .unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn keyring(&self) -> PathBuf {
        self.join("keyring.json")
    }

    pub fn keyring_bytes(&self) -> Vec<u8> {
        std::fs::read(self.keyring()).unwrap()
    }

    /// Runs `args` and asserts that it is refused with exit `code` and
    /// `needle` in its error, and that the keyring file is byte for byte as
    /// before: the refused-and-keyring-unchanged pattern.
    #[track_caller]
    pub fn refuses_unchanged(&self, args: &[&str], code: i32, needle: &str) -> Run {
        let before = self.keyring_bytes();
        let run = self.run(args).fails(code, needle);
        assert!(
            self.keyring_bytes() == before,
            "the keyring changed although it was refused:{}",
            run.dump()
        );
        run
    }

    /// A `keycask` command with a clean environment pointed at this folder.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("keycask"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("KEYCASK_") {
                cmd.env_remove(&name);
            }
        }
        cmd.env("KEYCASK_KEYRING", self.keyring())
            .env("HOME", self.path())
            .env_remove("XDG_DATA_HOME")
            .current_dir(self.path());
        cmd
    }

    /// A `keycask` command under the pretended clock `now` (`KEYCASK_NOW`),
    /// allowed to write it (`KEYCASK_NOW_WRITES=1`), as tests of dates need.
    /// A real run refuses to write a pretended time; see tests/rotation.rs
    /// `a_pretended_clock_*`.
    pub fn command_at(&self, now: &str) -> Command {
        let mut cmd = self.command();
        cmd.env("KEYCASK_NOW", now).env("KEYCASK_NOW_WRITES", "1");
        cmd
    }

    /// Runs keycask with `args` and no stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command(), args, None)
    }

    /// Runs keycask with `args`, feeding `stdin`.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.run_with(self.command(), args, Some(stdin))
    }

    pub fn run_with(&self, mut cmd: Command, args: &[&str], stdin: Option<&[u8]>) -> Run {
        cmd.args(args);
        let description = format!("keycask {}", args.join(" "));
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd.spawn().expect("spawn keycask");
        let writer = stdin.map(|data| {
            let mut pipe = child.stdin.take().unwrap();
            let data = data.to_vec();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&data);
            })
        });
        let output = child.wait_with_output().expect("wait for keycask");
        if let Some(writer) = writer {
            writer.join().unwrap();
        }
        Run {
            description,
            output,
        }
    }

    /// A keyring with a key-file root at `root.key`.
    pub fn init_keyfile(&self) -> &Self {
        let spec = format!("keyfile:{}", self.join("root.key").display());
        self.run(&["init", "--root", &spec]).ok();
        self
    }

    /// A keyring with a passphrase root; the passphrase is in `pass.txt`.
    pub fn init_passphrase(&self, passphrase: &str) -> &Self {
        std::fs::write(self.join("pass.txt"), passphrase).unwrap();
        let mut args = vec!["init", "--passphrase-file", "pass.txt"];
        if passphrase.chars().count() < 12 {
            args.push("--allow-weak-passphrase");
        }
        self.run(&args).ok();
        self
    }

    /// Files in the keyring's folder whose names look like our temp files.
    pub fn temp_files(&self) -> Vec<String> {
        std::fs::read_dir(self.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }
}

/// A check that cannot run on this machine (no root to mount a tmpfs, no
/// `/dev/full`): under CI (`CI=true`) the test fails, so that CI never
/// passes a check it did not make; elsewhere it says so on stderr and the
/// caller returns without checking.
#[track_caller]
pub fn cannot_check(why: &str) {
    if under_ci() {
        panic!("CI=true, but this check cannot run here: {why}");
    }
    eprintln!("not checked here: {why}");
}

/// Whether the tests run under CI (`CI=true`, as GitHub Actions and most CI
/// services set it).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `.NAME.keycask-rekey`, the journal a `rekey` writes beside the envelope
/// at `envelope` (docs/FORMAT.md, "The rekey journal").
pub fn rekey_journal_path(envelope: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(envelope.file_name().unwrap());
    name.push(".keycask-rekey");
    envelope.with_file_name(name)
}

/// The bytes of a complete rekey journal for an envelope `file` (its bytes
/// as they are on disk, old header first) whose header `rekey` was about to
/// replace with `new_header`, laid out as docs/FORMAT.md ("The rekey journal") specifies
/// it: `KCREKEYJ`, version 1, the header length (4), the file's length (8),
/// the old and the new header, SHA-256 of up to 4 KiB of payload after the
/// header, and SHA-256 of everything before it.
pub fn rekey_journal(file: &[u8], new_header: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let len = new_header.len();
    let payload = &file[len..file.len().min(len + 4096)];
    let mut out = b"KCREKEYJ".to_vec();
    out.push(1);
    out.extend_from_slice(&u32::try_from(len).unwrap().to_be_bytes());
    out.extend_from_slice(&(file.len() as u64).to_be_bytes());
    out.extend_from_slice(&file[..len]);
    out.extend_from_slice(new_header);
    out.extend_from_slice(&sha2::Sha256::digest(payload));
    let sum = sha2::Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}

/// Changes the keyring file at `keyring` as a tool outside keycask would
/// (an older keycask, a hand edit made good): applies `edit` to its JSON
/// and writes it back with a valid MAC. See [`edit_keyring_with`].
pub fn edit_keyring(
    keyring: &Path,
    root_key_file: &Path,
    edit: impl FnOnce(&mut serde_json::Value),
) {
    edit_keyring_with(keyring, root_key_file, |e| edit(&mut e.doc));
}

/// A keyring being edited by [`edit_keyring_with`]: its JSON without `mac`,
/// and its primary KEK, to wrap new material with.
pub struct KeyringEdit {
    pub doc: serde_json::Value,
    kek: [u8; 32],
}

impl KeyringEdit {
    /// base64 of `nonce || AES-256-GCM(KEK, plaintext, aad)`, a wrapped blob
    /// (docs/FORMAT.md, "Wrapped blobs").
    pub fn wrap(&self, plaintext: &[u8], aad: &str) -> String {
        wrap_blob(&self.kek, plaintext, aad)
    }
}

fn wrap_blob(key: &[u8; 32], plaintext: &[u8], aad: &str) -> String {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use base64::Engine;
    use rand::TryRng;
    let mut nonce = [0u8; 12];
    rand::rngs::SysRng.try_fill_bytes(&mut nonce).unwrap();
    let sealed = aes_gcm::Aes256Gcm::new(key.into())
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad: aad.as_bytes(),
            },
        )
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode([&nonce[..], &sealed].concat())
}

/// Applies `edit` to the keyring at `keyring`, whose root is the key file
/// `root_key_file`, and writes it back with a valid MAC: from docs/FORMAT.md
/// ("Keyring": the key-file root, the primary KEK, the format 3 MAC) and the
/// RustCrypto crates, not from keycask's code. A new `keyring_id` gets the
/// (one) KEK wrapped again under it. The result is compact JSON, members in
/// name order, `mac` last (a layout a format 3 reader takes).
pub fn edit_keyring_with(
    keyring: &Path,
    root_key_file: &Path,
    edit: impl FnOnce(&mut KeyringEdit),
) {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as B64;
    use hmac::Mac;
    fn hkdf(ikm: &[u8], salt: Option<&[u8]>, info: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(salt, ikm)
            .expand(info, &mut out)
            .unwrap();
        out
    }
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(keyring).unwrap()).unwrap();
    let root_key = hkdf(
        &std::fs::read(root_key_file).unwrap(),
        None,
        b"keycask/root/keyfile/v1",
    );
    let id = doc["keyring_id"].as_str().unwrap().to_string();
    let primary = doc["kek"]["primary"].as_u64().unwrap();
    let kek_aad = |id: &str| format!("keycask/kek/v1\0{id}\0{primary}");
    fn kek_version(doc: &mut serde_json::Value, number: u64) -> &mut serde_json::Value {
        let versions = doc["kek"]["versions"].as_array_mut().unwrap();
        versions
            .iter_mut()
            .find(|v| v["version"] == number)
            .unwrap()
    }
    let wrapped = B64
        .decode(kek_version(&mut doc, primary)["wrapped"].as_str().unwrap())
        .unwrap();
    let (nonce, sealed) = wrapped.split_at(12);
    let kek: [u8; 32] = aes_gcm::Aes256Gcm::new(&root_key.into())
        .decrypt(
            nonce.try_into().unwrap(),
            Payload {
                msg: sealed,
                aad: kek_aad(&id).as_bytes(),
            },
        )
        .unwrap()
        .try_into()
        .unwrap();

    doc.as_object_mut().unwrap().remove("mac");
    let mut editing = KeyringEdit { doc, kek };
    edit(&mut editing);
    let (mut doc, old_id) = (editing.doc, id);
    let id = doc["keyring_id"].as_str().unwrap().to_string();
    if id != old_id {
        assert_eq!(doc["kek"]["versions"].as_array().unwrap().len(), 1);
        kek_version(&mut doc, primary)["wrapped"] =
            wrap_blob(&root_key, &kek, &kek_aad(&id)).into();
    }
    let mut bytes = serde_json::to_vec(&doc).unwrap();
    let mac_key = hkdf(&kek, Some(id.as_bytes()), b"keycask/keyring-mac/v1");
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&mac_key).unwrap();
    mac.update(&bytes);
    let mac = B64.encode(mac.finalize().into_bytes());
    assert_eq!(bytes.pop(), Some(b'}'));
    bytes.extend_from_slice(format!(",\"mac\":\"{mac}\"}}\n").as_bytes());
    std::fs::write(keyring, bytes).unwrap();
}
