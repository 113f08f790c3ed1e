// npm run types (its last step): writes specs/marketplace.graphql from src/graphql/root.graphql and
// the partner API's component schemas (src/graphql/sdl.ts).
import { writeFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { loadDocument } from '../src/contract/operations.ts';
import { buildSdl } from '../src/graphql/sdl.ts';
import { DEFAULT_SPEC, GRAPHQL_SCHEMA } from '../src/sandbox-files.ts';

const sdl = buildSdl(await loadDocument(DEFAULT_SPEC));
buildSchema(sdl); // refuses a schema graphql-js cannot read before it is written
writeFileSync(GRAPHQL_SCHEMA, sdl);
console.log(`GraphQL schema: ${GRAPHQL_SCHEMA}`);
