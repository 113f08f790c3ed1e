// specs/marketplace.graphql is made from src/graphql/root.graphql and the partner API's component
// schemas (`npm run types`); the committed file must be what they make now, and graphql-js must read it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDocument } from '../../src/contract/operations.ts';
import { graphqlSchema } from '../../src/graphql/execute.ts';
import { buildSdl } from '../../src/graphql/sdl.ts';
import { DEFAULT_SPEC, GRAPHQL_SCHEMA } from '../../src/sandbox-files.ts';

describe('the GraphQL schema file', () => {
  it('is current: run `npm run types` after changing the spec or root.graphql', async () => {
    expect(readFileSync(GRAPHQL_SCHEMA, 'utf8')).toBe(buildSdl(await loadDocument(DEFAULT_SPEC)));
  });

  it('has a resolver for every root field, and the REST names for the objects', () => {
    const schema = graphqlSchema();
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const [name, field] of Object.entries(root.getFields())) expect(field.resolve, `${root.name}.${name}`).toBeTypeOf('function');
    }
    expect(Object.keys((schema.getType('Product') as import('graphql').GraphQLObjectType).getFields())).toEqual(expect.arrayContaining(['id', 'sku', 'brand_id', 'variants', 'brand', 'inventory', 'price_history']));
  });
});
