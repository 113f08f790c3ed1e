// The operation index: every operation of an OpenAPI document as plain data the pipeline can
// route and validate with. Built once at start from the document; nothing here runs per request.
import { createHash } from 'node:crypto';
import { parseLocalRef, valueAt } from './json-pointer.ts';
import { readYamlFile } from './yaml-text.ts';
import { bundleFileRefs, checkLocalRefs, hasExternalRefs } from './document-refs.ts';
import { SANDBOX_ROOT } from '../sandbox-files.ts';

export type JsonSchema = Record<string, unknown> | boolean;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

// The OpenAPI 3.x objects the sandbox reads, as the specification defines them. Loading checks a
// document for its `openapi` version only, so these describe a well-formed document; whatever else
// a document carries (info, servers, descriptions, x-… extensions) is `unknown` until checked.

/** A `$ref` where an object may stand; only local ones (#/components/…) are followed. */
export interface Reference {
  $ref: string;
}

/** Scheme name → the scopes it needs: {oauth2: ['orders']}; {} means no credentials. */
export type SecurityRequirement = Record<string, string[]>;

export interface OpenApiDocument {
  openapi: string;
  /** Title and version, shown by the reference pages and the Postman collection. */
  info?: { title?: string; version?: string; [field: string]: unknown };
  paths?: Record<string, PathItem | Reference>;
  components?: { schemas?: Record<string, JsonSchema>; [kind: string]: unknown };
  /** Alternatives of the document-wide security requirement. */
  security?: SecurityRequirement[];
  [field: string]: unknown;
}

export interface PathItem extends Partial<Record<HttpMethod, OperationObject>> {
  /** Parameters shared by the path's operations. */
  parameters?: (ParameterObject | Reference)[];
  [field: string]: unknown;
}

export interface OperationObject {
  operationId?: string;
  tags?: string[];
  parameters?: (ParameterObject | Reference)[];
  requestBody?: RequestBodyObject | Reference;
  /** Status ('200', '4XX', 'default') → response. */
  responses?: Record<string, ResponseObject | Reference>;
  security?: SecurityRequirement[];
  [field: string]: unknown;
}

export interface ParameterObject {
  name: string;
  in: OperationParameter['in'];
  required?: boolean;
  schema?: JsonSchema;
  [field: string]: unknown;
}

export interface RequestBodyObject {
  required?: boolean;
  content?: Record<string, MediaTypeObject>;
  [field: string]: unknown;
}

export interface ResponseObject {
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
  [field: string]: unknown;
}

export interface HeaderObject {
  required?: boolean;
  schema?: JsonSchema;
  [field: string]: unknown;
}

export interface MediaTypeObject {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, ExampleObject | Reference>;
  [field: string]: unknown;
}

export interface ExampleObject {
  value?: unknown;
  [field: string]: unknown;
}

export interface OperationParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
  isArray: boolean; // query arrays arrive as repeated keys: ?status=open&status=shipped
}

export interface OperationBody {
  required: boolean;
  /** media type → schema; `application/json`, `application/x-www-form-urlencoded`, … */
  content: Record<string, JsonSchema | undefined>;
}

export interface OperationResponse {
  status: string; // '200', '4XX', 'default'
  headers: Record<string, { required: boolean; schema?: JsonSchema }>;
  content: Record<string, JsonSchema | undefined>;
}

export interface Operation {
  /** The document's, or derived from the method and path where it has none (derivedOperationId). */
  operationId: string;
  /** True when the document gave none. */
  operationIdDerived?: boolean;
  method: HttpMethod;
  path: string; // as written in the document: /api/v2/products/{product_id}
  routePath: string; // the same for hono: /api/v2/products/:product_id
  tags: string[];
  parameters: OperationParameter[];
  body: OperationBody | null;
  responses: OperationResponse[];
  /** Alternatives of the operation's security requirement: [{apiKey: []}, {oauth2: ['orders']}]. */
  security: Record<string, string[]>[];
  extensions: Record<string, unknown>; // x-… fields, e.g. x-rate-limit
}

