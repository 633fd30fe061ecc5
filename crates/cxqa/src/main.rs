//! `cxqa`: extract contact-center quality data into one vendor-neutral model.
//!
//! Exit codes: 0 success, 1 runtime failure, 2 bad input (arguments or pipeline file).

mod demo;
mod progress;
mod protocol;
mod quality;
mod report;

// Linking the connector crates is what registers them.
use cxqa_connectors as _;

use clap::{Parser, Subcommand, ValueEnum};
use cxqa_runner::Pipeline;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cxqa",
    version,
    about = "Extract QA evaluations, surveys, transcripts and interactions from Genesys Cloud and NICE CXone into one normalized model."
)]
struct Cli {
    /// More log detail on stderr: -v debug, -vv trace.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Extract every stream the pipeline requests into its sink.
    Run {
        pipeline: PathBuf,
        /// Also write the run summary as JSON to this file.
        #[arg(long)]
        summary_json: Option<PathBuf>,
    },
    /// Authenticate and report what the credentials can see.
    Check { pipeline: PathBuf },
    /// Check a pipeline file without contacting the vendor.
    Validate { pipeline: PathBuf },
    /// List the registered vendors and their streams.
    Connectors,
    /// Print the JSON Schema of pipeline files.
    Schema,
    /// Serve the emulated vendors (Genesys Cloud, NICE CXone) on 127.0.0.1 until Ctrl-C.
    Emulate {
        /// One vendor (`cxqa connectors` lists them) or `all`.
        #[arg(long, default_value = "all")]
        vendor: String,
        /// Port for the first vendor; the others take the next ports (sorted by name, so with
        /// `all` CXone takes 8080 and Genesys 8081); 0 = any free port.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value = "small", value_parser = parse_scale)]
        scale: cxqa_emulator::Scale,
        /// Requests per minute allowed per client (429 with Retry-After beyond it).
        #[arg(long)]
        rate_limit: Option<u32>,
        /// Days of scripted history before its end (an hour ago).
        #[arg(long, default_value_t = 7)]
        history_days: i64,
        /// Last days of the history still to come; `POST /admin/time-passes {"days": 1}` plays
        /// one more.
        #[arg(long, default_value_t = 0)]
        hidden_days: i64,
    },
    /// Write the quality picture of a store as one self-contained HTML page.
    Report {
        /// The SQLite store (the default sink's file).
        #[arg(long, default_value = "cxqa.sqlite", conflicts_with = "dsn")]
        store: PathBuf,
        /// A PostgreSQL store instead, e.g. `postgres://user@host/db` (or `CXQA_REPORT_DSN`).
        #[arg(long, env = "CXQA_REPORT_DSN", hide_env_values = true)]
        dsn: Option<String>,
        /// The PostgreSQL schema of the tables.
        #[arg(long, default_value = "public")]
        schema: String,
        /// PEM file of the CA that signed the PostgreSQL server's certificate.
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// Only this vendor's records.
        #[arg(long)]
        vendor: Option<String>,
        /// Only records from this date or time (UTC) on.
        #[arg(long, value_parser = quality::parse_time)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        /// Only records before this date or time (UTC).
        #[arg(long, value_parser = quality::parse_time)]
        to: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long, default_value = "report.html")]
        out: PathBuf,
    },
    /// Run as an Airbyte source: spec, check, discover, read (Airbyte messages on stdout).
    Airbyte {
        #[command(subcommand)]
        command: protocol::airbyte::AirbyteCommand,
    },
    /// Run as a Singer tap (Meltano): sync, `--discover`, `--about`.
    Singer(protocol::singer::SingerArgs),
    /// Start the emulator in-process and run every demo pipeline (config/demo-*.toml) against it.
    Demo {
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value = "small", value_parser = parse_scale)]
        scale: cxqa_emulator::Scale,
    },
}

fn parse_scale(text: &str) -> Result<cxqa_emulator::Scale, String> {
    text.parse()
}

/// A failure with its exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    BadInput(String),
    Runtime(String),
}

