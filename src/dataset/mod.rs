//! The dataset: its file format, and importing it into the database in one
//! transaction, upserting records by code so that importing twice changes nothing.

pub mod changes;
mod format;
mod import;

use std::path::{Path, PathBuf};

use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait};

pub use format::Dataset;
pub use import::{ImportSummary, import, import_named};

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
    import_named(db, &parse(&text)?, &file_name(path)).await
}

/// A dataset file's name, as the change log records its source.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// The registry's own dataset, `data/registry.json`, built into the binary:
/// what a new installation starts with wherever the binary runs.
pub const EMBEDDED: &str = include_str!("../../data/registry.json");

/// Where the first-start dataset comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetSource {
    /// [`EMBEDDED`]: the registry's own dataset.
    Embedded,
    /// A file of the same format (`--dataset FILE`).
    File(PathBuf),
}

impl DatasetSource {
    /// `--dataset`: the file when one is given, else the built-in dataset.
    pub fn from_option(path: Option<&Path>) -> Self {
        path.map_or(Self::Embedded, |path| Self::File(path.to_owned()))
    }

    /// Reads and checks it.
    pub fn read(&self) -> Result<Dataset, ImportError> {
        match self {
            Self::Embedded => parse(EMBEDDED),
            Self::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                parse(&text)
            }
        }
    }
}

impl std::fmt::Display for DatasetSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Embedded => f.write_str("the built-in dataset (data/registry.json)"),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Imports `source` when the database holds no committee yet: the first
/// start of a new installation. Run it under [`crate::db::startup_lock`]
/// when several servers may start at once: the second one then finds the
/// database loaded and loads nothing.
pub async fn load_if_empty(
    db: &DatabaseConnection,
    source: &DatasetSource,
) -> Result<Option<ImportSummary>, ImportError> {
    if entity::committee::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let name = match source {
        DatasetSource::Embedded => "registry.json".to_owned(),
        DatasetSource::File(path) => file_name(path),
    };
    import_named(db, &source.read()?, &name).await.map(Some)
}
