// Checks that the peer answers every benchmark shape (Q1-Q7 of SHAPES.md)
// with the registry's data, and optionally times both, one request at a time.
//
//   node check.mjs --registry http://127.0.0.1:8080/graphql --peer http://127.0.0.1:4000/graphql [--latency 200]
//
// Variants are sampled from the registry: standard codes from lists in
// several orders, committee and working group codes, expert and liaison ids.
// Q3 pages follow each server's own endCursor; Q7's deep page is the one the
// benchmark sends (1,000 pages of 20 deep, or the last page of a shorter
// list), reached by paging with pages of 100 on each server. Q4 (search)
// is not compared with the registry (it ranks, the peer does not): every
// peer hit must contain every word of the text, and be of the types in order.

import { isDeepStrictEqual, parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    registry: { type: 'string' },
    peer: { type: 'string' },
    latency: { type: 'string', default: '0' },
    'q3-pages': { type: 'string', default: '3' },
  },
});
if (!options.registry || !options.peer) {
  console.error('usage: node check.mjs --registry URL --peer URL [--latency N] [--q3-pages N]');
  process.exit(2);
}

// The documents, verbatim from SHAPES.md.
const Q = {
  Q1: 'query Q1($code: String!) { standard(code: $code) { code title kind status year committee { code name } workingGroup { code name } } }',
  Q2: 'query Q2 { standards(first: 100) { nodes { code title status year committee { code name } workingGroup { code name } } } }',
  Q3: 'query Q3($after: String) { committees(first: 10, after: $after) { pageInfo { hasNextPage endCursor } nodes { code name workingGroups(first: 20) { nodes { code name standards(first: 20) { nodes { code title committee { code liaisons { kind counterpart } } } } } } } } }',
  Q4: 'query Q4($text: String!) { search(text: $text, first: 20) { __typename ... on Committee { code name } ... on WorkingGroup { code name } ... on Standard { code title } ... on Expert { name organization } } }',
  Q5: 'query Q5($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Standard { code title } ... on Committee { code name } ... on WorkingGroup { code name } ... on Expert { name } ... on Liaison { kind counterpart } } }',
  Q6: 'query Q6 { standards(filter: { status: [PUBLISHED] }, first: 100) { totalCount nodes { code title status year } } }',
  Q7: 'query Q7($after: String) { standards(filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }], first: 20, after: $after) { pageInfo { hasNextPage endCursor } nodes { code title year status } } }',
};
const Q7_LIST =
  'filter: { kind: [NATIONAL, SECTOR], yearFrom: 2000 }, orderBy: [{ field: YEAR, direction: DESC }, { field: CODE, direction: ASC }]';
const SEARCH_TEXTS = ['cloud', 'data', 'security', 'knowledge graph', 'intelligence', 'software', 'blockchain', 'quantum'];

async function request(url, query, variables = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${url}: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data;
}

// Every `step`-th item, `count` of them at most, first and last included.
function spread(list, count) {
  if (list.length <= count) return list;
  return Array.from({ length: count }, (_, i) => list[Math.round((i * (list.length - 1)) / (count - 1))]);
}

// The first path where two values differ.
function difference(a, b, path = '$') {
  if (isDeepStrictEqual(a, b)) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} items vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = difference(a[key], b[key], `${path}.${key}`);
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

let failures = 0;
let passes = 0;
function compare(label, registry, peer) {
  const d = difference(registry, peer);
  if (d) {
    failures++;
    console.log(`FAIL ${label}: registry vs peer at ${d}`);
  } else {
    passes++;
  }
}

