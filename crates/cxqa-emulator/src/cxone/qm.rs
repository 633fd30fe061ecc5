//! The quality-management Data Extraction entities: `qm-workflows` and `qm-questions` as CSV,
//! with CXone's own scoring.

use super::*;

/// The workflow type column.
fn workflow_type(kind: EvaluationKind) -> &'static str {
    match kind {
        EvaluationKind::Evaluation => "Evaluation",
        EvaluationKind::SelfAssessment => "Self-assessment",
        EvaluationKind::Calibration => "Calibration",
    }
}

/// Evaluations submitted in [start, end) (UTC dates) that still exist.
pub(super) fn extracted(world: &World, start: NaiveDate, end: NaiveDate) -> Vec<&Evaluation> {
    world
        .evaluations
        .iter()
        .filter(|e| !e.deleted)
        .filter(|e| {
            e.submitted
                .is_some_and(|s| s.date_naive() >= start && s.date_naive() < end)
        })
        .collect()
}

/// CXone scores: Σ actual / Σ max over scorable answered questions; a failed critical
/// question sets the percentage to zero.
pub(super) struct CxoneScore {
    score: i64,
    max: i64,
    percent: f64,
    failed_critical: bool,
}

pub(super) fn cxone_score(world: &World, e: &Evaluation) -> CxoneScore {
    let version = &world.forms[e.form].versions[e.version];
    let (mut score, mut max, mut failed_critical) = (0, 0, false);
    for (group, answer) in version.groups.iter().zip(&e.answers) {
        for (q, a) in group.questions.iter().zip(&answer.questions) {
            let (points, possible) = question_points(q, a);
            let (Some(points), Some(possible)) = (points, possible) else {
                continue;
            };
            score += points;
            max += possible;
            failed_critical |= (q.is_critical || q.is_kill) && points < possible;
        }
    }
    let percent = if failed_critical || max == 0 {
        0.0
    } else {
        (score as f64 / max as f64 * 10_000.0).round() / 100.0
    };
    CxoneScore {
        score,
        max,
        percent,
        failed_critical,
    }
}

/// (actual, max) of a scorable, answered question.
pub(super) fn question_points(
    q: &crate::world::Question,
    a: &crate::world::QuestionAnswer,
) -> (Option<i64>, Option<i64>) {
    if a.not_applicable || q.kind == QuestionKind::FreeText {
        return (None, None);
    }
    let points = match q.kind {
        QuestionKind::MultipleSelect => Some(a.selected.iter().map(|&i| q.options[i].value).sum()),
        _ => a.option.map(|i| q.options[i].value),
    };
    (points, Some(q.max_points()))
}

pub(super) const WORKFLOW_HEADERS: [&str; 41] = [
    "Tenant Name",
    "Agent ID",
    "Type",
    "Evaluation Flow Trigger",
    "Workflow Status",
    "Auto Acknowledged",
    "Workflow State",
    "Workflow ID",
    "Plan Name",
    "Form Name",
    "Form Version",
    "Start Date",
    "Submission Date",
    "Last Updated",
    "Score Percentage",
    "Score",
    "Maximum Possible Score",
    "Rank",
    "Failed Critical Question",
    "User Review Comments",
    "Dispute Resolver Comments",
    "Segment ID",
    "ACD ID",
    "Interaction Type",
    "Interaction Start Date",
    "Interaction End Date",
    "Interaction Direction",
    "Team ID",
    "Team Name",
    "Phone Number",
    "FirstName (Eva)",
    "LastName (Eva)",
    "FirstName (Agent)",
    "LastName (Agent)",
    "FirstName (Disp)",
    "LastName (Disp)",
    "FirstName (Assigner)",
    "LastName (Assigner)",
    "Reason",
    "Parent ID",
    "Evaluation Subject",
];

pub(super) fn bool_text(value: bool) -> String {
    (if value { "TRUE" } else { "FALSE" }).to_string()
}

pub(super) fn workflows_csv(
    world: &World,
    start: NaiveDate,
    end: NaiveDate,
    unknown_column: bool,
) -> String {
    let rows = extracted(world, start, end)
        .into_iter()
        .map(|e| {
            let c = &world.conversations[e.conversation];
            let agent = &world.agents[e.agent];
            let evaluator = &world.agents[e.evaluator];
            let team = &world.teams[agent.team];
            let form = &world.forms[e.form];
            let s = cxone_score(world, e);
            let status = match e.status {
                EvaluationStatus::Finished => "Completed",
                EvaluationStatus::InReview => "Dispute",
                EvaluationStatus::Retracted => "Replaced",
                EvaluationStatus::Pending | EvaluationStatus::InProgress => "In Progress",
            };
            let acknowledged = match (e.kind, e.released) {
                (EvaluationKind::SelfAssessment, _) => String::new(),
                (_, true) => bool_text(!e.agent_has_read),
                _ => String::new(),
            };
            vec![
                "Acme Support".into(),
                agent.number.to_string(),
                workflow_type(e.kind).into(),
                "Quality Plan".into(),
                status.into(),
                acknowledged,
                (if e.status == EvaluationStatus::Finished {
                    "Closed"
                } else {
                    "Open"
                })
                .into(),
                e.workflow_id.clone(),
                "Weekly QA".into(),
                form.name.into(),
                form.versions[e.version].number.to_string(),
                csv_time(e.created),
                e.submitted.map(csv_time).unwrap_or_default(),
                csv_time(e.changed),
                format!("{:.2}", s.percent),
                s.score.to_string(),
                s.max.to_string(),
                String::new(),
                bool_text(s.failed_critical),
                e.agent_comments.clone().unwrap_or_default(),
                e.dispute_resolution.clone().unwrap_or_default(),
                c.segment_id.clone(),
                c.contact_id.to_string(),
                (match c.media {
                    Media::Voice => "Phone Call",
                    Media::Chat => "Chat",
                    Media::Email => "Email",
                    Media::Message => "Digital",
                })
                .into(),
                csv_time(c.start),
                csv_time(c.end),
                (if c.inbound { "Inbound" } else { "Outbound" }).into(),
                team.number.to_string(),
                team.name.into(),
                "+13175550100".into(),
                evaluator.first.into(),
                evaluator.last.into(),
                agent.first.into(),
                agent.last.into(),
                String::new(),
                String::new(),
                evaluator.first.into(),
                evaluator.last.into(),
                (if e.status == EvaluationStatus::Retracted {
                    "Replaced by a re-evaluation"
                } else {
                    ""
                })
                .into(),
                String::new(),
                "Agent".into(),
            ]
        })
        .collect();
    csv(&WORKFLOW_HEADERS, rows, unknown_column)
}

