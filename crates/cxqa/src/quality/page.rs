//! The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched,
//! readable on a laptop and printable.

use super::charts::{self, escape};
use super::figures::{Figures, Scope};
use std::fmt::Write;

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --qa: #2563eb; --csat: #d97706; --sentiment: #059669; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); margin: 0; background: #f7f8fa; }
main { max-width: 1120px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: var(--muted); }
nav { margin: 12px 0 8px; display: flex; flex-wrap: wrap; gap: 6px 14px; }
nav a { color: var(--qa); text-decoration: none; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 18px 0; break-inside: avoid-page; }
section h2 { margin: 0 0 4px; font-size: 18px; }
section > p { margin: 0 0 12px; color: var(--muted); max-width: 80ch; }
.chart { display: block; max-width: 100%; height: auto; margin: 4px 0 14px; }
.chart text { font: 12px system-ui, "DejaVu Sans", sans-serif; fill: var(--ink); }
.chart .tick { fill: var(--muted); font-size: 11px; }
.chart .axis { fill: var(--muted); }
.chart .empty { fill: var(--muted); font-style: italic; }
.chart .quadrant { fill: #b45309; font-size: 11px; }
.chart .grid { stroke: #eef1f4; }
.chart .zero { stroke: #9aa5b1; }
.chart .median { stroke: #b45309; stroke-dasharray: 5 4; }
.chart .dot { stroke: #1f2933; stroke-width: 0.6; }
.chart .box { fill: #dbeafe; stroke: var(--qa); }
.chart .median-mark { stroke: #1e3a8a; stroke-width: 2; }
.chart .whisker { stroke: #52606d; }
.chart .bar { fill: #93c5fd; }
.chart .bar.harder { fill: #fca5a5; }
.chart .bar.softer { fill: #86efac; }
.chart .series { fill: none; stroke-width: 2; }
.chart .qa { stroke: var(--qa); fill: var(--qa); }
.chart .csat { stroke: var(--csat); fill: var(--csat); }
.chart .sentiment { stroke: var(--sentiment); fill: var(--sentiment); }
.chart polyline.series { fill: none; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { background: #f1f4f8; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.coach td { background: #fff7ed; }
.none { color: var(--muted); font-style: italic; }
code { font-size: 12px; }
@media print { body { background: #fff; } main { padding: 0; } nav { display: none; } section { border: none; padding: 0; } }
"#;

fn number(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| format!("{v:.1}"))
}

/// A sentiment, −1 … +1, with its sign (never "-0.00").
fn signed(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| {
        let v = if v.abs() < 0.005 { 0.0 } else { v };
        format!("{v:+.2}")
    })
}

/// A table with a header row; `numeric` marks the columns aligned right.
fn table(
    headers: &[&str],
    numeric: &[usize],
    rows: Vec<Vec<String>>,
    classes: Vec<&str>,
    none: &str,
) -> String {
    if rows.is_empty() {
        return format!(r#"<p class="none">{}</p>"#, escape(none));
    }
    let mut out = String::from(r#"<div class="table-wrap"><table><thead><tr>"#);
    for (i, header) in headers.iter().enumerate() {
        let class = if numeric.contains(&i) {
            r#" class="n""#
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(header));
    }
    out.push_str("</tr></thead><tbody>");
    for (row, class) in rows
        .into_iter()
        .zip(classes.into_iter().chain(std::iter::repeat("")))
    {
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(r#" class="{class}""#)
        };
        let _ = write!(out, "<tr{class}>");
        for (i, cell) in row.into_iter().enumerate() {
            let class = if numeric.contains(&i) {
                r#" class="n""#
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(&cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

fn section(id: &str, title: &str, intro: &str, body: &str) -> String {
    format!(
        r#"<section id="{id}" aria-labelledby="{id}-h"><h2 id="{id}-h">{}</h2><p>{}</p>{body}</section>"#,
        escape(title),
        escape(intro)
    )
}

pub fn render(
    figures: &Figures,
    scope: &Scope,
    source: &str,
    generated_at: chrono::DateTime<chrono::Utc>,
) -> String {
    let mut scope_text = format!("From {}", source);
    if let Some(vendor) = &scope.vendor {
        let _ = write!(scope_text, ", vendor {vendor}");
    }
    match (scope.from, scope.to) {
        (Some(f), Some(t)) => {
            let _ = write!(
                scope_text,
                ", {} to {}",
                f.format("%Y-%m-%d"),
                t.format("%Y-%m-%d")
            );
        }
        (Some(f), None) => {
            let _ = write!(scope_text, ", from {}", f.format("%Y-%m-%d"));
        }
        (None, Some(t)) => {
            let _ = write!(scope_text, ", until {}", t.format("%Y-%m-%d"));
        }
        (None, None) => {}
    }
    let _ = write!(
        scope_text,
        "; written {} UTC by cxqa {}.",
        generated_at.format("%Y-%m-%d %H:%M"),
        env!("CARGO_PKG_VERSION")
    );

    let sections = [
        agents(figures),
        versions(figures),
        weeks(figures),
        calibration(figures),
        failures(figures),
        data_quality(figures),
    ];
    let nav = [
        ("agents", "QA against CSAT"),
        ("versions", "Form versions"),
        ("weeks", "Weekly trend"),
        ("calibration", "Evaluator calibration"),
        ("failures", "Failures and mismatches"),
        ("data-quality", "Data quality"),
    ]
    .iter()
    .map(|(id, name)| format!(r##"<a href="#{id}">{name}</a>"##))
    .collect::<Vec<_>>()
    .join("");
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>cxqa quality report</title><style>{STYLE}</style></head>
<body><main><header><h1>Quality report</h1><p>{}</p></header><nav aria-label="Sections">{nav}</nav>
{}
</main></body></html>
"#,
        escape(&scope_text),
        sections.join("\n")
    )
}

fn agents(f: &Figures) -> String {
    let chart = charts::agent_scatter(&f.agents, f.qa_median, f.csat_median);
    let rows = f
        .agents
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                a.vendor.clone(),
                a.evaluations.to_string(),
                number(a.qa),
                a.surveys.to_string(),
                number(a.csat),
                a.transcripts.to_string(),
                signed(a.sentiment),
                a.quadrant.map_or(String::new(), |q| q.label().to_string()),
            ]
        })
        .collect();
    let classes = f
        .agents
        .iter()
        .map(|a| {
            if a.quadrant == Some(super::figures::Quadrant::Coach) {
                "coach"
            } else {
                ""
            }
        })
        .collect();
    let medians = match (f.qa_median, f.csat_median) {
        (Some(qa), Some(csat)) => {
            format!(" The medians split the agents: QA {qa:.1}, CSAT {csat:.1}.")
        }
        _ => String::new(),
    };
    section(
        "agents",
        "QA against CSAT, per agent",
        &format!(
            "Agents who score well on QA but badly with customers (high QA, low CSAT) are the coaching list, first in the table.{medians} Sentiment is the average of the agent's transcripts, −1 to +1."
        ),
        &(chart
            + &table(
                &[
                    "agent",
                    "vendor",
                    "evaluations",
                    "QA",
                    "surveys",
                    "CSAT",
                    "transcripts",
                    "sentiment",
                    "quadrant",
                ],
                &[2, 3, 4, 5, 6, 7],
                rows,
                classes,
                "No agent in this data.",
            )),
    )
}

fn versions(f: &Figures) -> String {
    let rows = f
        .versions
        .iter()
        .map(|v| {
            vec![
                v.form.clone(),
                v.version.clone(),
                v.vendor.clone(),
                v.first_used
                    .map_or("–".into(), |t| t.format("%Y-%m-%d").to_string()),
                v.count.to_string(),
                format!("{:.1}", v.mean),
                format!("{:.1}", v.five[2]),
                format!("{:.1}–{:.1}", v.five[1], v.five[3]),
            ]
        })
        .collect();
    section(
        "versions",
        "Score distribution per form and version",
        "If scores move when a form gets a new version, the change is the form's, not the agents'.",
        &(charts::version_boxes(&f.versions)
            + &table(
                &[
                    "form",
                    "version",
                    "vendor",
                    "first used",
                    "evaluations",
                    "mean",
                    "median",
                    "middle half",
                ],
                &[4, 5, 6, 7],
                rows,
                Vec::new(),
                "No scored evaluation in this data.",
            )),
    )
}

fn weeks(f: &Figures) -> String {
    let rows = f
        .weeks
        .iter()
        .map(|w| {
            vec![
                w.week.format("%Y-%m-%d").to_string(),
                number(w.qa),
                w.evaluations.to_string(),
                number(w.csat),
                w.surveys.to_string(),
                signed(w.sentiment),
                w.transcripts.to_string(),
            ]
        })
        .collect();
    section(
        "weeks",
        "Weekly trend",
        "Whether sentiment tracks QA and CSAT, week by week (weeks start on Monday).",
        &(charts::weekly_trend(&f.weeks)
            + &table(
                &[
                    "week of",
                    "QA",
                    "evaluations",
                    "CSAT",
                    "surveys",
                    "sentiment",
                    "transcripts",
                ],
                &[1, 2, 3, 4, 5, 6],
                rows,
                Vec::new(),
                "No dated record in this data.",
            )),
    )
}

fn calibration(f: &Figures) -> String {
    let rows = f
        .evaluators
        .iter()
        .map(|e| {
            vec![
                e.name.clone(),
                e.vendor.clone(),
                e.evaluations.to_string(),
                format!("{:.1}", e.mean),
                format!("{:.1}", e.others_mean),
                format!("{:+.1}", e.difference),
                format!("{:.1}", e.spread),
                e.pairs.to_string(),
            ]
        })
        .collect();
    section(
        "calibration",
        "Evaluator calibration",
        "Each evaluator against the other evaluators on the same agents and forms: below zero scores harder than peers, above zero softer.",
        &(charts::calibration(&f.evaluators)
            + &table(
                &[
                    "evaluator",
                    "vendor",
                    "evaluations",
                    "mean",
                    "others' mean",
                    "difference",
                    "spread",
                    "shared pairs",
                ],
                &[2, 3, 4, 5, 6, 7],
                rows,
                Vec::new(),
                "No two evaluators scored the same agent on the same form.",
            )),
    )
}

fn failures(f: &Figures) -> String {
    let mut counts: std::collections::BTreeMap<String, f64> = Default::default();
    for failure in &f.failures {
        *counts
            .entry(format!("{} ({})", failure.form, failure.kind))
            .or_default() += 1.0;
    }
    if !f.mismatches.is_empty() {
        counts.insert("score mismatches".into(), f.mismatches.len() as f64);
    }
    let chart = charts::bars(
        "chart-failures",
        "Critical and kill failures per form, and score mismatches",
        "How many evaluations failed a critical or kill question, per form, and how many vendor totals disagree with the score cxqa computed.",
        &counts.into_iter().collect::<Vec<_>>(),
        "",
        "No critical or kill failure and no score mismatch in this data.",
    );
    let failure_rows = f
        .failures
        .iter()
        .map(|x| {
            vec![
                x.assessment_id.clone(),
                x.vendor.clone(),
                x.agent.clone(),
                x.form.clone(),
                x.kind.to_string(),
                number(x.score),
            ]
        })
        .collect();
    let mismatch_rows = f
        .mismatches
        .iter()
        .map(|m| {
            vec![
                m.assessment_id.clone(),
                m.vendor.clone(),
                format!("{:.1}", m.vendor_score),
                format!("{:.1}", m.computed_score),
                format!("{:+.1}", m.difference),
            ]
        })
        .collect();
    section(
        "failures",
        "Critical and kill failures, score mismatches",
        "Evaluations that failed a critical or kill question, and those whose vendor total differs from the score computed from the form's weights.",
        &(chart
            + "<h3>Failures</h3>"
            + &table(
                &["evaluation", "vendor", "agent", "form", "failure", "score"],
                &[5],
                failure_rows,
                Vec::new(),
                "No critical or kill failure.",
            )
            + "<h3>Score mismatches</h3>"
            + &table(
                &[
                    "evaluation",
                    "vendor",
                    "vendor total",
                    "computed",
                    "difference",
                ],
                &[2, 3, 4],
                mismatch_rows,
                Vec::new(),
                "No score mismatch.",
            )),
    )
}

fn data_quality(f: &Figures) -> String {
    let shares: Vec<(String, f64)> = f
        .coverage
        .iter()
        .filter_map(|c| {
            let (found, of) = c.joined?;
            (of > 0).then(|| {
                (
                    format!("{} {}", c.vendor, c.stream),
                    found as f64 * 100.0 / of as f64,
                )
            })
        })
        .collect();
    let chart = charts::bars(
        "chart-coverage",
        "Records joined to their interaction",
        "Per vendor and stream, the share of evaluations, surveys and transcripts whose interaction the store holds.",
        &shares,
        "%",
        "No record names an interaction in this data.",
    );
    let coverage_rows = f
        .coverage
        .iter()
        .map(|c| {
            vec![
                c.vendor.clone(),
                c.stream.to_string(),
                c.live.to_string(),
                c.deleted.to_string(),
                c.joined
                    .map_or("–".into(), |(found, of)| format!("{found} of {of}")),
            ]
        })
        .collect();
    let pii_rows = f
        .pii
        .iter()
        .map(|p| {
            vec![
                p.vendor.clone(),
                p.kind.clone(),
                p.redacted.to_string(),
                p.masked.to_string(),
                p.unmasked.to_string(),
            ]
        })
        .collect();
    let run_rows = f
        .runs
        .iter()
        .map(|r| {
            vec![
                r.pipeline.clone(),
                r.vendor.clone(),
                r.stream.clone(),
                r.updated_at.clone(),
            ]
        })
        .collect();
    section(
        "data-quality",
        "Data quality",
        "How complete the store is: records per stream with tombstones (deleted at the vendor), how many name an interaction the store holds, personal data found in transcripts, and when each stream last committed.",
        &(chart
            + "<h3>Records, tombstones and joins</h3>"
            + &table(
                &[
                    "vendor",
                    "stream",
                    "live",
                    "tombstones",
                    "joined to an interaction",
                ],
                &[2, 3],
                coverage_rows,
                Vec::new(),
                "The store is empty.",
            )
            + "<h3>Personal data in transcripts</h3>"
            + &table(
                &[
                    "vendor",
                    "kind",
                    "masked by cxqa",
                    "labelled by the vendor",
                    "in clear",
                ],
                &[2, 3, 4],
                pii_rows,
                Vec::new(),
                "No personal data found in transcripts.",
            )
            + "<h3>Last run per stream</h3>"
            + &table(
                &["pipeline", "vendor", "stream", "last commit (UTC)"],
                &[],
                run_rows,
                Vec::new(),
                "No run recorded in this store.",
            )),
    )
}
