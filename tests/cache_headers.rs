//! The caching headers of `/graphql` answers through the real router:
//! `Cache-Control` on every answer (POST and `_entities` included, `no-store`
//! for errors and refusals), `--cache-max-age`, `ETag` and `304 Not Modified`
//! on GET, `Vary: Accept`, and hints of zero while an import runs in any
//! process (marked in the database) until it commits.

mod common;
use common::*;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use standards_registry::{SchemaConfig, dataset};

fn get_query(query: &str) -> Request<Body> {
    get(&format!("/graphql?query={}", url_encode(query)))
}

fn with_if_none_match(mut request: Request<Body>, etag: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert(header::IF_NONE_MATCH, etag.parse().unwrap());
    request
}

/// The caching headers of an answer: Cache-Control, Vary and whether it has an ETag.
fn caching(answer: &Answer) -> (String, String, bool) {
    let header = |name| {
        answer
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    (
        header(header::CACHE_CONTROL),
        header(header::VARY),
        answer.headers.contains_key(header::ETAG),
    )
}

fn public(age: u32) -> String {
    format!("public, max-age={age}")
}

/// Sets the import marker as an import does before it writes anything.
async fn mark_import(test_db: &TestDb) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    test_db
        .db
        .execute_unprepared(&format!(
            "UPDATE registry_version SET import_started = {now} WHERE id = 1"
        ))
        .await
        .unwrap();
}

