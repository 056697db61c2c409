//! `Standard` and `Equivalence`: standards, projects and documents, their
//! root fields, their federation entity, and their loaders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, Object};
use entity::{standard, standard_equivalence};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DbErr};

use super::committee::{Committee, CommitteeById};
use super::connection::PageArgs;
use super::id::{NodeType, encode};
use super::loader::{
    ById, ByKey, LoadResult, RegistryLoader, Relation, group_by, loaders, rows_where,
};
use super::source::{Source, sources};
use super::standard_facets::StandardConnection;
use super::standard_filter::{StandardFilter, StandardOrder, resolve_filter, standards_page};
use super::working_group::{WorkingGroup, WorkingGroupById};
use crate::codes::lookup_key;
use crate::error::AppResult;

/// What sort of document a standard is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::standard::StandardKind")]
pub enum StandardKind {
    /// A national standard (GB/T).
    National,
    /// A national standardization guiding technical document (GB/Z).
    NationalGuideline,
    /// A sector (industry) standard, e.g. SJ/T.
    Sector,
    /// An association standard, e.g. T/CESA.
    Association,
    /// An ISO, IEC or ISO/IEC standard.
    International,
    /// An IEEE standard.
    Ieee,
    /// Guidelines, research reports and other documents.
    Other,
}

/// Where a standard is in its life.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::standard::StandardStatus")]
pub enum StandardStatus {
    Published,
    UnderDevelopment,
    ApprovedProject,
    Planned,
    PreResearch,
    Draft,
    Withdrawn,
}

/// How closely one standard corresponds to another (GB/T 20000.2).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::standard_equivalence::EquivalenceDegree")]
pub enum EquivalenceDegree {
    /// Identical.
    #[graphql(name = "IDT")]
    Idt,
    /// Modified.
    #[graphql(name = "MOD")]
    Mod,
    /// Not equivalent: related, with technical differences.
    #[graphql(name = "NEQ")]
    Neq,
}

/// A standard, a standard project or another standards document.
#[derive(Clone, Debug)]
pub struct Standard(pub Arc<standard::Model>);

#[Object(cache_control(max_age = 300))]
impl Standard {
    /// Opaque global id, stable across restarts; `node(id:)` resolves it.
    pub async fn id(&self) -> ID {
        encode(NodeType::Standard, &self.0.code)
    }

    /// The code as published (GB/T 45993-2025, T/CESA 1159-2021, ISO/IEC 4879:2024) or the project code (20193195-T-269).
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// False where the reports give no code: `code` is then a stable slug of the title.
    async fn code_assigned(&self) -> bool {
        self.0.code_assigned
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn kind(&self) -> StandardKind {
        self.0.kind.into()
    }

    async fn status(&self) -> StandardStatus {
        self.0.status.into()
    }

    /// Year of publication, where known.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The national committee responsible for it.
    async fn committee(&self, ctx: &Context<'_>) -> AppResult<Option<Committee>> {
        match self.0.committee_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(CommitteeById::new(id))
                .await?
                .map(Committee)),
            None => Ok(None),
        }
    }

    /// The working group responsible for it.
    async fn working_group(&self, ctx: &Context<'_>) -> AppResult<Option<WorkingGroup>> {
        match self.0.working_group_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(WorkingGroupById::new(id))
                .await?
                .map(WorkingGroup)),
            None => Ok(None),
        }
    }

    /// Standards this one corresponds to, read from either side.
    async fn equivalences(&self, ctx: &Context<'_>) -> AppResult<Vec<Equivalence>> {
        let rows = loaders(ctx)
            .load_one(EquivalencesOf(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|row| {
                let other = if row.standard_id == self.0.id {
                    row.equivalent_id
                } else {
                    row.standard_id
                };
                Equivalence {
                    degree: row.degree.into(),
                    other,
                }
            })
            .collect())
    }

    /// Where the reports state this standard.
    async fn sources(&self) -> Vec<Source> {
        sources(&self.0.sources)
    }

    /// How the dataset read the reports where they are ambiguous.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
}

/// A correspondence with another standard, e.g. GB/T 32399-2024 is NEQ of ISO/IEC 22123-3:2023.
#[derive(Clone, Debug)]
pub struct Equivalence {
    degree: EquivalenceDegree,
    other: i32,
}

#[Object(cache_control(max_age = 300))]
impl Equivalence {
    async fn degree(&self) -> EquivalenceDegree {
        self.degree
    }

    /// The other standard.
    async fn standard(&self, ctx: &Context<'_>) -> AppResult<Standard> {
        loaders(ctx)
            .load_one(StandardById::new(self.other))
            .await?
            .map(Standard)
            .ok_or_else(|| {
                crate::error::AppError::Corrupt(format!(
                    "equivalence to missing standard {}",
                    self.other
                ))
            })
    }
}

/// Root fields and the federation entity of `Standard`.
#[derive(Default)]
pub struct StandardQuery;

#[Object(cache_control(max_age = 300))]
impl StandardQuery {
    /// Tolerant of spacing and dash variants (GB/T45993-2025, GB/T 45993—2025).
    async fn standard(&self, ctx: &Context<'_>, code: String) -> AppResult<Option<Standard>> {
        standard_by_code(ctx, &code).await
    }

    /// Standards matching `filter`, in `orderBy` order (by code when not given).
    #[allow(clippy::too_many_arguments)]
    async fn standards(
        &self,
        ctx: &Context<'_>,
        filter: Option<StandardFilter>,
        order_by: Option<Vec<StandardOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<StandardConnection> {
        let resolved = resolve_filter(ctx, filter, order_by).await?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let page = standards_page(ctx, resolved.clone(), &args).await?;
        Ok(StandardConnection::new(page, None, &resolved))
    }

    /// Federation: a standard by its `code` key (spacing and dash variants accepted).
    #[graphql(entity)]
    async fn find_standard_by_code(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> AppResult<Option<Standard>> {
        standard_by_code(ctx, &code).await
    }
}

pub async fn standard_by_code(ctx: &Context<'_>, code: &str) -> AppResult<Option<Standard>> {
    Ok(loaders(ctx)
        .load_one(StandardByCode::new(lookup_key(code)))
        .await?
        .map(Standard))
}

/// The equivalence rows naming a standard on either side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EquivalencesOf(pub i32);

impl Loader<EquivalencesOf> for RegistryLoader {
    type Value = Vec<Arc<standard_equivalence::Model>>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[EquivalencesOf],
    ) -> LoadResult<HashMap<EquivalencesOf, Self::Value>> {
        let ids: Vec<i32> = keys.iter().map(|key| key.0).collect();
        let condition = Condition::any()
            .add(standard_equivalence::Column::StandardId.is_in(ids.clone()))
            .add(standard_equivalence::Column::EquivalentId.is_in(ids));
        let rows = rows_where::<standard_equivalence::Entity>(
            &self.db,
            condition,
            standard_equivalence::Column::Id,
        )
        .await?;
        Ok(group_by(keys, rows, |row| {
            [
                EquivalencesOf(row.standard_id),
                EquivalencesOf(row.equivalent_id),
            ]
        }))
    }
}

/// A standard by row id.
pub type StandardById = ById<standard::Entity>;

/// A standard by the lookup key of its code (see `codes::lookup_key`).
pub type StandardByCode = ByKey<StandardCodes>;

/// Standards by `code_key`, unique.
pub struct StandardCodes;

impl Relation for StandardCodes {
    type Entity = standard::Entity;
    fn column() -> standard::Column {
        standard::Column::CodeKey
    }
    fn order() -> standard::Column {
        standard::Column::Id
    }
}
