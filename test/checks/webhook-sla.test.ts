// `webhook-sla` over real deliveries: a partner receiver on 127.0.0.1 that refuses each event's
// first attempt (503) and acknowledges the retry after ~30 ms. The sandbox delivers (retries
// sped up), and webhook-sla reads the delivery log through the API and judges the receiver.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SLA_FILE } from '../../src/checks/sla-budgets.ts';
import { runWebhookSla } from '../../src/checks/webhook-sla.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { ADMIN_TOKEN, serveApp, serveSandbox, type Served } from './served-sandbox.ts';

const RELAXED = fileURLToPath(new URL('./fixtures/relaxed-sla.yaml', import.meta.url));
const [NORDWIND, SUEDHAFEN] = DEFAULT_TENANTS;
const EVENTS = 4;

let sandbox: Served;
let receiver: Served;
const seen = new Set<string>();

async function partner(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${SUEDHAFEN.api_key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}: ${res.status}`).toBeLessThan(300);
  return res.json();
}

beforeAll(async () => {
  const app = new Hono();
  app.post('/hooks', async (c) => {
    const id = c.req.header('webhook-id') ?? '';
    if (!seen.has(id)) {
      seen.add(id);
      return c.text('busy', 503);
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    return c.body(null, 204);
  });
  receiver = await serveApp(app);
  sandbox = await serveSandbox({ webhooks: { retryScale: 0.01 } });

  const subscription = await partner('POST', '/api/v2/webhooks', { url: `${receiver.url}/hooks`, events: ['*'] });
  for (let i = 0; i < EVENTS; i++) await partner('POST', `/api/v2/webhooks/${subscription.id}/ping`);
  // Wait (bounded) until every delivery has finished.
  for (let i = 0; i < 100; i++) {
    const log = await partner('GET', `/api/v2/webhooks/${subscription.id}/deliveries?limit=100`);
    if (log.data.length === EVENTS && log.data.every((d: any) => d.status !== 'pending')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

describe('webhook-sla', () => {
  it('reports acknowledgement latency, success and retries, and passes the shipped budget', async () => {
    const { report, exitCode } = await runWebhookSla({ url: sandbox.url, tenant: SUEDHAFEN.id, adminToken: ADMIN_TOKEN, slaFile: DEFAULT_SLA_FILE, maxDeliveries: 1000, version: 'test' });

    expect(report.deliveries).toEqual({ total: EVENTS, succeeded: EVENTS, failed: 0, pending: 0, retried: EVENTS, max_attempts: 2 });
    expect(report.attempts).toEqual({ total: 2 * EVENTS, acknowledged_2xx: EVENTS, answered_non_2xx: EVENTS, timeouts: 0, connection_errors: 0 });
    expect(report.success_rate_pct).toBe(100);
    expect(report.retry_rate_pct).toBe(100);
    // Half the attempts were quick 503s, half waited ~30 ms before acknowledging.
    expect(report.ack_latency.count).toBe(2 * EVENTS);
    expect(report.ack_latency.p95_ms).toBeGreaterThanOrEqual(25);
    expect(report.ack_latency.p50_ms).toBeLessThanOrEqual(report.ack_latency.p95_ms);
    expect(report.checks.map((c) => [c.metric, c.passed])).toEqual([
      ['ack_p95', true],
      ['success_rate', true],
    ]);
    expect(exitCode).toBe(0);
    expect(report.verdict).toBe('pass');
  });

  it('fails a budget that allows fewer retries, naming the breach', async () => {
    const { report, exitCode } = await runWebhookSla({ url: sandbox.url, tenant: SUEDHAFEN.id, adminToken: ADMIN_TOKEN, slaFile: RELAXED, maxDeliveries: 1000, version: 'test' });
    expect(exitCode).toBe(1);
    expect(report.verdict).toBe('fail');
    expect(report.checks.filter((c) => c.passed === false)).toEqual([
      { metric: 'retry_rate', label: 'deliveries needing a retry ≤ 50 %', limit: 50, actual: 100, unit: '%', passed: false },
    ]);
    expect(report.headline).toContain('deliveries needing a retry ≤ 50 %');
  });

  it('says there is nothing to judge for a tenant without deliveries (exit 3)', async () => {
    const { report, exitCode } = await runWebhookSla({ url: sandbox.url, tenant: NORDWIND.id, adminToken: ADMIN_TOKEN, slaFile: DEFAULT_SLA_FILE, maxDeliveries: 1000, version: 'test' });
    expect(exitCode).toBe(3);
    expect(report.verdict).toBe('no_data');
    expect(report.deliveries.total).toBe(0);
  });

  it('refuses an unknown tenant with a message saying where tenants are listed', async () => {
    await expect(
      runWebhookSla({ url: sandbox.url, tenant: 'ten_nobody', adminToken: ADMIN_TOKEN, slaFile: DEFAULT_SLA_FILE, maxDeliveries: 10, version: 'test' }),
    ).rejects.toThrow(/no tenant ten_nobody .*GET \/__sandbox\/tenants/);
  });
});
