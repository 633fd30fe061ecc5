//! Genesys Cloud connector for cxqa.
//!
//! Calls exactly the endpoints described in `shared/reference/genesys-cloud-api.md`. Vendor facts
//! (regions, error bodies, paging styles, field names) live here and nowhere else.

mod agents;
mod api;
mod assessments;
mod changes;
pub mod config;
mod details;
mod feedback;
mod forms;
mod interactions;
mod surveys;
mod transcripts;

#[cfg(test)]
mod fuzz;

use api::{ClientCredentials, GenesysApi, GenesysErrors, Listing};
use async_trait::async_trait;
use config::GenesysConfig;
use cxqa_core::config::{ConfigError, parse_section};
use cxqa_core::connector::{
    CheckReport, Connector, ConnectorContext, ConnectorRegistration, StreamCheck,
};
use cxqa_core::source::{
    AgentSource, AssessmentFormSource, AssessmentSource, FeedbackSource, InteractionSource,
    SurveySource, TranscriptSource,
};
use cxqa_core::{SourceError, Stream};
use cxqa_http::{HttpClient, HttpSettings, TokenCache};
use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

pub const VENDOR: &str = "genesys";

/// The streams this connector offers (kept equal to what `GenesysConnector` returns by a test).
pub const STREAMS: &[Stream] = &Stream::ALL;

cxqa_core::inventory::submit! {
    ConnectorRegistration {
        vendor: VENDOR,
        description: "Genesys Cloud (OAuth client credentials; Platform API v2)",
        streams: STREAMS,
        config_schema: |generator| GenesysConfig::json_schema(generator),
        build,
    }
}

fn build(
    value: serde_json::Value,
    context: ConnectorContext,
) -> Result<Box<dyn Connector>, ConfigError> {
    let config: GenesysConfig = parse_section("source", value)?;
    config.validate()?;
    Ok(Box::new(GenesysConnector::new(config, context)?))
}

pub struct GenesysConnector {
    api: GenesysApi,
    agents: agents::Agents,
    interactions: interactions::Interactions,
    forms: forms::AssessmentForms,
    assessments: assessments::Assessments,
    feedback: feedback::FeedbackItems,
    surveys: surveys::Surveys,
    transcripts: transcripts::Transcripts,
}

impl GenesysConnector {
    pub fn new(config: GenesysConfig, context: ConnectorContext) -> Result<Self, ConfigError> {
        let hosts = config.hosts()?;
        let settings = HttpSettings::paced(
            config.requests_per_minute,
            Duration::from_secs(config.timeout_secs),
            Duration::from_secs(config.retry_after_cap_secs),
        )
        .with_budgets(
            config.max_retry_elapsed.as_std(),
            config.outage_after.as_std(),
        );
        let http = HttpClient::new(VENDOR, &settings, context.events, Arc::new(GenesysErrors))
            .map_err(|e| ConfigError::new("source", e.to_string()))?;
        let tokens = Arc::new(TokenCache::new(
            ClientCredentials {
                token_url: format!("{}/oauth/token", hosts.login),
                client_id: config.client_id.clone(),
                client_secret: config.client_secret.clone(),
            },
            Duration::from_secs(config.token_refresh_buffer_secs),
        ));
        let api = GenesysApi::new(
            http,
            hosts.api,
            tokens,
            Duration::from_millis(config.not_found_confirm_ms),
        );
        let details = details::DetailsSettings {
            page_size: config.details_page_size,
            chunk: chrono::Duration::hours(i64::from(config.details_chunk_hours)),
            async_after: (config.async_jobs_after_days > 0)
                .then(|| chrono::Duration::days(i64::from(config.async_jobs_after_days))),
            poll_interval: Duration::from_millis(config.job_poll_interval_ms),
        };
        let form_cache = Arc::new(forms::FormCache::default());
        let evaluation_cache = Arc::new(assessments::EvaluationCache::default());
        Ok(GenesysConnector {
            agents: agents::Agents {
                api: api.clone(),
                page_size: config.users_page_size,
            },
            interactions: interactions::Interactions {
                api: api.clone(),
                details: details.clone(),
            },
            forms: forms::AssessmentForms {
                api: api.clone(),
                cache: form_cache.clone(),
            },
            assessments: assessments::Assessments {
                api: api.clone(),
                details: details.clone(),
                forms: form_cache.clone(),
                cache: evaluation_cache.clone(),
                scoring: assessments::Scoring {
                    failed_kill_zeroes_score: config.failed_kill_zeroes_score,
                },
            },
            feedback: feedback::FeedbackItems {
                api: api.clone(),
                details: details.clone(),
                forms: form_cache,
                cache: evaluation_cache,
                batch: config.coaching_user_batch as usize,
                users_page_size: config.users_page_size,
                agents: tokio::sync::Mutex::new(None),
            },
            surveys: surveys::Surveys {
                api: api.clone(),
                details: details.clone(),
            },
            transcripts: transcripts::Transcripts {
                api: api.clone(),
                details,
                concurrency: config.transcript_concurrency as usize,
                sentiment_scale: config.sentiment_scale,
            },
            api,
        })
    }

