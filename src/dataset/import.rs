//! Writing a dataset: every check and every write inside one transaction,
//! so a file that fails anywhere leaves the database as it was.
//!
//! Records with a natural key (committee, working group and standard codes,
//! expert and liaison keys) are upserted by it. Rows without one (aliases,
//! equivalences, positions, statistics) are replaced as a set for every
//! record the file names, so importing the same file twice changes nothing.

use std::collections::{HashMap, HashSet};

use entity::source::{SourceRef, Sources};
use entity::{
    committee, committee_alias, expert, liaison, position, registry_version, standard,
    standard_equivalence, statistic, working_group, working_group_alias,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use super::ImportError;
use super::format::{Dataset, SourceRecord};
use crate::codes::{canonical, lookup_key, slug};

/// Rows per INSERT: well under SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 500;

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub committees: usize,
    pub working_groups: usize,
    pub standards: usize,
    pub experts: usize,
    pub positions: usize,
    pub liaisons: usize,
    pub statistics: usize,
}

/// Imports `dataset` in one transaction.
pub async fn import(
    db: &DatabaseConnection,
    dataset: &Dataset,
) -> Result<ImportSummary, ImportError> {
    import_named(db, dataset, "dataset").await
}

/// Imports `dataset`, read from the file named `source` (the change log
/// says where each change came from), in one transaction.
pub async fn import_named(
    db: &DatabaseConnection,
    dataset: &Dataset,
    source: &str,
) -> Result<ImportSummary, ImportError> {
    // Seen by every server at once, so their cache hints shorten to zero
    // while the data is about to change.
    mark_import_started(db, Some(unix_now())).await?;
    let result = write(db, dataset, source).await;
    if result.is_err()
        && let Err(err) = mark_import_started(db, None).await
    {
        tracing::warn!(error = %err, "the import failed and its marker could not be cleared");
    }
    let summary = result?;
    // The rows are in; fresher statistics only speed reads up.
    if let Err(err) = crate::db::settle(db).await {
        tracing::warn!(error = %err, "imported, but the planner's statistics were not refreshed");
    }
    Ok(summary)
}

/// Every check and write of an import, the version bump and the marker's
/// end in one transaction.
async fn write(
    db: &DatabaseConnection,
    dataset: &Dataset,
    source: &str,
) -> Result<ImportSummary, ImportError> {
    let txn = db.begin().await?;
    let before = super::changes::Records::read(&txn).await?;
    let mut import = Import {
        txn: &txn,
        dataset,
        documents: HashMap::new(),
    };
    let summary = import.run().await?;
    crate::search_index::rebuild(&txn).await?;
    crate::standard_tally::rebuild(&txn).await?;
    bump_version(&txn).await?;
    let changes = before.changes(&super::changes::Records::read(&txn).await?);
    let import_id = crate::data_version::read_version(&txn).await?;
    super::changes::log(&txn, import_id, source, changes).await?;
    txn.commit().await?;
    Ok(summary)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Sets (or clears, with `None`) when the running import started, in a
/// transaction of its own, committed before the import writes anything.
async fn mark_import_started(
    db: &DatabaseConnection,
    started: Option<i64>,
) -> Result<(), ImportError> {
    registry_version::Entity::update_many()
        .col_expr(
            registry_version::Column::ImportStarted,
            sea_orm::sea_query::Expr::value(started),
        )
        .filter(registry_version::Column::Id.eq(1))
        .exec(db)
        .await?;
    Ok(())
}

/// Counts this import in the data version, in its own transaction: whoever
/// reads the version after the commit knows its answers may have changed.
async fn bump_version(txn: &DatabaseTransaction) -> Result<(), ImportError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let bumped = registry_version::Entity::update_many()
        .col_expr(
            registry_version::Column::Version,
            Expr::col(registry_version::Column::Version).add(1),
        )
        .col_expr(
            registry_version::Column::ImportStarted,
            Expr::value(Option::<i64>::None),
        )
        .filter(registry_version::Column::Id.eq(1))
        .exec(txn)
        .await?;
    if bumped.rows_affected == 0 {
        registry_version::Entity::insert(registry_version::ActiveModel {
            id: Set(1),
            version: Set(1),
            import_started: Set(None),
        })
        .exec(txn)
        .await?;
    }
    Ok(())
}

