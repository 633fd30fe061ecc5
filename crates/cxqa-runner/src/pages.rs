//! The one data path from a connector's typed sources to what sinks store: a stream's pages with
//! every record stamped (vendor, `extracted_at`) and finished (transcripts: PII findings, keyword
//! hits, the keyword and sentiment filters), then encoded as envelopes. The runner, and the
//! connector behaviour suite, read every stream through [`envelope_pages`].

use crate::error::RunError;
use chrono::Utc;
use cxqa_core::connector::{Connector, SourceVisitor};
use cxqa_core::model::{Finisher, Record, Transcript};
use cxqa_core::pii::PiiDetector;
use cxqa_core::source::Source;
use cxqa_core::{ExtractRequest, Filters, Page, Stream};
use cxqa_sinks::Envelope;
use futures::StreamExt;
use futures::stream::BoxStream;

/// Pages of one stream, records encoded; an error ends the stream.
pub type EnvelopePages<'a> = BoxStream<'a, Result<Page<Envelope>, RunError>>;

/// The pages `connector` yields for `stream`; an error when it does not offer the stream.
pub fn envelope_pages<'a>(
    connector: &'a dyn Connector,
    stream: Stream,
    request: &'a ExtractRequest,
) -> Result<EnvelopePages<'a>, RunError> {
    let vendor = connector.vendor();
    stream.visit_source(connector, Encode { vendor, request })
}

struct Encode<'a> {
    vendor: &'static str,
    request: &'a ExtractRequest,
}

impl<'a> SourceVisitor<'a> for Encode<'a> {
    type Output = Result<EnvelopePages<'a>, RunError>;

    fn visit<T: Record>(self, stream: Stream, source: Option<&'a dyn Source<T>>) -> Self::Output {
        let Encode { vendor, request } = self;
        let source = source.ok_or(RunError::NotOffered { vendor, stream })?;
        let finisher = Finishing {
            detector: PiiDetector::default(),
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

/// How the runner finishes records: transcripts get their PII findings and keyword hits, and
/// the pipeline's filters decide whether they are kept.
struct Finishing<'a> {
    detector: PiiDetector,
    filters: &'a Filters,
}

impl Finisher for Finishing<'_> {
    fn transcript(&self, transcript: Transcript) -> Option<Transcript> {
        cxqa_core::transcript::finish(transcript, &self.detector, self.filters)
    }
}
