use sea_orm_migration::{prelude::*, schema::*};

use crate::{foreign_key, index_on};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Committee {
    Table,
    Id,
    Code,
    Name,
    Kind,
    ParentId,
    Founded,
    Scope,
    Notes,
    Sources,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Committee::Table)
                    .col(pk_auto(Committee::Id))
                    .col(string_uniq(Committee::Code))
                    .col(text(Committee::Name))
                    .col(string(Committee::Kind))
                    .col(integer_null(Committee::ParentId))
                    .col(integer_null(Committee::Founded))
                    .col(text_null(Committee::Scope))
                    .col(text_null(Committee::Notes))
                    .col(json(Committee::Sources))
                    .foreign_key(&mut foreign_key(
                        Committee::Table,
                        Committee::ParentId,
                        Committee::Table,
                        Committee::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(Committee::Table, Committee::ParentId))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Committee::Table).to_owned())
            .await
    }
}
