// Provider states: what a consumer's pact says must be true before an interaction ("an unconfirmed
// open order ord_x exists"), and how the sandbox makes it true for the run's fresh tenant, only
// through its public APIs (partner API with the tenant's key, control API with the admin token).
//
// Two sources, in this order:
//  1. a states file (YAML) of the partner's own: state name → scenario and/or control/partner-API
//     steps, with the values to hand back (see StatesFile below and docs/pact.md);
//  2. the documented forms below (STATE_FORMS), each with the aliases a partner would naturally
//     write for it. An alias is accepted only when it means exactly what its form means; a
//     phrasing that could mean two forms ("an open order exists": confirmed or not?) is not one.
// A state neither knows is an error naming the state and the nearest known form, never a pass.
//
// Ids in state names are the consumer's examples. When that entity exists in the tenant in the
// right condition it is used as is; otherwise an equivalent one stands in and its real id is handed
// back (`order_id`, `product_id`, `sku`, …) for provider-state injection: a pact that injects the
// id (Pact v3+ `fromProviderState`) verifies; one that hard-codes a missing id fails on a 404,
// with a note in the report saying which entity stood in. An alias that leaves the id out takes
// any fitting entity, with no note.
import { readFile } from 'node:fs/promises';
import { createAjv } from '../contract/ajv.ts';
import type { components as AdminComponents } from '../contract/generated/admin.ts';
import type { components } from '../contract/generated/marketplace.ts';
import { parsePointer, valueAt } from '../contract/json-pointer.ts';
import { toFieldErrors } from '../contract/validators.ts';
import type { ProviderState } from './pact-file.ts';
import { problemOf, refusal, SandboxSessionError, type SandboxSession } from './sandbox-session.ts';
import { yamlLibrary } from '../contract/yaml-text.ts';
import {
  compileTemplate,
  fillTemplate,
  matchTemplate,
  nearestPhrasing,
  ORDER_TARGETS,
  STATE_PARAMETERS,
  type ParameterName,
  type Phrasing,
  type StateTemplate,
  type StateValues,
} from './state-names.ts';

type Schemas = components['schemas'];
type AdminSchemas = AdminComponents['schemas'];

export type Provided = Record<string, unknown>;

/** Another way to say a form: a template, with the values it implies for parameters it does not name. */
export type StateAlias = string | { phrasing: string; implies: StateValues };

export interface StateForm {
  /** The documented form, a template (state-names.ts): "order {order_id} is {status}". */
  form: string;
  /** Phrasings that mean exactly the same; one that leaves an id out takes any fitting entity. */
  aliases: StateAlias[];
  /** A state of this form that works against the default data (docs and tests). */
  example: string;
  /** States the example needs set up before it, in the same interaction. */
  exampleAfter?: string[];
  /** What the sandbox does for it, in one line (docs). */
  does: string;
  /** What it hands back for provider-state injection. */
  provides: string[];
  setUp(session: SandboxSession, values: StateValues, params: Record<string, unknown>): Promise<Provided>;
}

const TRACKING = { carrier: 'DHL', tracking_number: 'JJD000390007788123', tracking_url: 'https://www.dhl.com/track?tracking-id=JJD000390007788123' };
/** Where a subscription a state creates points: a reserved name (RFC 2606) that never resolves, so nothing is ever sent. */
const STATE_WEBHOOK_URL = 'https://webhooks.example/pact-verification';

/** A value the matched phrasing must have given (every phrasing of a form names or implies its non-id parameters). */
function given(values: StateValues, name: ParameterName): string {
  const value = values[name];
  if (value === undefined) throw new SandboxSessionError(`the state gives no ${name} (${STATE_PARAMETERS[name].means})`);
  return value;
}

const ORDER_STATUS_PHRASINGS: StateAlias[] = [
  'order {order_id} has status {status}',
  'order {order_id} is in status {status}',
  'order with id {order_id} is {status}',
  // "An open order" leaves out whether it is confirmed: the statuses past open do not.
  'a {status:shipping|shipped|delivered|cancelled} order {order_id} exists',
  'a {status:shipping|shipped|delivered|cancelled} order exists',
  'order {order_id} has been {status:shipped|delivered|cancelled}',
  { phrasing: 'a confirmed open order {order_id} exists', implies: { status: 'open' } },
  { phrasing: 'a confirmed open order exists', implies: { status: 'open' } },
  { phrasing: 'order {order_id} is open and confirmed', implies: { status: 'open' } },
];

