//! Score normalization: one 0–100 score per assessment from its form version's weights.
//!
//! total % = Σ(points_g · w_g) / Σ(possible_g · w_g) · 100 over question groups, with groups and
//! questions marked N/A excluded (they count 0 of 0). Under `WeightMode::Unweighted` every group
//! weighs 1. This is the Genesys Resource Center formula; CXone rubrics feed it derived weights.

use crate::model::{ScoreMismatch, WeightMode};

/// Vendor and computed totals closer than this (in percentage points) agree.
pub const MISMATCH_TOLERANCE: f64 = 0.01;

/// One question as scored in an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QuestionInput {
    /// Points awarded; None when unanswered (an unanswered question is left out, like N/A).
    pub points: Option<f64>,
    /// Highest points the question can award; None or 0 for unscored questions (free text).
    pub possible: Option<f64>,
    pub not_applicable: bool,
    pub is_critical: bool,
    pub is_kill: bool,
}

impl QuestionInput {
    pub fn answered(points: f64, possible: f64) -> Self {
        QuestionInput {
            points: Some(points),
            possible: Some(possible),
            ..Default::default()
        }
    }

    pub fn not_applicable(possible: f64) -> Self {
        QuestionInput {
            possible: Some(possible),
            not_applicable: true,
            ..Default::default()
        }
    }

    /// (points, possible) when this question counts toward the score.
    fn counted(&self) -> Option<(f64, f64)> {
        let possible = self.possible.filter(|p| *p > 0.0)?;
        if self.not_applicable {
            return None;
        }
        Some((self.points?.clamp(0.0, possible), possible))
    }

    /// Answered below the highest value.
    fn failed(&self) -> bool {
        matches!(self.counted(), Some((points, possible)) if points < possible)
    }
}

/// One question group with its weight.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupInput {
    pub weight: f64,
    pub not_applicable: bool,
    pub questions: Vec<QuestionInput>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreOptions {
    pub weight_mode: WeightMode,
    /// Vendor rule: a failed kill (fatal) question sets the total to zero.
    pub failed_kill_zeroes_score: bool,
    /// Vendor rule: a failed critical question sets the total to zero (CXone).
    pub failed_critical_zeroes_score: bool,
}

impl ScoreOptions {
    pub fn new(weight_mode: WeightMode) -> Self {
        ScoreOptions {
            weight_mode,
            failed_kill_zeroes_score: false,
            failed_critical_zeroes_score: false,
        }
    }
}

/// The normalized result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreOutcome {
    /// 0–100, or None when nothing was scorable (everything N/A or unanswered).
    pub score: Option<f64>,
    /// 0–100 over critical questions only, or None when there are none.
    pub critical_score: Option<f64>,
    /// Unweighted points and possible points over the counted questions.
    pub raw_points: f64,
    pub raw_possible: f64,
    pub failed_critical: bool,
    pub failed_kill: bool,
}

/// Unweighted (points, possible) of the counted questions of one group; None when none counts.
pub fn group_totals(questions: &[QuestionInput]) -> Option<(f64, f64)> {
    let counted: Vec<(f64, f64)> = questions
        .iter()
        .filter_map(QuestionInput::counted)
        .collect();
    (!counted.is_empty()).then(|| {
        counted
            .iter()
            .fold((0.0, 0.0), |(p, m), (a, b)| (p + a, m + b))
    })
}

/// Computes the normalized score of one assessment.
pub fn normalize(groups: &[GroupInput], options: ScoreOptions) -> ScoreOutcome {
    let mut weighted = (0.0, 0.0);
    let mut critical = (0.0, 0.0);
    let mut raw = (0.0, 0.0);
    let mut failed_critical = false;
    let mut failed_kill = false;

    for group in groups.iter().filter(|g| !g.not_applicable) {
        let weight = match options.weight_mode {
            WeightMode::Scaled => group.weight.max(0.0),
            WeightMode::Unweighted => 1.0,
        };
        for question in &group.questions {
            let Some((points, possible)) = question.counted() else {
                continue;
            };
            weighted.0 += points * weight;
            weighted.1 += possible * weight;
            raw.0 += points;
            raw.1 += possible;
            if question.is_critical {
                critical.0 += points * weight;
                critical.1 += possible * weight;
                failed_critical |= question.failed();
            }
            if question.is_kill {
                failed_kill |= question.failed();
            }
        }
    }

    let zeroed = (failed_kill && options.failed_kill_zeroes_score)
        || (failed_critical && options.failed_critical_zeroes_score);
    let score = percent(weighted).map(|s| if zeroed { 0.0 } else { s });
    ScoreOutcome {
        score,
        critical_score: percent(critical),
        raw_points: raw.0,
        raw_possible: raw.1,
        failed_critical,
        failed_kill,
    }
}

fn percent((points, possible): (f64, f64)) -> Option<f64> {
    (possible > 0.0).then(|| round4(points / possible * 100.0))
}

