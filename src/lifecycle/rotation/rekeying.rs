//! `rekey`: envelopes moved to their key's primary version, header only.

#[allow(unused_imports)]
use super::*;

/// What `rekey` was asked to do.
#[derive(Debug)]
pub struct RekeyRequest {
    pub paths: Vec<PathBuf>,
    pub dry_run: bool,
    pub jobs: usize,
    /// `--reencrypt`, with its options.
    pub reencrypt: Option<rekey::reencrypt::Options>,
}

impl RekeyRequest {
    pub fn from_args(args: &crate::cli::RekeyArgs) -> Result<Self> {
        let reencrypt = if args.reencrypt {
            Some(rekey::reencrypt::Options {
                force: args.force,
                only_compromised: args.only_compromised,
                to: args
                    .to
                    .iter()
                    .map(|p| crate::sealed::Recipient::from_pem_file(p))
                    .collect::<Result<_>>()?,
                drop: args
                    .drop_recipient
                    .iter()
                    .map(|f| rekey::reencrypt::parse_fingerprint(f))
                    .collect::<Result<_, _>>()?,
            })
        } else {
            None
        };
        Ok(RekeyRequest {
            paths: args.paths.clone(),
            dry_run: args.dry_run,
            jobs: args
                .jobs
                .map(usize::from)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            reencrypt,
        })
    }
}

pub fn rekey(ctx: &Context, request: &RekeyRequest) -> Result<()> {
    if let Some(options) = &request.reencrypt {
        return reencrypt(ctx, request, options);
    }
    let walk = crate::envelope::scan::walk(&request.paths)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(request.jobs)
        .build()?;
    // The bar appears only after the unlock, which may ask at the terminal.
    let mut opened = None;
    // Every file, in parallel on the pool, with a progress bar.
    let each_file = |one: &(dyn Fn(&std::path::Path) -> FileReport + Sync)| -> Vec<FileReport> {
        let bar = progress_bar(ctx, walk.files.len());
        let reports = pool.install(|| {
            walk.files
                .par_iter()
                .map(|p| {
                    let report = one(p);
                    bar.inc(1);
                    report
                })
                .collect()
        });
        bar.finish_and_clear();
        reports
    };
    let (doc, reports) = if request.dry_run {
        // Planning needs only metadata: no unlock, no passphrase.
        let doc = file::read(&ctx.keyring_path)?;
        let planner = Rekeyer::planner(&doc);
        let reports = each_file(&|p| planner.dry_run_file(p));
        (doc, reports)
    } else {
        let unlocked = open_read_only(&ctx.keyring_path, &ctx.sources)?;
        let rekeyer = Rekeyer::new(&unlocked);
        let reports = each_file(&|p| rekeyer.rekey_file(p));
        let doc = unlocked.doc.clone();
        opened = Some(unlocked);
        (doc, reports)
    };
    let extra = walk.passed_over_reports(FileReport::skipped, FileReport::failed);
    let mut files: Vec<(&PathBuf, &FileReport)> = walk
        .files
        .iter()
        .zip(&reports)
        .chain(extra.iter().map(|(p, r)| (p, r)))
        .collect();
    // Envelopes that were under a compromised version come first.
    files.sort_by_key(|(_, r)| !r.compromised);
    let count = |status: Status| files.iter().filter(|(_, r)| r.status == status).count();
    let rekeyed = count(if request.dry_run {
        Status::WouldRekey
    } else {
        Status::Rekeyed
    });
    let (current, skipped, failed) = (
        count(Status::Current),
        count(Status::Skipped),
        count(Status::Failed),
    );
    let versions = if request.dry_run {
        dependency_rows(&doc, &files)
    } else {
        Vec::new()
    };
    if let Some(unlocked) = &opened {
        // The summary goes to the audit log (a rekey changes no keyring, so
        // it is written on its own, under the keyring's lock).
        let summary = format!(
            "rekeyed {rekeyed}, already current {current}, skipped {skipped}, failed {failed}"
        );
        let event =
            Event::new("rekey")
                .detail(summary)
                .outcome(if failed > 0 { "failed" } else { "ok" });
        crate::keyring::record(&ctx.keyring_path, &ctx.sources, unlocked, event)
            .context("the envelopes are rekeyed, but the audit record of it was not written")?;
    }

    if ctx.json {
        let counts = [rekeyed, current, skipped, failed];
        print_rekey_json(request.dry_run, counts, &files, &versions)?;
    } else {
        report_rekey_for_people(ctx, request.dry_run, &files, &versions)?;
        let verb = if request.dry_run {
            "would rekey"
        } else {
            "rekeyed"
        };
        let summary = format!(
            "{verb} {rekeyed}, already current {current}, skipped {skipped}, failed {failed}"
        );
        // A dry run's summary is what was asked for; a real run's reports
        // what was done.
        if request.dry_run {
            ctx.print(summary)?;
        } else {
            ctx.report(summary)?;
        }
    }
    // A dry run fails as the real run would, so that it can gate it.
    refuse_failures(ctx, failed, request.dry_run, ("rekey", "rekeyed"), "")
}

