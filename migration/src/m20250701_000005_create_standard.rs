use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250701_000001_create_committee::Committee;
use crate::m20250701_000003_create_working_group::WorkingGroup;
use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Standard {
    Table,
    Id,
    Code,
    CodeKey,
    CodeAssigned,
    Title,
    Kind,
    Status,
    Year,
    CommitteeId,
    WorkingGroupId,
    Notes,
    Sources,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Standard::Table)
                    .col(pk_auto(Standard::Id))
                    .col(string_uniq(Standard::Code))
                    .col(string_uniq(Standard::CodeKey))
                    .col(boolean(Standard::CodeAssigned))
                    .col(text(Standard::Title))
                    .col(string(Standard::Kind))
                    .col(string(Standard::Status))
                    .col(integer_null(Standard::Year))
                    .col(integer_null(Standard::CommitteeId))
                    .col(integer_null(Standard::WorkingGroupId))
                    .col(text_null(Standard::Notes))
                    .col(json(Standard::Sources))
                    .foreign_key(&mut foreign_key(
                        Standard::Table,
                        Standard::CommitteeId,
                        Committee::Table,
                        Committee::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        Standard::Table,
                        Standard::WorkingGroupId,
                        WorkingGroup::Table,
                        WorkingGroup::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        for column in [
            Standard::CommitteeId,
            Standard::WorkingGroupId,
            Standard::Title,
            Standard::Year,
        ] {
            manager
                .create_index(index_on(Standard::Table, column))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Standard::Table).to_owned())
            .await
    }
}
