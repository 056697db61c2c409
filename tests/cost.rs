//! The executor computes each operation's depth and complexity itself (no
//! schema extension can see async-graphql's); these must be the numbers
//! async-graphql's own validation computes, which enforces the same limits.
//! Checked here on a corpus of documents: connections with literal and
//! variable page sizes (and their defaults), unions, inline and named
//! fragments, federation's `_entities`, introspection, several operations.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{
    EmptyMutation, EmptySubscription, Schema, ServerError, ValidationResult, Variables,
};
use serde_json::json;
use standards_registry::execution::cost::{Cost, TypeIndex};
use standards_registry::schema::Query;

/// Records the validation result async-graphql computes, and stops there.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Option<ValidationResult>>>);

impl ExtensionFactory for Capture {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Capture {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        *self.0.lock().unwrap() = Some(result);
        // Validation is all this test needs: nothing is executed.
        Err(vec![ServerError::new("validated", None)])
    }
}

const DOCUMENTS: &[(&str, &str)] = &[
    (
        r#"{ standard(code: "GB/T 45993-2025") { code title committee { code name } workingGroup { code } } }"#,
        "{}",
    ),
    (
        "{ standards(first: 100) { nodes { code committee { code name } workingGroup { code name } } } }",
        "{}",
    ),
    ("{ standards { totalCount nodes { code } } }", "{}"),
    (
        "query Q3($after: String) { committees(first: 10, after: $after) { pageInfo { hasNextPage endCursor } nodes { code name workingGroups(first: 20) { nodes { code name standards(first: 20) { nodes { code title committee { code liaisons { kind counterpart } } } } } } } } }",
        r#"{"after": null}"#,
    ),
    (
        "query($n: Int) { standards(first: $n) { nodes { code } } }",
        r#"{"n": 7}"#,
    ),
    (
        "query($n: Int = 3) { standards(first: $n) { nodes { code } } }",
        "{}",
    ),
    (
        "query($n: Int = 3) { standards(first: $n) { nodes { code } } }",
        r#"{"n": null}"#,
    ),
    (
        "query($n: Int) { standards(last: $n) { edges { cursor node { code } } } }",
        r#"{"n": 5}"#,
    ),
    (
        r#"{ search(text: "cloud", first: 20) { __typename ... on Committee { code name } ... on WorkingGroup { code name } ... on Standard { code title } ... on Expert { name organization } } }"#,
        "{}",
    ),
    (
        r#"{ search(text: "cloud") { ...S } } fragment S on Standard { code committee { standards(first: 5) { nodes { code } } } }"#,
        "{}",
    ),
    (
        r#"{ committee(code: "SC42") { ...C } } fragment C on Committee { code workingGroups(first: 3) { nodes { code standards { nodes { code } } } } }"#,
        "{}",
    ),
    (
        r#"{ committee(code: "SC42") { ... { code subcommittees { code } } ... on Committee { liaisons { kind } } } }"#,
        "{}",
    ),
    (
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Standard { code title committee { code } } ... on Committee { workingGroups(first: 2) { nodes { code } } } } }",
        r#"{"r": []}"#,
    ),
    ("{ __schema { types { name fields { name } } } }", "{}"),
    (r#"{ __type(name: "Standard") { name } __typename }"#, "{}"),
    (
        "query A { committees { nodes { code } } } query B { experts(first: 3) { nodes { name positions { role } } } }",
        "{}",
    ),
    (
        r#"{ node(id: "x") { id ... on Committee { standards(first: 4, filter: { status: [PUBLISHED] }) { totalCount } } } }"#,
        "{}",
    ),
];

#[tokio::test]
async fn cost_is_what_async_graphql_validation_computes() {
    let capture = Capture::default();
    let schema = Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .enable_federation()
        .extension(capture.clone())
        .finish();
    let index = TypeIndex::from_sdl(&schema.sdl());
    for (query, variables) in DOCUMENTS {
        let variables = Variables::from_json(serde_json::from_str(variables).unwrap());
        let mut request = async_graphql::Request::new(*query).variables(variables.clone());
        if query.starts_with("query A") {
            request = request.operation_name("A");
        }
        *capture.0.lock().unwrap() = None;
        let _ = schema.execute(request).await;
        let theirs = capture.0.lock().unwrap().expect("validation ran");
        let document = async_graphql::parser::parse_query(query).unwrap();
        assert_eq!(
            index.cost(&document, &variables),
            Cost {
                depth: theirs.depth,
                complexity: theirs.complexity
            },
            "{query}"
        );
    }
    // And the figures themselves, for two documents a reader can check by hand.
    let q1 = async_graphql::parser::parse_query(DOCUMENTS[0].0).unwrap();
    assert_eq!(
        index.cost(&q1, &Variables::default()),
        // standard 1 + code 1 + title 1 + committee (1 + 2) + workingGroup (1 + 1)
        Cost {
            depth: 3,
            complexity: 8
        }
    );
    let paged = async_graphql::parser::parse_query(DOCUMENTS[4].0).unwrap();
    let variables = Variables::from_json(json!({ "n": 7 }));
    // 7 nodes of 1 field each, plus `nodes` and the connection: 7 * 2 + 1.
    assert_eq!(
        index.cost(&paged, &variables),
        Cost {
            depth: 3,
            complexity: 15
        }
    );
}
