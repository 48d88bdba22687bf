//! `make gen`: writes the shell completions (`completions/`) and the man pages
//! (`man/`) from the one clap definition, `keycask::Cli`.
//!
//! Usage: `cargo run --example gen -- OUT_DIR` writes `OUT_DIR/completions/`
//! and `OUT_DIR/man/`. `make lint` runs it into a temporary folder and fails
//! when the committed files differ.
//!
//! Beyond what clap_complete and clap_mangen produce:
//! - bash, zsh and fish complete key names (`-k/--key NAME`, and the NAME of
//!   `show`, `rotate`, `enable`, `disable`, `destroy`, ...) from the keyring in
//!   use, through the hidden `keycask list --names` (no unlock). The shell code
//!   is in `names.*` beside this file; the tables it reads (which options take
//!   a value, which name a key) are generated here from the definition.
//! - every man page carries EXAMPLES (from the command's `after_help`), EXIT
//!   STATUS (`cli::EXIT_CODES`), ENVIRONMENT, FILES and SEE ALSO.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Arg, Command, CommandFactory};
use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

const BIN: &str = "keycask";

/// Subcommands whose NAME argument names a key that does not exist yet.
const NEW_NAME_COMMANDS: &[&str] = &["keygen", "import", "init"];

const FILES: &[(&str, &str)] = &[
    (
        "$XDG_DATA_HOME/keycask/keyring.json",
        "The default keyring: JSON, mode 0600 (a keyring readable by group or others is refused). Holds only wrapped key material.",
    ),
    (
        "<keyring>.lock",
        "Held exclusively by every command that writes the keyring.",
    ),
    (
        "<keyring>.audit.jsonl",
        "The hash-chained audit log beside the keyring, where the build has one (see keycask audit).",
    ),
];

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: cargo run --example gen -- OUT_DIR"),
    );
    let mut cmd = keycask::Cli::command();
    cmd.build();
    write_completions(&cmd, &out.join("completions"));
    write_man_pages(&cmd, &out.join("man"));
}

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

// ---------------------------------------------------------------------------
// Completions

fn generate(shell: Shell, cmd: &Command) -> String {
    let mut cmd = cmd.clone();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut buf);
    String::from_utf8(buf).unwrap()
}

/// The subcommands users type (not `help`).
fn subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// The names a subcommand is typed by: its name and its visible aliases
/// (`encrypt` for `wrap`).
fn typed_names(sub: &Command) -> Vec<&str> {
    std::iter::once(sub.get_name())
        .chain(sub.get_visible_aliases())
        .collect()
}

/// `SUB,OPTION` case patterns for every typed name of `sub`.
fn option_patterns(sub: &Command, options: &[String]) -> Vec<String> {
    typed_names(sub)
        .iter()
        .flat_map(|name| options.iter().map(move |o| format!("{name},{o}")))
        .collect()
}

fn takes_value(arg: &Arg) -> bool {
    !arg.is_positional()
        && arg
            .get_num_args()
            .is_some_and(|n| n.takes_values() && n.max_values() > 0)
}

/// The spellings of an option (`-k`, `--key`).
fn spellings(arg: &Arg) -> Vec<String> {
    let mut all = Vec::new();
    if let Some(short) = arg.get_short() {
        all.push(format!("-{short}"));
    }
    if let Some(long) = arg.get_long() {
        all.push(format!("--{long}"));
    }
    all
}

/// Options whose value names an existing key, besides `-k/--key`.
const OTHER_KEY_OPTIONS: &[(&str, &str)] = &[("import", "with"), ("export", "sign-with")];

/// An option whose value is an existing key's name.
fn is_key_option(sub: &Command, arg: &Arg) -> bool {
    let name = sub.get_name();
    let long = arg.get_long().unwrap_or_default();
    (!NEW_NAME_COMMANDS.contains(&name) && long == "key")
        || OTHER_KEY_OPTIONS.contains(&(name, long))
}

