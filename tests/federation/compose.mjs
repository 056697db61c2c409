// Composition check: our exported schema.graphql (repo root) with the
// catalogue test subgraph, composed by Apollo's own @apollo/composition.
//
// Fails on any composition error, and on any hint that points at a mistake
// of ours (see OUR_MISTAKES below); every hint is printed either way. Then
// checks, on the supergraph itself, the federation choices the registry made:
// its entity keys, PageInfo @shareable, InternationalBody as a
// `resolvable: false` stub, Liaison.counterpartBody. Two negative controls
// show the check would catch a regression: without @shareable on PageInfo,
// composition must fail.
//
// No server is started. Last line: "N passed, M failed"; exit 1 on failure.

import { composeServices } from '@apollo/composition';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print } from 'graphql';
import { Checks, REPO, assert, assertEqual } from './lib.mjs';
import { typeDefs as catalogueTypeDefs } from './test-subgraph.mjs';

const OURS = 'registry';
const THEIRS = 'catalogue';

// Hint codes that, when they name our subgraph, mean our SDL is wrong or
// disagrees with a sibling on something we could fix on our side:
// - a type or field we share has another type, nullability, argument,
//   default or set of fields than the sibling's (INCONSISTENT_BUT_COMPATIBLE_*,
//   INCONSISTENT_*_VALUE_TYPE_FIELD, INCONSISTENT_ARGUMENT_PRESENCE,
//   INCONSISTENT_DEFAULT_VALUE_PRESENCE, INCONSISTENT_INPUT_OBJECT_FIELD,
//   INCONSISTENT_UNION_MEMBER, INCONSISTENT_ENUM_VALUE_*): clients would see
//   a field vanish or change depending on which subgraph answers;
// - a type is an entity here and a value type there (INCONSISTENT_ENTITY);
// - a @shareable field returns other runtime types than the sibling's
//   (INCONSISTENT_RUNTIME_TYPES_FOR_SHAREABLE_RETURN);
// - our @link names too old a federation version for what we use
//   (IMPLICITLY_UPGRADED_FEDERATION_VERSION), or we declare a type nothing
//   uses (UNUSED_ENUM_TYPE);
// - directive definitions we print disagree with the sibling's
//   (INCONSISTENT_*_DIRECTIVE_*, NO_EXECUTABLE_DIRECTIVE_INTERSECTION,
//   INCONSISTENT_NON_REPEATABLE_DIRECTIVE_ARGUMENTS).
// Not ours: INCONSISTENT_DESCRIPTION (two teams document one type in their
// own words: the supergraph picks one, nothing breaks), @override and
// progressive-override notes (we use no @override), custom directive
// composition notes (we compose none), contextual arguments (we use none).
const OUR_MISTAKES = new Set([
  'INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE',
  'INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE',
  'INCONSISTENT_DEFAULT_VALUE_PRESENCE',
  'INCONSISTENT_ENTITY',
  'INCONSISTENT_OBJECT_VALUE_TYPE_FIELD',
  'INCONSISTENT_INTERFACE_VALUE_TYPE_FIELD',
  'INCONSISTENT_INPUT_OBJECT_FIELD',
  'INCONSISTENT_UNION_MEMBER',
  'INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM',
  'INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM',
  'INCONSISTENT_TYPE_SYSTEM_DIRECTIVE_REPEATABLE',
  'INCONSISTENT_TYPE_SYSTEM_DIRECTIVE_LOCATIONS',
  'INCONSISTENT_EXECUTABLE_DIRECTIVE_PRESENCE',
  'NO_EXECUTABLE_DIRECTIVE_INTERSECTION',
  'INCONSISTENT_EXECUTABLE_DIRECTIVE_REPEATABLE',
  'INCONSISTENT_EXECUTABLE_DIRECTIVE_LOCATIONS',
  'INCONSISTENT_ARGUMENT_PRESENCE',
  'INCONSISTENT_NON_REPEATABLE_DIRECTIVE_ARGUMENTS',
  'UNUSED_ENUM_TYPE',
  'INCONSISTENT_RUNTIME_TYPES_FOR_SHAREABLE_RETURN',
  'IMPLICITLY_UPGRADED_FEDERATION_VERSION',
]);

