// The resources a document's REST shape describes (served from the tenant's store by
// src/handlers/document-resources.ts; Prism answers the rest): a collection (`GET`/`POST /things`) with its
// items (`GET`/`PUT`/`PATCH`/`DELETE /things/{id}`), nested ones included
// (`/owners/{ownerId}/things`). Inferred once from the operations, as plain data; `serve --spec …
// --explain` prints it. An author steers the guess with `x-sandbox-resource` on a path item:
// `false` (not a resource), or `{name, idField}`.
import { mergedAllOf, type Resolve } from '../domain/schema-fake.ts';
import { resolveLocal, type JsonSchema, type OpenApiDocument, type Operation } from './operations.ts';

/**
 * What an operation does to a resource. Besides the REST set: `replaceByBody`/`mergeByBody` are a
 * PUT/PATCH on the collection naming the item by the id in its body (Swagger Petstore's
 * `PUT /pet`), `mergeByPost` a POST on the item (its form or query fields merged in), and
 * `search` a GET beside the items that lists them filtered (`GET /pet/findByStatus`).
 */
export type ResourceAction = 'list' | 'create' | 'get' | 'replace' | 'merge' | 'remove' | 'replaceByBody' | 'mergeByBody' | 'mergeByPost' | 'search';

export interface Resource {
  name: string;
  collectionPath: string; // /owners/{ownerId}/things
  itemPath: string; // /owners/{ownerId}/things/{thingId}
  /** The item path's last parameter, which names one item. */
  idParam: string;
  /** The item's property that holds its id (from the path parameter and the item schema). */
  idField: string;
  /** How new ids are made: the id property's type and format. */
  idKind: 'integer' | 'uuid' | 'pattern' | 'format' | 'string';
  /** The schema new ids are made from (the path parameter's where it says more than "a string", else the id property's). */
  idSchema: Record<string, unknown>;
  /** The path parameters before the id: a nested collection's parents. */
  parentParams: string[];
  /** operationId by action (`search` is in `searches`). */
  operations: Partial<Record<Exclude<ResourceAction, 'search'>, string>>;
  /** GETs beside the items (`{collection}/findByStatus`) that answer a list of them, filtered by their query. */
  searches: string[];
  /** The item's schema (resolved), when the document gives one. */
  itemSchema: Record<string, unknown> | null;
  /** The property the item answer wraps the item in (`{"kubernetes_cluster": {…}}`), or null when it is the item itself. */
  envelope: string | null;
  /** Items the document shows as examples (the item's and the list's answers): a fresh tenant starts with them. */
  examples: Record<string, unknown>[];
}

export interface ResourceMap {
  resources: Resource[];
  /** Operations that fit no resource: Prism answers them. */
  unmatched: string[];
}

const PARAM = /^\{([^}]+)\}$/;
const ITEM_ACTIONS: Record<string, ResourceAction> = { get: 'get', put: 'replace', patch: 'merge', delete: 'remove', post: 'mergeByPost' };
const COLLECTION_ACTIONS: Record<string, ResourceAction> = { get: 'list', post: 'create', put: 'replaceByBody', patch: 'mergeByBody' };

interface Steering {
  name?: string;
  idField?: string;
}

function steeringOf(doc: OpenApiDocument, path: string): Steering | false | undefined {
  const item = doc.paths?.[path];
  const value = item ? (resolveLocal(doc, item) as Record<string, unknown>)['x-sandbox-resource'] : undefined;
  if (value === false) return false;
  return value && typeof value === 'object' ? (value as Steering) : undefined;
}

