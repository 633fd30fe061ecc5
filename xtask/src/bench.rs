//! `cargo xtask bench`: what users wait for and what it costs, measured against the emulator.
//!
//! - `ceiling`: every stream of each vendor at `--scale medium` against the emulator limited to
//!   the vendor's per-client ceiling (300 requests a minute): how close the client runs to the
//!   ceiling, and how many requests it makes against the fewest the API allows (the floor).
//! - `cpu`: the release `cxqa` binary as its own process against the emulator with no rate limit
//!   and no latency at `--scale large`; its user + system CPU from the OS (`wait4`), the median
//!   of five runs (every run's CPU is written beside it).
//! - `memory`: the peak RSS of that process while it writes all streams of `--scale xlarge`
//!   into SQLite: about 60,000 records (two days) and over 200,000 (seven days).
//!
//! Everything is printed as tables and written to `target/bench.json`. Timings are measured,
//! never asserted.

use anyhow::{Context, Result, bail};
use cxqa_emulator::{EmulatorConfig, Faults, RunningEmulator, Scale};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Requests per minute per client: Genesys' documented default; CXone publishes none, so the
/// same ceiling is used.
const CEILING: u32 = 300;
/// CXone's documented Data Extraction rule: one call per tenant every 30 s.
const EXTRACTION_SPACING_SECS: u64 = 30;
/// Status polls a Data Extraction job answers RUNNING before it succeeds, in the ceiling run.
const EMULATED_POLLS: u64 = 1;

/// The bench runs the emulator in its own process's runtime: an unoptimized emulator would
/// measure itself. A debug `cargo xtask bench` builds and runs the optimized xtask instead.
pub fn bench_optimized(root: &Path) -> Result<()> {
    if cfg!(debug_assertions) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(root)
            .args([
                "run",
                "--quiet",
                "--release",
                "--package",
                "xtask",
                "--",
                "bench",
            ])
            .status()
            .context("cargo run --release --package xtask")?;
        anyhow::ensure!(status.success(), "the benchmark failed");
        return Ok(());
    }
    tokio::runtime::Runtime::new()?.block_on(bench(root))
}

async fn bench(root: &Path) -> Result<()> {
    let binary = release_binary(root)?;
    let started = Instant::now();
    let mut ceiling = serde_json::Map::new();
    let mut cpu = serde_json::Map::new();
    let mut memory = serde_json::Map::new();
    // The vendors' ceiling runs wait on their own emulators' limits, not on the machine: they
    // run side by side, each timed alone.
    eprintln!("ceiling: {} …", cxqa_emulator::vendors().join(", "));
    let runs = futures::future::join_all(
        cxqa_emulator::vendors()
            .into_iter()
            .map(|vendor| async move { (vendor, ceiling_of(root, vendor).await) }),
    )
    .await;
    for (vendor, run) in runs {
        ceiling.insert(vendor.to_string(), run?);
    }
    print_ceiling(&ceiling);
    // One emulator per scale serves every vendor: its world is generated once.
    let emulator = unlimited(Scale::Large).await?;
    for vendor in cxqa_emulator::vendors() {
        eprintln!("cpu: {vendor} …");
        cpu.insert(
            vendor.to_string(),
            cpu_of(root, &binary, vendor, &emulator).await?,
        );
    }
    emulator.stop().await;
    print_cpu(&cpu);
    let emulator = unlimited(Scale::Xlarge).await?;
    for vendor in cxqa_emulator::vendors() {
        eprintln!("memory: {vendor} …");
        memory.insert(
            vendor.to_string(),
            memory_of(root, &binary, vendor, &emulator).await?,
        );
    }
    emulator.stop().await;
    print_memory(&memory);
    let out = root.join("target/bench.json");
    let report = json!({
        "date": chrono::Utc::now().format("%Y-%m-%d").to_string(),
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "seconds": started.elapsed().as_secs_f64().round(),
        "ceiling": ceiling,
        "cpu": cpu,
        "memory": memory,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&report)? + "\n")?;
    println!(
        "written to {} ({:.0} s)",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Builds the release binary the `cpu` and `memory` measurements run.
fn release_binary(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "--quiet", "--package", "cxqa"])
        .status()
        .context("cargo build --release")?;
    anyhow::ensure!(status.success(), "the release build failed");
    Ok(root.join("target/release/cxqa"))
}

