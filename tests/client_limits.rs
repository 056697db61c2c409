//! Per-client limits through the real router, on a clock the test moves by
//! hand (no sleeps, no wall-clock budget): requests and complexity per
//! second per client, HTTP 429 with `Retry-After` and RATE_LIMITED, the
//! client named by `apollographql-client-name` only behind a trusted proxy,
//! counted in `/metrics` by client, idle clients forgotten.

mod common;
use common::*;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use standards_registry::execution::admission::Admission;
use standards_registry::execution::client_limits::LimitClock;
use standards_registry::{RegistrySchema, SchemaConfig, build_schema_with};

fn from(peer: &str, mut request: Request<Body>) -> Request<Body> {
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

fn named(client: &str, mut request: Request<Body>) -> Request<Body> {
    request
        .headers_mut()
        .insert("apollographql-client-name", client.parse().unwrap());
    request
}

/// The router and its schema over `test_db` with `config`, on `clock`.
fn limited_router(
    test_db: &TestDb,
    config: &SchemaConfig,
    clock: &LimitClock,
) -> (Router, RegistrySchema) {
    let schema = build_schema_with(
        test_db.db.clone(),
        config,
        Admission::new(config.max_complexity_in_flight),
        clock.clone(),
    );
    (
        standards_registry::app(schema.clone(), test_db.db.clone(), config),
        schema,
    )
}

fn limited(message: &str, retry_after: u64) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": "RATE_LIMITED", "retryAfter": retry_after } }] })
}

/// A 429 with `Retry-After: retry_after` and exactly `expected` (its cost aside).
fn assert_limited(answer: &Answer, retry_after: u64, expected: &Value) {
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.text()
    );
    assert_eq!(
        answer.headers[header::RETRY_AFTER],
        retry_after.to_string().as_str()
    );
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
    let mut body = answer.json();
    body.as_object_mut().unwrap().remove("extensions");
    assert_eq!(&body, expected);
}

fn assert_served(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["data"], standard_data());
}

async fn metrics(app: &Router) -> String {
    send(app, get("/metrics")).await.text()
}

#[tokio::test]
async fn requests_per_second_per_client() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig {
        client_requests_per_second: 3,
        ..SchemaConfig::for_tests()
    };
    let clock = LimitClock::manual();
    let (app, schema) = limited_router(&test_db, &config, &clock);
    let too_many = limited("too many requests from this client; try again in 1 s", 1);
    // A burst of three, then refused until a third of a second has passed.
    for _ in 0..3 {
        assert_served(&send(&app, from("192.0.2.1:1000", post_query(STANDARD_QUERY))).await);
    }
    for _ in 0..2 {
        assert_limited(
            &send(&app, from("192.0.2.1:1001", post_query(STANDARD_QUERY))).await,
            1,
            &too_many,
        );
    }
    // Another client has its own budget; the name a client gives itself counts for nothing.
    assert_served(&send(&app, from("192.0.2.2:1000", post_query(STANDARD_QUERY))).await);
    assert_limited(
        &send(
            &app,
            named(
                "someone-else",
                from("192.0.2.1:1002", post_query(STANDARD_QUERY)),
            ),
        )
        .await,
        1,
        &too_many,
    );
    clock.advance(Duration::from_millis(334));
    assert_served(&send(&app, from("192.0.2.1:1003", post_query(STANDARD_QUERY))).await);
    assert_limited(
        &send(&app, from("192.0.2.1:1004", post_query(STANDARD_QUERY))).await,
        1,
        &too_many,
    );
    // Counted by client in /metrics.
    let text = metrics(&app).await;
    for line in [
        r#"graphql_client_requests_total{client="ip:192.0.2.1",outcome="ok"} 4"#,
        r#"graphql_client_requests_total{client="ip:192.0.2.1",outcome="rate_limited_requests"} 4"#,
        r#"graphql_client_requests_total{client="ip:192.0.2.2",outcome="ok"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    // Idle clients are forgotten once their buckets are full again.
    assert_eq!(schema.client_limits().tracked(), 2);
    clock.advance(Duration::from_secs(2));
    schema.client_limits().forget_idle();
    assert_eq!(schema.client_limits().tracked(), 0);
    for _ in 0..3 {
        assert_served(&send(&app, from("192.0.2.1:1005", post_query(STANDARD_QUERY))).await);
    }
}