/// The `keycask.rekey/1` document (docs/JSON.md); `counts` are rekeyed (or
/// would be), current, skipped and failed.
fn print_rekey_json(
    dry_run: bool,
    counts: [usize; 4],
    files: &[(&PathBuf, &FileReport)],
    versions: &[DependencyRow],
) -> Result<()> {
    let [rekeyed, current, skipped, failed] = counts;
    let listed: Vec<Value> = files
        .iter()
        .map(|(path, r)| {
            json!({
                "path": path.display().to_string(),
                "status": r.status.as_str(),
                "key": r.key,
                "from_version": r.from_version,
                "to_version": r.to_version,
                "compromised": r.compromised,
                "reason": r.reason,
            })
        })
        .collect();
    output::print_json(&json!({
        "schema": "keycask.rekey/1",
        "dry_run": dry_run,
        "summary": {
            if dry_run { "would_rekey" } else { "rekeyed" }: rekeyed,
            "current": current,
            "skipped": skipped,
            "failed": failed,
        },
        "files": listed,
        "versions": versions.iter().map(DependencyRow::to_json).collect::<Vec<_>>(),
    }))
}

/// The error of a run (`rekey` or `rekey --reencrypt`, named by `verb`: its
/// infinitive and participle) in which `failed` files failed, after its
/// report; a dry run fails as the real run would, so that it can gate it.
pub(super) fn refuse_failures(
    ctx: &Context,
    failed: usize,
    dry_run: bool,
    verb: (&str, &str),
    rerun_note: &str,
) -> Result<()> {
    let where_ = if ctx.json {
        "the reasons are in the report's files[].reason"
    } else {
        "the reasons are listed above"
    };
    if failed > 0 && dry_run {
        return Err(Failure::other(format!(
            "{failed} file(s) would fail to {}; nothing was changed",
            verb.0
        ))
        .hint(format!("{where_}; fix them before the real run"))
        .into());
    }
    if failed > 0 {
        return Err(Failure::other(format!(
            "{failed} file(s) could not be {}; they were left as they were",
            verb.1
        ))
        .hint(format!(
            "{where_}; fix them and run the same command again{rerun_note}"
        ))
        .into());
    }
    Ok(())
}

