//! Running the service: `/readyz`, `/metrics`, request ids and spans, log
//! formats and OTLP, automatic persisted queries and CORS, through the real
//! router (and, for logging, the binary). Caching headers have
//! tests/cache_headers.rs.

mod common;
use common::*;

use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use clap::Parser;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use standards_registry::SchemaConfig;
use standards_registry::config::{Cli, LogFormat};
use tower::ServiceExt;

const STANDARD_QUERY: &str = r#"{ standard(code: "GB/T 45993-2025") { code year } }"#;

fn standard_data() -> Value {
    json!({ "standard": { "code": "GB/T 45993-2025", "year": 2025 } })
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("the body is not JSON ({err}): {}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("an ASCII header"))
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a readable body")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

fn post_json(body: &Value) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn post_query(query: &str) -> Request<Body> {
    post_json(&json!({ "query": query }))
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn get_query(query: &str) -> Request<Body> {
    get(&format!("/graphql?query={}", url_encode(query)))
}

/// A GraphQL answer (HTTP 200) without errors, and its data.
fn data_of(answer: &Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

// ---------------------------------------------------------------- readiness

mod readiness {
    use super::*;

    on_every_backend! {
        async fn readyz_answers_ready_while_the_database_answers(backend: Backend) {
            let test_db = TestDb::with_dataset(backend).await;
            let app = router(&test_db);
            let answer = send(&app, get("/readyz")).await;
            assert_eq!(answer.status, StatusCode::OK);
            assert_eq!(answer.text(), "ready");
        }

        async fn readyz_answers_503_once_the_database_is_closed(backend: Backend) {
            let test_db = TestDb::with_dataset(backend).await;
            let app = router(&test_db);
            test_db.db.clone().close().await.expect("the pool closes");

            let answer = send(&app, get("/readyz")).await;
            assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(answer.text(), "not ready: the database does not answer");

            // Liveness never asks the database.
            let answer = send(&app, get("/healthz")).await;
            assert_eq!(answer.status, StatusCode::OK);
            assert_eq!(answer.text(), "ok");
        }
    }
}

#[tokio::test]
async fn readyz_answers_503_when_the_database_is_too_slow() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig {
        readyz_timeout_ms: 200,
        ..SchemaConfig::for_tests()
    };
    let app = router_with(&test_db, &config);
    // Every connection of the pool (4 in tests) busy: `SELECT 1` waits.
    let pool = test_db.db.get_sqlite_connection_pool();
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.expect("a connection"));
    }
    let answer = send(&app, get("/readyz")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.text(),
        "not ready: the database did not answer in time"
    );
    drop(held);
    assert_eq!(send(&app, get("/readyz")).await.status, StatusCode::OK);
}

// ------------------------------------------------------------------ metrics

/// `/metrics`, checked to be Prometheus' text format.
async fn scrape(app: &Router) -> String {
    let answer = send(app, get("/metrics")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    answer.text()
}

fn assert_line(metrics: &str, line: &str) {
    assert!(
        metrics.lines().any(|l| l == line),
        "no line `{line}` in:\n{metrics}"
    );
}

mod counting {
    use super::*;

    on_every_backend! {
        async fn metrics_count_operations_by_name_and_outcome_and_errors_by_code(backend: Backend) {
            let test_db = TestDb::with_dataset(backend).await;
            let app = router(&test_db);
            let named = send(
                &app,
                post_query(r#"query RegistryLookup { standard(code: "GB/T 45993-2025") { code year } }"#),
            )
            .await;
            assert_eq!(data_of(&named), standard_data());
            // Named by `operationName`, and by the document's only operation.
            let body = json!({
                "query": "query Skipped { __typename } query Picked { __typename }",
                "operationName": "Picked",
            });
            data_of(&send(&app, post_json(&body)).await);
            data_of(&send(&app, get_query("query Solo { __typename }")).await);
            // A field error, and a request that never executes.
            let failed = send(&app, post_query("query Broken { standards(first: 101) { totalCount } }")).await;
            assert_eq!(failed.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
            let unparsed = send(&app, post_query("{ committee(")).await;
            assert_eq!(unparsed.json()["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
            assert_eq!(send(&app, get("/nowhere")).await.status, StatusCode::NOT_FOUND);

            let metrics = scrape(&app).await;
            for line in [
                r#"graphql_requests_total{operation="RegistryLookup",outcome="ok"} 1"#,
                r#"graphql_requests_total{operation="Picked",outcome="ok"} 1"#,
                r#"graphql_requests_total{operation="Solo",outcome="ok"} 1"#,
                r#"graphql_requests_total{operation="Broken",outcome="field_error"} 1"#,
                r#"graphql_requests_total{operation="anonymous",outcome="request_error"} 1"#,
                r#"graphql_errors_total{code="BAD_USER_INPUT"} 1"#,
                r#"graphql_errors_total{code="GRAPHQL_PARSE_FAILED"} 1"#,
                r#"graphql_request_duration_seconds_bucket{operation="RegistryLookup",le="10"} 1"#,
                r#"graphql_request_duration_seconds_bucket{operation="RegistryLookup",le="+Inf"} 1"#,
                r#"graphql_request_duration_seconds_count{operation="RegistryLookup"} 1"#,
                r#"http_requests_total{method="POST",route="/graphql",status="200"} 4"#,
                r#"http_requests_total{method="GET",route="/graphql",status="200"} 1"#,
                r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
                "# TYPE graphql_requests_total counter",
                "# TYPE graphql_request_duration_seconds histogram",
                "db_pool_max_connections 4",
            ] {
                assert_line(&metrics, line);
            }
            assert!(!metrics.contains("Skipped"), "{metrics}");
            for gauge in ["db_pool_connections", "db_pool_idle_connections"] {
                let value = metrics
                    .lines()
                    .find_map(|line| line.strip_prefix(&format!("{gauge} ")))
                    .unwrap_or_else(|| panic!("no {gauge} in:\n{metrics}"));
                let value: f64 = value.parse().expect("a number");
                assert!((0.0..=4.0).contains(&value), "{gauge} {value}");
            }
            // The first scrape counts once it is answered.
            assert_line(
                &scrape(&app).await,
                r#"http_requests_total{method="GET",route="/metrics",status="200"} 1"#,
            );
        }
    }
}

#[tokio::test]
async fn metrics_keep_at_most_100_operation_names() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = router(&test_db);
    for n in 0..=100 {
        data_of(&send(&app, post_query(&format!("query Op{n} {{ __typename }}"))).await);
    }
    // An operationName that is no GraphQL name is never a label.
    let body = json!({ "query": "{ __typename }", "operationName": "DROP TABLE;" });
    let answer = send(&app, post_json(&body)).await;
    assert_eq!(
        answer.json()["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );

    let metrics = scrape(&app).await;
    assert_line(
        &metrics,
        r#"graphql_requests_total{operation="Op99",outcome="ok"} 1"#,
    );
    assert_line(
        &metrics,
        r#"graphql_requests_total{operation="other",outcome="ok"} 1"#,
    );
    assert_line(
        &metrics,
        r#"graphql_requests_total{operation="other",outcome="request_error"} 1"#,
    );
    assert!(!metrics.contains("Op100"), "{metrics}");
    assert!(!metrics.contains("DROP"), "{metrics}");
}

// ---------------------------------------------------------- tracing and logs

/// Log lines written to memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Lines;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Lines {
    fn json(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).expect("UTF-8 logs");
        text.lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}"))
            })
            .collect()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn each_operation_runs_in_spans_naming_it_and_its_request_id() {
    use tracing_subscriber::layer::SubscriberExt;
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = router(&test_db);
    let lines = Lines::default();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new(
            "standards_registry=debug",
        ))
        .with(standards_registry::telemetry::log_layer(
            LogFormat::Json,
            lines.clone(),
        ));
    // This test's thread only: the runtime is single-threaded.
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut request = post_query("query SpanProbe { __typename }");
    request
        .headers_mut()
        .insert("x-request-id", "req-42".parse().unwrap());
    let answer = send(&app, request).await;
    assert_eq!(data_of(&answer), json!({ "__typename": "Query" }));
    assert_eq!(answer.header("x-request-id"), Some("req-42"));

    let logged = lines.json();
    let finished = logged
        .iter()
        .find(|line| line["fields"]["message"] == "graphql operation finished")
        .unwrap_or_else(|| panic!("no operation logged: {logged:#?}"));
    assert_eq!(finished["level"], "DEBUG");
    assert_eq!(finished["fields"]["outcome"], "ok");
    assert_eq!(
        finished["spans"],
        json!([
            { "name": "http_request", "method": "POST", "path": "/graphql", "request_id": "req-42" },
            { "name": "graphql", "operation": "SpanProbe", "outcome": "ok" },
        ]),
        "{finished:#}"
    );

    // Without an id, the request is given one, and the answer tells it.
    let answer = send(&app, get_query("{ __typename }")).await;
    let id = answer.header("x-request-id").expect("a request id");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let logged = lines.json();
    let anonymous = logged
        .iter()
        .rfind(|line| line["fields"]["message"] == "graphql operation finished")
        .unwrap();
    assert_eq!(anonymous["spans"][0]["request_id"], id);
    assert_eq!(anonymous["spans"][1]["operation"], "anonymous");
}

/// The names of the spans opened while it is installed, with the `path` of
/// async-graphql's `field` spans.
#[derive(Clone, Default)]
struct OpenedSpans(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for OpenedSpans {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Path(Option<String>);
        impl tracing::field::Visit for Path {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "path" {
                    self.0 = Some(format!("{value:?}"));
                }
            }
        }
        let mut path = Path(None);
        if attrs.metadata().name() == "field" {
            attrs.record(&mut path);
        }
        let name = attrs.metadata().name();
        self.0.lock().unwrap().push(match path.0 {
            Some(path) => format!("{name} {path}"),
            None => name.to_owned(),
        });
    }
}

#[tokio::test(flavor = "current_thread")]
async fn resolver_spans_are_opened_only_when_configured() {
    use tracing_subscriber::layer::SubscriberExt;
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let spans = OpenedSpans::default();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new(
            standards_registry::telemetry::DEFAULT_LOG_FILTER,
        ))
        .with(spans.clone());
    // This test's thread only: the runtime is single-threaded.
    let _guard = tracing::subscriber::set_default(subscriber);

    let quiet = router(&test_db);
    let answer = send(&quiet, post_query(STANDARD_QUERY)).await;
    assert_eq!(data_of(&answer), standard_data());
    assert_eq!(
        *spans.0.lock().unwrap(),
        ["http_request", "graphql"],
        "a span per request and per operation only"
    );

    spans.0.lock().unwrap().clear();
    let traced = router_with(
        &test_db,
        &SchemaConfig {
            resolver_spans: true,
            ..SchemaConfig::for_tests()
        },
    );
    let answer = send(&traced, post_query(STANDARD_QUERY)).await;
    assert_eq!(data_of(&answer), standard_data());
    assert_eq!(
        *spans.0.lock().unwrap(),
        [
            "http_request",
            "graphql",
            "request",
            "parse",
            "validation",
            "execute",
            // async-graphql spans fields that resolve to objects, not scalars.
            "field standard",
        ]
    );
}

/// The binary, run to its end with `args` and no `RUST_LOG` but `rust_log`.
fn run_binary(args: &[&str], rust_log: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_standards-registry"))
        .args(args)
        .env("RUST_LOG", rust_log)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("REGISTRY_LOG_FORMAT")
        .output()
        .expect("the binary runs")
}

#[test]
fn log_format_json_writes_one_json_object_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display());
    let output = run_binary(
        &["migrate", "--log-format", "json", "--database-url", &url],
        "info",
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect();
    let applied = lines
        .iter()
        .find(|line| line["fields"]["message"] == "migrations applied")
        .unwrap_or_else(|| panic!("not logged: {stdout}"));
    assert_eq!(applied["level"], "INFO");
    assert_eq!(applied["target"], "standards_registry");

    // Text stays the default.
    let output = run_binary(&["migrate", "--database-url", &url], "info");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let line = stdout
        .lines()
        .find(|line| line.contains("migrations applied"))
        .unwrap_or_else(|| panic!("not logged: {stdout}"));
    assert!(!line.starts_with('{'), "{line}");
}

