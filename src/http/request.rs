//! Reading GraphQL requests from HTTP: a POST's JSON body (one request or a
//! batch) or a GET's query string, within the configured limits, and the
//! checks GraphQL over HTTP asks for before execution.

use async_graphql::futures_util::StreamExt;
use async_graphql::{BatchRequest, Request};
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::Limits;
use super::response::{JSON, Refusal};
use crate::error::code;
use crate::execution::DocumentId;

/// How much of a refused body is still read, and for how long, before the
/// connection is closed (nginx's lingering close): a client that sends its
/// whole body before it reads (Python's urllib, curl without
/// `Expect: 100-continue`) would otherwise meet a reset connection instead
/// of its 413.
const LINGER_BYTES: usize = 64 * 1024 * 1024;
const LINGER_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// A POST's body: JSON, within the size limit; not parsed yet (the
/// response cache knows a request by its bytes). A body refused before it
/// is read whole (a wrong media type, too large by its declared length or
/// by what arrived) is refused at once, and what follows is read and
/// dropped in the background (`linger`).
pub(super) async fn read_post_body(
    request: axum::extract::Request,
    limits: &Limits,
) -> Result<Bytes, Refusal> {
    let max_body_bytes = limits.max_body_bytes;
    let (parts, body) = request.into_parts();
    if let Err(refusal) = check_content_type(&parts.headers) {
        linger(body);
        return Err(refusal.closing());
    }
    let declared_length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > max_body_bytes as u64) {
        linger(body);
        return Err(Refusal::too_large(max_body_bytes));
    }
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::with_capacity(declared_length.unwrap_or(0) as usize);
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|_| Refusal::bad_request("the request body could not be read"))?;
        if bytes.len() + chunk.len() > max_body_bytes {
            linger_stream(stream);
            return Err(Refusal::too_large(max_body_bytes));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(bytes))
}

/// Reads and drops what is left of a refused body, in the background, for
/// at most `LINGER_BYTES` and `LINGER_TIME`; the connection closes after.
fn linger(body: axum::body::Body) {
    linger_stream(body.into_data_stream());
}

