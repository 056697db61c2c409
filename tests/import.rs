//! Importing datasets: re-importing changes nothing, a bad file names its record and field and writes nothing, an upsert changes a record in place, unknown keys are refused.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::fmt::Debug;

use entity::{
    committee, committee_alias, expert, liaison, position, standard, standard_equivalence,
    statistic, working_group, working_group_alias,
};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use standards_registry::dataset::{self, ImportError, ImportSummary};

/// Every row of every table, as `Debug` text, sorted. Rows the import
/// replaces as a set (aliases, equivalences, positions, statistics) get new
/// ids each time, so their id is zeroed; upserted rows keep theirs.
type Dump = BTreeMap<&'static str, Vec<String>>;

async fn rows<E>(db: &DatabaseConnection, forget_id: fn(&mut E::Model)) -> Vec<String>
where
    E: EntityTrait,
    E::Model: Debug,
{
    let mut rows: Vec<String> = E::find()
        .all(db)
        .await
        .expect("the table reads")
        .into_iter()
        .map(|mut row| {
            forget_id(&mut row);
            format!("{row:?}")
        })
        .collect();
    rows.sort();
    rows
}

async fn dump(db: &DatabaseConnection) -> Dump {
    fn keep<M>(_: &mut M) {}
    let mut dump = Dump::new();
    dump.insert("committee", rows::<committee::Entity>(db, keep).await);
    dump.insert(
        "committee_alias",
        rows::<committee_alias::Entity>(db, |row| row.id = 0).await,
    );
    dump.insert(
        "working_group",
        rows::<working_group::Entity>(db, keep).await,
    );
    dump.insert(
        "working_group_alias",
        rows::<working_group_alias::Entity>(db, |row| row.id = 0).await,
    );
    dump.insert("standard", rows::<standard::Entity>(db, keep).await);
    dump.insert(
        "standard_equivalence",
        rows::<standard_equivalence::Entity>(db, |row| row.id = 0).await,
    );
    dump.insert("expert", rows::<expert::Entity>(db, keep).await);
    dump.insert(
        "position",
        rows::<position::Entity>(db, |row| row.id = 0).await,
    );
    dump.insert("liaison", rows::<liaison::Entity>(db, keep).await);
    dump.insert(
        "statistic",
        rows::<statistic::Entity>(db, |row| row.id = 0).await,
    );
    dump
}

fn counts(dump: &Dump) -> BTreeMap<&'static str, usize> {
    dump.iter()
        .map(|(table, rows)| (*table, rows.len()))
        .collect()
}

/// The real dataset as JSON, to derive expectations from and to edit.
fn dataset_json() -> Value {
    serde_json::from_str(&dataset_text()).expect("data/registry.json is JSON")
}

fn list<'a>(dataset: &'a Value, key: &str) -> &'a Vec<Value> {
    dataset[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is a list"))
}

/// The index of the standard with `code` in the dataset file.
fn standard_index(dataset: &Value, code: &str) -> usize {
    list(dataset, "standards")
        .iter()
        .position(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("the dataset lists {code}"))
}

/// Parses and imports `dataset` into `db`.
async fn import_json(
    db: &DatabaseConnection,
    dataset: &Value,
) -> Result<ImportSummary, ImportError> {
    let parsed = dataset::parse(&dataset.to_string()).expect("the dataset parses");
    dataset::import(db, &parsed).await
}

/// The real dataset with its last statistic naming a committee that does not
/// exist, and the index of that statistic.
fn with_bad_last_statistic(mut dataset: Value) -> (Value, usize) {
    let statistics = dataset["statistics"].as_array_mut().expect("a list");
    let last = statistics.len() - 1;
    statistics[last]["committee"] = json!("SAC/TC999");
    statistics[last]["workingGroup"] = Value::Null;
    (dataset, last)
}

fn assert_names_unknown_committee(result: Result<ImportSummary, ImportError>, index: usize) {
    match result {
        Err(ImportError::Invalid {
            record,
            field,
            message,
        }) => {
            assert_eq!(record, format!("statistics[{index}]"));
            assert_eq!(field, "committee");
            assert_eq!(message, "unknown code `SAC/TC999`");
        }
        other => panic!("expected an invalid-record error, got {other:?}"),
    }
}

