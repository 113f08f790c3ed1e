// /console in headless Chromium (playwright-core, test/support/chromium.ts): an operator logs in,
// a request made with curl appears in the live journal within a second, the journal is walked
// with the arrow keys and a row opened with Enter, a failed webhook delivery is redelivered and
// its new attempt shows, a tenant is reset; a partner's console refuses another tenant's data.
// Screenshots of the main pages go to test-output/console/.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { serveSandbox, type Served } from '../checks/served-sandbox.ts';
import { hasChromium, launchChromium } from '../support/chromium.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

const ADMIN = 'console-browser-admin';
const [A, B] = DEFAULT_TENANTS;
const SHOTS = 'test-output/console';
const curl = promisify(execFile);

let served: Served;
let browser: Browser | undefined;
let receiver: Receiver;

beforeAll(async () => {
  served = await serveSandbox({ adminToken: ADMIN, rateLimits: false });
  receiver = await startReceiver(() => 500);
  browser = await launchChromium();
  await mkdir(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await served?.close();
});

const partnerCall = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${served.url}${path}`, { method, headers: { authorization: `Bearer ${A!.api_key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
};

/** What `read` gives once `check` holds for it, or the last value after `timeoutMs` (the assertion then fails). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const textOf = (locator: { innerText(): Promise<string> }, wanted: string) => eventually(() => locator.innerText(), (t) => t.includes(wanted));

async function logIn(page: Page, token: string) {
  await page.goto(`${served.url}/console`);
  await page.getByLabel('Admin token or tenant API key').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 10_000 });
}

describe.skipIf(!hasChromium)('/console in headless Chromium', () => {
  it('an operator logs in, sees a curl request in the journal within 1 s, walks it with the keyboard, redelivers a failed delivery and resets the tenant', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const foreign: string[] = [];
    page.on('request', (r) => { if (new URL(r.url()).origin !== new URL(served.url).origin) foreign.push(r.url()); });
    try {
      const stream = page.waitForResponse((r) => r.url().includes('/console/api/__sandbox/requests/stream'), { timeout: 10_000 });
      await logIn(page, ADMIN);
      expect((await stream).status()).toBe(200);
      expect(await eventually(() => page.locator('#tenant-picker').inputValue(), (v) => v === A!.id)).toBe(A!.id);

      // A request made with curl, as a partner's tool would.
      const started = Date.now();
      await curl('curl', ['-s', '-o', '/dev/null', '-H', `Authorization: Bearer ${A!.api_key}`, `${served.url}/api/v2/orders?limit=7`]);
      await page.locator('table.journal tbody tr', { hasText: 'limit=7' }).waitFor({ timeout: 1000 });
      expect(Date.now() - started).toBeLessThan(1500); // curl itself included
      await curl('curl', ['-s', '-o', '/dev/null', '-H', `Authorization: Bearer ${A!.api_key}`, `${served.url}/api/v2/orders?limit=8`]);
      await page.locator('table.journal tbody tr', { hasText: 'limit=8' }).waitFor({ timeout: 1000 });
      await page.screenshot({ path: `${SHOTS}/journal.png`, fullPage: true });

      // Keyboard: the newest row, ArrowDown to the next, Enter opens its detail.
      const rows = page.locator('table.journal tbody tr');
      await rows.first().focus();
      await page.keyboard.press('ArrowDown');
      const second = await rows.nth(1).getAttribute('data-entry');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-entry'))).toBe(second);
      await page.keyboard.press('Enter');
      const detail = page.locator('section.detail');
      await detail.waitFor({ timeout: 2000 });
      expect(await textOf(detail.locator('h3'), '/api/v2/orders')).toContain('/api/v2/orders');
      expect(await textOf(detail.locator('.rate-limit'), 'order')).toContain('order');
      expect(await detail.locator('.faults').innerText()).toBe('none');
      await page.screenshot({ path: `${SHOTS}/journal-detail.png`, fullPage: true });

      // Subscribing from the console: a refused URL is explained beside its field, a good one shows its secret once.
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByLabel('Receiver URL', { exact: true }).fill('ftp://example.invalid/hooks');
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await page.locator('#sub-url-error').waitFor({ timeout: 5000 });
      await page.getByLabel('Receiver URL', { exact: true }).fill(`${receiver.url}/from-console`);
      await page.getByLabel('Events (types or globs, comma-separated)', { exact: true }).fill('price.updated, return.*');
      await page.getByRole('button', { name: 'Subscribe' }).click();
      const subscribed = await textOf(page.getByRole('status'), 'Signing secret');
      const made = (await partnerCall('GET', '/api/v2/webhooks')).data.find((w: { url: string }) => w.url === `${receiver.url}/from-console`);
      expect(made).toMatchObject({ events: ['price.updated', 'return.*'], active: true });
      expect(subscribed).toContain(made.id);
      expect(subscribed).toMatch(/whsec_\S+/);
      await page.locator(`[data-subscription="${made.id}"]`).waitFor({ timeout: 5000 });
      expect((await fetch(`${served.url}/api/v2/webhooks/${made.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${A!.api_key}` } })).status).toBe(204);

      // A delivery that failed (no retries), then the receiver mends and the console redelivers it.
      const sub = await partnerCall('POST', '/api/v2/webhooks', { url: receiver.url, events: ['order.*'], retry_policy: { max_retries: 0 } });
      const ping = await partnerCall('POST', `/api/v2/webhooks/${sub.id}/ping`);
      await receiver.waitFor((r) => r.length >= 1);
      receiver.respond = () => 200;
      await page.getByRole('link', { name: 'Webhooks' }).click();
      const row = page.locator(`tr[data-delivery="${ping.delivery_id}"]`);
      await page.locator(`tr[data-delivery="${ping.delivery_id}"][data-status="failed"]`).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: `${SHOTS}/webhooks.png`, fullPage: true });
      await row.getByRole('button', { name: `Redeliver ${ping.delivery_id}` }).click();
      await page.locator(`tr[data-delivery="${ping.delivery_id}"][data-status="succeeded"]`).waitFor({ timeout: 10_000 });
      expect(await eventually(() => row.locator('.attempts li').count(), (n) => n === 2)).toBe(2);
      expect(await textOf(row.locator('.attempts li').nth(1), '200')).toContain('200');
      expect(await textOf(page.locator(`[data-subscription="${sub.id}"] .health`), 'success rate 50%')).toContain('success rate 50%');

      // Orders: the status machine of one order.
      await page.getByRole('link', { name: 'Orders' }).click();
      await page.locator('tr[data-order] button').first().click();
      await page.locator('svg.machine .node.current').waitFor({ timeout: 5000 });
      await page.screenshot({ path: `${SHOTS}/orders.png`, fullPage: true });

      // Reset: the subscription made above is gone with the tenant's state.
      await page.getByRole('link', { name: 'Scenarios' }).click();
      await page.getByLabel('Scenario', { exact: true }).selectOption('default');
      await page.getByRole('button', { name: 'Reset tenant' }).click();
      await page.getByRole('status').filter({ hasText: `Reset ${A!.id} into default.` }).waitFor({ timeout: 10_000 });
      expect((await partnerCall('GET', '/api/v2/webhooks')).data).toEqual([]);
      await page.screenshot({ path: `${SHOTS}/scenarios.png`, fullPage: true });

      // The editor shows the control API's errors beside their fields.
      await page.getByRole('link', { name: 'Faults & limits' }).click();
      await page.getByRole('button', { name: 'Add rule' }).click();
      await page.getByLabel('Error rate (0 to 1)', { exact: true }).fill('2');
      await page.getByRole('button', { name: 'Save fault rules' }).click();
      await page.locator('#error_rate-0-error').waitFor({ timeout: 5000 });
      // Every kind of rule: a latency distribution, an error with Retry-After, a timeout, every Nth.
      await page.getByLabel('Error rate (0 to 1)', { exact: true }).fill('0.25');
      await page.getByLabel('Error Retry-After (s)', { exact: true }).fill('4');
      await page.getByLabel('Paths (globs, comma-separated)', { exact: true }).fill('/api/v2/orders*');
      await page.getByLabel('Latency p50 (ms)', { exact: true }).fill('20');
      await page.getByLabel('Latency p95 (ms)', { exact: true }).fill('80');
      await page.getByLabel('Timeout rate (0 to 1)', { exact: true }).fill('0.1');
      await page.getByLabel('Timeout hang (ms)', { exact: true }).fill('500');
      await page.getByLabel('Fail every Nth request', { exact: true }).fill('3');
      await page.getByRole('button', { name: 'Save fault rules' }).click();
      await page.getByRole('status').filter({ hasText: 'Fault rules saved.' }).waitFor({ timeout: 5000 });
      const saved = await (await fetch(`${served.url}/__sandbox/faults?tenant_id=${A!.id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
      expect(saved.rules).toEqual([
        expect.objectContaining({ paths: ['/api/v2/orders*'], latency: { p50_ms: 20, p95_ms: 80 }, error: { rate: 0.25, status: 500, retry_after_seconds: 4 }, timeout: { rate: 0.1, hang_ms: 500 }, every_nth: { n: 3, status: 503 } }),
      ]);
      await page.screenshot({ path: `${SHOTS}/faults.png`, fullPage: true });
      await fetch(`${served.url}/__sandbox/faults?tenant_id=${A!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
      await page.getByRole('link', { name: 'Readiness' }).click();
      await page.locator('.verdict').waitFor({ timeout: 5000 });
      await page.screenshot({ path: `${SHOTS}/readiness.png`, fullPage: true });

      expect(foreign).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('a partner sees only its own tenant and cannot reach another one\'s data', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    try {
      await logIn(page, A!.api_key);
      expect(await textOf(page.locator('.who'), `Partner of ${A!.id}`)).toBe(`Partner of ${A!.id}`);
      expect(await page.locator('#tenant-picker').count()).toBe(0);
      // The page's session tries another tenant on every route it might.
      const statuses = await page.evaluate(async (other) => {
        const get = (path: string, init?: RequestInit) => fetch(path, init).then((r) => r.status);
        return [
          await get(`/console/api/__sandbox/requests?tenant_id=${other}`),
          await get(`/console/api/__sandbox/tenants/${other}/readiness`),
          await get('/console/api/__sandbox/tenants'),
          await get(`/console/api/__sandbox/state?tenant_id=${other}`),
        ];
      }, B!.id);
      expect(statuses).toEqual([404, 404, 401, 404]);
      await page.getByRole('link', { name: 'Readiness' }).click();
      await page.locator('.verdict').waitFor({ timeout: 5000 });
      await page.screenshot({ path: `${SHOTS}/partner.png`, fullPage: true });
    } finally {
      await context.close();
    }
  }, 60_000);
});
