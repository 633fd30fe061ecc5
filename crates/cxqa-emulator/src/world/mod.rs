//! The synthetic organization every vendor's API is rendered from. Deterministic: the same
//! seed, scale and anchor give the same world. Vendor-neutral: values are enums and plain
//! numbers, which each vendor's module spells its own way.

mod forms;
mod generate;
mod time;
mod types;

pub use time::{TimePassed, TimePasses};
pub use types::*;

use crate::rng::Rng;
use chrono::{DateTime, Utc};

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

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
            a.agents.iter().any(|g| g.state == AgentState::Deleted)
                && a.agents.iter().any(|g| g.state == AgentState::Inactive)
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
