// Folding the shared log: a tenant with many records is folded into the few that rebuild it, the
// folded records leave the log after the grace period, a restart loads fold + the records after
// it, and a replica that fell behind past the grace period (stopped with SIGSTOP) catches up from
// the fold.
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, serveProcess, stopProcess } from '../support/serve-process.ts';
import { usePostgres } from '../support/postgres.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { createProduct, json } from './helpers.ts';

const pg = usePostgres();
afterAll(() => killStarted());

// Folded after 20 records, looked for every 200 ms, folded records deleted at once.
const folding = { SANDBOX_STORE_FOLD_AFTER: '20', SANDBOX_STORE_FOLD_EVERY_MS: '200', SANDBOX_STORE_FOLD_GRACE_MS: '1' };

async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !probe(); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
  }
}

describe('folding the shared log', () => {
  it('folds a busy tenant, drops the folded records, and a restart and a replica left behind both rebuild it from the fold', async () => {
    const url = pg.database();
    const db = url.split('/').pop();
    const sql = (query: string) => pg.cluster().sql(query, db);
    let a = await serveProcess(['--store', url], folding);
    const b = await serveProcess(['--store', url], folding);
    try {
      const id = await createProduct(a.url, 'folded');
      // B stops (SIGSTOP) while A writes and folds: B's next version leaves the log meanwhile.
      process.kill(b.child.pid!, 'SIGSTOP');
      const stoppedAt = Number(sql("SELECT version FROM sandbox_tenants WHERE tenant = 'ten_nordwind'"));
      // Made while B is stopped: its one record is folded and deleted before B looks.
      const second = await createProduct(a.url, 'made-while-b-slept');
      for (let i = 0; i < 40; i++) expect((await json(`${a.url}/api/v2/products/${id}`, { method: 'PATCH', body: JSON.stringify({ title: `title ${i}` }) })).status).toBe(200);
      await until('a fold past the version B stopped at', () => Number(sql("SELECT coalesce(max(version), 0) FROM sandbox_folds WHERE tenant = 'ten_nordwind'")) > stoppedAt);
      await until('the records after it gone from the log', () => sql(`SELECT count(*) FROM sandbox_log WHERE tenant = 'ten_nordwind' AND version <= ${stoppedAt + 1}`) === '0');
      // Folds go on while records come: the log keeps fewer records than make a tenant due.
      await until('fewer than 20 records left in the log', () => Number(sql("SELECT count(*) FROM sandbox_log WHERE tenant = 'ten_nordwind'")) < 20);
      process.kill(b.child.pid!, 'SIGCONT');
      const onB = await json(`${b.url}/api/v2/products/${id}`);
      expect(onB.status).toBe(200);
      expect(onB.body.title).toBe('title 39');
      expect((await json(`${b.url}/api/v2/products/${second}`)).body.sku).toBe('made-while-b-slept');

      // A restart loads the fold and what came after it.
      expect((await json(`${b.url}/api/v2/products/${id}`, { method: 'PATCH', body: JSON.stringify({ description: 'after the fold' }) })).status).toBe(200);
      await stopProcess(a.child);
      a = await serveProcess(['--store', url]);
      const restarted = (await json(`${a.url}/api/v2/products/${id}`)).body;
      expect([restarted.title, restarted.description]).toEqual(['title 39', 'after the fold']);
      // The other default tenant, never folded, is there as well.
      expect((await json(`${a.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${DEFAULT_TENANTS[1].api_key}` } })).status).toBe(200);
    } finally {
      try {
        process.kill(b.child.pid!, 'SIGCONT');
      } catch {
        // already gone
      }
      await Promise.all([a, b].map((r) => stopProcess(r.child)));
    }
  }, 60_000);
});

