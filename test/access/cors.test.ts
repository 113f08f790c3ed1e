// CORS, as a partner's browser app meets it: a page served on another port calls the sandbox from
// headless Chromium (playwright-core over Debian's chromium, as the other browser tests do), with
// a preflight for its Authorization header, and reads the exposed rate-limit headers; a page from
// an origin that is not allowed is refused by the browser. Then the headers themselves, through a
// real socket: 204 preflights with the spec's methods per path, and a control API that never gets
// a permissive policy, not even with --cors '*'.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { ADMIN_TOKEN, serveSandbox, type Served } from '../checks/served-sandbox.ts';
import { hasChromium, launchChromium } from '../support/chromium.ts';

const KEY = DEFAULT_TENANTS[0].api_key;
const pages: Server[] = [];
const sandboxes: Served[] = [];
let browser: Browser | undefined;

/** A page of a partner's app on its own port: it calls `api` with fetch and shows what it got. */
async function appPage(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>partner app</title><p>app</p>');
  });
  pages.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function sandbox(cors?: string[]): Promise<Served> {
  const served = await serveSandbox({ strict: true, rateLimits: false, cors });
  sandboxes.push(served);
  return served;
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const s of sandboxes) await s.close();
  for (const p of pages) await new Promise((resolve) => p.close(resolve));
});

/** Runs fetch in the page; resolves to what the app could read, or the browser's error. */
async function fetchFromPage(pageUrl: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  const page = await browser!.newPage();
  try {
    await page.goto(pageUrl);
    return await page.evaluate(
      async ({ url, init }) => {
        try {
          const res = await fetch(url, init);
          return { ok: true, status: res.status, remaining: res.headers.get('x-ratelimit-remaining'), location: res.headers.get('location'), body: await res.text() };
        } catch (error) {
          return { ok: false, error: String(error) };
        }
      },
      { url, init },
    );
  } finally {
    await page.close();
  }
}

describe.skipIf(!hasChromium)('a browser app on another origin', () => {
  it('calls the partner API by default from http://127.0.0.1:<port>, reads the rate-limit headers and Location', async () => {
    const page = await appPage();
    const api = await sandbox();
    const read = await fetchFromPage(page, `${api.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(read).toMatchObject({ ok: true, status: 200 });
    expect(Number(read.remaining)).toBeGreaterThan(0);
    expect(JSON.parse(read.body!).data).toHaveLength(1);

    const write = await fetchFromPage(page, `${api.url}/api/v2/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': 'browser-1' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['order.created'] }),
    });
    expect(write).toMatchObject({ ok: true, status: 201 });
    expect(write.location).toMatch(/^\/api\/v2\/webhooks\/wh_/);
  });

  it('is refused from an origin --cors does not list', async () => {
    const allowed = await appPage();
    const other = await appPage();
    const api = await sandbox([allowed]);
    expect(await fetchFromPage(allowed, `${api.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${KEY}` } })).toMatchObject({ ok: true, status: 200 });
    const refused = await fetchFromPage(other, `${api.url}/api/v2/products?limit=1`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain('Failed to fetch');
  });
});

describe('CORS headers', () => {
  const preflight = (base: string, path: string, origin: string, method = 'GET') =>
    fetch(`${base}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' } });

  it('answers a preflight on every route with 204 and the methods the spec has at that path', async () => {
    const api = await sandbox();
    const origin = 'http://localhost:3000';
    const products = await preflight(api.url, '/api/v2/products', origin);
    expect(products.status).toBe(204);
    expect(products.headers.get('access-control-allow-origin')).toBe(origin);
    expect(products.headers.get('access-control-allow-methods')!.split(',')).toEqual(['GET', 'POST', 'OPTIONS']);
    for (const header of ['authorization', 'content-type', 'idempotency-key', 'prefer']) {
      expect(products.headers.get('access-control-allow-headers')!.toLowerCase().split(',')).toContain(header);
    }
    const one = await preflight(api.url, '/api/v2/products/prod_x', origin, 'PATCH');
    expect(one.status).toBe(204);
    expect(one.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect((await preflight(api.url, '/openapi.json', origin)).status).toBe(204);
    expect((await preflight(api.url, '/__sandbox/reset', origin, 'POST')).status).toBe(204);
    expect((await preflight(api.url, '/nowhere', origin)).status).toBe(404);

    const answer = await fetch(`${api.url}/api/v2/products/prod_nope`, { headers: { origin, authorization: `Bearer ${KEY}` } });
    expect(answer.status).toBe(404);
    expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    const exposed = answer.headers.get('access-control-expose-headers')!.toLowerCase();
    for (const header of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit', 'ratelimit-policy', 'retry-after', 'location', 'x-request-id']) {
      expect(exposed.split(', ')).toContain(header);
    }
    const stranger = await fetch(`${api.url}/api/v2/products?limit=1`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${KEY}` } });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(stranger.headers.get('vary')).toContain('Origin');
  });

  it("with --cors '*' allows any origin without credentials on the partner API, and never on the control API", async () => {
    const api = await sandbox(['*']);
    const partner = await preflight(api.url, '/api/v2/products', 'https://pim.example.com');
    expect(partner.headers.get('access-control-allow-origin')).toBe('*');
    expect(partner.headers.get('access-control-allow-credentials')).toBeNull();
    const control = await preflight(api.url, '/__sandbox/reset', 'https://pim.example.com', 'POST');
    expect(control.status).toBe(204);
    expect(control.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await fetch(`${api.url}/__sandbox/tenants`, { headers: { origin: 'https://pim.example.com', authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    // This machine's own browser apps keep reaching it.
    const local = await preflight(api.url, '/__sandbox/reset', 'http://localhost:5173', 'POST');
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });
});