fn linger_stream(mut stream: axum::body::BodyDataStream) {
    tokio::spawn(async move {
        let drained = async {
            let mut read = 0usize;
            while let Some(Ok(chunk)) = stream.next().await {
                read += chunk.len();
                if read > LINGER_BYTES {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(LINGER_TIME, drained).await;
    });
}

/// A POST body: one request or a batch of them.
pub(super) fn parse_post(bytes: &[u8], limits: &Limits) -> Result<BatchRequest, Refusal> {
    let max_batch = limits.max_batch;
    let body: Value = serde_json::from_slice(bytes)
        .map_err(|_| Refusal::bad_request("the body is not a GraphQL request in JSON"))?;
    match body {
        Value::Object(fields) => Ok(BatchRequest::Single(graphql_request(fields)?)),
        Value::Array(items) => {
            if items.is_empty() {
                return Err(Refusal::bad_request(
                    "a batch must hold at least one operation",
                ));
            }
            if items.len() > max_batch {
                return Err(Refusal::bad_request(format!(
                    "a batch may hold at most {max_batch} operations"
                )));
            }
            items
                .into_iter()
                .map(|item| match item {
                    Value::Object(fields) => graphql_request(fields),
                    _ => Err(Refusal::bad_request(
                        "each operation of a batch must be a JSON object",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(BatchRequest::Batch)
        }
        _ => Err(Refusal::bad_request(
            "the body is not a GraphQL request in JSON",
        )),
    }
}

/// A POST body must be `application/json`, in UTF-8 if a charset is named.
fn check_content_type(headers: &HeaderMap) -> Result<(), Refusal> {
    let unsupported = || {
        Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_REQUEST,
            "a POST body must be application/json in UTF-8",
        )
    };
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(unsupported)?;
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case(JSON) {
        return Err(unsupported());
    }
    for parameter in parts {
        if let Some((name, charset)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
            && !charset
                .trim()
                .trim_matches('"')
                .eq_ignore_ascii_case("utf-8")
        {
            return Err(unsupported());
        }
    }
    Ok(())
}

/// The parameters of a GraphQL request as GraphQL over HTTP spells them, in a
/// GET's query string (where `variables` and `extensions` are JSON text).
#[derive(Deserialize)]
struct GetParameters {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
    #[serde(rename = "documentId")]
    document_id: Option<String>,
}

/// A GET: one request in the query string (`query`, the URI's query string).
pub(super) fn read_get(query: &str) -> Result<BatchRequest, Refusal> {
    let not_graphql = || Refusal::bad_request("the query string is not a GraphQL request");
    // Query parsing replaces bytes that are not UTF-8 with U+FFFD, which
    // would run a query the client did not send.
    if !percent_decodes_to_utf8(query) {
        return Err(not_graphql());
    }
    let Query(parameters) = Query::<GetParameters>::try_from_uri(
        &format!("/?{query}").parse().map_err(|_| not_graphql())?,
    )
    .map_err(|_| not_graphql())?;
    let mut fields = Map::new();
    fields.insert(
        "query".into(),
        parameters.query.map_or(Value::Null, Value::String),
    );
    if let Some(name) = parameters.operation_name {
        fields.insert("operationName".into(), Value::String(name));
    }
    if let Some(id) = parameters.document_id {
        fields.insert("documentId".into(), Value::String(id));
    }
    for (name, text) in [
        ("variables", parameters.variables),
        ("extensions", parameters.extensions),
    ] {
        if let Some(text) = text {
            let value = serde_json::from_str(&text)
                .map_err(|_| Refusal::bad_request(format!("`{name}` must be a JSON object")))?;
            fields.insert(name.into(), value);
        }
    }
    // GET must be safe: the executor runs only queries from it (GraphQL over HTTP).
    Ok(BatchRequest::Single(graphql_request(fields)?))
}

/// Whether every `%XX` escape of a query string, decoded, is UTF-8.
fn percent_decodes_to_utf8(query: &str) -> bool {
    let bytes = query.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// One GraphQL request from its JSON fields: `query` a string, and
/// `operationName`, `variables` and `extensions` each absent, null or of its
/// type. A trusted document named by `documentId`, or an automatic persisted
/// query (`extensions.persistedQuery`), may leave `query` out: the executor
/// finds it by its id or hash.
fn graphql_request(mut fields: Map<String, Value>) -> Result<Request, Refusal> {
    let document_id = match fields.remove("documentId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(DocumentId(id)),
        Some(_) => return Err(Refusal::bad_request("`documentId` must be a string")),
    };
    let persisted = document_id.is_some()
        || matches!(
            fields.get("extensions"),
            Some(Value::Object(extensions)) if extensions.contains_key("persistedQuery")
        );
    if persisted && matches!(fields.get("query"), None | Some(Value::Null)) {
        fields.remove("query");
    } else if !matches!(fields.get("query"), Some(Value::String(_))) {
        return Err(Refusal::bad_request(
            "`query` must be a string holding a GraphQL document",
        ));
    }
    if !matches!(
        fields.get("operationName"),
        None | Some(Value::Null | Value::String(_))
    ) {
        return Err(Refusal::bad_request("`operationName` must be a string"));
    }
    for name in ["variables", "extensions"] {
        if !matches!(
            fields.get(name),
            None | Some(Value::Null | Value::Object(_))
        ) {
            return Err(Refusal::bad_request(format!(
                "`{name}` must be a JSON object"
            )));
        }
    }
    let request: Request = serde_json::from_value(Value::Object(fields))
        .map_err(|err| Refusal::bad_request(format!("not a GraphQL request: {err}")))?;
    Ok(match document_id {
        Some(id) => request.data(id),
        None => request,
    })
}
