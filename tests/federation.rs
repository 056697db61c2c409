//! Apollo Federation through the real schema: `_service` and `_entities`,
//! batched through the same loaders as every other field.

mod common;

use async_graphql::{Request, Variables};
use common::*;
use serde_json::{Value, json};
use standards_registry::export_sdl;

const ENTITIES: &str = r#"query($representations: [_Any!]!) { _entities(representations: $representations) {
    __typename
    ... on Committee { code name }
    ... on WorkingGroup { code committee { code } }
    ... on Standard { code title }
    ... on Expert { id name }
    ... on Liaison { id counterpart }
} }"#;

fn entities(representations: Vec<Value>) -> Request {
    Request::new(ENTITIES).variables(Variables::from_json(
        json!({ "representations": representations }),
    ))
}

on_every_backend! {
    async fn service_sdl_is_the_exported_schema(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let answer = data(&db.schema(), "{ _service { sdl } }").await;
        assert_eq!(answer["_service"]["sdl"], json!(export_sdl()));
        // Under aliases and through fragments too: async-graphql's own SDL
        // (federation v2.5, no demand control) never gets out.
        let answer = data(
            &db.schema(),
            "{ s: _service { a: sdl ...F } ... on Query { t: _service { sdl } } } fragment F on _Service { b: sdl }",
        )
        .await;
        let sdl = json!(export_sdl());
        assert_eq!(answer, json!({ "s": { "a": sdl, "b": sdl }, "t": { "sdl": sdl } }));
    }

    async fn entities_of_every_type_in_request_order(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let ids = data(&schema, r#"{ experts(first: 1) { nodes { id } } liaisons(kind: [MIRROR], first: 1) { nodes { id } } }"#).await;
        let expert = ids["experts"]["nodes"][0]["id"].clone();
        let liaison = ids["liaisons"]["nodes"][0]["id"].clone();
        let response = execute(&schema, entities(vec![
            json!({ "__typename": "Standard", "code": "GB/T 45993-2025" }),
            json!({ "__typename": "Committee", "code": "SAC/TC28/SC42" }),
            json!({ "__typename": "Committee", "code": "SAC/TC999" }),
            json!({ "__typename": "WorkingGroup", "code": "SAC/TC28/WG34" }),
            json!({ "__typename": "Expert", "id": expert }),
            json!({ "__typename": "Standard", "code": "GB/T 0-0000" }),
            json!({ "__typename": "Liaison", "id": liaison }),
            json!({ "__typename": "Committee", "code": "TC28" }),
        ])).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        assert_eq!(response["data"]["_entities"], json!([
            { "__typename": "Standard", "code": "GB/T 45993-2025", "title": "Metaverse – Reference architecture" },
            { "__typename": "Committee", "code": "SAC/TC28/SC42", "name": "Artificial Intelligence Technical committee of the National Standardization Administration of China" },
            null,
            { "__typename": "WorkingGroup", "code": "SAC/TC28/WG34", "committee": { "code": "SAC/TC28" } },
            { "__typename": "Expert", "id": expert, "name": "Betty XU" },
            null,
            { "__typename": "Liaison", "id": liaison, "counterpart": "ISO/IEC JTC 1" },
            { "__typename": "Committee", "code": "SAC/TC28", "name": "National Information Technology Standardization Technical Committee" },
        ]));
    }

    async fn a_thousand_representations_take_a_handful_of_statements(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
        let committees: Vec<&str> = dataset["committees"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
        let groups: Vec<&str> = dataset["workingGroups"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
        let standards = data(&schema, "{ standards(first: 100) { nodes { code } } }").await;
        let standards: Vec<String> = standards["standards"]["nodes"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap().to_owned()).collect();
        let mut representations = Vec::new();
        let mut expected = Vec::new();
        for i in 0..1000 {
            let (representation, answer) = match i % 4 {
                0 => {
                    let code = committees[i / 4 % committees.len()];
                    (json!({ "__typename": "Committee", "code": code }), json!({ "__typename": "Committee", "code": code }))
                }
                1 => {
                    let code = groups[i / 4 % groups.len()];
                    (json!({ "__typename": "WorkingGroup", "code": code }), json!({ "__typename": "WorkingGroup", "code": code }))
                }
                2 => {
                    let code = &standards[i / 4 % standards.len()];
                    (json!({ "__typename": "Standard", "code": code }), json!({ "__typename": "Standard", "code": code }))
                }
                _ => (json!({ "__typename": "Standard", "code": format!("NO/SUCH {i}") }), Value::Null),
            };
            representations.push(representation);
            expected.push(answer);
        }
        let response = execute(&schema, Request::new(
            r#"query($representations: [_Any!]!) { _entities(representations: $representations) {
                __typename ... on Committee { code } ... on WorkingGroup { code } ... on Standard { code }
            } }"#,
        ).variables(Variables::from_json(json!({ "representations": representations })))).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        assert_eq!(response["data"]["_entities"], Value::Array(expected));
        // One statement per entity type: committees, working groups, standards.
        assert_eq!(statements(&response), 3);
    }
}