pub(super) const QUESTION_HEADERS: [&str; 34] = [
    "Actual Score",
    "Answer",
    "Question ID",
    "Question Title",
    "Question Number",
    "Options",
    "Form ID",
    "Form Name",
    "Form Version",
    "Evaluation Score%",
    "Evaluation Start Date",
    "Evaluation Submission Date",
    "Workflow Type",
    "Section ID",
    "Section Title",
    "Section Score%",
    "Max Score",
    "Agent ID",
    "FirstName (Agent)",
    "LastName (Agent)",
    "Team ID",
    "Team Name",
    "FirstName (Eva)",
    "LastName (Eva)",
    "Critical",
    "Failed Critical Question",
    "Mandatory",
    "Scorable",
    "Question Type",
    "Segment ID",
    "Interaction Start Date",
    "Interaction End Date",
    "WorkflowInstance ID",
    "Bank ID",
];

pub(super) fn questions_csv(
    world: &World,
    start: NaiveDate,
    end: NaiveDate,
    unknown_column: bool,
) -> String {
    let mut rows = Vec::new();
    for e in extracted(world, start, end) {
        let c = &world.conversations[e.conversation];
        let agent = &world.agents[e.agent];
        let evaluator = &world.agents[e.evaluator];
        let team = &world.teams[agent.team];
        let form = &world.forms[e.form];
        let version = &form.versions[e.version];
        let s = cxone_score(world, e);
        let mut number = 0;
        for (group, answer) in version.groups.iter().zip(&e.answers) {
            let (mut g_points, mut g_max) = (0, 0);
            for (q, a) in group.questions.iter().zip(&answer.questions) {
                if let (Some(p), Some(m)) = question_points(q, a) {
                    g_points += p;
                    g_max += m;
                }
            }
            let section_percent = if g_max > 0 {
                format!("{:.2}", g_points as f64 / g_max as f64 * 100.0)
            } else {
                String::new()
            };
            for (q, a) in group.questions.iter().zip(&answer.questions) {
                number += 1;
                let (points, _) = question_points(q, a);
                let answer_text = if a.not_applicable {
                    "N/A".to_string()
                } else {
                    match q.kind {
                        QuestionKind::FreeText => a.text.clone().unwrap_or_default(),
                        QuestionKind::MultipleSelect => a
                            .selected
                            .iter()
                            .map(|&i| q.options[i].text.clone())
                            .collect::<Vec<_>>()
                            .join("; "),
                        _ => a
                            .option
                            .map(|i| q.options[i].text.clone())
                            .unwrap_or_default(),
                    }
                };
                let kind = match q.kind {
                    QuestionKind::MultipleChoice if q.options.len() == 2 => "Yes/No",
                    QuestionKind::MultipleChoice => "Multiple Choice",
                    QuestionKind::MultipleSelect => "Multiple Select",
                    QuestionKind::FreeText => "Free Text",
                    QuestionKind::Nps => "Rating Scale",
                };
                rows.push(vec![
                    points.map(|p| p.to_string()).unwrap_or_default(),
                    answer_text,
                    q.id.clone(),
                    q.text.into(),
                    number.to_string(),
                    q.options
                        .iter()
                        .map(|o| format!("{}={}", o.text, o.value))
                        .collect::<Vec<_>>()
                        .join("|"),
                    form.context_id.clone(),
                    form.name.into(),
                    version.number.to_string(),
                    format!("{:.2}", s.percent),
                    csv_time(e.created),
                    e.submitted.map(csv_time).unwrap_or_default(),
                    workflow_type(e.kind).into(),
                    group.id.clone(),
                    group.name.into(),
                    section_percent.clone(),
                    q.max_points().to_string(),
                    agent.number.to_string(),
                    agent.first.into(),
                    agent.last.into(),
                    team.number.to_string(),
                    team.name.into(),
                    evaluator.first.into(),
                    evaluator.last.into(),
                    bool_text(q.is_critical || q.is_kill),
                    bool_text(
                        (q.is_critical || q.is_kill) && points.is_some_and(|p| p < q.max_points()),
                    ),
                    bool_text(!q.na_enabled),
                    bool_text(q.kind != QuestionKind::FreeText),
                    kind.into(),
                    c.segment_id.clone(),
                    csv_time(c.start),
                    csv_time(c.end),
                    e.workflow_id.clone(),
                    String::new(),
                ]);
            }
        }
    }
    csv(&QUESTION_HEADERS, rows, unknown_column)
}
