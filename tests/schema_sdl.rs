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