#[test]
fn telemetry_settings_parse_from_flags() {
    let cli = Cli::try_parse_from(["standards-registry", "migrate", "--log-format", "json"])
        .expect("parses");
    assert_eq!(cli.telemetry.log_format, LogFormat::Json);
    assert!(Cli::try_parse_from(["standards-registry", "--log-format", "xml"]).is_err());
}

// A build without the `otlp` feature given an endpoint (as a host or a pod
// sets OTEL_EXPORTER_OTLP_ENDPOINT for every process) warns once on stderr
// and runs: every command, the server too.
#[cfg(not(feature = "otlp"))]
#[test]
fn an_otlp_endpoint_is_warned_about_by_a_build_without_the_otlp_feature() {
    use standards_registry::telemetry::OTLP_NOT_BUILT_WARNING;
    let dir = tempfile::tempdir().unwrap();
    let endpoint = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")];
    let output = common::binary::run_to_end(&["export-schema"], &endpoint, dir.path());
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8(output.stdout).unwrap() == standards_registry::export_sdl());
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!("{OTLP_NOT_BUILT_WARNING}\n")
    );

    let url = format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display());
    let output = common::binary::run_to_end(
        &["migrate", "--database-url", &url],
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")],
        dir.path(),
    );
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("migrations applied"));

    let mut server =
        common::binary::Process::serve(&["--database-url", &url], &endpoint, dir.path());
    server.wait_ready(std::time::Duration::from_secs(120));
    assert_eq!(
        server.query(r#"{ standard(code: "GB/T 45993-2025") { year } }"#)["data"],
        serde_json::json!({ "standard": { "year": 2025 } })
    );
    assert_eq!(server.output().matches(OTLP_NOT_BUILT_WARNING).count(), 1);
}

