// Rate limits on a shared store hold across replicas: 2 × limit concurrent requests, split over
// two replicas, and exactly `limit` succeed; the rest are the documented 429. A daily count set
// on one replica (`daily_used`, as a scenario starts a tenant near its quota) counts on the other.
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, serveProcess, stopProcess } from '../support/serve-process.ts';
import { usePostgres } from '../support/postgres.ts';
import { json, key } from './helpers.ts';

const pg = usePostgres();
afterAll(() => killStarted());

const admin = { authorization: 'Bearer sandbox-admin-token' };

describe('rate limits with two replicas on one PostgreSQL', () => {
  it('2 × limit concurrent requests split across A and B: exactly limit succeed', async () => {
    const url = pg.database();
    const [a, b] = await Promise.all([serveProcess(['--store', url]), serveProcess(['--store', url])]);
    try {
      const limit = 15;
      const set = await json(`${a.url}/__sandbox/tenants/ten_nordwind/rate-limits`, { method: 'PUT', headers: admin, body: JSON.stringify({ plan: 'enterprise', groups: { product_reads: limit } }) });
      expect(set.status).toBe(200);
      expect(set.body.groups.product_reads).toBe(limit);
      const answers = await Promise.all(Array.from({ length: 2 * limit }, (_, i) => json(`${(i % 2 ? a : b).url}/api/v2/products?limit=1`)));
      const statuses = answers.map((x) => x.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(limit);
      expect(statuses.filter((s) => s === 429)).toHaveLength(limit);
      const refused = answers.find((x) => x.status === 429)!;
      expect(refused.body).toMatchObject({ code: 'rate_limit_exceeded', error: 'rate_limit_exceeded', policy: 'product_reads', limit });
      // Both replicas report the same standing afterwards.
      for (const replica of [a, b]) {
        const next = await fetch(`${replica.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${key}` } });
        await next.arrayBuffer();
        expect(next.status).toBe(429);
        expect(next.headers.get('x-ratelimit-remaining')).toBe('0');
      }
    } finally {
      await Promise.all([a, b].map((r) => stopProcess(r.child)));
    }
  });

  it('daily_used set on A is the count of the day on B; setting the same limits again starts the windows afresh on both', async () => {
    const url = pg.database();
    const [a, b] = await Promise.all([serveProcess(['--store', url]), serveProcess(['--store', url])]);
    const read = async (replica: { url: string }) => {
      const res = await fetch(`${replica.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${key}` } });
      await res.arrayBuffer();
      return { status: res.status, ratelimit: res.headers.get('ratelimit') };
    };
    try {
      const limits = { plan: 'basic', daily_quota: 10, daily_used: 8 };
      expect((await json(`${a.url}/__sandbox/tenants/ten_nordwind/rate-limits`, { method: 'PUT', headers: admin, body: JSON.stringify(limits) })).status).toBe(200);
      expect(await read(b)).toMatchObject({ status: 200 });
      expect(await read(a)).toMatchObject({ status: 200 });
      const refused = await read(b);
      expect(refused.status).toBe(429);
      expect(refused.ratelimit).toMatch(/^"daily";r=0;t=\d+$/);
      expect((await read(a)).status).toBe(429);
      // The same settings again (on B this time): a fresh day count of 8, on either replica.
      expect((await json(`${b.url}/__sandbox/tenants/ten_nordwind/rate-limits`, { method: 'PUT', headers: admin, body: JSON.stringify(limits) })).status).toBe(200);
      expect((await read(a)).status).toBe(200);
      expect((await read(b)).status).toBe(200);
      expect((await read(a)).status).toBe(429);
    } finally {
      await Promise.all([a, b].map((r) => stopProcess(r.child)));
    }
  });

  it('GraphQL root fields on A and B count in the same windows: of 2 × 4 fields against a limit of 6, exactly 6 run', async () => {
    const url = pg.database();
    const [a, b] = await Promise.all([serveProcess(['--store', url]), serveProcess(['--store', url])]);
    try {
      expect((await json(`${a.url}/__sandbox/tenants/ten_nordwind/rate-limits`, { method: 'PUT', headers: admin, body: JSON.stringify({ plan: 'enterprise', groups: { product_reads: 6 } }) })).status).toBe(200);
      const query = '{ a: products(first: 1) { total_count } b: products(first: 1) { total_count } c: products(first: 1) { total_count } d: products(first: 1) { total_count } }';
      const answers = await Promise.all([a, b].map((replica) => json(`${replica.url}/graphql`, { method: 'POST', body: JSON.stringify({ query }) })));
      const ran = answers.flatMap((x) => Object.values((x.body.data ?? {}) as Record<string, unknown>)).filter((field) => field !== null);
      const refused = answers.flatMap((x) => (x.body.errors ?? []) as Array<{ extensions: { code: string; policy: string } }>);
      expect(ran).toHaveLength(6);
      expect(refused).toHaveLength(2);
      for (const error of refused) expect(error.extensions).toMatchObject({ code: 'rate_limit_exceeded', policy: 'product_reads' });
      // The REST read that follows, on either replica, is refused too: the window is spent.
      for (const replica of [a, b]) expect((await json(`${replica.url}/api/v2/products?limit=1`)).status).toBe(429);
    } finally {
      await Promise.all([a, b].map((r) => stopProcess(r.child)));
    }
  });
});
