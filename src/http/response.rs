//! Answers of `/graphql`: the media type negotiated from `Accept`, requests
//! refused before they reach the schema, and executed responses with the
//! status code GraphQL over HTTP gives them.

use std::collections::BTreeMap;

use async_graphql::{BatchRequest, CacheControl};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::response_cache::Entry;
use crate::error::code;
use crate::execution::client_limits::Limited;
use crate::execution::{Executed, Refused, TurnedAway};
use crate::schema::RegistrySchema;

/// GraphQL over HTTP's own media type for responses.
pub(super) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub(super) const JSON: &str = "application/json";

/// The media type an answer is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// The body was not read whole: the connection closes after the answer.
    close: bool,
}

impl Refusal {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            allow: None,
            close: false,
        }
    }

    /// The same refusal, closing the connection after it (its body was not read).
    pub(super) fn closing(self) -> Self {
        Self {
            close: true,
            ..self
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
    }

    pub(super) fn too_large(max_body_bytes: usize) -> Self {
        Self {
            close: true,
            ..Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {max_body_bytes} bytes"),
            )
        }
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
        if self.close {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
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

/// An executed request as GraphQL over HTTP writes it: without `data` when
/// execution never started, as the GraphQL spec asks.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

impl<'a> Body<'a> {
    fn of(executed: &'a Executed) -> Self {
        let response = &executed.response;
        Self {
            data: (!executed.failed_early).then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// The answer to a request, and, when it may be kept for the next one
/// (see `response_cache.rs`), what keeping it takes.
pub(super) struct Answered {
    pub response: Response,
    pub keep: Option<Entry>,
    /// The cache hint of a successful answer (the shortest `max-age` of what
    /// it read, `private` if any part is); `None` for one that must not be
    /// stored (errors, refusals).
    pub hint: Option<CacheControl>,
}

/// The answer to a batch, or to one request.
pub(super) async fn execute(
    schema: &RegistrySchema,
    batch: BatchRequest,
    media_type: MediaType,
    only_queries: bool,
) -> Answered {
    let refused = || Answered {
        response: Refusal::method_not_allowed(
            "only queries may be sent with GET; use POST",
            "POST",
        )
        .into_response(media_type),
        keep: None,
        hint: None,
    };
    let (answers, single) = match batch {
        BatchRequest::Single(request) => match schema.run(request, only_queries).await {
            Ok(executed) => (vec![executed], true),
            Err(Refused::NotAQuery) => return refused(),
        },
        BatchRequest::Batch(requests) => {
            let runs = requests
                .into_iter()
                .map(|request| schema.run(request, only_queries));
            let mut answers = Vec::new();
            for run in async_graphql::futures_util::future::join_all(runs).await {
                match run {
                    Ok(executed) => answers.push(executed),
                    Err(Refused::NotAQuery) => return refused(),
                }
            }
            (answers, false)
        }
    };
    // With the new media type, a request that never executed is a client
    // error (for a batch: when none of its operations executed);
    // `application/json` keeps 200 for every GraphQL response.
    let turned_away = answers
        .iter()
        .map(|a| a.turned_away)
        .collect::<Option<Vec<_>>>();
    let limited = turned_away.as_ref().and_then(|all| {
        all.iter().find_map(|why| match why {
            TurnedAway::RateLimited(limited) => Some(*limited),
            TurnedAway::NotInList => None,
        })
    });
    let status = match (&turned_away, limited) {
        // Every operation turned away: HTTP says why, whatever the media type.
        (Some(_), Some(_)) => StatusCode::TOO_MANY_REQUESTS,
        (Some(_), None) => StatusCode::BAD_REQUEST,
        _ if media_type == MediaType::GraphQLResponse && answers.iter().all(|a| a.failed_early) => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::OK,
    };
    let mut headers = HeaderMap::new();
    if let Some(limited) = limited {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(limited.retry_after_secs),
        );
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media_type.content_type()),
    );
    let succeeded = answers.iter().all(|a| a.response.errors.is_empty());
    let mut cache_control: Option<CacheControl> = None;
    for answer in &answers {
        let hint = answer.response.cache_control;
        cache_control = Some(cache_control.map_or(hint, |merged| merge(merged, hint)));
        headers.extend(answer.response.http_headers.clone());
    }
    let hint = cache_control.filter(|_| succeeded);
    if !single {
        let body = serde_json::to_vec(&answers.iter().map(Body::of).collect::<Vec<_>>())
            .unwrap_or_else(|_| internal_error());
        return Answered {
            response: (status, headers.clone(), body).into_response(),
            keep: None,
            hint,
        };
    }
    let answer = answers.into_iter().next().expect("one answer");
    // The body up to its extensions, then the extensions: what is kept is
    // the part that does not change from one request to the next.
    let head = serde_json::to_vec(&Body {
        extensions: &BTreeMap::new(),
        ..Body::of(&answer)
    })
    .map(|mut head| {
        head.pop(); // the closing brace
        Bytes::from(head)
    });
    let Ok(head) = head else {
        return Answered {
            response: (status, headers, internal_error()).into_response(),
            keep: None,
            hint: None,
        };
    };
    let body = with_extensions(&head, &answer.response.extensions);
    let response = (status, headers.clone(), body).into_response();
    let keep = (succeeded && !answer.failed_early).then(|| Entry {
        version: None,
        status,
        headers,
        body: head,
        cost: answer.cost,
        reads_data: answer.statements > 0,
        operation: answer.operation,
        hint: hint.unwrap_or_default(),
    });
    Answered {
        response,
        keep,
        hint,
    }
}

/// A body from its head (`{"data":...` without the closing brace) and its
/// extensions.
pub(super) fn with_extensions(
    head: &[u8],
    extensions: &BTreeMap<String, async_graphql::Value>,
) -> Vec<u8> {
    let mut body = head.to_vec();
    body.extend_from_slice(&extensions_tail(extensions));
    body
}

/// What follows a head: `,"extensions":{..}}`, or `}` without extensions.
/// The head always holds a member (`data` or `errors`).
pub(super) fn extensions_tail(extensions: &BTreeMap<String, async_graphql::Value>) -> Vec<u8> {
    let mut tail = Vec::with_capacity(128);
    if !extensions.is_empty() {
        tail.extend_from_slice(b",\"extensions\":");
        serde_json::to_writer(&mut tail, extensions).expect("extensions serialize");
    }
    tail.push(b'}');
    tail
}

/// The cache hint of a batch: the shortest `max-age` of its answers,
/// `private` if any is (as async-graphql merges the hints of its fields).
fn merge(a: CacheControl, b: CacheControl) -> CacheControl {
    CacheControl {
        public: a.public && b.public,
        max_age: match (a.max_age, b.max_age) {
            (-1, _) | (_, -1) => -1,
            (age, 0) | (0, age) => age,
            (a, b) => a.min(b),
        },
    }
}

/// A request refused by the per-client request limit, before it was read
/// as GraphQL: HTTP 429 with `Retry-After`.
pub(super) fn rate_limited(limited: Limited, media_type: MediaType) -> Response {
    let err = crate::execution::rate_limited(limited);
    let body = serde_json::to_vec(&json!({ "errors": [err] })).unwrap_or_else(|_| internal_error());
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(media_type.content_type()),
            ),
            (
                header::RETRY_AFTER,
                HeaderValue::from(limited.retry_after_secs),
            ),
        ],
        body,
    )
        .into_response()
}

fn internal_error() -> Vec<u8> {
    json!({ "errors": [{
        "message": "internal server error",
        "extensions": { "code": code::INTERNAL_SERVER_ERROR },
    }] })
    .to_string()
    .into_bytes()
}
