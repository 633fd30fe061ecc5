//! Timestamps in and out: lenient parsing for vendor data whose format is not pinned down (CSV
//! exports, admin listings): RFC 3339, or a naive date-time / date taken as UTC; and the serde
//! text of records' timestamps written, and of vendors' read, in one piece.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::Serializer;
use serde::de::{Deserializer, Error, Visitor};
use std::fmt;

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

/// Serializes a record's timestamp exactly as chrono's serde does (RFC 3339 in UTC with `Z`,
/// fractional seconds in 3, 6 or 9 digits when there are any), written in one piece: chrono's
/// own goes through `collect_str`, which escapes each of its dozen fragments separately and was
/// a twentieth of the CPU of encoding records.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    match rfc3339(at) {
        Some(text) => serializer.serialize_str(text.as_str()),
        None => serde::Serialize::serialize(at, serializer),
    }
}

/// [`serialize`] of an optional timestamp (`null` when absent).
pub fn serialize_option<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// `at` as chrono's serde writes it; None for a year outside 0–9999, which chrono writes with
/// a sign.
fn rfc3339(at: &DateTime<Utc>) -> Option<Ascii> {
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let mut second = at.second();
    let mut nano = at.nanosecond();
    // A leap second is written as second 60, as chrono does.
    if nano >= 1_000_000_000 {
        second += 1;
        nano -= 1_000_000_000;
    }
    let mut text = Ascii::default();
    text.digits(year, 4);
    text.push(b'-');
    text.digits(at.month(), 2);
    text.push(b'-');
    text.digits(at.day(), 2);
    text.push(b'T');
    text.digits(at.hour(), 2);
    text.push(b':');
    text.digits(at.minute(), 2);
    text.push(b':');
    text.digits(second, 2);
    let (fraction, width) = match nano {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    if width > 0 {
        text.push(b'.');
        text.digits(fraction, width);
    }
    text.push(b'Z');
    Some(text)
}

/// A short ASCII text built on the stack.
#[derive(Default)]
struct Ascii {
    bytes: [u8; 30],
    len: usize,
}

impl Ascii {
    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `value` in `width` decimal digits, zero-padded.
    fn digits(&mut self, mut value: u32, width: usize) {
        let end = self.len + width;
        for slot in self.bytes[self.len..end].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len = end;
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// Deserializes a vendor's timestamp as chrono's serde does (RFC 3339, any offset, relaxed as
/// chrono is), read without chrono's general parser when it is the UTC form vendors send
/// (`2026-11-26T20:15:02.123Z`); any other text goes through chrono, errors included.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(Rfc3339)
}

/// [`deserialize`] of an optional timestamp (`null` is None); the field needs
/// `#[serde(default)]` too, for when it is missing.
pub fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_option(OptionalRfc3339)
}

struct Rfc3339;

impl<'de> Visitor<'de> for Rfc3339 {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<DateTime<Utc>, E> {
        match utc_form(text.as_bytes()) {
            Some(at) => Ok(at),
            None => text
                .parse::<DateTime<FixedOffset>>()
                .map(|at| at.with_timezone(&Utc))
                .map_err(E::custom),
        }
    }
}

struct OptionalRfc3339;

impl<'de> Visitor<'de> for OptionalRfc3339 {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        Rfc3339.expecting(f)
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserialize(deserializer).map(Some)
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, else None (a leap second, or an invalid date, too: chrono
/// decides those).
fn utc_form(text: &[u8]) -> Option<DateTime<Utc>> {
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (fixed, rest) = text.split_at_checked(19)?;
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| fixed[i] != c) {
        return None;
    }
    let part = |at: usize, len: usize| number(&fixed[at..at + len]);
    let second = part(17, 2).filter(|s| *s < 60)?;
    let nano = match rest {
        [b'Z'] => 0,
        [b'.', fraction @ .., b'Z'] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(part(0, 4)? as i32, part(5, 2)?, part(8, 2)?)?
        .and_hms_nano_opt(part(11, 2)?, part(14, 2)?, second, nano)
        .map(|at| at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_serialize_as_chronos_serde_does() {
        let encode = |at: DateTime<Utc>| {
            let mut ours = serde_json::Serializer::new(Vec::new());
            serialize(&at, &mut ours).unwrap();
            (
                String::from_utf8(ours.into_inner()).unwrap(),
                serde_json::to_string(&at).unwrap(),
            )
        };
        for text in [
            "2026-11-26T20:15:02Z",
            "2026-12-03T20:13:18.942702111Z",
            "2026-12-03T20:13:18.942Z",
            "2026-12-03T20:13:18.942702Z",
            "2026-12-03T20:13:18.000000001Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "2016-12-31T23:59:60.5Z",
            "-0044-03-15T12:00:00Z",
            "+10000-01-01T00:00:00Z",
        ] {
            let at: DateTime<Utc> = text.parse().unwrap();
            let (ours, chronos) = encode(at);
            assert_eq!(ours, chronos, "{text}");
        }
        let mut none = serde_json::Serializer::new(Vec::new());
        serialize_option(&None, &mut none).unwrap();
        assert_eq!(none.into_inner(), b"null");
    }

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

    #[test]
    fn timestamps_deserialize_as_chronos_serde_does() {
        #[derive(serde::Deserialize)]
        struct Ours {
            #[serde(deserialize_with = "deserialize")]
            at: DateTime<Utc>,
        }
        for text in [
            "2026-11-26T20:15:02Z",
            "2026-11-26T20:15:02.1Z",
            "2026-11-26T20:15:02.123456789Z",
            "2026-11-26T20:15:02.1234567891Z",
            "2026-11-26T20:15:02+01:00",
            "2026-11-26t20:15:02z",
            "2026-11-26 20:15:02Z",
            "2016-12-31T23:59:60Z",
            "2026-02-30T00:00:00Z",
            "2026-11-26T24:00:00Z",
            "2026-11-26T20:15:02",
            "2026-11-26T20:15:02.Z",
            "2026-1-26T20:15:02Z",
            "yesterday",
        ] {
            let document = serde_json::json!({ "at": text }).to_string();
            let ours = serde_json::from_str::<Ours>(&document).map(|o| o.at);
            let chronos = serde_json::from_value::<DateTime<Utc>>(serde_json::json!(text));
            match (ours, chronos) {
                (Ok(ours), Ok(chronos)) => assert_eq!(ours, chronos, "{text}"),
                (Err(ours), Err(chronos)) => {
                    assert!(
                        ours.to_string().starts_with(&chronos.to_string()),
                        "{text}: {ours} / {chronos}"
                    )
                }
                (ours, chronos) => panic!("{text}: {ours:?} / {chronos:?}"),
            }
        }
    }

    #[test]
    fn optional_timestamps_read_null_and_missing_as_none() {
        #[derive(serde::Deserialize)]
        struct Ours {
            #[serde(default, deserialize_with = "deserialize_option")]
            at: Option<DateTime<Utc>>,
        }
        let read = |document: &str| serde_json::from_str::<Ours>(document).map(|o| o.at);
        assert_eq!(read("{}").unwrap(), None);
        assert_eq!(read(r#"{"at": null}"#).unwrap(), None);
        assert_eq!(
            read(r#"{"at": "2026-11-26T20:15:02Z"}"#).unwrap(),
            Some("2026-11-26T20:15:02Z".parse().unwrap())
        );
        assert!(read(r#"{"at": 7}"#).is_err());
    }
}
