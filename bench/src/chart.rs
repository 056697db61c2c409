//! chart.svg: for every size and backend, at each concurrency the suite
//! ran (one row of two panels each), the throughput and latency of every
//! target by shape, the registry beside its peers; the floor is a black
//! tick on the throughput bars. Drawn with plotters.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::Results;
use crate::targets::FLOOR;

/// A fixed color per target, the same in every row.
fn color(target: &str) -> RGBColor {
    match target {
        "registry" => RGBColor(8, 69, 148),
        "registry (no cache)" => RGBColor(107, 174, 214),
        "node" => RGBColor(230, 85, 13),
        "postgraphile" => RGBColor(49, 163, 84),
        "seaography" => RGBColor(117, 107, 177),
        _ => RGBColor(150, 150, 150),
    }
}

const SHAPES: [&str; 14] = [
    "{ __typename }",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "Q4.1",
    "Q4.2",
    "Q5",
    "Q6",
    "Q7.1",
    "Q7",
    "Q8",
    "Q9.1",
    "Q9",
];

/// Short labels under each group.
fn label(shape: &str) -> &str {
    if shape == "{ __typename }" {
        "typename"
    } else {
        shape
    }
}

struct Bar {
    throughput: f64,
    floor: Option<f64>,
    p50: f64,
    p99: f64,
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing the chart: {e}")
}

/// One value per (series, shape), or None where not measured.
type Grid = Vec<Vec<Option<Bar>>>;

pub fn draw(results: &Results, path: &Path) -> Result<()> {
    let concurrencies = results.concurrency.clone();
    if results.runs.is_empty() || concurrencies.is_empty() {
        return Ok(());
    }
    let rows = results.runs.len() * concurrencies.len();
    let height = 400 * rows as u32 + 40;
    let root = SVGBackend::new(path, (1500, height)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (title, body) = root.split_vertically(40);
    title
        .draw_text(
            "registry-bench: every target by shape, size, backend and concurrency (median round); black ticks: the in-process SQL floor",
            &("sans-serif", 18).into_font().color(&BLACK),
            (20, 12),
        )
        .map_err(err)?;
    let areas = body.split_evenly((rows, 2));
    let mut at = 0;
    for run in &results.runs {
        let series: Vec<String> = run.targets().into_iter().filter(|t| t != FLOOR).collect();
        for &concurrency in &concurrencies {
            let grid: Grid = series
                .iter()
                .map(|target| {
                    SHAPES
                        .iter()
                        .map(|name| {
                            let row = run.shape(name)?;
                            let m = row.measured(target, concurrency)?;
                            Some(Bar {
                                throughput: m.throughput,
                                floor: row.measured(FLOOR, concurrency).map(|f| f.throughput),
                                p50: m.p50_us as f64 / 1000.0,
                                p99: m.p99_us as f64 / 1000.0,
                            })
                        })
                        .collect()
                })
                .collect();
            let heading = format!(
                "{} {}, {concurrency} client{}",
                run.size,
                run.backend,
                if concurrency == 1 { "" } else { "s" }
            );
            panel(
                &areas[2 * at],
                &format!("{heading}: requests/s (log)"),
                &series,
                &grid,
                true,
            )?;
            panel(
                &areas[2 * at + 1],
                &format!("{heading}: latency ms (log), p50 bar, p99 whisker"),
                &series,
                &grid,
                false,
            )?;
            at += 1;
        }
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
            [bar.throughput, bar.floor.unwrap_or(bar.throughput)]
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
    let width = 0.8 / series.len().max(1) as f64;
    for (s, name) in series.iter().enumerate() {
        let color = color(name);
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
                let top = if throughput { bar.throughput } else { bar.p50 };
                Rectangle::new([(*x, lo), (*x + width * 0.9, top)], color.filled())
            }))
            .map_err(err)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        if throughput {
            chart
                .draw_series(bars.iter().filter_map(|(x, bar)| {
                    let floor = bar.floor?;
                    Some(PathElement::new(
                        vec![(*x - width * 0.05, floor), (*x + width * 0.95, floor)],
                        BLACK.stroke_width(2),
                    ))
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
            label(name),
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
