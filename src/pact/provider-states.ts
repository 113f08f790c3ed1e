// Provider states: what a consumer's pact says must be true before an interaction ("an unconfirmed
// open order ord_x exists"), and how the sandbox makes it true for the run's fresh tenant, only
// through its public APIs (partner API with the tenant's key, control API with the admin token).
//
// Two sources, in this order:
//  1. a states file (YAML) of the partner's own: state name → scenario and/or control/partner-API
//     steps, with the values to hand back (see StatesFile below and the README);
//  2. the documented naming convention below.
// A state neither knows is an error naming the state and listing the convention, never a pass.
//
// Ids in state names are the consumer's examples. When that entity exists in the tenant in the
// right condition it is used as is; otherwise an equivalent one stands in and its real id is handed
// back (`order_id`, `product_id`, `sku`, …) for provider-state injection: a pact that injects the
// id (Pact v3+ `fromProviderState`) verifies; one that hard-codes a missing id fails on a 404,
// with a note in the report saying which entity stood in.
import { readFile } from 'node:fs/promises';
import { createAjv } from '../contract/ajv.ts';
import { parsePointer, valueAt } from '../contract/json-pointer.ts';
import { parse as parseYaml } from 'yaml';
import { toFieldErrors } from '../contract/validators.ts';
import { SandboxSessionError, type SandboxSession } from './sandbox-session.ts';
import type { ProviderState } from './pact-file.ts';

export type Provided = Record<string, unknown>;

export interface StateDefinition {
  /** The documented form, e.g. "order {order_id} is {status}". */
  form: string;
  pattern: RegExp;
  /** What the sandbox does for it, in one line (README and unknown-state messages). */
  does: string;
  setUp(session: SandboxSession, match: RegExpMatchArray, params: Record<string, unknown>): Promise<Provided>;
}

const ID = '([A-Za-z0-9_.-]+)';
const MONEY = '(\\d+(?:\\.\\d+)?)\\s+([A-Z]{3})';
const TRACKING = { carrier: 'DHL', tracking_number: 'JJD000390007788123', tracking_url: 'https://www.dhl.com/track?tracking-id=JJD000390007788123' };

