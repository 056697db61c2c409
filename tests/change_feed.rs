//! The change feed: what each import writes to the change log, paging
//! through it with `changes(after:)`, and `registryChanged` delivered over
//! WebSocket by every server on one database.

mod common;
use common::*;

use std::path::Path;
use std::time::Duration;

use common::binary::Process;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use standards_registry::dataset;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A hang guard, never a measure: every wait here ends on an event.
const GUARD: Duration = Duration::from_secs(60);

fn dataset_json() -> Value {
    serde_json::from_str(&dataset_text()).expect("the dataset is JSON")
}

/// The first standard with a published code (a standard without one is
/// named by a slug of its title, so a new title would make a new standard).
fn coded_standard(file: &Value) -> usize {
    file["standards"]
        .as_array()
        .unwrap()
        .iter()
        .position(|standard| standard["code"].is_string())
        .expect("a standard with a code")
}

async fn import_json(test_db: &TestDb, file: &Value, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, file.to_string()).unwrap();
    dataset::import_file(&test_db.db, &path)
        .await
        .expect("the file imports");
}

/// The whole change log after `after`, as (importId, sequence, recordType, key, kind, source).
async fn log_after(test_db: &TestDb, after: Option<&str>) -> Vec<Value> {
    let after = after.map_or(String::new(), |cursor| format!(r#", after: "{cursor}""#));
    let query = format!(
        "{{ changes(first: 100{after}) {{ nodes {{ importId sequence recordType key kind source }} }} }}"
    );
    data(&test_db.schema(), &query).await["changes"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

async fn end_cursor(test_db: &TestDb) -> Option<String> {
    let mut after: Option<String> = None;
    loop {
        let args = after
            .as_ref()
            .map_or(String::new(), |cursor| format!(r#", after: "{cursor}""#));
        let page = data(
            &test_db.schema(),
            &format!("{{ changes(first: 100{args}) {{ pageInfo {{ hasNextPage endCursor }} }} }}"),
        )
        .await;
        let info = &page["changes"]["pageInfo"];
        if let Some(cursor) = info["endCursor"].as_str() {
            after = Some(cursor.to_owned());
        }
        if info["hasNextPage"] != json!(true) {
            return after;
        }
    }
}

on_every_backend! {
    async fn an_import_logs_exactly_what_it_changed(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let first = log_after(&test_db, None).await;
        assert!(!first.is_empty());
        assert!(first.iter().all(|change| change["kind"] == "CREATED" && change["importId"] == 1 && change["source"] == "registry.json"));
        let cursor = end_cursor(&test_db).await;

        let mut file = dataset_json();
        let index = coded_standard(&file);
        file["standards"][index]["title"] = json!("A title changed by the second file");
        let mut added = file["standards"][index].clone();
        added["code"] = json!("GB/T 99999-2026");
        added["title"] = json!("A standard the second file adds");
        added["equivalences"] = json!([]);
        file["standards"].as_array_mut().unwrap().push(added);
        file["experts"][0]["organization"] = json!("Another organization");
        let changed_code = data(
            &test_db.schema(),
            &format!(r#"{{ standard(code: {}) {{ code }} }}"#, file["standards"][index]["code"]),
        )
        .await["standard"]["code"]
            .clone();
        let expert = file["experts"][0]["key"].clone();
        import_json(&test_db, &file, "second.json").await;

        let second = log_after(&test_db, cursor.as_deref()).await;
        let mut expected = vec![
            json!({ "importId": 2, "recordType": "STANDARD", "key": "GB/T 99999-2026", "kind": "CREATED", "source": "second.json" }),
            json!({ "importId": 2, "recordType": "STANDARD", "key": changed_code, "kind": "UPDATED", "source": "second.json" }),
        ];
        // By record type, then by code.
        expected.sort_by_key(|change| change["key"].as_str().unwrap().to_owned());
        expected.push(json!({ "importId": 2, "recordType": "EXPERT", "key": expert, "kind": "UPDATED", "source": "second.json" }));
        for (i, change) in expected.iter_mut().enumerate() {
            change["sequence"] = json!(i + 1);
        }
        assert_eq!(second, expected);

        // The same file again changes nothing and logs nothing.
        let cursor = end_cursor(&test_db).await;
        import_json(&test_db, &file, "second.json").await;
        assert_eq!(log_after(&test_db, cursor.as_deref()).await, Vec::<Value>::new());
    }

    async fn changes_page_in_order_by_opaque_cursors(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let schema = test_db.schema();
        let all = data(&schema, "{ changes(first: 100) { totalCount edges { cursor node { sequence } } } }").await;
        let total = all["changes"]["totalCount"].as_i64().unwrap();
        assert!(total > 5);
        let edges = all["changes"]["edges"].as_array().unwrap().clone();

        let page = data(&schema, "{ changes(first: 2) { totalCount edges { cursor node { sequence } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }").await;
        assert_eq!(page["changes"]["edges"], json!(edges[0..2]));
        assert_eq!(page["changes"]["totalCount"], json!(total));
        assert_eq!(page["changes"]["pageInfo"], json!({
            "hasNextPage": true, "hasPreviousPage": false,
            "startCursor": edges[0]["cursor"], "endCursor": edges[1]["cursor"],
        }));
        let next = data(&schema, &format!(r#"{{ changes(first: 3, after: {}) {{ totalCount edges {{ cursor node {{ sequence }} }} pageInfo {{ hasPreviousPage endCursor }} }} }}"#, edges[1]["cursor"])).await;
        assert_eq!(next["changes"]["edges"], json!(edges[2..5]));
        assert_eq!(next["changes"]["totalCount"], json!(total - 2));
        assert_eq!(next["changes"]["pageInfo"], json!({ "hasPreviousPage": true, "endCursor": edges[4]["cursor"] }));
        assert_eq!(edges[2]["node"]["sequence"], json!(3));

        let (code, message) = error(&schema, r#"{ changes(after: "not-a-cursor") { totalCount } }"#).await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert!(message.contains("not a change cursor"), "{message}");
        let (code, _) = error(&schema, "{ changes(first: 101) { totalCount } }").await;
        assert_eq!(code, "BAD_USER_INPUT");
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `graphql-transport-ws` connection to a server's `/graphql`.
async fn connect(port: u16) -> Socket {
    let mut request = format!("ws://127.0.0.1:{port}/graphql")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, response) = tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(request))
        .await
        .expect("connects in time")
        .expect("the upgrade is accepted");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

/// The next protocol message (pings answered), or the close frame's code and reason.
async fn next_message(socket: &mut Socket) -> Result<Value, (u16, String)> {
    loop {
        let message = tokio::time::timeout(GUARD, socket.next())
            .await
            .expect("a message in time")
            .expect("the connection is open")
            .expect("a message");
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(text.as_str()).unwrap();
                if value["type"] == "ping" {
                    socket
                        .send(Message::Text(r#"{"type":"pong"}"#.into()))
                        .await
                        .unwrap();
                    continue;
                }
                return Ok(value);
            }
            Message::Close(frame) => {
                let frame = frame.expect("a close frame with a code");
                return Err((u16::from(frame.code), frame.reason.as_str().to_owned()));
            }
            _ => continue,
        }
    }
}

const EVENT: &str = "subscription($after: String, $types: [RecordType!]) { registryChanged(after: $after, types: $types) { importId source cursor changes { recordType key kind } } }";

/// Connects, initializes and subscribes to `registryChanged` after `after`.
async fn subscribe(port: u16, after: Option<&str>, types: Option<Value>) -> Socket {
    let mut socket = connect(port).await;
    socket
        .send(Message::Text(
            json!({ "type": "connection_init" }).to_string().into(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next_message(&mut socket).await.unwrap()["type"],
        "connection_ack"
    );
    let subscribe = json!({
        "id": "1",
        "type": "subscribe",
        "payload": { "query": EVENT, "variables": { "after": after, "types": types } },
    });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    socket
}

/// The next `registryChanged` event on `socket`.
async fn next_event(socket: &mut Socket) -> Value {
    let message = next_message(socket).await.expect("an event, not a close");
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"]["registryChanged"].clone()
}

/// The messages for operation `id` up to its end, as text.
async fn until_complete(socket: &mut Socket, id: &str) -> String {
    let mut seen = String::new();
    loop {
        let message = next_message(socket).await.expect("no close");
        if message["id"] != id {
            continue;
        }
        seen.push_str(&message.to_string());
        if matches!(message["type"].as_str(), Some("complete" | "error")) {
            return seen;
        }
    }
}

/// Imports `file` with the `standards-registry import` command: a third process.
fn import_by_command(url: &str, file: &Value, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, file.to_string()).unwrap();
    let output = common::binary::run_to_end(
        &["--database-url", url, "import", path.to_str().unwrap()],
        &[],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "the import failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn server(url: &str, dir: &Path, extra: &[&str]) -> Process {
    let mut args = vec!["--database-url", url];
    args.extend_from_slice(extra);
    let mut server = Process::serve(&args, &[], dir);
    server.wait_ready(GUARD);
    server
}

/// The file with the title of its first coded standard set to `title`.
fn retitled(title: &str) -> Value {
    let mut file = dataset_json();
    let index = coded_standard(&file);
    file["standards"][index]["title"] = json!(title);
    file
}

/// Real server processes, WebSocket clients and the import command.
mod over_websocket {
    use super::*;

    on_every_backend! {
        async fn every_server_delivers_each_import_once_in_order(backend: Backend) {
            let test_db = TestDb::with_dataset(backend).await;
            let dir = tempfile::tempdir().unwrap();
            let servers = [server(&test_db.url, dir.path(), &[]), server(&test_db.url, dir.path(), &[])];
            let start = end_cursor(&test_db).await;
            let mut clients = Vec::new();
            for server in &servers {
                clients.push(subscribe(server.port, start.as_deref(), None).await);
            }
            // Only experts: an import that changes none is not sent to it.
            let mut experts_only = subscribe(servers[1].port, start.as_deref(), Some(json!(["EXPERT"]))).await;

            import_by_command(&test_db.url, &retitled("First new title"), "first.json");
            import_by_command(&test_db.url, &retitled("Second new title"), "second.json");
            let mut with_expert = retitled("Second new title");
            with_expert["experts"][0]["organization"] = json!("Changed by the third file");
            import_by_command(&test_db.url, &with_expert, "third.json");

            let mut cursors = Vec::new();
            for client in &mut clients {
                let mut seen = Vec::new();
                for _ in 0..3 {
                    let event = next_event(client).await;
                    seen.push((event["importId"].clone(), event["source"].clone(), event["changes"].as_array().unwrap().len()));
                    cursors.push(event["cursor"].as_str().unwrap().to_owned());
                }
                assert_eq!(seen, vec![
                    (json!(2), json!("first.json"), 1),
                    (json!(3), json!("second.json"), 1),
                    (json!(4), json!("third.json"), 1),
                ]);
            }
            // The same cursors from both servers.
            assert_eq!(cursors[0..3], cursors[3..6]);
            let event = next_event(&mut experts_only).await;
            assert_eq!(event["importId"], json!(4));
            assert_eq!(event["changes"], json!([{ "recordType": "EXPERT", "key": with_expert["experts"][0]["key"], "kind": "UPDATED" }]));

            // Nothing twice: the next message on each is the next import.
            import_by_command(&test_db.url, &retitled("Fourth new title"), "fourth.json");
            for client in &mut clients {
                assert_eq!(next_event(client).await["importId"], json!(5));
            }

            // A client that was away catches up from its last cursor: through
            // `changes(after:)` and by subscribing again after it.
            let away = &cursors[0];
            let caught_up = servers[0].query(&format!(r#"{{ changes(after: "{away}") {{ nodes {{ importId key kind }} }} }}"#));
            let imports: Vec<i64> = caught_up["data"]["changes"]["nodes"].as_array().unwrap().iter()
                .map(|change| change["importId"].as_i64().unwrap()).collect();
            // The fourth file has the expert's first organization again.
            assert_eq!(imports, vec![3, 4, 5, 5], "{caught_up}");
            let mut back = subscribe(servers[1].port, Some(away), None).await;
            for import in [3, 4, 5] {
                assert_eq!(next_event(&mut back).await["importId"], json!(import));
            }
        }

        async fn only_subscriptions_run_over_websocket_and_each_connection_holds_few(backend: Backend) {
        let test_db = TestDb::with_dataset(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let server = server(&test_db.url, dir.path(), &["--subscriptions-per-connection", "1"]);
        // From the log's start: its first event (the first import, replayed)
        // shows the subscription is open before the second one is asked for.
        let mut socket = subscribe(server.port, Some("Y2hhbmdlOjA"), None).await;
        assert_eq!(next_event(&mut socket).await["importId"], json!(1));
        let second = json!({ "id": "2", "type": "subscribe", "payload": { "query": "subscription { registryChanged { importId } }" } });
        socket.send(Message::Text(second.to_string().into())).await.unwrap();
        let answer = until_complete(&mut socket, "2").await;
        assert!(answer.contains("a connection holds at most 1 subscriptions"), "{answer}");
        let query = json!({ "id": "3", "type": "subscribe", "payload": { "query": "{ changes { totalCount } }" } });
        socket.send(Message::Text(query.to_string().into())).await.unwrap();
        let answer = until_complete(&mut socket, "3").await;
        assert!(answer.contains("only subscriptions are served over WebSocket"), "{answer}");
        // Over HTTP a subscription is refused, not run.
        let answer = server.query("subscription { registryChanged { importId } }");
        assert!(answer["errors"][0]["message"].is_string(), "{answer}");
    }

    async fn the_connection_limit_refuses_with_a_reason(backend: Backend) {
            let test_db = TestDb::with_dataset(backend).await;
            let dir = tempfile::tempdir().unwrap();
            let server = server(&test_db.url, dir.path(), &["--max-subscription-connections", "1"]);
            let _first = subscribe(server.port, None, None).await;
            let mut second = connect(server.port).await;
            let (code, reason) = next_message(&mut second).await.expect_err("the second connection is closed");
            assert_eq!(code, 4429);
            assert_eq!(reason, "too many subscription connections: this server allows 1");
        }
    }
}
