// GET /__sandbox/requests/stream on a real socket: every completed journal entry of the tenant as an
// SSE message, byte for byte what listRequests shows, filtered, replayed, redacted, with heartbeats,
// and no listener left behind when the client goes away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, serveSandbox } from '../checks/served-sandbox.ts';
import { openStream } from '../support/event-stream-client.ts';
import { KEY_A, KEY_B } from '../support/sandbox.ts';

let served: Awaited<ReturnType<typeof serveSandbox>>;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const partner = (path: string, init: RequestInit = {}, key: string = KEY_A) =>
  fetch(`${served.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

beforeAll(async () => {
  served = await serveSandbox({ strict: true, rateLimits: false, streamHeartbeatMs: 50 });
});
afterAll(() => served?.close());

describe('the live request journal', () => {
  it('sends each completed request of the tenant as listRequests shows it', async () => {
    const stream = await openStream(`${served.url}/__sandbox/requests/stream?tenant_id=ten_nordwind`, admin);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    await partner('/api/v2/products?limit=1');
    await partner('/api/v2/products?limit=2', {}, KEY_B); // another tenant: never on this stream
    const message = await stream.next((m) => m.event === 'request', 1000);
    const listed = await (await fetch(`${served.url}/__sandbox/requests?tenant_id=ten_nordwind&limit=1`, { headers: admin })).json();
    expect(JSON.parse(message.data)).toEqual(listed.data[0]);
    expect(message.id).toBe(listed.data[0].id.slice('req_'.length));
    await partner('/api/v2/orders?limit=1');
    await stream.next((m) => JSON.parse(m.data).operation_id === 'listOrders', 1000);
    expect(stream.messages.map((m) => JSON.parse(m.data).query)).not.toContain('limit=2');
    stream.close();
  });

  it('filters by operation (a glob), status and injected fault', async () => {
    const stream = await openStream(`${served.url}/__sandbox/requests/stream?operation_id=get*&status=404`, admin);
    await partner('/api/v2/products?limit=1');
    await partner('/api/v2/products/prod_nope');
    const message = await stream.next(() => true, 1000);
    expect(JSON.parse(message.data)).toMatchObject({ operation_id: 'getProduct', status: 404 });
    const faulted = await openStream(`${served.url}/__sandbox/requests/stream?fault=error`, admin);
    const rule = await fetch(`${served.url}/__sandbox/faults`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant_id: 'ten_nordwind', rules: [{ operation_ids: ['listCategories'], error: { rate: 1, status: 503 } }] }),
    });
    expect(rule.status, await rule.text()).toBeLessThan(300);
    await partner('/api/v2/products?limit=1');
    await partner('/api/v2/categories');
    const hit = JSON.parse((await faulted.next(() => true, 1000)).data);
    expect(hit).toMatchObject({ operation_id: 'listCategories', status: 503 });
    expect(faulted.messages).toHaveLength(1);
    await fetch(`${served.url}/__sandbox/faults?tenant_id=ten_nordwind`, { method: 'DELETE', headers: admin });
    stream.close();
    faulted.close();
  });

  it('replays recent entries first, and redacts credentials in kept headers', async () => {
    await fetch(`${served.url}/__sandbox/requests/settings`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ keep_bodies: true }) });
    await partner('/api/v2/products?limit=3', { headers: { cookie: 'session=abc', 'x-api-key': KEY_A } });
    const stream = await openStream(`${served.url}/__sandbox/requests/stream?replay=1`, { authorization: `Bearer ${KEY_A}` }); // the tenant's own key
    expect(stream.status).toBe(200);
    const replayed = JSON.parse((await stream.next(() => true, 1000)).data);
    expect(replayed.query).toBe('limit=3');
    expect(replayed.request_headers).toMatchObject({ authorization: 'Bearer [REDACTED]', cookie: '[REDACTED]', 'x-api-key': '[REDACTED]' });
    expect(JSON.stringify(replayed)).not.toContain(KEY_A);
    stream.close();
    await fetch(`${served.url}/__sandbox/requests/settings`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ keep_bodies: false }) });
  });

  it('sends heartbeats, and forgets a client that went away', async () => {
    const stream = await openStream(`${served.url}/__sandbox/requests/stream`, admin);
    await expect.poll(() => stream.comments.filter((c) => c === 'heartbeat').length, { timeout: 1000, interval: 20 }).toBeGreaterThanOrEqual(2);
    expect(served.sandbox.journal.listened).toBe(true);
    stream.close();
    await expect.poll(() => served.sandbox.journal.listened, { timeout: 1000, interval: 20 }).toBe(false);
  });

  it('refuses bad filters and bad credentials with a problem', async () => {
    const bad = await fetch(`${served.url}/__sandbox/requests/stream?replay=-1&fault=sometimes`, { headers: admin });
    expect(bad.status).toBe(400);
    const problem = await bad.json();
    expect(problem.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/query/fault', '/query/replay']);
    const unknown = await fetch(`${served.url}/__sandbox/requests/stream`, { headers: { authorization: 'Bearer nope' } });
    expect(unknown.status).toBe(401);
  });

  it('paces a burst: at most 100 entries a flush, the rest counted in a skipped message, none lost from the count', async () => {
    const stream = await openStream(`${served.url}/__sandbox/requests/stream?tenant_id=ten_nordwind&operation_id=listLabels`, admin);
    const burst = 300;
    await Promise.all(Array.from({ length: burst }, () => partner('/api/v2/labels').then((r) => r.arrayBuffer())));
    const accounted = () => stream.messages.reduce((sum, m) => sum + (m.event === 'request' ? 1 : m.event === 'skipped' ? JSON.parse(m.data).skipped : 0), 0);
    await expect.poll(accounted, { timeout: 3000 }).toBe(burst);
    for (const m of stream.messages.filter((m) => m.event === 'skipped')) expect(JSON.parse(m.data).reason).toContain('narrow the filters');
    stream.close();
  });
});
