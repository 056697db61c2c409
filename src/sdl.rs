//! The SDL this subgraph publishes (`schema.graphql`, `export-schema` and
//! `_service { sdl }`): async-graphql's federation SDL, linked to federation
//! v2.9 instead of v2.5, with Apollo's demand-control directives written from
//! this server's cost model, so that a gateway's static estimate of an
//! operation and the server's own `extensions.cost.complexity` are the same
//! number (`execution/cost.rs` reads these directives back; it has no other
//! source of weights and sizes).
//!
//! The model, in Apollo's demand-control terms (object 1, scalar 0, a list
//! times its size), with what each directive says:
//!
//! - A field returning an object costs 1: one row read. A field that builds
//!   its object from the row it belongs to reads nothing and says
//!   `@cost(weight: 0)` (`sources`, `source`, `pageInfo`, `edges`,
//!   `counterpartBody`, `facets`, and a search hit's `highlights`, made
//!   from the hit's row).
//! - A facet of a list of standards (`StandardFacets.status`, `kind`, `year`,
//!   `committee`) and `standardCounts` are one grouped statement each: a list
//!   of objects, each a row of the grouped result (1), its `count` read with
//!   it (0), sized by `ASSUMED_SIZES`.
//! - A scalar costs 0, unless it is read by a statement of its own, which
//!   says `@cost(weight: 1)` (`totalCount`, a count; `aliases`, a row each).
//! - A connection says `@listSize(assumedSize: 20, slicingArguments:
//!   ["first", "last"], sizedFields: ["edges", "nodes"],
//!   requireOneSlicingArgument: false)`: its page is the larger of `first`
//!   and `last`, 20 without either (the server's default page). `search` is
//!   a list sized the same way by `first`; `searchResults` is a connection.
//! - Every other list says `@listSize(assumedSize: N)`, N from
//!   `ASSUMED_SIZES`: about the longest such list in the shipped dataset and
//!   in the synthetic catalogue the benchmarks use.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, FieldDefinition, Type, TypeKind, TypeSystemDefinition,
};

use crate::config::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// The federation version the published SDL links: the first with `@cost`
/// and `@listSize` (Apollo Router 1.53 and later read them).
pub const FEDERATION_LINK: &str = "https://specs.apollo.dev/federation/v2.9";

/// What async-graphql 7 writes, replaced by `FEDERATION_LINK`.
const ASYNC_GRAPHQL_LINK: &str = "https://specs.apollo.dev/federation/v2.5";

/// The last directive async-graphql imports, after which ours are added.
const LAST_IMPORT: &str = "\"@requiresScopes\"]";

/// The assumed length of each list that is not paged, by field name.
pub const ASSUMED_SIZES: &[(&str, usize)] = &[
    ("aliases", 5),
    ("subcommittees", 10),
    ("liaisons", 10),
    ("positions", 50),
    ("statistics", 50),
    ("sources", 5),
    ("equivalences", 5),
    // Facets of a list of standards (`StandardFacets`) and `standardCounts`:
    // one item per value the list holds, 7 statuses and 7 kinds, years of
    // publication (the synthetic catalogue spans 36), committees (200 in the
    // synthetic catalogue).
    ("status", 7),
    ("kind", 7),
    ("year", 40),
    ("committee", 200),
    ("standardCounts", 7),
    ("highlights", 5),
    // The changes of one import in a `registryChanged` event: assumed a
    // page's worth, as `changes(first:)` would read them.
    ("changes", 100),
];

/// Objects built from the row they belong to: nothing is read for them.
const FREE_OBJECTS: &[&str] = &[
    "sources",
    "source",
    "pageInfo",
    "edges",
    "counterpartBody",
    "facets",
    "highlights",
];

/// Scalars read by a statement of their own.
const READ_SCALARS: &[&str] = &["totalCount", "aliases"];

/// The published SDL, from async-graphql's federation SDL.
pub fn publish(async_graphql_sdl: &str) -> String {
    let Ok(document) = parse_schema(async_graphql_sdl) else {
        // Only a bug in async-graphql gets here; publish it unchanged and let
        // the SDL test and composition say so.
        return async_graphql_sdl.to_owned();
    };
    // Enums and scalars weigh 0 unless a directive says otherwise.
    let mut scalars: HashSet<&str> = ["Int", "Float", "String", "Boolean", "ID"].into();
    for definition in &document.definitions {
        if let TypeSystemDefinition::Type(definition) = definition
            && matches!(definition.node.kind, TypeKind::Enum(_) | TypeKind::Scalar)
        {
            scalars.insert(definition.node.name.node.as_str());
        }
    }
    let mut suffixes = HashMap::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let definition = &definition.node;
        let fields = match &definition.kind {
            TypeKind::Object(object) => &object.fields,
            TypeKind::Interface(interface) => &interface.fields,
            _ => continue,
        };
        let connection = definition.name.node.ends_with("Connection");
        for field in fields {
            let directives = directives(&field.node, connection, &scalars);
            if !directives.is_empty() {
                suffixes.insert(field.node.name.pos.line, directives);
            }
        }
    }
    let mut out = String::with_capacity(async_graphql_sdl.len() + 4096);
    for (index, line) in async_graphql_sdl.lines().enumerate() {
        out.push_str(line);
        if let Some(suffix) = suffixes.get(&(index + 1)) {
            out.push(' ');
            out.push_str(suffix);
        }
        out.push('\n');
    }
    out.replace(ASYNC_GRAPHQL_LINK, FEDERATION_LINK).replace(
        LAST_IMPORT,
        "\"@requiresScopes\", \"@cost\", \"@listSize\"]",
    )
}

/// The demand-control directives of one field, as SDL text.
fn directives(field: &FieldDefinition, in_connection: bool, scalars: &HashSet<&str>) -> String {
    let name = field.name.node.as_str();
    let list = is_list(&field.ty.node);
    let composite = !scalars.contains(named(&field.ty.node));
    let mut out = Vec::new();
    if composite && FREE_OBJECTS.contains(&name) {
        out.push("@cost(weight: 0)".to_owned());
    } else if !composite && READ_SCALARS.contains(&name) {
        out.push("@cost(weight: 1)".to_owned());
    }
    let has = |argument: &str| field.arguments.iter().any(|a| a.node.name.node == argument);
    if has("first") {
        let slicing = ["first", "last"]
            .into_iter()
            .filter(|argument| has(argument))
            .map(|argument| format!("\"{argument}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let sized = if list {
            String::new()
        } else {
            "sizedFields: [\"edges\", \"nodes\"], ".to_owned()
        };
        out.push(format!(
            "@listSize(assumedSize: {DEFAULT_PAGE_SIZE}, slicingArguments: [{slicing}], {sized}requireOneSlicingArgument: false)"
        ));
    } else if list && !(in_connection && matches!(name, "edges" | "nodes")) {
        out.push(format!("@listSize(assumedSize: {})", assumed_size(name)));
    }
    out.join(" ")
}

/// The assumed length of a list that is not paged; the largest page for one
/// the table forgot (a test checks it forgets none).
pub fn assumed_size(field: &str) -> usize {
    ASSUMED_SIZES
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(MAX_PAGE_SIZE, |(_, size)| *size)
}

fn is_list(ty: &Type) -> bool {
    matches!(ty.base, BaseType::List(_))
}

/// The named type of a field's type: `[Standard!]!` is `Standard`.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}
