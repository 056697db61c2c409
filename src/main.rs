//! The `standards-registry` binary: parse the command line, connect, and run
//! the chosen command. Everything else lives in the library.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use standards_registry::config::{Cli, Command};
use standards_registry::{build_schema, dataset, db, export_sdl, http};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    if let Command::ExportSchema = command {
        print!("{}", export_sdl());
        return Ok(());
    }
    let db = db::connect_with_retry(&cli.database).await?;
    db::migrate(&db).await?;
    match command {
        Command::Migrate => tracing::info!("migrations applied"),
        Command::Import { file } => {
            let summary = dataset::import_file(&db, &file).await?;
            tracing::info!(?summary, "imported {}", file.display());
        }
        Command::Serve(config) => {
            if let Some(summary) = dataset::load_if_empty(&db, &config.dataset).await? {
                tracing::info!(
                    ?summary,
                    "empty database: loaded {}",
                    config.dataset.display()
                );
            }
            let app = http::app(build_schema(db, &config.schema), &config.schema);
            let listener = tokio::net::TcpListener::bind(config.bind).await?;
            tracing::info!(
                "serving GraphQL on http://{}/graphql, playground on http://{}/",
                config.bind,
                config.bind
            );
            http::serve(
                listener,
                app,
                Duration::from_secs(config.shutdown_grace_secs),
            )
            .await?;
        }
        Command::ExportSchema => unreachable!("handled before connecting"),
    }
    Ok(())
}