export async function loadDocument(file: string): Promise<OpenApiDocument> {
  const doc = await readYamlFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new Error(`There is no file ${file}: pass the path of an OpenAPI 3.x document (YAML or JSON).`);
    if (error.code === 'EISDIR') throw new Error(`${file} is a directory: pass the path of an OpenAPI 3.x document (YAML or JSON).`);
    if (error.code === 'EACCES') throw new Error(`${file} cannot be read (permission denied): make it readable or pass another document.`);
    if (error.name !== 'YAMLParseError') throw error;
    throw new Error(`${file} is not valid YAML or JSON: ${error.message.split('\n')[0]!.replace(/:$/, '')}; fix it there.`);
  });
  const version = doc && typeof doc === 'object' ? (doc as { openapi?: unknown }).openapi : undefined;
  if (typeof version !== 'string' || !/^3\./.test(version)) {
    throw new Error(`${file} is not an OpenAPI 3.x document (no "openapi: 3.x" field).`);
  }
  // The shipped documents are checked by `npm run lint:spec`; a document a user brings is bundled
  // and its references checked here, so a broken one is refused at start.
  if (file.startsWith(`${SANDBOX_ROOT}specs/`)) return doc as OpenApiDocument;
  const bundled = hasExternalRefs(doc) ? await bundleFileRefs(file) : doc;
  checkLocalRefs(file, bundled);
  // Beyond its version and references the document is taken as written: what reads it checks what it must.
  return bundled as OpenApiDocument;
}

const hashes = new WeakMap<OpenApiDocument, string>();

/**
 * A hash of the document's content: what the build keys its products of a document by (its
 * Postman collection, its compiled validators), so an edited document misses them, never misuses them.
 */
export function documentHash(doc: OpenApiDocument): string {
  let hash = hashes.get(doc);
  if (!hash) hashes.set(doc, (hash = createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 32)));
  return hash;
}

