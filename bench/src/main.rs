//! registry-bench: the benchmark suite of standards-registry.
//!
//! `cargo run --release -p registry-bench -- --sizes S,M --backends sqlite,postgres`
//! builds the server's release binary, and for every size and backend:
//! writes the dataset (S is data/registry.json, M and L are generated),
//! imports it with `standards-registry import`, starts `serve` on a loopback
//! port (three times, for the time to the first answer), asks it for the
//! cursors Q3 and Q6 page with, checks every shape's answer against its
//! floor, then measures each shape at each concurrency over HTTP and its
//! floor in process. Results go to bench/results/ (JSON, Markdown, SVG).
//! See BENCHMARKS.md.

mod chart;
mod cpu;
mod floor;
mod generate;
mod load;
mod report;
mod server;
mod shapes;
mod soak;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use sea_orm::{ConnectionTrait, Database, DbBackend};
use serde_json::Value;
use standards_registry::config::DatabaseConfig;

use crate::load::Client;
use crate::report::{Baseline, Cell, Results, Run, ShapeResult};
use crate::server::Server;
use crate::shapes::Shape;

#[derive(Debug, Parser)]
#[command(
    name = "registry-bench",
    about = "Benchmark suite of standards-registry"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Sizes to run: S (data/registry.json), M (scale 1), L (scale 10).
    #[arg(long, value_delimiter = ',', default_value = "S,M")]
    sizes: Vec<String>,
    /// Backends to run: sqlite, postgres.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Shapes to run (Q1, Q2, Q3, Q4, Q5, Q6.1, Q6, Q7).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "Q1,Q2,Q3,Q4,Q5,Q6.1,Q6,Q7"
    )]
    shapes: Vec<String>,
    /// Concurrent clients per cell.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    concurrency: Vec<usize>,
    /// Measured seconds per cell (GraphQL and floor alike).
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    /// Warm-up seconds before each cell, not measured.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// A PostgreSQL database on a server where this user may create databases.
    #[arg(
        long,
        env = "BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres_url: String,
    /// Where results are written.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Where datasets, SQLite files and server logs go.
    #[arg(long, default_value = "target/registry-bench")]
    work: PathBuf,
    /// The server binary; by default the release build, built first.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Do not run `cargo build --release` for the server first.
    #[arg(long)]
    no_build: bool,
    /// Keep the SQLite files and PostgreSQL databases afterwards.
    #[arg(long)]
    keep: bool,
    /// Before each cell, wait until other processes use fewer cores than this ...
    #[arg(long, default_value_t = 0.3)]
    quiet_cores: f64,
    /// ... for at most this many seconds.
    #[arg(long, default_value_t = 2.0)]
    quiet_wait: f64,
    /// Measure a cell again (once) when other processes used more cores than
    /// this during it, and keep the quieter measurement.
    #[arg(long, default_value_t = 1.0)]
    noisy_cores: f64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a synthetic registry to a file.
    Generate {
        /// M (scale 1) or L (scale 10).
        #[arg(long, default_value = "M")]
        size: String,
        /// Any other scale (overrides --size).
        #[arg(long)]
        scale: Option<f64>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Rewrite results.md and chart.svg from a results.json.
    Report {
        #[arg(long, default_value = "bench/results")]
        out: PathBuf,
    },
    /// A bounded load test: many clients over a mix of queries; asserts no
    /// failed request and stable memory (see README.md, Load test).
    Soak(soak::Args),
}

fn scale_of(size: &str) -> Result<Option<f64>> {
    match size.to_ascii_uppercase().as_str() {
        "S" => Ok(None),
        "M" => Ok(Some(1.0)),
        "L" => Ok(Some(10.0)),
        other => bail!("unknown size `{other}`: S, M or L"),
    }
}

/// The workspace root: paths on the command line are relative to it.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is in the workspace")
        .to_owned()
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Generate { size, scale, out }) => {
                let scale = match scale {
                    Some(scale) => scale,
                    None => scale_of(&size)?.context("S is the real dataset, not generated")?,
                };
                let start = Instant::now();
                let mut file = BufWriter::new(std::fs::File::create(&out)?);
                generate::generate(scale, &mut file)?;
                file.flush()?;
                eprintln!("wrote {} in {:.1?}", out.display(), start.elapsed());
                Ok(())
            }
            Some(Command::Report { out }) => {
                let out = workspace().join(out);
                let results: Results =
                    serde_json::from_str(&std::fs::read_to_string(out.join("results.json"))?)?;
                report::write(&results, &out)
            }
            Some(Command::Soak(args)) => soak::run(args).await,
            None => run(cli).await,
        }
    })
}

