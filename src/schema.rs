//! The root query and `build_schema`, the one place the schema is built:
//! the server, the tests and `export-schema` all come through here.

use async_graphql::extensions::Tracing;
use async_graphql::{
    EmptyMutation, EmptySubscription, MergedObject, SDLExportOptions, Schema, SchemaBuilder,
};
use sea_orm::DatabaseConnection;

use crate::config::SchemaConfig;
use crate::graphql::admission::Admission;
use crate::graphql::committee::CommitteeQuery;
use crate::graphql::expert::ExpertQuery;
use crate::graphql::liaison::LiaisonQuery;
use crate::graphql::node::NodeQuery;
use crate::graphql::operations::OperationsFactory;
use crate::graphql::persisted_queries::PersistedQueries;
use crate::graphql::request_scope::RequestScopeFactory;
use crate::graphql::search::SearchQuery;
use crate::graphql::standard::StandardQuery;
use crate::graphql::working_group::WorkingGroupQuery;

/// Every root field, gathered from the type modules.
#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    CommitteeQuery,
    WorkingGroupQuery,
    StandardQuery,
    ExpertQuery,
    LiaisonQuery,
    SearchQuery,
);

pub type RegistrySchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema's types, limits and federation, without a database.
fn builder(config: &SchemaConfig) -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .enable_federation()
        .limit_depth(config.max_depth)
        .limit_complexity(config.max_complexity)
}

/// The schema serving `db`. Its extensions, outermost first: `Operations`
/// (the operation's span, metrics and cache-hint cap, seeing the final
/// answer), with `resolver_spans` async-graphql's `Tracing` (spans for
/// parsing, validation, execution and every resolved field), `RequestScope`
/// (loaders, limits, cost, error codes) and automatic persisted queries.
pub fn build_schema(db: DatabaseConnection, config: &SchemaConfig) -> RegistrySchema {
    let admission = Admission::new(config.max_complexity_in_flight);
    build_schema_with_admission(db, config, admission)
}

/// `build_schema`, with requests admitted from `admission`'s budget, which
/// several schemas may share.
pub fn build_schema_with_admission(
    db: DatabaseConnection,
    config: &SchemaConfig,
    admission: Admission,
) -> RegistrySchema {
    let mut schema = builder(config).extension(OperationsFactory {
        cache_max_age: config.cache_max_age,
    });
    if config.resolver_spans {
        schema = schema.extension(Tracing);
    }
    schema
        .extension(RequestScopeFactory {
            db,
            config: config.clone(),
            admission,
        })
        .extension(PersistedQueries::new(config.apq_cache_size))
        .data(config.clone())
        .finish()
}

/// The SDL a federation gateway composes: what `schema.graphql` holds.
pub fn export_sdl() -> String {
    builder(&SchemaConfig::default())
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}
