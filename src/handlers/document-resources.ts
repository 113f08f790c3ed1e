// The resources of a --spec document (src/contract/resources.ts), served from the tenant's store:
// POST makes an item with a new id, GET reads it (a 404 problem once it is gone), the list returns
// the collection's items, PUT replaces, PATCH merges (RFC 7386 for application/merge-patch+json,
// else shallowly), DELETE removes. Items live in one keyed table of the tenant's state,
// `document_items` (key: resource, parent ids, id), so they are persisted, reset and snapshotted
// like the marketplace's entities. Operations that fit no resource stay with Prism.
import { randomUUID } from 'node:crypto';
import RandExp from 'randexp';
import type { Operation } from '../contract/operations.ts';
import type { Resource, ResourceAction, ResourceMap } from '../contract/resources.ts';
import { put, remove } from '../state/changes.ts';
import type { Tenant } from '../store/store.ts';
import type { HandlerContext, HandlerRegistry, WireInput, WireReply } from '../server/handler.ts';
import { Problem } from '../server/problem.ts';

type Item = Record<string, unknown>;

export function documentResourceHandlers(map: ResourceMap, operations: Operation[]): HandlerRegistry {
  const handlers: HandlerRegistry = {};
  const itemsOf = tenantItems(map);
  const byId = new Map(operations.map((op) => [op.operationId, op]));
  for (const resource of map.resources) {
    for (const [action, operationId] of Object.entries(resource.operations) as [ResourceAction, string][]) {
      const op = byId.get(operationId);
      if (op) handlers[operationId] = (input, ctx) => serve(resource, action, op, input, itemsOf(ctx));
    }
  }
  return handlers;
}

function serve(r: Resource, action: ResourceAction, op: Operation, input: WireInput, table: Record<string, Item>): WireReply {
  const prefix = `${r.name}|${r.parentParams.map((p) => input.path[p] ?? '').join('/')}|`;
  const id = input.path[r.idParam];
  switch (action) {
    case 'list': {
      const items = Object.entries(table)
        .filter(([key, item]) => key.startsWith(prefix) && matchesFilters(item, input.query))
        .map(([, item]) => item);
      return { status: 200, body: items };
    }
    case 'create': {
      const body = objectBody(input.body, op);
      const newId = body[r.idField] !== undefined && body[r.idField] !== null ? body[r.idField] : nextId(r, table, prefix);
      const item = { ...body, [r.idField]: newId };
      put(table, `${prefix}${String(newId)}`, item);
      const status = documented(op, 201) ? 201 : 200;
      return { status, body: hasBody(op, status) ? item : undefined };
    }
    case 'get':
      return { status: 200, body: found(table, prefix, id, r) };
    case 'replace': {
      found(table, prefix, id, r);
      const item = { ...objectBody(input.body, op), [r.idField]: idValue(r, id!) };
      put(table, `${prefix}${String(id)}`, item);
      return answered(op, item);
    }
    case 'merge': {
      const current = found(table, prefix, id, r);
      const patch = objectBody(input.body, op);
      const mergePatch = /merge-patch/i.test(input.headers['content-type'] ?? '');
      const item = { ...(mergePatch ? (mergePatched(current, patch) as Item) : { ...current, ...patch }), [r.idField]: current[r.idField] };
      put(table, `${prefix}${String(id)}`, item);
      return answered(op, item);
    }
    case 'remove':
      found(table, prefix, id, r);
      remove(table, `${prefix}${String(id)}`);
      return documented(op, 204) || !documented(op, 200) ? { status: 204 } : { status: 200, body: hasBody(op, 200) ? {} : undefined };
  }
}

/**
 * The tenant's items; a document without security is served as the first tenant. A tenant's
 * first use (after a start, a reset or an import without them) puts in the document's examples,
 * noted as changes so they are kept with the first write.
 */
function tenantItems(map: ResourceMap): (ctx: HandlerContext) => Record<string, Item> {
  return (ctx) => {
    const tenant: Tenant | undefined = ctx.tenant ?? ctx.store.listTenants()[0];
    if (!tenant) throw new Problem(503, 'no_tenant', "The sandbox has no tenant to keep this document's items in; create one with POST /__sandbox/tenants.");
    const state = tenant.state as unknown as { document_items?: Record<string, Item> };
    if (state.document_items) return state.document_items;
    const table: Record<string, Item> = (state.document_items = {});
    for (const r of map.resources) for (const example of r.examples) put(table, `${r.name}||${String(example[r.idField])}`, structuredClone(example));
    ctx.store.changed(tenant);
    return table;
  };
}

function found(table: Record<string, Item>, prefix: string, id: string | undefined, r: Resource): Item {
  const item = id === undefined ? undefined : table[`${prefix}${String(id)}`];
  if (!item) throw new Problem(404, 'not_found', `There is no ${r.name} item ${r.idField} ${JSON.stringify(id)} here: create it with POST ${r.collectionPath}, or list ${r.collectionPath} for the ones that exist.`);
  return item;
}

function objectBody(body: unknown, op: Operation): Item {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new Problem(400, 'invalid_body', `${op.operationId} stores a JSON object; send one as the body.`, { errors: [{ pointer: '/body', message: 'must be an object' }] });
  }
  return body as Item;
}

/** Query parameters that name a property of the items filter by equality (as text). */
function matchesFilters(item: Item, query: Record<string, string | string[]>): boolean {
  for (const [name, value] of Object.entries(query)) {
    if (!(name in item)) continue;
    const wanted = Array.isArray(value) ? value : [value];
    if (!wanted.includes(String(item[name]))) return false;
  }
  return true;
}

function nextId(r: Resource, table: Record<string, Item>, prefix: string): unknown {
  if (r.idKind === 'uuid') return randomUUID();
  if (r.idKind === 'integer') {
    let max = 0;
    for (const [key, item] of Object.entries(table)) if (key.startsWith(prefix)) max = Math.max(max, Number(item[r.idField]) || 0);
    return max + 1;
  }
  const pattern = (r.itemSchema?.properties as Record<string, { pattern?: string }> | undefined)?.[r.idField]?.pattern;
  if (r.idKind === 'pattern' && pattern) {
    for (let i = 0; i < 20; i++) {
      const candidate = new RandExp(pattern).gen();
      if (!table[`${prefix}${candidate}`]) return candidate;
    }
  }
  return `${r.name.replace(/s$/, '')}_${randomUUID().slice(0, 8)}`;
}

/** A path parameter as the id's own type. */
function idValue(r: Resource, id: string): unknown {
  return r.idKind === 'integer' && /^-?\d+$/.test(id) ? Number(id) : id;
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

const documented = (op: Operation, status: number) => op.responses.some((r) => r.status === String(status));
const hasBody = (op: Operation, status: number) => Object.keys(op.responses.find((r) => r.status === String(status))?.content ?? {}).length > 0;

function answered(op: Operation, item: Item): WireReply {
  if (documented(op, 200)) return { status: 200, body: hasBody(op, 200) ? item : undefined };
  return documented(op, 204) ? { status: 204 } : { status: 200, body: item };
}