// Codes and ids to send, read from the registry.
async function sample() {
  const registry = options.registry;
  const orders = ['', 'orderBy: [{ field: TITLE, direction: ASC }], ', 'orderBy: [{ field: YEAR, direction: DESC }], '];
  const standardCodes = [];
  for (const order of orders) {
    const data = await request(registry, `{ standards(${order}first: 100) { nodes { code } } }`);
    standardCodes.push(...data.standards.nodes.map((s) => s.code));
  }
  const data = await request(
    registry,
    `{ committees(first: 100) { nodes { code workingGroups(first: 100) { nodes { code } } } }
       experts(first: 100) { nodes { id } } liaisons(first: 100) { nodes { id } } }`,
  );
  return {
    standardCodes: [...new Set(standardCodes)],
    committeeCodes: data.committees.nodes.map((c) => c.code),
    groupCodes: data.committees.nodes.flatMap((c) => c.workingGroups.nodes.map((g) => g.code)),
    expertIds: data.experts.nodes.map((e) => e.id),
    liaisonIds: data.liaisons.nodes.map((l) => l.id),
  };
}

// 100 representations, 40% standards, 15% committees, 20% groups, 10% experts,
// 15% liaisons, as the benchmark mixes them; variant 0 adds unknown keys.
function representations(s, v) {
  const at = (list, i) => list[(v * 131 + i * 7919) % list.length];
  return Array.from({ length: 100 }, (_, i) => {
    const slot = i % 20;
    if (v === 0 && i === 99) return { __typename: 'Standard', code: 'no such code' };
    if (v === 0 && i === 98) return { __typename: 'Expert', id: Buffer.from('Expert:nobody').toString('base64url') };
    if (slot < 8) return { __typename: 'Standard', code: at(s.standardCodes, i) };
    if (slot < 11) return { __typename: 'Committee', code: at(s.committeeCodes, i) };
    if (slot < 15) return { __typename: 'WorkingGroup', code: at(s.groupCodes, i) };
    if (slot < 17) return { __typename: 'Expert', id: at(s.expertIds, i) };
    return { __typename: 'Liaison', id: at(s.liaisonIds, i) };
  });
}

// The cursor of row `position` (0-based) of Q7's list, by pages of 100.
async function q7Cursor(url, position) {
  const query = `query Page($first: Int!, $after: String) { standards(${Q7_LIST}, first: $first, after: $after) { pageInfo { endCursor } } }`;
  let after = null;
  let reached = 0;
  while (reached <= position) {
    const first = Math.min(position + 1 - reached, 100);
    const data = await request(url, query, { first, after });
    after = data.standards.pageInfo.endCursor;
    if (!after) throw new Error(`${url}: Q7's list ended before row ${position}`);
    reached += first;
  }
  return after;
}

// The search hit's text, for checking that it holds the words.
const hitText = (hit) => [hit.code, hit.name, hit.title, hit.organization].filter(Boolean).join(' ').toLowerCase();
const TYPE_ORDER = ['Committee', 'WorkingGroup', 'Standard', 'Expert'];

