// A --spec document's list answer in the document's own pagination shape, where it is
// recognisable: a bare array, or a page object holding the items' array beside its count, page,
// limit, offset, cursor or has-more fields (one level down too: `meta.total`, `links.next`). The
// request's paging parameters (page & limit, offset & limit, or a cursor) pick the slice; a
// cursor is the next item's offset, opaque to the partner. Plain data in, plain data out.
import type { OperationParameter } from '../contract/operations.ts';
import { mergedAllOf, type Resolve, type Schema } from '../domain/schema-fake.ts';
import { Problem } from '../server/problem.ts';

type Role = 'total' | 'page' | 'limit' | 'offset' | 'pages' | 'next' | 'previous' | 'hasMore';

export interface PageShape {
  /** The page object's property holding the items; null: the answer is the array itself. */
  itemsKey: string | null;
  /** The page object's schema (null for a bare array). */
  schema: Schema | null;
  /** The request's paging parameters, by what they do. */
  params: { limit?: OperationParameter; offset?: OperationParameter; page?: OperationParameter; cursor?: OperationParameter };
}

const PARAM_NAMES: Record<keyof PageShape['params'], RegExp> = {
  limit: /^(\$?top|limit|per_?page|page_?size|size|max_?results|count|take|first)$/i,
  offset: /^(\$?skip|offset|start|from)$/i,
  page: /^(page|page_?(number|index|no)|p)$/i,
  cursor: /^(cursor|after|starting_?after|page_?token|next_?token|continuation(_?token)?|marker)$/i,
};

const FIELD_ROLES: [RegExp, Role][] = [
  [/^(total|total_?(count|items|elements|results|size)|count|num_?results|size)$/i, 'total'],
  [/^(total_?pages|pages|page_?count|last_?page)$/i, 'pages'],
  [/^(page|page_?(number|index)|current_?page|number)$/i, 'page'],
  [/^(limit|per_?page|page_?size)$/i, 'limit'],
  [/^(offset|skip|start)$/i, 'offset'],
  [/^(next|next_?(cursor|page|page_?token|token|url|link|href)|cursor|end_?cursor)$/i, 'next'],
  [/^(prev|previous|prev(ious)?_?(cursor|page|page_?token|url|link))$/i, 'previous'],
  [/^(has_?more|has_?next(_?page)?|more)$/i, 'hasMore'],
];

const ITEM_KEYS = /^(items|data|results|content|records|entries|values|list|elements|nodes|rows)$/i;

/** What the list operation's 200 answer looks like; null when it holds no array of items. */
export function pageShapeOf(schema: unknown, query: OperationParameter[], resolve: Resolve, resourceName: string): PageShape | null {
  const params: PageShape['params'] = {};
  for (const p of query) {
    for (const [role, pattern] of Object.entries(PARAM_NAMES) as [keyof PageShape['params'], RegExp][]) {
      if (!params[role] && pattern.test(p.name)) params[role] = p;
    }
  }
  if (schema === undefined) return null;
  const s = objectOption(resolve(schema), resolve);
  if (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array')) || s.items) return { itemsKey: null, schema: null, params };
  const properties = (s.properties as Record<string, unknown> | undefined) ?? {};
  const arrays = Object.keys(properties).filter((key) => {
    const p = objectOption(resolve(properties[key]), resolve);
    return p.type === 'array' || Boolean(p.items);
  });
  // The array named like the resource (runs of model_evaluation_runs), a usual name, the only one, or the only one of objects.
  const ofObjects = arrays.filter((key) => {
    const items = objectOption(resolve(objectOption(resolve(properties[key]), resolve).items), resolve);
    return items.type === 'object' || Boolean(items.properties);
  });
  const itemsKey =
    arrays.find((key) => key === resourceName) ??
    arrays.find((key) => resourceName.endsWith(key)) ??
    arrays.find((key) => ITEM_KEYS.test(key)) ??
    (arrays.length === 1 ? arrays[0] : undefined) ??
    (ofObjects.length === 1 ? ofObjects[0] : undefined);
  return itemsKey ? { itemsKey, schema: s, params } : null;
}

export interface PageRequest {
  query: Record<string, string | string[]>;
  /** The collection's path as the partner called it, for next/previous links. */
  path: string;
}

/** The page of `items` the request asks for, in the document's shape. */
export function listPage(shape: PageShape, items: unknown[], request: PageRequest, resolve: Resolve): unknown {
  const { params } = shape;
  const value = (p: OperationParameter | undefined) => {
    const raw = p ? request.query[p.name] : undefined;
    return Array.isArray(raw) ? raw[0] : raw;
  };
  const paged = Boolean(params.limit || params.page || params.offset || params.cursor);
  const limitDefault = numberOr(resolve(params.limit?.schema ?? {}).default, 20);
  const limitMax = numberOr(resolve(params.limit?.schema ?? {}).maximum, Infinity);
  const limit = paged ? Math.max(1, Math.min(limitMax, numberOr(value(params.limit), limitDefault))) : Math.max(items.length, 1);
  const pageBase = numberOr(resolve(params.page?.schema ?? {}).minimum, 1) === 0 ? 0 : 1;
  let offset = 0;
  const cursor = value(params.cursor);
  if (cursor) {
    const at = offsetOfCursor(cursor);
    if (at === null) {
      throw new Problem(400, 'invalid_cursor', `${params.cursor!.name} ${JSON.stringify(cursor)} is not a cursor this sandbox gave: pass the one from the previous page, or leave it out for the first page.`, {
        errors: [{ pointer: `/query/${params.cursor!.name}`, message: 'is not a cursor of this list' }],
      });
    }
    offset = at;
  }
  else if (value(params.page) !== undefined) offset = Math.max(0, numberOr(value(params.page), pageBase) - pageBase) * limit;
  else if (value(params.offset) !== undefined) offset = Math.max(0, numberOr(value(params.offset), 0));
  const slice = items.slice(offset, offset + limit);
  if (shape.itemsKey === null) return slice;

  const more = offset + slice.length < items.length;
  const facts: Record<Role, unknown> = {
    total: items.length,
    pages: Math.max(1, Math.ceil(items.length / limit)),
    page: Math.floor(offset / limit) + pageBase,
    limit,
    offset,
    next: more ? link(offset + limit, limit, shape, request, pageBase) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit), limit, shape, request, pageBase) : null,
    hasMore: more,
  };
  const page = filled(shape.schema!, facts, resolve, 0) as Record<string, unknown>;
  page[shape.itemsKey] = slice;
  return page;
}

