//! The PostGraphile peer (bench/peers/postgraphile): PostGraphile 4.14 over the registry's PostgreSQL tables.
//!
//! PostGraphile introspects the tables the registry's migrations made and
//! serves its own API over them (`standardByCode`, `allStandards`,
//! `…ByCommitteeId` relations, `…List` plain lists, `condition`, and the
//! connection filter plugin's `filter`); each document below asks that API
//! for the same rows and fields as the registry's document of the shape, in
//! the same order, with GraphQL aliases so that the answer already has the
//! registry's shape. The server and its options: `bench/peers/postgraphile/`
//! (README.md there); `check.mjs` there reads the documents from this file
//! and checks each answer equals the registry's.
//!
//! - Q1: `standardByCode`, with `committeeByCommitteeId` and
//!   `workingGroupByWorkingGroupId` aliased to `committee` and `workingGroup`.
//! - Q2: `allStandards(first: 100, orderBy: CODE_ASC)`.
//! - Q3: `allCommittees(first: 10, after: $after, orderBy: CODE_ASC)` →
//!   `workingGroupsByCommitteeId(first: 20, orderBy: CODE_ASC)` →
//!   `standardsByWorkingGroupId(first: 20, orderBy: CODE_ASC)` →
//!   `committeeByCommitteeId` → `liaisonsByCommitteeIdList(orderBy:
//!   PRIMARY_KEY_ASC)`: a committee's liaisons in row order, as the
//!   registry's `Committee.liaisons` loader (and the SQL floor) give them;
//!   SHAPES.md says "by counterpart then key", which is the order of the
//!   root `liaisons` list only. `$after` is a PostGraphile `Cursor`: the Q3
//!   document is its own pager, its endCursor at
//!   `/committees/pageInfo/endCursor`.
//! - Q4: PostGraphile has no search. The document is four aliased root
//!   lists with the filter plugin's `includesInsensitive` (an `ILIKE
//!   '%text%'` scan, no ranking): committees by code or name, working groups
//!   by code or name, standards by code or title, experts by name or
//!   organization, `first: 20` each, ordered as the registry orders each
//!   type. [`normalize`] concatenates them in the registry's order
//!   (committees, groups, standards, experts) and cuts the list to 20. Unlike
//!   the registry it does not match committee aliases nor fold spaces and
//!   dash variants out of codes.
//! - Q5: `_entities` needs a federation plugin: not expressed.
//! - Q6: `allStandards(condition: { status: "PUBLISHED" }, first: 100,
//!   orderBy: CODE_ASC) { totalCount … }`.
//! - Q7: `allStandards(filter: { kind: { in: [NATIONAL, SECTOR] }, year: {
//!   greaterThanOrEqualTo: 2000 } }, orderBy: [YEAR_DESC, CODE_ASC], first:
//!   20, after: $after)`; PostGraphile appends the primary key to the order,
//!   as the registry breaks ties by row id. [`Q7_PAGER`] pages the same list.

use serde_json::Value;

use crate::shapes::Shape;

const Q1: &str = r#"query Q1($code: String!) {
  standard: standardByCode(code: $code) {
    code title kind status year
    committee: committeeByCommitteeId { code name }
    workingGroup: workingGroupByWorkingGroupId { code name }
  }
}"#;

const Q2: &str = r#"query Q2 {
  standards: allStandards(first: 100, orderBy: CODE_ASC) {
    nodes {
      code title status year
      committee: committeeByCommitteeId { code name }
      workingGroup: workingGroupByWorkingGroupId { code name }
    }
  }
}"#;

const Q3: &str = r#"query Q3($after: Cursor) {
  committees: allCommittees(first: 10, after: $after, orderBy: CODE_ASC) {
    pageInfo { hasNextPage endCursor }
    nodes {
      code name
      workingGroups: workingGroupsByCommitteeId(first: 20, orderBy: CODE_ASC) {
        nodes {
          code name
          standards: standardsByWorkingGroupId(first: 20, orderBy: CODE_ASC) {
            nodes {
              code title
              committee: committeeByCommitteeId {
                code
                liaisons: liaisonsByCommitteeIdList(orderBy: PRIMARY_KEY_ASC) { kind counterpart }
              }
            }
          }
        }
      }
    }
  }
}"#;

