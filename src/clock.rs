//! Wall-clock time, durations and their text forms.
//!
//! `KEYCASK_NOW` (an RFC 3339 time) replaces the clock, to preview: it lets
//! a reading command (`list`, `show`, `rotate --due --dry-run`,
//! `destroy --pending --dry-run`) show what will be due on a given day. A
//! pretended time must never be written: a key version dated 2099 would never
//! rotate again, and a destruction carried out under a future clock cannot be
//! undone. So there are two ways to the clock:
//!
//! - [`now`], the time to judge by and to show. It honours `KEYCASK_NOW`.
//! - [`now_for_writing`], the only time a write may record (the keyring, the
//!   audit log, a key bundle). It refuses `KEYCASK_NOW` (exit 2, naming it)
//!   unless `KEYCASK_NOW_WRITES=1` is set too, which the tests do. The keyring
//!   takes its time from here when a writer opens it (`Session`) and when
//!   its audit records are committed, so no write can bypass the check;
//!   `run` also checks up front ([`check_writes`]) for the commands that
//!   write, before anything is asked or done.
//!
//! Either way, a command that uses `KEYCASK_NOW` says so on stderr, once.

use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::error::Failure;

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = u64;

/// The variable that replaces the clock.
pub const NOW_VAR: &str = "KEYCASK_NOW";

/// Set to `1` (with `KEYCASK_NOW`), lets a pretended time be written. For
/// tests only.
pub const NOW_WRITES_VAR: &str = "KEYCASK_NOW_WRITES";

/// The value of `KEYCASK_NOW`, when set and not empty.
fn pretended() -> Option<String> {
    std::env::var(NOW_VAR).ok().filter(|text| !text.is_empty())
}

fn writes_allowed() -> bool {
    std::env::var(NOW_WRITES_VAR).is_ok_and(|v| v == "1")
}

/// The time to judge by and to show: `KEYCASK_NOW` when set (with a warning
/// on stderr, once per run), else the system clock. A time that is written
/// comes from [`now_for_writing`].
pub fn now() -> Result<Timestamp> {
    match pretended() {
        Some(text) => {
            let t = parse_time(&text).context(NOW_VAR)?;
            static WARNED: Once = Once::new();
            WARNED.call_once(|| {
                let written = if writes_allowed() {
                    format!(" ({NOW_WRITES_VAR}=1: and they are written)")
                } else {
                    String::new()
                };
                crate::stderr_line!(
                    "keycask: warning: {NOW_VAR}={} is in effect: times are not the real clock{written}",
                    crate::error::untrusted(&text)
                );
            });
            Ok(t)
        }
        None => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)),
    }
}

/// Refuses `KEYCASK_NOW` for a command that writes, unless
/// `KEYCASK_NOW_WRITES=1`: exit 2, naming the variable.
pub fn check_writes() -> Result<()> {
    match pretended() {
        Some(text) if !writes_allowed() => Err(Failure::usage(format!(
            "{NOW_VAR}={} is set, and this command writes: keycask will not record a pretended time in the keyring or its audit log",
            crate::error::untrusted(&text)
        ))
        .hint(format!(
            "unset {NOW_VAR} to use the real clock; to preview a day, use it with a command that changes nothing: `keycask rotate --due --dry-run`, `keycask destroy --pending --dry-run`, `keycask list`"
        ))
        .into()),
        _ => Ok(()),
    }
}

/// The time a write records (key versions, tombstones, scheduled
/// destructions, audit records, bundles): [`now`], after [`check_writes`].
pub fn now_for_writing() -> Result<Timestamp> {
    check_writes()?;
    now()
}

/// The last second RFC 3339 can write (four-digit years):
/// 9999-12-31T23:59:59Z. Later times are shown as this one.
pub const MAX_TIME: Timestamp = 253_402_300_799;

/// The longest duration keycask takes (`--rotate-every`, `--after`): 100
/// years of 365 days. Longer is surely a mistake, and far enough beyond it
/// dates no longer fit in RFC 3339.
pub const MAX_DURATION: u64 = 100 * 365 * 86_400;

/// `t` plus `seconds`, saturating at [`MAX_TIME`]: a keyring may hold any
/// number, and no sum of them may overflow.
pub fn later(t: Timestamp, seconds: u64) -> Timestamp {
    t.saturating_add(seconds).min(MAX_TIME)
}

/// RFC 3339 in UTC, to the second: `2026-11-29T06:31:43Z`. A time past
/// [`MAX_TIME`] (only a hand-edited or very old keyring holds one) is shown
/// as `MAX_TIME`.
pub fn format_time(t: Timestamp) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(t.min(MAX_TIME))).to_string()
}

/// The date part only: `2026-11-29`.
pub fn format_date(t: Timestamp) -> String {
    format_time(t)[..10].to_string()
}

/// Accepts RFC 3339 in UTC (`2026-11-29T06:31:43Z`) or with an offset
/// (`2026-11-29T11:31:43+05:00`, converted to UTC), or a plain date
/// (`2026-11-29`, midnight UTC).
pub fn parse_time(given: &str) -> Result<Timestamp> {
    let bad = || {
        Failure::usage(format!(
            "'{given}' is not a time: expected RFC 3339 like 2026-11-29T12:00:00Z or 2026-11-29T17:00:00+05:00, or a date like 2026-11-29"
        ))
    };
    // The form keycask writes (`2026-11-29T12:00:00Z`, every time in a
    // keyring), read with no copies: 200,000 of them in `list` of 100,000
    // keys. Anything else takes the general way below.
    if given.len() == 20
        && let Ok(t) = humantime::parse_rfc3339(given)
    {
        let t = t
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if t <= MAX_TIME {
            return Ok(t);
        }
    }
    // RFC 3339 allows `t` and `z` in lower case (section 5.6); a time has
    // no other letters.
    let upper = given.to_ascii_uppercase();
    let text = upper.as_str();
    let (local, offset) = match split_offset(text) {
        Some((local, offset)) => (format!("{local}Z"), offset.ok_or_else(bad)?),
        None if text.len() == 10 => (format!("{text}T00:00:00Z"), 0),
        None => (text.to_string(), 0),
    };
    let t = humantime::parse_rfc3339_weak(&local).map_err(|_| bad())?;
    let t = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // East of UTC (+05:00) the local time is ahead of UTC.
    t.checked_add_signed(-offset)
        .filter(|t| *t <= MAX_TIME)
        .ok_or_else(|| bad().into())
}

