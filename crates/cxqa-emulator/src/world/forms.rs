//! The QA forms: a care form with two versions and a sales form, their groups and questions.

use super::*;
use crate::rng::Rng;

fn opt(rng: &mut Rng, text: &str, value: i64) -> AnswerOption {
    AnswerOption {
        id: rng.uuid(),
        text: text.to_string(),
        value,
    }
}

pub(super) fn yes_no(rng: &mut Rng) -> Vec<AnswerOption> {
    vec![opt(rng, "Yes", 1), opt(rng, "No", 0)]
}

pub(super) fn question(
    rng: &mut Rng,
    text: &'static str,
    kind: QuestionKind,
    options: Vec<AnswerOption>,
) -> Question {
    Question {
        id: rng.uuid(),
        text,
        kind,
        is_kill: false,
        is_critical: false,
        na_enabled: false,
        options,
    }
}

pub(super) fn yes_no_question(rng: &mut Rng, text: &'static str) -> Question {
    let options = yes_no(rng);
    question(rng, text, QuestionKind::MultipleChoice, options)
}

pub(super) fn care_groups(rng: &mut Rng, weights: [f64; 4]) -> Vec<Group> {
    let greeting = Group {
        id: rng.uuid(),
        name: "Greeting",
        weight: weights[0],
        na_enabled: false,
        questions: vec![
            yes_no_question(rng, "Used the standard greeting?"),
            Question {
                is_critical: true,
                ..yes_no_question(rng, "Verified the customer's identity?")
            },
        ],
    };
    let options = vec![
        opt(rng, "Fully", 2),
        opt(rng, "Partly", 1),
        opt(rng, "No", 0),
    ];
    let behaviours = vec![
        opt(rng, "Empathy", 1),
        opt(rng, "Ownership", 1),
        opt(rng, "Clarity", 1),
    ];
    let resolution = Group {
        id: rng.uuid(),
        name: "Resolution",
        weight: weights[1],
        na_enabled: false,
        questions: vec![
            question(
                rng,
                "Resolved the issue?",
                QuestionKind::MultipleChoice,
                options,
            ),
            Question {
                na_enabled: true,
                ..yes_no_question(rng, "Offered further help?")
            },
            question(
                rng,
                "Which behaviours were shown?",
                QuestionKind::MultipleSelect,
                behaviours,
            ),
        ],
    };
    let compliance = Group {
        id: rng.uuid(),
        name: "Compliance",
        weight: weights[2],
        na_enabled: false,
        questions: vec![
            Question {
                is_kill: true,
                ..yes_no_question(rng, "Read the recording disclosure?")
            },
            Question {
                is_critical: true,
                ..yes_no_question(rng, "Followed payment card rules?")
            },
            question(rng, "Coaching notes", QuestionKind::FreeText, Vec::new()),
        ],
    };
    let extras = Group {
        id: rng.uuid(),
        name: "Sales opportunity",
        weight: weights[3],
        na_enabled: true,
        questions: vec![yes_no_question(rng, "Attempted an upsell?")],
    };
    vec![greeting, resolution, compliance, extras]
}

pub(super) fn sales_groups(rng: &mut Rng) -> Vec<Group> {
    let nps_options = (0..=10).map(|v| opt(rng, &v.to_string(), v)).collect();
    vec![
        Group {
            id: rng.uuid(),
            name: "Discovery",
            weight: 1.0,
            na_enabled: false,
            questions: vec![
                yes_no_question(rng, "Asked about the customer's needs?"),
                question(
                    rng,
                    "Likelihood the customer recommends us (0-10)",
                    QuestionKind::Nps,
                    nps_options,
                ),
            ],
        },
        Group {
            id: rng.uuid(),
            name: "Close",
            weight: 1.0,
            na_enabled: true,
            questions: vec![yes_no_question(rng, "Asked for the sale?")],
        },
    ]
}
