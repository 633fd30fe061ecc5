use std::fmt;

/// What went wrong while talking to a vendor, said so that a user knows what to do next.
/// Messages never contain secrets, tokens or query strings.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The vendor answered with an error status that retrying will not fix.
    #[error("{0}")]
    Vendor(Box<VendorFailure>),
    /// Retries were spent (rate limits, server errors, timeouts).
    #[error("{vendor}: gave up on {path} after {attempts} attempts: {last}")]
    Exhausted {
        vendor: String,
        path: String,
        attempts: u32,
        last: String,
    },
    /// The vendor asked us to wait longer than the configured cap.
    #[error(
        "{vendor} asked to wait {wait_secs}s before retrying {path}, more than the cap of {cap_secs}s; raise `retry_after_cap` or run later"
    )]
    WaitTooLong {
        vendor: String,
        path: String,
        wait_secs: u64,
        cap_secs: u64,
    },
    /// The network failed (connect, TLS, timeout) and could not be retried further.
    #[error("{vendor}: could not reach {path}: {detail}")]
    Transport {
        vendor: String,
        path: String,
        detail: String,
    },
    /// The vendor answered with something we could not read.
    #[error("{vendor}: unexpected response from {path}: {detail}")]
    Decode {
        vendor: String,
        path: String,
        detail: String,
    },
    /// Every request to the vendor has failed for a while: the run stops rather than spend
    /// each stream's retries in turn.
    #[error(
        "{vendor} is down or unreachable: every request has failed for {seconds}s (last answer: {last}). The run stops here; every committed page is safe and the next run resumes from it"
    )]
    Outage {
        vendor: String,
        last: String,
        seconds: u64,
    },
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Other(String),
}

/// A vendor's refusal: status, the vendor's own code, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{vendor} answered {status}{code} on {path}: {message}. {action}", code = VendorCode(.code))]
pub struct VendorFailure {
    pub vendor: String,
    pub status: u16,
    /// The vendor's own error code (e.g. `bad.credentials`).
    pub code: Option<String>,
    pub path: String,
    pub message: String,
    /// What the user should do about it.
    pub action: String,
}

struct VendorCode<'a>(&'a Option<String>);

impl fmt::Display for VendorCode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, " ({code})"),
            None => Ok(()),
        }
    }
}

impl SourceError {
    /// HTTP status of a vendor error, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            SourceError::Vendor(failure) => Some(failure.status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_error_names_status_code_and_action() {
        let err = SourceError::Vendor(Box::new(VendorFailure {
            vendor: "genesys".into(),
            status: 403,
            code: Some("missing.permissions".into()),
            path: "/api/v2/quality/evaluations/query".into(),
            message: "Unable to perform the requested action".into(),
            action: "grant the OAuth client's role quality:evaluation:view".into(),
        }));
        let text = err.to_string();
        assert!(text.contains("403 (missing.permissions)"), "{text}");
        assert!(text.contains("grant the OAuth client's role"), "{text}");
    }
}
