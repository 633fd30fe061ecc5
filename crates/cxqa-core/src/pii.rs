//! PII detection over transcript text: payment card numbers (Luhn-valid), e-mail addresses,
//! phone numbers and US SSN-like national ids, plus the bracketed labels vendors put where they
//! redacted something (`[card number]`, `[email]`, ...).
//!
//! Findings carry a kind and a byte range, never the matched text, so no Debug or Display of a
//! finding can leak a value. [`PiiDetector::mask`] replaces each value in clear with its kind's
//! placeholder (`[card]`, `[email]`, `[phone]`, `[ssn]`), which the detector reads as a label.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    CardNumber,
    CardExpiry,
    Email,
    Phone,
    NationalId,
    Name,
    Address,
    PersonalInfo,
}

/// What cxqa does with personal data it finds in free text (`[extract] pii`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PiiPolicy {
    /// Replace each value in clear with a typed placeholder before anything stores it; keep
    /// the findings (kinds and places in the masked text).
    #[default]
    Mask,
    /// Keep the text as the vendor sent it and record the findings.
    Flag,
    /// Keep the text and look for nothing.
    Keep,
}

impl PiiKind {
    /// What a masked value of this kind reads as.
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::CardNumber => "[card]",
            PiiKind::CardExpiry => "[card expiry date]",
            PiiKind::Email => "[email]",
            PiiKind::Phone => "[phone]",
            PiiKind::NationalId => "[ssn]",
            PiiKind::Name => "[name]",
            PiiKind::Address => "[address]",
            PiiKind::PersonalInfo => "[personal info]",
        }
    }
}

/// One place in a text that holds (or held, before masking) personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct PiiFinding {
    pub kind: PiiKind,
    /// Byte range in the scanned text.
    pub range: Range<usize>,
    /// True for a redaction label (the vendor's or cxqa's), false for a value left in clear.
    pub masked: bool,
    /// True where cxqa replaced a value with the label.
    pub redacted: bool,
}

/// A text with its values in clear replaced, and the findings in the masked text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    pub text: String,
    pub findings: Vec<PiiFinding>,
}

impl fmt::Debug for PiiFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PiiFinding({:?} {} at {}..{})",
            self.kind,
            match (self.masked, self.redacted) {
                (_, true) => "redacted",
                (true, false) => "masked",
                (false, false) => "unmasked",
            },
            self.range.start,
            self.range.end
        )
    }
}

/// Scans text for PII. The label list says which bracketed labels count as masking.
#[derive(Debug, Clone)]
pub struct PiiDetector {
    labels: Vec<(String, PiiKind)>,
}

impl Default for PiiDetector {
    fn default() -> Self {
        let labels = [
            ("card", PiiKind::CardNumber),
            ("card number", PiiKind::CardNumber),
            ("card expiry date", PiiKind::CardExpiry),
            ("email", PiiKind::Email),
            ("phone", PiiKind::Phone),
            ("phone number", PiiKind::Phone),
            ("national id", PiiKind::NationalId),
            ("ssn", PiiKind::NationalId),
            ("name", PiiKind::Name),
            ("postal code", PiiKind::Address),
            ("location", PiiKind::Address),
            ("address", PiiKind::Address),
            ("user info", PiiKind::PersonalInfo),
            ("personal info", PiiKind::PersonalInfo),
        ];
        PiiDetector {
            labels: labels.iter().map(|(l, k)| (l.to_string(), *k)).collect(),
        }
    }
}

impl PiiDetector {
    /// Adds a vendor-specific redaction label (matched case-insensitively inside brackets).
    pub fn with_label(mut self, label: &str, kind: PiiKind) -> Self {
        self.labels.push((label.to_lowercase(), kind));
        self
    }

    /// All findings in `text`, ordered by position, never overlapping.
    pub fn scan(&self, text: &str) -> Vec<PiiFinding> {
        let mut findings = self.masked_labels(text);
        for finding in emails(text).into_iter().chain(number_runs(text)) {
            let overlaps = findings
                .iter()
                .any(|f| f.range.start < finding.range.end && finding.range.start < f.range.end);
            if !overlaps {
                findings.push(finding);
            }
        }
        findings.sort_by_key(|f| f.range.start);
        findings
    }

