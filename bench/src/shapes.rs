//! The query shapes: each a real client's request, with the variants it is
//! sent with, and the comparable summary of its answer (what the floor must
//! also produce, so that it fetches the same rows).
//!
//! Depends on std, serde_json, base64 and the registry library only, so that
//! the root crate's Criterion benchmarks can include this file with `#[path]`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use standards_registry::dataset::Dataset;

use crate::generate::{RARE_TEXTS, SAMPLE_MAX, SEARCH_TEXTS, Sample, spread};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    Q1,
    Q2,
    Q3,
    Q4,
    /// Q4 for a fragment of a code: few records hold it.
    Q4Code,
    /// Q4 for a rare word.
    Q4Rare,
    Q5,
    Q6,
    /// Q7's first page: what the deep page is compared with.
    Q7First,
    Q7,
    Q8,
    /// Q9's baseline: the plain `totalCount` of Q9's filter.
    Q9Count,
    /// The facets of a filtered list of all standards.
    Q9,
}

pub const ALL: [Shape; 13] = [
    Shape::Q1,
    Shape::Q2,
    Shape::Q3,
    Shape::Q4,
    Shape::Q4Code,
    Shape::Q4Rare,
    Shape::Q5,
    Shape::Q6,
    Shape::Q7First,
    Shape::Q7,
    Shape::Q8,
    Shape::Q9Count,
    Shape::Q9,
];

/// Q7's page size and how deep it goes.
pub const Q7_PAGE: usize = 20;
pub const Q7_DEPTH_PAGES: usize = 1000;
/// Q3's committees per page, and working groups and standards per parent.
pub const Q3_COMMITTEES: usize = 10;
pub const Q3_CHILDREN: usize = 20;
/// Q5's representations per request.
pub const Q5_REPRESENTATIONS: usize = 100;
/// Q6's page.
pub const Q6_PAGE: usize = 100;

const Q7_FILTER: &str = "filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, \
     orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }]";

impl Shape {
    /// Search shapes: checked by the words their hits hold, not line by line.
    pub fn is_search(self) -> bool {
        matches!(self, Shape::Q4 | Shape::Q4Code | Shape::Q4Rare)
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Q1 => "Q1",
            Shape::Q2 => "Q2",
            Shape::Q3 => "Q3",
            Shape::Q4 => "Q4",
            Shape::Q4Code => "Q4.1",
            Shape::Q4Rare => "Q4.2",
            Shape::Q5 => "Q5",
            Shape::Q6 => "Q6",
            Shape::Q7First => "Q7.1",
            Shape::Q7 => "Q7",
            Shape::Q8 => "Q8",
            Shape::Q9Count => "Q9.1",
            Shape::Q9 => "Q9",
        }
    }

    pub fn from_name(name: &str) -> Option<Shape> {
        ALL.into_iter()
            .find(|shape| shape.name().eq_ignore_ascii_case(name))
    }

    pub fn describe(self) -> &'static str {
        match self {
            Shape::Q1 => "standard(code:) with its committee and working group",
            Shape::Q2 => "a page of 100 standards with committee and working group",
            Shape::Q3 => {
                "committees(10) -> workingGroups(20) -> standards(20) -> committee -> liaisons"
            }
            Shape::Q4 => "search(text:, first: 20) over the four record types",
            Shape::Q4Code => {
                "Q4 for the number of a standard's code (\"45993\" of GB/T 45993-2025): a few hits"
            }
            Shape::Q4Rare => "Q4 for a rare word (\"forestry\"): a few hits among every record",
            Shape::Q5 => "_entities with 100 mixed representations (5 types)",
            Shape::Q6 => "standards(filter: { status: [PUBLISHED] }, first: 100) with totalCount",
            Shape::Q7First => "Q7's filtered, ordered list: its first page of 20",
            Shape::Q7 => "a filtered, ordered page of 20, 1,000 pages deep by cursor",
            Shape::Q8 => "totalCount of standards filtered by committee subtree and status",
            Shape::Q9Count => "Q9's filter over all standards: its totalCount alone",
            Shape::Q9 => {
                "Q9's filter over all standards: totalCount and its four facets (status, kind, \
                 year, committee)"
            }
        }
    }

    /// The registry's document (the peers' own are in `peers/`).
    pub fn query(self) -> &'static str {
        match self {
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
            Shape::Q7First | Shape::Q7 => {
                "query Q7($after: String) { standards(filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, \
                 orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }], \
                 first: 20, after: $after) { pageInfo { hasNextPage endCursor } \
                 nodes { code title year status } } }"
            }
            Shape::Q8 => {
                "query Q8($committee: String!) { standards(filter: { committee: $committee, \
                 status: [PUBLISHED] }) { totalCount } }"
            }
            Shape::Q9Count => {
                "query Q9Count { standards(filter: { kind: [NATIONAL, SECTOR] }) { totalCount } }"
            }
            Shape::Q9 => {
                "query Q9 { standards(filter: { kind: [NATIONAL, SECTOR] }) { totalCount \
                 facets { status { value count } kind { value count } year { value count } \
                 committee { committee { code } count } } } }"
            }
        }
    }

    /// The relation levels the shape reads (committees -> groups -> ... is
    /// one level each): with one batch per level, its SQL statements.
    pub fn relation_depth(self) -> Option<usize> {
        match self {
            Shape::Q3 => Some(5),
            _ => None,
        }
    }
}