/// The subgraphs a hint's AST nodes come from (composition tags each node).
const hintSubgraphs = (hint) => [...new Set((hint.nodes ?? []).map((node) => node.subgraph).filter(Boolean))];

/// A hint is ours when its code is one of OUR_MISTAKES and it names our
/// subgraph (or no subgraph at all, so it cannot be put on the sibling).
function isOurs(hint) {
  if (!OUR_MISTAKES.has(hint.definition.code)) return false;
  const subgraphs = hintSubgraphs(hint);
  return subgraphs.length === 0 || subgraphs.includes(OURS);
}

const ourSdl = readFileSync(join(REPO, 'schema.graphql'), 'utf8');

function compose(ourTypeDefs, withCatalogue = true) {
  const services = [{ name: OURS, url: 'http://127.0.0.1:8000/graphql', typeDefs: ourTypeDefs }];
  if (withCatalogue) services.push({ name: THEIRS, url: 'http://127.0.0.1:4002/', typeDefs: catalogueTypeDefs });
  return composeServices(services);
}

function printErrors(result) {
  return (result.errors ?? []).map((e) => `[${e.extensions?.code}] ${e.message}`).join('\n');
}

/// The supergraph's object types by name, each with its @join__type
/// directives as plain objects ({ graph, key, resolvable }) and its fields.
function supergraphTypes(supergraphSdl) {
  const types = new Map();
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const joins = definition.directives
      .filter((d) => d.name.value === 'join__type')
      .map((d) => Object.fromEntries(d.arguments.map((a) => [a.name.value, a.value.value])));
    const fields = new Map(
      (definition.fields ?? []).map((field) => [
        field.name.value,
        {
          type: print(field.type),
          joins: field.directives
            .filter((d) => d.name.value === 'join__field')
            .map((d) => Object.fromEntries(d.arguments.map((a) => [a.name.value, a.value.value]))),
        },
      ]),
    );
    types.set(definition.name.value, { joins, fields });
  }
  return types;
}

const checks = new Checks();
const ourTypeDefs = parse(ourSdl);

await checks.check('schema.graphql composes alone, with no errors and no hints', () => {
  const alone = compose(ourTypeDefs, false);
  assert(!alone.errors, `composition failed:\n${printErrors(alone)}`);
  for (const hint of alone.hints) console.log(`        hint [${hint.definition.code}] ${hint.message}`);
  assertEqual(alone.hints.map((h) => h.definition.code), [], 'hints');
});

const result = compose(ourTypeDefs);
await checks.check('schema.graphql composes with the catalogue subgraph, with no errors', () => {
  assert(!result.errors, `composition failed:\n${printErrors(result)}`);
});

await checks.check('no composition hint points at a mistake of ours', () => {
  const hints = result.hints ?? [];
  console.log(`        ${hints.length} hint(s)`);
  for (const hint of hints) {
    const whose = isOurs(hint) ? 'OURS' : 'not ours';
    console.log(`        hint [${hint.definition.code}] (${whose}; ${hintSubgraphs(hint).join(', ') || 'no subgraph'}) ${hint.message.replaceAll('\n', '\n          ')}`);
  }
  const ours = hints.filter(isOurs);
  assertEqual(ours.map((h) => `[${h.definition.code}] ${h.message}`), [], 'hints that point at us');
});

