//! The floor of each shape: the best SQL a person would write by hand for
//! the same answer, run from Rust in this process (sea-orm raw statements,
//! which sqlx prepares and caches per connection), without GraphQL and HTTP.
//!
//! Not the server's statements: one statement per request where SQL can say
//! it (joins for to-one relations, a per-parent `LIMIT` for nested pages,
//! `UNION ALL` across types, a keyset split into index ranges), on the
//! floor's own copy of the database with the indexes it needs
//! (`indexes.rs`). It reads only the columns the answer shows and decodes
//! them into Rust values; with `summarize` it also builds the answer's
//! summary lines (`shapes::summary`), which must equal the server's.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement, Value,
};
use serde_json::json;
use standards_registry::codes::lookup_key;

use crate::shapes::{self, Q3_CHILDREN, Q3_COMMITTEES, Q6_PAGE, Q7_PAGE, Shape, Variant};

/// The database the floor reads, and what it looked up once.
pub struct Floor {
    pub db: DatabaseConnection,
    /// The sort keys (year, code) of the row before Q7's page, per offset:
    /// looked up once, as a client keeps the cursor it was given.
    q7_keys: Mutex<HashMap<usize, (i32, String)>>,
}

/// SQL statements each floor runs per request.
pub fn statements(shape: Shape) -> usize {
    match shape {
        Shape::Q3 => 2,
        Shape::Q9 => 4,
        _ => 1,
    }
}