/// A bar on stderr for long runs, only when stderr is a terminal; hidden
/// (and free) otherwise.
pub(super) fn progress_bar(ctx: &Context, files: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if ctx.quiet || files < 1000 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(files as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{pos:>7} / {len} files [{wide_bar}] {per_sec} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub(super) fn report_rekey_for_people(
    ctx: &Context,
    dry_run: bool,
    files: &[(&PathBuf, &FileReport)],
    versions: &[DependencyRow],
) -> Result<()> {
    // The report goes to stdout, one line per file that needs attention;
    // stderr is kept for the error, if any, so it stays one line.
    let mut out = crate::output::report_stdout();
    let mut compromised: BTreeMap<(String, u32), usize> = BTreeMap::new();
    for (path, r) in files {
        let key = r.key.as_deref().unwrap_or("-");
        match r.status {
            Status::Failed | Status::Skipped => writeln!(
                out,
                "{} {}: {}",
                r.status.as_str(),
                path.display(),
                r.reason.as_deref().unwrap_or("")
            )?,
            Status::Rekeyed | Status::WouldRekey => {
                if r.compromised {
                    *compromised
                        .entry((key.to_string(), r.from_version.unwrap_or(0)))
                        .or_default() += 1;
                }
                if ctx.verbose > 0 {
                    writeln!(
                        out,
                        "{} {}: {key} v{} -> v{}",
                        r.status.as_str(),
                        path.display(),
                        r.from_version.unwrap_or(0),
                        r.to_version.unwrap_or(0)
                    )?;
                }
            }
            Status::Current => {}
        }
    }
    for ((key, version), n) in &compromised {
        writeln!(
            out,
            "COMPROMISED: {n} envelope(s) {} under version {version} of key '{key}'{}",
            if dry_run { "are" } else { "were" },
            if dry_run {
                ""
            } else {
                "; they now use the primary, but copies made before are still exposed"
            }
        )?;
    }
    out.flush()?;
    drop(out);
    if dry_run && !versions.is_empty() {
        let rows: Vec<Vec<String>> = versions
            .iter()
            .map(|row| {
                let mut notes = Vec::new();
                if row.primary {
                    notes.push("primary".to_string());
                }
                if row.compromised {
                    notes.push("COMPROMISED".to_string());
                }
                vec![
                    row.key.clone(),
                    format!("v{}", row.version),
                    row.state.clone(),
                    row.envelopes.to_string(),
                    notes.join(", "),
                ]
            })
            .collect();
        output::print_table(&["KEY", "VERSION", "STATE", "ENVELOPES", "NOTES"], &rows)?;
    }
    Ok(())
}

/// How many envelopes depend on one key version: the answer to "can I
/// destroy this version yet?".
pub(super) struct DependencyRow {
    key: String,
    version: u32,
    version_id: String,
    state: String,
    primary: bool,
    compromised: bool,
    envelopes: usize,
}

impl DependencyRow {
    fn to_json(&self) -> Value {
        json!({
            "key": self.key,
            "version": self.version,
            "version_id": self.version_id,
            "state": self.state,
            "primary": self.primary,
            "compromised": self.compromised,
            "envelopes": self.envelopes,
        })
    }
}

/// Every version of every key that at least one envelope depends on, with
/// how many envelopes depend on it (zero included); compromised versions
/// first. An envelope depends on a version of this keyring when it names
/// its version id, whatever keyring its header names (an imported key's
/// envelopes open here), and an envelope with a pending rekey journal
/// depends on both the version it names and the one the journal installs.
pub(super) fn dependency_rows(
    doc: &Keyring,
    files: &[(&PathBuf, &FileReport)],
) -> Vec<DependencyRow> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, r) in files {
        for v in &r.needs {
            *counts.entry(v.version_id.as_str()).or_default() += 1;
        }
    }
    let mut rows: Vec<DependencyRow> = doc
        .keys
        .iter()
        .filter(|(name, key)| {
            key.versions.iter().any(|v| {
                crate::sealed::dependency_ids(name, v)
                    .iter()
                    .any(|id| counts.contains_key(id.as_str()))
            })
        })
        .flat_map(|(name, key)| {
            let counts = &counts;
            key.versions.iter().map(move |v| DependencyRow {
                key: name.to_string(),
                version: v.version,
                version_id: v.id.clone(),
                state: v.state.to_string(),
                primary: v.version == key.primary,
                compromised: v.compromised.is_some(),
                // By version id (key stanzas) and by public key (recipient
                // stanzas).
                envelopes: crate::sealed::dependency_ids(name, v)
                    .iter()
                    .map(|id| counts.get(id.as_str()).copied().unwrap_or(0))
                    .sum(),
            })
        })
        .collect();
    rows.sort_by_key(|r| !r.compromised);
    rows
}

/// What `rekey --reencrypt` does to one file, given a progress callback.
pub(super) type OneFile<'a> =
    dyn Fn(&std::path::Path, &(dyn Fn(u64) + Sync)) -> rekey::reencrypt::Report + Sync + 'a;