export const STATE_CONVENTION: StateDefinition[] = [
  {
    form: 'an unconfirmed open order {order_id} exists',
    pattern: new RegExp(`^an unconfirmed open order ${ID} exists$`),
    does: 'uses that order if it is open and unconfirmed, else an open unconfirmed order of the tenant (or a new one: generated, then paid)',
    setUp: async (s, m) => ({ order_id: await openUnconfirmedOrder(s, m[1]!) }),
  },
  {
    form: 'order {order_id} is {open|shipping|shipped|delivered|cancelled}',
    pattern: new RegExp(`^order ${ID} is (open|shipping|shipped|delivered|cancelled)$`),
    does: 'walks an open order there through the partner API (cancelled: a customer cancel by the marketplace, which leaves it unconfirmed)',
    setUp: async (s, m) => orderInStatus(s, m[1]!, m[2] as OrderTarget),
  },
  {
    form: 'order {order_id} does not exist',
    pattern: new RegExp(`^order ${ID} does not exist$`),
    does: 'checks that GET /api/v2/orders/{order_id} answers 404',
    setUp: async (s, m) => absent(s, `/api/v2/orders/${m[1]}`, 'order_id', m[1]!),
  },
  {
    form: 'product {product_id} exists',
    pattern: new RegExp(`^product ${ID} exists$`),
    does: 'uses that product, or a live product without variants of the tenant',
    setUp: async (s, m) => ({ product_id: await product(s, m[1]!) }),
  },
  {
    form: 'product {product_id} has price {amount} {currency}',
    pattern: new RegExp(`^product ${ID} has price ${MONEY}$`),
    does: 'sets the price through PUT /api/v2/products/{id}/price (confirming with the force token when the change is large)',
    setUp: async (s, m) => {
      const id = await product(s, m[1]!);
      await setPrice(s, id, Number(m[2]), m[3]!);
      return { product_id: id, price: Number(m[2]), currency: m[3] };
    },
  },
  {
    form: 'a force token was issued for product {product_id} at {amount} {currency}',
    pattern: new RegExp(`^a force token was issued for product ${ID} at ${MONEY}$`),
    does: 'asks for that price change and keeps the force token of the 409 answer (provides force_token)',
    setUp: async (s, m) => {
      const id = await product(s, m[1]!);
      const answer = await s.partner('PUT', `/api/v2/products/${id}/price`, { price: Number(m[2]), currency: m[3] });
      if (answer.status !== 409 || typeof answer.body?.force_token !== 'string') {
        throw new SandboxSessionError(`changing ${id} to ${m[2]} ${m[3]} answered ${answer.status} ${answer.body?.code ?? ''}, not a 409 with a force token: is the change within the threshold?`);
      }
      return { product_id: id, force_token: answer.body.force_token };
    },
  },
  {
    form: 'product {product_id} does not exist',
    pattern: new RegExp(`^product ${ID} does not exist$`),
    does: 'checks that GET /api/v2/products/{product_id} answers 404',
    setUp: async (s, m) => absent(s, `/api/v2/products/${m[1]}`, 'product_id', m[1]!),
  },
  {
    form: 'SKU {sku} exists at location {location_id}',
    pattern: new RegExp(`^SKU ${ID} exists at location ${ID}$`),
    does: 'uses that SKU, or the first inventory item of the tenant; checks the location exists',
    setUp: async (s, m) => {
      const locations = (await s.expect(200, 'GET', '/api/v2/locations')).body.data as { id: string }[];
      if (!locations.some((l) => l.id === m[2])) throw new SandboxSessionError(`location ${m[2]} does not exist (there are ${locations.map((l) => l.id).join(', ')})`);
      return { sku: await sku(s, m[1]!), location_id: m[2] };
    },
  },
  {
    form: 'an inventory sync job has completed',
    pattern: /^an inventory sync job has completed$/,
    does: 'runs a one-line inventory sync and waits for its job (provides job_id)',
    setUp: async (s) => ({ job_id: await completedSyncJob(s) }),
  },
  {
    form: 'the API key {key} is not valid',
    pattern: /^the API key (\S+) is not valid$/,
    does: 'checks the sandbox refuses that key, and passes it on untouched (every other bearer token becomes the tenant\'s key)',
    setUp: async (s, m) => {
      const answer = await s.partner('GET', '/api/v2/orders?limit=1', undefined, m[1]);
      if (answer.status !== 401) throw new SandboxSessionError(`the key ${m[1]} works on this sandbox (answered ${answer.status}); pick a key no tenant has`);
      s.invalidKeys.add(m[1]!);
      return {};
    },
  },
  {
    form: 'an OAuth client {client_id} with secret {client_secret} exists',
    pattern: /^an OAuth client (\S+) with secret (\S+) exists$/,
    does: 'creates an OAuth client for the tenant; the pact\'s client id and secret are replaced by the real ones on the way in',
    setUp: async (s, m) => {
      const client = (await s.expect(201, 'POST', `/__sandbox/tenants/${s.tenantId}/oauth-clients`, { name: `pact ${m[1]}` })).body;
      s.aliases.set(m[1]!, client.client_id);
      s.aliases.set(m[2]!, client.client_secret);
      s.oauthClients.set(m[1]!, { client_id: client.client_id, client_secret: client.client_secret });
      return { client_id: client.client_id };
    },
  },
  {
    form: 'OAuth client {client_id} holds refresh token {refresh_token}',
    pattern: /^OAuth client (\S+) holds refresh token (\S+)$/,
    does: 'gets a real token pair for that client (client credentials grant); the pact\'s refresh token is replaced by the real one',
    setUp: async (s, m) => {
      const client = s.oauthClients.get(m[1]!);
      if (!client) throw new SandboxSessionError(`no OAuth client ${m[1]} was set up: put "an OAuth client ${m[1]} with secret … exists" before this state`);
      const token = await s.form('/oauth/token', { grant_type: 'client_credentials', ...client });
      if (token.status !== 200) throw new SandboxSessionError(`POST /oauth/token answered ${token.status}: ${JSON.stringify(token.body)}`);
      s.aliases.set(m[2]!, token.body.refresh_token);
      return { refresh_token: token.body.refresh_token };
    },
  },
  {
    form: 'tenant is on the {basic|growth|enterprise} plan with {n} requests left',
    pattern: /^tenant is on the (basic|growth|enterprise) plan with (\d+) requests? left$/,
    does: 'sets the plan through PUT /__sandbox/tenants/{id}/rate-limits and counts the day as used up to n requests left',
    setUp: async (s, m) => {
      const path = `/__sandbox/tenants/${s.tenantId}/rate-limits`;
      const limits = (await s.expect(200, 'PUT', path, { plan: m[1] })).body;
      await s.expect(200, 'PUT', path, { plan: m[1], daily_used: Math.max(0, limits.daily_quota - Number(m[2])) });
      return {};
    },
  },
  {
    form: 'the marketplace creates an order',
    pattern: /^the marketplace creates an order$/,
    does: 'nothing to prepare: the order.created message is produced by generating an order',
    setUp: async () => ({}),
  },
];

