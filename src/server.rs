//! The HTTP surface: `POST`/`GET /graphql`, the playground at `/`,
//! `GET /healthz`, and graceful shutdown. Thin: every answer comes from the schema.
//!
//! `/graphql` follows GraphQL over HTTP (and passes graphql-http's audit,
//! every MUST and SHOULD: see tests/federation/audit.mjs):
//!
//! - The answer's media type is negotiated from `Accept`:
//!   `application/graphql-response+json` when the client accepts it (and
//!   prefers it at least as much as `application/json`), `application/json`
//!   when `Accept` is missing, is `*/*` or prefers it, and 406 when the client
//!   accepts neither.
//! - A request that is not a GraphQL request gets 400 (413 when too large,
//!   415 for a body that is not `application/json` in UTF-8); a mutation over
//!   GET gets 405 with `Allow: POST`; another method gets 405 with
//!   `Allow: GET, POST`. Each refusal is a GraphQL-shaped error with
//!   `extensions.code`, and no `data`.
//! - A request that fails before execution (a document that does not parse
//!   or validate, variables that do not coerce, an unknown operation) is
//!   answered without `data`: with 200 in `application/json`, with 400 in
//!   `application/graphql-response+json`. Once execution started the answer
//!   is 200, whatever errors fields raised.
//! - A POST body may be a JSON array of requests (a batch), answered by an
//!   array in the same order; `SchemaConfig::max_batch` limits its length.

use async_graphql::parser::types::{BaseType, OperationType, Type};
use async_graphql::{BatchRequest, BatchResponse, Request, Response as GraphQLResult, ServerError};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tower_http::trace::TraceLayer;

use crate::config::SchemaConfig;
use crate::error::code;
use crate::playground;
use crate::schema::RegistrySchema;

/// The largest request body accepted; larger ones get HTTP 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// GraphQL over HTTP's own media type for responses.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

#[derive(Clone)]
struct AppState {
    schema: RegistrySchema,
    max_batch: usize,
}

/// The service's router.
pub fn app(schema: RegistrySchema, config: &SchemaConfig) -> Router {
    let state = AppState {
        schema,
        max_batch: config.max_batch,
    };
    Router::new()
        .route(
            "/graphql",
            get(graphql).post(graphql).fallback(method_not_allowed),
        )
        .route("/healthz", get(healthz))
        .merge(playground::routes())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// The media type an answer is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaType {
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
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    allow: Option<&'static str>,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
    }

    fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        )
    }

    fn method_not_allowed(message: &str, allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(StatusCode::METHOD_NOT_ALLOWED, code::BAD_REQUEST, message)
        }
    }

    fn into_response(self, media_type: MediaType) -> Response {
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

async fn method_not_allowed(headers: HeaderMap) -> Response {
    let media_type = negotiate(&headers).unwrap_or(MediaType::Json);
    Refusal::method_not_allowed("/graphql answers GET and POST", "GET, POST")
        .into_response(media_type)
}

async fn graphql(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let Some(media_type) = negotiate(request.headers()) else {
        return Refusal::new(
            StatusCode::NOT_ACCEPTABLE,
            code::BAD_REQUEST,
            format!(
                "answers are written as {GRAPHQL_RESPONSE_JSON} or {JSON}; Accept allows neither"
            ),
        )
        .into_response(MediaType::Json);
    };
    let batch = if request.method() == Method::POST {
        read_post(request, state.max_batch).await
    } else {
        read_get(&request)
    };
    match batch {
        Ok(batch) => execute(&state.schema, batch, media_type).await,
        Err(refusal) => refusal.into_response(media_type),
    }
}

/// The media type to answer in, from `Accept`; `None` when the client
/// accepts neither of ours. Without `Accept`, or with only wildcards, the
/// answer is `application/json`, as GraphQL over HTTP asks of servers while
/// clients move to the new type.
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
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

/// A POST: a JSON body holding one request or a batch of them.
async fn read_post(
    request: axum::extract::Request,
    max_batch: usize,
) -> Result<BatchRequest, Refusal> {
    check_content_type(request.headers())?;
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(Refusal::too_large());
    }
    let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|err| {
            if is_length_limit(&err) {
                Refusal::too_large()
            } else {
                Refusal::bad_request("the request body could not be read")
            }
        })?;
    let body: Value = serde_json::from_slice(&bytes)
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

/// Whether reading a body failed on its length limit (http-body-util's
/// `LengthLimitError`, somewhere in the chain of causes).
fn is_length_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = source {
        if err.to_string().contains("length limit exceeded") {
            return true;
        }
        source = err.source();
    }
    false
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
}

