//! The PKCS#11 root: an AES-256 secret key object inside an HSM token, named
//! by an RFC 7512 PKCS#11 URI. The KEK versions are wrapped and unwrapped by
//! the token; the root key never leaves it.
//!
//! One [`Pkcs11Root`] is one PKCS#11 session, opened once per command and
//! logged out, closed and finalised when it is dropped, also on every error
//! path (the [`Device`] guard owns the session from the moment it exists).
//!
//! Blobs start with one byte naming the mechanism that made them:
//! - `0x01` CKM_AES_GCM: `0x01 || IV (12) || ciphertext (32) || tag (16)`,
//!   with the caller's AAD (keyring id and KEK version) as GCM's AAD.
//! - `0x02` CKM_AES_KEY_WRAP_PAD and `0x03` CKM_AES_KEY_WRAP, for tokens or
//!   keys that may only wrap/unwrap: the token wraps a 64-byte session object
//!   `KEK || SHA-256(AAD)`, so the blob stays bound to its place although key
//!   wrap has no associated data; the hash is checked after unwrapping.

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::passphrase::SecretText;
use super::{RootConfig, RootKey, SecretSources};
use crate::crypto;
use crate::error::Failure;
use crate::secret::{Passphrase, SecretKey32};

/// A parsed RFC 7512 PKCS#11 URI, restricted to what names one secret key:
/// `pkcs11:token=..;object=..?module-path=..&pin-source=file:..`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pkcs11Uri {
    /// The URI as the user wrote it; recorded in the keyring. It never holds
    /// a PIN: `pin-value` is refused when parsing.
    pub text: String,
    pub token: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub slot_id: Option<u64>,
    pub object: String,
    pub id: Option<Vec<u8>>,
    pub module_path: Option<PathBuf>,
    pub pin_source: Option<PathBuf>,
}

fn uri_error(message: impl fmt::Display) -> Failure {
    Failure::usage(format!("invalid PKCS#11 URI: {message}"))
        .hint("pkcs11:token=LABEL;object=KEY-LABEL?module-path=/path/to/module.so&pin-source=file:/path/to/pin")
}

/// RFC 3986 percent-decoding, as RFC 7512 requires for every value.
pub fn percent_decode(text: &str) -> Result<Vec<u8>, Failure> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .filter(|_| bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit())
                .ok_or_else(|| uri_error(format!("bad percent-encoding in '{text}'")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn decode_text(name: &str, value: &str) -> Result<String, Failure> {
    let bytes = percent_decode(value)?;
    let text =
        String::from_utf8(bytes).map_err(|_| uri_error(format!("{name} is not UTF-8 text")))?;
    if text.is_empty() {
        return Err(uri_error(format!("{name} is empty")));
    }
    Ok(text)
}

/// `file:/path`, `file:///path` or a bare absolute path.
fn pin_source_path(value: &str) -> Result<PathBuf, Failure> {
    let path = if let Some(rest) = value.strip_prefix("file://") {
        // file://HOST/path: only the local host makes sense.
        let rest = rest.strip_prefix("localhost").unwrap_or(rest);
        if !rest.starts_with('/') {
            return Err(uri_error("pin-source file:// must name a local path"));
        }
        rest
    } else if let Some(rest) = value.strip_prefix("file:") {
        rest
    } else if value.starts_with('/') {
        value
    } else {
        return Err(uri_error(
            "pin-source must be a file (pin-source=file:/path/to/pin)",
        ));
    };
    if path.is_empty() {
        return Err(uri_error("pin-source names no file"));
    }
    Ok(PathBuf::from(path))
}

impl std::str::FromStr for Pkcs11Uri {
    type Err = Failure;

    fn from_str(text: &str) -> Result<Self, Failure> {
        let rest = text
            .strip_prefix("pkcs11:")
            .ok_or_else(|| uri_error("it must start with pkcs11:"))?;
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let mut uri = Pkcs11Uri {
            text: text.to_string(),
            ..Pkcs11Uri::default()
        };
        let mut object = None;
        let mut seen = Vec::new();
        let mut once = |name: &str| -> Result<(), Failure> {
            if seen.iter().any(|n: &String| n == name) {
                return Err(uri_error(format!("{name} is given twice")));
            }
            seen.push(name.to_string());
            Ok(())
        };
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (name, value) = attr
                .split_once('=')
                .ok_or_else(|| uri_error(format!("'{attr}' is not name=value")))?;
            once(name)?;
            match name {
                "token" => uri.token = Some(decode_text(name, value)?),
                "manufacturer" => uri.manufacturer = Some(decode_text(name, value)?),
                "model" => uri.model = Some(decode_text(name, value)?),
                "serial" => uri.serial = Some(decode_text(name, value)?),
                "slot-id" => {
                    uri.slot_id = Some(
                        decode_text(name, value)?
                            .parse()
                            .map_err(|_| uri_error("slot-id is not a number"))?,
                    )
                }
                "object" => object = Some(decode_text(name, value)?),
                "id" => {
                    let id = percent_decode(value)?;
                    if id.is_empty() {
                        return Err(uri_error("id is empty"));
                    }
                    uri.id = Some(id);
                }
                "type" => {
                    if decode_text(name, value)? != "secret-key" {
                        return Err(uri_error(
                            "the root is a secret key: type must be secret-key (or left out)",
                        ));
                    }
                }
                "pin-value" | "pin-source" | "module-path" => {
                    return Err(uri_error(format!(
                        "{name} belongs in the query part, after '?'"
                    )));
                }
                other => {
                    return Err(uri_error(format!(
                        "unsupported attribute '{other}' (keycask knows token, manufacturer, model, serial, slot-id, object, id, type)"
                    )));
                }
            }
        }
        for attr in query.into_iter().flat_map(|q| q.split('&')) {
            if attr.is_empty() {
                continue;
            }
            let (name, value) = attr
                .split_once('=')
                .ok_or_else(|| uri_error(format!("'{attr}' is not name=value")))?;
            once(name)?;
            match name {
                "module-path" => {
                    uri.module_path = Some(PathBuf::from(decode_text(name, value)?));
                }
                "pin-source" => {
                    uri.pin_source = Some(pin_source_path(&decode_text(name, value)?)?);
                }
                "pin-value" => {
                    return Err(Failure::usage(
                        "a PIN in the URI (pin-value) would be stored in the keyring and shown in argv; keycask refuses it",
                    )
                    .hint("use pin-source=file:/path/to/pin in the URI, --pin-file PATH, KEYCASK_PIN_FILE or KEYCASK_PIN"));
                }
                other => {
                    return Err(uri_error(format!(
                        "unsupported query attribute '{other}' (keycask knows module-path and pin-source)"
                    )));
                }
            }
        }
        uri.object = object.ok_or_else(|| {
            uri_error("it names no object: add object=LABEL for the root key's label")
        })?;
        Ok(uri)
    }
}

impl Pkcs11Uri {
    /// "object 'keycask-root' in token 'keycask'", for messages.
    pub fn describe(&self) -> String {
        match &self.token {
            Some(token) => format!("object '{}' in token '{token}'", self.object),
            None => format!("object '{}'", self.object),
        }
    }

    /// True when both name the same object in the same token, whatever
    /// module path or PIN source they give.
    pub fn same_object(&self, other: &Pkcs11Uri) -> bool {
        self.token == other.token
            && self.serial == other.serial
            && self.manufacturer == other.manufacturer
            && self.model == other.model
            && self.slot_id == other.slot_id
            && self.object == other.object
            && self.id == other.id
    }

    fn matches(&self, slot: Slot, info: &TokenInfo) -> bool {
        let same = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w == have.trim_end())
        };
        same(&self.token, info.label())
            && same(&self.manufacturer, info.manufacturer_id())
            && same(&self.model, info.model())
            && same(&self.serial, info.serial_number())
            && self.slot_id.is_none_or(|id| id == slot.id())
    }
}

