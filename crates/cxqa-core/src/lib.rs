//! Vendor-neutral heart of cxqa: the normalized record model, the per-entity source traits that
//! connectors implement, the connector registry, and the pure logic every vendor shares (score
//! normalization, PII detection, keyword matching, ISO-8601 durations).
//!
//! This crate performs no I/O: no sockets, no files, no clocks beyond what callers pass in.

/// The one list of streams. Each row: the [`Stream`] variant, its name in pipelines and stores,
/// its record type, the [`Connector`] accessor that offers it, that accessor's source type, and
/// what the stream holds. Everything that enumerates streams is generated from this table by
/// the macro it is handed: the enum and `Stream::ALL`, the connector accessors,
/// [`Stream::visit_source`] and the record schemas.
macro_rules! with_stream_table {
    ($generate:ident) => {
        $generate! {
            (Interactions, "interactions", Interaction, interactions, InteractionSource,
                "Conversations / contacts with their participants, queues and handle metrics."),
            (Agents, "agents", Agent, agents, AgentSource,
                "Agents (users) with state, division and team."),
            (AssessmentForms, "assessment_forms", AssessmentForm, assessment_forms, AssessmentFormSource,
                "QA form versions with their question groups, weights and answer values."),
            (Assessments, "assessments", Assessment, assessments, AssessmentSource,
                "QA evaluations with raw and normalized scores."),
            (Feedback, "feedback", Feedback, feedback, FeedbackSource,
                "Agent feedback: evaluator/agent comments, disputes, coaching."),
            (Surveys, "surveys", Survey, surveys, SurveySource,
                "CSAT/NPS surveys joined to the interaction they rate."),
            (Transcripts, "transcripts", Transcript, transcripts, TranscriptSource,
                "Transcripts with sentiment, topics and PII findings."),
        }
    };
}

pub mod chunked;
pub mod config;
pub mod connector;
pub mod duration;
pub mod error;
pub mod events;
#[cfg(feature = "fuzz")]
pub mod fuzz;
pub mod json_schema;
pub mod keywords;
pub mod model;
pub mod page;
pub mod pii;
pub mod score;
pub mod source;
pub mod stream;
pub mod timestamp;
pub mod transcript;

pub use connector::{Connector, ConnectorContext, ConnectorRegistration, Sweep, registry};
pub use error::SourceError;
pub use page::{Checkpoint, Page, WindowIds};
pub use source::{ExtractRequest, Filters, PriorState, SentimentFilter, Source, Window, paginate};
pub use stream::Stream;

/// Re-exported so connector crates register with the same `inventory` the registry collects.
pub use inventory;
