//! Project chores.
//!
//! - `cargo xtask schema`: regenerate `config/schema.json` from the connector registry (by asking
//!   the `cxqa` binary, which links every connector).
//! - `cargo xtask bench [--scale small|medium|large]`: run every stream of each vendor against the
//!   emulator with its rate limit at the vendor's ceiling, and report throughput as a ratio of
//!   that ceiling (written to `target/bench.json` too). Timings are measured, never asserted.
//! - `cargo xtask new-connector <name>`: scaffold a connector crate and link it (one line).
//! - `cargo xtask sdk-check`: install Genesys' official Python SDK (PyPI) in `target/sdk-venv` and
//!   run `xtask/sdk_check.py` against the emulator, unchanged but for the host.

mod new_connector;

// The connectors register themselves when linked.
use cxqa_connectors as _;

use anyhow::{Context, Result, bail};
use cxqa_emulator::{EmulatorConfig, Faults, Scale};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Requests per minute per client: Genesys' documented default; CXone publishes none, so the
/// same ceiling is used for comparison.
const CEILING: u32 = 300;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("schema") => schema(),
        Some("new-connector") => match args.get(1) {
            Some(name) => new_connector::new_connector(&workspace_root(), name),
            None => bail!("usage: cargo xtask new-connector <name>"),
        },
        Some("sdk-check") => tokio::runtime::Runtime::new()?.block_on(sdk_check()),
        Some("bench") => {
            let scale = match args.iter().position(|a| a == "--scale") {
                Some(i) => args
                    .get(i + 1)
                    .context("--scale needs small, medium or large")?
                    .parse()
                    .map_err(anyhow::Error::msg)?,
                None => Scale::Small,
            };
            tokio::runtime::Runtime::new()?.block_on(bench(scale))
        }
        _ => {
            eprintln!("usage: cargo xtask schema            # regenerate config/schema.json");
            eprintln!(
                "       cargo xtask bench [--scale S]  # throughput against the emulator's rate-limit ceiling"
            );
            eprintln!(
                "       cargo xtask new-connector NAME # scaffold connectors/cxqa-NAME and link it"
            );
            eprintln!(
                "       cargo xtask sdk-check          # Genesys' Python SDK against the emulator"
            );
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn schema() -> Result<()> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&root)
        .args(["run", "--quiet", "--package", "cxqa", "--", "schema"])
        .output()
        .context("running `cxqa schema`")?;
    if !output.status.success() {
        bail!(
            "`cxqa schema` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let path = root.join("config/schema.json");
    let before = std::fs::read(&path).unwrap_or_default();
    if before == output.stdout {
        println!("config/schema.json is up to date");
    } else {
        std::fs::write(&path, &output.stdout)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote config/schema.json");
    }
    Ok(())
}

/// The demo `[source]` of `vendor` (config/demo-<vendor>.toml), at the ceiling.
fn source(vendor: &str, emulator: &cxqa_emulator::RunningEmulator) -> Result<String> {
    let path = workspace_root().join(format!("config/demo-{vendor}.toml"));
    let demo =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    cxqa_runner::pipeline::emulator_source(
        &demo,
        vendor,
        emulator.url(vendor),
        &[("requests_per_minute", i64::from(CEILING))],
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

async fn bench(scale: Scale) -> Result<()> {
    let mut results = Vec::new();
    println!(
        "vendor    records  requests  429s  seconds  req/min  ratio to the {CEILING}/min ceiling  records/s"
    );
    for vendor in cxqa_emulator::vendors() {
        let config = EmulatorConfig {
            scale,
            // The vendor's ceiling, per client, over a sliding minute; extraction spacing shortened.
            faults: Faults {
                rate_limit_per_minute: Some(CEILING),
                ..Faults::default()
            }
            .with("data_extraction_spacing_secs", 1),
            ..EmulatorConfig::new()
        };
        let emulator = cxqa_emulator::start(config).await?;
        let streams: Vec<&str> = cxqa_core::connector::find(vendor)
            .with_context(|| format!("no connector is registered for `{vendor}`"))?
            .streams
            .iter()
            .map(|s| s.as_str())
            .collect();
        let dir = tempfile::tempdir()?;
        let text = format!(
            "[source]\n{}\n\n[extract]\nstreams = {streams:?}\nwindow = \"P7D\"\nconcurrency = 4\n\n[sink]\nkind = \"sqlite\"\npath = \"{}\"\n",
            source(vendor, &emulator)?,
            dir.path().join("bench.sqlite").display()
        );
        let pipeline = cxqa_runner::Pipeline::parse(&text, "bench", &|_| None)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let started = Instant::now();
        let report = cxqa_runner::run_pipeline(&pipeline, &cxqa_runner::Silent).await?;
        let seconds = started.elapsed().as_secs_f64();
        if !report.succeeded() {
            bail!(
                "{vendor}: the benchmark run failed: {:?}",
                report
                    .streams
                    .iter()
                    .filter_map(|s| s.error.as_ref())
                    .collect::<Vec<_>>()
            );
        }
        let records: u64 = report.streams.iter().map(|s| s.fetched).sum();
        let per_minute = report.requests.requests as f64 / seconds * 60.0;
        let ratio = per_minute / f64::from(CEILING);
        println!(
            "{vendor:<8} {records:>8} {:>9} {:>5} {seconds:>8.1} {per_minute:>8.0} {ratio:>33.2} {:>10.1}",
            report.requests.requests,
            report.requests.rate_limited,
            records as f64 / seconds
        );
        results.push(serde_json::json!({
            "vendor": vendor, "records": records, "requests": report.requests.requests,
            "rate_limited": report.requests.rate_limited, "seconds": seconds,
            "requests_per_minute": per_minute, "ceiling_per_minute": CEILING, "ratio_to_ceiling": ratio,
        }));
        emulator.stop().await;
    }
    let out = workspace_root().join("target/bench.json");
    std::fs::write(&out, serde_json::to_string_pretty(&results)? + "\n")?;
    println!("written to {}", out.display());
    Ok(())
}

async fn sdk_check() -> Result<()> {
    let root = workspace_root();
    let venv = root.join("target/sdk-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .context("python3 -m venv")?;
        anyhow::ensure!(status.success(), "could not create {}", venv.display());
    }
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "PureCloudPlatformClientV2"])
        .status()
        .context("pip install")?;
    anyhow::ensure!(
        status.success(),
        "pip could not install PureCloudPlatformClientV2"
    );
    let emulator = cxqa_emulator::start(EmulatorConfig::only("genesys")).await?;
    let url = emulator.url("genesys").to_string();
    let script = root.join("xtask/sdk_check.py");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("CXQA_EMULATOR_GENESYS_URL", url)
            .output()
    })
    .await??;
    print!("{}", String::from_utf8_lossy(&output.stdout));
    anyhow::ensure!(
        output.status.success(),
        "the SDK failed against the emulator:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!("PureCloudPlatformClientV2 ran against the emulator unchanged but for the host");
    emulator.stop().await;
    Ok(())
}
