//! The Node peer (bench/peers/node): Apollo Server 5 + @apollo/subgraph + DataLoader + better-sqlite3.
//!
//! It serves the registry's own schema for these shapes, so it is sent the
//! registry's documents (SHAPES.md) and answers in the registry's shape.

use serde_json::Value;

use crate::shapes::Shape;

/// The document this peer is sent for `shape`, or None when it cannot express it
/// (Q8: the peer has no `committee` filter; Q9: no facets, and its baseline
/// is the registry's and the floor's only).
pub fn query(shape: Shape) -> Option<&'static str> {
    Some(match shape {
        Shape::Q1 => {
            "query Q1($code: String!) { standard(code: $code) { code title kind status year \
             committee { code name } workingGroup { code name } } }"
        }
        Shape::Q2 => {
            "query Q2 { standards(first: 100) { nodes { code title status year \
             committee { code name } workingGroup { code name } } } }"
        }
        Shape::Q3 => {
            "query Q3($after: String) { committees(first: 10, after: $after) { \
             pageInfo { hasNextPage endCursor } nodes { code name \
             workingGroups(first: 20) { nodes { code name \
             standards(first: 20) { nodes { code title \
             committee { code liaisons { kind counterpart } } } } } } } } }"
        }
        Shape::Q4 | Shape::Q4Code | Shape::Q4Rare => {
            "query Q4($text: String!) { search(text: $text, first: 20) { __typename \
             ... on Committee { code name } ... on WorkingGroup { code name } \
             ... on Standard { code title } ... on Expert { name organization } } }"
        }
        Shape::Q5 => {
            "query Q5($representations: [_Any!]!) { _entities(representations: $representations) { \
             __typename ... on Standard { code title } ... on Committee { code name } \
             ... on WorkingGroup { code name } ... on Expert { name } \
             ... on Liaison { kind counterpart } } }"
        }
        Shape::Q6 => {
            "query Q6 { standards(filter: { status: [PUBLISHED] }, first: 100) { totalCount \
             nodes { code title status year } } }"
        }
        Shape::Q8 | Shape::Q9Count | Shape::Q9 => return None,
        Shape::Q7First | Shape::Q7 => {
            "query Q7($after: String) { standards(filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, \
             orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }], \
             first: 20, after: $after) { pageInfo { hasNextPage endCursor } \
             nodes { code title year status } } }"
        }
    })
}

/// The peer's `data` rewritten into the registry's answer shape (identity for Node).
pub fn normalize(_shape: Shape, data: Value) -> Value {
    data
}
