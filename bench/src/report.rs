//! What a suite run found: results.json (everything), results.md (the
//! tables and the targets) and chart.svg, written to bench/results/.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::load::Measured;

#[derive(Debug, Serialize, Deserialize)]
pub struct Results {
    pub machine: String,
    pub commit: String,
    pub command: String,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub concurrency: Vec<usize>,
    pub runs: Vec<Run>,
    /// Wall time of the whole suite so far.
    pub total_s: f64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Run {
    pub size: String,
    pub backend: String,
    pub dataset_bytes: u64,
    pub database_bytes: u64,
    pub import_s: f64,
    /// Spawn to first answer, three starts on the imported database.
    pub startup_ms: Vec<f64>,
    /// Peak resident memory of the server over the whole run (VmHWM),
    /// memory-mapped file pages included.
    pub vm_hwm_kib: u64,
    /// Peak of its anonymous resident memory (heap, stacks), sampled 20 times a second.
    #[serde(default)]
    pub anon_peak_kib: u64,
    pub vm_rss_idle_kib: u64,
    pub vm_rss_end_kib: u64,
    /// `{ __typename }` over HTTP: the fixed cost of a request.
    #[serde(default)]
    pub baseline: Vec<Baseline>,
    pub q6_total: usize,
    pub q6_page: usize,
    pub shapes: Vec<ShapeResult>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub concurrency: usize,
    pub graphql: Measured,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ShapeResult {
    pub shape: String,
    pub variants: usize,
    /// `extensions.cost.sqlStatements`, every distinct value over the variants.
    pub sql_statements: Vec<usize>,
    pub floor_statements: usize,
    /// Relation levels, where the shape has a statement target.
    pub relation_depth: Option<usize>,
    /// `extensions.cost.depth` and `.complexity`.
    pub cost_depth: usize,
    pub complexity: usize,
    pub response_bytes: usize,
    /// Whether the floor's answer equalled the server's for every variant.
    pub floor_matches: bool,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Cell {
    pub concurrency: usize,
    pub graphql: Measured,
    pub floor: Measured,
}

impl Cell {
    /// How many times slower than its floor: floor throughput over GraphQL
    /// throughput (in a closed loop, the mean latency ratio).
    pub fn slowdown(&self) -> f64 {
        self.floor.throughput / self.graphql.throughput
    }

    pub fn p50_ratio(&self) -> f64 {
        self.graphql.p50_us as f64 / self.floor.p50_us.max(1) as f64
    }
}

impl ShapeResult {
    pub fn cell(&self, concurrency: usize) -> Option<&Cell> {
        self.cells.iter().find(|c| c.concurrency == concurrency)
    }

    fn statements(&self) -> String {
        self.sql_statements
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("–")
    }
}

impl Run {
    pub fn shape(&self, name: &str) -> Option<&ShapeResult> {
        self.shapes.iter().find(|s| s.shape == name)
    }
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024 / 1024);
    format!("{cores} cores ({cpu}), {memory} GiB")
}

fn ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

fn rate(per_second: f64) -> String {
    if per_second >= 100.0 {
        format!("{per_second:.0}")
    } else {
        format!("{per_second:.1}")
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// The size the targets are judged at: M if it ran, else the largest that did.
fn target_size(results: &Results) -> Option<String> {
    let sizes: Vec<&str> = results.runs.iter().map(|r| r.size.as_str()).collect();
    ["M", "L", "S"]
        .into_iter()
        .find(|s| sizes.contains(s))
        .map(str::to_owned)
}

/// The targets of issue 5, judged on this run.
pub fn targets(results: &Results) -> String {
    let mut md = String::new();
    let Some(size) = target_size(results) else {
        return md;
    };
    let runs: Vec<&Run> = results.runs.iter().filter(|r| r.size == size).collect();
    let _ = writeln!(md, "Judged at size {size}.\n");
    let _ = writeln!(
        md,
        "| target | backend | figure | holds |\n| --- | --- | --- | --- |"
    );
    for run in &runs {
        for name in ["Q1", "Q2", "Q3", "Q4", "Q5"] {
            let Some(shape) = run.shape(name) else {
                continue;
            };
            let worst = shape
                .cells
                .iter()
                .filter(|c| c.graphql.requests > 0)
                .max_by(|a, b| a.slowdown().total_cmp(&b.slowdown()));
            if let Some(worst) = worst {
                let each: Vec<String> = shape
                    .cells
                    .iter()
                    .map(|c| {
                        if c.graphql.requests == 0 {
                            format!("c={}: not measured¹", c.concurrency)
                        } else {
                            format!("c={}: ×{:.2}", c.concurrency, c.slowdown())
                        }
                    })
                    .collect();
                let holds = worst.slowdown() <= 3.0;
                let _ = writeln!(
                    md,
                    "| {name} within 3× its floor | {} | {} | {} |",
                    run.backend,
                    each.join(", "),
                    if holds {
                        "yes".to_owned()
                    } else {
                        format!(
                            "**no**: ×{:.1} at c={}, {:.1} times the allowance",
                            worst.slowdown(),
                            worst.concurrency,
                            worst.slowdown() / 3.0
                        )
                    }
                );
            }
        }
        if let Some(q3) = run.shape("Q3") {
            let depth = q3.relation_depth.unwrap_or(0);
            // A last page of committees without groups reads fewer levels:
            // the target is that no request needs more than one statement per level.
            let most = q3.sql_statements.iter().copied().max().unwrap_or(0);
            let holds = most == depth;
            let _ = writeln!(
                md,
                "| Q3 statements = its depth ({depth}) | {} | {} statements{} | {} |",
                run.backend,
                q3.statements(),
                if q3.sql_statements.len() > 1 {
                    " (fewer where a page's committees have no groups)"
                } else {
                    ""
                },
                if holds {
                    "yes".to_owned()
                } else {
                    format!("**no**: {most}")
                }
            );
        }
        if let (Some(first), Some(deep)) = (run.shape("Q6.1"), run.shape("Q6")) {
            for concurrency in [1, 16] {
                if let (Some(a), Some(b)) = (first.cell(concurrency), deep.cell(concurrency))
                    && a.graphql.requests > 0
                    && b.graphql.requests > 0
                {
                    let ratio = b.graphql.p50_us as f64 / a.graphql.p50_us.max(1) as f64;
                    let _ = writeln!(
                        md,
                        "| Q6 (page {}) within 20% of its first page, p50 at c={concurrency} | {} | {} ms vs {} ms: ×{ratio:.2} | {} |",
                        run.q6_page,
                        run.backend,
                        ms(b.graphql.p50_us),
                        ms(a.graphql.p50_us),
                        if ratio <= 1.2 {
                            "yes".to_owned()
                        } else {
                            format!("**no**: +{:.0}%", (ratio - 1.0) * 100.0)
                        }
                    );
                }
            }
        }
        let mut misses = Vec::new();
        let mut worst: (f64, String) = (0.0, String::new());
        for shape in &run.shapes {
            if let Some(cell) = shape.cell(16) {
                let ratio = cell.graphql.p99_us as f64 / cell.graphql.p50_us.max(1) as f64;
                if ratio > worst.0 {
                    worst = (ratio, shape.shape.clone());
                }
                if ratio >= 5.0 {
                    misses.push(format!("{} ×{ratio:.1}", shape.shape));
                }
            }
        }
        if !run.shapes.is_empty() {
            let _ = writeln!(
                md,
                "| p99 < 5× p50 at c=16, every shape | {} | worst {} ×{:.1} | {} |",
                run.backend,
                worst.1,
                worst.0,
                if misses.is_empty() {
                    "yes".to_owned()
                } else {
                    format!("**no**: {}", misses.join(", "))
                }
            );
        }
    }
    md
}

pub fn markdown(results: &Results) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# registry-bench results\n");
    let _ = writeln!(
        md,
        "- machine: {}\n- commit: `{}`\n- command: `cargo run --release -p registry-bench -- {}`\n- each cell: {} s warm-up, {} s measured, closed loop; concurrency {:?}\n- suite wall time: {:.1} min\n",
        results.machine,
        results.commit,
        results.command,
        results.warmup_s,
        results.duration_s,
        results.concurrency,
        results.total_s / 60.0
    );

    let _ = writeln!(md, "## Shapes\n");
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

    let _ = writeln!(md, "\n## Server\n");
    let _ = writeln!(
        md,
        "| size | backend | dataset MB | database MB | import s | start to first answer ms (median of 3) | idle RSS MiB | peak heap (RssAnon) MiB | peak RSS (VmHWM) MiB | Q6 rows / page reached | `{{ __typename }}` p50 ms at c=1, req/s at c=16 |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for run in &results.runs {
        let baseline = |c: usize| run.baseline.iter().find(|b| b.concurrency == c);
        let _ = writeln!(
            md,
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {} / {} | {}, {} |",
            run.size,
            run.backend,
            run.dataset_bytes as f64 / 1e6,
            run.database_bytes as f64 / 1e6,
            run.import_s,
            median(&run.startup_ms),
            run.vm_rss_idle_kib as f64 / 1024.0,
            run.anon_peak_kib as f64 / 1024.0,
            run.vm_hwm_kib as f64 / 1024.0,
            run.q6_total,
            run.q6_page,
            baseline(1).map_or("-".to_owned(), |b| ms(b.graphql.p50_us)),
            baseline(16).map_or("-".to_owned(), |b| rate(b.graphql.throughput)),
        );
    }

    let _ = writeln!(md, "\n## Targets\n");
    md.push_str(&targets(results));

    let _ = writeln!(
        md,
        "\n¹ No request of the cell finished inside it: the run counted requests by when they were sent, \
         and each took longer than the warm-up and the window together. The driver now counts them by \
         when they finish.\n"
    );
    let _ = writeln!(md, "\n## Every cell\n");
    let _ = writeln!(
        md,
        "GraphQL over HTTP on loopback against its floor (the same rows by hand-written SQL in process). \
         ×floor = floor req/s ÷ GraphQL req/s (how many times slower); p50 ×floor likewise for the median. \
         stmts = `extensions.cost.sqlStatements` / the floor's statements. \
         other CPU = cores' worth of CPU that processes other than the suite, the server and PostgreSQL \
         used during the GraphQL / floor cell (the machine is shared; see BENCHMARKS.md).\n"
    );
    let _ = writeln!(
        md,
        "| size | backend | shape | stmts | resp. KB | c | req/s | p50 ms | p99 ms | p99/p50 | floor req/s | floor p50 ms | floor p99 ms | ×floor | p50 ×floor | other CPU |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for run in &results.runs {
        for shape in &run.shapes {
            for cell in &shape.cells {
                let g = &cell.graphql;
                let f = &cell.floor;
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} / {}{} | {:.1} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {:.2} | {:.2} | {:.1} / {:.1} |",
                    run.size,
                    run.backend,
                    shape.shape,
                    shape.statements(),
                    shape.floor_statements,
                    if shape.floor_matches {
                        ""
                    } else {
                        " (answers differ!)"
                    },
                    shape.response_bytes as f64 / 1000.0,
                    cell.concurrency,
                    rate(g.throughput),
                    ms(g.p50_us),
                    ms(g.p99_us),
                    g.p99_us as f64 / g.p50_us.max(1) as f64,
                    rate(f.throughput),
                    ms(f.p50_us),
                    ms(f.p99_us),
                    cell.slowdown(),
                    cell.p50_ratio(),
                    g.foreign_cores,
                    f.foreign_cores
                );
                if g.requests == 0 || f.requests == 0 {
                    let _ = writeln!(
                        md,
                        "| | | | no request of this cell finished in its window: each took longer than warm-up and window together (measured before requests were counted by when they finished) | | | | | | | | | | | | |"
                    );
                }
                if g.errors + f.errors > 0 {
                    let _ = writeln!(
                        md,
                        "| | | | errors: GraphQL {} of {}, floor {} of {} | | | | | | | | | | | | |",
                        g.errors, g.requests, f.errors, f.requests
                    );
                }
            }
        }
    }
    md
}

pub fn write(results: &Results, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(results)?,
    )?;
    std::fs::write(out.join("results.md"), markdown(results))?;
    crate::chart::draw(results, &out.join("chart.svg"))?;
    Ok(())
}
