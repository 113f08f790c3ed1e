// Every state change in the domain emits its event: this test walks every operation that can write
// (each partner-API operation that is not a read, plus the control-API operations that move orders),
// compares the tenant's state before and after, and fails when a part of the state changed without an
// event of its family. An operation added to the spec without an entry here fails the suite too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ean13CheckDigit } from '../../src/domain/ean.ts';
import type { Product, TenantState } from '../../src/domain/types.ts';
import type { SandboxEvent } from '../../src/events/bus.ts';
import { startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { waitUntil } from '../support/webhook-receiver.ts';

/** Which events announce a change to each part of the tenant state. */
const EVENT_FAMILIES: Record<keyof TenantState, string[] | { exempt: string }> = {
  orders: ['order.'],
  // A new SKU (product or variant) comes with its empty stock record.
  inventory: ['inventory.', 'product.created', 'product.updated'],
  reservations: ['inventory.'],
  // Stock mirrors into availability.in_stock, which inventory.* announces.
  products: ['product.', 'price.', 'inventory.'],
  pricing: ['price.', 'product.'],
  shipments: ['shipment.'],
  returns: ['return.'],
  jobs: ['job.'],
  categories: [],
  brands: [],
  labels: [],
  locations: [],
  webhooks: { exempt: 'subscription settings of the partner itself, not marketplace events' },
  deliveries: { exempt: 'the delivery log of events already emitted' },
  webhook_outbox: { exempt: 'the delivery queue of events already emitted' },
  marketplace: { exempt: 'rules and watch start of the marketplace\'s own moves (control API)' },
  webhook_policy: { exempt: 'the retry schedule a scenario gives the tenant (control API)' },
  event_sequences: { exempt: 'the numbering of events already emitted' },
  event_feed: { exempt: 'the feed of events already emitted' },
  webhook_quota: { exempt: 'the count of deliveries of events already emitted' },
  idempotency: { exempt: 'answers remembered under Idempotency-Key, not a change of the world' },
};

/** Mutating operations whose effect is outside the tenant's domain state. */
const OUTSIDE_DOMAIN: Record<string, string> = {
  createToken: 'issues OAuth credentials',
  decideAuthorization: 'issues an authorization code (OAuth credentials)',
  setClock: 'switches the clock mode (a tenant setting)',
};

type Step = { method: string; path: string; body?: unknown; form?: Record<string, string>; admin?: boolean };

let sb: TestSandbox;
let product: Product;
let variantProduct: Product;
let draftProduct: Product | undefined;
let webhookId: string;
let reservationId: string;
const state = () => sb.store.tenant('ten_nordwind')!.state;
const orderIn = (status: string, confirmed?: boolean) =>
  Object.values(state().orders).find((o) => o.status === status && (confirmed === undefined || o.confirmed === confirmed))!;

/** A variant that differs from the existing ones on the product's variant parameters. */
function newVariant(p: Product) {
  const category = state().categories.find((c) => c.id === p.category_id)!;
  const axes = p.variant_parameters.map((name) => category.parameters.find((x) => x.name === name)!);
  const combos = axes.reduce<Record<string, string>[]>((acc, axis) => acc.flatMap((c) => (axis.values ?? []).map((v) => ({ ...c, [axis.name]: v }))), [{}]);
  const parameters = combos.find((c) => !p.variants.some((v) => axes.every((a) => v.parameters[a.name] === c[a.name])))!;
  const first12 = `40${String(Date.now()).slice(-10)}`;
  return { sku: `wv-${Date.now() % 1e8}`, ean: `${first12}${ean13CheckDigit(first12)}`, parameters, price: p.variants[0]!.price };
}

// One request per writing operation, in an order where each finds what it needs.
const steps: Record<string, () => Step> = {
  createToken: () => ({ method: 'POST', path: '/oauth/token', form: { grant_type: 'client_credentials', client_id: 'cli_nordwind_erp', client_secret: 'cs_test_nordwind_3c7e1a9f5b2d8e46' } }),
  decideAuthorization: () => ({
    method: 'POST',
    path: '/oauth/authorize',
    form: { decision: 'approve', response_type: 'code', client_id: 'cli_nordwind_erp', redirect_uri: 'http://localhost:3000/callback', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' },
  }),
  createProduct: () => ({
    method: 'POST',
    path: '/api/v2/products',
    body: { sku: 'walk-1', title: 'Event walk product', brand_id: product.brand_id, category_id: product.category_id, ean: '4006381333931', price: 19.99, parameters: product.parameters },
  }),
  updateProduct: () => ({ method: 'PATCH', path: `/api/v2/products/${product.id}`, body: { title: 'Renamed by the event walk' } }),
  replaceProduct: () => ({
    method: 'PUT',
    path: `/api/v2/products/${product.id}`,
    body: { title: 'Replaced by the event walk', brand_id: product.brand_id, category_id: product.category_id, ean: product.ean, parameters: product.parameters, variant_parameters: product.variant_parameters },
  }),
  createProductVariant: () => ({ method: 'POST', path: `/api/v2/products/${variantProduct.id}/variants`, body: newVariant(variantProduct) }),
  updateProductPrice: () => ({ method: 'PUT', path: `/api/v2/products/${product.id}/price`, body: { price: Math.round(product.price * 110) / 100 } }),
  updateVariantPrice: () => ({
    method: 'PUT',
    path: `/api/v2/products/${variantProduct.id}/variants/${variantProduct.variants[0]!.id}/price`,
    body: { price: Math.round(variantProduct.variants[0]!.price * 110) / 100 },
  }),
  createProductsBulk: () => ({
    method: 'POST',
    path: '/api/v2/products/bulk',
    body: { products: [{ sku: 'walk-bulk', title: 'Bulk', brand_id: product.brand_id, category_id: product.category_id, ean: '96385074', price: 9.99, parameters: product.parameters }] },
  }),
  activateProducts: () => ({ method: 'POST', path: '/api/v2/products/activate', body: { product_ids: [(draftProduct ?? product).id] } }),
  updateAvailability: () => ({ method: 'POST', path: '/api/v2/availability', body: { items: [{ id: product.id, status: 'active', in_stock: 3 }] } }),
  updateInventoryItem: () => ({ method: 'PATCH', path: `/api/v2/inventory/${product.sku}`, body: { quantity: 12, location: 'loc_hamburg' } }),
  syncInventory: () => ({ method: 'POST', path: '/api/v2/inventory/sync', body: { items: [{ sku: product.sku, quantity: 9, location: 'loc_berlin' }] } }),
  reserveInventory: () => ({ method: 'POST', path: '/api/v2/inventory/reserve', body: { sku: product.sku, quantity: 1, ttl_seconds: 600 } }),
  releaseInventory: () => ({ method: 'POST', path: '/api/v2/inventory/release', body: { reservation_id: reservationId } }),
  updateOrderStatus: () => ({ method: 'PATCH', path: `/api/v2/orders/${orderIn('open', false).id}/status`, body: { status: 'shipping', confirmed: true } }),
  cancelOrder: () => ({ method: 'POST', path: `/api/v2/orders/${orderIn('open').id}/cancel`, body: { reason: 'out of stock' } }),
  createShipment: () => ({
    method: 'POST',
    path: `/api/v2/orders/${orderIn('shipped').id}/shipments`,
    body: { carrier: 'DHL', tracking_number: 'JJD0099887766', tracking_url: 'https://tracking.example/DHL/JJD0099887766' },
  }),
  updateReturn: () => ({ method: 'PATCH', path: `/api/v2/returns/${Object.values(state().returns).find((r) => r.status === 'announced')!.id}`, body: { status: 'received' } }),
  // A GraphQL mutation runs the REST operation it names, so it announces what that one does (before the
  // subscription below, so its product.updated queues no delivery the redeliver step could pick).
  queryGraphql: () => ({ method: 'POST', path: '/graphql', body: { query: `mutation { update_product(id: "${product.id}", input: {title: "Renamed through GraphQL"}) { id title } }` } }),
  createWebhook: () => ({ method: 'POST', path: '/api/v2/webhooks', body: { url: 'http://127.0.0.1:9/walk', events: ['product.*'] } }),
  updateWebhook: () => ({ method: 'PATCH', path: `/api/v2/webhooks/${webhookId}`, body: { description: 'walked' } }),
  pingWebhook: () => ({ method: 'POST', path: `/api/v2/webhooks/${webhookId}/ping` }),
  redeliverWebhookDelivery: () => {
    const delivery = Object.values(state().deliveries).find((d) => d.subscription_id === webhookId)!;
    return { method: 'POST', path: `/api/v2/webhooks/${webhookId}/deliveries/${delivery.id}/redeliver` };
  },
  deleteWebhook: () => ({ method: 'DELETE', path: `/api/v2/webhooks/${webhookId}` }),
  deleteProduct: () => ({ method: 'DELETE', path: `/api/v2/products/${product.id}` }),
  // Control API: the marketplace's own order changes.
  generateOrders: () => ({ method: 'POST', path: '/__sandbox/orders/generate', body: { count: 2 }, admin: true }),
  advanceClock: () => ({ method: 'POST', path: '/__sandbox/clock/advance', body: { seconds: 3600 }, admin: true }),
  moveOrderAsMarketplace: () => ({ method: 'POST', path: `/__sandbox/orders/${orderIn('shipping').id}/move`, body: { to: 'cancelled' }, admin: true }),
  updateOrderRules: () => ({ method: 'PUT', path: '/__sandbox/orders/rules', body: { lost_share: 0.1 }, admin: true }),
  moveShipmentAsCarrier: () => ({
    method: 'POST',
    path: `/__sandbox/shipments/${Object.values(state().shipments).find((s) => s.status === 'in_transit')!.id}/move`,
    body: { to: 'delayed' },
    admin: true,
  }),
  setClock: () => ({ method: 'PUT', path: '/__sandbox/clock', body: { mode: 'manual' }, admin: true }),
};
const ADMIN_ORDER_OPERATIONS = ['generateOrders', 'advanceClock', 'moveOrderAsMarketplace', 'moveShipmentAsCarrier', 'updateOrderRules', 'setClock'];

beforeAll(async () => {
  sb = await startSandbox({ clock: { mode: 'manual', factor: 1 }, webhooks: { retryScale: 0.001 } });
  const products = Object.values(state().products);
  product = products.find((p) => p.variants.length === 0 && p.status === 'live')!;
  variantProduct = products.find((p) => p.variants.length > 0 && p.status === 'live' && p.variant_parameters.length > 0)!;
  draftProduct = products.find((p) => p.status === 'draft' && p.deleted_at === null);
  const hook = await sb.call('POST', '/api/v2/webhooks', { body: { url: 'http://127.0.0.1:9/walk', events: ['order.*'] } });
  webhookId = hook.body.id;
  reservationId = (await sb.call('POST', '/api/v2/inventory/reserve', { body: { sku: product.sku, quantity: 1 } })).body.id;
});
afterAll(() => sb.close());

const snapshot = (): Record<string, string> => Object.fromEntries(Object.entries(state()).map(([k, v]) => [k, JSON.stringify(v)]));

describe('every state change emits its event', () => {
  it('has a step for every writing operation', () => {
    const writing = sb.api.operations.filter((op) => op.method !== 'get' && op.method !== 'head').map((op) => op.operationId);
    expect(writing.filter((id) => !steps[id]), 'add a step for these operations (and emit an event for what they change)').toEqual([]);
    const admin = sb.admin.operations.map((op) => op.operationId);
    expect(ADMIN_ORDER_OPERATIONS.filter((id) => !admin.includes(id))).toEqual([]);
  });

  for (const [operationId, step] of Object.entries(steps)) {
    it(`${operationId}: what it changes, it announces`, async () => {
      const r = step();
      const events: SandboxEvent[] = [];
      const stop = sb.events.subscribe((e) => events.push(e));
      const before = snapshot();
      const res = await (r.admin ? sb.control(r.method, r.path, r.body) : sb.call(r.method, r.path, { body: r.body, form: r.form }));
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(200);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(400); // the consent form answers 303, back to the app
      if (operationId === 'createWebhook') webhookId = res.body.id;
      // Jobs finish off the request path; their events come when they do.
      if (res.status === 202 && res.body?.job_id) await waitUntil(() => events.some((e) => e.event === 'job.completed'), 5000);
      await new Promise((resolve) => setImmediate(resolve));
      stop();

      const after = snapshot();
      const changed = Object.keys(after).filter((key) => after[key] !== before[key]);
      if (OUTSIDE_DOMAIN[operationId]) return;
      expect(changed, `${operationId} changed nothing: the step is not a real write`).not.toEqual([]);
      for (const key of changed) {
        const family = EVENT_FAMILIES[key as keyof TenantState];
        expect(family, `tenant state "${key}" is new: add it to EVENT_FAMILIES with the events that announce its changes`).toBeDefined();
        if (!Array.isArray(family)) continue;
        const announced = events.filter((e) => family.some((prefix) => e.event.startsWith(prefix)));
        expect(announced.map((e) => e.event), `${operationId} changed "${key}" without a ${family.join(' / ') || '(any)'} event; emitted: ${events.map((e) => e.event).join(', ') || 'nothing'}`).not.toEqual([]);
      }
    });
  }
});
