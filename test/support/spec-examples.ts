// The examples of both specs, read as the requests a partner would copy and the answers they would
// expect, and checked against the default world of the first test key (ten_nordwind).
//
// What "the default world" means here: every id (prod_, var_, ord_, oit_, shp_, ret_, cat_,
// brand_, lbl_, loc_, ten_, key_, cli_), SKU, category parameter name and event type an example
// names exists in that world, with the same identity (a product's sku, brand and category, a
// variant's product, an order item's sku …). Two kinds of exception, both checked:
//   - placeholders: an id that a 201 or 202 response example shows for what the request created
//     (a webhook, a job, a reservation …), and the event ids an event-feed answer shows (events
//     that earlier examples caused). Later examples in `x-example-order` may use it; run
//     against a sandbox, it stands for the id the sandbox gave (test/api/spec-examples.test.ts);
//   - declared unknowns: an id or SKU inside an error that says it does not exist (code
//     `not_found`, `unknown_sku`, `unknown_location`, a 404 problem). It must then really not exist.
// Problem examples carry exactly the `type` and `title` the sandbox sends for their status and code.
//
// `x-example-order` (a root member of each spec) lists every operationId in the order in which
// its examples, sent to a fresh default world, succeed: the marketplace API's first, then the
// control API's, in the same world.
import type { LookupFunction } from 'node:net';
import type { ValidateFunction } from 'ajv';
import { keyId } from '../../src/admin/credentials.ts';
import { listOperations, loadDocument, resolveLocal, type OpenApiDocument, type Operation } from '../../src/contract/operations.ts';
import { compileValidators, isJsonMediaType } from '../../src/contract/validators.ts';
import { accessOf } from '../../src/domain/access.ts';
import type { Category, TenantState } from '../../src/domain/types.ts';
import { EVENT_TYPES } from '../../src/events/builders.ts';
import { ADMIN_SPEC, DEFAULT_SPEC } from '../../src/sandbox-files.ts';
import { Problem } from '../../src/server/problem.ts';
import type { SandboxStore } from '../../src/store/store.ts';
import { unknownFilterEntries } from '../../src/webhooks/event-filter.ts';
import { ADMIN_TOKEN, serveSandbox } from '../checks/served-sandbox.ts';
import { KEY_A } from './sandbox.ts';

export type SpecName = 'marketplace' | 'admin';

export interface Spec {
  name: SpecName;
  file: string;
  doc: OpenApiDocument;
  operations: Map<string, Operation>;
}

export async function loadSpecs(): Promise<Spec[]> {
  const specs: Spec[] = [];
  for (const [name, file] of [['marketplace', DEFAULT_SPEC], ['admin', ADMIN_SPEC]] as const) {
    const doc = await loadDocument(file);
    specs.push({ name, file: file.slice(file.lastIndexOf('specs/')), doc, operations: new Map(listOperations(doc).map((op) => [op.operationId, op])) });
  }
  return specs;
}

/** One request example as a partner would send it, and the answer the spec promises for it. */
export interface RequestExample {
  spec: SpecName;
  operationId: string;
  method: string;
  /** As written in the spec: /api/v2/products/{product_id}. */
  path: string;
  /** The request body example's name ("example" for a lone `example`), or "-" without a body. */
  name: string;
  pathParams: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: unknown;
  mediaType?: string;
  /** The documented success status. */
  status: number;
  /** The response example for that status (same name as the request example, else the first). */
  responseExample?: unknown;
  /** Whether the operation needs a credential (false for `security: []`). */
  secured: boolean;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Named examples of a media type or parameter: `examples` (resolved) or a lone `example`. */
function namedExamples(doc: OpenApiDocument, holder: any): [string, unknown][] {
  if (!holder) return [];
  if (holder.examples && typeof holder.examples === 'object' && !Array.isArray(holder.examples)) {
    return Object.entries<any>(holder.examples).map(([name, e]) => [name, resolveLocal(doc, e).value]);
  }
  return holder.example !== undefined ? [['example', holder.example]] : [];
}

interface RawOperation {
  method: string;
  path: string;
  op: any;
  parameters: any[];
}

function rawOperations(doc: OpenApiDocument): Map<string, RawOperation> {
  const out = new Map<string, RawOperation>();
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      // Operation-level parameters override path-level ones of the same name and location.
      const byKey = new Map<string, any>();
      for (const raw of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
        const p = resolveLocal(doc, raw);
        byKey.set(`${p.in}:${p.name}`, p);
      }
      out.set(op.operationId, { method, path, op, parameters: [...byKey.values()] });
    }
  }
  return out;
}

