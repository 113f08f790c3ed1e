// Rate limits as a partner meets them: the headers on every answer counting down, 429 with
// Retry-After when a budget is used up, each plan's burst, the daily quota, exactness under
// concurrency, and the control API that sets plans and limits.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startSandbox, type CallResult, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startSandbox({ rateLimits: true });
});

/** A fresh tenant: its own counters, so tests do not share budgets. */
async function freshTenant(limits?: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const created = (await sb.control('POST', '/__sandbox/tenants', { name: 'rate-limit test' })).body;
  if (limits) expect((await sb.control('PUT', `/__sandbox/tenants/${created.tenant_id}/rate-limits`, limits)).status).toBe(200);
  return { id: created.tenant_id, key: created.api_key };
}

const header = (res: CallResult, name: string) => res.headers.get(name);
const locations = (key: string) => sb.call('GET', '/api/v2/locations', { key });

describe('headers', () => {
  it('every answer carries the limit, the reset as Unix seconds and the IETF fields with a countdown', async () => {
    const { key } = await freshTenant({ groups: { product_reads: 5 } });
    const seen: { remaining: number; reset: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await sb.call('GET', '/api/v2/labels', { key });
      expect(res.status).toBe(200);
      expect(header(res, 'x-ratelimit-limit')).toBe('5');
      expect(header(res, 'ratelimit-policy')).toBe('"product_reads";q=5;w=60, "burst";q=1000;w=60, "daily";q=1000000;w=86400');
      const remaining = Number(header(res, 'x-ratelimit-remaining'));
      const state = /^"product_reads";r=(\d+);t=(\d+)$/.exec(header(res, 'ratelimit') ?? '');
      expect(state, 'the IETF RateLimit field').not.toBeNull();
      expect(Number(state![1])).toBe(remaining);
      const reset = Number(state![2]); // IETF: seconds from now
      // X-RateLimit-Reset: the Unix second of the same reset, as the marketplace documents it.
      const resetAt = Number(header(res, 'x-ratelimit-reset'));
      const nowSeconds = Date.now() / 1000;
      expect(resetAt).toBeGreaterThan(nowSeconds);
      expect(Math.abs(resetAt - (nowSeconds + reset))).toBeLessThanOrEqual(2);
      seen.push({ remaining, reset });
    }
    expect(seen.map((s) => s.remaining)).toEqual([4, 3, 2, 1, 0]);
    for (let i = 0; i < seen.length; i++) {
      expect(seen[i]!.reset).toBeGreaterThanOrEqual(1);
      expect(seen[i]!.reset).toBeLessThanOrEqual(60);
      if (i > 0) expect(seen[i]!.reset).toBeLessThanOrEqual(seen[i - 1]!.reset);
    }

    const refused = await sb.call('GET', '/api/v2/labels', { key });
    const problem = expectProblem(refused, 429, 'rate_limit_exceeded');
    expect(problem.retry_after).toBeGreaterThanOrEqual(1);
    expect(problem.retry_after).toBeLessThanOrEqual(60);
    expect(problem.policy).toBe('product_reads');
    // The marketplace's own members, next to the problem's.
    expect(problem.error).toBe('rate_limit_exceeded');
    expect(problem.message).toBe(problem.detail);
    expect(problem.reset_at).toBe(Number(header(refused, 'x-ratelimit-reset')));
    expect(header(refused, 'retry-after')).toBe(String(problem.retry_after));
    expect(header(refused, 'x-ratelimit-remaining')).toBe('0');

    // Other groups have their own budget.
    expect((await locations(key)).status).toBe(200);
  });

  it('answers refused before counting (401, 403) carry the headers too, uncounted', async () => {
    const { id, key } = await freshTenant({ groups: { order_reads: 3 } });
    const unauthenticated = await sb.call('GET', '/api/v2/orders', { key: null });
    expect(unauthenticated.status).toBe(401);
    expect(header(unauthenticated, 'x-ratelimit-limit')).not.toBeNull();
    expect(header(unauthenticated, 'ratelimit')).not.toBeNull();

    const narrow = (await sb.control('POST', `/__sandbox/tenants/${id}/api-keys`, { scopes: ['products'] })).body.api_key;
    const forbidden = await sb.call('GET', '/api/v2/orders', { key: narrow });
    expect(forbidden.status).toBe(403);
    expect(header(forbidden, 'x-ratelimit-remaining')).toBe('3');
    expect(header(await sb.call('GET', '/api/v2/orders', { key }), 'x-ratelimit-remaining')).toBe('2');
  });
});

describe('groups', () => {
  it('order status updates have their own 500/min group, apart from shipments and returns', async () => {
    const { id, key } = await freshTenant();
    const order = Object.values(sb.store.tenant(id)!.state.orders).find((o) => o.status === 'open')!;
    const res = await sb.call('PATCH', `/api/v2/orders/${order.id}/status`, { key, body: { confirmed: true } });
    expect(res.status).toBe(200);
    expect(header(res, 'ratelimit-policy')).toMatch(/^"order_status";q=500;w=60, /);
    const shipment = await sb.call('GET', `/api/v2/orders/${order.id}/shipments`, { key });
    expect(header(shipment, 'ratelimit-policy')).not.toMatch(/order_status/);
  });
});

