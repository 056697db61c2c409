//! The `Node` interface and `node(id:)`, which resolves any global id.

use async_graphql::{Context, ID, Interface, Object};

use super::committee::{Committee, CommitteeByCode};
use super::expert::{Expert, ExpertByKey};
use super::id::{NodeType, decode};
use super::liaison::{Liaison, LiaisonByKey};
use super::loader::loaders;
use super::standard::{Standard, StandardByCode};
use super::working_group::{WorkingGroup, WorkingGroupByCode};
use crate::codes::lookup_key;
use crate::error::AppResult;

/// A record with a global id.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global id, stable across restarts; `node(id:)` resolves it."
))]
pub enum Node {
    Committee(Committee),
    WorkingGroup(WorkingGroup),
    Standard(Standard),
    Expert(Expert),
    Liaison(Liaison),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object(cache_control(max_age = 300))]
impl NodeQuery {
    /// Any record by its global id; `null` when no record has it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Node>> {
        let (node_type, key) = decode(&id)?;
        let loaders = loaders(ctx);
        Ok(match node_type {
            NodeType::Committee => loaders
                .load_one(CommitteeByCode(lookup_key(&key)))
                .await?
                .map(|row| Node::Committee(Committee(row))),
            NodeType::WorkingGroup => loaders
                .load_one(WorkingGroupByCode(lookup_key(&key)))
                .await?
                .map(|row| Node::WorkingGroup(WorkingGroup(row))),
            NodeType::Standard => loaders
                .load_one(StandardByCode::new(lookup_key(&key)))
                .await?
                .map(|row| Node::Standard(Standard(row))),
            NodeType::Expert => loaders
                .load_one(ExpertByKey::new(key))
                .await?
                .map(|row| Node::Expert(Expert(row))),
            NodeType::Liaison => loaders
                .load_one(LiaisonByKey::new(key))
                .await?
                .map(|row| Node::Liaison(Liaison(row))),
        })
    }
}