// --- orders ----------------------------------------------------------------------------------------

export type OrderTarget = 'open' | 'shipping' | 'shipped' | 'delivered' | 'cancelled';

export async function findOrder(s: SandboxSession, id: string): Promise<any | null> {
  const answer = await s.partner('GET', `/api/v2/orders/${encodeURIComponent(id)}`);
  return answer.status === 200 ? answer.body : null;
}

function standIn(s: SandboxSession, what: string, asked: string, used: string): void {
  if (asked !== used) s.notes.push(`${what} ${asked} is not in this tenant as the state needs it: ${used} stands in (it reaches the request only through provider-state injection)`);
  s.aliases.set(asked, used);
}

export async function openUnconfirmedOrder(s: SandboxSession, asked: string): Promise<string> {
  const known = s.aliases.get(asked);
  if (known) return known;
  const named = await findOrder(s, asked);
  if (named?.status === 'open' && named.confirmed === false) {
    s.aliases.set(asked, asked);
    return asked;
  }
  const page = (await s.expect(200, 'GET', '/api/v2/orders/unconfirmed?limit=100')).body.data as { id: string; status: string }[];
  let id = page.find((o) => o.status === 'open')?.id;
  if (!id) {
    const generated = (await s.expect(201, 'POST', '/__sandbox/orders/generate', { tenant_id: s.tenantId, count: 1 })).body.orders[0].id as string;
    await s.expect(200, 'POST', `/__sandbox/orders/${generated}/move`, { tenant_id: s.tenantId, to: 'open' });
    id = generated;
  }
  standIn(s, 'order', asked, id);
  return id;
}

export async function orderInStatus(s: SandboxSession, asked: string, target: OrderTarget): Promise<Provided> {
  const named = await findOrder(s, asked);
  if (named?.status === target) {
    s.aliases.set(asked, asked);
    return { order_id: asked, ...(target === 'shipped' ? { shipped_at: statusTime(named, 'shipped') } : {}) };
  }
  const id = await openUnconfirmedOrder(s, asked);
  const patch = (body: object) => s.expect(200, 'PATCH', `/api/v2/orders/${id}/status`, body);
  let order: any = null;
  if (target === 'open') await patch({ confirmed: true });
  if (target === 'cancelled') {
    await s.expect(200, 'POST', `/__sandbox/orders/${id}/move`, { tenant_id: s.tenantId, to: 'cancelled', reason: 'The customer withdrew the order' });
    order = await findOrder(s, id);
  }
  if (target === 'shipping' || target === 'shipped' || target === 'delivered') order = (await patch({ status: 'shipping', confirmed: true })).body;
  if (target === 'shipped' || target === 'delivered') order = (await patch({ status: 'shipped', ...TRACKING })).body;
  if (target === 'delivered') order = (await patch({ status: 'delivered', delivered_at: statusTime(order, 'shipped') })).body;
  return { order_id: id, ...(target === 'shipped' ? { shipped_at: statusTime(order, 'shipped') } : {}) };
}

function statusTime(order: { history?: { status: string; at: string }[]; updated_at: string }, status: string): string {
  return order.history?.filter((h) => h.status === status).at(-1)?.at ?? order.updated_at;
}

// --- catalogue and inventory -------------------------------------------------------------------------

async function absent(s: SandboxSession, path: string, key: string, id: string): Promise<Provided> {
  const answer = await s.partner('GET', path);
  if (answer.status !== 404) throw new SandboxSessionError(`${id} exists in this tenant (GET ${path} answered ${answer.status}); the sandbox cannot delete it for this state`);
  return { [key]: id };
}

