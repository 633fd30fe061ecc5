//! CXone's ground truth, with ids as cxqa's CXone connector stores them: QM workflow ids,
//! feedback as `{workflowId}:review` and `…:dispute`, survey feedback ids and ACD contact ids.
//! CXone has no division visibility: every client sees everything.

use super::*;
use crate::truth::Facts;

/// The truth of the segments Interaction Analytics lists as analyzed.
pub(crate) const ANALYZED_SEGMENTS: &str = "analyzed_segments";

pub(crate) fn truth(world: &World, stream: &str, _sees: &dyn Fn(usize) -> bool) -> Option<Facts> {
    let mut facts = Facts::default();
    // Only submitted evaluations reach Data Extraction.
    let submitted = world.evaluations.iter().filter(|e| e.submitted.is_some());
    let gone = |e: &Evaluation| e.deleted || e.status == EvaluationStatus::Retracted;
    match stream {
        "assessments" => {
            for e in submitted {
                if gone(e) {
                    facts.deleted.push(e.workflow_id.clone());
                } else {
                    facts.live(e.workflow_id.clone(), e.changed);
                }
            }
        }
        "feedback" => {
            for e in submitted {
                let mut ids = vec![format!("{}:review", e.workflow_id)];
                if e.dispute_resolution.is_some() {
                    ids.push(format!("{}:dispute", e.workflow_id));
                }
                if gone(e) {
                    facts.deleted.extend(ids);
                } else {
                    for id in ids {
                        facts.live(id, e.changed);
                    }
                }
            }
        }
        "surveys" => {
            for s in world.surveys.iter().filter(|s| s.csat.is_some()) {
                facts.live(s.number.to_string(), s.last_event());
            }
        }
        "interactions" => {
            for c in &world.conversations {
                facts.live(c.contact_id.to_string(), last_update(c));
            }
        }
        // Not a stream: every segment the analyzed listing holds, at its startTime, those whose
        // transcript answers 404 too (the bench's floor: only a call can tell which do).
        ANALYZED_SEGMENTS => {
            for c in world.conversations.iter().filter(|c| c.analytics.is_some()) {
                facts.live(c.segment_id.clone(), c.start);
            }
        }
        _ => return None,
    }
    Some(facts)
}
