//! What the CLI prints: tables for people, built from the runner's structured reports.

use cxqa_core::connector::{CheckReport, ConnectorRegistration};
use cxqa_runner::{Pipeline, RunReport};
use std::fmt::Write;

/// Left-aligned first column, right-aligned numbers, two spaces between columns.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(header.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        .chain(rows.iter().cloned())
    {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i == 0 || i == row.len() - 1 {
                    format!("{cell:<width$}", width = widths[i])
                } else {
                    format!("{cell:>width$}", width = widths[i])
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

pub fn connectors(registry: &[&ConnectorRegistration]) -> String {
    let rows: Vec<Vec<String>> = registry
        .iter()
        .map(|r| {
            vec![
                r.vendor.to_string(),
                cxqa_core::stream::list(r.streams),
                r.description.to_string(),
            ]
        })
        .collect();
    table(&["vendor", "streams", "description"], &rows)
}

pub fn validated(pipeline: &Pipeline) -> String {
    let extract = &pipeline.extract;
    let window = match (extract.from, extract.window) {
        (Some(from), _) => format!(
            "from {from} to {}",
            extract
                .to
                .map_or("the run's start".into(), |t| t.to_string())
        ),
        (None, Some(length)) => format!("the last {length}"),
        (None, None) => "unset".into(),
    };
    format!(
        "pipeline `{}` is valid: vendor {}, streams {}, window {}{}, sink {}",
        pipeline.name,
        pipeline.vendor,
        cxqa_core::stream::list(&extract.streams),
        window,
        if extract.incremental {
            format!(" (incremental, look-back {})", extract.lookback)
        } else {
            String::new()
        },
        pipeline.sink.describe(),
    )
}

pub fn check(pipeline: &Pipeline, report: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "vendor:   {}", pipeline.vendor);
    let _ = writeln!(
        out,
        "account:  {}",
        report.account.as_deref().unwrap_or("(not reported)")
    );
    if let Some(base) = &report.api_base {
        let _ = writeln!(out, "api base: {base}");
    }
    if !report.visible_scopes.is_empty() {
        let _ = writeln!(
            out,
            "visible divisions ({}): {}",
            report.visible_scopes.len(),
            report.visible_scopes.join(", ")
        );
    }
    let rows: Vec<Vec<String>> = report
        .streams
        .iter()
        .map(|s| {
            vec![
                s.stream.to_string(),
                if s.ok { "ok".into() } else { "FAILED".into() },
                s.detail.clone(),
            ]
        })
        .collect();
    out.push_str(&table(&["stream", "access", "detail"], &rows));
    out
}

pub fn run_summary(report: &RunReport) -> String {
    let rows: Vec<Vec<String>> = report
        .streams
        .iter()
        .map(|s| {
            vec![
                s.stream.map(|s| s.to_string()).unwrap_or_default(),
                s.fetched.to_string(),
                s.written.inserted.to_string(),
                s.written.updated.to_string(),
                s.written.unchanged.to_string(),
                s.written.tombstoned.to_string(),
                s.written.revived.to_string(),
                s.vendor_total.map_or("-".into(), |t| t.to_string()),
                s.requests.requests.to_string(),
                s.requests.retries.to_string(),
                s.requests.rate_limited.to_string(),
                format!("{:.1}s", s.requests.waited_ms as f64 / 1000.0),
                format!("{:.1}s", s.elapsed_ms as f64 / 1000.0),
                match &s.error {
                    None if s.resumed => "ok (resumed)".into(),
                    None => "ok".into(),
                    Some(e) => format!("FAILED: {e}"),
                },
            ]
        })
        .collect();
    let mut out = format!(
        "\n{} / {}: {:.1}s\n",
        report.pipeline,
        report.vendor,
        report.elapsed_ms as f64 / 1000.0
    );
    out.push_str(&table(
        &[
            "stream",
            "fetched",
            "inserted",
            "updated",
            "unchanged",
            "tombstoned",
            "revived",
            "vendor total",
            "requests",
            "retries",
            "429s",
            "waited",
            "elapsed",
            "status",
        ],
        &rows,
    ));
    if report.requests.retries > 0 {
        let _ = writeln!(
            out,
            "  {} retries; the longest wait before a request was {:.1}s",
            report.requests.retries,
            report.requests.longest_wait_ms as f64 / 1000.0
        );
    }
    for stream in report.streams.iter().filter(|s| !s.divisions.is_empty()) {
        let counts: Vec<String> = stream
            .divisions
            .iter()
            .map(|(d, n)| {
                let name = report.division_names.get(d).unwrap_or(d);
                format!("{name}: {n}")
            })
            .collect();
        let name = stream.stream.map(|s| s.to_string()).unwrap_or_default();
        let _ = writeln!(out, "  {name} per division: {}", counts.join(", "));
    }
    out
}

pub fn agent_quality(rows: &[cxqa_sinks::report::AgentQuality]) -> String {
    let avg = |v: Option<f64>, n: i64| v.map_or("-".to_string(), |v| format!("{v:.1} ({n})"));
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.vendor.clone(),
                r.name.clone().unwrap_or_else(|| r.agent_id.clone()),
                avg(r.qa_average, r.assessments),
                avg(r.csat_average, r.surveys),
                r.sentiment_average
                    .map_or("-".to_string(), |v| format!("{v:+.2} ({})", r.transcripts)),
            ]
        })
        .collect();
    let mut out = String::from(
        "\nper-agent quality (average, count; QA and CSAT on 0–100, sentiment on -1…1)\n",
    );
    out.push_str(&table(
        &["vendor", "agent", "QA score", "CSAT", "sentiment"],
        &rows,
    ));
    out
}
