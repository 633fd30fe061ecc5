//! The Connector trait and the registry connector crates add themselves to.

use crate::config::ConfigError;
use crate::error::SourceError;
use crate::events::RequestEventSink;
use crate::model::Record;
use crate::source::{
    AgentSource, AssessmentFormSource, AssessmentSource, FeedbackSource, InteractionSource, Source,
    SurveySource, TranscriptSource,
};
use crate::stream::Stream;
use async_trait::async_trait;
use serde::Serialize;
use std::sync::Arc;

/// What `cxqa check` reports: who the credentials are and what they can reach.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckReport {
    /// Organization or tenant name/id the credentials belong to.
    pub account: Option<String>,
    /// The API base actually used (after discovery).
    pub api_base: Option<String>,
    /// Divisions (or equivalent scopes) the credentials can read.
    pub visible_scopes: Vec<String>,
    pub streams: Vec<StreamCheck>,
}

/// Whether one stream's endpoints answer with these credentials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamCheck {
    pub stream: Stream,
    pub ok: bool,
    /// What answered, or what is missing (e.g. the permission a 403 names).
    pub detail: String,
}

macro_rules! source_accessors {
    ($(($variant:ident, $name:literal, $record:ident, $accessor:ident, $source:ident, $doc:literal)),* $(,)?) => {
        $(
            #[doc = concat!("The source of `", $name, "`, or None when the vendor does not offer it.")]
            fn $accessor(&self) -> Option<&$source> {
                None
            }
        )*
    };
}

/// A vendor connector, built from its `[source]` table.
///
/// Each `*_source` method returns the source of one stream, or None when the vendor does not
/// offer it. The runner asks only for the streams the pipeline requests.
#[async_trait]
pub trait Connector: Send + Sync {
    fn vendor(&self) -> &'static str;

    /// Authenticates and reports what the credentials can see.
    async fn check(&self) -> Result<CheckReport, SourceError>;

    /// The names of the divisions records name by id (`division_ids`), for people to read.
    async fn division_names(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, SourceError> {
        Ok(Default::default())
    }

    /// Called by the runner before each run of `streams`: forget whatever an earlier run read
    /// (caches are valid within one run only; a long-lived pipeline runs many times), and keep
    /// for other streams only what one of `streams` will ask for again.
    async fn start_run(&self, _streams: &[Stream]) {}

    /// How an incremental run of `stream` reaches changes the vendor cannot list by time of
    /// change: None when the stream finds every change since its high-water mark by itself.
    fn sweep(&self, _stream: Stream) -> Option<Sweep> {
        None
    }

    with_stream_table!(source_accessors);
}

/// A deep re-read for a stream whose vendor offers no change feed: at most every `every`, an
/// incremental run re-reads `lookback` back from now instead of the usual look-back, so an edit
/// or deletion made long after the record first appeared is found within `every`. The ids
/// remembered for absence tombstones are kept as far back as `lookback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    pub lookback: chrono::Duration,
    pub every: chrono::Duration,
}

/// Something done with the source of one stream, whatever its record type: the runner reads
/// pages through it, [`offered_streams`] asks whether there is one.
pub trait SourceVisitor<'a> {
    type Output;
    fn visit<T: Record>(self, stream: Stream, source: Option<&'a dyn Source<T>>) -> Self::Output;
}

macro_rules! define_visit_source {
    ($(($variant:ident, $name:literal, $record:ident, $accessor:ident, $source:ident, $doc:literal)),* $(,)?) => {
        impl Stream {
            /// Hands `visitor` this stream's source from `connector`, typed by its record.
            pub fn visit_source<'a, V: SourceVisitor<'a>>(
                self,
                connector: &'a dyn Connector,
                visitor: V,
            ) -> V::Output {
                match self {
                    $(Stream::$variant => visitor.visit(self, connector.$accessor()),)*
                }
            }
        }
    };
}

with_stream_table!(define_visit_source);

/// The streams a built connector offers, derived from which sources it returns.
pub fn offered_streams(connector: &dyn Connector) -> Vec<Stream> {
    struct Offered;
    impl SourceVisitor<'_> for Offered {
        type Output = bool;
        fn visit<T: Record>(self, _: Stream, source: Option<&dyn Source<T>>) -> bool {
            source.is_some()
        }
    }
    Stream::ALL
        .into_iter()
        .filter(|stream| stream.visit_source(connector, Offered))
        .collect()
}

/// Everything a connector receives from the runner besides its own config.
#[derive(Clone)]
pub struct ConnectorContext {
    /// Receives one event per HTTP attempt (audit log, run summary).
    pub events: Arc<dyn RequestEventSink>,
}

impl Default for ConnectorContext {
    fn default() -> Self {
        ConnectorContext {
            events: crate::events::discard(),
        }
    }
}

/// How a connector crate makes itself known:
/// `cxqa_core::inventory::submit!(ConnectorRegistration { vendor: "genesys", .. })`.
pub struct ConnectorRegistration {
    /// The `[source] vendor = "..."` value.
    pub vendor: &'static str,
    pub description: &'static str,
    /// The streams the connector offers (must match what a built connector returns).
    pub streams: &'static [Stream],
    /// JSON Schema of the connector's `[source]` table (without the `vendor` key).
    pub config_schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
    /// Builds the connector from its `[source]` table (without `vendor`), already interpolated.
    pub build: fn(serde_json::Value, ConnectorContext) -> Result<Box<dyn Connector>, ConfigError>,
}

inventory::collect!(ConnectorRegistration);

/// Every registered connector, sorted by vendor name.
pub fn registry() -> Vec<&'static ConnectorRegistration> {
    let mut all: Vec<_> = inventory::iter::<ConnectorRegistration>
        .into_iter()
        .collect();
    all.sort_by_key(|r| r.vendor);
    all
}

pub fn find(vendor: &str) -> Option<&'static ConnectorRegistration> {
    inventory::iter::<ConnectorRegistration>
        .into_iter()
        .find(|r| r.vendor == vendor)
}