#[tokio::test]
async fn behind_a_trusted_gateway_the_client_is_its_name() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig {
        client_requests_per_second: 1,
        trusted_proxies: vec!["10.9.0.0/16".parse().unwrap()],
        ..SchemaConfig::for_tests()
    };
    let clock = LimitClock::manual();
    let (app, _schema) = limited_router(&test_db, &config, &clock);
    let too_many = limited("too many requests from this client; try again in 1 s", 1);
    // Two apps behind one gateway: a budget each.
    assert_served(
        &send(
            &app,
            named("web", from("10.9.0.1:1", post_query(STANDARD_QUERY))),
        )
        .await,
    );
    assert_served(
        &send(
            &app,
            named("ios", from("10.9.0.1:2", post_query(STANDARD_QUERY))),
        )
        .await,
    );
    assert_limited(
        &send(
            &app,
            named("web", from("10.9.0.2:3", post_query(STANDARD_QUERY))),
        )
        .await,
        1,
        &too_many,
    );
    // The gateway's own requests, unnamed, count against the gateway.
    assert_served(&send(&app, from("10.9.0.1:4", post_query(STANDARD_QUERY))).await);
    assert_limited(
        &send(&app, from("10.9.0.1:5", post_query(STANDARD_QUERY))).await,
        1,
        &too_many,
    );
    let text = metrics(&app).await;
    for line in [
        r#"graphql_client_requests_total{client="name:web",outcome="ok"} 1"#,
        r#"graphql_client_requests_total{client="name:web",outcome="rate_limited_requests"} 1"#,
        r#"graphql_client_requests_total{client="name:ios",outcome="ok"} 1"#,
        r#"graphql_client_requests_total{client="ip:10.9.0.1",outcome="rate_limited_requests"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
}

#[tokio::test]
async fn complexity_per_second_per_client() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig {
        client_complexity_per_second: 200,
        ..SchemaConfig::for_tests()
    };
    let clock = LimitClock::manual();
    let (app, _schema) = limited_router(&test_db, &config, &clock);
    let page = "{ standards(first: 100) { nodes { code committee { code } } } }"; // 1 + 100 × 2 = 201
    let answer = send(&app, from("192.0.2.9:1", post_query(page))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["extensions"]["cost"]["complexity"], 201);
    // That took the whole second's budget: even a lookup (1) waits.
    let answer = send(&app, from("192.0.2.9:2", post_query(STANDARD_QUERY))).await;
    assert_limited(
        &answer,
        1,
        &limited(
            "too many complex operations from this client; try again in 1 s",
            1,
        ),
    );
    // Refused before any statement, its cost reported.
    assert_eq!(
        answer.json()["extensions"]["cost"],
        json!({ "sqlStatements": 0, "depth": 2, "complexity": 1 })
    );
    clock.advance(Duration::from_millis(5));
    assert_served(&send(&app, from("192.0.2.9:3", post_query(STANDARD_QUERY))).await);
    // Another client is not held back.
    assert_eq!(
        send(&app, from("192.0.2.10:1", post_query(page)))
            .await
            .status,
        StatusCode::OK
    );
    let text = metrics(&app).await;
    let line = r#"graphql_client_requests_total{client="ip:192.0.2.9",outcome="rate_limited_complexity"} 1"#;
    assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    assert!(
        text.lines()
            .any(|l| l == r#"graphql_errors_total{code="RATE_LIMITED"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn without_limits_nothing_is_counted_against_a_client() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let clock = LimitClock::manual();
    let (app, schema) = limited_router(&test_db, &SchemaConfig::for_tests(), &clock);
    for _ in 0..50 {
        assert_served(&send(&app, from("192.0.2.1:1", post_query(STANDARD_QUERY))).await);
    }
    assert_eq!(schema.client_limits().tracked(), 0);
}
