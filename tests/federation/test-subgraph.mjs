// A second, independent subgraph ("catalogue") for the federation checks.
// It knows nothing of the registry's data: only codes, as another team's
// service would. It
//   (a) adds fields to the registry's `Standard` entity by its `code` key
//       (`catalogueUrl`, `icsCodes`, `products`), so the gateway calls this
//       subgraph's `_entities` for standards the registry returns;
//   (b) owns an entity of its own, `Product @key(fields: "sku")`, whose fields
//       return references to the registry's `Standard` and `Committee` by
//       code, so the gateway must call the registry's `_entities`;
//   (c) owns `InternationalBody @key(fields: "code")`, which the registry
//       only references (`resolvable: false` there) from
//       `Liaison.counterpartBody`;
//   (d) defines `PageInfo` as well, as a Relay-style subgraph would, which
//       only composes because both sides mark it `@shareable`.
//
// Run: PORT=4002 node test-subgraph.mjs (listens on 127.0.0.1 only and prints
// "catalogue subgraph ready at URL" once it accepts requests). compose.mjs
// imports `typeDefs` from here without starting a server.

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { fileURLToPath } from 'node:url';

// Types the registry also defines (Standard, Committee, InternationalBody,
// PageInfo) carry no description here: the registry documents them.
export const SDL = `
extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])

type Standard @key(fields: "code") {
  code: String!
  "Where the catalogue sells or shows the document."
  catalogueUrl: String
  "International Classification for Standards codes, as the catalogue files them."
  icsCodes: [String!]!
  "Products in the catalogue that claim compliance with this standard."
  products: [Product!]!
}

type Committee @key(fields: "code", resolvable: false) {
  code: String!
}

type InternationalBody @key(fields: "code") {
  code: String!
  "Null for a body the catalogue does not list."
  name: String
  "Whether the catalogue lists the body."
  listed: Boolean!
}

"A product in the catalogue."
type Product @key(fields: "sku") {
  sku: ID!
  name: String!
  compliesWith: [Standard!]!
  "The national committee that maintains the product's reference standards."
  maintainedBy: Committee
  "International bodies whose work the product follows."
  follows: [InternationalBody!]!
}

type ProductEdge {
  cursor: String!
  node: Product!
}

type ProductConnection {
  edges: [ProductEdge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}

type PageInfo @shareable {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type Query {
  products: [Product!]!
  product(sku: ID!): Product
  productPage(first: Int, after: String): ProductConnection!
}
`;

export const typeDefs = parse(SDL);

// Codes are written exactly as the registry writes them, except where a
// check needs otherwise: QC-SIM-3 names its committee by the alias "TC28",
// and LEGACY-4 by a code the registry does not know.
export const PRODUCTS = [
  {
    sku: 'KG-PLATFORM-1',
    name: 'Knowledge graph platform',
    compliesWith: ['GB/T 42131-2022', 'GB/T 45628-2025'],
    maintainedBy: 'SAC/TC28/SC42',
    follows: ['ISO/IEC JTC 1/SC 42'],
  },
  {
    sku: 'CLOUD-RA-2',
    name: 'Cloud reference stack',
    compliesWith: ['GB/T 32399-2024', 'ISO/IEC 22123-3:2023'],
    maintainedBy: 'SAC/TC28/SC38',
    follows: ['ISO/IEC JTC 1/SC 38'],
  },
  {
    sku: 'QC-SIM-3',
    name: 'Quantum circuit simulator',
    compliesWith: ['ISO/IEC 4879:2024'],
    maintainedBy: 'TC28',
    follows: ['IEC SEG 14/WG 3', 'ISO/IEC JTC 3'],
  },
  {
    sku: 'LEGACY-4',
    name: 'Legacy archive',
    compliesWith: [],
    maintainedBy: 'SAC/TC999',
    follows: [],
  },
];