    /// Probes one endpoint for a stream; a vendor refusal becomes a failed check, not an error.
    async fn probe(&self, stream: Stream, request: cxqa_http::Request) -> StreamCheck {
        match self.api.json::<serde_json::Value>(&request).await {
            Ok(_) => StreamCheck {
                stream,
                ok: true,
                detail: format!("{} {} answers", request.method, request.path),
            },
            Err(err) => StreamCheck {
                stream,
                ok: false,
                detail: err.to_string(),
            },
        }
    }
}

#[derive(Deserialize)]
struct TokenInfo {
    organization: Option<Named>,
}

#[derive(Deserialize)]
struct Named {
    id: Option<String>,
    name: Option<String>,
}

impl GenesysConnector {
    /// The cheapest request that needs the same permission as the stream.
    fn probe_request(&self, stream: Stream) -> cxqa_http::Request {
        let now = chrono::Utc::now();
        let interval = format!(
            "{}/{}",
            (now - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let details = |filter: &str| {
            let mut body = serde_json::json!({ "interval": interval, "paging": { "pageSize": 1, "pageNumber": 1 } });
            if !filter.is_empty() {
                body[filter] = serde_json::json!([{ "type": "and", "predicates": [{ "type": "dimension", "dimension": if filter == "surveyFilters" { "surveyId" } else { "evaluationId" }, "operator": "exists" }] }]);
            }
            cxqa_http::Request::post(
                format!(
                    "{}/api/v2/analytics/conversations/details/query",
                    self.api.api_base
                ),
                "/api/v2/analytics/conversations/details/query",
            )
            .json(body)
        };
        match stream {
            Stream::Agents => self
                .api
                .get("/api/v2/users?pageSize=1&state=any", "/api/v2/users"),
            Stream::AssessmentForms => self.api.get(
                "/api/v2/quality/forms/evaluations?pageSize=1",
                "/api/v2/quality/forms/evaluations",
            ),
            Stream::Interactions | Stream::Transcripts => details(""),
            Stream::Assessments | Stream::Feedback => details("evaluationFilters"),
            Stream::Surveys => details("surveyFilters"),
        }
    }
}

#[async_trait]
impl Connector for GenesysConnector {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    async fn start_run(&self, streams: &[Stream]) {
        // Assessments and feedback read the same evaluations: each is kept until both have.
        let readers = [Stream::Assessments, Stream::Feedback]
            .iter()
            .filter(|s| streams.contains(s))
            .count();
        self.assessments.cache.start_run(readers);
        self.feedback.start_run().await;
        self.api.auth.sign_in(&self.api.http).await;
    }

    async fn check(&self) -> Result<CheckReport, SourceError> {
        let me: TokenInfo = self
            .api
            .json(&self.api.get("/api/v2/tokens/me", "/api/v2/tokens/me"))
            .await?;
        let divisions: Listing<Named> = self
            .api
            .json(&self.api.get(
                "/api/v2/authorization/divisionspermitted/paged/me?permission=quality:evaluation:view&pageSize=100",
                "/api/v2/authorization/divisionspermitted/paged/me",
            ))
            .await?;
        let mut streams = Vec::new();
        for &stream in STREAMS {
            streams.push(self.probe(stream, self.probe_request(stream)).await);
        }
        Ok(CheckReport {
            account: me.organization.and_then(|o| o.name.or(o.id)),
            api_base: Some(self.api.api_base.clone()),
            visible_scopes: divisions
                .entities
                .into_iter()
                .filter_map(|d| d.name.or(d.id))
                .collect(),
            streams,
        })
    }

    async fn division_names(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, SourceError> {
        let divisions: Listing<Named> = self
            .api
            .json(&self.api.get(
                "/api/v2/authorization/divisions?pageSize=100",
                "/api/v2/authorization/divisions",
            ))
            .await?;
        Ok(divisions
            .entities
            .into_iter()
            .filter_map(|d| Some((d.id?, d.name?)))
            .collect())
    }

    fn interactions(&self) -> Option<&InteractionSource> {
        Some(&self.interactions)
    }
    fn agents(&self) -> Option<&AgentSource> {
        Some(&self.agents)
    }
    fn assessment_forms(&self) -> Option<&AssessmentFormSource> {
        Some(&self.forms)
    }
    fn assessments(&self) -> Option<&AssessmentSource> {
        Some(&self.assessments)
    }
    fn feedback(&self) -> Option<&FeedbackSource> {
        Some(&self.feedback)
    }
    fn surveys(&self) -> Option<&SurveySource> {
        Some(&self.surveys)
    }
    fn transcripts(&self) -> Option<&TranscriptSource> {
        Some(&self.transcripts)
    }
}

#[cfg(test)]
mod tests;
