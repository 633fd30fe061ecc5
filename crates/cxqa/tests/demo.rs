//! `cxqa demo` as a new user runs it: the store it leaves holds no personal data in clear.
//! The emulator plants card numbers, e-mail addresses and phone numbers in transcripts,
//! evaluator comments and survey verbatims; the default `pii = "mask"` must leave none of them,
//! in any column of any table, in the database file and its journal, or in the audit log.

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

#[test]
fn the_demo_store_holds_no_personal_data_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cxqa"))
        .arg("demo")
        .current_dir(dir.path())
        .env_remove("CXQA_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("were masked before storing"),
        "the demo's warnings say what was masked:\n{stdout}"
    );

    let store = dir.path().join("cxqa-demo/cxqa.sqlite");
    let found = pii_in_clear(&store);
    assert!(found.is_empty(), "personal data in clear: {found:?}");

    // The files themselves, free pages and journal included, and the audit log.
    let mut files = vec![store.clone(), dir.path().join("cxqa-demo/audit.jsonl")];
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
