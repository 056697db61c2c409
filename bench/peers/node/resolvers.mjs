// Resolvers: every relation goes through the request's DataLoaders.

import { GraphQLError } from 'graphql';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

const badInput = (message) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

// Opaque cursors: base64 of a row's position in its list.
const toCursor = (position) => Buffer.from(`cursor:${position}`).toString('base64');

function fromCursor(cursor) {
  const match = /^cursor:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
  if (!match) throw badInput(`\`${cursor}\` is not a cursor of this list`);
  return Number(match[1]);
}

// `first`/`after` as a row count and the position the page starts at.
function pageArgs({ first, after }) {
  const limit = first ?? DEFAULT_PAGE;
  if (limit < 0 || limit > MAX_PAGE) throw badInput(`\`first\` must be between 0 and ${MAX_PAGE}`);
  return { limit, offset: after == null ? 0 : fromCursor(after) + 1 };
}

// A connection from up to `limit + 1` rows read from `offset` (the extra row
// tells that a next page exists). `totalCount` is a function, so it is only
// counted when the query selects it.
function connection(rows, { limit, offset }, totalCount) {
  const hasNextPage = rows.length > limit;
  const nodes = hasNextPage ? rows.slice(0, limit) : rows;
  return {
    nodes,
    edges: () => nodes.map((node, i) => ({ cursor: toCursor(offset + i), node })),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: offset > 0,
      startCursor: nodes.length ? toCursor(offset) : null,
      endCursor: nodes.length ? toCursor(offset + nodes.length - 1) : null,
    },
    totalCount,
  };
}

// The rows of a whole list that `connection` needs for a page.
const slice = (list, { limit, offset }) => list.slice(offset, offset + limit + 1);

// Global ids: base64url (no padding) of `Type:key`, as the registry makes them.
const globalId = (type, key) => Buffer.from(`${type}:${key}`).toString('base64url');

function keyOfId(type, id) {
  const text = Buffer.from(id, 'base64url').toString();
  return text.startsWith(`${type}:`) ? text.slice(type.length + 1) : null;
}

// Every word of the text as a quoted FTS5 prefix term: `"knowledge"* "graph"*`.
function matchExpression(text) {
  return text
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .map((word) => `"${word.replaceAll('"', '""')}"*`)
    .join(' ');
}

const SEARCH_TYPES = [
  ['committee', 'Committee', 'committeeById'],
  ['working_group', 'WorkingGroup', 'workingGroupById'],
  ['standard', 'Standard', 'standardById'],
  ['expert', 'Expert', 'expertById'],
];

export function createResolvers(statements) {
  return {
    Query: {
      committees(_, args) {
        const page = pageArgs(args);
        const rows = statements.committeesPage.all(page.limit + 1, page.offset);
        return connection(rows, page, () => statements.committeeCount.get());
      },

      standard: (_, { code }, { loaders }) => loaders.standardByCode.load(code),

      standards(_, { filter, orderBy, ...args }) {
        const page = pageArgs(args);
        const list = statements.standardsList(filter ?? {}, orderBy ?? []);
        return connection(list.page(page.limit + 1, page.offset), page, list.count);
      },

      // Per type, in order, an unranked FTS5 prefix match with LIMIT, until
      // `first` hits are found; then the rows, through the loaders.
      async search(_, { text, first }, { loaders }) {
        const wanted = first ?? DEFAULT_PAGE;
        if (wanted < 0 || wanted > MAX_PAGE) throw badInput(`\`first\` must be between 0 and ${MAX_PAGE}`);
        const match = matchExpression(text.trim());
        if (!match || wanted === 0) return [];
        const found = [];
        let remaining = wanted;
        for (const [table, typename, loader] of SEARCH_TYPES) {
          if (remaining === 0) break;
          const ids = statements.search[table].all(match, remaining);
          remaining -= ids.length;
          if (ids.length) found.push([typename, loaders[loader].loadMany(ids)]);
        }
        const hits = [];
        for (const [typename, rows] of found) {
          for (const row of await rows) if (row) hits.push({ __typename: typename, ...row });
        }
        return hits;
      },
    },

    SearchHit: {
      __resolveType: (hit) => hit.__typename,
    },

    Committee: {
      __resolveReference: ({ code }, { loaders }) => loaders.committeeByCode.load(code),
      id: (committee) => globalId('Committee', committee.code),
      parent: (committee, _, { loaders }) =>
        committee.parentId == null ? null : loaders.committeeById.load(committee.parentId),
      async workingGroups(committee, args, { loaders }) {
        const page = pageArgs(args);
        const groups = await loaders.workingGroupsOfCommittee.load(committee.id);
        return connection(slice(groups, page), page, () => groups.length);
      },
      liaisons: (committee, _, { loaders }) => loaders.liaisonsOfCommittee.load(committee.id),
    },

    WorkingGroup: {
      __resolveReference: ({ code }, { loaders }) => loaders.workingGroupByCode.load(code),
      id: (group) => globalId('WorkingGroup', group.code),
      committee: (group, _, { loaders }) => loaders.committeeById.load(group.committeeId),
      async standards(group, args, { loaders }) {
        const page = pageArgs(args);
        const standards = await loaders.standardsOfWorkingGroup.load(group.id);
        return connection(slice(standards, page), page, () => standards.length);
      },
    },

    Standard: {
      __resolveReference: ({ code }, { loaders }) => loaders.standardByCode.load(code),
      id: (standard) => globalId('Standard', standard.code),
      codeAssigned: (standard) => Boolean(standard.codeAssigned),
      committee: (standard, _, { loaders }) =>
        standard.committeeId == null ? null : loaders.committeeById.load(standard.committeeId),
      workingGroup: (standard, _, { loaders }) =>
        standard.workingGroupId == null ? null : loaders.workingGroupById.load(standard.workingGroupId),
    },

    Expert: {
      __resolveReference({ id }, { loaders }) {
        const key = keyOfId('Expert', id);
        return key == null ? null : loaders.expertByKey.load(key);
      },
      id: (expert) => globalId('Expert', expert.key),
    },

    Liaison: {
      __resolveReference({ id }, { loaders }) {
        const key = keyOfId('Liaison', id);
        return key == null ? null : loaders.liaisonByKey.load(key);
      },
      id: (liaison) => globalId('Liaison', liaison.key),
      committee: (liaison, _, { loaders }) =>
        liaison.committeeId == null ? null : loaders.committeeById.load(liaison.committeeId),
      workingGroup: (liaison, _, { loaders }) =>
        liaison.workingGroupId == null ? null : loaders.workingGroupById.load(liaison.workingGroupId),
    },
  };
}
