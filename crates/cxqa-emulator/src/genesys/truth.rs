//! Genesys' ground truth, with ids as cxqa's Genesys connector stores them: evaluation,
//! survey and conversation ids; feedback as `{evaluationId}:evaluator`, `…:question:{id}`,
//! `…:agent`, `appointment:{id}` and `annotation:{id}`.

use super::*;
use crate::truth::Facts;

pub(crate) fn truth(world: &World, stream: &str, sees: &dyn Fn(usize) -> bool) -> Option<Facts> {
    let seen = |c: &Conversation| sees(world.queues[c.queue].division);
    let mut facts = Facts::default();
    let evaluations = world
        .evaluations
        .iter()
        .filter(|e| seen(&world.conversations[e.conversation]));
    match stream {
        "assessments" => {
            for e in evaluations {
                if e.deleted || e.status == EvaluationStatus::Retracted {
                    facts.deleted.push(e.id.clone());
                } else {
                    facts.live(e.id.clone(), e.changed);
                }
            }
        }
        "feedback" => {
            for e in evaluations {
                let ids = evaluation_feedback_ids(world, e);
                if e.deleted || e.status == EvaluationStatus::Retracted {
                    facts.deleted.extend(ids);
                } else {
                    for id in ids {
                        facts.live(id, e.changed);
                    }
                }
            }
            for a in &world.appointments {
                facts.live(format!("appointment:{}", a.id), appointment_modified(a));
                for (id, _, at) in &a.annotations {
                    facts.live(format!("annotation:{id}"), *at);
                }
            }
        }
        "surveys" => {
            for s in &world.surveys {
                if seen(&world.conversations[s.conversation]) {
                    facts.live(s.id.clone(), s.last_event());
                }
            }
        }
        "interactions" => {
            for c in world.conversations.iter().filter(|c| seen(c)) {
                facts.live(c.id.clone(), c.wrapped_up());
            }
        }
        _ => return None,
    }
    Some(facts)
}

/// The feedback an evaluation carries: the evaluator's comment (always), each question's
/// comment, the agent's comment.
fn evaluation_feedback_ids(world: &World, e: &Evaluation) -> Vec<String> {
    let version = &world.forms[e.form].versions[e.version];
    let mut ids = vec![format!("{}:evaluator", e.id)];
    for (group, answer) in version.groups.iter().zip(&e.answers) {
        for (q, a) in group.questions.iter().zip(&answer.questions) {
            if a.comment.is_some() || a.text.is_some() {
                ids.push(format!("{}:question:{}", e.id, q.id));
            }
        }
    }
    if e.agent_comments.is_some() {
        ids.push(format!("{}:agent", e.id));
    }
    ids
}
