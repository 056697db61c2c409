// The database: opening it, the indexes and full-text tables the server
// needs, and every statement, prepared once.

import Database from 'better-sqlite3';

// Every foreign key and every code/key column of the registry's tables.
const INDEXED = [
  ['committee', 'parent_id'],
  ['committee', 'code'],
  ['committee_alias', 'committee_id'],
  ['committee_alias', 'alias_key'],
  ['working_group', 'committee_id'],
  ['working_group', 'code'],
  ['working_group_alias', 'working_group_id'],
  ['working_group_alias', 'alias_key'],
  ['standard', 'committee_id'],
  ['standard', 'working_group_id'],
  ['standard', 'code'],
  ['standard', 'code_key'],
  ['standard_equivalence', 'standard_id'],
  ['standard_equivalence', 'equivalent_id'],
  ['expert', 'key'],
  ['position', 'expert_id'],
  ['position', 'committee_id'],
  ['position', 'working_group_id'],
  ['liaison', 'committee_id'],
  ['liaison', 'working_group_id'],
  ['liaison', 'key'],
  ['statistic', 'committee_id'],
  ['statistic', 'working_group_id'],
];

// One FTS5 table per searchable type, over the columns search matches.
// External-content tables: the text stays in the base table, the FTS
// rowid is the row's id.
export const SEARCHED = {
  committee: ['code', 'name'],
  working_group: ['code', 'name'],
  standard: ['code', 'title'],
  expert: ['name', 'organization'],
};

export const ftsTable = (table) => `peer_${table}_fts`;

export function openDatabase(path) {
  const db = new Database(path, { fileMustExist: true });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  ensureIndexes(db);
  ensureSearchTables(db);
  db.pragma('optimize');
  return db;
}

function tableExists(db, name) {
  return db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(name) !== undefined;
}

// CREATE INDEX IF NOT EXISTS for each column no index leads with yet (UNIQUE
// columns already have one), so that no index is made twice under two names.
function ensureIndexes(db) {
  for (const [table, column] of INDEXED) {
    if (!tableExists(db, table)) continue;
    const covered = db
      .pragma(`index_list(${table})`)
      .some((index) => db.pragma(`index_info(${index.name})`).find((c) => c.seqno === 0)?.name === column);
    if (!covered) {
      db.exec(`CREATE INDEX IF NOT EXISTS idx_${table}_${column} ON ${table} (${column})`);
    }
  }
}

// The full-text tables, created and filled when missing (in one
// transaction, so that a table that exists is filled).
function ensureSearchTables(db) {
  for (const [table, columns] of Object.entries(SEARCHED)) {
    const fts = ftsTable(table);
    if (tableExists(db, fts)) continue;
    db.transaction(() => {
      db.exec(
        `CREATE VIRTUAL TABLE ${fts} USING fts5(${columns.join(', ')}, content='${table}', content_rowid='id')`,
      );
      db.exec(`INSERT INTO ${fts}(${fts}) VALUES ('rebuild')`);
    })();
  }
}

const COLUMNS = {
  committee: 'id, code, name, kind, parent_id AS parentId, founded, scope',
  working_group: 'id, code, name, kind, committee_id AS committeeId, established, focus',
  standard:
    'id, code, code_assigned AS codeAssigned, title, kind, status, year, ' +
    'committee_id AS committeeId, working_group_id AS workingGroupId',
  expert: 'id, key, name, organization',
  liaison:
    'id, key, kind, committee_id AS committeeId, working_group_id AS workingGroupId, counterpart, description',
};

// `column IN (...)` for a JSON array of values bound as one parameter: one
// prepared statement serves a batch of any size.
const inList = (column) => `${column} IN (SELECT value FROM json_each(?))`;

// Lifecycle order for `orderBy: STATUS`, as the registry documents it.
const LIFECYCLE = ['PUBLISHED', 'APPROVED_PROJECT', 'UNDER_DEVELOPMENT', 'DRAFT', 'PRE_RESEARCH', 'PLANNED', 'WITHDRAWN'];
const STATUS_RANK = `CASE status ${LIFECYCLE.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} ELSE ${LIFECYCLE.length} END`;

