//! The schema, as seaography's generator writes `query_root.rs`: a `Builder`
//! over the entity modules, then `schema_builder()` and `finish()`.

use crate::entities::*;
use sea_orm::DatabaseConnection;
use seaography::async_graphql::dynamic::{Schema, SchemaBuilder, SchemaError};
use seaography::{Builder, BuilderContext, lazy_static::lazy_static};

lazy_static! {
    static ref CONTEXT: BuilderContext = BuilderContext::default();
}

pub fn schema(
    database: DatabaseConnection,
    depth: Option<usize>,
    complexity: Option<usize>,
) -> Result<Schema, SchemaError> {
    schema_builder(&CONTEXT, database, depth, complexity).finish()
}

pub fn schema_builder(
    context: &'static BuilderContext,
    database: DatabaseConnection,
    depth: Option<usize>,
    complexity: Option<usize>,
) -> SchemaBuilder {
    let mut builder = Builder::new(context, database.clone());
    builder = register_entity_modules(builder);
    builder = register_active_enums(builder);
    builder
        .set_depth_limit(depth)
        .set_complexity_limit(complexity)
        .schema_builder()
        .data(database)
}