/** The order the spec runs its examples in (`x-example-order`), with what is wrong with it. */
export function exampleOrder(spec: Spec): { order: string[]; findings: string[] } {
  const listed: unknown = spec.doc['x-example-order'];
  const findings: string[] = [];
  if (!Array.isArray(listed)) return { order: [], findings: [`${spec.file}: no x-example-order list at the root`] };
  const order = listed.map(String);
  const seen = new Set<string>();
  for (const id of order) {
    if (!spec.operations.has(id)) findings.push(`${spec.file}: x-example-order names ${id}, which is no operation`);
    if (seen.has(id)) findings.push(`${spec.file}: x-example-order names ${id} twice`);
    seen.add(id);
  }
  for (const id of spec.operations.keys()) if (!seen.has(id)) findings.push(`${spec.file}: x-example-order leaves out ${id}`);
  return { order, findings };
}

/** Every request example of the spec, in `x-example-order`, and what keeps one from being sent. */
export function requestExamples(spec: Spec): { examples: RequestExample[]; findings: string[] } {
  const { order, findings } = exampleOrder(spec);
  const raw = rawOperations(spec.doc);
  const examples: RequestExample[] = [];
  for (const operationId of order) {
    const entry = raw.get(operationId);
    if (!entry) continue;
    const { method, path, op, parameters } = entry;
    const where = `${spec.file} ${operationId}`;
    const pathParams: Record<string, unknown> = {};
    const query: Record<string, unknown> = {};
    for (const p of parameters) {
      if (p.in === 'path') {
        if (p.example === undefined) findings.push(`${where}: path parameter ${p.name} has no example`);
        else pathParams[p.name] = p.example;
      } else if (p.in === 'query' && p.example !== undefined) {
        query[p.name] = p.example;
      }
    }
    // The success: the one 2xx, or for an operation that answers by redirecting (the consent form), the one 3xx.
    const statuses = Object.keys(op.responses ?? {});
    const twoHundreds = statuses.filter((s) => /^2\d\d$/.test(s));
    const successes = twoHundreds.length ? twoHundreds : statuses.filter((s) => /^3\d\d$/.test(s));
    if (successes.length !== 1) {
      findings.push(`${where}: documents ${successes.length} success statuses (${successes.join(', ')}); one is expected`);
      continue;
    }
    const status = Number(successes[0]);
    const success = resolveLocal(spec.doc, op.responses[successes[0]!]);
    const responseExamples = new Map<string, unknown>();
    for (const [type, media] of Object.entries<any>(success.content ?? {})) {
      if (isJsonMediaType(type)) for (const [name, value] of namedExamples(spec.doc, media)) responseExamples.set(name, value);
    }
    const answersJson = Object.keys(success.content ?? {}).some((type) => isJsonMediaType(type));
    if (answersJson && responseExamples.size === 0) findings.push(`${where}: the ${status} answer has no example`);
    const responseFor = (name: string) => (responseExamples.has(name) ? responseExamples.get(name) : responseExamples.values().next().value);
    const secured = (op.security ?? spec.doc.security ?? []).length > 0;
    const base = { spec: spec.name, operationId, method: method.toUpperCase(), path, pathParams, query, status, secured };
    const body = op.requestBody ? resolveLocal(spec.doc, op.requestBody) : null;
    const bodies: RequestExample[] = [];
    for (const [mediaType, media] of Object.entries<any>(body?.content ?? {})) {
      for (const [name, value] of namedExamples(spec.doc, media)) {
        bodies.push({ ...base, name, body: value, mediaType, responseExample: responseFor(name) });
      }
    }
    if (body?.required && bodies.length === 0) findings.push(`${where}: the required request body has no example`);
    examples.push(...(bodies.length ? bodies : [{ ...base, name: '-', responseExample: responseFor('-') }]));
  }
  return { examples, findings };
}

// ---------------------------------------------------------------------------------------------
// The default world, indexed for the checks.
// ---------------------------------------------------------------------------------------------

/** The identity of a world entity: the fields an example naming it must agree with. */
type Identity = Record<string, string | null>;

export interface DefaultWorld {
  /** Entities by id, with their identity fields. */
  ids: Map<string, Identity>;
  /** SKUs of products and variants, with their owner. */
  skus: Map<string, { product_id: string; variant_id: string | null }>;
  /** Test API keys of the tenants. */
  apiKeys: Set<string>;
  categories: Map<string, Category>;
  /** The product (or the variant's product) behind an id, for category parameter checks. */
  categoryOf(id: string): Category | undefined;
  /** Order item ids of each order. */
  orderItems: Map<string, Set<string>>;
}

