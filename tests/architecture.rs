//! The shape of the code (issue 14): reads `src/` as text and fails when
//!
//! - a module imports a module on a higher floor ([`FLOORS`], the same table
//!   as in docs/ARCHITECTURE.md), or one lifecycle phase imports another;
//! - files import each other in a cycle;
//! - a file under `src/` is over [`MAX_LINES`] lines, its unit tests not
//!   counted;
//! - `src/lib.rs` is over [`MAX_LIB_LINES`] lines.
//!
//! What still breaks a rule today is in [`ALLOWED`], each entry with its
//! reason; an entry that no longer matches anything fails the test too, so
//! the list only shrinks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floors, lowest first: `(floor, name, modules)`. A module may import
/// modules of its own floor and of the floors below, never above. Modules
/// are the top-level modules of `src/` (`lifecycle` counts with all its
/// phases). Keep docs/ARCHITECTURE.md in step: the test checks that it
/// holds this table.
const FLOORS: &[(u8, &str, &[&str])] = &[
    (
        0,
        "foundations",
        &[
            "cli", "clock", "error", "input", "key", "messages", "output", "random", "secret",
            "temp",
        ],
    ),
    (1, "crypto", &["bundle", "crypto"]),
    (
        2,
        "formats and roots",
        &["agent", "audit_log", "envelope", "root"],
    ),
    (3, "keyring", &["keyring"]),
    (4, "services", &["context", "hardening", "rekey", "sealed"]),
    (5, "commands", &["lifecycle"]),
    (
        6,
        "entry points",
        &["fixtures", "fuzz", "lib", "main", "tests"],
    ),
];

/// Names that `src/lib.rs` re-exports at the crate root, and the module
/// each stands for.
const ROOT_REEXPORTS: &[(&str, &str)] = &[
    ("stderr_line", "messages"),
    ("Context", "context"),
    ("harden_process", "hardening"),
    ("report_error", "messages"),
    ("report_usage_error", "messages"),
];

const MAX_LINES: usize = 800;
const MAX_LIB_LINES: usize = 120;

/// Which rule an allow-list entry excuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// The file may import this module of a higher floor.
    Upward(&'static str),
    /// The file may be over `MAX_LINES` lines.
    Long,
}

/// Known breaches, each with its reason, to be removed when its file is
/// reshaped. Empty since issue 14 finished its splits; keep it so.
const ALLOWED: &[(&str, Rule, &str)] = &[];

struct SourceFile {
    /// `src/keyring/mod.rs`
    path: String,
    /// `keyring`, `keyring::file`, `lib` for `src/lib.rs`.
    module: String,
    /// The code without line comments and without the unit-test module.
    code: String,
    /// Lines, the unit-test module not counted.
    lines: usize,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn read_sources() -> Vec<SourceFile> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = src_dir();
    let mut paths = Vec::new();
    walk(&src, &mut paths);
    paths.sort();
    paths
        .into_iter()
        // A file of unit tests only (`#[cfg(test)] mod tests;`).
        .filter(|p| p.file_name().unwrap() != "tests.rs")
        .map(|path| {
            let relative = path.strip_prefix(&src).unwrap().to_str().unwrap();
            let module = relative
                .trim_end_matches(".rs")
                .trim_end_matches("/mod")
                .replace('/', "::");
            let text = std::fs::read_to_string(&path).unwrap();
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            let code = text
                .lines()
                .map(|line| match line.trim_start().starts_with("//") {
                    true => "",
                    false => line,
                })
                .collect::<Vec<_>>()
                .join("\n");
            SourceFile {
                path: format!("src/{relative}"),
                module,
                code,
                lines: text.lines().count(),
            }
        })
        .collect()
}

