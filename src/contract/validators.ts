// Request and response validators for every operation, compiled once with ajv: by `npm run build`
// for the shipped documents (ajv's standalone code in dist/validators/, loaded at start), at run
// time for any other. Per request the pipeline only calls compiled functions (≈0.1 µs each).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv as newAjv, standaloneModule, type AjvInstance } from './ajv.ts';
import { encodeSegment } from './json-pointer.ts';
import { formatsNamed, fromOpenApi30 } from './openapi-30.ts';
import type { FieldError } from '../server/problem.ts';
import { SANDBOX_ROOT } from '../sandbox-files.ts';
import { documentHash, type JsonSchema, type OpenApiDocument, type Operation } from './operations.ts';

/** Where a request's parts are validated, named as they appear in problem pointers. */
export interface RequestParts {
  path: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
}

export interface OperationValidators {
  /** Validates and coerces path, query and header parameters in place. */
  params: ValidateFunction | null;
  /** Request body validators per media type. */
  bodies: Map<string, ValidateFunction>;
  /** Response body validators per `${status} ${mediaType}`, status as documented (200, 4XX, default). */
  responses: Map<string, ValidateFunction>;
}

const SPEC_ID = 'spec';

/** Parameters and form bodies arrive as strings and are coerced; JSON bodies and answers are not. */
type Coercion = 'plain' | 'coercing';

/**
 * `checkSchemas`: validate the document's schemas against the JSON Schema meta-schema first. Off
 * for the shipped documents, which `npm run lint:spec` checks: that check compiles the meta-schema
 * in every instance, about 60 ms each at start. `source`: keep each function's code (for the build).
 */
function createAjv(doc: OpenApiDocument, coerce: boolean, checkSchemas: boolean, source = false): AjvInstance {
  const is31 = /^3\.1\./.test(doc.openapi);
  // strict: false because OpenAPI schemas carry `example`, `xml`, `discriminator`… next to JSON Schema.
  const ajv: AjvInstance = newAjv({
    dialect: is31 ? '2020' : 'draft7',
    strict: false,
    allErrors: true,
    coerceTypes: coerce,
    useDefaults: coerce, // parameter defaults (page=1, limit=20) are filled in for handlers
    validateFormats: true,
    inlineRefs: false, // each component compiles once and is shared, instead of inlined per use
    validateSchema: checkSchemas,
    // The build's code keeps ajv's own engine (the shipped documents' patterns are all unicode-clean).
    ...(source ? { code: { source: true, esm: true } } : { code: { regExp: lenientRegExp } }),
  });
  // Formats no validator knows are annotations (the specification allows any), reported at start (unknownFormats).
  for (const name of unknownFormats(doc, ajv)) ajv.addFormat(name, true);
  ajv.addSchema({ $id: SPEC_ID, components: inDialect(doc, doc.components ?? {}) });
  return ajv;
}

/**
 * Patterns as ECMA-262 reads them, with the `u` flag where a pattern allows it and without it
 * where it does not: real documents escape characters that need no escape (`^[a-z\\-\\:]+$`),
 * which JavaScript accepts, but not in unicode mode, ajv's default.
 */
const lenientRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    try {
      return new RegExp(pattern, flags);
    } catch {
      return new RegExp(pattern, flags.replace('u', ''));
    }
  },
  { code: 'new RegExp' },
);

/** A schema as ajv reads it: a 3.0 document's translated (src/contract/openapi-30.ts). */
const inDialect = (doc: OpenApiDocument, schema: unknown): unknown => (/^3\.0\./.test(doc.openapi) ? fromOpenApi30(schema) : schema);

/** The formats a document names that neither ajv-formats nor OpenAPI defines: accepted as they are. */
export function unknownFormats(doc: OpenApiDocument, ajv: AjvInstance = (knownFormatsAjv ??= newAjv({ strict: false }))): string[] {
  return [...formatsNamed(doc)].filter((name) => !(name in ajv.formats)).sort();
}
let knownFormatsAjv: AjvInstance | undefined;