export async function product(s: SandboxSession, asked: string): Promise<string> {
  const known = s.aliases.get(asked);
  if (known) return known;
  const named = await s.partner('GET', `/api/v2/products/${encodeURIComponent(asked)}`);
  if (named.status === 200 && named.body.variants?.length === 0) {
    s.aliases.set(asked, asked);
    return asked;
  }
  const page = (await s.expect(200, 'GET', '/api/v2/products?limit=100')).body.data as { id: string; status: string; variants: unknown[] }[];
  const found = page.find((p) => p.status === 'live' && p.variants.length === 0);
  if (!found) throw new SandboxSessionError('the tenant has no live product without variants to stand in');
  standIn(s, 'product', asked, found.id);
  return found.id;
}

/** Sets a price the way a partner must: a large change is confirmed with the force token it earns. */
export async function setPrice(s: SandboxSession, productId: string, price: number, currency: string): Promise<void> {
  const path = `/api/v2/products/${productId}/price`;
  const first = await s.partner('PUT', path, { price, currency });
  if (first.status === 200) return;
  if (first.status === 409 && typeof first.body?.force_token === 'string') {
    await s.expect(200, 'PUT', path, { price, currency, force_token: first.body.force_token });
    return;
  }
  throw new SandboxSessionError(`PUT ${path} answered ${first.status} ${first.body?.code ?? ''}: ${first.body?.detail ?? ''}`);
}

export async function sku(s: SandboxSession, asked: string): Promise<string> {
  const known = s.aliases.get(asked);
  if (known) return known;
  const named = await s.partner('GET', `/api/v2/inventory/${encodeURIComponent(asked)}`);
  if (named.status === 200) {
    s.aliases.set(asked, asked);
    return asked;
  }
  const first = (await s.expect(200, 'GET', '/api/v2/inventory?limit=1')).body.data[0]?.sku as string | undefined;
  if (!first) throw new SandboxSessionError('the tenant has no inventory item to stand in');
  standIn(s, 'SKU', asked, first);
  return first;
}

