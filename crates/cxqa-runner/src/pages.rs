//! The one data path from a connector's typed sources to what sinks store: a stream's pages with
//! their records encoded as envelopes. The runner, and the connector behaviour suite, read every
//! stream through [`envelope_pages`].

use crate::error::RunError;
use cxqa_core::connector::Connector;
use cxqa_core::model::Record;
use cxqa_core::source::Source;
use cxqa_core::{ExtractRequest, Page, Stream};
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
    match stream {
        Stream::Interactions => encoded(vendor, stream, connector.interactions(), request),
        Stream::Agents => encoded(vendor, stream, connector.agents(), request),
        Stream::AssessmentForms => encoded(vendor, stream, connector.assessment_forms(), request),
        Stream::Assessments => encoded(vendor, stream, connector.assessments(), request),
        Stream::Feedback => encoded(vendor, stream, connector.feedback(), request),
        Stream::Surveys => encoded(vendor, stream, connector.surveys(), request),
        Stream::Transcripts => encoded(vendor, stream, connector.transcripts(), request),
    }
}

fn encoded<'a, T: Record>(
    vendor: &'static str,
    stream: Stream,
    source: Option<&'a dyn Source<T>>,
    request: &'a ExtractRequest,
) -> Result<EnvelopePages<'a>, RunError> {
    let source = source.ok_or(RunError::NotOffered { vendor, stream })?;
    Ok(source
        .pages(request)
        .map(move |page| {
            let page = page?;
            let records = page
                .records
                .iter()
                .map(|record| Envelope::of(vendor, record))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page.with_records(records))
        })
        .boxed())
}
