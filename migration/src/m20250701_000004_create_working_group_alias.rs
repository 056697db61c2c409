use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250701_000003_create_working_group::WorkingGroup;
use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WorkingGroupAlias {
    Table,
    Id,
    WorkingGroupId,
    Alias,
    AliasKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkingGroupAlias::Table)
                    .col(pk_auto(WorkingGroupAlias::Id))
                    .col(integer(WorkingGroupAlias::WorkingGroupId))
                    .col(string(WorkingGroupAlias::Alias))
                    .col(string_uniq(WorkingGroupAlias::AliasKey))
                    .foreign_key(&mut foreign_key(
                        WorkingGroupAlias::Table,
                        WorkingGroupAlias::WorkingGroupId,
                        WorkingGroup::Table,
                        WorkingGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                WorkingGroupAlias::Table,
                WorkingGroupAlias::WorkingGroupId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WorkingGroupAlias::Table).to_owned())
            .await
    }
}
