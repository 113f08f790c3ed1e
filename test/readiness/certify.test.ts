// `marketplace-sandbox certify`, from the built CLI, against a sandbox on 127.0.0.1 while the
// reference connector (examples/partner-connector, run as a service with a webhook endpoint)
// works for a fresh tenant: the compressed day is played, every rule is judged, and the
// reference connector passes every one of them. Then `readiness` renders the same run.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketplaceClient, OAuthClientCredentials, startConnectorService, type RunningService } from '../../examples/partner-connector/src/index.ts';
import { ControlClient } from '../../src/control/client.ts';
import { startInProcessSandbox, type RunningSandbox } from '../../src/pact/in-process-sandbox.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/marketplace-sandbox.js', import.meta.url).pathname;
const PROFILE = new URL('./certify-profile.yaml', import.meta.url).pathname;

let sandbox: RunningSandbox;
let service: RunningService;
let out: string;
let certified: { code: number; stdout: string; stderr: string };
let report: any;

beforeAll(async () => {
  sandbox = await startInProcessSandbox();
  out = await mkdtemp(join(tmpdir(), 'certify-'));
  const control = new ControlClient({ url: sandbox.url, adminToken: sandbox.adminToken });
  const tenant = await control.call<{ tenant_id: string; api_key: string }>('POST', '/__sandbox/tenants', { name: 'certify reference connector' });
  const client = await control.call<{ client_id: string; client_secret: string }>('POST', `/__sandbox/tenants/${tenant.tenant_id}/oauth-clients`, { name: 'reference connector' });
  const api = new MarketplaceClient({
    baseUrl: sandbox.url,
    credentials: new OAuthClientCredentials({ baseUrl: sandbox.url, clientId: client.client_id, clientSecret: client.client_secret }),
    // Never wait inside a call: the service defers that work until Retry-After has passed.
    backoff: { maxRetries: 0 },
  });
  // The ERP's view of three products: their stock goes down, one price goes up by half.
  const products: { data: { id: string; price: number; availability: { in_stock: number } }[] } = await fetch(`${sandbox.url}/api/v2/products?limit=3&status=live`, {
    headers: { authorization: `Bearer ${tenant.api_key}` },
  }).then((r) => r.json());
  let pushes = 0;
  service = await startConnectorService({
    client: api,
    warehouse: { canFulfil: () => ({ ok: true }) },
    // Every 4 s: 20 sandbox minutes at --speed 300, a poll interval the go-live profile accepts beside a working webhook.
    tickMs: 4000,
    packingTicks: 1,
    erp: {
      stock: () => products.data.map((p) => ({ id: p.id, status: 'active' as const, in_stock: Math.max(0, p.availability.in_stock - 1 - pushes++) })),
      prices: () => (pushes <= products.data.length ? [{ productId: products.data[0]!.id, price: Math.round(products.data[0]!.price * 150) / 100, currency: 'EUR' as const }] : []),
    },
  });
  const subscription = await fetch(`${sandbox.url}/api/v2/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.api_key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: service.webhookUrl, events: ['order.*'] }),
  }).then((r) => r.json());
  service.useSecret(subscription.secret);

  const answer = await run(process.execPath, [BIN, 'certify', '--url', sandbox.url, '--tenant', tenant.tenant_id, '--profile', PROFILE, '--speed', '300', '--out', out], {
    env: { ...process.env, SANDBOX_ADMIN_TOKEN: sandbox.adminToken },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );
  certified = answer;
  if (certified.code === 2) throw new Error(`certify could not run: ${certified.stderr}`);
  report = JSON.parse(await readFile(join(out, 'readiness.json'), 'utf8'));
}, 90_000);

afterAll(async () => {
  await service?.stop();
  await sandbox?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

describe('certify with the reference connector', () => {
  it('plays the day and passes every rule', () => {
    const failing = report.rules.filter((r: any) => r.verdict !== 'pass').map((r: any) => `${r.id}: ${r.verdict} — ${r.checks.map((c: any) => `${c.name} ${c.verdict}: ${c.measured}`).join(' | ')}`);
    expect(failing, certified.stdout + certified.stderr).toEqual([]);
    expect(report.verdict).toBe('pass');
    expect(certified.code).toBe(0);
    expect(certified.stdout).toMatch(/certify played: \d+ orders, 1 cancellations/);
  });

  it('the signature probe was refused by the connector, and the day had its trouble', () => {
    const webhook = report.rules.find((r: any) => r.id === 'webhook_receiver');
    expect(webhook.counts.probes).toBe(1);
    expect(service.stats.refusedSignatures).toBeGreaterThanOrEqual(1);
    const retry = report.rules.find((r: any) => r.id === 'retry_after_and_backoff');
    expect(retry.counts.asked_to_wait).toBeGreaterThan(0);
  });

  it('writes HTML and JUnit beside the JSON', async () => {
    const junit = await readFile(join(out, 'readiness.xml'), 'utf8');
    expect(junit).toContain('failures="0"');
    expect((junit.match(/<testcase /g) ?? []).length).toBe(12);
    expect(await readFile(join(out, 'readiness.html'), 'utf8')).toContain('PASS');
  });
});
