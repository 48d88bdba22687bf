//! `--help`, the man pages and the completions: every command's help fits 80
//! columns and shows examples; `keycask help CMD` and man/keycask-CMD.1 say
//! the same; the committed completions cover every command (the byte-for-byte
//! drift check is `make gen-check`, part of `make lint`); `list --names`, the
//! hidden helper of the completions, reads the keyring without unlocking it.

use clap::CommandFactory;

use crate::util::TestDir;

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The subcommands a user types (not `help`).
fn subcommands() -> Vec<String> {
    keycask::Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_string())
        .collect()
}

/// The example lines of a help text: the indented lines after `Examples:`.
fn examples(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != "Examples:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.to_string())
        .collect()
}

/// Roff source to plain text, enough to compare with `--help`.
fn unroff(text: &str) -> String {
    text.replace("\\-", "-")
        .replace("\\*(Aq", "'")
        .replace("\\(aq", "'")
        .replace("\\fB", "")
        .replace("\\fI", "")
        .replace("\\fR", "")
        .replace("\\e", "\\")
        .replace("\\&", "")
}

#[test]
fn every_help_fits_80_columns_and_shows_examples() {
    let t = TestDir::new();
    let mut names = subcommands();
    names.insert(0, String::new());
    for name in &names {
        for args in [vec!["help", name.as_str()], vec![name.as_str(), "-h"]] {
            let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
            let args = if args == ["-h"] { vec!["--help"] } else { args };
            let mut cmd = t.command();
            cmd.env("COLUMNS", "200");
            let run = t.run_with(cmd, &args, None).ok();
            let help = run.stdout();
            for line in help.lines() {
                assert!(
                    line.chars().count() <= 80,
                    "keycask {args:?}: a line of {} columns: {line:?} (shorten the help text \
                     in src/cli.rs; for a long Usage line, set `override_usage`)",
                    line.chars().count()
                );
            }
            if name.is_empty() {
                assert!(help.contains("Exit status:"), "top-level help: {help}");
                continue;
            }
            let examples = examples(&help);
            assert!(
                examples.iter().filter(|e| e.contains("keycask")).count() >= 2,
                "keycask {args:?} shows fewer than 2 examples of keycask: {help}"
            );
        }
    }
    // clap wraps an `after_help` line longer than the terminal, which breaks
    // an example in two: every line of the source must fit as it is.
    for sub in keycask::Cli::command().get_subcommands() {
        let text = sub
            .get_after_help()
            .map(|t| t.to_string())
            .unwrap_or_default();
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "the after_help of `{}` has a line of {} columns, which clap wraps: {line:?}",
                sub.get_name(),
                line.chars().count()
            );
        }
    }
}

#[test]
fn man_pages_say_what_help_says() {
    let t = TestDir::new();
    let top = std::fs::read_to_string(repo("man/keycask.1")).expect("man/keycask.1 (make gen)");
    for name in subcommands() {
        let page = repo(&format!("man/keycask-{name}.1"));
        let man = unroff(
            &std::fs::read_to_string(&page)
                .unwrap_or_else(|e| panic!("{}: {e} (run make gen)", page.display())),
        );
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH OPTIONS",
            ".SH EXAMPLES",
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
        ] {
            assert!(man.contains(section), "{}: no {section}", page.display());
        }
        let help = t.run(&["help", &name]).ok().stdout();
        for example in examples(&help) {
            assert!(
                man.contains(example.trim()),
                "{}: lacks the example {:?} of `keycask help {name}`",
                page.display(),
                example.trim()
            );
        }
        // Every option of the help is in the page, and the other way round:
        // the flag names that start an option entry (not those mentioned in
        // descriptions).
        let flags = |spec: &str| -> std::collections::BTreeSet<String> {
            spec.split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| w.starts_with("--") && w.len() > 2)
                .map(|w| {
                    w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                        .to_string()
                })
                .collect()
        };
        let help_options: std::collections::BTreeSet<String> = help
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with('-'))
            .flat_map(|l| flags(l.split("  ").next().unwrap()))
            .collect();
        let man_lines: Vec<&str> = man
            .lines()
            .skip_while(|l| !l.starts_with(".SH OPTIONS"))
            .take_while(|l| !l.starts_with(".SH EXAMPLES"))
            .collect();
        let man_options: std::collections::BTreeSet<String> = man_lines
            .windows(2)
            .filter(|w| w[0] == ".TP")
            .flat_map(|w| flags(w[1]))
            .collect();
        assert!(help_options.contains("--help"), "{name}: {help_options:?}");
        assert_eq!(help_options, man_options, "options of {name}: help vs man");
        assert!(
            top.contains(&format!("keycask\\-{}(1)", name.replace('-', "\\-"))),
            "keycask.1 does not name keycask-{name}(1)"
        );
    }
}

