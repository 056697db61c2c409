//! Every setting of the service in one place: command-line flags that fall
//! back to environment variables, with named defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use crate::execution::trusted_documents::TrustedDocuments;

/// Where the server listens unless told otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";
/// The embedded database: an SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://standards-registry.db?mode=rwc";
/// The largest page a connection serves; a larger `first` or `last` is refused.
pub const MAX_PAGE_SIZE: usize = 100;
/// The page size when a client asks for neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// Deepest query accepted.
pub const DEFAULT_MAX_DEPTH: usize = 16;
/// Most complex query accepted, by Apollo's demand-control estimate of the
/// published directives (`sdl.rs`): a row read costs 1, a page its size
/// times its rows. The benchmark's largest shape (10 committees, 20 groups
/// each, 20 standards each with its committee and liaisons) is 48,421; three
/// nested pages of 100 (a million rows) are 1,030,301. A gateway's
/// `demand_control` limit can be set to the same number.
pub const DEFAULT_MAX_COMPLEXITY: usize = 300_000;
/// The complexity all requests being executed may add up to: answers are
/// built in memory, about 0.7 KB per unit (the shape above holds about 35 MB
/// while it is built), so this bounds the memory of a burst of large
/// queries near 90 MB. A request runs on one core at a time: two such
/// pages at once keep two cores busy (a third added 5 % to their
/// throughput, and its 35 MB to the peak), and the introspection query
/// GraphiQL sends (126,786) still fits.
pub const DEFAULT_MAX_COMPLEXITY_IN_FLIGHT: usize = 130_000;
/// Most operations in one batched request.
pub const DEFAULT_MAX_BATCH: usize = 16;
/// Connections in the database pool on PostgreSQL.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;
/// Connections in the pool on SQLite: each has a thread, a page cache and
/// prepared statements of its own, and more than a few cannot run at once
/// on a small machine.
pub const DEFAULT_SQLITE_MAX_CONNECTIONS: u32 = 8;
/// Most aliases in one document: an alias bomb asks for one field thousands of times.
pub const DEFAULT_MAX_ALIASES: usize = 64;
/// Most root fields in one operation.
pub const DEFAULT_MAX_ROOT_FIELDS: usize = 32;
/// Longest `search` or filter text.
pub const DEFAULT_MAX_TEXT_LENGTH: usize = 200;
/// Largest request body; larger ones get HTTP 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest a request may run, in milliseconds.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 10_000;
/// Longest one SQL statement may run on PostgreSQL, in milliseconds.
pub const DEFAULT_STATEMENT_TIMEOUT_MS: u64 = 5_000;
/// Longest a request waits for a pooled connection, in milliseconds: when
/// the database is gone, requests fail within this rather than hang.
pub const DEFAULT_ACQUIRE_TIMEOUT_MS: u64 = 3_000;
/// How long in-flight requests may run on after a shutdown signal, in seconds.
pub const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 20;
/// How long the server keeps retrying a database it cannot reach at start, in seconds.
pub const DEFAULT_CONNECT_RETRY_SECS: u64 = 60;
/// How much of an SQLite file is read through a memory map, in MiB. Off by
/// default: each pooled connection maps the file again, and every mapped page
/// counts again in the process's resident memory (what `ps`, a container's
/// limit and the OOM killer see): 16 connections on a 100 MB file showed 1.6
/// GB. Mapping saves a system call per page read past SQLite's own cache.
pub const DEFAULT_SQLITE_MMAP_MIB: u32 = 0;
/// Queries kept by automatic persisted queries (an LRU cache); 0 turns them off.
pub const DEFAULT_APQ_CACHE_SIZE: usize = 1000;
/// Memory for answers kept across requests (the response cache), in MiB.
pub const DEFAULT_RESPONSE_CACHE_MIB: usize = 32;
/// The longest `max-age`, in seconds, a successful answer may be cached for:
/// the public types hint 300 s, so this can only shorten it; 0 makes every
/// answer `no-cache`.
pub const DEFAULT_CACHE_MAX_AGE_SECS: i32 = 300;
/// How long `/readyz` waits for the database's `SELECT 1`, in milliseconds.
pub const DEFAULT_READYZ_TIMEOUT_MS: u64 = 1_000;
/// How far behind the primary a read replica may fall before it leaves the rotation, in seconds.
pub const DEFAULT_MAX_REPLICA_LAG_SECS: u64 = 5;
/// Distinct operation names (and error codes) metrics keep as labels; the rest count as `other`.
pub const MAX_METRIC_LABELS: usize = 100;

