// Price protection through the partner API and the control API: the force-token round trip, each
// way a token can be wrong, expiry on the tenant's sandbox clock, the per-tenant threshold, campaign
// locks, the price history and the price.updated events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockNow } from '../../src/clock/clock.ts';
import type { Product } from '../../src/domain/types.ts';
import { expectProblem, KEY_B, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { advance, recordEvents, simpleProduct, stateOf, tenantOf, variantProduct } from './helpers.ts';

// One sandbox for the file; each test works on products of its own (simpleProduct(state, n)).
let sb: TestSandbox;
let recorder: ReturnType<typeof recordEvents>;
const MINUTE = 60_000;

beforeAll(async () => {
  sb = await startSandbox();
  recorder = recordEvents(sb);
});
afterAll(() => recorder.stop());

const own = (n: number): Product => simpleProduct(stateOf(sb), n);

const priceOf = (p: Product) => `/api/v2/products/${p.id}/price`;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Asks for a change above the threshold and returns the 409's force token. */
async function tokenFor(path: string, price: number): Promise<string> {
  const res = await sb.call('PUT', path, { body: { price } });
  return expectProblem(res, 409, 'price_change_requires_confirmation').force_token;
}

describe('force token round trip', () => {
  it('applies changes up to 30 % at once, refuses more with a token, applies it with the token, once', async () => {
    const product = own(0);
    const start = product.price;
    const plus30 = Math.floor(start * 130) / 100; // exactly 30 % or just under, in cents
    const small = await sb.call('PUT', priceOf(product), { body: { price: plus30 } });
    expect(small.status, JSON.stringify(small.body)).toBe(200);
    expect(small.body).toMatchObject({ item_id: product.id, price: plus30, previous_price: start });
    const over = expectProblem(await sb.call('PUT', priceOf(product), { body: { price: round2(plus30 * 1.3 + 0.02) } }), 409, 'price_change_requires_confirmation');
    expect(over.change_ratio).toBeGreaterThan(0.3);

    const current = small.body.price;
    const wanted = round2(current * 0.5);
    const refused = expectProblem(await sb.call('PUT', priceOf(product), { body: { price: wanted } }), 409, 'price_change_requires_confirmation');
    expect(refused).toMatchObject({ current_price: current, requested_price: wanted, threshold_percent: 30 });
    expect(refused.change_ratio).toBeCloseTo(0.5, 3);
    expect(refused.force_token).toMatch(/^pct_/);
    expect(Date.parse(refused.force_token_expires_at) - clockNow(tenantOf(sb).clock).getTime()).toBeGreaterThan(14 * MINUTE);
    expect((await sb.call('GET', `/api/v2/products/${product.id}`)).body.price).toBe(current);
    // Asking again for the same change gives the same token back.
    expect(await tokenFor(priceOf(product), wanted)).toBe(refused.force_token);

    const applied = await sb.call('PUT', priceOf(product), { body: { price: wanted, force_token: refused.force_token } });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body).toMatchObject({ price: wanted, previous_price: current });
    expect((await sb.call('GET', `/api/v2/products/${product.id}`)).body.price).toBe(wanted);

    const reused = expectProblem(await sb.call('PUT', priceOf(product), { body: { price: wanted, force_token: refused.force_token } }), 400, 'force_token_already_used');
    expect(reused.errors[0].pointer).toBe('/body/force_token');

    const events = recorder.of('price.updated').filter((e) => e.data.item_id === product.id);
    expect(events.map((e) => [e.data.previous_price, e.data.price, e.data.source])).toEqual([
      [start, current, 'price_endpoint'],
      [current, wanted, 'force_token'],
    ]);
  });

  it('takes the token as ?force_token= too, on variant prices as well', async () => {
    const vp = variantProduct(stateOf(sb), 0);
    const variant = vp.variants[0]!;
    const path = `/api/v2/products/${vp.id}/variants/${variant.id}/price`;
    const wanted = round2(variant.price * 2);
    const token = await tokenFor(path, wanted);
    const applied = await sb.call('PUT', `${path}?force_token=${token}`, { body: { price: wanted } });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body).toMatchObject({ item_id: variant.id, product_id: vp.id, variant_id: variant.id, price: wanted });
    const again = expectProblem(await sb.call('PUT', `${path}?force_token=${token}`, { body: { price: wanted } }), 400, 'force_token_already_used');
    expect(again.errors[0].pointer).toBe('/query/force_token');
  });

  it('expires a token after 15 minutes of sandbox time', async () => {
    const product = own(1);
    const wanted = round2(product.price * 3);
    const token = await tokenFor(priceOf(product), wanted);
    advance(sb, 14 * MINUTE + 59_000);
    const fresh = await tokenFor(priceOf(product), round2(product.price * 4)); // another change, another token
    advance(sb, 2_000);
    const expired = expectProblem(await sb.call('PUT', priceOf(product), { body: { price: wanted, force_token: token } }), 400, 'force_token_expired');
    expect(expired.detail).toMatch(/15 minutes of sandbox time/);
    // A new request for the expired change gets a new token that works.
    const renewed = await tokenFor(priceOf(product), wanted);
    expect(renewed).not.toBe(token);
    expect((await sb.call('PUT', priceOf(product), { body: { price: wanted, force_token: renewed } })).status).toBe(200);
    expect(fresh).toMatch(/^pct_/);
  });

  it('tells a wrong token, a token for another item and a token for another price apart', async () => {
    const product = own(2);
    const other = own(3);
    const wanted = round2(product.price * 3);
    const token = await tokenFor(priceOf(product), wanted);

    expectProblem(await sb.call('PUT', priceOf(product), { body: { price: wanted, force_token: 'pct_madeup' } }), 400, 'force_token_invalid');
    const elsewhere = expectProblem(await sb.call('PUT', priceOf(other), { body: { price: wanted, force_token: token } }), 400, 'force_token_invalid');
    expect(elsewhere.detail).toContain(product.id);
    const mismatch = expectProblem(await sb.call('PUT', priceOf(product), { body: { price: wanted + 1, force_token: token } }), 400, 'force_token_price_mismatch');
    expect(mismatch).toMatchObject({ token_price: wanted, requested_price: wanted + 1 });
    const currency = expectProblem(await sb.call('PUT', priceOf(product), { body: { price: wanted, currency: 'USD', force_token: token } }), 400);
    expect(currency.code).toBe('force_token_price_mismatch');
    const twoTokens = expectProblem(await sb.call('PUT', `${priceOf(product)}?force_token=pct_other`, { body: { price: wanted, force_token: token } }), 400, 'validation_failed');
    expect(twoTokens.errors[0].pointer).toBe('/query/force_token');
    // None of that used the token up.
    expect((await sb.call('PUT', priceOf(product), { body: { price: wanted, force_token: token } })).status).toBe(200);
  });

  it('keeps tokens per tenant: another partner cannot use one', async () => {
    const product = own(4);
    const token = await tokenFor(priceOf(product), round2(product.price * 3));
    const otherTenantProduct = simpleProduct(stateOf(sb, 'ten_suedhafen'));
    const res = await sb.call('PUT', priceOf(otherTenantProduct), { key: KEY_B, body: { price: round2(product.price * 3), force_token: token } });
    expectProblem(res, 400, 'force_token_invalid');
  });

  it('answers an unchanged price with 200 and no event', async () => {
    const product = own(5);
    const res = await sb.call('PUT', priceOf(product), { body: { price: product.price } });
    expect(res.status).toBe(200);
    expect(recorder.of('price.updated').filter((e) => e.data.item_id === product.id)).toHaveLength(0);
  });
});

