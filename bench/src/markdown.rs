//! results.md: a summary a stranger reads in a minute (per size and
//! backend, one line per shape: the registry against each peer), the issue's
//! targets judged, then the servers' memory, the checks and every cell.

use std::fmt::Write as _;

use crate::report::{Results, Run, ShapeRow, Verdict};
use crate::targets::{FLOOR, REGISTRY_NO_CACHE};

pub fn ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

pub fn rate(per_second: f64) -> String {
    if per_second >= 100.0 {
        count(per_second.round() as u64)
    } else {
        format!("{per_second:.1}")
    }
}

/// A whole number with thousands separated, as the rest of BENCHMARKS.md writes them.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 page` or `n pages`.
pub fn pages(n: usize) -> String {
    format!("{} page{}", count(n as u64), if n == 1 { "" } else { "s" })
}

pub fn mib(kib: u64) -> String {
    format!("{:.0}", kib as f64 / 1024.0)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// The concurrency a summary reads: `wanted` if the run measured it, else
/// the nearest one measured.
pub fn nearest(results: &Results, wanted: usize) -> usize {
    results
        .concurrency
        .iter()
        .copied()
        .min_by_key(|c| c.abs_diff(wanted))
        .unwrap_or(wanted)
}

/// The registry target the others are compared with (the one with its
/// default settings unless only `--registry-cache off` ran).
pub fn reference(row: &ShapeRow) -> Option<&str> {
    row.entries
        .iter()
        .find(|e| e.verdict == Verdict::Reference)
        .map(|e| e.target.as_str())
}

/// `registry ÷ target` throughput at `concurrency`, as `×1.23`; or why not.
pub fn ratio(row: &ShapeRow, target: &str, concurrency: usize) -> String {
    let Some(entry) = row.entry(target) else {
        return "—".to_owned();
    };
    if !entry.verdict.timed() {
        return match entry.verdict {
            Verdict::Differs => "differs".to_owned(),
            _ => "—".to_owned(),
        };
    }
    let reference = reference(row).and_then(|r| row.measured(r, concurrency));
    match (reference, row.measured(target, concurrency)) {
        (Some(ours), Some(theirs)) => times(ours.throughput / theirs.throughput.max(1e-9)),
        _ => "—".to_owned(),
    }
}

/// A ratio with two significant digits at least: `×12.3`, `×1.23`, `×0.045`.
pub fn times(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("×{ratio:.1}")
    } else if ratio >= 0.1 {
        format!("×{ratio:.2}")
    } else {
        format!("×{ratio:.3}")
    }
}

/// `n client` or `n clients`.
pub fn clients(n: usize) -> String {
    format!("{n} client{}", if n == 1 { "" } else { "s" })
}

fn p50(row: &ShapeRow, target: &str, concurrency: usize) -> String {
    row.measured(target, concurrency)
        .map_or("—".to_owned(), |m| ms(m.p50_us))
}

/// The run's targets other than the reference, registry variants first.
fn others(run: &Run) -> Vec<String> {
    let reference = run.shapes.first().and_then(reference).unwrap_or_default();
    run.targets()
        .into_iter()
        .filter(|t| t != reference)
        .collect()
}

pub fn backend_name(backend: &str) -> &str {
    match backend {
        "sqlite" => "SQLite",
        "postgres" => "PostgreSQL",
        other => other,
    }
}