/// Every stream `vendor`'s connector offers.
fn streams(vendor: &str) -> Result<Vec<&'static str>> {
    Ok(cxqa_core::connector::find(vendor)
        .with_context(|| format!("no connector is registered for `{vendor}`"))?
        .streams
        .iter()
        .map(|s| s.as_str())
        .collect())
}

/// A pipeline of the demo `[source]` of `vendor` with `overrides`, into SQLite at `store`.
fn pipeline_text(
    root: &Path,
    vendor: &str,
    emulator: &RunningEmulator,
    overrides: &[(&str, i64)],
    streams: &[&str],
    window: &str,
    store: &Path,
) -> Result<String> {
    let path = root.join(format!("config/demo-{vendor}.toml"));
    let demo =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let source =
        cxqa_runner::pipeline::emulator_source(&demo, vendor, emulator.url(vendor), overrides)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(format!(
        "name = \"bench-{vendor}\"\n\n[source]\n{source}\n\n[extract]\nstreams = {streams:?}\nwindow = \"{window}\"\nconcurrency = 4\n\n[sink]\nkind = \"sqlite\"\npath = \"{}\"\n",
        store.display()
    ))
}

async fn ceiling_of(root: &Path, vendor: &str) -> Result<Value> {
    let config = EmulatorConfig {
        scale: Scale::Medium,
        // The vendor's ceiling, per client, over a sliding minute, and CXone's documented
        // Data Extraction spacing.
        faults: Faults {
            rate_limit_per_minute: Some(CEILING),
            ..Faults::default()
        }
        .with("data_extraction_spacing_secs", EXTRACTION_SPACING_SECS)
        .with("data_extraction_polls", EMULATED_POLLS),
        ..EmulatorConfig::new()
    };
    let emulator = cxqa_emulator::start(config).await?;
    let dir = tempfile::tempdir()?;
    let store = dir.path().join("bench.sqlite");
    let text = pipeline_text(
        root,
        vendor,
        &emulator,
        &[
            ("requests_per_minute", i64::from(CEILING)),
            ("extraction_spacing_secs", EXTRACTION_SPACING_SECS as i64),
            ("extraction_poll_ms", 2000),
        ],
        &streams(vendor)?,
        "P1D",
        &store,
    )?;
    let pipeline = cxqa_runner::Pipeline::parse(&text, "bench", &|_| None)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let report = cxqa_runner::run_pipeline(&pipeline, &cxqa_runner::Silent).await?;
    let seconds = started.elapsed().as_secs_f64();
    if !report.succeeded() {
        bail!(
            "{vendor}: the ceiling run failed: {:?}",
            report
                .streams
                .iter()
                .filter_map(|s| s.error.as_ref())
                .collect::<Vec<_>>()
        );
    }
    let routes = emulator.stats().by_route;
    let api = report.requests.api_requests();
    let records: u64 = report.streams.iter().map(|s| s.fetched).sum();
    let window = report
        .streams
        .iter()
        .find_map(|s| s.window)
        .context("the run reported no window")?;
    let days = crate::floor::Window {
        started: window.from,
        ended: window.to,
        from: window.from.date_naive(),
        to: (window.to - chrono::Duration::nanoseconds(1)).date_naive() + chrono::Duration::days(1),
    };
    let floors = crate::floor::floors(vendor, &store, days, EMULATED_POLLS, &emulator)?;
    emulator.stop().await;
    // Time the documented rules force (CXone's job spacing) counts as time at the ceiling: the
    // run can end no sooner than that, nor than its requests at the ceiling allow.
    let forced = crate::floor::forced_wait_secs(vendor, &routes, EXTRACTION_SPACING_SECS) as f64;
    let at_ceiling = api as f64 / f64::from(CEILING) * 60.0;
    let floor: u64 = floors.values().sum();
    let mut per_stream: BTreeMap<String, Value> = report
        .streams
        .iter()
        .filter_map(|s| Some((s.stream?.as_str().to_string(), s)))
        .map(|(name, s)| {
            let floor = floors.get(&name).copied().unwrap_or(0);
            (
                name,
                json!({
                    "records": s.fetched, "requests": s.requests.api_requests(),
                    "presigned": s.requests.presigned, "floor": floor,
                    "requests_over_floor": ratio(s.requests.api_requests(), floor),
                }),
            )
        })
        .collect();
    let in_streams: u64 = report
        .streams
        .iter()
        .map(|s| s.requests.api_requests())
        .sum();
    let run_floor = floors.get(crate::floor::RUN).copied().unwrap_or(0);
    per_stream.insert(
        crate::floor::RUN.into(),
        json!({
            "records": 0, "requests": api - in_streams, "presigned": 0, "floor": run_floor,
            "requests_over_floor": ratio(api - in_streams, run_floor),
        }),
    );
    let shared = crate::floor::shared(vendor);
    let (shared_requests, shared_floor) = shared
        .iter()
        .filter_map(|stream| per_stream.get(*stream))
        .fold((0, 0), |(r, f), s| {
            (r + int(&s["requests"]), f + int(&s["floor"]))
        });
    Ok(json!({
        "ratio_to_ceiling": at_ceiling.max(forced) / seconds,
        "requests_per_minute": api as f64 / seconds * 60.0,
        "forced_wait_seconds": forced,
        "requests": api,
        "records": records,
        "requests_over_floor": ratio(api, floor),
        "floor": floor,
        "seconds": seconds,
        "presigned_downloads": report.requests.presigned,
        "rate_limited": report.requests.rate_limited,
        "streams": per_stream,
        "shared": {
            "streams": shared, "requests": shared_requests, "floor": shared_floor,
            "requests_over_floor": ratio(shared_requests, shared_floor),
        },
        "routes": routes,
    }))
}

