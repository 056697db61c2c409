//! Prometheus metrics, served at `GET /metrics`:
//!
//! - `graphql_requests_total{operation, outcome}`: GraphQL operations by
//!   name and outcome (`ok`, `field_error` once execution started,
//!   `request_error` when it never did);
//! - `graphql_request_duration_seconds{operation}`: their run time, a
//!   histogram with [`LATENCY_BUCKETS`];
//! - `graphql_errors_total{code}`: errors by `extensions.code`;
//! - `http_requests_total{method, route, status}`: every HTTP request, by
//!   the route it matched (`unmatched` for none);
//! - `db_pool_connections`, `db_pool_idle_connections`,
//!   `db_pool_max_connections`: the database pool, read at each scrape.
//!
//! Each router has a recorder of its own ([`Metrics`]), nothing is installed
//! globally: two routers in one process (as in the tests) count apart. The
//! GraphQL counts come from the `Operations` schema extension
//! (`graphql/operations.rs`), which finds the router's `Metrics` in the
//! request's data; the HTTP counts from [`track_http`], an axum middleware.
//!
//! Labels stay bounded: operation names are taken only when they are GraphQL
//! names of at most [`MAX_NAME_LENGTH`] characters, and only the first
//! [`MAX_METRIC_LABELS`] distinct names (and codes) get a series of their
//! own; the rest count as `other`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};

use crate::config::MAX_METRIC_LABELS;

/// Upper bounds, in seconds, of the GraphQL latency histogram's buckets.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The longest operation name kept as a label.
pub const MAX_NAME_LENGTH: usize = 64;

/// The label of an operation without a name.
pub const ANONYMOUS: &str = "anonymous";
/// The label of everything past the label limits.
pub const OTHER: &str = "other";

/// Histogram samples wait in the recorder until a scrape or an upkeep folds
/// them into buckets; without scrapes, an upkeep every this many operations
/// keeps them from piling up.
const UPKEEP_EVERY: u64 = 256;

/// How a GraphQL operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No errors.
    Ok,
    /// Execution started and some fields failed.
    FieldError,
    /// Refused before execution: parsing, validation, limits, an unknown
    /// persisted query, a time-out.
    RequestError,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::FieldError => "field_error",
            Self::RequestError => "request_error",
        }
    }
}

