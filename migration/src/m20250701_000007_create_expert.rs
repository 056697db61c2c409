use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Expert {
    Table,
    Id,
    Key,
    Name,
    Organization,
    Notes,
    Sources,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Expert::Table)
                    .col(pk_auto(Expert::Id))
                    .col(string_uniq(Expert::Key))
                    .col(text(Expert::Name))
                    .col(text_null(Expert::Organization))
                    .col(text_null(Expert::Notes))
                    .col(json(Expert::Sources))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Expert::Table).to_owned())
            .await
    }
}
