//! The GraphQL schema: one module per type, each with its root fields, its
//! federation entity resolver and the loaders that feed it.

pub mod admission;
pub mod committee;
pub mod connection;
pub mod document_limits;

pub mod expert;
pub mod id;
pub mod liaison;
pub mod loader;
pub mod node;
pub mod operations;
pub mod persisted_queries;
pub mod position;
pub mod request_scope;
pub mod search;
pub mod source;
pub mod standard;
pub mod standard_filter;
pub mod statistic;
pub mod working_group;

use async_graphql::resolver_utils::EnumType;

use crate::error::{AppError, AppResult};

/// A GraphQL enum value from its stored name (the same as its GraphQL name).
pub(crate) fn parse_enum<T: EnumType>(stored: &str) -> AppResult<T> {
    T::items()
        .iter()
        .find(|item| item.name == stored)
        .map(|item| item.value)
        .ok_or_else(|| AppError::Corrupt(format!("unknown enum value `{stored}` in the database")))
}

/// The stored name of a GraphQL enum value.
pub(crate) fn enum_name<T: EnumType>(value: T) -> &'static str {
    T::items()
        .iter()
        .find(|item| item.value == value)
        .map(|item| item.name)
        .expect("every value is an item")
}
