//! The floor of each shape: the rows its answer holds, fetched by hand-written
//! SQL from Rust in this process (sea-orm raw statements, which sqlx prepares
//! and caches per connection), without GraphQL and without HTTP.
//!
//! Each floor runs the server's WHERE and ORDER BY, one statement per level
//! like the server's loaders, and reads only the columns the answer shows: a
//! nested page is cut per parent in SQL (`ROW_NUMBER() OVER (PARTITION BY
//! ..)`), as the server's loaders cut it. Q6's deep page starts after its
//! cursor's row by keyset, as the server's does: the floor looks that row's
//! sort keys up once (by `OFFSET`) and keeps them.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement, Value,
};
use standards_registry::codes::lookup_key;

use crate::shapes::{Q3_CHILDREN, Q3_COMMITTEES, Q6_PAGE, Shape, Variant};

/// SQL statements each floor runs.
pub fn statements(shape: Shape) -> usize {
    match shape {
        Shape::Q1 => 1,
        Shape::Q2 => 3,
        Shape::Q3 => 5,
        Shape::Q4 => 4,
        Shape::Q5 => 5,
        Shape::Q6First | Shape::Q6 => 1,
        Shape::Q7 => 1,
    }
}

/// What each floor runs, for the report.
pub fn describe(shape: Shape) -> &'static str {
    match shape {
        Shape::Q1 => "SELECT .. FROM standard WHERE code_key = ?",
        Shape::Q2 => {
            "standard ORDER BY code, id LIMIT 100; committee WHERE id IN (..); working_group WHERE id IN (..)"
        }
        Shape::Q3 => {
            "committee ORDER BY code LIMIT 10 OFFSET ?; working_group and standard each cut to 20 per parent \
             with ROW_NUMBER() OVER (PARTITION BY parent); committee WHERE id IN (..); liaison WHERE committee_id IN (..)"
        }
        Shape::Q4 => {
            "the server's four LIKE statements (committees via aliases, groups, standards, experts), LIMIT 20 each"
        }
        Shape::Q5 => {
            "one IN (..) statement per type: standard by code_key, committee and group through their alias tables, expert and liaison by key"
        }
        Shape::Q6First | Shape::Q6 => {
            "standard WHERE kind IN (..) AND year >= 2000 [AND after the cursor's (year, code, id)] \
             ORDER BY year DESC, code, id LIMIT 21"
        }
        Shape::Q7 => {
            "one statement: WITH RECURSIVE subtree (from the alias) SELECT COUNT(*) .. committee_id IN subtree AND status = ?"
        }
    }
}

/// `?` placeholders, numbered `$n` for PostgreSQL.
fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