/// Per size and backend, one line per shape: the registry's throughput at
/// 16 clients and its ratio to every other target, and the p50 of each at 1 client.
pub fn summary(results: &Results) -> String {
    let mut md = String::new();
    let high = nearest(results, 16);
    let low = nearest(results, 1);
    let _ = writeln!(
        md,
        "Each line: the registry's requests/s at {} and registry ÷ each other target \
         (above 1: the registry serves more), then the median latency (p50) of each at {}. \
         `registry` has its default settings; `(no cache)` has its response cache off; \
         `floor` is hand-written SQL in process (no GraphQL, no HTTP). — not expressible by that \
         target; differs: its answer was not the registry's, so it was not timed.\n",
        clients(high),
        clients(low)
    );
    for run in &results.runs {
        let others = others(run);
        let reference = run
            .shapes
            .first()
            .and_then(reference)
            .unwrap_or("registry")
            .to_owned();
        let _ = writeln!(
            md,
            "**{} · {}** (Q7: {} deep in a list of {} rows)\n",
            run.size,
            backend_name(&run.backend),
            pages(run.q7_page),
            count(run.q7_total as u64)
        );
        let _ = write!(md, "| shape | {reference} req/s c={high} |");
        for other in &others {
            let _ = write!(md, " ÷ {other} |");
        }
        let _ = write!(md, " p50 ms c={low}: {reference}");
        for other in &others {
            let _ = write!(md, " · {other}");
        }
        let _ = writeln!(md, " |");
        let _ = writeln!(md, "|{}", " --- |".repeat(others.len() + 3));
        for row in run.baselines.iter().chain(&run.shapes) {
            let ours = row
                .measured(&reference, high)
                .map_or("—".to_owned(), |m| rate(m.throughput));
            let _ = write!(md, "| {} | {ours} |", row.shape);
            for other in &others {
                let _ = write!(md, " {} |", ratio(row, other, high));
            }
            let _ = write!(md, " {}", p50(row, &reference, low));
            for other in &others {
                let _ = write!(md, " · {}", p50(row, other, low));
            }
            let _ = writeln!(md, " |");
        }
        let _ = writeln!(md);
    }
    md
}

pub fn render(results: &Results) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# registry-bench results\n");
    let _ = writeln!(
        md,
        "- machine: {}\n- commit: `{}`\n- command: `cargo run --release -p registry-bench -- {}`\n\
         - each cell: {} round{} × every target ({} s warm-up, {} s measured, closed loop), the median round; concurrency {:?}\n\
         - suite wall time: {:.1} min\n",
        results.machine,
        results.commit,
        results.command,
        results.rounds,
        if results.rounds == 1 { "" } else { "s" },
        results.warmup_s,
        results.duration_s,
        results.concurrency,
        results.total_s / 60.0
    );
    if !results.failures.is_empty() {
        let _ = writeln!(md, "**Failures (`--require-peers`):**\n");
        for failure in &results.failures {
            let _ = writeln!(md, "- {failure}");
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "## Summary\n");
    md.push_str(&summary(results));
    let _ = writeln!(md, "## Targets (issues 9 and 10)\n");
    md.push_str(&crate::judge::render(results));
    let _ = writeln!(md, "\n## Servers\n");
    md.push_str(&servers(results));
    let _ = writeln!(md, "\n## Shapes and floors\n");
    md.push_str(&shapes_table(results));
    let _ = writeln!(md, "\n## Checks before timing\n");
    md.push_str(&checks(results));
    let _ = writeln!(md, "\n## Every cell\n");
    md.push_str(&cells(results));
    md
}

fn servers(results: &Results) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Memory as `ps` and a container see it, from `/proc/PID/status` (for the Node peers the \
         node process): VmRSS once the server answered its first request, VmRSS after every \
         measurement, and VmHWM, its peak over the run. RssAnon peak (sampled 20 times a \
         second) is the heap and stacks alone: VmHWM also counts file pages mapped, on SQLite \
         the database once per pooled connection that maps it.\n"
    );
    let _ = writeln!(
        md,
        "| size | backend | server | import s | database MB | start to first answer ms | VmRSS idle MiB | VmRSS after load MiB | peak VmHWM MiB | peak RssAnon MiB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for run in &results.runs {
        for server in &run.servers {
            if let Some(why) = &server.skipped {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | skipped: {why} | | | | | | |",
                    run.size, run.backend, server.name
                );
                continue;
            }
            let is_registry = server.name.starts_with("registry");
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {:.0}{} | {} | {} | {} | {} |",
                run.size,
                run.backend,
                server.name,
                if is_registry {
                    format!("{:.2}", run.import_s)
                } else {
                    String::new()
                },
                if is_registry {
                    format!("{:.1}", run.database_bytes as f64 / 1e6)
                } else {
                    String::new()
                },
                median(&server.startup_ms),
                if server.startup_ms.len() > 1 {
                    format!(" (median of {})", server.startup_ms.len())
                } else {
                    String::new()
                },
                mib(server.rss_idle_kib),
                mib(server.rss_end_kib),
                mib(server.hwm_kib),
                mib(server.anon_peak_kib),
            );
        }
    }
    md
}

