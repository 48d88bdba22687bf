//! RFC 7512 PKCS#11 URIs: parsing, percent-decoding, what they name.

#[allow(unused_imports)]
use super::*;

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

pub(super) fn uri_error(message: impl fmt::Display) -> Failure {
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

pub(super) fn decode_text(name: &str, value: &str) -> Result<String, Failure> {
    let bytes = percent_decode(value)?;
    let text =
        String::from_utf8(bytes).map_err(|_| uri_error(format!("{name} is not UTF-8 text")))?;
    if text.is_empty() {
        return Err(uri_error(format!("{name} is empty")));
    }
    Ok(text)
}

/// `file:/path`, `file:///path` or a bare absolute path.
pub(super) fn pin_source_path(value: &str) -> Result<PathBuf, Failure> {
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

    pub(super) fn matches(&self, slot: Slot, info: &TokenInfo) -> bool {
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
