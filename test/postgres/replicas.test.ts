// Two `serve --store` replicas on one database, as a partner sees them: a write on either is read
// on the other, a restarted replica has everything, a key made on one works on the other at once,
// and two first starts at the same moment make one set of default tenants.
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, serveProcess, stopProcess, type ServeProcess } from '../support/serve-process.ts';
import { usePostgres } from '../support/postgres.ts';
import { createProduct, json } from './helpers.ts';

const pg = usePostgres();
afterAll(() => killStarted());

const admin = { authorization: 'Bearer sandbox-admin-token' };

async function replicas(url: string, n = 2): Promise<ServeProcess[]> {
  return Promise.all(Array.from({ length: n }, () => serveProcess(['--store', url])));
}

describe('two replicas on one PostgreSQL', () => {
  it('a write on A is read on B, a write on B on A, and a restarted A has both', async () => {
    const url = pg.database();
    let [a, b] = await replicas(url);
    try {
      const id = await createProduct(a!.url, 'replica-1');
      const onB = await json(`${b!.url}/api/v2/products/${id}`);
      expect(onB.status).toBe(200);
      expect(onB.body.sku).toBe('replica-1');

      const patched = await json(`${b!.url}/api/v2/products/${id}`, { method: 'PATCH', body: JSON.stringify({ title: 'changed on B' }) });
      expect(patched.status).toBe(200);
      expect((await json(`${a!.url}/api/v2/products/${id}`)).body.title).toBe('changed on B');

      // A change on A over B's change: each replica's own record carries only its change.
      expect((await json(`${a!.url}/api/v2/products/${id}`, { method: 'PATCH', body: JSON.stringify({ description: 'described on A' }) })).status).toBe(200);
      const both = (await json(`${b!.url}/api/v2/products/${id}`)).body;
      expect([both.title, both.description]).toEqual(['changed on B', 'described on A']);

      await stopProcess(a!.child);
      a = await serveProcess(['--store', url]);
      const restarted = (await json(`${a.url}/api/v2/products/${id}`)).body;
      expect([restarted.title, restarted.description]).toEqual(['changed on B', 'described on A']);
    } finally {
      await Promise.all([a, b].map((r) => r && stopProcess(r.child)));
    }
  });

  it('a tenant and key made on A work on B at once; a key revoked on A is refused on B', async () => {
    const url = pg.database();
    const [a, b] = await replicas(url);
    try {
      const made = await json(`${a!.url}/__sandbox/tenants`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Made on A' }) });
      expect(made.status).toBe(201);
      const newKey = made.body.api_key ?? made.body.api_keys?.[0];
      expect(typeof newKey).toBe('string');
      const onB = await json(`${b!.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${newKey}` } });
      expect(onB.status).toBe(200);
      // The tenant list of B's control API has it too.
      const listed = await json(`${b!.url}/__sandbox/tenants`, { headers: admin });
      expect(JSON.stringify(listed.body)).toContain('Made on A');
      // Revoked on A: refused on B at once.
      const tenant = made.body.tenant_id as string;
      const keys = await json(`${a!.url}/__sandbox/tenants/${tenant}/api-keys`, { headers: admin });
      expect(keys.status).toBe(200);
      const keyId = (keys.body.data as Array<{ key_id: string }>)[0]!.key_id;
      const revoked = await fetch(`${a!.url}/__sandbox/tenants/${tenant}/api-keys/${keyId}`, { method: 'DELETE', headers: admin });
      expect(revoked.status).toBe(204);
      const refused = await json(`${b!.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${newKey}` } });
      expect(refused.status).toBe(401);
    } finally {
      await Promise.all([a, b].map((r) => r && stopProcess(r.child)));
    }
  });

  it('concurrent writes of one tenant on both replicas all land (the tenant lock serializes them)', async () => {
    const url = pg.database();
    const [a, b] = await replicas(url);
    try {
      const skus = ((await json(`${a!.url}/api/v2/inventory?limit=40`)).body.data as Array<{ sku: string }>).map((item) => item.sku);
      const answers = await Promise.all(
        skus.map((sku, i) =>
          json(`${(i % 2 ? a : b)!.url}/api/v2/inventory/${encodeURIComponent(sku)}`, { method: 'PATCH', body: JSON.stringify({ quantity: 700 + i, location: 'loc_berlin' }) }),
        ),
      );
      expect(answers.map((x) => x.status)).toEqual(skus.map(() => 200));
      for (const replica of [a!, b!]) {
        const listed = (await json(`${replica.url}/api/v2/inventory?limit=40`)).body.data as Array<{ sku: string; locations: Array<{ location_id: string; quantity: number }> }>;
        const quantities = new Map(listed.map((item) => [item.sku, item.locations.find((l) => l.location_id === 'loc_berlin')?.quantity]));
        expect(skus.map((sku) => quantities.get(sku))).toEqual(skus.map((_, i) => 700 + i));
      }
    } finally {
      await Promise.all([a, b].map((r) => r && stopProcess(r.child)));
    }
  });

  it('two first starts at once on an empty database make one set of default tenants', async () => {
    const url = pg.database();
    const started = await replicas(url);
    try {
      const db = url.split('/').pop();
      // Each default tenant was seeded once: its first record (the world it starts in) exists once.
      expect(pg.cluster().sql(`SELECT count(*) FROM sandbox_log WHERE record LIKE '%"base":%' AND tenant = 'ten_nordwind'`, db)).toBe('1');
    } finally {
      await Promise.all(started.map((r) => stopProcess(r.child)));
    }
  });

  it('a bulk job run by A, chunk by chunk under the tenant lock, lands whole while B writes the same tenant', async () => {
    const url = pg.database();
    const [a, b] = await replicas(url);
    try {
      const skus = ((await json(`${a!.url}/api/v2/inventory?limit=100`)).body.data as Array<{ sku: string }>).map((item) => item.sku);
      const items = Array.from({ length: 7000 }, (_, i) => ({ sku: skus[i % skus.length]!, quantity: i, location: 'loc_berlin' }));
      const accepted = await json(`${a!.url}/api/v2/inventory/sync`, { method: 'POST', body: JSON.stringify({ items }) });
      expect(accepted.status).toBe(202);
      const product = await createProduct(b!.url, 'during-the-job');
      for (let i = 0; i < 5; i++) {
        const patched = await json(`${b!.url}/api/v2/products/${product}`, { method: 'PATCH', body: JSON.stringify({ title: `written on B ${i}` }) });
        expect(patched.status).toBe(200);
      }
      let job: { state: string; progress: { processed: number; succeeded: number } } | undefined;
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
        job = (await json(`${b!.url}/api/v2/jobs/${accepted.body.job_id}`)).body;
        if (job!.state !== 'queued' && job!.state !== 'running') break;
      }
      expect(job).toMatchObject({ state: 'completed', progress: { processed: 7000, succeeded: 7000 } });
      // The last line of each SKU is its quantity on either replica; B's writes are there too.
      for (const replica of [a!, b!]) {
        for (const index of [6999, 6950, 6900]) {
          const item = (await json(`${replica.url}/api/v2/inventory/${encodeURIComponent(items[index]!.sku)}`)).body as { locations: Array<{ location_id: string; quantity: number }> };
          expect(item.locations.find((l) => l.location_id === 'loc_berlin')?.quantity).toBe(index);
        }
        expect((await json(`${replica.url}/api/v2/products/${product}`)).body.title).toBe('written on B 4');
      }
    } finally {
      await Promise.all([a!, b!].map((r) => stopProcess(r.child)));
    }
  }, 60_000);
});
