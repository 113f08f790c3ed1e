// The resources of a --spec document (src/contract/resources.ts), served from the tenant's store:
// POST makes an item with a new id, GET reads it (the document's 404 once it is gone), the list
// returns the collection's items in the document's page shape (src/handlers/document-pages.ts),
// PUT replaces, PATCH merges (RFC 7386 for application/merge-patch+json, else shallowly), DELETE
// removes. Items live in one keyed table of the tenant's state, `document_items` (key: resource,
// parent ids, id), so they are persisted, reset and snapshotted like the marketplace's entities.
//
// Every answer fits the document: what an item lacks of what its schema requires is made up when
// it is stored (src/domain/schema-fake.ts), and an answer whose documented schema is not the item
// (a POST that answers `{reservation}`) is the document's example, or made from that schema.
// A fresh tenant starts with the document's example items, then made-up ones up to `seedItems`.
import type { Faker } from '@faker-js/faker';
import type { OpenApiDocument, Operation } from '../contract/operations.ts';
import { schemaResolver, shownExamples, type Resource, type ResourceAction, type ResourceMap } from '../contract/resources.ts';
import { completed, fakeObject, fakeValue, matchesPattern, mergedAllOf, type Resolve, type Schema } from '../domain/schema-fake.ts';
import { seededFaker } from '../domain/seeded-faker.ts';
import { put, remove } from '../state/changes.ts';
import type { Tenant } from '../store/store.ts';
import type { HandlerContext, HandlerRegistry, WireInput, WireReply } from '../server/handler.ts';
import { Problem } from '../server/problem.ts';
import { listPage, pageShapeOf, type PageShape } from './document-pages.ts';

type Item = Record<string, unknown>;
type Table = Record<string, Item>;

export interface DocumentItemOptions {
  /** Items each resource starts with, the document's examples first (default 10). */
  seedItems?: number;
  /** The seed of the made-up items (the same seed, the same items). */
  seed?: number;
}

export const DEFAULT_SEED_ITEMS = 10;
/** Items made for each seeded parent of a nested collection (/owners/{ownerId}/pets). */
const NESTED_PER_PARENT = 2;

/** Checks an answer against the operation's documented response schema: field errors, or null when none is documented. */
export type CheckAnswer = (operationId: string, status: number, body: unknown) => string[] | null;

interface Served {
  doc: OpenApiDocument;
  resolve: Resolve;
  faker: Faker;
  pages: Map<string, PageShape | null>;
  options: DocumentItemOptions;
  /** The collections nested directly under each resource's items (/owners/{ownerId}/pets under owners). */
  children: Map<string, Resource[]>;
}

export function documentResourceHandlers(doc: OpenApiDocument, map: ResourceMap, operations: Operation[], options: DocumentItemOptions = {}): HandlerRegistry {
  const resolve = schemaResolver(doc);
  const children = new Map<string, Resource[]>();
  for (const r of map.resources) {
    const parent = r.parentParams.length ? map.resources.find((p) => p.itemPath === parentItemPath(r)) : undefined;
    if (parent) children.set(parent.name, [...(children.get(parent.name) ?? []), r]);
  }
  const served: Served = { doc, resolve, faker: seededFaker(options.seed ?? 1), pages: new Map(), options, children };
  const handlers: HandlerRegistry = {};
  const byId = new Map(operations.map((op) => [op.operationId, op]));
  for (const resource of map.resources) {
    for (const operationId of [resource.operations.list, ...resource.searches]) {
      const list = operationId ? byId.get(operationId) : undefined;
      if (!list) continue;
      const answer = list.responses.find((r) => r.status === '200')?.content;
      const json = answer ? Object.entries(answer).find(([type]) => /json/i.test(type))?.[1] : undefined;
      served.pages.set(list.operationId, pageShapeOf(json, list.parameters.filter((p) => p.in === 'query'), resolve, resource.name));
    }
    const actions: [ResourceAction, string][] = [...(Object.entries(resource.operations) as [ResourceAction, string][]), ...resource.searches.map((id) => ['search', id] as [ResourceAction, string])];
    for (const [action, operationId] of actions) {
      const op = byId.get(operationId);
      if (op) handlers[operationId] = (input, ctx) => serve(resource, action, op, input, tenantItems(ctx), served, ctx);
    }
  }
  return handlers;
}

