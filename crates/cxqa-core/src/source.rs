//! What a connector is asked for, and the per-entity source traits it answers with.

use crate::error::SourceError;
use crate::model::{Agent, Assessment, AssessmentForm, Feedback, Interaction, Survey, Transcript};
use crate::page::{Checkpoint, Page};
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A half-open UTC interval `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Window { from, to }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    /// Splits the window into consecutive chunks of at most `chunk`, in order.
    pub fn chunks(&self, chunk: chrono::Duration) -> Vec<Window> {
        let mut out = Vec::new();
        if chunk <= chrono::Duration::zero() {
            return vec![*self];
        }
        let mut start = self.from;
        while start < self.to {
            let end = (start + chunk).min(self.to);
            out.push(Window::new(start, end));
            start = end;
        }
        out
    }
}

/// Sentiment bounds on the normalized -1.0..=1.0 scale; either bound may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SentimentFilter {
    /// Keep transcripts whose overall sentiment is at least this.
    pub min: Option<f64>,
    /// Keep transcripts whose overall sentiment is at most this.
    pub max: Option<f64>,
}

impl SentimentFilter {
    pub fn accepts(&self, score: Option<f64>) -> bool {
        if self.min.is_none() && self.max.is_none() {
            return true;
        }
        let Some(score) = score else { return false };
        self.min.is_none_or(|min| score >= min) && self.max.is_none_or(|max| score <= max)
    }
}

/// Filters from the pipeline's `[extract.filters]`. Empty lists mean "no restriction".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Division ids to extract; empty = every division the credentials can see.
    #[serde(default)]
    pub divisions: Vec<String>,
    /// Agent (user) ids to extract.
    #[serde(default)]
    pub agents: Vec<String>,
    /// Queue (Genesys) or skill (CXone) ids.
    #[serde(default)]
    pub queues: Vec<String>,
    /// Transcripts are kept only when they contain one of these (normalized) keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Transcripts are kept only when their sentiment is within these bounds.
    pub sentiment: Option<SentimentFilter>,
}

/// What the runner remembers from earlier runs, read-only for the connector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriorState {
    /// The last committed checkpoint of an interrupted run: resume after it.
    pub checkpoint: Option<Checkpoint>,
    /// Highest `modified_at` committed so far.
    pub watermark: Option<DateTime<Utc>>,
    /// Ids committed per window key (connector-defined, e.g. a day), for absence-based tombstones.
    pub known_ids: BTreeMap<String, BTreeSet<String>>,
    /// On incremental runs, the `modified_at` the store holds for each live record modified
    /// since `modified_since` (empty when the store cannot tell): a record whose vendor-side
    /// change time equals it is stored unchanged and need not be fetched again.
    #[serde(default)]
    pub stored: BTreeMap<String, DateTime<Utc>>,
}

impl PriorState {
    /// Whether the store holds `id` as it was at `changed`.
    pub fn holds_unchanged(&self, id: &str, changed: Option<DateTime<Utc>>) -> bool {
        changed.is_some() && self.stored.get(id).copied() == changed
    }
}

/// One request into a source.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractRequest {
    pub window: Window,
    /// Only records modified at or after this (incremental runs, already reduced by look-back).
    pub modified_since: Option<DateTime<Utc>>,
    pub filters: Filters,
    pub page_size: Option<u32>,
    /// Stop after this many pages (a sampling/safety valve).
    pub max_pages: Option<u32>,
    /// How many requests a source may have in flight at once.
    pub concurrency: usize,
    pub prior: PriorState,
}

impl ExtractRequest {
    pub fn new(window: Window) -> Self {
        ExtractRequest {
            window,
            modified_since: None,
            filters: Filters::default(),
            page_size: None,
            max_pages: None,
            concurrency: 4,
            prior: PriorState::default(),
        }
    }
}

/// A lazily produced sequence of pages; an error ends it.
pub type PageStream<'a, T> = BoxStream<'a, Result<Page<T>, SourceError>>;

/// A source of one normalized entity. Connectors implement it once per stream they offer.
pub trait Source<T>: Send + Sync {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, T>;
}

pub type InteractionSource = dyn Source<Interaction>;
pub type AgentSource = dyn Source<Agent>;
pub type AssessmentFormSource = dyn Source<AssessmentForm>;
pub type AssessmentSource = dyn Source<Assessment>;
pub type FeedbackSource = dyn Source<Feedback>;
pub type SurveySource = dyn Source<Survey>;
pub type TranscriptSource = dyn Source<Transcript>;

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn chunks_cover_the_window_without_overlap() {
        let w = Window::new(at("2026-11-01T00:00:00Z"), at("2026-11-03T12:00:00Z"));
        let chunks = w.chunks(chrono::Duration::days(1));
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].from, w.from);
        assert_eq!(chunks[2].to, w.to);
        assert!(chunks.windows(2).all(|p| p[0].to == p[1].from));
    }

    #[test]
    fn sentiment_filter_bounds() {
        let f = SentimentFilter {
            min: Some(-0.2),
            max: None,
        };
        assert!(f.accepts(Some(0.5)));
        assert!(!f.accepts(Some(-0.5)));
        assert!(!f.accepts(None));
        assert!(SentimentFilter::default().accepts(None));
    }
}

/// Turns a "fetch one page, learn where the next starts" function into a page stream.
///
/// `start` is where to begin (a resumed run passes the cursor from its checkpoint). `fetch` gets
/// a cursor and returns a page plus the next cursor (None after the last page). `max_pages`
/// stops early. Connectors put the *next* cursor into the page's checkpoint, so a run resumed
/// from it continues after the committed page.
pub fn paginate<'a, C, T, F, Fut>(start: C, max_pages: Option<u32>, fetch: F) -> PageStream<'a, T>
where
    C: Send + 'a,
    T: Send + 'a,
    F: FnMut(C) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<(Page<T>, Option<C>), SourceError>> + Send + 'a,
{
    let limit = max_pages.unwrap_or(u32::MAX);
    let state = (Some(start), fetch, 0u32);
    Box::pin(futures::stream::try_unfold(
        state,
        move |(cursor, mut fetch, fetched)| async move {
            let Some(cursor) = cursor.filter(|_| fetched < limit) else {
                return Ok(None);
            };
            let (page, next) = fetch(cursor).await?;
            Ok(Some((page, (next, fetch, fetched + 1))))
        },
    ))
}

#[cfg(test)]
mod paginate_tests {
    use super::*;
    use futures::{StreamExt, executor::block_on};

    fn numbers(max_pages: Option<u32>) -> Vec<Vec<u32>> {
        let stream = paginate(0u32, max_pages, |n| async move {
            let next = (n < 2).then_some(n + 1);
            Ok((Page::new(vec![n * 10, n * 10 + 1]), next))
        });
        block_on(stream.map(|p| p.unwrap().records).collect())
    }

    #[test]
    fn follows_cursors_until_none() {
        assert_eq!(numbers(None), vec![vec![0, 1], vec![10, 11], vec![20, 21]]);
    }

    #[test]
    fn stops_at_max_pages() {
        assert_eq!(numbers(Some(2)).len(), 2);
    }

    #[test]
    fn an_error_ends_the_stream() {
        let stream = paginate(0u32, None, |n| async move {
            if n == 1 {
                return Err(SourceError::Other("boom".into()));
            }
            Ok((Page::new(vec![n]), Some(n + 1)))
        });
        let results: Vec<_> = block_on(stream.collect());
        assert_eq!(results.len(), 2);
        assert!(results[1].is_err());
    }
}