const STANDARD_CODE: &str = "GB/T 45993-2025";

const STANDARD_QUERY: &str = r#"{
    standard(code: "GB/T 45993-2025") {
        id code title status year committee { code } workingGroup { code }
    }
    standards { totalCount }
}"#;

on_every_backend! {
    async fn importing_the_dataset_twice_changes_nothing(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let before = dump(&test_db.db).await;

        let file = dataset_json();
        let n = |key: &str| list(&file, key).len();
        let sum = |key: &str, field: &str, plus: usize| -> usize {
            list(&file, key)
                .iter()
                .map(|record| plus + record[field].as_array().map_or(0, Vec::len))
                .sum()
        };
        let expected: BTreeMap<&str, usize> = [
            ("committee", n("committees")),
            // Each committee answers to its code and to the aliases it lists.
            ("committee_alias", sum("committees", "aliases", 1)),
            ("working_group", n("workingGroups")),
            ("standard", n("standards")),
            ("standard_equivalence", sum("standards", "equivalences", 0)),
            ("expert", n("experts")),
            ("position", n("positions")),
            ("liaison", n("liaisons")),
            ("statistic", n("statistics")),
        ]
        .into_iter()
        .collect();
        let mut actual = counts(&before);
        let group_aliases = actual.remove("working_group_alias").unwrap();
        assert_eq!(actual, expected);
        // Each group answers to its code at least.
        assert!(group_aliases >= n("workingGroups"), "{group_aliases} group aliases");

        let summary = dataset::import_file(&test_db.db, &dataset_path()).await.expect("the dataset imports again");
        assert_eq!(
            summary,
            ImportSummary {
                committees: n("committees"),
                working_groups: n("workingGroups"),
                standards: n("standards"),
                experts: n("experts"),
                positions: n("positions"),
                liaisons: n("liaisons"),
                statistics: n("statistics"),
            }
        );
        let after = dump(&test_db.db).await;
        for (table, rows) in &before {
            assert_eq!(&after[table], rows, "table `{table}` changed");
        }
        assert_eq!(after, before);
    }

    async fn the_imported_dataset_holds_known_records(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let data = data(
            &test_db.schema(),
            r#"{
                committee(code: "SAC/TC28/SC42") { code kind aliases parent { code kind } }
                standard(code: "GB/T 45993-2025") { title committee { code } workingGroup { code } }
                experts { nodes { name organization } }
            }"#,
        )
        .await;
        assert_eq!(
            data,
            json!({
                "committee": {
                    "code": "SAC/TC28/SC42",
                    "kind": "SUBCOMMITTEE",
                    "aliases": ["SAC/SC42", "TC28/SC42", "SC42"],
                    "parent": { "code": "SAC/TC28", "kind": "TECHNICAL_COMMITTEE" }
                },
                "standard": {
                    "title": "Metaverse \u{2013} Reference architecture",
                    "committee": { "code": "SAC/TC28" },
                    "workingGroup": { "code": "SAC/TC28/metaverse-research-group" }
                },
                "experts": { "nodes": [
                    { "name": "Betty XU", "organization": "SESEC V" },
                    { "name": "Fan Kefeng", "organization": "CESI" }
                ] }
            })
        );
    }

    async fn a_misspelt_status_is_refused_naming_record_and_field(backend: Backend) {
        let test_db = TestDb::empty(backend).await;
        let mut file = dataset_json();
        let index = standard_index(&file, STANDARD_CODE);
        file["standards"][index]["status"] = json!("PUBLISHD");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, file.to_string()).unwrap();

        let err = dataset::import_file(&test_db.db, &path).await.expect_err("a misspelt status is refused");
        let message = err.to_string();
        assert!(message.starts_with(&format!("standards[{index}].status: ")), "{message}");
        assert!(message.contains("unknown variant `PUBLISHD`"), "{message}");
        assert!(matches!(err, ImportError::Parse { .. }), "{err:?}");
        assert!(dump(&test_db.db).await.values().all(Vec::is_empty), "something was written");
    }

    async fn a_bad_last_record_leaves_an_empty_database_empty(backend: Backend) {
        let test_db = TestDb::empty(backend).await;
        let (bad, index) = with_bad_last_statistic(dataset_json());
        assert_names_unknown_committee(import_json(&test_db.db, &bad).await, index);
        let after = dump(&test_db.db).await;
        assert!(after.values().all(Vec::is_empty), "something was written: {:?}", counts(&after));
        assert_eq!(data(&test_db.schema(), "{ committees { totalCount } }").await, json!({ "committees": { "totalCount": 0 } }));
    }

    async fn a_bad_last_record_leaves_an_imported_database_as_it_was(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let before = dump(&test_db.db).await;
        let (mut bad, index) = with_bad_last_statistic(dataset_json());
        bad["committees"][0]["name"] = json!("Renamed by a file that fails");
        let first_code = bad["committees"][0]["code"].as_str().unwrap().to_owned();
        let original_name = list(&dataset_json(), "committees")[0]["name"].clone();

        let err = import_json(&test_db.db, &bad).await;
        let message = match &err {
            Err(err) => err.to_string(),
            Ok(summary) => panic!("the bad file imported: {summary:?}"),
        };
        assert_eq!(message, format!("statistics[{index}]: `committee`: unknown code `SAC/TC999`"));
        assert_names_unknown_committee(err, index);

        assert_eq!(dump(&test_db.db).await, before);
        let query = format!(r#"{{ committee(code: "{first_code}") {{ name }} }}"#);
        assert_eq!(
            data(&test_db.schema(), &query).await,
            json!({ "committee": { "name": original_name } })
        );
    }

    async fn an_upsert_changes_a_standard_in_place(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let before = data(&schema, STANDARD_QUERY).await;
        let dump_before = dump(&test_db.db).await;

        let file = dataset_json();
        let mut record = list(&file, "standards")[standard_index(&file, STANDARD_CODE)].clone();
        record["title"] = json!("Metaverse \u{2013} Reference architecture (revised)");
        // Only the standard: its committee and group are already in the database.
        let small = json!({ "documents": file["documents"], "standards": [record] });
        import_json(&test_db.db, &small).await.expect("the small dataset imports");

        let after = data(&schema, STANDARD_QUERY).await;
        let mut expected = before.clone();
        expected["standard"]["title"] = json!("Metaverse \u{2013} Reference architecture (revised)");
        assert_eq!(after, expected);
        assert_eq!(
            after,
            json!({
                "standard": {
                    "id": before["standard"]["id"],
                    "code": "GB/T 45993-2025",
                    "title": "Metaverse \u{2013} Reference architecture (revised)",
                    "status": "PUBLISHED",
                    "year": 2025,
                    "committee": { "code": "SAC/TC28" },
                    "workingGroup": { "code": "SAC/TC28/metaverse-research-group" }
                },
                "standards": { "totalCount": list(&file, "standards").len() }
            })
        );

        // Nothing else moved: every other table is as it was, and one standard row changed.
        let dump_after = dump(&test_db.db).await;
        for (table, rows) in &dump_before {
            if *table != "standard" {
                assert_eq!(&dump_after[table], rows, "table `{table}` changed");
            }
        }
        let changed = dump_after["standard"]
            .iter()
            .filter(|row| !dump_before["standard"].contains(row))
            .count();
        assert_eq!(changed, 1);
        assert_eq!(dump_after["standard"].len(), dump_before["standard"].len());
    }

    // A catalogue-sized file: replacing the positions of 33,000 experts
    // deletes by 33,000 ids, past the 32,766 parameters SQLite takes in one
    // statement (the benchmark's size L found it).
    async fn an_import_past_the_parameter_limit_of_one_statement(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let file = dataset_json();
        const EXPERTS: usize = 33_000;
        let source = json!([{ "document": file["documents"][0]["id"], "section": null }]);
        let experts: Vec<Value> = (0..EXPERTS)
            .map(|i| json!({ "key": format!("expert-{i}"), "name": format!("Expert {i}"),
                             "organization": null, "notes": null, "sources": source }))
            .collect();
        let positions: Vec<Value> = (0..EXPERTS)
            .map(|i| json!({ "expert": format!("expert-{i}"), "role": "Member", "committee": "SAC/TC28",
                             "workingGroup": null, "externalBody": null, "notes": null, "sources": source }))
            .collect();
        let large = json!({ "documents": file["documents"], "experts": experts, "positions": positions });
        let summary = import_json(&test_db.db, &large).await.expect("the large file imports");
        assert_eq!((summary.experts, summary.positions), (EXPERTS, EXPERTS));
        // Again: now every one of those positions is replaced.
        let summary = import_json(&test_db.db, &large).await.expect("and imports again");
        assert_eq!(summary.positions, EXPERTS);
        let count = position::Entity::find().count(&test_db.db).await.unwrap();
        assert_eq!(count, EXPERTS as u64 + 3, "the dataset's 3 positions and the file's");
    }

    async fn an_import_summary_counts_the_records_of_its_file(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let file = dataset_json();
        let record = list(&file, "standards")[standard_index(&file, STANDARD_CODE)].clone();
        let small = json!({ "documents": file["documents"], "standards": [record] });
        let summary = import_json(&test_db.db, &small).await.expect("the small dataset imports");
        // `ImportSummary` is "what an import wrote": one standard, nothing else.
        assert_eq!(
            summary,
            ImportSummary {
                committees: 0,
                working_groups: 0,
                standards: 1,
                experts: 0,
                positions: 0,
                liaisons: 0,
                statistics: 0,
            }
        );
    }

    async fn unknown_keys_are_refused_naming_their_path(backend: Backend) {
        let test_db = TestDb::empty(backend).await;
        let mut file = dataset_json();
        file["committees"][0]["colour"] = json!("red");
        let err = dataset::parse(&file.to_string()).expect_err("an unknown key is refused");
        let message = err.to_string();
        assert!(message.starts_with("committees[0].colour: "), "{message}");
        assert!(message.contains("unknown field `colour`"), "{message}");

        let mut file = dataset_json();
        file["comittees"] = json!([]);
        let message = dataset::parse(&file.to_string()).expect_err("a misspelt list is refused").to_string();
        assert!(message.starts_with("comittees: "), "{message}");
        assert!(message.contains("unknown field `comittees`"), "{message}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.json");
        let mut file = dataset_json();
        file["statistics"][0]["source"]["page"] = json!(3);
        std::fs::write(&path, file.to_string()).unwrap();
        let message = dataset::import_file(&test_db.db, &path).await.expect_err("refused").to_string();
        assert!(message.starts_with("statistics[0].source.page: "), "{message}");
        assert!(dump(&test_db.db).await.values().all(Vec::is_empty), "something was written");
    }

    async fn a_standard_respelt_in_a_later_file_is_not_a_database_error(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let before = dump(&test_db.db).await;
        let file = dataset_json();
        let mut record = list(&file, "standards")[standard_index(&file, STANDARD_CODE)].clone();
        // The same code without its space: `standard(code:)` finds the same record by it.
        record["code"] = json!("GB/T45993-2025");
        let small = json!({ "documents": file["documents"], "standards": [record] });
        match import_json(&test_db.db, &small).await {
            // Either the record is the same standard, updated in place...
            Ok(_) => {
                let data = data(&test_db.schema(), r#"{ standard(code: "GB/T 45993-2025") { title } standards { totalCount } }"#).await;
                assert_eq!(data["standards"]["totalCount"], list(&file, "standards").len(), "{data}");
            }
            // ...or the file is refused naming the record and field.
            Err(ImportError::Invalid { record, field, .. }) => {
                assert!(record.starts_with("standards[0]"), "{record}");
                assert_eq!(field, "code");
                assert_eq!(dump(&test_db.db).await, before);
            }
            Err(other) => panic!("a respelt code fails as a database error: {other}"),
        }
    }
}
