//! The vendor-neutral record model. Every record carries `vendor`, a stable `id`, the vendor's
//! own ids where they help joins, `modified_at` when the vendor has one, and `extracted_at`.
//! Field names are snake_case in JSON; optional fields are omitted when absent.

use crate::stream::Stream;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Implemented by every record type so the runner and sinks can treat streams uniformly.
pub trait Record: Serialize + Send + Sync + 'static {
    const STREAM: Stream;
    fn id(&self) -> &str;
    fn modified_at(&self) -> Option<DateTime<Utc>>;
    /// Sets what the runner stamps on every record as its page passes through.
    fn stamp(&mut self, vendor: &str, extracted_at: DateTime<Utc>);
    /// What the runner does to a record before storing it; None drops it. Transcripts get PII
    /// findings, keyword hits and the pipeline's filters; free text that people wrote
    /// (utterances, comments, survey verbatims) is masked per the PII policy.
    fn finish(self, finisher: &dyn Finisher) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = finisher;
        Some(self)
    }
}

/// Finishes the records that need it; the runner implements it once for every stream.
pub trait Finisher: Send + Sync {
    fn transcript(&self, transcript: Transcript) -> Option<Transcript>;
    /// Applies the PII policy to a piece of free text (a comment, a survey verbatim).
    fn free_text(&self, text: &mut Option<String>);
    /// The `agent_key` of the vendor's agent `agent_id`, when the store knows that agent.
    fn agent_key(&self, agent_id: Option<&str>) -> Option<String>;
}

/// An agent's key across vendors: a stable hash (FNV-1a, 64 bits) of the trimmed, lower-cased
/// e-mail, else username; the address itself does not travel onto every record.
pub fn agent_key(email: Option<&str>, username: Option<&str>) -> Option<String> {
    let identity = [email, username]
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_lowercase())
        .find(|s| !s.is_empty())?;
    let hash = identity
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    Some(format!("ak-{hash:016x}"))
}

/// What a connector puts in `extracted_at`: the runner stamps the real time when the page
/// passes through it, once for every stream.
pub const UNSTAMPED: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;

macro_rules! record {
    ($ty:ty, $stream:expr) => {
        record!($ty, $stream, {});
    };
    ($ty:ty, $stream:expr, { $($finish:tt)* }) => {
        impl Record for $ty {
            const STREAM: Stream = $stream;
            fn id(&self) -> &str {
                &self.id
            }
            fn modified_at(&self) -> Option<DateTime<Utc>> {
                self.modified_at
            }
            fn stamp(&mut self, vendor: &str, extracted_at: DateTime<Utc>) {
                if self.vendor != vendor {
                    self.vendor = vendor.to_string();
                }
                self.extracted_at = extracted_at;
            }
            $($finish)*
        }
    };
}

record!(Interaction, Stream::Interactions);
record!(Agent, Stream::Agents, {
    fn finish(mut self, _finisher: &dyn Finisher) -> Option<Self> {
        self.agent_key = agent_key(self.email.as_deref(), self.username.as_deref());
        Some(self)
    }
});
record!(AssessmentForm, Stream::AssessmentForms);
record!(Assessment, Stream::Assessments, {
    fn finish(mut self, finisher: &dyn Finisher) -> Option<Self> {
        for question in self
            .question_groups
            .iter_mut()
            .flat_map(|g| &mut g.questions)
        {
            finisher.free_text(&mut question.comments);
        }
        self.agent_key = finisher.agent_key(self.agent_id.as_deref());
        Some(self)
    }
});
record!(Feedback, Stream::Feedback, {
    fn finish(mut self, finisher: &dyn Finisher) -> Option<Self> {
        finisher.free_text(&mut self.text);
        Some(self)
    }
});
record!(Survey, Stream::Surveys, {
    fn finish(mut self, finisher: &dyn Finisher) -> Option<Self> {
        for answer in &mut self.answers {
            finisher.free_text(&mut answer.text);
        }
        let agent = self
            .interaction
            .as_ref()
            .and_then(|i| i.agent_id.as_deref());
        self.agent_key = finisher.agent_key(agent);
        Some(self)
    }
});
record!(Transcript, Stream::Transcripts, {
    fn finish(mut self, finisher: &dyn Finisher) -> Option<Self> {
        self.agent_key = finisher.agent_key(self.agent_id.as_deref());
        finisher.transcript(self)
    }
});

