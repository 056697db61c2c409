//! Writes `standard_tally` (see the migration
//! `m20261218_000018_create_standard_tally`): the standards of each
//! combination of kind, status, year and committee, which facets of a list
//! filtered on those columns are summed from. Written again whole by every
//! import, in its transaction, as the search index is: one grouped
//! statement over the standards, a fraction of a second at 200,000.

use sea_orm::{ConnectionTrait, DbErr};

/// The table's name, which the facet statements read it by.
pub const TABLE: &str = "standard_tally";

/// Replaces the tally with the counts of the standards in `db`.
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared("DELETE FROM standard_tally").await?;
    db.execute_unprepared(migration::FILL_STANDARD_TALLY)
        .await?;
    Ok(())
}
