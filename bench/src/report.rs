//! What a suite run found, as results.json holds it (every figure), and
//! writing it out: results.json, results.md (markdown.rs) and chart.svg
//! (chart.rs), in `--out` (bench/results/ by default).

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::load::Measured;

/// The version of this file's format: 2 has the peers (1 had the registry
/// and its floor only; `report` cannot redraw those).
pub const FORMAT: u32 = 2;

#[derive(Debug, Serialize, Deserialize)]
pub struct Results {
    pub format: u32,
    pub machine: String,
    pub commit: String,
    pub command: String,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub rounds: usize,
    pub concurrency: Vec<usize>,
    pub runs: Vec<Run>,
    /// Wall time of the whole suite so far.
    pub total_s: f64,
    /// What `--require-peers` fails on: a peer missing, or answers that differ.
    #[serde(default)]
    pub failures: Vec<String>,
}

/// One size on one backend.
#[derive(Debug, Serialize, Deserialize)]
pub struct Run {
    pub size: String,
    pub backend: String,
    pub dataset_bytes: u64,
    pub database_bytes: u64,
    pub import_s: f64,
    /// Rows Q7's filter selects, and the page Q7 reached.
    pub q7_total: usize,
    pub q7_page: usize,
    /// The floor's indexes on its copy of the database: made, or already there.
    pub floor_indexes: Vec<String>,
    pub servers: Vec<ServerInfo>,
    /// `{ __typename }` (every server) and `GET /healthz` (the registry).
    pub baselines: Vec<ShapeRow>,
    pub shapes: Vec<ShapeRow>,
}

/// A server of the run: when it started, its memory as `ps` and a container see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ServerInfo {
    pub name: String,
    pub describe: String,
    /// Why it did not run (its toolchain missing, its install or start failed).
    pub skipped: Option<String>,
    /// Spawn to first answer, per start.
    pub startup_ms: Vec<f64>,
    /// VmRSS once it answered its first request.
    pub rss_idle_kib: u64,
    /// VmRSS after every measurement, and VmHWM: the peak over its life.
    pub rss_end_kib: u64,
    pub hwm_kib: u64,
    /// Peak of RssAnon (heap, stacks), sampled 20 times a second: VmHWM
    /// also counts file pages mapped (SQLite's memory map, once per connection).
    pub anon_peak_kib: u64,
}

/// One shape (or baseline) of a run: what the registry's answer cost, and
/// every target's check and measurements.
#[derive(Debug, Serialize, Deserialize)]
pub struct ShapeRow {
    pub shape: String,
    pub variants: usize,
    /// The registry's `extensions.cost.sqlStatements`, every distinct value over the variants.
    #[serde(default)]
    pub sql_statements: Vec<usize>,
    #[serde(default)]
    pub floor_statements: usize,
    /// Relation levels, where the shape has a statement target.
    #[serde(default)]
    pub relation_depth: Option<usize>,
    #[serde(default)]
    pub response_bytes: usize,
    pub entries: Vec<Entry>,
}

/// One target on one shape.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub target: String,
    pub verdict: Verdict,
    /// The first difference, why it is not expressed, Q4's overlap, ...
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub cells: Vec<Cell>,
}

/// What the check before timing found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The registry with its default settings: what the others are compared with.
    Reference,
    /// The same summary lines for every variant.
    Same,
    /// Q4: every hit holds the searched words.
    Words,
    /// Not timed: answers differ (or failed).
    Differs,
    /// The target cannot express the shape.
    NotExpressed,
}

impl Verdict {
    pub fn timed(self) -> bool {
        matches!(self, Verdict::Reference | Verdict::Same | Verdict::Words)
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Reference => "reference",
            Verdict::Same => "same records",
            Verdict::Words => "hits hold the words",
            Verdict::Differs => "differs",
            Verdict::NotExpressed => "not expressible",
        }
    }
}

/// One target at one concurrency: a measurement per round.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cell {
    pub concurrency: usize,
    pub rounds: Vec<Measured>,
}

impl Cell {
    /// The round of median throughput (the upper middle of an even count).
    pub fn median(&self) -> &Measured {
        let mut order: Vec<&Measured> = self.rounds.iter().collect();
        order.sort_by(|a, b| a.throughput.total_cmp(&b.throughput));
        order[order.len() / 2]
    }

    /// (max - min) / median throughput over the rounds.
    pub fn spread(&self) -> f64 {
        let (lo, hi) = self.rounds.iter().fold((f64::MAX, 0f64), |(lo, hi), m| {
            (lo.min(m.throughput), hi.max(m.throughput))
        });
        (hi - lo) / self.median().throughput.max(1e-9)
    }
}

impl Entry {
    pub fn cell(&self, concurrency: usize) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.concurrency == concurrency && !c.rounds.is_empty())
    }
}

impl ShapeRow {
    pub fn entry(&self, target: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.target == target)
    }

    /// The median measurement of `target` at `concurrency`, if it was timed.
    pub fn measured(&self, target: &str, concurrency: usize) -> Option<&Measured> {
        self.entry(target)?
            .cell(concurrency)
            .map(Cell::median)
            .filter(|m| m.requests > 0)
    }

    pub fn statements(&self) -> String {
        self.sql_statements
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("–")
    }
}

impl Run {
    pub fn shape(&self, name: &str) -> Option<&ShapeRow> {
        self.shapes
            .iter()
            .chain(&self.baselines)
            .find(|s| s.shape == name)
    }

    pub fn server(&self, name: &str) -> Option<&ServerInfo> {
        self.servers
            .iter()
            .find(|s| s.name == name && s.skipped.is_none())
    }

    /// The targets of the run that were measured on some shape, in the run's order.
    pub fn targets(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for row in self.baselines.iter().chain(&self.shapes) {
            for entry in &row.entries {
                if !names.contains(&entry.target) {
                    names.push(entry.target.clone());
                }
            }
        }
        names
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

/// Reads a results.json written by this version.
pub fn read(out: &Path) -> Result<Results> {
    let path = out.join("results.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let results: Results = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not in format {FORMAT} (a run before the peers cannot be redrawn)",
            path.display()
        )
    })?;
    Ok(results)
}

pub fn write(results: &Results, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(results)?,
    )?;
    std::fs::write(out.join("results.md"), crate::markdown::render(results))?;
    crate::chart::draw(results, &out.join("chart.svg"))?;
    Ok(())
}
