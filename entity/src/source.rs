//! Where a record comes from, stored as a JSON column beside the record.

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// One place in one report that states a record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceRef {
    /// The document's title.
    pub document: String,
    /// The part of the document, as it numbers and names it.
    pub section: Option<String>,
}

/// Every source of a record, in the order the dataset lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Sources(pub Vec<SourceRef>);
