// GraphiQL at /graphql in headless Chromium: the page and everything it loads come from the
// sandbox (no CDN), the test key is in its headers, and its default query runs against the
// sandbox's data; the SDL is served beside it without a key.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSandbox, type Served } from '../checks/served-sandbox.ts';
import { hasChromium, launchChromium } from '../support/chromium.ts';

let served: Served;
let browser: Browser | undefined;

beforeAll(async () => {
  served = await serveSandbox();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

describe('GraphQL reference', () => {
  it('serves the SDL without a key, and sends an API client (no text/html) on to the operation', async () => {
    const sdl = await fetch(`${served.url}/graphql/schema.graphql`);
    expect(sdl.status).toBe(200);
    expect(await sdl.text()).toContain('type Query {');
    const api = await fetch(`${served.url}/graphql`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
  });

  it.skipIf(!hasChromium)('GraphiQL runs its default query offline, with the test key in its headers', async () => {
    const page = await browser!.newPage();
    const requested: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(`${served.url}/graphql`);
      const run = page.locator('.graphiql-execute-button');
      await run.waitFor({ timeout: 30_000 });
      await run.click();
      const result = page.locator('.result-window');
      await expect.poll(async () => result.innerText(), { timeout: 15_000 }).toContain('total_count');
      expect(await result.innerText()).toContain('"total_count": 240');
      const origin = new URL(served.url).origin;
      expect(requested.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
