// DataLoaders, made anew for every request (their caches live as long as
// the request): each batches the keys one tick of resolvers asks for into
// one statement.

import DataLoader from 'dataloader';

// One row per key (or null), in the order of the keys.
function rowsBy(statement, keyOf) {
  return new DataLoader(async (keys) => {
    const rows = new Map(statement.all(JSON.stringify(keys)).map((row) => [keyOf(row), row]));
    return keys.map((key) => rows.get(key) ?? null);
  });
}

// Each parent's whole list of children, in the statement's order.
//
// Per-parent pages ("the first 20 groups of each committee") are sliced from
// these lists by the resolvers: the lists are short (tens of rows), and one
// `WHERE parent IN (...) ORDER BY parent, code` read of them all is cheaper
// than numbering them with ROW_NUMBER() OVER (PARTITION BY parent) and
// keeping a window, which sorts the same rows and more.
function childrenBy(statement, parentOf) {
  return new DataLoader(async (parents) => {
    const lists = new Map(parents.map((parent) => [parent, []]));
    for (const row of statement.all(JSON.stringify(parents))) lists.get(parentOf(row))?.push(row);
    return parents.map((parent) => lists.get(parent));
  });
}

export function createLoaders(s) {
  const byId = (row) => row.id;
  const byCode = (row) => row.code;
  const byKey = (row) => row.key;
  return {
    committeeById: rowsBy(s.committeeById, byId),
    committeeByCode: rowsBy(s.committeeByCode, byCode),
    workingGroupById: rowsBy(s.workingGroupById, byId),
    workingGroupByCode: rowsBy(s.workingGroupByCode, byCode),
    standardById: rowsBy(s.standardById, byId),
    standardByCode: rowsBy(s.standardByCode, byCode),
    expertById: rowsBy(s.expertById, byId),
    expertByKey: rowsBy(s.expertByKey, byKey),
    liaisonById: rowsBy(s.liaisonById, byId),
    liaisonByKey: rowsBy(s.liaisonByKey, byKey),

    workingGroupsOfCommittee: childrenBy(s.workingGroupsOfCommittees, (row) => row.committeeId),
    standardsOfWorkingGroup: childrenBy(s.standardsOfWorkingGroups, (row) => row.workingGroupId),
    liaisonsOfCommittee: childrenBy(s.liaisonsOfCommittees, (row) => row.committeeId),
  };
}