fn marks(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

/// Ids for an IN list; an empty list matches nothing (ids start at 1).
fn ids(values: impl IntoIterator<Item = i32>) -> Vec<Value> {
    let mut list: Vec<Value> = values.into_iter().map(Value::from).collect();
    if list.is_empty() {
        list.push(Value::from(0));
    }
    list
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, i: usize) -> Result<T, DbErr> {
    row.try_get_by_index(i)
}

fn year(y: Option<i32>) -> String {
    y.map_or("-".to_owned(), |y| y.to_string())
}

/// `%text%` for LIKE with `\` escaping, as the server writes it.
fn contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Runs the floor of `shape` for `variant`; with `summarize`, returns the
/// answer's summary lines (see `shapes::summary`), else an empty list.
pub async fn run(
    db: &DatabaseConnection,
    shape: Shape,
    variant: &Variant,
    summarize: bool,
) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let vars = &variant.variables;
    let mut lines = Vec::new();
    match shape {
        Shape::Q1 => {
            let code = vars["code"].as_str().unwrap_or_default();
            let rows = db
                .query_all_raw(stmt(
                    backend,
                    "SELECT code, title, kind, status, year FROM standard WHERE code_key = ?",
                    vec![lookup_key(code).into()],
                ))
                .await?;
            for row in &rows {
                let (code, _title, _kind, _status, y): (
                    String,
                    String,
                    String,
                    String,
                    Option<i32>,
                ) = (
                    get(row, 0)?,
                    get(row, 1)?,
                    get(row, 2)?,
                    get(row, 3)?,
                    get(row, 4)?,
                );
                if summarize {
                    lines.push(format!("{code}|{}", year(y)));
                }
            }
        }
        Shape::Q2 => {
            let rows = db
                .query_all_raw(stmt(
                    backend,
                    "SELECT code, title, status, year, committee_id, working_group_id FROM standard \
                     ORDER BY code ASC, id ASC LIMIT 100",
                    vec![],
                ))
                .await?;
            let mut standards = Vec::with_capacity(rows.len());
            for row in &rows {
                let s: (
                    String,
                    String,
                    String,
                    Option<i32>,
                    Option<i32>,
                    Option<i32>,
                ) = (
                    get(row, 0)?,
                    get(row, 1)?,
                    get(row, 2)?,
                    get(row, 3)?,
                    get(row, 4)?,
                    get(row, 5)?,
                );
                standards.push(s);
            }
            let committee_ids: BTreeSet<i32> = standards.iter().filter_map(|s| s.4).collect();
            let group_ids: BTreeSet<i32> = standards.iter().filter_map(|s| s.5).collect();
            let committees = names(db, backend, "committee", committee_ids).await?;
            let groups = names(db, backend, "working_group", group_ids).await?;
            if summarize {
                for s in &standards {
                    let code = |map: &HashMap<i32, (String, String)>, id: Option<i32>| {
                        id.and_then(|id| map.get(&id))
                            .map_or("-".to_owned(), |(code, _)| code.clone())
                    };
                    lines.push(format!(
                        "{}|{}|{}",
                        s.0,
                        code(&committees, s.4),
                        code(&groups, s.5)
                    ));
                }
            }
        }
        Shape::Q3 => lines = q3(db, backend, variant.offset, summarize).await?,
        Shape::Q4 => lines = q4(db, backend, vars["text"].as_str().unwrap_or_default()).await?,
        Shape::Q5 => lines = q5(db, backend, &vars["representations"], summarize).await?,
        Shape::Q6First | Shape::Q6 => {
            let (after, mut values) = match q6_keys(db, backend, variant.offset).await? {
                // The server's keyset condition: a range on year an index
                // starts from, then the rows past the cursor's.
                Some((year, code, id)) => (
                    "AND year <= ? AND (year < ? OR (year = ? AND code > ?) \
                     OR (year = ? AND code = ? AND id > ?))",
                    vec![
                        year.into(),
                        year.into(),
                        year.into(),
                        code.clone().into(),
                        year.into(),
                        code.into(),
                        id.into(),
                    ],
                ),
                None => ("", Vec::new()),
            };
            let mut params: Vec<Value> = vec!["NATIONAL".into(), "SECTOR".into(), 2000.into()];
            params.append(&mut values);
            params.push((Q6_PAGE as i64 + 1).into());
            let sql = format!(
                "SELECT code, title, year, status FROM standard \
                 WHERE kind IN (?, ?) AND year >= ? {after} \
                 ORDER BY year DESC, code ASC, id ASC LIMIT ?"
            );
            let rows = db.query_all_raw(stmt(backend, &sql, params)).await?;
            let mut page = Vec::with_capacity(rows.len());
            for row in &rows {
                let s: (String, String, Option<i32>, String) =
                    (get(row, 0)?, get(row, 1)?, get(row, 2)?, get(row, 3)?);
                page.push(s);
            }
            let more = page.len() > Q6_PAGE;
            page.truncate(Q6_PAGE);
            if summarize {
                lines.extend(page.iter().map(|s| format!("{}|{}", s.0, year(s.2))));
                lines.push(format!("next:{more}"));
            }
        }
        Shape::Q7 => {
            let committee = vars["committee"].as_str().unwrap_or_default();
            let row = db
                .query_one_raw(stmt(
                    backend,
                    "WITH RECURSIVE subtree(id) AS ( \
                       SELECT committee_id FROM committee_alias WHERE alias_key = ? \
                       UNION ALL SELECT c.id FROM committee c JOIN subtree s ON c.parent_id = s.id) \
                     SELECT COUNT(*) FROM standard \
                     WHERE committee_id IN (SELECT id FROM subtree) AND status IN (?)",
                    vec![lookup_key(committee).into(), "PUBLISHED".into()],
                ))
                .await?
                .ok_or_else(|| DbErr::Custom("COUNT answered no row".into()))?;
            let count: i64 = get(&row, 0)?;
            if summarize {
                lines.push(count.to_string());
            }
        }
    }
    Ok(lines)
}