/** The page object's fields that say something about paging, at the top and one level down. */
function filled(schema: Schema, facts: Record<Role, unknown>, resolve: Resolve, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = (schema.properties as Record<string, unknown> | undefined) ?? {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  for (const [key, raw] of Object.entries(properties)) {
    const p = objectOption(resolve(raw), resolve);
    if (p.type === 'object' || p.properties) {
      // An object (links, meta, pages): its own fields, a level or two down.
      if (depth >= 2) continue;
      const inner = filled(p, facts, resolve, depth + 1);
      if (Object.keys(inner).length || required.has(key)) out[key] = inner;
      continue;
    }
    const role = FIELD_ROLES.find(([pattern]) => pattern.test(key))?.[1];
    if (!role) continue;
    const v = typed(facts[role], p);
    if (v !== undefined) out[key] = v;
    else if (required.has(key)) out[key] = emptyOf(p);
  }
  return out;
}

/** A schema as one object schema where it is one: its allOf merged, or the first of its anyOf/oneOf. */
function objectOption(s: Schema, resolve: Resolve): Schema {
  const merged = mergedAllOf(s, resolve);
  const options = (merged.anyOf ?? merged.oneOf) as unknown[] | undefined;
  return Array.isArray(options) && options.length && !merged.type && !merged.properties ? mergedAllOf(resolve(options[0]), resolve) : merged;
}

/** `value` as the field's type, or undefined when it has none to give (no next page, for one). */
function typed(value: unknown, p: Schema): unknown {
  const types = Array.isArray(p.type) ? (p.type as string[]) : [p.type];
  if (value === null) return types.includes('null') || p.nullable === true ? null : undefined;
  if (types.includes('boolean')) return typeof value === 'boolean' ? value : undefined;
  if (types.includes('integer') || types.includes('number')) return typeof value === 'number' ? value : typeof value === 'boolean' ? undefined : Number(value) || undefined;
  if (types.includes('string')) return typeof value === 'boolean' ? undefined : String(value);
  return value;
}

function emptyOf(p: Schema): unknown {
  const types = Array.isArray(p.type) ? (p.type as string[]) : [p.type];
  if (types.includes('boolean')) return false;
  if (types.includes('integer') || types.includes('number')) return 0;
  if (types.includes('object')) return {};
  return '';
}

/** A next/previous page: a cursor token where the request takes one, else the collection's path with its page or offset. */
function link(offset: number, limit: number, shape: PageShape, request: PageRequest, pageBase: number): string {
  const { params } = shape;
  if (params.cursor) return cursorOf(offset);
  const search = new URLSearchParams();
  if (params.page) search.set(params.page.name, String(Math.floor(offset / limit) + pageBase));
  else if (params.offset) search.set(params.offset.name, String(offset));
  if (params.limit) search.set(params.limit.name, String(limit));
  return `${request.path}?${search.toString()}`;
}

const cursorOf = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');

function offsetOfCursor(cursor: string): number | null {
  const decoded = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return decoded ? Number(decoded[1]) : null;
}

function numberOr(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : fallback;
}
