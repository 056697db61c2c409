//! The HTTP surface through the real router: `POST`/`GET /graphql`, batches, refused bodies, `/healthz`, the playground, and one request over a real socket.

mod common;
use common::*;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use standards_registry::SchemaConfig;
use standards_registry::config::DEFAULT_MAX_BODY_BYTES as MAX_BODY_BYTES;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The body every refused request carries: one error with a code, no data.
fn refusal(message: &str, code: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

async fn sqlite_app() -> (TestDb, Router) {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = router(&test_db);
    (test_db, app)
}

/// A GraphQL response to a request without `Accept`: HTTP 200 in `application/json`.
fn assert_graphql_response(answer: &Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/json");
    answer.json()
}

/// `request` asking for GraphQL over HTTP's own media type.
fn accepting_graphql_response(mut request: Request<Body>) -> Request<Body> {
    request.headers_mut().insert(
        header::ACCEPT,
        header::HeaderValue::from_static("application/graphql-response+json"),
    );
    request
}

/// A refusal: the status, a JSON content type, and exactly `expected` as body.
fn assert_refused(answer: &Answer, status: StatusCode, expected: &Value) {
    assert_eq!(answer.status, status, "{}", answer.text());
    assert_eq!(
        answer.content_type(),
        "application/json",
        "{}",
        answer.text()
    );
    assert_eq!(&answer.json(), expected);
}

on_every_backend! {
    async fn post_answers_the_data_and_its_cost(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let response = assert_graphql_response(&send(&app, post_query(STANDARD_QUERY)).await);
        assert_eq!(
            response,
            json!({
                "data": standard_data(),
                // One lookup by code is one statement; the query is two levels deep.
                "extensions": { "cost": { "sqlStatements": 1, "depth": 2, "complexity": 1 } }
            })
        );
    }
}

#[tokio::test]
async fn get_answers_the_same_as_post() {
    let (_db, app) = sqlite_app().await;
    let posted = assert_graphql_response(&send(&app, post_query(STANDARD_QUERY)).await);
    let uri = format!("/graphql?query={}", url_encode(STANDARD_QUERY));
    let fetched = assert_graphql_response(&send(&app, get(&uri)).await);
    assert_eq!(fetched["data"], standard_data());
    assert_eq!(fetched, posted);
}

#[tokio::test]
async fn get_refuses_a_mutation_with_405_and_allow_post() {
    let (_db, app) = sqlite_app().await;
    let uri = format!("/graphql?query={}", url_encode("mutation { x }"));
    let answer = send(&app, get(&uri)).await;
    assert_refused(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        &refusal("only queries may be sent with GET; use POST", "BAD_REQUEST"),
    );
    assert_eq!(answer.headers[header::ALLOW], "POST");
}

#[tokio::test]
async fn get_runs_the_operation_named_by_operation_name() {
    let (_db, app) = sqlite_app().await;
    // GraphQL over HTTP names the parameter `operationName`, in GET as in POST.
    let document =
        r#"query a { __typename } query b { standard(code: "GB/T 45993-2025") { year } }"#;
    let posted = json!({ "query": document, "operationName": "b" }).to_string();
    let posted = assert_graphql_response(&send(&app, post(posted)).await);
    assert_eq!(
        posted["data"],
        json!({ "standard": { "year": 2025 } }),
        "{posted}"
    );

    let uri = format!("/graphql?query={}&operationName=b", url_encode(document));
    let fetched = assert_graphql_response(&send(&app, get(&uri)).await);
    assert_eq!(
        fetched["data"],
        json!({ "standard": { "year": 2025 } }),
        "{fetched}"
    );
}

#[tokio::test]
async fn get_refuses_a_document_whose_mutation_may_run() {
    let (_db, app) = sqlite_app().await;
    let uri = format!(
        "/graphql?query={}",
        url_encode("query q { __typename } mutation m { x }")
    );
    let answer = send(&app, get(&uri)).await;
    assert_eq!(
        answer.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        answer.text()
    );
    assert_eq!(answer.headers[header::ALLOW], "POST");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_with_400() {
    let (_db, app) = sqlite_app().await;
    let expected = refusal("the body is not a GraphQL request in JSON", "BAD_REQUEST");
    assert_refused(
        &send(&app, post("{not json")).await,
        StatusCode::BAD_REQUEST,
        &expected,
    );
    assert_refused(
        &send(&app, post("")).await,
        StatusCode::BAD_REQUEST,
        &expected,
    );
}

#[tokio::test]
async fn a_json_body_without_a_query_is_refused_with_400() {
    let (_db, app) = sqlite_app().await;
    let answer = send(&app, post(r#"{"variables": {}}"#)).await;
    // GraphQL over HTTP: a request without `query` is not a GraphQL request.
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/json");
    let body = answer.json();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{body}"
    );
    assert!(body["errors"][0]["message"].is_string(), "{body}");
    assert!(body.get("data").is_none(), "{body}");
}

/// A query padded with white space past the body limit.
fn oversized_body() -> Vec<u8> {
    let padding = " ".repeat(MAX_BODY_BYTES + 1);
    json!({ "query": format!("{padding}{{ __typename }}") })
        .to_string()
        .into_bytes()
}

fn too_large() -> Value {
    refusal(
        &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        "PAYLOAD_TOO_LARGE",
    )
}

#[tokio::test]
async fn an_oversized_streamed_body_is_refused_with_413() {
    let (_db, app) = sqlite_app().await;
    // No Content-Length: the limit is found while reading the body.
    let answer = send(&app, post(oversized_body())).await;
    assert_refused(&answer, StatusCode::PAYLOAD_TOO_LARGE, &too_large());
}

#[tokio::test]
async fn an_oversized_body_with_its_content_length_is_refused_with_413() {
    let (_db, app) = sqlite_app().await;
    // What every ordinary client sends: the length up front.
    let body = oversized_body();
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    let answer = send(&app, request).await;
    assert_refused(&answer, StatusCode::PAYLOAD_TOO_LARGE, &too_large());
}

#[tokio::test]
async fn a_batch_answers_each_operation_in_order() {
    let (_db, app) = sqlite_app().await;
    let batch = json!([
        { "query": r#"{ committee(code: "SC42") { code parent { code } } }"# },
        { "query": STANDARD_QUERY },
    ]);
    let response = assert_graphql_response(&send(&app, post(batch.to_string())).await);
    let results = response.as_array().expect("a batch answers an array");
    assert_eq!(results.len(), 2, "{response}");
    assert_eq!(
        results[0]["data"],
        json!({ "committee": { "code": "SAC/TC28/SC42", "parent": { "code": "SAC/TC28" } } })
    );
    assert_eq!(results[1]["data"], standard_data());
    assert!(
        results.iter().all(|r| r.get("errors").is_none()),
        "{response}"
    );
}

#[tokio::test]
async fn a_batch_over_the_limit_is_refused_with_400() {
    let (_db, app) = sqlite_app().await;
    let max = SchemaConfig::for_tests().max_batch;
    let batch = |n: usize| Value::Array(vec![json!({ "query": "{ __typename }" }); n]).to_string();

    let full = assert_graphql_response(&send(&app, post(batch(max))).await);
    assert_eq!(full.as_array().map(Vec::len), Some(max));

    let answer = send(&app, post(batch(max + 1))).await;
    assert_refused(
        &answer,
        StatusCode::BAD_REQUEST,
        &refusal(
            &format!("a batch may hold at most {max} operations"),
            "BAD_REQUEST",
        ),
    );
}

#[tokio::test]
async fn healthz_answers_ok() {
    let (_db, app) = sqlite_app().await;
    let answer = send(&app, get("/healthz")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.text(), "ok");
}

/// The values of every `src="…"` and `href="…"` attribute.
fn linked_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (start, _) in html.match_indices(attr) {
            let rest = &html[start + attr.len()..];
            urls.push(rest[..rest.find('"').expect("a closed attribute")].to_owned());
        }
    }
    urls
}

#[tokio::test]
async fn the_playground_page_loads_only_its_own_assets() {
    let (_db, app) = sqlite_app().await;
    let page = send(&app, get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.content_type().starts_with("text/html"),
        "{}",
        page.content_type()
    );
    let html = page.text();
    assert!(html.contains("graphiql"));
    assert!(!html.contains("://"), "the page names an absolute URL");

    let urls = linked_urls(&html);
    let assets: Vec<&String> = urls.iter().filter(|url| *url != "data:,").collect();
    assert_eq!(assets.len(), 4, "a stylesheet and three scripts: {urls:?}");
    for url in assets {
        assert!(url.starts_with("/playground/"), "{url}");
        let asset = send(&app, get(url)).await;
        assert_eq!(asset.status, StatusCode::OK, "{url}");
        assert!(!asset.body.is_empty(), "{url}");
    }
}

#[tokio::test]
async fn the_playground_script_is_served_as_javascript() {
    let (_db, app) = sqlite_app().await;
    let answer = send(&app, get("/playground/graphiql.min.js")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "text/javascript; charset=utf-8");
    assert!(answer.body.len() > 100_000, "{} bytes", answer.body.len());
    assert_eq!(
        send(&app, get("/playground/nope.js")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_real_socket_serves_a_post() {
    let (_db, app) = sqlite_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let body = json!({ "query": STANDARD_QUERY }).to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\n\
         Host: {address}\r\n\
         Content-Type: application/json\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         \r\n\
         {body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    server.abort();

    let raw = String::from_utf8(raw).expect("a UTF-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("HTTP/1.1 200 OK"), "{raw}");
    assert!(
        lines.any(|line| line.eq_ignore_ascii_case("content-type: application/json")),
        "{head}"
    );
    let response: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(response["data"], standard_data());
}

#[tokio::test]
async fn a_parse_error_is_coded_graphql_parse_failed() {
    let (_db, app) = sqlite_app().await;
    let response = assert_graphql_response(&send(&app, post_query("{ committee(")).await);
    // The request never executed: no `data` at all.
    assert!(response.get("data").is_none(), "{response}");
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
}

#[tokio::test]
async fn an_unknown_field_is_coded_graphql_validation_failed() {
    let (_db, app) = sqlite_app().await;
    let answer = send(&app, post_query("{ nope }")).await;
    let response = assert_graphql_response(&answer);
    assert!(response.get("data").is_none(), "{response}");
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(
        error["message"],
        r#"Unknown field "nope" on type "Query". Did you mean "node"?"#
    );
}

#[tokio::test]
async fn the_graphql_response_media_type_is_served_when_asked_for() {
    let (_db, app) = sqlite_app().await;
    let answer = send(&app, accepting_graphql_response(post_query(STANDARD_QUERY))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/graphql-response+json");
    assert_eq!(answer.json()["data"], standard_data());

    // In that type, a request that never executed is a client error.
    let answer = send(&app, accepting_graphql_response(post_query("{ committee("))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/graphql-response+json");
    let response = answer.json();
    assert!(response.get("data").is_none(), "{response}");
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );

    // A field error once execution started is still a 200.
    let answer = send(
        &app,
        accepting_graphql_response(post_query("{ standards(first: 101) { totalCount } }")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        answer.json()["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

/// Sends `head` and then `body` over a plain blocking socket, every byte of
/// it before reading anything, as Python's urllib does; returns whether the
/// whole body could be written and what came back.
fn send_all_then_read(
    address: std::net::SocketAddr,
    head: String,
    body: Vec<u8>,
) -> (bool, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    // A hang guard only: the server answers within milliseconds.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    stream
        .set_write_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut written = true;
    for chunk in body.chunks(64 * 1024) {
        if stream.write_all(chunk).is_err() {
            written = false;
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (written, String::from_utf8_lossy(&answer).into_owned())
}

// A client that sends 10 MB before it reads (urllib, tried as a new user
// would) gets its 413, not a broken pipe: the server answers at once and
// reads and drops the rest before it closes (a lingering close).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_still_sending_ten_megabytes_reads_its_413() {
    let (_db, app) = sqlite_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let padding = " ".repeat(10 * 1024 * 1024);
    let body = json!({ "query": format!("{padding}{{ __typename }}") })
        .to_string()
        .into_bytes();
    let declared = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut chunked_body = Vec::new();
    for chunk in body.chunks(256 * 1024) {
        chunked_body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked_body.extend_from_slice(chunk);
        chunked_body.extend_from_slice(b"\r\n");
    }
    chunked_body.extend_from_slice(b"0\r\n\r\n");
    let chunked = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    // A wrong media type is refused before the body is read, too.
    let form = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    for (head, body, status) in [
        (declared, body.clone(), "413 Payload Too Large"),
        (chunked, chunked_body, "413 Payload Too Large"),
        (form, body.clone(), "415 Unsupported Media Type"),
    ] {
        let (written, answer) =
            tokio::task::spawn_blocking(move || send_all_then_read(address, head, body))
                .await
                .unwrap();
        assert!(
            written,
            "the server closed before the body was sent: {answer}"
        );
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}\r\n")),
            "{answer}"
        );
        let (_, json_body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        let code = if status.starts_with("413") {
            "PAYLOAD_TOO_LARGE"
        } else {
            "BAD_REQUEST"
        };
        let json: Value = serde_json::from_str(json_body).expect("a JSON body");
        assert_eq!(json["errors"][0]["extensions"]["code"], code, "{json}");
    }
    server.abort();
}

// ---------------------------------------------------------------------------
// --introspection and --metrics-bind

const SCHEMA_INTROSPECTION: &str = "{ __schema { queryType { name } } }";
const TYPE_INTROSPECTION: &str = r#"query Peek { t: __type(name: "Committee") { name } }"#;

#[tokio::test]
async fn introspection_is_answered_by_default() {
    let (_db, app) = sqlite_app().await;
    let answer = assert_graphql_response(&send(&app, post_query(SCHEMA_INTROSPECTION)).await);
    assert_eq!(
        answer["data"],
        json!({ "__schema": { "queryType": { "name": "Query" } } })
    );
    let answer = assert_graphql_response(&send(&app, post_query(TYPE_INTROSPECTION)).await);
    assert_eq!(answer["data"], json!({ "t": { "name": "Committee" } }));
}

#[tokio::test]
async fn introspection_off_refuses_schema_and_type_but_serves_the_sdl() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig {
        introspection: false,
        ..SchemaConfig::for_tests()
    };
    let app = router_with(&test_db, &config);
    let refused = json!({
        "errors": [{
            "message": "introspection is disabled on this server; a gateway reads the schema from `_service { sdl }`",
            "extensions": { "code": "INTROSPECTION_DISABLED" }
        }],
        // Refused before anything ran.
        "extensions": { "cost": { "sqlStatements": 0, "depth": 0, "complexity": 0 } }
    });
    let fragment = "query { ...Q } fragment Q on Query { __schema { types { name } } }";
    for query in [SCHEMA_INTROSPECTION, TYPE_INTROSPECTION, fragment] {
        let answer = assert_graphql_response(&send(&app, post_query(query)).await);
        assert_eq!(answer, refused, "{query}");
    }
    // Over GET too, and in GraphQL over HTTP's media type a 400.
    let uri = format!("/graphql?query={}", url_encode(SCHEMA_INTROSPECTION));
    assert_eq!(
        assert_graphql_response(&send(&app, get(&uri)).await),
        refused
    );
    let answer = send(
        &app,
        accepting_graphql_response(post_query(SCHEMA_INTROSPECTION)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
    assert_eq!(answer.json(), refused);

    // A gateway still reads the schema, and `__typename` is no introspection.
    let answer =
        assert_graphql_response(&send(&app, post_query("{ __typename _service { sdl } }")).await);
    assert_eq!(
        answer["data"],
        json!({ "__typename": "Query", "_service": { "sdl": standards_registry::export_sdl() } })
    );
    let answer = assert_graphql_response(&send(&app, post_query(STANDARD_QUERY)).await);
    assert_eq!(answer["data"], standard_data());
}

#[tokio::test]
async fn split_app_serves_metrics_only_on_its_own_router() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let config = SchemaConfig::for_tests();
    let (app, metrics) = standards_registry::split_app(
        standards_registry::build_schema(test_db.db.clone(), &config),
        test_db.db.clone(),
        &config,
    );
    assert_graphql_response(&send(&app, post_query(STANDARD_QUERY)).await);
    assert_eq!(
        send(&app, get("/metrics")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&metrics, get("/graphql")).await.status,
        StatusCode::NOT_FOUND
    );
    let answer = send(&metrics, get("/metrics")).await;
    assert_eq!(answer.status, StatusCode::OK);
    // The service's requests count in the metrics listener's answer.
    let text = answer.text();
    assert!(
        text.lines()
            .any(|line| line
                == r#"http_requests_total{method="POST",route="/graphql",status="200"} 1"#),
        "{text}"
    );
}