const Q4: &str = r#"query Q4($text: String!) {
  committees: allCommitteesList(first: 20, orderBy: CODE_ASC, filter: {
    or: [{ code: { includesInsensitive: $text } }, { name: { includesInsensitive: $text } }]
  }) { __typename code name }
  workingGroups: allWorkingGroupsList(first: 20, orderBy: CODE_ASC, filter: {
    or: [{ code: { includesInsensitive: $text } }, { name: { includesInsensitive: $text } }]
  }) { __typename code name }
  standards: allStandardsList(first: 20, orderBy: CODE_ASC, filter: {
    or: [{ code: { includesInsensitive: $text } }, { title: { includesInsensitive: $text } }]
  }) { __typename code title }
  experts: allExpertsList(first: 20, orderBy: NAME_ASC, filter: {
    or: [{ name: { includesInsensitive: $text } }, { organization: { includesInsensitive: $text } }]
  }) { __typename name organization }
}"#;

const Q6: &str = r#"query Q6 {
  standards: allStandards(condition: { status: "PUBLISHED" }, first: 100, orderBy: CODE_ASC) {
    totalCount
    nodes { code title status year }
  }
}"#;

const Q7: &str = r#"query Q7($after: Cursor) {
  standards: allStandards(
    filter: { kind: { in: ["NATIONAL", "SECTOR"] }, year: { greaterThanOrEqualTo: 2000 } }
    orderBy: [YEAR_DESC, CODE_ASC]
    first: 20
    after: $after
  ) {
    pageInfo { hasNextPage endCursor }
    nodes { code title year status }
  }
}"#;

const Q7_PAGE: &str = r#"query Q7Page($first: Int!, $after: Cursor) {
  standards: allStandards(
    filter: { kind: { in: ["NATIONAL", "SECTOR"] }, year: { greaterThanOrEqualTo: 2000 } }
    orderBy: [YEAR_DESC, CODE_ASC]
    first: $first
    after: $after
  ) {
    pageInfo { endCursor }
  }
}"#;

/// Q4's hits per answer, as the registry's `search(first: 20)`.
const SEARCH_FIRST: usize = 20;

/// The document this peer is sent for `shape` (variables named as in the registry's documents: $code, $after, $text), or None when it cannot express it.
pub fn query(shape: Shape) -> Option<&'static str> {
    match shape {
        Shape::Q1 => Some(Q1),
        Shape::Q2 => Some(Q2),
        Shape::Q3 => Some(Q3),
        Shape::Q4 | Shape::Q4Code | Shape::Q4Rare => Some(Q4),
        Shape::Q6 => Some(Q6),
        Shape::Q7First | Shape::Q7 => Some(Q7),
        // Q5 (`_entities`) needs a federation plugin; Q8 is the registry's
        // and the floor's only.
        _ => None,
    }
}

/// The peer's `data` rewritten into the registry's answer shape (see SHAPES.md), so one summary function reads both.
///
/// The aliases already give every shape but Q4 the registry's shape (only
/// the opaque cursors differ, each server's own); Q4's four lists become one
/// `search` list of at most 20 hits.
pub fn normalize(shape: Shape, data: Value) -> Value {
    match shape {
        Shape::Q4 | Shape::Q4Code | Shape::Q4Rare => search(data),
        _ => data,
    }
}

/// Q4's four lists as the registry's `search`: committees, then working
/// groups, standards and experts, cut to 20.
fn search(data: Value) -> Value {
    let Value::Object(mut lists) = data else {
        return data;
    };
    let hits: Vec<Value> = ["committees", "workingGroups", "standards", "experts"]
        .into_iter()
        .filter_map(|field| match lists.remove(field) {
            Some(Value::Array(hits)) => Some(hits),
            _ => None,
        })
        .flatten()
        .take(SEARCH_FIRST)
        .collect();
    serde_json::json!({ "search": hits })
}

/// A document paging Q7's list forward: variables $first: Int!, $after: Cursor; and the JSON pointer of its endCursor (e.g. "/standards/pageInfo/endCursor").
pub const Q7_PAGER: (&str, &str) = (Q7_PAGE, "/standards/pageInfo/endCursor");