#[derive(Debug, Parser)]
#[command(
    name = "standards-registry",
    version,
    about = "A GraphQL federation subgraph serving the registry of IT standardization bodies"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The server's settings, given with `serve` or without a subcommand
    /// (they are global, so they may stand before or after it).
    #[command(flatten)]
    pub serve: ServeConfig,
    #[command(flatten)]
    pub telemetry: TelemetryConfig,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Upsert a dataset file into the database, in one transaction.
    Import {
        /// A dataset in the format of data/registry.json.
        file: PathBuf,
    },
    /// Print the schema's SDL.
    ExportSchema,
    /// Write a trusted-documents manifest (Apollo's persisted query manifest) from the
    /// operations in the `.graphql` files of a folder, each with a stable id: the
    /// SHA-256 of its body printed in one canonical form.
    Manifest {
        /// A folder of `.graphql` files (searched recursively), as a front end ships them.
        dir: PathBuf,
        /// Where to write it; standard output when not given.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// sqlite://FILE?mode=rwc or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// Connections in the database pool (default: 16 on PostgreSQL, 8 on SQLite).
    #[arg(long, env = "REGISTRY_MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<u32>,
    /// Longest one SQL statement may run on PostgreSQL, in milliseconds.
    #[arg(long, env = "REGISTRY_STATEMENT_TIMEOUT_MS", default_value_t = DEFAULT_STATEMENT_TIMEOUT_MS, global = true)]
    pub statement_timeout_ms: u64,
    /// Longest a request waits for a pooled connection, in milliseconds.
    #[arg(long, env = "REGISTRY_ACQUIRE_TIMEOUT_MS", default_value_t = DEFAULT_ACQUIRE_TIMEOUT_MS, global = true)]
    pub acquire_timeout_ms: u64,
    /// How long to keep retrying a database that cannot be reached at start, in seconds.
    #[arg(long, env = "REGISTRY_CONNECT_RETRY_SECS", default_value_t = DEFAULT_CONNECT_RETRY_SECS, global = true)]
    pub connect_retry_secs: u64,
    /// SQLite only: how much of the file is read through a memory map, in MiB; 0 turns it off.
    #[arg(long, env = "REGISTRY_SQLITE_MMAP_MIB", default_value_t = DEFAULT_SQLITE_MMAP_MIB, global = true)]
    pub sqlite_mmap_mib: u32,
    /// A read replica (a PostgreSQL hot standby of `--database-url`) queries are served
    /// from; repeatable (comma-separated in the variable). Imports, migrations and the
    /// first-start load use the primary; with no replica in rotation, so do queries.
    #[arg(
        long = "read-database-url",
        env = "REGISTRY_READ_DATABASE_URL",
        value_delimiter = ',',
        global = true
    )]
    pub read_database_urls: Vec<String>,
    /// How long a read replica may stay behind the primary's data before it leaves the
    /// rotation, in seconds (it comes back once it caught up).
    #[arg(long, env = "REGISTRY_MAX_REPLICA_LAG", default_value_t = DEFAULT_MAX_REPLICA_LAG_SECS, global = true)]
    pub max_replica_lag: u64,
}

impl DatabaseConfig {
    /// Connections in the pool: as configured, else the backend's default.
    pub fn pool_size(&self) -> u32 {
        self.max_connections
            .unwrap_or(if self.database_url.starts_with("sqlite:") {
                DEFAULT_SQLITE_MAX_CONNECTIONS
            } else {
                DEFAULT_MAX_CONNECTIONS
            })
    }