export const STATE_FORMS: StateForm[] = [
  {
    form: 'an unconfirmed open order {order_id} exists',
    aliases: [
      'an unconfirmed open order exists',
      'an open unconfirmed order {order_id} exists',
      'an open unconfirmed order exists',
      'an open order awaiting confirmation exists',
      'order {order_id} is open and unconfirmed',
    ],
    example: 'an unconfirmed open order ord_xv333snb exists',
    does: 'uses that order if it is open and unconfirmed, else an open unconfirmed order of the tenant (or a new one: generated, then paid)',
    provides: ['order_id'],
    setUp: async (s, v) => ({ order_id: await openUnconfirmedOrder(s, v.order_id) }),
  },
  {
    form: 'order {order_id} is {status}',
    aliases: ORDER_STATUS_PHRASINGS,
    example: 'order ord_xv333snb is shipped',
    does: 'walks an open order there through the partner API, confirming it (cancelled: a customer cancel by the marketplace, which leaves it unconfirmed)',
    provides: ['order_id', 'shipped_at (shipped)'],
    setUp: async (s, v) => orderInStatus(s, v.order_id, orderTarget(given(v, 'status'))),
  },
  {
    form: 'order {order_id} does not exist',
    aliases: ['order with id {order_id} does not exist', 'no order with id {order_id} exists', 'there is no order {order_id}', 'there is no order with id {order_id}'],
    example: 'order ord_doesnotexist0 does not exist',
    does: 'checks that GET /api/v2/orders/{order_id} answers 404',
    provides: ['order_id'],
    setUp: async (s, v) => absent(s, `/api/v2/orders/${given(v, 'order_id')}`, 'order_id', given(v, 'order_id')),
  },
  {
    form: 'product {product_id} exists',
    aliases: ['product with id {product_id} exists', 'a product exists', 'a product without variants exists'],
    example: 'product prod_gjs25nzr exists',
    does: 'uses that product, or a live product without variants of the tenant',
    provides: ['product_id'],
    setUp: async (s, v) => ({ product_id: await product(s, v.product_id) }),
  },
  {
    form: 'product {product_id} has price {amount} {currency}',
    aliases: [
      'product with id {product_id} has price {amount} {currency}',
      'product {product_id} has a price of {amount} {currency}',
      'product {product_id} costs {amount} {currency}',
      'the price of product {product_id} is {amount} {currency}',
    ],
    example: 'product prod_gjs25nzr has price 100.00 EUR',
    does: 'sets the price through PUT /api/v2/products/{id}/price (confirming with the force token when the change is large)',
    provides: ['product_id', 'price', 'currency'],
    setUp: async (s, v) => {
      const id = await product(s, v.product_id);
      const price = Number(given(v, 'amount'));
      const currency = given(v, 'currency');
      await setPrice(s, id, price, currency);
      return { product_id: id, price, currency };
    },
  },
  {
    form: 'a force token was issued for product {product_id} at {amount} {currency}',
    aliases: ['a force token was issued for product with id {product_id} at {amount} {currency}'],
    example: 'a force token was issued for product prod_gjs25nzr at 150.00 EUR',
    exampleAfter: ['product prod_gjs25nzr has price 100.00 EUR'],
    does: 'asks for that price change and keeps the force token of the 409 answer',
    provides: ['product_id', 'force_token'],
    setUp: async (s, v) => {
      const id = await product(s, v.product_id);
      const [amount, currency] = [given(v, 'amount'), given(v, 'currency')];
      const answer = await s.partner('PUT', `/api/v2/products/${id}/price`, { price: Number(amount), currency });
      const problem = problemOf(answer.body);
      if (answer.status !== 409 || problem.force_token === undefined) {
        throw new SandboxSessionError(`changing ${id} to ${amount} ${currency} answered ${answer.status} ${problem.code ?? ''}, not a 409 with a force token: is the change within the threshold?`);
      }
      return { product_id: id, force_token: problem.force_token };
    },
  },
  {
    form: 'product {product_id} does not exist',
    aliases: ['product with id {product_id} does not exist', 'no product with id {product_id} exists', 'there is no product {product_id}', 'there is no product with id {product_id}'],
    example: 'product prod_doesnotexist0 does not exist',
    does: 'checks that GET /api/v2/products/{product_id} answers 404',
    provides: ['product_id'],
    setUp: async (s, v) => absent(s, `/api/v2/products/${given(v, 'product_id')}`, 'product_id', given(v, 'product_id')),
  },
  {
    form: 'SKU {sku} exists at location {location_id}',
    aliases: ['SKU {sku} is stocked at location {location_id}', 'SKU {sku} has stock at location {location_id}', 'inventory item {sku} exists at location {location_id}'],
    example: 'SKU pan-409849 exists at location loc_berlin',
    does: 'uses that SKU, or the first inventory item of the tenant; checks the location exists',
    provides: ['sku', 'location_id'],
    setUp: async (s, v) => {
      const location = given(v, 'location_id');
      const locations = (await s.expectJson<Schemas['LocationList']>(200, 'GET', '/api/v2/locations')).data;
      if (!locations.some((l) => l.id === location)) throw new SandboxSessionError(`location ${location} does not exist (there are ${locations.map((l) => l.id).join(', ')})`);
      return { sku: await sku(s, given(v, 'sku')), location_id: location };
    },
  },
  {
    form: 'an inventory sync job has completed',
    aliases: ['an inventory sync has completed', 'an inventory sync job is completed', 'a completed inventory sync job exists'],
    example: 'an inventory sync job has completed',
    does: 'runs a one-line inventory sync and waits for its job',
    provides: ['job_id'],
    setUp: async (s) => ({ job_id: await completedSyncJob(s) }),
  },
  {
    form: 'the API key {key} is not valid',
    aliases: ['the API key {key} is invalid', 'the API key {key} is revoked', 'the API key {key} has been revoked'],
    example: 'the API key mk_test_revoked_key_0000 is not valid',
    does: "checks the sandbox refuses that key, and passes it on untouched (every other bearer token becomes the tenant's key)",
    provides: [],
    setUp: async (s, v) => {
      const key = given(v, 'key');
      const answer = await s.partner('GET', '/api/v2/orders?limit=1', undefined, key);
      if (answer.status !== 401) throw new SandboxSessionError(`the key ${key} works on this sandbox (answered ${answer.status}); pick a key no tenant has`);
      s.invalidKeys.add(key);
      return {};
    },
  },
  {
    form: 'the seller is authenticated',
    aliases: [
      'the partner is authenticated',
      'an authenticated seller',
      'a valid access token',
      'a valid access token exists',
      'the seller has a valid access token',
      'a valid API key',
      'the seller has a valid API key',
    ],
    example: 'the seller is authenticated',
    does: "nothing to prepare: every bearer token of the pact (an API key or an OAuth access token) becomes the fresh tenant's API key on the way in",
    provides: [],
    setUp: async () => ({}),
  },
  {
    form: 'an OAuth client {client_id} with secret {client_secret} exists',
    aliases: ['an OAuth client {client_id} with client secret {client_secret} exists', 'OAuth client {client_id} exists with secret {client_secret}'],
    example: 'an OAuth client cli_reference with secret cs_test_reference_secret exists',
    does: "creates an OAuth client for the tenant; the pact's client id and secret are replaced by the real ones on the way in",
    provides: ['client_id'],
    setUp: async (s, v) => {
      const [asked, secret] = [given(v, 'client_id'), given(v, 'client_secret')];
      const client = await s.expectJson<AdminSchemas['OAuthClient']>(201, 'POST', `/__sandbox/tenants/${s.tenantId}/oauth-clients`, { name: `pact ${asked}` });
      s.aliases.set(asked, client.client_id);
      s.aliases.set(secret, client.client_secret);
      s.oauthClients.set(asked, { client_id: client.client_id, client_secret: client.client_secret });
      return { client_id: client.client_id };
    },
  },
  {
    form: 'OAuth client {client_id} holds refresh token {refresh_token}',
    aliases: ['OAuth client {client_id} has refresh token {refresh_token}', 'refresh token {refresh_token} was issued to OAuth client {client_id}'],
    example: 'OAuth client cli_reference holds refresh token mrt_reference_refresh',
    exampleAfter: ['an OAuth client cli_reference with secret cs_test_reference_secret exists'],
    does: "gets a real token pair for that client (client credentials grant); the pact's refresh token is replaced by the real one",
    provides: ['refresh_token'],
    setUp: async (s, v) => {
      const [asked, refreshToken] = [given(v, 'client_id'), given(v, 'refresh_token')];
      const client = s.oauthClients.get(asked);
      if (!client) throw new SandboxSessionError(`no OAuth client ${asked} was set up: put "an OAuth client ${asked} with secret … exists" before this state`);
      const answer = await s.form('/oauth/token', { grant_type: 'client_credentials', ...client });
      const token = answer.body as Partial<Schemas['Token']> | undefined;
      if (answer.status !== 200 || typeof token?.refresh_token !== 'string') throw new SandboxSessionError(`POST /oauth/token answered ${answer.status}${refusal(answer.body)}`);
      s.aliases.set(refreshToken, token.refresh_token);
      return { refresh_token: token.refresh_token };
    },
  },
  {
    form: 'tenant is on the {plan} plan with {n} requests left',
    aliases: ['tenant is on the {plan} plan with {n} request left', 'the seller is on the {plan} plan with {n} requests left', 'the seller is on the {plan} plan with {n} request left'],
    example: 'tenant is on the basic plan with 0 requests left',
    does: 'sets the plan through PUT /__sandbox/tenants/{id}/rate-limits and counts the day as used up to n requests left',
    provides: [],
    setUp: async (s, v) => {
      const [plan, left] = [given(v, 'plan'), Number(given(v, 'n'))];
      const path = `/__sandbox/tenants/${s.tenantId}/rate-limits`;
      const limits = await s.expectJson<AdminSchemas['RateLimits']>(200, 'PUT', path, { plan });
      await s.expect(200, 'PUT', path, { plan, daily_used: Math.max(0, limits.daily_quota - left) });
      return {};
    },
  },
  {
    form: 'a webhook subscription {webhook_id} exists',
    aliases: ['a webhook subscription exists', 'a webhook subscription with id {webhook_id} exists', 'a webhook {webhook_id} exists', 'a webhook exists'],
    example: 'a webhook subscription wh_partner_orders exists',
    does: `uses that subscription, or creates one for order.* events pointing at ${STATE_WEBHOOK_URL} (a name that never resolves: nothing is sent)`,
    provides: ['webhook_id'],
    setUp: async (s, v) => ({ webhook_id: await webhookSubscription(s, v.webhook_id) }),
  },
  {
    form: 'the marketplace creates an order',
    aliases: ['an order is created', 'a new order is created', 'an order is placed', 'a customer places an order'],
    example: 'the marketplace creates an order',
    does: 'nothing to prepare: the order.created message is produced by generating an order',
    provides: [],
    setUp: async () => ({}),
  },
];