function serve(r: Resource, action: ResourceAction, op: Operation, input: WireInput, table: Table, s: Served, ctx: HandlerContext): WireReply {
  const prefix = keyPrefix(r, r.parentParams.map((p) => input.path[p] ?? ''));
  if (!table[prefix]) seedScope(r, table, prefix, input.path, s, ctx);
  const id = input.path[r.idParam];
  const stored = (item: Item) => completed(item, r.itemSchema ?? {}, { faker: s.faker, resolve: s.resolve }) as Item;
  switch (action) {
    case 'list':
      return listed(r, op, input, table, prefix, s, ctx, false);
    case 'search':
      return listed(r, op, input, table, prefix, s, ctx, true);
    case 'create': {
      const body = unwrapped(objectBody(input.body, op), r);
      const given = body[r.idField];
      const newId = usableId(r, given) ? given : nextId(r, table, prefix, s.faker);
      if (table[`${prefix}${String(newId)}`]) {
        throw new Problem(409, 'conflict', `There is a ${r.name} item ${r.idField} ${JSON.stringify(newId)} already: change it with PUT ${r.itemPath}, or leave ${r.idField} out to get a new one.`);
      }
      const item = stored({ ...parentFields(r, input.path), ...body, [r.idField]: newId });
      put(table, `${prefix}${String(newId)}`, item);
      // What is nested under a new item starts empty: its collections are marked as made.
      const scope = [...r.parentParams.map((p) => input.path[p] ?? ''), String(newId)];
      for (const child of s.children.get(r.name) ?? []) put(table, keyPrefix(child, scope), {});
      const status = success(op, [201, 200]);
      return { status, body: hasBody(op, status) ? fitted(op, status, item, r, s, ctx) : undefined };
    }
    case 'get': {
      const current = found(table, prefix, id, r, op, s);
      const status = success(op, [200]);
      return 'missing' in current ? current.missing : { status, body: fitted(op, status, current.item, r, s, ctx) };
    }
    case 'replace': {
      // Where nothing else creates (no POST), PUT to a new id puts the item there.
      if (!r.operations.create && id !== undefined && !table[`${prefix}${id}`]) {
        const item = stored({ ...parentFields(r, input.path), ...unwrapped(objectBody(input.body, op), r), [r.idField]: idFromPath(r, id) });
        put(table, `${prefix}${id}`, item);
        return answered(op, item, r, s, ctx, [201, 200, 204]);
      }
      const current = found(table, prefix, id, r, op, s);
      if ('missing' in current) return current.missing;
      const item = stored({ ...parentFields(r, input.path), ...unwrapped(objectBody(input.body, op), r), [r.idField]: current.item[r.idField] });
      put(table, `${prefix}${String(id)}`, item);
      return answered(op, item, r, s, ctx);
    }
    case 'merge': {
      const current = found(table, prefix, id, r, op, s);
      if ('missing' in current) return current.missing;
      const patch = unwrapped(objectBody(input.body, op), r);
      const mergePatch = /merge-patch/i.test(input.contentType ?? '');
      const merged = mergePatch ? (mergePatched(current.item, patch) as Item) : { ...current.item, ...patch };
      const item = stored({ ...merged, [r.idField]: current.item[r.idField] });
      put(table, `${prefix}${String(id)}`, item);
      return answered(op, item, r, s, ctx);
    }
    case 'replaceByBody':
    case 'mergeByBody': {
      const body = unwrapped(objectBody(input.body, op), r);
      const named = body[r.idField];
      if (named === undefined || named === null || typeof named === 'object') {
        throw new Problem(400, 'invalid_body', `${op.operationId} changes the ${r.name} item its body names: send ${r.idField}.`, { errors: [{ pointer: `/body/${r.idField}`, message: 'is required to say which item' }] });
      }
      const current = found(table, prefix, String(named), r, op, s);
      if ('missing' in current) return current.missing;
      const item = stored(action === 'replaceByBody' ? { ...parentFields(r, input.path), ...body } : { ...current.item, ...body });
      put(table, `${prefix}${String(named)}`, item);
      return answered(op, item, r, s, ctx);
    }
    case 'mergeByPost': {
      // The query parameters and form fields that name an item property, merged in (Petstore's updatePetWithForm).
      const current = found(table, prefix, id, r, op, s);
      if ('missing' in current) return current.missing;
      const properties = (r.itemSchema?.properties as Record<string, unknown> | undefined) ?? {};
      const fields = Object.fromEntries(Object.entries({ ...input.query, ...(input.body && typeof input.body === 'object' && !Array.isArray(input.body) ? (input.body as Item) : {}) }).filter(([name]) => name in properties && name !== r.idField));
      const item = stored({ ...current.item, ...fields });
      put(table, `${prefix}${String(id)}`, item);
      return answered(op, item, r, s, ctx);
    }
    case 'remove': {
      const current = found(table, prefix, id, r, op, s);
      if ('missing' in current) return current.missing;
      remove(table, `${prefix}${String(id)}`);
      const status = success(op, [204, 200]);
      return { status, body: hasBody(op, status) ? fitted(op, status, current.item, r, s, ctx) : undefined };
    }
  }
}

