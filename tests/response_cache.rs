//! The response cache: a request answered before is answered again without
//! running, and never with data older than the last committed import,
//! whoever imported: this process, another process on the same SQLite file,
//! or another server on the same PostgreSQL database. Its memory is bounded.

mod common;
use common::*;

use axum::Router;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use standards_registry::{SchemaConfig, dataset};

const RETITLED: &str = "Metaverse \u{2013} Reference architecture, second edition";

/// The real dataset with GB/T 45993-2025 retitled.
fn retitled_dataset() -> String {
    dataset_retitling("GB/T 45993-2025", RETITLED)
}

/// A router with the default settings: the response cache on.
fn cached_router(db: sea_orm::DatabaseConnection) -> Router {
    let config = SchemaConfig::default();
    standards_registry::app(
        standards_registry::build_schema(db.clone(), &config),
        db,
        &config,
    )
}

/// The title the server answers for GB/T 45993-2025, and the answer's cost.
async fn title_and_cost(app: &Router) -> (String, Value) {
    let answer = send(app, post_query(STANDARD_QUERY)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let response = answer.json();
    assert!(response.get("errors").is_none(), "{response:#}");
    (
        response["data"]["standard"]["title"]
            .as_str()
            .unwrap()
            .to_owned(),
        response["extensions"]["cost"].clone(),
    )
}

fn computed() -> Value {
    json!({ "sqlStatements": 1, "depth": 2, "complexity": 1 })
}

fn kept() -> Value {
    json!({ "sqlStatements": 0, "depth": 2, "complexity": 1, "cached": true })
}

const TITLE: &str = "Metaverse \u{2013} Reference architecture";

/// Runs the server binary's `import` on `url`: another process.
fn import_in_another_process(url: &str, dataset: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("retitled.json");
    std::fs::write(&file, dataset).unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_standards-registry"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .args(["--database-url", url, "import"])
        .arg(&file)
        .status()
        .expect("the server binary runs");
    assert!(status.success(), "the import failed: {status}");
}

on_every_backend! {
    async fn an_answer_is_kept_until_an_import_in_this_process(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = cached_router(test_db.db.clone());
        assert_eq!(title_and_cost(&app).await, (TITLE.to_owned(), computed()));
        assert_eq!(title_and_cost(&app).await, (TITLE.to_owned(), kept()));
        // An answer that read no data holds for any data.
        let typename = send(&app, post_query("{ __typename }")).await.json();
        assert_eq!(typename["extensions"]["cost"], json!({ "sqlStatements": 0, "depth": 0, "complexity": 0 }));

        let parsed = dataset::parse(&retitled_dataset()).unwrap();
        dataset::import(&test_db.db, &parsed).await.unwrap();
        assert_eq!(title_and_cost(&app).await, (RETITLED.to_owned(), computed()));
        assert_eq!(title_and_cost(&app).await, (RETITLED.to_owned(), kept()));
        let typename = send(&app, post_query("{ __typename }")).await.json();
        assert_eq!(typename["data"], json!({ "__typename": "Query" }));
        assert_eq!(
            typename["extensions"]["cost"],
            json!({ "sqlStatements": 0, "depth": 0, "complexity": 0, "cached": true })
        );
    }

    // Two servers (routers with pools of their own) on one database, and an
    // import by a third process: the SQLite file they share, or the
    // PostgreSQL database every server of a deployment reads.
    async fn every_server_sees_an_import_by_another_process(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let first = cached_router(test_db.db.clone());
        let second = cached_router(another_pool(&test_db).await);
        for app in [&first, &second] {
            assert_eq!(title_and_cost(app).await, (TITLE.to_owned(), computed()));
            assert_eq!(title_and_cost(app).await, (TITLE.to_owned(), kept()));
        }
        import_in_another_process(&test_db.url, &retitled_dataset());
        for app in [&first, &second] {
            assert_eq!(title_and_cost(app).await, (RETITLED.to_owned(), computed()));
            assert_eq!(title_and_cost(app).await, (RETITLED.to_owned(), kept()));
        }
    }

    async fn answers_with_errors_are_not_kept(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = cached_router(test_db.db.clone());
        let query = r#"{ standard(code: "GB/T 45993-2025") { code } standards(first: -1) { totalCount } }"#;
        for _ in 0..2 {
            let response = send(&app, post_query(query)).await.json();
            assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{response:#}");
            assert_eq!(response["extensions"]["cost"]["sqlStatements"], 1, "{response:#}");
        }
    }

    // Clients asking for the same new answer at once: it is computed once,
    // the others wait for it and are answered with it.
    async fn a_burst_of_the_same_request_computes_it_once(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = cached_router(test_db.db.clone());
        let query = "{ committees(first: 5) { nodes { code workingGroups(first: 5) { nodes { code standards(first: 5) { nodes { code title } } } } } } }";
        let burst = (0..8).map(|_| send(&app, post_query(query)));
        let answers = async_graphql::futures_util::future::join_all(burst).await;
        let first = answers[0].json();
        assert!(first.get("errors").is_none(), "{first:#}");
        let costs: Vec<Value> = answers.iter().map(|answer| answer.json()["extensions"]["cost"].clone()).collect();
        let computed = json!({ "sqlStatements": 3, "depth": 7, "complexity": 186 });
        let kept = json!({ "sqlStatements": 0, "depth": 7, "complexity": 186, "cached": true });
        assert_eq!(costs.iter().filter(|cost| **cost == computed).count(), 1, "{costs:#?}");
        assert_eq!(costs.iter().filter(|cost| **cost == kept).count(), 7, "{costs:#?}");
        for answer in &answers {
            assert_eq!(answer.json()["data"], first["data"]);
        }
        assert_eq!(metric(&app, "response_cache_misses_total").await, 1);
        assert_eq!(metric(&app, "response_cache_hits_total").await, 7);
    }

    // An answer that is not kept is not waited for twice: each request of
    // the burst then computes its own, and each gets its error.
    async fn a_burst_of_a_request_with_errors_computes_each(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = cached_router(test_db.db.clone());
        let query = r#"{ standard(code: "GB/T 45993-2025") { code } standards(first: -1) { totalCount } }"#;
        let burst = (0..4).map(|_| send(&app, post_query(query)));
        for answer in async_graphql::futures_util::future::join_all(burst).await {
            let response = answer.json();
            assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{response:#}");
            assert_eq!(response["extensions"]["cost"]["sqlStatements"], 1, "{response:#}");
        }
        assert_eq!(metric(&app, "response_cache_misses_total").await, 4);
        assert_eq!(metric(&app, "response_cache_hits_total").await, 0);
    }
}

/// A kept GET answer carries the headers of the first: a CDN sees the same.
#[tokio::test]
async fn a_kept_get_answer_has_the_headers_of_the_first() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = cached_router(test_db.db.clone());
    let uri = format!("/graphql?query={}", url_encode(STANDARD_QUERY));
    let first = send(&app, get(&uri)).await;
    let again = send(&app, get(&uri)).await;
    for answer in [&first, &again] {
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.headers[header::CACHE_CONTROL], "public, max-age=300");
        assert_eq!(answer.headers[header::VARY], "accept");
        assert_eq!(answer.content_type(), "application/json");
        assert_eq!(answer.json()["data"], standard_data());
    }
    assert_eq!(again.json()["extensions"]["cost"], kept());
}

/// However many distinct answers pass through it, the cache holds at most
/// its configured size, and keeps serving.
#[tokio::test]
async fn the_cache_holds_at_most_its_size() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig {
        response_cache_mib: 1,
        ..SchemaConfig::default()
    };
    let app = standards_registry::app(
        standards_registry::build_schema(test_db.db.clone(), &config),
        test_db.db.clone(),
        &config,
    );
    // Every standard with its notes and sources: about 60 KB an answer,
    // each request made distinct by a comment.
    let big =
        "{ standards(first: 100) { nodes { code title notes sources { document section } } } }";
    let size = send(&app, post_query(big)).await.body.len();
    assert!(size > 30_000, "{size}");
    for i in 0..60 {
        let query = format!("# request {i}\n{big}");
        let response = send(&app, post_query(&query)).await.json();
        assert!(response.get("errors").is_none(), "{response:#}");
    }
    assert_eq!(metric(&app, "response_cache_capacity_bytes").await, 1 << 20);
    let held = metric(&app, "response_cache_bytes").await;
    assert!(held <= 1 << 20, "{held}");
    // At least a few answers, which 60 of them would be far past.
    assert!(held > 4 * size as u64, "{held}");
    assert_eq!(metric(&app, "response_cache_misses_total").await, 61);
    let last = format!("# request 59\n{big}");
    let response = send(&app, post_query(&last)).await.json();
    assert_eq!(
        response["extensions"]["cost"]["cached"], true,
        "{response:#}"
    );
    assert_eq!(metric(&app, "response_cache_hits_total").await, 1);
}

/// A metric without labels, as `/metrics` reports it now.
async fn metric(app: &Router, name: &str) -> u64 {
    let metrics = send(app, get("/metrics")).await.text();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {metrics}"))
        .parse()
        .unwrap()
}