on_every_backend! {
    async fn every_answer_says_how_long_it_may_be_kept(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        // A POST answer, as a gateway's fetch is, says it too.
        let posted = send(&app, post_query(STANDARD_QUERY)).await;
        assert_eq!(posted.json()["data"], standard_data());
        assert_eq!(caching(&posted), (public(300), "accept".into(), false));
        // An _entities batch: the shortest hint of its entities.
        let entities = json!({
            "query": "query($r: [_Any!]!) { _entities(representations: $r) { ... on Standard { code } ... on Committee { code } } }",
            "variables": { "r": [{ "__typename": "Standard", "code": "GB/T 45993-2025" }, { "__typename": "Committee", "code": "SC42" }] },
        });
        let answer = send(&app, post(entities.to_string())).await;
        assert_eq!(answer.json()["data"], json!({ "_entities": [{ "code": "GB/T 45993-2025" }, { "code": "SAC/TC28/SC42" }] }));
        assert_eq!(caching(&answer), (public(300), "accept".into(), false));
        // A GET answer, with its ETag.
        let fetched = send(&app, get_query(STANDARD_QUERY)).await;
        assert_eq!(fetched.json()["data"], standard_data());
        assert_eq!(caching(&fetched), (public(300), "accept".into(), true));
        // A count, with no entity in it, is as public.
        let counted = send(&app, get_query("{ standards { totalCount } }")).await;
        assert_eq!(caching(&counted), (public(300), "accept".into(), true));
        // Errors and refusals are never kept.
        for failing in ["{ standards(first: 101) { totalCount } }", "{ committee(", "{ nope }"] {
            let answer = send(&app, get_query(failing)).await;
            assert!(answer.json().get("errors").is_some(), "{}", answer.text());
            assert_eq!(caching(&answer), ("no-store".into(), "accept".into(), false), "{failing}");
        }
        let refused = send(&app, post("{not json")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(caching(&refused), ("no-store".into(), "accept".into(), false));
        let mutation = send(&app, get_query("mutation { x }")).await;
        assert_eq!(mutation.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(caching(&mutation), ("no-store".into(), "accept".into(), false));
    }

    async fn a_get_revalidated_with_its_etag_is_not_modified_until_an_import(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        // With the response cache on and off: the tag does not depend on it.
        for config in [SchemaConfig::for_tests(), SchemaConfig::default()] {
            let app = router_with(&test_db, &config);
            let first = send(&app, get_query(STANDARD_QUERY)).await;
            let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
            assert!(etag.starts_with("W/\""), "{etag}");
            let again = send(&app, with_if_none_match(get_query(STANDARD_QUERY), &etag)).await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED);
            assert!(again.body.is_empty());
            assert_eq!(again.headers[header::ETAG], etag.as_str());
            assert_eq!(caching(&again), (public(300), "accept".into(), true));
            // Another request, or another media type, has another tag.
            let other = send(&app, with_if_none_match(get_query("{ standards { totalCount } }"), &etag)).await;
            assert_eq!(other.status, StatusCode::OK);
            let mut typed = with_if_none_match(get_query(STANDARD_QUERY), &etag);
            typed.headers_mut().insert(header::ACCEPT, "application/graphql-response+json".parse().unwrap());
            assert_eq!(send(&app, typed).await.status, StatusCode::OK);
            // A list of tags, one of them ours; and `*`.
            let listed = format!("\"nope\", {etag}");
            assert_eq!(send(&app, with_if_none_match(get_query(STANDARD_QUERY), &listed)).await.status, StatusCode::NOT_MODIFIED);
            assert_eq!(send(&app, with_if_none_match(get_query(STANDARD_QUERY), "*")).await.status, StatusCode::NOT_MODIFIED);
        }
        // After an import the data may differ: the tag changes.
        let app = router(&test_db);
        let before = send(&app, get_query(STANDARD_QUERY)).await.headers[header::ETAG].clone();
        dataset::import_file(&test_db.db, &dataset_path()).await.unwrap();
        let after = send(&app, with_if_none_match(get_query(STANDARD_QUERY), before.to_str().unwrap())).await;
        assert_eq!(after.status, StatusCode::OK);
        assert_eq!(after.json()["data"], standard_data());
        assert_ne!(after.headers[header::ETAG], before);
    }

    async fn an_answer_that_reads_no_data_holds_for_any_data(backend: Backend) {
        // `{ __typename }` (a gateway's health check) and introspection read
        // nothing: neither an import running nor one committed changes them,
        // so their tag names no data version and their hint stays.
        let test_db = TestDb::with_dataset(backend).await;
        for config in [SchemaConfig::for_tests(), SchemaConfig::default()] {
            let app = router_with(&test_db, &config);
            let typename = || get_query("{ __typename }");
            let first = send(&app, typename()).await;
            assert_eq!(first.json()["data"], json!({ "__typename": "Query" }));
            let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
            assert!(etag.starts_with("W/\"any-"), "{etag}");
            assert_eq!(caching(&first), (public(300), "accept".into(), true));
            let data_tag = send(&app, get_query(STANDARD_QUERY)).await.headers[header::ETAG].clone();
            assert!(!data_tag.to_str().unwrap().starts_with("W/\"any-"), "{data_tag:?}");
            mark_import(&test_db).await;
            let during = send(&app, with_if_none_match(typename(), &etag)).await;
            assert_eq!(during.status, StatusCode::NOT_MODIFIED);
            assert_eq!(caching(&during), (public(300), "accept".into(), true));
            assert_eq!(caching(&send(&app, get_query(STANDARD_QUERY)).await).0, public(0));
            dataset::import_file(&test_db.db, &dataset_path()).await.unwrap();
            let after = send(&app, with_if_none_match(typename(), &etag)).await;
            assert_eq!(after.status, StatusCode::NOT_MODIFIED);
            assert_eq!(after.headers[header::ETAG], etag.as_str());
            let answered = send(&app, typename()).await;
            assert_eq!(answered.status, StatusCode::OK);
            assert_eq!(answered.headers[header::ETAG], etag.as_str());
        }
    }

    async fn hints_are_zero_while_an_import_runs(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        for config in [SchemaConfig::for_tests(), SchemaConfig::default()] {
            let app = router_with(&test_db, &config);
            // Kept by the response cache (when on) before the import starts.
            assert_eq!(caching(&send(&app, get_query(STANDARD_QUERY)).await).0, public(300));
            mark_import(&test_db).await;
            for request in [get_query(STANDARD_QUERY), post_query(STANDARD_QUERY)] {
                let answer = send(&app, request).await;
                assert_eq!(answer.json()["data"], standard_data());
                assert_eq!(caching(&answer).0, public(0));
            }
            // The import commits (and clears the marker): hints are back.
            dataset::import_file(&test_db.db, &dataset_path()).await.unwrap();
            assert_eq!(caching(&send(&app, post_query(STANDARD_QUERY)).await).0, public(300));
        }
        // An import that fails (its last statistic names no committee)
        // clears its marker too.
        let mut broken: serde_json::Value = serde_json::from_str(&dataset_text()).unwrap();
        let statistics = broken["statistics"].as_array_mut().unwrap();
        let last = statistics.len() - 1;
        statistics[last]["committee"] = json!("SAC/TC999");
        statistics[last]["workingGroup"] = serde_json::Value::Null;
        let parsed = dataset::parse(&broken.to_string()).unwrap();
        assert!(dataset::import(&test_db.db, &parsed).await.is_err());
        let app = router(&test_db);
        assert_eq!(caching(&send(&app, post_query(STANDARD_QUERY)).await).0, public(300));
    }
}

/// The marker is set before the import writes anything and is seen by
/// every server while the import waits: here the import is held at its
/// first write by another session's lock on a table (PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_POSTGRES_URL to run against PostgreSQL"
)]
async fn an_import_in_another_process_shortens_the_hints_until_it_commits() {
    let test_db = TestDb::with_dataset(Backend::Postgres).await;
    let app = router(&test_db);
    assert_eq!(
        caching(&send(&app, post_query(STANDARD_QUERY)).await).0,
        public(300)
    );
    let locker = test_db.db.begin().await.unwrap();
    locker
        .execute_unprepared("LOCK TABLE committee IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let importer = another_pool(&test_db).await;
    let import =
        tokio::spawn(async move { dataset::import_file(&importer, &dataset_path()).await });
    // The import has set its marker when the answer's hint is 0; it cannot
    // commit while the lock is held, so this waits for nothing but that.
    let mut hint = String::new();
    for _ in 0..600 {
        hint = caching(&send(&app, get_query("{ __typename standards { totalCount } }")).await).0;
        if hint == public(0) {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(hint, public(0), "the import's marker was never seen");
    assert!(!import.is_finished());
    locker.rollback().await.unwrap();
    import.await.unwrap().expect("the import commits");
    assert_eq!(
        caching(&send(&app, post_query(STANDARD_QUERY)).await).0,
        public(300)
    );
}

#[tokio::test]
async fn cache_max_age_caps_the_hints() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    for (cache_max_age, expected) in [
        (60, public(60)),
        (0, "no-cache".to_owned()),
        (3600, public(300)),
    ] {
        let config = SchemaConfig {
            cache_max_age,
            ..SchemaConfig::for_tests()
        };
        let app: Router = router_with(&test_db, &config);
        let answer = send(&app, get_query(STANDARD_QUERY)).await;
        assert_eq!(answer.json()["data"], standard_data());
        assert_eq!(caching(&answer).0, expected, "{cache_max_age}");
    }
}