// International bodies the catalogue lists, by code as each body writes it.
export const BODIES = new Map([
  ['ISO/IEC JTC 1', 'Information technology'],
  ['ISO/IEC JTC 1/SC 7', 'Software and systems engineering'],
  ['ISO/IEC JTC 1/SC 24', 'Computer graphics, image processing and environmental data representation'],
  ['ISO/IEC JTC 1/SC 38', 'Cloud computing and distributed platforms'],
  ['ISO/IEC JTC 1/SC 39', 'Sustainability, IT and data centres'],
  ['ISO/IEC JTC 1/SC 41', 'Internet of things and digital twin'],
  ['ISO/IEC JTC 1/SC 42', 'Artificial intelligence'],
  ['ISO/IEC JTC 1/SC 43', 'Brain-computer interfaces'],
  ['ISO/IEC JTC 3', 'Quantum technologies'],
  ['IEC SEG 14/WG 3', 'Quantum technologies: roadmap'],
]);

// Made up, but deterministic: the same code always gives the same answer.
export function catalogueUrl(code) {
  return `https://catalogue.example/standards/${encodeURIComponent(code)}`;
}

// Two ICS-like codes from the digits of the standard's code: "35.<3 digits>"
// from the sum of its digits times 7 (mod 1000), and "01.040.35" for all.
export function icsCodes(code) {
  const digits = [...code].filter((c) => c >= '0' && c <= '9').map(Number);
  const sum = digits.reduce((a, b) => a + b, 0);
  return [`35.${String((sum * 7) % 1000).padStart(3, '0')}`, '01.040.35'];
}

const reference = (typename, code) => ({ __typename: typename, code });

function product(p) {
  return {
    sku: p.sku,
    name: p.name,
    compliesWith: p.compliesWith.map((code) => reference('Standard', code)),
    maintainedBy: p.maintainedBy ? reference('Committee', p.maintainedBy) : null,
    follows: p.follows.map((code) => body(code)),
  };
}

function body(code) {
  return { code, name: BODIES.get(code) ?? null, listed: BODIES.has(code) };
}

// The cursor of a product is its position, as an opaque string.
const cursor = (i) => Buffer.from(`product:${i}`).toString('base64url');
const position = (c) => Number(Buffer.from(c, 'base64url').toString().replace(/^product:/, ''));

export const resolvers = {
  Query: {
    products: () => PRODUCTS.map(product),
    product: (_, { sku }) => {
      const p = PRODUCTS.find((p) => p.sku === sku);
      return p ? product(p) : null;
    },
    productPage: (_, { first, after }) => {
      const start = after === undefined || after === null ? 0 : position(after) + 1;
      const end = Math.min(PRODUCTS.length, start + (first ?? PRODUCTS.length));
      const edges = PRODUCTS.slice(start, end).map((p, i) => ({
        cursor: cursor(start + i),
        node: product(p),
      }));
      return {
        edges,
        totalCount: PRODUCTS.length,
        pageInfo: {
          hasNextPage: end < PRODUCTS.length,
          hasPreviousPage: start > 0,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },
  Standard: {
    // Every code resolves: the catalogue can describe any standard.
    __resolveReference: ({ code }) => ({ code }),
    catalogueUrl: ({ code }) => catalogueUrl(code),
    icsCodes: ({ code }) => icsCodes(code),
    products: ({ code }) =>
      PRODUCTS.filter((p) => p.compliesWith.includes(code)).map(product),
  },
  InternationalBody: {
    __resolveReference: ({ code }) => body(code),
  },
  Product: {
    __resolveReference: ({ sku }) => {
      const p = PRODUCTS.find((p) => p.sku === sku);
      return p ? product(p) : null;
    },
  },
};

export function schema() {
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}

async function main() {
  // PORT=0: the system picks one, named in the ready line.
  const port = Number(process.env.PORT ?? 4002);
  const server = new ApolloServer({ schema: schema() });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port },
  });
  console.log(`catalogue subgraph ready at ${url}`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
