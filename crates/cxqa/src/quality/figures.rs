//! The numbers of the quality report, computed from a store's [`Snapshot`]: what a QA manager
//! asks of the data, each answer a table (the charts draw the same rows).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use cxqa_core::Stream;
use cxqa_sinks::report::{Snapshot, StoredRow, StreamRun};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Which records the report covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub vendor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub agents: Vec<AgentRow>,
    pub versions: Vec<VersionRow>,
    pub weeks: Vec<WeekRow>,
    pub evaluators: Vec<CalibrationRow>,
    pub failures: Vec<FailureRow>,
    pub mismatches: Vec<MismatchRow>,
    pub coverage: Vec<CoverageRow>,
    pub pii: Vec<PiiRow>,
    pub runs: Vec<StreamRun>,
    /// The thresholds of the agent quadrants: the agents' median QA and median CSAT.
    pub qa_median: Option<f64>,
    pub csat_median: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentRow {
    pub vendor: String,
    pub agent_id: String,
    pub name: String,
    pub evaluations: usize,
    pub qa: Option<f64>,
    pub surveys: usize,
    pub csat: Option<f64>,
    pub transcripts: usize,
    pub sentiment: Option<f64>,
    pub quadrant: Option<Quadrant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    /// High QA, low CSAT: the form rewards what customers do not feel; the coaching list.
    Coach,
    HighBoth,
    LowBoth,
    /// Low QA, high CSAT: customers are happy with what the form marks down.
    ReviewForm,
}

impl Quadrant {
    pub fn label(self) -> &'static str {
        match self {
            Quadrant::Coach => "high QA, low CSAT: coach",
            Quadrant::HighBoth => "high QA, high CSAT",
            Quadrant::LowBoth => "low QA, low CSAT",
            Quadrant::ReviewForm => "low QA, high CSAT: review the form",
        }
    }
}

