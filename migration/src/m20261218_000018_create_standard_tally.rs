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

/// Fills the empty tally from the standards (migration `000019` makes the
/// tally again by grain).
const FILL: &str = "INSERT INTO standard_tally (kind, status, year, committee_id, standards) \
     SELECT kind, status, year, committee_id, COUNT(*) FROM standard \
     GROUP BY kind, status, year, committee_id";

/// Each index's name and columns.
fn indexes() -> [(&'static str, [StandardTally; 5]); 4] {
    use StandardTally::*;
    [
        (
            "idx_standard_tally_kind",
            [Kind, Status, Year, CommitteeId, Standards],
        ),
        (
            "idx_standard_tally_status",
            [Status, Kind, Year, CommitteeId, Standards],
        ),
        (
            "idx_standard_tally_year",
            [Year, Kind, Status, CommitteeId, Standards],
        ),
        (
            "idx_standard_tally_committee",
            [CommitteeId, Kind, Status, Year, Standards],
        ),
    ]
}

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
        // One per facet, led by it, holding every column with the count: a
        // facet is summed from its index alone, its groups in order.
        for (name, columns) in indexes() {
            let mut index = Index::create();
            index.name(name).table(StandardTally::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        manager.get_connection().execute_unprepared(FILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StandardTally::Table).to_owned())
            .await
    }
}
