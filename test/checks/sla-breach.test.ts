// `marketplace-sandbox sla` (the CLI, in its own process) against the sandbox with a fault rule
// that makes getProduct 500 ms slow (PUT /__sandbox/faults): the breach is found, named in the
// summary and the report, and the exit code is 1.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitGroups } from '../../src/checks/check-target.ts';
import { ControlClient, unthrottledLimits } from '../../src/control/client.ts';
import type { SlaReport } from '../../src/checks/sla-evaluation.ts';
import { ADMIN_TOKEN, serveSandbox, type Served } from './served-sandbox.ts';

const run = promisify(execFile);
const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TINY = file('./fixtures/tiny-profile.yaml');
const RELAXED = file('./fixtures/relaxed-sla.yaml');
const BIN = file('../../bin/marketplace-sandbox.js');

let sandbox: Served & { sandbox: { api: { operations: any[] } } };
let control: ControlClient;
let work: string;

beforeAll(async () => {
  sandbox = await serveSandbox();
  control = new ControlClient({ url: sandbox.url, adminToken: ADMIN_TOKEN });
  work = await mkdtemp(join(tmpdir(), 'sla-breach-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
});

describe('sla under an injected latency fault', () => {
  it('catches an injected latency fault as a breach and the CLI exits 1', async () => {
    const tenant = await control.createTenant('sla breach test');
    expect(await control.setRateLimits(tenant.tenant_id, unthrottledLimits(rateLimitGroups(sandbox.sandbox.api.operations)))).toBe(true);
    // The fault-rule contract of the control API: getProduct answers 500 ms late for this tenant only.
    const rules = (await control.setFaults(tenant.tenant_id, [{ id: 'slow-products', operation_ids: ['getProduct'], latency: { fixed_ms: 500 } }])) as any;
    expect(rules.rules[0]).toMatchObject({ id: 'slow-products', latency: { fixed_ms: 500 } });

    const out = join(work, 'breach');
    const cli = run(
      process.execPath,
      [BIN, 'sla', sandbox.url, '--key', tenant.api_key, '--profile', TINY, '--sla', RELAXED, '--rate', '20', '--duration', '2', '--warmup', '0', '--out', out],
      { env: { ...process.env, CI: 'true' }, timeout: 60_000 },
    );
    const failure = (await cli.then(() => null, (error) => error)) as { code: number; stdout: string } | null;
    expect(failure?.code, 'the CLI must exit non-zero').toBe(1);
    expect(failure!.stdout).toMatch(/^FAIL /);
    expect(failure!.stdout).toMatch(/FAIL getProduct .* breached: .*p95 latency < 300 ms/);

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as SlaReport;
    expect(report.verdict).toBe('fail');
    const breached = report.checks.filter((c) => c.passed === false);
    expect(new Set(breached.map((c) => c.scope))).toEqual(new Set(['getProduct']));
    const p95 = breached.find((c) => c.metric === 'p95')!;
    expect(p95).toMatchObject({ limit: 300, source: 'group products' });
    expect(p95.actual!).toBeGreaterThanOrEqual(500);
    // The operations the fault does not touch still meet their budgets.
    expect(report.operations.find((o) => o.operation_id === 'listUnconfirmedOrders')!.passed).toBe(true);

    await control.clearFaults(tenant.tenant_id);
  });
});
