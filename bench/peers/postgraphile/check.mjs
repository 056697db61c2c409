// Checks that the PostGraphile peer answers every shape it can express with
// the same `data` as the registry, after the peer's normalization.
//
//   node check.mjs --registry http://127.0.0.1:A/graphql --peer http://127.0.0.1:B/graphql [--verbose] [--bench 200]
//
// The peer's documents are read from bench/src/peers/postgraphile.rs (what
// the benchmark sends); the registry's are those of SHAPES.md. Cursors are
// each server's own: Q3 pages follow each server's endCursor, Q7's deep page
// is reached by each server's pager. endCursor values are opaque and left
// out of the comparison. With --bench N, each shape's first variant (Q7: the
// deep page) is then sent N times to each server in one sequential loop,
// alternating between the servers after a warm-up, and the median and mean
// latencies are printed.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';

const { values: args } = parseArgs({
  options: {
    registry: { type: 'string' },
    peer: { type: 'string' },
    bench: { type: 'string' },
    'q7-depth': { type: 'string', default: '1000' },
    verbose: { type: 'boolean', default: false },
  },
});
if (!args.registry || !args.peer) {
  console.error('usage: node check.mjs --registry URL --peer URL [--verbose] [--bench N]');
  process.exit(2);
}

// --- The peer's documents, from the Rust module the benchmark uses.
const rust = readFileSync(new URL('../../src/peers/postgraphile.rs', import.meta.url), 'utf8');
const PEER = {};
for (const [, name, text] of rust.matchAll(/const (\w+): &str = r#"([\s\S]*?)"#;/g)) PEER[name] = text;
const q7PointerMatch = rust.match(/pub const Q7_PAGER: \(&str, &str\) = \(Q7_PAGE, "([^"]+)"\);/);
if (!q7PointerMatch) throw new Error('Q7_PAGER not found in postgraphile.rs');
const Q7_POINTER = q7PointerMatch[1];
for (const name of ['Q1', 'Q2', 'Q3', 'Q4', 'Q6', 'Q7', 'Q7_PAGE']) {
  if (!PEER[name]) throw new Error(`${name} not found in postgraphile.rs`);
}

// --- The registry's documents (SHAPES.md).
const Q7_FILTER =
  'filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }]';
const REGISTRY = {
  Q1: 'query Q1($code: String!) { standard(code: $code) { code title kind status year committee { code name } workingGroup { code name } } }',
  Q2: 'query Q2 { standards(first: 100) { nodes { code title status year committee { code name } workingGroup { code name } } } }',
  Q3: 'query Q3($after: String) { committees(first: 10, after: $after) { pageInfo { hasNextPage endCursor } nodes { code name workingGroups(first: 20) { nodes { code name standards(first: 20) { nodes { code title committee { code liaisons { kind counterpart } } } } } } } } }',
  Q4: 'query Q4($text: String!) { search(text: $text, first: 20) { __typename ... on Committee { code name } ... on WorkingGroup { code name } ... on Standard { code title } ... on Expert { name organization } } }',
  Q6: 'query Q6 { standards(filter: { status: [PUBLISHED] }, first: 100) { totalCount nodes { code title status year } } }',
  Q7: `query Q7($after: String) { standards(${Q7_FILTER}, first: 20, after: $after) { pageInfo { hasNextPage endCursor } nodes { code title year status } } }`,
  Q7_PAGE: `query Page($first: Int!, $after: String) { standards(${Q7_FILTER}, first: $first, after: $after) { pageInfo { endCursor } } }`,
  Q7_TOTAL: `{ standards(${Q7_FILTER}, first: 0) { totalCount } }`,
};
const SEARCH_TEXTS = ['cloud', 'data', 'security', 'knowledge graph', 'intelligence', 'software', 'blockchain', 'quantum'];

// --- The peer's normalization (the same as `normalize` in postgraphile.rs).
function normalize(shape, data) {
  if (shape !== 'Q4' || data === null || typeof data !== 'object') return data;
  const hits = ['committees', 'workingGroups', 'standards', 'experts'].flatMap((field) => data[field] ?? []);
  return { search: hits.slice(0, 20) };
}

async function post(url, query, variables = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${url}: ${JSON.stringify(body.errors)}\n${query}`);
  return body.data;
}
const registry = (query, variables) => post(args.registry, query, variables);
const peer = (query, variables) => post(args.peer, query, variables);
const pointer = (value, path) => path.split('/').slice(1).reduce((v, key) => v?.[key], value);

/// `data` without its endCursor values (each server's own opaque cursors).
function withoutCursors(value) {
  if (Array.isArray(value)) return value.map(withoutCursors);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'endCursor')
        .map(([key, v]) => [key, withoutCursors(v)]),
    );
  }
  return value;
}

/// The first path where `a` and `b` differ.
function difference(a, b, path = '') {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const d = difference(a[key], b[key], `${path}/${key}`);
      if (d) return d;
    }
    return `${path}: length ${Object.keys(a).length} vs ${Object.keys(b).length}`;
  }
  return `${path}: registry ${JSON.stringify(a)} vs peer ${JSON.stringify(b)}`;
}

const results = [];
let failures = 0;
function compare(shape, label, registryData, peerData) {
  const d = difference(withoutCursors(registryData), withoutCursors(normalize(shape, peerData)));
  results.push({ shape, label, equal: !d });
  if (args.verbose) {
    console.log(`${shape} ${label}: ${d ? 'DIFFERENT' : 'equal'} (${JSON.stringify(registryData).length} bytes of data)`);
  }
  if (d) {
    failures += 1;
    console.log(`${shape} ${label}: DIFFERENT at ${d}`);
  }
}

// --- Variables.
const peerTotal = (await peer('{ allStandards { totalCount } }')).allStandards.totalCount;
const codes = [];
const Q1_CODES = 24;
for (let i = 0; i < Q1_CODES; i++) {
  const offset = Math.floor((i * (peerTotal - 1)) / (Q1_CODES - 1));
  const row = await peer('query($offset: Int!) { allStandardsList(orderBy: CODE_ASC, first: 1, offset: $offset) { code } }', { offset });
  codes.push(row.allStandardsList[0].code);
}
// Standards with a working group, and a code that is not there.
const withGroup = await peer('{ allStandardsList(condition: { codeAssigned: true }, filter: { workingGroupId: { isNull: false } }, orderBy: CODE_DESC, first: 4) { code } }');
codes.push(...withGroup.allStandardsList.map((s) => s.code), 'NO SUCH STANDARD 0000');

// Q1
for (const code of codes) {
  compare('Q1', code, await registry(REGISTRY.Q1, { code }), await peer(PEER.Q1, { code }));
}
// Q2, Q6
compare('Q2', '-', await registry(REGISTRY.Q2), await peer(PEER.Q2));
compare('Q6', '-', await registry(REGISTRY.Q6), await peer(PEER.Q6));
// Q3: pages 1-3, each server following its own endCursor.
{
  let registryAfter = null;
  let peerAfter = null;
  for (let page = 1; page <= 3; page++) {
    const r = await registry(REGISTRY.Q3, { after: registryAfter });
    const p = await peer(PEER.Q3, { after: peerAfter });
    compare('Q3', `page ${page}`, r, p);
    registryAfter = r.committees.pageInfo.endCursor;
    peerAfter = p.committees.pageInfo.endCursor;
    if (!r.committees.pageInfo.hasNextPage) break;
  }
}
// Q4
for (const text of SEARCH_TEXTS) {
  compare('Q4', JSON.stringify(text), await registry(REGISTRY.Q4, { text }), await peer(PEER.Q4, { text }));
}
// Q7: pages 1 and 2, and the page `depth` pages deep (or the last page), each server reaching it with its own pager.
async function q7Cursor(exec, document, path, position) {
  let after = null;
  let reached = 0;
  while (reached <= position) {
    const first = Math.min(position + 1 - reached, 100);
    after = pointer(await exec(document, { first, after }), path);
    if (!after) throw new Error(`Q7's list ended before row ${position}`);
    reached += first;
  }
  return after;
}
const q7Variants = {};
{
  const total = (await registry(REGISTRY.Q7_TOTAL)).standards.totalCount;
  const depth = Math.min(Number(args['q7-depth']), Math.floor(Math.max(total - 1, 0) / 20));
  const r1 = await registry(REGISTRY.Q7, { after: null });
  const p1 = await peer(PEER.Q7, { after: null });
  compare('Q7', 'page 1', r1, p1);
  if (r1.standards.pageInfo.hasNextPage) {
    compare(
      'Q7',
      'page 2',
      await registry(REGISTRY.Q7, { after: r1.standards.pageInfo.endCursor }),
      await peer(PEER.Q7, { after: p1.standards.pageInfo.endCursor }),
    );
  }
  q7Variants.registry = { after: null };
  q7Variants.peer = { after: null };
  if (depth > 0) {
    const position = depth * 20 - 1;
    const registryAfter = await q7Cursor(registry, REGISTRY.Q7_PAGE, '/standards/pageInfo/endCursor', position);
    const peerAfter = await q7Cursor(peer, PEER.Q7_PAGE, Q7_POINTER, position);
    compare(
      'Q7',
      `page ${depth + 1} (after row ${position} of ${total})`,
      await registry(REGISTRY.Q7, { after: registryAfter }),
      await peer(PEER.Q7, { after: peerAfter }),
    );
    q7Variants.registry = { after: registryAfter };
    q7Variants.peer = { after: peerAfter };
  }
}

const byShape = {};
for (const { shape, equal } of results) {
  byShape[shape] ??= { equal: 0, total: 0 };
  byShape[shape].total += 1;
  if (equal) byShape[shape].equal += 1;
}
for (const [shape, { equal, total }] of Object.entries(byShape)) {
  console.log(`${shape}: ${equal}/${total} equal`);
}

// --- Optional: sequential latency of each shape's first variant.
if (args.bench) {
  const n = Number(args.bench);
  const cases = [
    ['Q1', [REGISTRY.Q1, { code: codes[Math.floor(codes.length / 2)] }], [PEER.Q1, { code: codes[Math.floor(codes.length / 2)] }]],
    ['Q2', [REGISTRY.Q2, {}], [PEER.Q2, {}]],
    ['Q3', [REGISTRY.Q3, { after: null }], [PEER.Q3, { after: null }]],
    ['Q4', [REGISTRY.Q4, { text: 'data' }], [PEER.Q4, { text: 'data' }]],
    ['Q6', [REGISTRY.Q6, {}], [PEER.Q6, {}]],
    ['Q7', [REGISTRY.Q7, q7Variants.registry], [PEER.Q7, q7Variants.peer]],
  ];
  // Requests alternate between the two servers, so that a busy machine
  // slows both alike.
  const sender = (url, [query, variables]) => {
    const body = JSON.stringify({ query, variables });
    return async () => {
      const start = process.hrtime.bigint();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await response.arrayBuffer();
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
  };
  const stats = (samples) => {
    samples.sort((a, b) => a - b);
    return {
      median: samples[Math.floor(samples.length / 2)],
      mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    };
  };
  console.log(`\nsequential latency, ${n} requests each, alternating, after 20 warm-up (ms): shape  registry median/mean  peer median/mean`);
  for (const [shape, r, p] of cases) {
    const sendRegistry = sender(args.registry, r);
    const sendPeer = sender(args.peer, p);
    for (let i = 0; i < 20; i++) {
      await sendRegistry();
      await sendPeer();
    }
    const a = [];
    const b = [];
    for (let i = 0; i < n; i++) {
      a.push(await sendRegistry());
      b.push(await sendPeer());
    }
    const sa = stats(a);
    const sb = stats(b);
    console.log(`${shape}  ${sa.median.toFixed(2)} / ${sa.mean.toFixed(2)}  ${sb.median.toFixed(2)} / ${sb.mean.toFixed(2)}`);
  }
}

process.exit(failures ? 1 : 0);