/// With the `otlp` feature: the server sends its spans to a collector (a
/// socket here that answers 200 and keeps what it got) when it stops, in the
/// trace the request named.
#[cfg(feature = "otlp")]
#[test]
fn spans_are_exported_over_otlp() {
    const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    use std::io::{BufRead, BufReader, Read};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    let collector = TcpListener::bind("127.0.0.1:0").unwrap();
    let collector_address = collector.local_addr().unwrap();
    let received = std::thread::spawn(move || {
        let (stream, _) = collector.accept().expect("the exporter connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
            head.push(line.trim_end().to_owned());
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        (head, body)
    });

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display());
    // The server's port, bound here and handed over (LISTEN_FDS, descriptor 3).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = listener.local_addr().unwrap().to_string();
    let endpoint = format!("http://{collector_address}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_standards-registry"));
    {
        use command_fds::{CommandFdExt, FdMapping};
        command
            .fd_mappings(vec![FdMapping {
                parent_fd: std::os::fd::OwnedFd::from(listener),
                child_fd: 3,
            }])
            .unwrap();
    }
    let mut server = command
        .args([
            "serve",
            "--database-url",
            &url,
            "--otlp-endpoint",
            &endpoint,
        ])
        .arg("--dataset")
        .arg(dataset_path())
        .env("RUST_LOG", "info")
        .env("LISTEN_FDS", "1")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut stream = loop {
        match TcpStream::connect(&bind) {
            Ok(stream) => break stream,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(err) => panic!("the server never listened: {err}"),
        }
    };
    stream
        .write_all(
            format!(
                "GET /graphql?query={} HTTP/1.1\r\nHost: {bind}\r\nConnection: close\r\n\
                 traceparent: 00-{TRACE_ID}-00f067aa0ba902b7-01\r\n\r\n",
                url_encode("query Exported { __typename }")
            )
            .as_bytes(),
        )
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(server.wait().unwrap().success());

    let (head, body) = received.join().expect("the collector got a request");
    assert_eq!(head[0], "POST /v1/traces HTTP/1.1", "{head:?}");
    assert!(
        head.iter()
            .any(|line| line.eq_ignore_ascii_case("content-type: application/x-protobuf")),
        "{head:?}"
    );
    // Protobuf keeps strings as they are: the spans and their fields show.
    let raw = body;
    let body = String::from_utf8_lossy(&raw);
    for text in ["standards-registry", "http_request", "graphql", "Exported"] {
        assert!(body.contains(text), "no {text} in the export");
    }
    // The request's spans joined the caller's trace, named in `traceparent`.
    let trace_id: Vec<u8> = (0..TRACE_ID.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&TRACE_ID[i..i + 2], 16).unwrap())
        .collect();
    assert!(
        raw.windows(trace_id.len()).any(|window| window == trace_id),
        "the caller's trace id is not in the export"
    );
}

