// Calls every operation of specs/marketplace.openapi.yaml once with a realistic request and
// checks the answer is one the spec documents. The sandbox runs in strict mode, so a body that
// does not match its schema would come back as 500 response_contract_violation and fail here.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Order, Product } from '../../src/domain/types.ts';
import { findResponse } from '../../src/contract/operations.ts';
import { startSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
let product: Product;
let variantProduct: Product;
let order: Order;
let shippedOrder: Order;
let returnId: string;
let webhookId: string;
let jobId: string;
let reservationId: string;

beforeAll(async () => {
  sb = await startSandbox();
  const state = sb.store.listTenants()[0]!.state;
  const products = Object.values(state.products);
  product = products.find((p) => p.variants.length === 0 && p.status === 'live')!;
  variantProduct = products.find((p) => p.variants.length > 0)!;
  const orders = Object.values(state.orders);
  order = orders.find((o) => o.status === 'open')!;
  shippedOrder = orders.find((o) => o.status === 'shipped')!;
  returnId = Object.values(state.returns).find((r) => r.status === 'announced')!.id;
  const hook = await sb.call('POST', '/api/v2/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['order.*'] } });
  webhookId = hook.body.id;
  const sync = await sb.call('POST', '/api/v2/inventory/sync', { body: { items: [{ sku: product.sku, quantity: 7, location: 'loc_berlin' }] } });
  jobId = sync.body.job_id;
  const res = await sb.call('POST', '/api/v2/inventory/reserve', { body: { sku: product.sku, quantity: 1 } });
  reservationId = res.body.id;
});

type Request = { method: string; path: string; body?: unknown; form?: Record<string, string>; expect: number };

// One realistic request per operationId. A new operation in the spec without an entry here fails the suite.
const requests: Record<string, () => Request> = {
  createToken: () => ({ method: 'POST', path: '/oauth/token', form: { grant_type: 'client_credentials', client_id: 'cli_nordwind_erp', client_secret: 'cs_test_nordwind_3c7e1a9f5b2d8e46' }, expect: 200 }),
  authorizeApp: () => ({
    method: 'GET',
    path: `/oauth/authorize?response_type=code&client_id=cli_nordwind_erp&redirect_uri=${encodeURIComponent('http://localhost:3000/callback')}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`,
    expect: 200,
  }),
  decideAuthorization: () => ({
    method: 'POST',
    path: '/oauth/authorize',
    form: { decision: 'approve', response_type: 'code', client_id: 'cli_nordwind_erp', redirect_uri: 'http://localhost:3000/callback', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' },
    expect: 303,
  }),
  listProducts: () => ({ method: 'GET', path: '/api/v2/products?limit=5&in_stock=true', expect: 200 }),
  createProduct: () => ({
    method: 'POST',
    path: '/api/v2/products',
    body: {
      sku: 'every-op-1',
      title: 'Every operation test product',
      brand_id: product.brand_id,
      category_id: product.category_id,
      ean: '4006381333931',
      price: 19.99,
      parameters: product.parameters,
    },
    expect: 201,
  }),
  getProduct: () => ({ method: 'GET', path: `/api/v2/products/${product.id}`, expect: 200 }),
  updateProduct: () => ({ method: 'PATCH', path: `/api/v2/products/${product.id}`, body: { title: 'Renamed by the contract test' }, expect: 200 }),
  replaceProduct: () => ({
    method: 'PUT',
    path: `/api/v2/products/${product.id}`,
    body: { title: 'Replaced by the contract test', brand_id: product.brand_id, category_id: product.category_id, ean: product.ean, parameters: product.parameters },
    expect: 200,
  }),
  deleteProduct: () => ({ method: 'DELETE', path: `/api/v2/products/${Object.values(sb.store.listTenants()[0]!.state.products).at(-1)!.id}`, expect: 204 }),
  listProductVariants: () => ({ method: 'GET', path: `/api/v2/products/${variantProduct.id}/variants`, expect: 200 }),
  createProductVariant: () => ({
    method: 'POST',
    path: `/api/v2/products/${variantProduct.id}/variants`,
    body: { sku: 'every-op-var', ean: '5901234123457', parameters: {}, price: 12.5 },
    expect: 400, // an empty parameter set cannot differ from the existing variants
  }),
  getProductVariant: () => ({ method: 'GET', path: `/api/v2/products/${variantProduct.id}/variants/${variantProduct.variants[0]!.id}`, expect: 200 }),
  updateProductPrice: () => ({ method: 'PUT', path: `/api/v2/products/${product.id}/price`, body: { price: product.price }, expect: 200 }),
  updateVariantPrice: () => ({
    method: 'PUT',
    path: `/api/v2/products/${variantProduct.id}/variants/${variantProduct.variants[0]!.id}/price`,
    body: { price: variantProduct.variants[0]!.price },
    expect: 200,
  }),
  getPriceHistory: () => ({ method: 'GET', path: `/api/v2/products/${variantProduct.id}/price-history`, expect: 200 }),
  createProductsBulk: () => ({
    method: 'POST',
    path: '/api/v2/products/bulk',
    body: { products: [{ sku: 'every-op-bulk', title: 'Bulk', brand_id: product.brand_id, category_id: product.category_id, ean: '96385074', price: 9.99, parameters: product.parameters }] },
    expect: 202,
  }),
  activateProducts: () => ({ method: 'POST', path: '/api/v2/products/activate', body: { product_ids: [product.id] }, expect: 200 }),
  updateAvailability: () => ({ method: 'POST', path: '/api/v2/availability', body: { items: [{ id: product.id, status: 'active', in_stock: 3 }] }, expect: 200 }),
  listInventory: () => ({ method: 'GET', path: '/api/v2/inventory?location=loc_berlin', expect: 200 }),
  getInventoryItem: () => ({ method: 'GET', path: `/api/v2/inventory/${product.sku}`, expect: 200 }),
  updateInventoryItem: () => ({ method: 'PATCH', path: `/api/v2/inventory/${product.sku}`, body: { quantity: 12, location: 'loc_hamburg' }, expect: 200 }),
  syncInventory: () => ({ method: 'POST', path: '/api/v2/inventory/sync', body: { items: [{ sku: product.sku, quantity: 9, location: 'loc_berlin' }] }, expect: 202 }),
  reserveInventory: () => ({ method: 'POST', path: '/api/v2/inventory/reserve', body: { sku: product.sku, quantity: 1, ttl_seconds: 60 }, expect: 201 }),
  releaseInventory: () => ({ method: 'POST', path: '/api/v2/inventory/release', body: { reservation_id: reservationId }, expect: 200 }),
  getReservation: () => ({ method: 'GET', path: `/api/v2/inventory/reservations/${reservationId}`, expect: 200 }),
  getJob: () => ({ method: 'GET', path: `/api/v2/jobs/${jobId}`, expect: 200 }),
  listLocations: () => ({ method: 'GET', path: '/api/v2/locations', expect: 200 }),
  listOrders: () => ({ method: 'GET', path: '/api/v2/orders?status=open&status=shipped&limit=3', expect: 200 }),
  listUnconfirmedOrders: () => ({ method: 'GET', path: '/api/v2/orders/unconfirmed', expect: 200 }),
  getOrder: () => ({ method: 'GET', path: `/api/v2/orders/${order.id}`, expect: 200 }),
  updateOrderStatus: () => ({ method: 'PATCH', path: `/api/v2/orders/${order.id}/status`, body: { status: 'shipping', confirmed: true }, expect: 200 }),
  cancelOrder: () => ({ method: 'POST', path: `/api/v2/orders/${order.id}/cancel`, body: { reason: 'out of stock' }, expect: 200 }),
  listOrderShipments: () => ({ method: 'GET', path: `/api/v2/orders/${shippedOrder.id}/shipments`, expect: 200 }),
  createShipment: () => ({
    method: 'POST',
    path: `/api/v2/orders/${shippedOrder.id}/shipments`,
    body: { carrier: 'DHL', tracking_number: 'JJD0099887766', tracking_url: 'https://tracking.example/DHL/JJD0099887766' },
    expect: 201,
  }),
  getShipment: () => ({ method: 'GET', path: `/api/v2/shipments/${Object.keys(sb.store.listTenants()[0]!.state.shipments)[0]}`, expect: 200 }),
  listReturns: () => ({ method: 'GET', path: '/api/v2/returns', expect: 200 }),
  listPayments: () => ({ method: 'GET', path: `/api/v2/payments?order_id=${order.id}`, expect: 200 }),
  getPayment: () => ({ method: 'GET', path: `/api/v2/payments/pay_${order.id.slice(4)}`, expect: 200 }),
  listRefunds: () => ({ method: 'GET', path: '/api/v2/refunds', expect: 200 }),
  getRefund: () => ({ method: 'GET', path: '/api/v2/refunds/rfd_nothere1', expect: 404 }),
  listReceipts: () => ({ method: 'GET', path: '/api/v2/receipts', expect: 200 }),
  getReceipt: () => ({ method: 'GET', path: '/api/v2/receipts/rcp_nothere1', expect: 404 }),
  listPayouts: () => ({ method: 'GET', path: '/api/v2/payouts', expect: 200 }),
  getPayout: () => ({ method: 'GET', path: '/api/v2/payouts/po_19990104', expect: 404 }),
  getReturn: () => ({ method: 'GET', path: `/api/v2/returns/${returnId}`, expect: 200 }),
  updateReturn: () => ({ method: 'PATCH', path: `/api/v2/returns/${returnId}`, body: { status: 'received' }, expect: 200 }),
  listCategories: () => ({ method: 'GET', path: '/api/v2/categories', expect: 200 }),
  getCategory: () => ({ method: 'GET', path: `/api/v2/categories/${product.category_id}`, expect: 200 }),
  listBrands: () => ({ method: 'GET', path: '/api/v2/brands?limit=3', expect: 200 }),
  getBrand: () => ({ method: 'GET', path: `/api/v2/brands/${product.brand_id}`, expect: 200 }),
  listLabels: () => ({ method: 'GET', path: '/api/v2/labels', expect: 200 }),
  listWebhooks: () => ({ method: 'GET', path: '/api/v2/webhooks', expect: 200 }),
  createWebhook: () => ({ method: 'POST', path: '/api/v2/webhooks', body: { url: 'http://127.0.0.1:9/other', events: ['product.*'] }, expect: 201 }),
  getWebhook: () => ({ method: 'GET', path: `/api/v2/webhooks/${webhookId}`, expect: 200 }),
  updateWebhook: () => ({ method: 'PATCH', path: `/api/v2/webhooks/${webhookId}`, body: { active: false }, expect: 200 }),
  deleteWebhook: () => ({ method: 'DELETE', path: `/api/v2/webhooks/${webhookId}`, expect: 204 }),
  pingWebhook: () => ({ method: 'POST', path: `/api/v2/webhooks/${webhookId}/ping`, expect: 202 }),
  listWebhookDeliveries: () => ({ method: 'GET', path: `/api/v2/webhooks/${webhookId}/deliveries`, expect: 200 }),
  listEvents: () => ({ method: 'GET', path: '/api/v2/events?type=order.*&limit=5', expect: 200 }),
  streamEvents: () => ({ method: 'GET', path: '/api/v2/events/stream?type=order.*', expect: 200 }),
  queryGraphql: () => ({ method: 'POST', path: '/graphql', body: { query: `{ product(id: "${product.id}") { id title brand { name } } orders(first: 2) { total_count } }` }, expect: 200 }),
  queryGraphqlGet: () => ({ method: 'GET', path: `/graphql?query=${encodeURIComponent('{ labels { id name } }')}`, expect: 200 }),
  redeliverWebhookDelivery: () => {
    // The ping above queued a delivery to this (unreachable) receiver.
    const delivery = Object.values(sb.store.listTenants()[0]!.state.deliveries).find((d) => d.subscription_id === webhookId)!;
    return { method: 'POST', path: `/api/v2/webhooks/${webhookId}/deliveries/${delivery.id}/redeliver`, expect: 202 };
  },
};

describe('every operation of the spec', () => {
  it('has a request in this test', () => {
    const missing = sb.api.operations.map((op) => op.operationId).filter((id) => !requests[id]);
    expect(missing).toEqual([]);
  });

  // Order matters a little: deletes run last so the ids above stay valid.
  const order = Object.keys(requests).sort((a, b) => Number(a.startsWith('delete')) - Number(b.startsWith('delete')));
  for (const operationId of order) {
    it(`${operationId} answers a documented, schema-valid response`, async () => {
      const r = requests[operationId]!();
      const result = await sb.call(r.method, r.path, { body: r.body, form: r.form });
      const op = sb.api.operations.find((o) => o.operationId === operationId)!;
      expect(findResponse(op, result.status), `${result.status} documented`).toBeDefined();
      expect(result.body?.code, JSON.stringify(result.body)).not.toBe('response_contract_violation');
      expect(result.status, JSON.stringify(result.body)).toBe(r.expect);
    });
  }
});
