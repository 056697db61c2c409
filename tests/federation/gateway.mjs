// Gateway end-to-end check: our server and the catalogue test subgraph run as
// child processes on loopback; an @apollo/gateway composes them at start
// (IntrospectAndCompose, from each running subgraph's `_service { sdl }`)
// and is served by @apollo/server on loopback too. The queries cross the
// boundary both ways, with exact answers:
//   registry -> catalogue: our standards with the catalogue's fields, also
//     under our connections, and our liaisons' and positions'
//     InternationalBody references resolved by the catalogue;
//   catalogue -> registry: products whose standards and committees the
//     gateway resolves through our `_entities`, down to nested connections
//     under the committee reference;
//   and round trips (registry -> catalogue -> registry).
// Every request the gateway sends a subgraph is recorded, so the checks also
// assert which `_entities` calls our server answered. Finally our
// `_entities` is asked directly for every entity type we own in one request.
//
// Env: REGISTRY_BIN (the built server). Last line: "N passed, M failed".
// The children are stopped at the end, also on failure.

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Checks, REPO, assert, assertEqual, post, startRegistry, startTestSubgraph, stopAll } from './lib.mjs';

/// What the gateway sent each subgraph, in order.
const sent = [];

/// The representations the gateway sent a subgraph's `_entities` since `from`.
function representationsSent(subgraph, from = 0) {
  return sent
    .slice(from)
    .filter((r) => r.subgraph === subgraph && r.query.includes('_entities'))
    .flatMap((r) => r.variables.representations);
}

const byTypeAndCode = (a, b) =>
  `${a.__typename} ${a.code ?? a.id}`.localeCompare(`${b.__typename} ${b.code ?? b.id}`);

const SC42 = 'Artificial Intelligence Technical committee of the National Standardization Administration of China';
const TC28 = 'National Information Technology Standardization Technical Committee';
const SC38 = 'Cloud Computing and Distributed Platform';

const id = (type, key) => Buffer.from(`${type}:${key}`).toString('base64url');

/// The front end's trusted documents (tests/documents/front-end, written by
/// `standards-registry manifest`): the gateway runs them by id, and the
/// registry refuses anything else that does not come from the gateway.
const MANIFEST_PATH = join(REPO, 'tests', 'documents', 'front-end.manifest.json');
const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));

async function run(checks) {
  const [registry, catalogue] = await Promise.all([
    startRegistry({}, [
      '--trusted-documents', MANIFEST_PATH,
      '--trusted-documents-mode', 'reject',
      // The gateway, on loopback: its operations are its own making.
      '--trusted-proxy', '127.0.0.1/32',
    ]),
    startTestSubgraph(),
  ]);
  console.log(`registry at ${registry.url}, catalogue at ${catalogue.url}`);

  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'registry', url: registry.url },
        { name: 'catalogue', url: catalogue.url },
      ],
    }),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url,
        willSendRequest({ request }) {
          // As JSON, as sent (the gateway builds null-prototype objects).
          sent.push({ subgraph: name, query: request.query, variables: JSON.parse(JSON.stringify(request.variables ?? {})) });
        },
      }),
  });
  // Apollo Server's persisted queries, filled with the manifest, run an
  // operation sent by its id alone (the ids are the SHA-256 of the bodies).
  const persisted = new Map(manifest.operations.map((operation) => [`apq:${operation.id}`, operation.body]));
  const cache = {
    get: async (key) => persisted.get(key),
    set: async () => {},
    delete: async () => {},
  };
  const server = new ApolloServer({ gateway, persistedQueries: { cache } });
  try {
    const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
    console.log(`gateway at ${url}\n`);
    await queries(checks, url, registry.url);
    await trustedDocuments(checks, url, registry.url);
  } finally {
    await server.stop();
  }
}

/// Runs `query` through the gateway; returns the data, failing on any error.
async function gatewayData(url, query) {
  const res = await post(url, { query });
  assertEqual(res.status, 200, `gateway status (${JSON.stringify(res.body)})`);
  assert(!res.body.errors, `gateway errors: ${JSON.stringify(res.body.errors)}`);
  return res.body;
}