describe('threshold per tenant (control API)', () => {
  it('reads 30 % by default, changes per tenant, and applies to the next change', async () => {
    const read = await sb.control('GET', '/__sandbox/tenants/ten_nordwind/price-protection');
    expect(read.body).toEqual({ tenant_id: 'ten_nordwind', threshold_percent: 30, force_token_ttl_seconds: 900 });
    const set = await sb.control('PUT', '/__sandbox/tenants/ten_nordwind/price-protection', { threshold_percent: 50 });
    expect(set.body.threshold_percent).toBe(50);

    const product = own(6);
    expect((await sb.call('PUT', priceOf(product), { body: { price: round2(product.price * 1.45) } })).status).toBe(200);
    const other = simpleProduct(stateOf(sb, 'ten_suedhafen'));
    const b = await sb.call('PUT', priceOf(other), { key: KEY_B, body: { price: round2(other.price * 1.45) } });
    expect(expectProblem(b, 409, 'price_change_requires_confirmation').threshold_percent).toBe(30);

    expectProblem(await sb.control('PUT', '/__sandbox/tenants/ten_nordwind/price-protection', { threshold_percent: -1 }), 400, 'validation_failed');
    expectProblem(await sb.control('GET', '/__sandbox/tenants/ten_nobody/price-protection'), 404, 'not_found');
    await sb.control('PUT', '/__sandbox/tenants/ten_nordwind/price-protection', { threshold_percent: 30 });
  });
});

