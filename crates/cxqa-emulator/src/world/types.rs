//! The organization's entities and the neutral values they hold. Each vendor renders these in
//! its own spelling; nothing here is a vendor's word.

use chrono::{DateTime, Utc};

/// How big the organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Small,
    Medium,
    Large,
    /// Enough for the memory benchmark: over 200,000 records of every stream in a week.
    Xlarge,
}

impl Scale {
    pub(super) fn agents(self) -> usize {
        match self {
            Scale::Small => 10,
            Scale::Medium => 40,
            Scale::Large => 200,
            Scale::Xlarge => 1500,
        }
    }

    pub(super) fn conversations_per_day(self) -> usize {
        match self {
            Scale::Small => 20,
            Scale::Medium => 150,
            Scale::Large => 1500,
            Scale::Xlarge => 14_000,
        }
    }
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "small" => Ok(Scale::Small),
            "medium" => Ok(Scale::Medium),
            "large" => Ok(Scale::Large),
            "xlarge" => Ok(Scale::Xlarge),
            other => Err(format!(
                "unknown scale `{other}`: use small, medium, large or xlarge"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Division {
    pub id: String,
    pub name: &'static str,
    pub number: i64,
}

#[derive(Debug, Clone)]
pub struct Team {
    pub id: String,
    pub number: i64,
    pub name: &'static str,
}

#[derive(Debug, Clone)]
pub struct Queue {
    pub id: String,
    pub skill_id: i64,
    pub name: &'static str,
    pub division: usize,
}

#[derive(Debug, Clone)]
pub struct WrapUp {
    pub id: String,
    pub number: i64,
    pub name: &'static str,
}

#[derive(Debug, Clone)]
pub struct Agent {
    pub id: String,
    pub number: i64,
    pub first: &'static str,
    pub last: &'static str,
    pub state: AgentState,
    pub division: usize,
    pub team: usize,
    pub supervisor: bool,
    pub modified: DateTime<Utc>,
}

impl Agent {
    pub fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
    pub fn email(&self) -> String {
        format!(
            "{}.{}@acme-support.example",
            self.first.to_lowercase(),
            self.last.to_lowercase()
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    MultipleChoice,
    MultipleSelect,
    FreeText,
    Nps,
}

#[derive(Debug, Clone)]
pub struct AnswerOption {
    pub id: String,
    pub text: String,
    pub value: i64,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub text: &'static str,
    pub kind: QuestionKind,
    pub is_kill: bool,
    pub is_critical: bool,
    pub na_enabled: bool,
    /// Answer options; for multi-select, one option per selectable behaviour (value when chosen).
    pub options: Vec<AnswerOption>,
}

impl Question {
    /// Highest points the question can award (0 for unscored questions).
    pub fn max_points(&self) -> i64 {
        match self.kind {
            QuestionKind::FreeText => 0,
            QuestionKind::MultipleSelect => self.options.iter().map(|o| o.value.max(0)).sum(),
            _ => self.options.iter().map(|o| o.value).max().unwrap_or(0),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub name: &'static str,
    pub weight: f64,
    pub na_enabled: bool,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone)]
pub struct FormVersion {
    pub id: String,
    pub number: u32,
    pub published_at: DateTime<Utc>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub context_id: String,
    pub name: &'static str,
    pub weight_mode: WeightMode,
    pub versions: Vec<FormVersion>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Voice,
    Chat,
    Email,
    Message,
}

/// Who said something in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Agent,
    Customer,
}

/// How sentiment moved over a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Declining,
    SlightlyDeclining,
    Steady,
    SlightlyImproving,
    Improving,
}

/// Whether a person may still work (and be listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    Active,
    Inactive,
    Deleted,
}

/// How a form weighs its question groups: by each group's weight, or all alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightMode {
    Weighted,
    Unweighted,
}

/// Where an evaluation stands in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EvaluationStatus {
    Pending,
    InProgress,
    Finished,
    InReview,
    Retracted,
}

/// Who evaluates whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationKind {
    Evaluation,
    SelfAssessment,
    Calibration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyStatus {
    Finished,
    InProgress,
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentStatus {
    Scheduled,
    Completed,
}

#[derive(Debug, Clone)]
pub struct Phrase {
    pub party: Party,
    pub text: String,
    pub offset_ms: i64,
    pub duration_ms: i64,
    pub sentiment: i64,
    pub confidence: f64,
}

#[derive(Debug, Clone)]
pub struct Analytics {
    /// Overall sentiment in whole percent: -100 (all negative) to 100 (all positive).
    pub sentiment_percent: f64,
    /// Change of sentiment over the conversation, -1.0 to 1.0.
    pub sentiment_trend: f64,
    pub trend: Trend,
    pub phrases: Vec<Phrase>,
    pub topics: Vec<(String, &'static str, &'static str)>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: String,
    pub contact_id: i64,
    pub segment_id: String,
    pub agent_session_id: String,
    pub customer_session_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub media: Media,
    pub inbound: bool,
    pub agent: usize,
    pub queue: usize,
    pub wrap_up: usize,
    pub talk_ms: i64,
    pub hold_ms: i64,
    pub acw_ms: i64,
    pub queue_ms: i64,
    pub analytics: Option<Analytics>,
    pub evaluation: Option<usize>,
    pub survey: Option<usize>,
}

impl Conversation {
    /// When the agent finished wrapping up: the conversation's last moment.
    pub fn wrapped_up(&self) -> DateTime<Utc> {
        self.end + chrono::Duration::milliseconds(self.acw_ms)
    }
}

/// One answered question; `option` indexes `Question::options`.
#[derive(Debug, Clone, Default)]
pub struct QuestionAnswer {
    pub option: Option<usize>,
    pub selected: Vec<usize>,
    pub not_applicable: bool,
    pub text: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct GroupAnswer {
    pub not_applicable: bool,
    pub questions: Vec<QuestionAnswer>,
}

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub id: String,
    pub workflow_id: String,
    pub conversation: usize,
    pub agent: usize,
    pub evaluator: usize,
    pub form: usize,
    pub version: usize,
    pub status: EvaluationStatus,
    pub kind: EvaluationKind,
    pub released: bool,
    pub created: DateTime<Utc>,
    pub submitted: Option<DateTime<Utc>>,
    pub changed: DateTime<Utc>,
    /// Every moment the evaluation changed, creation first (analytics' `eventTime`).
    pub events: Vec<DateTime<Utc>>,
    pub answers: Vec<GroupAnswer>,
    pub comments: Option<String>,
    pub agent_comments: Option<String>,
    pub agent_has_read: bool,
    pub dispute_count: u32,
    pub dispute_resolution: Option<String>,
    /// Whether it was re-scored after it was submitted.
    pub rescored: bool,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct SurveyResponse {
    pub id: String,
    pub number: i64,
    pub conversation: usize,
    pub status: SurveyStatus,
    pub partial: bool,
    /// When the survey went to the customer.
    pub sent: DateTime<Utc>,
    pub completed: Option<DateTime<Utc>>,
    /// 1..=5
    pub csat: Option<i64>,
    pub nps: Option<i64>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Appointment {
    pub id: String,
    pub name: String,
    pub agent: usize,
    pub facilitator: usize,
    pub start: DateTime<Utc>,
    pub length_minutes: i64,
    pub status: AppointmentStatus,
    pub conversations: Vec<usize>,
    pub annotations: Vec<(String, String, DateTime<Utc>)>,
}

impl SurveyResponse {
    /// When the survey last changed: answered, or else sent.
    pub fn last_event(&self) -> DateTime<Utc> {
        self.completed.unwrap_or(self.sent)
    }
}

/// Survey form ids (one published form).
#[derive(Debug, Clone)]
pub struct SurveyForm {
    pub id: String,
    pub context_id: String,
    pub csat_question: String,
    pub nps_question: String,
    pub comment_question: String,
    pub group_id: String,
}