/// id -> (code, name) of the rows of `table` with these ids.
async fn names(
    db: &DatabaseConnection,
    backend: DbBackend,
    table: &str,
    wanted: BTreeSet<i32>,
) -> Result<HashMap<i32, (String, String)>, DbErr> {
    let sql = format!(
        "SELECT id, code, name FROM {table} WHERE id IN ({})",
        marks(wanted.len())
    );
    let rows = db.query_all_raw(stmt(backend, &sql, ids(wanted))).await?;
    let mut map = HashMap::with_capacity(rows.len());
    for row in &rows {
        map.insert(get(row, 0)?, (get(row, 1)?, get(row, 2)?));
    }
    Ok(map)
}

/// Q3's rows: (id, code, title, committee_id, working_group_id) and (id, code, name, committee_id).
type StandardRow = (i32, String, String, Option<i32>, i32);
type GroupRow = (i32, String, String, i32);

/// A row's sort keys in Q6's order: year, code, id.
type Q6Keys = (i32, String, i32);

/// The sort keys of the row before Q6's page at `offset`, looked up once
/// per offset; `None` for the first page.
async fn q6_keys(
    db: &DatabaseConnection,
    backend: DbBackend,
    offset: usize,
) -> Result<Option<Q6Keys>, DbErr> {
    static KEYS: std::sync::Mutex<Vec<(usize, Q6Keys)>> = std::sync::Mutex::new(Vec::new());
    if offset == 0 {
        return Ok(None);
    }
    if let Some((_, keys)) = KEYS.lock().unwrap().iter().find(|(at, _)| *at == offset) {
        return Ok(Some(keys.clone()));
    }
    let row = db
        .query_one_raw(stmt(
            backend,
            "SELECT year, code, id FROM standard WHERE kind IN (?, ?) AND year >= ? \
             ORDER BY year DESC, code ASC, id ASC LIMIT 1 OFFSET ?",
            vec![
                "NATIONAL".into(),
                "SECTOR".into(),
                2000.into(),
                (offset as i64 - 1).into(),
            ],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("Q6's row {offset}")))?;
    let keys: Q6Keys = (get(&row, 0)?, get(&row, 1)?, get(&row, 2)?);
    KEYS.lock().unwrap().push((offset, keys.clone()));
    Ok(Some(keys))
}

