//! SeaORM models of the registry's tables. Free of GraphQL: the service wraps
//! these models in its own types and chooses what the schema shows.

pub mod change_log;
pub mod committee;
pub mod committee_alias;
pub mod expert;
pub mod liaison;
pub mod position;
pub mod registry_version;
pub mod source;
pub mod standard;
pub mod standard_equivalence;
pub mod statistic;
pub mod working_group;
pub mod working_group_alias;