export function inferResources(doc: OpenApiDocument, operations: Operation[]): ResourceMap {
  const byPath = new Map<string, Operation[]>();
  for (const op of operations) {
    const path = op.path.replace(/\/+$/, '') || '/';
    byPath.set(path, [...(byPath.get(path) ?? []), op]);
  }
  const resources: Resource[] = [];
  const claimed = new Set<string>();
  for (const [itemPath, itemOps] of byPath) {
    const segments = itemPath.split('/');
    const idParam = PARAM.exec(segments[segments.length - 1] ?? '')?.[1];
    if (!idParam) continue;
    const collectionPath = segments.slice(0, -1).join('/') || '/';
    const collectionOps = byPath.get(collectionPath) ?? [];
    const steering = steeringOf(doc, itemPath);
    if (steering === false || steeringOf(doc, collectionPath) === false) continue;
    if (!collectionOps.some((op) => op.method === 'get' || op.method === 'post')) continue;
    const ops: Resource['operations'] = {};
    // An operation that documents no success (a retired one: only 410 and errors) is not the resource's to answer.
    const succeeds = (op: Operation) => op.responses.some((r) => /^2(\d\d|XX)$/i.test(r.status));
    // A collection GET that answers one object, not a list of them (the running job), is not a list.
    const lists = (op: Operation) => op.method !== 'get' || answersList(doc, op);
    const put = (action: ResourceAction | undefined, op: Operation) => {
      if (action && action !== 'search') ops[action] = op.operationId;
    };
    // A PUT/PATCH on the collection is the item's only where its body carries the id (not a bulk replace).
    const namesItem = (op: Operation) => (op.method !== 'put' && op.method !== 'patch') || bodyHasProperty(doc, op, idParam);
    for (const op of collectionOps) if (succeeds(op) && lists(op) && namesItem(op)) put(COLLECTION_ACTIONS[op.method], op);
    for (const op of itemOps) if (succeeds(op)) put(ITEM_ACTIONS[op.method], op);
    if (!ops.get && !ops.create) continue;
    const statics = segments.filter((s) => s && !PARAM.test(s));
    const answered = schemaOfItem(doc, operations, ops);
    const envelope = answered ? envelopeOf(answered, schemaResolver(doc)) : null;
    const itemSchema = envelope ? mergedAllOf(schemaResolver(doc)((answered!.properties as Record<string, unknown>)[envelope]), schemaResolver(doc)) : answered;
    const idParamSchemas = itemOps.flatMap((op) => op.parameters).filter((p) => p.in === 'path' && p.name === idParam).map((p) => p.schema);
    const idParamSchema = mostSpecific(doc, idParamSchemas);
    const idField = steering?.idField ?? idFieldOf(idParam, statics[statics.length - 1] ?? '', itemSchema, schemaResolver(doc)(idParamSchema), schemaResolver(doc));
    resources.push({
      name: steering?.name ?? statics[statics.length - 1] ?? 'items',
      collectionPath,
      itemPath,
      idParam,
      idField,
      ...idKindOf(doc, itemSchema, idField, idParamSchema),
      parentParams: parentParamsOf(segments),
      operations: ops,
      itemSchema,
      envelope,
      searches: searchesOf(doc, byPath, collectionPath, idField).filter((id) => !claimed.has(id)),
      examples: parentParamsOf(segments).length ? [] : examplesOf(doc, itemPath, collectionPath, idField),
    });
    for (const id of [...Object.values(ops), ...resources[resources.length - 1]!.searches]) claimed.add(id);
  }
  // Names are unique: a second "things" (under another parent) is named by its whole path.
  const seen = new Map<string, number>();
  for (const r of resources) seen.set(r.name, (seen.get(r.name) ?? 0) + 1);
  for (const r of resources) {
    if (seen.get(r.name)! > 1) r.name = r.collectionPath.split('/').filter((s) => s && !PARAM.test(s)).join('.');
  }
  return { resources, unmatched: operations.map((op) => op.operationId).filter((id) => !claimed.has(id)) };
}

const parentParamsOf = (segments: string[]) => segments.slice(0, -1).flatMap((s) => PARAM.exec(s)?.[1] ?? []);

/**
 * The values a documented answer shows as JSON examples (`example`, then each of `examples`), in
 * the document's order; empty when it shows none.
 */
export function shownExamples(doc: OpenApiDocument, path: string, method: string, status: string): unknown[] {
  const operation = (doc.paths?.[path] as Record<string, unknown> | undefined)?.[method] as { responses?: Record<string, unknown> } | undefined;
  const answer = operation?.responses?.[status];
  const content = answer ? ((resolveLocal(doc, answer as Record<string, unknown>) as { content?: Record<string, unknown> }).content ?? {}) : {};
  const shown: unknown[] = [];
  for (const [type, media] of Object.entries(content)) {
    if (!/json/i.test(type) || !media || typeof media !== 'object') continue;
    const m = media as { example?: unknown; examples?: Record<string, unknown> };
    if (m.example !== undefined) shown.push(m.example);
    for (const ex of Object.values(m.examples ?? {})) {
      const value = ex && typeof ex === 'object' ? (resolveLocal(doc, ex as Record<string, unknown>) as { value?: unknown }).value : undefined;
      if (value !== undefined) shown.push(value);
    }
  }
  return shown;
}

/**
 * The items a document shows: the examples of the item GET's and the list GET's JSON answers
 * (an array, or an object holding one), those with an id, each id once. Nested collections have
 * none: their examples cannot say which parent they belong to.
 */
