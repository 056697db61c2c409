//! chart.svg: throughput and latency by shape, one bar per size and backend,
//! at each concurrency the suite ran (one row of two panels each), drawn with plotters.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::Results;

const PALETTE: [RGBColor; 6] = [
    RGBColor(158, 202, 225),
    RGBColor(253, 174, 107),
    RGBColor(49, 130, 189),
    RGBColor(230, 85, 13),
    RGBColor(8, 48, 107),
    RGBColor(127, 39, 4),
];

const SHAPES: [&str; 8] = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6.1", "Q6", "Q7"];

struct Bar {
    graphql: f64,
    floor: f64,
    p50: f64,
    p99: f64,
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing the chart: {e}")
}

/// One value per (series, shape), or None where not run.
type Grid = Vec<Vec<Option<Bar>>>;

pub fn draw(results: &Results, path: &Path) -> Result<()> {
    let series: Vec<String> = results
        .runs
        .iter()
        .map(|r| format!("{} {}", r.size, r.backend))
        .collect();
    let concurrencies = results.concurrency.clone();
    if series.is_empty() || concurrencies.is_empty() {
        return Ok(());
    }
    let height = 420 * concurrencies.len() as u32 + 40;
    let root = SVGBackend::new(path, (1400, height)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (title, body) = root.split_vertically(40);
    title
        .draw_text(
            "registry-bench: GraphQL over HTTP (bars) and its in-process SQL floor (black ticks), by shape, size and backend; cells where no request finished are left out",
            &("sans-serif", 18).into_font().color(&BLACK),
            (20, 12),
        )
        .map_err(err)?;
    let rows = body.split_evenly((concurrencies.len(), 2));
    for (row, &concurrency) in concurrencies.iter().enumerate() {
        let grid: Grid = results
            .runs
            .iter()
            .map(|run| {
                SHAPES
                    .iter()
                    .map(|name| {
                        let cell = run.shape(name)?.cell(concurrency)?;
                        // A cell where no request finished has nothing to draw.
                        if cell.graphql.requests == 0 || cell.floor.requests == 0 {
                            return None;
                        }
                        Some(Bar {
                            graphql: cell.graphql.throughput,
                            floor: cell.floor.throughput,
                            p50: cell.graphql.p50_us as f64 / 1000.0,
                            p99: cell.graphql.p99_us as f64 / 1000.0,
                        })
                    })
                    .collect()
            })
            .collect();
        panel(
            &rows[2 * row],
            &format!("throughput, requests/s (log), concurrency {concurrency}"),
            &series,
            &grid,
            true,
        )?;
        panel(
            &rows[2 * row + 1],
            &format!("latency ms (log): p50 bar, p99 whisker, concurrency {concurrency}"),
            &series,
            &grid,
            false,
        )?;
    }
    root.present().map_err(err)?;
    Ok(())
}

fn panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    series: &[String],
    grid: &Grid,
    throughput: bool,
) -> Result<()> {
    let values = grid.iter().flatten().flatten().flat_map(|bar| {
        if throughput {
            [bar.graphql, bar.floor]
        } else {
            [bar.p50, bar.p99]
        }
    });
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return Ok(());
    }
    let lo = 10f64.powf((lo.max(1e-3) * 0.5).log10().floor());
    // Headroom for the legend above the tallest bar.
    let hi = 10f64.powf(hi.log10().ceil() + 1.0);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..SHAPES.len() as f64, (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(if throughput { "requests/s" } else { "ms" })
        .y_label_formatter(&|v| {
            if *v >= 1.0 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            }
        })
        .draw()
        .map_err(err)?;
    let width = 0.8 / series.len() as f64;
    for (s, name) in series.iter().enumerate() {
        let color = PALETTE[s % PALETTE.len()];
        let bars: Vec<(f64, &Bar)> = grid[s]
            .iter()
            .enumerate()
            .filter_map(|(i, bar)| {
                bar.as_ref()
                    .map(|bar| (0.1 + i as f64 + s as f64 * width, bar))
            })
            .collect();
        chart
            .draw_series(bars.iter().map(|(x, bar)| {
                let top = if throughput { bar.graphql } else { bar.p50 };
                Rectangle::new([(*x, lo), (*x + width * 0.9, top)], color.filled())
            }))
            .map_err(err)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        if throughput {
            chart
                .draw_series(bars.iter().map(|(x, bar)| {
                    PathElement::new(
                        vec![
                            (*x - width * 0.05, bar.floor),
                            (*x + width * 0.95, bar.floor),
                        ],
                        BLACK.stroke_width(2),
                    )
                }))
                .map_err(err)?;
        } else {
            chart
                .draw_series(bars.iter().map(|(x, bar)| {
                    let mid = *x + width * 0.45;
                    PathElement::new(vec![(mid, bar.p50), (mid, bar.p99)], BLACK.stroke_width(1))
                }))
                .map_err(err)?;
            chart
                .draw_series(bars.iter().map(|(x, bar)| {
                    PathElement::new(
                        vec![(*x + width * 0.2, bar.p99), (*x + width * 0.7, bar.p99)],
                        BLACK.stroke_width(1),
                    )
                }))
                .map_err(err)?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    // Shape names under each group, in pixels from the plot's own mapping.
    for (i, name) in SHAPES.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.4, lo));
        area.draw_text(
            name,
            &("sans-serif", 14).into_font().color(&BLACK),
            (
                x - 10 - area.get_base_pixel().0,
                y + 6 - area.get_base_pixel().1,
            ),
        )
        .map_err(err)?;
    }
    Ok(())
}