/** The world of the first test key (ten_nordwind) in a fresh sandbox's store. */
export function defaultWorld(store: SandboxStore, tenantId = 'ten_nordwind'): DefaultWorld {
  const tenant = store.tenant(tenantId);
  if (!tenant) throw new Error(`the sandbox has no tenant ${tenantId}`);
  const state: TenantState = tenant.state;
  const ids = new Map<string, Identity>();
  const skus = new Map<string, { product_id: string; variant_id: string | null }>();
  const productCategory = new Map<string, string>();
  const orderItems = new Map<string, Set<string>>();
  for (const c of state.categories) ids.set(c.id, { name: c.name, parent_id: c.parent_id });
  for (const b of state.brands) ids.set(b.id, { name: b.name, country_code: b.country_code, website: b.website });
  for (const l of state.labels) ids.set(l.id, { name: l.name, description: l.description });
  for (const l of state.locations) ids.set(l.id, { name: l.name, country_code: l.country_code });
  for (const p of Object.values(state.products)) {
    ids.set(p.id, { sku: p.sku, ean: p.ean, brand_id: p.brand_id, category_id: p.category_id });
    skus.set(p.sku, { product_id: p.id, variant_id: null });
    productCategory.set(p.id, p.category_id);
    for (const v of p.variants) {
      ids.set(v.id, { sku: v.sku, ean: v.ean, product_id: p.id });
      skus.set(v.sku, { product_id: p.id, variant_id: v.id });
      productCategory.set(v.id, p.category_id);
    }
  }
  for (const o of Object.values(state.orders)) {
    ids.set(o.id, { order_number: o.order_number, fulfilment: o.fulfilment, payment_method: o.payment_method });
    orderItems.set(o.id, new Set(o.items.map((i) => i.id)));
    for (const i of o.items) ids.set(i.id, { product_id: i.product_id, variant_id: i.variant_id, sku: i.sku });
  }
  for (const s of Object.values(state.shipments)) ids.set(s.id, { order_id: s.order_id, carrier: s.carrier, tracking_number: s.tracking_number });
  for (const r of Object.values(state.returns)) ids.set(r.id, { order_id: r.order_id });
  const apiKeys = new Set<string>();
  for (const t of store.listTenants()) {
    ids.set(t.id, { name: t.name });
    for (const key of t.api_keys) {
      apiKeys.add(key);
      ids.set(keyId(key), { api_key: key });
    }
    for (const client of Object.values(accessOf(t).oauth.clients)) ids.set(client.client_id, { client_secret: client.client_secret, name: client.name });
  }
  const categories = new Map(state.categories.map((c) => [c.id, c]));
  return {
    ids,
    skus,
    apiKeys,
    categories,
    categoryOf: (id) => categories.get(productCategory.get(id) ?? ''),
    orderItems,
  };
}

// ---------------------------------------------------------------------------------------------
// The checks.
// ---------------------------------------------------------------------------------------------

/** Ids of the world's kinds of entity; other prefixes (mat_, pct_, whsec_, req_ …) are not entities. */
const ID_TOKEN = /\b(?:prod|var|ord|oit|shp|ret|cat|brand|lbl|loc|res|job|wh|dlv|evt|ten|key|cli)_[A-Za-z0-9_]+\b/g;
const API_KEY = /^mk_test_[A-Za-z0-9_]+$/;
/** Error codes that say their subject does not exist, and what kind of subject that is. */
const UNKNOWN_CODES: Record<string, 'id' | 'sku' | 'location'> = {
  not_found: 'id',
  // An availability batch fails as a whole only when every id in it is unknown.
  no_items_applied: 'id',
  scenario_not_found: 'id',
  snapshot_not_found: 'id',
  unknown_sku: 'sku',
  unknown_location: 'location',
};
/** Operations that answer events earlier requests caused (whose `evt_` ids no example shows before). */
const EVENT_FEED_OPERATIONS = new Set(['listEvents']);
/** Members whose values are codes or free text about the request, not references to entities. */
const NOT_REFERENCES = new Set(['code', 'error', 'error_description', 'description', 'reason', 'note']);