struct Import<'a> {
    txn: &'a DatabaseTransaction,
    dataset: &'a Dataset,
    documents: HashMap<&'a str, &'a str>,
}

fn invalid(record: String, field: &'static str, message: impl Into<String>) -> ImportError {
    ImportError::Invalid {
        record,
        field,
        message: message.into(),
    }
}

/// Exactly one of two optional references, or neither when `allow_none`.
fn one_of<'b>(
    record: &str,
    fields: [(&'static str, &'b Option<String>); 2],
) -> Result<(Option<&'b str>, Option<&'b str>), ImportError> {
    match (fields[0].1.as_deref(), fields[1].1.as_deref()) {
        (Some(_), Some(_)) | (None, None) => Err(invalid(
            record.to_owned(),
            fields[0].0,
            format!(
                "exactly one of `{}` and `{}` must be set",
                fields[0].0, fields[1].0
            ),
        )),
        pair => Ok(pair),
    }
}

fn required(record: &str, field: &'static str, value: &str) -> Result<(), ImportError> {
    if value.trim().is_empty() {
        return Err(invalid(record.to_owned(), field, "must not be empty"));
    }
    Ok(())
}

impl<'a> Import<'a> {
    async fn run(&mut self) -> Result<ImportSummary, ImportError> {
        for (i, document) in self.dataset.documents.iter().enumerate() {
            let record = format!("documents[{i}]");
            required(&record, "id", &document.id)?;
            required(&record, "title", &document.title)?;
            if self
                .documents
                .insert(&document.id, &document.title)
                .is_some()
            {
                return Err(invalid(
                    record,
                    "id",
                    format!("`{}` is listed twice", document.id),
                ));
            }
        }
        let committees = self.committees().await?;
        let groups = self.working_groups(&committees).await?;
        self.standards(&committees, &groups).await?;
        let experts = self.experts().await?;
        let positions = self.positions(&committees, &groups, &experts).await?;
        let liaisons = self.liaisons(&committees, &groups).await?;
        let statistics = self.statistics(&committees, &groups).await?;
        Ok(ImportSummary {
            committees: self.dataset.committees.len(),
            working_groups: self.dataset.working_groups.len(),
            standards: self.dataset.standards.len(),
            experts: self.dataset.experts.len(),
            positions,
            liaisons,
            statistics,
        })
    }

    fn sources(&self, record: &str, sources: &[SourceRecord]) -> Result<Sources, ImportError> {
        if sources.is_empty() {
            return Err(invalid(
                record.to_owned(),
                "sources",
                "every record names at least one source",
            ));
        }
        sources
            .iter()
            .map(|source| self.source(record, source))
            .collect::<Result<_, _>>()
            .map(Sources)
    }

    fn source(&self, record: &str, source: &SourceRecord) -> Result<SourceRef, ImportError> {
        let title = self
            .documents
            .get(source.document.as_str())
            .ok_or_else(|| {
                invalid(
                    record.to_owned(),
                    "sources",
                    format!("unknown document `{}`", source.document),
                )
            })?;
        Ok(SourceRef {
            document: (*title).to_owned(),
            section: source.section.clone(),
        })
    }