#[test]
fn completions_cover_every_command() {
    for file in [
        "keycask.bash",
        "_keycask",
        "keycask.fish",
        "keycask.elv",
        "_keycask.ps1",
    ] {
        let path = repo(&format!("completions/{file}"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run make gen)", path.display()));
        for name in subcommands() {
            assert!(
                text.contains(&name),
                "{}: no completion for {name}",
                path.display()
            );
        }
    }
    // The shells that can ask the keyring for key names do.
    for file in ["keycask.bash", "_keycask", "keycask.fish"] {
        let text = std::fs::read_to_string(repo(&format!("completions/{file}"))).unwrap();
        assert!(text.contains("list --names"), "{file}: no key names");
    }
}

/// The bash completion, loaded in a real bash, completes commands, options
/// and key names of the keyring in use (`--keyring` on the line, or
/// KEYCASK_KEYRING).
#[test]
fn bash_completes_key_names_from_the_keyring() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["keygen", "billing"]).ok();
    let other = t.join("other.json");
    t.run(&[
        "--keyring",
        other.to_str().unwrap(),
        "init",
        "--root",
        &format!("keyfile:{}", t.join("other.key").display()),
    ])
    .ok();
    t.run(&["--keyring", other.to_str().unwrap(), "keygen", "zeta"])
        .ok();
    let bin = assert_cmd::cargo::cargo_bin!("keycask");
    let script = format!(
        r#"
set -u
PATH="{dir}:$PATH"
source "{completion}"
complete -p keycask
t() {{
    COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMPREPLY=()
    _keycask_with_names keycask "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "$*=>${{COMPREPLY[*]}}"
}}
t keycask wrap -k ""
t keycask show bi
t keycask destroy --version 1 ""
t keycask --keyring {other} rotate ""
t keycask wr
t keycask keygen ""
"#,
        dir = bin.parent().unwrap().display(),
        completion = repo("completions/keycask.bash").display(),
        other = other.display(),
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("KEYCASK_KEYRING", t.keyring())
        .current_dir(t.path())
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "-F _keycask_with_names",
        "keycask wrap -k =>backups billing",
        "keycask show bi=>billing",
        "keycask destroy --version 1 =>backups billing",
        &format!("keycask --keyring {} rotate =>zeta", other.display()),
        "keycask wr=>wrap",
    ] {
        assert!(stdout.contains(expected), "lacks {expected:?}:\n{stdout}");
    }
    // keygen names a new key: no names offered, options instead.
    let keygen = stdout
        .lines()
        .find(|l| l.starts_with("keycask keygen =>"))
        .unwrap();
    assert!(
        !keygen.contains("backups") && keygen.contains("--type"),
        "{keygen}"
    );
}

/// The zsh completion, sourced in zsh (installed by scripts/test-deps.sh),
/// with `_describe` and the generated function stubbed: key names where a
/// key is named, clap's completion elsewhere. fish, where installed, too.
#[test]
fn zsh_and_fish_complete_key_names() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["keygen", "billing"]).ok();
    let bin = assert_cmd::cargo::cargo_bin!("keycask");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!(
        r#"
compdef() {{ : }}
_describe() {{ print -r -- "names: ${{(P)${{@[-1]}}}}" }}
source "{completion}"
_keycask_clap() {{ print -r -- "clap" }}
t() {{ words=("$@"); CURRENT=$#words; print -n -- "$* => "; _keycask }}
t keycask wrap -k ''
t keycask show b
t keycask destroy --version 1 ''
t keycask keygen ''
t keycask wrap -o ''
"#,
        completion = repo("completions/_keycask").display()
    );
    let out = std::process::Command::new("zsh")
        .args(["-f", "-c", &script])
        .env("PATH", &path)
        .env("KEYCASK_KEYRING", t.keyring())
        .output()
        .expect("zsh (scripts/test-deps.sh installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "keycask wrap -k  => names: backups billing",
        "keycask show b => names: backups billing",
        "keycask destroy --version 1  => names: backups billing",
        "keycask keygen  => clap",
        "keycask wrap -o  => clap",
    ] {
        assert!(stdout.contains(expected), "lacks {expected:?}:\n{stdout}");
    }

    let fish = std::process::Command::new("fish")
        .arg("-c")
        .arg(format!(
            "source {}; complete -C 'keycask wrap -k '; complete -C 'keycask show '",
            repo("completions/keycask.fish").display()
        ))
        .env("PATH", &path)
        .env("KEYCASK_KEYRING", t.keyring())
        .output();
    match fish {
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(stdout.matches("backups").count(), 2, "{stdout}");
            assert_eq!(stdout.matches("billing").count(), 2, "{stdout}");
        }
        Err(e) => eprintln!("fish not installed ({e}): its completion is not checked here"),
    }
}

