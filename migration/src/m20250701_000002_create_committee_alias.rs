use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250701_000001_create_committee::Committee;
use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CommitteeAlias {
    Table,
    Id,
    CommitteeId,
    Alias,
    AliasKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CommitteeAlias::Table)
                    .col(pk_auto(CommitteeAlias::Id))
                    .col(integer(CommitteeAlias::CommitteeId))
                    .col(string(CommitteeAlias::Alias))
                    .col(string_uniq(CommitteeAlias::AliasKey))
                    .foreign_key(&mut foreign_key(
                        CommitteeAlias::Table,
                        CommitteeAlias::CommitteeId,
                        Committee::Table,
                        Committee::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(CommitteeAlias::Table, CommitteeAlias::CommitteeId))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CommitteeAlias::Table).to_owned())
            .await
    }
}