/// How a KEK blob was made; the first byte of every blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wrapping {
    Gcm = 1,
    KeyWrapPad = 2,
    KeyWrap = 3,
}

impl Wrapping {
    fn from_tag(tag: u8) -> Option<Wrapping> {
        match tag {
            1 => Some(Wrapping::Gcm),
            2 => Some(Wrapping::KeyWrapPad),
            3 => Some(Wrapping::KeyWrap),
            _ => None,
        }
    }

    fn key_wrap_mechanism(self) -> Mechanism<'static> {
        match self {
            Wrapping::KeyWrapPad => Mechanism::AesKeyWrapPad,
            _ => Mechanism::AesKeyWrap,
        }
    }
}

const GCM_IV_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;

/// An open module, session and login. Dropping it logs out, closes the
/// session and finalises the module, whatever state it got to.
///
/// PKCS#11 keeps one initialisation and one login state per process and
/// token, so when two roots share a module (`rotate --root` from one object
/// to another) they share both: the module is finalised, and the token
/// logged out, when the last root using it is dropped.
struct Device {
    module: PathBuf,
    key: PathBuf,
    slot: Option<u64>,
    session: Option<Session>,
    logged_in: bool,
    pkcs11: Option<Pkcs11>,
}

/// One loaded module: how many roots use it, and how many are logged in to
/// each of its slots.
struct Loaded {
    key: PathBuf,
    pkcs11: Pkcs11,
    users: usize,
    logins: Vec<(u64, usize)>,
}

thread_local! {
    static LOADED: RefCell<Vec<Loaded>> = const { RefCell::new(Vec::new()) };
}

/// The module's identity: its canonical path where it has one (dlopen
/// returns one handle for two paths to the same file).
fn module_key(module: &Path) -> PathBuf {
    std::fs::canonicalize(module).unwrap_or_else(|_| module.to_path_buf())
}

fn acquire_module(module: &Path) -> Result<(PathBuf, Pkcs11), Failure> {
    let key = module_key(module);
    LOADED.with(|loaded| {
        let mut loaded = loaded.borrow_mut();
        if let Some(entry) = loaded.iter_mut().find(|e| e.key == key) {
            entry.users += 1;
            return Ok((key, entry.pkcs11.clone()));
        }
        let pkcs11 = load_module(module)?;
        loaded.push(Loaded {
            key: key.clone(),
            pkcs11: pkcs11.clone(),
            users: 1,
            logins: Vec::new(),
        });
        Ok((key, pkcs11))
    })
}

/// Counts logins per slot; returns the number of roots now logged in.
fn count_login(key: &Path, slot: u64, delta: isize) -> usize {
    LOADED.with(|loaded| {
        let mut loaded = loaded.borrow_mut();
        let Some(entry) = loaded.iter_mut().find(|e| e.key == key) else {
            return 0;
        };
        let index = match entry.logins.iter().position(|(s, _)| *s == slot) {
            Some(i) => i,
            None => {
                entry.logins.push((slot, 0));
                entry.logins.len() - 1
            }
        };
        let count = &mut entry.logins[index].1;
        *count = count.saturating_add_signed(delta);
        *count
    })
}

impl Drop for Device {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            if let (true, Some(slot)) = (self.logged_in, self.slot)
                && count_login(&self.key, slot, -1) == 0
            {
                let _ = session.logout();
            }
            let _ = session.close();
        }
        if self.pkcs11.take().is_some() {
            LOADED.with(|loaded| {
                let mut loaded = loaded.borrow_mut();
                if let Some(i) = loaded.iter().position(|e| e.key == self.key) {
                    loaded[i].users -= 1;
                    if loaded[i].users == 0 {
                        let _ = loaded.remove(i).pkcs11.finalize();
                    }
                }
            });
        }
    }
}

impl Device {
    fn session(&self) -> &Session {
        self.session
            .as_ref()
            .expect("a Device always has a session once built")
    }
}

fn module_failure(module: &Path, why: impl fmt::Display) -> Failure {
    Failure::keyring(format!(
        "cannot load the PKCS#11 module {}: {why}",
        module.display()
    ))
    .hint("give the module with module-path= in the URI, --pkcs11-module PATH or KEYCASK_PKCS11_MODULE (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)")
}