/// One request of a shape: its variables, and the row offset it starts at
/// (Q3's first committee, Q7's first row) for the floor.
#[derive(Clone, Debug)]
pub struct Variant {
    pub variables: Value,
    pub offset: usize,
}

/// The variants of every shape for one database.
#[derive(Clone, Debug)]
pub struct Plan {
    pub shapes: Vec<(Shape, Vec<Variant>)>,
    /// Rows Q7's filter selects, and the page Q7 reached.
    pub q7_total: usize,
    pub q7_page: usize,
}

impl Plan {
    pub fn variants(&self, shape: Shape) -> &[Variant] {
        self.shapes
            .iter()
            .find(|(s, _)| *s == shape)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }
}

/// The sample of a dataset read from a file (size S: the real dataset).
pub fn sample_of(dataset: &Dataset) -> Sample {
    let pick = |names: Vec<String>| -> Vec<String> {
        spread(names.len(), SAMPLE_MAX)
            .into_iter()
            .map(|i| names[i].clone())
            .collect()
    };
    Sample {
        standard_codes: pick(
            dataset
                .standards
                .iter()
                .filter_map(|s| s.code.clone())
                .collect(),
        ),
        committee_codes: pick(dataset.committees.iter().map(|c| c.code.clone()).collect()),
        top_committees: pick(
            dataset
                .committees
                .iter()
                .filter(|c| c.parent.is_none())
                .map(|c| c.code.clone())
                .collect(),
        ),
        working_group_codes: pick(
            dataset
                .working_groups
                .iter()
                .map(|g| g.code.clone())
                .collect(),
        ),
        expert_keys: pick(dataset.experts.iter().map(|e| e.key.clone()).collect()),
        liaison_keys: pick(dataset.liaisons.iter().map(|l| l.key.clone()).collect()),
        search_texts: SEARCH_TEXTS.iter().map(|s| s.to_string()).collect(),
        rare_texts: RARE_TEXTS.iter().map(|s| s.to_string()).collect(),
    }
}

fn global_id(type_name: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{key}"))
}

/// The number in a standard's code, as a person types a code they half
/// remember: "45993" of "GB/T 45993-2025", "22123" of "ISO/IEC 22123-3:2023".
fn code_number(code: &str) -> Option<String> {
    code.split(|c: char| !c.is_ascii_digit())
        .find(|part| part.len() >= 4)
        .map(str::to_owned)
}

/// `count` items of `list`, starting at `start`, stepping by a prime so
/// that variants mix the list.
fn cycle(list: &[String], start: usize, count: usize) -> impl Iterator<Item = &String> {
    (0..count).map(move |i| &list[(start + i * 7919) % list.len()])
}