async function queries(checks, url, registryUrl) {
  await checks.check('the running registry serves exactly the checked-in schema.graphql as _service.sdl', async () => {
    const res = await post(registryUrl, { query: '{ _service { sdl } }' });
    const served = res.body.data._service.sdl;
    assert(served === readFileSync(join(REPO, 'schema.graphql'), 'utf8'), 'served SDL differs from schema.graphql: run `cargo run -q -- export-schema > schema.graphql`');
  });

  await checks.check('registry -> catalogue: a standard of ours with the catalogue fields', async () => {
    const from = sent.length;
    const { data } = await gatewayData(
      url,
      '{ standard(code: "GB/T 42131-2022") { code title catalogueUrl icsCodes products { sku name } } }',
    );
    assertEqual(data, {
      standard: {
        code: 'GB/T 42131-2022',
        title: 'Artificial intelligence\u2014Technical framework of knowledge graph',
        catalogueUrl: 'https://catalogue.example/standards/GB%2FT%2042131-2022',
        icsCodes: ['35.119', '01.040.35'],
        products: [{ sku: 'KG-PLATFORM-1', name: 'Knowledge graph platform' }],
      },
    }, 'data');
    assertEqual(representationsSent('catalogue', from), [{ __typename: 'Standard', code: 'GB/T 42131-2022' }], 'what the catalogue resolved');
  });

  await checks.check('registry -> catalogue: catalogue fields on the nodes of our connection, our PageInfo', async () => {
    const { data } = await gatewayData(
      url,
      '{ committee(code: "SC42") { code standards(first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage } nodes { code icsCodes } } } }',
    );
    assertEqual(data, {
      committee: {
        code: 'SAC/TC28/SC42',
        standards: {
          totalCount: 72,
          pageInfo: { hasNextPage: true, hasPreviousPage: false },
          nodes: [
            { code: '2023004239', icsCodes: ['35.175', '01.040.35'] },
            { code: '20230715-T-469', icsCodes: ['35.273', '01.040.35'] },
            { code: '20230716-T-469', icsCodes: ['35.280', '01.040.35'] },
          ],
        },
      },
    }, 'data');
  });

  await checks.check("catalogue -> registry: products with their standards' titles and committees' names from our _entities", async () => {
    const from = sent.length;
    const body = await gatewayData(
      url,
      '{ products { sku compliesWith { code title committee { code } } maintainedBy { name } } }',
    );
    assertEqual(body.data, {
      products: [
        {
          sku: 'KG-PLATFORM-1',
          compliesWith: [
            { code: 'GB/T 42131-2022', title: 'Artificial intelligence\u2014Technical framework of knowledge graph', committee: { code: 'SAC/TC28/SC42' } },
            { code: 'GB/T 45628-2025', title: 'Artificial intelligence\u2014Knowledge graph\u2014Knowledge exchange protocol', committee: { code: 'SAC/TC28/SC42' } },
          ],
          maintainedBy: { name: SC42 },
        },
        {
          sku: 'CLOUD-RA-2',
          compliesWith: [
            { code: 'GB/T 32399-2024', title: 'Information technology \u2013 Cloud computing \u2013 Reference architecture', committee: { code: 'SAC/TC28/SC38' } },
            { code: 'ISO/IEC 22123-3:2023', title: 'Information technology \u2013 Cloud computing \u2013 Reference architecture', committee: null },
          ],
          maintainedBy: { name: SC38 },
        },
        {
          sku: 'QC-SIM-3',
          compliesWith: [
            { code: 'ISO/IEC 4879:2024', title: 'Information Technology \u2013 Quantum Computing \u2013 Vocabulary', committee: { code: 'SAC/TC28' } },
          ],
          // Referenced by the alias "TC28": our _entities accepts aliases.
          maintainedBy: { name: TC28 },
        },
        // SAC/TC999 is no committee of ours: _entities answers null for it,
        // and the gateway nulls the nullable reference.
        { sku: 'LEGACY-4', compliesWith: [], maintainedBy: null },
      ],
    }, 'data');
    assertEqual(
      representationsSent('registry', from).sort(byTypeAndCode),
      [
        { __typename: 'Committee', code: 'SAC/TC28/SC38' },
        { __typename: 'Committee', code: 'SAC/TC28/SC42' },
        { __typename: 'Committee', code: 'SAC/TC999' },
        { __typename: 'Committee', code: 'TC28' },
        { __typename: 'Standard', code: 'GB/T 32399-2024' },
        { __typename: 'Standard', code: 'GB/T 42131-2022' },
        { __typename: 'Standard', code: 'GB/T 45628-2025' },
        { __typename: 'Standard', code: 'ISO/IEC 22123-3:2023' },
        { __typename: 'Standard', code: 'ISO/IEC 4879:2024' },
      ],
      'what our _entities resolved',
    );
  });

  await checks.check('nested connections under an entity reference: product -> maintainedBy -> workingGroups(first: 5) -> standards(first: 3)', async () => {
    const { data } = await gatewayData(
      url,
      `{ product(sku: "QC-SIM-3") { name maintainedBy { name workingGroups(first: 5) {
          totalCount pageInfo { hasNextPage hasPreviousPage }
          nodes { code name standards(first: 3) { totalCount pageInfo { hasNextPage } nodes { code year icsCodes } } } } } } }`,
    );
    const standards = (totalCount, hasNextPage, nodes) => ({ totalCount, pageInfo: { hasNextPage }, nodes });
    assertEqual(data, {
      product: {
        name: 'Quantum circuit simulator',
        maintainedBy: {
          name: TC28,
          workingGroups: {
            totalCount: 5,
            pageInfo: { hasNextPage: false, hasPreviousPage: false },
            nodes: [
              {
                code: 'SAC/TC28/WG29',
                name: 'Integrated Technology and Application',
                standards: standards(1, false, [{ code: 'GB/T 42562-2023', year: 2023, icsCodes: ['35.182', '01.040.35'] }]),
              },
              {
                code: 'SAC/TC28/WG34',
                name: 'Quantum Information',
                standards: standards(8, true, [
                  { code: 'ISO/IEC 4879:2024', year: 2024, icsCodes: ['35.252', '01.040.35'] },
                  { code: 'ISO/IEC TR 18157', year: null, icsCodes: ['35.154', '01.040.35'] },
                  { code: 'iec-white-paper-on-quantum-information-technology', year: null, icsCodes: ['35.000', '01.040.35'] },
                ]),
              },
              {
                code: 'SAC/TC28/WG35',
                name: 'Digitalization of Manufacturing Industry',
                standards: standards(1, false, [{ code: '20240601-T-469', year: null, icsCodes: ['35.238', '01.040.35'] }]),
              },
              {
                code: 'SAC/TC28/metaverse-research-group',
                name: 'Metaverse standard research group',
                standards: standards(5, true, [
                  { code: '20251304-T-469', year: null, icsCodes: ['35.252', '01.040.35'] },
                  { code: 'GB/T 45993-2025', year: 2025, icsCodes: ['35.273', '01.040.35'] },
                  { code: 'classification-and-grading-of-virtual-digital-humans-in-the-metaverse', year: null, icsCodes: ['35.000', '01.040.35'] },
                ]),
              },
              {
                code: 'SAC/TC28/unmanned-system-working-group',
                name: 'Standard working group for Unmanned System',
                standards: standards(0, false, []),
              },
            ],
          },
        },
      },
    }, 'data');
  });

  await checks.check('round trip registry -> catalogue -> registry: a standard, its products, their committees', async () => {
    const { data } = await gatewayData(
      url,
      '{ standard(code: "ISO/IEC 4879:2024") { title products { sku maintainedBy { code name kind subcommittees { code } } } } }',
    );
    assertEqual(data, {
      standard: {
        title: 'Information Technology \u2013 Quantum Computing \u2013 Vocabulary',
        products: [
          {
            sku: 'QC-SIM-3',
            maintainedBy: {
              // `code` is the key: the gateway takes it from the reference the
              // catalogue holds ("TC28"), not from us.
              code: 'TC28',
              name: TC28,
              kind: 'TECHNICAL_COMMITTEE',
              subcommittees: [
                'SAC/TC28/SC23', 'SAC/TC28/SC24', 'SAC/TC28/SC28', 'SAC/TC28/SC38', 'SAC/TC28/SC39',
                'SAC/TC28/SC40', 'SAC/TC28/SC41', 'SAC/TC28/SC42', 'SAC/TC28/SC43', 'SAC/TC28/SC7',
              ].map((code) => ({ code })),
            },
          },
        ],
      },
    }, 'data');
  });

  await checks.check('InternationalBody: our liaisons\' counterpartBody resolved by the catalogue', async () => {
    const from = sent.length;
    const { data } = await gatewayData(
      url,
      `{ liaisons(kind: [MIRROR]) { totalCount nodes { counterpart counterpartBody { code name listed } committee { code } } }
         workingGroup(code: "TC28/WG34") { code liaisons { kind counterpart counterpartBody { code name listed } } } }`,
    );
    const body = (code, name) => ({ code, name, listed: name !== null });
    assertEqual(data, {
      liaisons: {
        totalCount: 5,
        nodes: [
          ['ISO/IEC JTC 1', 'Information technology', 'SAC/TC28'],
          ['ISO/IEC JTC 1/SC 39', 'Sustainability, IT and data centres', 'SAC/TC28/SC39'],
          ['ISO/IEC JTC 1/SC 41', 'Internet of things and digital twin', 'SAC/TC28/SC41'],
          ['ISO/IEC JTC 1/SC 42', 'Artificial intelligence', 'SAC/TC28/SC42'],
          ['ISO/IEC JTC 1/SC 43', 'Brain-computer interfaces', 'SAC/TC28/SC43'],
        ].map(([code, name, committee]) => ({ counterpart: code, counterpartBody: body(code, name), committee: { code: committee } })),
      },
      workingGroup: {
        code: 'SAC/TC28/WG34',
        liaisons: [
          { kind: 'CONVENORSHIP', counterpart: 'IEC SEG 14/WG 3', counterpartBody: body('IEC SEG 14/WG 3', 'Quantum technologies: roadmap') },
          { kind: 'LIAISON', counterpart: 'ISO/IEC JTC 3', counterpartBody: body('ISO/IEC JTC 3', 'Quantum technologies') },
          { kind: 'PARTICIPATION', counterpart: 'IEC', counterpartBody: body('IEC', null) },
          { kind: 'PARTICIPATION', counterpart: 'ISO/IEC JTC 1', counterpartBody: body('ISO/IEC JTC 1', 'Information technology') },
        ],
      },
    }, 'data');
    // Our subgraph never resolves an InternationalBody (resolvable: false):
    // every one went to the catalogue's _entities.
    assertEqual(representationsSent('registry', from), [], 'representations sent to us');
    assertEqual(
      representationsSent('catalogue', from).map((r) => r.code).sort(),
      ['IEC', 'IEC SEG 14/WG 3', 'ISO/IEC JTC 1', 'ISO/IEC JTC 1', 'ISO/IEC JTC 1/SC 39', 'ISO/IEC JTC 1/SC 41', 'ISO/IEC JTC 1/SC 42', 'ISO/IEC JTC 1/SC 43', 'ISO/IEC JTC 3'],
      'InternationalBody representations sent to the catalogue',
    );
  });

  await checks.check("the shareable PageInfo from both subgraphs in one query; the catalogue's products back to our committees", async () => {
    const { data } = await gatewayData(
      url,
      `{ productPage(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
           edges { cursor node { sku maintainedBy { code parent { code } } } } }
         committees(first: 2) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { code } } }`,
    );
    const productCursor = (i) => Buffer.from(`product:${i}`).toString('base64url');
    const ourCursor = (i) => Buffer.from(`offset:${i}`).toString('base64url');
    assertEqual(data, {
      productPage: {
        totalCount: 4,
        pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: productCursor(0), endCursor: productCursor(1) },
        edges: [
          { cursor: productCursor(0), node: { sku: 'KG-PLATFORM-1', maintainedBy: { code: 'SAC/TC28/SC42', parent: { code: 'SAC/TC28' } } } },
          { cursor: productCursor(1), node: { sku: 'CLOUD-RA-2', maintainedBy: { code: 'SAC/TC28/SC38', parent: { code: 'SAC/TC28' } } } },
        ],
      },
      committees: {
        pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: ourCursor(0), endCursor: ourCursor(1) },
        nodes: [{ code: 'SAC/TC28' }, { code: 'SAC/TC28/SC23' }],
      },
    }, 'data');
  });

  // Straight to our server, as a gateway would call it, with every entity
  // type we own in one request.
  const everyType = [
    { __typename: 'Committee', code: 'SAC/TC28/SC42' },
    { __typename: 'WorkingGroup', code: 'SAC/TC28/WG34' },
    { __typename: 'Standard', code: 'GB/T 45993-2025' },
    { __typename: 'Expert', id: id('Expert', 'fan-kefeng') },
    { __typename: 'Liaison', id: id('Liaison', 'tc28-mirror-jtc1') },
    { __typename: 'Committee', code: 'SAC/TC999' },
    { __typename: 'Expert', id: id('Expert', 'nobody') },
    { __typename: 'Standard', code: 'GB/T45993\u20142025' },
    { __typename: 'WorkingGroup', code: 'SAC/TC28/WG99' },
    { __typename: 'Liaison', id: id('Liaison', 'no-such-liaison') },
    { __typename: 'Committee', code: 'TC28' },
  ];
  const entitiesQuery = `query($representations: [_Any!]!) { _entities(representations: $representations) {
    __typename ... on Committee { code name } ... on WorkingGroup { code name } ... on Standard { code year }
    ... on Expert { id name } ... on Liaison { id counterpart } } }`;

  await checks.check('our _entities: every entity type in one request, answers in request order, unknown keys null', async () => {
    const res = await post(registryUrl, { query: entitiesQuery, variables: { representations: everyType } });
    assertEqual(res.status, 200, 'status');
    assert(!res.body.errors, `errors: ${JSON.stringify(res.body.errors)}`);
    assertEqual(res.body.data._entities, [
      { __typename: 'Committee', code: 'SAC/TC28/SC42', name: SC42 },
      { __typename: 'WorkingGroup', code: 'SAC/TC28/WG34', name: 'Quantum Information' },
      { __typename: 'Standard', code: 'GB/T 45993-2025', year: 2025 },
      { __typename: 'Expert', id: id('Expert', 'fan-kefeng'), name: 'Fan Kefeng' },
      { __typename: 'Liaison', id: id('Liaison', 'tc28-mirror-jtc1'), counterpart: 'ISO/IEC JTC 1' },
      null,
      null,
      { __typename: 'Standard', code: 'GB/T 45993-2025', year: 2025 },
      null,
      null,
      { __typename: 'Committee', code: 'SAC/TC28', name: TC28 },
    ], '_entities');
  });

  await checks.check('our _entities: 1,000 representations run one SQL statement per entity type', async () => {
    const representations = Array.from({ length: 1000 }, (_, i) => everyType[i % everyType.length]);
    const res = await post(registryUrl, { query: entitiesQuery, variables: { representations } });
    assertEqual(res.status, 200, 'status');
    assert(!res.body.errors, `errors: ${JSON.stringify(res.body.errors)}`);
    assertEqual(res.body.data._entities.length, 1000, 'answers');
    assertEqual(res.body.data._entities[999], res.body.data._entities[999 % everyType.length], 'the last answer');
    // Committee, WorkingGroup, Standard, Expert, Liaison: five loaders, one
    // statement each, whatever the number of representations.
    assertEqual(res.body.extensions?.cost?.sqlStatements, 5, 'SQL statements');
  });
}

