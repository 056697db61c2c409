//! standards-registry: a GraphQL federation subgraph serving the registry of
//! IT standardization bodies. `main.rs` only wires these modules together.

pub mod codes;
pub mod config;
pub mod data_version;
pub mod dataset;
pub mod db;
pub mod error;
pub mod execution;
pub mod feed;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod playground;
pub mod replicas;
pub mod schema;
pub mod sdl;
pub mod search_index;
pub mod search_text;
mod sqlite_reads;
pub mod standard_tally;
pub mod telemetry;

pub use config::{SchemaConfig, ServeConfig};
pub use http::{app, split_app};
pub use schema::{
    RegistrySchema, build_schema, build_schema_with, build_schema_with_admission, export_sdl,
};