async function main() {
  const { registry, peer } = options;
  const s = await sample();
  console.log(
    `sample: ${s.standardCodes.length} standards, ${s.committeeCodes.length} committees, ${s.groupCodes.length} groups, ` +
      `${s.expertIds.length} experts, ${s.liaisonIds.length} liaisons`,
  );
  const variants = {}; // shape -> [[registryVariables, peerVariables]]
  const same = (v) => [v, v];

  variants.Q1 = spread(s.standardCodes, 24).map((code) => same({ code }));
  variants.Q1.push(same({ code: 'no such code' }));
  variants.Q2 = [same({})];

  variants.Q3 = [];
  const pages = Number(options['q3-pages']);
  let cursors = [null, null];
  for (let page = 1; page <= pages; page++) {
    const [r, p] = await Promise.all([request(registry, Q.Q3, { after: cursors[0] }), request(peer, Q.Q3, { after: cursors[1] })]);
    variants.Q3.push([{ after: cursors[0] }, { after: cursors[1] }]);
    if (!r.committees.pageInfo.hasNextPage) break;
    cursors = [r.committees.pageInfo.endCursor, p.committees.pageInfo.endCursor];
  }

  variants.Q4 = SEARCH_TEXTS.map((text) => same({ text }));
  variants.Q5 = Array.from({ length: 6 }, (_, v) => same({ representations: representations(s, v) }));
  variants.Q6 = [same({})];

  // Q7: the first page, and the deep page the benchmark sends.
  const total = (await request(registry, `{ standards(${Q7_LIST}, first: 0) { totalCount } }`)).standards.totalCount;
  const peerTotal = (await request(peer, `{ standards(${Q7_LIST}, first: 0) { totalCount } }`)).standards.totalCount;
  compare('Q7 totalCount', total, peerTotal);
  const depth = Math.min(1000, Math.floor(Math.max(total - 1, 0) / 20)) * 20;
  variants.Q7 = [same({ after: null })];
  if (depth > 0) {
    const [r, p] = await Promise.all([q7Cursor(registry, depth - 1), q7Cursor(peer, depth - 1)]);
    variants.Q7.push([{ after: r }, { after: p }]);
    console.log(`Q7: ${total} rows; deep page after row ${depth - 1}`);
  }

  for (const shape of ['Q1', 'Q2', 'Q3', 'Q5', 'Q6', 'Q7']) {
    for (const [i, [rv, pv]] of variants[shape].entries()) {
      const [r, p] = await Promise.all([request(registry, Q[shape], rv), request(peer, Q[shape], pv)]);
      if (shape === 'Q3' || shape === 'Q7') {
        // Cursors are each server's own.
        delete r[Object.keys(r)[0]].pageInfo.endCursor;
        delete p[Object.keys(p)[0]].pageInfo.endCursor;
      }
      compare(`${shape} variant ${i}`, r, p);
    }
  }

  for (const [, { text }] of variants.Q4) {
    const [r, p] = await Promise.all([request(registry, Q.Q4, { text }), request(peer, Q.Q4, { text })]);
    const words = text.toLowerCase().split(/\s+/);
    const wrong = p.search.filter((hit) => !words.every((word) => hitText(hit).includes(word)));
    const ranks = p.search.map((hit) => TYPE_ORDER.indexOf(hit.__typename));
    const ordered = ranks.every((rank, i) => i === 0 || ranks[i - 1] <= rank);
    if (wrong.length || !ordered || p.search.length > 20) {
      failures++;
      console.log(`FAIL Q4 "${text}": ${wrong.length} hits without the words, types in order: ${ordered}`, wrong.slice(0, 3));
    } else {
      passes++;
    }
    const types = (hits) => TYPE_ORDER.map((t) => hits.filter((h) => h.__typename === t).length).join('/');
    console.log(`Q4 "${text}": registry ${r.search.length} hits (${types(r.search)}), peer ${p.search.length} (${types(p.search)})`);
  }

  console.log(`${passes} passed, ${failures} failed`);

  const runs = Number(options.latency);
  if (runs > 0) {
    console.log(`\nsequential latency, ${runs} requests per shape after 20 warm-up (ms: mean / p50 / p99)`);
    for (const shape of ['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7']) {
      const line = [shape.padEnd(3)];
      for (const [side, url] of [[0, registry], [1, peer]]) {
        // Q7 as the benchmark sends it: the deep page only.
        const list = (shape === 'Q7' ? variants.Q7.slice(-1) : variants[shape]).map((v) => v[side]);
        for (let i = 0; i < 20; i++) await request(url, Q[shape], list[i % list.length]);
        const times = [];
        for (let i = 0; i < runs; i++) {
          const started = performance.now();
          await request(url, Q[shape], list[i % list.length]);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        const mean = times.reduce((a, b) => a + b, 0) / runs;
        const at = (q) => times[Math.min(runs - 1, Math.floor(q * runs))];
        line.push(`${side ? 'peer' : 'registry'} ${mean.toFixed(2)} / ${at(0.5).toFixed(2)} / ${at(0.99).toFixed(2)}`);
      }
      console.log(line.join('   '));
    }
  }
  process.exit(failures ? 1 : 0);
}

await main();
