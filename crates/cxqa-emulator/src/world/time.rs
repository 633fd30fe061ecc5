//! "Time passes": changes to the history after it was generated.

use super::*;
use chrono::{Duration, DurationRound};

/// What an admin "time passes" call changes.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimePasses {
    /// Days of the scripted history to play (up to its end, the anchor).
    pub days: i64,
    pub edit: usize,
    pub retract: usize,
    pub delete: usize,
    pub new_conversations: usize,
}

/// Which records a "time passes" call changed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TimePassed {
    /// The end of the visible history.
    pub visible_until: DateTime<Utc>,
    /// Transient faults the played days armed.
    pub faults: Vec<TransientFault>,
    pub edited: Vec<String>,
    pub retracted: Vec<String>,
    pub deleted: Vec<String>,
    pub new_conversations: Vec<String>,
}

impl World {
    /// "Time passes": edits, retracts and deletes evaluations and adds conversations, at `now`.
    pub fn time_passes(&mut self, change: &TimePasses, now: DateTime<Utc>) -> TimePassed {
        let mut passed = TimePassed::default();
        if change.days > 0 {
            passed.faults = self.reveal(self.visible_until + Duration::days(change.days));
        }
        if change.edit + change.retract + change.delete + change.new_conversations > 0 {
            self.edit_now(change, now, &mut passed);
        }
        passed.visible_until = self.visible_until;
        passed
    }

    /// Unscripted changes at `now`: the newest visible evaluations are edited, retracted and
    /// deleted, and conversations are added.
    fn edit_now(&mut self, change: &TimePasses, now: DateTime<Utc>, passed: &mut TimePassed) {
        let now = now.duration_trunc(Duration::milliseconds(1)).unwrap_or(now);
        let mut rng = self.rng.clone();
        // Finished evaluations the demo client can see (outside the Restricted division).
        let live: Vec<usize> = (0..self.evaluations.len())
            .filter(|&i| {
                let e = &self.evaluations[i];
                let division = self.queues[self.conversations[e.conversation].queue].division;
                !e.deleted
                    && e.status == EvaluationStatus::Finished
                    && division != RESTRICTED_DIVISION
            })
            .collect();
        // Recent evaluations are the ones that get edited, retracted or deleted.
        let mut targets = live.into_iter().rev();
        for _ in 0..change.edit {
            let Some(i) = targets.next() else { break };
            let e = &mut self.evaluations[i];
            e.rescore();
            e.changed = now;
            e.events.push(now);
            passed.edited.push(e.id.clone());
        }
        for _ in 0..change.retract {
            let Some(i) = targets.next() else { break };
            let e = &mut self.evaluations[i];
            e.status = EvaluationStatus::Retracted;
            e.changed = now;
            e.events.push(now);
            passed.retracted.push(e.id.clone());
        }
        for _ in 0..change.delete {
            let Some(i) = targets.next() else { break };
            let e = &mut self.evaluations[i];
            e.deleted = true;
            e.changed = now;
            e.events.push(now);
            passed.deleted.push(e.id.clone());
        }
        for k in 0..change.new_conversations {
            let start =
                now - Duration::minutes(APPEARS_AFTER_START) + Duration::seconds(k as i64 * 7);
            let index = self.add_conversation(&mut rng, start);
            passed
                .new_conversations
                .push(self.conversations[index].id.clone());
        }
        self.rng = rng;
        self.clock = self.clock.max(now);
    }
}
