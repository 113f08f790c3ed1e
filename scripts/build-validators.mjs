// Part of `npm run build`: compiles the request and response validators of the shipped documents
// (src/contract/validators.ts) and of the sandbox's own JSON Schema files
// (src/contract/schema-files.ts) once, as ajv's standalone code, into dist/validators/, so a start
// loads them instead of generating them (ajv's code generation was a third of a cold start).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { listOperations, loadDocument } from '../dist/contract/operations.js';
import { builtModules, builtValidatorsFile } from '../dist/contract/validators.js';
import { builtSchemaFileModule, SCENARIO_SCHEMA, SLA_SCHEMA } from '../dist/contract/schema-files.js';
import { ADMIN_SPEC, DEFAULT_SPEC, SANDBOX_ROOT } from '../dist/sandbox-files.js';

let dir;
for (const file of [DEFAULT_SPEC, ADMIN_SPEC]) {
  const doc = await loadDocument(file);
  const modules = builtModules(doc, listOperations(doc));
  for (const [coercion, code] of Object.entries(modules)) {
    const target = builtValidatorsFile(doc, coercion);
    if (!dir) {
      dir = dirname(target);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
    }
    await writeFile(target, code);
  }
}
for (const schema of [SCENARIO_SCHEMA, SLA_SCHEMA]) {
  const { target, code } = await builtSchemaFileModule(schema);
  await writeFile(target, code);
}
console.log(`validators: compiled into ${dir.slice(SANDBOX_ROOT.length)}`);
