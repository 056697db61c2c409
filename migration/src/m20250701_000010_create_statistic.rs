use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250701_000001_create_committee::Committee;
use crate::m20250701_000003_create_working_group::WorkingGroup;
use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Statistic {
    Table,
    Id,
    CommitteeId,
    WorkingGroupId,
    Metric,
    Value,
    Period,
    Notes,
    SourceDocument,
    SourceSection,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Statistic::Table)
                    .col(pk_auto(Statistic::Id))
                    .col(integer_null(Statistic::CommitteeId))
                    .col(integer_null(Statistic::WorkingGroupId))
                    .col(text(Statistic::Metric))
                    .col(double(Statistic::Value))
                    .col(text_null(Statistic::Period))
                    .col(text_null(Statistic::Notes))
                    .col(text(Statistic::SourceDocument))
                    .col(text_null(Statistic::SourceSection))
                    .foreign_key(&mut foreign_key(
                        Statistic::Table,
                        Statistic::CommitteeId,
                        Committee::Table,
                        Committee::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Statistic::Table,
                        Statistic::WorkingGroupId,
                        WorkingGroup::Table,
                        WorkingGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for column in [Statistic::CommitteeId, Statistic::WorkingGroupId] {
            manager
                .create_index(index_on(Statistic::Table, column))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Statistic::Table).to_owned())
            .await
    }
}
