//! `cxqa emulate` and `cxqa demo`: the bundled emulator, alone or driving both demo pipelines.

use crate::Failure;
use crate::report;
use cxqa_emulator::{EmulatorConfig, Faults, RunningEmulator, Scale};
use cxqa_runner::{Pipeline, RunReport};

/// The demo pipelines, compiled in so `cxqa demo` works from any folder.
const DEMO_PIPELINES: [(&str, &str); 2] = [
    (
        "demo-genesys",
        include_str!("../../../config/demo-genesys.toml"),
    ),
    (
        "demo-cxone",
        include_str!("../../../config/demo-cxone.toml"),
    ),
];

/// Where the demo pipelines write (see config/demo-*.toml).
const DEMO_STORE: &str = "cxqa-demo/cxqa.sqlite";

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vendors {
    Genesys,
    Cxone,
    Both,
}

fn runtime_error(e: impl std::fmt::Display) -> Failure {
    Failure::Runtime(e.to_string())
}

pub async fn emulate(
    vendors: Vendors,
    port: u16,
    seed: u64,
    scale: Scale,
    rate_limit: Option<u32>,
) -> Result<(), Failure> {
    let serves = |v: Vendors| vendors == v || vendors == Vendors::Both;
    let config = EmulatorConfig {
        seed,
        scale,
        genesys_port: serves(Vendors::Genesys).then_some(port),
        cxone_port: serves(Vendors::Cxone).then(|| {
            if vendors == Vendors::Both && port != 0 {
                port + 1
            } else {
                port
            }
        }),
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
        "Faults: GET/POST {{base}}/admin/faults; time passes: POST {{base}}/admin/time-passes. Ctrl-C stops."
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
    if let Some(url) = emulator.genesys_url() {
        let (id, secret) = cxqa_emulator::DEMO_GENESYS_CLIENT;
        out.push_str(&format!(
            "  Genesys Cloud  base_url = \"{url}\"   client_id = \"{id}\"  client_secret = \"{secret}\"\n"
        ));
    }
    if let Some(url) = emulator.cxone_url() {
        let c = cxqa_emulator::DEMO_CXONE;
        out.push_str(&format!(
            "  NICE CXone     issuer = \"{url}\"   client_id = \"{}\"  client_secret = \"{}\"  access_key_id = \"{}\"  access_key_secret = \"{}\"\n",
            c.client_id, c.client_secret, c.access_key_id, c.access_key_secret
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
            data_extraction_spacing_secs: 1,
            ..Faults::default()
        },
        ..EmulatorConfig::new()
    };
    let emulator = cxqa_emulator::start(config)
        .await
        .map_err(|e| runtime_error(format!("cannot start the emulator: {e}")))?;
    eprint!("{}", describe(&emulator, seed));
    let urls = [
        ("CXQA_DEMO_GENESYS_URL", emulator.genesys().to_string()),
        ("CXQA_DEMO_CXONE_URL", emulator.cxone().to_string()),
    ];
    let env = |name: &str| {
        urls.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, url)| url.clone())
            .or_else(|| std::env::var(name).ok())
    };
    let mut reports: Vec<RunReport> = Vec::new();
    for (name, text) in DEMO_PIPELINES {
        let pipeline = Pipeline::parse(text, name, &env)
            .map_err(|e| Failure::BadInput(format!("config/{name}.toml: {e}")))?;
        let outcome = cxqa_runner::run_pipeline(&pipeline, &crate::progress::Bars::on_stderr())
            .await
            .map_err(runtime_error)?;
        println!("{}", report::run_summary(&outcome));
        reports.push(outcome);
    }
    emulator.stop().await;
    let store = std::path::Path::new(DEMO_STORE);
    let agents = cxqa_runner::sinks::report::agent_quality(store).map_err(runtime_error)?;
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
    warnings.extend(cxqa_runner::sinks::report::quality_warnings(store).map_err(runtime_error)?);
    if !warnings.is_empty() {
        println!("warnings:");
        for warning in &warnings {
            println!("  - {warning}");
        }
    }
    println!(
        "\ndemo finished in {:.1}s; the normalized store is {DEMO_STORE} (SQLite), the audit log cxqa-demo/audit.jsonl",
        started.elapsed().as_secs_f64()
    );
    if reports.iter().all(RunReport::succeeded) {
        Ok(())
    } else {
        Err(Failure::Runtime(
            "some demo streams failed (see above)".into(),
        ))
    }
}
