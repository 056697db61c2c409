//! `standard_tally`: how many standards there are of each combination of
//! kind, status, year and committee, the facet columns. Facets of a list
//! filtered on those columns alone are summed from it (`standard_facets`):
//! at 200,000 standards it holds a tenth as many rows as the facet index.
//! Every import writes it again in its transaction (`standard_tally`); this
//! migration fills it from the standards already there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StandardTally {
    Table,
    Kind,
    Status,
    Year,
    CommitteeId,
    Standards,
}

/// Fills the empty tally from the standards (`standard_tally::rebuild` in
/// the server runs it after every import).
pub const FILL: &str = "INSERT INTO standard_tally (kind, status, year, committee_id, standards) \
     SELECT kind, status, year, committee_id, COUNT(*) FROM standard \
     GROUP BY kind, status, year, committee_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StandardTally::Table)
                    .col(ColumnDef::new(StandardTally::Kind).string().not_null())
                    .col(ColumnDef::new(StandardTally::Status).string().not_null())
                    .col(ColumnDef::new(StandardTally::Year).integer().null())
                    .col(ColumnDef::new(StandardTally::CommitteeId).integer().null())
                    .col(
                        ColumnDef::new(StandardTally::Standards)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // In the facet columns' order, with the count: a facet statement
        // reads the index alone, its groups in order.
        manager
            .create_index(
                Index::create()
                    .name("idx_standard_tally_facets")
                    .table(StandardTally::Table)
                    .col(StandardTally::Kind)
                    .col(StandardTally::Status)
                    .col(StandardTally::Year)
                    .col(StandardTally::CommitteeId)
                    .col(StandardTally::Standards)
                    .to_owned(),
            )
            .await?;
        manager.get_connection().execute_unprepared(FILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StandardTally::Table).to_owned())
            .await
    }
}
