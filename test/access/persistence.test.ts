// What a partner or QA set up survives a restart: API keys and their scopes, OAuth clients and
// issued tokens, rate-limit settings, fault rules and journal settings live on the tenant.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readKeptState } from '../../src/store/file-backend.ts';
import { startSandbox } from '../support/sandbox.ts';

const dir = await mkdtemp(join(tmpdir(), 'sandbox-access-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('after a restart', () => {
  it('keeps credentials, scopes, tokens, rate limits, fault rules and journal settings', async () => {
    const dataFile = join(dir, 'state.json');
    const first = await startSandbox({ dataFile });
    const key = (await first.control('POST', '/__sandbox/tenants/ten_nordwind/api-keys', { scopes: ['orders'] })).body.api_key;
    const client = (await first.control('POST', '/__sandbox/tenants/ten_nordwind/oauth-clients', { scopes: ['returns'] })).body;
    const token = (await first.call('POST', '/oauth/token', { key: null, form: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret } })).body;
    await first.control('PUT', '/__sandbox/tenants/ten_nordwind/rate-limits', { plan: 'growth', groups: { order_reads: 42 } });
    await first.control('PUT', '/__sandbox/faults', { seed: 5, rules: [{ id: 'slow', operation_ids: ['getOrder'], latency: { fixed_ms: 1 } }] });
    await first.control('PUT', '/__sandbox/requests/settings', { capacity: 77 });
    await first.close();

    const second = await startSandbox({ dataFile });
    expect((await second.call('GET', '/api/v2/orders?limit=1', { key })).status).toBe(200);
    expect((await second.call('GET', '/api/v2/products?limit=1', { key })).status).toBe(403);
    expect((await second.call('GET', '/api/v2/returns?limit=1', { key: token.access_token })).status).toBe(200);
    expect((await second.control('GET', '/__sandbox/tenants/ten_nordwind/rate-limits')).body).toMatchObject({ plan: 'growth', groups: { order_reads: 42 } });
    expect((await second.control('GET', '/__sandbox/faults')).body).toMatchObject({ seed: 5, rules: [{ id: 'slow' }] });
    expect((await second.control('GET', '/__sandbox/requests/settings')).body).toMatchObject({ capacity: 77 });
    await second.close();
  });
});

describe('a fresh data file', () => {
  it('is written by itself right after start, with nothing changed: the worlds by name and seed, not their contents', async () => {
    const dataFile = join(dir, 'fresh.json');
    const sandbox = await startSandbox({ dataFile });
    try {
      await vi.waitFor(async () => expect((await readKeptState(dataFile)).image?.tenants.map((t) => t.id)).toEqual(['ten_nordwind', 'ten_suedhafen']), { timeout: 10_000, interval: 50 });
      const { image } = await readKeptState(dataFile);
      expect(image!.tenants.map((t) => t.base)).toEqual([{ scenario: 'default', seed: 20260101 }, { scenario: 'default', seed: 20260101 }]);
      expect((await stat(`${dataFile}.wal.1`)).size).toBeLessThan(64 * 1024);
    } finally {
      await sandbox.close();
    }
  });

  it('is written on close even when the process stops at once', async () => {
    const dataFile = join(dir, 'closed-at-once.json');
    const sandbox = await startSandbox({ dataFile });
    await sandbox.close();
    expect((await readKeptState(dataFile)).image?.format).toBe('marketplace-sandbox/state');
  });
});