/// A keyring with `backups` and `billing` (KEYCASK_KEYRING), and another in
/// a folder with a space, `sp ace/r.json`, with `zeta`. Returns the folder
/// (also HOME for the shells) and the PATH with the built keycask first.
fn keyrings_for_paths() -> (TestDir, String) {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["keygen", "billing"]).ok();
    std::fs::create_dir(t.join("sp ace")).unwrap();
    let other = t.join("sp ace/r.json");
    let other = other.to_str().unwrap();
    let root = format!("keyfile:{}", t.join("sp ace/r.key").display());
    t.run(&["--keyring", other, "init", "--root", &root]).ok();
    t.run(&["--keyring", other, "keygen", "zeta"]).ok();
    let bin = assert_cmd::cargo::cargo_bin!("keycask");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (t, path)
}

/// Runs a shell script in the test folder, HOME and KEYCASK_KEYRING set;
/// returns its stdout.
fn run_shell(t: &TestDir, path: &str, shell: &[&str], script: &str) -> String {
    let out = std::process::Command::new(shell[0])
        .args(&shell[1..])
        .arg(script)
        .env("PATH", path)
        .env("HOME", t.path())
        .env("KEYCASK_KEYRING", t.keyring())
        .env_remove("XDG_DATA_HOME")
        .current_dir(t.path())
        .output()
        .unwrap_or_else(|e| panic!("{} (scripts/test-deps.sh installs it): {e}", shell[0]));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The cases every shell completes from `sp ace/r.json`: its path in double
/// quotes (dq), single quotes (sq), with a backslash before the space (bs),
/// from ~ (tilde), from ~ and partly quoted (tilde-dq), as `--keyring=` (eq).
const ZETA_CASES: &[&str] = &["dq", "sq", "bs", "tilde", "tilde-dq", "eq"];

/// Checks each `label=>replies` line (and `label=>zeta` for ZETA_CASES), and
/// that no command written on the lines completed ran (they `touch pwned...`).
fn check_replies(t: &TestDir, stdout: &str, expected: &[(&str, &str)]) {
    let zeta = ZETA_CASES.iter().map(|label| (*label, "zeta"));
    for (label, replies) in zeta.chain(expected.iter().copied()) {
        let line = format!("{label}=>{replies}");
        assert!(
            stdout.lines().any(|l| l == line),
            "lacks {line:?}:\n{stdout}"
        );
    }
    let ran: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pwned"))
        .collect();
    assert!(ran.is_empty(), "completion ran code from the line: {ran:?}");
}

/// bash: the keyring path of `--keyring PATH` / `--keyring=PATH` is read
/// the way bash would pass it (quotes, backslashes, a leading ~), from
/// COMP_LINE; `--key=NAME` and `-kNAME` complete; `$(...)` and backquotes on
/// the line are text, never run. COMP_WORDS is given as bash splits it (at =,
/// quotes kept).
#[test]
fn bash_completes_key_names_with_quoted_and_tilde_keyring_paths() {
    let (t, path) = keyrings_for_paths();
    let d = t.path().display();
    let script = format!(
        r#"
set -u
source "{completion}"
# t LABEL LINE WORD...: completes LINE, cursor at the end, COMP_WORDS = WORD...
t() {{
    local label=$1; COMP_LINE=$2; COMP_POINT=${{#2}}; shift 2
    COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMPREPLY=()
    _keycask_with_names keycask "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "$label=>${{COMPREPLY[*]}}"
}}
t dq 'keycask --keyring "{d}/sp ace/r.json" show ' keycask --keyring '"{d}/sp ace/r.json"' show ''
t sq "keycask --keyring '{d}/sp ace/r.json' show " keycask --keyring "'{d}/sp ace/r.json'" show ''
t bs 'keycask --keyring {d}/sp\ ace/r.json show ' keycask --keyring '{d}/sp\ ace/r.json' show ''
t tilde 'keycask --keyring ~/sp\ ace/r.json show ' keycask --keyring '~/sp\ ace/r.json' show ''
t tilde-dq 'keycask --keyring ~/"sp ace"/r.json rotate z' keycask --keyring '~/"sp ace"/r.json' rotate z
t tilde-plus 'keycask --keyring ~+/sp\ ace/r.json show ' keycask --keyring '~+/sp\ ace/r.json' show ''
t eq 'keycask --keyring="{d}/sp ace/r.json" show ' keycask --keyring = '"{d}/sp ace/r.json"' show ''
t eq-tilde 'keycask show --keyring=~/sp\ ace/r.json ' keycask show --keyring = '~/sp\ ace/r.json' ''
t eq-key-eq 'keycask --keyring=sp\ ace/r.json wrap --key=' keycask --keyring = 'sp\ ace/r.json' wrap --key =
t key-eq 'keycask wrap --key=' keycask wrap --key =
t key-eq-bi 'keycask wrap --key=bi' keycask wrap --key = bi
t k-bi 'keycask wrap -kbi' keycask wrap -kbi
t env 'keycask show ' keycask show ''
t o 'keycask wrap -o ' keycask wrap -o ''
COMP_WORDBREAKS=' ' t no-break 'keycask wrap --key=b' keycask wrap --key=b
t inj1 'keycask --keyring "$(touch pwned1)" show ' keycask --keyring '"$(touch pwned1)"' show ''
t inj2 'keycask --keyring `touch pwned2` show ' keycask --keyring '`touch' 'pwned2`' show ''
t inj3 'keycask --keyring ~$(touch pwned3)/x show ' keycask --keyring '~$(touch' 'pwned3)/x' show ''
t inj4 'keycask --keyring=$(touch pwned4) show ' keycask --keyring = '$(touch' 'pwned4)' show ''
t inj5 'keycask --keyring $'"'"'$(touch pwned5)'"'"' show ' keycask --keyring "\$'\$(touch pwned5)'" show ''
t inj6 'keycask show $(touch pwned6)' keycask show '$(touch' 'pwned6)'
t inj7 'keycask wrap --key=`touch pwned7`' keycask wrap --key = '`touch' 'pwned7`'
t inj8 'keycask wrap -k "$(touch pwned8)' keycask wrap -k '"$(touch pwned8)'
"#,
        completion = repo("completions/keycask.bash").display(),
    );
    let stdout = run_shell(&t, &path, &["bash", "-c"], &script);
    check_replies(
        &t,
        &stdout,
        &[
            ("tilde-plus", "zeta"),
            ("eq-key-eq", "zeta"),
            // bash passes `--keyring=~/...` as it is (no ~ after =): no names.
            ("eq-tilde", ""),
            ("key-eq", "backups billing"),
            ("key-eq-bi", "billing"),
            ("k-bi", "-kbilling"),
            ("env", "backups billing"),
            // Without = in COMP_WORDBREAKS the reply is the whole word.
            ("no-break", "--key=backups --key=billing"),
        ],
    );
    // -o names a file: clap's completion, not key names.
    let o = stdout.lines().find(|l| l.starts_with("o=>")).unwrap();
    assert!(!o.contains("backups"), "{o}");
}

/// zsh: the same cases, with `words` as zsh gives them (quotes kept);
/// `compset` and `_describe` stubbed to show what would be offered.
#[test]
fn zsh_completes_key_names_with_quoted_and_tilde_keyring_paths() {
    let (t, path) = keyrings_for_paths();
    let d = t.path().display();
    let script = format!(
        r#"
compdef() {{ : }}
compset() {{ print -rn -- "compset $* " }}
_describe() {{ print -r -- "${{(P)${{@[-1]}}}}" }}
source "{completion}"
_keycask_clap() {{ print -r -- "clap" }}
t() {{ local label=$1; shift; words=("$@"); CURRENT=$#words; print -rn -- "$label=>"; _keycask }}
t dq keycask --keyring '"{d}/sp ace/r.json"' show ''
t sq keycask --keyring "'{d}/sp ace/r.json'" show ''
t bs keycask --keyring '{d}/sp\ ace/r.json' show ''
t tilde keycask --keyring '~/sp\ ace/r.json' show ''
t tilde-dq keycask --keyring '~/"sp ace"/r.json' rotate z
t eq keycask --keyring='"{d}/sp ace/r.json"' show ''
t eq-tilde-off keycask show --keyring='~/sp\ ace/r.json' ''
t key-eq keycask wrap --key=
t key-eq-bi keycask wrap --key=bi
t k-bi keycask wrap -kbi
t env keycask show ''
t o keycask wrap -o ''
t inj1 keycask --keyring '"$(touch pwned1)"' show ''
t inj2 keycask --keyring '`touch pwned2`' show ''
t inj3 keycask --keyring '~$(touch pwned3)/x' show ''
t inj4 keycask --keyring='$(touch pwned4)' show ''
t inj5 keycask show '$(touch pwned5)'
t inj6 keycask wrap --key='`touch pwned6`'
setopt magicequalsubst
t eq-tilde-on keycask show --keyring='~/sp\ ace/r.json' ''
"#,
        completion = repo("completions/_keycask").display(),
    );
    let stdout = run_shell(&t, &path, &["zsh", "-f", "-c"], &script);
    check_replies(
        &t,
        &stdout,
        &[
            ("eq-tilde-off", ""),
            ("eq-tilde-on", "zeta"),
            ("key-eq", "compset -P --key= backups billing"),
            ("key-eq-bi", "compset -P --key= backups billing"),
            ("k-bi", "compset -P -k backups billing"),
            ("env", "backups billing"),
            ("o", "clap"),
        ],
    );
}

/// fish (installed by scripts/test-deps.sh): `complete -C` on the same
/// cases; `commandline -o` removes the quotes, the completion expands ~.
#[test]
fn fish_completes_key_names_with_quoted_and_tilde_keyring_paths() {
    let (t, path) = keyrings_for_paths();
    let d = t.path().display();
    let script = format!(
        r#"
source {completion}
function t
    set -l r (complete -C $argv[2] | string split -f1 \t)
    echo "$argv[1]=>$r"
end
t dq 'keycask --keyring "{d}/sp ace/r.json" show '
t sq "keycask --keyring '{d}/sp ace/r.json' show "
t bs 'keycask --keyring {d}/sp\ ace/r.json show '
t tilde 'keycask --keyring ~/sp\ ace/r.json show '
t tilde-dq 'keycask --keyring ~/"sp ace"/r.json rotate z'
t eq 'keycask --keyring="{d}/sp ace/r.json" show '
t key-eq 'keycask wrap --key='
t k 'keycask wrap -k '
t k-bi 'keycask wrap -kbi'
t env 'keycask show '
t inj1 'keycask --keyring "$(touch pwned1)" show '
t inj2 'keycask --keyring (touch pwned2) show '
t inj3 'keycask --keyring ~(touch pwned3)/x show '
t inj4 'keycask --keyring=(touch pwned4) show '
t inj5 'keycask show (touch pwned5)'
t inj6 'keycask wrap --key=(touch pwned6)'
"#,
        completion = repo("completions/keycask.fish").display(),
    );
    let stdout = run_shell(&t, &path, &["fish", "--no-config", "-c"], &script);
    check_replies(
        &t,
        &stdout,
        &[
            ("key-eq", "--key=backups --key=billing"),
            ("k", "backups billing"),
            ("k-bi", "-kbilling"),
            ("env", "backups billing"),
        ],
    );
}

#[test]
fn list_names_reads_without_unlocking() {
    let t = TestDir::new();
    t.init_passphrase("correct horse battery staple");
    let mut cmd = t.command();
    cmd.env("KEYCASK_PASSPHRASE", "correct horse battery staple");
    t.run_with(cmd, &["keygen", "backups"], None).ok();
    let before = t.keyring_bytes();
    // No passphrase source at all: the names still come, nothing is asked.
    let run = t.run(&["list", "--names"]).ok();
    assert_eq!(run.stdout(), "backups\n");
    assert_eq!(run.stderr(), "");
    assert_eq!(t.keyring_bytes(), before);
    // Hidden from the help: it is for the completions, not for people.
    assert!(!t.run(&["list", "--help"]).ok().stdout().contains("--names"));
}

#[test]
fn list_names_without_a_keyring_prints_nothing_on_stdout() {
    let t = TestDir::new();
    let run = t.run(&["list", "--names"]).fails(5, "keyring");
    assert_eq!(run.stdout(), "");
}

#[test]
fn the_disable_example_after_a_rotation_runs_as_written() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let help = t.run(&["disable", "--help"]).ok().stdout();
    let example = examples(&help)
        .into_iter()
        .find(|l| l.contains("rotate backups &&"))
        .expect("the example that rotates, then disables");
    let command = example.split('#').next().unwrap();
    for part in command.split("&&") {
        let args: Vec<&str> = part.split_whitespace().skip(1).collect();
        t.run(&args).ok();
    }
    let shown = t.run(&["show", "backups", "--json"]).ok().json();
    assert_eq!(shown["primary"], 2, "{shown:#}");
}

/// Every command path a user can type below the top level (`wrap`,
/// `audit verify`, `config audit-usage`, ...), with whether it has an option
/// `--version` of its own (`destroy`, `enable`, `disable`, `export`).
fn command_paths() -> Vec<(Vec<String>, bool)> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, bool)>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut here = path.clone();
            here.push(sub.get_name().to_string());
            let own = sub
                .get_arguments()
                .any(|a| a.get_long() == Some("version") && a.get_action().takes_values());
            out.push((here.clone(), own));
            walk(sub, here, out);
        }
    }
    let mut out = Vec::new();
    walk(&keycask::Cli::command(), Vec::new(), &mut out);
    out
}

