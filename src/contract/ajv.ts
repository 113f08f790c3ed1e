// The one place that builds ajv instances. ajv is loaded on the first instance, not at import:
// a start whose validators the build compiled (src/contract/built-validators.ts) never needs its
// compiler, about 0.1 s of loading. ajv and ajv-formats are CommonJS, hence `require`.
import { createRequire } from 'node:module';
import type AjvDraft7Module from 'ajv';
import type { Options } from 'ajv';

type AjvClass = typeof AjvDraft7Module.default;
export type AjvInstance = InstanceType<AjvClass>;

const require = createRequire(import.meta.url);
const defaultExport = <T>(module: T): T => (module as { default?: T }).default ?? module;

export interface AjvSettings extends Omit<Options, 'formats'> {
  /** JSON Schema dialect: 2020-12 (OpenAPI 3.1, the sandbox's own schemas) or draft-07 (OpenAPI 3.0). Default 2020. */
  dialect?: '2020' | 'draft7';
  /** Add ajv-formats (date-time, email, uri…). Default true. */
  withFormats?: boolean;
}

export function createAjv({ dialect = '2020', withFormats = true, ...options }: AjvSettings = {}): AjvInstance {
  const Ajv = defaultExport(require(dialect === '2020' ? 'ajv/dist/2020.js' : 'ajv')) as AjvClass;
  const ajv = new Ajv(options);
  if (withFormats) (defaultExport(require('ajv-formats')) as (ajv: AjvInstance) => void)(ajv);
  return ajv;
}

/** ajv's standalone code of the schemas registered under `names` (an ESM module exporting each by its name). */
export function standaloneModule(ajv: AjvInstance, names: string[]): string {
  const standaloneCode = defaultExport(require('ajv/dist/standalone')) as (ajv: AjvInstance, refs: Record<string, string>) => string;
  // The code `require`s ajv's run-time helpers and ajv-formats' formats.
  return `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${standaloneCode(ajv, Object.fromEntries(names.map((n) => [n, n])))}`;
}
