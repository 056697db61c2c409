// The PostGraphile benchmark peer: PostGraphile 4.14 as a library over the
// registry's PostgreSQL tables, configured as its documentation recommends
// for production (see README.md for every option and why).
//
//   node server.mjs --database-url postgres://postgres@127.0.0.1:5432/DB --port N
//
// GraphQL at POST http://127.0.0.1:N/graphql. Prints
// `listening on http://127.0.0.1:N/graphql` once the schema is built and a
// first request has been served, so a benchmark never measures schema building.

process.env.NODE_ENV ??= 'production';

import http from 'node:http';
import { parseArgs } from 'node:util';
import pg from 'pg';
import postgraphilePkg from 'postgraphile';
import connectionFilterPkg from 'postgraphile-plugin-connection-filter';

const { postgraphile } = postgraphilePkg;
const ConnectionFilterPlugin = connectionFilterPkg.default ?? connectionFilterPkg;

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    port: { type: 'string' },
    schema: { type: 'string', default: 'public' },
    'pool-size': { type: 'string', default: '16' },
  },
});
if (!args['database-url'] || !args.port) {
  console.error('usage: node server.mjs --database-url postgres://… --port N');
  process.exit(2);
}
const port = Number(args.port);

// The same number of connections as the registry's pool (DEFAULT_MAX_CONNECTIONS = 16).
const pool = new pg.Pool({
  connectionString: args['database-url'],
  max: Number(args['pool-size']),
});
pool.on('error', (error) => console.error('idle pool client error:', error.message));

const middleware = postgraphile(pool, args.schema, {
  // Production: no schema watching, no GraphiQL, no per-query log line.
  watchPg: false,
  graphiql: false,
  enhanceGraphiql: false,
  disableQueryLog: true,
  // Fail fast if the database is not there (the benchmark starts it first).
  retryOnInitFail: false,
  // JSON columns as JSON, not strings; set-returning functions never yield nulls.
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  // Respect grants (the superuser connection may read every table and column).
  ignoreRBAC: false,
  // Read-only peer: no generated CRUD mutations.
  disableDefaultMutations: true,
  // One-to-many relations as connections and as plain lists (`…List`).
  simpleCollections: 'both',
  // The deprecated duplicate one-to-one fields are left out, as recommended.
  legacyRelations: 'omit',
  // One operation per request, errors without extra detail or stack.
  enableQueryBatching: false,
  extendedErrors: [],
  showErrorStack: false,
  // The standard filter plugin for v4: `filter: { kind: { in: […] }, year: { greaterThanOrEqualTo: … } }`.
  appendPlugins: [ConnectionFilterPlugin],
  graphileBuildOptions: {
    connectionFilterRelations: false,
    connectionFilterComputedColumns: false,
    connectionFilterSetofFunctions: false,
    connectionFilterAllowNullInput: false,
    connectionFilterAllowEmptyObjectInput: false,
  },
});

const server = http.createServer(middleware);
server.keepAliveTimeout = 75_000;
server.headersTimeout = 76_000;

server.listen(port, '127.0.0.1', async () => {
  try {
    await middleware.getGraphQLSchema();
    // A first (introspection-free) request warms the request path.
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const body = await response.json();
    if (body?.data?.__typename !== 'Query') {
      throw new Error(`warm-up request failed: ${JSON.stringify(body)}`);
    }
    console.log(`listening on http://127.0.0.1:${port}/graphql`);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
});

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  server.close();
  server.closeAllConnections?.();
  middleware
    .release?.()
    .catch(() => {})
    .finally(() => pool.end().finally(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