/// Rounds to 4 decimals so that equal inputs give byte-identical JSON across platforms.
pub fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// Compares the vendor's own total with ours; Some when they differ beyond the tolerance.
pub fn compare(vendor_score: f64, computed_score: f64) -> Option<ScoreMismatch> {
    let difference = round4(vendor_score - computed_score);
    (difference.abs() > MISMATCH_TOLERANCE).then_some(ScoreMismatch {
        vendor_score,
        computed_score,
        difference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scaled() -> ScoreOptions {
        ScoreOptions::new(WeightMode::Scaled)
    }

    fn yes() -> QuestionInput {
        QuestionInput::answered(1.0, 1.0)
    }
    fn no() -> QuestionInput {
        QuestionInput::answered(0.0, 1.0)
    }

    fn group(weight: f64, questions: Vec<QuestionInput>) -> GroupInput {
        GroupInput {
            weight,
            not_applicable: false,
            questions,
        }
    }

    #[test]
    fn reference_worked_example_gives_sixty_percent() {
        // G1: two 1-point questions, weight 40, answered yes/no. G2: one, weight 20, yes.
        let groups = [group(40.0, vec![yes(), no()]), group(20.0, vec![yes()])];
        let out = normalize(&groups, scaled());
        assert_eq!(out.score, Some(60.0));
        assert_eq!((out.raw_points, out.raw_possible), (2.0, 3.0));
    }

    #[test]
    fn unweighted_mode_ignores_group_weights() {
        let groups = [group(40.0, vec![yes(), no()]), group(20.0, vec![yes()])];
        let out = normalize(&groups, ScoreOptions::new(WeightMode::Unweighted));
        assert_eq!(out.score, Some(66.6667));
    }

    #[test]
    fn not_applicable_groups_and_questions_count_zero_of_zero() {
        let mut na_group = group(50.0, vec![no(), no()]);
        na_group.not_applicable = true;
        let groups = [
            group(40.0, vec![yes(), QuestionInput::not_applicable(1.0)]),
            na_group,
        ];
        assert_eq!(normalize(&groups, scaled()).score, Some(100.0));
    }

    #[test]
    fn nothing_scorable_gives_no_score() {
        let groups = [group(10.0, vec![QuestionInput::not_applicable(5.0)])];
        assert_eq!(normalize(&groups, scaled()).score, None);
        assert_eq!(normalize(&[], scaled()).score, None);
    }

    #[test]
    fn unscored_questions_are_left_out() {
        let free_text = QuestionInput {
            points: Some(0.0),
            possible: None,
            ..Default::default()
        };
        let unanswered = QuestionInput {
            points: None,
            possible: Some(3.0),
            ..Default::default()
        };
        let groups = [group(1.0, vec![yes(), free_text, unanswered])];
        assert_eq!(normalize(&groups, scaled()).score, Some(100.0));
    }

    #[test]
    fn multi_point_answers_use_their_values() {
        let groups = [group(
            1.0,
            vec![
                QuestionInput::answered(3.0, 5.0),
                QuestionInput::answered(5.0, 5.0),
            ],
        )];
        assert_eq!(normalize(&groups, scaled()).score, Some(80.0));
    }

    #[test]
    fn kill_and_critical_failures_are_flagged_and_score_kept_by_default() {
        let kill = QuestionInput {
            is_kill: true,
            ..no()
        };
        let critical = QuestionInput {
            is_critical: true,
            ..QuestionInput::answered(1.0, 2.0)
        };
        let groups = [group(1.0, vec![yes(), kill, critical])];
        let out = normalize(&groups, scaled());
        assert!(out.failed_kill);
        assert!(out.failed_critical);
        assert_eq!(out.score, Some(50.0));
        assert_eq!(out.critical_score, Some(50.0));

        let zeroing = ScoreOptions {
            failed_kill_zeroes_score: true,
            ..scaled()
        };
        assert_eq!(normalize(&groups, zeroing).score, Some(0.0));
        let critical_zeroing = ScoreOptions {
            failed_critical_zeroes_score: true,
            ..scaled()
        };
        assert_eq!(normalize(&groups, critical_zeroing).score, Some(0.0));
    }

    #[test]
    fn passed_kill_question_is_not_a_failure() {
        let kill = QuestionInput {
            is_kill: true,
            ..yes()
        };
        let out = normalize(&[group(1.0, vec![kill])], scaled());
        assert!(!out.failed_kill);
        assert_eq!(out.critical_score, None);
    }

    #[test]
    fn mismatch_beyond_tolerance_is_reported() {
        assert_eq!(compare(60.0, 60.005), None);
        let m = compare(62.5, 60.0).unwrap();
        assert_eq!(m.difference, 2.5);
        assert_eq!((m.vendor_score, m.computed_score), (62.5, 60.0));
    }

    proptest! {
        #[test]
        fn score_is_always_between_0_and_100(
            groups in prop::collection::vec(
                (0.0f64..100.0, any::<bool>(), prop::collection::vec(
                    (prop::option::of(-2.0f64..12.0), prop::option::of(0.0f64..10.0), any::<bool>()), 0..6)),
                0..5)
        ) {
            let groups: Vec<GroupInput> = groups.into_iter().map(|(weight, na, qs)| GroupInput {
                weight,
                not_applicable: na,
                questions: qs.into_iter().map(|(points, possible, na)| QuestionInput {
                    points, possible, not_applicable: na, ..Default::default()
                }).collect(),
            }).collect();
            for mode in [WeightMode::Scaled, WeightMode::Unweighted] {
                if let Some(score) = normalize(&groups, ScoreOptions::new(mode)).score {
                    prop_assert!((0.0..=100.0).contains(&score), "{score}");
                }
            }
        }
    }
}