macro_rules! define_record_schema {
    ($(($variant:ident, $name:literal, $record:ident, $accessor:ident, $source:ident, $doc:literal)),* $(,)?) => {
        /// The JSON Schema of one stream's records.
        pub fn record_schema(stream: Stream) -> schemars::Schema {
            match stream {
                $(Stream::$variant => schemars::schema_for!($record),)*
            }
        }
    };
}

with_stream_table!(define_record_schema);

/// Direction of an interaction as seen from the contact center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// One conversation (Genesys) or contact (CXone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Interaction {
    pub vendor: String,
    /// Stable record id (the vendor's conversation or contact id).
    pub id: String,
    /// The vendor's interaction id, for joins from assessments, surveys and transcripts.
    pub interaction_id: String,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Normalized media type: voice, chat, email, message, callback, video, or the vendor's own
    /// lower-cased name when none of these fits.
    pub media_type: Option<String>,
    pub direction: Option<Direction>,
    /// Agents who handled the interaction (vendor user/agent ids).
    #[serde(default)]
    pub agent_ids: Vec<String>,
    /// Queues (Genesys) or skills (CXone) the interaction was routed through.
    #[serde(default)]
    pub queue_ids: Vec<String>,
    #[serde(default)]
    pub team_ids: Vec<String>,
    #[serde(default)]
    pub division_ids: Vec<String>,
    /// Wrap-up codes (Genesys) or dispositions (CXone).
    #[serde(default)]
    pub wrap_up_codes: Vec<String>,
    pub metrics: InteractionMetrics,
    /// Ids of the assessments made on this interaction, when the vendor lists them.
    #[serde(default)]
    pub assessment_ids: Vec<String>,
    /// Ids of the surveys answered about this interaction, when the vendor lists them.
    #[serde(default)]
    pub survey_ids: Vec<String>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub extracted_at: DateTime<Utc>,
}

/// Durations in milliseconds; absent when the vendor does not report them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InteractionMetrics {
    pub handle_ms: Option<u64>,
    pub talk_ms: Option<u64>,
    pub hold_ms: Option<u64>,
    pub acw_ms: Option<u64>,
    pub queue_ms: Option<u64>,
}

/// Lifecycle state of an agent account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    Active,
    Inactive,
    Deleted,
}

/// A person whose work is assessed: a Genesys user or a CXone agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Agent {
    pub vendor: String,
    pub id: String,
    /// The vendor's user/agent id, as referenced by interactions and assessments.
    pub agent_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub state: AgentState,
    pub division_id: Option<String>,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The same person at every vendor: derived from the agent's normalized e-mail (else
    /// username), so `GROUP BY agent_key` follows a person across a vendor switch. Filled by the
    /// runner (agents: from their own record; the rest: from the stored agent they name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_key: Option<String>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub extracted_at: DateTime<Utc>,
}

/// How question-group weights enter the total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeightMode {
    /// Σ(points·w) / Σ(possible·w) over question groups.
    Scaled,
    /// Every group weighs the same: Σ points / Σ possible.
    Unweighted,
}

/// The kind of a form question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    MultipleChoice,
    MultipleSelect,
    FreeText,
    Nps,
    ReadOnlyText,
    /// A vendor kind without a normalized equivalent, kept verbatim.
    Other(String),
}

