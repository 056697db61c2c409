//! Batching: the SQL statements a query runs depend on its shape, not on how
//! many rows it returns. Counted per request through `extensions.cost`.

mod common;

use common::*;
use serde_json::{Value, json};

/// Every relation of the contract, four levels down from the committee list.
/// The pages are larger than any list in the dataset; its estimate (424,561:
/// every list at its page or assumed size) is past the default complexity
/// limit, which `deep_schema` raises: this test counts statements, not cost.
const DEEP: &str = r#"{ committees(first: 20) { nodes {
    code parent { code } subcommittees { code } aliases
    statistics { metric } positions { role expert { name } }
    workingGroups(first: 30) { nodes {
        code liaisons { kind }
        standards(first: 30) { nodes {
            code equivalences { degree standard { code } }
            committee { code liaisons { kind counterpart } }
            workingGroup { code }
        } }
    } }
} } }"#;

/// The real dataset reduced at every level: the technical committee and
/// every other subcommittee, every other working group of those, a quarter
/// of the standards still in them (and the equivalences between those),
/// half of the liaisons and statistics still held, a third of the
/// positions, and the experts those positions name.
fn reduced_dataset() -> String {
    let mut dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
    let keep_every = |list: &mut Vec<Value>, n: usize, keep: &dyn Fn(&Value) -> bool| {
        let mut index = 0;
        list.retain(|record| {
            if !keep(record) {
                return false;
            }
            index += 1;
            index % n == 1 % n
        });
    };
    let codes = |list: &Value| -> Vec<Value> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|record| record["code"].clone())
            .collect()
    };
    // TC28 has no parent and is kept: the first of each pair.
    keep_every(dataset["committees"].as_array_mut().unwrap(), 2, &|_| true);
    let committees = codes(&dataset["committees"]);
    let kept = |list: &[Value], value: &Value| value.is_null() || list.contains(value);
    keep_every(
        dataset["workingGroups"].as_array_mut().unwrap(),
        2,
        &|group| committees.contains(&group["committee"]),
    );
    let groups = codes(&dataset["workingGroups"]);
    keep_every(
        dataset["standards"].as_array_mut().unwrap(),
        4,
        &|standard| {
            kept(&committees, &standard["committee"]) && kept(&groups, &standard["workingGroup"])
        },
    );
    let standards = codes(&dataset["standards"]);
    for standard in dataset["standards"].as_array_mut().unwrap() {
        standard["equivalences"]
            .as_array_mut()
            .unwrap()
            .retain(|e| standards.contains(&e["code"]));
    }
    for (list, n) in [("positions", 3), ("liaisons", 2), ("statistics", 2)] {
        keep_every(dataset[list].as_array_mut().unwrap(), n, &|record| {
            kept(&committees, &record["committee"]) && kept(&groups, &record["workingGroup"])
        });
    }
    let named: Vec<Value> = dataset["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["expert"].clone())
        .collect();
    dataset["experts"]
        .as_array_mut()
        .unwrap()
        .retain(|expert| named.contains(&expert["key"]));
    dataset.to_string()
}

/// The schema over `test_db` with room for `DEEP`.
fn deep_schema(test_db: &TestDb) -> standards_registry::RegistrySchema {
    let config = standards_registry::SchemaConfig {
        max_complexity: 1_000_000,
        max_complexity_in_flight: 1_000_000,
        ..standards_registry::SchemaConfig::for_tests()
    };
    standards_registry::build_schema(test_db.db.clone(), &config)
}

/// How many records of each list a dataset holds.
fn sizes(dataset: &str) -> Vec<(String, usize)> {
    let dataset: Value = serde_json::from_str(dataset).unwrap();
    [
        "committees",
        "workingGroups",
        "standards",
        "experts",
        "positions",
        "liaisons",
        "statistics",
    ]
    .iter()
    .map(|list| (list.to_string(), dataset[list].as_array().unwrap().len()))
    .collect()
}

