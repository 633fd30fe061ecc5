//! NICE CXone connector for cxqa.
//!
//! Calls exactly the endpoints described in `shared/reference/nice-cxone-api.md`. Vendor facts
//! (discovery, the password grant, field spellings, paging styles) live here and nowhere else.

mod agents;
mod api;
mod assessments;
pub mod config;
mod contacts;
mod extraction;
mod feedback;
mod forms;
mod qm;
mod scope;
mod surveys;
mod transcripts;

#[cfg(test)]
mod fuzz;
mod userhub;

use api::{CxoneApi, CxoneErrors};
use async_trait::async_trait;
use config::CxoneConfig;
use cxqa_core::config::{ConfigError, parse_section};
use cxqa_core::connector::{
    CheckReport, Connector, ConnectorContext, ConnectorRegistration, StreamCheck,
};
use cxqa_core::source::{
    AgentSource, AssessmentFormSource, AssessmentSource, FeedbackSource, InteractionSource,
    SurveySource, TranscriptSource,
};
use cxqa_core::{SourceError, Stream};
use cxqa_http::{HttpClient, HttpSettings, Request};
use schemars::JsonSchema;
use std::sync::Arc;
use std::time::Duration;

pub const VENDOR: &str = "cxone";

/// The streams this connector offers (kept equal to what `CxoneConnector` returns by a test).
pub const STREAMS: &[Stream] = &Stream::ALL;

cxqa_core::inventory::submit! {
    ConnectorRegistration {
        vendor: VENDOR,
        description: "NICE CXone (back-end app + access key; Data Extraction, Reporting, Interaction Analytics)",
        streams: STREAMS,
        config_schema: |generator| CxoneConfig::json_schema(generator),
        build,
    }
}

fn build(
    value: serde_json::Value,
    context: ConnectorContext,
) -> Result<Box<dyn Connector>, ConfigError> {
    let config: CxoneConfig = parse_section("source", value)?;
    config.validate()?;
    Ok(Box::new(CxoneConnector::new(&config, context)?))
}

pub struct CxoneConnector {
    api: CxoneApi,
    agents: agents::Agents,
    contacts: Arc<contacts::Contacts>,
    assessments: assessments::Assessments,
    feedback: feedback::FeedbackItems,
    forms: forms::Forms,
    surveys: surveys::Surveys,
    transcripts: transcripts::Transcripts,
    userhub: userhub::UserHub,
    /// The deep re-read of the QM streams (no modified-since in Data Extraction).
    qm_sweep: cxqa_core::Sweep,
}

impl CxoneConnector {
    pub fn new(config: &CxoneConfig, context: ConnectorContext) -> Result<Self, ConfigError> {
        let settings = HttpSettings::paced(
            config.requests_per_minute,
            Duration::from_secs(config.timeout_secs),
            Duration::from_secs(config.retry_after_cap_secs),
        )
        .with_budgets(
            config.max_retry_elapsed.as_std(),
            config.outage_after.as_std(),
        );
        let http = HttpClient::new(VENDOR, &settings, context.events, Arc::new(CxoneErrors))
            .map_err(|e| ConfigError::new("source", e.to_string()))?;
        let api = CxoneApi::new(
            http,
            config,
            Duration::from_secs(config.token_refresh_buffer_secs),
        );
        let extraction = extraction::Extraction::new(
            api.clone(),
            extraction::ExtractionSettings {
                spacing: Duration::from_secs(config.extraction_spacing_secs),
                poll: Duration::from_millis(config.extraction_poll_ms),
                timeout: Duration::from_secs(config.extraction_timeout_secs),
            },
        );
        let qm = Arc::new(qm::Qm::new(
            extraction,
            (
                config.workflows_entity.clone(),
                config.workflows_version.clone(),
            ),
            (
                config.questions_entity.clone(),
                config.questions_version.clone(),
            ),
            config.extraction_chunk_days,
        ));
        let contacts = Arc::new(contacts::Contacts::new(
            api.clone(),
            config.contacts_page_size,
            chrono::Duration::days(i64::from(config.contact_lookback_days)),
        ));
        let scopes = Arc::new(scope::Scopes::new(contacts.clone()));
        let qm_sweep = cxqa_core::Sweep {
            lookback: config.sweep_lookback.as_chrono(),
            every: config.sweep_every.as_chrono(),
        };
        Ok(CxoneConnector {
            qm_sweep,
            agents: agents::Agents {
                api: api.clone(),
                page_size: config.agents_page_size,
            },
            assessments: assessments::Assessments {
                qm: qm.clone(),
                scopes: scopes.clone(),
            },
            feedback: feedback::FeedbackItems {
                qm: qm.clone(),
                scopes: scopes.clone(),
            },
            forms: forms::Forms(qm, Default::default()),
            surveys: surveys::Surveys {
                api: api.clone(),
                contacts: contacts.clone(),
                page_size: config.surveys_page_size,
                contact_field: config.survey_contact_field.clone(),
                scale: cxqa_core::model::ScoreScale {
                    min: config.csat_scale_min,
                    max: config.csat_scale_max,
                },
                warned_outside_scale: Default::default(),
            },
            transcripts: transcripts::Transcripts {
                api: api.clone(),
                page_size: config.segments_page_size,
                concurrency: config.transcript_concurrency as usize,
                scopes,
            },
            userhub: userhub::UserHub {
                api: api.clone(),
                base: config.userhub_base.as_deref().map(config::trim_base),
            },
            contacts,
            api,
        })
    }