/// One version of a QA form. Versions of one form share `form_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssessmentForm {
    pub vendor: String,
    /// Identifies this form version.
    pub id: String,
    /// Stable across versions of the same form (Genesys contextId, CXone form id).
    pub form_id: String,
    /// The version label: the vendor's version number or version id.
    pub version: String,
    pub name: Option<String>,
    pub weight_mode: WeightMode,
    pub published: Option<bool>,
    pub question_groups: Vec<FormQuestionGroup>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub extracted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FormQuestionGroup {
    pub id: String,
    pub name: Option<String>,
    /// Group weight under `weight_mode = scaled`; derived weights are documented per vendor.
    pub weight: Option<f64>,
    pub na_enabled: bool,
    pub questions: Vec<FormQuestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FormQuestion {
    pub id: String,
    pub text: Option<String>,
    pub kind: QuestionKind,
    /// Highest points an answer can score (None for unscored questions).
    pub max_points: Option<f64>,
    pub na_enabled: bool,
    pub is_critical: bool,
    pub is_kill: bool,
    #[serde(default)]
    pub answer_options: Vec<AnswerOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnswerOption {
    pub id: String,
    pub text: Option<String>,
    pub value: Option<f64>,
}

/// What kind of QA workflow produced an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentKind {
    Evaluation,
    SelfAssessment,
    Calibration,
    Other(String),
}

/// A QA evaluation of one interaction (or of an agent's work) against one form version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Assessment {
    pub vendor: String,
    /// The vendor's evaluation / workflow id.
    pub id: String,
    pub kind: AssessmentKind,
    /// The vendor's status, lower-cased with spaces as underscores (e.g. `finished`, `completed`).
    pub status: Option<String>,
    pub interaction_id: Option<String>,
    /// The vendor's segment id where assessments point at a segment of an interaction (CXone).
    pub segment_id: Option<String>,
    pub agent_id: Option<String>,
    pub evaluator_id: Option<String>,
    /// Stable form id, shared by all versions (join scores across versions on this).
    pub form_id: Option<String>,
    /// The exact form version the assessment was scored against.
    pub form_version: Option<String>,
    pub form_name: Option<String>,
    pub released: Option<bool>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub submitted_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub released_at: Option<DateTime<Utc>>,
    /// The vendor's raw (unweighted) points and their maximum.
    pub raw_score: Option<f64>,
    pub raw_max: Option<f64>,
    /// The vendor's own total, as a percentage (0–100), when it sends one.
    pub vendor_score: Option<f64>,
    /// Core's 0–100 score from the form version's weights (N/A excluded).
    pub normalized_score: Option<f64>,
    /// Set when `vendor_score` and `normalized_score` differ by more than the tolerance.
    pub score_mismatch: Option<ScoreMismatch>,
    pub failed_critical: bool,
    pub failed_kill: bool,
    #[serde(default)]
    pub division_ids: Vec<String>,
    pub question_groups: Vec<AssessedGroup>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The same person at every vendor: derived from the agent's normalized e-mail (else
    /// username), so `GROUP BY agent_key` follows a person across a vendor switch. Filled by the
    /// runner (agents: from their own record; the rest: from the stored agent they name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_key: Option<String>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub extracted_at: DateTime<Utc>,
}

/// The vendor's total and ours disagree; both are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScoreMismatch {
    pub vendor_score: f64,
    pub computed_score: f64,
    pub difference: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssessedGroup {
    pub group_id: String,
    pub name: Option<String>,
    pub weight: Option<f64>,
    pub not_applicable: bool,
    pub score: Option<f64>,
    pub max_score: Option<f64>,
    pub questions: Vec<AssessedQuestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssessedQuestion {
    pub question_id: String,
    pub text: Option<String>,
    pub kind: Option<QuestionKind>,
    pub answer_id: Option<String>,
    pub answer_text: Option<String>,
    /// Points awarded (None when unanswered or not applicable).
    pub score: Option<f64>,
    pub max_score: Option<f64>,
    /// The question's share of its form (derived where the vendor has no per-question weight).
    pub weight: Option<f64>,
    pub not_applicable: bool,
    pub is_critical: bool,
    pub is_kill: bool,
    pub failed_kill: bool,
    pub comments: Option<String>,
    /// Selected options of a multiple-select question.
    #[serde(default)]
    pub selected_options: Vec<String>,
}

/// What a feedback record is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    EvaluatorComment,
    QuestionComment,
    AgentComment,
    ReviewComment,
    DisputeResolution,
    CoachingAppointment,
    CoachingNote,
    Other(String),
}

/// One piece of feedback to or from an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Feedback {
    pub vendor: String,
    pub id: String,
    pub kind: FeedbackKind,
    pub assessment_id: Option<String>,
    pub interaction_id: Option<String>,
    pub agent_id: Option<String>,
    pub author_id: Option<String>,
    pub question_id: Option<String>,
    pub text: Option<String>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub occurred_at: Option<DateTime<Utc>>,
    /// Whether the agent has read or acknowledged the evaluation.
    pub agent_acknowledged: Option<bool>,
    pub dispute_count: Option<u32>,
    pub status: Option<String>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub extracted_at: DateTime<Utc>,
}