/**
 * A list of the collection's items: the list itself, or a search beside it, whose query filters
 * (its parameters' defaults too: `findByStatus` without a status means the default one). A list
 * ignores a filled-in default, which would hide items the partner never asked to filter.
 */
function listed(r: Resource, op: Operation, input: WireInput, table: Table, prefix: string, s: Served, ctx: HandlerContext, search: boolean): WireReply {
  const shape = s.pages.get(op.operationId) ?? null;
  const paging = Object.values(shape?.params ?? {}).map((p) => p.name);
  const filters = filtersOf(op, input.query, paging, s, search);
  const items = Object.entries(table)
    .filter(([key, item]) => key.startsWith(prefix) && key !== prefix && matchesFilters(item, filters))
    .map(([, item]) => item);
  const status = success(op, [200]);
  if (!shape) return { status, body: fitted(op, status, items, r, s, ctx) };
  const page = listPage(shape, items, { query: input.query, path: input.operation.path }, s.resolve);
  // A page whose other fields the document requires (or whose items its list schema sees otherwise) is completed.
  if (!ctx.checkAnswer || ctx.checkAnswer(op.operationId, status, page)?.length !== 0) {
    const schema = jsonSchemaOf(op, status);
    if (schema !== undefined) return { status, body: completed(page, schema, { faker: s.faker, resolve: s.resolve }) };
  }
  return { status, body: page };
}

const keyPrefix = (r: Resource, parentIds: string[]) => `${r.name}|${parentIds.join('/')}|`;

/** The tenant's items; a document without security is served as the first tenant. */
function tenantItems(ctx: HandlerContext): Table {
  const tenant: Tenant | undefined = ctx.tenant ?? ctx.store.listTenants()[0];
  if (!tenant) throw new Problem(503, 'no_tenant', "The sandbox has no tenant to keep this document's items in; create one with POST /__sandbox/tenants.");
  const state = tenant.state as unknown as { document_items?: Table };
  return (state.document_items ??= {});
}

/**
 * A collection's first use in a tenant (after a start, a reset, an import without it) puts in
 * its items: the document's examples first, then items made from the schema, `seedItems` in all
 * (a nested collection: NESTED_PER_PARENT per parent). An entry under the bare prefix marks it
 * done; it is kept, reset and snapshotted like the items, and noted as a change. Each collection
 * is made from its own seed (the run's, its name and its parents' ids), so the items are the same
 * whichever is used first, and a start makes only what its first request needs.
 */
function seedScope(r: Resource, table: Table, prefix: string, path: Record<string, string>, s: Served, ctx: HandlerContext): void {
  put(table, prefix, {});
  const faker = seededFaker(hashOf(`${s.options.seed ?? 1}|${prefix}`));
  const fake = { faker, resolve: s.resolve };
  const all = s.options.seedItems ?? DEFAULT_SEED_ITEMS;
  const count = r.parentParams.length ? Math.min(all, NESTED_PER_PARENT) : all;
  let made = 0;
  for (const example of r.parentParams.length ? [] : r.examples) {
    if (made >= count) break;
    put(table, `${prefix}${String(example[r.idField])}`, completed(structuredClone(example), r.itemSchema ?? {}, fake) as Item);
    made++;
  }
  for (; made < count && r.itemSchema; made++) {
    const id = nextId(r, table, prefix, faker);
    put(table, `${prefix}${String(id)}`, { ...fakeObject(r.itemSchema, fake), ...parentFields(r, path), [r.idField]: id });
  }
  const tenant = ctx.tenant ?? ctx.store.listTenants()[0];
  if (tenant) ctx.store.changed(tenant);
}

/** The item path of a nested collection's parent: /owners/{ownerId}/pets → /owners/{ownerId}. */
const parentItemPath = (r: Resource) => r.collectionPath.split('/').slice(0, -1).join('/');