/** Follows local `$ref`s (#/components/…) in non-schema objects: parameters, bodies, responses, headers. */
export function resolveLocal<T>(doc: OpenApiDocument, node: T | Reference): T {
  let current: unknown = node;
  const seen = new Set<string>();
  while (current && typeof current === 'object' && typeof (current as Partial<Reference>).$ref === 'string') {
    const ref = (current as Reference).$ref;
    if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, found ${ref}.`);
    if (seen.has(ref)) throw new Error(`Circular $ref ${ref}.`);
    seen.add(ref);
    current = valueAt(doc, parseLocalRef(ref));
    if (current === undefined) throw new Error(`$ref ${ref} points at nothing.`);
  }
  // What a $ref points at is taken to be what may stand in its place (the document's own promise).
  return current as T;
}

function schemaIsArray(doc: OpenApiDocument, schema: JsonSchema | undefined): boolean {
  const s = resolveLocal(doc, schema);
  if (!s || typeof s !== 'object') return false;
  return s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'));
}

/**
 * The path of the document's first server URL ("https://petstore.example/v1" → "/v1"), its
 * variables replaced by their defaults; "" when it has none or it is the root. Clients configured
 * from `servers` send their requests under it.
 */
export function serverBasePath(doc: OpenApiDocument): string {
  const server = (doc.servers as { url?: unknown; variables?: Record<string, { default?: unknown }> }[] | undefined)?.[0];
  if (!server || typeof server.url !== 'string') return '';
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name: string) => String(server.variables?.[name]?.default ?? ''));
  let path: string;
  try {
    path = decodeURI(new URL(url, 'http://base.invalid').pathname).replace(/\/+$/, '');
  } catch {
    return ''; // not a URL, or malformed percent-escapes: no base path
  }
  return path === '' || path === '/' ? '' : path;
}

export function toRoutePath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

const listed = new WeakMap<OpenApiDocument, Operation[]>();

/** The document's operations, resolved once per document (a start asks for them several times). */
export function listOperations(doc: OpenApiDocument): Operation[] {
  let operations = listed.get(doc);
  if (!operations) listed.set(doc, (operations = resolveOperations(doc)));
  return [...operations];
}

/** A name from a path segment: `pet-store_items` → `PetStoreItems`. */
const wordsOf = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

/**
 * The operationId of an operation that has none, from its method and path, stable across starts:
 * GET /pets/{petId}/photos → getPetsByPetIdPhotos, GET / → getRoot.
 */
export function derivedOperationId(method: HttpMethod, path: string): string {
  const segments = path.split('/').filter(Boolean);
  const name = segments.map((segment) => (/^\{.+\}$/.test(segment) ? `By${wordsOf(segment.slice(1, -1))}` : wordsOf(segment))).join('');
  return `${method}${name || 'Root'}`;
}

function resolveOperations(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  const rootSecurity = doc.security ?? [];
  // Ids the document gives, so a derived one never takes an id the document uses elsewhere.
  const taken = new Set<string>();
  for (const rawItem of Object.values(doc.paths ?? {})) {
    const item = resolveLocal(doc, rawItem);
    for (const method of HTTP_METHODS) if (item[method]?.operationId) taken.add(item[method]!.operationId!);
  }
  for (const [path, rawItem] of Object.entries(doc.paths ?? {})) {
    const item = resolveLocal(doc, rawItem);
    const shared = item.parameters ?? [];
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      let operationId = op.operationId;
      if (!operationId) {
        const base = derivedOperationId(method, path);
        operationId = base;
        for (let n = 2; taken.has(operationId); n++) operationId = `${base}${n}`;
        taken.add(operationId);
      }

      // Operation-level parameters override path-level ones with the same name and location.
      const byKey = new Map<string, OperationParameter>();
      for (const raw of [...shared, ...(op.parameters ?? [])]) {
        const p = resolveLocal(doc, raw);
        byKey.set(`${p.in}:${p.name}`, {
          name: p.in === 'header' ? String(p.name).toLowerCase() : p.name,
          in: p.in,
          required: p.in === 'path' ? true : Boolean(p.required),
          schema: p.schema ?? {},
          isArray: schemaIsArray(doc, p.schema),
        });
      }

      let body: OperationBody | null = null;
      if (op.requestBody) {
        const rb = resolveLocal(doc, op.requestBody);
        body = {
          required: Boolean(rb.required),
          content: Object.fromEntries(
            Object.entries(rb.content ?? {}).map(([type, media]) => [type, media?.schema]),
          ),
        };
      }

      const responses: OperationResponse[] = Object.entries(op.responses ?? {}).map(([status, raw]) => {
        const r = resolveLocal(doc, raw);
        return {
          status,
          headers: Object.fromEntries(
            Object.entries(r.headers ?? {}).map(([name, h]) => {
              const header = resolveLocal(doc, h);
              return [name.toLowerCase(), { required: Boolean(header.required), schema: header.schema }];
            }),
          ),
          content: Object.fromEntries(
            Object.entries(r.content ?? {}).map(([type, media]) => [type, media?.schema]),
          ),
        };
      });

      operations.push({
        operationId,
        ...(op.operationId ? {} : { operationIdDerived: true }),
        method,
        path,
        routePath: toRoutePath(path),
        tags: op.tags ?? [],
        parameters: [...byKey.values()],
        body,
        responses,
        security: op.security ?? rootSecurity,
        extensions: Object.fromEntries(Object.entries(op).filter(([k]) => k.startsWith('x-'))),
      });
    }
  }
  return sortForRouting(operations);
}

/** Static segments must win over parameters: /orders/unconfirmed before /orders/{order_id}. */
function sortForRouting(operations: Operation[]): Operation[] {
  const rank = (path: string) =>
    path.split('/').map((segment) => (segment.startsWith('{') ? '1' : '0')).join('');
  return [...operations].sort((a, b) => rank(a.path).localeCompare(rank(b.path)));
}

/** The documented response for a status: exact code first, then 4XX/5XX ranges, then default. */
export function findResponse(op: Operation, status: number): OperationResponse | undefined {
  const exact = String(status);
  const range = `${exact[0]}XX`;
  return (
    op.responses.find((r) => r.status === exact) ??
    op.responses.find((r) => r.status.toUpperCase() === range) ??
    op.responses.find((r) => r.status === 'default')
  );
}
