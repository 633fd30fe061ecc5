//! The synthetic organization every vendor's API is rendered from. Deterministic: the same
//! seed, scale and anchor give the same world. Vendor-neutral: values are enums and plain
//! numbers, which each vendor's module spells its own way.

mod forms;
mod generate;
mod script;
mod time;
mod types;

pub use script::{APPEARS_AFTER_START, History, Script, TransientFault};
pub use time::{TimePassed, TimePasses};
pub use types::*;

use crate::rng::Rng;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct World {
    pub seed: u64,
    /// The end of the scripted history.
    pub anchor: DateTime<Utc>,
    /// How far the script has played: what happened before this is visible.
    pub visible_until: DateTime<Utc>,
    /// When the data last changed: the end of what is visible, or a later "time passes" edit.
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
    /// What is still to happen.
    pub script: Script,
    rng: Rng,
}

/// The personal data customers say in transcripts and write in survey comments, and evaluators
/// quote in comments: what a store must not hold in clear.
#[derive(Debug, Clone, Copy)]
pub struct PlantedPii {
    pub card: &'static str,
    pub other_card: &'static str,
    pub email: &'static str,
    pub other_email: &'static str,
    pub phone: &'static str,
    pub other_phone: &'static str,
}

pub const PLANTED_PII: PlantedPii = PlantedPii {
    card: "4111 1111 1111 1111",
    other_card: "5500 0000 0000 0004",
    email: "jane.doe@example.com",
    other_email: "sam.lee@example.net",
    phone: "+1 317 555 0134",
    other_phone: "+1 317 555 0188",
};

impl PlantedPii {
    pub fn all(&self) -> [&'static str; 6] {
        [
            self.card,
            self.other_card,
            self.email,
            self.other_email,
            self.phone,
            self.other_phone,
        ]
    }
}

/// The index of the division the demo client cannot see.
pub const RESTRICTED_DIVISION: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn anchor() -> DateTime<Utc> {
        "2026-11-20T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn generation_is_deterministic_and_covers_what_tests_need() {
        let a = World::generate(42, Scale::Small, anchor(), History::default());
        let b = World::generate(42, Scale::Small, anchor(), History::default());
        assert_eq!(
            format!("{:?}", a.conversations),
            format!("{:?}", b.conversations)
        );
        assert_ne!(
            format!(
                "{:?}",
                World::generate(43, Scale::Small, anchor(), History::default()).conversations
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
            a.agents.iter().any(|g| g.state == AgentState::Deleted)
                && a.agents.iter().any(|g| g.state == AgentState::Inactive)
        );
        assert!(!a.appointments.is_empty());
    }

    #[test]
    fn time_passes_changes_exactly_what_it_says() {
        let mut w = World::generate(1, Scale::Small, anchor(), History::default());
        let before = w.conversations.len();
        let now = anchor() + Duration::hours(1);
        let passed = w.time_passes(
            &TimePasses {
                days: 0,
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

    fn quarter() -> World {
        World::generate(
            5,
            Scale::Small,
            anchor(),
            History {
                days: 120,
                hidden_days: 60,
            },
        )
    }

    #[test]
    fn the_history_is_physically_consistent() {
        let mut w = quarter();
        w.reveal(w.anchor);
        assert!(w.conversations.len() > 2_000, "{}", w.conversations.len());
        for c in &w.conversations {
            let answered = c.start + Duration::milliseconds(c.queue_ms);
            assert!(c.start < answered && answered < c.end && c.end < c.wrapped_up());
            // Talk and holds fill the time between answer and hang-up exactly.
            assert_eq!((c.end - answered).num_milliseconds(), c.talk_ms + c.hold_ms);
            assert!(c.wrapped_up() <= w.anchor);
        }
        for pair in w.conversations.windows(2) {
            assert!(
                pair[0].start <= pair[1].start,
                "conversations in start order"
            );
        }
        for e in &w.evaluations {
            let c = &w.conversations[e.conversation];
            assert!(e.created > c.wrapped_up(), "evaluated after the call");
            assert!(e.created <= c.end + Duration::days(31));
            assert!(e.submitted.is_none_or(|s| s >= e.created));
            assert!(e.events.windows(2).all(|p| p[0] <= p[1]));
            assert_eq!(e.events.last(), Some(&e.changed));
            assert!(e.changed <= w.anchor);
            assert_eq!(c.evaluation.map(|i| &w.evaluations[i].id), Some(&e.id));
        }
        for s in &w.surveys {
            let c = &w.conversations[s.conversation];
            assert!(s.sent > c.wrapped_up());
            assert!(
                s.completed
                    .is_none_or(|t| t >= s.sent && t <= s.sent + Duration::days(5))
            );
        }
        for a in &w.appointments {
            assert!(
                a.conversations
                    .iter()
                    .all(|&c| w.conversations[c].agent == a.agent)
            );
        }
    }

    #[test]
    fn time_passing_by_days_plays_the_script_up_to_the_anchor() {
        let mut w = quarter();
        let first = w.visible_until;
        assert_eq!(first, w.anchor - Duration::days(60));
        assert!(w.conversations.iter().all(|c| c.start < first));
        let before = (w.conversations.len(), w.evaluations.len());
        let old: Vec<(String, DateTime<Utc>)> = w
            .evaluations
            .iter()
            .map(|e| (e.id.clone(), e.changed))
            .collect();
        let passed = w.time_passes(
            &TimePasses {
                days: 30,
                ..Default::default()
            },
            Utc::now(),
        );
        assert_eq!(passed.visible_until, first + Duration::days(30));
        assert!(w.conversations.len() > before.0 && w.evaluations.len() > before.1);
        // Evaluations from before the look-back of a daily run still change: re-scored,
        // disputed, retracted or deleted weeks after their call.
        let late_changes = old
            .iter()
            .zip(&w.evaluations)
            .filter(|((id, changed), now)| *id == now.id && now.changed != *changed)
            .filter(|(_, now)| {
                now.changed - w.conversations[now.conversation].end > Duration::days(14)
            })
            .count();
        assert!(late_changes > 3, "{late_changes}");
        assert!(w.evaluations.iter().any(|e| e.deleted));
        assert!(w.evaluations.iter().any(|e| e.rescored));
        // Both care-form versions exist by now; the second appeared half-way.
        assert_eq!(w.forms[0].versions.len(), 2);
        let later = w.time_passes(
            &TimePasses {
                days: 1_000,
                ..Default::default()
            },
            Utc::now(),
        );
        assert_eq!(
            later.visible_until, w.anchor,
            "never past the end of the history"
        );
        assert_eq!(w.script.pending(), 0);
    }
}
