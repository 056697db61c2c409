//! The HTTP surface: `POST`/`GET /graphql`, the playground at `/`,
//! `GET /healthz`, `GET /readyz`, `GET /metrics`, and graceful shutdown.
//! Thin: every answer comes from the schema; `request.rs` reads requests and
//! `response.rs` writes answers.
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
//! - A request may name an automatic persisted query by its hash alone
//!   (`extensions.persistedQuery`), over GET as over POST.
//! - Every answer carries `Cache-Control` and `Vary: Accept`, successful
//!   GET answers an `ETag`, and `If-None-Match` gets a 304 (see
//!   `cache_headers.rs`): a CDN, a browser or a gateway's entity cache can
//!   keep what the cache hints allow, and no more while an import runs.
//!
//! Around every route: a request id (`x-request-id`, kept when the client
//! sent one, else a new UUID, and echoed in the answer), a tracing span per
//! request holding it, the HTTP metrics, and CORS when origins are configured.

mod cache_headers;
pub mod client;
mod request;
mod response;
mod response_cache;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::SchemaConfig;
use crate::error::code;
use crate::metrics::{Metrics, Outcome, track_http};
use crate::playground;
use crate::schema::RegistrySchema;
use crate::telemetry;
use cache_headers::{Basis, CacheFacts};
use response::{GRAPHQL_RESPONSE_JSON, JSON, MediaType, Refusal, negotiate};
use response_cache::{Lookup, ResponseCache};

/// The header carrying each request's id.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How long browsers may keep a CORS preflight's answer.
const CORS_MAX_AGE: Duration = Duration::from_secs(600);

/// What the HTTP layer refuses before the schema sees a request.
#[derive(Clone, Copy, Debug)]
struct Limits {
    max_batch: usize,
    max_body_bytes: usize,
}

#[derive(Clone)]
struct AppState {
    schema: RegistrySchema,
    db: DatabaseConnection,
    metrics: Metrics,
    limits: Limits,
    readyz_timeout: Duration,
    cache: Option<Arc<ResponseCache>>,
    /// A tag of the published schema, part of every ETag.
    schema_tag: Arc<str>,
    report_cost: bool,
    /// Gateways whose `apollographql-client-name` is believed.
    trusted_proxies: Arc<[ipnet::IpNet]>,
    /// The change feed `registryChanged` subscribers read (WebSocket on `/graphql`).
    feed: crate::feed::Feed,
}

/// The service's router: `schema` answers GraphQL and says the data version,
/// `db` (the pool the schema's reads come from) answers `/readyz` and the
/// pool gauges of `/metrics`.
pub fn app(schema: RegistrySchema, db: DatabaseConnection, config: &SchemaConfig) -> Router {
    let (state, service, metrics) = routes(schema, db, config);
    wrap(service.merge(metrics), state, config)
}

/// [`app`] in two, for `--metrics-bind`: everything but `/metrics`, and
/// `/metrics` alone, for a listener of its own. Both count in one recorder.
pub fn split_app(
    schema: RegistrySchema,
    db: DatabaseConnection,
    config: &SchemaConfig,
) -> (Router, Router) {
    let (state, service, metrics) = routes(schema, db, config);
    (
        wrap(service, state.clone(), config),
        wrap(metrics, state, config),
    )
}

/// The state, the service's routes and the metrics route.
fn routes(
    schema: RegistrySchema,
    db: DatabaseConnection,
    config: &SchemaConfig,
) -> (AppState, Router<AppState>, Router<AppState>) {
    let limits = Limits {
        max_batch: config.max_batch,
        max_body_bytes: config.max_body_bytes,
    };
    let cache = ResponseCache::new(config.response_cache_mib).map(Arc::new);
    let schema_tag = cache_headers::schema_tag(schema.sdl()).into();
    let feed = crate::feed::Feed::new(db.clone(), &config.feed);
    let state = AppState {
        schema,
        schema_tag,
        db,
        metrics: Metrics::new(),
        limits,
        readyz_timeout: Duration::from_millis(config.readyz_timeout_ms),
        cache,
        report_cost: config.report_cost,
        trusted_proxies: config.trusted_proxies.clone().into(),
        feed,
    };
    let mut service = Router::new()
        .route(
            "/graphql",
            get(graphql).post(graphql).fallback(method_not_allowed),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if config.playground {
        service = service.merge(playground::routes());
    }
    let metrics = Router::new().route("/metrics", get(metrics_text));
    (state, service, metrics)
}

/// What runs around every route: the HTTP metrics, a span and a request id
/// per request, and CORS when origins are configured.
fn wrap(router: Router<AppState>, state: AppState, config: &SchemaConfig) -> Router {
    let router = router
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            track_http,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid));
    let router = match cors(&config.cors_origins) {
        Some(cors) => router
            .layer(cors)
            .layer(axum::middleware::map_response(only_for_allowed_origins)),
        None => router,
    };
    router.with_state(state)
}

