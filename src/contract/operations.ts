// The operation index: every operation of an OpenAPI document as plain data the pipeline can
// route and validate with. Built once at start from the document; nothing here runs per request.
import { parseLocalRef, valueAt } from './json-pointer.ts';
import { readYamlFile } from './yaml-text.ts';

export type JsonSchema = Record<string, unknown> | boolean;
export type OpenApiDocument = Record<string, any>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

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
  operationId: string;
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
  const doc = (await readYamlFile(file)) as OpenApiDocument;
  if (!doc || typeof doc !== 'object' || typeof doc.openapi !== 'string' || !/^3\./.test(doc.openapi)) {
    throw new Error(`${file} is not an OpenAPI 3.x document (no "openapi: 3.x" field).`);
  }
  return doc;
}

/** Follows local `$ref`s (#/components/…) in non-schema objects: parameters, bodies, responses, headers. */
export function resolveLocal<T = any>(doc: OpenApiDocument, node: any): T {
  let current = node;
  const seen = new Set<string>();
  while (current && typeof current === 'object' && typeof current.$ref === 'string') {
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, found ${ref}.`);
    if (seen.has(ref)) throw new Error(`Circular $ref ${ref}.`);
    seen.add(ref);
    current = valueAt(doc, parseLocalRef(ref));
    if (current === undefined) throw new Error(`$ref ${ref} points at nothing.`);
  }
  return current as T;
}

function schemaIsArray(doc: OpenApiDocument, schema: any): boolean {
  const s = resolveLocal(doc, schema);
  if (!s || typeof s !== 'object') return false;
  return s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'));
}

export function toRoutePath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

export function listOperations(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  const rootSecurity = doc.security ?? [];
  for (const [path, rawItem] of Object.entries<any>(doc.paths ?? {})) {
    const item = resolveLocal(doc, rawItem);
    const shared: any[] = item.parameters ?? [];
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId.`);

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
            Object.entries<any>(rb.content ?? {}).map(([type, media]) => [type, media?.schema]),
          ),
        };
      }

      const responses: OperationResponse[] = Object.entries<any>(op.responses ?? {}).map(([status, raw]) => {
        const r = resolveLocal(doc, raw);
        return {
          status,
          headers: Object.fromEntries(
            Object.entries<any>(r.headers ?? {}).map(([name, h]) => {
              const header = resolveLocal(doc, h);
              return [name.toLowerCase(), { required: Boolean(header.required), schema: header.schema }];
            }),
          ),
          content: Object.fromEntries(
            Object.entries<any>(r.content ?? {}).map(([type, media]) => [type, media?.schema]),
          ),
        };
      });

      operations.push({
        operationId: op.operationId,
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
