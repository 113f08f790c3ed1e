// Idempotency-Key as a partner's connector meets it over a real socket: a retried create is
// applied once and answered the same, a reused key with another request is refused, a duplicate
// while the first still runs is told to wait, keys expire after 24 sandbox hours and belong to
// one tenant, and a bad key is refused by name. Webhooks go to a receiver on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CLIENTS } from '../../src/domain/access.ts';
import { ADMIN_TOKEN, serveSandbox } from '../checks/served-sandbox.ts';
import { KEY_A, KEY_B } from '../support/sandbox.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

let served: Awaited<ReturnType<typeof serveSandbox>>;
let receiver: Receiver;

beforeAll(async () => {
  served = await serveSandbox({ strict: true, clock: { mode: 'manual', factor: 1 } });
  receiver = await startReceiver();
  const hook = await send('POST', '/api/v2/webhooks', { body: { url: receiver.url, events: ['product.*', 'order.*'] } });
  expect(hook.status, hook.text).toBe(201);
});
afterAll(async () => {
  await served?.close();
  await receiver?.close();
});

interface Sent {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

async function send(method: string, path: string, o: { key?: string; idempotencyKey?: string; body?: unknown; form?: Record<string, string> } = {}): Promise<Sent> {
  const headers: Record<string, string> = {};
  if (o.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  else headers.authorization = `Bearer ${o.key ?? KEY_A}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.idempotencyKey !== undefined) headers['idempotency-key'] = o.idempotencyKey;
  const payload = o.form ? new URLSearchParams(o.form).toString() : o.body === undefined ? undefined : JSON.stringify(o.body);
  const res = await fetch(`${served.url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${served.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.status === 204 ? undefined : res.json();
};

let skus = 0;
/** A product the default world accepts (the spec's example, with a sku of its own). */
const product = () => ({
  sku: `idem-${Date.now().toString(36)}-${++skus}`,
  title: 'Streck Studio Headphones, black',
  brand_id: 'brand_3pjgu174',
  category_id: 'cat_07twnttu',
  ean: '4260123450014',
  price: 149.99,
  currency: 'EUR',
  parameters: { colour: 'black', connectivity: 'bluetooth', battery_life_hours: '40', form_factor: 'over_ear', noise_cancelling: 'yes' },
});

const productsWithSku = async (sku: string, key: string = KEY_A) => (await send('GET', `/api/v2/products?q=${sku}&limit=100`, { key })).body.data.filter((p: { sku: string }) => p.sku === sku);

describe('a retried POST /api/v2/products with one Idempotency-Key', () => {
  it('creates one product, emits one product.created and answers the retries byte for byte, marked as replays', async () => {
    const body = product();
    const key = crypto.randomUUID();
    const answers: Sent[] = [];
    for (let i = 0; i < 3; i++) answers.push(await send('POST', '/api/v2/products', { body, idempotencyKey: key }));

    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(answers[0]!.headers.get('idempotent-replayed')).toBeNull();
    for (const replay of answers.slice(1)) {
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.text).toBe(answers[0]!.text);
      expect(replay.headers.get('location')).toBe(answers[0]!.headers.get('location'));
      expect(replay.headers.get('content-type')).toBe(answers[0]!.headers.get('content-type'));
      expect(replay.headers.get('x-ratelimit-limit')).not.toBeNull(); // the policies' headers are fresh
    }
    const created = await productsWithSku(body.sku);
    expect(created.map((p: { id: string }) => p.id)).toEqual([answers[0]!.body.id]);
    expect((await send('GET', answers[0]!.headers.get('location')!)).status).toBe(200);

    // A later product's event arrives after any second one of the first would have (deliveries keep their order).
    const later = await send('POST', '/api/v2/products', { body: product() });
    expect(later.status).toBe(201);
    await receiver.waitFor((got) => got.some((r) => r.event.event === 'product.created' && r.event.data.id === later.body.id));
    const events = receiver.received.filter((r) => r.event.event === 'product.created' && r.event.data.id === answers[0]!.body.id);
    expect(events).toHaveLength(1);

    // The journal shows what happened: one create, two replays.
    const journal = await control('GET', `/__sandbox/requests?operation_id=createProduct&limit=100`);
    const mine = journal.data.filter((e: { notes: string[] }) => e.notes.includes('idempotent_replay'));
    expect(mine.length).toBeGreaterThanOrEqual(2);
  });

  it('with a different body, path or method under a used key answers 422 idempotency_key_mismatch and applies nothing', async () => {
    const key = crypto.randomUUID();
    const first = await send('POST', '/api/v2/products', { body: product(), idempotencyKey: key });
    expect(first.status).toBe(201);
    const other = product();
    const mismatch = await send('POST', '/api/v2/products', { body: other, idempotencyKey: key });
    expect(mismatch.status).toBe(422);
    expect(mismatch.headers.get('content-type')).toBe('application/problem+json');
    expect(mismatch.body).toMatchObject({ code: 'idempotency_key_mismatch', differs: ['body'], first_request: { method: 'POST', path: '/api/v2/products' } });
    expect(mismatch.body.detail).toContain('new key');
    expect(await productsWithSku(other.sku)).toEqual([]);

    const elsewhere = await send('PATCH', `/api/v2/products/${first.body.id}`, { body: { title: 'Renamed' }, idempotencyKey: key });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.differs).toEqual(['method', 'path', 'body']);
    expect((await send('GET', `/api/v2/products/${first.body.id}`)).body.title).toBe(first.body.title);
  });

  it('while the first request still runs answers 409 idempotency_key_in_use with Retry-After; the retry afterwards gets the answer', async () => {
    // An injected latency holds the first request inside the pipeline, after its key is taken.
    await control('PUT', '/__sandbox/faults', { rules: [{ id: 'slow-create', operation_ids: ['createProduct'], latency: { fixed_ms: 1000 } }] });
    try {
      const body = product();
      const key = crypto.randomUUID();
      // Whichever arrives first takes the key and waits; the other finds it held.
      const both = await Promise.all([send('POST', '/api/v2/products', { body, idempotencyKey: key }), send('POST', '/api/v2/products', { body, idempotencyKey: key })]);
      const statuses = both.map((a) => a.status).sort();
      expect(statuses).toEqual([201, 409]);
      const busy = both.find((a) => a.status === 409)!;
      expect(busy.body).toMatchObject({ code: 'idempotency_key_in_use', idempotency_key: key });
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await productsWithSku(body.sku)).toHaveLength(1);

      const retry = await send('POST', '/api/v2/products', { body, idempotencyKey: key });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.text).toBe(both.find((a) => a.status === 201)!.text);
    } finally {
      await control('DELETE', '/__sandbox/faults');
    }
  });

  it('does not remember an injected failure: the retry with the same key is applied for real', async () => {
    await control('PUT', '/__sandbox/faults', { rules: [{ id: 'down', operation_ids: ['createProduct'], every_nth: { n: 1, status: 503 } }] });
    const body = product();
    const key = crypto.randomUUID();
    try {
      expect((await send('POST', '/api/v2/products', { body, idempotencyKey: key })).status).toBe(503);
    } finally {
      await control('DELETE', '/__sandbox/faults');
    }
    const retry = await send('POST', '/api/v2/products', { body, idempotencyKey: key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await productsWithSku(body.sku)).toHaveLength(1);
  });
});

describe('keys', () => {
  it('expire 24 sandbox hours after the first request', async () => {
    const body = product();
    const key = crypto.randomUUID();
    expect((await send('POST', '/api/v2/products', { body, idempotencyKey: key })).status).toBe(201);
    await control('POST', '/__sandbox/clock/advance', { seconds: 24 * 3600 - 1 });
    expect((await send('POST', '/api/v2/products', { body, idempotencyKey: key })).headers.get('idempotent-replayed')).toBe('true');
    await control('POST', '/__sandbox/clock/advance', { seconds: 1 });
    // Forgotten: the request is applied again, and the sku is taken by the first one.
    const again = await send('POST', '/api/v2/products', { body, idempotencyKey: key });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('sku_taken');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it('belong to one tenant: another tenant using the same key gets its own answer', async () => {
    const body = product();
    const key = crypto.randomUUID();
    const mine = await send('POST', '/api/v2/products', { body, idempotencyKey: key });
    const theirs = await send('POST', '/api/v2/products', { body, idempotencyKey: key, key: KEY_B });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await productsWithSku(body.sku, KEY_B)).toHaveLength(1);
  });

  it.each([
    ['empty', '', 'is empty'],
    ['too long', 'k'.repeat(256), 'at most 255'],
    ['with a space', 'my key', 'may contain only'],
  ])('%s is refused with 400 at /headers/idempotency-key, and nothing is applied', async (_, key, message) => {
    const body = product();
    const res = await send('POST', '/api/v2/products', { body, idempotencyKey: key });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual([{ pointer: '/headers/idempotency-key', message: expect.stringContaining(message) }]);
    expect(await productsWithSku(body.sku)).toEqual([]);
  });

  it('of 255 characters are accepted', async () => {
    const res = await send('POST', '/api/v2/products', { body: product(), idempotencyKey: 'k'.repeat(255) });
    expect(res.status).toBe(201);
  });
});

describe('a PATCH with side effects', () => {
  it('an order status update retried with its key is replayed, and emits its event once', async () => {
    await control('POST', '/__sandbox/orders/generate', { count: 1, payment_mix: { prepaid: 0, cash_on_delivery: 1 } });
    await control('POST', '/__sandbox/clock/advance', { seconds: 600 });
    const open = (await send('GET', '/api/v2/orders?status=open&limit=100')).body.data.find((o: { confirmed: boolean }) => !o.confirmed);
    expect(open).toBeDefined();
    const key = crypto.randomUUID();
    const first = await send('PATCH', `/api/v2/orders/${open.id}/status`, { body: { status: 'shipping' }, idempotencyKey: key });
    expect(first.status, first.text).toBe(200);
    const retry = await send('PATCH', `/api/v2/orders/${open.id}/status`, { body: { status: 'shipping' }, idempotencyKey: key });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.text).toBe(first.text);

    const later = await send('POST', '/api/v2/products', { body: product() });
    await receiver.waitFor((got) => got.some((r) => r.event.data?.id === later.body.id));
    expect(receiver.received.filter((r) => r.event.event.startsWith('order.') && r.event.data.id === open.id && r.event.data.status === 'shipping')).toHaveLength(1);
  });
});

describe('POST /oauth/token', () => {
  it('takes no Idempotency-Key: each token request issues a new token', async () => {
    const client = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;
    const form = { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret };
    const a = await send('POST', '/oauth/token', { form, idempotencyKey: 'same-key' });
    const b = await send('POST', '/oauth/token', { form, idempotencyKey: 'same-key' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.access_token).not.toBe(a.body.access_token);
  });
});
