//! Hostile requests through the real router and schema. Each is refused with
//! a clear `extensions.code` without running a single SQL statement (`extensions.cost.sqlStatements == 0`, or refused
//! at the HTTP layer), and the same router answers the next ordinary request
//! exactly. What is already proven in tests/errors.rs and tests/http.rs is
//! not repeated here.

mod common;
use common::*;

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::{Value, json};
use standards_registry::config::DatabaseConfig;
use standards_registry::execution::admission::Admission;
use standards_registry::{SchemaConfig, build_schema, build_schema_with_admission};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A hang guard, not a budget: a request that is not answered at all in
/// this long is stuck, however loaded the machine. What a hostile request
/// costs is bounded by what is counted instead: the statements it runs (0
/// for every refusal here) and the bytes it sends.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Sends `request` through the router (`common::send`), failing the test
/// only if it hangs.
async fn send(app: &Router, request: Request<Body>) -> Answer {
    let what = format!("{} {}", request.method(), request.uri());
    let what = &what[..what.len().min(120)];
    tokio::time::timeout(HANG_GUARD, common::send(app, request))
        .await
        .unwrap_or_else(|_| panic!("{what}: not answered within {HANG_GUARD:?}: stuck"))
}

/// `send` on a thread and runtime of its own, for attacks that may burn
/// CPU without yielding: if the server is stuck, the test still ends (the
/// stuck thread is left to the end of the test process).
async fn send_isolated(app: &Router, request: Request<Body>) -> Answer {
    let (answered, answer) = tokio::sync::oneshot::channel();
    let app = app.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let _ = answered.send(runtime.block_on(async move { send(&app, request).await }));
    });
    tokio::time::timeout(HANG_GUARD, answer)
        .await
        .unwrap_or_else(|_| panic!("not answered within {HANG_GUARD:?}: the server is stuck on it"))
        .expect("the server panicked on it")
}