describe('plans', () => {
  for (const [plan, burst] of [
    ['basic', 50],
    ['growth', 200],
    ['enterprise', 1000],
  ] as const) {
    it(`${plan}: the burst of ${burst} a minute binds across groups, then 429 with Retry-After`, async () => {
      const { key } = await freshTenant({ plan });
      let ok = 0;
      for (let start = 0; start < burst; start += 100) {
        const batch = await Promise.all(Array.from({ length: Math.min(100, burst - start) }, () => locations(key)));
        ok += batch.filter((r) => r.status === 200).length;
      }
      expect(ok).toBe(burst);
      const refused = await sb.call('GET', '/api/v2/labels', { key });
      const problem = expectProblem(refused, 429, 'rate_limit_exceeded');
      expect(problem.policy).toBe('burst');
      expect(problem.limit).toBe(burst);
      expect(Number(header(refused, 'retry-after'))).toBeGreaterThanOrEqual(1);
    });
  }

  it('the daily quota refuses until the next UTC day', async () => {
    // The quota counts per UTC day of wall time: a run that would straddle midnight waits (at most
    // 15 s) until the new day has begun, so its three requests fall into one day.
    const toMidnight = 86_400_000 - (Date.now() % 86_400_000);
    if (toMidnight < 15_000) await new Promise((resolve) => setTimeout(resolve, toMidnight + 100));
    const { key } = await freshTenant({ plan: 'basic', daily_quota: 10, daily_used: 8 });
    expect((await locations(key)).status).toBe(200);
    const last = await locations(key);
    expect(last.status).toBe(200);
    expect(header(last, 'x-ratelimit-remaining')).toBe('0');
    expect(header(last, 'ratelimit')).toMatch(/^"daily";r=0;t=\d+$/);
    const refused = expectProblem(await locations(key), 429, 'rate_limit_exceeded');
    expect(refused.policy).toBe('daily');
    const untilMidnight = Math.ceil((Math.ceil(Date.now() / 86_400_000) * 86_400_000 - Date.now()) / 1000);
    expect(Math.abs(refused.retry_after - untilMidnight)).toBeLessThanOrEqual(2);
  });
});

describe('exactness', () => {
  it('2 × limit parallel requests: exactly limit succeed, the rest get 429', async () => {
    const limit = 40;
    const { key } = await freshTenant({ groups: { inventory: limit } });
    const results = await Promise.all(Array.from({ length: 2 * limit }, () => locations(key)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(limit);
    expect(results.filter((r) => r.status === 429)).toHaveLength(limit);
    // Each success saw a distinct remaining count: no two requests took the same slot.
    const remaining = results.filter((r) => r.status === 200).map((r) => Number(header(r, 'x-ratelimit-remaining')));
    expect(new Set(remaining).size).toBe(limit);
  });

  it('tenants do not share budgets', async () => {
    const a = await freshTenant({ groups: { inventory: 2 } });
    const b = await freshTenant({ groups: { inventory: 2 } });
    await locations(a.key);
    await locations(a.key);
    expect((await locations(a.key)).status).toBe(429);
    expect((await locations(b.key)).status).toBe(200);
  });
});

describe('control API', () => {
  it('reads the effective limits and usage; PUT replaces the settings and starts fresh windows', async () => {
    const { id, key } = await freshTenant();
    const initial = (await sb.control('GET', `/__sandbox/tenants/${id}/rate-limits`)).body;
    expect(initial).toMatchObject({ tenant_id: id, plan: 'enterprise', daily_quota: 1_000_000, burst_per_minute: 1000 });
    expect(initial.groups).toMatchObject({ product_reads: 1000, bulk: 10, reservations: 5000, oauth: 60 });

    await locations(key);
    expect((await sb.control('GET', `/__sandbox/tenants/${id}/rate-limits`)).body.usage).toMatchObject({ burst_used: 1, daily_used: 1, groups_used: { inventory: 1 } });

    const growth = await sb.control('PUT', `/__sandbox/tenants/${id}/rate-limits`, { plan: 'growth', groups: { inventory: 7 } });
    expect(growth.body).toMatchObject({ plan: 'growth', daily_quota: 100_000, burst_per_minute: 200, usage: { burst_used: 0 } });
    expect(growth.body.groups.inventory).toBe(7);
    expect(header(await locations(key), 'x-ratelimit-remaining')).toBe('6');
  });

  it('refuses unknown groups and unknown tenants', async () => {
    const { id } = await freshTenant();
    const bad = expectProblem(await sb.control('PUT', `/__sandbox/tenants/${id}/rate-limits`, { groups: { nope: 3 } }), 400, 'validation_failed');
    expect(bad.errors[0].pointer).toBe('/body/groups/nope');
    expectProblem(await sb.control('GET', '/__sandbox/tenants/ten_missing/rate-limits'), 404, 'not_found');
  });

  it('with rateLimits off (the test default) nothing is refused, and the headers still count', async () => {
    const relaxed = await startSandbox();
    const created = (await relaxed.control('POST', '/__sandbox/tenants', {})).body;
    await relaxed.control('PUT', `/__sandbox/tenants/${created.tenant_id}/rate-limits`, { groups: { inventory: 2 } });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await relaxed.call('GET', '/api/v2/locations', { key: created.api_key }));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(results.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['1', '0', '0', '0']);
    await relaxed.close();
  });
});

describe('token endpoint', () => {
  it('is limited per client tenant in the oauth group', async () => {
    const { id } = await freshTenant({ groups: { oauth: 2 } });
    const client = (await sb.control('POST', `/__sandbox/tenants/${id}/oauth-clients`, {})).body;
    const form = { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await sb.call('POST', '/oauth/token', { key: null, form })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
