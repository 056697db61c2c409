// Demand control, checked from the gateway's side: composes our
// schema.graphql with the catalogue by @apollo/composition, checks that the
// supergraph keeps our @cost and @listSize, then estimates each benchmark
// shape and README example (tests/documents/costs.json) from the
// supergraph's directives alone, by the published static-cost rules as
// Apollo Router applies them (object 1, scalar 0, a list times its size,
// @cost where a field says it, input objects 1, a query 0), and asks the
// running registry for its `extensions.cost.complexity` of the same
// operation: the two must be equal, and equal to the hand-worked figure.
//
// This estimator is written apart from the server's (src/execution/cost.rs):
// it reads the composed supergraph, not our SDL, with graphql-js.
//
// Env: REGISTRY_BIN. Last line: "N passed, M failed".

import { composeServices } from '@apollo/composition';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Kind,
  buildSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isListType,
  parse,
  valueFromASTUntyped,
} from 'graphql';
import { Checks, REPO, assert, assertEqual, post, startRegistry, stopAll } from './lib.mjs';
import { typeDefs as catalogueTypeDefs } from './test-subgraph.mjs';

/// The list size a gateway assumes where no @listSize says one: Apollo
/// Router's `demand_control.strategy.static_estimated.list_size`, here 100.
const ROUTER_LIST_SIZE = 100;

const cases = JSON.parse(readFileSync(join(REPO, 'tests', 'documents', 'costs.json'), 'utf8'));

/// A directive's arguments on a schema element, as plain values.
function directiveArgs(astNode, name) {
  const directive = astNode?.directives?.find((d) => d.name.value === name);
  if (!directive) return undefined;
  return Object.fromEntries(directive.arguments.map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
}

/// Apollo's static estimate of `document` against `schema`.
export function estimate(schema, document, variables) {
  const fragments = new Map(
    document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const value = (node) => (node.kind === Kind.VARIABLE ? variables[node.name.value] : valueFromASTUntyped(node, variables));

  function scoreInput(val, type, astNode) {
    const weight = directiveArgs(astNode, 'cost')?.weight;
    if (val === null || val === undefined) return 0;
    const named = getNamedType(type);
    if (Array.isArray(val)) {
      return val.reduce((sum, item) => sum + scoreInput(item, type, astNode), weight ?? 0);
    }
    if (typeof val === 'object' && isInputObjectType(named)) {
      let cost = weight ?? 1;
      for (const [name, inner] of Object.entries(val)) {
        const field = named.getFields()[name];
        if (field) cost += scoreInput(inner, field.type, field.astNode);
      }
      return cost;
    }
    return weight ?? 0;
  }

  function selectionSet(set, parentType, sizing) {
    let cost = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const upstream = sizing && (sizing.fields ?? []).includes(selection.name.value) ? sizing.size : undefined;
        cost += field(selection, parentType, upstream);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        cost += selectionSet(selection.selectionSet, type, sizing);
      } else {
        const fragment = fragments.get(selection.name.value);
        cost += selectionSet(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), sizing);
      }
    }
    return cost;
  }

  function skipped(node) {
    return (node.directives ?? []).some((d) => {
      const condition = d.arguments.find((a) => a.name.value === 'if')?.value;
      if (condition?.kind !== Kind.BOOLEAN) return false;
      return (d.name.value === 'skip' && condition.value) || (d.name.value === 'include' && !condition.value);
    });
  }

  function field(node, parentType, upstream) {
    if (node.name.value === '__typename' || skipped(node)) return 0;
    const definition = parentType.getFields()[node.name.value];
    const listSize = directiveArgs(definition.astNode, 'listSize');
    let expected;
    if (listSize) {
      const given = (listSize.slicingArguments ?? [])
        .map((name) => node.arguments.find((a) => a.name.value === name))
        .filter(Boolean)
        .map((a) => value(a.value))
        .map((v) => (Array.isArray(v) ? v.length : v))
        .filter((v) => Number.isInteger(v));
      expected = given.length ? Math.max(...given) : listSize.assumedSize;
    }
    const list = isListType(getNullableType(definition.type));
    const count = list ? upstream ?? expected ?? ROUTER_LIST_SIZE : 1;
    const named = getNamedType(definition.type);
    const weight = directiveArgs(definition.astNode, 'cost')?.weight ?? (isCompositeType(named) ? 1 : 0);
    const children = selectionSet(node.selectionSet, named, listSize && { size: expected, fields: listSize.sizedFields });
    let args = 0;
    for (const argument of node.arguments) {
      const argDef = definition.args.find((a) => a.name === argument.name.value);
      args += scoreInput(value(argument.value), argDef.type, argDef.astNode);
    }
    return count * (weight + children) + args;
  }

  let total = 0;
  for (const operation of document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)) {
    total += (operation.operation === 'mutation' ? 10 : 0) + selectionSet(operation.selectionSet, schema.getRootType(operation.operation), undefined);
  }
  return total;
}