interface Scope {
  where: string;
  /** Placeholders created by examples earlier in the order (or by this one's 201/202 answer). */
  introduced: Set<string>;
  /** SKUs the create examples so far add. */
  introducedSkus: Set<string>;
  /** The product a request body is about (its path parameter), for category parameter checks. */
  productId?: string;
}

export interface ExampleCheck {
  findings: string[];
  /** Placeholders introduced by the 201/202 answers, in order. */
  introduced: Set<string>;
}

/** Checks every example of both specs (requests, answers, parameters, schemas) against the world. */
export function checkExamples(specs: Spec[], world: DefaultWorld): ExampleCheck {
  const findings: string[] = [];
  const introduced = new Set<string>();
  const introducedSkus = new Set<string>();
  const isPlaceholder = (value: string) => !world.ids.has(value) && !world.apiKeys.has(value);
  const checkedRefs = new Set<string>();

  for (const spec of specs) {
    const { examples, findings: orderFindings } = requestExamples(spec);
    findings.push(...orderFindings);
    const raw = rawOperations(spec.doc);
    const done = new Set<string>();
    for (const example of examples) {
      const { operationId } = example;
      const entry = raw.get(operationId)!;
      const where = `${spec.file} ${operationId}`;
      if (!done.has(operationId)) {
        done.add(operationId);
        // What this operation's 201/202 answers create becomes usable from here on. The event feed's
        // answers show events that earlier examples caused: their ids (minted per event, never in
        // the world) are placeholders too.
        for (const [status, response] of Object.entries<any>(entry.op.responses ?? {})) {
          if (status !== '201' && status !== '202' && !(status === '200' && EVENT_FEED_OPERATIONS.has(operationId))) continue;
          for (const [, media] of Object.entries<any>(resolveLocal(spec.doc, response).content ?? {})) {
            for (const [, value] of namedExamples(spec.doc, media)) for (const id of createdValues(value)) if (isPlaceholder(id)) introduced.add(id);
          }
        }
        if (entry.method === 'post' && /^(createProduct|createProductVariant|createProductsBulk)$/.test(operationId)) {
          for (const [, media] of Object.entries<any>(resolveLocal(spec.doc, entry.op.requestBody ?? {}).content ?? {})) {
            for (const [, value] of namedExamples(spec.doc, media)) for (const sku of skusIn(value)) introducedSkus.add(sku);
          }
        }
        const scope: Scope = { where, introduced, introducedSkus };
        for (const p of entry.parameters) {
          for (const [name, value] of [...namedExamples(spec.doc, p), ...schemaExamples(p.schema).map((v) => ['schema', v] as [string, unknown])]) {
            checkValue({ ...scope, where: `${where} ${p.in} parameter ${p.name} (${name})` }, { [p.name]: value }, world, findings);
          }
        }
        for (const [status, response] of Object.entries<any>(entry.op.responses ?? {})) {
          // A shared response or example is checked once, where it is first used, and named by its $ref.
          const responseWhere = typeof response.$ref === 'string' ? `${spec.file} ${response.$ref}` : `${where} ${status}`;
          if (checkedRefs.has(responseWhere)) continue;
          checkedRefs.add(responseWhere);
          for (const [type, media] of Object.entries<any>(resolveLocal(spec.doc, response).content ?? {})) {
            for (const [name, ref] of Object.entries<any>(media.examples ?? {})) {
              const exampleWhere = typeof ref.$ref === 'string' ? `${spec.file} ${ref.$ref}` : `${responseWhere} ${type} example ${name}`;
              if (checkedRefs.has(exampleWhere)) continue;
              checkedRefs.add(exampleWhere);
              checkValue({ ...scope, where: exampleWhere }, resolveLocal(spec.doc, ref).value, world, findings);
            }
            if (media.example !== undefined) checkValue({ ...scope, where: `${responseWhere} ${type} example` }, media.example, world, findings);
          }
        }
      }
      if (example.body !== undefined) {
        const productId = typeof example.pathParams.product_id === 'string' ? example.pathParams.product_id : undefined;
        checkValue({ where: `${where} request example ${example.name}`, introduced, introducedSkus, productId }, example.body, world, findings);
      }
    }
    // Schema-level examples (what tools show for a field) stand outside the order: any placeholder will do.
    for (const [name, schema] of Object.entries<any>(spec.doc.components?.schemas ?? {})) {
      for (const { member, value } of schemaExamplesWithin(schema, name)) {
        checkValue({ where: `${spec.file} schema ${name} example of ${member}`, introduced, introducedSkus }, wrapForSchema(member, value), world, findings);
      }
    }
  }
  return { findings: [...new Set(findings)], introduced };
}