    /// Committees one at a time, in file order, so a parent listed earlier
    /// has its id when its subcommittees are written. Returns code -> id of
    /// every committee in the database.
    async fn committees(&self) -> Result<HashMap<String, i32>, ImportError> {
        let mut ids =
            key_ids::<committee::Entity>(self.txn, committee::Column::Code, committee::Column::Id)
                .await?;
        let mut alias_rows = Vec::new();
        let mut alias_keys: HashMap<String, String> = HashMap::new();
        let mut imported = Vec::new();
        for (i, record) in self.dataset.committees.iter().enumerate() {
            let code = canonical(&record.code);
            let name = format!("committees[{i}] `{code}`");
            required(&name, "code", &code)?;
            required(&name, "name", &record.name)?;
            let parent_id = match &record.parent {
                Some(parent) => Some(*ids.get(&canonical(parent)).ok_or_else(|| {
                    invalid(
                        name.clone(),
                        "parent",
                        format!("unknown committee `{parent}` (list parents first)"),
                    )
                })?),
                None => None,
            };
            let row = committee::ActiveModel {
                id: NotSet,
                code: Set(code.clone()),
                name: Set(record.name.clone()),
                kind: Set(record.kind),
                parent_id: Set(parent_id),
                founded: Set(record.founded),
                scope: Set(record.scope.clone()),
                notes: Set(record.notes.clone()),
                sources: Set(self.sources(&name, &record.sources)?),
            };
            committee::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(committee::Column::Code)
                        .update_columns([
                            committee::Column::Name,
                            committee::Column::Kind,
                            committee::Column::ParentId,
                            committee::Column::Founded,
                            committee::Column::Scope,
                            committee::Column::Notes,
                            committee::Column::Sources,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(self.txn)
                .await?;
            let id = committee::Entity::find()
                .filter(committee::Column::Code.eq(&code))
                .one(self.txn)
                .await?
                .map(|row| row.id)
                .expect("the committee was just written");
            ids.insert(code.clone(), id);
            imported.push(id);
            for alias in std::iter::once(&code).chain(record.aliases.iter()) {
                let key = lookup_key(alias);
                match alias_keys.insert(key.clone(), code.clone()) {
                    Some(other) if other != code => {
                        return Err(invalid(
                            name,
                            "aliases",
                            format!("`{alias}` already names `{other}`"),
                        ));
                    }
                    // Another spelling of this committee's own code or alias.
                    Some(_) => continue,
                    None => {}
                }
                alias_rows.push(committee_alias::ActiveModel {
                    id: NotSet,
                    committee_id: Set(id),
                    alias: Set(canonical(alias)),
                    alias_key: Set(key),
                });
            }
        }
        delete_chunks::<committee_alias::Entity>(
            self.txn,
            committee_alias::Column::CommitteeId,
            imported,
        )
        .await?;
        insert_chunks::<committee_alias::Entity>(self.txn, alias_rows).await?;
        Ok(ids)
    }

    async fn working_groups(
        &self,
        committees: &HashMap<String, i32>,
    ) -> Result<HashMap<String, i32>, ImportError> {
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        for (i, record) in self.dataset.working_groups.iter().enumerate() {
            let code = canonical(&record.code);
            let name = format!("workingGroups[{i}] `{code}`");
            required(&name, "code", &code)?;
            required(&name, "name", &record.name)?;
            let committee_code = canonical(&record.committee);
            let committee_id = *committees.get(&committee_code).ok_or_else(|| {
                invalid(
                    name.clone(),
                    "committee",
                    format!("unknown committee `{}`", record.committee),
                )
            })?;
            if !code.starts_with(&format!("{committee_code}/")) {
                return Err(invalid(
                    name,
                    "code",
                    format!("must start with its committee's code `{committee_code}/`"),
                ));
            }
            if !seen.insert(lookup_key(&code)) {
                return Err(invalid(name, "code", "is listed twice"));
            }
            rows.push(working_group::ActiveModel {
                id: NotSet,
                code: Set(code),
                committee_id: Set(committee_id),
                kind: Set(record.kind),
                name: Set(record.name.clone()),
                established: Set(record.established),
                focus: Set(record.focus.clone()),
                notes: Set(record.notes.clone()),
                sources: Set(self.sources(&name, &record.sources)?),
            });
        }
        let on_conflict = OnConflict::column(working_group::Column::Code)
            .update_columns([
                working_group::Column::CommitteeId,
                working_group::Column::Kind,
                working_group::Column::Name,
                working_group::Column::Established,
                working_group::Column::Focus,
                working_group::Column::Notes,
                working_group::Column::Sources,
            ])
            .to_owned();
        upsert_chunks::<working_group::Entity>(self.txn, rows, on_conflict).await?;
        let ids = key_ids::<working_group::Entity>(
            self.txn,
            working_group::Column::Code,
            working_group::Column::Id,
        )
        .await?;
        self.working_group_aliases(&ids).await?;
        Ok(ids)
    }

    /// Every group answers to its code, to the aliases the file lists, and to
    /// its code spelled with any alias of its committee (TC28/WG34).
    async fn working_group_aliases(&self, ids: &HashMap<String, i32>) -> Result<(), ImportError> {
        let committee_aliases = committee_alias::Entity::find().all(self.txn).await?;
        let committee_codes: HashMap<i32, String> = committee::Entity::find()
            .select_only()
            .column(committee::Column::Id)
            .column(committee::Column::Code)
            .into_tuple::<(i32, String)>()
            .all(self.txn)
            .await?
            .into_iter()
            .collect();
        let mut rows = Vec::new();
        let mut keys: HashMap<String, String> = HashMap::new();
        let mut imported = Vec::new();
        for (i, record) in self.dataset.working_groups.iter().enumerate() {
            let code = canonical(&record.code);
            let id = ids[&code];
            imported.push(id);
            let committee_id = committee_aliases
                .iter()
                .find(|alias| alias.alias == canonical(&record.committee))
                .map(|alias| alias.committee_id);
            let suffix = &code[canonical(&record.committee).len()..];
            let derived = committee_aliases
                .iter()
                .filter(|alias| Some(alias.committee_id) == committee_id)
                .filter(|alias| committee_codes.get(&alias.committee_id) != Some(&alias.alias))
                .map(|alias| format!("{}{suffix}", alias.alias));
            let mut own = HashSet::new();
            for alias in std::iter::once(code.clone())
                .chain(record.aliases.iter().map(|a| canonical(a)))
                .chain(derived)
            {
                let key = lookup_key(&alias);
                if !own.insert(key.clone()) {
                    continue;
                }
                if let Some(other) = keys.insert(key.clone(), code.clone()) {
                    let name = format!("workingGroups[{i}] `{code}`");
                    return Err(invalid(
                        name,
                        "aliases",
                        format!("`{alias}` already names `{other}`"),
                    ));
                }
                rows.push(working_group_alias::ActiveModel {
                    id: NotSet,
                    working_group_id: Set(id),
                    alias: Set(alias),
                    alias_key: Set(key),
                });
            }
        }
        delete_chunks::<working_group_alias::Entity>(
            self.txn,
            working_group_alias::Column::WorkingGroupId,
            imported,
        )
        .await?;
        insert_chunks::<working_group_alias::Entity>(self.txn, rows).await?;
        Ok(())
    }

    async fn standards(
        &self,
        committees: &HashMap<String, i32>,
        groups: &HashMap<String, i32>,
    ) -> Result<(), ImportError> {
        let group_committees: HashMap<i32, i32> = working_group::Entity::find()
            .select_only()
            .column(working_group::Column::Id)
            .column(working_group::Column::CommitteeId)
            .into_tuple::<(i32, i32)>()
            .all(self.txn)
            .await?
            .into_iter()
            .collect();
        let mut rows = Vec::new();
        let mut keys = HashMap::new();
        let mut codes = Vec::new();
        for (i, record) in self.dataset.standards.iter().enumerate() {
            let code = match &record.code {
                Some(code) => canonical(code),
                None => slug(&record.title),
            };
            let name = format!("standards[{i}] `{code}`");
            required(&name, "code", &code)?;
            required(&name, "title", &record.title)?;
            if let Some(first) = keys.insert(lookup_key(&code), i) {
                return Err(invalid(
                    name,
                    "code",
                    format!("is also standards[{first}]'s code"),
                ));
            }
            let working_group_id = reference(
                &name,
                "workingGroup",
                groups,
                record.working_group.as_deref(),
            )?;
            let mut committee_id =
                reference(&name, "committee", committees, record.committee.as_deref())?;
            if let Some(group) = working_group_id {
                // A group's standards are its committee's too.
                let group_committee = group_committees[&group];
                if committee_id.is_some_and(|id| id != group_committee) {
                    return Err(invalid(
                        name,
                        "committee",
                        "differs from the working group's committee",
                    ));
                }
                committee_id = Some(group_committee);
            }
            codes.push(code.clone());
            rows.push(standard::ActiveModel {
                id: NotSet,
                code_key: Set(lookup_key(&code)),
                code: Set(code),
                code_assigned: Set(record.code.is_some()),
                title: Set(record.title.clone()),
                kind: Set(record.kind),
                status: Set(record.status),
                year: Set(record.year),
                committee_id: Set(committee_id),
                working_group_id: Set(working_group_id),
                notes: Set(record.notes.clone()),
                sources: Set(self.sources(&name, &record.sources)?),
            });
        }
        // A standard is the same standard however its code is spaced or
        // dashed: the first spelling stays, so its global id does too.
        let on_conflict = OnConflict::column(standard::Column::CodeKey)
            .update_columns([
                standard::Column::CodeAssigned,
                standard::Column::Title,
                standard::Column::Kind,
                standard::Column::Status,
                standard::Column::Year,
                standard::Column::CommitteeId,
                standard::Column::WorkingGroupId,
                standard::Column::Notes,
                standard::Column::Sources,
            ])
            .to_owned();
        upsert_chunks::<standard::Entity>(self.txn, rows, on_conflict).await?;
        let ids =
            key_ids::<standard::Entity>(self.txn, standard::Column::CodeKey, standard::Column::Id)
                .await?;

        let mut equivalences = Vec::new();
        let mut listing = Vec::new();
        for (i, (record, code)) in self.dataset.standards.iter().zip(&codes).enumerate() {
            let id = ids[&lookup_key(code)];
            listing.push(id);
            for equivalence in &record.equivalences {
                let other = *ids.get(&lookup_key(&equivalence.code)).ok_or_else(|| {
                    invalid(
                        format!("standards[{i}] `{code}`"),
                        "equivalences",
                        format!(
                            "unknown standard `{}`: list it as a standard too",
                            equivalence.code
                        ),
                    )
                })?;
                equivalences.push(standard_equivalence::ActiveModel {
                    id: NotSet,
                    standard_id: Set(id),
                    equivalent_id: Set(other),
                    degree: Set(equivalence.degree),
                });
            }
        }
        delete_chunks::<standard_equivalence::Entity>(
            self.txn,
            standard_equivalence::Column::StandardId,
            listing,
        )
        .await?;
        insert_chunks::<standard_equivalence::Entity>(self.txn, equivalences).await?;
        Ok(())
    }

    async fn experts(&self) -> Result<HashMap<String, i32>, ImportError> {
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        for (i, record) in self.dataset.experts.iter().enumerate() {
            let name = format!("experts[{i}] `{}`", record.key);
            required(&name, "key", &record.key)?;
            required(&name, "name", &record.name)?;
            if !seen.insert(&record.key) {
                return Err(invalid(name, "key", "is listed twice"));
            }
            rows.push(expert::ActiveModel {
                id: NotSet,
                key: Set(record.key.clone()),
                name: Set(record.name.clone()),
                organization: Set(record.organization.clone()),
                notes: Set(record.notes.clone()),
                sources: Set(self.sources(&name, &record.sources)?),
            });
        }
        let on_conflict = OnConflict::column(expert::Column::Key)
            .update_columns([
                expert::Column::Name,
                expert::Column::Organization,
                expert::Column::Notes,
                expert::Column::Sources,
            ])
            .to_owned();
        upsert_chunks::<expert::Entity>(self.txn, rows, on_conflict).await?;
        key_ids::<expert::Entity>(self.txn, expert::Column::Key, expert::Column::Id).await
    }

    /// Positions replace every position of the experts the file names.
    async fn positions(
        &self,
        committees: &HashMap<String, i32>,
        groups: &HashMap<String, i32>,
        experts: &HashMap<String, i32>,
    ) -> Result<usize, ImportError> {
        let mut rows = Vec::new();
        let mut holders: HashSet<i32> = self
            .dataset
            .experts
            .iter()
            .map(|record| experts[&record.key])
            .collect();
        for (i, record) in self.dataset.positions.iter().enumerate() {
            let name = format!("positions[{i}]");
            required(&name, "role", &record.role)?;
            let expert_id = *experts.get(&record.expert).ok_or_else(|| {
                invalid(
                    name.clone(),
                    "expert",
                    format!("unknown expert `{}`", record.expert),
                )
            })?;
            let set = [
                &record.committee,
                &record.working_group,
                &record.external_body,
            ]
            .iter()
            .filter(|f| f.is_some())
            .count();
            if set != 1 {
                return Err(invalid(
                    name,
                    "committee",
                    "exactly one of `committee`, `workingGroup` and `externalBody` must be set",
                ));
            }
            holders.insert(expert_id);
            rows.push(position::ActiveModel {
                id: NotSet,
                expert_id: Set(expert_id),
                role: Set(record.role.clone()),
                committee_id: Set(reference(
                    &name,
                    "committee",
                    committees,
                    record.committee.as_deref(),
                )?),
                working_group_id: Set(reference(
                    &name,
                    "workingGroup",
                    groups,
                    record.working_group.as_deref(),
                )?),
                external_body: Set(record.external_body.clone()),
                notes: Set(record.notes.clone()),
                sources: Set(self.sources(&name, &record.sources)?),
            });
        }
        delete_chunks::<position::Entity>(self.txn, position::Column::ExpertId, holders).await?;
        let count = rows.len();
        insert_chunks::<position::Entity>(self.txn, rows).await?;
        Ok(count)
    }

    async fn liaisons(
        &self,
        committees: &HashMap<String, i32>,
        groups: &HashMap<String, i32>,
    ) -> Result<usize, ImportError> {
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        for (i, record) in self.dataset.liaisons.iter().enumerate() {
            let name = format!("liaisons[{i}] `{}`", record.key);
            required(&name, "key", &record.key)?;
            required(&name, "counterpart", &record.counterpart)?;
            if !seen.insert(&record.key) {
                return Err(invalid(name, "key", "is listed twice"));
            }
            let (committee, group) = one_of(
                &name,
                [
                    ("committee", &record.committee),
                    ("workingGroup", &record.working_group),
                ],
            )?;
            rows.push(liaison::ActiveModel {
                id: NotSet,
                key: Set(record.key.clone()),
                kind: Set(record.kind),
                committee_id: Set(reference(&name, "committee", committees, committee)?),
                working_group_id: Set(reference(&name, "workingGroup", groups, group)?),
                counterpart: Set(record.counterpart.clone()),
                description: Set(record.description.clone()),
                notes: Set(record.notes.clone()),
                sources: Set(self.sources(&name, &record.sources)?),
            });
        }
        let count = rows.len();
        let on_conflict = OnConflict::column(liaison::Column::Key)
            .update_columns([
                liaison::Column::Kind,
                liaison::Column::CommitteeId,
                liaison::Column::WorkingGroupId,
                liaison::Column::Counterpart,
                liaison::Column::Description,
                liaison::Column::Notes,
                liaison::Column::Sources,
            ])
            .to_owned();
        upsert_chunks::<liaison::Entity>(self.txn, rows, on_conflict).await?;
        Ok(count)
    }

    /// Statistics replace every statistic of the committees and groups the
    /// file names, as records or as owners of a statistic.
    async fn statistics(
        &self,
        committees: &HashMap<String, i32>,
        groups: &HashMap<String, i32>,
    ) -> Result<usize, ImportError> {
        let mut owner_committees: HashSet<i32> = self
            .dataset
            .committees
            .iter()
            .map(|record| committees[&canonical(&record.code)])
            .collect();
        let mut owner_groups: HashSet<i32> = self
            .dataset
            .working_groups
            .iter()
            .map(|record| groups[&canonical(&record.code)])
            .collect();
        let mut rows = Vec::new();
        for (i, record) in self.dataset.statistics.iter().enumerate() {
            let name = format!("statistics[{i}]");
            required(&name, "metric", &record.metric)?;
            if !record.value.is_finite() {
                return Err(invalid(name, "value", "must be a finite number"));
            }
            let (committee, group) = one_of(
                &name,
                [
                    ("committee", &record.committee),
                    ("workingGroup", &record.working_group),
                ],
            )?;
            let committee_id = reference(&name, "committee", committees, committee)?;
            let working_group_id = reference(&name, "workingGroup", groups, group)?;
            owner_committees.extend(committee_id);
            owner_groups.extend(working_group_id);
            let source = self.source(&name, &record.source)?;
            rows.push(statistic::ActiveModel {
                id: NotSet,
                committee_id: Set(committee_id),
                working_group_id: Set(working_group_id),
                metric: Set(record.metric.clone()),
                value: Set(record.value),
                period: Set(record.period.clone()),
                notes: Set(record.notes.clone()),
                source_document: Set(source.document),
                source_section: Set(source.section),
            });
        }
        // The figures of every owner the file states figures for.
        delete_chunks::<statistic::Entity>(
            self.txn,
            statistic::Column::CommitteeId,
            owner_committees,
        )
        .await?;
        delete_chunks::<statistic::Entity>(
            self.txn,
            statistic::Column::WorkingGroupId,
            owner_groups,
        )
        .await?;
        let count = rows.len();
        insert_chunks::<statistic::Entity>(self.txn, rows).await?;
        Ok(count)
    }
}

/// The id of a referenced record, by canonical code.
fn reference(
    record: &str,
    field: &'static str,
    ids: &HashMap<String, i32>,
    code: Option<&str>,
) -> Result<Option<i32>, ImportError> {
    match code {
        None => Ok(None),
        Some(code) => ids
            .get(&canonical(code))
            .copied()
            .map(Some)
            .ok_or_else(|| invalid(record.to_owned(), field, format!("unknown code `{code}`"))),
    }
}

/// Natural key -> id for every row of a table.
async fn key_ids<E>(
    txn: &DatabaseTransaction,
    key: E::Column,
    id: E::Column,
) -> Result<HashMap<String, i32>, ImportError>
where
    E: EntityTrait,
{
    let rows = E::find()
        .select_only()
        .column(key)
        .column(id)
        .into_tuple::<(String, i32)>()
        .all(txn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Deletes the rows whose `column` is one of `ids`, `CHUNK` ids a statement:
/// SQLite refuses a statement of more than 32,766 parameters, which a
/// registry of a national catalogue's size exceeds.
async fn delete_chunks<E>(
    txn: &DatabaseTransaction,
    column: E::Column,
    ids: impl IntoIterator<Item = i32>,
) -> Result<(), ImportError>
where
    E: EntityTrait,
{
    let ids: Vec<i32> = ids.into_iter().collect();
    for chunk in ids.chunks(CHUNK) {
        E::delete_many()
            .filter(column.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

async fn insert_chunks<E>(
    txn: &DatabaseTransaction,
    rows: Vec<E::ActiveModel>,
) -> Result<(), ImportError>
where
    E: EntityTrait,
    E::ActiveModel: Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        E::insert_many(chunk).exec_without_returning(txn).await?;
    }
    Ok(())
}

async fn upsert_chunks<E>(
    txn: &DatabaseTransaction,
    rows: Vec<E::ActiveModel>,
    on_conflict: OnConflict,
) -> Result<(), ImportError>
where
    E: EntityTrait,
    E::ActiveModel: Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        E::insert_many(chunk)
            .on_conflict(on_conflict.clone())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