/// The supergraph's API schema plus federation's `_entities`, which a
/// gateway sends our subgraph itself (it has no @listSize: the gateway's
/// list size applies).
function schemaOf(supergraphSdl) {
  const entities = 'union _Entity = Committee | WorkingGroup | Standard | Expert | Liaison\nscalar _Any\nextend type Query { _entities(representations: [_Any!]!): [_Entity]! }\n';
  return buildSchema(`${supergraphSdl}\n${entities}`, { assumeValidSDL: true });
}

async function run(checks) {
  const composed = composeServices([
    { name: 'registry', url: 'http://127.0.0.1:8000/graphql', typeDefs: parse(readFileSync(join(REPO, 'schema.graphql'), 'utf8')) },
    { name: 'catalogue', url: 'http://127.0.0.1:4002/', typeDefs: catalogueTypeDefs },
  ]);
  assert(!composed.errors, `composition failed: ${composed.errors?.map((e) => e.message).join('\n')}`);
  const schema = schemaOf(composed.supergraphSdl);

  await checks.check('the supergraph keeps our @cost and @listSize', () => {
    const committee = schema.getType('Committee').getFields();
    assertEqual(directiveArgs(committee.standards.astNode, 'listSize'), {
      assumedSize: 20,
      slicingArguments: ['first', 'last'],
      sizedFields: ['edges', 'nodes'],
      requireOneSlicingArgument: false,
    }, 'Committee.standards @listSize');
    assertEqual(directiveArgs(committee.liaisons.astNode, 'listSize'), { assumedSize: 10 }, 'Committee.liaisons @listSize');
    assertEqual(directiveArgs(committee.aliases.astNode, 'cost'), { weight: 1 }, 'Committee.aliases @cost');
    assertEqual(directiveArgs(schema.getType('StandardConnection').getFields().totalCount.astNode, 'cost'), { weight: 1 }, 'totalCount @cost');
    assertEqual(directiveArgs(schema.getQueryType().getFields().search.astNode, 'listSize'), {
      assumedSize: 20,
      slicingArguments: ['first'],
      requireOneSlicingArgument: false,
    }, 'Query.search @listSize');
  });

  const registry = await startRegistry();
  for (const { name, query, variables, complexity } of cases) {
    await checks.check(`${name}: the gateway's estimate, the server's complexity and the worked figure agree (${complexity})`, async () => {
      const gateway = estimate(schema, parse(query), variables);
      const res = await post(registry.url, { query, variables });
      assert(!res.body.errors, `errors: ${JSON.stringify(res.body.errors)}`);
      assertEqual({ gateway, server: res.body.extensions.cost.complexity }, { gateway: complexity, server: complexity }, 'estimates');
    });
  }
}

const checks = new Checks();
try {
  await run(checks);
} catch (err) {
  checks.fail('cost check run', err);
} finally {
  await stopAll();
}
process.exit(checks.summary());
