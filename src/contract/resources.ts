// The resources a document's REST shape describes (inferred; serving them from the tenant's store
// is the next step, until then Prism answers every operation of a --spec document): a collection (`GET`/`POST /things`) with its
// items (`GET`/`PUT`/`PATCH`/`DELETE /things/{id}`), nested ones included
// (`/owners/{ownerId}/things`). Inferred once from the operations, as plain data; `serve --spec …
// --explain` prints it. An author steers the guess with `x-sandbox-resource` on a path item:
// `false` (not a resource), or `{name, idField}`.
import { resolveLocal, type JsonSchema, type OpenApiDocument, type Operation } from './operations.ts';

export type ResourceAction = 'list' | 'create' | 'get' | 'replace' | 'merge' | 'remove';

export interface Resource {
  name: string;
  collectionPath: string; // /owners/{ownerId}/things
  itemPath: string; // /owners/{ownerId}/things/{thingId}
  /** The item path's last parameter, which names one item. */
  idParam: string;
  /** The item's property that holds its id (from the path parameter and the item schema). */
  idField: string;
  /** How new ids are made: the id property's type and format. */
  idKind: 'integer' | 'uuid' | 'pattern' | 'string';
  /** The path parameters before the id: a nested collection's parents. */
  parentParams: string[];
  /** operationId by action. */
  operations: Partial<Record<ResourceAction, string>>;
  /** The item's schema (resolved), when the document gives one. */
  itemSchema: Record<string, unknown> | null;
}

export interface ResourceMap {
  resources: Resource[];
  /** Operations that fit no resource: Prism answers them. */
  unmatched: string[];
}

const PARAM = /^\{([^}]+)\}$/;
const ITEM_ACTIONS: Record<string, ResourceAction> = { get: 'get', put: 'replace', patch: 'merge', delete: 'remove' };
const COLLECTION_ACTIONS: Record<string, ResourceAction> = { get: 'list', post: 'create' };

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
    const ops: Partial<Record<ResourceAction, string>> = {};
    for (const op of collectionOps) if (COLLECTION_ACTIONS[op.method]) ops[COLLECTION_ACTIONS[op.method]!] = op.operationId;
    for (const op of itemOps) if (ITEM_ACTIONS[op.method]) ops[ITEM_ACTIONS[op.method]!] = op.operationId;
    if (!ops.get && !ops.create) continue;
    const statics = segments.filter((s) => s && !PARAM.test(s));
    const itemSchema = schemaOfItem(doc, operations, ops);
    const idField = steering?.idField ?? idFieldOf(idParam, statics[statics.length - 1] ?? '', itemSchema);
    resources.push({
      name: steering?.name ?? statics[statics.length - 1] ?? 'items',
      collectionPath,
      itemPath,
      idParam,
      idField,
      idKind: idKindOf(doc, itemSchema, idField),
      parentParams: segments.slice(0, -1).flatMap((s) => PARAM.exec(s)?.[1] ?? []),
      operations: ops,
      itemSchema,
    });
    for (const id of Object.values(ops)) claimed.add(id);
  }
  // Names are unique: a second "things" (under another parent) is named by its whole path.
  const seen = new Map<string, number>();
  for (const r of resources) seen.set(r.name, (seen.get(r.name) ?? 0) + 1);
  for (const r of resources) {
    if (seen.get(r.name)! > 1) r.name = r.collectionPath.split('/').filter((s) => s && !PARAM.test(s)).join('.');
  }
  return { resources, unmatched: operations.map((op) => op.operationId).filter((id) => !claimed.has(id)) };
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
    if (schema && typeof schema === 'object') return schema;
  }
  return null;
}

/** The property holding the id: the parameter's own name, `id`, or the parameter without the resource's name (petId → id). */
function idFieldOf(idParam: string, collection: string, schema: Record<string, unknown> | null): string {
  const names = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});
  const lower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const singular = collection.replace(/ies$/, 'y').replace(/s$/, '').toLowerCase();
  const stripped = idParam.toLowerCase().replace(singular, '').replace(/^[_-]/, '');
  for (const candidate of [idParam.toLowerCase(), 'id', stripped, `${singular}_id`, `${singular}id`]) {
    const found = lower.get(candidate);
    if (found) return found;
  }
  return names.length ? (lower.get('id') ?? idParam) : 'id';
}

function idKindOf(doc: OpenApiDocument, schema: Record<string, unknown> | null, field: string): Resource['idKind'] {
  const raw = (schema?.properties as Record<string, unknown> | undefined)?.[field];
  const prop = raw && typeof raw === 'object' ? (resolveLocal(doc, raw as Record<string, unknown> & { $ref?: string }) as Record<string, unknown>) : undefined;
  if (!prop) return 'string';
  if (prop.type === 'integer' || prop.type === 'number') return 'integer';
  if (prop.format === 'uuid') return 'uuid';
  if (typeof prop.pattern === 'string') return 'pattern';
  return 'string';
}

/** What `serve --spec … --explain` prints. */
export function explainResources(map: ResourceMap, title: string): string {
  const lines = [`${title}: ${map.resources.length} resource${map.resources.length === 1 ? '' : 's'}, ${map.unmatched.length} operation${map.unmatched.length === 1 ? '' : 's'} fitting none`];
  for (const r of map.resources) {
    lines.push(`  ${r.name}   ${r.collectionPath}  ${r.itemPath}`);
    lines.push(`    id: ${r.idField} (${r.idKind}), from path parameter ${r.idParam}${r.parentParams.length ? `; under ${r.parentParams.join(', ')}` : ''}`);
    lines.push(`    ${(Object.entries(r.operations) as [ResourceAction, string][]).map(([action, id]) => `${action} ${id}`).join(' · ')}`);
  }
  // Said as it is: the store does not serve these resources yet, so Prism answers everything.
  lines.push('  Prism answers every operation for now: resources are not yet served from the tenant\'s store.');
  lines.push(`  Operations that fit no resource: ${map.unmatched.length ? map.unmatched.join(', ') : '(none)'}`);
  return lines.join('\n');
}
