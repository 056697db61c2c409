//! The seaography peer (bench/peers/seaography): a seaography 2.0 rc server over this project's `entity` crate.
//!
//! seaography 2.0.0-rc.9 builds its GraphQL schema at run time from the
//! registry's own SeaORM models (the peer adds the `RelatedEntity` enums its
//! generator would write, with the reverse `has_many` relations), and serves
//! it with axum on async-graphql 7.0. Every entity is one root field
//! returning a connection: `standard(filters:, orderBy:, pagination:) {
//! nodes pageInfo paginationInfo }`; `belongs_to` relations are objects,
//! `has_many` relations connections with their own `filters`, `orderBy` and
//! `pagination` (paginated in memory after one batched load per level). The
//! server, its versions and options: `bench/peers/seaography/README.md`;
//! `check.py` there reads the documents from this file and checks that each
//! normalized answer equals the registry's.
//!
//! Two facts of seaography's API decide how the shapes are written:
//!
//! - Its cursors are primary keys: `pagination: { cursor: { limit, cursor } }`
//!   pages by `id` and drops the requested `orderBy`. The lists ordered by
//!   code are therefore paged by offset (`pagination: { offset: { limit,
//!   offset } }`), which also runs a `COUNT(*)` of the filtered list, and a
//!   page is asked by its row offset, not by the previous page's cursor:
//!   the driver makes a page's variables with [`q3_variables`] (the Q3
//!   variants: `{"offset": 0}`, `{"offset": 10}`, …) and needs no pager.
//! - Its `orderBy` is an input object whose columns are applied in the
//!   entity's column order, not in the order the request names them: for
//!   `standard` (`id, code, …, year, …`) `orderBy: { year: DESC, code: ASC }`
//!   sorts by `code, year`. Q7's `YEAR DESC, CODE ASC` cannot be asked.
//!
//! The shapes:
//!
//! - Q1: `standard(filters: { code: { eq: $code } })`, a connection of at
//!   most one node, no pagination (one statement, no count);
//!   [`normalize`] takes its node, or null.
//! - Q2: `standard(orderBy: { code: ASC }, pagination: { offset: { limit:
//!   100, offset: 0 } })` with `committee` and `workingGroup`.
//! - Q3: `committee(orderBy: { code: ASC }, pagination: { offset: { limit:
//!   10, offset: $offset } })` → `workingGroup(orderBy: { code: ASC },
//!   pagination: { offset: { limit: 20, offset: 0 } })` → `standard(…the
//!   same…)` → `committee` → `liaison(orderBy: { id: ASC })`: a committee's
//!   liaisons in row order, as the registry's `Committee.liaisons` gives
//!   them. [`normalize`] turns the liaison connection into the registry's
//!   list. `endCursor` stays the peer's own (a primary-key cursor).
//! - Q4: not expressed: seaography has no search, and its `contains` filter
//!   is a `LIKE` (case-sensitive on PostgreSQL) on one column, with no
//!   folding of codes nor committee aliases; the driver sends only `$text`.
//! - Q5: not expressed: seaography 2.0 rc has no federation (`_entities`).
//! - Q6: `standard(filters: { status: { eq: "PUBLISHED" } }, orderBy: {
//!   code: ASC }, pagination: { offset: { limit: 100, offset: 0 } }) {
//!   paginationInfo { total } nodes … }`; [`normalize`] renames
//!   `paginationInfo.total` to `totalCount`. (The entity's enum columns are
//!   stored as strings, so seaography serves and filters them as `String`.)
//! - Q7: not expressed (the order, above). [`Q7_NEAREST`] is the closest
//!   document, `orderBy: { year: DESC }` at the same offset: the same filter,
//!   sort and depth of work, but ties within a year come in no set order, so
//!   its rows differ from the registry's; with [`q7_variables`]. The driver
//!   reports seaography's Q7 and Q7.1 as not expressible and does not time them.

use serde_json::{Value, json};

use crate::shapes::Shape;

const Q1: &str = r#"query Q1($code: String!) {
  standard(filters: { code: { eq: $code } }) {
    nodes {
      code title kind status year
      committee { code name }
      workingGroup { code name }
    }
  }
}"#;

const Q2: &str = r#"query Q2 {
  standards: standard(orderBy: { code: ASC }, pagination: { offset: { limit: 100, offset: 0 } }) {
    nodes {
      code title status year
      committee { code name }
      workingGroup { code name }
    }
  }
}"#;