/// The span of one HTTP request: what it asks for and its id (the path only,
/// not the query string, which holds a GET's whole query), in the caller's
/// trace when it names one (`traceparent`, exported with the `otlp` feature).
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "http_request",
        method = %request.method(),
        path = request.uri().path(),
        request_id,
    );
    telemetry::continue_remote_trace(&span, request.headers());
    span
}

/// CORS for `origins` (`*` allows any); `None` when there are none: no CORS
/// headers at all, so browsers keep other origins out.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::ACCEPT,
                REQUEST_ID,
                HeaderName::from_static("apollographql-client-name"),
                HeaderName::from_static("apollographql-client-version"),
                HeaderName::from_static("apollo-require-preflight"),
            ])
            .expose_headers([REQUEST_ID])
            .max_age(CORS_MAX_AGE),
    )
}

/// tower-http answers a preflight from any origin with the allowed methods
/// and headers, and only leaves out `Access-Control-Allow-Origin` for an
/// origin not on the list; this leaves out every CORS header then, so a
/// disallowed origin learns nothing.
async fn only_for_allowed_origins(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        for name in [
            header::ACCESS_CONTROL_ALLOW_METHODS,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            header::ACCESS_CONTROL_MAX_AGE,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
        ] {
            headers.remove(name);
        }
    }
    response
}

/// Liveness: the process serves. Never touches the database.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers a `SELECT 1` within the configured time.
/// The reason of a 503 is short and never the driver's text (that is logged).
async fn readyz(State(state): State<AppState>) -> Response {
    let probe = state.db.execute_unprepared("SELECT 1");
    let reason = match tokio::time::timeout(state.readyz_timeout, probe).await {
        // Each replica's state after the word (`replicas.rs`): reads fall
        // back on the primary, so a replica out of rotation is no reason
        // not to be ready.
        Ok(Ok(_)) if state.schema.reads().has_replicas() => {
            let body = format!("ready\n{}", state.schema.reads().readiness());
            return (StatusCode::OK, body).into_response();
        }
        Ok(Ok(_)) => return (StatusCode::OK, "ready").into_response(),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: the database does not answer");
            "not ready: the database does not answer"
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = state.readyz_timeout.as_millis() as u64,
                "readiness: the database did not answer in time"
            );
            "not ready: the database did not answer in time"
        }
    };
    (StatusCode::SERVICE_UNAVAILABLE, reason).into_response()
}