/// `--version` and `-V` print the program's version at the top level only.
/// On a subcommand they are an unknown option (exit 2, nothing on stdout),
/// except where `--version N` is the command's own option: there it is that
/// option, and never prints the program's version (issue 18, bug 1:
/// `wrap -k backups --version 1 r.txt -o r.txt.kc && rm r.txt` printed
/// `keycask-wrap 0.1.0`, exited 0 and wrote nothing).
#[test]
fn version_flags_only_at_the_top_level() {
    let t = TestDir::new();
    let banner = format!("keycask {}\n", env!("CARGO_PKG_VERSION"));
    for flag in ["--version", "-V"] {
        let run = t.run(&[flag]).ok();
        assert_eq!(run.stdout(), banner);
    }
    let paths = command_paths();
    assert!(paths.len() >= 21, "{paths:?}");
    let owners: Vec<String> = paths
        .iter()
        .filter(|(_, own)| *own)
        .map(|(p, _)| p.join(" "))
        .collect();
    assert_eq!(owners, ["enable", "disable", "destroy", "export"]);
    for (path, own) in &paths {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        for flag in ["--version", "-V"] {
            let args = [path.as_slice(), &[flag]].concat();
            let run = t.run(&args);
            assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
            assert_eq!(run.stdout(), "", "{args:?}");
            let stderr = run.stderr();
            assert!(stderr.starts_with("keycask: error: "), "{args:?}: {stderr}");
            if *own && flag == "--version" {
                assert!(
                    stderr.contains("a value is required for '--version <N>'"),
                    "{args:?}: {stderr}"
                );
            } else {
                assert!(
                    stderr.contains(&format!("unexpected argument '{flag}'")),
                    "{args:?}: {stderr}"
                );
            }
        }
    }
    // The reported cases: nothing is written, nothing is rotated.
    t.init_keyfile();
    t.run(&["keygen", "backups", "--rotate-every", "1d"]).ok();
    std::fs::write(t.join("r.txt"), "only copy").unwrap();
    t.run(&[
        "wrap",
        "-k",
        "backups",
        "--version",
        "1",
        "r.txt",
        "-o",
        "r.txt.kc",
    ])
    .fails(2, "unexpected argument '--version'");
    assert!(!t.join("r.txt.kc").exists());
    let before = t.keyring_bytes();
    t.run(&["rotate", "--due", "--version", "3"])
        .fails(2, "unexpected argument '--version'");
    assert_eq!(t.keyring_bytes(), before);
    // Where it is the command's own option, it still works.
    t.run(&["rotate", "backups"]).ok();
    t.run(&["disable", "backups", "--version", "1"]).ok();
    t.run(&["enable", "backups", "--version", "1"]).ok();
}

