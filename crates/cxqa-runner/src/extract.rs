//! The `[extract]` table: what to pull, over which window, how incrementally and how fast.

use chrono::{DateTime, Utc};
use cxqa_core::config::ConfigError;
use cxqa_core::duration::IsoDuration;
use cxqa_core::pii::PiiPolicy;
use cxqa_core::{Filters, Stream, Window};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractConfig {
    /// Streams to extract, in this order. Each must be offered by the vendor (`cxqa connectors`).
    pub streams: Vec<Stream>,
    /// Window start (UTC, RFC 3339). Give `from` or `window`, not both.
    pub from: Option<DateTime<Utc>>,
    /// Window end (UTC, RFC 3339, exclusive); defaults to the time the run starts.
    pub to: Option<DateTime<Utc>>,
    /// Window length back from `to`, as an ISO-8601 duration (e.g. `P7D`).
    pub window: Option<IsoDuration>,
    /// Start from where the last run left off (minus `lookback`) instead of the whole window.
    #[serde(default)]
    pub incremental: bool,
    /// How far before the last run's high-water mark an incremental run re-reads, so late edits
    /// and deletions are seen (ISO-8601 duration).
    #[serde(default = "default_lookback")]
    pub lookback: IsoDuration,
    /// Records per vendor request; the connector's default when absent.
    pub page_size: Option<u32>,
    /// Stop each stream after this many pages (sampling, smoke tests).
    pub max_pages: Option<u32>,
    /// Requests a connector may have in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// A re-extracted window that would delete more than this share of the ids remembered for
    /// it (or that came back empty) is not believed: no tombstone is written, a warning says
    /// so, and the next run checks again.
    #[serde(default = "default_max_delete_ratio")]
    pub max_delete_ratio: f64,
    #[serde(default)]
    pub filters: Filters,
    /// Personal data (card numbers, e-mails, phones, SSNs) in transcripts, comments and survey
    /// verbatims: `mask` replaces each value with a typed placeholder before anything stores
    /// it, `flag` keeps the text and records the findings, `keep` looks for nothing.
    #[serde(default)]
    pub pii: PiiPolicy,
}

fn default_lookback() -> IsoDuration {
    IsoDuration::from_seconds(14 * 86_400)
}

fn default_concurrency() -> u32 {
    4
}

fn default_max_delete_ratio() -> f64 {
    0.5
}

impl ExtractConfig {
    /// Checks what serde cannot: combinations and ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.streams.is_empty() {
            return Err(
                ConfigError::new("extract.streams", "no stream is requested").with_hint(format!(
                    "list some of: {}",
                    cxqa_core::stream::list(&Stream::ALL)
                )),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = self.streams.iter().find(|s| !seen.insert(**s)) {
            return Err(
                ConfigError::new("extract.streams", format!("`{dup}` is listed twice"))
                    .with_hint("list each stream once"),
            );
        }
        match (self.from, self.window) {
            (Some(_), Some(_)) => {
                return Err(
                    ConfigError::new("extract.window", "both `from` and `window` are set")
                        .with_hint(
                            "keep one: `from` for a fixed start, `window` for a rolling one",
                        ),
                );
            }
            (None, None) => {
                return Err(ConfigError::new("extract", "no window is set")
                    .with_hint("add `from = \"2026-11-01T00:00:00Z\"` or `window = \"P7D\"`"));
            }
            _ => {}
        }
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from >= to {
                return Err(ConfigError::new(
                    "extract.to",
                    format!("`to` ({to}) is not after `from` ({from})"),
                )
                .with_hint("swap them or move `to` later"));
            }
        }
        if self
            .window
            .is_some_and(|w| w.as_chrono() <= chrono::Duration::zero())
        {
            return Err(ConfigError::new("extract.window", "the window is empty")
                .with_hint("use a positive duration such as P7D"));
        }
        if !(1..=64).contains(&self.concurrency) {
            return Err(ConfigError::new(
                "extract.concurrency",
                format!("{} is out of range", self.concurrency),
            )
            .with_hint("use 1 to 64"));
        }
        if !(self.max_delete_ratio > 0.0 && self.max_delete_ratio <= 1.0) {
            return Err(ConfigError::new(
                "extract.max_delete_ratio",
                format!("{} is out of range", self.max_delete_ratio),
            )
            .with_hint("use a share above 0 and at most 1, e.g. 0.5"));
        }
        if self.page_size == Some(0) {
            return Err(ConfigError::new("extract.page_size", "0 records per page")
                .with_hint("use at least 1"));
        }
        if self.max_pages == Some(0) {
            return Err(ConfigError::new("extract.max_pages", "0 pages")
                .with_hint("remove it to extract everything"));
        }
        if let Some(s) = &self.filters.sentiment {
            for (name, bound) in [("min", s.min), ("max", s.max)] {
                if bound.is_some_and(|b| !(-1.0..=1.0).contains(&b)) {
                    return Err(ConfigError::new(
                        format!("extract.filters.sentiment.{name}"),
                        "out of range",
                    )
                    .with_hint("sentiment is normalized to -1.0 ..= 1.0"));
                }
            }
        }
        Ok(())
    }

    /// The window of a run starting at `now`.
    pub fn window_at(&self, now: DateTime<Utc>) -> Window {
        let to = self.to.unwrap_or(now);
        let from = match (self.from, self.window) {
            (Some(from), _) => from,
            (None, Some(length)) => to - length.as_chrono(),
            (None, None) => to,
        };
        Window::new(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> ExtractConfig {
        toml::from_str(&format!("streams = [\"agents\"]\n{extra}")).unwrap()
    }

    #[test]
    fn rolling_window_ends_now() {
        let c = config("window = \"P7D\"");
        c.validate().unwrap();
        let now: DateTime<Utc> = "2026-11-21T00:00:00Z".parse().unwrap();
        let w = c.window_at(now);
        assert_eq!(w.to, now);
        assert_eq!(
            w.from,
            "2026-11-14T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(c.lookback.to_string(), "P14D");
        assert_eq!(c.concurrency, 4);
    }

    #[test]
    fn invalid_combinations_name_the_key() {
        let cases = [
            ("", "extract"),
            (
                "from = \"2026-11-01T00:00:00Z\"\nwindow = \"P7D\"",
                "extract.window",
            ),
            (
                "from = \"2026-11-02T00:00:00Z\"\nto = \"2026-11-01T00:00:00Z\"",
                "extract.to",
            ),
            ("window = \"P1D\"\nconcurrency = 0", "extract.concurrency"),
            ("window = \"P1D\"\npage_size = 0", "extract.page_size"),
            (
                "window = \"P1D\"\n[filters.sentiment]\nmin = -3.0",
                "extract.filters.sentiment.min",
            ),
        ];
        for (extra, path) in cases {
            assert_eq!(config(extra).validate().unwrap_err().path, path, "{extra}");
        }
        let dup: ExtractConfig =
            toml::from_str("streams = [\"agents\", \"agents\"]\nwindow = \"P1D\"").unwrap();
        assert_eq!(dup.validate().unwrap_err().path, "extract.streams");
    }
}