/// Q5's representations for variant `v`: 40% standards, 15% committees,
/// 20% working groups, 10% experts, 15% liaisons.
fn representations(sample: &Sample, v: usize) -> Value {
    let mut reps = Vec::with_capacity(Q5_REPRESENTATIONS);
    let at = |list: &[String], i: usize| list[(v * 131 + i * 7919) % list.len()].clone();
    for i in 0..Q5_REPRESENTATIONS {
        reps.push(match i % 20 {
            0..8 => json!({ "__typename": "Standard", "code": at(&sample.standard_codes, i) }),
            8..11 => json!({ "__typename": "Committee", "code": at(&sample.committee_codes, i) }),
            11..15 => {
                json!({ "__typename": "WorkingGroup", "code": at(&sample.working_group_codes, i) })
            }
            15..17 => {
                json!({ "__typename": "Expert", "id": global_id("Expert", &at(&sample.expert_keys, i)) })
            }
            _ => {
                json!({ "__typename": "Liaison", "id": global_id("Liaison", &at(&sample.liaison_keys, i)) })
            }
        });
    }
    Value::Array(reps)
}

/// Runs a GraphQL request (over HTTP, or in process) and returns the
/// response as JSON.
pub trait Execute {
    fn execute(
        &mut self,
        query: &str,
        variables: Value,
    ) -> impl Future<Output = Result<Value, String>>;
}

async fn data(exec: &mut impl Execute, query: &str, variables: Value) -> Result<Value, String> {
    let response = exec.execute(query, variables).await?;
    if let Some(errors) = response.get("errors") {
        return Err(format!("{query}: {errors}"));
    }
    Ok(response["data"].clone())
}