/// A PKCS#11 error as one short line: the CKR_ name, not the spec's prose.
fn rv_text(err: &CkError) -> String {
    match err {
        CkError::Pkcs11(rv, function) => format!("{function} returned {rv:?}"),
        other => other.to_string(),
    }
}

fn device_failure(what: &str, module: &Path, err: &CkError) -> Failure {
    Failure::keyring(format!(
        "PKCS#11 module {}: {what} failed: {}",
        module.display(),
        rv_text(err)
    ))
}

fn load_module(module: &Path) -> Result<Pkcs11, Failure> {
    if module.components().count() > 1 && !module.exists() {
        return Err(module_failure(module, "no such file"));
    }
    let pkcs11 = Pkcs11::new(module).map_err(|e| match e {
        CkError::LibraryLoading(inner) => {
            let text = inner.to_string();
            if text.contains("invalid ELF header") || text.contains("file too short") {
                module_failure(module, "not a shared library")
            } else if text.contains("No such file") {
                module_failure(module, "no such file")
            } else {
                module_failure(module, text.lines().next().unwrap_or("dlopen failed"))
            }
        }
        CkError::MissingSymbol(_) | CkError::NullFunctionPointer => {
            module_failure(module, "not a PKCS#11 library (no C_GetFunctionList)")
        }
        other => module_failure(module, rv_text(&other)),
    })?;
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(|e| module_failure(module, format!("C_Initialize failed: {}", rv_text(&e))))?;
    Ok(pkcs11)
}

/// Where a root's URI comes from, which decides how far its `module-path`
/// is trusted.
#[derive(Clone, Copy, PartialEq)]
enum UriFrom {
    /// The command line (`init`, `rotate --root --to`): the user's own words.
    CommandLine,
    /// The keyring file, not authenticated until the root is open.
    Keyring,
}

/// The module to load: `--pkcs11-module` / `KEYCASK_PKCS11_MODULE` (this
/// machine's path wins over the one recorded), else `module-path`, which,
/// read from the keyring file, must pass [`trusted_recorded_module`].
fn module_path(
    uri: &Pkcs11Uri,
    sources: &SecretSources,
    from: UriFrom,
) -> Result<PathBuf, Failure> {
    if let Some(module) = &sources.pkcs11_module {
        return Ok(module.clone());
    }
    let module = uri.module_path.clone().ok_or_else(|| {
        Failure::usage("no PKCS#11 module: the URI has no module-path and none was given")
            .hint("add ?module-path=/path/to/module.so to the URI, or give --pkcs11-module PATH or KEYCASK_PKCS11_MODULE")
    })?;
    match from {
        UriFrom::CommandLine => Ok(module),
        UriFrom::Keyring => trusted_recorded_module(&module),
    }
}

/// A module path read from the keyring file is not trusted yet: the keyring
/// is authenticated (its MAC) only once the root is open, and loading a
/// library runs its code. So whoever can edit the keyring must not be able
/// to choose the library: it is loaded only if nobody but root or this user
/// can have put it there, that is, the file and every folder above it are
/// owned by root or this user and writable by nobody else (a sticky folder
/// such as /tmp protects the entries it holds). The real path is returned,
/// and loaded, so that a link cannot be turned elsewhere in between. A bare
/// library name is found by the dynamic loader in the system's folders.
fn trusted_recorded_module(module: &Path) -> Result<PathBuf, Failure> {
    use std::os::unix::fs::MetadataExt;
    if module.components().count() <= 1 {
        return Ok(module.to_path_buf());
    }
    let real = std::fs::canonicalize(module).map_err(|_| module_failure(module, "no such file"))?;
    let me = rustix::process::getuid().as_raw();
    for place in real.ancestors() {
        let meta = std::fs::metadata(place).map_err(|e| module_failure(module, e))?;
        let sticky_folder = meta.is_dir() && meta.mode() & 0o1000 != 0;
        let why = if meta.uid() != 0 && meta.uid() != me {
            format!("{} belongs to uid {}", place.display(), meta.uid())
        } else if meta.mode() & 0o022 != 0 && !sticky_folder {
            format!("{} is writable by others", place.display())
        } else {
            continue;
        };
        return Err(Failure::keyring(format!(
            "the keyring names the PKCS#11 module {}, which someone other than root or you could have put there ({why}); keycask does not load a library the keyring names from such a place",
            module.display()
        ))
        .hint("if the module is yours, move it to a folder only you or root can write, or name it on this machine with --pkcs11-module PATH or KEYCASK_PKCS11_MODULE"));
    }
    Ok(real)
}

const PIN_SOURCES_HINT: &str = "give it with --pin-file PATH, KEYCASK_PIN_FILE, KEYCASK_PIN or pin-source=file:PATH in the URI, or run at a terminal";

/// PIN files and variables follow the passphrase rules; a PIN file is read
/// to at most 4 KiB.
const PIN: SecretText = SecretText {
    noun: "PIN",
    limit: 4096,
    empty_hint: None,
};

/// The PIN, from the first source that is set: `--pin-file`,
/// `KEYCASK_PIN_FILE`, `KEYCASK_PIN`, `pin-source` in the URI, the terminal.
/// `None` means the token has its own PIN pad (protected authentication path).
fn read_pin(
    uri: &Pkcs11Uri,
    sources: &SecretSources,
    token: &TokenInfo,
) -> Result<Option<Passphrase>> {
    if let Some(path) = &sources.pin_file {
        return PIN.read_file(path, "--pin-file").map(Some);
    }
    if let Some(path) = crate::input::env_path("KEYCASK_PIN_FILE", "--pin-file")? {
        return PIN.read_file(&path, "KEYCASK_PIN_FILE").map(Some);
    }
    // var_os: a PIN that is not UTF-8 is refused by `parse`, not taken for
    // an unset variable.
    if let Some(text) = std::env::var_os("KEYCASK_PIN") {
        use std::os::unix::ffi::OsStringExt;
        return PIN
            .parse(Zeroizing::new(text.into_vec()), "KEYCASK_PIN")
            .map(Some);
    }
    if let Some(path) = &uri.pin_source {
        return PIN.read_file(path, "pin-source in the URI").map(Some);
    }
    if token.protected_authentication_path() {
        return Ok(None);
    }
    let prompt = format!("PIN for token '{}': ", token.label().trim_end());
    let pin = rpassword::prompt_password(prompt).map_err(|_| {
        Failure::usage("no PIN given for the PKCS#11 token and no terminal to ask for one")
            .hint(PIN_SOURCES_HINT)
    })?;
    if pin.is_empty() {
        return Err(Failure::usage("the PIN is empty").into());
    }
    Ok(Some(Passphrase::new(pin)))
}

