//! Keyword normalization and matching: Unicode lower-case, punctuation stripped, whitespace
//! collapsed; a keyword matches when its normalized words appear as whole words in the text.

/// Normalizes text for keyword comparison.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else if c.is_whitespace() {
            pending_space = true;
        }
        // Punctuation and symbols are dropped: "can't" → "cant", "e-mail" → "email".
    }
    out
}

/// Matches a fixed set of keywords against texts.
#[derive(Debug, Clone, Default)]
pub struct KeywordMatcher {
    /// (normalized keyword, as configured)
    keywords: Vec<String>,
}

impl KeywordMatcher {
    pub fn new<S: AsRef<str>>(keywords: &[S]) -> Self {
        let mut keywords: Vec<String> = keywords
            .iter()
            .map(|k| normalize(k.as_ref()))
            .filter(|k| !k.is_empty())
            .collect();
        keywords.sort();
        keywords.dedup();
        KeywordMatcher { keywords }
    }

    pub fn is_empty(&self) -> bool {
        self.keywords.is_empty()
    }

    /// The normalized keywords found as whole words in `text`, in sorted order.
    pub fn matches(&self, text: &str) -> Vec<String> {
        let padded = format!(" {} ", normalize(text));
        self.keywords
            .iter()
            .filter(|k| padded.contains(&format!(" {k} ")))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_lowercases_strips_punctuation_and_collapses_space() {
        assert_eq!(normalize("  Cancel   my ACCOUNT!! "), "cancel my account");
        assert_eq!(normalize("Can't\tstop\n\nnow"), "cant stop now");
        assert_eq!(normalize("ÜBER straße"), "über straße");
        assert_eq!(normalize("e-mail, please."), "email please");
        assert_eq!(normalize("?!"), "");
    }

    #[test]
    fn matching_is_whole_word_and_case_insensitive() {
        let m = KeywordMatcher::new(&["Cancel account", "refund", "  "]);
        assert_eq!(
            m.matches("I want to CANCEL my account"),
            Vec::<String>::new()
        );
        assert_eq!(
            m.matches("please cancel, account closed"),
            vec!["cancel account"]
        );
        assert_eq!(m.matches("Refund?"), vec!["refund"]);
        assert!(m.matches("refunds are slow").is_empty());
        assert!(!m.is_empty());
    }
}
