//! `cxqa demo` as a new user runs it: the store it leaves holds no personal data in clear, and
//! the quality report it writes shows what the store holds.
//! The emulator plants card numbers, e-mail addresses and phone numbers in transcripts,
//! evaluator comments and survey verbatims; the default `pii = "mask"` must leave none of them,
//! in any column of any table, in the database file and its journal, the audit log or the report.

use cxqa_core::pii::{PiiDetector, PiiKind};
use cxqa_emulator::world::PLANTED_PII;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Every string inside a column value: the value itself, or each string of its JSON.
fn strings(value: &str, out: &mut Vec<String>) {
    fn walk(json: &serde_json::Value, out: &mut Vec<String>) {
        match json {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(json @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => walk(&json, out),
        _ => out.push(value.to_string()),
    }
}

/// (table, column, kind) of every value in clear the detector finds in the database; agents'
/// own directory addresses are theirs to keep.
fn pii_in_clear(path: &Path) -> Vec<(String, String, PiiKind)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let directory: BTreeSet<String> = conn
        .prepare("SELECT json_extract(record, '$.email') FROM agents WHERE json_extract(record, '$.email') IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!directory.is_empty(), "the demo stores agents");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let detector = PiiDetector::default();
    let mut found = Vec::new();
    for table in tables {
        let mut statement = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns: Vec<String> = statement.column_names().map(str::to_string).collect();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for (i, column) in columns.iter().enumerate() {
                let Ok(Some(text)) = row.get::<_, Option<String>>(i) else {
                    continue;
                };
                let mut values = Vec::new();
                strings(&text, &mut values);
                for value in values.iter().filter(|v| !directory.contains(*v)) {
                    for finding in detector.scan(value).into_iter().filter(|f| !f.masked) {
                        found.push((table.clone(), column.clone(), finding.kind));
                    }
                }
            }
        }
    }
    found
}

/// The planted values as they were said and as bare digits, for a byte search.
fn planted_forms() -> Vec<String> {
    let mut forms = Vec::new();
    for value in PLANTED_PII.all() {
        forms.push(value.to_string());
        if !value.contains('@') {
            forms.push(value.chars().filter(char::is_ascii_digit).collect());
        }
    }
    forms
}

/// One `cxqa demo` for every test here: its folder and what it printed.
fn demo() -> &'static (tempfile::TempDir, String) {
    static DEMO: std::sync::OnceLock<(tempfile::TempDir, String)> = std::sync::OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_cxqa"))
            .arg("demo")
            .current_dir(dir.path())
            .env_remove("CXQA_LOG")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (dir, stdout)
    })
}

#[test]
fn the_demo_store_holds_no_personal_data_in_clear() {
    let (dir, stdout) = demo();
    assert!(
        stdout.contains("were masked before storing"),
        "the demo's warnings say what was masked:\n{stdout}"
    );

    let store = dir.path().join("cxqa-demo/cxqa.sqlite");
    let found = pii_in_clear(&store);
    assert!(found.is_empty(), "personal data in clear: {found:?}");

    // The files themselves, free pages and journal included, and the audit log.
    let mut files = vec![
        store.clone(),
        dir.path().join("cxqa-demo/audit.jsonl"),
        dir.path().join("cxqa-demo/report.html"),
    ];
    for suffix in ["-wal", "-journal"] {
        let journal = store.with_file_name(format!("cxqa.sqlite{suffix}"));
        if journal.exists() {
            files.push(journal);
        }
    }
    for file in files {
        let bytes = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for form in planted_forms() {
            assert!(
                !bytes.contains(&form),
                "{} holds a planted value",
                file.display()
            );
        }
    }
}

/// The row of the report's agent table for `name` at `vendor`, as its cells' text.
fn agent_row(html: &str, name: &str, vendor: &str) -> Option<Vec<String>> {
    let table = html
        .split(r#"<section id="agents""#)
        .nth(1)?
        .split("</section>")
        .next()?;
    table.split("<tr").skip(1).find_map(|row| {
        let cells: Vec<String> = row
            .split("<td")
            .skip(1)
            .map(|cell| {
                let text = cell.split_once('>').map_or("", |(_, rest)| rest);
                text.split("</td>").next().unwrap_or("").to_string()
            })
            .collect();
        (cells.first().map(String::as_str) == Some(&escape(name))
            && cells.get(1).map(String::as_str) == Some(vendor))
        .then_some(cells)
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[test]
fn the_demo_writes_a_self_contained_report_of_every_agent_with_the_stores_numbers() {
    let (dir, stdout) = demo();
    assert!(stdout.contains("cxqa-demo/report.html"), "{stdout}");
    let html = std::fs::read_to_string(dir.path().join("cxqa-demo/report.html")).unwrap();
    for section in [
        "agents",
        "versions",
        "weeks",
        "calibration",
        "failures",
        "data-quality",
    ] {
        let body = html
            .split(&format!(r#"<section id="{section}""#))
            .nth(1)
            .unwrap_or_else(|| panic!("no {section} section"));
        let body = body.split("</section>").next().unwrap();
        assert!(
            body.contains(r#"<svg class="chart""#) && body.contains("role=\"img\""),
            "{section} has no chart"
        );
        assert!(
            body.contains("<title id="),
            "{section}'s chart has no title"
        );
    }
    // Opens from disk: nothing to fetch, no script.
    for reference in ["<script", "src=\"http", "href=\"http", "<link", "url("] {
        assert!(
            !html.contains(reference),
            "the report refers outside itself: {reference}"
        );
    }
    // Every agent the store holds, with the numbers the README's SQL gives.
    let store = dir.path().join("cxqa-demo/cxqa.sqlite");
    let connection = rusqlite::Connection::open(&store).unwrap();
    let mut statement = connection
        .prepare("SELECT vendor, id, json_extract(record, '$.name') FROM agents WHERE deleted_at IS NULL")
        .unwrap();
    let agents: Vec<(String, String, Option<String>)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(agents.len() >= 10, "{agents:?}");
    for (vendor, id, name) in &agents {
        let name = name.clone().unwrap_or_else(|| id.clone());
        assert!(
            agent_row(&html, &name, vendor).is_some(),
            "{vendor} agent {name} is not in the report"
        );
    }
    let quality = cxqa_sinks::report::agent_quality(&store).unwrap();
    let mut compared = 0;
    for agent in quality {
        let name = agent.name.clone().unwrap_or_else(|| agent.agent_id.clone());
        let cells =
            agent_row(&html, &name, &agent.vendor).unwrap_or_else(|| panic!("{name} missing"));
        let shown = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1}"));
        assert_eq!(
            cells[2],
            agent.assessments.to_string(),
            "{name}: evaluations"
        );
        assert_eq!(cells[3], shown(agent.qa_average), "{name}: QA");
        assert_eq!(cells[4], agent.surveys.to_string(), "{name}: surveys");
        assert_eq!(cells[5], shown(agent.csat_average), "{name}: CSAT");
        compared += 1;
    }
    assert!(compared >= 10);
}