export interface StatePhrasing {
  form: StateForm;
  template: StateTemplate;
  /** Values the phrasing implies without naming them. */
  implies: StateValues;
}

/** Every form and alias, compiled once; a name takes the first that matches. */
export const STATE_PHRASINGS: StatePhrasing[] = STATE_FORMS.flatMap((form) => [
  { form, template: compileTemplate(form.form), implies: {} },
  ...form.aliases.map((alias) =>
    typeof alias === 'string' ? { form, template: compileTemplate(alias), implies: {} } : { form, template: compileTemplate(alias.phrasing), implies: alias.implies },
  ),
]);

export const aliasText = (alias: StateAlias): string => (typeof alias === 'string' ? alias : alias.phrasing);

// --- orders ----------------------------------------------------------------------------------------

export type OrderTarget = (typeof ORDER_TARGETS)[number];

export function isOrderTarget(value: unknown): value is OrderTarget {
  return typeof value === 'string' && (ORDER_TARGETS as readonly string[]).includes(value);
}

function orderTarget(value: string): OrderTarget {
  if (!isOrderTarget(value)) throw new SandboxSessionError(`${value} is not a status a state can put an order in (${ORDER_TARGETS.join(', ')})`);
  return value;
}

export async function findOrder(s: SandboxSession, id: string): Promise<Schemas['Order'] | null> {
  const answer = await s.partner('GET', `/api/v2/orders/${encodeURIComponent(id)}`);
  return answer.status === 200 && answer.body && typeof answer.body === 'object' ? (answer.body as Schemas['Order']) : null;
}

