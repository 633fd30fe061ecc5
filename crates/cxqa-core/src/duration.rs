//! ISO-8601 durations as the pipeline writes them: `P7D`, `P2W`, `PT6H`, `P1DT12H30M`.
//! Years and months are refused: their length depends on the calendar.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, JsonSchema)]
#[schemars(
    with = "String",
    description = "ISO-8601 duration, e.g. P7D, PT6H, P1DT12H"
)]
pub struct IsoDuration {
    seconds: i64,
}

impl IsoDuration {
    pub fn from_seconds(seconds: i64) -> Self {
        IsoDuration { seconds }
    }

    pub fn as_chrono(self) -> chrono::Duration {
        chrono::Duration::seconds(self.seconds)
    }

    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.seconds.max(0) as u64)
    }
}

impl std::str::FromStr for IsoDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not an ISO-8601 duration such as P7D, PT6H or P1DT12H");
        let rest = text.strip_prefix('P').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        let (date, time) = match rest.split_once('T') {
            Some((d, t)) if !t.is_empty() => (d, Some(t)),
            Some(_) => return Err(bad()),
            None => (rest, None),
        };
        let mut seconds = 0i64;
        let date_units: &[(char, i64)] = &[('W', 604_800), ('D', 86_400)];
        let time_units: &[(char, i64)] = &[('H', 3600), ('M', 60), ('S', 1)];
        for (part, units, is_time) in [
            (date, date_units, false),
            (time.unwrap_or(""), time_units, true),
        ] {
            let mut number = String::new();
            let mut allowed = units.iter();
            for c in part.chars() {
                if c.is_ascii_digit() {
                    number.push(c);
                    continue;
                }
                if c == 'Y' || (c == 'M' && !is_time) {
                    return Err(format!(
                        "`{text}`: years and months are not fixed lengths; use days (P30D)"
                    ));
                }
                if number.is_empty() {
                    return Err(bad());
                }
                let (_, factor) = allowed.by_ref().find(|(u, _)| *u == c).ok_or_else(bad)?;
                let n: i64 = number.parse().map_err(|_| bad())?;
                seconds = n
                    .checked_mul(*factor)
                    .and_then(|s| seconds.checked_add(s))
                    .ok_or_else(bad)?;
                number.clear();
            }
            if !number.is_empty() {
                return Err(bad());
            }
        }
        Ok(IsoDuration { seconds })
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, rest) = (self.seconds / 86_400, self.seconds % 86_400);
        let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
        write!(f, "P")?;
        if days > 0 || rest == 0 {
            write!(f, "{days}D")?;
        }
        if rest > 0 {
            write!(f, "T")?;
            for (n, u) in [(h, 'H'), (m, 'M'), (s, 'S')] {
                if n > 0 {
                    write!(f, "{n}{u}")?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> i64 {
        text.parse::<IsoDuration>().unwrap().seconds
    }

    #[test]
    fn parses_days_weeks_and_times() {
        assert_eq!(secs("P7D"), 7 * 86_400);
        assert_eq!(secs("P2W"), 14 * 86_400);
        assert_eq!(secs("PT6H"), 6 * 3600);
        assert_eq!(secs("PT90M"), 5400);
        assert_eq!(secs("P1DT12H30M15S"), 86_400 + 12 * 3600 + 30 * 60 + 15);
    }

    #[test]
    fn refuses_malformed_and_calendar_units() {
        for bad in ["", "7D", "P", "PT", "P1H", "PD", "P1D2", "P1DT", "P-1D"] {
            assert!(bad.parse::<IsoDuration>().is_err(), "{bad}");
        }
        let err = "P1M".parse::<IsoDuration>().unwrap_err();
        assert!(err.contains("P30D"), "{err}");
        assert!("P1Y".parse::<IsoDuration>().is_err());
    }

    #[test]
    fn displays_round_trip() {
        for text in ["P7D", "PT6H", "P1DT12H30M", "P0D"] {
            assert_eq!(text.parse::<IsoDuration>().unwrap().to_string(), text);
        }
    }
}
