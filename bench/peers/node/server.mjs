// The Node peer: `node server.mjs --database FILE --port N`.
//
// Production mode is the default: it is read when graphql and Apollo Server
// load, so it is set before they are imported.
process.env.NODE_ENV ||= 'production';

import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    port: { type: 'string', default: '4000' },
  },
});
if (!values.database) {
  console.error('usage: node server.mjs --database FILE.db [--port N]');
  process.exit(2);
}

const { start } = await import('./app.mjs');
const url = await start({ database: values.database, port: Number(values.port) });
console.log(`listening on ${url}graphql`);
