//! Empties the full-text index so that it is written again in the order a
//! search now breaks ties by (the shorter title first, then code), which a
//! search relies on to stop early: the server rebuilds an empty index when
//! it starts (`search_index::ensure`), and every import rebuilds it anyway.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM search_document").await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            // External-content FTS5 tables are emptied on their own.
            for table in ["search_fts", "search_code"] {
                db.execute_unprepared(&format!(
                    "INSERT INTO {table}({table}) VALUES ('delete-all')"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Any order is a valid index for the earlier code.
        Ok(())
    }
}