/// The purpose a key named by this option must have: only those keys are
/// offered (`keycask list --names --purpose P`). Every key option but
/// `audit --key` (any key) must be placed here.
fn key_purpose(sub: &Command, arg: &Arg) -> Option<&'static str> {
    let purpose = match (sub.get_name(), arg.get_long().unwrap_or_default()) {
        ("wrap" | "unwrap" | "datakey", "key") => "encrypt",
        ("sign" | "verify", "key") | ("export", "sign-with") => "sign",
        ("import", "with") => "transport",
        ("audit", "key") => return None,
        (name, long) => panic!("{name} --{long}: which purpose of key does it take? (key_purpose)"),
    };
    Some(purpose)
}

/// Every positional argument of the command is a path (INPUT, FILE,
/// PATH): bash completes file names there instead of options.
fn has_path_positionals(sub: &Command) -> bool {
    let mut positionals = sub.get_positionals().peekable();
    positionals.peek().is_some()
        && positionals.all(|a| {
            matches!(
                a.get_value_hint(),
                clap::ValueHint::AnyPath | clap::ValueHint::FilePath | clap::ValueHint::DirPath
            )
        })
}

/// The first positional argument names an existing key.
fn has_name_positional(sub: &Command) -> bool {
    !NEW_NAME_COMMANDS.contains(&sub.get_name())
        && sub
            .get_positionals()
            .next()
            .is_some_and(|a| a.get_id() == "name")
}

/// The tables `names.sh` reads, as POSIX-ish shell functions (bash and zsh).
fn shell_tables(cmd: &Command) -> String {
    let mut s = String::from("\n# Generated from src/cli.rs by `make gen`.\n");
    s.push_str("__keycask_takes_value() {\n    case \"$1\" in\n");
    let top: Vec<String> = cmd
        .get_arguments()
        .filter(|a| takes_value(a))
        .flat_map(spellings)
        .collect();
    let _ = writeln!(s, "        keycask) set -- \"$2\" {} ;;", top.join(" "));
    for sub in subcommands(cmd) {
        let opts: Vec<String> = sub
            .get_arguments()
            .filter(|a| takes_value(a))
            .flat_map(spellings)
            .collect();
        let _ = writeln!(
            s,
            "        {}) set -- \"$2\" {} ;;",
            typed_names(sub).join("|"),
            opts.join(" ")
        );
    }
    s.push_str("        *) return 1 ;;\n    esac\n");
    s.push_str("    local w=$1 o; shift\n    for o in \"$@\"; do [ \"$o\" = \"$w\" ] && return 0; done\n    return 1\n}\n");

    s.push_str("__keycask_key_option() {\n    case \"$1\" in\n");
    for sub in subcommands(cmd) {
        let opts: Vec<String> = sub
            .get_arguments()
            .filter(|a| is_key_option(sub, a))
            .flat_map(spellings)
            .collect();
        if !opts.is_empty() {
            let pattern = option_patterns(sub, &opts);
            let _ = writeln!(s, "        {}) return 0 ;;", pattern.join("|"));
        }
    }
    s.push_str("    esac\n    return 1\n}\n");
    // The function is called as `__keycask_key_option SUB OPTION`.
    s = s.replace(
        "__keycask_key_option() {\n    case \"$1\" in",
        "__keycask_key_option() {\n    case \"$1,$2\" in",
    );

    s.push_str("__keycask_key_purpose() {\n    case \"$1,$2\" in\n");
    for sub in subcommands(cmd) {
        for arg in sub.get_arguments().filter(|a| is_key_option(sub, a)) {
            if let Some(purpose) = key_purpose(sub, arg) {
                let pattern = option_patterns(sub, &spellings(arg));
                let _ = writeln!(s, "        {}) echo {purpose} ;;", pattern.join("|"));
            }
        }
    }
    s.push_str("    esac\n}\n");

    s.push_str("__keycask_path_positional() {\n    case \"$1\" in\n");
    let paths: Vec<&str> = subcommands(cmd)
        .filter(|s| has_path_positionals(s))
        .flat_map(typed_names)
        .collect();
    if !paths.is_empty() {
        let _ = writeln!(s, "        {}) return 0 ;;", paths.join("|"));
    }
    s.push_str("    esac\n    return 1\n}\n");

    s.push_str("__keycask_name_positional() {\n    case \"$1\" in\n");
    let named: Vec<&str> = subcommands(cmd)
        .filter(|s| has_name_positional(s))
        .flat_map(typed_names)
        .collect();
    if !named.is_empty() {
        let _ = writeln!(s, "        {}) return 0 ;;", named.join("|"));
    }
    s.push_str("    esac\n    return 1\n}\n");
    s
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "clap_complete's output changed: {from:?} is not there exactly once"
    );
    text.replacen(from, to, 1)
}

