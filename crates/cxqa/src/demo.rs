//! `cxqa emulate` and `cxqa demo`: the bundled emulator, alone or driving both demo pipelines.

use crate::Failure;
use crate::report;
use cxqa_emulator::{EmulatorConfig, Faults, RunningEmulator, Scale};
use cxqa_runner::{Pipeline, RunReport};

// The demo pipelines, compiled in by build.rs so `cxqa demo` works from any folder.
include!(concat!(env!("OUT_DIR"), "/demo_pipelines.rs"));

/// Where the demo pipelines write (see config/demo-*.toml).
const DEMO_STORE: &str = "cxqa-demo/cxqa.sqlite";

/// Where `cxqa demo` writes the quality report of that store.
pub const DEMO_REPORT: &str = "cxqa-demo/report.html";

fn runtime_error(e: impl std::fmt::Display) -> Failure {
    Failure::Runtime(e.to_string())
}

/// `vendor` is one emulated vendor or `all`; the vendors take consecutive ports from `port`.
pub async fn emulate(
    vendor: &str,
    port: u16,
    seed: u64,
    scale: Scale,
    rate_limit: Option<u32>,
    history: cxqa_emulator::History,
) -> Result<(), Failure> {
    let known = cxqa_emulator::vendors();
    let chosen: Vec<&str> = match vendor {
        "all" => known.clone(),
        one if known.contains(&one) => vec![one],
        other => {
            return Err(Failure::BadInput(format!(
                "--vendor `{other}`: the emulator speaks {}; use one of them or `all`",
                known.join(", ")
            )));
        }
    };
    let ports = chosen
        .iter()
        .zip(0u16..)
        .map(|(v, i)| (v.to_string(), if port == 0 { 0 } else { port + i }))
        .collect();
    let config = EmulatorConfig {
        seed,
        scale,
        ports,
        history,
        faults: Faults {
            rate_limit_per_minute: rate_limit,
            ..Faults::default()
        },
        ..EmulatorConfig::new()
    };
    let emulator = cxqa_emulator::start(config)
        .await
        .map_err(|e| runtime_error(format!("cannot start the emulator: {e}")))?;
    print!("{}", describe(&emulator, seed));
    println!(
        "Faults: GET/POST {{base}}/admin/faults; time passes: POST {{base}}/admin/time-passes; the vendor's truth: GET {{base}}/admin/truth?stream=assessments. Ctrl-C stops."
    );
    tokio::signal::ctrl_c().await.map_err(runtime_error)?;
    emulator.stop().await;
    Ok(())
}

fn describe(emulator: &RunningEmulator, seed: u64) -> String {
    let mut out = format!(
        "cxqa emulator (seed {seed}, history ending {})\n",
        emulator.anchor()
    );
    for vendor in emulator.served() {
        let credentials: Vec<String> = cxqa_emulator::demo_credentials(vendor)
            .iter()
            .map(|(key, value)| format!("{key} = \"{value}\""))
            .collect();
        out.push_str(&format!(
            "  {vendor:<8} {}   {}   (config/demo-{vendor}.toml)\n",
            emulator.url(vendor),
            credentials.join("  ")
        ));
    }
    out
}

/// Starts the emulator in-process and runs both demo pipelines against it.
pub async fn demo(seed: u64, scale: Scale) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let config = EmulatorConfig {
        seed,
        scale,
        // Generous limits and short Data Extraction spacing keep the demo under a minute.
        faults: Faults {
            rate_limit_per_minute: Some(3000),
            ..Faults::default()
        }
        .with("data_extraction_spacing_secs", 1),
        ..EmulatorConfig::new()
    };
    let emulator = cxqa_emulator::start(config)
        .await
        .map_err(|e| runtime_error(format!("cannot start the emulator: {e}")))?;
    eprint!("{}", describe(&emulator, seed));
    let mut reports: Vec<RunReport> = Vec::new();
    for (vendor, text) in DEMO_PIPELINES {
        let Some(url) = emulator.try_url(vendor) else {
            continue;
        };
        let variable = cxqa_runner::pipeline::emulator_url_variable(vendor);
        let env = |name: &str| {
            (name == variable)
                .then(|| url.to_string())
                .or_else(|| std::env::var(name).ok())
        };
        let pipeline = Pipeline::parse(text, &format!("demo-{vendor}"), &env)
            .map_err(|e| Failure::BadInput(format!("config/demo-{vendor}.toml: {e}")))?;
        let outcome = cxqa_runner::run_pipeline(&pipeline, &crate::progress::Bars::on_stderr())
            .await
            .map_err(runtime_error)?;
        println!("{}", report::run_summary(&outcome));
        reports.push(outcome);
    }
    emulator.stop().await;
    let store = std::path::Path::new(DEMO_STORE);
    let agents = cxqa_sinks::report::agent_quality(store).map_err(runtime_error)?;
    println!("{}", report::agent_quality(&agents));
    let mut warnings: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.streams.iter().flat_map(move |s| {
                let stream = s.stream.map(|s| s.to_string()).unwrap_or_default();
                s.warnings
                    .iter()
                    .map(move |w| format!("{}: {stream}: {w}", r.vendor))
            })
        })
        .collect();
    warnings.extend(cxqa_sinks::report::quality_warnings(store).map_err(runtime_error)?);
    if !warnings.is_empty() {
        println!("warnings:");
        for warning in &warnings {
            println!("  - {warning}");
        }
    }
    let report = std::path::Path::new(DEMO_REPORT);
    crate::quality::write_report(
        &crate::quality::Store::Sqlite(store.to_path_buf()),
        &Default::default(),
        report,
    )
    .await?;
    println!(
        "\ndemo finished in {:.1}s; the normalized store is {DEMO_STORE} (SQLite), the audit log cxqa-demo/audit.jsonl",
        started.elapsed().as_secs_f64()
    );
    println!("the quality report: {DEMO_REPORT} (open it in a browser)");
    if reports.iter().all(RunReport::succeeded) {
        Ok(())
    } else {
        Err(Failure::Runtime(
            "some demo streams failed (see above)".into(),
        ))
    }
}
