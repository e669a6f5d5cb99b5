//! Time: stored in UTC, shown in America/Mexico_City.
//!
//! Tablets' clocks drift and technicians type times as they read them on the wall, so a
//! datetime given without an offset is taken as Mexico City local time and stored as UTC
//! RFC 3339. Deadlines are always computed from these recorded times, never from "now"
//! at the moment of recording.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::America::Mexico_City;

use crate::error::{Error, Result};
use crate::msg;

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Parse a datetime typed by a person or a script. Accepts RFC 3339 with an offset, or
/// `DD/MM/YYYY HH:MM[:SS]` (as people in Mexico write it), `YYYY-MM-DD HH:MM[:SS]` or
/// `YYYY-MM-DDTHH:MM[:SS]` (a date picker's), in Mexico City time.
pub fn parse_datetime(field: &str, text: &str) -> Result<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ] {
        if let Some(naive) = NaiveDateTime::parse_from_str(t, fmt).ok().and_then(|n| {
            let date = plausible(n.date(), fmt.starts_with("%d"))?;
            Some(date.and_time(n.time()))
        }) {
            return Mexico_City
                .from_local_datetime(&naive)
                .earliest()
                .map(|dt| dt.with_timezone(&Utc))
                .ok_or_else(|| Error::InvalidField {
                    field: field.into(),
                    why: msg!("time.nonexistent", text = t),
                });
        }
    }
    Err(Error::InvalidField {
        field: field.into(),
        why: msg!("time.not_datetime", text = t),
    })
}

/// A year written last with two digits ("30/11/26", as people write it) is this
/// century's; any other year before 1900 is a typing mistake, refused rather than stored
/// as the year 26 (or "26-11-30" read as 2030).
fn plausible(d: NaiveDate, year_last: bool) -> Option<NaiveDate> {
    match d.year() {
        0..=99 if year_last => d.with_year(2000 + d.year()),
        1900.. => Some(d),
        _ => None,
    }
}

pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate> {
    let t = text.trim();
    ["%d/%m/%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| {
            NaiveDate::parse_from_str(t, f)
                .ok()
                .and_then(|d| plausible(d, f.starts_with("%d")))
        })
        .ok_or_else(|| Error::InvalidField {
            field: field.into(),
            why: msg!("time.not_date", text = text.trim()),
        })
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// How a time is shown to people: Mexico City local time.
pub fn display(dt: DateTime<Utc>) -> String {
    dt.with_timezone(&Mexico_City).format("%Y-%m-%d %H:%M").to_string()
}

/// A moment as people in Mexico write it, Mexico City time: "30/11/2026 09:15" (what a
/// date-time field shows and prints).
pub fn written(dt: DateTime<Utc>) -> String {
    dt.with_timezone(&Mexico_City).format("%d/%m/%Y %H:%M").to_string()
}

pub fn display_ms(ms: i64) -> String {
    display(from_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_without_offset_is_mexico_city() {
        // Mexico City has no DST since 2022: UTC-6 all year.
        let dt = parse_datetime("f", "2026-11-27 09:30").unwrap();
        assert_eq!(dt.to_rfc3339(), "2026-11-27T15:30:00+00:00");
        assert_eq!(display(dt), "2026-11-27 09:30");
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        let dt = parse_datetime("f", "2026-11-27T09:30:00Z").unwrap();
        assert_eq!(dt.timestamp(), 1_795_771_800);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = parse_datetime("reporte_levantado_en", "ayer").unwrap_err();
        assert!(e.to_string().contains("27/11/2026 09:30"), "{e}");
        assert!(parse_date("solicitud.fecha", "27/13/2026").is_err());
        assert!(parse_date("solicitud.fecha", "ayer").is_err());
        assert!(
            parse_date("f", "26-11-30").is_err(),
            "a short year first is not guessed"
        );
        assert_eq!(parse_date("f", "30/11/26").unwrap().to_string(), "2026-11-30");
    }
}