/** Local refs (#/components/…) inside an operation's schema point into the registered document. */
function anchorRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(anchorRefs);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${SPEC_ID}${value}` : anchorRefs(value);
  }
  return out;
}

export function isJsonMediaType(type: string): boolean {
  const base = type.split(';')[0]!.trim().toLowerCase();
  return base === 'application/json' || base.endsWith('+json') || base === '*/*';
}

// The build's validators of a document: one module per coercion, exporting each function under
// the hash of what it checks, in a file named by the document's hash. An edited document misses
// them and compiles at run time, so they can never be stale.
const BUILT_DIR = `${SANDBOX_ROOT}dist/validators/`;
type BuiltValidators = Record<Coercion, Record<string, ValidateFunction>>;
const built = new WeakMap<OpenApiDocument, BuiltValidators>();

export function builtValidatorsFile(doc: OpenApiDocument, coercion: Coercion): string {
  return `${BUILT_DIR}${documentHash(doc)}.${coercion}.js`;
}

/** Loads the build's validators of `doc` if it made them; the compilers below then use them. */
export async function loadBuiltValidators(doc: OpenApiDocument): Promise<boolean> {
  if (built.has(doc)) return true;
  const load = (coercion: Coercion) => {
    const file = builtValidatorsFile(doc, coercion);
    return readFile(file).then(
      () => import(file) as Promise<Record<string, ValidateFunction>>,
      () => undefined, // not built: compiled at run time
    );
  };
  const [plain, coercing] = await Promise.all([load('plain'), load('coercing')]);
  if (plain && coercing) built.set(doc, { plain, coercing });
  return built.has(doc);
}

/**
 * The compiler of a document's validators: each schema once, shared by every operation that uses
 * it, from the build's module when it has it. `source`: for the build, keeps the code (see builtModules).
 */
function documentCompiler(doc: OpenApiDocument, checkSchemas: boolean, source = false) {
  const instances: Partial<Record<Coercion, AjvInstance>> = {};
  const names: Record<Coercion, Set<string>> = { plain: new Set(), coercing: new Set() };
  const cache = new Map<string, ValidateFunction>();
  const fromBuild = source ? undefined : built.get(doc);
  const compile = (coercion: Coercion, tag: string, schema: JsonSchema): ValidateFunction => {
    const key = `${coercion}:${tag}:${JSON.stringify(schema)}`;
    let fn = cache.get(key);
    if (fn) return fn;
    const name = `v${createHash('sha1').update(key).digest('hex')}`;
    fn = fromBuild?.[coercion][name];
    if (!fn) {
      const ajv = (instances[coercion] ??= createAjv(doc, coercion === 'coercing', checkSchemas, source));
      ajv.addSchema(anchorRefs(inDialect(doc, schema)) as object, name);
      names[coercion].add(name);
      fn = ajv.getSchema(name)!;
    }
    cache.set(key, fn);
    return fn;
  };
  const modules = (): Record<Coercion, string> => ({
    plain: standaloneModule((instances.plain ??= createAjv(doc, false, checkSchemas, source)), [...names.plain]),
    coercing: standaloneModule((instances.coercing ??= createAjv(doc, true, checkSchemas, source)), [...names.coercing]),
  });
  return { compile, modules };
}
type DocumentCompiler = ReturnType<typeof documentCompiler>;

/** What one operation needs to check a request (parameters, bodies). */
function requestSide(compile: DocumentCompiler['compile'], op: Operation): Pick<OperationValidators, 'params' | 'bodies'> {
  const paramSchema = buildParameterSchema(op);
  const bodies = new Map<string, ValidateFunction>();
  for (const [type, schema] of Object.entries(op.body?.content ?? {})) {
    if (schema === undefined) continue;
    // Form bodies arrive as strings: let ajv coerce them like parameters.
    const form = type.startsWith('application/x-www-form-urlencoded');
    bodies.set(type, located(op, `/requestBody/content/${encodeSegment(type)}/schema`, () => compile(form ? 'coercing' : 'plain', form ? 'form' : 'json', schema)));
  }
  return { params: paramSchema ? located(op, '/parameters', () => compile('coercing', 'params', paramSchema)) : null, bodies };
}

/**
 * Compiles, or throws where in the document the schema ajv refused stands and why: "at
 * /paths/~1things/post/requestBody/content/application~1json/schema/properties/size/type: must be
 * equal to one of the allowed values". (Parameters are checked as one schema of all of them, so
 * their place is the parameter's path inside it.)
 */
function located(op: Operation, at: string, compile: () => ValidateFunction): ValidateFunction {
  try {
    return compile();
  } catch (error) {
    const message = (error as Error).message.replace(/^schema is invalid: /, '').split(', ')[0]!;
    const inner = /^data(\/\S*)?\s/.exec(message);
    const pointer = `/paths/${encodeSegment(op.path)}/${op.method}${at}${inner?.[1] ?? ''}`;
    throw new Error(`at ${pointer}: the schema is invalid (${inner ? message.slice(inner[0].length) : message}); fix the schema there.`);
  }
}

/** What only strict mode and the checks read: the answers' schemas, the larger ones. */
function responseSide(compile: DocumentCompiler['compile'], op: Operation): Map<string, ValidateFunction> {
  const responses = new Map<string, ValidateFunction>();
  for (const response of op.responses) {
    for (const [type, schema] of Object.entries(response.content)) {
      if (schema === undefined || !isJsonMediaType(type)) continue;
      responses.set(`${response.status} ${type}`, located(op, `/responses/${encodeSegment(response.status)}/content/${encodeSegment(type)}/schema`, () => compile('plain', 'json', schema)));
    }
  }
  return responses;
}

/**
 * Validators of every operation. `lazy`: each operation's are compiled on first use instead of
 * now (a shipped spec's take ~0.5 s without the build's); `compileAll` then finishes the rest
 * off the request path. Either way each schema is compiled once, never per request.
 */
export function compileValidators(doc: OpenApiDocument, operations: Operation[], options: { lazy?: boolean } = {}): Map<string, OperationValidators> {
  const { compile } = documentCompiler(doc, !options.lazy);
  const result = new Map<string, OperationValidators>();
  for (const op of operations) {
    result.set(
      op.operationId,
      options.lazy ? onFirstUse(() => requestSide(compile, op), () => responseSide(compile, op)) : { ...requestSide(compile, op), responses: responseSide(compile, op) },
    );
  }
  return result;
}

/**
 * For `npm run build`: the standalone modules of every validator of `doc` (its operations' and a
 * validator per component schema, as compileSchemaValidators asks for them), by coercion.
 */
export function builtModules(doc: OpenApiDocument, operations: Operation[]): Record<Coercion, string> {
  const { compile, modules } = documentCompiler(doc, false, true);
  for (const op of operations) {
    requestSide(compile, op);
    responseSide(compile, op);
  }
  for (const name of Object.keys(doc.components?.schemas ?? {})) compile('plain', 'schema', componentRef(name));
  return modules();
}

/** Validators compiled when first read, each side on its own; a read after that is a getter and a field. */
function onFirstUse(
  requestSide: () => Pick<OperationValidators, 'params' | 'bodies'>,
  responseSide: () => Map<string, ValidateFunction>,
): OperationValidators {
  let request: Pick<OperationValidators, 'params' | 'bodies'> | undefined;
  let responses: Map<string, ValidateFunction> | undefined;
  return {
    get params() {
      return (request ??= requestSide()).params;
    },
    get bodies() {
      return (request ??= requestSide()).bodies;
    },
    get responses() {
      return (responses ??= responseSide());
    },
  };
}

/**
 * Compiles whatever `compileValidators(…, {lazy: true})` left for later, one operation per turn
 * of the event loop, so requests arriving meanwhile wait for one operation's schemas at most.
 */
export async function compileAll(validators: Map<string, OperationValidators>): Promise<void> {
  for (const v of validators.values()) {
    void v.params; // the first read compiles the request side of the operation
    await new Promise<void>((resolve) => setImmediate(resolve));
    void v.responses;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

const LOCATION: Record<string, keyof RequestParts> = { path: 'path', query: 'query', header: 'headers' };

function buildParameterSchema(op: Operation): JsonSchema | null {
  const parts: Record<string, { type: 'object'; properties: Record<string, unknown>; required: string[] }> = {};
  for (const p of op.parameters) {
    const where = LOCATION[p.in];
    if (!where) continue; // cookies are not validated
    const part = (parts[where] ??= { type: 'object', properties: {}, required: [] });
    part.properties[p.name] = p.schema;
    if (p.required) part.required.push(p.name);
  }
  if (Object.keys(parts).length === 0) return null;
  return { type: 'object', properties: parts };
}

/** ajv errors → problem `errors[]`, pointers prefixed with the request part (/body, /query, …). */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  if (!errors) return [];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    let pointer = prefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      pointer += `/${encodeSegment(String(e.params.missingProperty))}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      pointer += `/${encodeSegment(String(e.params.additionalProperty))}`;
      message = 'is not a known field';
    } else if (e.keyword === 'unevaluatedProperties') {
      pointer += `/${encodeSegment(String(e.params.unevaluatedProperty))}`;
      message = 'is not a known field';
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
    } else if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      // The precise branch errors are listed too; these summaries only add noise.
      if (errors.length > 1) continue;
    }
    const key = `${pointer} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer, message });
  }
  return out;
}

/**
 * Validators of named component schemas (#/components/schemas/NAME), e.g. to check imported
 * entities. Only for the shipped documents (lint-checked), so their schemas are not re-checked.
 */
export function compileSchemaValidators(doc: OpenApiDocument, names: string[]): Map<string, ValidateFunction> {
  const { compile } = documentCompiler(doc, false);
  const result = new Map<string, ValidateFunction>();
  for (const name of names) {
    if (!doc.components?.schemas?.[name]) throw new Error(`${name} is not a schema of the document's components`);
    result.set(name, compile('plain', 'schema', componentRef(name)));
  }
  return result;
}

const componentRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${encodeSegment(name)}` });
