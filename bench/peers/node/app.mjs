// Apollo Server 5 standalone over a subgraph schema, with a fresh set of
// DataLoaders in every request's context.

import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

import { openDatabase, prepareStatements } from './db.mjs';
import { createLoaders } from './loaders.mjs';
import { createResolvers } from './resolvers.mjs';

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** Opens the database, starts the server on 127.0.0.1:`port`, and returns its URL. */
export async function start({ database, port }) {
  const db = openDatabase(database);
  const statements = prepareStatements(db);

  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs, resolvers: createResolvers(statements) }),
    // An API server: no landing page; no federated tracing (no GraphOS
    // here); and no cache-control policy, which the schema gives no hints
    // for and the registry sends no header for either: left on, it wraps
    // every field's resolution to compute a policy nobody reads.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port, host: '127.0.0.1' },
    context: async () => ({ loaders: createLoaders(statements) }),
  });
  // Apollo stops the server on SIGINT/SIGTERM; then the database is closed.
  process.once('exit', () => db.close());
  return url;
}
