//! Project chores.
//!
//! - `cargo xtask schema`: regenerate `config/schema.json` from the connector registry (by asking
//!   the `cxqa` binary, which links every connector).
//! - `cargo xtask bench`: three measurements against the emulator, printed and written to
//!   `target/bench.json` (see `bench.rs`): `ceiling` (how close to the vendor's rate limit, and
//!   how many requests against the API's floor), `cpu` and `memory` of the release binary.
//!   Timings are measured, never asserted.
//! - `cargo xtask new-connector <name>`: scaffold a connector crate and link it (one line).
//! - `cargo xtask sdk-check`: install Genesys' official Python SDK (PyPI) in `target/sdk-venv` and
//!   run `xtask/sdk_check.py` against the emulator, unchanged but for the host.
//! - `cargo xtask report-check`: `cxqa demo` with the release binary, then its report in
//!   headless Chromium (`xtask/report_check.py`): no console error, no empty chart, no text
//!   overflowing its box; the screenshot is `target/report-check/report.png`.
//! - `cargo xtask parquet-check`: every demo pipeline into `kind = "parquet"` with the release
//!   binary built `--features parquet`, then DuckDB (PyPI) reads the datasets and prints the
//!   per-agent query (`xtask/parquet_check.py`).
//! - `cargo xtask protocol-check`: PyAirbyte and Meltano (PyPI, venvs in `target/`) run the
//!   release `cxqa` as an Airbyte source and a Singer tap against the emulator, every vendor
//!   (see `protocol_check.rs`).

mod bench;
mod floor;
mod new_connector;
mod protocol_check;

// The connectors register themselves when linked.
use cxqa_connectors as _;

