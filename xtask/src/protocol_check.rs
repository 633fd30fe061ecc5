//! `cargo xtask protocol-check`: the release `cxqa` run by the real clients of its protocols,
//! PyAirbyte (which runs a source from a local executable) and Meltano with target-jsonl, both
//! installed from PyPI into venvs under `target/`, against the emulator for every vendor.
//! `xtask/protocol_check.py` drives each client; this side builds the binary, starts the
//! emulator, writes the configs and learns what `cxqa run` stores from the same window.

use anyhow::{Context, Result, bail, ensure};
use cxqa_emulator::{EmulatorConfig, Faults, RunningEmulator};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A vendor that holds still (its history ends here), so that every sync sees the same records.
const ANCHOR: &str = "2026-11-20T12:00:00Z";

pub async fn protocol_check(root: &Path) -> Result<()> {
    let binary = crate::release_binary(root)?;
    let work = root.join("target/protocol-check");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let clients = [
        ("airbyte", crate::venv(root, "venv-airbyte", "airbyte")?),
        ("meltano", crate::venv(root, "venv-meltano", "meltano")?),
    ];
    let emulator = cxqa_emulator::start(EmulatorConfig {
        anchor: ANCHOR.parse()?,
        faults: Faults {
            rate_limit_per_minute: Some(3000),
            ..Faults::default()
        }
        .with("data_extraction_spacing_secs", 1),
        ..EmulatorConfig::new()
    })
    .await?;
    let script = root.join("xtask/protocol_check.py");
    for vendor in emulator.served() {
        let dir = work.join(vendor);
        std::fs::create_dir_all(&dir)?;
        for link in ["source-cxqa", "tap-cxqa"] {
            std::os::unix::fs::symlink(&binary, dir.join(link))?;
        }
        let config = config(root, vendor, &emulator)?;
        let config_path = dir.join("config.json");
        std::fs::write(&config_path, serde_json::to_string_pretty(&config)?)?;
        let expected = stored_by_cxqa_run(&binary, &dir, vendor, &config)?;
        let expected_path = dir.join("expected.json");
        std::fs::write(&expected_path, serde_json::to_string(&expected)?)?;
        for (client, python) in &clients {
            println!("== {client} against the emulated {vendor}");
            let (python, script, dir) = (python.clone(), script.clone(), dir.clone());
            let (config_path, expected_path) = (config_path.clone(), expected_path.clone());
            let client = client.to_string();
            let example = root.join("config/meltano.yml");
            let status = tokio::task::spawn_blocking(move || {
                Command::new(python)
                    .arg(script)
                    .args([client.as_str()])
                    .arg(&dir)
                    .arg(&config_path)
                    .arg(&expected_path)
                    .env("CXQA_MELTANO_EXAMPLE", &example)
                    .env("AIRBYTE_OFFLINE_MODE", "1")
                    .env("DO_NOT_TRACK", "1")
                    .status()
            })
            .await??;
            ensure!(status.success(), "the {vendor} check failed (see above)");
        }
    }
    emulator.stop().await;
    println!("protocol-check passed: PyAirbyte and Meltano ran cxqa for every vendor");
    Ok(())
}

/// The committed Airbyte example config of `vendor`, pointed at this emulator, paced for it and
/// over a fixed week of its history.
fn config(root: &Path, vendor: &str, emulator: &RunningEmulator) -> Result<Value> {
    let path = root.join(format!("config/airbyte-demo-{vendor}.json"));
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let Some(source) = config["source"].as_object_mut() else {
        bail!("{} has no source", path.display());
    };
    for key in ["base_url", "issuer"] {
        if source.contains_key(key) {
            source.insert(key.into(), json!(emulator.url(vendor)));
        }
    }
    if source.contains_key("extraction_spacing_secs") {
        source.insert("extraction_spacing_secs".into(), json!(1));
    }
    source.insert("requests_per_minute".into(), json!(3000));
    config["extract"] = json!({
        "from": "2026-11-13T12:00:00Z",
        "to": ANCHOR,
        "lookback": "P1D",
        "concurrency": 4,
    });
    Ok(config)
}

/// The ids per stream that `cxqa run` stores from the same config (records and deletions).
fn stored_by_cxqa_run(
    binary: &Path,
    dir: &Path,
    vendor: &str,
    config: &Value,
) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let registration =
        cxqa_core::connector::find(vendor).with_context(|| format!("no connector {vendor}"))?;
    let streams: Vec<&str> = registration.streams.iter().map(|s| s.as_str()).collect();
    let mut pipeline = config.clone();
    pipeline["name"] = json!(format!("protocol-check-{vendor}"));
    pipeline["extract"]["streams"] = json!(streams);
    pipeline["sink"] = json!({"kind": "jsonl", "dir": dir.join("cxqa-run")});
    let file = dir.join("pipeline.toml");
    std::fs::write(&file, toml::to_string(&pipeline)?)?;
    let output = Command::new(binary).arg("run").arg(&file).output()?;
    ensure!(
        output.status.success(),
        "cxqa run failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let lines = |path: PathBuf| -> Result<Vec<Value>> {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).context("a jsonl line"))
            .collect()
    };
    for stream in &streams {
        let records = lines(dir.join(format!("cxqa-run/{stream}.jsonl")))?;
        let entry = ids.entry(stream.to_string()).or_default();
        entry.extend(
            records
                .iter()
                .filter_map(|r| r["id"].as_str().map(String::from)),
        );
    }
    for tombstone in lines(dir.join("cxqa-run/tombstones.jsonl"))? {
        if let (Some(stream), Some(id)) = (tombstone["stream"].as_str(), tombstone["id"].as_str()) {
            ids.entry(stream.to_string())
                .or_default()
                .insert(id.to_string());
        }
    }
    Ok(ids)
}