// ------------------------------------------------- automatic persisted queries

/// A query and its SHA-256 (`printf '%s' "$QUERY" | sha256sum`).
const PERSISTED_QUERY: &str =
    r#"query PersistedLookup { standard(code: "GB/T 45993-2025") { code year } }"#;
const PERSISTED_HASH: &str = "eb45e2bb86db41c0f3a117efa06e8db7d8d2c7e4693eaa9a658fb42568ef56a3";

fn persisted_extension(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

fn get_persisted(hash: &str) -> Request<Body> {
    let extensions = persisted_extension(hash).to_string();
    get(&format!(
        "/graphql?operationName=PersistedLookup&extensions={}",
        url_encode(&extensions)
    ))
}

/// The error of an answer without data: its message and code.
fn request_error(answer: &Answer) -> (String, String) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    assert!(body.get("data").is_none(), "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    (
        errors[0]["message"].as_str().unwrap().to_owned(),
        errors[0]["extensions"]["code"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_persisted_query_runs_by_its_hash_once_registered() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = router(&test_db);
    let hash_only = json!({
        "operationName": "PersistedLookup",
        "extensions": persisted_extension(PERSISTED_HASH),
    });
    let not_found = (
        "PersistedQueryNotFound".to_owned(),
        "PERSISTED_QUERY_NOT_FOUND".to_owned(),
    );
    assert_eq!(
        request_error(&send(&app, post_json(&hash_only)).await),
        not_found
    );
    assert_eq!(
        request_error(&send(&app, get_persisted(PERSISTED_HASH)).await),
        not_found
    );

    // A hash that is not the query's is refused, and registers nothing.
    let mut wrong = hash_only.clone();
    wrong["query"] = json!(PERSISTED_QUERY);
    wrong["extensions"] = persisted_extension(&"0".repeat(64));
    assert_eq!(
        request_error(&send(&app, post_json(&wrong)).await),
        (
            "provided sha does not match query".to_owned(),
            "BAD_USER_INPUT".to_owned()
        )
    );

    // Registered by sending the query with its hash, which runs it.
    let mut register = hash_only.clone();
    register["query"] = json!(PERSISTED_QUERY);
    assert_eq!(
        data_of(&send(&app, post_json(&register)).await),
        standard_data()
    );

    // Then the hash alone will do, over POST and over GET (cacheable there).
    assert_eq!(
        data_of(&send(&app, post_json(&hash_only)).await),
        standard_data()
    );
    let fetched = send(&app, get_persisted(PERSISTED_HASH)).await;
    assert_eq!(data_of(&fetched), standard_data());
    assert_eq!(fetched.header("cache-control"), Some("public, max-age=300"));

    let metrics = scrape(&app).await;
    assert_line(
        &metrics,
        r#"graphql_requests_total{operation="PersistedLookup",outcome="ok"} 3"#,
    );
    assert_line(
        &metrics,
        r#"graphql_errors_total{code="PERSISTED_QUERY_NOT_FOUND"} 2"#,
    );
}

#[tokio::test]
async fn without_an_apq_cache_a_hash_alone_is_not_supported() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig {
        apq_cache_size: 0,
        ..SchemaConfig::for_tests()
    };
    let app = router_with(&test_db, &config);
    let hash_only = json!({ "extensions": persisted_extension(PERSISTED_HASH) });
    assert_eq!(
        request_error(&send(&app, post_json(&hash_only)).await),
        (
            "PersistedQueryNotSupported".to_owned(),
            "PERSISTED_QUERY_NOT_SUPPORTED".to_owned()
        )
    );
    // A query sent with its hash runs as any other.
    let mut with_query = hash_only.clone();
    with_query["query"] = json!(PERSISTED_QUERY);
    assert_eq!(
        data_of(&send(&app, post_json(&with_query)).await),
        standard_data()
    );
    assert_eq!(
        request_error(&send(&app, post_json(&hash_only)).await).1,
        "PERSISTED_QUERY_NOT_SUPPORTED"
    );
}

// --------------------------------------------------------------------- CORS

const ALLOWED: &str = "https://registry.example";

fn preflight(origin: &str) -> Request<Body> {
    Request::options("/graphql")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap()
}

fn cors_headers(answer: &Answer) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-"))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    headers
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig {
        cors_origins: vec![ALLOWED.to_owned(), "http://localhost:3000".to_owned()],
        ..SchemaConfig::for_tests()
    };
    let app = router_with(&test_db, &config);

    let answer = send(&app, preflight(ALLOWED)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        cors_headers(&answer),
        pairs(&[
            (
                "access-control-allow-headers",
                "content-type,accept,x-request-id,apollographql-client-name,\
                 apollographql-client-version,apollo-require-preflight"
            ),
            ("access-control-allow-methods", "GET,POST"),
            ("access-control-allow-origin", ALLOWED),
            ("access-control-max-age", "600"),
        ])
    );

    let mut request = post_query(STANDARD_QUERY);
    request
        .headers_mut()
        .insert(header::ORIGIN, ALLOWED.parse().unwrap());
    let answer = send(&app, request).await;
    assert_eq!(data_of(&answer), standard_data());
    assert_eq!(
        cors_headers(&answer),
        pairs(&[
            ("access-control-allow-origin", ALLOWED),
            ("access-control-expose-headers", "x-request-id"),
        ])
    );

    for other in [
        "https://evil.example",
        "https://registry.example.evil",
        "null",
    ] {
        let answer = send(&app, preflight(other)).await;
        assert_eq!(cors_headers(&answer), vec![], "{other}");
        let mut request = post_query(STANDARD_QUERY);
        request
            .headers_mut()
            .insert(header::ORIGIN, other.parse().unwrap());
        assert_eq!(cors_headers(&send(&app, request).await), vec![], "{other}");
    }
}

#[tokio::test]
async fn without_configured_origins_no_cors_headers_are_sent() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = router(&test_db);
    let answer = send(&app, preflight(ALLOWED)).await;
    assert_eq!(cors_headers(&answer), vec![]);
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    let mut request = post_query(STANDARD_QUERY);
    request
        .headers_mut()
        .insert(header::ORIGIN, ALLOWED.parse().unwrap());
    assert_eq!(cors_headers(&send(&app, request).await), vec![]);
}

#[test]
fn cors_origins_parse_from_flags_and_refuse_what_is_no_origin() {
    let cli = Cli::try_parse_from([
        "standards-registry",
        "--cors-origin",
        "https://a.example,http://localhost:3000",
        "--cors-origin",
        "*",
    ])
    .expect("parses");
    assert_eq!(
        cli.serve.schema.cors_origins,
        ["https://a.example", "http://localhost:3000", "*"]
    );
    for wrong in [
        "https://a.example/",
        "a.example",
        "https://a.example/path",
        "https://",
    ] {
        assert!(
            Cli::try_parse_from(["standards-registry", "--cors-origin", wrong]).is_err(),
            "{wrong}"
        );
    }
}