describe('campaign prices (control API)', () => {
  it('lock an item at force_price: partner changes answer 409 price_locked until the campaign ends', async () => {
    const product = own(7);
    const endsAt = new Date(clockNow(tenantOf(sb).clock).getTime() + 60 * MINUTE).toISOString();
    const set = await sb.control('PUT', `/__sandbox/tenants/ten_nordwind/campaign-prices/${product.id}`, { force_price: 9.99, campaign: 'Winter sale', ends_at: endsAt });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ item_id: product.id, force_price: 9.99, campaign: 'Winter sale', ends_at: endsAt });
    expect((await sb.call('GET', `/api/v2/products/${product.id}`)).body.price).toBe(9.99);
    expect(recorder.of('price.updated').at(-1)?.data).toMatchObject({ item_id: product.id, price: 9.99, source: 'campaign' });
    expect((await sb.control('GET', '/__sandbox/tenants/ten_nordwind/campaign-prices')).body.data).toHaveLength(1);

    const locked = expectProblem(await sb.call('PUT', priceOf(product), { body: { price: 10.5 } }), 409, 'price_locked');
    expect(locked).toMatchObject({ current_price: 9.99, campaign: 'Winter sale', locked_until: endsAt });
    expectProblem(await sb.call('PUT', priceOf(product), { body: { price: 10.5, force_token: 'pct_whatever' } }), 409, 'price_locked');

    advance(sb, 61 * MINUTE);
    expect((await sb.call('PUT', priceOf(product), { body: { price: 10.5 } })).status).toBe(200);
    expect((await sb.control('GET', '/__sandbox/tenants/ten_nordwind/campaign-prices')).body.data).toHaveLength(0);
  });

  it('can be ended through the control API; ending twice is 404; variants lock on their own', async () => {
    const vp = variantProduct(stateOf(sb), 1);
    const [locked, free] = vp.variants as [Product['variants'][0], Product['variants'][0]];
    await sb.control('PUT', `/__sandbox/tenants/ten_nordwind/campaign-prices/${locked.id}`, { force_price: 5 });
    const path = (id: string) => `/api/v2/products/${vp.id}/variants/${id}/price`;
    expectProblem(await sb.call('PUT', path(locked.id), { body: { price: 5.5 } }), 409, 'price_locked');
    expect((await sb.call('PUT', path(free.id), { body: { price: free.price } })).status).toBe(200);

    expect((await sb.control('DELETE', `/__sandbox/tenants/ten_nordwind/campaign-prices/${locked.id}`)).status).toBe(204);
    expectProblem(await sb.control('DELETE', `/__sandbox/tenants/ten_nordwind/campaign-prices/${locked.id}`), 404);
    expect((await sb.call('PUT', path(locked.id), { body: { price: 5.5 } })).status).toBe(200);

    expectProblem(await sb.control('PUT', '/__sandbox/tenants/ten_nordwind/campaign-prices/prod_nothere', { force_price: 5 }), 404);
    const past = expectProblem(await sb.control('PUT', `/__sandbox/tenants/ten_nordwind/campaign-prices/${own(8).id}`, { force_price: 5, ends_at: '2020-01-01T00:00:00Z' }), 400);
    expect(past.errors[0].pointer).toBe('/body/ends_at');
  });
});

describe('price history', () => {
  it('lists every applied price of a product and its variants, newest first, with its source', async () => {
    const vp = variantProduct(stateOf(sb), 2);
    const variant = vp.variants[0]!;
    const variantPrice = variant.price;
    await sb.call('PUT', priceOf(vp), { body: { price: round2(vp.price * 1.1) } });
    const wanted = round2(variant.price * 2);
    const token = await tokenFor(`/api/v2/products/${vp.id}/variants/${variant.id}/price`, wanted);
    await sb.call('PUT', `/api/v2/products/${vp.id}/variants/${variant.id}/price`, { body: { price: wanted, force_token: token } });

    const all = await sb.call('GET', `/api/v2/products/${vp.id}/price-history`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((e: any) => [e.item_id, e.source])).toEqual([
      [variant.id, 'force_token'],
      [vp.id, 'price_endpoint'],
    ]);
    const one = await sb.call('GET', `/api/v2/products/${vp.id}/price-history?variant_id=${variant.id}`);
    expect(one.body.data).toEqual([expect.objectContaining({ variant_id: variant.id, price: wanted, previous_price: variantPrice })]);
    expectProblem(await sb.call('GET', `/api/v2/products/${vp.id}/price-history?variant_id=var_unknown`), 404);
  });

  it('starts with the price a product was created with', async () => {
    const state = stateOf(sb);
    const source = simpleProduct(state);
    const created = await sb.call('POST', '/api/v2/products', {
      body: { sku: 'hist-1', title: 'History', brand_id: source.brand_id, category_id: source.category_id, ean: '4006381333931', price: 12.5, parameters: source.parameters },
    });
    const history = await sb.call('GET', `/api/v2/products/${created.body.id}/price-history`);
    expect(history.body.data).toEqual([expect.objectContaining({ price: 12.5, previous_price: null, source: 'created' })]);
  });
});
