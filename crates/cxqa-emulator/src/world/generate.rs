//! Generating the organization and its history from the seed.

use super::forms::*;
use super::*;
use crate::rng::Rng;
use chrono::{Duration, DurationRound};

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
                    _ if supervisor => AgentState::Active,
                    7 => AgentState::Inactive,
                    9 => AgentState::Deleted,
                    _ => AgentState::Active,
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
            weight_mode: WeightMode::Weighted,
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
            weight_mode: WeightMode::Unweighted,
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
    pub(super) fn add_conversation(
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
        let mut lines: Vec<(Party, String)> = vec![
            (
                Party::Agent,
                format!(
                    "Thank you for contacting Acme, this is {}. How can I help?",
                    agent.first
                ),
            ),
            (Party::Customer, format!("Hi, I would like to {reason}.")),
            (
                Party::Agent,
                "I can help with that. Could you confirm your account details?".to_string(),
            ),
        ];
        let pii = rng.below(100);
        lines.push((
            Party::Customer,
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
            Party::Agent,
            "Thanks, I have updated that for you. Is there anything else?".to_string(),
        ));
        lines.push((
            Party::Customer,
            if happy {
                "No, that was great, thank you!".to_string()
            } else {
                "This is frustrating, it took far too long.".to_string()
            },
        ));
        let mut offset = 0;
        let phrases: Vec<Phrase> = lines
            .into_iter()
            .map(|(party, text)| {
                let duration = 1500 + text.len() as i64 * 60;
                let sentiment = if text.contains("great") || text.contains("help") {
                    1
                } else if text.contains("frustrating") {
                    -1
                } else {
                    0
                };
                let phrase = Phrase {
                    party,
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
            t if t < -0.2 => Trend::Declining,
            t if t < -0.05 => Trend::SlightlyDeclining,
            t if t <= 0.05 => Trend::Steady,
            t if t <= 0.2 => Trend::SlightlyImproving,
            _ => Trend::Improving,
        };
        let topic = match reason {
            "cancel my account" => "Cancellation",
            "get a refund" => "Refund",
            "ask about my bill" => "Billing",
            _ => "Account update",
        };
        Analytics {
            sentiment_percent: score,
            sentiment_trend: trend,
            trend: trend_class,
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
            0..=71 => EvaluationStatus::Finished,
            72..=81 => EvaluationStatus::InProgress,
            82..=87 => EvaluationStatus::Pending,
            88..=93 => EvaluationStatus::InReview,
            _ => EvaluationStatus::Retracted,
        };
        // Nothing happens after the end of the history.
        let latest = self.anchor.max(c.end);
        let created = (c.end + Duration::minutes(rng.range(30, 600))).min(latest);
        let submitted = matches!(
            status,
            EvaluationStatus::Finished | EvaluationStatus::InReview | EvaluationStatus::Retracted
        )
        .then(|| (created + Duration::minutes(rng.range(5, 90))).min(latest));
        let changed =
            (submitted.unwrap_or(created) + Duration::minutes(rng.range(0, 30))).min(latest);
        let released = status == EvaluationStatus::Finished && rng.chance(0.85);
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
                0 => EvaluationKind::SelfAssessment,
                1 => EvaluationKind::Calibration,
                _ => EvaluationKind::Evaluation,
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
            0 => (SurveyStatus::Expired, false),
            1 => (SurveyStatus::InProgress, true),
            _ => (SurveyStatus::Finished, false),
        };
        let answered = status != SurveyStatus::Expired;
        let csat = answered.then(|| rng.range(1, 5));
        let survey = SurveyResponse {
            id: rng.uuid(),
            number: 90_000 + self.surveys.len() as i64,
            conversation,
            status,
            partial,
            completed: (status == SurveyStatus::Finished).then(|| {
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
                    AppointmentStatus::Completed
                } else {
                    AppointmentStatus::Scheduled
                },
                conversations: linked,
                annotations,
            });
        }
    }
}
