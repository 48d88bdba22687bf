//! The token: loading the module (and trusting a recorded one), sessions,
//! the PIN and login, and the wrapping mechanism.

#[allow(unused_imports)]
use super::*;

/// How a KEK blob was made; the first byte of every blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Wrapping {
    Gcm = 1,
    KeyWrapPad = 2,
    KeyWrap = 3,
}

impl Wrapping {
    pub(super) fn from_tag(tag: u8) -> Option<Wrapping> {
        match tag {
            1 => Some(Wrapping::Gcm),
            2 => Some(Wrapping::KeyWrapPad),
            3 => Some(Wrapping::KeyWrap),
            _ => None,
        }
    }

    pub(super) fn key_wrap_mechanism(self) -> Mechanism<'static> {
        match self {
            Wrapping::KeyWrapPad => Mechanism::AesKeyWrapPad,
            _ => Mechanism::AesKeyWrap,
        }
    }
}

pub(super) const GCM_IV_LEN: usize = 12;
pub(super) const GCM_TAG_LEN: usize = 16;

/// An open module, session and login. Dropping it logs out, closes the
/// session and finalises the module, whatever state it got to.
///
/// PKCS#11 keeps one initialisation and one login state per process and
/// token, so when two roots share a module (`rotate --root` from one object
/// to another) they share both: the module is finalised, and the token
/// logged out, when the last root using it is dropped.
pub(super) struct Device {
    pub(super) module: PathBuf,
    pub(super) key: PathBuf,
    pub(super) slot: Option<u64>,
    pub(super) session: Option<Session>,
    pub(super) logged_in: bool,
    pub(super) pkcs11: Option<Pkcs11>,
}

/// One loaded module: how many roots use it, and how many are logged in to
/// each of its slots.
pub(super) struct Loaded {
    pub(super) key: PathBuf,
    pub(super) pkcs11: Pkcs11,
    pub(super) users: usize,
    pub(super) logins: Vec<(u64, usize)>,
}

thread_local! {
    static LOADED: RefCell<Vec<Loaded>> = const { RefCell::new(Vec::new()) };
}

/// The module's identity: its canonical path where it has one (dlopen
/// returns one handle for two paths to the same file).
pub(super) fn module_key(module: &Path) -> PathBuf {
    std::fs::canonicalize(module).unwrap_or_else(|_| module.to_path_buf())
}

pub(super) fn acquire_module(module: &Path) -> Result<(PathBuf, Pkcs11), Failure> {
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
pub(super) fn count_login(key: &Path, slot: u64, delta: isize) -> usize {
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
    pub(super) fn session(&self) -> &Session {
        self.session
            .as_ref()
            .expect("a Device always has a session once built")
    }
}

pub(super) fn module_failure(module: &Path, why: impl fmt::Display) -> Failure {
    Failure::keyring(format!(
        "cannot load the PKCS#11 module {}: {why}",
        module.display()
    ))
    .hint("give the module with module-path= in the URI, --pkcs11-module PATH or KEYCASK_PKCS11_MODULE (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)")
}

/// A PKCS#11 error as one short line: the CKR_ name, not the spec's prose.
pub(super) fn rv_text(err: &CkError) -> String {
    match err {
        CkError::Pkcs11(rv, function) => format!("{function} returned {rv:?}"),
        other => other.to_string(),
    }
}

pub(super) fn device_failure(what: &str, module: &Path, err: &CkError) -> Failure {
    Failure::keyring(format!(
        "PKCS#11 module {}: {what} failed: {}",
        module.display(),
        rv_text(err)
    ))
}

pub(super) fn load_module(module: &Path) -> Result<Pkcs11, Failure> {
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
pub(super) enum UriFrom {
    /// The command line (`init`, `rotate --root --to`): the user's own words.
    CommandLine,
    /// The keyring file, not authenticated until the root is open.
    Keyring,
}

/// The module to load: `--pkcs11-module` / `KEYCASK_PKCS11_MODULE` (this
/// machine's path wins over the one recorded), else `module-path`, which,
/// read from the keyring file, must pass [`trusted_recorded_module`].
pub(super) fn module_path(
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
pub(super) fn trusted_recorded_module(module: &Path) -> Result<PathBuf, Failure> {
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

pub(super) const PIN_SOURCES_HINT: &str = "give it with --pin-file PATH, KEYCASK_PIN_FILE, KEYCASK_PIN or pin-source=file:PATH in the URI, or run at a terminal";

/// PIN files and variables follow the passphrase rules; a PIN file is read
/// to at most 4 KiB.
pub(super) const PIN: SecretText = SecretText {
    noun: "PIN",
    limit: 4096,
    empty_hint: None,
};

/// The PIN, from the first source that is set: `--pin-file`,
/// `KEYCASK_PIN_FILE`, `KEYCASK_PIN`, `pin-source` in the URI, the terminal.
/// `None` means the token has its own PIN pad (protected authentication path).
pub(super) fn read_pin(
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

pub(super) fn login(
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
pub(super) fn connect(
    uri: &Pkcs11Uri,
    sources: &SecretSources,
    from: UriFrom,
) -> Result<(Device, Slot)> {
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