/// What each floor runs, for the report.
pub fn describe(shape: Shape) -> &'static str {
    match shape {
        Shape::Q1 => "one statement: standard by code_key LEFT JOIN committee, working_group",
        Shape::Q2 => {
            "one statement: standard ORDER BY code LIMIT 100 LEFT JOIN committee, working_group"
        }
        Shape::Q3 => {
            "two: the page of committees with each one's first 20 groups and each group's first 20 \
             standards (LATERAL on PostgreSQL, a correlated `id IN (.. LIMIT 20)` on SQLite; indexes \
             (committee_id, code), (working_group_id, code)) and the standards' committees; then \
             those committees' liaisons by id"
        }
        Shape::Q4 | Shape::Q4Code | Shape::Q4Rare => {
            "one statement: UNION ALL of four `LOWER(col) LIKE '%text%'` scans in code (name) order, \
             LIMIT 20 each (committees also by alias), cut to 20"
        }
        Shape::Q5 => "one statement: UNION ALL of one `key IN (..)` lookup per type",
        Shape::Q6 => {
            "one statement: the page by index (status, code) LIMIT 100, with the count \
             (SELECT COUNT(*) .. WHERE status = ?) as a column"
        }
        Shape::Q7First | Shape::Q7 => {
            "one statement: on index (year DESC, code), the rows after the cursor's (year, code) as \
             UNION ALL of `year = y AND code > c` and `year < y`, each an index range, LIMIT 21"
        }
        Shape::Q8 => {
            "one statement: WITH RECURSIVE subtree from the alias, then a COUNT per subtree \
             committee on index (committee_id, status), summed"
        }
        Shape::Q9Count => "one statement: COUNT(*) WHERE kind IN (..)",
        Shape::Q9 => {
            "four: one GROUP BY per facet (status, kind, year, committee joined for its code) \
             WHERE kind IN (..); the total is the sum of the status counts"
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

/// A facet's values in Q9's floor: the value as text, its numeric order
/// (years; 0 for the rest), and its count.
type FacetCounts = Vec<(String, i64, i64)>;

/// The kinds Q9's filter selects (`shapes::Shape::Q9`'s document).
const Q9_KINDS: [&str; 2] = ["NATIONAL", "SECTOR"];

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

fn opt(value: Option<String>) -> String {
    value.unwrap_or_else(|| "-".to_owned())
}

fn year(y: Option<i32>) -> String {
    y.map_or("-".to_owned(), |y| y.to_string())
}

/// `code|name` of a related record, or `-`, as `shapes::summary` writes it.
fn code_name(code: Option<String>, name: Option<String>) -> String {
    match code {
        Some(code) => format!("{code}|{}", opt(name)),
        None => "-".to_owned(),
    }
}

/// `%text%` for LIKE with `\` escaping, as the server writes it.
fn contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Floor {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            q7_keys: Mutex::new(HashMap::new()),
        }
    }

    fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, DbErr> {
        self.db
            .query_all_raw(stmt(self.backend(), sql, values))
            .await
    }

    /// Runs the floor of `shape` for `variant`; with `summarize`, returns the
    /// answer's summary lines (see `shapes::summary`), else an empty list.
    pub async fn run(
        &self,
        shape: Shape,
        variant: &Variant,
        summarize: bool,
    ) -> Result<Vec<String>, DbErr> {
        let vars = &variant.variables;
        match shape {
            Shape::Q1 => {
                self.standards(
                    "SELECT s.code, s.title, s.kind, s.status, s.year, c.code, c.name, g.code, g.name \
                     FROM standard s LEFT JOIN committee c ON c.id = s.committee_id \
                     LEFT JOIN working_group g ON g.id = s.working_group_id WHERE s.code_key = ?",
                    vec![lookup_key(vars["code"].as_str().unwrap_or_default()).into()],
                    true,
                    summarize,
                )
                .await
                .map(|lines| {
                    if summarize && lines.is_empty() {
                        vec!["none".to_owned()]
                    } else {
                        lines
                    }
                })
            }
            Shape::Q2 => {
                self.standards(
                    "SELECT s.code, s.title, s.status, s.year, c.code, c.name, g.code, g.name \
                     FROM standard s LEFT JOIN committee c ON c.id = s.committee_id \
                     LEFT JOIN working_group g ON g.id = s.working_group_id \
                     ORDER BY s.code LIMIT 100",
                    vec![],
                    false,
                    summarize,
                )
                .await
            }
            Shape::Q3 => self.q3(variant.offset, summarize).await,
            Shape::Q4 | Shape::Q4Code | Shape::Q4Rare => {
                let data = self.search(vars["text"].as_str().unwrap_or_default()).await?;
                Ok(if summarize {
                    shapes::summary(shape, &data)
                } else {
                    Vec::new()
                })
            }
            Shape::Q5 => self.q5(&vars["representations"], summarize).await,
            Shape::Q6 => self.q6(summarize).await,
            Shape::Q7First | Shape::Q7 => self.q7(variant.offset, summarize).await,
            Shape::Q9Count => {
                let rows = self
                    .rows(
                        &format!("SELECT COUNT(*) FROM standard WHERE kind IN ({})", marks(2)),
                        Q9_KINDS.iter().map(|&kind| kind.into()).collect(),
                    )
                    .await?;
                let row = rows
                    .first()
                    .ok_or_else(|| DbErr::Custom("COUNT answered no row".into()))?;
                let count: i64 = get(row, 0)?;
                Ok(if summarize {
                    vec![format!("total:{count}")]
                } else {
                    Vec::new()
                })
            }
            Shape::Q9 => self.q9(summarize).await,
            Shape::Q8 => {
                let committee = vars["committee"].as_str().unwrap_or_default();
                let rows = self
                    .rows(
                        "WITH RECURSIVE subtree(id) AS ( \
                           SELECT committee_id FROM committee_alias WHERE alias_key = ? \
                           UNION ALL SELECT c.id FROM committee c JOIN subtree s ON c.parent_id = s.id) \
                         SELECT CAST(COALESCE(SUM((SELECT COUNT(*) FROM standard s \
                           WHERE s.committee_id = subtree.id AND s.status = ?)), 0) AS BIGINT) \
                         FROM subtree",
                        vec![lookup_key(committee).into(), "PUBLISHED".into()],
                    )
                    .await?;
                let row = rows
                    .first()
                    .ok_or_else(|| DbErr::Custom("COUNT answered no row".into()))?;
                let count: i64 = get(row, 0)?;
                Ok(if summarize {
                    vec![count.to_string()]
                } else {
                    Vec::new()
                })
            }
        }
    }

    /// Q1 and Q2: standards with their committee and working group joined;
    /// Q1's rows also have `kind`.
    async fn standards(
        &self,
        sql: &str,
        values: Vec<Value>,
        with_kind: bool,
        summarize: bool,
    ) -> Result<Vec<String>, DbErr> {
        let rows = self.rows(sql, values).await?;
        let mut lines = Vec::with_capacity(rows.len());
        for row in &rows {
            let k = usize::from(with_kind);
            let code: String = get(row, 0)?;
            let title: String = get(row, 1)?;
            let kind: Option<String> = if with_kind { get(row, 2)? } else { None };
            let status: String = get(row, 2 + k)?;
            let y: Option<i32> = get(row, 3 + k)?;
            let committee = code_name(get(row, 4 + k)?, get(row, 5 + k)?);
            let group = code_name(get(row, 6 + k)?, get(row, 7 + k)?);
            if summarize {
                lines.push(match kind {
                    Some(kind) => {
                        format!(
                            "{code}|{title}|{kind}|{status}|{}|{committee}|{group}",
                            year(y)
                        )
                    }
                    None => format!("{code}|{title}|{status}|{}|{committee}|{group}", year(y)),
                });
            }
        }
        Ok(lines)
    }

    async fn q3(&self, offset: usize, summarize: bool) -> Result<Vec<String>, DbErr> {
        // The page of committees, each one's first groups, each group's first
        // standards, and the standards' committees, in one statement. SQLite
        // has no LATERAL: a correlated `id IN (SELECT id .. LIMIT 20)` per
        // parent walks the (parent, code) index as far as the limit.
        let tree = if self.backend() == DbBackend::Postgres {
            "SELECT c.code, c.name, g.code, g.name, s.code, s.title, sc.id, sc.code, \
               (SELECT COUNT(*) FROM committee) \
             FROM (SELECT id, code, name FROM committee ORDER BY code LIMIT ? OFFSET ?) c \
             LEFT JOIN LATERAL (SELECT id, code, name FROM working_group \
               WHERE committee_id = c.id ORDER BY code LIMIT ?) g ON true \
             LEFT JOIN LATERAL (SELECT code, title, committee_id FROM standard \
               WHERE working_group_id = g.id ORDER BY code LIMIT ?) s ON true \
             LEFT JOIN committee sc ON sc.id = s.committee_id \
             ORDER BY c.code, g.code, s.code"
        } else {
            "SELECT c.code, c.name, g.code, g.name, s.code, s.title, sc.id, sc.code, \
               (SELECT COUNT(*) FROM committee) \
             FROM (SELECT id, code, name FROM committee ORDER BY code LIMIT ? OFFSET ?) c \
             LEFT JOIN working_group g ON g.id IN (SELECT id FROM working_group \
               WHERE committee_id = c.id ORDER BY code LIMIT ?) \
             LEFT JOIN standard s ON s.id IN (SELECT id FROM standard \
               WHERE working_group_id = g.id ORDER BY code LIMIT ?) \
             LEFT JOIN committee sc ON sc.id = s.committee_id \
             ORDER BY c.code, g.code, s.code"
        };
        let children = Q3_CHILDREN as i64;
        let rows = self
            .rows(
                tree,
                vec![
                    (Q3_COMMITTEES as i64).into(),
                    (offset as i64).into(),
                    children.into(),
                    children.into(),
                ],
            )
            .await?;
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i32>,
            Option<String>,
        );
        let mut tree: Vec<Row> = Vec::with_capacity(rows.len());
        let mut committees = 0i64;
        for row in &rows {
            tree.push((
                get(row, 0)?,
                get(row, 1)?,
                get(row, 2)?,
                get(row, 3)?,
                get(row, 4)?,
                get(row, 5)?,
                get(row, 6)?,
                get(row, 7)?,
            ));
            committees = get(row, 8)?;
        }
        let owners: BTreeSet<i32> = tree.iter().filter_map(|r| r.6).collect();
        let sql = format!(
            "SELECT committee_id, kind, counterpart FROM liaison WHERE committee_id IN ({}) \
             ORDER BY committee_id, id",
            marks(owners.len())
        );
        let rows = self.rows(&sql, ids(owners.iter().copied())).await?;
        let mut liaisons: HashMap<i32, Vec<String>> = HashMap::new();
        for row in &rows {
            let owner: i32 = get(row, 0)?;
            let kind: String = get(row, 1)?;
            let counterpart: String = get(row, 2)?;
            liaisons
                .entry(owner)
                .or_default()
                .push(format!("{kind}:{counterpart}"));
        }
        if !summarize {
            return Ok(Vec::new());
        }
        let next = committees > (offset + Q3_COMMITTEES) as i64;
        let mut lines = vec![format!("next:{next}")];
        let (mut committee, mut group) = (None::<String>, None::<String>);
        for (c_code, c_name, g_code, g_name, s_code, s_title, owner, owner_code) in tree {
            if committee.as_ref() != Some(&c_code) {
                lines.push(format!("{c_code}|{c_name}"));
                committee = Some(c_code);
                group = None;
            }
            let Some(g_code) = g_code else { continue };
            if group.as_ref() != Some(&g_code) {
                lines.push(format!(" {g_code}|{}", opt(g_name)));
                group = Some(g_code);
            }
            let Some(s_code) = s_code else { continue };
            let list = owner
                .and_then(|id| liaisons.get(&id))
                .map(|l| l.join(";"))
                .unwrap_or_default();
            lines.push(format!(
                "  {s_code}|{}|{}|{list}",
                opt(s_title),
                opt(owner_code)
            ));
        }
        Ok(lines)
    }

    /// Q4's hits as a `search` answer: `{ "search": [{ __typename, .. }] }`.
    pub async fn search(&self, text: &str) -> Result<serde_json::Value, DbErr> {
        let text = text.trim();
        let words = contains(&text.to_lowercase());
        let code = contains(&lookup_key(text));
        let limit = 20i64;
        // Each part walks its order's index and stops at its LIMIT; the
        // outer ORDER BY keeps the type order whatever plan runs the union.
        let sql = "SELECT t, code, name, org FROM ( \
             SELECT * FROM (SELECT 1 AS t, code, name, NULL AS org FROM committee \
               WHERE id IN (SELECT committee_id FROM committee_alias WHERE alias_key LIKE ? ESCAPE '\\') \
               OR LOWER(name) LIKE ? ESCAPE '\\' ORDER BY code LIMIT ?) a \
             UNION ALL SELECT * FROM (SELECT 2 AS t, code, name, NULL AS org FROM working_group \
               WHERE UPPER(code) LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\' \
               ORDER BY code LIMIT ?) b \
             UNION ALL SELECT * FROM (SELECT 3 AS t, code, title AS name, NULL AS org FROM standard \
               WHERE code_key LIKE ? ESCAPE '\\' OR LOWER(title) LIKE ? ESCAPE '\\' \
               ORDER BY code LIMIT ?) c \
             UNION ALL SELECT * FROM (SELECT 4 AS t, NULL AS code, name, organization AS org FROM expert \
               WHERE LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(organization) LIKE ? ESCAPE '\\' \
               ORDER BY name LIMIT ?) d \
           ) hits ORDER BY t, code, name LIMIT ?";
        let values: Vec<Value> = vec![
            code.clone().into(),
            words.clone().into(),
            limit.into(),
            code.clone().into(),
            words.clone().into(),
            limit.into(),
            code.into(),
            words.clone().into(),
            limit.into(),
            words.clone().into(),
            words.into(),
            limit.into(),
            limit.into(),
        ];
        let rows = self.rows(sql, values).await?;
        let mut hits = Vec::with_capacity(rows.len());
        for row in &rows {
            let t: i32 = get(row, 0)?;
            let code: Option<String> = get(row, 1)?;
            let name: Option<String> = get(row, 2)?;
            let org: Option<String> = get(row, 3)?;
            hits.push(match t {
                1 => json!({ "__typename": "Committee", "code": code, "name": name }),
                2 => json!({ "__typename": "WorkingGroup", "code": code, "name": name }),
                3 => json!({ "__typename": "Standard", "code": code, "title": name }),
                _ => json!({ "__typename": "Expert", "name": name, "organization": org }),
            });
        }
        Ok(json!({ "search": hits }))
    }

    async fn q5(
        &self,
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
        let lookups: [(&str, &str); 5] = [
            (
                "Standard",
                "SELECT 'Standard', code_key, code, title FROM standard WHERE code_key IN ({})",
            ),
            (
                "Committee",
                "SELECT 'Committee', a.alias_key, c.code, c.name FROM committee_alias a \
                 JOIN committee c ON c.id = a.committee_id WHERE a.alias_key IN ({})",
            ),
            (
                "WorkingGroup",
                "SELECT 'WorkingGroup', a.alias_key, g.code, g.name FROM working_group_alias a \
                 JOIN working_group g ON g.id = a.working_group_id WHERE a.alias_key IN ({})",
            ),
            (
                "Expert",
                "SELECT 'Expert', \"key\", name, NULL FROM expert WHERE \"key\" IN ({})",
            ),
            (
                "Liaison",
                "SELECT 'Liaison', \"key\", kind, counterpart FROM liaison WHERE \"key\" IN ({})",
            ),
        ];
        let mut parts = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for (type_name, sql) in lookups {
            let wanted: BTreeSet<&String> = keys
                .iter()
                .filter(|(kind, _)| kind == type_name)
                .map(|(_, k)| k)
                .collect();
            if wanted.is_empty() {
                continue;
            }
            parts.push(sql.replace("{}", &marks(wanted.len())));
            values.extend(wanted.into_iter().map(|k| Value::from(k.clone())));
        }
        let mut found: HashMap<(String, String), String> = HashMap::new();
        if !parts.is_empty() {
            let rows = self.rows(&parts.join(" UNION ALL "), values).await?;
            for row in &rows {
                let type_name: String = get(row, 0)?;
                let key: String = get(row, 1)?;
                let a: String = get(row, 2)?;
                let b: Option<String> = get(row, 3)?;
                let line = match type_name.as_str() {
                    "Expert" => format!("Expert:{a}"),
                    other => format!("{other}:{a}|{}", opt(b)),
                };
                found.insert((type_name, key), line);
            }
        }
        Ok(if summarize {
            keys.iter()
                .map(|k| found.get(k).cloned().unwrap_or_else(|| "null".to_owned()))
                .collect()
        } else {
            Vec::new()
        })
    }

    async fn q6(&self, summarize: bool) -> Result<Vec<String>, DbErr> {
        let rows = self
            .rows(
                "SELECT code, title, status, year, \
                   (SELECT COUNT(*) FROM standard WHERE status = ?) \
                 FROM standard WHERE status = ? ORDER BY code LIMIT ?",
                vec![
                    "PUBLISHED".into(),
                    "PUBLISHED".into(),
                    (Q6_PAGE as i64).into(),
                ],
            )
            .await?;
        let mut total = 0i64;
        let mut page = Vec::with_capacity(rows.len());
        for row in &rows {
            let code: String = get(row, 0)?;
            let title: String = get(row, 1)?;
            let status: String = get(row, 2)?;
            let y: Option<i32> = get(row, 3)?;
            total = get(row, 4)?;
            page.push(format!("{code}|{title}|{status}|{}", year(y)));
        }
        if !summarize {
            return Ok(Vec::new());
        }
        // No row: the page is empty, so the count is zero.
        let mut lines = vec![format!("total:{total}")];
        lines.extend(page);
        Ok(lines)
    }

    /// Q9: one GROUP BY per facet, each facet by count (largest first), ties
    /// by value as the registry orders them (here, not by a collation).
    async fn q9(&self, summarize: bool) -> Result<Vec<String>, DbErr> {
        let kinds = || -> Vec<Value> { Q9_KINDS.iter().map(|&kind| kind.into()).collect() };
        let within = format!("s.kind IN ({})", marks(2));
        let mut facets: Vec<(&str, FacetCounts)> = Vec::new();
        for (facet, value) in [
            ("status", "s.status"),
            ("kind", "s.kind"),
            ("year", "s.year"),
            ("committee", "c.code"),
        ] {
            let join = match facet {
                "committee" => "JOIN committee c ON c.id = s.committee_id",
                _ => "",
            };
            let rows = self
                .rows(
                    &format!(
                        "SELECT {value}, COUNT(*) FROM standard s {join} \
                         WHERE {within} AND {value} IS NOT NULL GROUP BY {value}"
                    ),
                    kinds(),
                )
                .await?;
            let mut counts = Vec::with_capacity(rows.len());
            for row in &rows {
                let count: i64 = get(row, 1)?;
                // Years order as numbers, the rest as text.
                let (value, number) = match facet {
                    "year" => {
                        let y: i32 = get(row, 0)?;
                        (y.to_string(), i64::from(y))
                    }
                    _ => (get(row, 0)?, 0),
                };
                counts.push((value, number, count));
            }
            counts.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)).then(a.0.cmp(&b.0)));
            facets.push((facet, counts));
        }
        if !summarize {
            return Ok(Vec::new());
        }
        let total: i64 = facets[0].1.iter().map(|(_, _, count)| count).sum();
        let mut lines = vec![format!("total:{total}")];
        for (facet, counts) in facets {
            lines.extend(
                counts
                    .into_iter()
                    .map(|(value, _, count)| format!("{facet}:{value}:{count}")),
            );
        }
        Ok(lines)
    }

    /// The sort keys of the row before Q7's page at `offset`, looked up once
    /// per offset; `None` for the first page.
    async fn q7_keys(&self, offset: usize) -> Result<Option<(i32, String)>, DbErr> {
        if offset == 0 {
            return Ok(None);
        }
        if let Some(keys) = self.q7_keys.lock().unwrap().get(&offset) {
            return Ok(Some(keys.clone()));
        }
        let sql = format!(
            "SELECT year, code FROM standard WHERE {} AND year >= ? \
             ORDER BY year DESC, code LIMIT 1 OFFSET ?",
            self.q7_kinds()
        );
        let rows = self
            .rows(
                &sql,
                vec![
                    "NATIONAL".into(),
                    "SECTOR".into(),
                    2000.into(),
                    (offset as i64 - 1).into(),
                ],
            )
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| DbErr::RecordNotFound(format!("Q7's row {offset}")))?;
        let keys: (i32, String) = (get(row, 0)?, get(row, 1)?);
        self.q7_keys.lock().unwrap().insert(offset, keys.clone());
        Ok(Some(keys))
    }

    /// Q7's kind term. SQLite keeps no statistics, and given `kind IN (..)`
    /// it reads the registry's facet index (led by kind) and sorts every
    /// standard of those kinds; `+kind` keeps it on the order's index, which
    /// is what a person tuning this query by hand would write.
    fn q7_kinds(&self) -> &'static str {
        match self.backend() {
            DbBackend::Sqlite => "+kind IN (?, ?)",
            _ => "kind IN (?, ?)",
        }
    }

    async fn q7(&self, offset: usize, summarize: bool) -> Result<Vec<String>, DbErr> {
        let limit = Q7_PAGE as i64 + 1;
        let kinds = || -> Vec<Value> { vec!["NATIONAL".into(), "SECTOR".into()] };
        let (sql, values) = match self.q7_keys(offset).await? {
            // Codes are unique, so (year, code) orders the list; the rows
            // after the cursor's are the rest of its year, then the years
            // below: two ranges of the index, each read as far as the limit.
            Some((y, code)) => {
                let mut values = vec![y.into(), code.into()];
                values.extend(kinds());
                values.push(limit.into());
                values.extend([y.into(), 2000.into()]);
                values.extend(kinds());
                values.extend([limit.into(), limit.into()]);
                (
                    format!(
                        "SELECT code, title, year, status FROM ( \
                           SELECT * FROM (SELECT 0 AS part, code, title, year, status FROM standard \
                             WHERE year = ? AND code > ? AND {kinds} ORDER BY code LIMIT ?) a \
                           UNION ALL SELECT * FROM (SELECT 1 AS part, code, title, year, status FROM standard \
                             WHERE year < ? AND year >= ? AND {kinds} \
                             ORDER BY year DESC, code LIMIT ?) b \
                         ) page ORDER BY part, year DESC, code LIMIT ?",
                        kinds = self.q7_kinds()
                    ),
                    values,
                )
            }
            None => {
                let mut values = kinds();
                values.extend([2000.into(), limit.into()]);
                (
                    format!(
                        "SELECT code, title, year, status FROM standard \
                         WHERE {} AND year >= ? ORDER BY year DESC, code LIMIT ?",
                        self.q7_kinds()
                    ),
                    values,
                )
            }
        };
        let rows = self.rows(&sql, values).await?;
        let mut page = Vec::with_capacity(rows.len());
        for row in &rows {
            let code: String = get(row, 0)?;
            let title: String = get(row, 1)?;
            let y: Option<i32> = get(row, 2)?;
            let status: String = get(row, 3)?;
            page.push(format!("{code}|{title}|{}|{status}", year(y)));
        }
        if !summarize {
            return Ok(Vec::new());
        }
        let more = page.len() > Q7_PAGE;
        page.truncate(Q7_PAGE);
        page.push(format!("next:{more}"));
        Ok(page)
    }
}