/// Called through a link named `tap-cxqa` (what Meltano runs) or `source-cxqa` (a local Airbyte
/// source), the binary is that front end: `tap-cxqa --config F` is `cxqa singer --config F`.
fn arguments() -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let called = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let front = match called {
        protocol::singer::TAP_NAME => Some("singer"),
        protocol::airbyte::SOURCE_NAME => Some("airbyte"),
        _ => None,
    };
    if let Some(front) = front {
        args.insert(1, front.into());
    }
    args
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(arguments());
    match &cli.command {
        // Airbyte reads stdout only: logs become LOG messages there.
        Command::Airbyte { command } => {
            let verbose = cli.verbose.max(u8::from(command.debug()));
            let (others, ours) = levels(verbose, false);
            tracing_subscriber::fmt()
                .with_env_filter(log_filter(others, ours))
                .with_writer(protocol::airbyte::LogMessages)
                .with_ansi(false)
                .with_target(false)
                .with_level(false)
                .without_time()
                .init();
        }
        _ => init_logging(cli.verbose, cli.log_format),
    }
    // A run's work is waiting on the vendor: one thread does it with the fewest wake-ups. The
    // commands that serve the emulator in this process use every core.
    let serves = matches!(cli.command, Command::Emulate { .. } | Command::Demo { .. });
    let mut builder = if serves {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

async fn dispatch(command: Command) -> Result<(), Failure> {
    match command {
        Command::Connectors => {
            print!("{}", report::connectors(&cxqa_core::registry()));
            Ok(())
        }
        Command::Schema => {
            print!("{}", cxqa_runner::pipeline::pipeline_schema_json());
            Ok(())
        }
        Command::Validate { pipeline } => {
            let pipeline = load(&pipeline)?;
            println!("{}", report::validated(&pipeline));
            Ok(())
        }
        Command::Check { pipeline } => {
            let pipeline = load(&pipeline)?;
            let outcome = pipeline.connector.check().await;
            let checked =
                outcome.map_err(|e| Failure::Runtime(pipeline.redactor.redact(&e.to_string())))?;
            print!(
                "{}",
                pipeline
                    .redactor
                    .redact(&report::check(&pipeline, &checked))
            );
            let requested_fail = checked
                .streams
                .iter()
                .any(|s| !s.ok && pipeline.extract.streams.contains(&s.stream));
            if requested_fail {
                return Err(Failure::Runtime(
                    "some requested streams are not reachable with these credentials (see above)"
                        .into(),
                ));
            }
            Ok(())
        }
        Command::Emulate {
            vendor,
            port,
            seed,
            scale,
            rate_limit,
            history_days,
            hidden_days,
        } => {
            let history = cxqa_emulator::History {
                days: history_days,
                hidden_days,
            };
            demo::emulate(&vendor, port, seed, scale, rate_limit, history).await
        }
        Command::Demo { seed, scale } => demo::demo(seed, scale).await,
        Command::Airbyte { command } => protocol::airbyte::run(command).await,
        Command::Report {
            store,
            dsn,
            schema,
            ca_file,
            vendor,
            from,
            to,
            out,
        } => {
            let store = match dsn {
                Some(dsn) => quality::Store::Postgres {
                    dsn,
                    schema,
                    ca_file,
                },
                None => quality::Store::Sqlite(store),
            };
            let scope = quality::figures::Scope { vendor, from, to };
            quality::write_report(&store, &scope, &out).await?;
            println!("wrote {}", out.display());
            Ok(())
        }
        Command::Singer(args) => protocol::singer::run(args).await,
        Command::Run {
            pipeline,
            summary_json,
        } => {
            let pipeline = load(&pipeline)?;
            run(&pipeline, summary_json.as_deref()).await
        }
    }
}

/// An unreadable or invalid pipeline file is bad input (exit 2).
fn load(path: &Path) -> Result<Pipeline, Failure> {
    Pipeline::load(path).map_err(|err| Failure::BadInput(err.to_string()))
}

async fn run(pipeline: &Pipeline, summary_json: Option<&Path>) -> Result<(), Failure> {
    let runtime_error =
        |e: &dyn std::fmt::Display| Failure::Runtime(pipeline.redactor.redact(&e.to_string()));
    let outcome = cxqa_runner::run_pipeline(pipeline, &crate::progress::Bars::on_stderr())
        .await
        .map_err(|e| runtime_error(&e))?;
    eprint!("{}", report::run_summary(&outcome));
    if let Some(path) = summary_json {
        let json = serde_json::to_string_pretty(&outcome).map_err(|e| runtime_error(&e))?;
        std::fs::write(path, json + "\n")
            .map_err(|e| runtime_error(&format!("{}: {e}", path.display())))?;
    }
    if outcome.succeeded() {
        Ok(())
    } else {
        Err(Failure::Runtime(
            "some streams failed; what was committed is kept and the next run resumes from there"
                .into(),
        ))
    }
}

/// The log levels of other crates and of ours; `quiet` when progress bars speak instead.
fn levels(verbose: u8, quiet: bool) -> (&'static str, &'static str) {
    match verbose {
        0 if quiet => ("warn", "warn"),
        0 => ("warn", "info"),
        1 => ("warn", "debug"),
        _ => ("debug", "trace"),
    }
}

/// `CXQA_LOG` if set, else the levels given. A target directive matches every target it
/// prefixes: `cxqa` covers all our crates, connectors included.
fn log_filter(others: &str, ours: &str) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("CXQA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{others},cxqa={ours}")))
}

fn init_logging(verbose: u8, format: LogFormat) {
    // On a terminal the progress bars say what info lines would; keep them from garbling the bars.
    let quiet = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (others, ours) = levels(verbose, quiet);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(log_filter(others, ours))
        .with_writer(std::io::stderr)
        .with_target(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