fn login(
    device: &mut Device,
    uri: &Pkcs11Uri,
    sources: &SecretSources,
    token: &TokenInfo,
) -> Result<()> {
    if !token.login_required() {
        return Ok(());
    }
    let label = token.label().trim_end().to_string();
    if token.user_pin_locked() {
        return Err(Failure::auth(format!("the user PIN of token '{label}' is locked"))
            .hint("the token's security officer must unlock it (e.g. softhsm2-util / pkcs11-tool --init-pin)")
            .into());
    }
    let slot = device.slot.expect("logging in after choosing the slot");
    if count_login(&device.key, slot, 0) > 0 {
        // Another root of this command is logged in to this token already,
        // and PKCS#11 logins are per application: log in once.
        count_login(&device.key, slot, 1);
        device.logged_in = true;
        return Ok(());
    }
    let pin = read_pin(uri, sources, token)?;
    let auth = pin.as_ref().map(|p| AuthPin::from(p.expose_secret()));
    match device.session().login(UserType::User, auth.as_ref()) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
            count_login(&device.key, slot, 1);
            device.logged_in = true;
            Ok(())
        }
        Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
            let mut failure = Failure::auth(format!("wrong PIN for token '{label}'"));
            failure = if token.user_pin_final_try() {
                failure.hint("the token said this was the last try before it locks the PIN; keycask never retries on its own")
            } else {
                failure.hint(PIN_SOURCES_HINT)
            };
            Err(failure.into())
        }
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(Failure::auth(format!(
            "the user PIN of token '{label}' is locked"
        ))
        .hint("the token's security officer must unlock it")
        .into()),
        Err(CkError::Pkcs11(RvError::PinExpired, _)) => Err(Failure::auth(format!(
            "the user PIN of token '{label}' has expired"
        ))
        .hint("set a new PIN with the token's tools, then retry")
        .into()),
        Err(e) => Err(device_failure("login", &device.module, &e).into()),
    }
}

/// Loads the module, finds the one token the URI names, opens a session and
/// logs in.
/// A root being created (`init`, `rotate --root`: a URI from the command
/// line) gets a read-write session, to generate its key; a recorded root is
/// only used, read-only.
fn connect(uri: &Pkcs11Uri, sources: &SecretSources, from: UriFrom) -> Result<(Device, Slot)> {
    let read_write = from == UriFrom::CommandLine;
    let module = module_path(uri, sources, from)?;
    let (key, pkcs11) = acquire_module(&module)?;
    let mut device = Device {
        module: module.clone(),
        key,
        slot: None,
        session: None,
        logged_in: false,
        pkcs11: Some(pkcs11),
    };
    let pkcs11 = device.pkcs11.as_ref().expect("just set");
    let slots = pkcs11
        .get_slots_with_token()
        .map_err(|e| device_failure("listing slots", &module, &e))?;
    let mut present = Vec::new();
    let mut found = Vec::new();
    for slot in slots {
        let Ok(info) = pkcs11.get_token_info(slot) else {
            continue;
        };
        if !info.token_initialized() {
            continue;
        }
        present.push(info.label().trim_end().to_string());
        if uri.matches(slot, &info) {
            found.push((slot, info));
        }
    }
    let (slot, info) = match found.len() {
        1 => found.pop().expect("one"),
        0 => {
            let wanted = uri
                .token
                .as_deref()
                .map(|t| format!("no token labelled '{t}'"))
                .unwrap_or_else(|| "no token matching the URI".into());
            let have = if present.is_empty() {
                "it has no initialised token".to_string()
            } else {
                format!("its tokens: {}", present.join(", "))
            };
            return Err(Failure::keyring(format!(
                "{wanted} in PKCS#11 module {} ({have})",
                module.display()
            ))
            .hint("is the HSM connected and the token initialised? Check token= in the URI (for SoftHSM2, also SOFTHSM2_CONF)")
            .into());
        }
        n => {
            return Err(Failure::keyring(format!(
                "{n} tokens in PKCS#11 module {} match the URI",
                module.display()
            ))
            .hint("name one with token=LABEL or serial=SERIAL in the URI")
            .into());
        }
    };
    let session = if read_write {
        pkcs11.open_rw_session(slot)
    } else {
        pkcs11.open_ro_session(slot)
    }
    .map_err(|e| device_failure("opening a session", &module, &e))?;
    device.session = Some(session);
    device.slot = Some(slot.id());
    login(&mut device, uri, sources, &info)?;
    Ok((device, slot))
}

/// What an object found under the URI's label is.
struct Found {
    handle: ObjectHandle,
    class: Option<ObjectClass>,
    key_type: Option<KeyType>,
    value_len: Option<u64>,
    attrs: Vec<Attribute>,
}

impl Found {
    fn flag(&self, kind: AttributeType) -> Option<bool> {
        self.attrs.iter().find_map(|a| match (kind, a) {
            (AttributeType::Encrypt, Attribute::Encrypt(b))
            | (AttributeType::Decrypt, Attribute::Decrypt(b))
            | (AttributeType::Wrap, Attribute::Wrap(b))
            | (AttributeType::Unwrap, Attribute::Unwrap(b))
            | (AttributeType::Sensitive, Attribute::Sensitive(b))
            | (AttributeType::AlwaysSensitive, Attribute::AlwaysSensitive(b))
            | (AttributeType::Extractable, Attribute::Extractable(b))
            | (AttributeType::NeverExtractable, Attribute::NeverExtractable(b)) => Some(*b),
            _ => None,
        })
    }

