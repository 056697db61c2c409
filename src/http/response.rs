//! Answers of `/graphql`: the media type negotiated from `Accept`, requests
//! refused before they reach the schema, and executed responses with the
//! status code GraphQL over HTTP gives them.

use async_graphql::{BatchRequest, BatchResponse, Response as GraphQLResult, ServerError};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::request::coerce_variables;
use crate::error::code;
use crate::schema::RegistrySchema;

/// GraphQL over HTTP's own media type for responses.
pub(super) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub(super) const JSON: &str = "application/json";

/// The media type an answer is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MediaType {
    /// `application/graphql-response+json`: status codes tell request errors.
    GraphQLResponse,
    /// `application/json`: every GraphQL response is a 200.
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            Self::GraphQLResponse => GRAPHQL_RESPONSE_JSON,
            Self::Json => JSON,
        }
    }
}

/// A request refused before it reaches the schema.
pub(super) struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    allow: Option<&'static str>,
}

impl Refusal {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
    }

    pub(super) fn too_large(max_body_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {max_body_bytes} bytes"),
        )
    }

    pub(super) fn method_not_allowed(message: &str, allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(StatusCode::METHOD_NOT_ALLOWED, code::BAD_REQUEST, message)
        }
    }

    pub(super) fn into_response(self, media_type: MediaType) -> Response {
        let body = json!({
            "errors": [{ "message": self.message, "extensions": { "code": self.code } }]
        });
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, media_type.content_type())],
            body.to_string(),
        )
            .into_response();
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

/// The media type to answer in, from `Accept`; `None` when the client
/// accepts neither of ours. Without `Accept`, or with only wildcards, the
/// answer is `application/json`, as GraphQL over HTTP asks of servers while
/// clients move to the new type.
pub(super) fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let ranges: Vec<(String, f32)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(media_range)
        .collect();
    if ranges.is_empty() {
        return Some(MediaType::Json);
    }
    // The quality of a type is that of the most specific range naming it.
    let quality = |media_type: &str| -> Option<(u8, f32)> {
        ranges
            .iter()
            .filter_map(|(range, q)| {
                let specificity = if range == media_type {
                    2
                } else if range == "application/*" {
                    1
                } else if range == "*/*" {
                    0
                } else {
                    return None;
                };
                Some((specificity, *q))
            })
            .max_by_key(|(specificity, _)| *specificity)
    };
    let graphql_response = quality(GRAPHQL_RESPONSE_JSON);
    let json_q = quality(JSON).map_or(0.0, |(_, q)| q);
    match graphql_response {
        // Named by the client and liked at least as much: the new type.
        Some((2, q)) if q > 0.0 && q >= json_q => Some(MediaType::GraphQLResponse),
        _ if json_q > 0.0 => Some(MediaType::Json),
        Some((_, q)) if q > 0.0 => Some(MediaType::GraphQLResponse),
        _ => None,
    }
}

/// One entry of `Accept`: the lower-cased range and its quality.
fn media_range(entry: &str) -> Option<(String, f32)> {
    let mut parts = entry.split(';');
    let range = parts.next()?.trim().to_ascii_lowercase();
    if range.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for parameter in parts {
        if let Some((name, value)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("q")
        {
            q = value.trim().parse().unwrap_or(0.0);
        }
    }
    Some((range, q))
}

/// A GraphQL response and whether it reports a request error.
struct Answer {
    result: GraphQLResult,
    failed_early: bool,
}

impl Answer {
    fn executed(result: GraphQLResult) -> Self {
        let failed_early = failed_before_execution(&result);
        Self {
            result,
            failed_early,
        }
    }

    fn refused(err: ServerError) -> Self {
        Self {
            result: GraphQLResult::from_errors(vec![err]),
            failed_early: true,
        }
    }

    /// The response as JSON; without `data` when execution never started,
    /// as the GraphQL spec asks.
    fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(&self.result).unwrap_or_else(|_| {
            json!({ "errors": [{
                "message": "internal server error",
                "extensions": { "code": code::INTERNAL_SERVER_ERROR },
            }] })
        });
        if self.failed_early
            && let Value::Object(fields) = &mut value
        {
            fields.remove("data");
        }
        value
    }
}

pub(super) async fn execute(
    schema: &RegistrySchema,
    batch: BatchRequest,
    media_type: MediaType,
) -> Response {
    let (answers, single) = match batch {
        BatchRequest::Single(request) => {
            let answer = match coerce_variables(&request) {
                Ok(()) => Answer::executed(schema.execute(request).await),
                Err(err) => Answer::refused(err),
            };
            (vec![answer], true)
        }
        BatchRequest::Batch(requests) => {
            // Requests whose variables do not coerce are answered here; the
            // rest run together, and the answers keep the request order.
            let mut refused: Vec<Option<Answer>> = Vec::with_capacity(requests.len());
            let mut runnable = Vec::new();
            for request in requests {
                match coerce_variables(&request) {
                    Ok(()) => {
                        refused.push(None);
                        runnable.push(request);
                    }
                    Err(err) => refused.push(Some(Answer::refused(err))),
                }
            }
            let mut executed = match schema.execute_batch(BatchRequest::Batch(runnable)).await {
                BatchResponse::Batch(executed) => executed.into_iter(),
                BatchResponse::Single(executed) => vec![executed].into_iter(),
            };
            let answers = refused
                .into_iter()
                .map(|answer| {
                    answer.unwrap_or_else(|| Answer::executed(executed.next().unwrap_or_default()))
                })
                .collect();
            (answers, false)
        }
    };
    let body = if single {
        answers[0].to_json()
    } else {
        Value::Array(answers.iter().map(Answer::to_json).collect())
    };
    // With the new media type, a request that never executed is a client
    // error (for a batch: when none of its operations executed);
    // `application/json` keeps 200 for every GraphQL response.
    let status =
        if media_type == MediaType::GraphQLResponse && answers.iter().all(|a| a.failed_early) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
    let mut response = (
        status,
        [(header::CONTENT_TYPE, media_type.content_type())],
        body.to_string(),
    )
        .into_response();
    let results = BatchResponse::Batch(answers.into_iter().map(|a| a.result).collect());
    if results.is_ok()
        && let Some(cache_control) = results.cache_control().value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response.headers_mut().extend(results.http_headers());
    response
}

/// Whether a response reports a request error, one raised before execution
/// (parsing, validation, limits, variable coercion, choosing the operation):
/// there is no data, and no error has a path. A field error always has a
/// path, even when it nulls the whole of `data`.
fn failed_before_execution(answer: &GraphQLResult) -> bool {
    answer.data == async_graphql::Value::Null
        && !answer.errors.is_empty()
        && answer.errors.iter().all(|err| err.path.is_empty())
}