/** Example values anywhere inside a schema, with the member (or schema) name they belong to. */
function schemaExamplesWithin(schema: any, name: string, out: { member: string; value: unknown }[] = []): { member: string; value: unknown }[] {
  if (!schema || typeof schema !== 'object') return out;
  for (const value of schemaExamples(schema)) out.push({ member: name, value });
  for (const [key, sub] of Object.entries<any>(schema)) {
    if (key === 'examples' || key === 'example') continue;
    if (key === 'properties' && sub && typeof sub === 'object') for (const [prop, propSchema] of Object.entries<any>(sub)) schemaExamplesWithin(propSchema, prop, out);
    else if (sub && typeof sub === 'object') schemaExamplesWithin(sub, name, out);
  }
  return out;
}

/** Gives a bare schema example the member name it would sit under, so the member rules apply. */
function wrapForSchema(name: string, value: unknown): unknown {
  if (name === 'Sku' || name === 'sku') return { sku: value };
  if (name === 'Parameters' || name === 'parameters') return { parameters: value };
  return value;
}

function schemaExamples(schema: any): unknown[] {
  if (!schema || typeof schema !== 'object' || schema.$ref) return [];
  const out: unknown[] = [];
  if (Array.isArray(schema.examples)) out.push(...schema.examples);
  if (schema.example !== undefined) out.push(schema.example);
  return out;
}

/** Ids and API keys in a value: what a 201/202 example may show for what the request created. */
function createdValues(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    out.push(...(value.match(ID_TOKEN) ?? []));
    if (API_KEY.test(value)) out.push(value);
  } else if (Array.isArray(value)) for (const v of value) createdValues(v, out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (!NOT_REFERENCES.has(k)) createdValues(v, out);
  return out;
}

/**
 * What a placeholder of a 201/202 example stands for at run time: walks the documented example and
 * the sandbox's answer side by side and maps each placeholder to the value at the same place.
 */
export function learnPlaceholders(documented: unknown, actual: unknown, world: DefaultWorld, into: Map<string, string>): void {
  if (typeof documented === 'string') {
    const whole = documented.match(ID_TOKEN)?.[0] === documented || API_KEY.test(documented);
    if (whole && typeof actual === 'string' && !world.ids.has(documented) && !world.apiKeys.has(documented)) into.set(documented, actual);
  } else if (Array.isArray(documented) && Array.isArray(actual)) {
    documented.forEach((d, i) => learnPlaceholders(d, actual[i], world, into));
  } else if (documented && typeof documented === 'object' && actual && typeof actual === 'object') {
    for (const [k, d] of Object.entries(documented)) learnPlaceholders(d, (actual as Record<string, unknown>)[k], world, into);
  }
}

/** A request value with the placeholders it uses replaced by what they stand for. */
export function withPlaceholders<T>(value: T, known: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') return (known.get(value) ?? value.replace(ID_TOKEN, (id) => known.get(id) ?? id)) as T;
  if (Array.isArray(value)) return value.map((v) => withPlaceholders(v, known)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlaceholders(v, known)])) as T;
  return value;
}

function skusIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) skusIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'sku' && typeof v === 'string') out.push(v);
      else skusIn(v, out);
    }
  }
  return out;
}

/** Whether an object (or one it sits in) says that a subject of this kind does not exist. */
function declaresUnknown(chain: any[], kind: 'id' | 'sku' | 'location'): boolean {
  return chain.some((o) => {
    if (!o || typeof o !== 'object') return false;
    if (o.status === 404) return kind !== 'sku';
    const declared = UNKNOWN_CODES[o.code];
    return declared === kind || (declared === 'id' && kind === 'location');
  });
}

