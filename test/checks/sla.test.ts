// `sla` against the sandbox on a real port: a tiny profile passes (OAuth client credentials, open
// and closed model), and the HTML report renders in headless Chromium with its table and plots.
// The breach under an injected latency fault is in sla-breach.test.ts.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitGroups } from '../../src/checks/check-target.ts';
import { ControlClient, unthrottledLimits } from '../../src/control/client.ts';
import { runSla, type SlaRunOptions } from '../../src/checks/sla-run.ts';
import { ADMIN_TOKEN, serveSandbox, type Served } from './served-sandbox.ts';

const run = promisify(execFile);
const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TINY = file('./fixtures/tiny-profile.yaml');
const RELAXED = file('./fixtures/relaxed-sla.yaml');
const SPEC = file('../../specs/marketplace.openapi.yaml');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

let sandbox: Served & { sandbox: { api: { operations: any[] } } };
let control: ControlClient;
let work: string;

/** A tenant of its own with its limits lifted, so the run measures latency, not throttling. */
async function measuredTenant(): Promise<{ tenant_id: string; api_key: string }> {
  const tenant = await control.createTenant('sla test');
  expect(await control.setRateLimits(tenant.tenant_id, unthrottledLimits(rateLimitGroups(sandbox.sandbox.api.operations)))).toBe(true);
  return tenant;
}

/** A control-API call that must succeed (the client throws, naming the call, on anything but a 2xx). */
function admin(method: string, path: string, body?: unknown): Promise<any> {
  return control.call(method, path, body);
}

const base = (): Omit<SlaRunOptions, 'baseUrl'> => ({
  specFile: SPEC,
  slaFile: RELAXED,
  profileFile: TINY,
  durationSeconds: 2,
  warmupSeconds: 0.5,
  timeoutMs: 5000,
  maxInFlight: 64,
  seed: 1,
  version: 'test',
});

beforeAll(async () => {
  sandbox = await serveSandbox(); // rate limits enforced, as a partner meets them
  control = new ControlClient({ url: sandbox.url, adminToken: ADMIN_TOKEN });
  work = await mkdtemp(join(tmpdir(), 'sla-test-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
});

describe('sla against the sandbox', () => {
  it('passes a tiny profile at a fixed rate, authenticated with OAuth client credentials', async () => {
    const tenant = await measuredTenant();
    const client = await admin('POST', `/__sandbox/tenants/${tenant.tenant_id}/oauth-clients`, { name: 'sla test' });

    const { report, exitCode, files } = await runSla({
      ...base(),
      baseUrl: sandbox.url,
      oauth: `${client.client_id}:${client.client_secret}`,
      rate: 25,
      outDir: join(work, 'pass'),
    });

    const failed = report.checks.filter((c) => c.passed === false).map((c) => `${c.scope} ${c.label}: ${c.actual}`);
    expect(failed).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.verdict).toBe('pass');
    expect(report.target.auth).toContain('OAuth client credentials');
    expect(report.load).toMatchObject({ model: 'open', rate_per_second: 25, duration_s: 2 });
    // Every template was exercised and answered; nothing was throttled or failed.
    expect(report.operations.map((o) => o.operation_id).sort()).toEqual(['getProduct', 'listUnconfirmedOrders', 'updateProductPrice']);
    expect(report.summary.requests).toBeGreaterThanOrEqual(40);
    expect(report.summary.rate_limited).toBe(0);
    expect(report.summary.errors).toBe(0);
    for (const op of report.operations) expect(Object.keys(op.statuses)).toEqual(['200']);
    // Percentiles are ordered and the plot data is there.
    const l = report.summary.latency;
    expect(l.p50_ms).toBeGreaterThan(0);
    expect(l.p50_ms).toBeLessThanOrEqual(l.p95_ms);
    expect(l.p95_ms).toBeLessThanOrEqual(l.max_ms);
    expect(report.operations[0]!.percentile_curve.length).toBeGreaterThan(5);
    expect(report.operations[0]!.histogram.reduce((n, b) => n + b.count, 0)).toBe(report.operations[0]!.latency.count);
    expect(files.map((f) => f.split('/').pop())).toEqual(['report.json', 'report.html']);
    expect(JSON.parse(await readFile(files[0]!, 'utf8')).verdict).toBe('pass');
  });

  it('runs the closed model with a fixed number of callers', async () => {
    const tenant = await measuredTenant();
    const { report, exitCode } = await runSla({ ...base(), baseUrl: sandbox.url, key: tenant.api_key, connections: 2, durationSeconds: 1, warmupSeconds: 0 });
    expect(exitCode).toBe(0);
    expect(report.load).toMatchObject({ model: 'closed', connections: 2, rate_per_second: null });
    expect(report.summary.requests).toBeGreaterThan(10);
  });

  it.skipIf(!existsSync(CHROMIUM))('renders report.html in headless Chromium with the budgets table and the plots', async () => {
    const html = join(work, 'pass', 'report.html');
    const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    try {
      const { stdout: dom } = await run(
        CHROMIUM,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${profile}`,
          '--dump-dom',
          pathToFileURL(html).href,
        ],
        { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
      );
      expect(dom).toContain('<strong>PASS</strong>');
      // The budgets table: a header, the all-requests row and one row per operation, each with a result.
      const table = /<table id="budgets">([\s\S]*?)<\/table>/.exec(dom)?.[1] ?? '';
      expect(table).toContain('Slow end (p95)');
      expect(table).toContain('All requests');
      for (const op of ['getProduct', 'listUnconfirmedOrders', 'updateProductPrice']) expect(table).toContain(`>${op}</a>`);
      expect(table.match(/<tr/g)?.length).toBe(1 + 1 + 3);
      // One percentile plot (with its curve) and one histogram (with bars) per operation.
      expect(dom.match(/<svg class="percentile-plot"[\s\S]*?<path class="curve" d="M[\d.]+,[\d.]+ L/g)?.length).toBe(3);
      expect(dom.match(/<svg class="histogram"[\s\S]*?<rect class="bar"/g)?.length).toBe(3);
      // Self-contained: nothing is fetched from anywhere.
      expect(dom).not.toMatch(/<script|<link|src="http|href="http/);
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });

});