/** A nested item's properties that name its parents (ownerId, owner_id), where the item schema has them. */
function parentFields(r: Resource, path: Record<string, string>): Item {
  const properties = (r.itemSchema?.properties as Record<string, { type?: unknown }> | undefined) ?? {};
  const out: Item = {};
  for (const param of r.parentParams) {
    const name = Object.keys(properties).find((key) => key.replace(/[_-]/g, '').toLowerCase() === param.replace(/[_-]/g, '').toLowerCase());
    if (name && path[param] !== undefined) out[name] = properties[name]?.type === 'integer' && /^-?\d+$/.test(path[param]!) ? Number(path[param]) : path[param];
  }
  return out;
}

/** The item, or the document's 404 answer (a problem where it documents none). */
function found(table: Table, prefix: string, id: string | undefined, r: Resource, op: Operation, s: Served): { item: Item } | { missing: WireReply } {
  const item = id === undefined ? undefined : table[`${prefix}${String(id)}`];
  if (item) return { item };
  const detail = `There is no ${r.name} item ${r.idField} ${JSON.stringify(id)} here: create it with POST ${r.collectionPath}, or list ${r.collectionPath} for the ones that exist.`;
  if (jsonSchemaOf(op, 404) === undefined) throw new Problem(404, 'not_found', detail);
  const type = Object.keys(op.responses.find((x) => x.status === '404')?.content ?? {}).find((t) => /json/i.test(t));
  return { missing: { status: 404, body: documentBody(op, 404, s, detail), contentType: type } };
}

function objectBody(body: unknown, op: Operation): Item {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new Problem(400, 'invalid_body', `${op.operationId} stores a JSON object; send one as the body.`, { errors: [{ pointer: '/body', message: 'must be an object' }] });
  }
  return body as Item;
}

/**
 * The query's equality filters: parameters other than paging ones. A value that is only the
 * parameter's default (filled in by validation, `name=""`) filters nothing.
 */
function filtersOf(op: Operation, query: Record<string, string | string[]>, paging: string[], s: Served, withDefaults: boolean): [string, string[]][] {
  const filters: [string, string[]][] = [];
  for (const [name, value] of Object.entries(query)) {
    if (paging.includes(name)) continue;
    const declared = op.parameters.find((p) => p.in === 'query' && p.name === name);
    const fallback = declared ? s.resolve(declared.schema).default : undefined;
    if (!withDefaults && fallback !== undefined && String(fallback) === String(value)) continue;
    filters.push([name, Array.isArray(value) ? value : [value]]);
  }
  return filters;
}

/**
 * Filters on a property the item has compare as text; on a list property, one of its entries
 * (or of their names: Petstore's tags) must match. Filters on others do not apply.
 */
function matchesFilters(item: Item, filters: [string, string[]][]): boolean {
  for (const [name, wanted] of filters) {
    if (!(name in item)) continue;
    const value = item[name];
    const texts = Array.isArray(value) ? value.map((v) => (v && typeof v === 'object' ? String((v as Item).name ?? '') : String(v))) : [String(value)];
    if (!texts.some((text) => wanted.includes(text))) return false;
  }
  return true;
}

function nextId(r: Resource, table: Table, prefix: string, faker: Faker): unknown {
  if (r.idKind === 'integer') {
    let max = 0;
    for (const [key, item] of Object.entries(table)) if (key.startsWith(prefix)) max = Math.max(max, Number(item[r.idField]) || 0);
    return max + 1;
  }
  if (r.idKind !== 'string') {
    for (let i = 0; i < 20; i++) {
      const candidate = fakeValue(r.idSchema, r.idField, { faker, resolve: (x) => (x && typeof x === 'object' ? (x as Schema) : {}) });
      if (typeof candidate === 'string' && !table[`${prefix}${candidate}`]) return candidate;
    }
  }
  return `${r.name.replace(/s$/, '')}_${faker.string.alphanumeric({ length: 8, casing: 'lower' })}`;
}

/** A path's id as the id's own type (an integer id is a number in the item). */
const idFromPath = (r: Resource, id: string): unknown => (r.idKind === 'integer' && /^-?\d+$/.test(id) ? Number(id) : id);

/** Whether an id a body brings can name the item in a URL of this resource (else the sandbox makes one). */
function usableId(r: Resource, id: unknown): boolean {
  if (id === undefined || id === null || typeof id === 'object' || typeof id === 'boolean') return false;
  if (r.idKind === 'integer') return Number.isInteger(id);
  if (r.idKind === 'uuid') return typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
  if (r.idKind === 'pattern') return typeof id === 'string' && matchesPattern(String(r.idSchema.pattern), id);
  return String(id).length > 0;
}