/// A GET: one request in the query string, which must be a query.
fn read_get(request: &axum::extract::Request) -> Result<BatchRequest, Refusal> {
    let Query(parameters) = Query::<GetParameters>::try_from_uri(request.uri())
        .map_err(|_| Refusal::bad_request("the query string is not a GraphQL request"))?;
    let mut fields = Map::new();
    fields.insert(
        "query".into(),
        parameters.query.map_or(Value::Null, Value::String),
    );
    if let Some(name) = parameters.operation_name {
        fields.insert("operationName".into(), Value::String(name));
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
    let graphql_request = graphql_request(fields)?;
    if !is_query(&graphql_request) {
        // GET must be safe: only queries run over it (GraphQL over HTTP).
        return Err(Refusal::method_not_allowed(
            "only queries may be sent with GET; use POST",
            "POST",
        ));
    }
    Ok(BatchRequest::Single(graphql_request))
}

/// One GraphQL request from its JSON fields: `query` a string, and
/// `operationName`, `variables` and `extensions` each absent, null or of its type.
fn graphql_request(fields: Map<String, Value>) -> Result<Request, Refusal> {
    if !matches!(fields.get("query"), Some(Value::String(_))) {
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
    serde_json::from_value(Value::Object(fields))
        .map_err(|err| Refusal::bad_request(format!("not a GraphQL request: {err}")))
}

/// Whether the operation a request selects is a query. A document that does
/// not parse counts as a query here: execution then reports the parse error.
fn is_query(request: &Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return true;
    };
    let selected = request.operation_name.as_deref();
    document
        .operations
        .iter()
        .filter(|(name, _)| selected.is_none() || name.map(|n| n.as_str()) == selected)
        .all(|(_, operation)| operation.node.ty == OperationType::Query)
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
            result: with_codes(result),
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

async fn execute(schema: &RegistrySchema, batch: BatchRequest, media_type: MediaType) -> Response {
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

/// GraphQL's CoerceVariableValues, as far as it needs no schema: every
/// variable of a non-null type without a default is given and not null, and a
/// value for a built-in scalar (or a list of them) has that scalar's type.
/// async-graphql checks variables only when a field reads them, which makes a
/// missing variable a field error; the spec makes it a request error, raised
/// before execution. Enums and input objects are left to execution, as are
/// documents that do not parse or name no operation (execution reports those).
fn coerce_variables(request: &Request) -> Result<(), ServerError> {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return Ok(());
    };
    let mut operations = document.operations.iter();
    let operation = match request.operation_name.as_deref() {
        Some(selected) => operations.find(|(name, _)| name.map(|n| n.as_str()) == Some(selected)),
        None => match (operations.next(), operations.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        },
    };
    let Some((_, operation)) = operation else {
        return Ok(());
    };
    for definition in &operation.node.variable_definitions {
        let definition = &definition.node;
        let name = &definition.name.node;
        let ty = &definition.var_type.node;
        let problem = match request.variables.get(name) {
            None if definition.default_value.is_none() && !ty.nullable => {
                format!(r#"Variable "${name}" of required type "{ty}" was not provided."#)
            }
            None => continue,
            Some(value) => match coerces(ty, value) {
                true => continue,
                false => format!(
                    r#"Variable "${name}" got invalid value {value}; expected type "{ty}"."#
                ),
            },
        };
        let mut err = ServerError::new(problem, Some(definition.name.pos));
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code::BAD_USER_INPUT);
        return Err(err);
    }
    Ok(())
}

/// Whether `value` coerces to `ty`, as far as built-in scalars tell.
fn coerces(ty: &Type, value: &async_graphql::Value) -> bool {
    use async_graphql::Value as V;
    if *value == V::Null {
        return ty.nullable;
    }
    match &ty.base {
        BaseType::List(item) => match value {
            V::List(items) => items.iter().all(|value| coerces(item, value)),
            // A single value coerces to a list of one.
            value => coerces(item, value),
        },
        BaseType::Named(name) => match (name.as_str(), value) {
            ("Int", V::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            ("Float", V::Number(_)) | ("String", V::String(_)) | ("Boolean", V::Boolean(_)) => true,
            ("ID", V::String(_)) => true,
            ("ID", V::Number(n)) => n.is_i64() || n.is_u64(),
            ("Int" | "Float" | "String" | "Boolean" | "ID", _) => false,
            _ => true,
        },
    }
}

/// Whether a response reports a request error: one raised before execution
/// (parsing, validation, variable coercion, choosing the operation). There is
/// no data, and no error has a path or a code other than the parse and
/// validation ones: the request scope extension codes every error raised
/// once execution started, and a field error always has a path, even when it
/// nulls the whole of `data`.
fn failed_before_execution(answer: &GraphQLResult) -> bool {
    answer.data == async_graphql::Value::Null
        && !answer.errors.is_empty()
        && answer.errors.iter().all(|err| {
            let code = err.extensions.as_ref().and_then(|e| e.get("code"));
            err.path.is_empty()
                && code.is_none_or(|code| {
                    *code == async_graphql::Value::from(code::GRAPHQL_PARSE_FAILED)
                        || *code == async_graphql::Value::from(code::GRAPHQL_VALIDATION_FAILED)
                })
        })
}

/// Gives every error a code: async-graphql raises a few request errors
/// (an unknown operation name, none given for a document of several) where
/// no extension hook codes them.
fn with_codes(mut answer: GraphQLResult) -> GraphQLResult {
    for err in &mut answer.errors {
        let extensions = err.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", code::BAD_USER_INPUT);
        }
    }
    answer
}

/// Resolves on Ctrl-C or SIGTERM, so the server stops taking connections
/// and finishes the requests in flight.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