    /// `text` with every value in clear replaced by its kind's placeholder. Labels already in
    /// the text stay; the findings' ranges are in the masked text.
    pub fn mask(&self, text: &str) -> Masked {
        let mut masked = String::with_capacity(text.len());
        let mut findings = Vec::new();
        let mut copied = 0;
        for finding in self.scan(text) {
            masked.push_str(&text[copied..finding.range.start]);
            let start = masked.len();
            if finding.masked {
                masked.push_str(&text[finding.range.clone()]);
            } else {
                masked.push_str(finding.kind.placeholder());
            }
            findings.push(PiiFinding {
                kind: finding.kind,
                range: start..masked.len(),
                masked: true,
                redacted: !finding.masked,
            });
            copied = finding.range.end;
        }
        masked.push_str(&text[copied..]);
        Masked {
            text: masked,
            findings,
        }
    }

    fn masked_labels(&self, text: &str) -> Vec<PiiFinding> {
        let mut out = Vec::new();
        let mut offset = 0;
        while let Some(open) = text[offset..].find('[') {
            let start = offset + open;
            let Some(close) = text[start..].find(']') else {
                break;
            };
            let end = start + close + 1;
            let inner = text[start + 1..end - 1].trim().to_lowercase();
            if let Some((_, kind)) = self.labels.iter().find(|(label, _)| *label == inner) {
                out.push(PiiFinding {
                    kind: *kind,
                    range: start..end,
                    masked: true,
                    redacted: false,
                });
            }
            offset = start + 1;
        }
        out
    }
}

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

fn emails(text: &str) -> Vec<PiiFinding> {
    let bytes = text.as_bytes();
    let mut out: Vec<PiiFinding> = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local_char(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let mut end = text[at + 1..]
            .char_indices()
            .take_while(|(_, c)| is_domain_char(*c))
            .last()
            .map_or(at + 1, |(i, c)| at + 1 + i + c.len_utf8());
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        let tld_ok = domain.rsplit_once('.').is_some_and(|(host, tld)| {
            !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
        });
        if start < at && tld_ok && out.last().is_none_or(|f| f.range.end <= start) {
            out.push(PiiFinding {
                kind: PiiKind::Email,
                range: start..end,
                masked: false,
                redacted: false,
            });
        }
    }
    out
}

/// Runs of digits with the separators people type in card and phone numbers.
fn number_runs(text: &str) -> Vec<PiiFinding> {
    let bytes = text.as_bytes();
    let is_sep = |b: u8| matches!(b, b' ' | b'-' | b'.' | b'(' | b')');
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit()
            || (matches!(bytes[i], b'+' | b'(')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        // A run that continues a token (a UUID group, the seconds of a time, a decimal) is
        // not a number of its own.
        let joins = |b: u8| matches!(b, b'-' | b'.' | b':' | b',' | b'/');
        let boundary_before = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || (joins(bytes[i - 1]) && i >= 2 && bytes[i - 2].is_ascii_alphanumeric()));
        if !(starts_number && boundary_before) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        let mut j = i + 1;
        let mut seps = 0;
        while j < bytes.len() && (bytes[j].is_ascii_digit() || is_sep(bytes[j])) {
            if bytes[j].is_ascii_digit() {
                seps = 0;
                end = j + 1;
            } else {
                seps += 1;
                if seps > 2 {
                    break;
                }
            }
            j += 1;
        }
        let boundary_after = end == bytes.len()
            || !(bytes[end].is_ascii_alphanumeric()
                || (joins(bytes[end])
                    && bytes.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)));
        if boundary_after {
            if let Some(kind) = classify(&text[start..end]) {
                out.push(PiiFinding {
                    kind,
                    range: start..end,
                    masked: false,
                    redacted: false,
                });
            }
        }
        i = end.max(i + 1);
    }
    out
}