/// The module paths a file names, as `a::b::c` (from `crate::a::b::c`,
/// `crate::{a, b::c}` and `super::...`, resolved), with the text that
/// named each.
fn references(file: &SourceFile) -> Vec<(String, String)> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    // `a::b::C` at the start of `s`, and the length taken.
    let path_at = |s: &str| -> (Vec<String>, usize) {
        let mut segments = Vec::new();
        let mut taken = 0;
        let mut rest = s;
        loop {
            let len = rest.find(|c: char| !ident(c)).unwrap_or(rest.len());
            if len == 0 {
                break;
            }
            segments.push(rest[..len].to_string());
            taken += len;
            rest = &rest[len..];
            match rest.strip_prefix("::") {
                Some(r) if r.starts_with(ident) => {
                    rest = r;
                    taken += 2;
                }
                _ => break,
            }
        }
        (segments, taken)
    };
    let own: Vec<&str> = file.module.split("::").collect();
    let mut found = Vec::new();
    for (prefix, base) in [("crate::", None), ("super::", Some(()))] {
        let mut at = 0;
        while let Some(i) = file.code[at..].find(prefix) {
            let start = at + i;
            at = start + prefix.len();
            let before = file.code[..start].chars().next_back();
            if before.is_some_and(|c| ident(c) || c == '$' || c == ':') {
                continue;
            }
            let mut root: Vec<String> = Vec::new();
            let mut rest = &file.code[at..];
            if base.is_some() {
                // `super` of `a::b` is `a`, whether b is a/b.rs or a/b/mod.rs.
                if file.module == "lib" {
                    continue;
                }
                let mut depth = own.len() - 1;
                while let Some(r) = rest.strip_prefix("super::") {
                    rest = r;
                    depth = depth.saturating_sub(1);
                }
                root = own[..depth].iter().map(|s| s.to_string()).collect();
            }
            let groups: Vec<Vec<String>> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end]
                    .split(',')
                    .map(|item| path_at(item.trim()).0)
                    .filter(|p| !p.is_empty())
                    .collect()
            } else {
                vec![path_at(rest).0]
            };
            for segments in groups {
                let mut full = root.clone();
                full.extend(segments);
                // Items of the crate root that live in modules.
                if let Some((_, module)) = ROOT_REEXPORTS
                    .iter()
                    .find(|(name, _)| full.first().is_some_and(|f| f == name))
                {
                    let rest = full.split_off(1);
                    full = module.split("::").map(str::to_string).collect();
                    full.extend(rest);
                }
                if full.is_empty() {
                    continue;
                }
                let line = file.code[..start].lines().count().max(1);
                let shown = file.code[start..].lines().next().unwrap_or_default().trim();
                found.push((full.join("::"), format!("line {line}: {shown}")));
            }
        }
    }
    found
}

/// The floor of a module path (its first segment), if the table has it.
fn floor_of(module: &str) -> Option<(u8, &'static str)> {
    let top = module.split("::").next().unwrap();
    FLOORS
        .iter()
        .find(|(_, _, modules)| modules.contains(&top))
        .map(|(floor, name, _)| (*floor, *name))
}

/// The file module a path names: its longest prefix that is a file.
fn resolve<'a>(path: &str, modules: &'a BTreeSet<String>) -> Option<&'a String> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len())
        .rev()
        .find_map(|n| modules.get(&segments[..n].join("::")))
}

fn allowed(path: &str, rule: Rule, used: &mut BTreeSet<usize>) -> bool {
    match ALLOWED
        .iter()
        .position(|(p, r, _)| *p == path && *r == rule)
    {
        Some(i) => {
            used.insert(i);
            true
        }
        None => false,
    }
}

