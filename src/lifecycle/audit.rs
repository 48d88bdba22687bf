//! Inspection of the audit log: `audit` shows it (no unlock: nothing in it
//! is secret), `audit verify` checks it (unlocks: the MACs need the audit
//! key), `config audit-usage on|off` decides whether usage is logged.

use std::fmt;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use serde_json::json;

use crate::Context;
use crate::audit_log::{self as audit, Record};
use crate::cli::AuditArgs;
use crate::clock::{self, Timestamp};
use crate::error::Failure;
use crate::keyring::{self, Event, Session, file};
use crate::output;

/// What `keycask audit` shows.
#[derive(Debug, Clone, Default)]
pub struct ShowRequest {
    pub key: Option<String>,
    pub since: Option<Timestamp>,
}

impl ShowRequest {
    pub fn from_args(args: &AuditArgs) -> Result<ShowRequest> {
        Ok(ShowRequest {
            key: args.key.clone(),
            since: args.since.as_deref().map(clock::parse_time).transpose()?,
        })
    }

    fn wants(&self, record: &Record) -> bool {
        let key_ok = self
            .key
            .as_ref()
            .is_none_or(|k| record.key.as_deref() == Some(k.as_str()));
        let time_ok = self
            .since
            .is_none_or(|since| clock::parse_time(&record.time).is_ok_and(|t| t >= since));
        key_ok && time_ok
    }
}

/// A record in `audit --json`: every field, `null` where absent. Fields in
/// alphabetical order, the order the document has always printed them in.
#[derive(Serialize)]
struct RecordJson<'a> {
    detail: Option<&'a str>,
    host: &'a str,
    key: Option<&'a str>,
    op: &'a str,
    outcome: &'a str,
    root_identity: Option<&'a str>,
    seq: u64,
    time: &'a str,
    uid: u32,
    user: &'a str,
    versions: &'a [u32],
}

impl<'a> RecordJson<'a> {
    fn of(r: &'a Record) -> Self {
        RecordJson {
            detail: r.detail.as_deref(),
            host: &r.host,
            key: r.key.as_deref(),
            op: &r.op,
            outcome: &r.outcome,
            root_identity: r.root_identity.as_deref(),
            seq: r.seq,
            time: &r.time,
            uid: r.uid,
            user: &r.user,
            versions: &r.versions,
        }
    }
}

const COLUMNS: [&str; 8] = [
    "SEQ", "TIME", "OP", "KEY", "VERSIONS", "OUTCOME", "BY", "DETAIL",
];

fn record_row(r: &Record) -> Vec<String> {
    vec![
        r.seq.to_string(),
        r.time.clone(),
        r.op.clone(),
        r.key.clone().unwrap_or_else(|| "-".into()),
        if r.versions.is_empty() {
            "-".into()
        } else {
            r.versions
                .iter()
                .map(|v| format!("v{v}"))
                .collect::<Vec<_>>()
                .join(",")
        },
        r.outcome.clone(),
        match &r.root_identity {
            Some(identity) => format!("{}@{} ({identity})", r.user, r.host),
            None => format!("{}@{}", r.user, r.host),
        },
        r.detail.clone().unwrap_or_default(),
    ]
}

/// `keycask audit`: the log is streamed, never held whole, so a log of a
/// million records costs no more memory than one of ten. The table takes two
/// passes (column widths, then rows); `--json` one.
pub fn show(ctx: &Context, request: &ShowRequest) -> Result<()> {
    // The keyring must exist (and be private), so a mistyped path says so.
    let doc = file::read(&ctx.keyring_path)?;
    let (shown, skipped) = if ctx.json {
        show_json(ctx, request, &doc.keyring_id)?
    } else {
        show_table(ctx, request)?
    };
    if skipped > 0 {
        ctx.warn(format!(
            "{skipped} line(s) of the audit log are not records; `keycask audit verify` names them"
        ));
    }
    if shown == 0 && !ctx.json && !ctx.quiet {
        crate::stderr_line!("keycask: no audit records match");
    }
    Ok(())
}

/// Prints the matching records as a table; returns how many, and how many
/// lines were not records.
fn show_table(ctx: &Context, request: &ShowRequest) -> Result<(usize, usize)> {
    let mut table = output::Table::new(&COLUMNS);
    let mut matching = 0;
    let skipped = audit::for_each_record(&ctx.keyring_path, |r| {
        if request.wants(&r) {
            table.fit(&record_row(&r));
            matching += 1;
        }
        Ok(())
    })?;
    if matching == 0 {
        return Ok((0, skipped));
    }
    let mut out = output::report_stdout();
    table.write_header(&mut out)?;
    // Records appended since the first pass are left for the next run, so
    // that every row fits the widths measured.
    let mut left = matching;
    audit::for_each_record(&ctx.keyring_path, |r| {
        if left > 0 && request.wants(&r) {
            table.write_row(&mut out, &record_row(&r))?;
            left -= 1;
        }
        Ok(())
    })?;
    out.flush()?;
    Ok((matching, skipped))
}

