//! Criterion: the query shapes of the benchmark suite (BENCHMARKS.md)
//! executed in process with `schema.execute`, no HTTP, on an SQLite file
//! holding size S (the real dataset); `REGISTRY_BENCH_SIZES=S,M` adds the
//! generated size M (about a minute to generate and import first).
//!
//! `cargo bench --bench queries`

#[allow(dead_code)]
#[path = "../bench/src/generate.rs"]
mod generate;
#[allow(dead_code)]
#[path = "../bench/src/shapes.rs"]
mod shapes;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_graphql::{Request, Variables};
use clap::Parser;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;
use standards_registry::config::Cli;
use standards_registry::{RegistrySchema, SchemaConfig, build_schema, dataset, db};

use shapes::{Execute, Plan, Shape};

struct InProcess(RegistrySchema);

impl Execute for InProcess {
    async fn execute(&mut self, query: &str, variables: Value) -> Result<Value, String> {
        let request = Request::new(query).variables(Variables::from_json(variables));
        serde_json::to_value(self.0.execute(request).await).map_err(|e| e.to_string())
    }
}

/// A fresh SQLite file holding `size`, the schema over it, and the shapes' variants.
async fn setup(size: &str, dir: &std::path::Path) -> (RegistrySchema, Plan) {
    let start = Instant::now();
    let url = format!("sqlite://{}?mode=rwc", dir.join("registry.db").display());
    let config = Cli::try_parse_from(["standards-registry", "migrate", "--database-url", &url])
        .expect("database settings")
        .database;
    let db = db::connect(&config).await.expect("connect");
    db::migrate(&db).await.expect("migrate");
    let (text, sample) = match size {
        "S" => {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/registry.json");
            let text = std::fs::read_to_string(path).expect("data/registry.json");
            let sample = shapes::sample_of(&dataset::parse(&text).expect("parse"));
            (text, sample)
        }
        "M" => {
            let mut bytes = Vec::new();
            let sample = generate::generate(1.0, &mut bytes).expect("generate");
            (String::from_utf8(bytes).expect("UTF-8"), sample)
        }
        other => panic!("unknown size {other}: S or M"),
    };
    dataset::import(&db, &dataset::parse(&text).expect("parse"))
        .await
        .expect("import");
    drop(text);
    let mut exec = InProcess(build_schema(db, &SchemaConfig::default()));
    let plan = shapes::plan(&sample, &mut exec).await.expect("plan");
    eprintln!("size {size}: ready in {:.1?}", start.elapsed());
    (exec.0, plan)
}

fn queries(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sizes = std::env::var("REGISTRY_BENCH_SIZES").unwrap_or_else(|_| "S".to_owned());
    for size in sizes.split(',').map(|s| s.trim().to_ascii_uppercase()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let (schema, plan) = runtime.block_on(setup(&size, dir.path()));
        let mut group = c.benchmark_group(format!("execute/{size}"));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        for shape in shapes::ALL {
            // Q8 and Q9 (counts) are the suite's, not a page a client renders.
            if matches!(shape, Shape::Q8 | Shape::Q9Count | Shape::Q9) {
                continue;
            }
            let variants = plan.variants(shape);
            // Every variant once, outside the measurement: no errors.
            for variant in variants {
                let request = Request::new(shape.query())
                    .variables(Variables::from_json(variant.variables.clone()));
                let response = runtime.block_on(schema.execute(request));
                assert!(
                    response.errors.is_empty(),
                    "{}: {:?}",
                    shape.name(),
                    response.errors
                );
            }
            let next = AtomicUsize::new(0);
            group.bench_function(shape.name(), |b| {
                b.to_async(&runtime).iter(|| {
                    let i = next.fetch_add(1, Ordering::Relaxed) % variants.len();
                    let request = Request::new(shape.query())
                        .variables(Variables::from_json(variants[i].variables.clone()));
                    schema.execute(request)
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, queries);
criterion_main!(benches);