    /// The defaults, on `database_url`.
    pub fn for_url(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            max_connections: None,
            statement_timeout_ms: DEFAULT_STATEMENT_TIMEOUT_MS,
            acquire_timeout_ms: DEFAULT_ACQUIRE_TIMEOUT_MS,
            connect_retry_secs: DEFAULT_CONNECT_RETRY_SECS,
            sqlite_mmap_mib: DEFAULT_SQLITE_MMAP_MIB,
            read_database_urls: Vec::new(),
            max_replica_lag: DEFAULT_MAX_REPLICA_LAG_SECS,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "REGISTRY_BIND", default_value = DEFAULT_BIND, global = true)]
    pub bind: SocketAddr,
    /// Dataset file loaded when the database is empty at start (default: the registry's
    /// own dataset, data/registry.json, built into the binary).
    #[arg(long, env = "REGISTRY_DATASET", global = true)]
    pub dataset: Option<PathBuf>,
    /// Serve `/metrics` on a listener of its own at this address (and not on `--bind`),
    /// e.g. to keep it off a public port.
    #[arg(long, env = "REGISTRY_METRICS_BIND", global = true)]
    pub metrics_bind: Option<SocketAddr>,
    /// How long in-flight requests may run on after Ctrl-C or SIGTERM, in seconds.
    #[arg(long, env = "REGISTRY_SHUTDOWN_GRACE_SECS", default_value_t = DEFAULT_SHUTDOWN_GRACE_SECS, global = true)]
    pub shutdown_grace_secs: u64,
    /// Let the allocator use transparent huge pages. Off by default: each is 2 MiB resident
    /// as soon as a byte of it is used, which raised the server's peak memory by half;
    /// on, large answers computed without the response cache run about a tenth faster.
    #[arg(long, env = "REGISTRY_HUGE_PAGES", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub huge_pages: bool,
    #[command(flatten)]
    pub schema: SchemaConfig,
}