/// POSTs to `url` from the loopback address `localAddress` (not a trusted proxy).
function postFrom(localAddress, url, payload) {
  return new Promise((resolvePost, reject) => {
    const body = JSON.stringify(payload);
    const request = httpRequest(url, {
      method: 'POST',
      localAddress,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolvePost({ status: res.statusCode, body: JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function trustedDocuments(checks, url, registryUrl) {
  const standardPage = manifest.operations.find((operation) => operation.name === 'StandardPage');
  await checks.check('an operation by id alone through the gateway: the manifest drives both', async () => {
    const from = sent.length;
    const res = await post(url, {
      extensions: { persistedQuery: { version: 1, sha256Hash: standardPage.id } },
      variables: { code: 'GB/T 45993-2025' },
    });
    assertEqual(res.status, 200, `status (${JSON.stringify(res.body)})`);
    assertEqual(res.body, {
      data: {
        standard: {
          code: 'GB/T 45993-2025',
          title: 'Metaverse \u2013 Reference architecture',
          status: 'PUBLISHED',
          year: 2025,
          committee: { code: 'SAC/TC28', name: TC28 },
        },
      },
    }, 'answer');
    assert(sent.slice(from).some((r) => r.subgraph === 'registry'), 'the gateway asked the registry');
  });
  await checks.check('the registry in reject mode: a client not behind the gateway is refused, by id it runs', async () => {
    const refused = await postFrom('127.0.0.2', registryUrl, { query: '{ standard(code: "GB/T 45993-2025") { code } }' });
    assertEqual(refused.status, 400, 'status');
    assertEqual(refused.body.errors, [{
      message: 'the operation is not in the trusted documents; send a trusted document by its id',
      extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
    }], 'errors');
    const byId = await postFrom('127.0.0.2', registryUrl, { documentId: `sha256:${standardPage.id}`, variables: { code: 'GB/T 45993-2025' } });
    assertEqual(byId.status, 200, 'status');
    assertEqual(byId.body.data.standard.committee, { code: 'SAC/TC28', name: TC28 }, 'data');
  });
}

const checks = new Checks();
try {
  await run(checks);
} catch (err) {
  checks.fail('the gateway ran', err);
} finally {
  await stopAll();
}
process.exitCode = checks.summary();
