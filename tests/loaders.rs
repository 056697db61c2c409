//! Batching: the SQL statements a query runs depend on its shape, not on how
//! many rows it returns. Counted per request through `extensions.cost`.

mod common;

use common::*;
use serde_json::{Value, json};

/// Every relation of the contract, four levels down from the committee list.
/// The pages are larger than any list in the dataset, and small enough to
/// stay within the default complexity limit.
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

/// The real dataset cut to a quarter: every committee (the frame every
/// level hangs from), every fourth standard, the working groups those
/// standards name, and every fourth of the other records whose references
/// are still there.
fn quarter_dataset() -> String {
    let mut dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
    let every_fourth = |list: &mut Vec<Value>| {
        let mut index = 0;
        list.retain(|_| {
            index += 1;
            index % 4 == 1
        });
    };
    every_fourth(dataset["standards"].as_array_mut().unwrap());
    let standards: Vec<Value> = dataset["standards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].clone())
        .collect();
    let groups: Vec<Value> = dataset["standards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["workingGroup"].clone())
        .collect();
    dataset["workingGroups"]
        .as_array_mut()
        .unwrap()
        .retain(|group| groups.contains(&group["code"]));
    for standard in dataset["standards"].as_array_mut().unwrap() {
        standard["equivalences"]
            .as_array_mut()
            .unwrap()
            .retain(|e| standards.contains(&e["code"]));
    }
    let kept_group = |value: &Value| value.is_null() || groups.contains(value);
    for list in ["positions", "liaisons", "statistics"] {
        let records = dataset[list].as_array_mut().unwrap();
        records.retain(|record| kept_group(&record["workingGroup"]));
        every_fourth(records);
    }
    dataset.to_string()
}

on_every_backend! {
    async fn statements_depend_on_depth_not_on_rows(backend: Backend) {
        let full = TestDb::with_dataset(backend).await;
        let quarter = TestDb::with(backend, &quarter_dataset()).await;
        let full_response = execute(&full.schema(), DEEP).await;
        let quarter_response = execute(&quarter.schema(), DEEP).await;
        assert!(full_response.get("errors").is_none(), "{full_response:#}");
        assert!(quarter_response.get("errors").is_none(), "{quarter_response:#}");
        // The quarter really is smaller: a handful of committees against eleven.
        // Every standard of a working group is reached: 87 of the dataset's
        // 131 (the rest have no group), against a quarter of them.
        let reached = |response: &Value| response.to_string().matches("\"equivalences\"").count();
        let in_groups = |dataset: &str| {
            let dataset: Value = serde_json::from_str(dataset).unwrap();
            dataset["standards"].as_array().unwrap().iter().filter(|s| !s["workingGroup"].is_null()).count()
        };
        assert_eq!(reached(&full_response), 87);
        assert_eq!(reached(&full_response), in_groups(&dataset_text()));
        assert_eq!(reached(&quarter_response), in_groups(&quarter_dataset()));
        assert!(3 * reached(&quarter_response) < reached(&full_response), "{}", reached(&quarter_response));
        // One statement per relation, whatever the rows: committees, parent,
        // subcommittees, aliases, statistics, positions, experts, working
        // groups, their liaisons, standards, equivalences, the standards'
        // working groups and committees, and those committees' liaisons, in
        // two batches: a committee already read (the parent SAC/TC28) answers
        // from the cache one poll pass before the others arrive.
        assert_eq!(statements(&full_response), 15);
        assert_eq!(statements(&quarter_response), 15);
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