/** Records that `used` plays the entity the pact named `asked` (nothing to record when it named none). */
function standIn(s: SandboxSession, what: string, asked: string | undefined, used: string): void {
  if (asked === undefined) return;
  if (asked !== used) s.notes.push(`${what} ${asked} is not in this tenant as the state needs it: ${used} stands in (it reaches the request only through provider-state injection)`);
  s.aliases.set(asked, used);
}

/** An open, unconfirmed order: the one asked for when it is one, else any (generated and paid when there is none). */
export async function openUnconfirmedOrder(s: SandboxSession, asked?: string): Promise<string> {
  const known = asked === undefined ? undefined : s.aliases.get(asked);
  if (known) return known;
  const named = asked === undefined ? null : await findOrder(s, asked);
  if (asked !== undefined && named?.status === 'open' && named.confirmed === false) {
    s.aliases.set(asked, asked);
    return asked;
  }
  const page = (await s.expectJson<Schemas['OrderList']>(200, 'GET', '/api/v2/orders/unconfirmed?limit=100')).data;
  let id = page.find((o) => o.status === 'open')?.id;
  if (!id) {
    const generated = (await s.expectJson<AdminSchemas['GeneratedOrders']>(201, 'POST', '/__sandbox/orders/generate', { tenant_id: s.tenantId, count: 1 })).orders[0];
    if (!generated) throw new SandboxSessionError('POST /__sandbox/orders/generate generated no order');
    await s.expect(200, 'POST', `/__sandbox/orders/${generated.id}/move`, { tenant_id: s.tenantId, to: 'open' });
    id = generated.id;
  }
  standIn(s, 'order', asked, id);
  return id;
}

