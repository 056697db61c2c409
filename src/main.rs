//! The `standards-registry` binary: parse the command line, connect, and run
//! the chosen command. Everything else lives in the library.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use standards_registry::config::{Cli, Command};
use standards_registry::execution::trusted_documents::manifest_from_folder;
use standards_registry::replicas::{self, ReadPool};
use standards_registry::schema::build_schema_reading;
use standards_registry::{build_schema, dataset, db, export_sdl, http, telemetry};

// The executor allocates and frees many small values per resolved field;
// glibc's allocator spent a quarter of the time of a large query on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // mimalloc asks the kernel for transparent huge pages on the memory it
    // reserves, and a 2 MiB page is resident as soon as one byte of it is
    // used: at size M they were 72 of the 91 MiB resident after one large
    // query (`AnonHugePages`), and without them the query peaks 24 MiB
    // lower. Resident memory is what a container's limit and the OOM killer
    // count. Set first, before the runtime's threads allocate.
    #[cfg(target_os = "linux")]
    if !cli.serve.huge_pages
        && let Err(err) = rustix::thread::disable_transparent_huge_pages(true)
    {
        eprintln!("standards-registry: transparent huge pages stay on: {err}");
    }
    // A listening socket handed over by whoever started us (systemd's socket
    // activation, or a test that bound the port itself): `LISTEN_FDS=1`, the
    // socket as file descriptor 3. Taken before the runtime's threads start,
    // as it clears those variables.
    let inherited = match listenfd::ListenFd::from_env().take_tcp_listener(0) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!(
                "standards-registry: LISTEN_FDS is set, but descriptor 3 is no TCP listener: {err}"
            );
            return ExitCode::FAILURE;
        }
    };
    // Before the runtime starts: the OTLP exporter's HTTP client is a
    // blocking one, which may not be built inside it.
    let _telemetry = match telemetry::init(&cli.telemetry) {
        Ok(telemetry) => telemetry,
        Err(err) => {
            eprintln!("standards-registry: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli, inherited));
    // The runtime stops before the telemetry flushes its last spans.
    drop(runtime);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    cli: Cli,
    inherited: Option<std::net::TcpListener>,
) -> Result<(), Box<dyn std::error::Error>> {
    let command = cli.command.unwrap_or(Command::Serve);
    match &command {
        Command::ExportSchema => {
            print!("{}", export_sdl());
            return Ok(());
        }
        Command::Manifest { dir, out } => {
            let manifest = manifest_from_folder(dir)?;
            let text = format!("{}\n", serde_json::to_string_pretty(&manifest)?);
            match out {
                Some(path) => std::fs::write(path, text)?,
                None => print!("{text}"),
            }
            return Ok(());
        }
        _ => {}
    }
    let db = db::connect_with_retry(&cli.database).await?;
    // Servers started at once on one database take turns to migrate and
    // load: the first does, the others find it done.
    let startup = db::startup_lock(&db).await?;
    db::migrate(&db).await?;
    match command {
        Command::Migrate => {
            startup.release().await?;
            tracing::info!("migrations applied");
        }
        Command::Import { file } => {
            startup.release().await?;
            let summary = dataset::import_file(&db, &file).await?;
            tracing::info!(?summary, "imported {}", file.display());
        }
        Command::Serve => {
            let config = cli.serve;
            let source = dataset::DatasetSource::from_option(config.dataset.as_deref());
            if let Some(summary) = dataset::load_if_empty(&db, &source).await? {
                tracing::info!(?summary, "empty database: loaded {source}");
            }
            startup.release().await?;
            let reads = db::for_reads(&db, cli.database.sqlite_mmap_mib)?;
            let schema = if cli.database.read_database_urls.is_empty() {
                build_schema(reads, &config.schema)
            } else {
                // Queries read from the replicas while they keep up (`replicas.rs`).
                let replicas = replicas::connect(&cli.database).await?;
                let max_lag = Duration::from_secs(cli.database.max_replica_lag);
                build_schema_reading(ReadPool::new(reads, replicas, max_lag), &config.schema)
            };
            let app = match config.metrics_bind {
                Some(metrics_bind) => {
                    let (app, metrics) = http::split_app(schema, db, &config.schema);
                    let listener = tokio::net::TcpListener::bind(metrics_bind).await?;
                    let address = listener.local_addr()?;
                    tracing::info!("serving metrics on http://{address}/metrics");
                    // Ends with the process: scrapes are short and hold nothing.
                    tokio::spawn(async move {
                        if let Err(err) = axum::serve(listener, metrics).await {
                            tracing::error!("the metrics listener failed: {err}");
                        }
                    });
                    app
                }
                None => http::app(schema, db, &config.schema),
            };
            let listener = match inherited {
                Some(listener) => {
                    listener.set_nonblocking(true)?;
                    tokio::net::TcpListener::from_std(listener)?
                }
                None => tokio::net::TcpListener::bind(config.bind).await?,
            };
            let address = listener.local_addr()?;
            tracing::info!(
                "serving GraphQL on http://{address}/graphql, playground on http://{address}/"
            );
            http::serve(
                listener,
                app,
                Duration::from_secs(config.shutdown_grace_secs),
            )
            .await?;
        }
        Command::ExportSchema | Command::Manifest { .. } => {
            unreachable!("handled before connecting")
        }
    }
    Ok(())
}