/// The spread of normalized scores of one form version.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub vendor: String,
    pub form: String,
    pub version: String,
    pub first_used: Option<DateTime<Utc>>,
    pub count: usize,
    pub mean: f64,
    /// Minimum, lower quartile, median, upper quartile, maximum.
    pub five: [f64; 5],
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeekRow {
    /// The Monday the ISO week starts.
    pub week: NaiveDate,
    pub qa: Option<f64>,
    pub evaluations: usize,
    pub csat: Option<f64>,
    pub surveys: usize,
    /// -1 … 1.
    pub sentiment: Option<f64>,
    pub transcripts: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationRow {
    pub vendor: String,
    pub evaluator_id: String,
    pub name: String,
    pub evaluations: usize,
    pub mean: f64,
    /// The other evaluators' mean on the same agents and forms.
    pub others_mean: f64,
    /// Own mean minus the others', averaged over the shared agent-and-form pairs.
    pub difference: f64,
    /// The standard deviation of that difference over the pairs.
    pub spread: f64,
    pub pairs: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FailureRow {
    pub vendor: String,
    pub assessment_id: String,
    pub agent: String,
    pub form: String,
    pub kind: &'static str,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MismatchRow {
    pub vendor: String,
    pub assessment_id: String,
    pub vendor_score: f64,
    pub computed_score: f64,
    pub difference: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    pub vendor: String,
    pub stream: Stream,
    pub live: usize,
    pub deleted: usize,
    /// Of the live records naming an interaction, how many name one the store holds.
    pub joined: Option<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PiiRow {
    pub vendor: String,
    pub kind: String,
    /// cxqa masked it before storing (the vendor left it in clear).
    pub redacted: usize,
    /// A label the vendor (or cxqa) put in place of a value.
    pub masked: usize,
    /// In clear in the store (only with `pii = "flag"`).
    pub unmasked: usize,
}

fn text(record: &Value, pointer: &str) -> Option<String> {
    record
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(String::from)
}

/// When a record happened, for the scope and the weeks.
fn when(row: &StoredRow) -> Option<DateTime<Utc>> {
    cxqa_sinks::columns::occurred_at(row.stream, &row.record)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    (!sorted.is_empty()).then(|| quantile(&sorted, 0.5))
}

/// Linear interpolation between closest ranks, of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (low, high) = (at.floor() as usize, at.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (at - low as f64)
}

fn std_dev(values: &[f64]) -> f64 {
    let Some(m) = mean(values) else { return 0.0 };
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt()
}

impl Figures {
    pub fn of(snapshot: &Snapshot, scope: &Scope) -> Figures {
        let in_vendor = |row: &&StoredRow| scope.vendor.as_ref().is_none_or(|v| *v == row.vendor);
        let in_time = |row: &&StoredRow| match when(row) {
            Some(t) => scope.from.is_none_or(|f| t >= f) && scope.to.is_none_or(|to| t < to),
            None => scope.from.is_none() && scope.to.is_none(),
        };
        let rows: Vec<&StoredRow> = snapshot.rows.iter().filter(in_vendor).collect();
        let live = |stream: Stream| -> Vec<&StoredRow> {
            rows.iter()
                .copied()
                .filter(|r| r.stream == stream && !r.deleted)
                .filter(in_time)
                .collect()
        };
        let names: BTreeMap<(String, String), String> = rows
            .iter()
            .filter(|r| r.stream == Stream::Agents)
            .filter_map(|r| Some(((r.vendor.clone(), r.id.clone()), text(&r.record, "/name")?)))
            .collect();
        let name_of = |vendor: &str, id: &str| {
            names
                .get(&(vendor.to_string(), id.to_string()))
                .cloned()
                .unwrap_or_else(|| id.to_string())
        };
        let assessments = live(Stream::Assessments);
        let surveys = live(Stream::Surveys);
        let transcripts = live(Stream::Transcripts);

        let mut figures = Figures {
            runs: snapshot
                .runs
                .iter()
                .filter(|r| scope.vendor.as_ref().is_none_or(|v| *v == r.vendor))
                .cloned()
                .collect(),
            ..Figures::default()
        };
        figures.agents(&assessments, &surveys, &transcripts, &names);
        figures.versions(&assessments);
        figures.weeks(&assessments, &surveys, &transcripts);
        figures.evaluators(&assessments, &name_of);
        figures.failures(&assessments, &name_of);
        figures.coverage(&rows, &live(Stream::Interactions), in_time);
        figures.pii(&transcripts);
        figures
    }

    fn agents(
        &mut self,
        assessments: &[&StoredRow],
        surveys: &[&StoredRow],
        transcripts: &[&StoredRow],
        names: &BTreeMap<(String, String), String>,
    ) {
        type Key = (String, String);
        let mut values: BTreeMap<Key, [Vec<f64>; 3]> = BTreeMap::new();
        // Every agent the store holds, those without activity in the scope too.
        let mut counts: BTreeMap<Key, [usize; 3]> =
            names.keys().map(|key| (key.clone(), [0; 3])).collect();
        for (slot, rows, pointer) in [
            (0, assessments, "/normalized_score"),
            (1, surveys, "/csat_score"),
            (2, transcripts, "/sentiment/score"),
        ] {
            for row in rows {
                let columns = cxqa_sinks::columns::columns(row.stream, &row.record);
                let Some(agent) = columns.agent_id else {
                    continue;
                };
                let key = (row.vendor.clone(), agent);
                counts.entry(key.clone()).or_default()[slot] += 1;
                if let Some(v) = row.record.pointer(pointer).and_then(Value::as_f64) {
                    values.entry(key).or_default()[slot].push(v);
                }
            }
        }
        let mut agents: Vec<AgentRow> = counts
            .into_iter()
            .map(|((vendor, agent_id), n)| {
                let v = values
                    .remove(&(vendor.clone(), agent_id.clone()))
                    .unwrap_or_default();
                AgentRow {
                    name: names
                        .get(&(vendor.clone(), agent_id.clone()))
                        .cloned()
                        .unwrap_or_else(|| agent_id.clone()),
                    vendor,
                    agent_id,
                    evaluations: n[0],
                    qa: mean(&v[0]),
                    surveys: n[1],
                    csat: mean(&v[1]),
                    transcripts: n[2],
                    sentiment: mean(&v[2]),
                    quadrant: None,
                }
            })
            .collect();
        let both: Vec<(f64, f64)> = agents
            .iter()
            .filter_map(|a| Some((a.qa?, a.csat?)))
            .collect();
        self.qa_median = median(&both.iter().map(|b| b.0).collect::<Vec<_>>());
        self.csat_median = median(&both.iter().map(|b| b.1).collect::<Vec<_>>());
        if let (Some(qa_mid), Some(csat_mid)) = (self.qa_median, self.csat_median) {
            for agent in &mut agents {
                agent.quadrant = match (agent.qa, agent.csat) {
                    (Some(qa), Some(csat)) => Some(match (qa >= qa_mid, csat >= csat_mid) {
                        (true, false) => Quadrant::Coach,
                        (true, true) => Quadrant::HighBoth,
                        (false, false) => Quadrant::LowBoth,
                        (false, true) => Quadrant::ReviewForm,
                    }),
                    _ => None,
                };
            }
        }
        agents.sort_by(|a, b| {
            let coach = |r: &AgentRow| r.quadrant != Some(Quadrant::Coach);
            (coach(a), &a.vendor, &a.name).cmp(&(coach(b), &b.vendor, &b.name))
        });
        self.agents = agents;
    }

    fn versions(&mut self, assessments: &[&StoredRow]) {
        // (vendor, form, version) → scores and the first time the version was used
        type Scores = (Vec<f64>, Option<DateTime<Utc>>);
        let mut groups: BTreeMap<(String, String, String), Scores> = BTreeMap::new();
        for row in assessments {
            let r = &row.record;
            let Some(score) = r.pointer("/normalized_score").and_then(Value::as_f64) else {
                continue;
            };
            let form = text(r, "/form_name")
                .or_else(|| text(r, "/form_id"))
                .unwrap_or_else(|| "(no form)".into());
            let version = text(r, "/form_version").unwrap_or_else(|| "-".into());
            let entry = groups
                .entry((row.vendor.clone(), form, version))
                .or_default();
            entry.0.push(score);
            let at = when(row);
            entry.1 = match (entry.1, at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        self.versions = groups
            .into_iter()
            .map(|((vendor, form, version), (mut scores, first_used))| {
                scores.sort_by(f64::total_cmp);
                VersionRow {
                    vendor,
                    form,
                    version,
                    first_used,
                    count: scores.len(),
                    mean: mean(&scores).unwrap_or_default(),
                    five: [0.0, 0.25, 0.5, 0.75, 1.0].map(|q| quantile(&scores, q)),
                }
            })
            .collect();
        self.versions.sort_by(|a, b| {
            (&a.vendor, &a.form, a.first_used).cmp(&(&b.vendor, &b.form, b.first_used))
        });
    }

    fn weeks(
        &mut self,
        assessments: &[&StoredRow],
        surveys: &[&StoredRow],
        transcripts: &[&StoredRow],
    ) {
        let mut weeks: BTreeMap<NaiveDate, [Vec<f64>; 3]> = BTreeMap::new();
        for (slot, rows, pointer) in [
            (0, assessments, "/normalized_score"),
            (1, surveys, "/csat_score"),
            (2, transcripts, "/sentiment/score"),
        ] {
            for row in rows {
                let (Some(at), Some(value)) = (
                    when(row),
                    row.record.pointer(pointer).and_then(Value::as_f64),
                ) else {
                    continue;
                };
                let day = at.date_naive();
                let monday =
                    day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()));
                weeks.entry(monday).or_default()[slot].push(value);
            }
        }
        self.weeks = weeks
            .into_iter()
            .map(|(week, v)| WeekRow {
                week,
                qa: mean(&v[0]),
                evaluations: v[0].len(),
                csat: mean(&v[1]),
                surveys: v[1].len(),
                sentiment: mean(&v[2]),
                transcripts: v[2].len(),
            })
            .collect();
    }

    fn evaluators(&mut self, assessments: &[&StoredRow], name_of: &dyn Fn(&str, &str) -> String) {
        // (vendor, agent, form) → evaluator → scores
        type Pair = (String, String, String);
        let mut pairs: BTreeMap<Pair, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        let mut own: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        for row in assessments {
            let r = &row.record;
            let (Some(evaluator), Some(agent), Some(form), Some(score)) = (
                text(r, "/evaluator_id"),
                text(r, "/agent_id"),
                text(r, "/form_id"),
                r.pointer("/normalized_score").and_then(Value::as_f64),
            ) else {
                continue;
            };
            own.entry((row.vendor.clone(), evaluator.clone()))
                .or_default()
                .push(score);
            pairs
                .entry((row.vendor.clone(), agent, form))
                .or_default()
                .entry(evaluator)
                .or_default()
                .push(score);
        }
        let mut rows = Vec::new();
        for ((vendor, evaluator), scores) in own {
            let mut differences = Vec::new();
            let mut others_means = Vec::new();
            for ((pair_vendor, _, _), by_evaluator) in &pairs {
                let Some(mine) = by_evaluator
                    .get(&evaluator)
                    .filter(|_| *pair_vendor == vendor)
                else {
                    continue;
                };
                let others: Vec<f64> = by_evaluator
                    .iter()
                    .filter(|(e, _)| **e != evaluator)
                    .flat_map(|(_, s)| s.iter().copied())
                    .collect();
                if let (Some(m), Some(o)) = (mean(mine), mean(&others)) {
                    differences.push(m - o);
                    others_means.push(o);
                }
            }
            let Some(difference) = mean(&differences) else {
                continue;
            };
            rows.push(CalibrationRow {
                name: name_of(&vendor, &evaluator),
                vendor,
                evaluator_id: evaluator,
                evaluations: scores.len(),
                mean: mean(&scores).unwrap_or_default(),
                others_mean: mean(&others_means).unwrap_or_default(),
                difference,
                spread: std_dev(&differences),
                pairs: differences.len(),
            });
        }
        rows.sort_by(|a, b| b.difference.abs().total_cmp(&a.difference.abs()));
        self.evaluators = rows;
    }

    fn failures(&mut self, assessments: &[&StoredRow], name_of: &dyn Fn(&str, &str) -> String) {
        for row in assessments {
            let r = &row.record;
            let agent = text(r, "/agent_id")
                .map(|a| name_of(&row.vendor, &a))
                .unwrap_or_default();
            let form = text(r, "/form_name")
                .or_else(|| text(r, "/form_id"))
                .unwrap_or_default();
            for (flag, kind) in [
                ("/failed_kill", "kill question failed"),
                ("/failed_critical", "critical question failed"),
            ] {
                if r.pointer(flag) == Some(&Value::Bool(true)) {
                    self.failures.push(FailureRow {
                        vendor: row.vendor.clone(),
                        assessment_id: row.id.clone(),
                        agent: agent.clone(),
                        form: form.clone(),
                        kind,
                        score: r.pointer("/normalized_score").and_then(Value::as_f64),
                    });
                }
            }
            let mismatch = r.pointer("/score_mismatch").filter(|m| m.is_object());
            if let Some(m) = mismatch {
                let number = |k: &str| m.get(k).and_then(Value::as_f64).unwrap_or_default();
                self.mismatches.push(MismatchRow {
                    vendor: row.vendor.clone(),
                    assessment_id: row.id.clone(),
                    vendor_score: number("vendor_score"),
                    computed_score: number("computed_score"),
                    difference: number("difference"),
                });
            }
        }
        self.failures
            .sort_by(|a, b| (&a.vendor, &a.agent).cmp(&(&b.vendor, &b.agent)));
        self.mismatches
            .sort_by(|a, b| b.difference.abs().total_cmp(&a.difference.abs()));
    }

    fn coverage(
        &mut self,
        rows: &[&StoredRow],
        interactions: &[&StoredRow],
        in_time: impl Fn(&&StoredRow) -> bool,
    ) {
        let held: BTreeSet<(String, String)> = interactions
            .iter()
            .filter_map(|r| Some((r.vendor.clone(), text(&r.record, "/interaction_id")?)))
            .collect();
        let mut table: BTreeMap<(String, Stream), CoverageRow> = BTreeMap::new();
        for row in rows.iter().filter(|r| in_time(r)) {
            let entry = table
                .entry((row.vendor.clone(), row.stream))
                .or_insert_with(|| CoverageRow {
                    vendor: row.vendor.clone(),
                    stream: row.stream,
                    live: 0,
                    deleted: 0,
                    joined: None,
                });
            if row.deleted {
                entry.deleted += 1;
                continue;
            }
            entry.live += 1;
            let names_interaction = matches!(
                row.stream,
                Stream::Assessments | Stream::Surveys | Stream::Transcripts
            );
            if let Some(interaction) =
                text(&row.record, "/interaction_id").filter(|_| names_interaction)
            {
                let (found, of) = entry.joined.get_or_insert((0, 0));
                *of += 1;
                if held.contains(&(row.vendor.clone(), interaction)) {
                    *found += 1;
                }
            }
        }
        self.coverage = table.into_values().collect();
    }

    fn pii(&mut self, transcripts: &[&StoredRow]) {
        let mut table: BTreeMap<(String, String), PiiRow> = BTreeMap::new();
        for row in transcripts {
            for finding in row
                .record
                .pointer("/pii/findings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let kind = text(finding, "/kind").unwrap_or_else(|| "unknown".into());
                let entry = table
                    .entry((row.vendor.clone(), kind.clone()))
                    .or_insert_with(|| PiiRow {
                        vendor: row.vendor.clone(),
                        kind,
                        redacted: 0,
                        masked: 0,
                        unmasked: 0,
                    });
                let flag = |k: &str| finding.get(k) == Some(&Value::Bool(true));
                if flag("redacted") {
                    entry.redacted += 1;
                } else if flag("masked") {
                    entry.masked += 1;
                } else {
                    entry.unmasked += 1;
                }
            }
        }
        self.pii = table.into_values().collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(stream: Stream, id: &str, record: Value) -> StoredRow {
        StoredRow {
            stream,
            vendor: "v".into(),
            id: id.into(),
            deleted: false,
            record,
        }
    }

    fn assessment(id: &str, evaluator: &str, agent: &str, score: f64) -> StoredRow {
        row(
            Stream::Assessments,
            id,
            json!({"evaluator_id": evaluator, "agent_id": agent, "form_id": "f", "form_name": "Form",
                   "form_version": "1", "normalized_score": score, "submitted_at": "2026-11-02T10:00:00Z"}),
        )
    }

    #[test]
    fn an_evaluator_who_scores_harder_than_peers_on_the_same_agents_stands_out() {
        let snapshot = Snapshot {
            rows: vec![
                assessment("1", "hard", "a1", 60.0),
                assessment("2", "peer", "a1", 80.0),
                assessment("3", "hard", "a2", 70.0),
                assessment("4", "peer", "a2", 90.0),
                assessment("5", "alone", "a3", 10.0),
            ],
            runs: vec![],
        };
        let figures = Figures::of(&snapshot, &Scope::default());
        let hard = figures
            .evaluators
            .iter()
            .find(|e| e.evaluator_id == "hard")
            .unwrap();
        assert_eq!((hard.difference, hard.pairs, hard.spread), (-20.0, 2, 0.0));
        assert!(figures.evaluators.iter().all(|e| e.evaluator_id != "alone"));
        assert_eq!(figures.versions[0].five, [10.0, 60.0, 70.0, 80.0, 90.0]);
        assert_eq!(
            figures.weeks[0].week,
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
        );
    }

    #[test]
    fn the_scope_keeps_one_vendor_and_the_records_of_its_window() {
        let mut other_vendor = assessment("x", "e", "a1", 10.0);
        other_vendor.vendor = "w".into();
        let mut later = assessment("later", "e", "a1", 20.0);
        later.record["submitted_at"] = json!("2026-11-20T10:00:00Z");
        let snapshot = Snapshot {
            rows: vec![assessment("in", "e", "a1", 90.0), other_vendor, later],
            runs: vec![],
        };
        let scope = Scope {
            vendor: Some("v".into()),
            from: Some("2026-11-01T00:00:00Z".parse().unwrap()),
            to: Some("2026-11-10T00:00:00Z".parse().unwrap()),
        };
        let figures = Figures::of(&snapshot, &scope);
        assert_eq!(figures.agents.len(), 1);
        assert_eq!(
            (figures.agents[0].evaluations, figures.agents[0].qa),
            (1, Some(90.0))
        );
        assert_eq!(figures.versions[0].count, 1);
    }

    #[test]
    fn high_qa_with_low_csat_is_on_the_coaching_list_first() {
        let survey = |id: &str, agent: &str, csat: f64| {
            row(
                Stream::Surveys,
                id,
                json!({"interaction": {"agent_id": agent}, "csat_score": csat, "completed_at": "2026-11-02T10:00:00Z"}),
            )
        };
        let snapshot = Snapshot {
            rows: vec![
                assessment("1", "e", "good-qa", 95.0),
                survey("s1", "good-qa", 20.0),
                assessment("2", "e", "fine", 60.0),
                survey("s2", "fine", 90.0),
            ],
            runs: vec![],
        };
        let figures = Figures::of(&snapshot, &Scope::default());
        assert_eq!(figures.agents[0].agent_id, "good-qa");
        assert_eq!(figures.agents[0].quadrant, Some(Quadrant::Coach));
    }
}
