// GraphQL over HTTP: graphql-http's own audit (auditServer) against our
// running server, then a few checks of what the audit does not cover:
// batches and their configured limit, 405/406/415, and the error bodies.
//
// Every audit is printed with its result. A failed MUST ("error") or SHOULD
// ("warn") fails the run; a failed MAY ("notice") is printed and counted
// apart, as the spec leaves it to the server.
//
// Env: REGISTRY_BIN (the built server). Last line: "N passed, M failed".

import { auditServer } from 'graphql-http';
import { Checks, assert, assertEqual, post, startRegistry, stopAll } from './lib.mjs';

// A small batch limit, set the way an operator would, so the check shows the
// configuration is what limits batches.
const MAX_BATCH = 4;

async function run(checks) {
  const registry = await startRegistry({ REGISTRY_MAX_BATCH: String(MAX_BATCH) });
  const url = registry.url;
  console.log(`registry at ${url}\n`);

  const results = await auditServer({ url });
  let notices = 0;
  for (const result of results) {
    const level = result.name.split(' ')[0];
    const line = `${result.id} ${result.name}`;
    if (result.status === 'ok') {
      checks.passed += 1;
      console.log(`ok      ${line}`);
    } else if (result.status === 'notice') {
      notices += 1;
      console.log(`notice  ${line}\n        ${result.reason}`);
    } else {
      checks.failed += 1;
      console.log(`FAILED  ${line} (${result.status}, ${level})\n        ${result.reason}`);
    }
  }
  const count = (status) => results.filter((r) => r.status === status).length;
  console.log(
    `\naudit: ${count('ok')} ok, ${count('error')} MUST failed, ${count('warn')} SHOULD failed, ${notices} MAY not done, of ${results.length}\n`,
  );

  const jsonHeaders = { accept: 'application/json' };
  const responseHeaders = { accept: 'application/graphql-response+json' };
  const typename = { query: '{ __typename }' };

  await checks.check('a batch is answered in request order', async () => {
    const res = await post(url, [
      { query: '{ committee(code: "SC42") { code } }' },
      { query: 'query Q($code: String!) { standard(code: $code) { year } }', variables: { code: 'GB/T 45993-2025' } },
      { query: '{ nope }' },
    ], jsonHeaders);
    assertEqual(res.status, 200, 'status');
    assertEqual(res.body.map((r) => r.data), [
      { committee: { code: 'SAC/TC28/SC42' } },
      { standard: { year: 2025 } },
      undefined,
    ], 'data of each operation');
    assertEqual(res.body[2].errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED', 'code of the failed one');
  });

  await checks.check(`a batch of REGISTRY_MAX_BATCH=${MAX_BATCH} runs; one more is refused with 400`, async () => {
    const full = await post(url, Array(MAX_BATCH).fill(typename), jsonHeaders);
    assertEqual(full.status, 200, 'status of a full batch');
    assertEqual(full.body.length, MAX_BATCH, 'answers');
    const over = await post(url, Array(MAX_BATCH + 1).fill(typename), responseHeaders);
    assertEqual(over.status, 400, 'status of a batch over the limit');
    assertEqual(over.headers.get('content-type'), 'application/graphql-response+json', 'content type');
    assertEqual(over.body, {
      errors: [{ message: `a batch may hold at most ${MAX_BATCH} operations`, extensions: { code: 'BAD_REQUEST' } }],
    }, 'body');
  });

  await checks.check('a mutation over GET is refused with 405 and Allow: POST', async () => {
    const res = await fetch(`${url}?query=${encodeURIComponent('mutation { x }')}`, { headers: responseHeaders });
    assertEqual(res.status, 405, 'status');
    assertEqual(res.headers.get('allow'), 'POST', 'Allow');
    assertEqual((await res.json()).errors[0].extensions.code, 'BAD_REQUEST', 'code');
  });

  await checks.check('another method is refused with 405 and Allow: GET, POST', async () => {
    const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    assertEqual(res.status, 405, 'status');
    assertEqual(res.headers.get('allow'), 'GET, POST', 'Allow');
    assertEqual((await res.json()).errors[0].extensions.code, 'BAD_REQUEST', 'code');
  });

  await checks.check('an Accept of neither JSON type is refused with 406', async () => {
    const res = await post(url, typename, { accept: 'text/html' });
    assertEqual(res.status, 406, 'status');
    assertEqual(res.body.errors[0].extensions.code, 'BAD_REQUEST', 'code');
  });

  await checks.check('Accept with q-values picks the preferred type', async () => {
    const json = await post(url, typename, { accept: 'application/graphql-response+json;q=0.5, application/json' });
    assertEqual(json.headers.get('content-type'), 'application/json', 'preferring application/json');
    const graphql = await post(url, typename, { accept: 'application/json;q=0.9, application/graphql-response+json' });
    assertEqual(graphql.headers.get('content-type'), 'application/graphql-response+json', 'preferring the new type');
  });

  await checks.check('a body that is not application/json in UTF-8 is refused with 415', async () => {
    for (const contentType of ['text/plain', 'application/json; charset=latin1']) {
      const res = await post(url, typename, { 'content-type': contentType });
      assertEqual(res.status, 415, `status for ${contentType}`);
      assertEqual(res.body.errors[0].extensions.code, 'BAD_REQUEST', 'code');
    }
  });

  await checks.check('a request error in graphql-response+json: 400, no data, coded errors', async () => {
    const parse = await post(url, { query: '{' }, responseHeaders);
    assertEqual(parse.status, 400, 'status of a parse error');
    assert(!('data' in parse.body), `no data: ${JSON.stringify(parse.body)}`);
    assertEqual(parse.body.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED', 'code');
    const coercion = await post(url, {
      query: 'query E($id: ID!) { expert(id: $id) { name } }',
      variables: {},
    }, responseHeaders);
    assertEqual(coercion.status, 400, `status of a missing variable: ${JSON.stringify(coercion.body)}`);
    assert(!('data' in coercion.body), `no data: ${JSON.stringify(coercion.body)}`);
    assert(typeof coercion.body.errors[0].extensions?.code === 'string', `a code: ${JSON.stringify(coercion.body)}`);
  });

  await checks.check('a field error in graphql-response+json is still 200 with data', async () => {
    const res = await post(url, { query: '{ standards(first: 101) { totalCount } }' }, responseHeaders);
    assertEqual(res.status, 200, 'status');
    assert('data' in res.body, `data: ${JSON.stringify(res.body)}`);
    assertEqual(res.body.errors[0].extensions.code, 'BAD_USER_INPUT', 'code');
  });
}

const checks = new Checks();
try {
  await run(checks);
} catch (err) {
  checks.fail('the audit ran', err);
} finally {
  await stopAll();
}
process.exitCode = checks.summary();