async fn q3(
    db: &DatabaseConnection,
    backend: DbBackend,
    offset: usize,
    summarize: bool,
) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            backend,
            "SELECT id, code, name FROM committee ORDER BY code ASC LIMIT ? OFFSET ?",
            vec![(Q3_COMMITTEES as i64).into(), (offset as i64).into()],
        ))
        .await?;
    let mut committees: Vec<(i32, String, String)> = Vec::with_capacity(rows.len());
    for row in &rows {
        committees.push((get(row, 0)?, get(row, 1)?, get(row, 2)?));
    }
    let sql = format!(
        "SELECT id, code, name, committee_id FROM ( \
           SELECT id, code, name, committee_id, \
             ROW_NUMBER() OVER (PARTITION BY committee_id ORDER BY code ASC) AS rn \
           FROM working_group WHERE committee_id IN ({})) t \
         WHERE rn <= ? ORDER BY committee_id, code ASC",
        marks(committees.len())
    );
    let mut values = ids(committees.iter().map(|c| c.0));
    values.push((Q3_CHILDREN as i64).into());
    let rows = db.query_all_raw(stmt(backend, &sql, values)).await?;
    let mut groups: Vec<GroupRow> = Vec::with_capacity(rows.len());
    for row in &rows {
        groups.push((get(row, 0)?, get(row, 1)?, get(row, 2)?, get(row, 3)?));
    }
    let sql = format!(
        "SELECT id, code, title, committee_id, working_group_id FROM ( \
           SELECT id, code, title, committee_id, working_group_id, \
             ROW_NUMBER() OVER (PARTITION BY working_group_id ORDER BY code ASC, id ASC) AS rn \
           FROM standard WHERE working_group_id IN ({})) t \
         WHERE rn <= ? ORDER BY working_group_id, code ASC, id ASC",
        marks(groups.len())
    );
    let mut values = ids(groups.iter().map(|g| g.0));
    values.push((Q3_CHILDREN as i64).into());
    let rows = db.query_all_raw(stmt(backend, &sql, values)).await?;
    let mut standards: Vec<StandardRow> = Vec::with_capacity(rows.len());
    for row in &rows {
        standards.push((
            get(row, 0)?,
            get(row, 1)?,
            get(row, 2)?,
            get(row, 3)?,
            get(row, 4)?,
        ));
    }
    let committee_ids: BTreeSet<i32> = standards.iter().filter_map(|s| s.3).collect();
    let sql = format!(
        "SELECT id, code FROM committee WHERE id IN ({})",
        marks(committee_ids.len())
    );
    let rows = db
        .query_all_raw(stmt(backend, &sql, ids(committee_ids.iter().copied())))
        .await?;
    let mut standard_committees: HashMap<i32, String> = HashMap::with_capacity(rows.len());
    for row in &rows {
        standard_committees.insert(get(row, 0)?, get(row, 1)?);
    }
    let sql = format!(
        "SELECT committee_id, kind, counterpart FROM liaison WHERE committee_id IN ({}) ORDER BY id ASC",
        marks(committee_ids.len())
    );
    let rows = db
        .query_all_raw(stmt(backend, &sql, ids(committee_ids.iter().copied())))
        .await?;
    let mut liaisons: HashMap<i32, Vec<(String, String)>> = HashMap::new();
    for row in &rows {
        let committee: i32 = get(row, 0)?;
        liaisons
            .entry(committee)
            .or_default()
            .push((get(row, 1)?, get(row, 2)?));
    }
    let mut lines = Vec::new();
    if summarize {
        let mut by_group: HashMap<i32, Vec<&StandardRow>> = HashMap::new();
        for s in &standards {
            by_group.entry(s.4).or_default().push(s);
        }
        let mut by_committee: HashMap<i32, Vec<&GroupRow>> = HashMap::new();
        for g in &groups {
            by_committee.entry(g.3).or_default().push(g);
        }
        for c in &committees {
            lines.push(c.1.clone());
            for g in by_committee.get(&c.0).into_iter().flatten() {
                lines.push(format!(" {}", g.1));
                for s in by_group.get(&g.0).into_iter().flatten() {
                    let code =
                        s.3.and_then(|id| standard_committees.get(&id))
                            .map_or("-".to_owned(), Clone::clone);
                    let count = s.3.and_then(|id| liaisons.get(&id)).map_or(0, Vec::len);
                    lines.push(format!("  {}|{code}|{count}", s.1));
                }
            }
        }
    }
    Ok(lines)
}

