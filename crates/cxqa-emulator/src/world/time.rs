//! "Time passes": changes to the history after it was generated.

use super::*;
use chrono::{Duration, DurationRound};

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

impl World {
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
            e.status = EvaluationStatus::Retracted;
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
