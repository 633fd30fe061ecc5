//! What every connector does to a transcript once its utterances are known: PII findings (and
//! masking, per the PII policy), keyword hits, and the pipeline's keyword and sentiment filters.

use crate::keywords::KeywordMatcher;
use crate::model::{PiiLocation, PiiSummary, Transcript};
use crate::pii::{PiiDetector, PiiFinding, PiiPolicy};
use crate::source::Filters;

/// Fills `pii` and `keyword_hits` and, with [`PiiPolicy::Mask`], masks the utterances; None when
/// the filters exclude the transcript. Keywords are matched before masking.
pub fn finish(
    mut transcript: Transcript,
    detector: &PiiDetector,
    filters: &Filters,
    policy: PiiPolicy,
) -> Option<Transcript> {
    if let Some(sentiment) = &filters.sentiment {
        if !sentiment.accepts(transcript.sentiment.as_ref().map(|s| s.score)) {
            return None;
        }
    }
    let matcher = KeywordMatcher::new(&filters.keywords);
    // Without keywords there is nothing to find: the text is not gathered and normalized.
    let hits = if matcher.is_empty() {
        Vec::new()
    } else {
        let text: Vec<&str> = transcript
            .utterances
            .iter()
            .map(|u| u.text.as_str())
            .collect();
        let hits = matcher.matches(&text.join(" "));
        if hits.is_empty() {
            return None;
        }
        hits
    };
    let mut findings: Vec<PiiLocation> = Vec::new();
    for utterance in &mut transcript.utterances {
        let found: Vec<PiiFinding> = match policy {
            PiiPolicy::Keep => Vec::new(),
            PiiPolicy::Flag => detector.scan(&utterance.text),
            PiiPolicy::Mask => {
                let masked = detector.mask(&utterance.text);
                utterance.text = masked.text;
                masked.findings
            }
        };
        findings.extend(found.into_iter().map(|f| PiiLocation {
            utterance_index: utterance.index,
            kind: f.kind,
            masked: f.masked,
            redacted: f.redacted,
            start: f.range.start,
            end: f.range.end,
        }));
    }
    transcript.pii = PiiSummary {
        masked: findings.iter().filter(|f| f.masked).count(),
        unmasked: findings.iter().filter(|f| !f.masked).count(),
        redacted: findings.iter().filter(|f| f.redacted).count(),
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
            agent_key: None,
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
        let flag = |t: Transcript, filters: &Filters| {
            finish(t, &PiiDetector::default(), filters, PiiPolicy::Flag)
        };
        let done = flag(t.clone(), &Filters::default()).unwrap();
        assert_eq!((done.pii.unmasked, done.pii.masked), (1, 1));
        assert_eq!(done.pii.findings[1].utterance_index, 1);
        assert_eq!(done.utterances[0].text, "my card is 4111 1111 1111 1111");

        let keywords = Filters {
            keywords: vec!["refund".into()],
            ..Filters::default()
        };
        assert_eq!(
            flag(t.clone(), &keywords).unwrap().keyword_hits,
            vec!["refund"]
        );
        let other = Filters {
            keywords: vec!["cancel".into()],
            ..Filters::default()
        };
        assert!(flag(t.clone(), &other).is_none());
        let positive = Filters {
            sentiment: Some(SentimentFilter {
                min: Some(0.0),
                max: None,
            }),
            ..Filters::default()
        };
        assert!(flag(t, &positive).is_none());
    }

    #[test]
    fn mask_replaces_values_in_the_text_and_keep_looks_for_nothing() {
        let t = transcript(
            &["my card is 4111 1111 1111 1111", "mail [email], a REFUND"],
            0.1,
        );
        let refund = Filters {
            keywords: vec!["refund".into()],
            ..Filters::default()
        };
        let masked = finish(t.clone(), &PiiDetector::default(), &refund, PiiPolicy::Mask).unwrap();
        assert_eq!(masked.utterances[0].text, "my card is [card]");
        assert_eq!(masked.utterances[1].text, "mail [email], a REFUND");
        assert_eq!(
            (masked.pii.masked, masked.pii.unmasked, masked.pii.redacted),
            (2, 0, 1)
        );
        let card = &masked.pii.findings[0];
        assert!(card.redacted);
        assert_eq!(&masked.utterances[0].text[card.start..card.end], "[card]");
        assert_eq!(masked.keyword_hits, vec!["refund"]);

        let kept = finish(
            t.clone(),
            &PiiDetector::default(),
            &Filters::default(),
            PiiPolicy::Keep,
        )
        .unwrap();
        assert_eq!(kept.utterances, t.utterances);
        assert_eq!(kept.pii, PiiSummary::default());
    }
}
