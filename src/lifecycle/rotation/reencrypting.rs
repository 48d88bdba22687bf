//! `rekey --reencrypt`: envelopes re-encrypted under a fresh content key.

#[allow(unused_imports)]
use super::*;

/// `rekey --reencrypt`: every envelope under `request.paths` that should
/// move gets a fresh content key and payload under its key's primary
/// version (see `crate::rekey::reencrypt`). One audit record for the run.
pub(super) fn reencrypt(
    ctx: &Context,
    request: &RekeyRequest,
    options: &rekey::reencrypt::Options,
) -> Result<()> {
    use rekey::reencrypt::{Reencrypter, Report, Summary};
    let walk = crate::envelope::scan::walk(&request.paths)?;
    let sizes: Vec<u64> = walk
        .files
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .collect();
    let each_file = |one: &OneFile| reencrypt_files(ctx, &walk.files, &sizes, request.jobs, one);
    let mut opened = None;
    let reports = if request.dry_run {
        // Planning needs only metadata: no unlock, no passphrase.
        let doc = file::read(&ctx.keyring_path)?;
        let planner = Reencrypter::planner(&doc, options);
        each_file(&|p, _| planner.dry_run_file(p))
    } else {
        let unlocked = open_read_only(&ctx.keyring_path, &ctx.sources)?;
        let reencrypter = Reencrypter::new(&unlocked, options);
        let reports = each_file(&|p, progress| reencrypter.reencrypt_file(p, progress));
        drop(reencrypter);
        opened = Some(unlocked);
        reports
    };
    let extra = walk.passed_over_reports(Report::skipped, Report::failed);
    let mut files: Vec<(&PathBuf, &Report)> = walk
        .files
        .iter()
        .zip(&reports)
        .chain(extra.iter().map(|(p, r)| (p, r)))
        .collect();
    // Envelopes that were under a compromised version come first.
    files.sort_by_key(|(_, r)| !r.compromised());
    let summary = Summary::of(files.iter().map(|(_, r)| *r));
    let counts = format!(
        "{} {} ({}), already current {}{}, skipped {}, failed {}",
        if request.dry_run {
            "would re-encrypt"
        } else {
            "re-encrypted"
        },
        summary.reencrypted,
        byte_count(summary.bytes),
        summary.current,
        if options.only_compromised {
            format!(", not compromised {}", summary.not_compromised)
        } else {
            String::new()
        },
        summary.skipped,
        summary.failed
    );
    if let Some(unlocked) = &opened {
        record_reencryption(ctx, unlocked, &files, &summary)?;
    }

    if ctx.json {
        print_reencrypt_json(request.dry_run, options, &summary, &files)?;
    } else {
        report_reencrypt_for_people(ctx, request.dry_run, &files)?;
        if request.dry_run {
            ctx.print(counts)?;
        } else {
            ctx.report(counts)?;
        }
    }
    refuse_failures(
        ctx,
        summary.failed,
        request.dry_run,
        ("re-encrypt", "re-encrypted"),
        " (what is done is skipped)",
    )
}

/// Runs `one` on every file, on `jobs` threads of their own; each stream
/// uses every core. (Plain threads rather than a rayon pool: a pool thread
/// waiting for its stream could pick up another file's, and memory would
/// grow.) Reports come back in the order of `files`.
fn reencrypt_files(
    ctx: &Context,
    files: &[PathBuf],
    sizes: &[u64],
    jobs: usize,
    one: &OneFile,
) -> Vec<rekey::reencrypt::Report> {
    use rekey::reencrypt::Report;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    let bar = bytes_bar(ctx, sizes.iter().sum());
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Report>>> = files.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(files.len()).max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else {
                        break;
                    };
                    let done = AtomicU64::new(0);
                    let report = one(path, &|n| {
                        done.fetch_add(n, Ordering::Relaxed);
                        bar.inc(n);
                    });
                    // The rest of the file (armor, skipped files).
                    bar.inc(sizes[i].saturating_sub(done.load(Ordering::Relaxed)));
                    *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(report);
                }
            });
        }
    });
    bar.finish_and_clear();
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| Report::failed("not processed"))
        })
        .collect()
}

