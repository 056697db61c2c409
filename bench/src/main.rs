//! registry-bench: the benchmark suite of standards-registry.
//!
//! `cargo run --release -p registry-bench -- --sizes S,M --backends sqlite,postgres`
//! builds the server's release binary and readies the peers (npm ci, cargo
//! build of seaography), and for every size and backend: writes the
//! dataset, imports it with `standards-registry import`, starts the registry
//! (with and without its response cache) and each peer on the same data,
//! checks that every target answers every shape with the registry's
//! records, then measures them side by side in alternating rounds, and the
//! floor (hand-written SQL) in process. Results go to bench/results/ (JSON,
//! Markdown, SVG). See BENCHMARKS.md.

mod chart;
mod cpu;
mod databases;
mod floor;
mod generate;
mod indexes;
mod judge;
mod load;
mod markdown;
mod measure;
mod peers;
mod report;
mod server;
mod shapes;
mod soak;
mod suite;
mod targets;
mod verify;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use standards_registry::config::DatabaseConfig;

pub(crate) use crate::databases::{drop_database, fresh_database};
use crate::peers::Peer;
use crate::report::Results;
use crate::shapes::Shape;

#[derive(Debug, Parser)]
#[command(
    name = "registry-bench",
    about = "Benchmark suite of standards-registry: the registry beside its peers"
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
    /// Shapes to run (Q1, Q2, Q3, Q4, Q4.1, Q4.2, Q5, Q6, Q7.1, Q7, Q8, Q9.1, Q9).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "Q1,Q2,Q3,Q4,Q4.1,Q4.2,Q5,Q6,Q7.1,Q7,Q8,Q9.1,Q9"
    )]
    shapes: Vec<String>,
    /// Peers to run beside the registry: node (SQLite), postgraphile
    /// (PostgreSQL), seaography (both); `none` for the registry alone.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "node,postgraphile,seaography"
    )]
    peers: Vec<String>,
    /// Fail (after writing the report) when a selected peer cannot be built
    /// or started, or when a peer's or the floor's answers differ from the
    /// registry's; without it such a peer is skipped or not timed, and reported.
    #[arg(long)]
    require_peers: bool,
    /// The registry's response cache: `on` (its default settings, reported as
    /// `registry`), `off` (`--response-cache-mib 0`, `registry (no cache)`), or both.
    #[arg(long, value_delimiter = ',', default_value = "on,off")]
    registry_cache: Vec<String>,
    /// Concurrent clients per cell.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    concurrency: Vec<usize>,
    /// Rounds per cell: each measures every target once, in rotating order;
    /// the report gives the median round and the spread.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Measured seconds per target per round.
    #[arg(long, default_value_t = 2.0)]
    duration: f64,
    /// Warm-up seconds before each measurement, not measured.
    #[arg(long, default_value_t = 0.5)]
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
    /// A prebuilt seaography peer, instead of `cargo build --release` in
    /// bench/peers/seaography.
    #[arg(long)]
    seaography_bin: Option<PathBuf>,
    /// Keep the SQLite files and PostgreSQL databases afterwards.
    #[arg(long)]
    keep: bool,
    /// Check every target's answers against the registry's and report,
    /// without timing anything.
    #[arg(long)]
    check_only: bool,
    /// Before each measurement, wait until other processes use fewer cores than this ...
    #[arg(long, default_value_t = 0.3)]
    quiet_cores: f64,
    /// ... for at most this many seconds (0: do not wait).
    #[arg(long, default_value_t = 2.0)]
    quiet_wait: f64,
    /// Measure again (once) when other processes used more cores than
    /// this during a measurement, and keep the quieter one.
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
                report::write(&report::read(&out)?, &out)
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

