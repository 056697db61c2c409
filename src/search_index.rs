//! Writes the full-text index (`search_document`, see the migration
//! `m20261216_000014_create_search_index`): one document per committee,
//! working group, standard and expert, rebuilt whole by every import in its
//! own transaction, so a search never sees an index older or newer than the
//! records it points to. Documents are numbered in the order a search breaks
//! ties by: the shorter title first, then code.
//!
//! The whole index is rebuilt rather than the rows an import touched: a
//! committee's aliases, a group's aliases and a liaison's counterpart each
//! change another record's document, and the rebuild reads each table once
//! (at 200,000 standards, seconds, which an import spends anyway).

use std::collections::HashMap;

use entity::{
    committee, committee_alias, expert, liaison, standard, working_group, working_group_alias,
};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, DeriveIden, EntityTrait, PaginatorTrait};

use crate::codes::lookup_key;

/// The index's table and the columns queries name.
#[derive(DeriveIden, Clone, Copy)]
pub enum SearchDocument {
    Table,
    Id,
    Kind,
    RecordId,
    Code,
}

/// The index's table, and the values of its `kind` column.
pub const TABLE: &str = "search_document";
pub const COMMITTEE: &str = "committee";
pub const WORKING_GROUP: &str = "working_group";
pub const STANDARD: &str = "standard";
pub const EXPERT: &str = "expert";

/// Rows inserted per statement (7 values each, well under either
/// database's limit on bound values).
const CHUNK: usize = 500;

/// One record's searchable text.
struct Document {
    kind: &'static str,
    record_id: i32,
    /// What ties are broken by: the canonical code, an expert's name.
    code: String,
    /// Every spelling of the code, as `lookup_key` folds it, space-separated.
    code_keys: String,
    /// The title or name.
    title: String,
    /// Aliases as written, scope, focus, organization, notes, counterparts.
    other: String,
}

/// Joins the present parts with a space.
fn joined<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .filter(|part| !part.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `code`'s key first, then each alias key once.
fn keys<'a>(code: &str, aliases: impl IntoIterator<Item = &'a str>) -> String {
    let mut keys = vec![lookup_key(code)];
    for alias in aliases {
        let key = lookup_key(alias);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.join(" ")
}

/// Replaces the whole index with the documents of the records in `db`.
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let committees = committee::Entity::find().all(db).await?;
    let committee_aliases = committee_alias::Entity::find().all(db).await?;
    let groups = working_group::Entity::find().all(db).await?;
    let group_aliases = working_group_alias::Entity::find().all(db).await?;
    let standards = standard::Entity::find().all(db).await?;
    let experts = expert::Entity::find().all(db).await?;
    let liaisons = liaison::Entity::find().all(db).await?;

    let mut aliases_of_committee: HashMap<i32, Vec<&str>> = HashMap::new();
    for alias in &committee_aliases {
        aliases_of_committee
            .entry(alias.committee_id)
            .or_default()
            .push(&alias.alias);
    }
    let mut aliases_of_group: HashMap<i32, Vec<&str>> = HashMap::new();
    for alias in &group_aliases {
        aliases_of_group
            .entry(alias.working_group_id)
            .or_default()
            .push(&alias.alias);
    }
    let mut counterparts_of_committee: HashMap<i32, Vec<&str>> = HashMap::new();
    let mut counterparts_of_group: HashMap<i32, Vec<&str>> = HashMap::new();
    for liaison in &liaisons {
        if let Some(id) = liaison.committee_id {
            counterparts_of_committee
                .entry(id)
                .or_default()
                .push(&liaison.counterpart);
        }
        if let Some(id) = liaison.working_group_id {
            counterparts_of_group
                .entry(id)
                .or_default()
                .push(&liaison.counterpart);
        }
    }

    let mut documents = Vec::new();
    for row in &committees {
        let aliases = aliases_of_committee
            .get(&row.id)
            .cloned()
            .unwrap_or_default();
        let counterparts = counterparts_of_committee
            .get(&row.id)
            .cloned()
            .unwrap_or_default();
        documents.push(Document {
            kind: COMMITTEE,
            record_id: row.id,
            code: row.code.clone(),
            code_keys: keys(&row.code, aliases.iter().copied()),
            title: row.name.clone(),
            other: joined(
                aliases
                    .iter()
                    .map(|alias| Some(*alias))
                    .chain([row.scope.as_deref(), row.notes.as_deref()])
                    .chain(counterparts.iter().map(|c| Some(*c))),
            ),
        });
    }
    for row in &groups {
        let aliases = aliases_of_group.get(&row.id).cloned().unwrap_or_default();
        let counterparts = counterparts_of_group
            .get(&row.id)
            .cloned()
            .unwrap_or_default();
        documents.push(Document {
            kind: WORKING_GROUP,
            record_id: row.id,
            code: row.code.clone(),
            code_keys: keys(&row.code, aliases.iter().copied()),
            title: row.name.clone(),
            other: joined(
                aliases
                    .iter()
                    .map(|alias| Some(*alias))
                    .chain([row.focus.as_deref(), row.notes.as_deref()])
                    .chain(counterparts.iter().map(|c| Some(*c))),
            ),
        });
    }
    for row in &standards {
        documents.push(Document {
            kind: STANDARD,
            record_id: row.id,
            code: row.code.clone(),
            code_keys: keys(&row.code, [row.code_key.as_str()]),
            title: row.title.clone(),
            other: joined([row.notes.as_deref()]),
        });
    }
    for row in &experts {
        documents.push(Document {
            kind: EXPERT,
            record_id: row.id,
            code: row.name.clone(),
            code_keys: String::new(),
            title: row.name.clone(),
            other: joined([row.organization.as_deref(), row.notes.as_deref()]),
        });
    }

    // Ids in index order: what a search breaks ties by, and the order the
    // full-text index yields matches in, so that a search for a common
    // word reads the first few and stops (`TextQuery::candidates`).
    documents.sort_by_cached_key(|document| {
        (
            document.title.chars().count(),
            document.code.clone(),
            document.kind,
            document.record_id,
        )
    });
    let table = Alias::new(TABLE);
    db.execute(&Query::delete().from_table(table.clone()).to_owned())
        .await?;
    let mut documents = documents.into_iter().peekable();
    while documents.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(table.clone()).columns([
            Alias::new("kind"),
            Alias::new("record_id"),
            Alias::new("code"),
            Alias::new("code_keys"),
            Alias::new("title"),
            Alias::new("other"),
        ]);
        for document in documents.by_ref().take(CHUNK) {
            insert.values_panic([
                Expr::val(document.kind),
                Expr::val(document.record_id),
                Expr::val(document.code),
                Expr::val(document.code_keys),
                Expr::val(document.title),
                Expr::val(document.other),
            ]);
        }
        db.execute(&insert).await?;
    }
    if db.get_database_backend() == DbBackend::Sqlite {
        // External-content FTS5 tables read their text from `search_document`.
        db.execute_unprepared("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
            .await?;
        db.execute_unprepared("INSERT INTO search_code(search_code) VALUES ('rebuild')")
            .await?;
    }
    Ok(())
}

/// Indexes a database whose records were written before the index existed
/// (the migration creates it empty): rebuilds it when it is empty and any
/// record is not.
pub async fn ensure(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let indexed = db
        .query_one(
            &Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(Alias::new(TABLE))
                .to_owned(),
        )
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    if indexed > 0 {
        return Ok(());
    }
    let records = committee::Entity::find().count(db).await?
        + standard::Entity::find().count(db).await?
        + expert::Entity::find().count(db).await?;
    if records > 0 {
        rebuild(db).await?;
    }
    Ok(())
}