function checkValue(scope: Scope, value: unknown, world: DefaultWorld, findings: string[]): void {
  const report = (at: string, message: string) => findings.push(`${scope.where}${at ? ` at ${at}` : ''}: ${message}`);
  const walk = (node: unknown, at: string, key: string | null, chain: any[]): void => {
    if (typeof node === 'string') {
      if (key !== null && NOT_REFERENCES.has(key)) return;
      for (const id of node.match(ID_TOKEN) ?? []) {
        const known = world.ids.has(id);
        if (declaresUnknown(chain, id.startsWith('loc_') ? 'location' : 'id')) {
        
          if (known && (key === 'id' || key === 'resource_id' || key === 'key')) report(at, `${id} is said not to exist, but the default world has it`);
        } else if (!known && !scope.introduced.has(id)) {
          report(at, `${id} is not in the default world, nor created by an example earlier in x-example-order`);
        }
      }
      if (API_KEY.test(node) && !world.apiKeys.has(node) && !scope.introduced.has(node) && !declaresUnknown(chain, 'id')) report(at, `API key ${node} belongs to no tenant`);
      if (key === 'sku' || (key === 'key' && chain.at(-1) && 'index' in chain.at(-1))) checkSku(node, at, chain);
      return;
    }
    if (Array.isArray(node)) {
      if (key === 'events') checkEventFilter(node, at);
      node.forEach((item, i) => walk(item, `${at}/${i}`, key, chain));
      return;
    }
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, any>;
    checkIdentity(obj, at);
    checkProblem(obj, at);
    checkParameters(obj, at);
    if (typeof obj.event_type === 'string' && !EVENT_TYPES.includes(obj.event_type as never)) report(`${at}/event_type`, `${obj.event_type} is not an event type the sandbox sends`);
    if (typeof obj.order_id === 'string' && Array.isArray(obj.item_ids) && world.orderItems.has(obj.order_id)) {
      for (const item of obj.item_ids) if (!world.orderItems.get(obj.order_id)!.has(item)) report(`${at}/item_ids`, `${item} is not an item of order ${obj.order_id}`);
    }
    for (const [k, v] of Object.entries(obj)) walk(v, `${at}/${k}`, k, [...chain, obj]);
  };

  const checkSku = (sku: string, at: string, chain: any[]) => {
    const known = world.skus.has(sku);
    if (declaresUnknown(chain, 'sku')) {
      if (known) report(at, `SKU ${sku} is said not to exist, but the default world has it`);
    } else if (!known && !scope.introducedSkus.has(sku)) {
      report(at, `SKU ${sku} is not in the default world, nor created by an example earlier in x-example-order`);
    }
  };

  const checkEventFilter = (events: unknown[], at: string) => {
    const strings = events.filter((e): e is string => typeof e === 'string');
    for (const { index, pattern } of unknownFilterEntries(strings)) report(`${at}/${index}`, `${pattern} matches no event type the sandbox sends (${EVENT_TYPES.join(', ')})`);
  };

  // An object naming a world entity agrees with it on the entity's identity fields.
  const checkIdentity = (obj: Record<string, any>, at: string) => {
    const anchor = typeof obj.id === 'string' ? obj.id : typeof obj.key_id === 'string' ? obj.key_id : typeof obj.client_id === 'string' ? obj.client_id : null;
    const identity = anchor ? world.ids.get(anchor) : undefined;
    if (identity) {
      for (const [field, expected] of Object.entries(identity)) {
        if (field in obj && typeof obj[field] !== 'object' && obj[field] !== expected) report(`${at}/${field}`, `${anchor} has ${field} ${JSON.stringify(expected)} in the default world, not ${JSON.stringify(obj[field])}`);
      }
    }
    if (typeof obj.sku === 'string' && world.skus.has(obj.sku) && !(anchor && world.ids.has(anchor) && /^(prod|var)_/.test(anchor))) {
      const owner = world.skus.get(obj.sku)!;
      for (const field of ['product_id', 'variant_id'] as const) {
        if (field in obj && obj[field] !== owner[field]) report(`${at}/${field}`, `SKU ${obj.sku} belongs to ${field} ${owner[field]} in the default world, not ${obj[field]}`);
      }
    }
  };

  // `type` and `title` are what the sandbox's Problem sends for that status and code.
  const checkProblem = (obj: Record<string, any>, at: string) => {
    if (typeof obj.type !== 'string' || typeof obj.code !== 'string' || typeof obj.status !== 'number' || typeof obj.title !== 'string') return;
    const sent = new Problem(obj.status, obj.code, '').body;
    if (obj.type !== sent.type) report(`${at}/type`, `the sandbox sends type ${sent.type} for ${obj.code}, not ${obj.type}`);
    if (obj.title !== sent.title) report(`${at}/title`, `the sandbox sends title ${JSON.stringify(sent.title)} with status ${obj.status}, not ${JSON.stringify(obj.title)}`);
  };

  // Category parameters: names of the category's parameters, enum values it allows.
  const checkParameters = (obj: Record<string, any>, at: string) => {
    const params = obj.parameters;
    if (typeof obj.id === 'string' && obj.id.startsWith('cat_') && Array.isArray(params)) {
      const category = world.categories.get(obj.id);
      if (!category) return;
      for (const [i, p] of params.entries()) {
        const real = category.parameters.find((r) => r.name === p?.name);
        if (!real) report(`${at}/parameters/${i}`, `category ${obj.id} has no parameter ${p?.name}`);
        else if (Array.isArray(p.values) && real.values && p.values.some((v: string) => !real.values!.includes(v))) report(`${at}/parameters/${i}/values`, `category ${obj.id} allows ${real.name}: ${real.values.join(', ')}`);
      }
      return;
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) return;
    const anchor = typeof obj.category_id === 'string' ? null : typeof obj.product_id === 'string' ? obj.product_id : typeof obj.id === 'string' ? obj.id : scope.productId ?? null;
    const category = typeof obj.category_id === 'string' ? world.categories.get(obj.category_id) : anchor ? world.categoryOf(anchor) : undefined;
    if (!category) {
      if (typeof obj.category_id === 'string' || anchor) return; // an unknown category or product is reported as an id
      const names = new Set([...world.categories.values()].flatMap((c) => c.parameters.map((p) => p.name)));
      for (const name of Object.keys(params)) if (!names.has(name)) report(`${at}/parameters/${name}`, `no category has a parameter ${name}`);
      return;
    }
    for (const [name, v] of Object.entries(params)) {
      const real = category.parameters.find((p) => p.name === name);
      if (!real) report(`${at}/parameters/${name}`, `category ${category.id} (${category.name}) has no parameter ${name}; it has ${category.parameters.map((p) => p.name).join(', ')}`);
      else if (real.type === 'enum' && !real.values!.includes(String(v))) report(`${at}/parameters/${name}`, `${category.name} allows ${name}: ${real.values!.join(', ')}, not ${v}`);
    }
    if (Array.isArray(obj.variant_parameters)) {
      for (const name of obj.variant_parameters) {
        if (!category.parameters.some((p) => p.name === name && p.variant_allowed)) report(`${at}/variant_parameters`, `${name} is no variant parameter of ${category.name}`);
      }
    }
  };

  walk(value, '', null, []);
}