export async function orderInStatus(s: SandboxSession, asked: string | undefined, target: OrderTarget): Promise<Provided> {
  const named = asked === undefined ? null : await findOrder(s, asked);
  // "order X is open" means open and confirmed (the partner accepted it); an unconfirmed open order is walked there.
  if (asked !== undefined && named?.status === target && (target !== 'open' || named.confirmed)) {
    s.aliases.set(asked, asked);
    return { order_id: asked, ...(target === 'shipped' ? { shipped_at: statusTime(named, 'shipped') } : {}) };
  }
  const id = await openUnconfirmedOrder(s, asked);
  const patch = (body: Schemas['OrderStatusUpdate']) => s.expectJson<Schemas['Order']>(200, 'PATCH', `/api/v2/orders/${id}/status`, body);
  if (target === 'open') {
    await patch({ confirmed: true });
    return { order_id: id };
  }
  if (target === 'cancelled') {
    await s.expect(200, 'POST', `/__sandbox/orders/${id}/move`, { tenant_id: s.tenantId, to: 'cancelled', reason: 'The customer withdrew the order' });
    return { order_id: id };
  }
  let order = await patch({ status: 'shipping', confirmed: true });
  if (target === 'shipping') return { order_id: id };
  order = await patch({ status: 'shipped', ...TRACKING });
  if (target === 'shipped') return { order_id: id, shipped_at: statusTime(order, 'shipped') };
  await patch({ status: 'delivered', delivered_at: statusTime(order, 'shipped') });
  return { order_id: id };
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

/** A product without variants: the one asked for when it is one, else a live one of the tenant. */
export async function product(s: SandboxSession, asked?: string): Promise<string> {
  const known = asked === undefined ? undefined : s.aliases.get(asked);
  if (known) return known;
  if (asked !== undefined) {
    const named = await s.partner('GET', `/api/v2/products/${encodeURIComponent(asked)}`);
    const variants = named.status === 200 ? (named.body as Partial<Schemas['Product']> | undefined)?.variants : undefined;
    if (Array.isArray(variants) && variants.length === 0) {
      s.aliases.set(asked, asked);
      return asked;
    }
  }
  const page = (await s.expectJson<Schemas['ProductList']>(200, 'GET', '/api/v2/products?limit=100')).data;
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
  const problem = problemOf(first.body);
  if (first.status === 409 && problem.force_token !== undefined) {
    await s.expect(200, 'PUT', path, { price, currency, force_token: problem.force_token });
    return;
  }
  throw new SandboxSessionError(`PUT ${path} answered ${first.status}${refusal(first.body)}`);
}

export async function sku(s: SandboxSession, asked: string): Promise<string> {
  const known = s.aliases.get(asked);
  if (known) return known;
  const named = await s.partner('GET', `/api/v2/inventory/${encodeURIComponent(asked)}`);
  if (named.status === 200) {
    s.aliases.set(asked, asked);
    return asked;
  }
  const first = (await s.expectJson<Schemas['InventoryList']>(200, 'GET', '/api/v2/inventory?limit=1')).data[0]?.sku;
  if (!first) throw new SandboxSessionError('the tenant has no inventory item to stand in');
  standIn(s, 'SKU', asked, first);
  return first;
}

/** The tenant's first inventory item and a location to sync it at (its own first, else the tenant's first). */
export async function firstStock(s: SandboxSession): Promise<{ item: Schemas['InventoryItem']; location: string }> {
  const item = (await s.expectJson<Schemas['InventoryList']>(200, 'GET', '/api/v2/inventory?limit=1')).data[0];
  if (!item) throw new SandboxSessionError('the tenant has no inventory item');
  return { item, location: await locationOf(s, item) };
}

/** Where an item is stocked first, else the tenant's first location. */
export async function locationOf(s: SandboxSession, item: Schemas['InventoryItem']): Promise<string> {
  const own = item.locations[0]?.location_id;
  if (own) return own;
  const first = (await s.expectJson<Schemas['LocationList']>(200, 'GET', '/api/v2/locations')).data[0]?.id;
  if (!first) throw new SandboxSessionError('the tenant has no stock location');
  return first;
}

async function completedSyncJob(s: SandboxSession): Promise<string> {
  const { item, location } = await firstStock(s);
  const jobId = (await s.expectJson<Schemas['JobAccepted']>(202, 'POST', '/api/v2/inventory/sync', { items: [{ sku: item.sku, quantity: item.quantity, location }] })).job_id;
  for (let i = 0; i < 200; i++) {
    const job = await s.expectJson<Schemas['Job']>(200, 'GET', `/api/v2/jobs/${jobId}`);
    if (job.state === 'completed') return jobId;
    if (job.state === 'failed') throw new SandboxSessionError(`inventory sync job ${jobId} failed: ${JSON.stringify(job.errors)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new SandboxSessionError(`inventory sync job ${jobId} did not complete within 2 s`);
}

// --- webhooks ----------------------------------------------------------------------------------------

async function webhookSubscription(s: SandboxSession, asked?: string): Promise<string> {
  const known = asked === undefined ? undefined : s.aliases.get(asked);
  if (known) return known;
  if (asked !== undefined && (await s.partner('GET', `/api/v2/webhooks/${encodeURIComponent(asked)}`)).status === 200) {
    s.aliases.set(asked, asked);
    return asked;
  }
  const created = await s.expectJson<Schemas['WebhookSubscriptionCreated']>(201, 'POST', '/api/v2/webhooks', {
    url: STATE_WEBHOOK_URL,
    events: ['order.*'],
    description: 'created by verify-pact for a provider state',
  });
  standIn(s, 'webhook subscription', asked, created.id);
  return created.id;
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
    data = yamlLibrary().parse(text);
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
    return value.replace(/\$\{([A-Za-z0-9_.-]+)\}/g, (all: string, name: string) => (name in vars ? String(vars[name]) : all));
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
      throw new SandboxSessionError(`step ${i + 1} (${step.method} ${path}) answered ${answer.status}${step.expect ? ` instead of ${step.expect}` : ''}${refusal(answer.body)}`);
    }
    for (const [key, pointer] of Object.entries(step.save ?? {})) vars[key] = pointerGet(answer.body, pointer);
  }
  const provided = substitute(recipe.provides ?? {}, vars) as Provided;
  const saved = Object.fromEntries((recipe.steps ?? []).flatMap((st) => Object.keys(st.save ?? {})).map((k) => [k, vars[k]]));
  return { ...saved, ...provided };
}

// --- resolving -----------------------------------------------------------------------------------------

export type StateSource = { kind: 'states-file'; recipe: StateRecipe } | { kind: 'form'; form: StateForm; values: StateValues };

export class StateResolver {
  constructor(private readonly statesFile: StatesFile | null = null) {}

  /** Where a state's setup comes from; null when nothing knows it. */
  find(name: string): StateSource | null {
    const recipe = this.statesFile ? Object.hasOwn(this.statesFile.states, name) && this.statesFile.states[name] : undefined;
    if (recipe) return { kind: 'states-file', recipe };
    return findForm(name);
  }

  /** Makes one state true for the session's tenant; merges what it provides into `session.provided`. */
  async setUp(session: SandboxSession, state: ProviderState): Promise<Provided> {
    const source = this.find(state.name);
    if (!source) throw new SandboxSessionError(unknownStateMessage(state.name, this.statesFile));
    const provided =
      source.kind === 'states-file' ? await runRecipe(session, state.name, source.recipe, state.params) : await source.form.setUp(session, source.values, state.params);
    session.provided = { ...session.provided, ...provided };
    return provided;
  }
}

/** The form a name is of, by its first matching phrasing (form or alias), with the values it gives. */
export function findForm(name: string): { kind: 'form'; form: StateForm; values: StateValues } | null {
  for (const phrasing of STATE_PHRASINGS) {
    const values = matchTemplate(phrasing.template, name);
    if (values) return { kind: 'form', form: phrasing.form, values: { ...phrasing.implies, ...values } };
  }
  return null;
}

/** What a form needs, for a partner: "order_id (an order's id) and status (an order status (open, …))". */
export function parametersOf(form: StateForm): { name: ParameterName; means: string }[] {
  return compileTemplate(form.form).parameters.map((name) => ({ name, means: STATE_PARAMETERS[name].means }));
}

/**
 * Why a state is unknown, with the nearest known phrasing (a form, one of its aliases, or a state
 * of the states file) when one is close. The list of every form is not repeated here: the report
 * prints it once (knownStateForms).
 */
export function unknownStateMessage(name: string, statesFile: StatesFile | null): string {
  const phrasings: Phrasing<StateForm | string>[] = [
    ...STATE_PHRASINGS.map((p) => ({ text: p.template.text, of: p.form, template: true })),
    ...Object.keys(statesFile?.states ?? {}).map((state) => ({ text: state, of: state, template: false })),
  ];
  const nearest = nearestPhrasing(name, phrasings);
  const lines = [`unknown provider state "${name}": the sandbox does not know how to make it true${statesFile ? ' (it is not in the states file either)' : ''}.`];
  if (nearest && typeof nearest.of === 'string') {
    lines.push(`Did you mean "${nearest.of}" (in the states file)?`);
  } else if (nearest && typeof nearest.of !== 'string') {
    const form = nearest.of;
    const parameters = parametersOf(form);
    const needs = parameters.length ? `it needs ${parameters.map((p) => `${p.name} (${p.means})`).join(' and ')}` : 'it needs no parameters';
    lines.push(`Did you mean "${form.form}"? ${needs[0]!.toUpperCase()}${needs.slice(1)}, e.g. "${form.example}".`);
  } else {
    lines.push('No known form is close to it.');
  }
  lines.push('Name it by one of the known forms (listed once at the end of the report), or describe it in a states file (--states FILE).');
  return lines.join('\n');
}

/** A form as the report lists it. */
export interface KnownStateForm {
  form: string;
  aliases: string[];
  example: string;
  parameters: { name: string; means: string }[];
}

export function knownStateForms(): KnownStateForm[] {
  return STATE_FORMS.map((form) => ({ form: form.form, aliases: form.aliases.map(aliasText), example: form.example, parameters: parametersOf(form) }));
}