/// The range a vendor's score is given on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScoreScale {
    pub min: f64,
    pub max: f64,
}

impl ScoreScale {
    /// `raw` on 0–100 (rounded to 4 places); None when it lies outside the scale.
    pub fn to_percent(self, raw: f64) -> Option<f64> {
        let span = self.max - self.min;
        (span > 0.0 && (self.min..=self.max).contains(&raw))
            .then(|| crate::score::round4((raw - self.min) / span * 100.0))
    }
}

/// Net Promoter category of a 0–10 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NpsCategory {
    Promoter,
    Passive,
    Detractor,
}

impl NpsCategory {
    /// 9–10 promoter, 7–8 passive, 0–6 detractor; None outside 0–10.
    pub fn from_score(score: i64) -> Option<Self> {
        match score {
            9..=10 => Some(Self::Promoter),
            7..=8 => Some(Self::Passive),
            0..=6 => Some(Self::Detractor),
            _ => None,
        }
    }
}

/// A CSAT/NPS survey response, carrying the context of the interaction it rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Survey {
    pub vendor: String,
    pub id: String,
    pub interaction_id: Option<String>,
    pub form_id: Option<String>,
    pub form_name: Option<String>,
    /// The vendor's status, lower-cased (e.g. `finished`, `in_progress`).
    pub status: Option<String>,
    /// True when the respondent did not answer every required question.
    pub partial: bool,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub completed_at: Option<DateTime<Utc>>,
    /// The survey's CSAT on 0–100, from `csat_raw` and `csat_scale`, so vendors compare; None
    /// when the raw value lies outside the scale.
    pub csat_score: Option<f64>,
    /// The score as the vendor reports it.
    #[serde(default)]
    pub csat_raw: Option<f64>,
    /// The scale `csat_raw` is on.
    #[serde(default)]
    pub csat_scale: Option<ScoreScale>,
    pub nps_score: Option<i64>,
    pub nps_category: Option<NpsCategory>,
    #[serde(default)]
    pub answers: Vec<SurveyAnswer>,
    /// The rated interaction's context: the CSAT-to-interaction join.
    pub interaction: Option<InteractionContext>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The same person at every vendor: derived from the agent's normalized e-mail (else
    /// username), so `GROUP BY agent_key` follows a person across a vendor switch. Filled by the
    /// runner (agents: from their own record; the rest: from the stored agent they name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_key: Option<String>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub extracted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SurveyAnswer {
    pub question_id: Option<String>,
    pub question_text: Option<String>,
    pub score: Option<f64>,
    pub nps_score: Option<i64>,
    pub text: Option<String>,
}

/// The parts of an interaction a survey or transcript consumer joins on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InteractionContext {
    pub agent_id: Option<String>,
    pub queue_id: Option<String>,
    pub media_type: Option<String>,
    pub direction: Option<Direction>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// Who spoke an utterance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerRole {
    Agent,
    Customer,
    Ivr,
    System,
    Other(String),
}

/// The transcript of one communication (Genesys) or segment (CXone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Transcript {
    pub vendor: String,
    pub id: String,
    pub interaction_id: Option<String>,
    /// The communication or segment the transcript belongs to.
    pub communication_id: Option<String>,
    pub agent_id: Option<String>,
    pub media_type: Option<String>,
    pub language: Option<String>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub started_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub sentiment: Option<Sentiment>,
    pub utterances: Vec<Utterance>,
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// PII seen in the text: masked labels and values the vendor left unmasked.
    pub pii: PiiSummary,
    /// Configured keywords found in the transcript (normalized form).
    #[serde(default)]
    pub keyword_hits: Vec<String>,
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The same person at every vendor: derived from the agent's normalized e-mail (else
    /// username), so `GROUP BY agent_key` follows a person across a vendor switch. Filled by the
    /// runner (agents: from their own record; the rest: from the stored agent they name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_key: Option<String>,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub extracted_at: DateTime<Utc>,
}