/// A keyring with one key of each purpose: `backups` (encrypt), `rel`
/// (sign), `inbox` (transport), and files `f.kc` and `notes.txt`.
fn keys_of_each_purpose() -> (TestDir, String) {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    t.run(&["keygen", "rel", "--type", "p256", "--purpose", "sign"])
        .ok();
    t.run(&[
        "keygen",
        "inbox",
        "--type",
        "rsa-2048",
        "--purpose",
        "transport",
    ])
    .ok();
    std::fs::write(t.join("f.kc"), b"x").unwrap();
    std::fs::write(t.join("notes.txt"), b"x").unwrap();
    let bin = assert_cmd::cargo::cargo_bin!("keycask");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (t, path)
}

/// Where a file is expected (INPUT of wrap, unwrap, sign, verify; FILE of
/// inspect; PATH of rekey), the shells offer file names, not options (issue
/// 18, bug 2: `keycask unwrap <TAB>` inserted `-`); after `-k`, only the
/// keys whose purpose fits the command: encrypt keys for wrap, unwrap and
/// datakey, sign keys for sign, verify and `export --sign-with`, transport
/// keys for `import --with`.
#[test]
fn completions_offer_files_for_inputs_and_keys_that_fit() {
    let (t, path) = keys_of_each_purpose();
    let bash = format!(
        r#"
set -u
source "{completion}"
t() {{
    local label=$1; COMP_LINE=$2; COMP_POINT=${{#2}}; shift 2
    COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMPREPLY=()
    _keycask_with_names keycask "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    local IFS=$'\n'; echo "$label=>$(sort <<<"${{COMPREPLY[*]}}" | tr '\n' ' ')"
}}
t unwrap 'keycask unwrap ' keycask unwrap ''
t unwrap-f 'keycask unwrap f' keycask unwrap f
t wrap 'keycask wrap -k backups ' keycask wrap -k backups ''
t inspect 'keycask inspect ' keycask inspect ''
t inspect-2 'keycask inspect f.kc ' keycask inspect f.kc ''
t rekey 'keycask rekey --dry-run ' keycask rekey --dry-run ''
t sign 'keycask sign -k rel ' keycask sign -k rel ''
t verify 'keycask verify -k rel --signature s ' keycask verify -k rel --signature s ''
t unwrap-opt 'keycask unwrap --e' keycask unwrap --e
t wrap-k 'keycask wrap -k ' keycask wrap -k ''
t unwrap-k 'keycask unwrap -k ' keycask unwrap -k ''
t datakey-k 'keycask datakey --key=' keycask datakey --key =
t sign-k 'keycask sign -k ' keycask sign -k ''
t verify-k 'keycask verify -k ' keycask verify -k ''
t with 'keycask import --bundle b --with ' keycask import --bundle b --with ''
t sign-with 'keycask export backups --to x --sign-with ' keycask export backups --to x --sign-with ''
t show 'keycask show ' keycask show ''
t audit 'keycask audit --key ' keycask audit --key ''
"#,
        completion = repo("completions/keycask.bash").display(),
    );
    let stdout = run_shell(&t, &path, &["bash", "-c"], &bash);
    let files = "f.kc keyring.json keyring.json.audit.jsonl keyring.json.lock notes.txt root.key ";
    for (label, replies) in [
        ("unwrap", files),
        ("unwrap-f", "f.kc "),
        ("wrap", files),
        ("inspect", files),
        ("inspect-2", files),
        ("rekey", files),
        ("sign", files),
        ("verify", files),
        ("unwrap-opt", "--expect-context "),
        ("wrap-k", "backups "),
        ("unwrap-k", "backups "),
        ("datakey-k", "backups "),
        ("sign-k", "rel "),
        ("verify-k", "rel "),
        ("with", "inbox "),
        ("sign-with", "rel "),
        ("show", "backups inbox rel "),
        ("audit", "backups inbox rel "),
    ] {
        let line = format!("{label}=>{replies}");
        assert!(
            stdout.lines().any(|l| l == line),
            "bash: lacks {line:?}:\n{stdout}"
        );
    }

    let zsh = format!(
        r#"
compdef() {{ : }}
_describe() {{ print -r -- "${{(P)${{@[-1]}}}}" }}
source "{completion}"
_keycask_clap() {{ print -r -- "clap" }}
t() {{ local label=$1; shift; words=("$@"); CURRENT=$#words; print -rn -- "$label=>"; _keycask }}
t wrap-k keycask wrap -k ''
t sign-k keycask sign -k ''
t verify-k keycask verify -k ''
t with keycask import --bundle b --with ''
t sign-with keycask export backups --to x --sign-with ''
t show keycask show ''
t unwrap keycask unwrap ''
"#,
        completion = repo("completions/_keycask").display(),
    );
    let stdout = run_shell(&t, &path, &["zsh", "-f", "-c"], &zsh);
    for line in [
        "wrap-k=>backups",
        "sign-k=>rel",
        "verify-k=>rel",
        "with=>inbox",
        "sign-with=>rel",
        "show=>backups inbox rel",
        "unwrap=>clap",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "zsh: lacks {line:?}:\n{stdout}"
        );
    }
    // zsh's own completion (clap's `_arguments`) completes files for every
    // INPUT, FILE and PATH.
    let generated = std::fs::read_to_string(repo("completions/_keycask")).unwrap();
    for spec in [
        "'::input -- The file to encrypt",
        "'::input -- The envelope",
        "'*::files -- Envelopes to inspect",
        "'*::paths -- Envelope files",
    ] {
        let line = generated
            .lines()
            .find(|l| l.starts_with(spec))
            .unwrap_or_else(|| panic!("_keycask: no {spec:?}"));
        assert!(line.ends_with(":_files' \\"), "{line}");
    }

    let fish = format!(
        r#"
source {completion}
function t
    set -l r (complete -C $argv[2] | string split -f1 \t | sort)
    echo "$argv[1]=>$r"
end
t unwrap 'keycask unwrap '
t wrap 'keycask wrap -k backups '
t inspect 'keycask inspect '
t wrap-k 'keycask wrap -k '
t sign-k 'keycask sign -k '
t with 'keycask import --bundle b --with '
t show 'keycask show '
"#,
        completion = repo("completions/keycask.fish").display(),
    );
    let stdout = run_shell(&t, &path, &["fish", "--no-config", "-c"], &fish);
    let files = files.trim_end();
    for line in [
        format!("unwrap=>{files}"),
        format!("wrap=>{files}"),
        format!("inspect=>{files}"),
        "wrap-k=>backups".to_string(),
        "sign-k=>rel".to_string(),
        "with=>inbox".to_string(),
        "show=>backups inbox rel".to_string(),
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "fish: lacks {line:?}:\n{stdout}"
        );
    }
}

/// `list --names --purpose P`, the helper of the completions: only the live
/// keys of that purpose.
#[test]
fn list_names_by_purpose() {
    let (t, _) = keys_of_each_purpose();
    t.run(&["keygen", "old"]).ok();
    t.run(&["destroy", "old", "--now", "--yes"]).ok();
    for (purpose, names) in [
        ("encrypt", "backups\n"),
        ("sign", "rel\n"),
        ("transport", "inbox\n"),
    ] {
        let run = t.run(&["list", "--names", "--purpose", purpose]).ok();
        assert_eq!(run.stdout(), names, "{purpose}");
    }
    // Without a purpose, every name, tombstones too (for destroy --purge).
    assert_eq!(
        t.run(&["list", "--names"]).ok().stdout(),
        "backups\ninbox\nold\nrel\n"
    );
    t.run(&["list", "--purpose", "sign"]).fails(2, "--names");
}

/// `encrypt` and `decrypt` are visible aliases of `wrap` and `unwrap` (issue
/// 18, usability 2: `keycask decrypt` answered "a similar subcommand
/// exists: 'destroy'"), in the help and in the completions.
#[test]
fn encrypt_and_decrypt_are_aliases_of_wrap_and_unwrap() {
    let (t, path) = keys_of_each_purpose();
    t.run_stdin(&["encrypt", "-k", "backups", "-o", "m.kc"], b"hello")
        .ok();
    let run = t.run(&["decrypt", "m.kc"]).ok();
    assert_eq!(run.stdout(), "hello");
    let help = t.run(&["--help"]).ok().stdout();
    let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("wrap, encrypt"), "{help}");
    assert!(words.contains("unwrap, decrypt"), "{help}");
    assert!(
        t.run(&["decrypt", "--help"])
            .ok()
            .stdout()
            .contains("Usage: keycask unwrap")
    );

    let bash = format!(
        r#"
source "{completion}"
t() {{
    local label=$1; COMP_LINE=$2; COMP_POINT=${{#2}}; shift 2
    COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMPREPLY=()
    _keycask_with_names keycask "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "$label=>${{COMPREPLY[*]}}"
}}
t enc-k 'keycask encrypt -k ' keycask encrypt -k ''
t dec-f 'keycask decrypt m' keycask decrypt m
t dec 'keycask dec' keycask dec
"#,
        completion = repo("completions/keycask.bash").display(),
    );
    let stdout = run_shell(&t, &path, &["bash", "-c"], &bash);
    for line in ["enc-k=>backups", "dec-f=>m.kc", "dec=>decrypt"] {
        assert!(
            stdout.lines().any(|l| l == line),
            "bash: lacks {line:?}:\n{stdout}"
        );
    }
    let fish = format!(
        "source {}; complete -C 'keycask encrypt -k ' | string split -f1 \\t; true",
        repo("completions/keycask.fish").display()
    );
    let stdout = run_shell(&t, &path, &["fish", "--no-config", "-c"], &fish);
    assert_eq!(stdout, "backups\n");
}

/// `--help` a person can read (issue 18, usability 1): a command's own
/// options first, the global ones under "Global options" (in the man pages
/// too); `-h` leaves the global ones out, and `wrap -h` fits a 24-line
/// screen; `keycask --help` groups the commands as git does and lists the
/// environment.
#[test]
fn help_puts_own_options_first_and_groups_the_commands() {
    let t = TestDir::new();
    for name in subcommands() {
        let help = t.run(&[&name, "--help"]).ok().stdout();
        let global = help
            .find("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("{name} --help: no Global options heading:\n{help}"));
        let own = help.find("\nOptions:\n").expect("Options");
        assert!(own < global, "{name} --help:\n{help}");
        let keyring = help.find("--keyring <PATH>").unwrap();
        assert!(
            keyring > global,
            "{name} --help: --keyring before the heading"
        );
        let short = t.run(&[&name, "-h"]).ok().stdout();
        assert!(!short.contains("--keyring <PATH>"), "{name} -h:\n{short}");
        let page = std::fs::read_to_string(repo(&format!("man/keycask-{name}.1"))).unwrap();
        let options = page.find(".SH OPTIONS").expect(".SH OPTIONS");
        let global = page
            .find(".SH \"GLOBAL OPTIONS\"")
            .unwrap_or_else(|| panic!("keycask-{name}.1: no GLOBAL OPTIONS"));
        assert!(options < global && page.find(".TP\n\\fB\\-\\-keyring\\fR").unwrap() > global);
    }
    let wrap = t.run(&["wrap", "-h"]).ok().stdout();
    assert!(wrap.lines().count() <= 24, "wrap -h:\n{wrap}");

    let help = t.run(&["--help"]).ok().stdout();
    let mut at = 0;
    for (title, names) in keycask::COMMAND_GROUPS {
        let heading = format!("\n{title}:\n");
        let found = help[at..]
            .find(&heading)
            .unwrap_or_else(|| panic!("no {title:?} group after the previous one:\n{help}"));
        at += found + heading.len();
        let section = &help[at..help[at..].find("\n\n").map_or(help.len(), |e| at + e)];
        for name in *names {
            assert!(
                section.lines().any(|l| l.trim_start().starts_with(name)),
                "{name} not under {title}:\n{help}"
            );
        }
    }
    for name in subcommands() {
        let listed = help
            .lines()
            .filter(|l| {
                l.starts_with("  ")
                    && l.split_whitespace().next().map(|w| w.trim_end_matches(',')) == Some(&name)
            })
            .count();
        assert_eq!(listed, 1, "{name} is listed {listed} times:\n{help}");
    }
    assert!(!help.contains("\nCommands:\n"), "{help}");
    assert!(
        help.contains("Usage: keycask [OPTIONS] <COMMAND>"),
        "{help}"
    );
    let environment = &help[help.find("\nEnvironment:\n").expect("Environment")..];
    for (name, _) in keycask::ENVIRONMENT {
        assert!(
            environment.contains(&format!("  {name}\n")),
            "{name}:\n{help}"
        );
    }
    assert!(environment.contains("KEYCASK_PASSPHRASE_FILE"));
    // `help` still works, and a typo still finds its command.
    assert!(
        t.run(&["help", "wrap"])
            .ok()
            .stdout()
            .contains("Usage: keycask wrap")
    );
    t.run(&["lisst"])
        .fails(2, "unrecognized subcommand 'lisst'")
        .stderr_has("'list'");
}