if (result.supergraphSdl) {
  const types = supergraphTypes(result.supergraphSdl);
  const type = (name) => {
    const found = types.get(name);
    assert(found, `the supergraph has no type ${name}`);
    return found;
  };
  const joinsOf = (name, graph) => type(name).joins.filter((j) => j.graph === graph);

  await checks.check('every entity we own keeps its key: Committee, WorkingGroup, Standard by code; Expert, Liaison by id', () => {
    for (const [name, key] of [
      ['Committee', 'code'],
      ['WorkingGroup', 'code'],
      ['Standard', 'code'],
      ['Expert', 'id'],
      ['Liaison', 'id'],
    ]) {
      assertEqual(joinsOf(name, 'REGISTRY'), [{ graph: 'REGISTRY', key }], `@join__type of ${name} for us`);
    }
  });

  await checks.check('the catalogue extends Standard by code and references Committee by code', () => {
    assertEqual(joinsOf('Standard', 'CATALOGUE'), [{ graph: 'CATALOGUE', key: 'code' }], 'Standard in the catalogue');
    assertEqual(
      joinsOf('Committee', 'CATALOGUE'),
      [{ graph: 'CATALOGUE', key: 'code', resolvable: false }],
      'Committee in the catalogue',
    );
    for (const field of ['catalogueUrl', 'icsCodes', 'products']) {
      assertEqual(type('Standard').fields.get(field)?.joins, [{ graph: 'CATALOGUE' }], `Standard.${field}`);
    }
  });

  await checks.check('PageInfo is @shareable: both subgraphs define it and resolve every field', () => {
    assertEqual(
      type('PageInfo').joins.map((j) => j.graph).sort(),
      ['CATALOGUE', 'REGISTRY'],
      'graphs defining PageInfo',
    );
    // A field without @join__field is resolved by every graph defining the type.
    assertEqual(
      [...type('PageInfo').fields].map(([name, field]) => [name, field.joins]),
      [['hasNextPage', []], ['hasPreviousPage', []], ['startCursor', []], ['endCursor', []]],
      'PageInfo fields and their @join__field',
    );
  });

  await checks.check('InternationalBody: a resolvable: false stub here, owned by the catalogue', () => {
    assertEqual(
      joinsOf('InternationalBody', 'REGISTRY'),
      [{ graph: 'REGISTRY', key: 'code', resolvable: false }],
      'InternationalBody for us',
    );
    assertEqual(joinsOf('InternationalBody', 'CATALOGUE'), [{ graph: 'CATALOGUE', key: 'code' }], 'for the catalogue');
  });

  await checks.check('Liaison.counterpart stays String!; counterpartBody references InternationalBody; Position.externalBody stays a plain String', () => {
    assertEqual(type('Liaison').fields.get('counterpart')?.type, 'String!', 'Liaison.counterpart');
    assertEqual(type('Liaison').fields.get('counterpartBody')?.type, 'InternationalBody!', 'Liaison.counterpartBody');
    assertEqual(type('Position').fields.get('externalBody')?.type, 'String', 'Position.externalBody');
    // The outside bodies of positions (CESI, SESEC V) are not international bodies.
    assertEqual(type('Position').fields.get('externalBodyRef'), undefined, 'Position.externalBodyRef');
  });
}

await checks.check('negative control: without @shareable on PageInfo, composition fails', () => {
  const unshared = ourSdl.replace(/type PageInfo @shareable/, 'type PageInfo');
  assert(unshared !== ourSdl, 'schema.graphql has no `type PageInfo @shareable`');
  const broken = compose(parse(unshared));
  assert(broken.errors, 'composition succeeded without @shareable');
  const codes = [...new Set(broken.errors.map((e) => e.extensions?.code))];
  assertEqual(codes, ['INVALID_FIELD_SHARING'], 'error codes');
  assert(
    broken.errors.every((e) => e.message.includes('"PageInfo.')),
    `errors name PageInfo:\n${printErrors(broken)}`,
  );
});

await checks.check('negative control: the hint policy counts a PageInfo field typed apart as ours, a description as not', () => {
  // Our PageInfo.hasNextPage made nullable, against the catalogue's
  // Boolean!: it composes (to the more general type), with a hint on us.
  const loosened = ourSdl.replace(/(type PageInfo @shareable \{[\s\S]*?hasNextPage: Boolean)!/, '$1');
  assert(loosened !== ourSdl, 'could not loosen PageInfo.hasNextPage');
  const hinted = compose(parse(loosened));
  assert(!hinted.errors, `composition failed:\n${printErrors(hinted)}`);
  const classified = hinted.hints.map((h) => [h.definition.code, isOurs(h)]);
  assertEqual(classified, [['INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE', true]], 'hints and whether they are ours');
  const described = composeServices([
    { name: OURS, url: 'http://127.0.0.1:8000/graphql', typeDefs: ourTypeDefs },
    {
      name: THEIRS,
      url: 'http://127.0.0.1:4002/',
      typeDefs: parse(print(catalogueTypeDefs).replace('type InternationalBody', '"Another team\'s words."\ntype InternationalBody')),
    },
  ]);
  assertEqual(described.hints.map((h) => [h.definition.code, isOurs(h)]), [['INCONSISTENT_DESCRIPTION', false]], 'description hint');
});

process.exitCode = checks.summary();
