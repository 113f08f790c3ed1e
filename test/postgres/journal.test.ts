// The request journal on a shared store: GET /__sandbox/requests on either replica lists the
// tenant's requests served by both, newest first, filtered as on one process, and bounded per
// tenant at the journal's capacity (in the table too); DELETE empties it for both. A live
// journal stream and the readiness record on one replica include what the other served.
import { afterAll, describe, expect, it } from 'vitest';
import { openStream } from '../support/event-stream-client.ts';
import { killStarted, serveProcess, stopProcess } from '../support/serve-process.ts';
import { usePostgres } from '../support/postgres.ts';
import { json } from './helpers.ts';

const pg = usePostgres();
afterAll(() => killStarted());

const admin = { authorization: 'Bearer sandbox-admin-token' };

/** Polls `probe` until it gives a value (not undefined) or `ms` pass. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Listed = { total: number; capacity: number; data: Array<{ id: string; path: string; query: string; operation_id: string; status: number }> };

describe('the request journal with two replicas on one PostgreSQL', () => {
  it('lists the requests of both replicas on either, newest first, bounded per tenant', async () => {
    const url = pg.database();
    const db = url.split('/').pop();
    const [a, b] = await Promise.all([serveProcess(['--store', url]), serveProcess(['--store', url])]);
    try {
      // Alternating replicas, each request told apart by its offset.
      for (let i = 0; i < 6; i++) expect((await json(`${(i % 2 ? b : a).url}/api/v2/products?limit=1&offset=${i}`)).status).toBe(200);
      expect((await json(`${a.url}/api/v2/orders/ord_missing`)).status).toBe(404);
      for (const replica of [a, b]) {
        const listed = await until('every request listed', async () => {
          const body = (await json(`${replica.url}/__sandbox/requests?tenant_id=ten_nordwind`, { headers: admin })).body as Listed;
          return body.total === 7 ? body : undefined;
        });
        expect(listed.data.map((e) => e.query)).toEqual(['', ...[5, 4, 3, 2, 1, 0].map((i) => `limit=1&offset=${i}`)]);
        expect(new Set(listed.data.map((e) => e.id)).size).toBe(7);
        const filtered = (await json(`${replica.url}/__sandbox/requests?tenant_id=ten_nordwind&status=404`, { headers: admin })).body as Listed;
        expect(filtered.data.map((e) => [e.path, e.operation_id])).toEqual([['/api/v2/orders/ord_missing', 'getOrder']]);
      }

      // Bounded: a capacity of 5 keeps the newest 5, listed and stored.
      expect((await json(`${b.url}/__sandbox/requests/settings`, { method: 'PUT', headers: admin, body: JSON.stringify({ tenant_id: 'ten_nordwind', capacity: 5 }) })).status).toBe(200);
      for (let i = 10; i < 22; i++) expect((await json(`${(i % 2 ? b : a).url}/api/v2/products?limit=1&offset=${i}`)).status).toBe(200);
      const newest = await until('the newest five listed', async () => {
        const body = (await json(`${a.url}/__sandbox/requests?tenant_id=ten_nordwind`, { headers: admin })).body as Listed;
        return body.data[0]?.query === 'limit=1&offset=21' ? body : undefined;
      });
      expect(newest.capacity).toBe(5);
      expect(newest.data.map((e) => e.query)).toEqual([21, 20, 19, 18, 17].map((i) => `limit=1&offset=${i}`));
      await until('the table trimmed to five', async () => (pg.cluster().sql("SELECT count(*) FROM sandbox_journal WHERE tenant = 'ten_nordwind'", db) === '5' ? true : undefined));

      // Cleared on A: empty on B.
      expect((await fetch(`${a.url}/__sandbox/requests?tenant_id=ten_nordwind`, { method: 'DELETE', headers: admin })).status).toBe(204);
      expect(((await json(`${b.url}/__sandbox/requests?tenant_id=ten_nordwind`, { headers: admin })).body as Listed).total).toBe(0);
    } finally {
      await Promise.all([a, b].map((r) => stopProcess(r.child)));
    }
  }, 60_000);

  it('a live journal stream on B carries the requests A serves, and B\'s readiness report counts both replicas\' requests', async () => {
    const url = pg.database();
    const [a, b] = await Promise.all([serveProcess(['--store', url]), serveProcess(['--store', url])]);
    try {
      const stream = await openStream(`${b.url}/__sandbox/requests/stream?tenant_id=ten_nordwind`, admin);
      expect(stream.status).toBe(200);
      expect((await json(`${a.url}/api/v2/products?limit=1&offset=7`)).status).toBe(200);
      const heard = JSON.parse((await stream.next((m) => m.event === 'request' && JSON.parse(m.data).query === 'limit=1&offset=7', 3000)).data);
      expect(heard).toMatchObject({ operation_id: 'listProducts', status: 200, path: '/api/v2/products' });
      stream.close();

      for (const replica of [a, b, a, b, a]) expect((await json(`${replica.url}/api/v2/orders?limit=1`)).status).toBe(200);
      expect((await json(`${b.url}/api/v2/orders/ord_missing`)).status).toBe(404);
      for (const replica of [b, a]) {
        const report = (await json(`${replica.url}/__sandbox/tenants/ten_nordwind/readiness`, { headers: admin })).body as { requests: { total: number; by_operation: Array<{ operation_id: string; total: number; by_status: Record<string, number> }> } };
        const byOperation = Object.fromEntries(report.requests.by_operation.map((op) => [op.operation_id, op]));
        expect(byOperation.listOrders?.total).toBe(5);
        expect(byOperation.getOrder?.by_status['4xx']).toBe(1);
        expect(byOperation.listProducts?.total).toBe(1);
      }

      // Cleared on A: B's record starts afresh too.
      expect((await fetch(`${a.url}/__sandbox/requests?tenant_id=ten_nordwind`, { method: 'DELETE', headers: admin })).status).toBe(204);
      await until('B has heard of the clear', async () => {
        const report = (await json(`${b.url}/__sandbox/tenants/ten_nordwind/readiness`, { headers: admin })).body as { requests: { total: number } };
        return report.requests.total === 0 ? true : undefined;
      });
    } finally {
      await Promise.all([a, b].map((r) => stopProcess(r.child)));
    }
  }, 60_000);
});
