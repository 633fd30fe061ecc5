//! Generating the organization and its history from the seed.

use super::forms::*;
use super::script::{Change, Scheduled};
use super::*;
use crate::rng::Rng;
use chrono::{Duration, DurationRound};
use std::collections::HashMap;

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

/// What one generated conversation brings: the conversation, and what follows from it.
pub(super) struct Made {
    pub conversation: Conversation,
    pub evaluation: Option<Evaluation>,
    pub survey: Option<SurveyResponse>,
}

impl World {
    pub fn generate(seed: u64, scale: Scale, anchor: DateTime<Utc>, history: History) -> World {
        let anchor = anchor
            .duration_trunc(Duration::seconds(1))
            .unwrap_or(anchor);
        let days = history.days.max(1);
        let first_day = anchor - Duration::days(days);
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
                    modified: first_day - Duration::days(30) + Duration::hours(i as i64),
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
                    published_at: first_day - Duration::days(30),
                    groups: care_groups(&mut frng, [40.0, 30.0, 30.0, 10.0]),
                },
                // A new version half-way through the history.
                FormVersion {
                    id: frng.uuid(),
                    number: 2,
                    published_at: anchor - Duration::days(days / 2),
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
                published_at: first_day - Duration::days(60),
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
            visible_until: first_day,
            clock: first_day,
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
            script: Script::default(),
            rng: root.fork("later"),
        };
        let mut changes = world.agent_changes(&mut root.fork("people"), first_day, days);
        let departures = Self::departures(&changes);
        let mut crng = root.fork("conversations");
        let mut lrng = root.fork("lifecycle");
        let total = scale.conversations_per_day() * days as usize;
        let span_secs = (days * 86_400 - 3_600) as u64;
        let mut starts: Vec<DateTime<Utc>> = (0..total)
            .map(|_| first_day + Duration::seconds(crng.below(span_secs) as i64))
            .collect();
        starts.sort();
        let mut made = Vec::with_capacity(starts.len());
        for (ordinal, start) in starts.into_iter().enumerate() {
            // What would happen after the anchor is left to the script, which drops it.
            let never = DateTime::<Utc>::MAX_UTC;
            let mut m =
                world.make_conversation(&mut crng, ordinal, start, true, never, &departures);
            made.push((m.conversation.agent, start, m.evaluation.is_some()));
            if let Some(mut e) = m.evaluation.take() {
                e.conversation = ordinal;
                changes.extend(Self::lifecycle(&mut lrng, ordinal, &e, anchor));
                changes.push(Scheduled {
                    at: e.changed,
                    change: Change::Evaluation(Box::new(e)),
                });
            }
            if let Some(mut s) = m.survey.take() {
                s.conversation = ordinal;
                let at = s.completed.unwrap_or(s.sent);
                changes.push(Scheduled {
                    at,
                    change: Change::Survey(Box::new(s)),
                });
            }
            changes.push(Scheduled {
                at: start + Duration::minutes(APPEARS_AFTER_START),
                change: Change::Conversation(Box::new(m.conversation)),
            });
        }
        changes.extend(world.appointments_of(&mut root.fork("coaching"), &made, first_day, days));
        changes.extend(Self::transient_faults(
            &mut root.fork("faults"),
            first_day,
            days,
        ));
        // Versions published during the history appear when they are published.
        for (form, f) in world.forms.iter_mut().enumerate() {
            let later = f.versions.iter().position(|v| v.published_at > first_day);
            for version in later.map(|at| f.versions.split_off(at)).unwrap_or_default() {
                changes.push(Scheduled {
                    at: version.published_at,
                    change: Change::Publish {
                        form,
                        version: Box::new(version),
                    },
                });
            }
        }
        world.script = Script::new(changes.into_iter().filter(|s| s.at <= anchor).collect());
        world.reveal(anchor - Duration::days(history.hidden_days.clamp(0, days)));
        world
    }

    /// One agent changes name and one leaves (becomes inactive) during the history.
    fn agent_changes(&self, rng: &mut Rng, first_day: DateTime<Utc>, days: i64) -> Vec<Scheduled> {
        let working: Vec<usize> = self
            .working_agents()
            .into_iter()
            .filter(|&i| self.agents[i].state == AgentState::Active)
            .collect();
        let mut changes = Vec::new();
        if let [renamed, .., leaver] = working[..] {
            let last = LAST[rng.below(LAST.len() as u64) as usize];
            changes.push(Scheduled {
                at: first_day + Duration::hours(rng.range(days * 6, days * 12)),
                change: Change::Rename {
                    agent: renamed,
                    last,
                },
            });
            changes.push(Scheduled {
                at: first_day + Duration::hours(rng.range(days * 14, days * 20)),
                change: Change::Deactivate { agent: leaver },
            });
        }
        changes
    }

    /// When an agent stops taking conversations (scripted departures).
    /// When each agent leaves, from the people changes.
    fn departures(changes: &[Scheduled]) -> HashMap<usize, DateTime<Utc>> {
        let mut out: HashMap<usize, DateTime<Utc>> = HashMap::new();
        for s in changes {
            if let Change::Deactivate { agent } = s.change {
                let at = out.entry(agent).or_insert(s.at);
                *at = (*at).min(s.at);
            }
        }
        out
    }

    /// What happens to an evaluation after it is created: re-scores, disputes, retraction or
    /// deletion, up to 60 days later (never after the anchor).
    fn lifecycle(
        rng: &mut Rng,
        ordinal: usize,
        e: &Evaluation,
        anchor: DateTime<Utc>,
    ) -> Vec<Scheduled> {
        let mut changes = Vec::new();
        let later = |rng: &mut Rng, max_days: i64| {
            e.changed + Duration::minutes(rng.range(60, max_days * 24 * 60))
        };
        if e.status == EvaluationStatus::Finished && rng.chance(0.12) {
            let at = later(rng, 60);
            changes.push(Scheduled {
                at,
                change: Change::Rescore { ordinal },
            });
        }
        if e.released && rng.chance(0.08) {
            let at = later(rng, 30);
            changes.push(Scheduled {
                at,
                change: Change::Dispute { ordinal },
            });
        }
        match rng.below(100) {
            0..=3 => {
                let at = later(rng, 60);
                changes.push(Scheduled {
                    at,
                    change: Change::Retract { ordinal },
                });
            }
            4..=7 => {
                let at = later(rng, 60);
                changes.push(Scheduled {
                    at,
                    change: Change::Delete { ordinal },
                });
            }
            _ => {}
        }
        changes.retain(|s| s.at <= anchor);
        changes
    }

    /// On about one day in four, a transient fault of some kind.
    fn transient_faults(rng: &mut Rng, first_day: DateTime<Utc>, days: i64) -> Vec<Scheduled> {
        const KINDS: [TransientFault; 4] = [
            TransientFault::EmptyExtraction,
            TransientFault::NotFound,
            TransientFault::ServerErrors,
            TransientFault::Malformed,
        ];
        let mut changes = Vec::new();
        for day in 0..days {
            if rng.chance(0.25) {
                changes.push(Scheduled {
                    at: first_day + Duration::days(day) + Duration::hours(rng.range(1, 22)),
                    change: Change::Fault(*rng.pick(&KINDS)),
                });
            }
        }
        changes
    }

    fn working_agents(&self) -> Vec<usize> {
        (0..self.agents.len())
            .filter(|&i| !self.agents[i].supervisor)
            .collect()
    }

    /// Adds one conversation now, with what follows from it happening at once (the "time
    /// passes" edits of a running emulator).
    pub(super) fn add_conversation(&mut self, rng: &mut Rng, start: DateTime<Utc>) -> usize {
        let latest = start + Duration::minutes(APPEARS_AFTER_START);
        // Numbered after every scripted conversation.
        let number = 10_000_000 + self.conversations.len();
        let Made {
            conversation,
            evaluation,
            survey,
        } = self.make_conversation(rng, number, start, false, latest, &HashMap::new());
        let index = self.conversations.len();
        self.conversations.push(conversation);
        if let Some(mut e) = evaluation {
            e.conversation = index;
            self.conversations[index].evaluation = Some(self.evaluations.len());
            self.evaluations.push(e);
        }
        if let Some(mut s) = survey {
            s.conversation = index;
            s.number = 90_000 + self.surveys.len() as i64;
            self.conversations[index].survey = Some(self.surveys.len());
            self.surveys.push(s);
        }
        index
    }

    /// One conversation starting at `start` and, by chance, its evaluation and survey (their
    /// `conversation` left for the caller to set); nothing of it happens after `latest`.
    fn make_conversation(
        &self,
        rng: &mut Rng,
        number: usize,
        start: DateTime<Utc>,
        allow_restricted: bool,
        latest: DateTime<Utc>,
        departures: &HashMap<usize, DateTime<Utc>>,
    ) -> Made {
        let media = *rng.pick(&[
            Media::Voice,
            Media::Voice,
            Media::Voice,
            Media::Chat,
            Media::Chat,
            Media::Email,
            Media::Message,
        ]);
        let talk_secs = match media {
            Media::Voice => rng.range(180, 900),
            Media::Chat | Media::Message => rng.range(300, 1200),
            Media::Email => rng.range(120, 600),
        };
        let agents: Vec<usize> = self
            .working_agents()
            .into_iter()
            .filter(|a| departures.get(a).is_none_or(|left| *left > start))
            .collect();
        let agent = *rng.pick(&agents);
        let mut queue = rng.below(self.queues.len() as u64) as usize;
        if !allow_restricted && self.queues[queue].division == RESTRICTED_DIVISION {
            queue = 0;
        }
        let acw_ms = rng.range(20, 120) * 1000;
        let queue_ms = rng.range(5, 300) * 1000;
        let talk_ms = talk_secs * 1000;
        let hold_ms = if rng.chance(0.3) {
            rng.range(10, 90) * 1000
        } else {
            0
        };
        // Queued, then talking with holds in between; the customer leaves at `end`, the agent
        // wraps up after.
        let end = start + Duration::milliseconds(queue_ms + talk_ms + hold_ms);
        let mut conversation = Conversation {
            id: rng.uuid(),
            contact_id: 700_000_000 + number as i64 * 7 + rng.range(0, 6),
            segment_id: rng.uuid(),
            agent_session_id: rng.uuid(),
            customer_session_id: rng.uuid(),
            start,
            end,
            media,
            inbound: rng.chance(0.85),
            agent,
            queue,
            wrap_up: rng.below(self.wrap_ups.len() as u64) as usize,
            talk_ms,
            hold_ms,
            acw_ms,
            queue_ms,
            analytics: None,
            evaluation: None,
            survey: None,
        };
        if matches!(media, Media::Voice | Media::Chat) && rng.chance(0.7) {
            conversation.analytics = Some(self.make_analytics(rng, &conversation));
        }
        let evaluation = rng
            .chance(0.45)
            .then(|| self.make_evaluation(rng, &conversation, latest));
        let survey = (media != Media::Email && rng.chance(0.35))
            .then(|| Self::make_survey(rng, &conversation, latest));
        Made {
            conversation,
            evaluation,
            survey,
        }
    }

    fn make_analytics(&self, rng: &mut Rng, c: &Conversation) -> Analytics {
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
                0..=5 => format!("Sure, my card is {}.", PLANTED_PII.card),
                6..=10 => format!("You can email me at {}.", PLANTED_PII.email),
                11..=15 => format!("Call me back on {} please.", PLANTED_PII.phone),
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

    /// An evaluation of `c`, created 0–30 days after the call (most within hours).
    fn make_evaluation(
        &self,
        rng: &mut Rng,
        c: &Conversation,
        latest: DateTime<Utc>,
    ) -> Evaluation {
        let form = if self.queues[c.queue].name == "Sales" {
            1
        } else {
            0
        };
        let status = match rng.below(100) {
            0..=71 => EvaluationStatus::Finished,
            72..=81 => EvaluationStatus::InProgress,
            82..=87 => EvaluationStatus::Pending,
            88..=93 => EvaluationStatus::InReview,
            _ => EvaluationStatus::Retracted,
        };
        let delay_minutes = match rng.below(100) {
            0..=54 => rng.range(30, 600),
            55..=84 => rng.range(24 * 60, 7 * 24 * 60),
            _ => rng.range(7 * 24 * 60, 30 * 24 * 60),
        };
        let wrapped = c.end + Duration::milliseconds(c.acw_ms);
        // Never before the conversation appears in the history, never after its end.
        let created = (wrapped + Duration::minutes(delay_minutes))
            .max(c.start + Duration::minutes(APPEARS_AFTER_START + 1))
            .min(latest);
        let submitted = matches!(
            status,
            EvaluationStatus::Finished | EvaluationStatus::InReview | EvaluationStatus::Retracted
        )
        .then(|| (created + Duration::minutes(rng.range(5, 90))).min(latest));
        let changed =
            (submitted.unwrap_or(created) + Duration::minutes(rng.range(0, 30))).min(latest);
        let version = self.version_at(form, created);
        let quality = 0.55 + (self.agents[c.agent].number % 5) as f64 * 0.09;
        let answers = Self::answer_form(rng, &self.forms[form].versions[version].groups, quality);
        let released = status == EvaluationStatus::Finished && rng.chance(0.85);
        let disputed = released && rng.chance(0.1);
        let mut events = vec![created];
        events.extend(submitted);
        events.push(changed);
        events.dedup();
        Evaluation {
            id: rng.uuid(),
            workflow_id: rng.uuid(),
            conversation: usize::MAX,
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
            events,
            answers,
            // Some comments quote what the customer said, personal data included, as real
            // evaluators' do (chosen by the contact, so the random sequence is unchanged).
            comments: rng.chance(0.7).then(|| {
                if c.contact_id % 5 == 0 {
                    format!(
                        "Good call, but the customer read out card {}; remind them not to.",
                        PLANTED_PII.other_card
                    )
                } else {
                    "Good call overall; watch the hold time.".to_string()
                }
            }),
            agent_comments: (released && rng.chance(0.3)).then(|| "Thanks, noted.".to_string()),
            agent_has_read: released && rng.chance(0.6),
            dispute_count: u32::from(disputed),
            dispute_resolution: disputed.then(|| "Score reviewed and kept.".to_string()),
            rescored: false,
            deleted: false,
        }
    }

    /// The survey sent after `c`: answered up to 5 days later, partly answered, or expired.
    fn make_survey(rng: &mut Rng, c: &Conversation, latest: DateTime<Utc>) -> SurveyResponse {
        let (status, partial) = match rng.below(10) {
            0 => (SurveyStatus::Expired, false),
            1 => (SurveyStatus::InProgress, true),
            _ => (SurveyStatus::Finished, false),
        };
        let answered = status != SurveyStatus::Expired;
        let csat = answered.then(|| rng.range(1, 5));
        let sent = (c.end + Duration::milliseconds(c.acw_ms) + Duration::minutes(1))
            .max(c.start + Duration::minutes(APPEARS_AFTER_START + 1))
            .min(latest);
        let delay = match rng.below(10) {
            0..=6 => rng.range(2, 120),
            _ => rng.range(120, 5 * 24 * 60),
        };
        SurveyResponse {
            id: rng.uuid(),
            number: 0,
            conversation: usize::MAX,
            status,
            partial,
            sent,
            completed: (status == SurveyStatus::Finished)
                .then(|| (sent + Duration::minutes(delay)).min(latest)),
            csat,
            nps: (answered && !partial)
                .then(|| (csat.unwrap_or(3) * 2 + rng.range(-1, 0)).clamp(0, 10)),
            comment: (answered && rng.chance(0.4)).then(|| {
                if csat.unwrap_or(3) >= 4 {
                    "Quick and friendly service.".to_string()
                } else if c.contact_id % 2 == 0 {
                    format!(
                        "I had to wait far too long. Call me on {} or write to {}.",
                        PLANTED_PII.other_phone, PLANTED_PII.other_email
                    )
                } else {
                    "I had to wait far too long.".to_string()
                }
            }),
        }
    }

    /// Coaching appointments over the history, each linked to up to two of the agent's
    /// evaluated conversations from before it. `made` is (agent, start, evaluated) by ordinal.
    fn appointments_of(
        &self,
        rng: &mut Rng,
        made: &[(usize, DateTime<Utc>, bool)],
        first_day: DateTime<Utc>,
        days: i64,
    ) -> Vec<Scheduled> {
        let mut changes = Vec::new();
        for agent in self.working_agents() {
            if !rng.chance(0.6) {
                continue;
            }
            let start = first_day
                + Duration::days(rng.range(1, (days - 1).max(1)))
                + Duration::hours(rng.range(9, 16));
            let linked: Vec<usize> = made
                .iter()
                .enumerate()
                .filter(|(_, (a, at, evaluated))| {
                    *a == agent
                        && *evaluated
                        && *at + Duration::minutes(APPEARS_AFTER_START) < start
                })
                .map(|(ordinal, _)| ordinal)
                .take(2)
                .collect();
            let annotations = (0..rng.range(1, 2))
                .map(|k| {
                    (
                        rng.uuid(),
                        format!("Follow-up {}: practise the disclosure script.", k + 1),
                        start + Duration::minutes(30 + k * 5),
                    )
                })
                .collect();
            let appointment = Appointment {
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
            };
            // Listed once its notes are written.
            changes.push(Scheduled {
                at: start + Duration::hours(1),
                change: Change::Appointment(Box::new(appointment)),
            });
        }
        changes
    }
}
