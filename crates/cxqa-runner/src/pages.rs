//! The one data path from a connector's typed sources to what sinks store: a stream's pages with
//! every record stamped (vendor, `extracted_at`) and finished (free text masked per the PII
//! policy; transcripts: PII findings, keyword hits, the keyword and sentiment filters), then
//! encoded as envelopes. The runner, and the
//! connector behaviour suite, read every stream through [`envelope_pages`].

use crate::error::RunError;
use chrono::Utc;
use cxqa_core::connector::{Connector, SourceVisitor};
use cxqa_core::model::{Finisher, Record, Transcript};
use cxqa_core::pii::{PiiDetector, PiiKind, PiiPolicy};
use cxqa_core::source::Source;
use cxqa_core::{ExtractRequest, Filters, Page, Stream};
use cxqa_sinks::{AgentKeys, Envelope};
use futures::StreamExt;
use futures::stream::BoxStream;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Pages of one stream, records encoded; an error ends the stream.
pub type EnvelopePages<'a> = BoxStream<'a, Result<Page<Envelope>, RunError>>;

/// The pages `connector` yields for `stream`, finished with `with`; an error when it does not
/// offer the stream.
pub fn envelope_pages<'a>(
    connector: &'a dyn Connector,
    stream: Stream,
    request: &'a ExtractRequest,
    with: &'a FinishWith,
) -> Result<EnvelopePages<'a>, RunError> {
    let vendor = connector.vendor();
    stream.visit_source(
        connector,
        Encode {
            vendor,
            request,
            with,
        },
    )
}

/// What finishing a stream's records needs beyond the request: the PII policy (and its tally)
/// and the keys of the agents the store holds.
#[derive(Debug, Default)]
pub struct FinishWith {
    pub pii: PiiHandling,
    pub agent_keys: AgentKeys,
}

/// A stream's PII policy, and how many values of each kind it masked.
#[derive(Debug, Default)]
pub struct PiiHandling {
    policy: PiiPolicy,
    detector: PiiDetector,
    masked: Mutex<BTreeMap<PiiKind, u64>>,
}

impl PiiHandling {
    pub fn new(policy: PiiPolicy) -> Self {
        PiiHandling {
            policy,
            ..Default::default()
        }
    }

    fn count(&self, kinds: impl Iterator<Item = PiiKind>) {
        let mut masked = self.masked.lock().expect("pii tally lock");
        for kind in kinds {
            *masked.entry(kind).or_default() += 1;
        }
    }

    /// Values masked so far, by kind.
    pub fn masked(&self) -> BTreeMap<PiiKind, u64> {
        self.masked.lock().expect("pii tally lock").clone()
    }

    /// What the run says about values it masked: the vendor left them in clear.
    pub fn masked_warning(&self) -> Option<String> {
        let masked = self.masked();
        let total: u64 = masked.values().sum();
        (total > 0).then(|| {
            let kinds: Vec<String> = masked
                .iter()
                .map(|(kind, n)| format!("{n} {}", kind.placeholder().trim_matches(['[', ']'])))
                .collect();
            format!(
                "{total} PII values the vendor left in clear were masked before storing ({}): check the vendor's redaction settings",
                kinds.join(", ")
            )
        })
    }
}

struct Encode<'a> {
    vendor: &'static str,
    request: &'a ExtractRequest,
    with: &'a FinishWith,
}

impl<'a> SourceVisitor<'a> for Encode<'a> {
    type Output = Result<EnvelopePages<'a>, RunError>;

    fn visit<T: Record>(self, stream: Stream, source: Option<&'a dyn Source<T>>) -> Self::Output {
        let Encode {
            vendor,
            request,
            with,
        } = self;
        let source = source.ok_or(RunError::NotOffered { vendor, stream })?;
        let finisher = Finishing {
            pii: &with.pii,
            agent_keys: &with.agent_keys,
            filters: &request.filters,
        };
        Ok(source
            .pages(request)
            .map(move |page| {
                let mut page = page?;
                let extracted_at = Utc::now();
                let records = std::mem::take(&mut page.records)
                    .into_iter()
                    .filter_map(|record| record.finish(&finisher))
                    .map(|mut record| {
                        record.stamp(vendor, extracted_at);
                        Envelope::of(vendor, &record)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                for tombstone in &mut page.tombstones {
                    tombstone.vendor = vendor.to_string();
                }
                Ok(page.with_records(records))
            })
            .boxed())
    }
}

/// How the runner finishes records: free text is masked per the PII policy, transcripts get
/// their PII findings and keyword hits, and the pipeline's filters decide whether they are kept.
struct Finishing<'a> {
    pii: &'a PiiHandling,
    agent_keys: &'a AgentKeys,
    filters: &'a Filters,
}

impl Finisher for Finishing<'_> {
    fn transcript(&self, transcript: Transcript) -> Option<Transcript> {
        let pii = self.pii;
        let finished =
            cxqa_core::transcript::finish(transcript, &pii.detector, self.filters, pii.policy)?;
        pii.count(
            finished
                .pii
                .findings
                .iter()
                .filter(|f| f.redacted)
                .map(|f| f.kind),
        );
        Some(finished)
    }

    fn agent_key(&self, agent_id: Option<&str>) -> Option<String> {
        self.agent_keys.get(agent_id?).cloned()
    }

    fn free_text(&self, text: &mut Option<String>) {
        let Some(value) = text.as_mut() else {
            return;
        };
        if self.pii.policy == PiiPolicy::Mask {
            let masked = self.pii.detector.mask(value);
            self.pii.count(
                masked
                    .findings
                    .iter()
                    .filter(|f| f.redacted)
                    .map(|f| f.kind),
            );
            *value = masked.text;
        }
    }
}