async function completedSyncJob(s: SandboxSession): Promise<string> {
  const item = (await s.expect(200, 'GET', '/api/v2/inventory?limit=1')).body.data[0];
  if (!item) throw new SandboxSessionError('the tenant has no inventory item to sync');
  const location = item.locations[0]?.location_id ?? (await s.expect(200, 'GET', '/api/v2/locations')).body.data[0].id;
  const jobId = (await s.expect(202, 'POST', '/api/v2/inventory/sync', { items: [{ sku: item.sku, quantity: item.quantity, location }] })).body.job_id as string;
  for (let i = 0; i < 200; i++) {
    const job = (await s.expect(200, 'GET', `/api/v2/jobs/${jobId}`)).body;
    if (job.state === 'completed') return jobId;
    if (job.state === 'failed') throw new SandboxSessionError(`inventory sync job ${jobId} failed: ${JSON.stringify(job.errors)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new SandboxSessionError(`inventory sync job ${jobId} did not complete within 2 s`);
}

// --- states files ------------------------------------------------------------------------------------

/**
 * A partner's own states, in YAML:
 *
 *   states:
 *     "the shop has a summer campaign":
 *       scenario: price-protection        # reset the tenant into this scenario first (optional)
 *       steps:                            # control-API (/__sandbox/…) or partner-API calls, in order
 *         - { method: PUT, path: "/__sandbox/tenants/${tenant_id}/campaign-prices/prod_pp100", body: {force_price: 79.99}, expect: 200 }
 *         - { method: GET, path: /api/v2/products/prod_pp100, save: { product_id: /id } }
 *       provides: { campaign: summer }   # extra values for provider-state injection
 *
 * `${name}` in paths and bodies is replaced by the state's params, values saved by earlier steps,
 * and `tenant_id`.
 */
export interface StatesFile {
  states: Record<string, StateRecipe>;
}

export interface StateRecipe {
  scenario?: string;
  steps?: StateStep[];
  provides?: Record<string, unknown>;
}

export interface StateStep {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** Expected status (default: any 2xx). */
  expect?: number;
  /** Values to keep from the answer: name → JSON pointer into its body. */
  save?: Record<string, string>;
}

const STATES_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['states'],
  properties: {
    states: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          scenario: { type: 'string', minLength: 1 },
          provides: { type: 'object' },
          steps: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['method', 'path'],
              properties: {
                method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
                path: { type: 'string', pattern: '^/' },
                body: {},
                expect: { type: 'integer', minimum: 100, maximum: 599 },
                save: { type: 'object', additionalProperties: { type: 'string', pattern: '^(/.*)?$' } },
              },
            },
          },
        },
      },
    },
  },
};

export class StatesFileError extends Error {}

export async function loadStatesFile(file: string): Promise<StatesFile> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new StatesFileError(`states file ${file} does not exist`);
  });
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new StatesFileError(`states file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const ajv = createAjv({ withFormats: false, allErrors: true, strict: false });
  const validate = ajv.compile<unknown>(STATES_FILE_SCHEMA);
  if (!validate(data)) {
    const [first] = toFieldErrors(validate.errors, '');
    throw new StatesFileError(`states file ${file} is invalid at ${first?.pointer || '/'}: ${first?.message}`);
  }
  return data as StatesFile;
}

function substitute(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([A-Za-z0-9_.-]+)\}$/.exec(value);
    if (whole && whole[1]! in vars) return vars[whole[1]!];
    return value.replace(/\$\{([A-Za-z0-9_.-]+)\}/g, (all, name: string) => (name in vars ? String(vars[name]) : all));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

function pointerGet(doc: unknown, pointer: string): unknown {
  return valueAt(doc, parsePointer(pointer));
}

async function runRecipe(s: SandboxSession, name: string, recipe: StateRecipe, params: Record<string, unknown>): Promise<Provided> {
  const vars: Record<string, unknown> = { tenant_id: s.tenantId, ...params };
  if (recipe.scenario) await s.expect(200, 'POST', '/__sandbox/reset', { tenant_id: s.tenantId, scenario: recipe.scenario });
  for (const [i, step] of (recipe.steps ?? []).entries()) {
    const path = String(substitute(step.path, vars));
    const body = step.body === undefined ? undefined : substitute(step.body, vars);
    const answer = path.startsWith('/__sandbox') ? await s.control(step.method, path, body) : await s.partner(step.method, path, body);
    const ok = step.expect === undefined ? answer.status >= 200 && answer.status < 300 : answer.status === step.expect;
    if (!ok) {
      throw new SandboxSessionError(`step ${i + 1} (${step.method} ${path}) answered ${answer.status}${step.expect ? ` instead of ${step.expect}` : ''}: ${answer.body?.detail ?? JSON.stringify(answer.body)}`);
    }
    for (const [key, pointer] of Object.entries(step.save ?? {})) vars[key] = pointerGet(answer.body, pointer);
  }
  const provided = substitute(recipe.provides ?? {}, vars) as Provided;
  const saved = Object.fromEntries((recipe.steps ?? []).flatMap((st) => Object.keys(st.save ?? {})).map((k) => [k, vars[k]]));
  return { ...saved, ...provided };
}

// --- resolving -----------------------------------------------------------------------------------------

export type StateSource = { kind: 'states-file'; recipe: StateRecipe } | { kind: 'convention'; definition: StateDefinition; match: RegExpMatchArray };

export class StateResolver {
  constructor(private readonly statesFile: StatesFile | null = null) {}

  /** Where a state's setup comes from; null when nothing knows it. */
  find(name: string): StateSource | null {
    const recipe = this.statesFile?.states[name];
    if (recipe) return { kind: 'states-file', recipe };
    for (const definition of STATE_CONVENTION) {
      const match = definition.pattern.exec(name);
      if (match) return { kind: 'convention', definition, match };
    }
    return null;
  }

  /** Makes one state true for the session's tenant; merges what it provides into `session.provided`. */
  async setUp(session: SandboxSession, state: ProviderState): Promise<Provided> {
    const source = this.find(state.name);
    if (!source) throw new SandboxSessionError(unknownStateMessage(state.name, this.statesFile !== null));
    const provided =
      source.kind === 'states-file'
        ? await runRecipe(session, state.name, source.recipe, state.params)
        : await source.definition.setUp(session, source.match, state.params);
    session.provided = { ...session.provided, ...provided };
    return provided;
  }
}

export function unknownStateMessage(name: string, hadStatesFile: boolean): string {
  return [
    `unknown provider state "${name}": the sandbox does not know how to make it true${hadStatesFile ? ' (it is not in the states file either)' : ''}.`,
    `Name it by the convention, or describe it in a states file (--states FILE). The convention:`,
    ...STATE_CONVENTION.map((d) => `  - ${d.form}`),
  ].join('\n');
}
