//! Documentation whose examples run: every fenced block marked ```` ```sh runnable ````
//! in README.md and docs/*.md is run with bash, and fails the test when it
//! exits non-zero or lacks its expected output.
//!
//! The conventions (also in the README, "Docs whose examples run"):
//! - A page's runnable blocks run in order in one bash, in one fresh
//!   temporary folder (the working directory), as a reader pasting them
//!   into one shell would: what a block makes (a key, a file, a variable,
//!   a `cd`) is there for the blocks after it.
//! - The folder holds a keyring with a key-file root: `KEYCASK_KEYRING`
//!   points at `./keyring.json`, the root key is `./root.key`, and there are
//!   no keys yet. `keycask` on PATH is the binary under test.
//! - ```` ```sh runnable fresh ```` on a page's first runnable block: the
//!   folder has no keyring (for `init` examples); `KEYCASK_KEYRING` still
//!   points at `./keyring.json`. Later blocks cannot be `fresh`.
//! - The page runs under `bash -euo pipefail`, stderr merged into stdout.
//! - A ```` ```text output ```` block right after a runnable block (blank
//!   lines between are allowed) lists lines that must appear in that block's
//!   output, in that order, each as a substring of an output line. `...`
//!   lines are skipped (they mark elided output for the reader).
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

/// Marks where each block's output starts in the page's one output stream.
const MARK: &str = "::keycask-docs-test-block::";

/// Runs one page's blocks in order in one bash, in one fresh folder, as a
/// reader pasting them into one shell would: a variable, `cd`, key or file
/// that one block makes is there for the next. The folder holds a key-file
/// keyring first, unless the page's first block is marked `fresh` (`fresh`
/// on any later block is an error: the shell cannot forget).
fn run_page(blocks: &[Block]) -> Result<(), String> {
    let Some(first) = blocks.first() else {
        return Ok(());
    };
    if let Some(late) = blocks[1..].iter().find(|b| b.fresh) {
        return Err(format!(
            "{}:{}: `fresh` marks only a page's first runnable block: the blocks of a page run in one shell",
            late.file, late.line
        ));
    }
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
    let command = |program: &Path| {
        let mut cmd = Command::new(program);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("KEYCASK_") {
                cmd.env_remove(&name);
            }
        }
        cmd.env("KEYCASK_KEYRING", dir.path().join("keyring.json"))
            .env("HOME", dir.path())
            .env("PATH", &path)
            .env_remove("XDG_DATA_HOME")
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null());
        cmd
    };
    if !first.fresh {
        let out = command(bin)
            .args(["init", "--root", "keyfile:root.key"])
            .output()
            .unwrap();
        assert!(out.status.success(), "init for the docs test failed");
    }
    let mut script = String::from("set -euo pipefail\nexec 2>&1\n");
    for (i, block) in blocks.iter().enumerate() {
        script.push_str(&format!("echo '{MARK}{i}'\n{}\n", block.script));
    }
    let output = command(Path::new("bash"))
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The output of each block that began: the text after its mark.
    let mut outputs: Vec<String> = Vec::new();
    for line in stdout.lines() {
        match line.strip_prefix(MARK) {
            Some(_) => outputs.push(String::new()),
            None => {
                if let Some(out) = outputs.last_mut() {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    let report = |i: usize, why: String| {
        let block = &blocks[i];
        format!(
            "{}:{}: {why} (block {} of {} on the page, run after the ones before it)\n--- script\n{}--- output\n{}",
            block.file,
            block.line,
            i + 1,
            blocks.len(),
            block.script,
            outputs.get(i).map(String::as_str).unwrap_or("")
        )
    };
    if !output.status.success() {
        return Err(report(
            outputs.len().saturating_sub(1),
            format!("exited with {}", output.status),
        ));
    }
    for (i, block) in blocks.iter().enumerate() {
        let mut lines = outputs[i].lines();
        for want in &block.expected {
            if !lines.any(|l| l.contains(want.trim())) {
                return Err(report(
                    i,
                    format!("no output line (in order) containing {want:?}"),
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn runnable_examples_in_the_docs_run() {
    let pages: Vec<Vec<Block>> = doc_files().iter().map(|p| blocks_of(p)).collect();
    let count: usize = pages.iter().map(Vec::len).sum();
    assert!(
        count >= 20,
        "only {count} runnable blocks found; the marker is ```sh runnable"
    );
    assert!(
        pages.iter().flatten().any(|b| b.file == "README.md"),
        "the README has no runnable block"
    );
    let failures: Vec<String> = pages.iter().filter_map(|p| run_page(p).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} pages with runnable blocks failed:\n\n{}",
        failures.len(),
        pages.iter().filter(|p| !p.is_empty()).count(),
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
    // `fresh` after the first block is refused: the page runs in one shell.
    let err = run_page(&blocks).unwrap_err();
    assert!(err.contains("t.md:18: `fresh` marks only"), "{err}");
}

fn block(line: usize, fresh: bool, script: &str, expected: &[&str]) -> Block {
    Block {
        file: "x.md".into(),
        line,
        fresh,
        script: script.into(),
        expected: expected.iter().map(|s| s.to_string()).collect(),
    }
}

/// Issue 17 item 4: a page's blocks run in order in one shell, as a reader
/// pastes them: variables, the working folder, keys and files carry over;
/// each block's expected output is looked for in its own output only; a
/// failure names the block that failed.
#[test]
fn a_page_runs_its_blocks_in_order_in_one_shell() {
    let page = [
        block(
            3,
            false,
            "keycask keygen backups\nexport WHERE=sub\nmkdir sub && cd sub\necho one\n",
            &["created key backups", "one"],
        ),
        block(
            9,
            false,
            "pwd\necho \"$WHERE\"\nkeycask keygen backups || echo again\necho two\n",
            &["sub", "already exists", "again", "two"],
        ),
    ];
    run_page(&page).unwrap();
    // The second block's expectations are not met by the first block's output.
    let wrong = [
        block(3, false, "echo one\n", &[]),
        block(9, false, "echo two\n", &["one"]),
    ];
    let err = run_page(&wrong).unwrap_err();
    assert!(err.starts_with("x.md:9: no output line"), "{err}");
    assert!(err.contains("block 2 of 2"), "{err}");
    // A failing command fails the page and names its block.
    let failing = [
        block(3, false, "echo fine\n", &[]),
        block(4, false, "keycask show nosuchkey\n", &[]),
        block(5, false, "echo never\n", &[]),
    ];
    let err = run_page(&failing).unwrap_err();
    assert!(err.starts_with("x.md:4: exited with"), "{err}");
    assert!(err.contains("no key named 'nosuchkey'"), "{err}");
    // A fresh page has no keyring until it makes one.
    let fresh = [block(
        1,
        true,
        "test ! -e keyring.json\nkeycask list\n",
        &[],
    )];
    assert!(run_page(&fresh).unwrap_err().contains("exited with"));
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
