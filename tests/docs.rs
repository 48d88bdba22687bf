//! Documentation whose examples run: every fenced block marked ```` ```sh runnable ````
//! in README.md and docs/*.md is run with bash, and fails the test when it
//! exits non-zero or lacks its expected output.
//!
//! The conventions (also in docs/README.md):
//! - ```` ```sh runnable ```` : run in a fresh temporary folder (the working
//!   directory) that holds a keyring with a key-file root: `KEYCASK_KEYRING`
//!   points at `./keyring.json`, the root key is `./root.key`, and there are
//!   no keys yet. `keycask` on PATH is the binary under test.
//! - ```` ```sh runnable fresh ```` : the same, but with no keyring (for
//!   `init` examples); `KEYCASK_KEYRING` still points at `./keyring.json`.
//! - The block runs under `bash -euo pipefail`, stderr merged into stdout.
//! - A ```` ```text output ```` block right after a runnable block (blank
//!   lines between are allowed) lists lines that must appear in the output,
//!   in that order, each as a substring of an output line. `...` lines are
//!   skipped (they mark elided output for the reader).
//!
//! Blocks that need the network, a terminal, other tools (jq, age, a cloud
//! CLI), long runs or secrets of the reader's own stay unmarked.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Block {
    file: String,
    line: usize,
    fresh: bool,
    script: String,
    expected: Vec<String>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// Fenced blocks: (line of the opening fence, info string, body).
fn fences(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            let mut body = String::new();
            for (_, inner) in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            out.push((n + 1, info.trim().to_string(), body));
        }
    }
    out
}

fn blocks_of(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = path
        .strip_prefix(repo())
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let fences = fences(&text);
    let mut blocks = Vec::new();
    for (i, (line, info, body)) in fences.iter().enumerate() {
        let words: Vec<&str> = info.split_whitespace().collect();
        if words.first() != Some(&"sh") || !words.contains(&"runnable") {
            continue;
        }
        let expected = match fences.get(i + 1) {
            Some((next_line, next_info, next_body))
                if next_info == "text output"
                    && text
                        .lines()
                        .skip(line + body.lines().count() + 1)
                        .take(next_line - line - body.lines().count() - 2)
                        .all(|l| l.trim().is_empty()) =>
            {
                next_body
                    .lines()
                    .filter(|l| !l.trim().is_empty() && l.trim() != "...")
                    .map(|l| l.trim_end().to_string())
                    .collect()
            }
            _ => Vec::new(),
        };
        blocks.push(Block {
            file: file.clone(),
            line: *line,
            fresh: words.contains(&"fresh"),
            script: body.clone(),
            expected,
        });
    }
    blocks
}

fn run(block: &Block) -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix("keycask-doc")
        .tempdir()
        .unwrap();
    let bin = assert_cmd::cargo::cargo_bin!("keycask");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let command = |args: &[&str]| {
        let mut cmd = Command::new(bin);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("KEYCASK_") {
                cmd.env_remove(&name);
            }
        }
        cmd.args(args)
            .env("KEYCASK_KEYRING", dir.path().join("keyring.json"))
            .env("HOME", dir.path())
            .env("PATH", &path)
            .env_remove("XDG_DATA_HOME")
            .current_dir(dir.path());
        cmd
    };
    if !block.fresh {
        let out = command(&["init", "--root", "keyfile:root.key"])
            .output()
            .unwrap();
        assert!(out.status.success(), "init for the docs test failed");
    }
    let mut bash = Command::new("bash");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KEYCASK_") {
            bash.env_remove(&name);
        }
    }
    let output = bash
        .arg("-c")
        .arg(format!("set -euo pipefail\nexec 2>&1\n{}", block.script))
        .env("KEYCASK_KEYRING", dir.path().join("keyring.json"))
        .env("HOME", dir.path())
        .env("PATH", &path)
        .env_remove("XDG_DATA_HOME")
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = |why: String| {
        format!(
            "{}:{}: {why}\n--- script\n{}--- output\n{stdout}",
            block.file, block.line, block.script
        )
    };
    if !output.status.success() {
        return Err(report(format!("exited with {}", output.status)));
    }
    let mut lines = stdout.lines();
    for want in &block.expected {
        if !lines.any(|l| l.contains(want.trim())) {
            return Err(report(format!(
                "no output line (in order) containing {want:?}"
            )));
        }
    }
    Ok(())
}

#[test]
fn runnable_examples_in_the_docs_run() {
    let blocks: Vec<Block> = doc_files().iter().flat_map(|p| blocks_of(p)).collect();
    assert!(
        blocks.len() >= 20,
        "only {} runnable blocks found; the marker is ```sh runnable",
        blocks.len()
    );
    assert!(
        blocks.iter().any(|b| b.file == "README.md"),
        "the README has no runnable block"
    );
    let failures: Vec<String> = blocks.iter().filter_map(|b| run(b).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} runnable doc blocks failed:\n\n{}",
        failures.len(),
        blocks.len(),
        failures.join("\n\n")
    );
}

/// The extractor itself: markers, `fresh`, expected output and elisions.
#[test]
fn the_extractor_finds_marked_blocks_and_their_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.md");
    std::fs::write(
        &path,
        "# t\n\n```sh\nnot run\n```\n\n```sh runnable\necho one\necho two\n```\n\n```text output\none\n...\ntwo\n```\n\n```sh runnable fresh\ntrue\n```\n\n```console\n$ not run\n```\n",
    )
    .unwrap();
    let blocks = blocks_of(&path);
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].line, 7);
    assert_eq!(blocks[0].script, "echo one\necho two\n");
    assert_eq!(blocks[0].expected, ["one", "two"]);
    assert!(!blocks[0].fresh);
    assert!(blocks[1].fresh && blocks[1].expected.is_empty());
    // A wrong expectation fails, with the file and line in the message.
    let wrong = Block {
        file: "x.md".into(),
        line: 3,
        fresh: true,
        script: "echo one\n".into(),
        expected: vec!["two".into()],
    };
    let err = run(&wrong).unwrap_err();
    assert!(err.starts_with("x.md:3: no output line"), "{err}");
    // So does a failing command.
    let failing = Block {
        file: "x.md".into(),
        line: 4,
        fresh: false,
        script: "keycask show nosuchkey\n".into(),
        expected: vec![],
    };
    assert!(run(&failing).unwrap_err().contains("exited with"));
}

/// `make demo`, one of the README's two set-up commands, walks a keyring
/// through its whole life and must run to its end: it is run here against
/// the binary under test (the Makefile target runs the release build).
#[test]
fn make_demo_runs_to_the_end() {
    let out = std::process::Command::new("sh")
        .arg(repo().join("scripts/demo.sh"))
        .env("KEYCASK", assert_cmd::cargo::cargo_bin!("keycask"))
        .env_remove("KEYCASK_KEYRING")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("demo finished"),
        "{}\n--- stdout (end)\n{}\n--- stderr\n{}",
        out.status,
        &stdout[stdout.len().saturating_sub(3000)..],
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("(refused, as it should be)"), "{stdout}");
}