/// The cursor of the row at `position` of Q7's list, reached by paging
/// from the start with pages of 100 (the largest the server serves): every
/// cursor is one the server issued. The Node peer serves the same schema,
/// so this pages its list too.
pub async fn q7_cursor(exec: &mut impl Execute, position: usize) -> Result<String, String> {
    let query = format!(
        "query Page($first: Int!, $after: String) {{ standards({Q7_FILTER}, first: $first, after: $after) \
         {{ pageInfo {{ endCursor }} }} }}"
    );
    let mut after: Option<String> = None;
    let mut reached = 0;
    while reached <= position {
        let first = (position + 1 - reached).min(100);
        let page = data(exec, &query, json!({ "first": first, "after": after })).await?;
        after = page["standards"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        if after.is_none() {
            return Err(format!("Q7's list ended before row {position}"));
        }
        reached += first;
    }
    after.ok_or_else(|| "no cursor".to_owned())
}

/// The `after:` cursors of Q3's first `pages` pages of committees (the first
/// is null), each the `endCursor` the server gave for the page before. The
/// Node peer serves the same schema, so this pages its committees too.
pub async fn q3_cursors(exec: &mut impl Execute, pages: usize) -> Result<Vec<Value>, String> {
    let mut cursors = vec![Value::Null];
    let mut after = Value::Null;
    while cursors.len() < pages {
        let response = data(
            exec,
            "query Pages($after: String) { committees(first: 10, after: $after) { pageInfo { hasNextPage endCursor } } }",
            json!({ "after": after }),
        )
        .await?;
        let info = &response["committees"]["pageInfo"];
        if info["hasNextPage"] != json!(true) {
            break;
        }
        after = info["endCursor"].clone();
        cursors.push(after.clone());
    }
    Ok(cursors)
}

/// Q3's pages of committees: 8 (fewer where there are fewer committees).
pub const Q3_PAGES: usize = 8;

/// Makes every shape's variants for the database `exec` serves, asking it
/// for the cursors that Q3 and Q7 page with.
pub async fn plan(sample: &Sample, exec: &mut impl Execute) -> Result<Plan, String> {
    let mut shapes = Vec::new();
    let plain = |variables: Value| Variant {
        variables,
        offset: 0,
    };

    shapes.push((
        Shape::Q1,
        cycle(
            &sample.standard_codes,
            0,
            64.min(sample.standard_codes.len()),
        )
        .map(|code| plain(json!({ "code": code })))
        .collect(),
    ));
    shapes.push((Shape::Q2, vec![plain(json!({}))]));

    // Q3: the first pages of committees, each after the cursor the server
    // gave for the page before; the offset is the page's first committee.
    let q3 = q3_cursors(exec, Q3_PAGES)
        .await?
        .into_iter()
        .enumerate()
        .map(|(page, after)| Variant {
            variables: json!({ "after": after }),
            offset: page * Q3_COMMITTEES,
        })
        .collect();
    shapes.push((Shape::Q3, q3));

    shapes.push((
        Shape::Q4,
        sample
            .search_texts
            .iter()
            .map(|text| plain(json!({ "text": text })))
            .collect(),
    ));
    shapes.push((
        Shape::Q4Code,
        cycle(
            &sample.standard_codes,
            0,
            8.min(sample.standard_codes.len()),
        )
        .filter_map(|code| code_number(code))
        .map(|number| plain(json!({ "text": number })))
        .collect(),
    ));
    shapes.push((
        Shape::Q4Rare,
        sample
            .rare_texts
            .iter()
            .map(|text| plain(json!({ "text": text })))
            .collect(),
    ));
    shapes.push((
        Shape::Q5,
        (0..8)
            .map(|v| plain(json!({ "representations": representations(sample, v) })))
            .collect(),
    ));
    shapes.push((Shape::Q6, vec![plain(json!({}))]));

    // Q7: 1,000 pages deep, or the last page where the list is shorter.
    let total = data(
        exec,
        &format!("{{ standards({Q7_FILTER}, first: 0) {{ totalCount }} }}"),
        json!({}),
    )
    .await?["standards"]["totalCount"]
        .as_u64()
        .ok_or("Q7: no totalCount")? as usize;
    let page = Q7_DEPTH_PAGES.min(total.saturating_sub(1) / Q7_PAGE);
    let offset = page * Q7_PAGE;
    shapes.push((Shape::Q7First, vec![plain(json!({ "after": null }))]));
    let deep = if offset == 0 {
        plain(json!({ "after": null }))
    } else {
        Variant {
            variables: json!({ "after": q7_cursor(exec, offset - 1).await? }),
            offset,
        }
    };
    shapes.push((Shape::Q7, vec![deep]));

    shapes.push((
        Shape::Q8,
        cycle(
            &sample.top_committees,
            0,
            16.min(sample.top_committees.len()),
        )
        .map(|code| plain(json!({ "committee": code })))
        .collect(),
    ));
    shapes.push((Shape::Q9Count, vec![plain(json!({}))]));
    shapes.push((Shape::Q9, vec![plain(json!({}))]));
    Ok(Plan {
        shapes,
        q7_total: total,
        q7_page: page,
    })
}

/// A value as a summary field: strings as they are, null as `-`.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// `code|name` of a related record, or `-` where there is none.
fn code_name(value: &Value) -> String {
    if value.is_null() {
        "-".to_owned()
    } else {
        format!("{}|{}", text(&value["code"]), text(&value["name"]))
    }
}

/// The answer of `shape` reduced to comparable lines: every record it holds,
/// in order, with every field it shows (cursors left out: they are each
/// server's own). The floor and the peers (after their `normalize`) produce
/// the same lines for the same answer. Q4's lines name the hits only: search
/// answers are compared by `search_hits`, not line for line.
pub fn summary(shape: Shape, data: &Value) -> Vec<String> {
    let nodes = |value: &Value| value["nodes"].as_array().cloned().unwrap_or_default();
    match shape {
        Shape::Q1 => match &data["standard"] {
            Value::Null => vec!["none".to_owned()],
            s => vec![format!(
                "{}|{}|{}|{}|{}|{}|{}",
                text(&s["code"]),
                text(&s["title"]),
                text(&s["kind"]),
                text(&s["status"]),
                text(&s["year"]),
                code_name(&s["committee"]),
                code_name(&s["workingGroup"])
            )],
        },
        Shape::Q2 => nodes(&data["standards"])
            .iter()
            .map(|s| {
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    text(&s["code"]),
                    text(&s["title"]),
                    text(&s["status"]),
                    text(&s["year"]),
                    code_name(&s["committee"]),
                    code_name(&s["workingGroup"])
                )
            })
            .collect(),
        Shape::Q3 => {
            let committees = &data["committees"];
            let mut lines = vec![format!("next:{}", committees["pageInfo"]["hasNextPage"])];
            for c in nodes(committees) {
                lines.push(code_name(&c));
                for g in nodes(&c["workingGroups"]) {
                    lines.push(format!(" {}", code_name(&g)));
                    for s in nodes(&g["standards"]) {
                        let owner = &s["committee"];
                        let liaisons: Vec<String> = owner["liaisons"]
                            .as_array()
                            .map(|list| {
                                list.iter()
                                    .map(|l| {
                                        format!("{}:{}", text(&l["kind"]), text(&l["counterpart"]))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        lines.push(format!(
                            "  {}|{}|{}|{}",
                            text(&s["code"]),
                            text(&s["title"]),
                            text(&owner["code"]),
                            liaisons.join(";")
                        ));
                    }
                }
            }
            lines
        }
        Shape::Q4 | Shape::Q4Code | Shape::Q4Rare => {
            search_hits(data).into_iter().map(|hit| hit.label).collect()
        }
        Shape::Q5 => data["_entities"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| match e["__typename"].as_str() {
                Some("Standard") => format!("Standard:{}|{}", text(&e["code"]), text(&e["title"])),
                Some("Expert") => format!("Expert:{}", text(&e["name"])),
                Some("Liaison") => {
                    format!("Liaison:{}|{}", text(&e["kind"]), text(&e["counterpart"]))
                }
                Some(t) => format!("{t}:{}", code_name(e)),
                None => "null".to_owned(),
            })
            .collect(),
        Shape::Q6 => {
            let standards = &data["standards"];
            let mut lines = vec![format!("total:{}", text(&standards["totalCount"]))];
            lines.extend(nodes(standards).iter().map(|s| {
                format!(
                    "{}|{}|{}|{}",
                    text(&s["code"]),
                    text(&s["title"]),
                    text(&s["status"]),
                    text(&s["year"])
                )
            }));
            lines
        }
        Shape::Q7First | Shape::Q7 => {
            let mut lines: Vec<String> = nodes(&data["standards"])
                .iter()
                .map(|s| {
                    format!(
                        "{}|{}|{}|{}",
                        text(&s["code"]),
                        text(&s["title"]),
                        text(&s["year"]),
                        text(&s["status"])
                    )
                })
                .collect();
            lines.push(format!(
                "next:{}",
                data["standards"]["pageInfo"]["hasNextPage"]
            ));
            lines
        }
        Shape::Q8 => vec![text(&data["standards"]["totalCount"])],
        Shape::Q9Count => vec![format!("total:{}", text(&data["standards"]["totalCount"]))],
        Shape::Q9 => {
            let standards = &data["standards"];
            let mut lines = vec![format!("total:{}", text(&standards["totalCount"]))];
            for facet in ["status", "kind", "year", "committee"] {
                let counts = standards["facets"][facet]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                lines.extend(counts.iter().map(|item| {
                    let value = match facet {
                        "committee" => text(&item["committee"]["code"]),
                        _ => text(&item["value"]),
                    };
                    format!("{facet}:{value}:{}", text(&item["count"]))
                }));
            }
            lines
        }
    }
}

/// One hit of a search answer: `Type:code` (experts `Expert:name`), and
/// the text it was found by (every field it shows), for the word check.
pub struct Hit {
    pub label: String,
    pub text: String,
}

/// The hits of a Q4 answer (`data.search`).
pub fn search_hits(data: &Value) -> Vec<Hit> {
    data["search"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|hit| {
            let type_name = text(&hit["__typename"]);
            let key = match type_name.as_str() {
                "Expert" => text(&hit["name"]),
                _ => text(&hit["code"]),
            };
            let text = ["code", "name", "title", "organization"]
                .iter()
                .filter_map(|field| hit[*field].as_str())
                .collect::<Vec<_>>()
                .join(" ");
            Hit {
                label: format!("{type_name}:{key}"),
                text,
            }
        })
        .collect()
}

/// Whether a hit's text holds every word of the searched text
/// (case-insensitive): what every server's Q4 answer must satisfy, ranked or
/// not. The registry also folds spacing and dashes out of codes and matches
/// committee aliases; the benchmark's texts are plain words, where those
/// cannot matter.
pub fn hit_has_words(hit: &Hit, searched: &str) -> bool {
    let haystack = hit.text.to_lowercase();
    searched
        .split_whitespace()
        .all(|word| haystack.contains(&word.to_lowercase()))
}
