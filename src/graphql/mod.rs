//! The GraphQL schema: one module per type, each with its root fields, its
//! federation entity resolver and the loaders that feed it.

pub mod change;
pub mod committee;
pub mod connection;
pub mod expert;
pub mod id;
pub mod liaison;
pub mod loader;
pub mod node;
pub mod position;
pub mod search;
pub mod source;
pub mod standard;
pub mod standard_facets;
pub mod standard_filter;
pub mod statistic;
pub mod working_group;