const Q3: &str = r#"query Q3($offset: Int!) {
  committees: committee(orderBy: { code: ASC }, pagination: { offset: { limit: 10, offset: $offset } }) {
    pageInfo { hasNextPage endCursor }
    nodes {
      code name
      workingGroups: workingGroup(orderBy: { code: ASC }, pagination: { offset: { limit: 20, offset: 0 } }) {
        nodes {
          code name
          standards: standard(orderBy: { code: ASC }, pagination: { offset: { limit: 20, offset: 0 } }) {
            nodes {
              code title
              committee {
                code
                liaisons: liaison(orderBy: { id: ASC }) { nodes { kind counterpart } }
              }
            }
          }
        }
      }
    }
  }
}"#;

const Q6: &str = r#"query Q6 {
  standards: standard(
    filters: { status: { eq: "PUBLISHED" } }
    orderBy: { code: ASC }
    pagination: { offset: { limit: 100, offset: 0 } }
  ) {
    paginationInfo { total }
    nodes { code title status year }
  }
}"#;

/// Q7's filter at Q7's depth, ordered by year only (seaography cannot add
/// `code` after `year`: see the module doc). Not equal to the registry's
/// answer; for timing only. Variables: [`q7_variables`]. The driver does
/// not time it (other rows are not the same work to compare); `check.py`
/// compares it for information.
#[allow(dead_code)]
pub const Q7_NEAREST: &str = r#"query Q7($offset: Int!) {
  standards: standard(
    filters: { kind: { is_in: ["NATIONAL", "SECTOR"] }, year: { gte: 2000 } }
    orderBy: { year: DESC }
    pagination: { offset: { limit: 20, offset: $offset } }
  ) {
    pageInfo { hasNextPage endCursor }
    nodes { code title year status }
  }
}"#;

/// The document this peer is sent for `shape` (variables: Q1 `$code` as the
/// registry's; Q3 `$offset: Int!`, the row offset of its first committee,
/// from [`q3_variables`]), or None when it cannot express it (Q4, Q5, Q7).
pub fn query(shape: Shape) -> Option<&'static str> {
    match shape {
        Shape::Q1 => Some(Q1),
        Shape::Q2 => Some(Q2),
        Shape::Q3 => Some(Q3),
        Shape::Q6 => Some(Q6),
        // Q4: no search; Q5: no federation; Q7: no `YEAR DESC, CODE ASC`.
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The peer's `data` rewritten into the registry's answer shape (see
/// SHAPES.md), so one summary function reads both: Q1's one-node connection
/// becomes the object (or null), Q3's liaison connections become lists,
/// Q6's `paginationInfo.total` becomes `totalCount`. Cursors stay the peer's own.
pub fn normalize(shape: Shape, mut data: Value) -> Value {
    match shape {
        Shape::Q1 => {
            let standard = data
                .pointer_mut("/standard/nodes/0")
                .map(Value::take)
                .unwrap_or(Value::Null);
            json!({ "standard": standard })
        }
        Shape::Q3 => {
            for committee in nodes_mut(&mut data["committees"]) {
                for group in nodes_mut(&mut committee["workingGroups"]) {
                    for standard in nodes_mut(&mut group["standards"]) {
                        let owner = &mut standard["committee"];
                        if owner.is_object() {
                            let liaisons = owner["liaisons"]["nodes"].take();
                            owner["liaisons"] = match liaisons {
                                Value::Array(list) => Value::Array(list),
                                _ => Value::Array(Vec::new()),
                            };
                        }
                    }
                }
            }
            data
        }
        Shape::Q6 => {
            let standards = &mut data["standards"];
            if let Some(list) = standards.as_object_mut() {
                let total = list
                    .remove("paginationInfo")
                    .map(|mut info| info["total"].take())
                    .unwrap_or(Value::Null);
                list.insert("totalCount".to_owned(), total);
            }
            data
        }
        _ => data,
    }
}

fn nodes_mut(connection: &mut Value) -> impl Iterator<Item = &mut Value> {
    connection
        .get_mut("nodes")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// Q3's variables for the page whose first committee is row `offset` of the
/// committees by code (0, 10, 20, …).
pub fn q3_variables(offset: usize) -> Value {
    json!({ "offset": offset })
}

/// [`Q7_NEAREST`]'s variables for the page starting at row `offset` (20,000
/// for the page 1,000 deep).
#[allow(dead_code)] // See Q7_NEAREST.
pub fn q7_variables(offset: usize) -> Value {
    json!({ "offset": offset })
}
