//! NICE CXone connector for cxqa.
//!
//! Calls exactly the endpoints described in `shared/reference/nice-cxone-api.md`. Vendor facts
//! (discovery, the password grant, field spellings, paging styles) live here and nowhere else.

mod agents;
mod api;
pub mod config;

use api::{CxoneApi, CxoneErrors};
use async_trait::async_trait;
use config::CxoneConfig;
use cxqa_core::config::{ConfigError, parse_section};
use cxqa_core::connector::{
    CheckReport, Connector, ConnectorContext, ConnectorRegistration, StreamCheck,
};
use cxqa_core::source::AgentSource;
use cxqa_core::{SourceError, Stream};
use cxqa_http::{HttpClient, HttpSettings, Request, RetryPolicy};
use schemars::JsonSchema;
use std::sync::Arc;
use std::time::Duration;

pub const VENDOR: &str = "cxone";

/// The streams this connector offers (kept equal to what `CxoneConnector` returns by a test).
pub const STREAMS: &[Stream] = &[Stream::Agents];

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
}

impl CxoneConnector {
    pub fn new(config: &CxoneConfig, context: ConnectorContext) -> Result<Self, ConfigError> {
        let settings = HttpSettings {
            timeout: Duration::from_secs(config.timeout_secs),
            requests_per_minute: Some(config.requests_per_minute),
            retry: RetryPolicy {
                retry_after_cap: Duration::from_secs(config.retry_after_cap_secs),
                ..RetryPolicy::default()
            },
            ..HttpSettings::default()
        };
        let http = HttpClient::new(VENDOR, &settings, context.events, Arc::new(CxoneErrors))
            .map_err(|e| ConfigError::new("source", e.to_string()))?;
        let api = CxoneApi::new(
            http,
            config,
            Duration::from_secs(config.token_refresh_buffer_secs),
        );
        Ok(CxoneConnector {
            agents: agents::Agents {
                api: api.clone(),
                page_size: config.agents_page_size,
            },
            api,
        })
    }

    async fn probe_agents(&self) -> StreamCheck {
        let result = async {
            let url = self.api.acd_url("/agents").await?;
            let request = Request::get(url, "/incontactapi/services/{version}/agents")
                .query("top", 1)
                .pass_through(&[204]);
            self.api.http.send(&request, &self.api.auth).await
        }
        .await;
        StreamCheck {
            stream: Stream::Agents,
            ok: result.is_ok(),
            detail: match result {
                Ok(_) => "GET /incontactapi/services/{version}/agents answers".into(),
                Err(err) => err.to_string(),
            },
        }
    }
}

#[async_trait]
impl Connector for CxoneConnector {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    async fn check(&self) -> Result<CheckReport, SourceError> {
        let tenant = self.api.tenant_id().await?;
        let base = self.api.base().await?;
        Ok(CheckReport {
            account: tenant.map(|t| format!("tenant {t}")),
            api_base: Some(base),
            visible_scopes: Vec::new(),
            streams: vec![self.probe_agents().await],
        })
    }

    fn agents(&self) -> Option<&AgentSource> {
        Some(&self.agents)
    }
}

#[cfg(test)]
mod tests;