    /// Why this key cannot be trusted to hold a root, one short reason per
    /// failed rule; empty when it can. An attribute the token does not
    /// report counts against the key. The rules, and why wrap together with
    /// decrypt is the combination refused, are in docs/hsm.md.
    fn weaknesses(&self) -> Vec<&'static str> {
        let is = |kind| self.flag(kind);
        let mut why = Vec::new();
        if is(AttributeType::Sensitive) != Some(true) {
            why.push("CKA_SENSITIVE is not true");
        }
        if is(AttributeType::Extractable) != Some(false) {
            why.push("CKA_EXTRACTABLE is not false");
        }
        if is(AttributeType::AlwaysSensitive) != Some(true) {
            why.push("CKA_ALWAYS_SENSITIVE is not true (its value was readable once)");
        }
        if is(AttributeType::NeverExtractable) != Some(true) {
            why.push("CKA_NEVER_EXTRACTABLE is not true (it was extractable once, or imported)");
        }
        if is(AttributeType::Wrap) != Some(false) && is(AttributeType::Decrypt) != Some(false) {
            why.push("it may both wrap and decrypt (CKA_WRAP and CKA_DECRYPT), so what it wraps it can also decrypt");
        }
        why
    }

    fn is_aes256(&self) -> bool {
        self.class == Some(ObjectClass::SECRET_KEY)
            && self.key_type == Some(KeyType::AES)
            && self.value_len == Some(32)
    }

    fn what(&self) -> String {
        let class = match self.class {
            Some(c) if c == ObjectClass::SECRET_KEY => "secret key",
            Some(c) if c == ObjectClass::PRIVATE_KEY => "private key",
            Some(c) if c == ObjectClass::PUBLIC_KEY => "public key",
            Some(c) if c == ObjectClass::CERTIFICATE => "certificate",
            Some(c) if c == ObjectClass::DATA => "data object",
            _ => "object",
        };
        let key_type = self
            .key_type
            .map(|k| k.to_string().trim_start_matches("CKK_").replace('_', "-"));
        let text = match (key_type, self.value_len) {
            (Some(k), Some(len)) if self.class == Some(ObjectClass::SECRET_KEY) => {
                format!("{k} {class} of {} bits", len * 8)
            }
            (Some(k), _) => format!("{k} {class}"),
            (None, _) => class.to_string(),
        };
        let article = if text.starts_with(['A', 'E', 'I', 'O', 'R', 'a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {text}")
    }
}

fn find_objects(device: &Device, uri: &Pkcs11Uri) -> Result<Vec<Found>> {
    let session = device.session();
    let mut template = vec![Attribute::Label(uri.object.as_bytes().to_vec())];
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    let handles = session
        .find_objects(&template)
        .map_err(|e| device_failure("searching objects", &device.module, &e))?;
    let mut found = Vec::new();
    for handle in handles {
        let attrs = session
            .get_attributes(
                handle,
                &[
                    AttributeType::Class,
                    AttributeType::KeyType,
                    AttributeType::ValueLen,
                    AttributeType::Encrypt,
                    AttributeType::Decrypt,
                    AttributeType::Wrap,
                    AttributeType::Unwrap,
                    AttributeType::Sensitive,
                    AttributeType::AlwaysSensitive,
                    AttributeType::Extractable,
                    AttributeType::NeverExtractable,
                ],
            )
            .map_err(|e| device_failure("reading object attributes", &device.module, &e))?;
        let class = attrs.iter().find_map(|a| match a {
            Attribute::Class(c) => Some(*c),
            _ => None,
        });
        let key_type = attrs.iter().find_map(|a| match a {
            Attribute::KeyType(k) => Some(*k),
            _ => None,
        });
        let value_len = attrs.iter().find_map(|a| match a {
            Attribute::ValueLen(n) => Some(u64::from(*n)),
            _ => None,
        });
        found.push(Found {
            handle,
            class,
            key_type,
            value_len,
            attrs,
        });
    }
    Ok(found)
}

/// The one AES-256 key the URI names; `Ok(None)` if no object has the label.
fn select_key(device: &Device, uri: &Pkcs11Uri) -> Result<Option<Found>> {
    let mut found = find_objects(device, uri)?;
    if found.is_empty() {
        return Ok(None);
    }
    let (mut keys, others): (Vec<Found>, Vec<Found>) = found.drain(..).partition(Found::is_aes256);
    match keys.len() {
        1 => Ok(keys.pop()),
        0 => Err(Failure::keyring(format!(
            "the PKCS#11 {} is {}, not an AES-256 secret key",
            uri.describe(),
            others[0].what()
        ))
        .hint("name an AES-256 secret key with object= (and id=), or a new label to have keycask generate one at init")
        .into()),
        n => Err(Failure::keyring(format!(
            "{n} AES-256 keys match the PKCS#11 {}",
            uri.describe()
        ))
        .hint("add id=%XX%XX... to the URI to name one")
        .into()),
    }
}

fn mechanism_ok(device: &Device, slot: Slot, mechanism: MechanismType, encrypt: bool) -> bool {
    let pkcs11 = device.pkcs11.as_ref().expect("a Device keeps its module");
    pkcs11
        .get_mechanism_info(slot, mechanism)
        .is_ok_and(|info| {
            if encrypt {
                info.encrypt() && info.decrypt()
            } else {
                info.wrap() && info.unwrap()
            }
        })
}

/// The mechanism to wrap with: AES-GCM where the key may encrypt and the
/// token has it, else AES key wrap (with padding where available).
fn choose_wrapping(
    device: &Device,
    slot: Slot,
    may_encrypt: bool,
    may_wrap: bool,
) -> Option<Wrapping> {
    if may_encrypt && mechanism_ok(device, slot, MechanismType::AES_GCM, true) {
        return Some(Wrapping::Gcm);
    }
    if may_wrap {
        if mechanism_ok(device, slot, MechanismType::AES_KEY_WRAP_PAD, false) {
            return Some(Wrapping::KeyWrapPad);
        }
        if mechanism_ok(device, slot, MechanismType::AES_KEY_WRAP, false) {
            return Some(Wrapping::KeyWrap);
        }
    }
    None
}

/// What an existing key allows.
fn key_wrapping(device: &Device, slot: Slot, key: &Found) -> Option<Wrapping> {
    let allows = |a| key.flag(a) == Some(true);
    choose_wrapping(
        device,
        slot,
        allows(AttributeType::Encrypt) && allows(AttributeType::Decrypt),
        allows(AttributeType::Wrap) && allows(AttributeType::Unwrap),
    )
}

/// For a key generated at `init`: AES-GCM where the token has it, unless
/// `KEYCASK_PKCS11_MECHANISM=aes-key-wrap` asks for a wrap/unwrap-only key
/// (for HSM policies that forbid encrypting key material as data, and to
/// test that path against SoftHSM2).
fn new_key_wrapping(device: &Device, slot: Slot) -> Result<Wrapping> {
    let (may_encrypt, may_wrap) = match std::env::var("KEYCASK_PKCS11_MECHANISM").as_deref() {
        Err(_) | Ok("") => (true, true),
        Ok("aes-gcm") => (true, false),
        Ok("aes-key-wrap") => (false, true),
        Ok(other) => {
            return Err(Failure::usage(format!(
                "KEYCASK_PKCS11_MECHANISM is '{other}', not aes-gcm or aes-key-wrap"
            ))
            .into());
        }
    };
    choose_wrapping(device, slot, may_encrypt, may_wrap).ok_or_else(|| {
        Failure::keyring(format!(
            "PKCS#11 module {} offers no mechanism keycask can wrap with (AES-GCM, AES key wrap)",
            device.module.display()
        ))
        .into()
    })
}

fn generate(device: &Device, uri: &Pkcs11Uri, wrapping: Wrapping) -> Result<ObjectHandle> {
    let gcm = wrapping == Wrapping::Gcm;
    let mut template = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::ValueLen(32.into()),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Label(uri.object.as_bytes().to_vec()),
        Attribute::Encrypt(gcm),
        Attribute::Decrypt(gcm),
        Attribute::Wrap(!gcm),
        Attribute::Unwrap(!gcm),
        Attribute::Sign(false),
        Attribute::Verify(false),
        Attribute::Derive(false),
    ];
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    device
        .session()
        .generate_key(&Mechanism::AesKeyGen, &template)
        .map_err(|e| {
            device_failure("generating the root key in the token", &device.module, &e).into()
        })
}