/** RFC 7386: null removes a member, objects merge, anything else replaces. */
export function mergePatched(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Item = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Item) } : {};
  for (const [key, value] of Object.entries(patch as Item)) {
    if (value === null) delete result[key];
    else result[key] = mergePatched(result[key], value);
  }
  return result;
}

const hasBody = (op: Operation, status: number) => Object.keys(op.responses.find((r) => r.status === String(status))?.content ?? {}).length > 0;

function jsonSchemaOf(op: Operation, status: number): Schema | undefined {
  const content = op.responses.find((r) => r.status === String(status))?.content;
  const entry = content ? Object.entries(content).find(([type]) => /json/i.test(type)) : undefined;
  return entry ? ((entry[1] ?? {}) as Schema) : undefined;
}

/**
 * `value` as the answer of `status`: in the envelope the answer's schema wraps the item in (if
 * any), completed where it lacks what is required, else, where that answer is not the item (a
 * receipt), what the document shows for it: its example, or a value made from its schema.
 */
function fitted(op: Operation, status: number, value: unknown, r: Resource, s: Served, ctx: HandlerContext): unknown {
  const schema = jsonSchemaOf(op, status);
  if (schema === undefined || !ctx.checkAnswer) return value;
  const properties = (mergedAllOf(s.resolve(schema), s.resolve).properties as Record<string, unknown> | undefined) ?? {};
  const key = r.idField in properties ? null : envelopeKey(properties, r, s);
  const shaped = key === null || Array.isArray(value) ? value : { [key]: value };
  if (ctx.checkAnswer(op.operationId, status, shaped)?.length === 0) return shaped;
  if (!Array.isArray(value) && (key !== null || r.idField in properties)) {
    const filled = completed(shaped, schema, { faker: s.faker, resolve: s.resolve });
    if (ctx.checkAnswer(op.operationId, status, filled)?.length === 0) return filled;
  }
  return documentBody(op, status, s);
}

/** The property of an answer that holds the item: the resource's envelope, or an answer's only object property that has the id. */
function envelopeKey(properties: Record<string, unknown>, r: Resource, s: Served): string | null {
  if (r.envelope && r.envelope in properties) return r.envelope;
  const names = Object.keys(properties);
  if (names.length !== 1) return null;
  const inner = mergedAllOf(s.resolve(properties[names[0]!]), s.resolve);
  return inner.properties && r.idField in (inner.properties as object) ? names[0]! : null;
}

/** A body that wraps the item in the resource's envelope, unwrapped. */
function unwrapped(body: Item, r: Resource): Item {
  const inner = r.envelope ? body[r.envelope] : undefined;
  return inner && typeof inner === 'object' && !Array.isArray(inner) && Object.keys(body).length === 1 ? (inner as Item) : body;
}

/** What the document shows for an answer: its first example, or one made from its schema (a message field saying `detail`). */
function documentBody(op: Operation, status: number, s: Served, detail?: string): unknown {
  const shown = shownExamples(s.doc, op.path, op.method, String(status))[0];
  const body = shown !== undefined ? structuredClone(shown) : fakeValue(jsonSchemaOf(op, status) ?? {}, 'body', { faker: s.faker, resolve: s.resolve, requiredOnly: true });
  if (detail && body && typeof body === 'object' && !Array.isArray(body)) {
    const properties = (s.resolve(jsonSchemaOf(op, status)).properties as Record<string, unknown> | undefined) ?? {};
    for (const key of ['message', 'detail', 'error_description', 'description', 'error', 'title']) {
      if (key in properties && s.resolve(properties[key]).type === 'string') {
        (body as Item)[key] = detail;
        break;
      }
    }
  }
  return body;
}

function answered(op: Operation, item: Item, r: Resource, s: Served, ctx: HandlerContext, preferred = [200, 204]): WireReply {
  const status = success(op, preferred);
  return { status, body: hasBody(op, status) ? fitted(op, status, item, r, s, ctx) : undefined };
}

/** The first of `preferred` the operation documents, else its first documented 2xx, else the first preferred. */
function success(op: Operation, preferred: number[]): number {
  const statuses = op.responses.map((x) => x.status);
  const first = preferred.find((status) => statuses.includes(String(status))) ?? statuses.filter((x) => /^2\d\d$/.test(x)).map(Number).sort()[0];
  return first ?? preferred[0]!; // a 2XX range, or nothing documented: the usual status
}

/** A stable 32-bit number for a text (FNV-1a): one seed per resource. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
