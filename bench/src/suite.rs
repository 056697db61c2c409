//! One size on one backend, end to end: import the dataset; copy the
//! database for the floor (which adds its indexes there) and for the peers
//! that write to theirs; start the registry (with and without its response
//! cache) and every peer on the same data; check every target's answers
//! against the registry's before timing anything; measure `{ __typename }`,
//! `/healthz` and every shape in alternating rounds; read every server's
//! memory; stop them and drop the databases.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use bytes::Bytes;
use serde_json::Value;

use crate::databases::{copy_database, database_bytes, drop_database, fresh_database};
use crate::floor::Floor;
use crate::generate::Sample;
use crate::load::{self, Client, Requests};
use crate::measure::{self, Load, Settings};
use crate::peers::Peer;
use crate::peers::install::Launcher;
use crate::report::{Cell, Entry, Run, ServerInfo, ShapeRow, Verdict};
use crate::shapes::{self, Execute, Shape, Variant};
use crate::targets::{self, FLOOR, Kind, Target};
use crate::{indexes, server, verify};

/// What every run shares.
pub struct Context {
    pub work: PathBuf,
    pub bin: PathBuf,
    pub postgres_url: String,
    /// Each selected peer, ready to start or why not.
    pub launchers: Vec<(Peer, Result<Launcher, String>)>,
    /// The registry's response cache settings to run (true: on).
    pub caches: Vec<bool>,
    /// Whether `serve` takes `--response-cache-mib`.
    pub cache_flag: bool,
    pub require_peers: bool,
    pub keep: bool,
    pub check_only: bool,
    pub concurrency: Vec<usize>,
    pub settings: Settings,
}

/// The database a size is measured on, and its copies.
fn bench_database(size: &str) -> String {
    format!("registry_bench_{}", size.to_ascii_lowercase())
}

/// Runs one size on one backend; the run's figures, and what
/// `--require-peers` fails on.
pub async fn run_one(
    ctx: &Context,
    size: &str,
    backend: &str,
    file: &Path,
    sample: &Sample,
    selected: &[Shape],
) -> Result<(Run, Vec<String>)> {
    let tag = format!("[{size} {backend}]");
    let name = bench_database(size);
    let log = |who: &str| {
        ctx.work
            .join(format!("{who}-{}-{backend}.log", size.to_ascii_lowercase()))
    };
    for who in ["registry", "node", "postgraphile", "seaography"] {
        let _ = std::fs::remove_file(log(who));
    }
    let pg = &ctx.postgres_url;
    let url = fresh_database(backend, &name, pg, &ctx.work).await?;
    let import = server::import(&ctx.bin, &url, file, &log("registry"))?;
    eprintln!("{tag} imported in {import:.1?}");

    // Copies, while nothing is connected (a PostgreSQL template must be
    // idle): the floor's, where it adds its indexes, and on SQLite one per
    // peer, since the Node peer writes to its file (WAL, full-text tables).
    let mut copies = vec![format!("{name}_floor")];
    if backend == "sqlite" {
        copies.extend(["node", "seaography"].map(|peer| format!("{name}_{peer}")));
    }
    let mut urls = Vec::new();
    for copy in &copies {
        urls.push(copy_database(backend, &name, copy, pg, &ctx.work).await?);
    }
    let result = measure_run(
        ctx, &tag, size, backend, &url, &urls, file, sample, selected, &log,
    )
    .await;
    if !ctx.keep {
        for copy in copies.iter().chain([&name]) {
            drop_database(backend, copy, pg, &ctx.work).await?;
        }
    }
    let (mut run, failures) = result?;
    run.import_s = import.as_secs_f64();
    Ok((run, failures))
}

