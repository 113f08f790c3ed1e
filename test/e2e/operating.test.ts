// What an operator sees of a running sandbox, through the built bin on a real port: /metrics
// counts what was answered, /__sandbox/ready, X-Request-Id on every answer and in the journal and
// problem bodies, and `--log-level` (JSON lines at info, nothing at silent).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';

const bin = fileURLToPath(new URL('../../bin/marketplace-sandbox.js', import.meta.url));
const ADMIN = 'operating-admin-token';
const [A, B] = DEFAULT_TENANTS;
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SIGTERM, and the whole output once the process has exited. */
  stop(): Promise<string>;
}

function serve(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--memory', ...args], {
    env: { ...process.env, SANDBOX_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve({
        child,
        url: match[1]!,
        output: () => output,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
          return output;
        },
      });
    }, 20);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
}

const partner = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

/** The value of one sample of the exposition text, 0 when it is not there (yet). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3]);
  }
  return 0;
}

const scrape = async (url: string) => {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('operating a running sandbox', () => {
  it('/metrics needs the admin token and counts requests, refusals, faults and the queue as they happen', async () => {
    const s = await serve(['--log-level', 'silent']);
    try {
      const refused = await fetch(`${s.url}/metrics`);
      expect(refused.status).toBe(401);
      expect((await refused.json()).code).toBe('admin_token_required');

      const list = await (await fetch(`${s.url}/api/v2/products?limit=1`, { headers: partner(A.api_key) })).json();
      const id = list.data[0].id as string;
      const before = await scrape(s.url);
      const ok = { operation: 'getProduct', tenant: A.id, status: '200' };
      const missing = { operation: 'getProduct', tenant: A.id, status: '404' };
      for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}/api/v2/products/${id}`, { headers: partner(A.api_key) })).status).toBe(200);
      expect((await fetch(`${s.url}/api/v2/products/prod_notthere`, { headers: partner(A.api_key) })).status).toBe(404);
      expect((await fetch(`${s.url}/no/such/route`)).status).toBe(404);

      // B gets one request a day: its second is a 429.
      expect((await fetch(`${s.url}/__sandbox/tenants/${B.id}/rate-limits`, { method: 'PUT', headers: admin, body: JSON.stringify({ daily_quota: 1 }) })).status).toBe(200);
      await fetch(`${s.url}/api/v2/products?limit=1`, { headers: partner(B.api_key) });
      expect((await fetch(`${s.url}/api/v2/products?limit=1`, { headers: partner(B.api_key) })).status).toBe(429);
      // Every listOrders of A fails with an injected 503.
      const faults = { tenant_id: A.id, rules: [{ id: 'down', operation_ids: ['listOrders'], error: { rate: 1, status: 503 } }] };
      expect((await fetch(`${s.url}/__sandbox/faults`, { method: 'PUT', headers: admin, body: JSON.stringify(faults) })).status).toBe(200);
      expect((await fetch(`${s.url}/api/v2/orders`, { headers: partner(A.api_key) })).status).toBe(503);

      const after = await scrape(s.url);
      expect(sample(after, 'sandbox_requests_total', ok) - sample(before, 'sandbox_requests_total', ok)).toBe(3);
      expect(sample(after, 'sandbox_requests_total', missing) - sample(before, 'sandbox_requests_total', missing)).toBe(1);
      expect(sample(after, 'sandbox_request_duration_seconds_count', ok)).toBe(sample(after, 'sandbox_requests_total', ok));
      expect(sample(after, 'sandbox_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(sample(after, 'sandbox_requests_total', ok));
      expect(sample(after, 'sandbox_request_duration_seconds_sum', ok)).toBeGreaterThan(0);
      expect(sample(after, 'sandbox_unmatched_requests_total', { status: '404' })).toBe(1);
      expect(sample(after, 'sandbox_requests_total', { operation: 'listProducts', tenant: B.id, status: '429' })).toBe(1);
      expect(sample(after, 'sandbox_rate_limit_refusals_total', { tenant: B.id, policy: 'daily' })).toBe(1);
      expect(sample(after, 'sandbox_injected_faults_total', { tenant: A.id, kind: 'error' })).toBe(1);
      expect(sample(after, 'sandbox_requests_total', { operation: 'listOrders', tenant: A.id, status: '503' })).toBe(1);
      expect(after).toMatch(/^sandbox_webhook_queue_depth 0$/m);
      expect(after).toMatch(/^# TYPE sandbox_webhook_deliveries_total counter$/m);
      expect(after).toMatch(/^# TYPE sandbox_store_write_duration_seconds histogram$/m);
      expect(after).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      expect(after).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    } finally {
      await s.stop();
    }
  });

  it('/__sandbox/ready answers 200 without a token while the sandbox serves', async () => {
    const s = await serve(['--log-level', 'silent']);
    try {
      const res = await fetch(`${s.url}/__sandbox/ready`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ status: 'ready', checks: { closing: false, state_file: 'memory' } });
      expect(typeof body.checks.warmed_up).toBe('boolean');
    } finally {
      await s.stop();
    }
  });

  it('X-Request-Id is taken when valid, made otherwise, echoed on every answer and recorded in the journal and in problems', async () => {
    const s = await serve(['--log-level', 'silent']);
    try {
      const sent = 'connector-42.retry-3';
      const found = await fetch(`${s.url}/api/v2/products/prod_notthere`, { headers: partner(A.api_key, { 'x-request-id': sent }) });
      expect(found.headers.get('x-request-id')).toBe(sent);
      // The problem body as before, with the id beside the instance.
      expect(await found.json()).toEqual({
        type: '/problems/not_found',
        title: 'Not Found',
        status: 404,
        detail: 'Product prod_notthere does not exist for this tenant.',
        code: 'not_found',
        resource_id: 'prod_notthere',
        instance: '/api/v2/products/prod_notthere',
        request_id: sent,
      });
      const journal = await (await fetch(`${s.url}/__sandbox/requests?tenant_id=${A.id}&operation_id=getProduct`, { headers: admin })).json();
      expect(journal.data[0]).toMatchObject({ request_id: sent, status: 404, path: '/api/v2/products/prod_notthere' });

      for (const bad of ['has space', 'x'.repeat(129), 'tab\tinside']) {
        const res = await fetch(`${s.url}/api/v2/products?limit=1`, { headers: partner(A.api_key, { 'x-request-id': bad }) });
        expect(res.headers.get('x-request-id')).toMatch(UUID);
      }
      // Made when none is sent, on answers of every kind: a 200, a 401, a 404 of no route, a 405, a 429.
      expect((await fetch(`${s.url}/__sandbox/tenants/${B.id}/rate-limits`, { method: 'PUT', headers: admin, body: JSON.stringify({ daily_quota: 1 }) })).status).toBe(200);
      await fetch(`${s.url}/api/v2/products?limit=1`, { headers: partner(B.api_key) });
      const answers = [
        await fetch(`${s.url}/api/v2/products?limit=1`, { headers: partner(A.api_key) }),
        await fetch(`${s.url}/api/v2/products?limit=1`, { headers: partner('mk_test_unknown') }),
        await fetch(`${s.url}/no/such/route`),
        await fetch(`${s.url}/__sandbox/health`, { method: 'DELETE' }),
        await fetch(`${s.url}/api/v2/products?limit=1`, { headers: partner(B.api_key) }),
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 401, 404, 405, 429]);
      const ids = answers.map((r) => r.headers.get('x-request-id'));
      for (const id of ids) expect(id).toMatch(UUID);
      expect(new Set(ids).size).toBe(ids.length);
      for (const r of answers.slice(1)) expect((await r.json()).request_id).toBe(r.headers.get('x-request-id'));
      const throttled = await (await fetch(`${s.url}/__sandbox/requests?tenant_id=${B.id}&status=429`, { headers: admin })).json();
      expect(throttled.data[0].request_id).toBe(ids[4]);
    } finally {
      await s.stop();
    }
  });

  it('--log-level info writes one JSON line per request on stdout; silent writes none', async () => {
    const info = await serve(['--log-level', 'info']);
    const sent = 'log-line-check';
    expect((await fetch(`${info.url}/api/v2/products/prod_notthere`, { headers: partner(A.api_key, { 'x-request-id': sent }) })).status).toBe(404);
    // The line is written as a template (src/logging/request-line.ts): what JSON must escape still is.
    const quoted = 'q"uo\\te';
    expect((await fetch(`${info.url}/api/v2/products/prod_notthere`, { headers: partner(A.api_key, { 'x-request-id': quoted }) })).status).toBe(404);
    expect((await fetch(`${info.url}/no/such/route`, { headers: { 'x-request-id': 'unrouted-check' } })).status).toBe(404);
    const logged = (await info.stop()).split('\n').filter((line) => line.startsWith('{'));
    const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'listening')).toMatchObject({ level: 'info', url: info.url });
    const line = lines.find((l) => l.request_id === sent);
    expect(line).toMatchObject({ level: 'info', msg: 'request', method: 'GET', path: '/api/v2/products/prod_notthere', operation: 'getProduct', tenant: A.id, status: 404 });
    expect(line!.latency_ms).toEqual(expect.any(Number));
    expect(line!.time).toEqual(expect.any(Number));
    expect(lines.find((l) => l.request_id === quoted)).toMatchObject({ path: '/api/v2/products/prod_notthere', status: 404 });
    expect(lines.find((l) => l.request_id === 'unrouted-check')).toMatchObject({ level: 'info', msg: 'request', path: '/no/such/route', operation: null, tenant: null, status: 404 });

    const silent = await serve(['--log-level', 'silent']);
    expect((await fetch(`${silent.url}/api/v2/products/prod_notthere`, { headers: partner(A.api_key) })).status).toBe(404);
    const quiet = await silent.stop();
    expect(quiet).toContain('listening on');
    expect(quiet.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
  });

  it('refuses a --log-level it does not know', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--log-level', 'loud'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toContain("option '--log-level <level>' argument 'loud' is invalid. must be one of fatal, error, warn, info, debug, trace, silent.");
  });
});
