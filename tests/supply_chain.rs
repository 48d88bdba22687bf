//! The RustSec advisory check (`make audit`, and `make lint` when the
//! database can be had), run against made-up advisory databases: git mirrors
//! built by each test, handed to scripts/audit.sh through ADVISORY_DB, the
//! way an air-gapped machine hands it its own mirror. Needs cargo-deny, which
//! `make lint` installs; `KEYCASK_SKIP_DENY=1` skips these tests explicitly.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{Run, TestDir};

const PUBLIC: &str = "https://github.com/rustsec/advisory-db";

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `false` when the run asked to skip with KEYCASK_SKIP_DENY=1.
fn cargo_deny_present() -> bool {
    if std::env::var("KEYCASK_SKIP_DENY").as_deref() == Ok("1") {
        eprintln!("KEYCASK_SKIP_DENY=1: skipping an advisory-check test");
        return false;
    }
    let found = Command::new(env!("CARGO"))
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        found,
        "cargo-deny is needed by the advisory-check tests: `make lint` installs it \
         (cargo install --locked --version 0.20.2 cargo-deny), or set KEYCASK_SKIP_DENY=1"
    );
    true
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=keycask-test",
            "-c",
            "user.email=test@keycask.invalid",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// An advisory file in the database's format: a TOML block, then Markdown.
fn advisory(id: &str, package: &str, patched: &str, title: &str) -> String {
    format!(
        "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2026-11-29\"\n\n\
         [versions]\npatched = [{patched}]\n```\n\n# {title}\n\nMade up for keycask's tests.\n"
    )
}

/// A git mirror (branch main) holding `advisories`: (package, id, patched
/// ranges as TOML array items, title).
fn mirror(t: &TestDir, advisories: &[(&str, &str, &str, &str)]) -> PathBuf {
    let db = t.join("advisory-db");
    for (package, id, patched, title) in advisories {
        let folder = db.join("crates").join(package);
        std::fs::create_dir_all(&folder).unwrap();
        let text = advisory(id, package, patched, title);
        std::fs::write(folder.join(format!("{id}.md")), text).unwrap();
    }
    git(&db, &["init", "-q", "-b", "main"]);
    git(&db, &["add", "-A"]);
    git(&db, &["commit", "-q", "-m", "advisories"]);
    db
}