function examplesOf(doc: OpenApiDocument, itemPath: string, collectionPath: string, idField: string): Record<string, unknown>[] {
  const shown = [...shownExamples(doc, itemPath, 'get', '200'), ...shownExamples(doc, collectionPath, 'get', '200')];
  const items = new Map<string, Record<string, unknown>>();
  const take = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(take);
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const id = record[idField];
    if (id !== undefined && id !== null && typeof id !== 'object') {
      if (!items.has(String(id))) items.set(String(id), record);
      return;
    }
    // A list page: the arrays it holds.
    for (const inner of Object.values(record)) if (Array.isArray(inner)) inner.forEach(take);
  };
  shown.forEach(take);
  return [...items.values()];
}

/** Follows a schema's local $ref; a boolean or missing schema reads as {} (anything). */
export function schemaResolver(doc: OpenApiDocument): Resolve {
  return (node) => (node && typeof node === 'object' ? ((resolveLocal(doc, node as Record<string, unknown>) as Record<string, unknown>) ?? {}) : {});
}

/** The item's object schema: GET item's 200, else the create's 201/200 answer, else the PUT body. */
function schemaOfItem(doc: OpenApiDocument, operations: Operation[], ops: Partial<Record<ResourceAction, string>>): Record<string, unknown> | null {
  const op = (id: string | undefined) => operations.find((o) => o.operationId === id);
  const json = (content: Record<string, JsonSchema | undefined> | undefined) =>
    content ? Object.entries(content).find(([type]) => /json/i.test(type))?.[1] : undefined;
  const candidates = [
    json(op(ops.get)?.responses.find((r) => r.status === '200')?.content),
    json(op(ops.create)?.responses.find((r) => r.status === '201' || r.status === '200')?.content),
    json(op(ops.replace)?.body?.content),
  ];
  for (const candidate of candidates) {
    if (!candidate || typeof candidate !== 'object') continue;
    const schema = resolveLocal(doc, candidate as Record<string, unknown> & { $ref?: string }) as Record<string, unknown>;
    if (schema && typeof schema === 'object') return mergedAllOf(schema, schemaResolver(doc));
  }
  return null;
}

/**
 * The property holding the id: the parameter's own name, `id`, or the parameter without the
 * resource's name (petId → id), else the one property of the parameter's format (floating_ip →
 * ip, both ipv4).
 */
function idFieldOf(idParam: string, collection: string, schema: Record<string, unknown> | null, paramSchema: Record<string, unknown>, resolve: Resolve): string {
  const names = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});
  const lower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const singular = collection.replace(/ies$/, 'y').replace(/s$/, '').toLowerCase();
  const stripped = idParam.toLowerCase().replace(singular, '').replace(/^[_-]/, '');
  for (const candidate of [idParam.toLowerCase(), 'id', stripped, `${singular}_id`, `${singular}id`]) {
    const found = lower.get(candidate);
    if (found) return found;
  }
  const properties = (schema?.properties as Record<string, unknown> | undefined) ?? {};
  const sameFormat = paramSchema.format ? names.filter((n) => resolve(properties[n]).format === paramSchema.format) : [];
  if (sameFormat.length === 1) return sameFormat[0]!;
  return names.length ? (lower.get('id') ?? idParam) : 'id';
}

/**
 * The property an item answer wraps its item in: the only property of the answer (or its only
 * required one), itself an object, where the answer has no id of its own (`{"droplet": {…}}`).
 */
function envelopeOf(schema: Record<string, unknown>, resolve: Resolve): string | null {
  const properties = (schema.properties as Record<string, unknown> | undefined) ?? {};
  const names = Object.keys(properties);
  if (names.some((n) => /^(id|uuid|.*_id)$/i.test(n))) return null;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const candidates = names.length === 1 ? names : required.length === 1 ? required : [];
  const key = candidates[0];
  if (!key) return null;
  const inner = mergedAllOf(resolve(properties[key]), resolve);
  return inner.type === 'object' || inner.properties ? key : null;
}

/** Whether the operation's JSON body has the id: the path parameter's name or `id` (what idFieldOf reads). */
function bodyHasProperty(doc: OpenApiDocument, op: Operation, idParam: string): boolean {
  const json = op.body ? Object.entries(op.body.content).find(([type]) => /json/i.test(type))?.[1] : undefined;
  if (json === undefined) return false;
  const resolve = schemaResolver(doc);
  const names = Object.keys((mergedAllOf(resolve(json), resolve).properties as object | undefined) ?? {}).map((n) => n.toLowerCase());
  return names.includes('id') || names.includes(idParam.toLowerCase());
}