/// One audit record for the run (a re-encryption changes no keyring, so it
/// is written on its own, under the keyring's lock).
fn record_reencryption(
    ctx: &Context,
    unlocked: &crate::keyring::Unlocked,
    files: &[(&PathBuf, &rekey::reencrypt::Report)],
    summary: &rekey::reencrypt::Summary,
) -> Result<()> {
    use rekey::reencrypt::Status as R;
    let mut versions: Vec<u32> = files
        .iter()
        .filter(|(_, r)| r.status == R::Reencrypted)
        .flat_map(|(_, r)| r.moves.iter().map(|m| m.from_version))
        .collect();
    versions.sort_unstable();
    versions.dedup();
    let mut keys: Vec<&str> = files
        .iter()
        .filter(|(_, r)| r.status == R::Reencrypted)
        .flat_map(|(_, r)| r.moves.iter().map(|m| m.key.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut event = Event::new("rekey-reencrypt")
        .detail(format!(
            "re-encrypted {} ({} bytes), current {}, not compromised {}, skipped {}, failed {}",
            summary.reencrypted,
            summary.bytes,
            summary.current,
            summary.not_compromised,
            summary.skipped,
            summary.failed
        ))
        .outcome(if summary.failed > 0 { "failed" } else { "ok" });
    if let [key] = keys[..] {
        event = event.key(key).versions(versions);
    }
    crate::keyring::record(&ctx.keyring_path, &ctx.sources, unlocked, event)
        .context("the envelopes are re-encrypted, but the audit record of it was not written")
}

/// The `keycask.reencrypt/1` document (docs/JSON.md).
fn print_reencrypt_json(
    dry_run: bool,
    options: &rekey::reencrypt::Options,
    summary: &rekey::reencrypt::Summary,
    files: &[(&PathBuf, &rekey::reencrypt::Report)],
) -> Result<()> {
    let listed: Vec<Value> = files
        .iter()
        .map(|(path, r)| {
            json!({
                "path": path.display().to_string(),
                "status": r.status.as_str(),
                "keys": r.moves.iter().map(|m| json!({
                    "key": m.key,
                    "from_version": m.from_version,
                    "to_version": m.to_version,
                    "compromised": m.compromised,
                })).collect::<Vec<_>>(),
                "compromised": r.compromised(),
                "bytes": r.bytes,
                "dropped": r.dropped.iter().map(crate::crypto::material::fingerprint_text).collect::<Vec<_>>(),
                "reason": r.reason,
            })
        })
        .collect();
    output::print_json(&json!({
        "schema": "keycask.reencrypt/1",
        "dry_run": dry_run,
        "force": options.force,
        "only_compromised": options.only_compromised,
        "summary": {
            if dry_run { "would_reencrypt" } else { "reencrypted" }: summary.reencrypted,
            "current": summary.current,
            "not_compromised": summary.not_compromised,
            "skipped": summary.skipped,
            "failed": summary.failed,
            "bytes": summary.bytes,
        },
        "files": listed,
    }))
}

/// A bar over bytes on stderr, only when stderr is a terminal and the run
/// is worth one; hidden (and free) otherwise.
pub(super) fn bytes_bar(ctx: &Context, total: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if ctx.quiet || total < 16 * 1024 * 1024 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bytes:>10} / {total_bytes} [{wide_bar}] {bytes_per_sec} {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub(super) fn byte_count(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}

pub(super) fn report_reencrypt_for_people(
    ctx: &Context,
    dry_run: bool,
    files: &[(&PathBuf, &rekey::reencrypt::Report)],
) -> Result<()> {
    use rekey::reencrypt::Status as R;
    let mut out = crate::output::report_stdout();
    let mut compromised: BTreeMap<(String, u32), (usize, u32)> = BTreeMap::new();
    for (path, r) in files {
        let moves = r
            .moves
            .iter()
            .map(|m| {
                format!(
                    "{} v{} -> v{}{}",
                    m.key,
                    m.from_version,
                    m.to_version,
                    if m.compromised { " (COMPROMISED)" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        match r.status {
            R::Failed | R::Skipped => writeln!(
                out,
                "{} {}: {}",
                r.status.as_str(),
                path.display(),
                r.reason.as_deref().unwrap_or("")
            )?,
            R::Reencrypted | R::WouldReencrypt => {
                for m in r.moves.iter().filter(|m| m.compromised) {
                    let entry = compromised
                        .entry((m.key.clone(), m.from_version))
                        .or_insert((0, m.to_version));
                    entry.0 += 1;
                }
                // A dry run lists what it would do; a real run with -v.
                if dry_run || ctx.verbose > 0 {
                    let dropped = if r.dropped.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; dropping {}",
                            r.dropped
                                .iter()
                                .map(crate::crypto::material::fingerprint_text)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    writeln!(
                        out,
                        "{} {} ({}): {moves}{dropped}",
                        r.status.as_str(),
                        path.display(),
                        byte_count(r.bytes)
                    )?;
                }
            }
            R::Current | R::NotCompromised => {}
        }
    }
    for ((key, version), (n, to)) in &compromised {
        writeln!(
            out,
            "COMPROMISED: {n} envelope(s) {} under version {version} of key '{key}'{}",
            if dry_run { "are" } else { "were" },
            if dry_run {
                String::new()
            } else {
                format!(
                    "; they now have a fresh content key under v{to}, but copies made before (backups, mail) still open with v{version}"
                )
            }
        )?;
    }
    out.flush()?;
    Ok(())
}
