//! The HTTP surface: `POST`/`GET /graphql`, the playground at `/`,
//! `GET /healthz`, and graceful shutdown. Thin: every answer comes from the schema.

use async_graphql::http::is_accept_multipart_mixed;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::config::SchemaConfig;
use crate::error::code;
use crate::playground;
use crate::schema::RegistrySchema;

/// The largest request body accepted; larger ones get HTTP 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

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
        .route("/graphql", get(graphql).post(graphql))
        .route("/healthz", get(healthz))
        .merge(playground::routes())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn graphql(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    request: Result<GraphQLBatchRequest<BadRequest>, BadRequest>,
) -> Response {
    let batch = match request {
        Ok(request) => request.into_inner(),
        Err(rejection) => return rejection.into_response(),
    };
    if headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_accept_multipart_mixed)
    {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            code::BAD_REQUEST,
            "multipart responses are not served",
        );
    }
    if let BatchRequest::Batch(requests) = &batch {
        if requests.len() > state.max_batch {
            let message = format!("a batch may hold at most {} operations", state.max_batch);
            return error_response(StatusCode::BAD_REQUEST, code::BAD_REQUEST, &message);
        }
    }
    if method == Method::GET && batch.iter().any(|request| !is_query(request)) {
        // GET must be safe: only queries run over it (GraphQL over HTTP).
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            code::BAD_REQUEST,
            "only queries may be sent with GET; use POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, "POST".parse().expect("a valid header"));
        return response;
    }
    GraphQLResponse(state.schema.execute_batch(batch).await).into_response()
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

/// A body that is not a GraphQL request: HTTP 400 (413 when too large) with
/// a GraphQL-shaped error, so clients parse every failure the same way.
pub struct BadRequest(async_graphql::ParseRequestError);

impl From<async_graphql::ParseRequestError> for BadRequest {
    fn from(err: async_graphql::ParseRequestError) -> Self {
        Self(err)
    }
}

impl From<axum::extract::rejection::FailedToBufferBody> for BadRequest {
    fn from(_: axum::extract::rejection::FailedToBufferBody) -> Self {
        Self(async_graphql::ParseRequestError::PayloadTooLarge)
    }
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        use async_graphql::ParseRequestError as E;
        match self.0 {
            E::PayloadTooLarge => error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            ),
            E::InvalidRequest(_) => error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                "the body is not a GraphQL request in JSON",
            ),
            E::Io(err) if err.to_string().contains("length limit exceeded") => error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            ),
            _ => error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                "the request is not a GraphQL request",
            ),
        }
    }
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
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
