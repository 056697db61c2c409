use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250701_000001_create_committee::Committee;
use crate::m20250701_000003_create_working_group::WorkingGroup;
use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Liaison {
    Table,
    Id,
    Key,
    Kind,
    CommitteeId,
    WorkingGroupId,
    Counterpart,
    Description,
    Notes,
    Sources,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Liaison::Table)
                    .col(pk_auto(Liaison::Id))
                    .col(string_uniq(Liaison::Key))
                    .col(string(Liaison::Kind))
                    .col(integer_null(Liaison::CommitteeId))
                    .col(integer_null(Liaison::WorkingGroupId))
                    .col(string(Liaison::Counterpart))
                    .col(text_null(Liaison::Description))
                    .col(text_null(Liaison::Notes))
                    .col(json(Liaison::Sources))
                    .foreign_key(&mut foreign_key(
                        Liaison::Table,
                        Liaison::CommitteeId,
                        Committee::Table,
                        Committee::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Liaison::Table,
                        Liaison::WorkingGroupId,
                        WorkingGroup::Table,
                        WorkingGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for column in [Liaison::CommitteeId, Liaison::WorkingGroupId, Liaison::Kind] {
            manager
                .create_index(index_on(Liaison::Table, column))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Liaison::Table).to_owned())
            .await
    }
}