fn shapes_table(results: &Results) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "| shape | request | floor (hand-written SQL, in process) |\n| --- | --- | --- |"
    );
    for shape in crate::shapes::ALL {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            shape.name(),
            shape.describe(),
            crate::floor::describe(shape)
        );
    }
    let _ = writeln!(
        md,
        "\nThe floor runs on its own copy of the database, where it makes the indexes its SQL \
         needs when no index with the same columns is there (the registry and the peers run on \
         the database as the registry's migrations made it):\n"
    );
    for run in &results.runs {
        let _ = writeln!(
            md,
            "- {} {}: {}",
            run.size,
            run.backend,
            run.floor_indexes.join("; ")
        );
    }
    let _ = writeln!(
        md,
        "\nThe registry's SQL statements per request (`extensions.cost.sqlStatements`), the floor's, and the answer's size:\n"
    );
    let _ = writeln!(
        md,
        "| size | backend | shape | variants | registry stmts | floor stmts | answer KB |\n| --- | --- | --- | --- | --- | --- | --- |"
    );
    for run in &results.runs {
        for row in &run.shapes {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {:.1} |",
                run.size,
                run.backend,
                row.shape,
                row.variants,
                if row.sql_statements.is_empty() {
                    "—".to_owned()
                } else {
                    row.statements()
                },
                row.floor_statements,
                row.response_bytes as f64 / 1000.0
            );
        }
    }
    md
}

fn checks(results: &Results) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Before any timing, every variant of every shape is sent to every target and each answer \
         (the peer's after its normalization) is reduced to summary lines: every record in order \
         with every field the document shows, cursors left out. A target is timed on a shape \
         only where its lines equal the registry's for every variant. Q4 (search) is checked \
         differently, since the registry ranks and a peer may not: every hit of every server \
         must hold the searched words; the overlap with the registry's hits is reported. \
         Left out below: every target and shape whose records were the registry's, without a note.\n"
    );
    let _ = writeln!(
        md,
        "| size | backend | shape | target | check | note |\n| --- | --- | --- | --- | --- | --- |"
    );
    for run in &results.runs {
        for row in &run.shapes {
            for entry in &row.entries {
                let plain = matches!(entry.verdict, Verdict::Reference | Verdict::Same);
                if plain && entry.note.is_empty() {
                    continue;
                }
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} |",
                    run.size,
                    run.backend,
                    row.shape,
                    entry.target,
                    entry.verdict.label(),
                    entry.note.replace('|', "\\|")
                );
            }
        }
    }
    md
}

fn cells(results: &Results) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "The median round of each target (by throughput); spread = (highest − lowest) ÷ median \
         throughput over the rounds; ÷ = the reference registry's throughput ÷ this target's; \
         other CPU = cores' worth of CPU that processes other than the suite, the servers and \
         PostgreSQL used during that round (the machine is shared; see BENCHMARKS.md).\n"
    );
    let _ = writeln!(
        md,
        "| size | backend | shape | c | target | req/s | p50 ms | p99 ms | registry ÷ | spread | other CPU | errors |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for run in &results.runs {
        for row in run.baselines.iter().chain(&run.shapes) {
            for &c in &results.concurrency {
                for entry in &row.entries {
                    let Some(cell) = entry.cell(c) else { continue };
                    let m = cell.median();
                    let _ = writeln!(
                        md,
                        "| {} | {} | {} | {c} | {} | {} | {} | {} | {} | {:.0}% | {:.1} | {} |",
                        run.size,
                        run.backend,
                        row.shape,
                        entry.target,
                        rate(m.throughput),
                        ms(m.p50_us),
                        ms(m.p99_us),
                        if entry.verdict == Verdict::Reference {
                            String::new()
                        } else {
                            ratio(row, &entry.target, c)
                        },
                        cell.spread() * 100.0,
                        m.foreign_cores,
                        if m.errors > 0 {
                            format!("{} of {}", m.errors, m.requests)
                        } else {
                            String::new()
                        }
                    );
                }
            }
        }
    }
    let _ = writeln!(
        md,
        "\n`{REGISTRY_NO_CACHE}` is the same binary with `--response-cache-mib 0`; `{FLOOR}` runs in this process."
    );
    md
}