/// The server's own database settings on `url`, read as its command line
/// reads them, so that the floor's pool is the server's.
fn database_config(url: &str) -> Result<DatabaseConfig> {
    let cli = standards_registry::config::Cli::try_parse_from([
        "standards-registry",
        "migrate",
        "--database-url",
        url,
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

/// The peers selected on the command line.
fn selected_peers(names: &[String]) -> Result<Vec<Peer>> {
    let mut peers = Vec::new();
    for name in names {
        if name.eq_ignore_ascii_case("none") || name.is_empty() {
            continue;
        }
        peers.push(
            Peer::from_name(name).with_context(|| {
                format!("unknown peer `{name}`: node, postgraphile, seaography")
            })?,
        );
    }
    Ok(peers)
}

/// The registry's cache settings selected: true for on.
fn registry_caches(values: &[String]) -> Result<Vec<bool>> {
    let mut caches = Vec::new();
    for value in values {
        let on = match value.to_ascii_lowercase().as_str() {
            "on" => true,
            "off" => false,
            other => bail!("--registry-cache takes on, off or on,off, not `{other}`"),
        };
        if !caches.contains(&on) {
            caches.push(on);
        }
    }
    if caches.is_empty() {
        bail!("--registry-cache needs on, off or both");
    }
    Ok(caches)
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
    let peers = selected_peers(&cli.peers)?;
    let caches = registry_caches(&cli.registry_cache)?;
    let bin = server::binary(&root, cli.server_bin.clone(), !cli.no_build)?;
    let cache_flag = server::serve_accepts(&bin, "--response-cache-mib");
    if caches.contains(&false) && !cache_flag {
        eprintln!(
            "note: `standards-registry serve --help` does not list --response-cache-mib; \
             `registry (no cache)` runs with REGISTRY_RESPONSE_CACHE_MIB=0 only"
        );
    }
    // Only the peers some selected backend runs are readied.
    let launchers = peers
        .iter()
        .filter(|peer| {
            cli.backends
                .iter()
                .any(|b| peer.serves(&b.to_ascii_lowercase()))
        })
        .map(|&peer| {
            let ready = peers::install::prepare(peer, &root, cli.seaography_bin.as_deref());
            if let Err(why) = &ready {
                eprintln!("[peers] {} is not ready: {why}", peer.name());
            }
            (peer, ready)
        })
        .collect::<Vec<_>>();
    let context = suite::Context {
        work: work.clone(),
        bin,
        postgres_url: cli.postgres_url.clone(),
        launchers,
        caches,
        cache_flag,
        require_peers: cli.require_peers,
        keep: cli.keep,
        check_only: cli.check_only,
        concurrency: cli.concurrency.clone(),
        settings: measure::Settings {
            warmup: Duration::from_secs_f64(cli.warmup),
            duration: Duration::from_secs_f64(cli.duration),
            rounds: cli.rounds.max(1),
            quiet_cores: cli.quiet_cores,
            quiet_wait: Duration::from_secs_f64(cli.quiet_wait),
            noisy_cores: cli.noisy_cores,
            pids: Vec::new(),
        },
    };
    let mut results = Results {
        format: report::FORMAT,
        machine: report::machine(),
        commit: git_commit(&root),
        command: std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        duration_s: cli.duration,
        warmup_s: cli.warmup,
        rounds: cli.rounds.max(1),
        concurrency: cli.concurrency.clone(),
        runs: Vec::new(),
        total_s: 0.0,
        failures: Vec::new(),
    };
    for size in &cli.sizes {
        let size = size.to_ascii_uppercase();
        let (file, sample) = dataset(&size, &work)?;
        for backend in &cli.backends {
            let backend = backend.to_ascii_lowercase();
            let (run, failures) =
                suite::run_one(&context, &size, &backend, &file, &sample, &selected).await?;
            results.runs.push(run);
            results.failures.extend(failures);
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
    if cli.require_peers && !results.failures.is_empty() {
        bail!(
            "--require-peers: {} failure(s):\n  {}",
            results.failures.len(),
            results.failures.join("\n  ")
        );
    }
    Ok(())
}
