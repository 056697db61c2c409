//! Trusted documents through the real router: operations sent by id alone
//! (GraphQL over HTTP's `documentId`, Apollo's `extensions.persistedQuery`),
//! others logged or refused with PERSISTED_QUERY_NOT_IN_LIST and HTTP 400,
//! the exceptions (a trusted gateway, the playground while it is enabled),
//! automatic persisted queries where the mode allows them, and the
//! `manifest` command that writes the list from a folder of `.graphql` files.

mod common;
use common::*;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use clap::Parser;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use standards_registry::SchemaConfig;
use standards_registry::config::{Cli, TrustedMode};
use standards_registry::execution::trusted_documents::{TrustedDocuments, manifest_from_folder};

const FRONT_END: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/documents/front-end");
const MANIFEST: &str = include_str!("documents/front-end.manifest.json");

fn manifest() -> Value {
    serde_json::from_str(MANIFEST).unwrap()
}

/// The id of the manifest's operation `name`.
fn id_of(name: &str) -> String {
    manifest()["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|operation| operation["name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn config(mode: TrustedMode) -> SchemaConfig {
    SchemaConfig {
        trusted_documents: Some(Arc::new(TrustedDocuments::parse(MANIFEST).unwrap())),
        trusted_documents_mode: mode,
        trusted_proxies: vec!["10.1.0.0/16".parse().unwrap()],
        ..SchemaConfig::for_tests()
    }
}

/// `request` as from `peer`.
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

fn standard_page() -> Value {
    json!({ "standard": {
        "code": "GB/T 45993-2025",
        "title": "Metaverse \u{2013} Reference architecture",
        "status": "PUBLISHED",
        "year": 2025,
        "committee": { "code": "SAC/TC28", "name": "National Information Technology Standardization Technical Committee" },
    } })
}

fn not_in_list(message: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": "PERSISTED_QUERY_NOT_IN_LIST" } }] })
}

const NOT_TRUSTED: &str =
    "the operation is not in the trusted documents; send a trusted document by its id";

/// The data of a successful answer.
fn ok(answer: &Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"].clone()
}

/// A refusal: HTTP 400 with exactly `expected` (no data, no cost).
fn refused(answer: &Answer, expected: &Value) {
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    let mut body = answer.json();
    body.as_object_mut().unwrap().remove("extensions");
    assert_eq!(&body, expected);
}

fn variables() -> Value {
    json!({ "code": "GB/T 45993-2025" })
}

async fn app(mode: TrustedMode) -> (TestDb, Router) {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = router_with(&test_db, &config(mode));
    (test_db, app)
}

#[tokio::test]
async fn a_trusted_document_runs_by_its_id() {
    let (_db, app) = app(TrustedMode::Reject).await;
    let id = id_of("StandardPage");
    // GraphQL over HTTP's documentId, bare and with its hash algorithm.
    for document_id in [id.clone(), format!("sha256:{id}")] {
        let body = json!({ "documentId": document_id, "variables": variables() });
        assert_eq!(
            ok(&send(&app, post(body.to_string())).await),
            standard_page()
        );
    }
    // Over GET, cacheable as any GET.
    let uri = format!(
        "/graphql?documentId={id}&variables={}",
        url_encode(&variables().to_string())
    );
    let fetched = send(&app, get(&uri)).await;
    assert_eq!(ok(&fetched), standard_page());
    assert!(fetched.headers.contains_key(header::ETAG));
    // Apollo's clients send the id as a persisted query's hash.
    let body = json!({
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": id } },
        "variables": variables(),
    });
    assert_eq!(
        ok(&send(&app, post(body.to_string())).await),
        standard_page()
    );
    // An id no document has.
    let body = json!({ "documentId": "sha256:0000" });
    refused(
        &send(&app, post(body.to_string())).await,
        &not_in_list("no trusted document has the id `sha256:0000`"),
    );
}

#[tokio::test]
async fn reject_refuses_every_other_operation_with_400() {
    let (_db, app) = app(TrustedMode::Reject).await;
    // The trusted body itself, however spaced, is trusted.
    let body = manifest()["operations"][2]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let respaced = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let request = json!({ "query": respaced, "variables": variables() });
    assert_eq!(
        ok(&send(&app, post(request.to_string())).await),
        standard_page()
    );
    // Anything else is refused, in either media type, before it runs.
    refused(
        &send(&app, post_query(STANDARD_QUERY)).await,
        &not_in_list(NOT_TRUSTED),
    );
    let mut typed = post_query(STANDARD_QUERY);
    typed.headers_mut().insert(
        header::ACCEPT,
        "application/graphql-response+json".parse().unwrap(),
    );
    refused(&send(&app, typed).await, &not_in_list(NOT_TRUSTED));
    let uri = format!("/graphql?query={}", url_encode(STANDARD_QUERY));
    let answer = send(&app, get(&uri)).await;
    refused(&answer, &not_in_list(NOT_TRUSTED));
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
    // Registering an automatic persisted query is no way around it ...
    let hash = format!("{:x}", Sha256::digest(STANDARD_QUERY.as_bytes()));
    let register = json!({ "query": STANDARD_QUERY, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    refused(
        &send(&app, post(register.to_string())).await,
        &not_in_list(NOT_TRUSTED),
    );
    // ... and a query a gateway registered (it is trusted) does not run by hash for others.
    let gateway = from("10.1.2.3:5000", post(register.to_string()));
    assert_eq!(ok(&send(&app, gateway).await), standard_data());
    let hash_only =
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    refused(
        &send(&app, from("192.0.2.7:5000", post(hash_only.to_string()))).await,
        &not_in_list(NOT_TRUSTED),
    );
}

#[tokio::test]
async fn a_trusted_gateway_and_the_enabled_playground_run_any_operation() {
    let (test_db, app) = app(TrustedMode::Reject).await;
    // A gateway plans operations of its own: from a trusted proxy they run.
    assert_eq!(
        ok(&send(&app, from("10.1.0.9:4000", post_query(STANDARD_QUERY))).await),
        standard_data()
    );
    // The same from elsewhere does not.
    refused(
        &send(&app, from("10.2.0.9:4000", post_query(STANDARD_QUERY))).await,
        &not_in_list(NOT_TRUSTED),
    );
    // The playground, while it is enabled for development.
    let playground = named("standards-registry-playground", post_query(STANDARD_QUERY));
    assert_eq!(ok(&send(&app, playground).await), standard_data());
    let locked = router_with(
        &test_db,
        &SchemaConfig {
            playground: false,
            ..config(TrustedMode::Reject)
        },
    );
    let playground = named("standards-registry-playground", post_query(STANDARD_QUERY));
    refused(&send(&locked, playground).await, &not_in_list(NOT_TRUSTED));
    assert_eq!(send(&locked, get("/")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn log_runs_every_operation_and_automatic_persisted_queries_work() {
    let (_db, app) = app(TrustedMode::Log).await;
    assert_eq!(
        ok(&send(&app, post_query(STANDARD_QUERY)).await),
        standard_data()
    );
    let hash = format!("{:x}", Sha256::digest(STANDARD_QUERY.as_bytes()));
    let hash_only =
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    let answer = send(&app, post(hash_only.to_string())).await;
    assert_eq!(
        answer.json()["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    let register = json!({ "query": STANDARD_QUERY, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    assert_eq!(
        ok(&send(&app, post(register.to_string())).await),
        standard_data()
    );
    assert_eq!(
        ok(&send(&app, post(hash_only.to_string())).await),
        standard_data()
    );
    // Ids work as in reject.
    let body = json!({ "documentId": id_of("StandardPage"), "variables": variables() });
    assert_eq!(
        ok(&send(&app, post(body.to_string())).await),
        standard_page()
    );
}

#[tokio::test]
async fn without_trusted_documents_an_id_is_not_supported() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = router(&test_db);
    let answer = send(
        &app,
        post(json!({ "documentId": id_of("StandardPage") }).to_string()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json()["errors"],
        json!([{ "message": "this server has no trusted documents to run by id", "extensions": { "code": "PERSISTED_QUERY_NOT_SUPPORTED" } }])
    );
    let answer = send(&app, post(json!({ "documentId": 5 }).to_string())).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.json()["errors"][0]["message"],
        "`documentId` must be a string"
    );
}

#[test]
fn the_manifest_command_writes_stable_ids() {
    let written = manifest_from_folder(Path::new(FRONT_END)).unwrap();
    let written = serde_json::to_value(&written).unwrap();
    // The committed manifest is what the command writes.
    assert_eq!(written, manifest());
    let names: Vec<&str> = written["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["CommitteeTree", "LatestStandards", "StandardPage"]);
    for operation in written["operations"].as_array().unwrap() {
        let body = operation["body"].as_str().unwrap();
        assert_eq!(
            operation["id"],
            format!("{:x}", Sha256::digest(body.as_bytes()))
        );
        assert_eq!(operation["type"], "query");
    }
    // The same operations spaced, commented and filed otherwise: the same ids.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("all.graphql"),
        "fragment StandardSummary on Standard { code, title, status, year }\n\
         query LatestStandards($first: Int = 5) { standards(orderBy: [{field: YEAR, direction: DESC}], first: $first) { nodes { ...StandardSummary } } }\n\
         # the page\nquery StandardPage($code: String!) { standard(code: $code) { ...StandardSummary committee { code name } } }\n\
         query CommitteeTree($code: String!) { committee(code: $code) { code name workingGroups(first: 5) { totalCount nodes { code name } } } }",
    )
    .unwrap();
    let again = serde_json::to_value(manifest_from_folder(dir.path()).unwrap()).unwrap();
    assert_eq!(again, manifest());
    // What it cannot list is named.
    std::fs::write(dir.path().join("anonymous.graphql"), "{ __typename }").unwrap();
    let err = manifest_from_folder(dir.path()).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "anonymous.graphql: an operation without a name: every trusted operation needs one"
        ),
        "{err}"
    );
}

#[test]
fn a_bad_manifest_is_refused_when_the_flag_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manifest.json");
    for (text, expected) in [
        (
            "{}",
            "not a persisted query manifest: missing field `format`",
        ),
        (
            r#"{"format": "other", "version": 1, "operations": []}"#,
            "the format is `other` version 1; `apollo-persisted-query-manifest` version 1 is read",
        ),
        (
            r#"{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "a", "name": "A", "type": "query", "body": "{"}]}"#,
            "operations[0] (A): its body does not parse",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let err = Cli::try_parse_from([
            "standards-registry",
            "--trusted-documents",
            path.to_str().unwrap(),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains(expected), "{err}");
    }
    let err = Cli::try_parse_from([
        "standards-registry",
        "--trusted-documents",
        "/nonexistent.json",
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("/nonexistent.json: No such file"), "{err}");
    let cli = Cli::try_parse_from([
        "standards-registry",
        "--trusted-documents",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/documents/front-end.manifest.json"
        ),
        "--trusted-documents-mode",
        "reject",
        "--trusted-proxy",
        "10.0.0.0/8,::1",
    ])
    .unwrap();
    assert_eq!(cli.serve.schema.trusted_documents.map(|t| t.len()), Some(3));
    assert_eq!(cli.serve.schema.trusted_documents_mode, TrustedMode::Reject);
    assert_eq!(cli.serve.schema.trusted_proxies.len(), 2);
}
