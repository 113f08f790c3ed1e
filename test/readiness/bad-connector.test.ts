// The readiness report against a deliberately bad connector (./bad-connector.ts) on a real
// sandbox over a socket: each rule it breaks fails, and the evidence names its own request ids.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.ts';
import { ControlClient } from '../../src/control/client.ts';
import { startInProcessSandbox, type RunningSandbox } from '../../src/pact/in-process-sandbox.ts';
import { runBadConnector } from './bad-connector.ts';

let running: RunningSandbox;
let report: any;
let journal: { id: string; operation_id: string; status: number | null }[];
const control = (method: string, path: string, body?: unknown): Promise<any> => new ControlClient({ url: running.url, adminToken: running.adminToken }).call(method, path, body);
const rule = (id: string) => report.rules.find((r: { id: string }) => r.id === id);

beforeAll(async () => {
  running = await startInProcessSandbox();
  // A tight order-reads limit, so the poller meets 429s with Retry-After (and ignores them).
  await control('PUT', '/__sandbox/tenants/ten_nordwind/rate-limits', { plan: 'enterprise', groups: { order_reads: 4 } });
  const products = await control('GET', '/__sandbox/tenants');
  expect(products.data.length).toBeGreaterThan(0);
  const list = await fetch(`${running.url}/api/v2/products?limit=3&status=live`, { headers: { authorization: 'Bearer mk_test_nordwind_7d3f9a2c5e8b41d6' } }).then((r) => r.json());
  await control('DELETE', '/__sandbox/requests?tenant_id=ten_nordwind');
  await runBadConnector({ url: running.url, clientId: 'cli_nordwind_erp', clientSecret: 'cs_test_nordwind_3c7e1a9f5b2d8e46', durationMs: 6500, productIds: list.data.map((p: { id: string }) => p.id) });
  // Three sandbox hours later the orders it never confirmed are overdue.
  await control('POST', '/__sandbox/clock/advance', { tenant_id: 'ten_nordwind', seconds: 3 * 3600 });
  report = await control('GET', '/__sandbox/tenants/ten_nordwind/readiness');
  journal = (await control('GET', '/__sandbox/requests?tenant_id=ten_nordwind&limit=1000')).data;
}, 30_000);

afterAll(async () => {
  await running?.close();
});

/** Every id is a request of the journal, of one of these operations. */
function expectRequests(ids: string[], operations: string[]): void {
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) {
    const entry = journal.find((e) => e.id === id);
    expect(entry, id).toBeDefined();
    expect(operations).toContain(entry!.operation_id);
  }
}

const BIN = new URL('../../bin/marketplace-sandbox.js', import.meta.url).pathname;
const cli = (args: string[]) =>
  promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, SANDBOX_ADMIN_TOKEN: running.adminToken } }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

describe('readiness of a bad connector', () => {
  it('fails the report', () => {
    expect(report.verdict).toBe('fail');
    expect(report.summary.fail).toBeGreaterThanOrEqual(5);
    expect(report.requests.total).toBe(journal.length);
  });

  it('polling every second fails polling discipline, naming the polls', () => {
    const r = rule('polling_discipline');
    expect(r.verdict).toBe('fail');
    expect(r.counts.too_soon).toBeGreaterThanOrEqual(4);
    expectRequests(r.evidence, ['listUnconfirmedOrders']);
  });

  it('unchanged single-item availability pushes fail only real changes and batch use', () => {
    const real = rule('only_real_changes');
    expect(real.verdict).toBe('fail');
    expect(real.counts.unchanged).toBe(real.counts.updates);
    expectRequests(real.evidence, ['updateAvailability']);
    const batch = rule('batch_use');
    expect(batch.verdict).toBe('fail');
    expect(batch.counts.runs).toBeGreaterThanOrEqual(1);
    expectRequests(batch.evidence, ['updateAvailability']);
  });

  it('retrying at once after a 429 fails Retry-After, naming the early requests', () => {
    const r = rule('retry_after_and_backoff');
    expect(r.verdict).toBe('fail');
    expect(r.counts.sent_too_early).toBeGreaterThan(0);
    // Both the order reads and the bulk group (availability) ran out; the retries went out regardless.
    expectRequests(r.evidence, ['listUnconfirmedOrders', 'updateAvailability']);
  });

  it('a token per request fails token hygiene, naming the token requests', () => {
    const r = rule('token_hygiene');
    expect(r.verdict).toBe('fail');
    expect(r.counts.early_tokens).toBeGreaterThan(2);
    expectRequests(r.evidence, ['createToken']);
  });

  it('never confirming fails order handling, naming the orders', () => {
    const r = rule('order_handling');
    expect(r.verdict).toBe('fail');
    expect(r.counts.late_confirmations).toBeGreaterThan(0);
    expect(r.evidence.every((id: string) => id.startsWith('ord_'))).toBe(true);
  });

  it('what the connector never did is not exercised, never pass', () => {
    for (const id of ['price_protection', 'webhook_receiver']) expect(rule(id).verdict, id).toBe('not_exercised');
    // It wrote to products, none of them deleted: judged, and passed.
    expect(rule('writes_to_inactive_products').verdict).toBe('pass');
    // Coverage names what it never called.
    expect(rule('coverage').verdict).toBe('fail');
    expect(rule('coverage').checks[0].measured).toContain('updateOrderStatus');
  });
});

