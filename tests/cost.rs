//! The complexity the server reports and enforces is Apollo's static
//! demand-control estimate from the directives `schema.graphql` publishes
//! (object 1, scalar 0, a list times its `@listSize`; `@cost` where a field
//! says it). Each benchmark shape (/work/peerdata/SHAPES.md, Q1 to Q7) and
//! each example of the README is run through the real router, and the
//! `extensions.cost.complexity` it answers is compared with the estimate
//! worked out by hand from the directives (`tests/documents/costs.json`
//! says how each is made up).
//! (`tests/federation/cost.mjs` computes the same estimates again, in
//! JavaScript, from the supergraph Apollo's composition makes.)

mod common;
use common::*;

use async_graphql::Variables;
use serde_json::{Value, json};
use standards_registry::config::{DEFAULT_MAX_COMPLEXITY, DEFAULT_MAX_COMPLEXITY_IN_FLIGHT};
use standards_registry::execution::cost::{Cost, TypeIndex};
use standards_registry::export_sdl;

/// A document, its variables, its estimate and how it is made up: the
/// benchmark shapes and the README's examples, in
/// `tests/documents/costs.json`, which `tests/federation/cost.mjs` reads too.
#[derive(serde::Deserialize)]
struct Case {
    name: String,
    query: String,
    variables: Value,
    complexity: usize,
    why: String,
}

fn cases() -> Vec<Case> {
    serde_json::from_str(include_str!("documents/costs.json")).expect("costs.json parses")
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
            "{}: {}",
            case.name, case.why
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