async fn q4(db: &DatabaseConnection, backend: DbBackend, text: &str) -> Result<Vec<String>, DbErr> {
    let text = text.trim();
    let words = contains(&text.to_lowercase());
    let code = contains(&lookup_key(text));
    let limit = 20i64;
    let mut hits = Vec::new();
    let queries: [(&str, &str, Vec<Value>); 4] = [
        (
            "Committee",
            "SELECT code FROM committee WHERE id IN (SELECT committee_id FROM committee_alias \
             WHERE alias_key LIKE ? ESCAPE '\\') OR LOWER(name) LIKE ? ESCAPE '\\' \
             ORDER BY code ASC LIMIT ?",
            vec![code.clone().into(), words.clone().into(), limit.into()],
        ),
        (
            "WorkingGroup",
            "SELECT code FROM working_group WHERE UPPER(code) LIKE ? ESCAPE '\\' \
             OR LOWER(name) LIKE ? ESCAPE '\\' ORDER BY code ASC LIMIT ?",
            vec![code.clone().into(), words.clone().into(), limit.into()],
        ),
        (
            "Standard",
            "SELECT code FROM standard WHERE code_key LIKE ? ESCAPE '\\' \
             OR LOWER(title) LIKE ? ESCAPE '\\' ORDER BY code ASC LIMIT ?",
            vec![code.into(), words.clone().into(), limit.into()],
        ),
        (
            "Expert",
            "SELECT name FROM expert WHERE LOWER(name) LIKE ? ESCAPE '\\' \
             OR LOWER(organization) LIKE ? ESCAPE '\\' ORDER BY name ASC LIMIT ?",
            vec![words.clone().into(), words.into(), limit.into()],
        ),
    ];
    for (type_name, sql, values) in queries {
        let rows = db.query_all_raw(stmt(backend, sql, values)).await?;
        for row in &rows {
            let name: String = get(row, 0)?;
            hits.push(format!("{type_name}:{name}"));
        }
    }
    hits.truncate(limit as usize);
    Ok(hits)
}

async fn q5(
    db: &DatabaseConnection,
    backend: DbBackend,
    representations: &serde_json::Value,
    summarize: bool,
) -> Result<Vec<String>, DbErr> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let reps = representations.as_array().cloned().unwrap_or_default();
    // The key each representation asks by, per type.
    let key = |rep: &serde_json::Value| -> (String, String) {
        let type_name = rep["__typename"].as_str().unwrap_or_default().to_owned();
        let key = match type_name.as_str() {
            "Expert" | "Liaison" => {
                let id = rep["id"].as_str().unwrap_or_default();
                let decoded = URL_SAFE_NO_PAD
                    .decode(id)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default();
                decoded
                    .split_once(':')
                    .map(|(_, k)| k.to_owned())
                    .unwrap_or_default()
            }
            _ => lookup_key(rep["code"].as_str().unwrap_or_default()),
        };
        (type_name, key)
    };
    let keys: Vec<(String, String)> = reps.iter().map(key).collect();
    let of = |t: &str| -> BTreeSet<String> {
        keys.iter()
            .filter(|(kind, _)| kind == t)
            .map(|(_, k)| k.clone())
            .collect()
    };
    let lookups: [(&str, String); 5] = [
        (
            "Standard",
            "SELECT code_key, code FROM standard WHERE code_key IN ({})".to_owned(),
        ),
        (
            "Committee",
            "SELECT a.alias_key, c.code FROM committee_alias a JOIN committee c ON c.id = a.committee_id \
             WHERE a.alias_key IN ({})"
                .to_owned(),
        ),
        (
            "WorkingGroup",
            "SELECT a.alias_key, g.code FROM working_group_alias a JOIN working_group g \
             ON g.id = a.working_group_id WHERE a.alias_key IN ({})"
                .to_owned(),
        ),
        (
            "Expert",
            "SELECT \"key\", name FROM expert WHERE \"key\" IN ({})".to_owned(),
        ),
        (
            "Liaison",
            "SELECT \"key\", counterpart FROM liaison WHERE \"key\" IN ({})".to_owned(),
        ),
    ];
    let mut found: HashMap<(String, String), String> = HashMap::new();
    for (type_name, sql) in lookups {
        let wanted = of(type_name);
        if wanted.is_empty() {
            continue;
        }
        let sql = sql.replace("{}", &marks(wanted.len()));
        let values = wanted.into_iter().map(Value::from).collect();
        let rows = db.query_all_raw(stmt(backend, &sql, values)).await?;
        for row in &rows {
            found.insert((type_name.to_owned(), get(row, 0)?), get(row, 1)?);
        }
    }
    let mut lines = Vec::new();
    if summarize {
        for k in &keys {
            lines.push(match found.get(k) {
                Some(value) => format!("{}:{value}", k.0),
                None => "null".to_owned(),
            });
        }
    }
    Ok(lines)
}
