//! The seaography benchmark peer: `seaography-peer --database-url URL --port N`
//! serves the schema seaography builds over the registry's `entity` crate at
//! `POST /graphql` on 127.0.0.1:N (SQLite `sqlite:///path/file.db` or
//! `postgres://...`), and prints `listening on http://127.0.0.1:N/graphql`
//! once it accepts connections.
//!
//! Shaped like seaography's generated axum `main.rs`, with what a user would
//! change for a server under load: a pool of 16 connections (as the
//! registry), no per-statement SQL logging, and on SQLite the same
//! connection settings as the registry (WAL, `synchronous=NORMAL`, in-memory
//! temp store, a 1 GiB memory map). No depth or complexity limit.

mod entities;
mod query_root;

use std::time::Duration;

use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{Router, extract::State, routing::post};
use clap::Parser;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database};
use seaography::async_graphql::dynamic::Schema;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(name = "seaography-peer", about = "seaography 2.0 rc over the registry's entities")]
struct Args {
    /// `sqlite:///path/file.db` or `postgres://user@host:port/db`.
    #[arg(long)]
    database_url: String,
    /// Port on 127.0.0.1.
    #[arg(long)]
    port: u16,
    /// Connection pool size (the registry's default).
    #[arg(long, default_value_t = 16)]
    max_connections: u32,
    /// SQLite memory map, MiB (the registry's default).
    #[arg(long, default_value_t = 1024)]
    sqlite_mmap_mib: u64,
    /// Depth limit of a query; none when absent.
    #[arg(long)]
    depth_limit: Option<usize>,
    /// Complexity limit of a query; none when absent.
    #[arg(long)]
    complexity_limit: Option<usize>,
}

async fn graphql_handler(State(schema): State<Schema>, req: GraphQLRequest) -> GraphQLResponse {
    schema.execute(req.into_inner()).await.into()
}

#[tokio::main]
async fn main() {
    let args = Args::parse();

    let mut options = ConnectOptions::new(&args.database_url);
    options
        .max_connections(args.max_connections)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    let mmap_bytes = args.sqlite_mmap_mib << 20;
    options.map_sqlx_sqlite_opts(move |sqlite| {
        sqlite
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .pragma("temp_store", "memory")
            .pragma("mmap_size", mmap_bytes.to_string())
    });
    let db = Database::connect(options)
        .await
        .expect("cannot connect to the database");

    let schema = query_root::schema(db, args.depth_limit, args.complexity_limit)
        .expect("cannot build the schema");

    let app = Router::new()
        .route("/graphql", post(graphql_handler))
        .with_state(schema);
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .await
        .expect("cannot bind the port");
    println!("listening on http://127.0.0.1:{}/graphql", args.port);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("server failed");
}