use anyhow::{Context, Result, bail};
use cxqa_emulator::EmulatorConfig;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("schema") => schema(),
        Some("new-connector") => match args.get(1) {
            Some(name) => new_connector::new_connector(&workspace_root(), name),
            None => bail!("usage: cargo xtask new-connector <name>"),
        },
        Some("sdk-check") => tokio::runtime::Runtime::new()?.block_on(sdk_check()),
        Some("bench") => bench::bench_optimized(&workspace_root()),
        Some("report-check") => report_check(&workspace_root()),
        Some("parquet-check") => {
            tokio::runtime::Runtime::new()?.block_on(parquet_check(&workspace_root()))
        }
        Some("protocol-check") => tokio::runtime::Runtime::new()?
            .block_on(protocol_check::protocol_check(&workspace_root())),
        _ => {
            eprintln!("usage: cargo xtask schema            # regenerate config/schema.json");
            eprintln!(
                "       cargo xtask bench              # ceiling, cpu and memory against the emulator"
            );
            eprintln!(
                "       cargo xtask new-connector NAME # scaffold connectors/cxqa-NAME and link it"
            );
            eprintln!(
                "       cargo xtask sdk-check          # Genesys' Python SDK against the emulator"
            );
            eprintln!(
                "       cargo xtask protocol-check     # PyAirbyte and Meltano run cxqa against the emulator"
            );
            eprintln!(
                "       cargo xtask report-check       # the demo's report in headless Chromium"
            );
            eprintln!(
                "       cargo xtask parquet-check      # DuckDB reads the Parquet sink's datasets"
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

async fn sdk_check() -> Result<()> {
    let root = workspace_root();
    let python = venv(&root, "sdk-venv", "PureCloudPlatformClientV2")?;
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

/// A venv at `target/<name>` with `package` installed from PyPI; its python.
fn venv(root: &Path, name: &str, package: &str) -> Result<PathBuf> {
    let venv = root.join("target").join(name);
    let python = venv.join("bin/python");
    if !python.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .context("python3 -m venv")?;
        anyhow::ensure!(status.success(), "could not create {}", venv.display());
    }
    println!("installing {package} from PyPI into {}", venv.display());
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", package])
        .status()
        .context("pip install")?;
    anyhow::ensure!(status.success(), "pip could not install {package}");
    Ok(python)
}

/// The release build of `cxqa`, the binary `.ci/run` tests and the Dockerfile ships.
fn release_binary(root: &Path) -> Result<PathBuf> {
    release_binary_with(root, &[])
}

/// The release build of `cxqa` with `features` on.
fn release_binary_with(root: &Path, features: &[&str]) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = vec!["build", "--release", "--locked", "-p", "cxqa"];
    let features = features.join(",");
    if !features.is_empty() {
        args.extend(["--features", &features]);
    }
    let status = Command::new(cargo)
        .current_dir(root)
        .args(args)
        .status()
        .context("cargo build --release -p cxqa")?;
    anyhow::ensure!(status.success(), "the release build failed");
    Ok(root.join("target/release/cxqa"))
}

fn report_check(root: &Path) -> Result<()> {
    let binary = release_binary(root)?;
    let dir = root.join("target/report-check");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let demo = Command::new(&binary)
        .arg("demo")
        .current_dir(&dir)
        .output()
        .context("cxqa demo")?;
    anyhow::ensure!(
        demo.status.success(),
        "cxqa demo failed:\n{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let has_chromium = Command::new("sh")
        .args(["-c", "command -v chromium"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_chromium {
        println!("installing Chromium from the machine's packages");
        let status = Command::new("sh")
            .args(["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core"])
            .status()?;
        anyhow::ensure!(
            status.success(),
            "could not install Chromium: apt-get install chromium"
        );
    }
    let python = venv(root, "venv-report", "websocket-client")?;
    let status = Command::new(python)
        .arg(root.join("xtask/report_check.py"))
        .arg(dir.join("cxqa-demo/report.html"))
        .arg(dir.join("report.png"))
        .status()?;
    anyhow::ensure!(status.success(), "the report check failed (see above)");
    Ok(())
}

async fn parquet_check(root: &Path) -> Result<()> {
    let binary = release_binary_with(root, &["parquet"])?;
    let dir = root.join("target/parquet-check");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let lake = dir.join("lake");
    let emulator = cxqa_emulator::start(EmulatorConfig {
        faults: cxqa_emulator::Faults {
            rate_limit_per_minute: Some(3000),
            ..Default::default()
        }
        .with("data_extraction_spacing_secs", 1),
        ..EmulatorConfig::new()
    })
    .await?;
    for vendor in emulator.served() {
        let demo = std::fs::read_to_string(root.join(format!("config/demo-{vendor}.toml")))?;
        let source = cxqa_runner::pipeline::emulator_source(
            &demo,
            vendor,
            emulator.url(vendor),
            &[
                ("requests_per_minute", 3000),
                ("extraction_spacing_secs", 1),
            ],
        )
        .map_err(|e| anyhow::anyhow!("config/demo-{vendor}.toml: {e}"))?;
        let streams: Vec<&str> = cxqa_core::connector::find(vendor)
            .context("no connector")?
            .streams
            .iter()
            .map(|s| s.as_str())
            .collect();
        let pipeline = dir.join(format!("{vendor}.toml"));
        std::fs::write(
            &pipeline,
            format!(
                "name = \"parquet-{vendor}\"\n[source]\n{source}\n[extract]\nstreams = {streams:?}\nwindow = \"P7D\"\n[sink]\nkind = \"parquet\"\ndir = \"{}\"\n",
                lake.display()
            ),
        )?;
        let binary = binary.clone();
        let run = tokio::task::spawn_blocking(move || {
            Command::new(binary).arg("run").arg(pipeline).output()
        })
        .await??;
        anyhow::ensure!(
            run.status.success(),
            "cxqa run into parquet failed for {vendor}:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        println!("{vendor}: every stream written to {}", lake.display());
    }
    emulator.stop().await;
    let python = venv(root, "venv-duckdb", "duckdb")?;
    let status = Command::new(python)
        .arg(root.join("xtask/parquet_check.py"))
        .arg(&lake)
        .status()?;
    anyhow::ensure!(
        status.success(),
        "DuckDB could not read the datasets (see above)"
    );
    Ok(())
}