/// A root key held by a PKCS#11 token, with its session open.
pub struct Pkcs11Root {
    uri: Pkcs11Uri,
    key: ObjectHandle,
    wrapping: Wrapping,
    device: Device,
}

impl fmt::Debug for Pkcs11Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Root")
            .field("uri", &self.uri.text)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Root {
    /// Opens the root a keyring records.
    pub fn open(uri: &Pkcs11Uri, sources: &SecretSources) -> Result<Self> {
        let (device, slot) = connect(uri, sources, UriFrom::Keyring)?;
        let key = select_key(&device, uri)?.ok_or_else(|| {
            Failure::keyring(format!(
                "no PKCS#11 {} (module {})",
                uri.describe(),
                device.module.display()
            ))
            .hint("is this the token the keyring was created with? `keycask show` lists nothing secret; the root's URI is in the keyring's \"root\" field")
        })?;
        // The token may have changed since `init` adopted or made the key
        // (attributes set, the object replaced under its label): the rules
        // of adoption are checked at every unlock.
        let why = key.weaknesses();
        if !why.is_empty() {
            let failure = weak_root(uri, &why);
            if !sources.leaving_root {
                return Err(failure.into());
            }
            crate::stderr_line!(
                "keycask: warning: {}; used only to move the keyring to its new root",
                failure.message
            );
        }
        let wrapping = key_wrapping(&device, slot, &key).ok_or_else(|| unusable(uri))?;
        Ok(Pkcs11Root {
            uri: uri.clone(),
            key: key.handle,
            wrapping,
            device,
        })
    }

    /// For `init` and `rotate --root`: adopts the AES-256 key the URI names
    /// if it cannot leave the token, or generates one there.
    pub fn create(uri: &Pkcs11Uri, sources: &SecretSources) -> Result<Self> {
        let (device, slot) = connect(uri, sources, UriFrom::CommandLine)?;
        let (key, wrapping) = match select_key(&device, uri)? {
            Some(key) => {
                let why = key.weaknesses();
                if !why.is_empty() {
                    return Err(Failure::keyring(format!(
                        "the PKCS#11 {} is not safe as a root: {}",
                        uri.describe(),
                        why.join("; ")
                    ))
                    .hint("keycask adopts only a key generated in the token as sensitive and not extractable, which may not both wrap and decrypt (docs/hsm.md); name a new label and keycask generates one")
                    .into());
                }
                let wrapping = key_wrapping(&device, slot, &key).ok_or_else(|| unusable(uri))?;
                (key.handle, wrapping)
            }
            None => {
                let wrapping = new_key_wrapping(&device, slot)?;
                (generate(&device, uri, wrapping)?, wrapping)
            }
        };
        Ok(Pkcs11Root {
            uri: uri.clone(),
            key,
            wrapping,
            device,
        })
    }

    fn wrap_gcm(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        let mut iv = crypto::random_array::<GCM_IV_LEN>();
        let sealed = {
            let params = GcmParams::new(&mut iv, aad, ((GCM_TAG_LEN * 8) as u64).into())
                .map_err(|e| device_failure("AES-GCM", &self.device.module, &e))?;
            self.device
                .session()
                .encrypt(&Mechanism::AesGcm(params), self.key, kek.expose_secret())
                .map_err(|e| device_failure("wrapping the KEK", &self.device.module, &e))?
        };
        // Some HSMs (AWS CloudHSM among them) write their own IV into the
        // parameter; `iv` holds whichever IV the token used.
        if sealed.len() != 32 + GCM_TAG_LEN {
            return Err(Failure::keyring(
                "the token returned an AES-GCM ciphertext of an unexpected length",
            )
            .into());
        }
        let mut blob = Vec::with_capacity(1 + GCM_IV_LEN + sealed.len());
        blob.push(Wrapping::Gcm as u8);
        blob.extend_from_slice(&iv);
        blob.extend_from_slice(&sealed);
        Ok(blob)
    }

    fn unwrap_gcm(&self, body: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        if body.len() != GCM_IV_LEN + 32 + GCM_TAG_LEN {
            return Err(integrity().into());
        }
        let mut iv = [0u8; GCM_IV_LEN];
        iv.copy_from_slice(&body[..GCM_IV_LEN]);
        let params = GcmParams::new(&mut iv, aad, ((GCM_TAG_LEN * 8) as u64).into())
            .map_err(|e| device_failure("AES-GCM", &self.device.module, &e))?;
        let plain = self
            .device
            .session()
            .decrypt(&Mechanism::AesGcm(params), self.key, &body[GCM_IV_LEN..])
            .map(Zeroizing::new)
            .map_err(|e| self.unwrap_failure(&e))?;
        SecretKey32::from_slice(&plain).ok_or_else(|| integrity().into())
    }

    /// Creates a session object holding `KEK || SHA-256(AAD)`, has the token
    /// wrap it under the root, and destroys it.
    fn wrap_keywrap(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        let session = self.device.session();
        let mut value = Zeroizing::new(Vec::with_capacity(64));
        value.extend_from_slice(kek.expose_secret());
        value.extend_from_slice(&crypto::sha256(aad));
        let mut template = transient_secret_template();
        template.push(Attribute::Value(value.to_vec()));
        let created = session.create_object(&template);
        for attr in &mut template {
            if let Attribute::Value(v) = attr {
                v.zeroize();
            }
        }
        let object =
            created.map_err(|e| device_failure("loading the KEK", &self.device.module, &e))?;
        let wrapped = session.wrap_key(&self.wrapping.key_wrap_mechanism(), self.key, object);
        let _ = session.destroy_object(object);
        let wrapped =
            wrapped.map_err(|e| device_failure("wrapping the KEK", &self.device.module, &e))?;
        let mut blob = Vec::with_capacity(1 + wrapped.len());
        blob.push(self.wrapping as u8);
        blob.extend_from_slice(&wrapped);
        Ok(blob)
    }

    fn unwrap_keywrap(&self, wrapping: Wrapping, body: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        let session = self.device.session();
        let object = session
            .unwrap_key(
                &wrapping.key_wrap_mechanism(),
                self.key,
                body,
                &transient_secret_template(),
            )
            .map_err(|e| self.unwrap_failure(&e))?;
        // What stays behind unzeroized, out of keycask's reach: cryptoki
        // 0.12 `get_attributes` reads the value into a buffer of its own
        // (`KEK || SHA-256(AAD)`, 64 bytes), copies it into the returned
        // `Attribute::Value` and frees that buffer without zeroizing it.
        // Reading it into our own buffer would need a raw
        // `C_GetAttributeValue` call through cryptoki-sys, i.e. `unsafe`,
        // which the crate forbids. The token's own copy lives in a session
        // object destroyed right below. What keycask gets back is taken
        // over, and zeroized, by `take_value`.
        let value = session.get_attributes(object, &[AttributeType::Value]);
        let _ = session.destroy_object(object);
        let attrs = value
            .map_err(|e| device_failure("reading the unwrapped KEK", &self.device.module, &e))?;
        let plain = take_value(attrs).ok_or_else(integrity)?;
        if plain.len() != 64 || !bool::from(plain[32..].ct_eq(&crypto::sha256(aad))) {
            return Err(unwrap_auth(&self.uri).into());
        }
        SecretKey32::from_slice(&plain[..32]).ok_or_else(|| integrity().into())
    }

    /// A blob the token will not open is an authentication failure (exit 3),
    /// like a wrong passphrase. SoftHSM2 (and some other modules) report a
    /// failed GCM tag or key-wrap integrity check as CKR_GENERAL_ERROR.
    fn unwrap_failure(&self, err: &CkError) -> anyhow::Error {
        match err {
            CkError::Pkcs11(
                RvError::EncryptedDataInvalid
                | RvError::EncryptedDataLenRange
                | RvError::WrappedKeyInvalid
                | RvError::WrappedKeyLenRange
                | RvError::GeneralError,
                _,
            ) => unwrap_auth(&self.uri).into(),
            other => device_failure("unwrapping the KEK", &self.device.module, other).into(),
        }
    }
}