/// The metrics in Prometheus' text format, the response cache's with them.
async fn metrics_text(State(state): State<AppState>) -> Response {
    let mut text = state.metrics.render(&state.db);
    text.push_str(&state.schema.reads().prometheus());
    if let Some(cache) = &state.cache {
        text.push_str(&cache.usage().prometheus());
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn method_not_allowed(headers: HeaderMap) -> Response {
    let media_type = negotiate(&headers).unwrap_or(MediaType::Json);
    let refusal = Refusal::method_not_allowed("/graphql answers GET and POST", "GET, POST")
        .into_response(media_type);
    uncacheable(refusal)
}

/// A refusal's caching headers: never stored, and its media type follows `Accept`.
fn uncacheable(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("accept"));
    response
}

async fn graphql(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    if crate::feed::websocket::is_upgrade(request.headers()) {
        let schema = state.schema.graphql_schema().clone();
        return crate::feed::websocket::upgrade(schema, state.feed.clone(), request).await;
    }
    let started = Instant::now();
    let Some(media_type) = negotiate(request.headers()) else {
        return uncacheable(
            Refusal::new(
                StatusCode::NOT_ACCEPTABLE,
                code::BAD_REQUEST,
                format!(
                    "answers are written as {GRAPHQL_RESPONSE_JSON} or {JSON}; Accept allows neither"
                ),
            )
            .into_response(MediaType::Json),
        );
    };
    let is_get = request.method() == Method::GET;
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer);
    let caller = client::identify(peer, request.headers(), &state.trusted_proxies);
    if let Err(limited) = state.schema.client_limits().check_request(&caller.client) {
        state.metrics.record_limited(&caller.client, limited.limit);
        return uncacheable(response::rate_limited(limited, media_type));
    }
    state.metrics.record_client(&caller.client);
    let bytes = if request.method() == Method::POST {
        match request::read_post_body(request, &state.limits).await {
            Ok(bytes) => bytes,
            Err(refusal) => return uncacheable(refusal.into_response(media_type)),
        }
    } else {
        Bytes::copy_from_slice(request.uri().query().unwrap_or_default().as_bytes())
    };
    let key = response_cache::Key {
        get: is_get,
        media_type,
        request: bytes,
    };
    if let Some(cache) = &state.cache
        && let Some(kept) = cache.get_data_free(&key)
    {
        return kept_answer(
            &state,
            kept,
            started,
            Basis::NoData,
            is_get.then_some(&key),
            if_none_match.as_ref(),
        );
    }
    // Read before running: an import committing meanwhile makes the answer
    // older than the version it is kept and tagged under, never newer. One
    // read serves the requests waiting on it (`data_version.rs`). It is
    // read where the request reads (a replica may be behind the primary),
    // and the request then reads there (`replicas.rs`).
    let read = state.schema.reads().pick();
    let snapshot = read.snapshot().await.ok();
    let mut computing = None;
    if let Some(cache) = &state.cache {
        match cache.lookup(&key, snapshot.map(|s| s.version)).await {
            Lookup::Kept(kept) => {
                return kept_answer(
                    &state,
                    kept,
                    started,
                    Basis::of(snapshot),
                    is_get.then_some(&key),
                    if_none_match.as_ref(),
                );
            }
            Lookup::Compute(claim) => computing = claim,
        }
    }
    let batch = if is_get {
        request::read_get(std::str::from_utf8(&key.request).unwrap_or_default())
    } else {
        request::parse_post(&key.request, &state.limits)
    };
    let batch = match batch {
        // The metrics of this router, for the operation's outcome, and who sent it.
        Ok(batch) => batch
            .data(state.metrics.clone())
            .data(caller)
            .data(read.clone()),
        Err(refusal) => return uncacheable(refusal.into_response(media_type)),
    };
    let answered = response::execute(&state.schema, batch, media_type, is_get).await;
    let basis = match &answered.keep {
        Some(entry) if !entry.reads_data => Basis::NoData,
        _ => Basis::of(snapshot),
    };
    let facts = CacheFacts {
        hint: answered.hint,
        basis,
        get: is_get.then_some(&key),
        if_none_match: if_none_match.as_ref(),
    };
    let response = cache_headers::apply(answered.response, facts, &state.schema_tag);
    if let (Some(cache), Some(mut entry)) = (&state.cache, answered.keep) {
        match (entry.reads_data, snapshot) {
            (false, _) => cache.insert(key, entry),
            // Partly read from the primary, after a replica failed: maybe
            // newer than the version read on the replica.
            (true, _) if read.failed_over() => {}
            (true, Some(snapshot)) => {
                entry.version = Some(snapshot.version);
                cache.insert(key, entry);
            }
            (true, None) => {}
        }
    }
    // Kept (or not) before the requests waiting for this answer look again.
    drop(computing);
    response
}

/// A kept answer with its caching headers and the cost of this request: no
/// statement, nothing run. The kept bytes are sent as they are (an answer of
/// a megabyte is not copied), followed by this request's extensions.
fn kept_answer(
    state: &AppState,
    kept: Arc<response_cache::Entry>,
    started: Instant,
    basis: Basis,
    get: Option<&response_cache::Key>,
    if_none_match: Option<&HeaderValue>,
) -> Response {
    let label = state.metrics.operation_label(kept.operation.as_deref());
    state
        .metrics
        .record_operation(&label, Outcome::Ok, started.elapsed(), []);
    let mut extensions = std::collections::BTreeMap::new();
    if state.report_cost {
        let cost = async_graphql::Value::from_json(serde_json::json!({
            "sqlStatements": 0,
            "depth": kept.cost.depth,
            "complexity": kept.cost.complexity,
            "cached": true,
        }))
        .expect("a JSON object is a value");
        extensions.insert("cost".to_owned(), cost);
    }
    let tail = Bytes::from(response::extensions_tail(&extensions));
    let length = kept.body.len() + tail.len();
    let chunks = [kept.body.clone(), tail].map(Ok::<_, std::convert::Infallible>);
    let body = axum::body::Body::from_stream(async_graphql::futures_util::stream::iter(chunks));
    let mut response = (kept.status, kept.headers.clone(), body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let facts = CacheFacts {
        hint: Some(kept.hint),
        basis,
        get,
        if_none_match,
    };
    cache_headers::apply(response, facts, &state.schema_tag)
}

/// Serves `app` until Ctrl-C or SIGTERM, then stops taking connections and
/// lets the requests in flight finish, for `grace` at most.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    grace: Duration,
) -> std::io::Result<()> {
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
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
