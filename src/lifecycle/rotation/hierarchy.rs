//! `rotate --kek` and `rotate --root`: the levels above the keys.

#[allow(unused_imports)]
use super::*;

pub(super) fn rotate_kek(ctx: &Context) -> Result<()> {
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let old: Vec<u32> = session
        .keyring
        .doc
        .kek
        .versions
        .iter()
        .map(|v| v.version)
        .collect();
    let rewrapped = live_versions(&session);
    let new = session.rotate_kek(session.now())?;
    session.record(
        Event::new("rotate-kek")
            .versions([new])
            .detail(format!("{rewrapped} key versions re-wrapped")),
    );
    session.commit()?;
    ctx.emit(&RotateKekReport {
        schema: "keycask.rotate-kek/1",
        old_kek_versions: old,
        new_kek_version: new,
        key_versions_rewrapped: rewrapped,
    })
}

/// What `rotate --kek` reports: `keycask.rotate-kek/1` (docs/JSON.md).
#[derive(Serialize)]
struct RotateKekReport {
    schema: &'static str,
    old_kek_versions: Vec<u32>,
    new_kek_version: u32,
    key_versions_rewrapped: usize,
}

impl fmt::Display for RotateKekReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "rotated the KEK: version {} -> {}; {} key versions re-wrapped, envelopes untouched",
            version_list(&self.old_kek_versions),
            self.new_kek_version,
            self.key_versions_rewrapped
        )
    }
}

/// Key versions that still hold material (all but the destroyed).
pub(super) fn live_versions(session: &Session) -> usize {
    session
        .keyring
        .doc
        .keys
        .values()
        .flat_map(|k| &k.versions)
        .filter(|v| v.wrapped.is_some())
        .count()
}

pub(super) fn rotate_root(
    ctx: &Context,
    to: Option<&RootSpec>,
    new_passphrase_file: Option<&std::path::Path>,
) -> Result<()> {
    let doc = file::read(&ctx.keyring_path)?;
    let spec = match to {
        Some(spec) => spec.clone(),
        None if matches!(doc.root, RootConfig::Passphrase(_)) => RootSpec::Passphrase,
        // A Transit root: re-wrap the KEK under the key's latest version.
        None if let RootConfig::Transit { url } = &doc.root => {
            RootSpec::Transit(Box::new(url.parse().map_err(|e: Failure| {
                Failure::keyring(format!("the keyring's root URL is unusable: {e}"))
            })?))
        }
        None => {
            return Err(Failure::usage(format!(
                "the keyring's root is a {}; say which root to move to",
                doc.root.kind()
            ))
            .hint("keycask rotate --root --to keyfile:NEW-PATH (or --to passphrase)")
            .into());
        }
    };
    if let (RootSpec::Keyfile(new_path), RootConfig::Keyfile { path: old_path }) =
        (&spec, &doc.root)
        && output::same_file(new_path, old_path)
    {
        return Err(Failure::usage(format!(
            "{} is already the keyring's root key file",
            new_path.display()
        ))
        .hint("name a new path: keycask rotate --root --to keyfile:NEW-PATH")
        .into());
    }

    if let (RootSpec::Pkcs11(new_uri), RootConfig::Pkcs11 { uri }) = (&spec, &doc.root)
        && uri
            .parse::<root::pkcs11::Pkcs11Uri>()
            .is_ok_and(|old| old.same_object(new_uri))
    {
        return Err(Failure::usage(format!(
            "the PKCS#11 {} is already the keyring's root",
            new_uri.describe()
        ))
        .hint("name another object or token: keycask rotate --root --to 'pkcs11:token=..;object=NEW-LABEL?..'")
        .into());
    }

    // Transit: the same key again means "re-wrap under its latest version".
    let rewrap = matches!((&spec, &doc.root), (RootSpec::Transit(new_url), RootConfig::Transit { url })
        if url.parse::<root::transit::TransitUrl>().is_ok_and(|old| old.same_key(new_url)));

    // Unlock with the current root first: a wrong old secret fails here,
    // before anything new is asked for or created. A PKCS#11 root that no
    // longer passes the adoption rules is opened here, and only here, to
    // move the keyring off it.
    let leaving = root::SecretSources {
        leaving_root: true,
        ..ctx.sources.clone()
    };
    // Never with an agent's KEK: moving to a new root proves the old one.
    let mut session =
        Session::open_with(&ctx.keyring_path, &leaving, crate::keyring::AgentUse::Never)?;
    let new_passphrase = match spec {
        RootSpec::Passphrase => {
            let pass = passphrase::read_new(new_passphrase_file, &ctx.sources)?;
            refuse_same_passphrase(&session, &pass)?;
            Some(pass)
        }
        _ => None,
    };
    let created_file = match &spec {
        RootSpec::Keyfile(path) if !path.exists() => Some(std::path::absolute(path)?),
        _ => None,
    };
    let result = (|| -> Result<()> {
        let new_root = root::create(&spec, new_passphrase.as_ref(), &ctx.sources)?;
        let old_desc = session.keyring.doc.root.describe();
        let old_versions = transit_versions(&session.keyring.doc);
        session.replace_root(new_root)?;
        let new_desc = session.keyring.doc.root.describe();
        let detail = if rewrap {
            format!(
                "KEK re-wrapped under {new_desc}: Transit key version(s) {} -> {}",
                old_versions,
                transit_versions(&session.keyring.doc)
            )
        } else {
            format!("root moved from {old_desc} to {new_desc}")
        };
        session.record(Event::new("rotate-root").detail(detail.clone()));
        let kek_versions = session.keyring.doc.kek.versions.len();
        session.commit()?;
        ctx.emit(&RotateRootReport {
            schema: "keycask.rotate-root/1",
            old_root: old_desc,
            new_root: new_desc,
            kek_versions_rewrapped: kek_versions,
            rewrapped_under_transit: rewrap.then_some(detail),
        })?;
        Ok(())
    })();
    if result.is_err()
        && let Some(path) = created_file
    {
        // The keyring was not changed; a key file made for it protects nothing.
        let _ = std::fs::remove_file(path);
    }
    result?;
    if let RootConfig::Keyfile { path } = &doc.root {
        ctx.note(format!(
            "the old key file {} no longer unlocks this keyring (but still unlocks its old backups); remove it when you are done with them",
            path.display()
        ));
    }
    Ok(())
}