/** The GETs at `{collection}/{word}` whose 200 answer is an array of items (objects with the id field). */
function searchesOf(doc: OpenApiDocument, byPath: Map<string, Operation[]>, collectionPath: string, idField: string): string[] {
  const resolve = schemaResolver(doc);
  const found: string[] = [];
  for (const [path, ops] of byPath) {
    if (!path.startsWith(`${collectionPath}/`) || path.slice(collectionPath.length + 1).includes('/') || PARAM.test(path.slice(collectionPath.length + 1))) continue;
    for (const op of ops) {
      if (op.method !== 'get') continue;
      const content = op.responses.find((r) => r.status === '200')?.content ?? {};
      const json = Object.entries(content).find(([type]) => /json/i.test(type))?.[1];
      const s = json === undefined ? {} : resolve(json);
      const items = s.type === 'array' || s.items ? mergedAllOf(resolve(s.items), resolve) : {};
      if (items.properties && idField in (items.properties as object)) found.push(op.operationId);
    }
  }
  return found;
}

/** Whether a GET's 200 answer is an array, or an object holding one (a page), or gives no JSON schema to tell. */
function answersList(doc: OpenApiDocument, op: Operation): boolean {
  const content = op.responses.find((r) => r.status === '200')?.content ?? {};
  const json = Object.entries(content).find(([type]) => /json/i.test(type))?.[1];
  if (json === undefined) return true;
  const resolve = schemaResolver(doc);
  const isArray = (s: Record<string, unknown>) => s.type === 'array' || Boolean(s.items);
  const s = mergedAllOf(resolve(json), resolve);
  if (isArray(s)) return true;
  return Object.values((s.properties as Record<string, unknown> | undefined) ?? {}).some((p) => isArray(mergedAllOf(resolve(p), resolve)));
}

/** Of the schemas the item's operations give its path parameter, one that says more than "a string" (a format, a pattern, a number). */
function mostSpecific(doc: OpenApiDocument, schemas: unknown[]): unknown {
  const resolve = schemaResolver(doc);
  return schemas.find((s) => {
    const r = resolve(s);
    return r.type === 'integer' || r.type === 'number' || typeof r.format === 'string' || typeof r.pattern === 'string';
  }) ?? schemas[0];
}

/**
 * How new ids are made: from the path parameter's schema where it says more than "a string"
 * (the URL must take the id), else from the id property's.
 */
function idKindOf(doc: OpenApiDocument, schema: Record<string, unknown> | null, field: string, paramSchema?: unknown): Pick<Resource, 'idKind' | 'idSchema'> {
  const kindOf = (raw: unknown): Pick<Resource, 'idKind' | 'idSchema'> => {
    const prop = schemaResolver(doc)(raw);
    if (prop.type === 'integer' || prop.type === 'number') return { idKind: 'integer', idSchema: prop };
    if (prop.format === 'uuid') return { idKind: 'uuid', idSchema: prop };
    if (typeof prop.pattern === 'string') return { idKind: 'pattern', idSchema: prop };
    if (typeof prop.format === 'string') return { idKind: 'format', idSchema: prop };
    return { idKind: 'string', idSchema: prop };
  };
  const byParam = kindOf(paramSchema);
  return byParam.idKind !== 'string' ? byParam : kindOf((schema?.properties as Record<string, unknown> | undefined)?.[field]);
}

/** What `serve --spec … --explain` prints. */
export function explainResources(map: ResourceMap, title: string): string {
  const lines = [`${title}: ${map.resources.length} resource${map.resources.length === 1 ? '' : 's'}, ${map.unmatched.length} operation${map.unmatched.length === 1 ? '' : 's'} fitting none`];
  for (const r of map.resources) {
    lines.push(`  ${r.name}   ${r.collectionPath}  ${r.itemPath}`);
    lines.push(`    id: ${r.idField} (${r.idKind === 'format' ? String(r.idSchema.format) : r.idKind}), from path parameter ${r.idParam}${r.parentParams.length ? `; under ${r.parentParams.join(', ')}` : ''}`);
    lines.push(`    ${[...(Object.entries(r.operations) as [ResourceAction, string][]), ...r.searches.map((id) => ['search', id] as const)].map(([action, id]) => `${action} ${id}`).join(' · ')}`);
  }
  lines.push('  These are served from the tenant\'s store (kept, reset and snapshotted like the marketplace\'s entities).');
  lines.push(`  Operations that fit no resource, answered by Prism: ${map.unmatched.length ? map.unmatched.join(', ') : '(none)'}`);
  return lines.join('\n');
}