/// Prints `keycask.audit/1`, a record at a time, laid out as
/// `output::print_json` lays out a whole document.
fn show_json(ctx: &Context, request: &ShowRequest, keyring_id: &str) -> Result<(usize, usize)> {
    let mut out = output::report_stdout();
    let log = audit::log_path(&ctx.keyring_path);
    write!(
        out,
        "{{\n  \"keyring\": {},\n  \"keyring_id\": {},\n  \"log\": {},\n  \"records\": [",
        serde_json::to_string(&ctx.keyring_path)?,
        serde_json::to_string(keyring_id)?,
        serde_json::to_string(&log)?,
    )?;
    let mut shown = 0;
    let skipped = audit::for_each_record(&ctx.keyring_path, |r| {
        if request.wants(&r) {
            let record = serde_json::to_string_pretty(&RecordJson::of(&r))?;
            out.write_all(if shown == 0 { b"\n" } else { b",\n" })?;
            for (i, line) in record.lines().enumerate() {
                if i > 0 {
                    out.write_all(b"\n")?;
                }
                write!(out, "    {line}")?;
            }
            shown += 1;
        }
        Ok(())
    })?;
    if shown > 0 {
        out.write_all(b"\n  ")?;
    }
    writeln!(
        out,
        "],\n  \"schema\": \"keycask.audit/1\",\n  \"verified\": false\n}}"
    )?;
    out.flush()?;
    Ok((shown, skipped))
}

fn range(seqs: &[u64]) -> String {
    match (seqs.first(), seqs.last()) {
        (Some(a), Some(b)) if a == b => format!("record {a}"),
        (Some(a), Some(b)) => format!("records {a}-{b}"),
        _ => String::new(),
    }
}

pub fn verify(ctx: &Context) -> Result<()> {
    let unlocked = keyring::open_read_only(&ctx.keyring_path, &ctx.sources)?;
    let verdict = keyring::verify_audit_log(&ctx.keyring_path, &unlocked)?;
    let log = audit::log_path(&ctx.keyring_path);
    if let Some((seq, time)) = &verdict.restarted {
        ctx.warn(format!(
            "this log starts at record {seq}: it was restarted on {time} because it was missing; records 1-{} are not in it",
            seq - 1
        ));
    }
    if !verdict.uncommitted.is_empty() {
        ctx.warn(format!(
            "{} past the keyring's counter ({}) did not take effect: a command was interrupted before it changed the keyring; the next change marks them",
            range(&verdict.uncommitted),
            verdict.committed
        ));
    } else if verdict.partial_line && verdict.problem.is_none() {
        ctx.warn(
            "the log ends in a partial line from an interrupted write; the next change removes it",
        );
    }
    // With a problem, the document is printed all the same (it says where
    // the log broke), and no text: the error says it.
    ctx.emit(&AuditVerifyReport {
        schema: "keycask.audit-verify/1",
        keyring: &ctx.keyring_path,
        log: &log,
        ok: verdict.problem.is_none(),
        records: verdict.records,
        committed: verdict.committed,
        uncommitted: &verdict.uncommitted,
        partial_line: verdict.partial_line,
        restarted_at: verdict.restarted.as_ref().map(|(seq, _)| *seq),
        problem: verdict.problem.as_ref().map(|p| ProblemReport {
            kind: p.kind(),
            message: p.to_string(),
        }),
    })?;
    if let Some(problem) = &verdict.problem {
        return Err(Failure::auth(format!(
            "the audit log {} failed verification: {problem}",
            log.display()
        ))
        .hint("the records before it are intact; restore the log from a backup")
        .into());
    }
    Ok(())
}

/// What `audit verify` reports: `keycask.audit-verify/1` (docs/JSON.md).
#[derive(Serialize)]
struct AuditVerifyReport<'a> {
    schema: &'static str,
    keyring: &'a Path,
    log: &'a Path,
    ok: bool,
    records: usize,
    committed: u64,
    uncommitted: &'a [u64],
    partial_line: bool,
    restarted_at: Option<u64>,
    problem: Option<ProblemReport>,
}

#[derive(Serialize)]
struct ProblemReport {
    kind: &'static str,
    message: String,
}

impl fmt::Display for AuditVerifyReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problem.is_some() {
            return Ok(());
        }
        let n = self.records - self.uncommitted.len();
        writeln!(
            f,
            "audit log OK: {n} record{}, chain and MACs verified, {} known to the keyring",
            if n == 1 { "" } else { "s" },
            self.committed
        )
    }
}

pub fn set_usage(ctx: &Context, on: bool) -> Result<()> {
    let mut session = Session::open(&ctx.keyring_path, &ctx.sources)?;
    let was = session.keyring.doc.audit.as_ref().is_some_and(|a| a.usage);
    let state = if on { "on" } else { "off" };
    if was == on {
        ctx.note(format!("audit-usage is already {state}"));
    } else {
        session.keyring.set_audit_usage(on)?;
        session.record(Event::new("config").detail(format!("audit-usage {state}")));
        session.commit()?;
    }
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.config/1",
            "audit_usage": on,
        }))
    } else {
        if was != on {
            ctx.note(format!("audit-usage {state}"));
        }
        Ok(())
    }
}
