//! Genesys Cloud connector for cxqa.
//!
//! Calls exactly the endpoints described in `shared/reference/genesys-cloud-api.md`. Vendor facts
//! (regions, error bodies, paging styles, field names) live here and nowhere else.

mod agents;
mod api;
pub mod config;

use api::{ClientCredentials, GenesysApi, GenesysErrors, Listing};
use async_trait::async_trait;
use config::GenesysConfig;
use cxqa_core::config::{ConfigError, parse_section};
use cxqa_core::connector::{
    CheckReport, Connector, ConnectorContext, ConnectorRegistration, StreamCheck,
};
use cxqa_core::source::AgentSource;
use cxqa_core::{SourceError, Stream};
use cxqa_http::{HttpClient, HttpSettings, RetryPolicy, TokenCache};
use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

pub const VENDOR: &str = "genesys";

/// The streams this connector offers (kept equal to what `GenesysConnector` returns by a test).
pub const STREAMS: &[Stream] = &[Stream::Agents];

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
}

impl GenesysConnector {
    pub fn new(config: GenesysConfig, context: ConnectorContext) -> Result<Self, ConfigError> {
        let hosts = config.hosts()?;
        let settings = HttpSettings {
            timeout: Duration::from_secs(config.timeout_secs),
            requests_per_minute: Some(config.requests_per_minute),
            retry: RetryPolicy {
                retry_after_cap: Duration::from_secs(config.retry_after_cap_secs),
                ..RetryPolicy::default()
            },
            ..HttpSettings::default()
        };
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
        let api = GenesysApi::new(http, hosts.api, tokens);
        Ok(GenesysConnector {
            agents: agents::Agents {
                api: api.clone(),
                page_size: config.users_page_size,
            },
            api,
        })
    }

    /// Probes one endpoint for a stream; a vendor refusal becomes a failed check, not an error.
    async fn probe(&self, stream: Stream, path: &str, template: &str) -> StreamCheck {
        match self
            .api
            .json::<serde_json::Value>(&self.api.get(path, template))
            .await
        {
            Ok(_) => StreamCheck {
                stream,
                ok: true,
                detail: format!("GET {template} answers"),
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

#[async_trait]
impl Connector for GenesysConnector {
    fn vendor(&self) -> &'static str {
        VENDOR
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
        for stream in STREAMS {
            let check = match stream {
                Stream::Agents => {
                    self.probe(
                        *stream,
                        "/api/v2/users?pageSize=1&state=any",
                        "/api/v2/users",
                    )
                    .await
                }
                _ => continue,
            };
            streams.push(check);
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

    fn agents(&self) -> Option<&AgentSource> {
        Some(&self.agents)
    }
}

#[cfg(test)]
mod tests;
