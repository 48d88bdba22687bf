//! Inspection of the audit log: `audit` shows it (no unlock: nothing in it
//! is secret), `audit verify` checks it (unlocks: the MACs need the audit
//! key), `config audit-usage on|off` decides whether usage is logged.

use anyhow::Result;
use serde_json::{Value, json};

use crate::Context;
use crate::audit::{self, Record};
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

fn record_json(r: &Record) -> Value {
    json!({
        "seq": r.seq,
        "time": r.time,
        "op": r.op,
        "key": r.key,
        "versions": r.versions,
        "outcome": r.outcome,
        "user": r.user,
        "uid": r.uid,
        "host": r.host,
        "detail": r.detail,
    })
}

pub fn show(ctx: &Context, request: &ShowRequest) -> Result<()> {
    // The keyring must exist (and be private), so a mistyped path says so.
    let doc = file::read(&ctx.keyring_path)?;
    let (records, skipped) = audit::read_records(&ctx.keyring_path)?;
    if skipped > 0 {
        ctx.warn(format!(
            "{skipped} line(s) of the audit log are not records; `keycask audit verify` names them"
        ));
    }
    let shown: Vec<&Record> = records.iter().filter(|r| request.wants(r)).collect();
    if ctx.json {
        return output::print_json(&json!({
            "schema": "keycask.audit/1",
            "keyring": ctx.keyring_path,
            "keyring_id": doc.keyring_id,
            "log": audit::log_path(&ctx.keyring_path),
            "verified": false,
            "records": shown.iter().map(|r| record_json(r)).collect::<Vec<_>>(),
        }));
    }
    if shown.is_empty() {
        if !ctx.quiet {
            crate::stderr_line!("keycask: no audit records match");
        }
        return Ok(());
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|r| {
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
                format!("{}@{}", r.user, r.host),
                r.detail.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::print_table(
        &[
            "SEQ", "TIME", "OP", "KEY", "VERSIONS", "OUTCOME", "BY", "DETAIL",
        ],
        &rows,
    )
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
    let verdict = audit::verify(&ctx.keyring_path, &unlocked)?;
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
    if ctx.json {
        output::print_json(&json!({
            "schema": "keycask.audit-verify/1",
            "keyring": ctx.keyring_path,
            "log": log,
            "ok": verdict.problem.is_none(),
            "records": verdict.records,
            "committed": verdict.committed,
            "uncommitted": verdict.uncommitted,
            "partial_line": verdict.partial_line,
            "restarted_at": verdict.restarted.as_ref().map(|(seq, _)| seq),
            "problem": verdict.problem.as_ref().map(|p| json!({
                "kind": p.kind(),
                "message": p.to_string(),
            })),
        }))?;
    }
    if let Some(problem) = &verdict.problem {
        return Err(Failure::auth(format!(
            "the audit log {} failed verification: {problem}",
            log.display()
        ))
        .hint("the records before it are intact; restore the log from a backup")
        .into());
    }
    if !ctx.json {
        let n = verdict.records - verdict.uncommitted.len();
        ctx.report(format_args!(
            "audit log OK: {n} record{}, chain and MACs verified, {} known to the keyring",
            if n == 1 { "" } else { "s" },
            verdict.committed
        ))?;
    }
    Ok(())
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
