//! The root query and `build_schema`, the one place the schema is built:
//! the server, the tests and `export-schema` all come through here.

use async_graphql::extensions::Tracing;
use async_graphql::{EmptyMutation, MergedObject, SDLExportOptions, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::config::SchemaConfig;
use crate::execution::admission::Admission;
use crate::execution::client_limits::LimitClock;
use crate::feed::subscription::ChangeSubscription;
use crate::graphql::change::ChangeQuery;
use crate::graphql::committee::CommitteeQuery;
use crate::graphql::expert::ExpertQuery;
use crate::graphql::liaison::LiaisonQuery;
use crate::graphql::node::NodeQuery;
use crate::graphql::search::SearchQuery;
use crate::graphql::standard::StandardQuery;
use crate::graphql::working_group::WorkingGroupQuery;
use crate::replicas::ReadPool;

pub use crate::execution::RegistrySchema;

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
    ChangeQuery,
);

/// async-graphql's schema of the registry's types.
pub type Schema = async_graphql::Schema<Query, EmptyMutation, ChangeSubscription>;

/// The schema's types, depth limit and federation, without a database.
/// async-graphql sets no complexity limit: the executor computes complexity
/// by the published demand-control model (`execution/cost.rs`) and enforces
/// `max_complexity` itself, so there is one model, not two.
fn builder(config: &SchemaConfig) -> SchemaBuilder<Query, EmptyMutation, ChangeSubscription> {
    Schema::build(Query::default(), EmptyMutation, ChangeSubscription)
        .enable_federation()
        .limit_depth(config.max_depth)
}

/// The registry's GraphQL service over `db` (see `execution/mod.rs` for
/// what runs around each request).
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
    build_schema_with(db, config, admission, LimitClock::system())
}

/// `build_schema_with_admission`, its per-client limits on `clock` (a test's
/// manual clock proves a limit without waiting).
pub fn build_schema_with(
    db: DatabaseConnection,
    config: &SchemaConfig,
    admission: Admission,
    clock: LimitClock,
) -> RegistrySchema {
    let schema = finish(config);
    // A connection from `db::for_reads` is kept; a SQLite pool is read in
    // place here with the default memory map.
    let reads = crate::db::for_reads(&db, crate::config::DEFAULT_SQLITE_MMAP_MIB).unwrap_or_else(|err| {
        tracing::warn!(error = %err, "reading through the pool: the file cannot be read in place");
        db
    });
    RegistrySchema::new(schema, ReadPool::primary(reads), config, admission, clock)
}

/// The registry's GraphQL service reading from `reads`: a primary (read
/// as `build_schema`'s `db` is) and its read replicas.
pub fn build_schema_reading(reads: ReadPool, config: &SchemaConfig) -> RegistrySchema {
    RegistrySchema::new(
        finish(config),
        reads,
        config,
        Admission::new(config.max_complexity_in_flight),
        LimitClock::system(),
    )
}

/// async-graphql's schema with `config`'s data.
fn finish(config: &SchemaConfig) -> Schema {
    let mut schema = builder(config);
    // Opt-in: a span for every field, which puts async-graphql on its slow
    // path for every field (see `execution/mod.rs`).
    if config.resolver_spans {
        schema = schema.extension(Tracing);
    }
    schema.data(config.clone()).finish()
}

/// The SDL a federation gateway composes: what `schema.graphql` holds and
/// `_service { sdl }` answers (see `sdl.rs`).
pub fn export_sdl() -> String {
    crate::sdl::publish(
        &builder(&SchemaConfig::default())
            .finish()
            .sdl_with_options(SDLExportOptions::new().federation().compose_directive()),
    )
}