/// Overall sentiment on a -1.0 (negative) to 1.0 (positive) scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sentiment {
    pub score: f64,
    /// Change of sentiment over the interaction, same scale, when the vendor reports it.
    pub trend: Option<f64>,
    pub trend_class: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Utterance {
    pub index: u32,
    pub speaker: SpeakerRole,
    pub speaker_id: Option<String>,
    /// Offset from the start of the transcript, in milliseconds.
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    pub text: String,
    pub confidence: Option<f64>,
    /// -1, 0 or 1 where the vendor scores utterances.
    pub sentiment: Option<i8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Topic {
    pub id: Option<String>,
    pub name: String,
    pub phrase: Option<String>,
}

/// PII found in a transcript. Only kinds, counts and positions: never the values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PiiSummary {
    /// Redaction labels in the stored text: the vendor's (e.g. `[card number]`) and cxqa's.
    pub masked: usize,
    /// Values that look like PII, in clear in the stored text (only with `pii = "flag"`).
    pub unmasked: usize,
    /// Values the vendor left in clear that cxqa masked before storing (`pii = "mask"`).
    #[serde(default)]
    pub redacted: usize,
    #[serde(default)]
    pub findings: Vec<PiiLocation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PiiLocation {
    pub utterance_index: u32,
    pub kind: crate::pii::PiiKind,
    /// The stored text holds a label here, not a value.
    pub masked: bool,
    /// cxqa put the label there in place of a value.
    #[serde(default)]
    pub redacted: bool,
    /// Byte range inside the utterance text.
    pub start: usize,
    pub end: usize,
}

/// Why a record was marked deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TombstoneReason {
    /// The vendor retracted it (Genesys RETRACTED).
    Retracted,
    /// The vendor flags it deleted.
    Deleted,
    /// It was in an earlier extraction of a window and is missing from a re-extraction (CXone).
    AbsentFromReextraction,
    /// A read by id answered 404.
    NotFound,
}

/// A deletion signal. Sinks mark the record deleted; nothing is hard-deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tombstone {
    pub stream: Stream,
    pub vendor: String,
    pub id: String,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub detected_at: DateTime<Utc>,
    pub reason: TombstoneReason,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_key_is_the_same_for_the_same_person_and_hides_the_address() {
        let key = agent_key(Some(" Ann.Lee@Acme.example "), None).unwrap();
        assert_eq!(
            Some(key.clone()),
            agent_key(Some("ann.lee@acme.example"), Some("x"))
        );
        assert!(key.starts_with("ak-") && !key.contains("acme"));
        assert_eq!(
            agent_key(None, Some("ann")),
            agent_key(Some(""), Some("ANN"))
        );
        assert_eq!(agent_key(None, None), None);
    }

    #[test]
    fn a_score_scale_maps_onto_0_to_100_and_refuses_what_lies_outside() {
        let stars = ScoreScale { min: 1.0, max: 5.0 };
        assert_eq!(stars.to_percent(1.0), Some(0.0));
        assert_eq!(stars.to_percent(4.0), Some(75.0));
        assert_eq!(stars.to_percent(20.0), None);
        let empty = ScoreScale { min: 3.0, max: 3.0 };
        assert_eq!(empty.to_percent(3.0), None);
    }

    #[test]
    fn nps_categories_follow_the_standard_bands() {
        assert_eq!(NpsCategory::from_score(10), Some(NpsCategory::Promoter));
        assert_eq!(NpsCategory::from_score(9), Some(NpsCategory::Promoter));
        assert_eq!(NpsCategory::from_score(8), Some(NpsCategory::Passive));
        assert_eq!(NpsCategory::from_score(7), Some(NpsCategory::Passive));
        assert_eq!(NpsCategory::from_score(6), Some(NpsCategory::Detractor));
        assert_eq!(NpsCategory::from_score(0), Some(NpsCategory::Detractor));
        assert_eq!(NpsCategory::from_score(11), None);
        assert_eq!(NpsCategory::from_score(-1), None);
    }

    #[test]
    fn tombstone_serializes_in_snake_case() {
        let t = Tombstone {
            stream: Stream::Assessments,
            vendor: "cxone".into(),
            id: "w1".into(),
            detected_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            reason: TombstoneReason::AbsentFromReextraction,
        };
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["stream"], "assessments");
        assert_eq!(json["reason"], "absent_from_reextraction");
    }
}