describe('the readiness command and its report files', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'readiness-'));
  });
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('exits 1, prints each rule and writes JSON, HTML and JUnit naming the failures', async () => {
    const answer = await cli(['readiness', '--url', running.url, '--tenant', 'ten_nordwind', '--out', out]);
    expect(answer.code, answer.stderr).toBe(1);
    expect(answer.stdout).toMatch(/readiness of ten_nordwind \(go-live profile, \d+ requests\): FAIL/);
    expect(answer.stdout).toMatch(/FAIL {2}polling_discipline/);
    const json = JSON.parse(await readFile(join(out, 'readiness.json'), 'utf8'));
    expect(json.rules.map((r: { verdict: string }) => r.verdict)).toEqual(report.rules.map((r: { verdict: string }) => r.verdict));
    const junit = await readFile(join(out, 'readiness.xml'), 'utf8');
    expect(junit).toMatch(/<testcase classname="readiness.ten_nordwind" name="polling_discipline: Polling discipline">\s*<failure /);
    expect(junit).toContain(rule('polling_discipline').evidence[0]);
  });

  it('--format chooses the files; a profile file sets the thresholds', async () => {
    const profile = join(out, 'lenient.yaml');
    await import('node:fs/promises').then((fs) => fs.writeFile(profile, 'name: lenient\npolling_discipline: {min_interval_seconds: 0}\n'));
    const answer = await cli(['readiness', '--url', running.url, '--tenant', 'ten_nordwind', '--profile', profile, '--format', 'json', '--out', join(out, 'lenient')]);
    const json = JSON.parse(await readFile(join(out, 'lenient', 'readiness.json'), 'utf8'));
    expect(json.profile).toBe('lenient');
    expect(json.rules.find((r: { id: string }) => r.id === 'polling_discipline').checks[0].verdict).toBe('pass');
    expect(answer.stdout).toContain('readiness.json');
    await expect(readFile(join(out, 'lenient', 'readiness.html'))).rejects.toThrow();
  });

  it('exits 2 with one line when no report can be made', async () => {
    const unknown = await cli(['readiness', '--url', running.url, '--tenant', 'ten_nobody', '--out', out]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('ten_nobody');
    const down = await cli(['readiness', '--url', 'http://127.0.0.1:9', '--tenant', 'ten_nordwind', '--out', out]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach the sandbox');
  });

  it('a profile with a wrong threshold is refused with a pointer', async () => {
    const answer = await new ControlClient({ url: running.url, adminToken: running.adminToken }).request('POST', '/__sandbox/tenants/ten_nordwind/readiness', { profile: { polling_discipline: { min_interval_seconds: -1 } } });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('/body/profile/polling_discipline/min_interval_seconds');
  });

  describe.skipIf(!hasChromium)('the HTML report in headless Chromium', () => {
    it('shows the verdict, a timeline of requests by operation and status, and the rules table', async () => {
      const browser = await launchChromium();
      try {
        const page = await browser!.newPage();
        await page.goto(`file://${join(out, 'readiness.html')}`);
        expect(await page.textContent('#verdict')).toMatch(/^FAIL: /);
        expect(await page.locator('svg.timeline rect').count()).toBeGreaterThan(3);
        expect(await page.locator('svg.timeline text.op').allTextContents()).toContain('listUnconfirmedOrders');
        expect(await page.locator('#rules tr.rule').count()).toBe(12);
        expect(await page.locator('#rule-polling_discipline .chip').first().textContent()).toBe('fail');
        expect(await page.locator('#rule-price_protection .chip').first().textContent()).toBe('not exercised');
      } finally {
        await browser?.close();
      }
    });
  });
});
