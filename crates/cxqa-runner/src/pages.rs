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

/// Pages of one stream, records encoded, in parts; an error ends the stream.
pub type EnvelopePages<'a> = BoxStream<'a, Result<Part, RunError>>;

/// Records per part: a vendor's page can hold 10,000 records, and their JSON envelopes all at
/// once would cost tens of megabytes.
pub(crate) const RECORDS_PER_PART: usize = 1000;

/// Up to [`RECORDS_PER_PART`] records of a page. The last part of a page carries its
/// checkpoint, tombstones, ids and total; the parts before it carry records alone.
#[derive(Debug)]
pub struct Part {
    pub page: Page<Envelope>,
    pub last: bool,
}

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
            .flat_map(move |page| {
                let parts: Box<dyn Iterator<Item = Result<Part, RunError>> + Send> = match page {
                    Ok(page) => Box::new(parts(page, vendor, finisher)),
                    Err(err) => Box::new(std::iter::once(Err(err.into()))),
                };
                futures::stream::iter(parts)
            })
            .boxed())
    }
}

/// A page's records finished, stamped and encoded a part at a time, as the parts are read.
fn parts<'f, T: Record>(
    mut page: Page<T>,
    vendor: &'static str,
    finisher: Finishing<'f>,
) -> impl Iterator<Item = Result<Part, RunError>> + Send + 'f {
    let extracted_at = Utc::now();
    let mut records = std::mem::take(&mut page.records).into_iter().peekable();
    for tombstone in &mut page.tombstones {
        tombstone.vendor = vendor.to_string();
    }
    let mut rest = Some(page);
    std::iter::from_fn(move || {
        rest.as_ref()?;
        let encoded = records
            .by_ref()
            .filter_map(|record| record.finish(&finisher))
            .take(RECORDS_PER_PART)
            .map(|mut record| {
                record.stamp(vendor, extracted_at);
                Envelope::of(vendor, &record)
            })
            .collect::<Result<Vec<_>, _>>();
        let part = match encoded {
            Err(err) => {
                rest = None;
                return Some(Err(err.into()));
            }
            Ok(encoded) if records.peek().is_none() => Part {
                page: rest.take()?.with_records(encoded),
                last: true,
            },
            Ok(encoded) => Part {
                page: Page::new(encoded),
                last: false,
            },
        };
        Some(Ok(part))
    })
}

/// How the runner finishes records: free text is masked per the PII policy, transcripts get
/// their PII findings and keyword hits, and the pipeline's filters decide whether they are kept.
#[derive(Clone, Copy)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use cxqa_core::Checkpoint;
    use cxqa_core::model::{Agent, Tombstone, TombstoneReason};

    fn agent(n: usize) -> Agent {
        crate::test_records::agent(&format!("a{n}"), None)
    }

    #[test]
    fn a_large_page_is_encoded_in_parts_and_only_the_last_carries_its_checkpoint() {
        let tombstone = Tombstone {
            stream: Stream::Agents,
            vendor: String::new(),
            id: "gone".into(),
            detected_at: Utc::now(),
            reason: TombstoneReason::Deleted,
        };
        let page = Page::new((0..2500).map(agent).collect())
            .with_checkpoint(Checkpoint::new(7))
            .with_tombstones(vec![tombstone]);
        let (pii, keys, filters) = (PiiHandling::default(), AgentKeys::new(), Filters::default());
        let finisher = Finishing {
            pii: &pii,
            agent_keys: &keys,
            filters: &filters,
        };
        let encoded: Vec<Part> = parts(page, "fake", finisher).map(Result::unwrap).collect();
        let shape: Vec<(usize, bool, bool, usize)> = encoded
            .iter()
            .map(|p| {
                (
                    p.page.records.len(),
                    p.last,
                    p.page.checkpoint.is_some(),
                    p.page.tombstones.len(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (1000, false, false, 0),
                (1000, false, false, 0),
                (500, true, true, 1)
            ]
        );
        let ids: Vec<&str> = encoded
            .iter()
            .flat_map(|p| &p.page.records)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids.len(), 2500);
        assert_eq!((ids[0], ids[2499]), ("a0", "a2499"));
        assert_eq!(encoded[2].page.tombstones[0].vendor, "fake");
        // An empty page is one part, the last.
        let empty = parts(Page::<Agent>::new(Vec::new()), "fake", finisher).count();
        assert_eq!(empty, 1);
    }
}
