//! The synthetic organization both vendors' APIs are rendered from. Deterministic: the same
//! seed, scale and anchor give the same world.

use crate::rng::Rng;
use chrono::{DateTime, Duration, DurationRound, Utc};

/// How big the organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Small,
    Medium,
    Large,
}

impl Scale {
    fn agents(self) -> usize {
        match self {
            Scale::Small => 10,
            Scale::Medium => 40,
            Scale::Large => 200,
        }
    }

    fn conversations_per_day(self) -> usize {
        match self {
            Scale::Small => 20,
            Scale::Medium => 150,
            Scale::Large => 1500,
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
            other => Err(format!(
                "unknown scale `{other}`: use small, medium or large"
            )),
        }
    }
}

/// Days of history the world holds before its anchor.
pub const DAYS: i64 = 7;

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
    pub state: &'static str,
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
    /// `SCALED` or `OFF`.
    pub weight_mode: &'static str,
    pub versions: Vec<FormVersion>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Voice,
    Chat,
    Email,
    Message,
}

impl Media {
    pub fn genesys(self) -> &'static str {
        match self {
            Media::Voice => "voice",
            Media::Chat => "chat",
            Media::Email => "email",
            Media::Message => "message",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Phrase {
    /// `internal` (agent) or `external` (customer).
    pub purpose: &'static str,
    pub text: String,
    pub offset_ms: i64,
    pub duration_ms: i64,
    pub sentiment: i64,
    pub confidence: f64,
}

#[derive(Debug, Clone)]
pub struct Analytics {
    /// -100..100 as Genesys reports it.
    pub sentiment_score: f64,
    pub sentiment_trend: f64,
    pub trend_class: &'static str,
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
    /// `PENDING`, `INPROGRESS`, `FINISHED`, `INREVIEW`, `RETRACTED`.
    pub status: &'static str,
    /// CXone workflow type: Evaluation, Self-assessment, Calibration.
    pub kind: &'static str,
    pub released: bool,
    pub created: DateTime<Utc>,
    pub submitted: Option<DateTime<Utc>>,
    pub changed: DateTime<Utc>,
    pub answers: Vec<GroupAnswer>,
    pub comments: Option<String>,
    pub agent_comments: Option<String>,
    pub agent_has_read: bool,
    pub dispute_count: u32,
    pub dispute_resolution: Option<String>,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct SurveyResponse {
    pub id: String,
    pub number: i64,
    pub conversation: usize,
    /// `Finished`, `InProgress`, `Expired`.
    pub status: &'static str,
    pub partial: bool,
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
    pub status: &'static str,
    pub conversations: Vec<usize>,
    pub annotations: Vec<(String, String, DateTime<Utc>)>,
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

#[derive(Debug, Clone)]
pub struct World {
    pub seed: u64,
    pub anchor: DateTime<Utc>,
    /// When the data last changed: the anchor, then the last "time passes" call.
    pub clock: DateTime<Utc>,
    pub org_id: String,
    pub tenant_id: String,
    pub divisions: Vec<Division>,
    pub teams: Vec<Team>,
    pub queues: Vec<Queue>,
    pub wrap_ups: Vec<WrapUp>,
    pub agents: Vec<Agent>,
    pub forms: Vec<Form>,
    pub survey_form: SurveyForm,
    pub conversations: Vec<Conversation>,
    pub evaluations: Vec<Evaluation>,
    pub surveys: Vec<SurveyResponse>,
    pub appointments: Vec<Appointment>,
    rng: Rng,
}

/// The index of the division the demo client cannot see.
pub const RESTRICTED_DIVISION: usize = 2;

const FIRST: [&str; 12] = [
    "Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena",
];
const LAST: [&str; 10] = [
    "Moreau", "Okafor", "Silva", "Tanaka", "Novak", "Haddad", "Berg", "Quinn", "Rossi", "Kaur",
];
const REASONS: [&str; 5] = [
    "cancel my account",
    "get a refund",
    "update my address",
    "ask about my bill",
    "report a broken device",
];

fn opt(rng: &mut Rng, text: &str, value: i64) -> AnswerOption {
    AnswerOption {
        id: rng.uuid(),
        text: text.to_string(),
        value,
    }
}

fn yes_no(rng: &mut Rng) -> Vec<AnswerOption> {
    vec![opt(rng, "Yes", 1), opt(rng, "No", 0)]
}

fn question(
    rng: &mut Rng,
    text: &'static str,
    kind: QuestionKind,
    options: Vec<AnswerOption>,
) -> Question {
    Question {
        id: rng.uuid(),
        text,
        kind,
        is_kill: false,
        is_critical: false,
        na_enabled: false,
        options,
    }
}

fn yes_no_question(rng: &mut Rng, text: &'static str) -> Question {
    let options = yes_no(rng);
    question(rng, text, QuestionKind::MultipleChoice, options)
}

fn care_groups(rng: &mut Rng, weights: [f64; 4]) -> Vec<Group> {
    let greeting = Group {
        id: rng.uuid(),
        name: "Greeting",
        weight: weights[0],
        na_enabled: false,
        questions: vec![
            yes_no_question(rng, "Used the standard greeting?"),
            Question {
                is_critical: true,
                ..yes_no_question(rng, "Verified the customer's identity?")
            },
        ],
    };
    let options = vec![
        opt(rng, "Fully", 2),
        opt(rng, "Partly", 1),
        opt(rng, "No", 0),
    ];
    let behaviours = vec![
        opt(rng, "Empathy", 1),
        opt(rng, "Ownership", 1),
        opt(rng, "Clarity", 1),
    ];
    let resolution = Group {
        id: rng.uuid(),
        name: "Resolution",
        weight: weights[1],
        na_enabled: false,
        questions: vec![
            question(
                rng,
                "Resolved the issue?",
                QuestionKind::MultipleChoice,
                options,
            ),
            Question {
                na_enabled: true,
                ..yes_no_question(rng, "Offered further help?")
            },
            question(
                rng,
                "Which behaviours were shown?",
                QuestionKind::MultipleSelect,
                behaviours,
            ),
        ],
    };
    let compliance = Group {
        id: rng.uuid(),
        name: "Compliance",
        weight: weights[2],
        na_enabled: false,
        questions: vec![
            Question {
                is_kill: true,
                ..yes_no_question(rng, "Read the recording disclosure?")
            },
            Question {
                is_critical: true,
                ..yes_no_question(rng, "Followed payment card rules?")
            },
            question(rng, "Coaching notes", QuestionKind::FreeText, Vec::new()),
        ],
    };
    let extras = Group {
        id: rng.uuid(),
        name: "Sales opportunity",
        weight: weights[3],
        na_enabled: true,
        questions: vec![yes_no_question(rng, "Attempted an upsell?")],
    };
    vec![greeting, resolution, compliance, extras]
}

fn sales_groups(rng: &mut Rng) -> Vec<Group> {
    let nps_options = (0..=10).map(|v| opt(rng, &v.to_string(), v)).collect();
    vec![
        Group {
            id: rng.uuid(),
            name: "Discovery",
            weight: 1.0,
            na_enabled: false,
            questions: vec![
                yes_no_question(rng, "Asked about the customer's needs?"),
                question(
                    rng,
                    "Likelihood the customer recommends us (0-10)",
                    QuestionKind::Nps,
                    nps_options,
                ),
            ],
        },
        Group {
            id: rng.uuid(),
            name: "Close",
            weight: 1.0,
            na_enabled: true,
            questions: vec![yes_no_question(rng, "Asked for the sale?")],
        },
    ]
}

impl World {
    pub fn generate(seed: u64, scale: Scale, anchor: DateTime<Utc>) -> World {
        let anchor = anchor
            .duration_trunc(Duration::seconds(1))
            .unwrap_or(anchor);
        let root = Rng::new(seed);
        let mut rng = root.fork("org");
        let org_id = rng.uuid();
        let tenant_id = rng.uuid();
        let divisions = ["Home", "EMEA", "Restricted"]
            .iter()
            .enumerate()
            .map(|(i, name)| Division {
                id: rng.uuid(),
                name,
                number: 10 + i as i64,
            })
            .collect();
        let teams = ["Blue", "Gold", "Green"]
            .iter()
            .enumerate()
            .map(|(i, name)| Team {
                id: rng.uuid(),
                number: 200 + i as i64,
                name,
            })
            .collect();
        let queues: Vec<Queue> = [
            ("Support", 0),
            ("Billing", 1),
            ("Sales", 0),
            ("VIP", RESTRICTED_DIVISION),
        ]
        .iter()
        .enumerate()
        .map(|(i, (name, division))| Queue {
            id: rng.uuid(),
            skill_id: 3000 + i as i64,
            name,
            division: *division,
        })
        .collect();
        let wrap_ups = [
            "Resolved",
            "Escalated",
            "Callback promised",
            "No answer needed",
        ]
        .iter()
        .enumerate()
        .map(|(i, name)| WrapUp {
            id: rng.uuid(),
            number: 40 + i as i64,
            name,
        })
        .collect();

        let mut arng = root.fork("agents");
        let agents: Vec<Agent> = (0..scale.agents())
            .map(|i| {
                let supervisor = i < 2;
                let state = match i % 10 {
                    _ if supervisor => "active",
                    7 => "inactive",
                    9 => "deleted",
                    _ => "active",
                };
                Agent {
                    id: arng.uuid(),
                    number: 1000 + i as i64,
                    first: FIRST[i % FIRST.len()],
                    last: LAST[(i / FIRST.len() + i) % LAST.len()],
                    state,
                    division: if i % 5 == 4 { 1 } else { 0 },
                    team: i % 3,
                    supervisor,
                    modified: anchor - Duration::days(30) + Duration::hours(i as i64),
                }
            })
            .collect();

        let mut frng = root.fork("forms");
        let care = Form {
            context_id: frng.uuid(),
            name: "Customer Care QA",
            weight_mode: "SCALED",
            versions: vec![
                FormVersion {
                    id: frng.uuid(),
                    number: 1,
                    published_at: anchor - Duration::days(30),
                    groups: care_groups(&mut frng, [40.0, 30.0, 30.0, 10.0]),
                },
                FormVersion {
                    id: frng.uuid(),
                    number: 2,
                    published_at: anchor - Duration::days(3),
                    groups: care_groups(&mut frng, [50.0, 25.0, 25.0, 10.0]),
                },
            ],
        };
        let sales = Form {
            context_id: frng.uuid(),
            name: "Sales Call Review",
            weight_mode: "OFF",
            versions: vec![FormVersion {
                id: frng.uuid(),
                number: 1,
                published_at: anchor - Duration::days(60),
                groups: sales_groups(&mut frng),
            }],
        };
        let survey_form = SurveyForm {
            id: frng.uuid(),
            context_id: frng.uuid(),
            csat_question: frng.uuid(),
            nps_question: frng.uuid(),
            comment_question: frng.uuid(),
            group_id: frng.uuid(),
        };

        let mut world = World {
            seed,
            anchor,
            clock: anchor,
            org_id,
            tenant_id,
            divisions,
            teams,
            queues,
            wrap_ups,
            agents,
            forms: vec![care, sales],
            survey_form,
            conversations: Vec::new(),
            evaluations: Vec::new(),
            surveys: Vec::new(),
            appointments: Vec::new(),
            rng: root.fork("later"),
        };
        let mut crng = root.fork("conversations");
        let total = scale.conversations_per_day() * DAYS as usize;
        let span_secs = (DAYS * 86_400 - 3_600) as u64;
        let mut starts: Vec<DateTime<Utc>> = (0..total)
            .map(|_| {
                anchor - Duration::days(DAYS) + Duration::seconds(crng.below(span_secs) as i64)
            })
            .collect();
        starts.sort();
        for start in starts {
            world.add_conversation(&mut crng, start, true);
        }
        world.add_appointments(&mut root.fork("coaching"));
        world
    }

    fn working_agents(&self) -> Vec<usize> {
        (0..self.agents.len())
            .filter(|&i| !self.agents[i].supervisor)
            .collect()
    }

    /// Adds one conversation (with its evaluation, survey and analytics by chance).
    fn add_conversation(
        &mut self,
        rng: &mut Rng,
        start: DateTime<Utc>,
        allow_restricted: bool,
    ) -> usize {
        let media = *rng.pick(&[
            Media::Voice,
            Media::Voice,
            Media::Voice,
            Media::Chat,
            Media::Chat,
            Media::Email,
            Media::Message,
        ]);
        let handle = match media {
            Media::Voice => rng.range(180, 900),
            Media::Chat | Media::Message => rng.range(300, 1200),
            Media::Email => rng.range(120, 600),
        };
        let agents = self.working_agents();
        let agent = *rng.pick(&agents);
        let mut queue = rng.below(self.queues.len() as u64) as usize;
        if !allow_restricted && self.queues[queue].division == RESTRICTED_DIVISION {
            queue = 0;
        }
        let index = self.conversations.len();
        let acw_ms = rng.range(20, 120) * 1000;
        let conversation = Conversation {
            id: rng.uuid(),
            contact_id: 700_000_000 + index as i64 * 7 + rng.range(0, 6),
            segment_id: rng.uuid(),
            agent_session_id: rng.uuid(),
            customer_session_id: rng.uuid(),
            start,
            end: start + Duration::seconds(handle),
            media,
            inbound: rng.chance(0.85),
            agent,
            queue,
            wrap_up: rng.below(self.wrap_ups.len() as u64) as usize,
            talk_ms: handle * 700,
            hold_ms: if rng.chance(0.3) {
                rng.range(10, 90) * 1000
            } else {
                0
            },
            acw_ms,
            queue_ms: rng.range(5, 300) * 1000,
            analytics: None,
            evaluation: None,
            survey: None,
        };
        self.conversations.push(conversation);
        if matches!(media, Media::Voice | Media::Chat) && rng.chance(0.7) {
            let analytics = self.make_analytics(rng, index);
            self.conversations[index].analytics = Some(analytics);
        }
        if rng.chance(0.45) {
            self.add_evaluation(rng, index);
        }
        if media != Media::Email && rng.chance(0.35) {
            self.add_survey(rng, index);
        }
        index
    }

    fn make_analytics(&self, rng: &mut Rng, conversation: usize) -> Analytics {
        let c = &self.conversations[conversation];
        let agent = &self.agents[c.agent];
        let reason = *rng.pick(&REASONS);
        let mut lines: Vec<(&'static str, String)> = vec![
            (
                "internal",
                format!(
                    "Thank you for contacting Acme, this is {}. How can I help?",
                    agent.first
                ),
            ),
            ("external", format!("Hi, I would like to {reason}.")),
            (
                "internal",
                "I can help with that. Could you confirm your account details?".to_string(),
            ),
        ];
        let pii = rng.below(100);
        lines.push((
            "external",
            match pii {
                0..=5 => "Sure, my card is 4111 1111 1111 1111.".to_string(),
                6..=10 => "You can email me at jane.doe@example.com.".to_string(),
                11..=15 => "Call me back on +1 317 555 0134 please.".to_string(),
                16..=60 => {
                    "Sure, my card number is [card number] and my email is [email].".to_string()
                }
                _ => "Sure, the account is under my name [name].".to_string(),
            },
        ));
        let happy = rng.chance(0.6);
        lines.push((
            "internal",
            "Thanks, I have updated that for you. Is there anything else?".to_string(),
        ));
        lines.push((
            "external",
            if happy {
                "No, that was great, thank you!".to_string()
            } else {
                "This is frustrating, it took far too long.".to_string()
            },
        ));
        let mut offset = 0;
        let phrases: Vec<Phrase> = lines
            .into_iter()
            .map(|(purpose, text)| {
                let duration = 1500 + text.len() as i64 * 60;
                let sentiment = if text.contains("great") || text.contains("help") {
                    1
                } else if text.contains("frustrating") {
                    -1
                } else {
                    0
                };
                let phrase = Phrase {
                    purpose,
                    text,
                    offset_ms: offset,
                    duration_ms: duration,
                    sentiment,
                    confidence: 0.8 + rng.below(20) as f64 / 100.0,
                };
                offset += duration + 400;
                phrase
            })
            .collect();
        let score = if happy {
            rng.range(20, 90)
        } else {
            rng.range(-80, -10)
        } as f64;
        let trend = rng.range(-40, 40) as f64 / 100.0;
        let trend_class = match trend {
            t if t < -0.2 => "Declining",
            t if t < -0.05 => "SlightlyDeclining",
            t if t <= 0.05 => "NoChange",
            t if t <= 0.2 => "SlightlyImproving",
            _ => "Improving",
        };
        let topic = match reason {
            "cancel my account" => "Cancellation",
            "get a refund" => "Refund",
            "ask about my bill" => "Billing",
            _ => "Account update",
        };
        Analytics {
            sentiment_score: score,
            sentiment_trend: trend,
            trend_class,
            phrases,
            topics: vec![(self.topic_id(topic), topic, reason)],
        }
    }

    fn topic_id(&self, name: &str) -> String {
        let mut r = Rng::new(self.seed).fork(name);
        r.uuid()
    }

    /// The form version in force at `at`.
    pub fn version_at(&self, form: usize, at: DateTime<Utc>) -> usize {
        let versions = &self.forms[form].versions;
        versions
            .iter()
            .rposition(|v| v.published_at <= at)
            .unwrap_or(0)
    }

    fn answer_form(rng: &mut Rng, groups: &[Group], quality: f64) -> Vec<GroupAnswer> {
        groups
            .iter()
            .map(|group| {
                let group_na = group.na_enabled && rng.chance(0.25);
                let questions = group
                    .questions
                    .iter()
                    .map(|q| {
                        if group_na {
                            return QuestionAnswer {
                                not_applicable: true,
                                ..Default::default()
                            };
                        }
                        let comment = rng.chance(0.2).then(|| format!("Note on \"{}\"", q.text));
                        match q.kind {
                            QuestionKind::FreeText => QuestionAnswer {
                                text: Some("Keep the customer informed during holds.".into()),
                                ..Default::default()
                            },
                            QuestionKind::MultipleSelect => QuestionAnswer {
                                selected: (0..q.options.len())
                                    .filter(|_| rng.chance(quality))
                                    .collect(),
                                comment,
                                ..Default::default()
                            },
                            _ if q.na_enabled && rng.chance(0.2) => QuestionAnswer {
                                not_applicable: true,
                                ..Default::default()
                            },
                            QuestionKind::Nps => QuestionAnswer {
                                option: Some(
                                    ((quality * 10.0).round() as i64 + rng.range(-2, 1))
                                        .clamp(0, 10) as usize,
                                ),
                                comment,
                                ..Default::default()
                            },
                            QuestionKind::MultipleChoice => {
                                // Options are ordered best first.
                                let best = if q.is_kill {
                                    !rng.chance(0.15)
                                } else {
                                    rng.chance(quality)
                                };
                                let option = if best {
                                    0
                                } else {
                                    1 + rng.below(q.options.len() as u64 - 1) as usize
                                };
                                QuestionAnswer {
                                    option: Some(option),
                                    comment,
                                    ..Default::default()
                                }
                            }
                        }
                    })
                    .collect();
                GroupAnswer {
                    not_applicable: group_na,
                    questions,
                }
            })
            .collect()
    }

    fn add_evaluation(&mut self, rng: &mut Rng, conversation: usize) {
        let c = &self.conversations[conversation];
        let form = if self.queues[c.queue].name == "Sales" {
            1
        } else {
            0
        };
        let version = self.version_at(form, c.end);
        let quality = 0.55 + (self.agents[c.agent].number % 5) as f64 * 0.09;
        let answers = Self::answer_form(rng, &self.forms[form].versions[version].groups, quality);
        let status = match rng.below(100) {
            0..=71 => "FINISHED",
            72..=81 => "INPROGRESS",
            82..=87 => "PENDING",
            88..=93 => "INREVIEW",
            _ => "RETRACTED",
        };
        // Nothing happens after the end of the history.
        let latest = self.anchor.max(c.end);
        let created = (c.end + Duration::minutes(rng.range(30, 600))).min(latest);
        let submitted = matches!(status, "FINISHED" | "INREVIEW" | "RETRACTED")
            .then(|| (created + Duration::minutes(rng.range(5, 90))).min(latest));
        let changed =
            (submitted.unwrap_or(created) + Duration::minutes(rng.range(0, 30))).min(latest);
        let released = status == "FINISHED" && rng.chance(0.85);
        let disputed = released && rng.chance(0.1);
        let evaluation = Evaluation {
            id: rng.uuid(),
            workflow_id: rng.uuid(),
            conversation,
            agent: c.agent,
            evaluator: rng.below(2) as usize,
            form,
            version,
            status,
            kind: match rng.below(20) {
                0 => "Self-assessment",
                1 => "Calibration",
                _ => "Evaluation",
            },
            released,
            created,
            submitted,
            changed,
            answers,
            comments: rng
                .chance(0.7)
                .then(|| "Good call overall; watch the hold time.".to_string()),
            agent_comments: (released && rng.chance(0.3)).then(|| "Thanks, noted.".to_string()),
            agent_has_read: released && rng.chance(0.6),
            dispute_count: u32::from(disputed),
            dispute_resolution: disputed.then(|| "Score reviewed and kept.".to_string()),
            deleted: false,
        };
        self.evaluations.push(evaluation);
        self.conversations[conversation].evaluation = Some(self.evaluations.len() - 1);
    }

    fn add_survey(&mut self, rng: &mut Rng, conversation: usize) {
        let c = &self.conversations[conversation];
        let (status, partial) = match rng.below(10) {
            0 => ("Expired", false),
            1 => ("InProgress", true),
            _ => ("Finished", false),
        };
        let answered = status != "Expired";
        let csat = answered.then(|| rng.range(1, 5));
        let survey = SurveyResponse {
            id: rng.uuid(),
            number: 90_000 + self.surveys.len() as i64,
            conversation,
            status,
            partial,
            completed: (status == "Finished").then(|| {
                (c.end + Duration::minutes(rng.range(2, 120))).min(self.anchor.max(c.end))
            }),
            csat,
            nps: (answered && !partial)
                .then(|| (csat.unwrap_or(3) * 2 + rng.range(-1, 0)).clamp(0, 10)),
            comment: (answered && rng.chance(0.4)).then(|| {
                if csat.unwrap_or(3) >= 4 {
                    "Quick and friendly service."
                } else {
                    "I had to wait far too long."
                }
                .to_string()
            }),
        };
        self.surveys.push(survey);
        self.conversations[conversation].survey = Some(self.surveys.len() - 1);
    }

    fn add_appointments(&mut self, rng: &mut Rng) {
        for agent in self.working_agents() {
            if !rng.chance(0.6) {
                continue;
            }
            let linked: Vec<usize> = self
                .conversations
                .iter()
                .enumerate()
                .filter(|(_, c)| c.agent == agent && c.evaluation.is_some())
                .map(|(i, _)| i)
                .take(2)
                .collect();
            let start = self.anchor - Duration::days(rng.range(1, DAYS - 1))
                + Duration::hours(rng.range(9, 16));
            let annotations = (0..rng.range(1, 2))
                .map(|k| {
                    (
                        rng.uuid(),
                        format!("Follow-up {}: practise the disclosure script.", k + 1),
                        start + Duration::minutes(30 + k * 5),
                    )
                })
                .collect();
            self.appointments.push(Appointment {
                id: rng.uuid(),
                name: format!("Coaching: {}", self.agents[agent].first),
                agent,
                facilitator: rng.below(2) as usize,
                start,
                length_minutes: 30,
                status: if start < self.anchor - Duration::days(1) {
                    "Completed"
                } else {
                    "Scheduled"
                },
                conversations: linked,
                annotations,
            });
        }
    }

    /// "Time passes": edits, retracts and deletes evaluations and adds conversations, at `now`.
    pub fn time_passes(&mut self, change: &TimePasses, now: DateTime<Utc>) -> TimePassed {
        let now = now.duration_trunc(Duration::milliseconds(1)).unwrap_or(now);
        let mut rng = self.rng.clone();
        let mut passed = TimePassed::default();
        // Finished evaluations the demo client can see (outside the Restricted division).
        let live: Vec<usize> = (0..self.evaluations.len())
            .filter(|&i| {
                let e = &self.evaluations[i];
                let division = self.queues[self.conversations[e.conversation].queue].division;
                !e.deleted && e.status == "FINISHED" && division != RESTRICTED_DIVISION
            })
            .collect();
        // Recent evaluations are the ones that get edited, retracted or deleted.
        let mut targets = live.into_iter().rev();
        for _ in 0..change.edit {
            let Some(i) = targets.next() else { break };
            let e = &mut self.evaluations[i];
            if let Some(q) = e
                .answers
                .iter_mut()
                .flat_map(|g| g.questions.iter_mut())
                .find(|q| q.option.is_some())
            {
                q.option = Some(usize::from(q.option == Some(0)));
            }
            e.changed = now;
            e.comments = Some("Re-scored after calibration.".into());
            passed.edited.push(e.id.clone());
        }
        for _ in 0..change.retract {
            let Some(i) = targets.next() else { break };
            let e = &mut self.evaluations[i];
            e.status = "RETRACTED";
            e.changed = now;
            passed.retracted.push(e.id.clone());
        }
        for _ in 0..change.delete {
            let Some(i) = targets.next() else { break };
            let e = &mut self.evaluations[i];
            e.deleted = true;
            e.changed = now;
            passed.deleted.push(e.id.clone());
        }
        for k in 0..change.new_conversations {
            let start = now - Duration::minutes(20) + Duration::seconds(k as i64 * 7);
            let index = self.add_conversation(&mut rng, start, false);
            passed
                .new_conversations
                .push(self.conversations[index].id.clone());
        }
        self.rng = rng;
        self.clock = now;
        passed
    }
}

/// What an admin "time passes" call changes.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimePasses {
    pub edit: usize,
    pub retract: usize,
    pub delete: usize,
    pub new_conversations: usize,
}

/// Which records a "time passes" call changed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TimePassed {
    pub edited: Vec<String>,
    pub retracted: Vec<String>,
    pub deleted: Vec<String>,
    pub new_conversations: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> DateTime<Utc> {
        "2026-11-20T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn generation_is_deterministic_and_covers_what_tests_need() {
        let a = World::generate(42, Scale::Small, anchor());
        let b = World::generate(42, Scale::Small, anchor());
        assert_eq!(
            format!("{:?}", a.conversations),
            format!("{:?}", b.conversations)
        );
        assert_ne!(
            format!(
                "{:?}",
                World::generate(43, Scale::Small, anchor()).conversations
            ),
            format!("{:?}", a.conversations)
        );
        assert_eq!(a.conversations.len(), 140);
        assert!(a.evaluations.len() > 30, "{}", a.evaluations.len());
        assert!(a.surveys.len() > 20);
        assert!(
            a.conversations
                .iter()
                .filter(|c| c.analytics.is_some())
                .count()
                > 30
        );
        let statuses: std::collections::BTreeSet<_> =
            a.evaluations.iter().map(|e| e.status).collect();
        assert!(statuses.len() >= 4, "{statuses:?}");
        // Both care-form versions are in use inside the window.
        let versions: std::collections::BTreeSet<_> = a
            .evaluations
            .iter()
            .filter(|e| e.form == 0)
            .map(|e| e.version)
            .collect();
        assert_eq!(versions.len(), 2);
        assert!(
            a.conversations
                .iter()
                .any(|c| a.queues[c.queue].division == RESTRICTED_DIVISION)
        );
        assert!(
            a.agents.iter().any(|g| g.state == "deleted")
                && a.agents.iter().any(|g| g.state == "inactive")
        );
        assert!(!a.appointments.is_empty());
    }

    #[test]
    fn time_passes_changes_exactly_what_it_says() {
        let mut w = World::generate(1, Scale::Small, anchor());
        let before = w.conversations.len();
        let now = anchor() + Duration::hours(1);
        let passed = w.time_passes(
            &TimePasses {
                edit: 1,
                retract: 1,
                delete: 2,
                new_conversations: 3,
            },
            now,
        );
        assert_eq!(
            (
                passed.edited.len(),
                passed.retracted.len(),
                passed.deleted.len()
            ),
            (1, 1, 2)
        );
        assert_eq!(w.conversations.len(), before + 3);
        let deleted = w.evaluations.iter().filter(|e| e.deleted).count();
        assert_eq!(deleted, 2);
        let edited = w
            .evaluations
            .iter()
            .find(|e| e.id == passed.edited[0])
            .unwrap();
        assert_eq!(edited.changed, now);
    }
}
