//! Lenient timestamp parsing for vendor data whose format is not pinned down (CSV exports,
//! admin listings): RFC 3339, or a naive date-time / date taken as UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

pub fn parse_lenient(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    const NAIVE: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %I:%M:%S %p",
    ];
    if let Some(at) = NAIVE
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    {
        return Some(at.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_common_vendor_formats() {
        let expected: DateTime<Utc> = "2026-11-01T10:30:00Z".parse().unwrap();
        for text in [
            "2026-11-01T10:30:00Z",
            "2026-11-01T11:30:00+01:00",
            "2026-11-01T10:30:00.000",
            "2026-11-01 10:30:00",
            "11/01/2026 10:30:00",
            "11/01/2026 10:30:00 AM",
        ] {
            assert_eq!(parse_lenient(text), Some(expected), "{text}");
        }
        assert_eq!(
            parse_lenient("2026-11-01"),
            Some("2026-11-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(parse_lenient(""), None);
        assert_eq!(parse_lenient("yesterday"), None);
    }
}