fn bash(cmd: &Command) -> String {
    let generated = generate(Shell::Bash, cmd);
    // Our own `complete` line (in names.bash) registers the wrapper.
    let registration = generated
        .rfind("\nif [[ \"${BASH_VERSINFO[0]}\"")
        .expect("clap_complete's bash registration");
    let mut out = generated[..registration + 1].to_string();
    out.push_str(include_str!("names.sh"));
    out.push_str(&shell_tables(cmd));
    out.push_str(include_str!("names.bash"));
    out
}

fn zsh(cmd: &Command) -> String {
    let generated = generate(Shell::Zsh, cmd);
    let generated = replace_once(&generated, "\n_keycask() {\n", "\n_keycask_clap() {\n");
    let tail = "\nif [ \"$funcstack[1]\" = \"_keycask\" ]; then";
    let at = generated.rfind(tail).expect("clap_complete's zsh tail");
    let mut out = generated[..at + 1].to_string();
    out.push_str(include_str!("names.sh"));
    out.push_str(&shell_tables(cmd));
    out.push_str(include_str!("names.zsh"));
    out.push_str(&generated[at..]);
    out
}

fn fish(cmd: &Command) -> String {
    let mut out = generate(Shell::Fish, cmd);
    out.push_str(include_str!("names.fish"));
    out.push_str("# Generated from src/cli.rs by `make gen`.\n");
    for sub in subcommands(cmd) {
        for name in typed_names(sub) {
            fish_key_names(&mut out, sub, name);
        }
    }
    out
}

/// fish completes key names for `sub`, typed as `name`.
fn fish_key_names(out: &mut String, sub: &Command, name: &str) {
    for arg in sub.get_arguments().filter(|a| is_key_option(sub, a)) {
        let mut line = format!("complete -c {BIN} -n \"__fish_{BIN}_using_subcommand {name}\"");
        if let Some(short) = arg.get_short() {
            let _ = write!(line, " -s {short}");
        }
        if let Some(long) = arg.get_long() {
            let _ = write!(line, " -l {long}");
        }
        let names = match key_purpose(sub, arg) {
            Some(purpose) => format!("__keycask_key_names {purpose}"),
            None => "__keycask_key_names".to_string(),
        };
        let _ = write!(line, " -r -f -a \"({names})\"");
        let _ = writeln!(out, "{line}");
    }
    if has_name_positional(sub) {
        let _ = writeln!(
            *out,
            "complete -c {BIN} -n \"__fish_{BIN}_using_subcommand {name}\" -f -a \"(__keycask_key_names)\""
        );
    }
}

fn write_completions(cmd: &Command, dir: &Path) {
    write(&dir.join("keycask.bash"), bash(cmd));
    write(&dir.join("_keycask"), zsh(cmd));
    write(&dir.join("keycask.fish"), fish(cmd));
    write(&dir.join("keycask.elv"), generate(Shell::Elvish, cmd));
    write(&dir.join("_keycask.ps1"), generate(Shell::PowerShell, cmd));
}

// ---------------------------------------------------------------------------
// Man pages

/// Splits an `after_help` into its prose and its example lines (the indented
/// lines after an `Examples:` line).
fn split_after_help(cmd: &Command) -> (Vec<String>, Vec<String>) {
    let text = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut prose = Vec::new();
    let mut examples = Vec::new();
    let mut in_examples = false;
    // `cli::EXIT_CODES`, which the EXIT STATUS section renders.
    let mut in_exit_codes = false;
    for line in text.lines() {
        if line.trim_end() == "Examples:" {
            in_examples = true;
            in_exit_codes = false;
        } else if line.starts_with("Exit status:") {
            in_exit_codes = true;
            in_examples = false;
        } else if (in_examples || in_exit_codes) && line.starts_with("  ") {
            if in_examples {
                examples.push(line.trim_start().to_string());
            }
        } else if !line.trim().is_empty() {
            in_examples = false;
            in_exit_codes = false;
            prose.push(line.to_string());
        }
    }
    (prose, examples)
}

fn section(roff: &mut Roff, title: &str) {
    roff.control("SH", [title]);
}

