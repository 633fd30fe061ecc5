//! UserHub: division names, for `cxqa check` and the run summary, from
//! `POST /division-management/v1/division/search` (`skip`/`top`, `totalRecords`, the rows under
//! the singular key `division`).

use crate::api::CxoneApi;
use cxqa_core::SourceError;
use cxqa_http::Request;
use serde::Deserialize;

const DIVISION_SEARCH: &str = "/division-management/v1/division/search";
const PAGE: u64 = 100;

pub struct UserHub {
    pub api: CxoneApi,
    /// Where UserHub answers; None is the API base (the reference's likely host).
    pub base: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DivisionPage {
    total_records: Option<u64>,
    #[serde(default)]
    division: Vec<Division>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Division {
    division_id: Option<serde_json::Value>,
    name: Option<String>,
    status: Option<String>,
}

impl UserHub {
    async fn base(&self) -> Result<String, SourceError> {
        match &self.base {
            Some(base) => Ok(base.clone()),
            None => self.api.base().await,
        }
    }

    /// The tenant's active divisions as (division number, name), in name order.
    pub async fn divisions(&self) -> Result<Vec<(Option<String>, String)>, SourceError> {
        let url = format!("{}{DIVISION_SEARCH}", self.base().await?);
        let mut names = Vec::new();
        let mut skip = 0;
        loop {
            let body =
                serde_json::json!({ "skip": skip, "top": PAGE, "orderBy": { "name": "ASC" } });
            let request = Request::post(&url, DIVISION_SEARCH).json(body);
            let page: DivisionPage = self.api.http.json(&request, &self.api.auth).await?;
            let returned = page.division.len() as u64;
            names.extend(
                page.division
                    .into_iter()
                    .filter(|d| {
                        !d.status
                            .as_deref()
                            .is_some_and(|s| s.eq_ignore_ascii_case("INACTIVE"))
                    })
                    .filter_map(|d| {
                        let number = d.division_id.as_ref().and_then(crate::contacts::id_text);
                        Some((number, d.name?))
                    }),
            );
            skip += returned;
            if returned < PAGE || page.total_records.is_some_and(|total| skip >= total) {
                return Ok(names);
            }
        }
    }
}