/// What shapes the GraphQL schema and its answers.
#[derive(Debug, Clone, Args)]
pub struct SchemaConfig {
    /// Deepest query accepted.
    #[arg(long, env = "REGISTRY_MAX_DEPTH", default_value_t = DEFAULT_MAX_DEPTH, global = true)]
    pub max_depth: usize,
    /// Most complex query accepted.
    #[arg(long, env = "REGISTRY_MAX_COMPLEXITY", default_value_t = DEFAULT_MAX_COMPLEXITY, global = true)]
    pub max_complexity: usize,
    /// The complexity all requests being executed may add up to; a request over what is
    /// left waits (within its time limit) for others to finish.
    #[arg(long, env = "REGISTRY_MAX_COMPLEXITY_IN_FLIGHT", default_value_t = DEFAULT_MAX_COMPLEXITY_IN_FLIGHT, global = true)]
    pub max_complexity_in_flight: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "REGISTRY_MAX_BATCH", default_value_t = DEFAULT_MAX_BATCH, global = true)]
    pub max_batch: usize,
    /// Most aliases in one document.
    #[arg(long, env = "REGISTRY_MAX_ALIASES", default_value_t = DEFAULT_MAX_ALIASES, global = true)]
    pub max_aliases: usize,
    /// Most root fields in one operation.
    #[arg(long, env = "REGISTRY_MAX_ROOT_FIELDS", default_value_t = DEFAULT_MAX_ROOT_FIELDS, global = true)]
    pub max_root_fields: usize,
    /// Longest `search` or filter text, in characters.
    #[arg(long, env = "REGISTRY_MAX_TEXT_LENGTH", default_value_t = DEFAULT_MAX_TEXT_LENGTH, global = true)]
    pub max_text_length: usize,
    /// Largest request body, in bytes.
    #[arg(long, env = "REGISTRY_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES, global = true)]
    pub max_body_bytes: usize,
    /// Longest a request may run, in milliseconds.
    #[arg(long, env = "REGISTRY_REQUEST_TIMEOUT_MS", default_value_t = DEFAULT_REQUEST_TIMEOUT_MS, global = true)]
    pub request_timeout_ms: u64,
    /// Report each response's cost (SQL statements, depth, complexity) in `extensions.cost`.
    #[arg(long, env = "REGISTRY_REPORT_COST", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub report_cost: bool,
    /// Queries kept for automatic persisted queries (Apollo's APQ); 0 turns them off.
    #[arg(long, env = "REGISTRY_APQ_CACHE_SIZE", default_value_t = DEFAULT_APQ_CACHE_SIZE, global = true)]
    pub apq_cache_size: usize,
    /// Memory for answers kept across requests, in MiB: a request answered before is
    /// answered again without running, while the data has not changed since (every
    /// import invalidates them, in every server); 0 turns the cache off.
    #[arg(long, env = "REGISTRY_RESPONSE_CACHE_MIB", default_value_t = DEFAULT_RESPONSE_CACHE_MIB, global = true)]
    pub response_cache_mib: usize,
    /// Longest `Cache-Control: max-age` of successful answers, in seconds; 0 makes them `no-cache`.
    #[arg(long, env = "REGISTRY_CACHE_MAX_AGE", default_value_t = DEFAULT_CACHE_MAX_AGE_SECS,
          value_parser = clap::value_parser!(i32).range(0..), global = true)]
    pub cache_max_age: i32,
    /// An origin browsers may call the API from (`https://example.org`, or `*` for any);
    /// repeatable. None by default: no CORS headers are sent.
    #[arg(long = "cors-origin", env = "REGISTRY_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin, global = true)]
    pub cors_origins: Vec<String>,
    /// How long `/readyz` waits for the database, in milliseconds.
    #[arg(long, env = "REGISTRY_READYZ_TIMEOUT_MS", default_value_t = DEFAULT_READYZ_TIMEOUT_MS, global = true)]
    pub readyz_timeout_ms: u64,
    /// async-graphql's tracing spans (target `async_graphql::graphql`) for parsing,
    /// validation, execution and every field resolving to an object, for finding the
    /// slow part of a query. Off by default: a span per field is a large part of the
    /// time of a big answer (BENCHMARKS.md).
    #[arg(long, env = "REGISTRY_RESOLVER_SPANS", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub resolver_spans: bool,
    /// Serve the GraphiQL playground at `/`; `false` for a locked-down public deployment.
    #[arg(long, env = "REGISTRY_PLAYGROUND", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub playground: bool,
    /// Answer introspection (`__schema`, `__type`); `false` refuses it with
    /// INTROSPECTION_DISABLED, while `_service { sdl }` still serves gateways the schema
    /// (the playground needs introspection).
    #[arg(long, env = "REGISTRY_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub introspection: bool,
    /// Trusted documents: an Apollo persisted query manifest (`standards-registry
    /// manifest DIR` writes one). Operations may then be sent by id alone (GraphQL over
    /// HTTP's `documentId`, or `extensions.persistedQuery`), and others are logged or
    /// refused (`--trusted-documents-mode`).
    #[arg(long, env = "REGISTRY_TRUSTED_DOCUMENTS", value_parser = load_manifest, global = true)]
    pub trusted_documents: Option<Arc<TrustedDocuments>>,
    /// What happens to an operation that is not in the trusted documents: `log` runs
    /// it and logs it, `reject` refuses it with PERSISTED_QUERY_NOT_IN_LIST (HTTP 400),
    /// except from a trusted proxy (a gateway sends operations of its own making) and
    /// from the playground while it is enabled.
    #[arg(long, env = "REGISTRY_TRUSTED_DOCUMENTS_MODE", value_enum, default_value_t = TrustedMode::Log, global = true)]
    pub trusted_documents_mode: TrustedMode,
    /// A gateway in front of this server (an address or a CIDR range; repeatable):
    /// its `apollographql-client-name` names the client for the per-client limits,
    /// and its operations are not held to the trusted documents.
    #[arg(long = "trusted-proxy", env = "REGISTRY_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network, global = true)]
    pub trusted_proxies: Vec<IpNet>,
    /// Requests one client may send per second (a burst of as many); 0 for no limit.
    #[arg(
        long,
        env = "REGISTRY_CLIENT_REQUESTS_PER_SECOND",
        default_value_t = 0,
        global = true
    )]
    pub client_requests_per_second: u32,
    /// Complexity one client's operations may add up to per second (a burst of as
    /// much); 0 for no limit.
    #[arg(
        long,
        env = "REGISTRY_CLIENT_COMPLEXITY_PER_SECOND",
        default_value_t = 0,
        global = true
    )]
    pub client_complexity_per_second: u32,
    /// The change feed's limits (subscriptions over WebSocket).
    #[command(flatten)]
    pub feed: crate::feed::FeedConfig,
}