// ---------------------------------------------------------------------------------------------
// Schema validation of the examples (ajv, through the sandbox's own validators).
// ---------------------------------------------------------------------------------------------

export interface SchemaValidators {
  /** The response validator of an operation for a status and media type. */
  response(operationId: string, status: number | string, mediaType?: string): ValidateFunction | undefined;
  request(operationId: string, mediaType: string): ValidateFunction | undefined;
}

export function schemaValidators(spec: Spec): SchemaValidators {
  const validators = compileValidators(spec.doc, [...spec.operations.values()]);
  return {
    response: (operationId, status, mediaType = 'application/json') => validators.get(operationId)?.responses.get(`${status} ${mediaType}`),
    request: (operationId, mediaType) => validators.get(operationId)?.bodies.get(mediaType),
  };
}

/** What is wrong with an event stream example: not text, or a data line that is not JSON. */
function eventStreamFindings(example: unknown): string[] {
  if (typeof example !== 'string') return ['is not the text of a stream'];
  const data = example.split('\n').filter((line) => line.startsWith('data:'));
  if (data.length === 0) return ['shows no message'];
  return data.flatMap((line) => {
    try {
      JSON.parse(line.slice('data:'.length));
      return [];
    } catch {
      return [`${line.slice(0, 40)}… is not one line of JSON`];
    }
  });
}

