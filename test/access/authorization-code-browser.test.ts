// The authorization-code grant in headless Chromium (playwright-core driving Debian's chromium, as
// test/reference/docs-page.test.ts does): the consent page renders with the app, the seller and
// the scopes, the Approve button sends the browser to the app's redirect URI with a code (the app
// is stood in for by an intercepted route), and that code buys a token at the token endpoint.
import { createHash, randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OAUTH_CLIENTS, DEFAULT_REDIRECT_URIS } from '../../src/domain/access.ts';
import { ADMIN_TOKEN, serveSandbox, type Served } from '../checks/served-sandbox.ts';
import { hasChromium, launchChromium } from '../support/chromium.ts';

const CLIENT = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;
const REDIRECT = DEFAULT_REDIRECT_URIS[0]!;

let served: Served;
let browser: Browser | undefined;

beforeAll(async () => {
  served = await serveSandbox({ adminToken: ADMIN_TOKEN });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

describe.skipIf(!hasChromium)('the consent page in headless Chromium', () => {
  it('shows the app, the seller and the scopes; Approve lands on the redirect URI with a code that buys a token', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    // The app at the redirect URI: the browser's arrival there is the redirect, caught here.
    let landed: URL | undefined;
    await page.route(`${REDIRECT}**`, (route) => {
      landed = new URL(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<p id="app-landed">back in the app</p>' });
    });
    try {
      const query = new URLSearchParams({ response_type: 'code', client_id: CLIENT.client_id, redirect_uri: REDIRECT, scope: 'orders', state: 'browser-state', code_challenge: challenge, code_challenge_method: 'S256' });
      await page.goto(`${served.url}/oauth/authorize?${query}`);
      expect(await page.locator('#app').textContent()).toBe(CLIENT.name);
      expect(await page.locator('#seller').textContent()).toContain('Nordwind');
      expect(await page.locator('#scopes li').allTextContents()).toEqual(['orders']);

      await page.getByRole('button', { name: 'Approve' }).click();
      await page.locator('#app-landed').waitFor({ timeout: 10_000 });
      expect(landed?.searchParams.get('state')).toBe('browser-state');
      const code = landed?.searchParams.get('code');
      expect(code).toMatch(/^mac_/);

      const res = await fetch(`${served.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: REDIRECT, code_verifier: verifier, client_id: CLIENT.client_id, client_secret: CLIENT.client_secret }),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).scope).toBe('orders');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