const ORDER_COLUMN = { CODE: 'code', TITLE: 'title', YEAR: 'year', STATUS: STATUS_RANK };

export function prepareStatements(db) {
  const byColumn = (table, column) =>
    db.prepare(`SELECT ${COLUMNS[table]} FROM ${table} WHERE ${inList(column)}`);

  // Every child of a batch of parents, each parent's in list order.
  const childrenOf = (table, parent, order) =>
    db.prepare(`SELECT ${COLUMNS[table]} FROM ${table} WHERE ${inList(parent)} ORDER BY ${parent}, ${order}`);

  const search = Object.fromEntries(
    Object.keys(SEARCHED).map((table) => {
      const fts = ftsTable(table);
      return [table, db.prepare(`SELECT rowid AS id FROM ${fts} WHERE ${fts} MATCH ? LIMIT ?`).pluck()];
    }),
  );

  // The standards list is one statement per filter and ordering shape,
  // prepared the first time that shape is asked for.
  const standardLists = new Map();
  const prepared = (sql) => {
    let statement = standardLists.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      standardLists.set(sql, statement);
    }
    return statement;
  };

  return {
    committeeById: byColumn('committee', 'id'),
    committeeByCode: byColumn('committee', 'code'),
    workingGroupById: byColumn('working_group', 'id'),
    workingGroupByCode: byColumn('working_group', 'code'),
    standardById: byColumn('standard', 'id'),
    standardByCode: byColumn('standard', 'code'),
    expertById: byColumn('expert', 'id'),
    expertByKey: byColumn('expert', 'key'),
    liaisonById: byColumn('liaison', 'id'),
    liaisonByKey: byColumn('liaison', 'key'),

    committeesPage: db.prepare(`SELECT ${COLUMNS.committee} FROM committee ORDER BY code, id LIMIT ? OFFSET ?`),
    committeeCount: db.prepare('SELECT COUNT(*) FROM committee').pluck(),

    workingGroupsOfCommittees: childrenOf('working_group', 'committee_id', 'code, id'),
    standardsOfWorkingGroups: childrenOf('standard', 'working_group_id', 'code, id'),

    // Each committee's liaisons in the registry's order: by row id.
    liaisonsOfCommittees: db.prepare(
      `SELECT ${COLUMNS.liaison} FROM liaison WHERE ${inList('committee_id')} ORDER BY committee_id, id`,
    ),

    search,

    // `standards(filter:, orderBy:)`: the page and, when asked for, the count.
    standardsList(filter = {}, orderBy = []) {
      const where = [];
      const params = [];
      if (filter.status?.length) {
        where.push(inList('status'));
        params.push(JSON.stringify(filter.status));
      }
      if (filter.kind?.length) {
        where.push(inList('kind'));
        params.push(JSON.stringify(filter.kind));
      }
      if (filter.yearFrom != null) {
        where.push('year >= ?');
        params.push(filter.yearFrom);
      }
      if (filter.yearTo != null) {
        where.push('year <= ?');
        params.push(filter.yearTo);
      }
      const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const keys = orderBy.length ? orderBy : [{ field: 'CODE', direction: 'ASC' }];
      const order = keys.map(({ field, direction }) => {
        // Unknown years last, either way.
        const nulls = field === 'YEAR' ? ' NULLS LAST' : '';
        return `${ORDER_COLUMN[field]} ${direction}${nulls}`;
      });
      order.push('id');
      return {
        page: (limit, offset) =>
          prepared(`SELECT ${COLUMNS.standard} FROM standard ${whereSql} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`).all(
            ...params,
            limit,
            offset,
          ),
        count: () => prepared(`SELECT COUNT(*) FROM standard ${whereSql}`).pluck().get(...params),
      };
    },
  };
}