fn examples_section(roff: &mut Roff, examples: &[String]) {
    if examples.is_empty() {
        return;
    }
    section(roff, "EXAMPLES");
    roff.control("nf", []).control("RS", ["4"]);
    for example in examples {
        roff.text([roman(example.as_str())]);
    }
    roff.control("RE", []).control("fi", []);
}

fn exit_status_section(roff: &mut Roff) {
    section(roff, "EXIT STATUS");
    for line in keycask::EXIT_CODES.lines().skip(1) {
        let line = line.trim();
        if let Some((code, meaning)) = line.split_once("  ") {
            roff.control("TP", []).text([bold(code)]);
            roff.text([roman(meaning.trim())]);
        } else {
            // A continuation of the previous meaning.
            roff.text([roman(line)]);
        }
    }
    roff.control("PP", []).text([roman(
        "Errors are one line on stderr, \"keycask: error: <what>: <why>\", followed by a \"hint:\" line when a fix exists. A closed stdout (a broken pipe) is not an error.",
    )]);
}

fn definitions_section(roff: &mut Roff, title: &str, items: &[(&str, &str)]) {
    section(roff, title);
    for (term, meaning) in items {
        roff.control("TP", []).text([bold(*term)]);
        roff.text([roman(*meaning)]);
    }
}

fn see_also_section(roff: &mut Roff, top: &Command, this: &str) {
    section(roff, "SEE ALSO");
    let mut pages: Vec<String> = Vec::new();
    if this != BIN {
        pages.push(format!("{BIN}(1)"));
    }
    for sub in subcommands(top) {
        let page = format!("{BIN}-{}", sub.get_name());
        if page != this {
            pages.push(format!("{page}(1)"));
        }
    }
    let mut text = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            text.push(roman(", "));
        }
        text.push(bold(page.as_str()));
    }
    roff.text(text);
    roff.control("PP", []).text([
        roman("The guides in "),
        italic("docs/"),
        roman(" of the source tree: storage, generation, usage, rotation, destruction, distribution, FORMAT.md, JSON.md."),
    ]);
}

fn man_page(top: &Command, cmd: &Command, page: &str, examples: &[String]) -> Vec<u8> {
    let version = top.get_version().unwrap_or_default();
    // Only the top level has --version; a subcommand's page still ends with
    // the program's version, without offering the flag.
    let page_cmd = match cmd.get_version() {
        Some(_) => cmd.clone(),
        None => cmd
            .clone()
            .version(env!("CARGO_PKG_VERSION"))
            .disable_version_flag(true),
    };
    let man = Man::new(page_cmd)
        .title(page.to_uppercase())
        .section("1")
        .date("")
        .source(format!("{BIN} {version}"))
        .manual("keycask manual");
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    let (prose, _) = split_after_help(cmd);
    if !prose.is_empty() {
        let mut roff = Roff::default();
        for paragraph in prose {
            roff.control("PP", []).text([roman(paragraph)]);
        }
        roff.to_writer(&mut out).unwrap();
    }
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out).unwrap();
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut out).unwrap();
    }
    let mut roff = Roff::default();
    examples_section(&mut roff, examples);
    exit_status_section(&mut roff);
    definitions_section(&mut roff, "ENVIRONMENT", keycask::ENVIRONMENT);
    definitions_section(&mut roff, "FILES", FILES);
    see_also_section(&mut roff, top, page);
    roff.to_writer(&mut out).unwrap();
    man.render_version_section(&mut out).unwrap();
    out
}

fn write_man_pages(top: &Command, dir: &Path) {
    // keycask(1): a tour made of each command's first example.
    let tour: Vec<String> = subcommands(top)
        .filter_map(|s| split_after_help(s).1.into_iter().next())
        .map(|example| match example.find("  #") {
            Some(at) => example[..at].trim_end().to_string(),
            None => example,
        })
        .collect();
    write(
        &dir.join(format!("{BIN}.1")),
        man_page(top, top, BIN, &tour),
    );
    for sub in subcommands(top) {
        let page = format!("{BIN}-{}", sub.get_name());
        let (_, examples) = split_after_help(sub);
        write(
            &dir.join(format!("{page}.1")),
            man_page(top, sub, &page, &examples),
        );
    }
}
