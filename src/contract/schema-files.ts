// The validators of the sandbox's own JSON Schema files (specs/scenario.schema.json,
// specs/sla.schema.json): compiled by `npm run build` into dist/validators/ as ajv's standalone
// code, loaded from there at start (compiling the scenario schema was a tenth of a cold start),
// compiled at run time when the build has none. Named by a hash of the schema's text and the ajv
// settings, so an edited schema misses the build's copy instead of being checked by an old one.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ValidateFunction } from 'ajv';
import { SANDBOX_ROOT } from '../sandbox-files.ts';
import { createAjv, standaloneModule, type AjvSettings } from './ajv.ts';

export interface SchemaFile {
  file: string;
  settings: AjvSettings;
}

export const SCENARIO_SCHEMA: SchemaFile = { file: `${SANDBOX_ROOT}specs/scenario.schema.json`, settings: { allErrors: true, strict: true } };
export const SLA_SCHEMA: SchemaFile = { file: `${SANDBOX_ROOT}specs/sla.schema.json`, settings: { withFormats: false, allErrors: true, strict: false } };

const BUILT_DIR = `${SANDBOX_ROOT}dist/validators/`;
const builtFile = (text: string, settings: AjvSettings) =>
  `${BUILT_DIR}schema-${createHash('sha256').update(text).update(JSON.stringify(settings)).digest('hex').slice(0, 32)}.js`;

/** The validator of a schema file: the build's, else compiled now. */
export async function schemaFileValidator({ file, settings }: SchemaFile): Promise<ValidateFunction> {
  const text = await readFile(file, 'utf8');
  const built = builtFile(text, settings);
  const module = await readFile(built).then(
    () => import(built) as Promise<{ validate: ValidateFunction }>,
    () => undefined,
  );
  return module?.validate ?? createAjv(settings).compile(JSON.parse(text));
}

/** For `npm run build`: the file to write and its module (exports `validate`). */
export async function builtSchemaFileModule({ file, settings }: SchemaFile): Promise<{ target: string; code: string }> {
  const text = await readFile(file, 'utf8');
  const ajv = createAjv({ ...settings, code: { source: true, esm: true } });
  ajv.addSchema(JSON.parse(text), 'validate');
  return { target: builtFile(text, settings), code: standaloneModule(ajv, ['validate']) };
}