/// scripts/audit.sh with `mirror` as ADVISORY_DB (none when `None`), its
/// work folder inside the test's folder.
fn audit(t: &TestDir, mirror: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(project().join("scripts/audit.sh"));
    cmd.env("AUDIT_DIR", t.join("audit-work"))
        .env_remove("CI")
        .env_remove("KEYCASK_ADVISORIES_UNREACHABLE")
        .env("CARGO", env!("CARGO"))
        .env_remove("ADVISORY_DB")
        .env_remove("GIT_CONFIG_COUNT");
    if let Some(mirror) = mirror {
        cmd.env("ADVISORY_DB", mirror);
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    let mut run = t.run_with(cmd, args, None);
    run.description = format!("ADVISORY_DB={mirror:?} scripts/audit.sh {}", args.join(" "));
    run
}

/// scripts/audit.sh against a mirror holding `advisories` (see [`mirror`]);
/// `None` when the run skips these tests.
fn audit_against(advisories: &[(&str, &str, &str, &str)]) -> Option<Run> {
    if !cargo_deny_present() {
        return None;
    }
    let t = TestDir::new();
    let db = mirror(&t, advisories);
    Some(audit(&t, Some(&db), &[], &[]))
}

/// Asserts that the script failed with exit code 1 and one `audit: error:`
/// line that holds `needle`.
#[track_caller]
fn refused(run: Run, needle: &str) -> Run {
    let stderr = run.stderr();
    assert_eq!(
        run.code(),
        1,
        "{}: exit code {}\n{stderr}",
        run.description,
        run.code()
    );
    assert!(
        stderr.starts_with("audit: error: ") && stderr.contains(needle),
        "{}: wanted an `audit: error:` with {needle:?}, got\n{stderr}",
        run.description
    );
    run
}

#[test]
fn an_advisory_against_a_locked_crate_fails_the_audit_and_names_crate_and_fix() {
    let Some(run) = audit_against(&[(
        "hex",
        "RUSTSEC-2099-0001",
        "\">= 99.0.0\"",
        "Every hex release is broken",
    )]) else {
        return;
    };
    assert_ne!(
        run.code(),
        0,
        "a vulnerable crate passed the audit: {}",
        run.stderr()
    );
    let report = run.stderr();
    for needle in [
        "RUSTSEC-2099-0001",
        "Every hex release is broken",
        "hex 0.4",
        "Upgrade to >=99.0.0",
    ] {
        assert!(report.contains(needle), "no {needle:?} in:\n{report}");
    }
    assert!(
        report.contains("audit: advisory database https://local-mirror.invalid"),
        "the report does not say which database it used:\n{report}"
    );
}

#[test]
fn an_advisory_whose_fix_is_locked_or_for_another_crate_passes() {
    let Some(run) = audit_against(&[
        ("hex", "RUSTSEC-2099-0002", "\">= 0.4.0\"", "Fixed in 0.4"),
        (
            "not-a-keycask-dependency",
            "RUSTSEC-2099-0003",
            "",
            "Unfixed, elsewhere",
        ),
    ]) else {
        return;
    };
    assert_eq!(
        run.code(),
        0,
        "a clean tree failed the audit:\n{}",
        run.stderr()
    );
    assert!(run.stdout().contains("advisories ok"), "{}", run.stdout());
}

/// RUSTSEC-2023-0071 (rsa, Marvin) has no fixed release; deny.toml accepts
/// it with its reason, so the audit passes while it stands.
#[test]
fn an_advisory_that_deny_toml_accepts_passes_and_every_acceptance_has_a_reason() {
    let Some(run) = audit_against(&[("rsa", "RUSTSEC-2023-0071", "", "Marvin Attack")]) else {
        return;
    };
    assert_eq!(
        run.code(),
        0,
        "the accepted advisory failed the audit:\n{}",
        run.stderr()
    );

    let config = std::fs::read_to_string(project().join("deny.toml")).unwrap();
    let accepted: Vec<&str> = config
        .lines()
        .filter(|line| line.trim_start().starts_with("{ id = \"RUSTSEC-"))
        .collect();
    assert!(!accepted.is_empty(), "deny.toml accepts no advisory");
    for line in accepted {
        let reason = line
            .split_once("reason = \"")
            .map(|(_, rest)| rest.trim_end_matches(&['"', ' ', '}', ','][..]))
            .unwrap_or_else(|| panic!("an accepted advisory has no reason: {line}"));
        assert!(
            reason.len() > 80,
            "a reason this short explains nothing: {line}"
        );
    }
}

/// Once the database lists a fixed release that is locked, the acceptance in
/// deny.toml is dead weight: the audit passes and says so.
#[test]
fn an_accepted_advisory_that_no_longer_applies_is_pointed_out() {
    let Some(run) =
        audit_against(&[("rsa", "RUSTSEC-2023-0071", "\">= 0.10.0\"", "Marvin Attack")])
    else {
        return;
    };
    let run = run.ok();
    assert!(
        run.stderr().contains("advisory-not-detected")
            && run.stderr().contains("RUSTSEC-2023-0071"),
        "a stale acceptance went unmentioned:\n{}",
        run.stderr()
    );
}

#[test]
fn a_mirror_that_is_not_an_advisory_database_fails_and_says_so() {
    if !cargo_deny_present() {
        return;
    }
    let t = TestDir::new();
    let empty = t.join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(audit(&t, Some(&empty), &[], &[]), "is not a git clone of");
    refused(
        audit(&t, Some(&t.join("missing")), &[], &[]),
        "no such folder",
    );
    // --if-reachable forgives only the public database, never a mirror the
    // user named.
    refused(
        audit(&t, Some(&empty), &["--if-reachable"], &[]),
        "is not a git clone of",
    );
}

/// The git setting that makes git read the public database's URL from a
/// folder that does not exist: the same failure as a machine without the
/// network, whatever this machine has.
fn offline_key(t: &TestDir) -> String {
    format!("url.file://{}.insteadOf", t.join("nowhere").display())
}

/// The environment for [`audit`] with the public database out of reach.
fn offline(key: &str) -> [(&str, &str); 3] {
    [
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_CONFIG_KEY_0", key),
        ("GIT_CONFIG_VALUE_0", PUBLIC),
    ]
}

#[test]
fn an_unreachable_public_database_fails_make_audit_but_lint_goes_on_saying_not_checked() {
    if !cargo_deny_present() {
        return;
    }
    let t = TestDir::new();
    let key = offline_key(&t);
    let offline = offline(&key);
    refused(
        audit(&t, None, &[], &offline),
        "cannot be reached from here",
    )
    .stderr_has("set ADVISORY_DB to a git mirror");
    let lint = audit(&t, None, &["--if-reachable"], &offline).ok();
    assert!(
        lint.stderr().contains("RustSec advisories NOT CHECKED"),
        "{}",
        lint.stderr()
    );
}

/// Under CI (`CI=true`) a check that cannot run fails: lint's audit does not
/// pass quietly when the advisory database cannot be had (issue 14).
#[test]
fn under_ci_an_unreachable_public_database_fails_lint_too() {
    let t = TestDir::new();
    let key = offline_key(&t);
    let mut env = offline(&key).to_vec();
    env.push(("CI", "true"));
    refused(
        audit(&t, None, &["--if-reachable"], &env),
        "under CI (CI=true) a check that cannot run fails",
    )
    .stderr_has("set ADVISORY_DB to a git mirror");
    // A CI job that cannot reach the database says so explicitly (.ci/run
    // here: this CI reaches package registries only), and the run says
    // loudly that the advisories were not checked.
    env.push(("KEYCASK_ADVISORIES_UNREACHABLE", "accept"));
    audit(&t, None, &["--if-reachable"], &env)
        .ok()
        .stderr_has("NOT CHECKED");
}
