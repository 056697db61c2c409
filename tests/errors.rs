//! Bad input gets a clear error with `extensions.code`, never a panic, a wrong answer or a leak of SQL.

mod common;
use common::*;

use async_graphql::{Request, Variables};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use standards_registry::RegistrySchema;

/// Runs `query` and checks that it failed with exactly one error at `path`
/// coded `code`; returns the error's message.
async fn single_error(schema: &RegistrySchema, query: &str, path: &str, code: &str) -> String {
    let response = execute(schema, query).await;
    let errors = response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected an error: {response:#}"));
    assert_eq!(errors.len(), 1, "{response:#}");
    let error = &errors[0];
    assert_eq!(error["extensions"]["code"], code, "{response:#}");
    assert_eq!(error["path"], json!([path]), "{response:#}");
    error["message"].as_str().expect("a message").to_owned()
}

/// The global id of a committee, as the schema issues it.
async fn committee_id(schema: &RegistrySchema, code: &str) -> String {
    let data = data(
        schema,
        &format!(r#"{{ committee(code: "{code}") {{ id }} }}"#),
    )
    .await;
    data["committee"]["id"].as_str().expect("an id").to_owned()
}

/// base64url without padding, as the service writes ids and cursors.
fn base64url(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

const SQL_LOOKING: [&str; 5] = ["' OR 1=1 --", "\"; DROP TABLE standard; --", "%", "_", "\\"];

/// Every string argument of the schema, fed the same variable.
const EVERY_STRING_ARGUMENT: &str = r#"query($s: String!) {
    committee(code: $s) { code }
    standard(code: $s) { code }
    workingGroup(code: $s) { code }
    search(text: $s) { __typename }
    byText: standards(filter: { text: $s }) { totalCount nodes { code } }
    byCommittee: standards(filter: { committee: $s }) { totalCount }
    byGroup: standards(filter: { workingGroup: $s }) { totalCount }
    workingGroups(committee: $s) { totalCount }
    committeeStandards: committee(code: "SAC/TC28") { standards(filter: { text: $s }) { totalCount } }
}"#;

/// How many records the dataset file lists under `key`.
fn dataset_count(key: &str) -> usize {
    let dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
    dataset[key].as_array().map_or(0, Vec::len)
}

/// Whether any code, name, alias or title the search reads contains `text`,
/// ignoring case: if none does, "no hits" is the right answer.
fn dataset_mentions(text: &str) -> bool {
    let dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
    let text = text.to_lowercase();
    [
        ("committees", &["code", "name", "aliases"][..]),
        ("workingGroups", &["code", "name", "aliases"][..]),
        ("standards", &["code", "title"][..]),
        ("experts", &["name"][..]),
    ]
    .iter()
    .flat_map(|(list, fields)| {
        dataset[*list]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(move |record| fields.iter().map(move |field| record[*field].clone()))
    })
    .flat_map(|value| match value {
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    })
    .any(|value| value.to_lowercase().contains(&text))
}

on_every_backend! {
    async fn page_sizes_out_of_range_are_bad_user_input(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let message = single_error(&schema, "{ standards(first: 101) { totalCount } }", "standards", "BAD_USER_INPUT").await;
        assert!(message.contains("100"), "{message}");
        let message = single_error(&schema, "{ standards(first: -1) { totalCount } }", "standards", "BAD_USER_INPUT").await;
        assert!(message.contains("negative"), "{message}");
        let message = single_error(&schema, "{ standards(last: 2147483647) { totalCount } }", "standards", "BAD_USER_INPUT").await;
        assert!(message.contains("100"), "{message}");
        // The boundary itself is allowed.
        assert_eq!(
            data(&schema, "{ standards(first: 100) { totalCount } }").await,
            json!({ "standards": { "totalCount": dataset_count("standards") } })
        );
    }

    async fn cursors_not_issued_by_the_service_are_bad_user_input(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let forged = [
            "garbage".to_owned(),
            base64url("hello:1"),
            base64url("offset:-1"),
            base64url("offset:ten"),
            base64url("Committee:SAC/TC28"),
        ];
        for cursor in &forged {
            for argument in ["after", "before"] {
                let query = format!(r#"{{ standards({argument}: "{cursor}") {{ totalCount }} }}"#);
                let message = single_error(&schema, &query, "standards", "BAD_USER_INPUT").await;
                assert!(message.contains("cursor"), "{query}: {message}");
            }
        }
        // A cursor the service issued is accepted and leads to the next row.
        let two = data(&schema, "{ standards(first: 2) { nodes { code } } }").await;
        let page = data(&schema, "{ standards(first: 1) { pageInfo { endCursor } } }").await;
        let cursor = page["standards"]["pageInfo"]["endCursor"].as_str().unwrap();
        let query = format!(r#"{{ standards(first: 1, after: "{cursor}") {{ nodes {{ code }} pageInfo {{ hasPreviousPage }} }} }}"#);
        assert_eq!(
            data(&schema, &query).await,
            json!({ "standards": { "nodes": [two["standards"]["nodes"][1]], "pageInfo": { "hasPreviousPage": true } } })
        );
    }

    async fn ids_not_issued_by_the_service_are_bad_user_input(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let message = single_error(&schema, r#"{ node(id: "nope") { id } }"#, "node", "BAD_USER_INPUT").await;
        assert!(message.contains("nope"), "{message}");
        let message = single_error(
            &schema,
            &format!(r#"{{ node(id: "{}") {{ id }} }}"#, base64url("Nope:x")),
            "node",
            "BAD_USER_INPUT",
        )
        .await;
        assert!(message.contains("not an id"), "{message}");

        let committee = committee_id(&schema, "SAC/TC28").await;
        let query = format!(r#"{{ expert(id: "{committee}") {{ name }} }}"#);
        let message = single_error(&schema, &query, "expert", "BAD_USER_INPUT").await;
        assert!(message.contains("Expert"), "{message}");
        // The committee's id is a good id, of a committee.
        let query = format!(r#"{{ node(id: "{committee}") {{ ... on Committee {{ code }} }} }}"#);
        assert_eq!(data(&schema, &query).await, json!({ "node": { "code": "SAC/TC28" } }));
        // A well-formed id of no record answers null.
        let query = format!(r#"{{ node(id: "{}") {{ id }} }}"#, base64url("Committee:SAC/TC999"));
        assert_eq!(data(&schema, &query).await, json!({ "node": null }));
    }

    async fn unknown_codes_answer_null(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let data = data(
            &test_db.schema(),
            r#"{
                committee(code: "SAC/TC999") { code }
                standard(code: "GB/T 0-0000") { code }
                workingGroup(code: "nope") { code }
            }"#,
        )
        .await;
        assert_eq!(data, json!({ "committee": null, "standard": null, "workingGroup": null }));
    }

    async fn sql_looking_strings_are_only_text(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        for text in SQL_LOOKING {
            assert!(!dataset_mentions(text), "the dataset mentions {text:?}: pick another string");
            let request = Request::new(EVERY_STRING_ARGUMENT)
                .variables(Variables::from_json(json!({ "s": text })));
            let response = execute(&schema, request).await;
            assert_eq!(
                response["data"],
                json!({
                    "committee": null,
                    "standard": null,
                    "workingGroup": null,
                    "search": [],
                    "byText": { "totalCount": 0, "nodes": [] },
                    "byCommittee": { "totalCount": 0 },
                    "byGroup": { "totalCount": 0 },
                    "workingGroups": { "totalCount": 0 },
                    "committeeStandards": { "standards": { "totalCount": 0 } }
                }),
                "{text:?}: {response:#}"
            );
            assert!(response.get("errors").is_none(), "{text:?}: {response:#}");
        }
        // Everything is still there, and text search still finds what it should.
        assert_eq!(
            data(&schema, r#"{ standards { totalCount } committees { totalCount } search(text: "45993") { ... on Standard { code } } }"#).await,
            json!({
                "standards": { "totalCount": dataset_count("standards") },
                "committees": { "totalCount": dataset_count("committees") },
                "search": [{ "code": "GB/T 45993-2025" }]
            })
        );
    }

    async fn a_database_failure_is_an_internal_error_without_details(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        test_db.db.execute_unprepared("DROP TABLE statistic").await.expect("the table drops");
        let response = execute(&schema, r#"{ committee(code: "SC42") { code statistics { metric } } }"#).await;
        // No statistics are made up: the field is absent or null.
        assert!(response["data"]["committee"]["statistics"].is_null(), "{response:#}");
        let errors = response["errors"].as_array().expect("an error");
        assert_eq!(errors.len(), 1, "{response:#}");
        assert_eq!(errors[0]["message"], "internal server error");
        assert_eq!(errors[0]["extensions"], json!({ "code": "INTERNAL_SERVER_ERROR" }));
        assert_eq!(errors[0]["path"], json!(["committee", "statistics"]));
        let text = response.to_string().to_lowercase();
        for leak in ["select", "no such table", "does not exist", "relation", "sqlx", "sqlite", "postgres"] {
            assert!(!text.contains(leak), "the response leaks {leak:?}: {response:#}");
        }
        // What does not touch the dropped table still answers.
        assert_eq!(
            data(&schema, r#"{ committee(code: "SC42") { code } }"#).await,
            json!({ "committee": { "code": "SAC/TC28/SC42" } })
        );
    }
}

#[tokio::test]
async fn a_variable_of_the_wrong_type_is_coded() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let request = Request::new("query($n: Int) { standards(first: $n) { totalCount } }")
        .variables(Variables::from_json(json!({ "n": "ten" })));
    let response = execute(&test_db.schema(), request).await;
    assert_eq!(response["data"], Value::Null, "{response:#}");
    let errors = response["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    for error in errors {
        assert!(
            matches!(
                error["extensions"]["code"].as_str(),
                Some("BAD_USER_INPUT" | "GRAPHQL_VALIDATION_FAILED")
            ),
            "{response:#}"
        );
    }
}

/// Requests async-graphql itself refuses before running a resolver; each
/// error must still carry a code (request_scope.rs promises one).
#[tokio::test]
async fn errors_raised_before_execution_are_coded() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let schema = test_db.schema();
    let two = "query a { __typename } query b { __typename }";
    let requests = [
        ("two operations, none named", Request::new(two)),
        (
            "an unknown operation name",
            Request::new(two).operation_name("c"),
        ),
        (
            "a missing required variable",
            Request::new("query($n: Int!) { standards(first: $n) { totalCount } }"),
        ),
        ("an empty document", Request::new("")),
        (
            "a search for nothing",
            Request::new(r#"{ search(text: "  ") { __typename } }"#),
        ),
    ];
    let mut uncoded = Vec::new();
    for (what, request) in requests {
        let response = execute(&schema, request).await;
        let errors = response["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no error: {response:#}"));
        assert!(!errors.is_empty(), "{what}");
        for error in errors {
            if !error["extensions"]["code"].is_string() {
                uncoded.push(format!("{what}: {}", error["message"]));
            }
        }
    }
    assert!(uncoded.is_empty(), "errors without a code: {uncoded:#?}");
}
