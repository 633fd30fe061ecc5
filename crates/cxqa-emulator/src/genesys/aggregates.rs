//! Evaluation and survey aggregates (`/api/v2/analytics/{evaluations,surveys}/aggregates/query`):
//! counts over an interval of one time dimension, grouped by the requested dimensions. With
//! `alternateTimeDimension: "eventTime"` an evaluation or survey falls in every interval in which
//! something happened to it, which makes the query a change feed.

use super::*;
use std::collections::BTreeMap;

/// One evaluation or survey as the aggregates see it.
struct Fact {
    /// Dimension name → value, for grouping.
    dimensions: Vec<(&'static str, String)>,
    /// Whether it falls in the interval, by the query's time dimension.
    in_interval: bool,
    /// Metric name → (count, sum of values).
    metrics: Vec<(&'static str, i64, i64)>,
}

/// Metric name → (count, sum) of one group.
type MetricSums = BTreeMap<&'static str, (i64, i64)>;

/// The request's `groupBy`, `metrics` and interval; None when a required part is missing.
struct Query {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    time_dimension: String,
    group_by: Vec<String>,
    metrics: Vec<String>,
}

impl Query {
    /// The query, or the refusal message for a 400.
    fn parse(body: &Value, default_time: &str) -> Result<Query, &'static str> {
        let (from, to) = interval(body).ok_or("interval is required.")?;
        let strings = |key: &str| -> Vec<String> {
            body.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let metrics = strings("metrics");
        if metrics.is_empty() {
            return Err("metrics is required.");
        }
        Ok(Query {
            from,
            to,
            time_dimension: body
                .get("alternateTimeDimension")
                .and_then(Value::as_str)
                .unwrap_or(default_time)
                .to_string(),
            group_by: strings("groupBy"),
            metrics,
        })
    }

    fn contains(&self, at: DateTime<Utc>) -> bool {
        at >= self.from && at < self.to
    }

    /// Groups the facts in the interval; metrics with nothing to count are left out, as are
    /// groups with no metric.
    fn answer(&self, body: &Value, facts: Vec<Fact>) -> Response {
        let mut groups: BTreeMap<Vec<(String, String)>, MetricSums> = BTreeMap::new();
        for fact in facts.into_iter().filter(|f| f.in_interval) {
            let key: Vec<(String, String)> = self
                .group_by
                .iter()
                .filter_map(|d| {
                    fact.dimensions
                        .iter()
                        .find(|(name, _)| name == d)
                        .map(|(name, value)| (name.to_string(), value.clone()))
                })
                .collect();
            let sums = groups.entry(key).or_default();
            for (metric, count, sum) in fact.metrics {
                if count > 0 && self.metrics.iter().any(|m| m == metric) {
                    let entry = sums.entry(metric).or_default();
                    entry.0 += count;
                    entry.1 += sum;
                }
            }
        }
        let rows = groups
            .into_iter()
            .filter(|(_, metrics)| !metrics.is_empty())
            .map(|(key, metrics)| {
                let group: serde_json::Map<String, Value> =
                    key.into_iter().map(|(k, v)| (k, json!(v))).collect();
                let metrics = metrics
                    .into_iter()
                    .map(|(m, (count, sum))| {
                        let stats = if m.starts_with('o') {
                            json!({ "count": count, "sum": sum })
                        } else {
                            json!({ "count": count })
                        };
                        (m.to_string(), stats)
                    })
                    .collect();
                (Value::Object(group), metrics)
            })
            .collect();
        let text = body
            .get("interval")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Json(aggregate_response(rows, text)).into_response()
    }
}

/// Answers an aggregates query over the facts `facts_of` finds among what the caller sees.
fn aggregate(
    state: &Genesys,
    caller: &Caller,
    body: &Value,
    facts_of: impl Fn(&World, &Query, &dyn Fn(&Conversation) -> bool) -> Vec<Fact>,
) -> Response {
    let query = match Query::parse(body, "conversationStart") {
        Ok(query) => query,
        Err(refusal) => return bad_request(refusal),
    };
    let world = state.world.read().expect("world lock");
    let sees = |c: &Conversation| visible(&world, caller, c);
    let facts = facts_of(&world, &query, &sees);
    query.answer(body, facts)
}

/// The dimensions every fact takes from its conversation.
fn conversation_dimensions(world: &World, c: &Conversation) -> Vec<(&'static str, String)> {
    vec![
        ("conversationId", c.id.clone()),
        (
            "divisionId",
            world.divisions[world.queues[c.queue].division].id.clone(),
        ),
        ("queueId", world.queues[c.queue].id.clone()),
    ]
}

pub(super) async fn evaluation_aggregates(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Response {
    aggregate(&state, &caller, &body, |world, query, sees| {
        world
            .evaluations
            .iter()
            .filter(|e| sees(&world.conversations[e.conversation]))
            .map(|e| {
                let c = &world.conversations[e.conversation];
                let in_interval = match query.time_dimension.as_str() {
                    "eventTime" => e.events.iter().any(|t| query.contains(*t)),
                    "evaluationCreatedDate" => query.contains(e.created),
                    "evaluationReleaseDate" => {
                        e.released && e.submitted.is_some_and(|t| query.contains(t))
                    }
                    _ => query.contains(c.start),
                };
                let mut dimensions = conversation_dimensions(world, c);
                dimensions.extend([
                    ("evaluationId", e.id.clone()),
                    ("userId", world.agents[e.agent].id.clone()),
                    ("evaluatorId", world.agents[e.evaluator].id.clone()),
                    ("formId", world.forms[e.form].versions[e.version].id.clone()),
                    ("contextId", world.forms[e.form].context_id.clone()),
                ]);
                Fact {
                    dimensions,
                    in_interval,
                    metrics: vec![
                        ("nEvaluations", i64::from(!e.deleted), 0),
                        ("nEvaluationsDeleted", i64::from(e.deleted), 0),
                        (
                            "nEvaluationsRescored",
                            i64::from(e.rescored && !e.deleted),
                            0,
                        ),
                    ],
                }
            })
            .collect()
    })
}

pub(super) async fn survey_aggregates(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Response {
    aggregate(&state, &caller, &body, |world, query, sees| {
        world
            .surveys
            .iter()
            .filter(|s| sees(&world.conversations[s.conversation]))
            .map(|s| {
                let c = &world.conversations[s.conversation];
                let in_interval = match query.time_dimension.as_str() {
                    "eventTime" => {
                        query.contains(s.sent) || s.completed.is_some_and(|t| query.contains(t))
                    }
                    "surveyCreatedDate" => query.contains(s.sent),
                    _ => query.contains(c.start),
                };
                let score = s.csat.map(|v| (v - 1) * 25);
                let mut dimensions = conversation_dimensions(world, c);
                dimensions.extend([
                    ("surveyId", s.id.clone()),
                    ("userId", world.agents[c.agent].id.clone()),
                    ("surveyStatus", survey_status(s.status).to_string()),
                ]);
                Fact {
                    dimensions,
                    in_interval,
                    metrics: vec![
                        ("nSurveysSent", 1, 0),
                        ("nSurveyResponses", i64::from(score.is_some()), 0),
                        (
                            "nSurveysExpired",
                            i64::from(s.status == SurveyStatus::Expired),
                            0,
                        ),
                        (
                            "oSurveyTotalScore",
                            i64::from(score.is_some()),
                            score.unwrap_or(0),
                        ),
                    ],
                }
            })
            .collect()
    })
}