/// The Transit key versions the KEK versions are wrapped under (`v1,v2`),
/// or `-` for another root.
pub(super) fn transit_versions(doc: &crate::keyring::Keyring) -> String {
    let versions: Vec<String> = doc
        .kek
        .versions
        .iter()
        .filter_map(|v| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &v.wrapped).ok()
        })
        .filter_map(|blob| root::transit::ciphertext_version(&blob))
        .map(|n| format!("v{n}"))
        .collect();
    if versions.is_empty() {
        "-".into()
    } else {
        versions.join(",")
    }
}

/// A "new" passphrase equal to the current one would leave the old
/// passphrase working, which is what the user asked to stop.
pub(super) fn refuse_same_passphrase(
    session: &Session,
    new: &crate::secret::Passphrase,
) -> Result<()> {
    let RootConfig::Passphrase(kdf) = &session.keyring.doc.root else {
        return Ok(());
    };
    let Some(first) = session.keyring.doc.kek.versions.first() else {
        return Ok(());
    };
    let candidate = passphrase::PassphraseRoot::derive(kdf, new)?;
    let wrapped =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &first.wrapped)
            .unwrap_or_default();
    let aad = crate::keyring::kek_aad(&session.keyring.doc.keyring_id, first.version);
    if root::RootKey::unwrap_kek(&candidate, &wrapped, &aad).is_ok() {
        return Err(
            Failure::usage("the new passphrase is the same as the current one")
                .hint("choose a different passphrase")
                .into(),
        );
    }
    Ok(())
}

/// What `rotate --root` reports: `keycask.rotate-root/1` (docs/JSON.md).
#[derive(Serialize)]
struct RotateRootReport {
    schema: &'static str,
    old_root: String,
    new_root: String,
    kek_versions_rewrapped: usize,
    /// For a Transit root re-wrapped under its latest version: the line
    /// that says so (the audit record's detail), instead of "rotated".
    #[serde(skip)]
    rewrapped_under_transit: Option<String>,
}

impl fmt::Display for RotateRootReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rewrapped_under_transit {
            Some(detail) => writeln!(f, "{detail}"),
            None => writeln!(
                f,
                "rotated the root: {} -> {}; {} KEK version(s) re-wrapped",
                self.old_root, self.new_root, self.kek_versions_rewrapped
            ),
        }
    }
}