/// The first `Value` among `attrs`, taken over without a copy into
/// zeroizing memory; any other `Value` in the list is zeroized as it is
/// dropped.
fn take_value(attrs: Vec<Attribute>) -> Option<Zeroizing<Vec<u8>>> {
    let mut value = None;
    for attr in attrs {
        if let Attribute::Value(v) = attr {
            let v = Zeroizing::new(v);
            if value.is_none() {
                value = Some(v);
            }
        }
    }
    value
}

/// A session object the token may wrap and we may read back: the KEK is not
/// secret from us (we hold it in memory), only from the keyring file.
fn transient_secret_template() -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Private(true),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ]
}

fn integrity() -> Failure {
    Failure::keyring("the keyring failed its integrity check: a KEK version is malformed")
        .hint("restore the keyring from a backup; keycask will not use a keyring it cannot verify")
}

fn unwrap_auth(uri: &Pkcs11Uri) -> Failure {
    Failure::auth(format!(
        "cannot unlock the keyring: the PKCS#11 {} does not open its KEK",
        uri.describe()
    ))
    .hint("a different key under the same label, or a keyring changed outside keycask")
}

/// The root a keyring records fails the adoption rules at unlock.
fn weak_root(uri: &Pkcs11Uri, why: &[&str]) -> Failure {
    let failure = Failure::keyring(format!(
        "the PKCS#11 {} is no longer safe as the keyring's root: {}",
        uri.describe(),
        why.join("; ")
    ));
    let only_usage = why.iter().all(|w| w.contains("CKA_WRAP"));
    if only_usage {
        failure.hint("set CKA_WRAP or CKA_DECRYPT of the key back to false with the HSM's tools, or move the keyring off it: keycask rotate --root --to NEW-ROOT (allowed from this root)")
    } else {
        failure.hint("the key was changed or replaced in the token, or adopted by an older keycask, and its value may have been outside a token: move the keyring off it with keycask rotate --root --to NEW-ROOT (allowed from this root), then keycask rotate --kek")
    }
}

