//! The change log: one row per record an import created, updated or
//! deleted, written in the import's own transaction. Its id orders the
//! change feed (`changes(after:)`, `registryChanged`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::index_on;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChangeLog {
    Table,
    Id,
    ImportId,
    Sequence,
    RecordType,
    RecordKey,
    ChangeKind,
    ImportedAt,
    Source,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeLog::Table)
                    .col(big_pk_auto(ChangeLog::Id))
                    .col(big_integer(ChangeLog::ImportId))
                    .col(integer(ChangeLog::Sequence))
                    .col(string(ChangeLog::RecordType))
                    .col(string(ChangeLog::RecordKey))
                    .col(string(ChangeLog::ChangeKind))
                    .col(big_integer(ChangeLog::ImportedAt))
                    .col(string(ChangeLog::Source))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(ChangeLog::Table, ChangeLog::ImportId))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChangeLog::Table).to_owned())
            .await
    }
}
