//! What every connector does to a transcript once its utterances are known: PII findings,
//! keyword hits, and the pipeline's keyword and sentiment filters.

use crate::keywords::KeywordMatcher;
use crate::model::{PiiLocation, PiiSummary, Transcript};
use crate::pii::PiiDetector;
use crate::source::Filters;

/// Fills `pii` and `keyword_hits`; None when the filters exclude the transcript.
pub fn finish(
    mut transcript: Transcript,
    detector: &PiiDetector,
    filters: &Filters,
) -> Option<Transcript> {
    if let Some(sentiment) = &filters.sentiment {
        if !sentiment.accepts(transcript.sentiment.as_ref().map(|s| s.score)) {
            return None;
        }
    }
    let matcher = KeywordMatcher::new(&filters.keywords);
    let text: Vec<&str> = transcript
        .utterances
        .iter()
        .map(|u| u.text.as_str())
        .collect();
    let hits = matcher.matches(&text.join(" "));
    if !matcher.is_empty() && hits.is_empty() {
        return None;
    }
    let findings: Vec<PiiLocation> = transcript
        .utterances
        .iter()
        .flat_map(|u| {
            detector.scan(&u.text).into_iter().map(|f| PiiLocation {
                utterance_index: u.index,
                kind: f.kind,
                masked: f.masked,
                start: f.range.start,
                end: f.range.end,
            })
        })
        .collect();
    transcript.pii = PiiSummary {
        masked: findings.iter().filter(|f| f.masked).count(),
        unmasked: findings.iter().filter(|f| !f.masked).count(),
        findings,
    };
    transcript.keyword_hits = hits;
    Some(transcript)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Sentiment, SpeakerRole, Utterance};
    use crate::source::SentimentFilter;

    fn transcript(lines: &[&str], score: f64) -> Transcript {
        Transcript {
            vendor: "v".into(),
            id: "t".into(),
            interaction_id: None,
            communication_id: None,
            agent_id: None,
            media_type: None,
            language: None,
            started_at: None,
            duration_ms: None,
            sentiment: Some(Sentiment {
                score,
                trend: None,
                trend_class: None,
            }),
            utterances: lines
                .iter()
                .enumerate()
                .map(|(i, text)| Utterance {
                    index: i as u32,
                    speaker: SpeakerRole::Customer,
                    speaker_id: None,
                    start_ms: None,
                    end_ms: None,
                    text: text.to_string(),
                    confidence: None,
                    sentiment: None,
                })
                .collect(),
            topics: vec![],
            pii: PiiSummary::default(),
            keyword_hits: vec![],
            modified_at: None,
            extracted_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn counts_pii_and_applies_filters() {
        let t = transcript(
            &[
                "my card is 4111 1111 1111 1111",
                "mail [email], I want a REFUND",
            ],
            -0.4,
        );
        let done = finish(t.clone(), &PiiDetector::default(), &Filters::default()).unwrap();
        assert_eq!((done.pii.unmasked, done.pii.masked), (1, 1));
        assert_eq!(done.pii.findings[1].utterance_index, 1);

        let keywords = Filters {
            keywords: vec!["refund".into()],
            ..Filters::default()
        };
        assert_eq!(
            finish(t.clone(), &PiiDetector::default(), &keywords)
                .unwrap()
                .keyword_hits,
            vec!["refund"]
        );
        let other = Filters {
            keywords: vec!["cancel".into()],
            ..Filters::default()
        };
        assert!(finish(t.clone(), &PiiDetector::default(), &other).is_none());
        let positive = Filters {
            sentiment: Some(SentimentFilter {
                min: Some(0.0),
                max: None,
            }),
            ..Filters::default()
        };
        assert!(finish(t, &PiiDetector::default(), &positive).is_none());
    }
}