/// The dataset file of a size and the sample its shapes draw from.
fn dataset(size: &str, work: &Path) -> Result<(PathBuf, generate::Sample)> {
    match scale_of(size)? {
        None => {
            let path = workspace().join("data/registry.json");
            let dataset = standards_registry::dataset::parse(&std::fs::read_to_string(&path)?)?;
            Ok((path, shapes::sample_of(&dataset)))
        }
        Some(scale) => {
            let path = work.join(format!("registry-{}.json", size.to_ascii_lowercase()));
            let start = Instant::now();
            let mut file = BufWriter::new(std::fs::File::create(&path)?);
            let sample = generate::generate(scale, &mut file)?;
            file.flush()?;
            eprintln!(
                "[{size}] generated {} ({} MB) in {:.1?}",
                path.display(),
                std::fs::metadata(&path)?.len() / 1_000_000,
                start.elapsed()
            );
            Ok((path, sample))
        }
    }
}

/// The database a size is measured on.
fn bench_database(size: &str) -> String {
    format!("registry_bench_{}", size.to_ascii_lowercase())
}

/// A fresh, empty database `name` of the backend (an SQLite file in `work`,
/// or a database on `postgres_url`'s server): its URL.
pub(crate) async fn fresh_database(
    backend: &str,
    name: &str,
    postgres_url: &str,
    work: &Path,
) -> Result<String> {
    match backend {
        "sqlite" => {
            remove_sqlite(name, work);
            Ok(format!(
                "sqlite://{}?mode=rwc",
                work.join(format!("{name}.db")).display()
            ))
        }
        "postgres" => {
            drop_postgres(name, postgres_url).await?;
            let admin = Database::connect(postgres_url).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await?;
            Ok(postgres_url_for(postgres_url, name))
        }
        other => bail!("unknown backend `{other}`: sqlite or postgres"),
    }
}

/// Removes what `fresh_database` made.
pub(crate) async fn drop_database(
    backend: &str,
    name: &str,
    postgres_url: &str,
    work: &Path,
) -> Result<()> {
    if backend == "postgres" {
        drop_postgres(name, postgres_url).await
    } else {
        remove_sqlite(name, work);
        Ok(())
    }
}

async fn drop_postgres(name: &str, postgres_url: &str) -> Result<()> {
    let admin = Database::connect(postgres_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin.close().await?;
    Ok(())
}

fn remove_sqlite(name: &str, work: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(work.join(format!("{name}.db{suffix}")));
    }
}

fn postgres_url_for(admin: &str, name: &str) -> String {
    let base = admin.split('?').next().unwrap_or(admin);
    let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{base}/{name}")
}

