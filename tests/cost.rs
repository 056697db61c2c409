//! The complexity the server reports and enforces is Apollo's static
//! demand-control estimate from the directives `schema.graphql` publishes
//! (object 1, scalar 0, a list times its `@listSize`; `@cost` where a field
//! says it). Each benchmark shape (/work/peerdata/SHAPES.md, Q1 to Q7) and
//! each example of the README is run through the real router, and the
//! `extensions.cost.complexity` it answers is compared with the estimate
//! worked out by hand from the directives, written beside it.
//! (`tests/federation/cost.mjs` computes the same estimates again, in
//! JavaScript, from the supergraph Apollo's composition makes.)

mod common;
use common::*;

use async_graphql::Variables;
use serde_json::{Value, json};
use standards_registry::execution::cost::{Cost, TypeIndex};
use standards_registry::config::{DEFAULT_MAX_COMPLEXITY, DEFAULT_MAX_COMPLEXITY_IN_FLIGHT};
use standards_registry::export_sdl;

/// A document, its variables, its estimate and how it is made up.
struct Case {
    name: &'static str,
    query: &'static str,
    variables: Value,
    complexity: usize,
}

fn cases() -> Vec<Case> {
    vec![
        // standard 1 + committee 1 + workingGroup 1; scalars 0.
        Case {
            name: "Q1",
            query: "query Q1($code: String!) { standard(code: $code) { code title kind status year committee { code name } workingGroup { code name } } }",
            variables: json!({ "code": "GB/T 45993-2025" }),
            complexity: 3,
        },
        // The connection 1 + 100 nodes × (standard 1 + committee 1 + workingGroup 1).
        Case {
            name: "Q2",
            query: "query Q2 { standards(first: 100) { nodes { code title status year committee { code name } workingGroup { code name } } } }",
            variables: json!({}),
            complexity: 301,
        },
        // committees 1 + pageInfo 0 + 10 × (committee 1 + workingGroups 1 +
        // 20 × (group 1 + standards 1 + 20 × (standard 1 + committee 1 +
        // liaisons 10 × 1))): 1 + 10 × (2 + 20 × (2 + 20 × 12)) = 48,421.
        Case {
            name: "Q3",
            query: "query Q3($after: String) { committees(first: 10, after: $after) { pageInfo { hasNextPage endCursor } nodes { code name workingGroups(first: 20) { nodes { code name standards(first: 20) { nodes { code title committee { code liaisons { kind counterpart } } } } } } } } }",
            variables: json!({ "after": null }),
            complexity: 48_421,
        },
        // 20 hits × 1 (a union member is an object); the fragments' fields are scalars.
        Case {
            name: "Q4",
            query: "query Q4($text: String!) { search(text: $text, first: 20) { __typename ... on Committee { code name } ... on WorkingGroup { code name } ... on Standard { code title } ... on Expert { name organization } } }",
            variables: json!({ "text": "cloud" }),
            complexity: 20,
        },
        // 100 entities × 1 (the server sizes `_entities` by its representations).
        Case {
            name: "Q5",
            query: "query Q5($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Standard { code title } ... on Committee { code name } ... on WorkingGroup { code name } ... on Expert { name } ... on Liaison { kind counterpart } } }",
            variables: json!({ "representations": (0..100).map(|_| json!({ "__typename": "Standard", "code": "GB/T 45993-2025" })).collect::<Vec<_>>() }),
            complexity: 100,
        },
        // The connection 1 + totalCount 1 + 100 nodes × 1 + the filter (an input object) 1.
        Case {
            name: "Q6",
            query: "query Q6 { standards(filter: { status: [PUBLISHED] }, first: 100) { totalCount nodes { code title status year } } }",
            variables: json!({}),
            complexity: 103,
        },
        // The connection 1 + 20 nodes + the filter 1 + two orderings 1 each.
        Case {
            name: "Q7",
            query: "query Q7($after: String) { standards(filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }], first: 20, after: $after) { pageInfo { hasNextPage endCursor } nodes { code title year status } } }",
            variables: json!({ "after": null }),
            complexity: 24,
        },
        // committee 1 + aliases 5 × 1 + parent 1 + workingGroups (1 +
        // totalCount 1 + 10 × (group 1 + standards (1 + 5 nodes + filter 1)))
        // + liaisons 10 + statistics 50 (their source is free): 149.
        Case {
            name: "README: a committee",
            query: r#"{ committee(code: "SC42") { code name aliases parent { code } workingGroups(first: 10) { totalCount nodes { code name standards(first: 5, filter: { status: [PUBLISHED] }) { nodes { code title year } } } } liaisons { kind counterpart } statistics { metric value period source { document section } } } }"#,
            variables: json!({}),
            complexity: 149,
        },
        // standard 1 + committee 1 + equivalences 5 × (1 + standard 1).
        Case {
            name: "README: a standard",
            query: r#"{ standard(code: "GB/T45993—2025") { code title kind status year committee { code } equivalences { degree standard { code } } } }"#,
            variables: json!({}),
            complexity: 12,
        },
        // The connection 1 + totalCount 1 + pageInfo 0 + 10 edges × (0 +
        // node 1) + the filter 1 + one ordering 1.
        Case {
            name: "README: filter, order and page",
            query: r#"{ standards(filter: { committee: "TC28", kind: [NATIONAL], yearFrom: 2024, text: "cloud" }, orderBy: [{ field: YEAR, direction: DESC }], first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { code title year } } } }"#,
            variables: json!({}),
            complexity: 14,
        },
        // 20 hits (the default page) × 1.
        Case {
            name: "README: search",
            query: r#"{ search(text: "knowledge graph") { __typename ... on Standard { code title } ... on WorkingGroup { code name } } }"#,
            variables: json!({}),
            complexity: 20,
        },
        // The connection 1 + 20 experts × (1 + 50 positions × (1 + committee 1)).
        Case {
            name: "README: experts",
            query: "{ experts { nodes { id name positions { role committee { code } externalBody } } } }",
            variables: json!({}),
            complexity: 2_021,
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_reports_the_static_estimate_of_its_directives() {
    let test_db = TestDb::with_dataset(Backend::Sqlite).await;
    let app = router(&test_db);
    for case in cases() {
        let body = json!({ "query": case.query, "variables": case.variables });
        let answer = send(&app, post(body.to_string())).await;
        let response = answer.json();
        assert!(
            response.get("errors").is_none(),
            "{}: {response:#}",
            case.name
        );
        assert_eq!(
            response["extensions"]["cost"]["complexity"], case.complexity,
            "{}",
            case.name
        );
    }
}

/// The index of the published SDL, as the server builds it.
fn index() -> TypeIndex {
    TypeIndex::from_sdl(&export_sdl())
}

fn cost(query: &str, variables: Value) -> Cost {
    let document = async_graphql::parser::parse_query(query).unwrap();
    index().cost(&document, &Variables::from_json(variables))
}

#[test]
fn page_sizes_count_as_the_server_serves_them() {
    let page = |arguments: &str, variables: Value| {
        let query = format!(
            "query($n: Int, $m: Int = 7) {{ standards({arguments}) {{ nodes {{ code }} }} }}"
        );
        cost(&query, variables).complexity
    };
    // 1 + the page: `first`, `last`, the larger of both, 20 without either.
    assert_eq!(page("first: 3", json!({})), 4);
    assert_eq!(page("last: 4", json!({})), 5);
    assert_eq!(page("first: 3, last: 9", json!({})), 10);
    assert_eq!(page("after: \"x\"", json!({})), 21);
    // Variables: the request's value, else the default; null is no size.
    assert_eq!(page("first: $n", json!({ "n": 6 })), 7);
    assert_eq!(page("first: $m", json!({})), 8);
    assert_eq!(page("first: $n", json!({ "n": null })), 21);
    // Outside what the server serves (refused when it runs): its bounds.
    assert_eq!(page("first: 100000", json!({})), 101);
    assert_eq!(page("first: -5", json!({})), 1);
}

#[test]
fn fragments_directives_and_arguments_count_as_apollo_counts_them() {
    // A fragment counts against its type condition, sized by the field it is
    // spread in: 1 + 3 × (1 + committee 1).
    assert_eq!(
        cost(
            "{ standards(first: 3) { ...N } } fragment N on StandardConnection { nodes { committee { code } } }",
            json!({})
        )
        .complexity,
        7
    );
    // A literal @skip or @include is seen; one on a variable is counted.
    assert_eq!(
        cost(
            "query($s: Boolean!) { a: standard(code: \"x\") @skip(if: true) { code } b: standard(code: \"x\") @include(if: false) { code } c: standard(code: \"x\") @skip(if: $s) { code } }",
            json!({ "s": true })
        )
        .complexity,
        1
    );
    // Input objects cost 1 each, from literals and from variables; a list of
    // them each item.
    assert_eq!(
        cost(
            "query($f: StandardFilter, $o: [StandardOrder!]) { standards(first: 0, filter: $f, orderBy: $o) { totalCount } }",
            json!({ "f": { "status": ["PUBLISHED"] }, "o": [{ "field": "CODE", "direction": "ASC" }, { "field": "YEAR", "direction": "DESC" }] })
        )
        .complexity,
        1 + 1 + 1 + 2
    );
    // Two operations count together; depth is the deepest.
    assert_eq!(
        cost(
            "query A { committees(first: 2) { nodes { code } } } query B { standard(code: \"x\") { committee { parent { code } } } }",
            json!({})
        ),
        Cost {
            depth: 4,
            complexity: 3 + 3
        }
    );
}

#[test]
fn introspection_and_federation_fields_are_counted() {
    // `_service` is an object; `_entities` one item per representation.
    assert_eq!(cost("{ _service { sdl } }", json!({})).complexity, 1);
    assert_eq!(
        cost(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Standard { committee { code } } } }",
            json!({ "r": [{ "__typename": "Standard", "code": "a" }, { "__typename": "Standard", "code": "b" }] })
        )
        .complexity,
        2 * (1 + 1)
    );
    // Introspection is sized by the schema itself, so a query nesting
    // `fields { type { fields ... } }` is counted, not free.
    let shallow = cost("{ __schema { types { name } } }", json!({})).complexity;
    let nested = cost(
        "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }",
        json!({})
    )
    .complexity;
    assert!(shallow > 40 && shallow < 200, "{shallow}");
    assert!(nested > DEFAULT_MAX_COMPLEXITY, "{nested}");
    // The query GraphiQL and graphql-js tools send fits the default limits.
    let full = cost(include_str!("documents/introspection.graphql"), json!({})).complexity;
    assert!(full < DEFAULT_MAX_COMPLEXITY_IN_FLIGHT, "{full}");
}