#[test]
fn the_code_keeps_its_shape() {
    let files = read_sources();
    let modules: BTreeSet<String> = files.iter().map(|f| f.module.clone()).collect();
    let mut used = BTreeSet::new();
    let mut broken = Vec::new();

    // Every top-level module has a floor.
    for file in &files {
        if floor_of(&file.module).is_none() {
            broken.push(format!(
                "{}: module `{}` is on no floor: add it to FLOORS in tests/architecture.rs and to the table in docs/ARCHITECTURE.md",
                file.path, file.module
            ));
        }
    }

    // No import reaches up a floor.
    let mut edges: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    for file in &files {
        let Some((floor, name)) = floor_of(&file.module) else {
            continue;
        };
        let top = file.module.split("::").next().unwrap();
        for (target, shown) in references(file) {
            let target_top = target.split("::").next().unwrap().to_string();
            if let Some((target_floor, target_name)) = floor_of(&target_top)
                && target_floor > floor
                && target_top != top
                && !allowed(
                    &file.path,
                    Rule::Upward(static_name(&target_top)),
                    &mut used,
                )
            {
                broken.push(format!(
                    "{} ({name}, floor {floor}) imports `{target_top}` ({target_name}, floor {target_floor}) at {shown}: \
                     a module may import only its own floor and those below. Move what it needs down, \
                     or the importer up (docs/ARCHITECTURE.md)",
                    file.path
                ));
            }
            // The lifecycle phases never import each other; what they share
            // is in `lifecycle::common` or below.
            let phase = |m: &str| -> Option<String> {
                let mut parts = m.split("::");
                (parts.next() == Some("lifecycle"))
                    .then(|| parts.next().map(str::to_string))
                    .flatten()
            };
            if let (Some(own), Some(other)) = (phase(&file.module), phase(&target))
                && own != other
                && other != "common"
            {
                broken.push(format!(
                    "{} (phase `{own}`) imports the phase `{other}` at {shown}: the lifecycle phases never import each other; \
                     move what both need to src/lifecycle/common.rs or a lower floor",
                    file.path
                ));
            }
            if let Some(to) = resolve(&target, &modules) {
                // A parent naming its own children (`mod`, `pub use`) is
                // structure, not an import.
                let child = to.starts_with(&format!("{}::", file.module)) || file.module == "lib";
                if to != &file.module && !child {
                    edges
                        .entry(file.module.as_str())
                        .or_default()
                        .entry(to.as_str())
                        .or_insert(shown);
                }
            }
        }
    }

    // No cycle between files.
    for cycle in cycles(&edges) {
        let chain: Vec<String> = cycle
            .windows(2)
            .map(|w| format!("{} -> {} ({})", w[0], w[1], edges[w[0]][w[1]]))
            .collect();
        broken.push(format!(
            "import cycle between files: {}. Break it by moving the shared piece to a lower module",
            chain.join("; ")
        ));
    }

    // Files a newcomer can read.
    for file in &files {
        if file.lines > MAX_LINES && !allowed(&file.path, Rule::Long, &mut used) {
            broken.push(format!(
                "{} has {} lines (unit tests not counted), over {MAX_LINES}: split it along its seams",
                file.path, file.lines
            ));
        }
        if file.module == "lib" && file.lines > MAX_LIB_LINES {
            broken.push(format!(
                "src/lib.rs has {} lines, over {MAX_LIB_LINES}: it keeps only the module list and the dispatcher",
                file.lines
            ));
        }
    }

    // The allow-list only shrinks.
    for (i, (path, rule, why)) in ALLOWED.iter().enumerate() {
        if !used.contains(&i) {
            broken.push(format!(
                "ALLOWED in tests/architecture.rs excuses {path} ({rule:?}: {why}), which no longer needs it: remove the entry"
            ));
        }
    }

    // The docs hold the same floors.
    let docs = std::fs::read_to_string(src_dir().join("../docs/ARCHITECTURE.md")).unwrap();
    let table = floors_table();
    if !docs.contains(&table) {
        broken.push(format!(
            "docs/ARCHITECTURE.md does not hold the floors of tests/architecture.rs; the table should read:\n{table}"
        ));
    }

    assert!(
        broken.is_empty(),
        "the code's shape breaks {} rule(s):\n- {}",
        broken.len(),
        broken.join("\n- ")
    );
}

/// The floors as the Markdown table of docs/ARCHITECTURE.md.
fn floors_table() -> String {
    let mut table = String::from("| floor | name | modules |\n| --- | --- | --- |\n");
    for (floor, name, modules) in FLOORS.iter().rev() {
        let list: Vec<String> = modules.iter().map(|m| format!("`{m}`")).collect();
        table.push_str(&format!("| {floor} | {name} | {} |\n", list.join(", ")));
    }
    table
}

fn static_name(module: &str) -> &'static str {
    FLOORS
        .iter()
        .flat_map(|(_, _, modules)| modules.iter())
        .find(|m| **m == module)
        .copied()
        .unwrap_or("?")
}

/// The cycles of the graph, one per strongly connected component of more
/// than one file, each as a closed path `a, b, ..., a`.
fn cycles<'a>(edges: &BTreeMap<&'a str, BTreeMap<&'a str, String>>) -> Vec<Vec<&'a str>> {
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|(from, to)| std::iter::once(*from).chain(to.keys().copied()))
        .collect();
    let reaches = |from: &'a str| -> BTreeMap<&'a str, &'a str> {
        // Breadth first: each node reached, with the node it was reached from.
        let mut seen = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            for next in edges.get(node).into_iter().flat_map(|m| m.keys()) {
                if !seen.contains_key(next) {
                    seen.insert(*next, node);
                    queue.push_back(*next);
                }
            }
        }
        seen
    };
    let mut found: Vec<Vec<&str>> = Vec::new();
    let mut covered = BTreeSet::new();
    for node in nodes {
        if covered.contains(node) {
            continue;
        }
        let seen = reaches(node);
        if !seen.contains_key(node) {
            continue;
        }
        // Walk back from `node` to itself.
        let mut path = vec![node];
        let mut at = seen[node];
        while at != node {
            path.push(at);
            at = seen[at];
        }
        path.push(node);
        path.reverse();
        covered.extend(path.iter().copied());
        found.push(path);
    }
    found
}
