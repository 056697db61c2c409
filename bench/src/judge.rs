//! The targets of issue 9, judged on a run: each with its figure, met or
//! missed. They are set at size M; a run without M is judged at its
//! largest size, and says so.

use std::fmt::Write as _;

use crate::markdown::{backend_name, clients, mib, ms, nearest, pages, reference, times};
use crate::report::{Results, Run, ShapeRow};
use crate::targets::REGISTRY_NO_CACHE;

/// The size the targets are judged at: M if it ran, else the largest that did.
fn target_size(results: &Results) -> Option<&str> {
    let sizes: Vec<&str> = results.runs.iter().map(|r| r.size.as_str()).collect();
    ["M", "L", "S"].into_iter().find(|s| sizes.contains(s))
}

/// `registry ÷ target` throughput at `c`, the reference's and the no-cache registry's.
fn ratios(row: &ShapeRow, target: &str, c: usize) -> Option<(f64, Option<f64>)> {
    let theirs = row.measured(target, c)?.throughput;
    let ours = row.measured(reference(row)?, c)?.throughput;
    let uncached = row
        .measured(REGISTRY_NO_CACHE, c)
        .filter(|_| reference(row) != Some(REGISTRY_NO_CACHE))
        .map(|m| m.throughput / theirs);
    Some((ours / theirs, uncached))
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

fn no_cache(value: Option<f64>) -> String {
    value.map_or(String::new(), |v| format!(" (no cache {})", times(v)))
}

struct Table {
    md: String,
}

impl Table {
    fn line(&mut self, target: &str, run: &Run, figure: &str, verdict: &str) {
        let _ = writeln!(
            self.md,
            "| {target} | {} {} | {figure} | {verdict} |",
            run.size,
            backend_name(&run.backend)
        );
    }
}

pub fn render(results: &Results) -> String {
    let Some(size) = target_size(results) else {
        return String::new();
    };
    let high = nearest(results, 16);
    let low = nearest(results, 1);
    let mut table = Table { md: String::new() };
    let _ = writeln!(
        table.md,
        "Judged at size {size}{}, for `registry` (default settings); `registry (no cache)` in brackets where it ran. \
         Throughput at {}, p50 at {}.\n",
        if size == "M" {
            ""
        } else {
            " (the targets are set at M: these figures are not the verdict)"
        },
        clients(high),
        clients(low)
    );
    let _ = writeln!(
        table.md,
        "| target | run | figure | verdict |\n| --- | --- | --- | --- |"
    );
    for run in results.runs.iter().filter(|r| r.size == size) {
        // SQLite against the Node peer.
        if run.backend == "sqlite" && run.server("node").is_some() {
            for (shape, least) in [
                ("Q1", 4.0),
                ("Q2", 4.0),
                ("Q3", 5.0),
                ("Q5", 4.0),
                ("Q6", 4.0),
                // Issue 10: a ranked search, its rare word and code fragment.
                ("Q4", 1.0),
                ("Q4.1", 4.0),
                ("Q4.2", 4.0),
            ] {
                let target = format!("{shape}: ≥{least}× node's throughput");
                match run.shape(shape).and_then(|row| ratios(row, "node", high)) {
                    Some((ratio, uncached)) => table.line(
                        &target,
                        run,
                        &format!("{}{}", times(ratio), no_cache(uncached)),
                        met(ratio >= least),
                    ),
                    None => table.line(&target, run, "not measured (see Checks)", "—"),
                }
            }
            if let Some(q4) = run
                .shape("Q4")
                .and_then(|r| r.measured(reference(r)?, high))
            {
                table.line(
                    "Q4: p99 ≤ 3× its p50",
                    run,
                    &format!("{} ms vs {} ms", ms(q4.p99_us), ms(q4.p50_us)),
                    met(q4.p99_us <= 3 * q4.p50_us),
                );
            }
            for shape in ["Q1", "Q2", "Q3", "Q5", "Q6"] {
                let target = format!("{shape}: p50 ≤ ⅓ of node's");
                let row = run.shape(shape);
                let ours = row.and_then(|r| r.measured(reference(r)?, low));
                let theirs = row.and_then(|r| r.measured("node", low));
                match (ours, theirs) {
                    (Some(ours), Some(theirs)) => table.line(
                        &target,
                        run,
                        &format!(
                            "{} ms vs {} ms: {:.2} of it",
                            ms(ours.p50_us),
                            ms(theirs.p50_us),
                            ours.p50_us as f64 / theirs.p50_us.max(1) as f64
                        ),
                        met(ours.p50_us * 3 <= theirs.p50_us),
                    ),
                    _ => table.line(&target, run, "not measured", "—"),
                }
            }
            if let (Some(ours), Some(theirs)) = (run.server("registry"), run.server("node")) {
                let uncached = run.server(REGISTRY_NO_CACHE).map_or(String::new(), |s| {
                    format!(" (no cache {} MiB)", mib(s.hwm_kib))
                });
                table.line(
                    "peak VmRSS (VmHWM) ≤ ½ node's",
                    run,
                    &format!(
                        "{} MiB vs {} MiB{uncached}",
                        mib(ours.hwm_kib),
                        mib(theirs.hwm_kib)
                    ),
                    met(ours.hwm_kib * 2 <= theirs.hwm_kib),
                );
            }
        }
        // PostgreSQL against PostGraphile, and both against seaography.
        for (peer, least, label) in [
            ("postgraphile", 1.5, "≥1.5× postgraphile's throughput"),
            ("seaography", 1.0, "ahead of seaography"),
        ] {
            if run.server(peer).is_none() {
                continue;
            }
            for row in &run.shapes {
                let Some(entry) = row.entry(peer) else {
                    continue;
                };
                if !entry.verdict.timed() {
                    if entry.verdict == crate::report::Verdict::Differs {
                        table.line(
                            &format!("{}: {label}", row.shape),
                            run,
                            &format!("not timed: differs ({})", entry.note),
                            "—",
                        );
                    }
                    continue;
                }
                // Ahead means ahead at every concurrency; PostGraphile's is at 16.
                let concurrencies: Vec<usize> = if peer == "seaography" {
                    results.concurrency.clone()
                } else {
                    vec![high]
                };
                let figures: Vec<(usize, f64, Option<f64>)> = concurrencies
                    .iter()
                    .filter_map(|&c| ratios(row, peer, c).map(|(r, u)| (c, r, u)))
                    .collect();
                if figures.is_empty() {
                    continue;
                }
                let text = figures
                    .iter()
                    .map(|(c, r, u)| format!("c={c} {}{}", times(*r), no_cache(*u)))
                    .collect::<Vec<_>>()
                    .join(", ");
                let ok = figures.iter().all(|(_, r, _)| {
                    if peer == "seaography" {
                        *r > least
                    } else {
                        *r >= least
                    }
                });
                table.line(&format!("{}: {label}", row.shape), run, &text, met(ok));
            }
        }
        // Issue 10: four facets within 3× of the plain count of their list.
        if let (Some(facets), Some(count)) = (run.shape("Q9"), run.shape("Q9.1")) {
            let p50 = |row: &ShapeRow, target: &str| row.measured(target, low).map(|m| m.p50_us);
            let ratio = |target: &str| {
                Some(p50(facets, target)? as f64 / p50(count, target)?.max(1) as f64)
            };
            if let Some(target) = reference(facets)
                && let Some(r) = ratio(target)
            {
                let uncached = ratio(REGISTRY_NO_CACHE)
                    .map_or(String::new(), |u| format!(" (no cache ×{u:.1})"));
                table.line(
                    "Q9: p50 ≤ 3× Q9.1's",
                    run,
                    &format!("×{r:.1}{uncached}"),
                    met(r <= 3.0),
                );
            }
        }
        // The pipeline around a request against the HTTP stack alone.
        if let (Some(typename), Some(health)) = (run.shape("{ __typename }"), run.shape("/healthz"))
            && let (Some(reference), Some(_)) = (reference(typename), reference(health))
            && let (Some(graphql), Some(plain)) = (
                typename.measured(reference, high),
                health.measured(reference, high),
            )
        {
            let ratio = graphql.throughput / plain.throughput.max(1e-9);
            table.line(
                "`{ __typename }` ≥ ½ of `/healthz`'s throughput",
                run,
                &format!(
                    "{:.0}/s vs {:.0}/s: {ratio:.2}",
                    graphql.throughput, plain.throughput
                ),
                met(ratio >= 0.5),
            );
        }
        // Statements per request equal depth; a deep page costs the first page's.
        if let Some(q3) = run.shape("Q3")
            && let Some(depth) = q3.relation_depth
            && let Some(&most) = q3.sql_statements.iter().max()
        {
            table.line(
                "Q3: statements per request = depth",
                run,
                &format!("{} statements, depth {depth}", q3.statements()),
                met(most == depth),
            );
        }
        if let (Some(first), Some(deep)) = (run.shape("Q7.1"), run.shape("Q7"))
            && let (Some(a), Some(b)) = (
                reference(first).and_then(|r| first.measured(r, low)),
                reference(deep).and_then(|r| deep.measured(r, low)),
            )
        {
            let ratio = b.p50_us as f64 / a.p50_us.max(1) as f64;
            table.line(
                &format!(
                    "Q7 ({} deep) within 20% of its first page",
                    pages(run.q7_page)
                ),
                run,
                &format!(
                    "p50 {} ms vs {} ms: ×{ratio:.2}",
                    ms(b.p50_us),
                    ms(a.p50_us)
                ),
                met(ratio <= 1.2),
            );
        }
    }
    table.md
}
