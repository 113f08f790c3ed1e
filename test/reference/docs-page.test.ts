// /docs in headless Chromium (playwright-core driving Debian's /usr/bin/chromium, installed by
// scripts/ensure-chromium.sh): the partner API's operations render, everything the page loads
// comes from the sandbox with no CSP violation, and try-it sends a request that the sandbox's
// request journal records, with the test key already in place; the control API's reference
// runs with the default admin token pre-filled.
import { EVENT_TYPES } from '../../src/events/builders.ts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.ts';
import { DEFAULT_ADMIN_TOKEN } from '../../src/control/admin-token.ts';
import { generateFixture } from '../../src/fixtures/generate.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { serveSandbox, type Served } from '../checks/served-sandbox.ts';
import { hasChromium, launchChromium } from '../support/chromium.ts';

const TENANT = DEFAULT_TENANTS[0].id;
// A product of the default data, read from the fixtures as the happy path does.
const PRODUCT = Object.values(generateFixture().products)[0]!.id;

let served: Served & { sandbox: { api: { operations: unknown[] } } };
let browser: Browser | undefined;

beforeAll(async () => {
  served = await serveSandbox({ adminToken: DEFAULT_ADMIN_TOKEN });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** A page that records every URL it requests and every console error (CSP violations among them). */
async function openPage(path: string): Promise<{ page: Page; requested: string[]; errors: string[] }> {
  const page = await browser!.newPage();
  const requested: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${served.url}${path}`);
  return { page, requested, errors };
}

describe.skipIf(!hasChromium)('GET /docs in headless Chromium', () => {
  it('lists every partner-API operation, loads nothing from elsewhere, and try-it reaches the sandbox with the test key', async () => {
    const { page, requested, errors } = await openPage('/docs');
    try {
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      // Every operation, and every event type of the spec's `webhooks` (Swagger UI lists those as operations too).
      expect(await page.locator('.opblock').count()).toBe(served.sandbox.api.operations.length + EVENT_TYPES.length);

      const operation = page.locator('#operations-Products-getProduct');
      await operation.locator('.opblock-summary').click();
      await operation.locator('tr[data-param-name="product_id"] input').fill(PRODUCT);
      await operation.locator('button.execute').click();
      const status = operation.locator('.live-responses-table tbody .response-col_status').first();
      await status.waitFor({ timeout: 15_000 });
      expect((await status.innerText()).trim()).toBe('200');
      expect(await operation.locator('.live-responses-table .microlight').first().innerText()).toContain(PRODUCT);

      // The sandbox got it, from the page, authenticated with the tenant's key.
      const journal = await new ControlClient({ url: served.url, adminToken: DEFAULT_ADMIN_TOKEN }).call<{ data: unknown[] }>('GET', `/__sandbox/requests?tenant_id=${TENANT}&operation_id=getProduct`);
      expect(journal.data).toEqual([expect.objectContaining({ method: 'GET', path: `/api/v2/products/${PRODUCT}`, status: 200, credential: 'api_key' })]);

      const origin = new URL(served.url).origin;
      expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
      expect(requested).toContain(`${origin}/openapi.json`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('?api=control opens the control API, with the default admin token already authorised', async () => {
    const { page, errors } = await openPage('/docs?api=control');
    try {
      const operation = page.locator('#operations-Health-getHealth');
      await operation.waitFor({ timeout: 30_000 });
      await operation.locator('.opblock-summary').click();
      await operation.locator('button.execute').click();
      const status = operation.locator('.live-responses-table tbody .response-col_status').first();
      await status.waitFor({ timeout: 15_000 });
      expect((await status.innerText()).trim()).toBe('200');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