/** Every response and request body example that its schema rejects. */
export function invalidExamples(spec: Spec): string[] {
  const validate = schemaValidators(spec);
  const findings: string[] = [];
  for (const [operationId, entry] of rawOperations(spec.doc)) {
    for (const [status, response] of Object.entries<any>(entry.op.responses ?? {})) {
      for (const [type, media] of Object.entries<any>(resolveLocal(spec.doc, response).content ?? {})) {
        const check = validate.response(operationId, status, type);
        for (const [name, value] of namedExamples(spec.doc, media)) {
          // An event stream's example is the stream's text: every message's data one line of JSON.
          if (type === 'text/event-stream') findings.push(...eventStreamFindings(value).map((f) => `${spec.file} ${operationId} ${status} ${type} example ${name}: ${f}`));
          else if (!check) findings.push(`${spec.file} ${operationId} ${status} ${type}: no schema to validate example ${name}`);
          else if (!check(value)) findings.push(`${spec.file} ${operationId} ${status} example ${name}: ${JSON.stringify(check.errors)}`);
        }
      }
    }
    for (const [type, media] of Object.entries<any>(resolveLocal(spec.doc, entry.op.requestBody ?? {}).content ?? {})) {
      const check = validate.request(operationId, type);
      for (const [name, value] of namedExamples(spec.doc, media)) {
        if (check && !check(structuredClone(value))) findings.push(`${spec.file} ${operationId} request example ${name}: ${JSON.stringify(check.errors)}`);
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Sending the examples to a sandbox, as a partner would.
// ---------------------------------------------------------------------------------------------

export interface Sent {
  status: number;
  contentType: string | null;
  body: any;
}

export interface RunnerCredentials {
  /** Bearer key for the marketplace API (the first test key). */
  apiKey: string;
  adminToken: string;
}

/**
 * Sends request examples to a sandbox at `baseUrl` in their order, with what earlier examples
 * created in place of the placeholders (see the header of this file).
 */
export class ExampleRunner {
  /** Placeholder → the value the sandbox gave (ids, API keys, force tokens). */
  readonly placeholders = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly world: DefaultWorld,
    private readonly credentials: RunnerCredentials,
  ) {}

  /**
   * Sends the example as documented. An example carrying a `force_token` is preceded by the same
   * request without it; that 409 answer's token stands in for the documented one.
   */
  async run(example: RequestExample): Promise<Sent> {
    await this.obtainForceToken(example);
    const res = await this.send(example, example.body, example.query);
    if (res.status === 201 || res.status === 202) learnPlaceholders(example.responseExample, res.body, this.world, this.placeholders);
    return res;
  }

  private async obtainForceToken(example: RequestExample): Promise<void> {
    const body = example.body as Record<string, unknown> | undefined;
    const documented = (body?.force_token ?? example.query.force_token) as string | undefined;
    if (documented === undefined || this.placeholders.has(documented)) return;
    const { force_token: _inBody, ...unconfirmed } = body ?? {};
    const { force_token: _inQuery, ...query } = example.query;
    const first = await this.send(example, body ? unconfirmed : undefined, query);
    if (first.status !== 409 || first.body?.code !== 'price_change_requires_confirmation') {
      throw new Error(`${example.operationId} without its force_token should answer 409 price_change_requires_confirmation, got ${first.status}: ${JSON.stringify(first.body)}`);
    }
    this.placeholders.set(documented, first.body.force_token);
  }

  private async send(example: RequestExample, body: unknown, query: Record<string, unknown>): Promise<Sent> {
    const fill = <T>(value: T) => withPlaceholders(value, this.placeholders);
    const path = example.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(fill(example.pathParams[name]))));
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(fill(query))) {
      for (const v of Array.isArray(value) ? value : [value]) search.append(name, String(v));
    }
    const headers: Record<string, string> = {};
    if (example.secured) headers.authorization = `Bearer ${example.spec === 'admin' ? this.credentials.adminToken : this.credentials.apiKey}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = example.mediaType!;
      const filled = fill(body);
      payload = example.mediaType!.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(filled as Record<string, string>).toString() : JSON.stringify(filled);
    }
    // redirect: manual, so that a redirect the example answers (to an app's redirect URI) is the answer itself.
    const res = await fetch(`${this.baseUrl}${path}${search.size ? `?${search}` : ''}`, { method: example.method, headers, body: payload, redirect: 'manual' });
    const contentType = res.headers.get('content-type');
    // An event stream stays open: its status and media type are the answer (test/api/event-stream.test.ts reads it).
    if (contentType?.startsWith('text/event-stream')) {
      await res.body?.cancel();
      return { status: res.status, contentType, body: '' };
    }
    const text = await res.text();
    return { status: res.status, contentType, body: text && contentType?.includes('json') ? JSON.parse(text) : text };
  }
}

/** A DNS lookup that knows no name: webhook deliveries of the examples fail at once, nothing leaves the machine. */
const resolvesNothing: LookupFunction = (hostname, _options, callback) =>
  callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);

/** A fresh default world on a real socket (strict mode), with a runner for the examples; close() stops both. */
export async function serveFreshWorld(): Promise<{ url: string; runner: ExampleRunner; close(): Promise<void> }> {
  const served = await serveSandbox({ strict: true, webhooks: { lookup: resolvesNothing } });
  const runner = new ExampleRunner(served.url, defaultWorld(served.sandbox.store), { apiKey: KEY_A, adminToken: ADMIN_TOKEN });
  return { url: served.url, runner, close: () => served.close() };
}
