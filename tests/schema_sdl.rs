//! `schema.graphql` is the exact export of the code, and it keeps every name
//! of the public contract.

use standards_registry::export_sdl;

#[test]
fn schema_graphql_is_the_exported_sdl() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).expect("schema.graphql exists");
    assert!(
        committed == export_sdl(),
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}

#[test]
fn the_sdl_is_a_federation_v2_subgraph() {
    let sdl = export_sdl();
    for expected in [
        "extend schema @link(",
        "https://specs.apollo.dev/federation/v2",
        r#"type Committee implements Node @key(fields: "code")"#,
        r#"type WorkingGroup implements Node @key(fields: "code")"#,
        r#"type Standard implements Node @key(fields: "code")"#,
        r#"type Expert implements Node @key(fields: "id")"#,
        r#"type Liaison implements Node @key(fields: "id")"#,
        r#"type InternationalBody @key(fields: "code", resolvable: false)"#,
    ] {
        assert!(sdl.contains(expected), "the SDL lacks `{expected}`");
    }
}

#[test]
fn the_sdl_links_federation_2_9_with_the_demand_control_directives() {
    let sdl = export_sdl();
    assert!(
        sdl.contains(r#"url: "https://specs.apollo.dev/federation/v2.9","#),
        "{sdl}"
    );
    assert!(
        sdl.contains(r#""@requiresScopes", "@cost", "@listSize"]"#),
        "{sdl}"
    );
}

/// Every list and every connection carries `@listSize`, so no gateway falls
/// back on a list size of its own for a field of ours; the lists of a
/// connection are sized by the field that returns it.
#[test]
fn every_list_and_connection_has_a_list_size() {
    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};
    let document = parse_schema(export_sdl()).expect("the SDL parses");
    let mut checked = 0;
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let owner = definition.node.name.node.to_string();
        let TypeKind::Object(object) = definition.node.kind else {
            continue;
        };
        for field in object.fields {
            let field = field.node;
            let name = field.name.node.as_str();
            let list = matches!(field.ty.node.base, BaseType::List(_));
            let connection = field.ty.node.to_string().contains("Connection");
            let sized_by_parent =
                owner.ends_with("Connection") && matches!(name, "edges" | "nodes");
            if !(list || connection) || sized_by_parent {
                continue;
            }
            let list_size = field
                .directives
                .iter()
                .find(|d| d.node.name.node == "listSize")
                .unwrap_or_else(|| panic!("{owner}.{name} has no @listSize"));
            if connection {
                let text = format!("{:?}", list_size.node.arguments);
                assert!(text.contains("sizedFields"), "{owner}.{name}: {text}");
                assert!(text.contains("slicingArguments"), "{owner}.{name}: {text}");
            }
            checked += 1;
        }
    }
    // 25 before the facets (6), `searchResults` and
    // `SearchResultEdge.highlights` (2), `Query.changes` and
    // `RegistryChanged.changes` (2).
    assert_eq!(checked, 35, "fields checked");
}

/// The public contract (`contract/api-contract.graphql`, the file the README
/// cites): every type of it is in the exported SDL with the same kind, and
/// every field, argument, input field, enum value and union member with the
/// same name and type (nullability included). The SDL may add more.
#[test]
fn the_sdl_keeps_every_name_of_the_public_contract() {
    use std::collections::HashMap;

    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    /// Each type's kind and its members: `field(arg: Type, ..): Type`,
    /// `input: Type`, `VALUE`, or `| Member`.
    fn members(sdl: &str) -> HashMap<String, (String, Vec<String>)> {
        let document = parse_schema(sdl).expect("the SDL parses");
        let mut types = HashMap::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let (kind, members): (&str, Vec<String>) = match definition.kind {
                TypeKind::Object(object) => ("type", fields(&object.fields)),
                TypeKind::Interface(interface) => ("interface", fields(&interface.fields)),
                TypeKind::Enum(values) => (
                    "enum",
                    values
                        .values
                        .iter()
                        .map(|value| value.node.value.node.to_string())
                        .collect(),
                ),
                TypeKind::InputObject(input) => (
                    "input",
                    input
                        .fields
                        .iter()
                        .map(|field| format!("{}: {}", field.node.name.node, field.node.ty.node))
                        .collect(),
                ),
                TypeKind::Union(union) => (
                    "union",
                    union
                        .members
                        .iter()
                        .map(|member| format!("| {}", member.node))
                        .collect(),
                ),
                TypeKind::Scalar => ("scalar", Vec::new()),
            };
            types.insert(definition.name.node.to_string(), (kind.to_owned(), members));
        }
        types
    }

    fn fields(
        fields: &[async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>],
    ) -> Vec<String> {
        let mut out = Vec::new();
        for field in fields {
            let field = &field.node;
            out.push(format!("{}: {}", field.name.node, field.ty.node));
            for argument in &field.arguments {
                out.push(format!(
                    "{}({}: {})",
                    field.name.node, argument.node.name.node, argument.node.ty.node
                ));
            }
        }
        out
    }

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/contract/api-contract.graphql");
    let contract = std::fs::read_to_string(path).expect("contract/api-contract.graphql exists");
    let contract = members(&contract);
    let exported = members(&export_sdl());
    assert!(
        contract.len() > 20,
        "the contract has {} types",
        contract.len()
    );
    let mut missing = Vec::new();
    for (name, (kind, members)) in &contract {
        match exported.get(name) {
            None => missing.push(format!("{kind} {name}")),
            Some((exported_kind, _)) if exported_kind != kind => {
                missing.push(format!("{name} is a {exported_kind}, not a {kind}"))
            }
            Some((_, exported_members)) => missing.extend(
                members
                    .iter()
                    .filter(|member| !exported_members.contains(member))
                    .map(|member| format!("{name}.{member}")),
            ),
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "not in the SDL as the contract has it: {missing:#?}"
    );
}