/// Splits `…T…+HH:MM` / `…T…-HH:MM` into the local time and the offset in
/// seconds (`None` for an offset out of range). `None` when the text ends in
/// no offset.
fn split_offset(text: &str) -> Option<(&str, Option<i64>)> {
    let cut = text.len().checked_sub(6)?;
    if !text.is_char_boundary(cut) || !text[..cut].contains(['T', 't', ' ']) {
        return None;
    }
    let (local, offset) = text.split_at(cut);
    let b = offset.as_bytes();
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let two = |x: &[u8]| {
        x.iter()
            .all(u8::is_ascii_digit)
            .then(|| i64::from(x[0] - b'0') * 10 + i64::from(x[1] - b'0'))
    };
    let (hours, minutes) = (two(&b[1..3])?, two(&b[4..6])?);
    if b[3] != b':' {
        return None;
    }
    let valid = hours <= 23 && minutes <= 59;
    Some((local, valid.then_some(sign * (hours * 3600 + minutes * 60))))
}

const UNITS: [(char, u64); 4] = [
    ('y', 365 * 86_400),
    ('w', 7 * 86_400),
    ('d', 86_400),
    ('h', 3_600),
];

/// Parses `90d`, `12h`, `2w`, `1y` into seconds, up to [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<u64> {
    let bad = || {
        Failure::usage(format!(
            "'{text}' is not a duration: use a whole number and a unit, h (hours), d (days), w (weeks) or y (years), like 90d"
        ))
    };
    let unit = text.chars().last().ok_or_else(bad)?;
    let (_, seconds_per_unit) = UNITS.iter().find(|(u, _)| *u == unit).ok_or_else(bad)?;
    let digits = &text[..text.len() - 1];
    let count: u64 = match digits.parse() {
        Ok(count) => count,
        // All digits, but more than a u64 holds: certainly over the limit.
        Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => u64::MAX,
        Err(_) => return Err(bad().into()),
    };
    if count == 0 {
        return Err(Failure::usage(format!(
            "'{text}' is no time at all: a duration is at least 1 of its unit"
        ))
        .hint("like 1h, 7d or 90d")
        .into());
    }
    match count.checked_mul(*seconds_per_unit) {
        Some(seconds) if seconds <= MAX_DURATION => Ok(seconds),
        _ => Err(Failure::usage(format!(
            "'{text}' is longer than 100 years, the longest duration keycask takes"
        ))
        .hint("use at most 100y (or 5214w, 36500d, 876000h)")
        .into()),
    }
}

/// The shortest exact text form of a duration: 7776000 → `90d`.
pub fn format_duration(seconds: u64) -> String {
    for (unit, size) in UNITS {
        if seconds >= size && seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for text in ["90d", "12h", "2w", "1y", "36h"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
        assert_eq!(format_duration(parse_duration("14d").unwrap()), "2w");
        for bad in [
            "",
            "d",
            "90",
            "90m",
            "-1d",
            "0d",
            "1.5d",
            "99999999999999999999y",
            "101y",
            "8000y",
            "36501d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("100y").unwrap(), MAX_DURATION);
        assert_eq!(parse_duration("36500d").unwrap(), MAX_DURATION);
    }

    #[test]
    fn times_beyond_rfc3339_saturate() {
        assert_eq!(format_time(MAX_TIME), "9999-12-31T23:59:59Z");
        assert_eq!(format_time(u64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(later(u64::MAX - 1, u64::MAX), MAX_TIME);
        assert_eq!(later(10, 5), 15);
    }

    #[test]
    fn times_with_offsets_are_converted_to_utc() {
        let utc = parse_time("2026-11-29T00:00:00Z").unwrap();
        assert_eq!(parse_time("2026-11-29T05:30:00+05:30").unwrap(), utc);
        assert_eq!(parse_time("2026-11-28T19:00:00-05:00").unwrap(), utc);
        assert_eq!(parse_time("2026-11-29T00:00:00+00:00").unwrap(), utc);
        assert_eq!(parse_time("2026-11-29T00:00:00.5+00:00").unwrap(), utc);
        // RFC 3339 allows lower-case t and z.
        assert_eq!(parse_time("2026-11-29t00:00:00z").unwrap(), utc);
        for bad in [
            "2026-11-29T00:00:00+24:00",
            "2026-11-29T00:00:00+05:60",
            "2026-11-29T00:00:00+5:00",
            "2026-11-29+05:00",
            "1970-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_round_trip() {
        let t = parse_time("2026-11-29T06:31:43Z").unwrap();
        assert_eq!(format_time(t), "2026-11-29T06:31:43Z");
        assert_eq!(format_date(t), "2026-11-29");
        assert_eq!(
            parse_time("2026-11-29").unwrap(),
            t - 6 * 3600 - 31 * 60 - 43
        );
        assert!(parse_time("yesterday").is_err());
    }
}
