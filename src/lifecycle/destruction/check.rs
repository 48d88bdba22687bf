//! `destroy --check PATH...`: before versions are destroyed, the files
//! under PATH are scanned (headers only, as `rekey --dry-run` does) and the
//! destruction is refused while an envelope still needs one of them.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::envelope::scan;
use crate::error::Failure;
use crate::keyring::{Keyring, find_key};

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What `--check` looked at, when nothing needs the versions.
#[derive(Debug)]
pub(super) struct Checked {
    /// Regular files read.
    pub(super) files: usize,
    /// Envelopes of this keyring among them.
    pub(super) envelopes: usize,
    /// The other files read: not envelopes, or another keyring's.
    pub(super) not_ours: usize,
    /// What the walk did not read (links inside folders, special files).
    pub(super) passed_over: Vec<(PathBuf, String)>,
}

/// How many files `--check` lists before it only counts.
const LISTED: usize = 20;

/// Scans `paths` with the same scan as `rekey --dry-run` (headers only, no
/// unlock) and refuses while an envelope needs one of `versions`, or while a
/// file that looks like an envelope cannot be read (it might need one).
pub(super) fn check_envelopes(
    doc: &Keyring,
    name: &str,
    versions: &[u32],
    what: &str,
    paths: &[PathBuf],
) -> Result<Checked> {
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let deps = scan::dependencies(paths, jobs)?;
    let key = find_key(doc, name)?;
    // (path, version number, the keyring id its header names when that is
    // another keyring's: an envelope made with a key imported here).
    let mut needing: Vec<(&Path, u32, Option<&str>)> = Vec::new();
    for number in versions {
        let v = key.version(*number).expect("checked by targets()");
        for id in crate::sealed::dependency_ids(name, v) {
            for (path, named) in deps.envelopes_needing(&id) {
                // A recipient stanza names no keyring: it is this one's key.
                let foreign = (!named.keyring_id.is_empty() && named.keyring_id != doc.keyring_id)
                    .then_some(named.keyring_id.as_str());
                needing.push((path, *number, foreign));
            }
        }
    }
    needing.sort();
    needing.dedup();
    let list = |total: usize, lines: Vec<String>| {
        let mut text = lines
            .into_iter()
            .take(LISTED)
            .map(|line| format!("\n  {line}"))
            .collect::<String>();
        if total > LISTED {
            text.push_str(&format!("\n  ... and {} more", total - LISTED));
        }
        text
    };
    if !needing.is_empty() {
        let total = needing.len();
        let foreign = needing.iter().any(|(_, _, f)| f.is_some());
        let lines = needing
            .iter()
            .map(|(path, n, keyring)| match keyring {
                None => format!("{} (version {n})", path.display()),
                Some(id) => format!(
                    "{} (version {n}; made by keyring {id}: re-encrypt it, a header-only rekey does not rewrite it)",
                    path.display()
                ),
            })
            .collect();
        return Err(Failure::key_unusable(format!(
            "{total} envelope{} under --check still need{} {}:{}",
            plural(total),
            if total == 1 { "s" } else { "" },
            what,
            list(total, lines)
        ))
        .hint(format!(
            "re-key them to the primary version first (`keycask rekey {0}`; after a compromise, re-encrypt them with a fresh content key: `keycask rekey --reencrypt {0}`){1}, then destroy again",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            if foreign {
                "; those another keyring made need `keycask rekey --reencrypt`"
            } else {
                ""
            }
        ))
        .into());
    }
    if !deps.unreadable.is_empty() {
        let total = deps.unreadable.len();
        let lines = deps
            .unreadable
            .iter()
            .map(|(path, why)| format!("{}: {why}", path.display()))
            .collect();
        return Err(Failure::key_unusable(format!(
            "cannot tell whether {total} file{} under --check need{} {}: they look like envelopes but cannot be read:{}",
            plural(total),
            if total == 1 { "s" } else { "" },
            what,
            list(total, lines)
        ))
        .hint("repair, move or delete them, or leave their folder out of --check")
        .into());
    }
    // This keyring's envelopes: those that need one of its versions (by
    // version id or public key, as `unwrap` finds them).
    let ids: std::collections::HashSet<String> = doc
        .keys
        .iter()
        .flat_map(|(name, k)| {
            k.versions
                .iter()
                .flat_map(|v| crate::sealed::dependency_ids(name, v))
        })
        .collect();
    let envelopes = deps.envelopes.len();
    let ours = deps
        .envelopes
        .iter()
        .filter(|(_, needs)| needs.iter().any(|v| ids.contains(v.version_id.as_str())))
        .count();
    Ok(Checked {
        files: envelopes + deps.not_envelopes.len(),
        envelopes: ours,
        not_ours: envelopes - ours + deps.not_envelopes.len(),
        passed_over: deps.passed_over,
    })
}
