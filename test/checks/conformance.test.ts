// `conformance` against the sandbox itself (its own proof that it keeps its contract) and against
// a small server that breaks its contract three ways, each of which must be found.
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type ConformanceOptions } from '../../src/checks/conformance-run.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { ADMIN_TOKEN, serveApp, serveSandbox, type Served } from './served-sandbox.ts';

const BROKEN_SPEC = fileURLToPath(new URL('./fixtures/broken-api.openapi.yaml', import.meta.url));
const MARKETPLACE_SPEC = fileURLToPath(new URL('../../specs/marketplace.openapi.yaml', import.meta.url));

const bounds = { maxRequests: 2000, maxDurationSeconds: 120, timeoutMs: 10_000, seed: 1, version: 'test' };

describe('conformance against the sandbox', () => {
  let sandbox: Served;
  beforeAll(async () => {
    sandbox = await serveSandbox();
  });
  afterAll(() => sandbox.close());

  it('finds no violation in any operation, reads and writes, valid and invalid requests', async () => {
    const options: ConformanceOptions = {
      ...bounds,
      baseUrl: sandbox.url,
      specFile: MARKETPLACE_SPEC,
      freshTenant: true,
      adminToken: ADMIN_TOKEN,
      allowWrites: true,
      // Webhook subscriptions the check creates point at a closed local port, never outside.
      overrides: { url: 'http://127.0.0.1:9/conformance-hook' },
    };
    const { report, exitCode } = await runConformance(options);

    const summary = report.violations.map((v) => `${v.operation_id} ${v.request.label} → ${v.status}: ${v.pointer} ${v.message}`);
    expect(summary).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.verdict).toBe('pass');
    // Every operation of the contract was called, with valid and with invalid requests.
    expect(report.counts.checked).toBe(report.counts.operations);
    expect(report.operations.filter((o) => o.requests === 0)).toEqual([]);
    expect(report.counts.invalid_requests).toBeGreaterThan(report.counts.operations);
    // Invalid requests were refused with 4xx, which the sandbox documents: 400, 401, 413 and 415 all occur.
    const statuses = new Set(report.operations.flatMap((o) => Object.keys(o.statuses)));
    for (const status of ['200', '400', '401', '413', '415']) expect(statuses).toContain(status);
    // It ran as a tenant of its own: the default tenants are untouched.
    expect(report.target.tenant).toMatch(/^ten_/);
    expect(report.target.tenant).not.toBe('ten_nordwind');
  });

  it('leaves writes out unless --allow-writes is given', async () => {
    const { report } = await runConformance({
      ...bounds,
      baseUrl: sandbox.url,
      specFile: MARKETPLACE_SPEC,
      key: DEFAULT_TENANTS[0].api_key,
      allowWrites: false,
      only: ['getProduct', 'updateProduct', 'listOrders'],
    });
    const byId = Object.fromEntries(report.operations.map((o) => [o.operation_id, o]));
    expect(byId.getProduct!.status).toBe('checked');
    expect(byId.listOrders!.status).toBe('checked');
    expect(byId.updateProduct).toMatchObject({ status: 'skipped', reason: 'write (run with --allow-writes)', requests: 0 });
    expect(report.violations).toEqual([]);
  });
});

describe('conformance against a deliberately broken server', () => {
  let broken: Served;
  beforeAll(async () => {
    const app = new Hono();
    const problem = (status: number, detail: string) =>
      new Response(JSON.stringify({ type: 'about:blank', title: 'Error', status, detail }), { status, headers: { 'content-type': 'application/problem+json' } });
    app.get('/items', (c) => {
      const limit = c.req.query('limit');
      // Break 1: an undocumented status (422 where the contract documents 400).
      if (limit !== undefined && !(Number.isInteger(Number(limit)) && Number(limit) >= 1 && Number(limit) <= 50)) return problem(422, 'limit must be 1-50');
      return c.json({ data: [{ id: 'itm_1', price: 12.5 }] });
    });
    app.get('/items/:id', (c) => {
      if (!/^itm_[0-9]+$/.test(c.req.param('id'))) return problem(400, 'item_id must look like itm_123');
      if (c.req.param('id') !== 'itm_1') return problem(404, 'no such item');
      // Break 2: a wrong type (price as text).
      return c.json({ id: 'itm_1', price: '12.50' });
    });
    // Break 3: the required X-Request-Id header is missing.
    app.get('/status', (c) => c.json({ status: 'ok' }));
    broken = await serveApp(app);
  });
  afterAll(() => broken.close());

  it('finds the wrong type, the undocumented status and the missing header, nothing else', async () => {
    const { report, exitCode } = await runConformance({ ...bounds, baseUrl: broken.url, specFile: BROKEN_SPEC, allowWrites: false });

    expect(exitCode).toBe(1);
    expect(report.verdict).toBe('fail');
    const found = [...new Set(report.violations.map((v) => `${v.operation_id} ${v.rule} ${v.pointer}`))].sort();
    expect(found).toEqual(['getItem body_schema /body/price', 'getStatus missing_header /headers/x-request-id', 'listItems undocumented_status /status']);

    // Each violation names the request that caused it.
    const wrongType = report.violations.find((v) => v.rule === 'body_schema')!;
    expect(wrongType).toMatchObject({ status: 200, message: 'must be number', request: { method: 'GET', url: `${broken.url}/items/itm_1`, intent: 'valid' } });
    const undocumented = report.violations.find((v) => v.rule === 'undocumented_status')!;
    expect(undocumented.status).toBe(422);
    expect(undocumented.request.intent).toBe('invalid');
    expect(undocumented.request.broken_at).toBe('/query/limit');
    expect(undocumented.request.url).toMatch(/\/items\?limit=/);
  });
});
