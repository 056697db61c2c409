//! Many servers, one truth: three server processes on one database (one
//! SQLite file, or one PostgreSQL database as a deployment behind a load
//! balancer has), each keeping answers in its response cache, and an import
//! by the `import` command from a fourth process. The very next request to
//! every server answers the new data: nothing is waited for, since each
//! server checks the data version the import bumps in its own transaction
//! before it serves a kept answer.

mod common;

use common::binary::{Process, run_to_end};
use common::*;
use serde_json::json;

const START: std::time::Duration = std::time::Duration::from_secs(120);

const QUERY: &str = r#"{ standard(code: "GB/T 45993-2025") { title } }"#;
const TITLE: &str = "Metaverse \u{2013} Reference architecture";
const RETITLED: &str = "Metaverse \u{2013} Reference architecture, third edition";

/// The title a server answers and whether the answer was a kept one.
fn title_and_kept(server: &Process) -> (String, bool) {
    let answer = server.query(QUERY);
    let title = answer["data"]["standard"]["title"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer:#}"))
        .to_owned();
    (title, answer["extensions"]["cost"]["cached"] == json!(true))
}

on_every_backend! {
    async fn every_server_answers_an_import_by_another_process_at_once(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let env = [("DATABASE_URL", test_db.url.as_str())];
        let mut servers: Vec<Process> = (0..3).map(|_| Process::serve(&[], &env, dir.path())).collect();
        for server in &mut servers {
            server.wait_ready(START);
        }
        for server in &servers {
            assert_eq!(title_and_kept(server), (TITLE.to_owned(), false));
            assert_eq!(title_and_kept(server), (TITLE.to_owned(), true), "kept by the server");
        }

        let file = dir.path().join("retitled.json");
        std::fs::write(&file, dataset_retitling("GB/T 45993-2025", RETITLED)).unwrap();
        let import = run_to_end(&["import", file.to_str().unwrap()], &env, dir.path());
        assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
        let imported = std::time::Instant::now();

        for server in &servers {
            assert_eq!(title_and_kept(server), (RETITLED.to_owned(), false), "the next answer is new");
            assert_eq!(title_and_kept(server), (RETITLED.to_owned(), true));
        }
        // For the record (not asserted: a loaded machine may be slow): how
        // long after the import every server had answered the new data.
        println!("all three servers answered the import within {:?}", imported.elapsed());
    }
}
