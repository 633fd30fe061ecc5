//! The scripted history: everything that happens in the world, in time order. Generation writes
//! the whole script up to the anchor; the world shows what happened up to `visible_until`, and
//! "time passes" by days plays more of it. Nothing in the script happens after the anchor, so the
//! history never runs ahead of the real clock.

use super::*;
use std::collections::VecDeque;

/// How long the world's history is, and how much of its end is still to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    /// Days of conversations before the anchor.
    pub days: i64,
    /// Days at the end of the history not yet visible; "time passes" by days shows them.
    pub hidden_days: i64,
}

impl Default for History {
    fn default() -> Self {
        History {
            days: 7,
            hidden_days: 0,
        }
    }
}

/// A fault the script arms on its day; the next request it applies to consumes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransientFault {
    /// One Data Extraction job's file comes back empty.
    EmptyExtraction,
    /// One GET of a single record answers 404.
    NotFound,
    /// A few API requests in a row answer 503.
    ServerErrors,
    /// One JSON body is cut in half.
    Malformed,
}

/// Conversations appear in the history this long after they start: by then every one has
/// ended and wrapped up, and the order of appearance is the order of start.
pub const APPEARS_AFTER_START: i64 = 60;

/// One thing that happens. Conversations are named by their place in the script (`ordinal`);
/// the world maps that to where it put them.
#[derive(Debug, Clone)]
pub(super) enum Change {
    Conversation(Box<Conversation>),
    /// A new version of a form is published (pushed after the form's earlier versions).
    Publish {
        form: usize,
        version: Box<FormVersion>,
    },
    /// An evaluation is created; its `conversation` is the conversation's ordinal.
    Evaluation(Box<Evaluation>),
    /// A survey is answered (or expires); its `conversation` is the conversation's ordinal.
    Survey(Box<SurveyResponse>),
    Rescore {
        ordinal: usize,
    },
    Dispute {
        ordinal: usize,
    },
    Retract {
        ordinal: usize,
    },
    Delete {
        ordinal: usize,
    },
    Rename {
        agent: usize,
        last: &'static str,
    },
    Deactivate {
        agent: usize,
    },
    /// A coaching appointment; its `conversations` are ordinals.
    Appointment(Box<Appointment>),
    Fault(TransientFault),
}

#[derive(Debug, Clone)]
pub(super) struct Scheduled {
    pub at: DateTime<Utc>,
    pub change: Change,
}

/// The part of the script still to play, and where played conversations went.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pending: VecDeque<Scheduled>,
    /// Index in `World::conversations` of each scripted conversation, by ordinal.
    placed: Vec<usize>,
}

impl Script {
    /// Sorts the changes by time (stable: a conversation comes before what follows from it).
    pub(super) fn new(mut changes: Vec<Scheduled>) -> Self {
        changes.sort_by_key(|s| s.at);
        Script {
            pending: changes.into(),
            placed: Vec::new(),
        }
    }

    /// Changes still to come.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

impl World {
    /// Plays the script up to `until` (never past the anchor); returns the faults it armed.
    pub fn reveal(&mut self, until: DateTime<Utc>) -> Vec<TransientFault> {
        let until = until.min(self.anchor);
        let mut armed = Vec::new();
        while self.script.pending.front().is_some_and(|s| s.at <= until) {
            let Some(next) = self.script.pending.pop_front() else {
                break;
            };
            if let Some(fault) = self.apply(next.at, next.change) {
                armed.push(fault);
            }
        }
        self.visible_until = self.visible_until.max(until);
        self.clock = self.clock.max(until);
        armed
    }

    /// The evaluation of a scripted conversation, when it exists and may still change.
    fn open_evaluation(&mut self, ordinal: usize) -> Option<&mut Evaluation> {
        let index = self.conversations[*self.script.placed.get(ordinal)?].evaluation?;
        let e = &mut self.evaluations[index];
        (!e.deleted && e.status != EvaluationStatus::Retracted).then_some(e)
    }

    fn apply(&mut self, at: DateTime<Utc>, change: Change) -> Option<TransientFault> {
        let touch = |e: &mut Evaluation| {
            e.changed = at;
            e.events.push(at);
        };
        match change {
            Change::Conversation(c) => {
                self.script.placed.push(self.conversations.len());
                self.conversations.push(*c);
            }
            Change::Publish { form, version } => self.forms[form].versions.push(*version),
            Change::Evaluation(mut e) => {
                let conversation = self.script.placed[e.conversation];
                e.conversation = conversation;
                self.conversations[conversation].evaluation = Some(self.evaluations.len());
                self.evaluations.push(*e);
            }
            Change::Survey(mut s) => {
                let conversation = self.script.placed[s.conversation];
                s.conversation = conversation;
                s.number = 90_000 + self.surveys.len() as i64;
                self.conversations[conversation].survey = Some(self.surveys.len());
                self.surveys.push(*s);
            }
            Change::Rescore { ordinal } => {
                if let Some(e) = self.open_evaluation(ordinal) {
                    e.rescore();
                    touch(e);
                }
            }
            Change::Dispute { ordinal } => {
                if let Some(e) = self.open_evaluation(ordinal).filter(|e| e.released) {
                    e.dispute_count += 1;
                    e.dispute_resolution = Some("Score reviewed after the agent's dispute.".into());
                    touch(e);
                }
            }
            Change::Retract { ordinal } => {
                if let Some(e) = self.open_evaluation(ordinal) {
                    e.status = EvaluationStatus::Retracted;
                    touch(e);
                }
            }
            Change::Delete { ordinal } => {
                if let Some(e) = self.open_evaluation(ordinal) {
                    e.deleted = true;
                    touch(e);
                }
            }
            Change::Rename { agent, last } => {
                self.agents[agent].last = last;
                self.agents[agent].modified = at;
            }
            Change::Deactivate { agent } => {
                self.agents[agent].state = AgentState::Inactive;
                self.agents[agent].modified = at;
            }
            Change::Appointment(mut a) => {
                for c in &mut a.conversations {
                    *c = self.script.placed[*c];
                }
                self.appointments.push(*a);
            }
            Change::Fault(fault) => return Some(fault),
        }
        None
    }
}

impl Evaluation {
    /// A re-score after calibration: the first scored answer flips between best and second best.
    pub(super) fn rescore(&mut self) {
        if let Some(q) = self
            .answers
            .iter_mut()
            .flat_map(|g| g.questions.iter_mut())
            .find(|q| q.option.is_some())
        {
            q.option = Some(usize::from(q.option == Some(0)));
        }
        self.comments = Some("Re-scored after calibration.".into());
        self.rescored = true;
    }
}
