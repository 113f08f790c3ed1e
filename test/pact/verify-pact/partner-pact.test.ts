// `verify-pact` as a partner's CI uses it: the real CLI, a partner pact in Pact v2 format served at
// a URL, a sandbox at --url, a states file. The pact holds one good interaction and three bad
// ones: a wrong status expectation (red, named), an unknown provider state (a clear error, not a
// pass) and a request the sandbox happens to answer but the spec does not promise (spec drift).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessSandbox, type RunningSandbox } from '../../../src/pact/in-process-sandbox.ts';
import { verifyPact } from '../../../src/pact/verify-pact.ts';
import { summarise } from '../../../src/pact/verification-report.ts';

const BIN = fileURLToPath(new URL('../../../bin/marketplace-sandbox.js', import.meta.url));

const partnerPact = {
  consumer: { name: 'acme-erp' },
  provider: { name: 'marketplace-seller-api' },
  interactions: [
    {
      description: 'a request for the stock locations',
      providerState: 'the warehouses are known',
      request: { method: 'GET', path: '/api/v2/locations', headers: { Authorization: 'Bearer mk_test_acme_ci_key' } },
      response: {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: { data: [{ id: 'loc_berlin', name: 'Lager Berlin', country_code: 'DE' }] },
        matchingRules: { '$.body.data': { min: 1 }, '$.body.data[*].*': { match: 'type' } },
      },
    },
    {
      description: 'a request for unconfirmed orders expecting 201',
      request: { method: 'GET', path: '/api/v2/orders/unconfirmed', query: 'page=1&limit=5', headers: { Authorization: 'Bearer mk_test_acme_ci_key' } },
      response: { status: 201 },
    },
    {
      description: 'a request for the weather at the warehouse',
      providerState: 'the moon is made of cheese',
      request: { method: 'GET', path: '/api/v2/locations', headers: { Authorization: 'Bearer mk_test_acme_ci_key' } },
      response: { status: 200 },
    },
    {
      description: 'a request for the stock locations of one region',
      request: { method: 'GET', path: '/api/v2/locations', query: 'region=north', headers: { Authorization: 'Bearer mk_test_acme_ci_key' } },
      response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: { data: [] }, matchingRules: { '$.body.data': { match: 'type' } } },
    },
  ],
  metadata: { pactSpecification: { version: '2.0.0' } },
};

const statesYaml = `states:
  "the warehouses are known":
    steps:
      - { method: GET, path: /api/v2/locations, expect: 200, save: { location_id: /data/0/id } }
      - { method: GET, path: "/__sandbox/clock?tenant_id=\${tenant_id}", expect: 200 }
`;

describe('verify-pact on a partner pact that is wrong in three ways', () => {
  let running: RunningSandbox;
  let pactServer: Server;
  let stdout = '';
  let exitCode: number | null = null;
  let junit = '';

  beforeAll(async () => {
    running = await startInProcessSandbox();
    pactServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(partnerPact)));
    await new Promise<void>((resolve) => pactServer.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'verify-pact-test-'));
    writeFileSync(join(dir, 'states.yaml'), statesYaml);
    const pactUrl = `http://127.0.0.1:${(pactServer.address() as AddressInfo).port}/pacts/acme-erp.json`;
    const args = [BIN, 'verify-pact', pactUrl, '--url', running.url, '--admin-token', running.adminToken, '--states', join(dir, 'states.yaml'), '--junit', join(dir, 'junit.xml')];
    await new Promise<void>((resolve) => {
      const child = execFile(process.execPath, args, { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (_error, out) => {
        stdout = out;
        resolve();
      });
      child.on('exit', (code) => (exitCode = code));
    });
    junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  }, 90_000);

  afterAll(async () => {
    pactServer?.close();
    await running?.close();
  });

  it('exits non-zero and says NOT VERIFIED', () => {
    expect(exitCode, stdout).toBe(1);
    expect(stdout).toContain('NOT VERIFIED');
    // The wrong status is also undocumented for the operation: it drifts as well.
    expect(stdout).toContain('4 interactions: 1 passed, 1 failed, 1 with unknown provider states, 2 drifting from the spec');
  });

  it('passes the good interaction, its state set up from the states file', () => {
    expect(stdout).toMatch(/✓ PASS {2}a request for the stock locations \(given "the warehouses are known"\)/);
  });

  it('fails the wrong status expectation, naming the interaction and the mismatch', () => {
    expect(stdout).toMatch(/✗ FAIL {2}a request for unconfirmed orders expecting 201\n.*expected 201 but was 200/i);
    expect(stdout).toContain('spec drift at /response/status: 201 is not a documented status of listUnconfirmedOrders');
  });

  it('reports the unknown provider state clearly instead of passing it', () => {
    expect(stdout).toMatch(/✗ STATE a request for the weather at the warehouse \(given "the moon is made of cheese"\)/);
    expect(stdout).toContain('unknown provider state "the moon is made of cheese"');
    expect(stdout).toContain('(it is not in the states file either)');
    expect(stdout).toContain('an unconfirmed open order {order_id} exists');
  });

  it('reports the interaction the sandbox answers but the spec does not promise as spec drift', () => {
    expect(stdout).toMatch(/! DRIFT a request for the stock locations of one region\n.*spec drift at \/request\/query\/region: is not a query parameter of listLocations/);
  });

  it('writes JUnit XML with one failing testcase per bad interaction', () => {
    expect(junit).toContain('<testsuites name="verify-pact" tests="4" failures="3">');
    expect(junit).toContain('type="unknown-state"');
    expect(junit).toContain('type="spec-drift"');
    expect(junit).toMatch(/<testcase [^>]*name="a request for unconfirmed orders expecting 201"[^>]*>\s*<failure message="verification failed"/);
  });

  it('summarises the same way through the function API', async () => {
    const report = await verifyPact({ source: `http://127.0.0.1:${(pactServer.address() as AddressInfo).port}/p.json`, url: running.url, adminToken: running.adminToken });
    // Without the states file, the first interaction's state is unknown too.
    expect(summarise(report)).toEqual({ passed: 0, failed: 1, unknownStates: 2, drifted: 2 });
  }, 60_000);
});