fn post_with(content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

fn post_request(request: Value) -> Request<Body> {
    post(request.to_string())
}

fn base64url(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// The router still answers an ordinary request, exactly, with one statement.
async fn assert_still_serves(app: &Router) {
    let answer = send(app, post_query(STANDARD_QUERY)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let response = answer.json();
    assert_eq!(response["data"], standard_data(), "{response:#}");
    assert!(response.get("errors").is_none(), "{response:#}");
    assert_eq!(statements(&response), 1, "{response:#}");
}

/// A GraphQL response refusing the whole request before execution: HTTP 200
/// in `application/json`, no `data`, one error coded `code`, and not one SQL
/// statement run. Returns the error's message.
fn refused_before_sql(answer: &Answer, code: &str) -> String {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/json");
    let response = answer.json();
    assert!(response.get("data").is_none(), "{response:#}");
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{response:#}");
    assert_eq!(errors[0]["extensions"]["code"], code, "{response:#}");
    assert_eq!(statements(&response), 0, "{response:#}");
    errors[0]["message"].as_str().expect("a message").to_owned()
}

/// A field error coded `code` at `path`, after `sql` statements (0 when the
/// field is refused before it reads anything). Returns the error's message.
fn field_error(answer: &Answer, path: Value, code: &str, sql: u64) -> String {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let response = answer.json();
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{response:#}");
    assert_eq!(errors[0]["extensions"]["code"], code, "{response:#}");
    assert_eq!(errors[0]["path"], path, "{response:#}");
    assert_eq!(statements(&response), sql, "{response:#}");
    errors[0]["message"].as_str().expect("a message").to_owned()
}

/// A refusal by the HTTP layer: `status`, a JSON body holding one error coded
/// `code` with `message`, and no `data` (the schema never saw the request).
fn refused_by_http(answer: &Answer, status: StatusCode, code: &str, message: &str) {
    assert_eq!(answer.status, status, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/json");
    assert_eq!(
        answer.json(),
        json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
    );
}

/// The sort keys a cursor the server issued at position 0 holds.
fn issued_keys(cursor: &str) -> Value {
    let issued = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).unwrap()).unwrap();
    let (position, keys) = issued.split_once('|').expect("a keyed cursor");
    assert_eq!(position, "offset:0");
    serde_json::from_str(keys).unwrap()
}

/// The ordering name the server's cursors of `standards` carry by default.
async fn issued_ordering(app: &Router) -> Value {
    let page = send(
        app,
        post_query("{ standards(first: 1) { edges { cursor } } }"),
    )
    .await
    .json();
    issued_keys(
        page["data"]["standards"]["edges"][0]["cursor"]
            .as_str()
            .unwrap(),
    )["ordering"]
        .clone()
}

/// The statements looking up committee `code` takes: all a field below it
/// may add to when it is refused before reading anything.
async fn committee_lookup(app: &Router, code: &str) -> u64 {
    let query = format!(r#"{{ committee(code: "{code}") {{ code }} }}"#);
    let response = send(app, post_query(&query)).await.json();
    assert!(response["data"]["committee"].is_object(), "{response:#}");
    statements(&response)
}

/// `open { open { ... leaf ... } }`, `levels` deep.
fn nested(open: &str, levels: usize, leaf: &str) -> String {
    let mut query = leaf.to_owned();
    for _ in 0..levels {
        query = format!("{open} {{ {query} }}");
    }
    query
}

/// The database the test's pool is connected to, as a URL another pool can use.
async fn database_url(test_db: &TestDb) -> String {
    let sql = match test_db.backend {
        Backend::Sqlite => "SELECT file FROM pragma_database_list WHERE name = 'main'",
        Backend::Postgres => "SELECT current_database()",
    };
    let row = test_db
        .db
        .query_one_raw(Statement::from_string(
            test_db.db.get_database_backend(),
            sql,
        ))
        .await
        .expect("the query runs")
        .expect("a row");
    let name: String = row.try_get_by_index(0).expect("a name");
    match test_db.backend {
        Backend::Sqlite => format!("sqlite://{name}"),
        Backend::Postgres => {
            let server = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
            let (base, _) = server.rsplit_once('/').expect("a database in the URL");
            format!("{base}/{name}")
        }
    }
}

on_every_backend! {
    // Guards the parser's recursion limit and `max_depth`: without them a
    // deep query runs a statement per level, or overflows the stack.
    async fn deep_queries_are_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let parents = format!(r#"{{ committee(code: "SC42") {{ {} }} }}"#, nested("parent", 100, "code"));
        let subcommittees = format!(r#"{{ committee(code: "TC28") {{ {} }} }}"#, nested("subcommittees", 100, "code"));
        for query in [&parents, &subcommittees] {
            let message = refused_before_sql(&send_isolated(&app, post_query(query)).await, "GRAPHQL_PARSE_FAILED");
            assert_eq!(message, "recursion limit exceeded.");
            assert_still_serves(&app).await;
        }
        // Within the parser's limit, past `max_depth` (16).
        let twenty = format!(r#"{{ committee(code: "SC42") {{ {} }} }}"#, nested("parent", 20, "code"));
        let message = refused_before_sql(&send_isolated(&app, post_query(&twenty)).await, "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(message, "Query is nested too deep.");
        assert_still_serves(&app).await;

        // 100,000 levels of braces or of list brackets, within the body limit:
        // refused by the parser, not by a stack overflow that kills the process.
        let braces = format!("{{ {} }}", nested("a", 100_000, "b"));
        let lists = format!(
            r#"{{ search(text: {}"x"{}) {{ __typename }} }}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        for query in [&braces, &lists] {
            assert!(query.len() < SchemaConfig::for_tests().max_body_bytes);
            let message = refused_before_sql(&send_isolated(&app, post_query(query)).await, "GRAPHQL_PARSE_FAILED");
            assert!(!message.is_empty());
            assert_still_serves(&app).await;
        }
    }

    // Guards connection::complexity against overflow: ten nested pages of
    // 100 make a complexity of 100^10, which overflowed usize and panicked
    // (in a debug build; wrapped round to a small number in release).
    async fn nested_pages_past_usize_are_too_complex_not_a_panic(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let mut pages = String::from("code");
        for _ in 0..10 {
            pages = format!("standards(first: 100) {{ nodes {{ committee {{ {pages} }} }} }}");
        }
        let query = format!(r#"{{ committee(code: "SC42") {{ {pages} }} }}"#);
        let message = refused_before_sql(&send_isolated(&app, post_query(&query)).await, "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(message, "Query is too complex.");
        assert_still_serves(&app).await;
    }

    // Guards `max_aliases` (64): without it one request asks for a field
    // thousands of times, each a lookup.
    async fn alias_bombs_are_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let roots: String = (0..5000)
            .map(|i| format!(r#"a{i}: committee(code: "SC42") {{ code }} "#))
            .collect();
        let message = refused_before_sql(&send_isolated(&app, post_query(&format!("{{ {roots} }}"))).await, "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(message, "the query holds 5000 aliases; at most 64 are allowed");
        assert_still_serves(&app).await;

        // Aliases below the root and inside a fragment count the same.
        let inner: String = (0..10_000).map(|i| format!("n{i}: name ")).collect();
        let query = format!(r#"{{ committee(code: "SC42") {{ ...F }} }} fragment F on Committee {{ {inner} }}"#);
        let message = refused_before_sql(&send_isolated(&app, post_query(&query)).await, "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(message, "the query holds 10000 aliases; at most 64 are allowed");
        assert_still_serves(&app).await;
    }

    // Guards the fragment checks made before async-graphql walks a document
    // (request_scope.rs, document_limits.rs): its own walks (recursion depth,
    // validation, complexity, execution) follow every spread, so a fragment
    // spreading another twice, n times over, costs 2^n (a 1 KB document of
    // 24 doublings took over two minutes of CPU), and a cycle spreading
    // twice costs 2^32 before its depth limit stops it.
    async fn fragment_cycles_and_bombs_are_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let cycles = [
            ("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", "A"),
            (r#"{ committee(code: "SC42") { ...A } } fragment A on Committee { code parent { ...A } }"#, "A"),
            ("{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...A ...A }", "A"),
        ];
        for (query, fragment) in cycles {
            let message = refused_before_sql(&send_isolated(&app, post_query(query)).await, "GRAPHQL_VALIDATION_FAILED");
            assert_eq!(message, format!("fragment `{fragment}` spreads itself"), "{query}");
            assert_still_serves(&app).await;
        }

        // 2^22 fields: refused at once, however many doublings.
        let mut bomb = String::from(r#"{ committee(code: "SC42") { ...F22 } } fragment F0 on Committee { code }"#);
        for i in 1..=22 {
            bomb.push_str(&format!(" fragment F{i} on Committee {{ ...F{j} ...F{j} }}", j = i - 1));
        }
        let message = refused_before_sql(&send_isolated(&app, post_query(&bomb)).await, "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(message, "Query is too complex.");
        assert_still_serves(&app).await;

        // A few doublings stay a fine query: fragments are not refused as such.
        let mut small = String::from(r#"{ committee(code: "SC42") { ...F4 } } fragment F0 on Committee { code }"#);
        for i in 1..=4 {
            small.push_str(&format!(" fragment F{i} on Committee {{ ...F{j} ...F{j} }}", j = i - 1));
        }
        let answer = send(&app, post_query(&small)).await;
        assert_eq!(answer.json()["data"], json!({ "committee": { "code": "SAC/TC28/SC42" } }));
    }

    // Guards `max_body_bytes` (1 MiB) on a body ten times over it, sent
    // whole, declared in Content-Length, and streamed over a real socket.
    async fn ten_megabyte_bodies_are_refused_at_the_http_layer(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let max = SchemaConfig::for_tests().max_body_bytes;
        let too_large = format!("the request body is larger than {max} bytes");
        let padding = " ".repeat(10 * 1024 * 1024);
        let body = json!({ "query": format!("{padding}{STANDARD_QUERY}") }).to_string();

        let answer = send(&app, post(body.clone())).await;
        refused_by_http(&answer, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", &too_large);
        assert_still_serves(&app).await;

        let declared = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body.clone()))
            .unwrap();
        refused_by_http(&send(&app, declared).await, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", &too_large);
        assert_still_serves(&app).await;

        // Over a real socket: chunked, and declared but never sent (the
        // answer must not wait for 10 MB that never come).
        let (address, server) = serve(app.clone()).await;
        let head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        let mut chunked = Vec::from(head.as_bytes());
        for chunk in body.as_bytes().chunks(64 * 1024) {
            chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            chunked.extend_from_slice(chunk);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let (status, answer) = exchange(address, chunked).await;
        assert_eq!(status, 413, "{answer}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");

        let promise = format!(
            "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{\"query\":",
            body.len()
        );
        let (status, answer) = exchange(address, promise.into_bytes()).await;
        assert_eq!(status, 413, "{answer}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");

        // A 10 MB query string: hyper refuses the request head.
        let request = format!("GET /graphql?query={padding} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let status = exchange_status(address, request.into_bytes()).await;
        assert!(status.is_none_or(|status| (400..500).contains(&status)), "{status:?}");
        server.abort();
        assert_still_serves(&app).await;
    }

    // Guards the UTF-8 check of bodies and query strings: bytes that are
    // not UTF-8 are a 400, not a panic or a lossy query.
    async fn bodies_that_are_not_utf8_are_refused_with_400(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let not_json = "the body is not a GraphQL request in JSON";
        let mut bodies: Vec<Vec<u8>> = Vec::new();
        for bad in [&b"\xff\xfe"[..], b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"] {
            let mut body = br#"{"query": "{ __typename "#.to_vec();
            body.extend_from_slice(bad);
            body.extend_from_slice(br#" }"}"#);
            bodies.push(body);
        }
        // A lone surrogate escape, a UTF-8 byte order mark, UTF-16.
        bodies.push(br#"{"query": "{ __typename } \ud800"}"#.to_vec());
        bodies.push([&b"\xef\xbb\xbf"[..], br#"{"query": "{ __typename }"}"#].concat());
        bodies.push(
            [0xffu8, 0xfe].into_iter()
                .chain(r#"{"query": "{ __typename }"}"#.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
        );
        for body in bodies {
            let answer = send(&app, post(body.clone())).await;
            refused_by_http(&answer, StatusCode::BAD_REQUEST, "BAD_REQUEST", not_json);
            assert_still_serves(&app).await;
        }
        // The same in a GET's query string.
        let get = Request::get("/graphql?query=%7B%20__typename%20%FF%FE%20%7D").body(Body::empty()).unwrap();
        refused_by_http(&send(&app, get).await, StatusCode::BAD_REQUEST, "BAD_REQUEST", "the query string is not a GraphQL request");
        assert_still_serves(&app).await;
    }

    // Guards the reading of POST bodies: every JSON that is not a GraphQL
    // request (or batch of them) is a 400 naming what is wrong; JSON nested
    // past serde_json's recursion limit is refused, not a stack overflow.
    async fn bodies_that_are_not_graphql_requests_are_refused_with_400(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let not_json = "the body is not a GraphQL request in JSON";
        let no_query = "`query` must be a string holding a GraphQL document";
        let deep_array = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep_variables = format!(
            r#"{{"query": "{{ __typename }}", "variables": {{"v": {}1{}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let cases: Vec<(String, &str)> = vec![
            ("null".into(), not_json),
            ("42".into(), not_json),
            ("true".into(), not_json),
            (r#""{ __typename }""#.into(), not_json),
            ("{ __typename }".into(), not_json),
            ("query=%7B__typename%7D".into(), not_json),
            (r#"{"query": "{ __typename }"} trailing"#.into(), not_json),
            (r#"{"query": "{ __typename }""#.into(), not_json),
            ("\0\0\0\0".into(), not_json),
            (deep_array, not_json),
            (deep_variables, not_json),
            ("[]".into(), "a batch must hold at least one operation"),
            ("[1]".into(), "each operation of a batch must be a JSON object"),
            (r#"[[{"query": "{ __typename }"}]]"#.into(), "each operation of a batch must be a JSON object"),
            (r#"{"query": 42}"#.into(), no_query),
            (r#"{"query": null}"#.into(), no_query),
            (r#"{"query": ["{ __typename }"]}"#.into(), no_query),
            (r#"{"query": "{ __typename }", "variables": [1]}"#.into(), "`variables` must be a JSON object"),
            (r#"{"query": "{ __typename }", "variables": "{}"}"#.into(), "`variables` must be a JSON object"),
            (r#"{"query": "{ __typename }", "extensions": "x"}"#.into(), "`extensions` must be a JSON object"),
            (r#"{"query": "{ __typename }", "operationName": 5}"#.into(), "`operationName` must be a string"),
        ];
        for (body, message) in cases {
            let answer = send(&app, post(body.clone())).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}: {}", &body[..body.len().min(80)], answer.text());
            refused_by_http(&answer, StatusCode::BAD_REQUEST, "BAD_REQUEST", message);
            assert_still_serves(&app).await;
        }
    }

    // Guards the Content-Type check: a POST body must be application/json
    // (in UTF-8), whatever it holds: forms, multipart and plain text are 415.
    async fn wrong_content_types_are_refused_with_415(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let unsupported = "a POST body must be application/json in UTF-8";
        let json_body = json!({ "query": STANDARD_QUERY }).to_string();
        let form_body = format!("query={}", url_encode(STANDARD_QUERY));
        let multipart_body = format!(
            "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{json_body}\r\n--x--\r\n"
        );
        let cases = [
            ("text/plain", json_body.clone()),
            ("text/plain; charset=utf-8", json_body.clone()),
            ("multipart/form-data; boundary=x", multipart_body),
            ("application/x-www-form-urlencoded", form_body),
            ("application/graphql", STANDARD_QUERY.to_owned()),
            ("application/json; charset=iso-8859-1", json_body.clone()),
            ("application/jsonx", json_body.clone()),
            ("application", json_body.clone()),
        ];
        for (content_type, body) in cases {
            let answer = send(&app, post_with(content_type, body)).await;
            refused_by_http(&answer, StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_REQUEST", unsupported);
            assert_still_serves(&app).await;
        }
        let missing = Request::post("/graphql").body(Body::from(json_body.clone())).unwrap();
        refused_by_http(&send(&app, missing).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_REQUEST", unsupported);
        // The right type, however it is spelled, is served.
        let answer = send(&app, post_with(r#"Application/JSON; Charset="UTF-8""#, json_body)).await;
        assert_eq!(answer.json()["data"], standard_data());
    }

    // Guards the page-size checks, made before any statement: the largest
    // and smallest Int as `first`/`last` on every list, and past Int.
    async fn huge_page_sizes_are_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let too_many = |name: &str| format!("`{name}` must be at most 100; page through longer lists with cursors");
        let root = [
            ("standards(first: 2147483647) { totalCount }", "standards", too_many("first")),
            ("standards(last: 2147483647, before: \"b2Zmc2V0OjU\") { totalCount }", "standards", too_many("last")),
            ("standards(first: -2147483648) { totalCount }", "standards", "`first` must not be negative".to_owned()),
            ("standards(last: -2147483648) { totalCount }", "standards", "`last` must not be negative".to_owned()),
            ("committees(first: 2147483647) { totalCount }", "committees", too_many("first")),
            ("workingGroups(first: 2147483647) { totalCount }", "workingGroups", too_many("first")),
            ("experts(first: 2147483647) { totalCount }", "experts", too_many("first")),
            ("liaisons(first: 2147483647) { totalCount }", "liaisons", too_many("first")),
            (r#"search(text: "cloud", first: 2147483647) { __typename }"#, "search", "`first` must be between 0 and 100".to_owned()),
            (r#"search(text: "cloud", first: -1) { __typename }"#, "search", "`first` must be between 0 and 100".to_owned()),
        ];
        for (field, name, expected) in root {
            let answer = send(&app, post_query(&format!("{{ {field} }}"))).await;
            let message = field_error(&answer, json!([name]), "BAD_USER_INPUT", 0);
            assert_eq!(message, expected, "{field}");
            assert_still_serves(&app).await;
        }
        // Below a committee: only the committee is read.
        let lookup = committee_lookup(&app, "SC42").await;
        for (field, name) in [("standards(first: 2147483647) { totalCount }", "standards"), ("workingGroups(first: 2147483647) { totalCount }", "workingGroups")] {
            let query = format!(r#"{{ committee(code: "SC42") {{ {field} }} }}"#);
            let message = field_error(&send(&app, post_query(&query)).await, json!(["committee", name]), "BAD_USER_INPUT", lookup);
            assert_eq!(message, too_many("first"));
            assert_still_serves(&app).await;
        }
        // Past Int: a validation error in the document, a request error in variables.
        let message = refused_before_sql(&send(&app, post_query("{ standards(first: 2147483648) { totalCount } }")).await, "GRAPHQL_VALIDATION_FAILED");
        assert!(message.contains("Only integers from -2147483648 to 2147483647 are accepted"), "{message}");
        for n in [json!(2147483648u64), json!(1e300), json!(-9007199254740993i64)] {
            let request = json!({ "query": "query($n: Int) { standards(first: $n) { totalCount } }", "variables": { "n": n } });
            let message = refused_before_sql(&send(&app, post_request(request)).await, "BAD_USER_INPUT");
            assert_eq!(message, format!(r#"Variable "$n" got invalid value {n}; expected type "Int"."#));
            assert_still_serves(&app).await;
        }
    }

    // Guards the cursor checks on every list (tests/errors.rs covers a few
    // forged cursors on `standards`): garbage, padding, huge and overflowing
    // positions are BAD_USER_INPUT before any statement. A position past
    // usize overflowed `position + 1` (a panic), one past i64 made the SQL
    // driver panic on SQLite.
    async fn forged_and_garbage_cursors_are_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let lookup = committee_lookup(&app, "SC42").await;
        let huge = "A".repeat(100_000);
        let cursors = [
            huge.as_str(),
            "ü",
            "\u{0}",
            "b2Zmc2V0OjE=",
            "b2Zmc2V0+jE/",
            &base64url("offset:18446744073709551615"),
            &base64url("offset:18446744073709551610"),
            &base64url("offset:9223372036854775808"),
            &base64url("offset:2147483648"),
            &base64url("offset:99999999999999999999999"),
            &base64url("offset:1; DROP TABLE standard"),
            &base64url("offset:0|not json"),
            &base64url("offset:18446744073709551615|{\"ordering\":\"code\",\"values\":[\"x\",1]}"),
        ]
        .map(str::to_owned);
        let root = [
            ("standards", "standards(after: $c) { totalCount }"),
            ("standards", "standards(before: $c, last: 2) { totalCount }"),
            ("committees", "committees(after: $c) { totalCount }"),
            ("workingGroups", "workingGroups(after: $c) { totalCount }"),
            ("experts", "experts(after: $c) { totalCount }"),
            ("liaisons", "liaisons(after: $c) { totalCount }"),
        ];
        for cursor in &cursors {
            for (name, field) in root {
                let request = json!({ "query": format!("query($c: String) {{ {field} }}"), "variables": { "c": cursor } });
                let answer = send(&app, post_request(request)).await;
                let message = field_error(&answer, json!([name]), "BAD_USER_INPUT", 0);
                assert!(message.ends_with("is not a cursor issued by this registry"), "{field} {}: {message}", &cursor[..cursor.len().min(40)]);
                assert!(message.len() < 200, "the message echoes the whole cursor: {}", message.len());
            }
            for (name, field) in [("standards", "standards(after: $c) { totalCount }"), ("workingGroups", "workingGroups(after: $c) { totalCount }")] {
                let request = json!({ "query": format!(r#"query($c: String) {{ committee(code: "SC42") {{ {field} }} }}"#), "variables": { "c": cursor } });
                let answer = send(&app, post_request(request)).await;
                field_error(&answer, json!(["committee", name]), "BAD_USER_INPUT", lookup);
            }
            assert_still_serves(&app).await;
        }
    }

    // Guards keyset cursors: sort keys this server did not write (of the
    // wrong type or shape) page as a plain position does; a number compared
    // with a text column was an SQL error on PostgreSQL (an internal error
    // for a client's mistake), and nulls matched no row.
    async fn forged_sort_keys_in_cursors_are_refused_or_ignored(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let page = send(&app, post_query("{ standards(first: 2) { edges { cursor node { code } } } }")).await.json();
        let edges = &page["data"]["standards"]["edges"];
        let second = edges[1]["node"]["code"].clone();
        let keys = issued_keys(edges[0]["cursor"].as_str().unwrap());
        let first_code = keys["values"][0].clone();
        let forged = [
            json!([123, 1]),
            json!([{ "a": 1 }, [1]]),
            json!([true, 1.5]),
            json!([]),
            json!([first_code]),
            json!([null, null]),
            json!([first_code, "1"]),
            json!([first_code, 99999999999999999999.0]),
            json!([first_code, 1, 2]),
        ];
        for values in forged {
            let cursor = base64url(&format!("offset:0|{}", json!({ "ordering": keys["ordering"], "values": values })));
            let request = json!({ "query": "query($c: String) { standards(first: 1, after: $c) { nodes { code } } }", "variables": { "c": cursor } });
            let answer = send(&app, post_request(request)).await;
            assert_eq!(answer.status, StatusCode::OK);
            let response = answer.json();
            // Keys that do not fit the ordering are left aside: the position
            // holds, and the row after the first is the second.
            assert!(response.get("errors").is_none(), "{values}: {response:#}");
            assert_eq!(response["data"]["standards"]["nodes"], json!([{ "code": second }]), "{values}");
            assert_still_serves(&app).await;
        }
    }

    // Guards the string arguments tests/errors.rs does not feed SQL-looking
    // text: ids, federation representations, a working group's standards
    // filter and sort keys in a cursor. Only text: nothing found, nothing changed.
    async fn sql_looking_strings_in_ids_entities_and_group_filters_are_only_text(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let before = send(&app, post_query("{ standards { totalCount } committees { totalCount } workingGroups { totalCount } experts { totalCount } liaisons { totalCount } }")).await.json();
        let ordering = issued_ordering(&app).await;
        for text in ["' OR 1=1 --", "\"; DROP TABLE standard; --", "1; DELETE FROM committee", "%", "_", "\\"] {
            let request = json!({
                "query": r#"query($s: ID!, $committee: ID!, $standard: ID!, $expert: ID!) {
                    byId: node(id: $s) { id }
                    committee: node(id: $committee) { id }
                    standard: node(id: $standard) { id }
                    expert: expert(id: $expert) { id }
                }"#,
                "variables": {
                    "s": text,
                    "committee": base64url(&format!("Committee:{text}")),
                    "standard": base64url(&format!("Standard:{text}")),
                    "expert": base64url(&format!("Expert:{text}")),
                },
            });
            let response = send(&app, post_request(request)).await.json();
            // `byId` fails (the raw text is no id): null or left out.
            assert!(response["data"]["byId"].is_null(), "{text:?}: {response:#}");
            for field in ["committee", "standard", "expert"] {
                assert_eq!(response["data"][field], Value::Null, "{text:?}: {response:#}");
                assert!(response["data"].get(field).is_some(), "{text:?}: {response:#}");
            }
            let errors = response["errors"].as_array().expect("an error");
            assert_eq!(errors.len(), 1, "{response:#}");
            assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT");
            assert_eq!(errors[0]["path"], json!(["byId"]));

            let request = json!({
                "query": r#"query($r: [_Any!]!, $s: String!) {
                    _entities(representations: $r) { __typename }
                    workingGroup(code: "SAC/TC28/WG34") {
                        byText: standards(filter: { text: $s }) { totalCount }
                        byCommittee: standards(filter: { committee: $s }) { totalCount }
                        byGroup: standards(filter: { workingGroup: $s }) { totalCount }
                    }
                }"#,
                "variables": {
                    "s": text,
                    "r": [
                        { "__typename": "Committee", "code": text },
                        { "__typename": "WorkingGroup", "code": text },
                        { "__typename": "Standard", "code": text },
                        { "__typename": "Expert", "id": text },
                        { "__typename": "Liaison", "id": text },
                    ],
                },
            });
            let response = send(&app, post_request(request)).await.json();
            assert!(response.get("errors").is_none(), "{text:?}: {response:#}");
            assert_eq!(response["data"], json!({
                "_entities": [null, null, null, null, null],
                "workingGroup": {
                    "byText": { "totalCount": 0 },
                    "byCommittee": { "totalCount": 0 },
                    "byGroup": { "totalCount": 0 },
                },
            }), "{text:?}");

            // As a sort key of a cursor: a bound value, not SQL.
            let cursor = base64url(&format!(r#"offset:0|{}"#, json!({ "ordering": ordering, "values": [text, 1] })));
            let request = json!({ "query": "query($c: String) { standards(first: 1, after: $c) { totalCount } }", "variables": { "c": cursor } });
            let response = send(&app, post_request(request)).await.json();
            assert!(response.get("errors").is_none(), "{text:?}: {response:#}");
            assert_still_serves(&app).await;
        }
        let after = send(&app, post_query("{ standards { totalCount } committees { totalCount } workingGroups { totalCount } experts { totalCount } liaisons { totalCount } }")).await.json();
        assert_eq!(after["data"], before["data"]);
    }

    // Guards the choice of operation: a name the document does not hold is
    // a request error before any statement, never "run the first one".
    async fn unknown_operation_names_are_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let long = "x".repeat(100_000);
        let cases = [
            (r#"query q { standard(code: "GB/T 45993-2025") { code } }"#, "nope"),
            (r#"query q { standard(code: "GB/T 45993-2025") { code } } query r { __typename }"#, "Q"),
            (r#"{ standard(code: "GB/T 45993-2025") { code } }"#, "q"),
            (r#"query q { standard(code: "GB/T 45993-2025") { code } }"#, long.as_str()),
        ];
        for (query, name) in cases {
            let request = json!({ "query": query, "operationName": name });
            let message = refused_before_sql(&send(&app, post_request(request.clone())).await, "BAD_USER_INPUT");
            assert_eq!(message, format!(r#"Unknown operation named "{name}""#));
            // With GraphQL over HTTP's own media type, a request error is a 400.
            let mut request = post_request(request);
            request.headers_mut().insert(header::ACCEPT, header::HeaderValue::from_static("application/graphql-response+json"));
            let answer = send(&app, request).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text());
            assert_eq!(statements(&answer.json()), 0);
            assert_still_serves(&app).await;
        }
        let uri = format!("/graphql?query={}&operationName=nope", url_encode(cases[0].0));
        let get = Request::get(uri).body(Body::empty()).unwrap();
        let message = refused_before_sql(&send(&app, get).await, "BAD_USER_INPUT");
        assert_eq!(message, r#"Unknown operation named "nope""#);
        assert_still_serves(&app).await;
    }

    // Guards `max_complexity` (300,000): three nested pages of 100 are
    // within `max_depth` but ask for about a million rows.
    async fn a_query_over_the_complexity_limit_is_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let query = "{ standards(first: 100) { nodes { committee { standards(first: 100) { nodes { committee { standards(first: 100) { nodes { code title } } } } } } } } }";
        let message = refused_before_sql(&send(&app, post_query(query)).await, "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(message, "Query is too complex.");
        assert_still_serves(&app).await;
        // One level less is served.
        let query = "{ standards(first: 2) { nodes { committee { standards(first: 2) { nodes { code } } } } } }";
        let response = send(&app, post_query(query)).await.json();
        assert!(response.get("errors").is_none(), "{response:#}");
    }

    // Guards `max_root_fields` (32), counted through fragments too: without
    // it a request asks for every list at once, many times over.
    async fn too_many_root_fields_are_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let repeated = format!("{{ {} }}", "committees { totalCount } ".repeat(1000));
        let aliased: String = (0..40).map(|i| format!("s{i}: standards {{ totalCount }} ")).collect();
        let spread: String = (0..20).map(|i| format!("f{i}: committees {{ totalCount }} ")).collect();
        let inline: String = (0..20).map(|i| format!("i{i}: experts {{ totalCount }} ")).collect();
        let cases = [
            (repeated, 1000),
            (format!("{{ {aliased} }}"), 40),
            (format!("{{ ...F ... on Query {{ {inline} }} }} fragment F on Query {{ {spread} }}"), 40),
        ];
        for (query, count) in cases {
            let message = refused_before_sql(&send(&app, post_query(&query)).await, "GRAPHQL_VALIDATION_FAILED");
            assert_eq!(message, format!("the query asks for {count} root fields; at most 32 are allowed"));
            assert_still_serves(&app).await;
        }
    }

    // Guards `max_batch` (16) on a batch of 50,000 operations, and shows a
    // batch within the limit is no way around the other limits.
    async fn batches_over_the_limit_or_of_attacks_are_refused(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let huge = Value::Array(vec![json!({ "query": "" }); 50_000]).to_string();
        assert!(huge.len() < SchemaConfig::for_tests().max_body_bytes);
        refused_by_http(&send(&app, post(huge)).await, StatusCode::BAD_REQUEST, "BAD_REQUEST", "a batch may hold at most 16 operations");
        assert_still_serves(&app).await;

        let aliases: String = (0..100).map(|i| format!(r#"a{i}: committee(code: "SC42") {{ code }} "#)).collect();
        let mut batch = vec![json!({ "query": format!("{{ {aliases} }}") }); 15];
        batch.push(json!({ "query": STANDARD_QUERY }));
        let answer = send(&app, post_request(Value::Array(batch))).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        let answers = answer.json();
        let answers = answers.as_array().expect("a batch answers an array");
        assert_eq!(answers.len(), 16);
        for refused in &answers[..15] {
            assert_eq!(refused["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{refused:#}");
            assert_eq!(statements(refused), 0);
            assert!(refused.get("data").is_none());
        }
        assert_eq!(answers[15]["data"], standard_data());
        assert_still_serves(&app).await;
    }

    // Guards `max_text_length` (200 characters, after trimming) on `search`
    // and on standards filters, root and nested.
    async fn text_over_the_limit_is_refused_before_any_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let app = router(&test_db);
        let expected = "search text must be at most 200 characters";
        let lookup = committee_lookup(&app, "TC28").await;
        for text in ["x".repeat(201), "é".repeat(201), "字".repeat(201), "cloud ".repeat(150_000)] {
            for (path, query) in [
                (json!(["search"]), "query($t: String!) { search(text: $t) { __typename } }"),
                (json!(["standards"]), "query($t: String!) { standards(filter: { text: $t }) { totalCount } }"),
            ] {
                let request = json!({ "query": query, "variables": { "t": text } });
                let message = field_error(&send(&app, post_request(request)).await, path, "BAD_USER_INPUT", 0);
                assert_eq!(message, expected);
            }
            let request = json!({ "query": r#"query($t: String!) { committee(code: "TC28") { standards(filter: { text: $t }) { totalCount } } }"#, "variables": { "t": text } });
            let message = field_error(&send(&app, post_request(request)).await, json!(["committee", "standards"]), "BAD_USER_INPUT", lookup);
            assert_eq!(message, expected);
            assert_still_serves(&app).await;
        }
        // At the limit, and padded with white space: served.
        let at_limit = json!({ "query": "query($t: String!) { search(text: $t) { __typename } }", "variables": { "t": "字".repeat(200) } });
        assert_eq!(send(&app, post_request(at_limit)).await.json()["data"], json!({ "search": [] }));
        let padded = format!("{}45993{}", " ".repeat(1000), "\t".repeat(1000));
        let request = json!({ "query": "query($t: String!) { search(text: $t) { ... on Standard { code } } }", "variables": { "t": padded } });
        assert_eq!(send(&app, post_request(request)).await.json()["data"], json!({ "search": [{ "code": "GB/T 45993-2025" }] }));
    }

    // Guards the request time limit: a request that waits on the database
    // (on PostgreSQL for a connection, all of them held) is stopped at
    // `request_timeout_ms` with REQUEST_TIMEOUT, not left to the pool's
    // acquire timeout, and the server answers once the connection is free.
    async fn the_time_limit_stops_a_request_waiting_for_a_connection(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let url = database_url(&test_db).await;
        let pool = standards_registry::db::connect(&DatabaseConfig {
            max_connections: Some(1),
            acquire_timeout_ms: 4_000,
            ..DatabaseConfig::for_url(url)
        })
        .await
        .expect("a pool of one");
        // A short limit only for the request that must be stopped; what must
        // be served goes through a router with the default limit, so a loaded
        // machine cannot fail it.
        let short = SchemaConfig { request_timeout_ms: 300, ..SchemaConfig::for_tests() };
        let app = standards_registry::app(build_schema(pool.clone(), &short), pool.clone(), &short);
        let served = standards_registry::app(build_schema(pool.clone(), &SchemaConfig::for_tests()), pool.clone(), &SchemaConfig::for_tests());
        assert_still_serves(&served).await;

        let held = pool.begin().await.expect("the only connection");
        let response = send(&app, post_query(STANDARD_QUERY)).await.json();
        match backend {
            // Stopped by the request's limit (its message), not by the pool's
            // acquire timeout (another error).
            Backend::Postgres => assert_request_timeout(&response, 300),
            // Reads on SQLite do not take a pooled connection (they read the
            // file in place, `sqlite_reads.rs`): a held pool does not stop them.
            Backend::Sqlite => assert_eq!(response["data"], standard_data(), "{response:#}"),
        }
        held.rollback().await.expect("rolled back");
        assert_still_serves(&served).await;
    }

    // A burst of large queries waits for the complexity budget instead of
    // building every answer in memory at once; a request that cannot start
    // within its time limit is stopped having run no statement, and gives
    // its place back.
    async fn requests_wait_for_the_complexity_budget(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let config = SchemaConfig {
            request_timeout_ms: 300,
            max_complexity_in_flight: 1_000,
            ..SchemaConfig::for_tests()
        };
        let admission = Admission::new(config.max_complexity_in_flight);
        let schema = build_schema_with_admission(test_db.db.clone(), &config, admission.clone());
        let app = standards_registry::app(schema, test_db.db.clone(), &config);
        // What must be served shares the budget, with the default time limit.
        let patient = SchemaConfig { max_complexity_in_flight: 1_000, ..SchemaConfig::for_tests() };
        let schema = build_schema_with_admission(test_db.db.clone(), &patient, admission.clone());
        let served = standards_registry::app(schema, test_db.db.clone(), &patient);
        // Requests already running hold all but 10 units.
        let running = admission.admit(990).await.expect("the budget");
        let small = send(&served, post_query(STANDARD_QUERY)).await.json();
        assert_eq!(small["data"], standard_data(), "complexity 1 fits: {small:#}");
        assert_eq!(small["extensions"]["cost"]["complexity"], 1);

        let large = "{ standards(first: 100) { nodes { code } } }";
        let started = Instant::now();
        let stopped = send(&app, post_query(large)).await.json();
        assert_request_timeout(&stopped, 300);
        assert_eq!(stopped["extensions"]["cost"]["sqlStatements"], 0, "{stopped:#}");
        assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
        assert_eq!(admission.available(), 10, "the stopped request holds nothing");

        drop(running);
        let answered = send(&served, post_query(large)).await.json();
        assert!(answered.get("errors").is_none(), "{answered:#}");
        assert_eq!(answered["data"]["standards"]["nodes"].as_array().unwrap().len(), 100);
        assert_eq!(admission.available(), 1_000, "every request gave its units back");
    }
}

/// The answer to a request stopped by the time limit of `limit_ms`.
fn assert_request_timeout(response: &Value, limit_ms: u64) {
    assert!(response["data"].is_null(), "{response:#}");
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{response:#}");
    assert_eq!(
        errors[0]["message"],
        format!("the request took longer than {limit_ms} ms and was stopped")
    );
    assert_eq!(errors[0]["extensions"]["code"], "REQUEST_TIMEOUT");
}

// Guards the request time limit on a statement the database itself makes
// wait: another session holds an exclusive lock on the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_POSTGRES_URL to run against PostgreSQL"
)]
async fn the_time_limit_stops_a_query_waiting_on_a_postgres_lock() {
    let test_db = TestDb::with_dataset(Backend::Postgres).await;
    let config = SchemaConfig {
        request_timeout_ms: 300,
        ..SchemaConfig::for_tests()
    };
    let app = router_with(&test_db, &config);
    // What must be served, with the default time limit.
    let served = router(&test_db);
    assert_still_serves(&served).await;

    let locker = test_db.db.begin().await.expect("a transaction");
    locker
        .execute_unprepared("LOCK TABLE standard IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("the lock");
    let response = send(&app, post_query(STANDARD_QUERY)).await.json();
    assert_request_timeout(&response, 300);
    locker.rollback().await.expect("the lock is released");
    assert_still_serves(&served).await;
}

/// Serves `app` on a loopback port; abort the task to stop.
async fn serve(app: Router) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (address, server)
}

/// Writes `request` (ignoring a server that stops reading early) and reads
/// the answer: its status and JSON body.
async fn exchange(address: std::net::SocketAddr, request: Vec<u8>) -> (u16, Value) {
    let raw = exchange_raw(address, request).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let status = status_of(head).expect("a status line");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, json)
}

/// The status of the answer to `request`, `None` if the server closed the
/// connection without one.
async fn exchange_status(address: std::net::SocketAddr, request: Vec<u8>) -> Option<u16> {
    let raw = exchange_raw(address, request).await;
    status_of(&String::from_utf8_lossy(&raw))
}

async fn exchange_raw(address: std::net::SocketAddr, request: Vec<u8>) -> Vec<u8> {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        // The server may answer and close before reading it all.
        let _ = writer.write_all(&request).await;
        let _ = writer.shutdown().await;
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(HANG_GUARD, async {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within {HANG_GUARD:?}: stuck");
    writing.abort();
    raw
}

fn status_of(head: &str) -> Option<u16> {
    head.lines()
        .next()?
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
