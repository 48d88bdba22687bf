//! Wall-clock time, durations and their text forms.
//!
//! `KEYCASK_NOW` (an RFC 3339 time) replaces the clock. It is a testing aid,
//! documented as such: it lets tests and rehearsals see what `rotate --due`
//! or a scheduled destruction will do on a given day.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::error::Failure;

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = u64;

pub fn now() -> Result<Timestamp> {
    match std::env::var("KEYCASK_NOW") {
        Ok(text) if !text.is_empty() => parse_time(&text).context("KEYCASK_NOW"),
        _ => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)),
    }
}

/// RFC 3339 in UTC, to the second: `2026-11-29T06:31:43Z`.
pub fn format_time(t: Timestamp) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(t)).to_string()
}

/// The date part only: `2026-11-29`.
pub fn format_date(t: Timestamp) -> String {
    format_time(t)[..10].to_string()
}

/// Accepts RFC 3339 (`2026-11-29T06:31:43Z`) or a plain date (`2026-11-29`).
pub fn parse_time(text: &str) -> Result<Timestamp> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_string()
    };
    let t = humantime::parse_rfc3339_weak(&full).map_err(|_| {
        Failure::usage(format!(
            "'{text}' is not a time: expected RFC 3339 like 2026-11-29T12:00:00Z or a date like 2026-11-29"
        ))
    })?;
    Ok(t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0))
}

const UNITS: [(char, u64); 4] = [
    ('y', 365 * 86_400),
    ('w', 7 * 86_400),
    ('d', 86_400),
    ('h', 3_600),
];

/// Parses `90d`, `12h`, `2w`, `1y` into seconds.
pub fn parse_duration(text: &str) -> Result<u64> {
    let bad = || {
        Failure::usage(format!(
            "'{text}' is not a duration: use a whole number and a unit, h (hours), d (days), w (weeks) or y (years), like 90d"
        ))
    };
    let unit = text.chars().last().ok_or_else(bad)?;
    let (_, seconds_per_unit) = UNITS.iter().find(|(u, _)| *u == unit).ok_or_else(bad)?;
    let count: u64 = text[..text.len() - 1].parse().map_err(|_| bad())?;
    if count == 0 {
        return Err(bad().into());
    }
    count
        .checked_mul(*seconds_per_unit)
        .ok_or_else(|| bad().into())
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
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
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
