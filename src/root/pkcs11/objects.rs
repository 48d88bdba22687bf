//! The key objects in the token: finding, choosing, checking and
//! generating the root key.

#[allow(unused_imports)]
use super::*;

/// What an object found under the URI's label is.
pub(super) struct Found {
    pub(super) handle: ObjectHandle,
    pub(super) class: Option<ObjectClass>,
    pub(super) key_type: Option<KeyType>,
    pub(super) value_len: Option<u64>,
    pub(super) attrs: Vec<Attribute>,
}

impl Found {
    pub(super) fn flag(&self, kind: AttributeType) -> Option<bool> {
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
    pub(super) fn weaknesses(&self) -> Vec<&'static str> {
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

    pub(super) fn is_aes256(&self) -> bool {
        self.class == Some(ObjectClass::SECRET_KEY)
            && self.key_type == Some(KeyType::AES)
            && self.value_len == Some(32)
    }

    pub(super) fn what(&self) -> String {
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

pub(super) fn find_objects(device: &Device, uri: &Pkcs11Uri) -> Result<Vec<Found>> {
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
pub(super) fn select_key(device: &Device, uri: &Pkcs11Uri) -> Result<Option<Found>> {
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

pub(super) fn mechanism_ok(
    device: &Device,
    slot: Slot,
    mechanism: MechanismType,
    encrypt: bool,
) -> bool {
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
pub(super) fn choose_wrapping(
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
pub(super) fn key_wrapping(device: &Device, slot: Slot, key: &Found) -> Option<Wrapping> {
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
pub(super) fn new_key_wrapping(device: &Device, slot: Slot) -> Result<Wrapping> {
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

pub(super) fn generate(
    device: &Device,
    uri: &Pkcs11Uri,
    wrapping: Wrapping,
) -> Result<ObjectHandle> {
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