/// The SQLite file behind a `sqlite://FILE?mode=rwc` URL.
fn sqlite_file(url: &str) -> String {
    url.trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[allow(clippy::too_many_arguments)]
async fn measure_run(
    ctx: &Context,
    tag: &str,
    size: &str,
    backend: &str,
    url: &str,
    copies: &[String],
    file: &Path,
    sample: &Sample,
    selected: &[Shape],
    log: &dyn Fn(&str) -> PathBuf,
) -> Result<(Run, Vec<String>)> {
    let mut failures = Vec::new();
    // The floor, on its copy with its indexes.
    let mut floor_config = crate::database_config(&copies[0])?;
    // Its tasks wait for a connection as long as a request may take: with
    // the server's 3 s, a slow statement at 64 clients failed the others.
    floor_config.acquire_timeout_ms = crate::load::REQUEST_TIMEOUT.as_millis() as u64;
    floor_config.statement_timeout_ms = floor_config.acquire_timeout_ms;
    let floor_db = standards_registry::db::connect(&floor_config).await?;
    let floor_indexes = indexes::ensure(&floor_db)
        .await
        .context("making the floor's indexes")?;
    let floor = Arc::new(Floor::new(floor_db));

    // The registry: with its defaults (three starts, for the start-up time)
    // and without its response cache.
    let probe = load::body(
        Shape::Q1,
        &Variant {
            variables: serde_json::json!({ "code": sample.standard_codes[0] }),
            offset: 0,
        },
    );
    let mut running: Vec<Target> = Vec::new();
    for (i, &cache) in ctx.caches.iter().enumerate() {
        let starts = if i == 0 { 3 } else { 1 };
        let target = Target::registry(
            &ctx.bin,
            url,
            &log("registry"),
            probe.clone(),
            cache,
            ctx.cache_flag,
            starts,
        )
        .await?;
        eprintln!(
            "{tag} {}: start to first answer {:.0?} ms, idle RSS {} MiB",
            target.name,
            target.startup_ms,
            target.rss_idle_kib / 1024
        );
        running.push(target);
    }

    // The peers that serve this backend.
    let mut skipped: Vec<ServerInfo> = Vec::new();
    for (peer, ready) in &ctx.launchers {
        if !peer.serves(backend) {
            continue;
        }
        let database = match (peer, backend) {
            (Peer::Node, _) => sqlite_file(&copies[1]),
            (_, "sqlite") => copies[2].clone(),
            _ => url.to_owned(),
        };
        let started = match ready {
            Ok(launcher) => Target::peer(*peer, launcher, &database, &log(peer.name()))
                .await
                .map_err(|e| format!("did not start: {e:#}")),
            Err(why) => Err(why.clone()),
        };
        match started {
            Ok(target) => {
                eprintln!(
                    "{tag} {}: start to first answer {:.0?} ms, idle RSS {} MiB",
                    target.name,
                    target.startup_ms,
                    target.rss_idle_kib / 1024
                );
                running.push(target);
            }
            Err(why) => {
                eprintln!("{tag} {} skipped: {why}", peer.name());
                if ctx.require_peers {
                    failures.push(format!("{tag} {}: {why}", peer.name()));
                }
                skipped.push(ServerInfo {
                    name: peer.name().to_owned(),
                    describe: peer.describe().to_owned(),
                    skipped: Some(why),
                    startup_ms: Vec::new(),
                    rss_idle_kib: 0,
                    rss_end_kib: 0,
                    hwm_kib: 0,
                    anon_peak_kib: 0,
                });
            }
        }
    }
    let settings = Settings {
        pids: running.iter().map(|t| t.server.pid()).collect(),
        ..ctx.settings.clone()
    };

    let mut client = Client::connect(running[0].server.addr).await?;
    let plan = shapes::plan(sample, &mut client)
        .await
        .map_err(anyhow::Error::msg)
        .context("asking the registry for the plan's cursors")?;
    let db_bytes = database_bytes(&floor.db, &copies[0]).await;

    // Every check before any timing.
    let mut checked = Vec::new();
    for &shape in selected {
        let variants = plan.variants(shape).to_vec();
        if variants.is_empty() {
            continue;
        }
        let check = check_shape(tag, shape, &variants, &running, &floor).await?;
        for entry in &check.row.entries {
            eprintln!(
                "{tag} {:<4} {:<20} {}{}",
                shape.name(),
                entry.target,
                entry.verdict.label(),
                if entry.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", entry.note)
                }
            );
            if ctx.require_peers && entry.verdict == Verdict::Differs {
                failures.push(format!(
                    "{tag} {} {}: differs: {}",
                    shape.name(),
                    entry.target,
                    entry.note
                ));
            }
        }
        checked.push(check);
    }

    // The fixed cost of a request: `{ __typename }` on every server, and
    // the registry's `GET /healthz` (no GraphQL at all).
    let mut baselines = Vec::new();
    for (name, path) in [("{ __typename }", None), ("/healthz", Some("/healthz"))] {
        let mut entries = Vec::new();
        let mut loads = Vec::new();
        for target in &running {
            if path.is_some() && !target.is_registry() {
                continue;
            }
            entries.push(Entry {
                target: target.name.clone(),
                verdict: if entries.is_empty() {
                    Verdict::Reference
                } else {
                    Verdict::Same
                },
                note: String::new(),
                cells: Vec::new(),
            });
            loads.push(Load::Http {
                addr: target.server.addr,
                requests: match path {
                    Some(path) => Requests::Get(path),
                    None => Requests::Post(Arc::new(vec![Bytes::from_static(targets::TYPENAME)])),
                },
            });
        }
        let mut row = ShapeRow {
            shape: name.to_owned(),
            variants: 1,
            sql_statements: Vec::new(),
            floor_statements: 0,
            relation_depth: None,
            response_bytes: 0,
            entries,
        };
        measure_row(ctx, tag, &settings, &mut row, &loads).await?;
        baselines.push(row);
    }

    let mut rows = Vec::new();
    for check in checked {
        let Check { mut row, loads } = check;
        measure_row(ctx, tag, &settings, &mut row, &loads).await?;
        rows.push(row);
    }

    let mut servers: Vec<ServerInfo> = running
        .iter()
        .map(|t| {
            t.info(match t.kind {
                Kind::Registry => "this project's server (target/release/standards-registry)",
                Kind::Peer(peer) => peer.describe(),
            })
        })
        .collect();
    servers.extend(skipped);
    for server in &servers {
        if server.skipped.is_none() {
            eprintln!(
                "{tag} {}: VmRSS idle {} MiB, after load {} MiB, peak (VmHWM) {} MiB, peak RssAnon {} MiB",
                server.name,
                server.rss_idle_kib / 1024,
                server.rss_end_kib / 1024,
                server.hwm_kib / 1024,
                server.anon_peak_kib / 1024
            );
        }
    }
    for mut target in running {
        target.server.stop();
    }
    if let Ok(floor) = Arc::try_unwrap(floor) {
        floor.db.close().await?;
    }
    Ok((
        Run {
            size: size.to_owned(),
            backend: backend.to_owned(),
            dataset_bytes: std::fs::metadata(file)?.len(),
            database_bytes: db_bytes,
            import_s: 0.0,
            q7_total: plan.q7_total,
            q7_page: plan.q7_page,
            floor_indexes,
            servers,
            baselines,
            shapes: rows,
        },
        failures,
    ))
}

