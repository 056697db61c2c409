//! Facets of a list of standards (`StandardConnection.facets`) and
//! `standardCounts`, on the real dataset: the exact counts (worked out once
//! from `data/registry.json` with sqlite3 over an imported database), their
//! order (count, largest first, then value), their agreement with
//! `totalCount`, and one grouped statement per filter and level, for every
//! facet asked, however many parents ask.

mod common;

use common::*;
use serde_json::{Value, json};

/// `[{ value, count }]` from pairs.
fn counts<V: Into<Value> + Copy>(pairs: &[(V, i64)]) -> Value {
    pairs
        .iter()
        .map(|&(value, count)| json!({ "value": value.into(), "count": count }))
        .collect()
}

/// `[{ committee { code }, count }]` from pairs.
fn committee_counts(pairs: &[(&str, i64)]) -> Value {
    pairs
        .iter()
        .map(|&(code, count)| json!({ "committee": { "code": code }, "count": count }))
        .collect()
}

/// The sum of a facet's counts.
fn sum(facet: &Value) -> i64 {
    facet
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["count"].as_i64().unwrap())
        .sum()
}

const FACETS: &str = "totalCount facets {
    status { value count }
    kind { value count }
    year { value count }
    committee { committee { code } count }
}";

on_every_backend! {
    async fn every_standard_by_every_facet(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let response = execute(&schema, format!("{{ standards {{ {FACETS} }} }}").as_str()).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        let standards = &response["data"]["standards"];
        assert_eq!(
            standards,
            &json!({
                "totalCount": 131,
                "facets": {
                    "status": counts(&[
                        ("UNDER_DEVELOPMENT", 57),
                        ("PUBLISHED", 55),
                        ("APPROVED_PROJECT", 7),
                        ("PRE_RESEARCH", 7),
                        ("DRAFT", 3),
                        ("PLANNED", 2),
                    ]),
                    "kind": counts(&[
                        ("OTHER", 47),
                        ("NATIONAL", 41),
                        ("INTERNATIONAL", 16),
                        ("ASSOCIATION", 10),
                        ("NATIONAL_GUIDELINE", 8),
                        ("SECTOR", 6),
                        ("IEEE", 3),
                    ]),
                    // 93 standards of unknown year are not in this facet.
                    "year": counts(&[
                        (2024, 12),
                        (2025, 12),
                        (2022, 6),
                        (2023, 4),
                        (2021, 2),
                        (2018, 1),
                        (2019, 1),
                    ]),
                    // 2 standards of no committee are not in this facet.
                    "committee": committee_counts(&[
                        ("SAC/TC28/SC42", 72),
                        ("SAC/TC28", 25),
                        ("SAC/TC28/SC38", 10),
                        ("SAC/TC28/SC39", 9),
                        ("SAC/TC28/SC24", 3),
                        ("SAC/TC28/SC43", 3),
                        ("SAC/TC28/SC40", 2),
                        ("SAC/TC28/SC41", 1),
                    ]),
                }
            })
        );
        assert_eq!(sum(&standards["facets"]["status"]), 131);
        assert_eq!(sum(&standards["facets"]["kind"]), 131);
        // The count, one grouped statement for the four facets, and the
        // committees the last names.
        assert_eq!(statements(&response), 3);
    }

    async fn a_filtered_list_by_every_facet(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let query = format!(
            "{{ standards(first: 3, orderBy: [{{ field: YEAR, direction: DESC }}],
                filter: {{ kind: [NATIONAL, ASSOCIATION, INTERNATIONAL],
                           status: [PUBLISHED, UNDER_DEVELOPMENT, APPROVED_PROJECT] }}) {{
                nodes {{ code }} {FACETS} }} }}"
        );
        let standards = data(&schema, &query).await["standards"].take();
        // The facets count the whole list, not the page of 3.
        assert_eq!(standards["nodes"].as_array().unwrap().len(), 3);
        assert_eq!(
            standards["facets"],
            json!({
                "status": counts(&[
                    ("PUBLISHED", 37),
                    ("UNDER_DEVELOPMENT", 25),
                    ("APPROVED_PROJECT", 3),
                ]),
                "kind": counts(&[("NATIONAL", 41), ("INTERNATIONAL", 14), ("ASSOCIATION", 10)]),
                "year": counts(&[
                    (2025, 10),
                    (2024, 7),
                    (2022, 4),
                    (2023, 4),
                    (2021, 2),
                    (2018, 1),
                ]),
                "committee": committee_counts(&[
                    ("SAC/TC28/SC42", 36),
                    ("SAC/TC28", 10),
                    ("SAC/TC28/SC38", 6),
                    ("SAC/TC28/SC24", 3),
                    ("SAC/TC28/SC43", 3),
                    ("SAC/TC28/SC39", 2),
                ]),
            })
        );
        assert_eq!(standards["totalCount"], 65);
        assert_eq!(sum(&standards["facets"]["status"]), 65);
    }

    async fn a_facet_alone_is_one_statement_and_agrees_with_total_count(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        for filter in [
            "{}",
            "{ committee: \"TC28\" }",
            "{ committee: \"SC42\", status: [PUBLISHED, DRAFT] }",
            "{ workingGroup: \"SAC/TC28/WG34\" }",
            "{ yearFrom: 2023, yearTo: 2024 }",
            "{ text: \"cloud\" }",
            "{ committee: \"NO-SUCH\" }",
        ] {
            let facet = execute(
                &schema,
                format!("{{ standards(filter: {filter}) {{ facets {{ status {{ value count }} }} }} }}")
                    .as_str(),
            )
            .await;
            assert!(facet.get("errors").is_none(), "{filter}: {facet:#}");
            // No rows and no count are read for a connection asked only for facets.
            let lookups = if filter.contains("committee") || filter.contains("workingGroup") {
                statements(&execute(
                    &schema,
                    format!("{{ standards(filter: {filter}) {{ __typename }} }}").as_str(),
                )
                .await)
            } else {
                0
            };
            assert_eq!(statements(&facet), lookups + 1, "{filter}");
            let total = data(
                &schema,
                &format!("{{ standards(filter: {filter}) {{ totalCount }} }}"),
            )
            .await;
            assert_eq!(
                sum(&facet["data"]["standards"]["facets"]["status"]),
                total["standards"]["totalCount"].as_i64().unwrap(),
                "{filter}"
            );
        }
    }

    async fn standard_counts_of_a_committee_are_its_own(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let answer = data(
            &schema,
            "{ sc42: committee(code: \"SC42\") { standardCounts { value count } standards { totalCount } }
               tc28: committee(code: \"TC28\") { standardCounts { value count } standards { totalCount } } }",
        )
        .await;
        assert_eq!(
            answer["sc42"]["standardCounts"],
            counts(&[
                ("UNDER_DEVELOPMENT", 43),
                ("PUBLISHED", 22),
                ("APPROVED_PROJECT", 4),
                ("PLANNED", 2),
                ("DRAFT", 1),
            ])
        );
        // TC28's own standards and its groups', as its `standards` list:
        // not its subcommittees'.
        assert_eq!(
            answer["tc28"]["standardCounts"],
            counts(&[
                ("PUBLISHED", 16),
                ("UNDER_DEVELOPMENT", 5),
                ("DRAFT", 2),
                ("PRE_RESEARCH", 2),
            ])
        );
        for code in ["sc42", "tc28"] {
            assert_eq!(
                sum(&answer[code]["standardCounts"]),
                answer[code]["standards"]["totalCount"].as_i64().unwrap(),
                "{code}"
            );
        }
    }

    async fn nested_facets_are_one_statement_per_filter_and_level(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let query = |first: usize| {
            format!(
                "{{ committees(first: {first}) {{ nodes {{
                    code
                    standardCounts {{ value count }}
                    standards(filter: {{ status: [PUBLISHED] }}, first: 2) {{
                        totalCount
                        facets {{ status {{ value count }} kind {{ value count }} }}
                    }}
                    workingGroups(first: 20) {{ nodes {{
                        standardCounts {{ value count }}
                        standards {{ totalCount facets {{ status {{ value count }} }} }}
                    }} }}
                }} }} }}"
            )
        };
        let response = execute(&schema, query(20).as_str()).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        // committees; their groups, their standardCounts, their pages with
        // totalCount, and their pages' status and kind facets (one statement
        // for both); the groups' standardCounts, pages, and status facets.
        assert_eq!(statements(&response), 8);
        // The same statements for one parent as for eleven.
        assert_eq!(statements(&execute(&schema, query(1).as_str()).await), 8);

        let nodes = response["data"]["committees"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 11);
        let mut groups = 0;
        for node in nodes {
            let page = &node["standards"];
            let total = page["totalCount"].as_i64().unwrap();
            assert_eq!(sum(&page["facets"]["status"]), total, "{}", node["code"]);
            assert_eq!(sum(&page["facets"]["kind"]), total, "{}", node["code"]);
            let statuses = page["facets"]["status"].as_array().unwrap();
            assert!(statuses.iter().all(|s| s["value"] == "PUBLISHED"));
            for group in node["workingGroups"]["nodes"].as_array().unwrap() {
                let page = &group["standards"];
                let total = page["totalCount"].as_i64().unwrap();
                assert_eq!(sum(&page["facets"]["status"]), total);
                assert_eq!(page["facets"]["status"], group["standardCounts"]);
                groups += 1;
            }
        }
        assert_eq!(groups, 23);
        let of = |code: &str| {
            nodes
                .iter()
                .find(|node| node["code"] == code)
                .unwrap_or_else(|| panic!("{code}"))
        };
        assert_eq!(of("SAC/TC28")["standards"]["totalCount"], 16);
        assert_eq!(
            of("SAC/TC28")["standards"]["facets"]["kind"],
            counts(&[("OTHER", 10), ("INTERNATIONAL", 3), ("NATIONAL", 3)])
        );
        assert_eq!(
            of("SAC/TC28/SC42")["standards"]["facets"],
            json!({
                "status": counts(&[("PUBLISHED", 22)]),
                "kind": counts(&[
                    ("NATIONAL", 10),
                    ("ASSOCIATION", 6),
                    ("IEEE", 3),
                    ("INTERNATIONAL", 3),
                ]),
            })
        );
        assert_eq!(
            of("SAC/TC28/SC39")["standards"]["facets"]["kind"],
            counts(&[("OTHER", 2), ("NATIONAL", 1)])
        );
        assert_eq!(
            of("SAC/TC28/SC43")["standards"]["facets"],
            json!({ "status": [], "kind": [] })
        );
        assert_eq!(
            of("SAC/TC28/SC42")["standardCounts"],
            counts(&[
                ("UNDER_DEVELOPMENT", 43),
                ("PUBLISHED", 22),
                ("APPROVED_PROJECT", 4),
                ("PLANNED", 2),
                ("DRAFT", 1),
            ])
        );
    }

    async fn nested_facets_alone_read_no_page(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let response = execute(
            &schema,
            "{ committees(first: 20) { nodes { code standards { facets { committee { committee { code } count } } } } } }",
        )
        .await;
        assert!(response.get("errors").is_none(), "{response:#}");
        // committees, the committee facet, the committees it names.
        assert_eq!(statements(&response), 3);
        let nodes = response["data"]["committees"]["nodes"].as_array().unwrap();
        let of = |code: &str| {
            nodes
                .iter()
                .find(|node| node["code"] == code)
                .unwrap()["standards"]["facets"]["committee"]
                .clone()
        };
        // A committee's list holds its own standards only.
        assert_eq!(of("SAC/TC28"), committee_counts(&[("SAC/TC28", 25)]));
        assert_eq!(of("SAC/TC28/SC42"), committee_counts(&[("SAC/TC28/SC42", 72)]));
        assert_eq!(of("SAC/TC28/SC7"), json!([]));
    }

    async fn an_import_moves_a_standard_between_facets(backend: Backend) {
        // Facets of a list filtered on the facet columns are summed from the
        // tally the import writes: an import that changes a standard's kind,
        // status and year moves it in every facet at once.
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let query = r#"{
            all: standards { totalCount facets { kind { value count } status { value count } year { value count } } }
            sector: standards(filter: { kind: [SECTOR] }) { totalCount facets { status { value count } } }
        }"#;
        let pick = |facet: &Value, value: Value| {
            facet.as_array().unwrap().iter().find(|entry| entry["value"] == value).map(|entry| entry["count"].as_i64().unwrap())
        };
        let before = data(&schema, query).await;
        let facets = &before["all"]["facets"];
        assert_eq!(pick(&facets["kind"], json!("NATIONAL")), Some(41));
        assert_eq!(pick(&facets["kind"], json!("SECTOR")), Some(6));
        assert_eq!(pick(&facets["status"], json!("PUBLISHED")), Some(55));
        assert_eq!(pick(&facets["status"], json!("WITHDRAWN")), None);
        assert_eq!(pick(&facets["year"], json!(2025)), Some(12));
        assert_eq!(pick(&facets["year"], json!(2020)), None);
        assert_eq!(before["sector"]["totalCount"], json!(6));

        let mut dataset: Value = serde_json::from_str(&dataset_text()).unwrap();
        let standard = dataset["standards"].as_array_mut().unwrap().iter_mut()
            .find(|standard| standard["code"] == "GB/T 45993-2025").unwrap();
        standard["kind"] = json!("SECTOR");
        standard["status"] = json!("WITHDRAWN");
        standard["year"] = json!(2020);
        let parsed = standards_registry::dataset::parse(&dataset.to_string()).expect("the dataset parses");
        standards_registry::dataset::import(&db.db, &parsed).await.expect("the import succeeds");

        let after = data(&schema, query).await;
        let facets = &after["all"]["facets"];
        assert_eq!(after["all"]["totalCount"], json!(131));
        assert_eq!(pick(&facets["kind"], json!("NATIONAL")), Some(40));
        assert_eq!(pick(&facets["kind"], json!("SECTOR")), Some(7));
        assert_eq!(pick(&facets["status"], json!("PUBLISHED")), Some(54));
        assert_eq!(pick(&facets["status"], json!("WITHDRAWN")), Some(1));
        assert_eq!(pick(&facets["year"], json!(2025)), Some(11));
        assert_eq!(pick(&facets["year"], json!(2020)), Some(1));
        assert_eq!(after["sector"]["totalCount"], json!(7));
        assert_eq!(pick(&after["sector"]["facets"]["status"], json!("WITHDRAWN")), Some(1));
        assert_eq!(sum(&after["sector"]["facets"]["status"]), 7);
    }

    async fn every_grain_agrees_with_the_rows_it_counts(backend: Backend) {
        // A list filtered on kind, status, year and committee is counted
        // from the tally's smallest grain holding the facet and the filter's
        // columns: for every combination of those filters, at the root and
        // under a committee, the count and every facet must be what the
        // list's own rows add up to.
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let parts = [
            "kind: [NATIONAL, OTHER, INTERNATIONAL]",
            "status: [PUBLISHED, UNDER_DEVELOPMENT]",
            "yearFrom: 2022",
            "committee: \"SC42\"",
        ];
        let row = "kind status year committee { code }";
        let mut checked = 0;
        for mask in 0..(1 << parts.len()) {
            let filter: Vec<&str> = (0..parts.len())
                .filter(|bit| mask & (1 << bit) != 0)
                .map(|bit| parts[bit])
                .collect();
            let filter = format!("{{ {} }}", filter.join(", "));
            for (path, parent) in [
                (vec!["standards"], ""),
                (vec!["committee", "standards"], "committee(code: \"SC42\") "),
            ] {
                let list = |after: &str| {
                    let inner = format!(
                        "standards(filter: {filter}, first: 100{after}) {{ {FACETS} \
                         nodes {{ {row} }} pageInfo {{ hasNextPage endCursor }} }}"
                    );
                    match parent {
                        "" => format!("{{ {inner} }}"),
                        parent => format!("{{ {parent}{{ {inner} }} }}"),
                    }
                };
                let mut answer = data(&schema, &list("")).await;
                let mut rows: Vec<Value> = Vec::new();
                let mut page = &mut answer;
                for key in &path {
                    page = &mut page[*key];
                }
                let page = page.take();
                rows.extend(page["nodes"].as_array().unwrap().iter().cloned());
                let mut cursor = page["pageInfo"].clone();
                while cursor["hasNextPage"] == json!(true) {
                    let after = format!(", after: \"{}\"", cursor["endCursor"].as_str().unwrap());
                    let mut next = data(&schema, &list(&after)).await;
                    let mut next_page = &mut next;
                    for key in &path {
                        next_page = &mut next_page[*key];
                    }
                    rows.extend(next_page["nodes"].as_array().unwrap().iter().cloned());
                    cursor = next_page["pageInfo"].take();
                }
                let context = format!("{parent}{filter}");
                assert_eq!(page["totalCount"], json!(rows.len()), "{context}");
                let tally = |value_of: &dyn Fn(&Value) -> Value| {
                    let mut counts = std::collections::BTreeMap::<String, i64>::new();
                    for row in &rows {
                        let value = value_of(row);
                        if !value.is_null() {
                            *counts.entry(value.to_string()).or_default() += 1;
                        }
                    }
                    counts
                };
                let answered = |facet: &str, value_of: &dyn Fn(&Value) -> Value| {
                    page["facets"][facet]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|entry| (value_of(entry).to_string(), entry["count"].as_i64().unwrap()))
                        .collect::<std::collections::BTreeMap<_, _>>()
                };
                let value = |entry: &Value| entry["value"].clone();
                assert_eq!(answered("kind", &value), tally(&|row| row["kind"].clone()), "{context}");
                assert_eq!(answered("status", &value), tally(&|row| row["status"].clone()), "{context}");
                assert_eq!(answered("year", &value), tally(&|row| row["year"].clone()), "{context}");
                assert_eq!(
                    answered("committee", &|entry| entry["committee"]["code"].clone()),
                    tally(&|row| row["committee"]["code"].clone()),
                    "{context}"
                );
                checked += usize::from(!rows.is_empty());
            }
        }
        // Only the lists that hold standards check anything.
        assert_eq!(checked, 32);
    }
}
