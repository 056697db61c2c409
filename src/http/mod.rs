//! The HTTP surface: `POST`/`GET /graphql`, the playground at `/`,
//! `GET /healthz`, and graceful shutdown. Thin: every answer comes from the
//! schema; `request.rs` reads requests and `response.rs` writes answers.
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

mod request;
mod response;

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use tower_http::trace::TraceLayer;

use crate::config::SchemaConfig;
use crate::error::code;
use crate::playground;
use crate::schema::RegistrySchema;
use response::{GRAPHQL_RESPONSE_JSON, JSON, MediaType, Refusal, negotiate};

/// What the HTTP layer refuses before the schema sees a request.
#[derive(Clone, Copy, Debug)]
struct Limits {
    max_batch: usize,
    max_body_bytes: usize,
}

#[derive(Clone)]
struct AppState {
    schema: RegistrySchema,
    limits: Limits,
}

/// The service's router.
pub fn app(schema: RegistrySchema, config: &SchemaConfig) -> Router {
    let limits = Limits {
        max_batch: config.max_batch,
        max_body_bytes: config.max_body_bytes,
    };
    Router::new()
        .route(
            "/graphql",
            get(graphql).post(graphql).fallback(method_not_allowed),
        )
        .route("/healthz", get(healthz))
        .merge(playground::routes())
        .layer(TraceLayer::new_for_http())
        .with_state(AppState { schema, limits })
}

async fn healthz() -> &'static str {
    "ok"
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
        request::read_post(request, &state.limits).await
    } else {
        request::read_get(&request)
    };
    match batch {
        Ok(batch) => response::execute(&state.schema, batch, media_type).await,
        Err(refusal) => refusal.into_response(media_type),
    }
}

/// Serves `app` until Ctrl-C or SIGTERM, then stops taking connections and
/// lets the requests in flight finish, for `grace` at most.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    grace: Duration,
) -> std::io::Result<()> {
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    let deadline = async move {
        let _ = stopped.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server => served,
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still in flight after the grace period: stopping anyway");
            Ok(())
        }
    }
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