async fn database_bytes(db: &sea_orm::DatabaseConnection, url: &str) -> u64 {
    if db.get_database_backend() == DbBackend::Postgres {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_database_size(current_database())",
            ))
            .await
            .ok()
            .flatten();
        row.and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0) as u64
    } else {
        let file = url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{file}{s}")).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// Measures a cell on a machine as quiet as it gets within `--quiet-wait`,
/// once more if other processes were busy during it; keeps the quieter one.
async fn quietly<F, Fut>(cli: &Cli, server: u32, mut measure: F) -> Result<load::Measured>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<load::Measured>>,
{
    let mut best: Option<load::Measured> = None;
    for _ in 0..2 {
        cpu::wait_for_quiet(
            Some(server),
            cli.quiet_cores,
            Duration::from_secs_f64(cli.quiet_wait),
        )
        .await;
        let from = cpu::sample(Some(server));
        let mut measured = measure().await?;
        measured.foreign_cores = cpu::foreign_cores(&from, &cpu::sample(Some(server)));
        let noisy = measured.foreign_cores > cli.noisy_cores;
        if best
            .as_ref()
            .is_none_or(|b| measured.foreign_cores < b.foreign_cores)
        {
            best = Some(measured);
        }
        if !noisy {
            break;
        }
    }
    Ok(best.expect("measured at least once"))
}

/// The server's own database settings on `url`, read as its command line
/// reads them, so that the floor's pool is the server's.
fn database_config(url: &str) -> Result<DatabaseConfig> {
    let max = standards_registry::config::DEFAULT_MAX_CONNECTIONS.to_string();
    let cli = standards_registry::config::Cli::try_parse_from([
        "standards-registry",
        "migrate",
        "--database-url",
        url,
        "--max-connections",
        &max,
    ])?;
    Ok(cli.database)
}

fn git_commit(workspace: &Path) -> String {
    std::process::Command::new("git")
        .current_dir(workspace)
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

async fn run(cli: Cli) -> Result<()> {
    let suite_start = Instant::now();
    let root = workspace();
    let work = root.join(&cli.work);
    let out = root.join(&cli.out);
    std::fs::create_dir_all(&work)?;
    std::fs::create_dir_all(&out)?;
    let selected: Vec<Shape> = cli
        .shapes
        .iter()
        .map(|name| Shape::from_name(name).with_context(|| format!("unknown shape `{name}`")))
        .collect::<Result<_>>()?;
    for size in &cli.sizes {
        scale_of(size)?;
    }
    let bin = server::binary(&root, cli.server_bin.clone(), !cli.no_build)?;
    let warmup = Duration::from_secs_f64(cli.warmup);
    let duration = Duration::from_secs_f64(cli.duration);
    let mut results = Results {
        machine: report::machine(),
        commit: git_commit(&root),
        command: std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        duration_s: cli.duration,
        warmup_s: cli.warmup,
        concurrency: cli.concurrency.clone(),
        runs: Vec::new(),
        total_s: 0.0,
    };
    for size in &cli.sizes {
        let size = size.to_ascii_uppercase();
        let (file, sample) = dataset(&size, &work)?;
        for backend in &cli.backends {
            let backend = backend.to_ascii_lowercase();
            let run = run_one(
                &cli, &bin, &work, &size, &backend, &file, &sample, &selected, warmup, duration,
            )
            .await;
            if !cli.keep {
                drop_database(&backend, &bench_database(&size), &cli.postgres_url, &work).await?;
            }
            results.runs.push(run?);
            results.total_s = suite_start.elapsed().as_secs_f64();
            // Written after every run, so a partial suite still reports.
            report::write(&results, &out)?;
        }
        if scale_of(&size)?.is_some() && !cli.keep {
            let _ = std::fs::remove_file(&file);
        }
    }
    results.total_s = suite_start.elapsed().as_secs_f64();
    report::write(&results, &out)?;
    eprintln!(
        "done in {:.1} min: {}",
        results.total_s / 60.0,
        out.join("results.md").display()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn run_one(
    cli: &Cli,
    bin: &Path,
    work: &Path,
    size: &str,
    backend: &str,
    file: &Path,
    sample: &generate::Sample,
    selected: &[Shape],
    warmup: Duration,
    duration: Duration,
) -> Result<Run> {
    let tag = format!("[{size} {backend}]");
    let log = work.join(format!(
        "server-{}-{backend}.log",
        size.to_ascii_lowercase()
    ));
    let _ = std::fs::remove_file(&log);
    let url = fresh_database(backend, &bench_database(size), &cli.postgres_url, work).await?;
    let import = server::import(bin, &url, file, &log)?;
    eprintln!("{tag} imported in {import:.1?}");

    // Start to first answer, on the database just imported: three starts.
    let probe = load::body(
        Shape::Q1,
        &shapes::Variant {
            variables: serde_json::json!({ "code": sample.standard_codes[0] }),
            offset: 0,
        },
    );
    let mut startups = Vec::new();
    let mut server = None;
    for attempt in 0..3 {
        let started =
            Server::start(bin, &url, &log, probe.clone(), Duration::from_secs(120)).await?;
        startups.push(started.startup.as_secs_f64() * 1000.0);
        if attempt < 2 {
            let mut started = started;
            started.stop();
        } else {
            server = Some(started);
        }
    }
    let server = server.expect("the third start is kept");
    let (_, rss_idle) = server.memory()?;
    let anon_peak = server.sample_anon_peak();
    eprintln!(
        "{tag} start to first answer: {startups:.0?} ms; idle RSS {} MiB",
        rss_idle / 1024
    );

    let pid = server.pid();
    let mut client = Client::connect(server.addr).await?;
    // The fixed cost of a request: `{ __typename }`, no resolver, no statement.
    let typename = Arc::new(vec![bytes::Bytes::from_static(
        br#"{"query":"{ __typename }"}"#,
    )]);
    let mut baseline = Vec::new();
    for &concurrency in &cli.concurrency {
        let graphql = quietly(cli, pid, || {
            load::http(server.addr, typename.clone(), concurrency, warmup, duration)
        })
        .await?;
        eprintln!(
            "{tag} {{ __typename }} c={concurrency:<2} {:>8.1}/s p50 {:>6.2} ms p99 {:>6.2} ms | other CPU {:.1}",
            graphql.throughput,
            graphql.p50_us as f64 / 1000.0,
            graphql.p99_us as f64 / 1000.0,
            graphql.foreign_cores,
        );
        baseline.push(Baseline {
            concurrency,
            graphql,
        });
    }
    let plan = shapes::plan(sample, &mut client)
        .await
        .map_err(anyhow::Error::msg)
        .context("asking the server for the plan's cursors")?;
    let floor_db = standards_registry::db::connect(&database_config(&url)?).await?;
    let db_bytes = database_bytes(&floor_db, &url).await;

    let mut shape_results = Vec::new();
    for &shape in selected {
        let variants = plan.variants(shape).to_vec();
        if variants.is_empty() {
            continue;
        }
        // Every variant once: no errors, its cost, and the floor's answer is the same.
        let mut statements = Vec::new();
        let mut depth = 0;
        let mut complexity = 0;
        let mut bytes = 0;
        let mut mismatches = 0;
        for (i, variant) in variants.iter().enumerate() {
            let body = load::body(shape, variant);
            let (status, answer) = client.post(body).await?;
            let response: Value = serde_json::from_slice(&answer)
                .with_context(|| format!("{tag} {}: HTTP {status}", shape.name()))?;
            if response.get("errors").is_some() || !status.is_success() {
                bail!("{tag} {} answered errors: {response}", shape.name());
            }
            let cost = &response["extensions"]["cost"];
            statements.push(cost["sqlStatements"].as_u64().unwrap_or(0) as usize);
            depth = cost["depth"].as_u64().unwrap_or(0) as usize;
            complexity = cost["complexity"].as_u64().unwrap_or(0) as usize;
            if i == 0 {
                bytes = answer.len();
            }
            let ours = shapes::summary(shape, &response["data"]);
            let theirs = floor::run(&floor_db, shape, variant, true).await?;
            if ours != theirs {
                mismatches += 1;
                let at = ours.iter().zip(&theirs).position(|(a, b)| a != b);
                eprintln!(
                    "{tag} {} variant {i}: the floor's answer differs ({} vs {} lines; first difference at {at:?}: {:?} vs {:?})",
                    shape.name(),
                    ours.len(),
                    theirs.len(),
                    at.and_then(|at| ours.get(at)),
                    at.and_then(|at| theirs.get(at)),
                );
            }
        }
        statements.sort_unstable();
        statements.dedup();
        let bodies = Arc::new(
            variants
                .iter()
                .map(|v| load::body(shape, v))
                .collect::<Vec<_>>(),
        );
        let shared = Arc::new(variants.clone());
        let mut cells = Vec::new();
        for &concurrency in &cli.concurrency {
            let graphql = quietly(cli, pid, || {
                load::http(server.addr, bodies.clone(), concurrency, warmup, duration)
            })
            .await?;
            let floor = quietly(cli, pid, || {
                load::floor(
                    &floor_db,
                    shape,
                    shared.clone(),
                    concurrency,
                    warmup,
                    duration,
                )
            })
            .await?;
            eprintln!(
                "{tag} {:<4} c={concurrency:<2}  GraphQL {:>8.1}/s p50 {:>8.2} ms p99 {:>8.2} ms | floor {:>8.1}/s p50 {:>8.2} ms | x{:.2} | other CPU {:.1}/{:.1}{}",
                shape.name(),
                graphql.throughput,
                graphql.p50_us as f64 / 1000.0,
                graphql.p99_us as f64 / 1000.0,
                floor.throughput,
                floor.p50_us as f64 / 1000.0,
                floor.throughput / graphql.throughput,
                graphql.foreign_cores,
                floor.foreign_cores,
                if graphql.errors + floor.errors > 0 {
                    format!("  ERRORS {} / {}", graphql.errors, floor.errors)
                } else {
                    String::new()
                }
            );
            cells.push(Cell {
                concurrency,
                graphql,
                floor,
            });
        }
        shape_results.push(ShapeResult {
            shape: shape.name().to_owned(),
            variants: variants.len(),
            sql_statements: statements,
            floor_statements: floor::statements(shape),
            relation_depth: shape.relation_depth(),
            cost_depth: depth,
            complexity,
            response_bytes: bytes,
            floor_matches: mismatches == 0,
            cells,
        });
    }
    let (hwm, rss) = server.memory()?;
    let mut server = server;
    server.stop();
    floor_db.close().await?;
    Ok(Run {
        size: size.to_owned(),
        backend: backend.to_owned(),
        dataset_bytes: std::fs::metadata(file)?.len(),
        database_bytes: db_bytes,
        import_s: import.as_secs_f64(),
        startup_ms: startups,
        vm_hwm_kib: hwm,
        anon_peak_kib: anon_peak.load(std::sync::atomic::Ordering::Relaxed),
        vm_rss_idle_kib: rss_idle,
        vm_rss_end_kib: rss,
        baseline,
        q6_total: plan.q6_total,
        q6_page: plan.q6_page,
        shapes: shape_results,
    })
}
