//! Indexes that serve the lists of standards: each committee's and working
//! group's standards by code (a page of 20 per parent is then an index
//! range, not a sort of every child), the standards of a status by code (a
//! filtered page and its `totalCount` read from one index), and a committee
//! subtree's standards of a status (counted in the index).
//!
//! None on `kind` alone: SQLite, without statistics (see `db::settle`),
//! prefers an equality on any indexed column to the range on `year` a list
//! ordered by year walks, and sorted every standard of the kinds instead.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Standard {
    Table,
    CommitteeId,
    WorkingGroupId,
    Code,
    Status,
}

/// Each index's name and columns.
fn indexes() -> [(&'static str, Vec<Standard>); 4] {
    [
        (
            "idx_standard_committee_id_code",
            vec![Standard::CommitteeId, Standard::Code],
        ),
        (
            "idx_standard_working_group_id_code",
            vec![Standard::WorkingGroupId, Standard::Code],
        ),
        (
            "idx_standard_status_code",
            vec![Standard::Status, Standard::Code],
        ),
        (
            "idx_standard_committee_id_status",
            vec![Standard::CommitteeId, Standard::Status],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in indexes() {
            let mut index = Index::create();
            index.name(name).table(Standard::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in indexes() {
            manager
                .drop_index(Index::drop().name(name).table(Standard::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
