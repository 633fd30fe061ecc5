//! A progress bar per stream while a run goes, only when stderr is a terminal.

use cxqa_core::Stream;
use cxqa_runner::{Progress, StreamReport};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

pub struct Bars {
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<(String, Stream), ProgressBar>>,
}

impl Bars {
    pub fn on_stderr() -> Self {
        Bars {
            multi: std::io::stderr().is_terminal().then(MultiProgress::new),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, vendor: &str, stream: Stream) -> Option<ProgressBar> {
        self.bars
            .lock()
            .expect("bars")
            .get(&(vendor.to_string(), stream))
            .cloned()
    }
}

impl Progress for Bars {
    fn stream_started(&self, vendor: &str, stream: Stream) {
        let Some(multi) = &self.multi else { return };
        let bar = multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:>24} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(format!("{vendor} {stream}"));
        bar.set_message("starting");
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bars
            .lock()
            .expect("bars")
            .insert((vendor.to_string(), stream), bar);
    }

    fn page_committed(&self, vendor: &str, stream: Stream, fetched: u64) {
        if let Some(bar) = self.bar(vendor, stream) {
            bar.set_message(format!("{fetched} records"));
        }
    }

    fn stream_finished(&self, vendor: &str, report: &StreamReport) {
        let Some(stream) = report.stream else { return };
        if let Some(bar) = self.bar(vendor, stream) {
            match &report.error {
                None => bar.finish_with_message(format!("{} records", report.fetched)),
                Some(_) => {
                    bar.abandon_with_message(format!("FAILED after {} records", report.fetched))
                }
            }
        }
    }
}
