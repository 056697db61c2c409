//! The public contract answered from the real dataset: lookups, lists,
//! filters, ordering, pagination, search and global ids.

mod common;

use common::*;
use serde_json::{Value, json};

/// Codes of a connection's nodes, in order.
fn codes(connection: &Value) -> Vec<&str> {
    connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["code"].as_str().unwrap())
        .collect()
}

on_every_backend! {
    async fn sc42_working_groups_by_code(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let data = data(&db.schema(), r#"{ committee(code: "SC42") {
            code kind parent { code }
            workingGroups(first: 20) { totalCount nodes { code name committee { code } } }
        } }"#).await;
        let group = |code: &str, name: &str| json!({ "code": code, "name": name, "committee": { "code": "SAC/TC28/SC42" } });
        assert_eq!(data, json!({ "committee": {
            "code": "SAC/TC28/SC42",
            "kind": "SUBCOMMITTEE",
            "parent": { "code": "SAC/TC28" },
            "workingGroups": { "totalCount": 8, "nodes": [
                group("SAC/TC28/SC42/ai-empowering-new-industrialization-joint-group", "Standard Seminar and Joint Technical Meeting on AI empowering new industrialization"),
                group("SAC/TC28/SC42/chip-and-system", "Chip and System Working Group"),
                group("SAC/TC28/SC42/embodied-intelligence", "Embodied Intelligence Working Group"),
                group("SAC/TC28/SC42/fundamental-international", "Fundamental (International) Working Group"),
                group("SAC/TC28/SC42/intelligent-computing", "Intelligent Computing Working Group"),
                group("SAC/TC28/SC42/knowledge-graph", "Knowledge Graph Working Group"),
                group("SAC/TC28/SC42/model-and-algorithm", "Model and Algorithm Working Group"),
                group("SAC/TC28/SC42/trustworthy-ai", "Trustworthy AI Working Group"),
            ] }
        } }));
    }

    async fn sc38_published_standards(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let data = data(&db.schema(), r#"{ committee(code: "TC28/SC38") {
            standards(first: 20, filter: { status: [PUBLISHED] }) { totalCount nodes { code year kind } }
        } }"#).await;
        let national = |code: &str, year: i32| json!({ "code": code, "year": year, "kind": "NATIONAL" });
        assert_eq!(data["committee"]["standards"], json!({ "totalCount": 6, "nodes": [
            national("GB/T 32399-2024", 2024),
            national("GB/T 44158-2024", 2024),
            national("GB/T 44229-2024", 2024),
            national("GB/T 44271-2024", 2024),
            national("GB/T 45399-2025", 2025),
            national("GB/T 45400-2025", 2025),
        ] }));
    }

    async fn a_standard_by_any_spelling_of_its_code(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let expected = json!({ "standard": {
            "code": "GB/T 45993-2025",
            "title": "Metaverse – Reference architecture",
            "kind": "NATIONAL",
            "status": "PUBLISHED",
            "year": 2025,
            "codeAssigned": true,
            "committee": { "code": "SAC/TC28" },
            "workingGroup": { "code": "SAC/TC28/metaverse-research-group" },
            "sources": [
                { "document": "SESEC V Report on SAC/TC28 Plenary Meeting 2025 (July 2025)", "section": "2.(2) TC 28 Information Technology Standards System" },
                { "document": "SESEC V Report on SAC/TC28 Plenary Meeting 2025 (July 2025)", "section": "3.(4) Future industries — Metaverse" },
            ],
        } });
        for spelling in ["GB/T 45993-2025", "GB/T45993-2025", "GB/T 45993—2025", "gb/t 45993 – 2025"] {
            let query = format!(r#"{{ standard(code: "{spelling}") {{
                code title kind status year codeAssigned committee {{ code }} workingGroup {{ code }} sources {{ document section }}
            }} }}"#);
            assert_eq!(data(&schema, &query).await, expected, "spelling {spelling}");
        }
        assert_eq!(data(&schema, r#"{ standard(code: "GB/T 0-0000") { code } }"#).await, json!({ "standard": null }));
    }

    async fn committees_answer_to_every_alias(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        for spelling in ["SAC/TC28/SC42", "TC28/SC42", "SAC/SC42", "SC42", "sac/tc 28/sc 42", "SC 42"] {
            let query = format!(r#"{{ committee(code: "{spelling}") {{ code }} }}"#);
            assert_eq!(data(&schema, &query).await, json!({ "committee": { "code": "SAC/TC28/SC42" } }), "{spelling}");
        }
        let aliases = data(&schema, r#"{ committee(code: "SC42") { aliases } }"#).await;
        assert_eq!(aliases, json!({ "committee": { "aliases": ["SAC/SC42", "TC28/SC42", "SC42"] } }));
        assert_eq!(data(&schema, r#"{ committee(code: "SAC/TC999") { code } }"#).await, json!({ "committee": null }));
    }

    async fn working_groups_answer_to_their_committees_aliases(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        for spelling in ["SAC/TC28/WG34", "TC28/WG34", "TC28/WG 34", "sac/tc28/wg34"] {
            let query = format!(r#"{{ workingGroup(code: "{spelling}") {{ code name established committee {{ code }} }} }}"#);
            assert_eq!(
                data(&schema, &query).await,
                json!({ "workingGroup": { "code": "SAC/TC28/WG34", "name": "Quantum Information", "established": 2023, "committee": { "code": "SAC/TC28" } } }),
                "{spelling}"
            );
        }
        let data = data(&schema, r#"{ workingGroup(code: "TC28/SC7/WG7") { code } nope: workingGroup(code: "TC28/WG99") { code } }"#).await;
        assert_eq!(data, json!({ "workingGroup": { "code": "SAC/TC28/SC7/WG7" }, "nope": null }));
    }

    async fn equivalences_read_from_both_sides(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let data = data(&db.schema(), r#"{
            national: standard(code: "GB/T 32399-2024") { equivalences { degree standard { code kind } } }
            international: standard(code: "ISO/IEC 22123-3:2023") { equivalences { degree standard { code kind } } }
        }"#).await;
        assert_eq!(data, json!({
            "national": { "equivalences": [{ "degree": "NEQ", "standard": { "code": "ISO/IEC 22123-3:2023", "kind": "INTERNATIONAL" } }] },
            "international": { "equivalences": [{ "degree": "NEQ", "standard": { "code": "GB/T 32399-2024", "kind": "NATIONAL" } }] },
        }));
    }

    async fn pages_cover_the_list_forwards_and_backwards(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let filter = r#"filter: { committee: "SC42", kind: [NATIONAL] }"#;
        let all = data(&schema, &format!("{{ standards({filter}, first: 100) {{ totalCount nodes {{ code }} }} }}")).await;
        let all_codes = codes(&all["standards"]);
        // By code, as bytes compare (digits, capitals, then small letters).
        let expected: &[&str] = &[
            "2023004239",
            "20230715-T-469",
            "20230716-T-469",
            "20231740-T-469",
            "20231745-T-469",
            "20231747-T-469",
            "2025001837",
            "GB/T 42018-2022",
            "GB/T 42131-2022",
            "GB/T 45087-2025",
            "GB/T 45225-2025",
            "GB/T 45280-2025",
            "GB/T 45401.1-2025",
            "GB/T 45401.2-2025",
            "GB/T 45628-2025",
            "GB/T 45923.2-2025",
            "artificial-intelligence-intelligent-grading-of-embodied-intelligence",
            "artificial-intelligence-specifications-for-embodied-intelligence-data-quality",
            "artificial-intelligence-technical-requirements-for-embodied-intelligence-data-generation-platform",
            "artificial-intelligence-technical-requirements-for-embodied-large-model-system",
            "artificial-intelligence-technical-specification-for-embodied-intelligence-system",
        ];
        assert_eq!(all_codes, expected);
        assert_eq!(all["standards"]["totalCount"], json!(all_codes.len()));

        let mut forward = Vec::new();
        let mut after = String::new();
        loop {
            let page = data(&schema, &format!(
                "{{ standards({filter}, first: 3 {after}) {{ nodes {{ code }} pageInfo {{ hasNextPage hasPreviousPage endCursor }} }} }}"
            )).await;
            let page = &page["standards"];
            forward.extend(codes(page).into_iter().map(str::to_owned));
            assert_eq!(page["pageInfo"]["hasPreviousPage"], json!(!after.is_empty()));
            if page["pageInfo"]["hasNextPage"] == json!(false) {
                break;
            }
            after = format!(r#", after: "{}""#, page["pageInfo"]["endCursor"].as_str().unwrap());
        }
        assert_eq!(forward, all_codes);

        let last = data(&schema, &format!("{{ standards({filter}, last: 2) {{ nodes {{ code }} pageInfo {{ hasNextPage hasPreviousPage startCursor }} }} }}")).await;
        assert_eq!(codes(&last["standards"]), all_codes[all_codes.len() - 2..].to_vec());
        assert_eq!(last["standards"]["pageInfo"]["hasNextPage"], json!(false));
        assert_eq!(last["standards"]["pageInfo"]["hasPreviousPage"], json!(true));
        let before = last["standards"]["pageInfo"]["startCursor"].as_str().unwrap();
        let previous = data(&schema, &format!(r#"{{ standards({filter}, last: 3, before: "{before}") {{ nodes {{ code }} }} }}"#)).await;
        assert_eq!(codes(&previous["standards"]), all_codes[all_codes.len() - 5..all_codes.len() - 2].to_vec());

        // The same pages through a committee's own connection, served by the batched loader.
        let nested = data(&schema, r#"{ committee(code: "SC42") { standards(filter: { kind: [NATIONAL] }, first: 100) { nodes { code } } } }"#).await;
        assert_eq!(codes(&nested["committee"]["standards"]), all_codes);
    }

    async fn keyset_pages_walk_the_same_list_as_positions(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        for (order, length) in [
            ("[]", 131),
            ("[{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }]", 131),
            ("[{ field: STATUS, direction: ASC }, { field: TITLE, direction: DESC }]", 131),
            ("[{ field: YEAR, direction: ASC }]", 131),
            // Years filtered: no unknown ones (93 of 131), and no NULLS LAST in the SQL.
            ("[{ field: YEAR, direction: DESC }], filter: { yearFrom: 1990 }", 38),
        ] {
            // Forward: each page starts after the last row's sort keys.
            let mut forward: Vec<String> = Vec::new();
            let mut after = String::new();
            loop {
                let page = data(&schema, &format!(
                    "{{ standards(orderBy: {order}, first: 9 {after}) {{ nodes {{ code }} pageInfo {{ hasNextPage endCursor }} }} }}"
                )).await;
                forward.extend(codes(&page["standards"]).into_iter().map(str::to_owned));
                if page["standards"]["pageInfo"]["hasNextPage"] == json!(false) {
                    break;
                }
                after = format!(r#", after: "{}""#, page["standards"]["pageInfo"]["endCursor"].as_str().unwrap());
            }
            // Backward: pages counted from the end, by position.
            let mut backward: Vec<String> = Vec::new();
            let mut before = String::new();
            loop {
                let page = data(&schema, &format!(
                    "{{ standards(orderBy: {order}, last: 9 {before}) {{ nodes {{ code }} pageInfo {{ hasPreviousPage startCursor }} }} }}"
                )).await;
                let mut codes: Vec<String> = codes(&page["standards"]).into_iter().map(str::to_owned).collect();
                codes.extend(backward);
                backward = codes;
                if page["standards"]["pageInfo"]["hasPreviousPage"] == json!(false) {
                    break;
                }
                before = format!(r#", before: "{}""#, page["standards"]["pageInfo"]["startCursor"].as_str().unwrap());
            }
            assert_eq!(forward.len(), length, "{order}");
            assert_eq!(forward, backward, "{order}");
            // And the order itself, against the list written out here.
            let first: &[&str] = match order {
                "[]" => &[
                    "14th-five-year-plan-for-developing-software-and-information-technology-service-industry",
                    "20193195-T-269",
                    "2023004239",
                    "20230715-T-469",
                    "20230716-T-469",
                    "20231740-T-469",
                    "20231745-T-469",
                    "20231747-T-469",
                    "2024-1400T-SJ",
                ],
                "[{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }]" => &[
                    "GB/T 45087-2025",
                    "GB/T 45225-2025",
                    "GB/T 45280-2025",
                    "GB/T 45399-2025",
                    "GB/T 45400-2025",
                    "GB/T 45401.1-2025",
                    "GB/T 45401.2-2025",
                    "GB/T 45628-2025",
                    "GB/T 45923.2-2025",
                ],
                "[{ field: STATUS, direction: ASC }, { field: TITLE, direction: DESC }]" => &[
                    "technical-requirements-ieee-2807-series",
                    "GB/T 25000",
                    "GB/T 42560-2023",
                    "special-action-plan-for-green-and-low-carbon-development-of-data-centers",
                    "GB/T 36964-2018",
                    "T/CESA 1159-2021",
                    "GB/T 42562-2023",
                    "research-report-on-the-development-of-quantum-information-technology-standardization",
                    "quantum-technology-standardization-roadmap",
                ],
                "[{ field: YEAR, direction: ASC }]" => &[
                    "GB/T 36964-2018",
                    "guiding-opinions-on-strengthening-the-construction-of-green-data-center",
                    "T/CESA 1159-2021",
                    "T/CESA 1169-2021",
                    "guideline-for-constructing-standards-system-of-industrial-software",
                    "GB/T 42131-2022",
                    "knowledge-graph-architecture-ieee-2807-series",
                    "GB/T 42018-2022",
                    "T/CESA 1228.1-2022",
                ],
                _ => &[],
            };
            if !first.is_empty() {
                assert_eq!(&forward[..9], first, "{order}");
            }
        }
        // The filtered list whole: years descending, ties in the order of the rows' ids.
        let mut years = Vec::new();
        let mut after = String::new();
        loop {
            let page = data(&schema, &format!(
                "{{ standards(orderBy: [{{ field: YEAR, direction: DESC }}], filter: {{ yearFrom: 1990 }}, first: 9 {after}) {{ nodes {{ code }} pageInfo {{ hasNextPage endCursor }} }} }}"
            )).await;
            years.extend(codes(&page["standards"]).into_iter().map(str::to_owned));
            if page["standards"]["pageInfo"]["hasNextPage"] == json!(false) {
                break;
            }
            after = format!(r#", after: "{}""#, page["standards"]["pageInfo"]["endCursor"].as_str().unwrap());
        }
        let expected: &[&str] = &[
            "information-technology-standardization-work-report",
            "cloud-computing-integrated-standardization-system-construction-guidelines-2025-edition",
            "GB/T 45993-2025",
            "GB/T 45400-2025",
            "GB/T 45399-2025",
            "GB/T 45628-2025",
            "GB/T 45923.2-2025",
            "GB/T 45225-2025",
            "GB/T 45087-2025",
            "GB/T 45280-2025",
            "GB/T 45401.1-2025",
            "GB/T 45401.2-2025",
            "national-artificial-intelligence-industry-integrated-standardization-system-construction-guidelines-2024-edition",
            "internet-of-things-standards-system-construction-guidelines-2024-edition",
            "GB/T 43738-2024",
            "special-action-plan-for-green-and-low-carbon-development-of-data-centers",
            "GB/T 44989-2024",
            "GB/T 32399-2024",
            "GB/T 44158-2024",
            "GB/T 44271-2024",
            "GB/T 44229-2024",
            "guidelines-for-construction-of-a-standard-system-for-internet-of-thing-2024-version",
            "ISO/IEC 4879:2024",
            "technical-requirements-ieee-2807-series",
            "GB/T 42560-2023",
            "GB/T 42562-2023",
            "ISO/IEC 22123-3:2023",
            "T/CESA 1303-2023",
            "guideline-for-constructing-standards-system-of-industrial-software",
            "GB/T 42131-2022",
            "knowledge-graph-architecture-ieee-2807-series",
            "GB/T 42018-2022",
            "T/CESA 1228.1-2022",
            "T/CESA 1228.2-2022",
            "T/CESA 1159-2021",
            "T/CESA 1169-2021",
            "guiding-opinions-on-strengthening-the-construction-of-green-data-center",
            "GB/T 36964-2018",
        ];
        assert_eq!(years, expected);
    }

    async fn a_keyset_page_stays_put_when_rows_are_added_before_it(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        // Each list, and a standard that sorts before every row of it.
        for (list, code, year) in [
            ("", "0000-T-000", "null"),
            ("orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }],", "0000-T-001", "2099"),
            ("filter: { yearFrom: 2000 }, orderBy: [{ field: YEAR, direction: DESC }],", "0000-T-002", "2100"),
            ("orderBy: [{ field: YEAR, direction: ASC }],", "0000-T-003", "1900"),
        ] {
            let all = data(&schema, &format!("{{ standards({list} first: 20) {{ nodes {{ code }} }} }}")).await;
            let page = data(&schema, &format!("{{ standards({list} first: 9) {{ pageInfo {{ endCursor }} }} }}")).await;
            let cursor = page["standards"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
            // It arrives between the two pages.
            let addition = format!(r#"{{ "documents": [{{ "id": "t", "title": "test" }}], "standards": [{{
                "code": "{code}", "title": "First of all", "kind": "OTHER", "status": "DRAFT",
                "year": {year}, "committee": null, "workingGroup": null, "notes": null,
                "sources": [{{ "document": "t", "section": null }}] }}] }}"#);
            let addition = standards_registry::dataset::parse(&addition).unwrap();
            standards_registry::dataset::import(&db.db, &addition).await.unwrap();
            let first = data(&schema, &format!("{{ standards({list} first: 1) {{ nodes {{ code }} }} }}")).await;
            assert_eq!(first["standards"]["nodes"], json!([{ "code": code }]), "{list}");
            let next = data(&schema, &format!(r#"{{ standards({list} first: 3, after: "{cursor}") {{ nodes {{ code }} }} }}"#)).await;
            // By position the page would repeat the ninth row; by keyset it goes on from it.
            assert_eq!(next["standards"]["nodes"], json!(all["standards"]["nodes"].as_array().unwrap()[9..12]), "{list}");
            // Written out (the row 0000-T-001 of 2099 added for the second
            // list is already first in the third).
            let expected = match list {
                "" => ["20240601-T-469", "20242363-T-469", "2025-0260T-SJ"],
                "orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }]," => ["GB/T 45993-2025", "cloud-computing-integrated-standardization-system-construction-guidelines-2025-edition", "information-technology-standardization-work-report"],
                "filter: { yearFrom: 2000 }, orderBy: [{ field: YEAR, direction: DESC }]," => ["GB/T 45087-2025", "GB/T 45280-2025", "GB/T 45401.1-2025"],
                "orderBy: [{ field: YEAR, direction: ASC }]," => ["T/CESA 1228.2-2022", "GB/T 42560-2023", "GB/T 42562-2023"],
                _ => unreachable!(),
            };
            assert_eq!(codes(&next["standards"]), expected, "{list}");
        }
    }

    async fn filters_combine(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let data = data(&db.schema(), r#"{
            text: standards(filter: { text: "cloud computing", kind: [NATIONAL] }, first: 20) { totalCount nodes { code } }
            years: standards(filter: { committee: "SC42", yearFrom: 2025, yearTo: 2025, status: [PUBLISHED], kind: [NATIONAL] }, first: 20) { totalCount nodes { code } }
            group: standards(filter: { workingGroup: "SAC/TC28/SC42/knowledge-graph", status: [PUBLISHED], kind: [NATIONAL] }) { nodes { code } }
            unknown: standards(filter: { committee: "SAC/TC999" }) { totalCount nodes { code } }
            code: standards(filter: { text: "gb/t45993" }) { nodes { code } }
        }"#).await;
        assert_eq!(data["text"], json!({ "totalCount": 6, "nodes": [
            { "code": "GB/T 32399-2024" }, { "code": "GB/T 44158-2024" }, { "code": "GB/T 44229-2024" },
            { "code": "GB/T 44271-2024" }, { "code": "GB/T 45399-2025" }, { "code": "GB/T 45400-2025" },
        ] }));
        assert_eq!(data["years"], json!({ "totalCount": 7, "nodes": [
            { "code": "GB/T 45087-2025" }, { "code": "GB/T 45225-2025" }, { "code": "GB/T 45280-2025" },
            { "code": "GB/T 45401.1-2025" }, { "code": "GB/T 45401.2-2025" }, { "code": "GB/T 45628-2025" },
            { "code": "GB/T 45923.2-2025" },
        ] }));
        assert_eq!(data["group"], json!({ "nodes": [
            { "code": "GB/T 42131-2022" }, { "code": "GB/T 45628-2025" }, { "code": "GB/T 45923.2-2025" },
        ] }));
        assert_eq!(data["unknown"], json!({ "totalCount": 0, "nodes": [] }));
        assert_eq!(data["code"], json!({ "nodes": [{ "code": "GB/T 45993-2025" }] }));
    }

    async fn ordering_by_year_and_status(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let data = data(&db.schema(), r#"{ committee(code: "SC42") {
            workingGroups(first: 20) { totalCount }
            byYear: standards(filter: { workingGroup: "SAC/TC28/SC42/chip-and-system", kind: [NATIONAL] },
                              orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }], first: 20) { nodes { code year } }
            byStatus: standards(filter: { workingGroup: "SAC/TC28/SC42/chip-and-system" },
                                orderBy: [{ field: STATUS, direction: ASC }, { field: CODE, direction: DESC }], first: 3) { nodes { code status } }
        } }"#).await;
        assert_eq!(data["committee"]["byYear"]["nodes"], json!([
            { "code": "GB/T 45087-2025", "year": 2025 },
            { "code": "GB/T 45280-2025", "year": 2025 },
            { "code": "GB/T 45401.1-2025", "year": 2025 },
            { "code": "GB/T 45401.2-2025", "year": 2025 },
            { "code": "GB/T 42018-2022", "year": 2022 },
            { "code": "20230715-T-469", "year": null },
            { "code": "20230716-T-469", "year": null },
        ]));
        let statuses: Vec<&str> = data["committee"]["byStatus"]["nodes"].as_array().unwrap().iter().map(|n| n["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["PUBLISHED", "PUBLISHED", "PUBLISHED"]);
    }

    async fn search_spans_every_type(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let data = data(&schema, r#"{
            graph: search(text: "knowledge graph", first: 4) { __typename ... on Standard { code } ... on WorkingGroup { code } }
            people: search(text: "fan") { __typename ... on Expert { name organization } }
            committee: search(text: "tc28/sc4", first: 4) { __typename ... on Committee { code } }
        }"#).await;
        assert_eq!(data["graph"], json!([
            { "__typename": "WorkingGroup", "code": "SAC/TC28/SC42/knowledge-graph" },
            { "__typename": "Standard", "code": "knowledge-graph-architecture-ieee-2807-series" },
            { "__typename": "Standard", "code": "GB/T 42131-2022" },
            { "__typename": "Standard", "code": "GB/T 45628-2025" },
        ]));
        assert_eq!(data["people"], json!([{ "__typename": "Expert", "name": "Fan Kefeng", "organization": "CESI" }]));
        assert_eq!(data["committee"], json!([
            { "__typename": "Committee", "code": "SAC/TC28/SC40" },
            { "__typename": "Committee", "code": "SAC/TC28/SC41" },
            { "__typename": "Committee", "code": "SAC/TC28/SC42" },
            { "__typename": "Committee", "code": "SAC/TC28/SC43" },
        ]));
    }

    async fn global_ids_resolve_through_node(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let ids = data(&schema, r#"{
            committee(code: "SC42") { id }
            workingGroup(code: "SAC/TC28/WG34") { id }
            standard(code: "GB/T 45993-2025") { id }
            experts(first: 1) { nodes { id name } }
            liaisons(kind: [MIRROR], first: 1) { nodes { id counterpart } }
        }"#).await;
        let query = format!(
            r#"{{ c: node(id: "{}") {{ __typename ... on Committee {{ code }} }}
                 w: node(id: "{}") {{ __typename ... on WorkingGroup {{ code }} }}
                 s: node(id: "{}") {{ __typename ... on Standard {{ code }} }}
                 e: node(id: "{}") {{ __typename ... on Expert {{ name }} }}
                 l: node(id: "{}") {{ __typename ... on Liaison {{ counterpart }} }}
                 x: expert(id: "{}") {{ name }} }}"#,
            ids["committee"]["id"].as_str().unwrap(),
            ids["workingGroup"]["id"].as_str().unwrap(),
            ids["standard"]["id"].as_str().unwrap(),
            ids["experts"]["nodes"][0]["id"].as_str().unwrap(),
            ids["liaisons"]["nodes"][0]["id"].as_str().unwrap(),
            ids["experts"]["nodes"][0]["id"].as_str().unwrap(),
        );
        assert_eq!(data(&schema, &query).await, json!({
            "c": { "__typename": "Committee", "code": "SAC/TC28/SC42" },
            "w": { "__typename": "WorkingGroup", "code": "SAC/TC28/WG34" },
            "s": { "__typename": "Standard", "code": "GB/T 45993-2025" },
            "e": { "__typename": "Expert", "name": "Betty XU" },
            "l": { "__typename": "Liaison", "counterpart": "ISO/IEC JTC 1" },
            "x": { "name": "Betty XU" },
        }));
    }

    async fn experts_positions_and_statistics(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let data = data(&db.schema(), r#"{
            experts { totalCount nodes { name positions { role committee { code } externalBody } } }
            committee(code: "TC28") { positions { role expert { name } } founded }
            workingGroup(code: "TC28/WG34") {
                liaisons { kind counterpart counterpartBody { code } }
                statistics { metric value period }
            }
        }"#).await;
        assert_eq!(data["experts"], json!({ "totalCount": 2, "nodes": [
            { "name": "Betty XU", "positions": [{ "role": "SESEC expert", "committee": null, "externalBody": "SESEC V" }] },
            { "name": "Fan Kefeng", "positions": [
                { "role": "Secretary General", "committee": { "code": "SAC/TC28" }, "externalBody": null },
                { "role": "Vice President", "committee": null, "externalBody": "CESI" },
            ] },
        ] }));
        assert_eq!(data["committee"], json!({ "founded": 1983, "positions": [{ "role": "Secretary General", "expert": { "name": "Fan Kefeng" } }] }));
        assert_eq!(data["workingGroup"]["liaisons"], json!([
            { "kind": "CONVENORSHIP", "counterpart": "IEC SEG 14/WG 3", "counterpartBody": { "code": "IEC SEG 14/WG 3" } },
            { "kind": "LIAISON", "counterpart": "ISO/IEC JTC 3", "counterpartBody": { "code": "ISO/IEC JTC 3" } },
            { "kind": "PARTICIPATION", "counterpart": "IEC", "counterpartBody": { "code": "IEC" } },
            { "kind": "PARTICIPATION", "counterpart": "ISO/IEC JTC 1", "counterpartBody": { "code": "ISO/IEC JTC 1" } },
        ]));
        let statistics = data["workingGroup"]["statistics"].as_array().unwrap();
        assert!(statistics.contains(&json!({ "metric": "member institutions", "value": 34.0, "period": "to date" })));
        assert!(statistics.contains(&json!({ "metric": "registered experts", "value": 58.0, "period": "to date" })));
    }

    // Readings of the reports corrected by an independent reading: the
    // conformity-assessment standards have no committee the text names, the
    // work report cites where the reports name it, and the trustworthy-AI
    // group's IEEE participation is a plan, as its EU sibling.
    async fn corrected_readings_of_the_reports(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let data = data(&db.schema(), r#"{
            a: standard(code: "GB/T 25000") { committee { code } }
            b: standard(code: "T/CESA 1159-2021") { committee { code } }
            c: standard(code: "GB/T 42560-2023") { committee { code } }
            d: standard(code: "GB/T 36964-2018") { committee { code } }
            report: standard(code: "information-technology-standardization-work-report") {
                committee { code } sources { section }
            }
            workingGroup(code: "SAC/TC28/SC42/trustworthy-ai") {
                liaisons { kind counterpart notes }
            }
        }"#).await;
        for key in ["a", "b", "c", "d"] {
            assert_eq!(data[key], json!({ "committee": null }), "{key}");
        }
        assert_eq!(data["report"], json!({
            "committee": { "code": "SAC/TC28" },
            "sources": [
                { "section": "1. Overview" },
                { "section": "2. Information Technology Standardization Work Report" },
                { "section": "5. Conclusions" },
            ]
        }));
        let plan = "Stated as a strategic direction / upcoming plan, not an existing relation.";
        let liaisons = data["workingGroup"]["liaisons"].as_array().unwrap();
        for counterpart in ["IEEE", "EU standardization initiatives"] {
            assert!(
                liaisons.contains(&json!({ "kind": "OTHER", "counterpart": counterpart, "notes": plan })),
                "{counterpart}: {liaisons:?}"
            );
        }
        // Notes speak of the reports, and of nothing else they were written from.
        assert!(!dataset_text().contains("brief"), "a note speaks of a brief");
    }
}
