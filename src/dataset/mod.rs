//! The dataset: its file format, and importing it into the database in one
//! transaction, upserting records by code so that importing twice changes nothing.

mod format;
mod import;

use std::path::Path;

use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait};

pub use format::Dataset;
pub use import::{ImportSummary, import};

/// Why a dataset was not imported. Nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{record}: `{field}`: {message}")]
    Invalid {
        record: String,
        field: &'static str,
        message: String,
    },
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// Parses a dataset, naming the record and field of the first error
/// (`standards[12].status: unknown variant ...`).
pub fn parse(text: &str) -> Result<Dataset, ImportError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| ImportError::Parse {
        path: err.path().to_string(),
        message: err.inner().to_string(),
    })
}

/// Reads, checks and imports a dataset file.
pub async fn import_file(
    db: &DatabaseConnection,
    path: &Path,
) -> Result<ImportSummary, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    import(db, &parse(&text)?).await
}

/// Imports the dataset file when the database holds no committee yet: the
/// first start of a new installation.
pub async fn load_if_empty(
    db: &DatabaseConnection,
    path: &Path,
) -> Result<Option<ImportSummary>, ImportError> {
    if entity::committee::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    import_file(db, path).await.map(Some)
}
