// serve --store postgres://…: migrations at start, the start errors a partner can act on, durable
// writes that survive a restart, and what a write answers while PostgreSQL is down.
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, serveProcess, stopProcess } from '../support/serve-process.ts';
import { usePostgres } from '../support/postgres.ts';
import { createProduct, failedStart, json } from './helpers.ts';

const pg = usePostgres();
afterAll(() => killStarted());

describe('serve --store postgres://…', () => {
  it('migrates a new database, keeps an acknowledged write across a restart, and says where the state is', async () => {
    const url = pg.database();
    const first = await serveProcess(['--store', url]);
    let second: Awaited<ReturnType<typeof serveProcess>> | undefined;
    try {
      expect(first.output()).toMatch(/state\s+postgres:\/\/postgres@127\.0\.0\.1:\d+\/sandbox_\w+ \(shared/);
      expect(pg.cluster().sql('SELECT version, name FROM schema_migrations ORDER BY version', url.split('/').pop())).toBe('1|001-initial.sql\n2|002-rate-windows.sql\n3|003-journal.sql\n4|004-one-call-each.sql\n5|005-folds.sql');
      const id = await createProduct(first.url, 'pg-restart-1');
      await stopProcess(first.child, 'SIGKILL'); // nothing gets a chance to flush: the 201 was committed
      second = await serveProcess(['--store', url]);
      const read = await json(`${second.url}/api/v2/products/${id}`);
      expect(read.status).toBe(200);
      expect(read.body.sku).toBe('pg-restart-1');
    } finally {
      await stopProcess(first.child);
      if (second) await stopProcess(second.child);
    }
  });

  it('takes the URL from SANDBOX_STORE_URL', async () => {
    const url = pg.database();
    const served = await serveProcess([], { SANDBOX_STORE_URL: url });
    try {
      expect(served.output()).toContain(url.replace('postgres://', ''));
    } finally {
      await stopProcess(served.child);
    }
  });

  it('refuses a database whose schema is newer than it knows, in one line, exit 2', async () => {
    const url = pg.database();
    const served = await serveProcess(['--store', url]);
    await stopProcess(served.child);
    pg.cluster().sql("INSERT INTO schema_migrations (version, name) VALUES (999, '999-future.sql')", url.split('/').pop());
    const { code, output } = await failedStart(['--store', url]);
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(/schema version 999, newer than this marketplace-sandbox knows \(5\): upgrade marketplace-sandbox/);
  });

  it('says in one line, password hidden, when PostgreSQL cannot be reached (exit 2)', async () => {
    const port = pg.cluster().port;
    const { code, output } = await failedStart(['--store', `postgres://sandbox:s3cret@127.0.0.1:${port + 1}/nowhere`]);
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain(`cannot reach PostgreSQL at postgres://sandbox:***@127.0.0.1:${port + 1}/nowhere (ECONNREFUSED)`);
    expect(output).not.toContain('s3cret');
    const missing = await failedStart(['--store', pg.cluster().url('no_such_database')]);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/the database of postgres:\/\/\S+\/no_such_database does not exist/);
  });

  it('refuses --store with --memory and a --store that is no PostgreSQL URL', async () => {
    const both = await failedStart(['--store', pg.cluster().url('x'), '--memory']);
    expect(both.code).toBe(2);
    expect(both.output).toContain('--store keeps the state in PostgreSQL and --memory keeps it in memory');
    const bad = await failedStart(['--store', 'mysql://x']);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('must be a PostgreSQL URL');
  });

  it('answers bad input with 4xx problems, never a 5xx', async () => {
    const served = await serveProcess(['--store', pg.database()]);
    const admin = { authorization: 'Bearer sandbox-admin-token' };
    try {
      const answers = await Promise.all([
        json(`${served.url}/api/v2/products?limit=1`, { headers: { authorization: 'Bearer mk_test_nobody_knows_this_key' } }),
        json(`${served.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer mat_${'x'.repeat(32)}_ten_ghost` } }),
        json(`${served.url}/api/v2/products`, { method: 'POST', body: '{not json' }),
        json(`${served.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=nobody&client_secret=x' }),
        json(`${served.url}/__sandbox/reset`, { method: 'POST', headers: admin, body: '{"tenant_id": 42' }),
        json(`${served.url}/__sandbox/reset`, { method: 'POST', headers: admin, body: JSON.stringify({ tenant_id: 'ten_ghost' }) }),
        json(`${served.url}/__sandbox/tenants/%E0%A4%A/rate-limits`, { method: 'PUT', headers: admin, body: JSON.stringify({ plan: 'basic' }) }),
      ]);
      for (const answer of answers) {
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
      }
    } finally {
      await stopProcess(served.child);
    }
  });

  it('answers a write 503 problem+json while PostgreSQL is down, keeps none of it, and recovers by itself', async () => {
    const url = pg.database();
    const served = await serveProcess(['--store', url]);
    try {
      const id = await createProduct(served.url, 'pg-outage-1');
      pg.cluster().stop();
      let down: Awaited<ReturnType<typeof json>>;
      try {
        down = await json(`${served.url}/api/v2/products/${id}`, { method: 'PATCH', body: JSON.stringify({ title: 'written while down' }) });
      } finally {
        pg.cluster().start();
      }
      expect(down.status).toBe(503);
      expect(down.type).toContain('application/problem+json');
      expect(down.body.code).toBe('storage_unavailable');
      // Back up: the pool makes new connections; the write that failed is not there, a new one is.
      const after = await json(`${served.url}/api/v2/products/${id}`);
      expect(after.status).toBe(200);
      expect(after.body.title).toBe('Shared pg-outage-1');
      const again = await json(`${served.url}/api/v2/products/${id}`, { method: 'PATCH', body: JSON.stringify({ title: 'written after' }) });
      expect(again.status).toBe(200);
      expect((await json(`${served.url}/api/v2/products/${id}`)).body.title).toBe('written after');
    } finally {
      await stopProcess(served.child);
    }
  });
});
