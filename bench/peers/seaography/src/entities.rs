//! The registry's SeaORM models as seaography sees them: each module re-exports
//! `entity::<table>` and adds the `RelatedEntity` enum that sea-orm-cli's
//! `--seaography` generator writes next to a model. The `entity` crate only
//! declares `belongs_to` relations and no `Related` impls (and the orphan rule
//! keeps this crate from adding them), so every variant names its relation
//! with `def`: the model's own `belongs_to`, or its reverse for `has_many`.

use sea_orm::{RelationDef, RelationType};

/// The `has_many` side of a `belongs_to` relation (what `Entity::has_many`
/// would build from a `Related` impl): from the parent's key to the child's
/// foreign key, owned by the parent, so seaography serves it as a connection.
pub fn has_many(belongs_to: RelationDef) -> RelationDef {
    let mut def = belongs_to.rev();
    def.rel_type = RelationType::HasMany;
    def
}

pub mod committee {
    pub use entity::committee::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(entity = "Entity", def = "Relation::Parent.def()")]
        Parent,
        #[sea_orm(entity = "Entity", def = "super::has_many(Relation::Parent.def())")]
        Children,
        #[sea_orm(
            entity = "super::committee_alias::Entity",
            def = "super::has_many(super::committee_alias::Relation::Committee.def())"
        )]
        CommitteeAlias,
        #[sea_orm(
            entity = "super::working_group::Entity",
            def = "super::has_many(super::working_group::Relation::Committee.def())"
        )]
        WorkingGroup,
        #[sea_orm(
            entity = "super::standard::Entity",
            def = "super::has_many(super::standard::Relation::Committee.def())"
        )]
        Standard,
        #[sea_orm(
            entity = "super::liaison::Entity",
            def = "super::has_many(super::liaison::Relation::Committee.def())"
        )]
        Liaison,
        #[sea_orm(
            entity = "super::position::Entity",
            def = "super::has_many(super::position::Relation::Committee.def())"
        )]
        Position,
        #[sea_orm(
            entity = "super::statistic::Entity",
            def = "super::has_many(super::statistic::Relation::Committee.def())"
        )]
        Statistic,
    }
}

pub mod committee_alias {
    pub use entity::committee_alias::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(entity = "super::committee::Entity", def = "Relation::Committee.def()")]
        Committee,
    }
}

pub mod working_group {
    pub use entity::working_group::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(entity = "super::committee::Entity", def = "Relation::Committee.def()")]
        Committee,
        #[sea_orm(
            entity = "super::working_group_alias::Entity",
            def = "super::has_many(super::working_group_alias::Relation::WorkingGroup.def())"
        )]
        WorkingGroupAlias,
        #[sea_orm(
            entity = "super::standard::Entity",
            def = "super::has_many(super::standard::Relation::WorkingGroup.def())"
        )]
        Standard,
        #[sea_orm(
            entity = "super::liaison::Entity",
            def = "super::has_many(super::liaison::Relation::WorkingGroup.def())"
        )]
        Liaison,
        #[sea_orm(
            entity = "super::position::Entity",
            def = "super::has_many(super::position::Relation::WorkingGroup.def())"
        )]
        Position,
        #[sea_orm(
            entity = "super::statistic::Entity",
            def = "super::has_many(super::statistic::Relation::WorkingGroup.def())"
        )]
        Statistic,
    }
}

pub mod working_group_alias {
    pub use entity::working_group_alias::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(
            entity = "super::working_group::Entity",
            def = "Relation::WorkingGroup.def()"
        )]
        WorkingGroup,
    }
}

pub mod standard {
    pub use entity::standard::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(entity = "super::committee::Entity", def = "Relation::Committee.def()")]
        Committee,
        #[sea_orm(
            entity = "super::working_group::Entity",
            def = "Relation::WorkingGroup.def()"
        )]
        WorkingGroup,
        /// Equivalences stated from this standard (`standard_equivalence.standard_id`).
        #[sea_orm(
            entity = "super::standard_equivalence::Entity",
            def = "super::has_many(super::standard_equivalence::Relation::Standard.def())"
        )]
        Equivalences,
        /// Equivalences naming this standard as the equivalent (`equivalent_id`).
        #[sea_orm(
            entity = "super::standard_equivalence::Entity",
            def = "super::has_many(super::standard_equivalence::Relation::Equivalent.def())"
        )]
        EquivalentOf,
    }
}

pub mod standard_equivalence {
    pub use entity::standard_equivalence::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(entity = "super::standard::Entity", def = "Relation::Standard.def()")]
        Standard,
        #[sea_orm(entity = "super::standard::Entity", def = "Relation::Equivalent.def()")]
        Equivalent,
    }
}

pub mod expert {
    pub use entity::expert::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(
            entity = "super::position::Entity",
            def = "super::has_many(super::position::Relation::Expert.def())"
        )]
        Position,
    }
}

pub mod position {
    pub use entity::position::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(entity = "super::expert::Entity", def = "Relation::Expert.def()")]
        Expert,
        #[sea_orm(entity = "super::committee::Entity", def = "Relation::Committee.def()")]
        Committee,
        #[sea_orm(
            entity = "super::working_group::Entity",
            def = "Relation::WorkingGroup.def()"
        )]
        WorkingGroup,
    }
}

pub mod liaison {
    pub use entity::liaison::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(entity = "super::committee::Entity", def = "Relation::Committee.def()")]
        Committee,
        #[sea_orm(
            entity = "super::working_group::Entity",
            def = "Relation::WorkingGroup.def()"
        )]
        WorkingGroup,
    }
}

pub mod statistic {
    pub use entity::statistic::*;
    use sea_orm::entity::prelude::*;

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
    pub enum RelatedEntity {
        #[sea_orm(entity = "super::committee::Entity", def = "Relation::Committee.def()")]
        Committee,
        #[sea_orm(
            entity = "super::working_group::Entity",
            def = "Relation::WorkingGroup.def()"
        )]
        WorkingGroup,
    }
}

seaography::register_entity_modules!([
    committee,
    committee_alias,
    working_group,
    working_group_alias,
    standard,
    standard_equivalence,
    expert,
    position,
    liaison,
    statistic,
]);

// The entity crate's `DeriveActiveEnum` columns. They are stored as strings
// (`db_type = "String(..)"`), so seaography, which picks a column's GraphQL
// type from its `ColumnType`, serves and filters those columns as `String`
// (`status: { eq: "PUBLISHED" }`); registering the enums adds their GraphQL
// enum types and filter inputs, as the generator does for active enums.
seaography::register_active_enums!([
    entity::committee::CommitteeKind,
    entity::working_group::WorkingGroupKind,
    entity::standard::StandardKind,
    entity::standard::StandardStatus,
    entity::standard_equivalence::EquivalenceDegree,
    entity::liaison::LiaisonKind,
]);