fn classify(run: &str) -> Option<PiiKind> {
    let digits: Vec<u8> = run
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    let only_card_separators = run
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b' ' || b == b'-');
    let ssn_shape = run.len() == 11
        && run.bytes().enumerate().all(|(i, b)| match i {
            3 | 6 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    // One dot and nothing else between the digits is a decimal number (317.555.0134 has two).
    let decimal = run.bytes().filter(|b| !b.is_ascii_digit()).eq([b'.']);
    if decimal {
        None
    } else if ssn_shape {
        Some(PiiKind::NationalId)
    } else if (13..=19).contains(&digits.len()) && only_card_separators && luhn_valid(&digits) {
        Some(PiiKind::CardNumber)
    } else if (10..=15).contains(&digits.len()) {
        Some(PiiKind::Phone)
    } else {
        None
    }
}

/// The Luhn (mod 10) check used by payment card numbers.
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(PiiKind, bool, &str)> {
        PiiDetector::default()
            .scan(text)
            .into_iter()
            .map(|f| (f.kind, f.masked, &text[f.range]))
            .collect()
    }

    #[test]
    fn finds_luhn_valid_cards_with_spaces_and_dashes() {
        assert_eq!(
            kinds("my card is 4111 1111 1111 1111 thanks"),
            vec![(PiiKind::CardNumber, false, "4111 1111 1111 1111")]
        );
        assert_eq!(
            kinds("5500-0000-0000-0004"),
            vec![(PiiKind::CardNumber, false, "5500-0000-0000-0004")]
        );
        assert_eq!(
            kinds("4111111111111111"),
            vec![(PiiKind::CardNumber, false, "4111111111111111")]
        );
    }

    #[test]
    fn luhn_invalid_sixteen_digits_is_not_a_card() {
        let found = kinds("ref 4111 1111 1111 1112");
        assert!(
            found.iter().all(|(k, _, _)| *k != PiiKind::CardNumber),
            "{found:?}"
        );
    }

    #[test]
    fn finds_emails_phones_and_ssns() {
        assert_eq!(
            kinds("write to jane.doe+qa@example.co.uk."),
            vec![(PiiKind::Email, false, "jane.doe+qa@example.co.uk")]
        );
        assert_eq!(
            kinds("call +1 (317) 555-0134 now"),
            vec![(PiiKind::Phone, false, "+1 (317) 555-0134")]
        );
        assert_eq!(
            kinds("ssn 123-45-6789"),
            vec![(PiiKind::NationalId, false, "123-45-6789")]
        );
    }

    #[test]
    fn recognizes_vendor_masking_labels() {
        let found = kinds("card [card number] exp [Card Expiry Date], mail [email], [unknown]");
        assert_eq!(
            found,
            vec![
                (PiiKind::CardNumber, true, "[card number]"),
                (PiiKind::CardExpiry, true, "[Card Expiry Date]"),
                (PiiKind::Email, true, "[email]"),
            ]
        );
    }

    #[test]
    fn ignores_dates_times_amounts_and_ids() {
        for text in [
            "on 2026-11-01 at 10:30",
            "it costs 1,234.56 dollars",
            "case id 3f2b1c4d-1111-2222-3333-444455556666",
            "order ABC1234567890",
            "user@localhost",
            "segment 9c1d2e3f-9491-4431-8454-579392975420 ended",
            "at 2026-12-03T06:14:35.370474810+00:00",
            "ratio 0.8200000000000001 or 35.370474810",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn masking_replaces_values_keeps_labels_and_points_into_the_masked_text() {
        let text = "card 4111 1111 1111 1111, mail jane@example.com, ssn 123-45-6789, [email], call +1 317 555 0134";
        let masked = PiiDetector::default().mask(text);
        assert_eq!(
            masked.text,
            "card [card], mail [email], ssn [ssn], [email], call [phone]"
        );
        let found: Vec<(PiiKind, bool, &str)> = masked
            .findings
            .iter()
            .map(|f| (f.kind, f.redacted, &masked.text[f.range.clone()]))
            .collect();
        assert_eq!(
            found,
            vec![
                (PiiKind::CardNumber, true, "[card]"),
                (PiiKind::Email, true, "[email]"),
                (PiiKind::NationalId, true, "[ssn]"),
                (PiiKind::Email, false, "[email]"),
                (PiiKind::Phone, true, "[phone]"),
            ]
        );
        assert!(masked.findings.iter().all(|f| f.masked));
        // Masking again finds only labels and changes nothing.
        let again = PiiDetector::default().mask(&masked.text);
        assert_eq!(again.text, masked.text);
        assert!(again.findings.iter().all(|f| !f.redacted));
        assert_eq!(
            PiiDetector::default().mask("no pii here").text,
            "no pii here"
        );
    }

    #[test]
    fn debug_never_shows_the_value() {
        let text = "4111 1111 1111 1111";
        let findings = PiiDetector::default().scan(text);
        let debug = format!("{findings:?}");
        assert!(!debug.contains("4111"), "{debug}");
        assert!(debug.contains("CardNumber"));
    }

    #[test]
    fn custom_labels_are_matched() {
        let detector = PiiDetector::default().with_label("Account Number", PiiKind::PersonalInfo);
        let found = detector.scan("acct [account number]");
        assert_eq!(found.len(), 1);
        assert!(found[0].masked);
    }

    #[test]
    fn luhn_reference_values() {
        let digits = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<_>>();
        assert!(luhn_valid(&digits("79927398713")));
        assert!(!luhn_valid(&digits("79927398710")));
    }
}