/// One router's metrics. Cheap to clone; clones share the counts.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    operations: LabelSet,
    codes: LabelSet,
    clients: LabelSet,
    operations_seen: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("graphql_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            )
            .expect("the latency buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        let metrics = Self {
            inner: Arc::new(Inner {
                recorder,
                handle,
                operations: LabelSet::new(MAX_METRIC_LABELS),
                codes: LabelSet::new(MAX_METRIC_LABELS),
                clients: LabelSet::new(MAX_METRIC_LABELS),
                operations_seen: AtomicU64::new(0),
            }),
        };
        metrics.with(|| {
            describe_counter!(
                "graphql_requests_total",
                "GraphQL operations, by operation name and outcome"
            );
            describe_histogram!(
                "graphql_request_duration_seconds",
                metrics::Unit::Seconds,
                "Time to answer a GraphQL operation, by operation name"
            );
            describe_counter!(
                "graphql_errors_total",
                "GraphQL errors in answers, by extensions.code"
            );
            describe_counter!(
                "graphql_client_requests_total",
                "Requests to /graphql by client (the first 100 clients by name, then `other`) and outcome: ok, or the limit that refused it"
            );
            describe_counter!(
                "http_requests_total",
                "HTTP requests, by method, matched route and status"
            );
            describe_gauge!(
                "db_pool_connections",
                "Open connections in the database pool"
            );
            describe_gauge!(
                "db_pool_idle_connections",
                "Idle connections in the database pool"
            );
            describe_gauge!(
                "db_pool_max_connections",
                "Most connections the database pool opens"
            );
        });
        metrics
    }

    fn with<T>(&self, record: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.inner.recorder, record)
    }

    /// The label of an operation: its name when it is a GraphQL name of at
    /// most `MAX_NAME_LENGTH` characters and the name limit is not reached,
    /// `anonymous` without a name, `other` otherwise.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        match name {
            None => ANONYMOUS.to_owned(),
            Some(name) if is_graphql_name(name) => self.inner.operations.label(name),
            Some(_) => OTHER.to_owned(),
        }
    }

    /// Counts one GraphQL operation, its run time and its errors' codes.
    pub fn record_operation<'a>(
        &self,
        operation: &str,
        outcome: Outcome,
        elapsed: Duration,
        codes: impl IntoIterator<Item = &'a str>,
    ) {
        let codes: Vec<String> = codes
            .into_iter()
            .map(|code| self.inner.codes.label(code))
            .collect();
        self.with(|| {
            counter!(
                "graphql_requests_total",
                "operation" => operation.to_owned(),
                "outcome" => outcome.as_str(),
            )
            .increment(1);
            histogram!(
                "graphql_request_duration_seconds",
                "operation" => operation.to_owned(),
            )
            .record(elapsed.as_secs_f64());
            for code in codes {
                counter!("graphql_errors_total", "code" => code).increment(1);
            }
        });
        if self.inner.operations_seen.fetch_add(1, Ordering::Relaxed) % UPKEEP_EVERY
            == UPKEEP_EVERY - 1
        {
            self.inner.handle.run_upkeep();
        }
    }

    /// Counts one request of `client` that the per-client limits let through.
    pub fn record_client(&self, client: &str) {
        let client = self.inner.clients.label(client);
        self.with(|| {
            counter!("graphql_client_requests_total", "client" => client, "outcome" => "ok")
                .increment(1);
        });
    }

    /// Counts one request of `client` refused by `limit`.
    pub fn record_limited(&self, client: &str, limit: crate::execution::client_limits::Limit) {
        let client = self.inner.clients.label(client);
        let outcome = match limit {
            crate::execution::client_limits::Limit::Requests => "rate_limited_requests",
            crate::execution::client_limits::Limit::Complexity => "rate_limited_complexity",
        };
        self.with(|| {
            counter!("graphql_client_requests_total", "client" => client, "outcome" => outcome)
                .increment(1);
        });
    }

    /// Counts one HTTP request.
    pub fn record_http(&self, method: &Method, route: &str, status: u16) {
        let method = match *method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::HEAD => "HEAD",
            Method::OPTIONS => "OPTIONS",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            Method::PATCH => "PATCH",
            _ => OTHER,
        };
        self.with(|| {
            counter!(
                "http_requests_total",
                "method" => method,
                "route" => route.to_owned(),
                "status" => status.to_string(),
            )
            .increment(1);
        });
    }

    /// Everything, in Prometheus' text format, with the pool read now.
    pub fn render(&self, db: &DatabaseConnection) -> String {
        if let Some(pool) = PoolUse::of(db) {
            self.with(|| {
                gauge!("db_pool_connections").set(pool.size);
                gauge!("db_pool_idle_connections").set(pool.idle);
                gauge!("db_pool_max_connections").set(pool.max);
            });
        }
        self.inner.handle.render()
    }
}

/// Counts every request by method, matched route and status; a layer of the
/// router (so that the route it matched is known).
pub async fn track_http(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics.record_http(&method, &route, response.status().as_u16());
    response
}

/// The pool's connections, where the driver tells them.
struct PoolUse {
    size: f64,
    idle: f64,
    max: f64,
}

impl PoolUse {
    fn of(db: &DatabaseConnection) -> Option<Self> {
        match &db.inner {
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
                let pool = db.get_sqlite_connection_pool();
                Some(Self {
                    size: f64::from(pool.size()),
                    idle: pool.num_idle() as f64,
                    max: f64::from(pool.options().get_max_connections()),
                })
            }
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                let pool = db.get_postgres_connection_pool();
                Some(Self {
                    size: f64::from(pool.size()),
                    idle: pool.num_idle() as f64,
                    max: f64::from(pool.options().get_max_connections()),
                })
            }
            _ => None,
        }
    }
}

/// Label values of one kind: the first `limit` distinct ones are kept, the
/// rest are `other`.
struct LabelSet {
    limit: usize,
    seen: Mutex<HashSet<String>>,
}

impl LabelSet {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            seen: Mutex::default(),
        }
    }

    fn label(&self, value: &str) -> String {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.contains(value) {
            return value.to_owned();
        }
        if seen.len() < self.limit {
            seen.insert(value.to_owned());
            return value.to_owned();
        }
        OTHER.to_owned()
    }
}

/// Whether `name` is a GraphQL name (`/[_A-Za-z][_0-9A-Za-z]*/`) of at most
/// `MAX_NAME_LENGTH` characters.
pub fn is_graphql_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    name.len() <= MAX_NAME_LENGTH
        && bytes
            .next()
            .is_some_and(|first| first == b'_' || first.is_ascii_alphabetic())
        && bytes.all(|byte| byte == b'_' || byte.is_ascii_alphanumeric())
}
