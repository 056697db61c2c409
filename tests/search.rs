//! Ranked full-text search (`searchResults`, `search`, `standards(filter:
//! { text })` with `orderBy: RELEVANCE`) over the real dataset, the same on
//! both databases: a judged set of queries scored by precision at 5, queries
//! that must find nothing, typed text that is never an error, highlights,
//! the index kept current by an import, and the statements a search runs.

mod common;

use common::*;
use serde_json::{Value, json};

/// A hit as the judgments name it: its code, or an expert's name.
const HIT: &str = "__typename ... on Committee { code } ... on WorkingGroup { code } ... on Standard { code } ... on Expert { name }";

fn hit_name(hit: &Value) -> String {
    hit["code"]
        .as_str()
        .or(hit["name"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The first `first` hits of `searchResults(text:)`, by code or name.
async fn top(schema: &standards_registry::RegistrySchema, text: &str, first: usize) -> Vec<String> {
    let query = format!(
        "{{ searchResults(text: {}, first: {first}) {{ nodes {{ {HIT} }} }} }}",
        serde_json::to_string(text).unwrap()
    );
    let data = data(schema, &query).await;
    data["searchResults"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(hit_name)
        .collect()
}

/// A judged query: what a person types, the record that must come first
/// (if one must), and the records that are right answers.
struct Judgment {
    text: &'static str,
    first: Option<&'static str>,
    relevant: &'static [&'static str],
}

const fn judged(
    text: &'static str,
    first: Option<&'static str>,
    relevant: &'static [&'static str],
) -> Judgment {
    Judgment {
        text,
        first,
        relevant,
    }
}

const METAVERSE: &[&str] = &[
    "SAC/TC28/metaverse-research-group",
    "GB/T 45993-2025",
    "ISO/IEC CD 24931-1",
    "guidelines-on-construction-of-metaverse-standards-system",
    "grading-requirements-for-large-space-capabilities-in-the-metaverse",
    "classification-and-grading-of-virtual-digital-humans-in-the-metaverse",
];

const KNOWLEDGE_GRAPH: &[&str] = &[
    "SAC/TC28/SC42/knowledge-graph",
    "GB/T 42131-2022",
    "GB/T 45628-2025",
    "GB/T 45923.2-2025",
    "knowledge-graph-architecture-ieee-2807-series",
    "practical-case-studies-on-the-integration-of-knowledge-graphs-and-large-models",
    "artificial-intelligence-technical-guidelines-for-industrial-knowledge-graph-construction",
    "artificial-intelligence-knowledge-graph-application-systems-part-1-functional-requirements",
    "artificial-intelligence-integration-of-knowledge-graphs-and-large-models-part-1-technical-framework",
    "artificial-intelligence-knowledge-acquisition-and-annotation-requirements-for-carbon-verification-knowledge-graphs",
    "artificial-intelligence-knowledge-modeling-requirements-for-carbon-verification-knowledge-graphs",
];

const SC42: &[&str] = &[
    "SAC/TC28/SC42",
    "SAC/TC28/SC42/ai-empowering-new-industrialization-joint-group",
    "SAC/TC28/SC42/chip-and-system",
    "SAC/TC28/SC42/embodied-intelligence",
    "SAC/TC28/SC42/fundamental-international",
    "SAC/TC28/SC42/intelligent-computing",
    "SAC/TC28/SC42/knowledge-graph",
    "SAC/TC28/SC42/model-and-algorithm",
    "SAC/TC28/SC42/trustworthy-ai",
];

const CLOUD: &[&str] = &[
    "SAC/TC28/SC38",
    "GB/T 32399-2024",
    "ISO/IEC 22123-3:2023",
    "GB/T 44158-2024",
    "GB/T 45400-2025",
    "GB/T 45399-2025",
    "GB/T 44271-2024",
    "GB/T 44229-2024",
    "cloud-computing-integrated-standardization-system-construction-guidelines-2025-edition",
    "guidelines-for-construction-of-a-standardization-system-for-cloud-computing-2025-revision",
];

/// At least 25 queries over `data/registry.json`, judged by reading it.
const JUDGMENTS: &[Judgment] = &[
    // Words and their stems and prefixes.
    judged("metaverse", None, METAVERSE),
    judged("metaver", None, METAVERSE),
    judged(
        "knowledge graphs",
        Some("SAC/TC28/SC42/knowledge-graph"),
        KNOWLEDGE_GRAPH,
    ),
    judged(
        "knowledge graph",
        Some("SAC/TC28/SC42/knowledge-graph"),
        KNOWLEDGE_GRAPH,
    ),
    judged("cloud computing", None, CLOUD),
    judged(
        "cloud computing reference architecture",
        None,
        &["GB/T 32399-2024", "ISO/IEC 22123-3:2023"],
    ),
    judged(
        "quantum",
        Some("SAC/TC28/WG34"),
        &[
            "SAC/TC28/WG34",
            "quantum-simulation-platform",
            "quantum-machine-learning-dataset",
            "quantum-technology-standardization-roadmap",
            "iec-white-paper-on-quantum-information-technology",
            "ISO/IEC 4879:2024",
            "ISO/IEC TR 18157",
            "research-report-on-the-development-of-quantum-information-technology-standardization",
            "research-report-on-the-roadmap-of-quantum-information-technology-standardization",
        ],
    ),
    judged(
        "quantum computing",
        None,
        &["ISO/IEC 4879:2024", "ISO/IEC TR 18157"],
    ),
    judged(
        "brain-computer interface",
        None,
        &[
            "SAC/TC28/SC43",
            "reference-architecture-brain-computer-interface",
            "multimodal-data-formats-brain-computer-interface",
            "visual-evoked-potential-encoding-decoding-brain-computer-interface",
        ],
    ),
    judged(
        "retrieval-augmented generation",
        None,
        &[
            "artificial-intelligence-general-technical-requirements-of-retrieval-augmented-generation",
            "artificial-intelligence-evaluation-metrics-and-method-for-retrieval-augmented-generation-system",
            "graph-retrieval-augmented-generation-technology-and-testing-evaluation-specifications",
        ],
    ),
    judged(
        "trustworthy",
        Some("SAC/TC28/SC42/trustworthy-ai"),
        &[
            "SAC/TC28/SC42/trustworthy-ai",
            "20252081-Z-469",
            "artificial-intelligence-trustworthy-machine-learning-framework",
            "artificial-intelligence-trustworthy-machine-learning-model",
            "artificial-intelligence-trustworthiness-part-1-general-rules",
        ],
    ),
    judged(
        "green data center",
        Some("GB/T 44989-2024"),
        &[
            "GB/T 44989-2024",
            "guiding-opinions-on-strengthening-the-construction-of-green-data-center",
            "special-action-plan-for-green-and-low-carbon-development-of-data-centers",
        ],
    ),
    judged(
        "software bill of materials",
        None,
        &[
            "2024-1400T-SJ",
            "information-technologies-basic-capability-requirements-for-software-bill-of-materials-sbom",
        ],
    ),
    judged(
        "deep learning compiler",
        None,
        &["20231747-T-469", "2023004239"],
    ),
    judged(
        "industrial internet platform",
        None,
        &["GB/T 43738-2024", "GB/T 42562-2023"],
    ),
    judged(
        "industrial foundation model",
        None,
        &[
            "artificial-intelligence-system-architecture-of-industrial-foundation-model",
            "artificial-intelligence-technical-requirements-of-industrial-foundation-models",
            "artificial-intelligence-reference-architecture-of-industrial-foundation-model-agent",
        ],
    ),
    judged(
        "virtual digital humans",
        None,
        &[
            "SAC/TC28/SC24",
            "classification-and-grading-of-virtual-digital-humans-in-the-metaverse",
        ],
    ),
    judged("storage", Some("SAC/TC28/SC23"), &["SAC/TC28/SC23"]),
    judged("Fan Kefeng", Some("Fan Kefeng"), &["Fan Kefeng"]),
    judged("CESI", Some("Fan Kefeng"), &["Fan Kefeng"]),
    judged(
        "\"knowledge exchange\"",
        Some("GB/T 45628-2025"),
        &["GB/T 45628-2025"],
    ),
    // Codes, in any spelling `standard(code:)` and `committee(code:)` accept.
    judged("GB/T 45993", Some("GB/T 45993-2025"), &["GB/T 45993-2025"]),
    judged(
        "gb/t45993—2025",
        Some("GB/T 45993-2025"),
        &["GB/T 45993-2025"],
    ),
    judged("SC42", Some("SAC/TC28/SC42"), SC42),
    judged("sac/tc 28/sc 42", Some("SAC/TC28/SC42"), SC42),
    judged("WG34", Some("SAC/TC28/WG34"), &["SAC/TC28/WG34"]),
    judged(
        "ISO/IEC 22123-3",
        Some("ISO/IEC 22123-3:2023"),
        &["ISO/IEC 22123-3:2023"],
    ),
    judged(
        "20193195-T-269",
        Some("20193195-T-269"),
        &["20193195-T-269"],
    ),
    judged(
        "T/CESA 1159",
        Some("T/CESA 1159-2021"),
        &["T/CESA 1159-2021"],
    ),
    judged(
        "GB/T 45401",
        None,
        &["GB/T 45401.1-2025", "GB/T 45401.2-2025"],
    ),
    judged(
        "tc28/sc4",
        None,
        &[
            "SAC/TC28/SC40",
            "SAC/TC28/SC41",
            "SAC/TC28/SC42",
            "SAC/TC28/SC43",
        ],
    ),
];

/// Precision at 5: the share of the first five hits (or of as many as
/// there are right answers, when fewer) that are right answers.
fn precision_at_5(hits: &[String], relevant: &[&str]) -> f64 {
    let considered = relevant.len().min(5);
    let right = hits
        .iter()
        .take(considered)
        .filter(|hit| relevant.contains(&hit.as_str()))
        .count();
    right as f64 / considered as f64
}

/// The judged set's precision at 5 on `backend`, each query's top five.
async fn judge(backend: Backend) -> (f64, Vec<(String, Vec<String>, f64)>) {
    let db = TestDb::with_dataset(backend).await;
    let schema = db.schema();
    let mut results = Vec::new();
    for judgment in JUDGMENTS {
        let hits = top(&schema, judgment.text, 5).await;
        if let Some(first) = judgment.first {
            assert_eq!(
                hits.first().map(String::as_str),
                Some(first),
                "{}: {hits:?}",
                judgment.text
            );
        }
        let precision = precision_at_5(&hits, judgment.relevant);
        results.push((judgment.text.to_owned(), hits, precision));
    }
    let mean = results.iter().map(|(_, _, p)| p).sum::<f64>() / results.len() as f64;
    (mean, results)
}

on_every_backend! {
    async fn judged_queries_rank_the_right_records_first(backend: Backend) {
        assert!(JUDGMENTS.len() >= 25);
        let (mean, results) = judge(backend).await;
        let report: Vec<String> = results
            .iter()
            .map(|(text, hits, precision)| format!("{precision:.2} {text}: {hits:?}"))
            .collect();
        eprintln!("{backend:?}: mean precision@5 {mean:.3}\n{}", report.join("\n"));
        for (text, hits, precision) in &results {
            assert!(*precision >= 0.8, "precision@5 of {text} is {precision}: {hits:?}");
        }
        assert!(mean >= 0.98, "mean precision@5 {mean}");
    }

    async fn both_databases_rank_alike(backend: Backend) {
        // Each backend's ranking is compared with the one written here,
        // which both produce: the top five of a few judged queries.
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        assert_eq!(top(&schema, "metaverse", 5).await, [
            "SAC/TC28/metaverse-research-group",
            "GB/T 45993-2025",
            "guidelines-on-construction-of-metaverse-standards-system",
            "grading-requirements-for-large-space-capabilities-in-the-metaverse",
            "classification-and-grading-of-virtual-digital-humans-in-the-metaverse",
        ]);
        assert_eq!(top(&schema, "knowledge graphs", 4).await, [
            "SAC/TC28/SC42/knowledge-graph",
            "knowledge-graph-architecture-ieee-2807-series",
            "GB/T 42131-2022",
            "GB/T 45628-2025",
        ]);
        assert_eq!(top(&schema, "SC42", 3).await, [
            "SAC/TC28/SC42",
            "SAC/TC28/SC42/trustworthy-ai",
            "SAC/TC28/SC42/chip-and-system",
        ]);
        assert_eq!(top(&schema, "tc28/sc4", 4).await, [
            "SAC/TC28/SC40", "SAC/TC28/SC41", "SAC/TC28/SC42", "SAC/TC28/SC43",
        ]);
    }

    async fn queries_without_a_match_find_nothing(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        for text in ["blockchain", "xyzzy", "GB/T 99999", "metaverse -metaverse", "-cloud", "the of and", "量子计算", "cloud \"reference computing\""] {
            let query = format!("{{ searchResults(text: {}) {{ totalCount nodes {{ __typename }} }} search(text: {}) {{ __typename }} }}",
                serde_json::to_string(text).unwrap(), serde_json::to_string(text).unwrap());
            assert_eq!(data(&schema, &query).await, json!({ "searchResults": { "totalCount": 0, "nodes": [] }, "search": [] }), "{text}");
        }
    }

    async fn typed_text_is_never_an_error(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let odd = [
            "\"unbalanced quote", "\"", "\"\"", "-", "--", "*", "***", "cloud*", "*cloud", "AND OR NOT", "NEAR(cloud computing)",
            "title:cloud", "{title} : cloud", "cloud)", "(cloud", "^cloud", "'; DROP TABLE standard; --", "C++ (beta)!!",
            "a & b | !c", "<->", ":*", "cloud:*", "量子", "元宇宙 参考架构", "\\", "%_%", "cloud -", "- cloud", "'quoted'",
            "knowledge -\"large models\"", "GB/T*", "$1", "?",
        ];
        for text in odd {
            let query = format!("{{ searchResults(text: {}, first: 3) {{ totalCount edges {{ score highlights {{ field snippet }} node {{ {HIT} }} }} }} search(text: {}, first: 3) {{ __typename }} standards(filter: {{ text: {} }}, orderBy: [{{ field: RELEVANCE, direction: DESC }}], first: 3) {{ totalCount }} }}",
                serde_json::to_string(text).unwrap(), serde_json::to_string(text).unwrap(), serde_json::to_string(text).unwrap());
            let response = execute(&schema, query.as_str()).await;
            assert!(response.get("errors").is_none(), "{text}: {response:#}");
        }
        // What the odd text still finds.
        assert_eq!(top(&schema, "cloud*", 1).await, ["SAC/TC28/SC38"]);
        assert_eq!(top(&schema, "C++ (beta)!!", 1).await, Vec::<String>::new());
        let without = top(&schema, "knowledge graph -\"large models\"", 20).await;
        assert!(without.contains(&"GB/T 42131-2022".to_owned()));
        assert!(!without.iter().any(|hit| hit.contains("large-models")), "{without:?}");
    }

    async fn random_text_is_never_an_error(backend: Backend) {
        use proptest::strategy::{Strategy, ValueTree};
        use proptest::test_runner::TestRunner;
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        // Words of the dataset, FTS5 and tsquery operators, quotes, dashes
        // and any other character, in any order.
        let strategy = proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec![
                    "cloud", "knowledge", "graph", "GB/T", "45993", "SC42", "-", "\"", "*", "(", ")", ":",
                    "&", "|", "!", "<->", "NEAR", "AND", "NOT", "^", "{title}", "'", "\\", "%", "_", " ", "—", "量子",
                ])
                .prop_map(str::to_owned),
                "\\PC{1,4}",
            ],
            0..12,
        )
        .prop_map(|parts| parts.concat());
        let mut runner = TestRunner::deterministic();
        for _ in 0..150 {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            let text_json = serde_json::to_string(&text).unwrap();
            let query = format!("{{ searchResults(text: {text_json}, first: 5) {{ totalCount edges {{ score highlights {{ snippet }} }} }} standards(filter: {{ text: {text_json} }}, orderBy: [{{ field: RELEVANCE, direction: DESC }}], first: 2) {{ totalCount }} }}");
            let response = execute(&schema, query.as_str()).await;
            let errors = response["errors"].as_array().cloned().unwrap_or_default();
            // Only the checks of the text itself: empty, or too long.
            for error in &errors {
                let message = error["message"].as_str().unwrap_or_default();
                assert!(
                    message == "search text must not be empty" || message.starts_with("search text must be at most"),
                    "{text:?}: {response:#}"
                );
            }
        }
    }

    async fn hits_carry_scores_and_highlights(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let data = data(&schema, r#"{
            code: searchResults(text: "GB/T 45993", first: 1) { edges { highlights { field snippet } node { ... on Standard { code } } } }
            words: searchResults(text: "knowledge graphs", types: [STANDARD], first: 3) { edges { highlights { field snippet } node { ... on Standard { code } } } }
            title: searchResults(text: "metaverse", types: [STANDARD], first: 1) { edges { highlights { field snippet } node { ... on Standard { code } } } }
            person: searchResults(text: "cesi", first: 1) { edges { highlights { field snippet } node { ... on Expert { name } } } }
        }"#).await;
        assert_eq!(data["code"]["edges"], json!([{
            "highlights": [{ "field": "code", "snippet": "<mark>GB</mark>/<mark>T</mark> <mark>45993</mark>-2025" }],
            "node": { "code": "GB/T 45993-2025" }
        }]));
        assert_eq!(data["words"]["edges"], json!([
            { "highlights": [
                { "field": "code", "snippet": "<mark>knowledge</mark>-<mark>graph</mark>-architecture-ieee-2807-series" },
                { "field": "title", "snippet": "<mark>Knowledge</mark> <mark>Graph</mark> Architecture (IEEE 2807 series)" },
              ], "node": { "code": "knowledge-graph-architecture-ieee-2807-series" } },
            { "highlights": [{ "field": "title", "snippet": "Artificial intelligence—Technical framework of <mark>knowledge</mark> <mark>graph</mark>" }],
              "node": { "code": "GB/T 42131-2022" } },
            { "highlights": [{ "field": "title", "snippet": "Artificial intelligence—<mark>Knowledge</mark> <mark>graph</mark>—<mark>Knowledge</mark> exchange protocol" }],
              "node": { "code": "GB/T 45628-2025" } },
        ]));
        assert_eq!(data["title"]["edges"][0]["node"], json!({ "code": "GB/T 45993-2025" }));
        assert_eq!(data["title"]["edges"][0]["highlights"][0], json!({ "field": "title", "snippet": "<mark>Metaverse</mark> – Reference architecture" }));
        assert_eq!(data["person"]["edges"], json!([{
            "highlights": [{ "field": "organization", "snippet": "<mark>CESI</mark>" }],
            "node": { "name": "Fan Kefeng" }
        }]));
        // Scores: a code spelled exactly; a title holding the words whole,
        // or the last only as the start of a word: 1 for the match, 12.5 or
        // 10, and 2 / the title's length.
        let scores = crate::data(&schema, r#"{
            exact: searchResults(text: "GB/T 45993-2025", first: 1) { edges { score } }
            title: searchResults(text: "exchange protocol", first: 1) { edges { score node { ... on Standard { title } } } }
            started: searchResults(text: "exchange proto", first: 1) { edges { score node { ... on Standard { title } } } }
        }"#).await;
        assert!(scores["exact"]["edges"][0]["score"].as_f64().unwrap() >= 100.0, "{scores}");
        for (name, tier) in [("title", 12.5), ("started", 10.0)] {
            let edge = &scores[name]["edges"][0];
            let length = edge["node"]["title"].as_str().unwrap().chars().count() as f64;
            let score = edge["score"].as_f64().unwrap();
            assert!((score - (1.0 + tier + 2.0 / length)).abs() < 1e-9, "{scores}");
        }
    }

    async fn results_page_by_cursor_with_types_and_filter(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let first = data(&schema, r#"{ searchResults(text: "knowledge graph", first: 3) {
            totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { __typename ... on Standard { code } ... on WorkingGroup { code } }
        } }"#).await;
        let all = top(&schema, "knowledge graph", 100).await;
        assert_eq!(first["searchResults"]["totalCount"], json!(all.len()));
        assert_eq!(first["searchResults"]["pageInfo"]["hasNextPage"], json!(true));
        let cursor = first["searchResults"]["pageInfo"]["endCursor"].as_str().unwrap();
        let next = data(&schema, &format!(r#"{{ searchResults(text: "knowledge graph", first: 3, after: "{cursor}") {{
            pageInfo {{ hasPreviousPage }} nodes {{ {HIT} }} }} }}"#)).await;
        let names: Vec<String> = next["searchResults"]["nodes"].as_array().unwrap().iter().map(hit_name).collect();
        assert_eq!(names, all[3..6]);
        assert_eq!(next["searchResults"]["pageInfo"]["hasPreviousPage"], json!(true));

        let typed = data(&schema, r#"{ searchResults(text: "SC42", types: [COMMITTEE, EXPERT]) { totalCount nodes { __typename } } }"#).await;
        assert_eq!(typed, json!({ "searchResults": { "totalCount": 2, "nodes": [{ "__typename": "Committee" }, { "__typename": "Expert" }] } }));

        let filtered = data(&schema, r#"{ searchResults(text: "knowledge graph", filter: { status: [PUBLISHED] }) { totalCount nodes { ... on Standard { code status } } } }"#).await;
        assert_eq!(filtered, json!({ "searchResults": { "totalCount": 4, "nodes": [
            { "code": "knowledge-graph-architecture-ieee-2807-series", "status": "PUBLISHED" },
            { "code": "GB/T 42131-2022", "status": "PUBLISHED" },
            { "code": "GB/T 45628-2025", "status": "PUBLISHED" },
            { "code": "GB/T 45923.2-2025", "status": "PUBLISHED" },
        ] } }));
        let (code, _) = error(&schema, r#"{ searchResults(text: "cloud", first: 101) { totalCount } }"#).await;
        assert_eq!(code, "BAD_USER_INPUT");
        let (code, _) = error(&schema, r#"{ searchResults(text: "cloud", after: "nope") { totalCount } }"#).await;
        assert_eq!(code, "BAD_USER_INPUT");
    }

    async fn a_short_page_is_the_start_of_the_full_ranking(backend: Backend) {
        // A search scores only the candidates that can reach its page
        // (`TextQuery::candidates`): every shorter page must be the start
        // of the longest one, which is in the documented order: score, then
        // code among code matches, then shorter title, then code.
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let hits = |text: &str, args: &str, first: usize| {
            let query = format!(
                "{{ searchResults(text: {}, first: {first}{args}) {{ totalCount edges {{ score node {{
                    ... on Committee {{ code title: name }} ... on WorkingGroup {{ code title: name }}
                    ... on Standard {{ code title }} ... on Expert {{ code: name title: name }} }} }} }} }}",
                serde_json::to_string(text).unwrap()
            );
            let schema = &schema;
            async move { data(schema, &query).await["searchResults"].clone() }
        };
        let texts = [
            "artificial intelligence", "data", "system", "information technology", "cloud",
            "intelligence -artificial", "standard", "technology", "guidelines", "metaverse",
            "SC42", "TC28", "GB/T 4", "2025",
        ];
        let scopes = ["", ", types: [STANDARD, WORKING_GROUP]", ", filter: { status: [PUBLISHED] }"];
        let mut compared = 0;
        for text in texts {
            for scope in scopes {
                let full = hits(text, scope, 100).await;
                let edges = full["edges"].as_array().unwrap();
                assert_eq!(full["totalCount"], json!(edges.len()), "{text}{scope}");
                let code_search = text.chars().any(|c| c.is_ascii_digit() || c == '/');
                for pair in edges.windows(2) {
                    let key = |edge: &Value| {
                        let node = &edge["node"];
                        let title = node["title"].as_str().unwrap().chars().count();
                        (node["code"].as_str().unwrap().to_owned(), title)
                    };
                    let (score_a, score_b) = (pair[0]["score"].as_f64().unwrap(), pair[1]["score"].as_f64().unwrap());
                    assert!(score_a >= score_b, "{text}{scope}: {pair:?}");
                    if score_a == score_b && !(code_search && score_a > 20.0) {
                        let ((code_a, title_a), (code_b, title_b)) = (key(&pair[0]), key(&pair[1]));
                        assert!((title_a, &code_a) <= (title_b, &code_b), "{text}{scope}: {pair:?}");
                    }
                }
                for first in [1, 2, 5, 20] {
                    let page = hits(text, scope, first).await;
                    let expected = &edges[..first.min(edges.len())];
                    assert_eq!(page["edges"].as_array().unwrap(), expected, "{text}{scope} first {first}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, texts.len() * scopes.len() * 4);
        // A word that most records hold, so that pages stop early.
        assert!(hits("intelligence", "", 100).await["totalCount"].as_i64().unwrap() > 20);
    }

    async fn standards_text_filter_uses_the_index_and_orders_by_relevance(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        let data = data(&schema, r#"{
            ranked: standards(filter: { text: "knowledge graphs" }, orderBy: [{ field: RELEVANCE, direction: DESC }], first: 3) {
                totalCount nodes { code } pageInfo { endCursor }
            }
            byCode: standards(filter: { text: "knowledge graphs", status: [PUBLISHED] }, first: 5) { totalCount nodes { code } }
            code: standards(filter: { text: "GB/T 45993" }, orderBy: [{ field: RELEVANCE, direction: DESC }]) { nodes { code } }
            committee(code: "SC38") {
                standards(filter: { text: "cloud edge" }, orderBy: [{ field: RELEVANCE, direction: DESC }], first: 2) { totalCount nodes { code } }
            }
        }"#).await;
        assert_eq!(data["ranked"]["nodes"], json!([
            { "code": "knowledge-graph-architecture-ieee-2807-series" },
            { "code": "GB/T 42131-2022" },
            { "code": "GB/T 45628-2025" },
        ]));
        assert_eq!(data["ranked"]["totalCount"], json!(10));
        assert_eq!(data["byCode"], json!({ "totalCount": 4, "nodes": [
            { "code": "GB/T 42131-2022" }, { "code": "GB/T 45628-2025" }, { "code": "GB/T 45923.2-2025" },
            { "code": "knowledge-graph-architecture-ieee-2807-series" },
        ] }));
        assert_eq!(data["code"]["nodes"], json!([{ "code": "GB/T 45993-2025" }]));
        assert_eq!(data["committee"]["standards"], json!({ "totalCount": 1, "nodes": [{ "code": "GB/T 44271-2024" }] }));
        // The next page by the cursor follows on.
        let cursor = data["ranked"]["pageInfo"]["endCursor"].as_str().unwrap();
        let next = crate::data(&schema, &format!(r#"{{ standards(filter: {{ text: "knowledge graphs" }}, orderBy: [{{ field: RELEVANCE, direction: DESC }}], first: 2, after: "{cursor}") {{ nodes {{ code }} }} }}"#)).await;
        assert_eq!(next["standards"]["nodes"], json!([
            { "code": "practical-case-studies-on-the-integration-of-knowledge-graphs-and-large-models" },
            { "code": "artificial-intelligence-technical-guidelines-for-industrial-knowledge-graph-construction" },
        ]));
    }

    async fn an_import_that_changes_a_title_is_found_by_its_new_words(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        assert_eq!(top(&schema, "holographic lattice", 5).await, Vec::<String>::new());
        let text = dataset_text().replace(
            "\"Metaverse \u{2013} Reference architecture\"",
            "\"Metaverse \u{2013} Holographic lattice architecture\"",
        );
        assert_ne!(text, dataset_text(), "the title is in the dataset");
        let parsed = standards_registry::dataset::parse(&text).expect("the dataset parses");
        standards_registry::dataset::import(&db.db, &parsed).await.expect("the import succeeds");
        assert_eq!(top(&schema, "holographic lattices", 5).await, ["GB/T 45993-2025"]);
        let found = crate::data(&schema, r#"{ searchResults(text: "holographic", first: 1) { edges { highlights { field snippet } } } }"#).await;
        assert_eq!(found["searchResults"]["edges"][0]["highlights"][0], json!({ "field": "title", "snippet": "Metaverse – <mark>Holographic</mark> lattice architecture" }));
        // The old title's words no longer find it by its title.
        let old = top(&schema, "\"metaverse reference architecture\"", 5).await;
        assert!(!old.contains(&"GB/T 45993-2025".to_owned()), "{old:?}");
    }

    async fn hits_resolve_their_fields_through_the_loaders(backend: Backend) {
        let db = TestDb::with_dataset(backend).await;
        let schema = db.schema();
        // One statement for the page, one for the count, one per kind of
        // hit, then one per nested relation however many hits ask.
        let response = execute(&schema, r#"{ searchResults(text: "knowledge", first: 20) {
            totalCount
            edges { score node {
                ... on Standard { code committee { code } workingGroup { code } }
                ... on WorkingGroup { code committee { code } }
                ... on Committee { code }
            } }
        } }"#).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        assert_eq!(statements(&response), 6, "{response:#}");
        let response = execute(&schema, r#"{ search(text: "knowledge", first: 20) {
            ... on Standard { code committee { code } } ... on WorkingGroup { code committee { code } }
        } }"#).await;
        assert_eq!(statements(&response), 4, "{response:#}");
        // The cost model's estimate: the connection 1, its `totalCount` 1,
        // and per edge (sized by `first`) the hit 1 and its committee 1;
        // `edges`, `highlights` and scalars 0.
        let response = execute(&schema, r#"{ searchResults(text: "cloud", first: 10) {
            totalCount edges { score highlights { field snippet } node { ... on Standard { code committee { code } } } }
        } }"#).await;
        assert_eq!(response["extensions"]["cost"]["complexity"], 22, "{response:#}");
    }

    async fn a_database_indexed_before_the_index_existed_is_indexed_at_start(backend: Backend) {
        use sea_orm::ConnectionTrait;
        let db = TestDb::with_dataset(backend).await;
        db.db.execute_unprepared("DELETE FROM search_document").await.unwrap();
        if backend == Backend::Sqlite {
            db.db.execute_unprepared("INSERT INTO search_fts(search_fts) VALUES ('rebuild')").await.unwrap();
        }
        assert_eq!(top(&db.schema(), "metaverse", 1).await, Vec::<String>::new());
        standards_registry::db::migrate(&db.db).await.expect("migrations apply");
        assert_eq!(top(&db.schema(), "GB/T 45993", 1).await, ["GB/T 45993-2025"]);
    }
}