/// A shape checked: its row (entries without cells yet) and, for each
/// entry in order, what it is sent when timed (entries not timed have none).
struct Check {
    row: ShapeRow,
    loads: Vec<Load>,
}

/// The registry's answer to every variant: its `data` and summary lines.
struct Reference {
    data: Vec<Value>,
    lines: Vec<Vec<String>>,
}

/// Sends every variant to one server; each answer's `data`, or the first error.
async fn answers(
    addr: std::net::SocketAddr,
    query: &str,
    variables: &[Value],
) -> Result<Vec<Value>, String> {
    let mut client = Client::connect(addr).await.map_err(|e| e.to_string())?;
    let mut list = Vec::with_capacity(variables.len());
    for (i, vars) in variables.iter().enumerate() {
        let response = client.execute(query, vars.clone()).await?;
        if let Some(errors) = response.get("errors") {
            let text = errors.to_string();
            return Err(format!(
                "variant {i} answered errors: {}",
                text.chars().take(300).collect::<String>()
            ));
        }
        list.push(response["data"].clone());
    }
    Ok(list)
}

async fn check_shape(
    tag: &str,
    shape: Shape,
    variants: &[Variant],
    running: &[Target],
    floor: &Arc<Floor>,
) -> Result<Check> {
    let reference_target = &running[0];
    // The registry's answers: no errors, their cost, and the reference.
    let mut client = Client::connect(reference_target.server.addr).await?;
    let mut statements = Vec::new();
    let mut bytes = 0;
    let mut reference = Reference {
        data: Vec::new(),
        lines: Vec::new(),
    };
    for (i, variant) in variants.iter().enumerate() {
        let (status, answer) = client.post(load::body(shape, variant)).await?;
        let response: Value = serde_json::from_slice(&answer)
            .with_context(|| format!("{tag} {}: HTTP {status}", shape.name()))?;
        if response.get("errors").is_some() || !status.is_success() {
            bail!("{tag} {} answered errors: {response}", shape.name());
        }
        let cost = &response["extensions"]["cost"];
        if let Some(n) = cost["sqlStatements"].as_u64() {
            statements.push(n as usize);
        }
        if i == 0 {
            bytes = answer.len();
        }
        reference
            .lines
            .push(shapes::summary(shape, &response["data"]));
        reference.data.push(response["data"].clone());
    }
    statements.sort_unstable();
    statements.dedup();
    let texts: Vec<String> = variants
        .iter()
        .map(|v| v.variables["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    let registry_hits: Vec<Vec<shapes::Hit>> =
        reference.data.iter().map(shapes::search_hits).collect();

    let mut entries = Vec::new();
    let mut loads = Vec::new();
    let bodies = Arc::new(
        variants
            .iter()
            .map(|v| load::body(shape, v))
            .collect::<Vec<_>>(),
    );
    // The reference itself; for Q4, whether its own hits hold the words.
    entries.push(Entry {
        target: reference_target.name.clone(),
        verdict: Verdict::Reference,
        note: if shape.is_search() {
            let (ok, note) = verify::search(&texts, &registry_hits, &registry_hits);
            if ok { String::new() } else { note }
        } else {
            String::new()
        },
        cells: Vec::new(),
    });
    loads.push(Load::Http {
        addr: reference_target.server.addr,
        requests: Requests::Post(bodies.clone()),
    });

    // Every other server: the registry without its cache, and the peers.
    for target in &running[1..] {
        let (query, variables) = match target.kind {
            Kind::Registry => (
                Some(shape.query()),
                Ok(variants.iter().map(|v| v.variables.clone()).collect()),
            ),
            Kind::Peer(peer) => match peer.query(shape) {
                None => (None, Err(peer.not_expressed(shape).to_owned())),
                Some(query) => {
                    let mut client = Client::connect(target.server.addr).await?;
                    (
                        Some(query),
                        peer.variables(shape, variants, &mut client).await,
                    )
                }
            },
        };
        let Some(query) = query else {
            entries.push(Entry {
                target: target.name.clone(),
                verdict: Verdict::NotExpressed,
                note: variables.err().unwrap_or_default(),
                cells: Vec::new(),
            });
            continue;
        };
        let checked = match variables {
            Err(why) => Err(format!("paging it: {why}")),
            Ok(variables) => answers(target.server.addr, query, &variables)
                .await
                .map(|data| (variables, data)),
        };
        let (verdict, note, variables) = match checked {
            Err(why) => (Verdict::Differs, why, None),
            Ok((variables, data)) => {
                let data: Vec<Value> = data
                    .into_iter()
                    .map(|d| match target.kind {
                        Kind::Peer(peer) => peer.normalize(shape, d),
                        Kind::Registry => d,
                    })
                    .collect();
                // Another registry ranks as this one does: its hits compare line for line.
                if shape.is_search() && target.kind != Kind::Registry {
                    let hits: Vec<_> = data.iter().map(shapes::search_hits).collect();
                    let (ok, note) = verify::search(&texts, &registry_hits, &hits);
                    if ok {
                        (Verdict::Words, note, Some(variables))
                    } else {
                        (Verdict::Differs, note, None)
                    }
                } else {
                    let lines: Vec<Vec<String>> =
                        data.iter().map(|d| shapes::summary(shape, d)).collect();
                    match verify::first_difference(&target.name, &reference.lines, &lines) {
                        None => (Verdict::Same, String::new(), Some(variables)),
                        Some(difference) => (Verdict::Differs, difference, None),
                    }
                }
            }
        };
        if let Some(variables) = variables {
            loads.push(Load::Http {
                addr: target.server.addr,
                requests: Requests::Post(Arc::new(
                    variables
                        .iter()
                        .map(|v| load::request_body(query, v))
                        .collect(),
                )),
            });
        }
        entries.push(Entry {
            target: target.name.clone(),
            verdict,
            note,
            cells: Vec::new(),
        });
    }

    // The floor.
    let (verdict, note) = if shape.is_search() {
        let mut hits = Vec::new();
        for text in &texts {
            hits.push(shapes::search_hits(&floor.search(text).await?));
        }
        let (ok, note) = verify::search(&texts, &registry_hits, &hits);
        (if ok { Verdict::Words } else { Verdict::Differs }, note)
    } else {
        let mut lines = Vec::new();
        for variant in variants {
            lines.push(floor.run(shape, variant, true).await?);
        }
        match verify::first_difference(FLOOR, &reference.lines, &lines) {
            None => (Verdict::Same, String::new()),
            Some(difference) => (Verdict::Differs, difference),
        }
    };
    if verdict.timed() {
        loads.push(Load::Floor {
            floor: floor.clone(),
            shape,
            variants: Arc::new(variants.to_vec()),
        });
    }
    entries.push(Entry {
        target: FLOOR.to_owned(),
        verdict,
        note,
        cells: Vec::new(),
    });

    Ok(Check {
        row: ShapeRow {
            shape: shape.name().to_owned(),
            variants: variants.len(),
            sql_statements: statements,
            floor_statements: crate::floor::statements(shape),
            relation_depth: shape.relation_depth(),
            response_bytes: bytes,
            entries,
        },
        loads,
    })
}

/// Measures a row's timed entries (in order, one load each) at every
/// concurrency, and prints each target's median round.
async fn measure_row(
    ctx: &Context,
    tag: &str,
    settings: &Settings,
    row: &mut ShapeRow,
    loads: &[Load],
) -> Result<()> {
    let timed: Vec<usize> = (0..row.entries.len())
        .filter(|&i| row.entries[i].verdict.timed())
        .collect();
    debug_assert_eq!(timed.len(), loads.len());
    if ctx.check_only {
        return Ok(());
    }
    let cells = ctx.concurrency.len() * loads.len() * settings.rounds;
    eprintln!(
        "{tag} {}: {cells} measurements, about {:.0} s",
        row.shape,
        cells as f64 * (settings.warmup + settings.duration).as_secs_f64()
    );
    for &concurrency in &ctx.concurrency {
        let rounds = measure::alternate(loads, concurrency, settings).await?;
        for (&i, rounds) in timed.iter().zip(rounds) {
            let entry = &mut row.entries[i];
            let cell = Cell {
                concurrency,
                rounds,
            };
            let m = cell.median();
            eprintln!(
                "{tag} {:<14} c={concurrency:<2} {:<20} {:>9.1}/s p50 {:>8.2} ms p99 {:>8.2} ms (spread {:.0}%, other CPU {:.1}){}",
                row.shape,
                entry.target,
                m.throughput,
                m.p50_us as f64 / 1000.0,
                m.p99_us as f64 / 1000.0,
                cell.spread() * 100.0,
                m.foreign_cores,
                if m.errors > 0 {
                    let why = cell
                        .rounds
                        .iter()
                        .find_map(|round| round.first_failure.as_deref())
                        .map(|why| format!(" (first failure: {why})"))
                        .unwrap_or_default();
                    format!("  ERRORS {} of {}{why}", m.errors, m.requests)
                } else {
                    String::new()
                }
            );
            entry.cells.push(cell);
        }
    }
    Ok(())
}
