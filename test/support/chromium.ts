// Headless Chromium for browser tests: playwright-core driving Debian's chromium (installed by the
// test setup, scripts/ensure-test-tools.sh). Tests skip themselves where it is missing.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** A browser kept off the (closed) network; as root Chromium needs --no-sandbox. Undefined without Chromium. */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!hasChromium) return undefined;
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
