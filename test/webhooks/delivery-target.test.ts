// Delivery checks the address it connects to: a host name that resolves to a link-local or cloud
// metadata address is refused as the socket is made, and the attempt is a failure in the delivery
// log that says why; a name that resolves to a permitted address is delivered to. DNS is stood in
// for by an injected lookup (metadata.test → 169.254.169.254, receiver.test → 127.0.0.1), so no
// query leaves the machine and nothing is ever sent to the refused address.
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkResolvedAddress } from '../../src/domain/webhook-target.ts';
import type { WebhookDelivery } from '../../src/domain/types.ts';
import { startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

const NAMES: Record<string, string> = { 'metadata.test': '169.254.169.254', 'receiver.test': '127.0.0.1' };
const asked: string[] = [];
const lookup: LookupFunction = (hostname, options, callback) => {
  asked.push(hostname);
  const address = NAMES[hostname];
  if (!address) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
  if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [{ address, family: 4 }]);
  else callback(null, address, 4);
};

let sb: TestSandbox;
let receiver: Receiver;

beforeAll(async () => {
  sb = await startSandbox({ webhooks: { retrySchedule: [1], retryScale: 0.001, lookup } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});

async function pingedDelivery(url: string): Promise<WebhookDelivery> {
  const created = await sb.call('POST', '/api/v2/webhooks', { body: { url, events: ['order.*'] } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const ping = await sb.call('POST', `/api/v2/webhooks/${created.body.id}/ping`);
  expect(ping.status).toBe(202);
  return vi.waitFor(
    async () => {
      const log = (await sb.call('GET', `/api/v2/webhooks/${created.body.id}/deliveries`)).body.data as WebhookDelivery[];
      const delivery = log.find((d) => d.id === ping.body.delivery_id);
      if (!delivery || delivery.status === 'pending') throw new Error('still pending');
      return delivery;
    },
    { timeout: 10_000, interval: 20 },
  );
}

describe('the address a delivery connects to', () => {
  it('refuses a host name that resolves to a metadata address, and says so in the delivery log', async () => {
    const port = new URL(receiver.url).port;
    const delivery = await pingedDelivery(`http://metadata.test:${port}/hooks`);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts.length).toBeGreaterThan(0);
    for (const attempt of delivery.attempts) {
      expect(attempt.status_code).toBeNull();
      expect(attempt.error).toContain('refused: metadata.test resolves to 169.254.169.254');
      expect(attempt.error).toContain('SANDBOX_WEBHOOK_ALLOW');
    }
    expect(asked).toContain('metadata.test');
    expect(receiver.received).toHaveLength(0);
  });

  it('delivers to a host name that resolves to a permitted address', async () => {
    const port = new URL(receiver.url).port;
    const delivery = await pingedDelivery(`http://receiver.test:${port}/hooks`);
    expect(delivery).toMatchObject({ status: 'succeeded' });
    expect(receiver.received.map((r) => r.event.event)).toEqual(['webhook.ping']);
  });

  it('the allow-list names a refused host or address on purpose', () => {
    expect(checkResolvedAddress('metadata.test', '169.254.169.254')).toMatchObject({ allowed: false });
    expect(checkResolvedAddress('metadata.test', '169.254.169.254', ['metadata.test'])).toEqual({ allowed: true });
    expect(checkResolvedAddress('lab.test', '169.254.10.7', ['169.254.10.0/24'])).toEqual({ allowed: true });
    expect(checkResolvedAddress('lab.test', 'fe80::1')).toMatchObject({ allowed: false, reason: expect.stringContaining('link-local') });
    expect(checkResolvedAddress('box.test', '::ffff:169.254.169.254')).toMatchObject({ allowed: false });
    expect(checkResolvedAddress('box.test', '10.0.0.5')).toEqual({ allowed: true });
  });
});