impl Default for SchemaConfig {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_DEPTH,
            max_complexity: DEFAULT_MAX_COMPLEXITY,
            max_complexity_in_flight: DEFAULT_MAX_COMPLEXITY_IN_FLIGHT,
            max_batch: DEFAULT_MAX_BATCH,
            max_aliases: DEFAULT_MAX_ALIASES,
            max_root_fields: DEFAULT_MAX_ROOT_FIELDS,
            max_text_length: DEFAULT_MAX_TEXT_LENGTH,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            report_cost: true,
            apq_cache_size: DEFAULT_APQ_CACHE_SIZE,
            response_cache_mib: DEFAULT_RESPONSE_CACHE_MIB,
            cache_max_age: DEFAULT_CACHE_MAX_AGE_SECS,
            cors_origins: Vec::new(),
            readyz_timeout_ms: DEFAULT_READYZ_TIMEOUT_MS,
            resolver_spans: false,
            playground: true,
            introspection: true,
            trusted_documents: None,
            trusted_documents_mode: TrustedMode::Log,
            trusted_proxies: Vec::new(),
            client_requests_per_second: 0,
            client_complexity_per_second: 0,
            feed: crate::feed::FeedConfig::default(),
        }
    }
}

impl SchemaConfig {
    /// The defaults with the response cache off, for tests of what a request
    /// runs (its statements, its errors): with the cache on, a repeated
    /// request runs nothing. The cache has tests of its own.
    pub fn for_tests() -> Self {
        Self {
            response_cache_mib: 0,
            ..Self::default()
        }
    }
}

/// An origin as browsers send it in `Origin`: `scheme://host[:port]`, with
/// no path (a trailing slash would never match), or `*` for any origin.
fn parse_origin(text: &str) -> Result<String, String> {
    let origin = text.trim();
    if origin == "*" {
        return Ok(origin.to_owned());
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| {
            format!("`{origin}` is not an origin: one starts with http:// or https://")
        })?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ', ',']) || !origin.is_ascii() {
        return Err(format!(
            "`{origin}` is not an origin: scheme://host[:port], without a path or a trailing slash"
        ));
    }
    Ok(origin.to_owned())
}

/// What happens to an operation that is not in the trusted documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum TrustedMode {
    /// Run it, and log it (a warning naming the operation).
    #[default]
    Log,
    /// Refuse it with PERSISTED_QUERY_NOT_IN_LIST (HTTP 400).
    Reject,
}

/// `--trusted-documents`: the manifest, read and checked when the flag is parsed.
fn load_manifest(path: &str) -> Result<Arc<TrustedDocuments>, String> {
    TrustedDocuments::load(std::path::Path::new(path))
        .map(Arc::new)
        .map_err(|err| err.to_string())
}

/// `--trusted-proxy`: `10.0.0.0/8`, `::1/128`, or a single address.
fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is neither an IP address nor a CIDR range"))
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line, with the spans it happened in.
    Json,
}

/// Logging and tracing: what `telemetry::init` sets up. Filtering is `RUST_LOG`'s.
#[derive(Debug, Clone, Default, Args)]
pub struct TelemetryConfig {
    /// How log lines are written.
    #[arg(long, env = "REGISTRY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Export traces over OTLP (HTTP/protobuf) to this collector, e.g. http://127.0.0.1:4318.
    /// Needs a build with the `otlp` feature.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", global = true)]
    pub otlp_endpoint: Option<String>,
}