fn ratio(requests: u64, floor: u64) -> f64 {
    if floor == 0 {
        return if requests == 0 { 1.0 } else { f64::INFINITY };
    }
    requests as f64 / floor as f64
}

/// What one run of the release binary cost the OS.
struct Usage {
    cpu_seconds: f64,
    peak_rss_mb: f64,
    records: u64,
    interactions: u64,
    seconds: f64,
}

/// Runs `cxqa run` on the pipeline as its own process and reads its resource usage.
fn measure(binary: &Path, text: &str, dir: &Path) -> Result<Usage> {
    let file = dir.join("pipeline.toml");
    std::fs::write(&file, text)?;
    let summary = dir.join("summary.json");
    let started = Instant::now();
    let output = Command::new("python3")
        .args(["-c", RUSAGE])
        .arg(binary)
        .arg("run")
        .arg(&file)
        .arg("--summary-json")
        .arg(&summary)
        .output()
        .context("python3 measures the release cxqa (wait4 on its one child)")?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        output.status.success(),
        "cxqa run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let usage: Value = serde_json::from_slice(&output.stdout)?;
    let report: Value = serde_json::from_slice(&std::fs::read(&summary)?)?;
    let fetched = |stream: Option<&str>| -> u64 {
        report["streams"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| stream.is_none_or(|name| s["stream"] == name))
            .map(|s| s["fetched"].as_u64().unwrap_or(0))
            .sum()
    };
    Ok(Usage {
        cpu_seconds: usage["cpu_seconds"].as_f64().unwrap_or(f64::NAN),
        peak_rss_mb: usage["peak_rss_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0,
        records: fetched(None),
        interactions: fetched(Some("interactions")),
        seconds,
    })
}

/// Runs of each CPU measurement; the median is reported, with every run's CPU beside it (one
/// run on this machine varies by a fifth either way, and whole bench runs by a sixth).
const CPU_RUNS: usize = 5;

/// [`measure`] run [`CPU_RUNS`] times on a fresh store each time: the run of median CPU, and
/// every run's CPU seconds, least first.
fn median_of_runs(binary: &Path, text: &str, dir: &Path) -> Result<(Usage, Vec<f64>)> {
    let mut runs = Vec::new();
    for _ in 0..CPU_RUNS {
        for file in ["bench.sqlite", "bench.sqlite-wal", "bench.sqlite-shm"] {
            let _ = std::fs::remove_file(dir.join(file));
        }
        runs.push(measure(binary, text, dir)?);
    }
    runs.sort_by(|a, b| a.cpu_seconds.total_cmp(&b.cpu_seconds));
    let all = runs.iter().map(|run| run.cpu_seconds).collect();
    Ok((runs.swap_remove(CPU_RUNS / 2), all))
}

/// Runs its arguments as its one child and prints that child's user + system CPU and peak RSS
/// as the kernel accounted them (`wait4` on its pid; Linux reports KiB). Not
/// `getrusage(RUSAGE_CHILDREN)`: that also counts whatever ran before the interpreter in the same
/// process, such as a version manager's shell shim (about 60 ms of CPU per run here). The
/// workspace forbids `unsafe`, which calling `wait4` from Rust would need.
const RUSAGE: &str = r#"
import json, os, subprocess, sys, tempfile
with tempfile.TemporaryFile() as err:
    child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        err.seek(0)
        sys.stderr.write(err.read().decode(errors="replace")[-4000:])
        sys.exit(1)
print(json.dumps({"cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_kib": usage.ru_maxrss}))
"#;

/// The emulator with nothing in the way: no rate limit, no latency, no extraction spacing.
async fn unlimited(scale: Scale) -> Result<RunningEmulator> {
    Ok(cxqa_emulator::start(EmulatorConfig {
        scale,
        faults: Faults::default()
            .with("data_extraction_spacing_secs", 0)
            .with("data_extraction_polls", 0),
        ..EmulatorConfig::new()
    })
    .await?)
}

/// The client's settings with its pacer and Data Extraction waits out of the way.
const UNPACED: [(&str, i64); 3] = [
    (
        "requests_per_minute",
        cxqa_core::config::MAX_REQUESTS_PER_MINUTE as i64,
    ),
    ("extraction_spacing_secs", 0),
    ("extraction_poll_ms", 10),
];

async fn cpu_of(
    root: &Path,
    binary: &Path,
    vendor: &str,
    emulator: &RunningEmulator,
) -> Result<Value> {
    let mut out = serde_json::Map::new();
    for (label, streams) in [
        ("interactions", vec!["interactions"]),
        ("all_streams", streams(vendor)?),
    ] {
        let dir = tempfile::tempdir()?;
        let text = pipeline_text(
            root,
            vendor,
            emulator,
            &UNPACED,
            &streams,
            "P7D",
            &dir.path().join("bench.sqlite"),
        )?;
        let binary = binary.to_path_buf();
        let (usage, runs) =
            tokio::task::spawn_blocking(move || median_of_runs(&binary, &text, dir.path()))
                .await??;
        if label == "interactions" {
            out.insert(
                "interactions_per_cpu_second".into(),
                json!(usage.interactions as f64 / usage.cpu_seconds),
            );
            out.insert("interactions".into(), json!(usage.interactions));
            out.insert("interactions_cpu_seconds".into(), json!(usage.cpu_seconds));
            out.insert("interactions_cpu_seconds_runs".into(), json!(runs));
        } else {
            out.insert(
                "records_per_cpu_second".into(),
                json!(usage.records as f64 / usage.cpu_seconds),
            );
            out.insert("records".into(), json!(usage.records));
            out.insert("cpu_seconds".into(), json!(usage.cpu_seconds));
            out.insert("cpu_seconds_runs".into(), json!(runs));
            out.insert("seconds".into(), json!(usage.seconds));
        }
    }
    Ok(Value::Object(out))
}

async fn memory_of(
    root: &Path,
    binary: &Path,
    vendor: &str,
    emulator: &RunningEmulator,
) -> Result<Value> {
    let mut runs = Vec::new();
    for window in ["P2D", "P7D"] {
        let dir = tempfile::tempdir()?;
        let text = pipeline_text(
            root,
            vendor,
            emulator,
            &UNPACED,
            &streams(vendor)?,
            window,
            &dir.path().join("bench.sqlite"),
        )?;
        let binary = binary.to_path_buf();
        runs.push(tokio::task::spawn_blocking(move || measure(&binary, &text, dir.path())).await??);
    }
    let (small, large) = (&runs[0], &runs[1]);
    Ok(json!({
        "peak_rss_mb": large.peak_rss_mb,
        "records": large.records,
        "seconds": large.seconds,
        "smaller_run": { "peak_rss_mb": small.peak_rss_mb, "records": small.records },
        "growth": large.peak_rss_mb / small.peak_rss_mb - 1.0,
    }))
}

fn int(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn real(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn print_ceiling(ceiling: &serde_json::Map<String, Value>) {
    println!(
        "\nceiling (--scale medium, one day, {CEILING}/min per client, Data Extraction {EXTRACTION_SPACING_SECS} s)"
    );
    println!("vendor   stream              records  requests  floor  over floor  presigned");
    for (vendor, c) in ceiling {
        let shared = &c["shared"];
        for (stream, s) in c["streams"].as_object().into_iter().flatten() {
            // A stream that shares fetches is compared in the shared line.
            let over = match shared["streams"].as_array() {
                Some(streams) if streams.iter().any(|n| n == stream) => "shared".to_string(),
                _ => format!("{:.2}", real(&s["requests_over_floor"])),
            };
            println!(
                "{vendor:<8} {stream:<18} {:>8} {:>9} {:>6} {over:>11} {:>10}",
                int(&s["records"]),
                int(&s["requests"]),
                int(&s["floor"]),
                int(&s["presigned"])
            );
        }
        if int(&shared["floor"]) > 0 {
            println!(
                "{vendor:<8} {:<18} {:>8} {:>9} {:>6} {:>11.2} {:>10}",
                "(shared above)",
                "",
                int(&shared["requests"]),
                int(&shared["floor"]),
                real(&shared["requests_over_floor"]),
                ""
            );
        }
        println!(
            "{vendor:<8} {:<18} {:>8} {:>9} {:>6} {:>11.2} {:>10}",
            "all streams",
            int(&c["records"]),
            int(&c["requests"]),
            int(&c["floor"]),
            real(&c["requests_over_floor"]),
            int(&c["presigned_downloads"])
        );
        println!(
            "{vendor:<8} {:.0} s, {:.0} requests/min, {:.0} s of waits the documented rules force, ratio to the ceiling {:.3}, {} answered 429",
            real(&c["seconds"]),
            real(&c["requests_per_minute"]),
            real(&c["forced_wait_seconds"]),
            real(&c["ratio_to_ceiling"]),
            int(&c["rate_limited"])
        );
    }
}

fn print_cpu(cpu: &serde_json::Map<String, Value>) {
    println!("\ncpu (--scale large, release binary, no rate limit, into SQLite)");
    println!(
        "vendor   interactions  cpu-s  interactions/cpu-s   records  cpu-s  records/cpu-s  wall-s"
    );
    for (vendor, c) in cpu {
        println!(
            "{vendor:<8} {:>12} {:>6.2} {:>19.0} {:>9} {:>6.2} {:>14.0} {:>7.1}",
            int(&c["interactions"]),
            real(&c["interactions_cpu_seconds"]),
            real(&c["interactions_per_cpu_second"]),
            int(&c["records"]),
            real(&c["cpu_seconds"]),
            real(&c["records_per_cpu_second"]),
            real(&c["seconds"])
        );
    }
    println!("the median of {CPU_RUNS} runs; every run's CPU seconds, least first:");
    for (vendor, c) in cpu {
        println!(
            "{vendor:<8} interactions {}; all streams {}",
            runs_text(&c["interactions_cpu_seconds_runs"]),
            runs_text(&c["cpu_seconds_runs"])
        );
    }
}

fn runs_text(runs: &Value) -> String {
    let seconds: Vec<String> = runs
        .as_array()
        .into_iter()
        .flatten()
        .map(|run| format!("{:.2}", real(run)))
        .collect();
    seconds.join(" ")
}

fn print_memory(memory: &serde_json::Map<String, Value>) {
    println!("\nmemory (--scale xlarge, all streams into SQLite)");
    println!(
        "vendor    records  peak RSS MiB  wall-s   smaller run: records  peak RSS MiB  growth"
    );
    for (vendor, m) in memory {
        println!(
            "{vendor:<8} {:>8} {:>13.1} {:>7.1} {:>22} {:>13.1} {:>6.1}%",
            int(&m["records"]),
            real(&m["peak_rss_mb"]),
            real(&m["seconds"]),
            int(&m["smaller_run"]["records"]),
            real(&m["smaller_run"]["peak_rss_mb"]),
            real(&m["growth"]) * 100.0
        );
    }
}