on_every_backend! {
    async fn statements_depend_on_depth_not_on_rows(backend: Backend) {
        let full = TestDb::with_dataset(backend).await;
        let reduced = TestDb::with(backend, &reduced_dataset()).await;
        let full_response = execute(&deep_schema(&full), DEEP).await;
        let reduced_response = execute(&deep_schema(&reduced), DEEP).await;
        assert!(full_response.get("errors").is_none(), "{full_response:#}");
        assert!(reduced_response.get("errors").is_none(), "{reduced_response:#}");
        // Smaller at every level.
        let by = |list: &[(String, usize)]| list.iter().map(|(_, n)| *n).collect::<Vec<_>>();
        assert_eq!(by(&sizes(&dataset_text())), [11, 23, 131, 2, 3, 35, 124]);
        assert_eq!(by(&sizes(&reduced_dataset())), [6, 6, 9, 1, 1, 9, 32]);
        // Every standard of a working group is reached: 87 of the dataset's
        // 131 (the rest have no group), against far fewer in the reduced one.
        let reached = |response: &Value| response.to_string().matches("\"equivalences\"").count();
        let in_groups = |dataset: &str| {
            let dataset: Value = serde_json::from_str(dataset).unwrap();
            dataset["standards"].as_array().unwrap().iter().filter(|s| !s["workingGroup"].is_null()).count()
        };
        assert_eq!(reached(&full_response), 87);
        assert_eq!(reached(&full_response), in_groups(&dataset_text()));
        assert_eq!(reached(&reduced_response), in_groups(&reduced_dataset()));
        assert!(4 * reached(&reduced_response) < reached(&full_response), "{}", reached(&reduced_response));
        // One statement per relation, whatever the rows: committees; their
        // parents, subcommittees, aliases, statistics, positions and working
        // groups; the positions' experts, the groups' liaisons and standards;
        // the standards' equivalences, committees and working groups; those
        // committees' liaisons. (The equivalences name no standard here, so
        // their `standard` reads nothing.)
        assert_eq!(statements(&full_response), 14);
        assert_eq!(statements(&reduced_response), 14);
    }

    // Past async-graphql's default batch of 1,000 keys: 1,500 standards and
    // 1,500 working groups asked for at one level (a federation gateway's
    // `_entities`), 53 and 23 of them in the dataset (the standards the
    // reports give a code), still one statement each.
    async fn more_than_a_thousand_keys_at_one_level_are_one_statement(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
        let real = |list: &str| -> Vec<String> {
            dataset[list].as_array().unwrap().iter().filter_map(|r| r["code"].as_str().map(str::to_owned)).collect()
        };
        let (standards, groups) = (real("standards"), real("workingGroups"));
        let mut representations = Vec::new();
        for i in 0..1_500 {
            let standard = standards.get(i).cloned().unwrap_or_else(|| format!("GB/T {}-2099", 90_000 + i));
            representations.push(json!({ "__typename": "Standard", "code": standard }));
            let group = groups.get(i).cloned().unwrap_or_else(|| format!("SAC/TC99/WG{i}"));
            representations.push(json!({ "__typename": "WorkingGroup", "code": group }));
        }
        let request = async_graphql::Request::new(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Standard { code } ... on WorkingGroup { code } } }",
        )
        .variables(async_graphql::Variables::from_json(json!({ "r": representations })));
        let response = execute(&db.schema(), request).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        let entities = response["data"]["_entities"].as_array().unwrap();
        assert_eq!(entities.len(), 3_000);
        assert_eq!(entities.iter().filter(|e| !e.is_null()).count(), 53 + 23);
        assert_eq!(entities[0], json!({ "code": standards[0] }));
        assert_eq!(entities[1], json!({ "code": groups[0] }));
        assert_eq!(entities[2_998], Value::Null);
        // Standards by code, working groups by code through their aliases.
        assert_eq!(statements(&response), 2);
    }

    async fn a_nested_list_is_one_statement_per_level(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let response = execute(&schema, r#"{ committees(first: 20) { nodes {
            workingGroups(first: 30) { nodes { standards(first: 40) { nodes { committee { liaisons { kind } } } } } }
        } } }"#).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        // committees, working groups, standards, committees by id, liaisons.
        assert_eq!(statements(&response), 5);
        let total = execute(&schema, "{ committees(first: 5) { totalCount nodes { code } } }").await;
        assert_eq!(total["data"]["committees"]["totalCount"], json!(11));
        // The page, and a count only because totalCount was asked for.
        assert_eq!(statements(&total), 2);
        let no_total = execute(&schema, "{ committees(first: 5) { nodes { code } } }").await;
        assert_eq!(statements(&no_total), 1);
        // A count alone reads no rows: the count only.
        let only_total = execute(&schema, "{ committees(first: 5) { totalCount } }").await;
        assert_eq!(only_total["data"]["committees"]["totalCount"], json!(11));
        assert_eq!(statements(&only_total), 1);
        let counted = execute(&schema, r#"{ standards(filter: { committee: "SC42", status: [PUBLISHED] }) { totalCount } }"#).await;
        assert_eq!(counted["data"]["standards"]["totalCount"], json!(22));
        // The committee by its alias, its subtree, the count.
        assert_eq!(statements(&counted), 3);
    }

    async fn a_root_page_with_two_relations_is_three_statements(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let response = execute(&db.schema(), "{ standards(first: 100) { nodes { code committee { code } workingGroup { code } } } }").await;
        assert!(response.get("errors").is_none(), "{response:#}");
        // The page, then every committee and every group in one statement each.
        assert_eq!(statements(&response), 3);
    }
}