fn unusable(uri: &Pkcs11Uri) -> Failure {
    Failure::keyring(format!(
        "the PKCS#11 {} may neither encrypt/decrypt with AES-GCM nor wrap/unwrap with AES key wrap on this token",
        uri.describe()
    ))
    .hint("the root key needs CKA_ENCRYPT and CKA_DECRYPT (AES-GCM), or CKA_WRAP and CKA_UNWRAP")
}

impl RootKey for Pkcs11Root {
    fn config(&self) -> RootConfig {
        RootConfig::Pkcs11 {
            uri: self.uri.text.clone(),
        }
    }

    fn wrap_kek(&self, kek: &SecretKey32, aad: &[u8]) -> Result<Vec<u8>> {
        match self.wrapping {
            Wrapping::Gcm => self.wrap_gcm(kek, aad),
            Wrapping::KeyWrap | Wrapping::KeyWrapPad => self.wrap_keywrap(kek, aad),
        }
    }

    fn unwrap_kek(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey32> {
        let (&tag, body) = wrapped.split_first().ok_or_else(integrity)?;
        match Wrapping::from_tag(tag).ok_or_else(integrity)? {
            Wrapping::Gcm => self.unwrap_gcm(body, aad),
            other => self.unwrap_keywrap(other, body, aad),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_value_takes_the_kek_over_without_a_copy() {
        let value = vec![7u8; 64];
        let block = value.as_ptr();
        let attrs = vec![
            Attribute::ValueLen(64.into()),
            Attribute::Value(value),
            Attribute::Value(vec![8u8; 64]),
        ];
        let taken = take_value(attrs).unwrap();
        assert_eq!(taken.as_ptr(), block, "the same block, not a copy");
        assert_eq!(taken.as_slice(), [7u8; 64]);
        assert!(take_value(vec![Attribute::Token(false)]).is_none());
    }

    fn parse(text: &str) -> Result<Pkcs11Uri, Failure> {
        text.parse()
    }

    #[test]
    fn parses_token_object_module_and_pin_source() {
        let uri = parse("pkcs11:token=keycask;object=keycask-root?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/secrets/hsm-pin").unwrap();
        assert_eq!(uri.token.as_deref(), Some("keycask"));
        assert_eq!(uri.object, "keycask-root");
        assert_eq!(
            uri.module_path.as_deref(),
            Some(Path::new("/usr/lib/softhsm/libsofthsm2.so"))
        );
        assert_eq!(
            uri.pin_source.as_deref(),
            Some(Path::new("/run/secrets/hsm-pin"))
        );
        assert_eq!(uri.describe(), "object 'keycask-root' in token 'keycask'");
    }

    #[test]
    fn percent_decodes_values_and_ids() {
        let uri = parse("pkcs11:token=My%20Token;object=r%C3%A9ka;id=%01%ff;serial=ab%3Bc;slot-id=3;type=secret-key?pin-source=file:///tmp/p%20in").unwrap();
        assert_eq!(uri.token.as_deref(), Some("My Token"));
        assert_eq!(uri.object, "réka");
        assert_eq!(uri.id.as_deref(), Some(&[0x01, 0xff][..]));
        assert_eq!(uri.serial.as_deref(), Some("ab;c"));
        assert_eq!(uri.slot_id, Some(3));
        assert_eq!(uri.pin_source.as_deref(), Some(Path::new("/tmp/p in")));
        assert_eq!(percent_decode("a%2fb").unwrap(), b"a/b");
    }

    #[test]
    fn refuses_bad_uris() {
        for (text, needle) in [
            ("pkcs12:object=x", "must start with pkcs11:"),
            ("pkcs11:token=t", "names no object"),
            ("pkcs11:object=a;object=b", "given twice"),
            ("pkcs11:object=a%2", "percent-encoding"),
            ("pkcs11:object=a%zz", "percent-encoding"),
            ("pkcs11:object=%ff", "not UTF-8"),
            ("pkcs11:object=", "object is empty"),
            ("pkcs11:object=a;tokn=x", "unsupported attribute 'tokn'"),
            ("pkcs11:object=a;type=private", "secret-key"),
            ("pkcs11:object=a;slot-id=x", "not a number"),
            ("pkcs11:object=a;module-path=/x", "query part"),
            ("pkcs11:object=a?module-name=softhsm2", "unsupported query"),
            ("pkcs11:object=a?pin-source=|cat", "must be a file"),
            ("pkcs11:object=a?pin-source=file://host/x", "local path"),
            ("pkcs11:object=a?pin-value=1234", "pin-value"),
            ("pkcs11:object", "not name=value"),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.code, crate::error::ExitCode::Usage, "{text}");
            assert!(err.message.contains(needle), "{text}: {}", err.message);
            assert!(
                !err.message.contains("1234"),
                "the PIN is echoed: {}",
                err.message
            );
        }
    }

    #[test]
    fn same_object_ignores_module_and_pin_source() {
        let a = parse("pkcs11:token=t;object=o?module-path=/a.so&pin-source=file:/p").unwrap();
        let b = parse("pkcs11:object=o;token=t?module-path=/b/../a.so").unwrap();
        assert!(a.same_object(&b));
        for other in [
            "pkcs11:token=t;object=o2",
            "pkcs11:token=t2;object=o",
            "pkcs11:token=t;object=o;id=%01",
            "pkcs11:token=t;object=o;serial=1",
        ] {
            assert!(!a.same_object(&parse(other).unwrap()), "{other}");
        }
    }

    #[test]
    fn blob_tags_round_trip() {
        for w in [Wrapping::Gcm, Wrapping::KeyWrapPad, Wrapping::KeyWrap] {
            assert_eq!(Wrapping::from_tag(w as u8), Some(w));
        }
        assert_eq!(Wrapping::from_tag(0), None);
        assert_eq!(Wrapping::from_tag(4), None);
    }
}
