// The one place that builds ajv instances. ajv and ajv-formats are CommonJS with a default export
// that Node's ESM interop hands over as `{ default }`, hence the shim; the options stay the callers'.
import Ajv2020Module from 'ajv/dist/2020.js';
import AjvDraft7Module from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Options } from 'ajv';

type AjvClass = typeof AjvDraft7Module.default;
export type AjvInstance = InstanceType<AjvClass>;

const defaultExport = <T>(module: T): T => (module as { default?: T }).default ?? module;
const Ajv2020 = defaultExport(Ajv2020Module) as unknown as AjvClass;
const AjvDraft7 = defaultExport(AjvDraft7Module) as unknown as AjvClass;
const addFormats = defaultExport(addFormatsModule) as unknown as (ajv: AjvInstance) => void;

export interface AjvSettings extends Omit<Options, 'formats'> {
  /** JSON Schema dialect: 2020-12 (OpenAPI 3.1, the sandbox's own schemas) or draft-07 (OpenAPI 3.0). Default 2020. */
  dialect?: '2020' | 'draft7';
  /** Add ajv-formats (date-time, email, uri…). Default true. */
  withFormats?: boolean;
}

export function createAjv({ dialect = '2020', withFormats = true, ...options }: AjvSettings = {}): AjvInstance {
  const ajv = new (dialect === '2020' ? Ajv2020 : AjvDraft7)(options);
  if (withFormats) addFormats(ajv);
  return ajv;
}
