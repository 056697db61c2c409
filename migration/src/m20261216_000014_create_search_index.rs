//! The full-text index `search` and `standards(filter: { text })` read:
//! `search_document`, one row per committee, working group, standard and
//! expert (`kind`, `record_id`), holding the texts a search matches:
//! `code` (the canonical code; an expert's name), `code_keys` (every
//! spelling `lookup_key` gives of the code and its aliases, separated by
//! spaces), `title` (title or name) and `other` (aliases, scope, focus,
//! organization, notes, liaison counterparts).
//!
//! SQLite: two FTS5 tables over it (external content, so the text is kept
//! once): `search_fts` (`porter unicode61`: words and their stems) over
//! `code`, `code_keys`, `title` and `other`, and `search_code` (`trigram`)
//! over `code_keys`, which answers `LIKE '%fragment%'` on codes from the index.
//!
//! PostgreSQL: a stored `tsvector` (`english`; code and title weight A,
//! aliases and other text C) with a GIN index, the title's own `tsvector`
//! (to rank title matches first), and a `pg_trgm` GIN index on `code_keys`
//! for code fragments. Text is fed to `to_tsvector` with every run of
//! non-alphanumerics as one space, so that both databases split words alike
//! (`GB/T45993-2025`: `gb`, `t45993`, `2025`).
//!
//! The rows are written by the import (in its transaction), which rebuilds
//! the index; a database that held records before this migration is indexed
//! when the server next starts (`search_index::ensure`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE search_document (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        record_id INTEGER NOT NULL,
        code TEXT NOT NULL,
        code_keys TEXT NOT NULL,
        title TEXT NOT NULL,
        other TEXT NOT NULL,
        UNIQUE (kind, record_id)
    )",
    "CREATE VIRTUAL TABLE search_fts USING fts5(
        code, code_keys, title, other,
        content = 'search_document', content_rowid = 'id',
        tokenize = 'porter unicode61 remove_diacritics 2'
    )",
    "CREATE VIRTUAL TABLE search_code USING fts5(
        code_keys,
        content = 'search_document', content_rowid = 'id',
        tokenize = 'trigram'
    )",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TABLE search_code",
    "DROP TABLE search_fts",
    "DROP TABLE search_document",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE search_document (
        id SERIAL PRIMARY KEY,
        kind TEXT NOT NULL,
        record_id INTEGER NOT NULL,
        code TEXT NOT NULL,
        code_keys TEXT NOT NULL,
        title TEXT NOT NULL,
        other TEXT NOT NULL,
        document TSVECTOR GENERATED ALWAYS AS (
            setweight(to_tsvector('english', regexp_replace(code || ' ' || code_keys, '[^[:alnum:]]+', ' ', 'g')), 'A')
            || setweight(to_tsvector('english', regexp_replace(title, '[^[:alnum:]]+', ' ', 'g')), 'A')
            || setweight(to_tsvector('english', regexp_replace(other, '[^[:alnum:]]+', ' ', 'g')), 'C')
        ) STORED,
        title_document TSVECTOR GENERATED ALWAYS AS (
            to_tsvector('english', regexp_replace(title, '[^[:alnum:]]+', ' ', 'g'))
        ) STORED,
        UNIQUE (kind, record_id)
    )",
    "CREATE INDEX idx_search_document_document ON search_document USING GIN (document)",
    "CREATE INDEX idx_search_document_code_keys ON search_document USING GIN (code_keys gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] = &["DROP TABLE search_document"];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_UP).await,
            _ => run(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            _ => run(manager, SQLITE_DOWN).await,
        }
    }
}