    /// The cheapest request that needs the same permission as the stream.
    async fn probe(&self, stream: Stream) -> StreamCheck {
        let result = async {
            let base = self.api.base().await?;
            let request = match stream {
                Stream::Agents => Request::get(
                    self.api.acd_url("/agents").await?,
                    "/incontactapi/services/{version}/agents",
                )
                .query("top", 1),
                Stream::Interactions => Request::get(
                    self.api.acd_url("/contacts/completed").await?,
                    "/incontactapi/services/{version}/contacts/completed",
                )
                .query("top", 1),
                // Listing jobs is a Data Extraction call too: it shows the permission without creating a job.
                Stream::Assessments | Stream::AssessmentForms | Stream::Feedback => Request::get(
                    format!("{base}/data-extraction/v1/jobs"),
                    "/data-extraction/v1/jobs",
                ),
                Stream::Surveys => Request::post(
                    format!("{base}/survey-data/v1.0/feedback/search"),
                    "/survey-data/v1.0/feedback/search",
                )
                .query("limit", 1)
                .json(serde_json::json!({})),
                Stream::Transcripts => Request::get(
                    format!("{base}/interaction-analytics-gateway/v2/segments/analyzed"),
                    "/interaction-analytics-gateway/v2/segments/analyzed",
                )
                .query("pageSize", 1),
            };
            let request = request.pass_through(&[204]);
            self.api
                .http
                .send(&request, &self.api.auth)
                .await
                .map(|_| format!("{} {} answers", request.method, request.path))
        }
        .await;
        StreamCheck {
            stream,
            ok: result.is_ok(),
            detail: result.unwrap_or_else(|err| err.to_string()),
        }
    }
}

#[async_trait]
impl Connector for CxoneConnector {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    async fn start_run(&self, streams: &[Stream]) {
        // Assessments, feedback and forms read the same QM chunks.
        let readers = [
            Stream::Assessments,
            Stream::Feedback,
            Stream::AssessmentForms,
        ]
        .iter()
        .filter(|s| streams.contains(s))
        .count();
        self.assessments.qm.start_run(readers).await;
        self.contacts.start_run().await;
        // Discovery and sign-in before the streams start, so no stream is charged for them;
        // a failure is left for the first request to report.
        let _ = self.api.base().await;
        self.api.auth.sign_in(&self.api.http).await;
    }

    fn sweep(&self, stream: Stream) -> Option<cxqa_core::Sweep> {
        matches!(stream, Stream::Assessments | Stream::Feedback).then_some(self.qm_sweep)
    }

    async fn check(&self) -> Result<CheckReport, SourceError> {
        let tenant = self.api.tenant_id().await?;
        let base = self.api.base().await?;
        // Division names are a courtesy: a key without UserHub rights still gets its stream checks.
        let divisions = match self.userhub.divisions().await {
            Ok(divisions) => divisions.into_iter().map(|(_, name)| name).collect(),
            Err(error) => {
                tracing::warn!(%error, "cxone: division names unavailable");
                Vec::new()
            }
        };
        Ok(CheckReport {
            account: tenant.map(|t| format!("tenant {t}")),
            api_base: Some(base),
            visible_scopes: divisions,
            streams: {
                let mut checks: Vec<StreamCheck> = Vec::new();
                for &stream in STREAMS {
                    // The Data Extraction streams share one probe (one call per 30 s per tenant).
                    let shared = checks
                        .iter()
                        .find(|c| c.stream == Stream::AssessmentForms)
                        .cloned();
                    match (stream, shared) {
                        (Stream::Assessments | Stream::Feedback, Some(qm)) => {
                            checks.push(StreamCheck { stream, ..qm })
                        }
                        _ => checks.push(self.probe(stream).await),
                    }
                }
                checks
            },
        })
    }

    async fn division_names(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, SourceError> {
        Ok(self
            .userhub
            .divisions()
            .await?
            .into_iter()
            .filter_map(|(number, name)| Some((number?, name)))
            .collect())
    }

    fn interactions(&self) -> Option<&InteractionSource> {
        Some(self.contacts.as_ref())
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
