// A pact written elsewhere, as a partner's connector names its provider states from the
// marketplace documents ("a product with id X exists", "an open unconfirmed order exists"),
// verified by the real CLI against an in-process sandbox: the unambiguous phrasings are aliases
// and pass; each unknown one gets exactly one did-you-mean naming the nearest form and what it
// needs; the list of known forms is printed once; a header regex that matches only part of a
// value is explained.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/marketplace-sandbox.js', import.meta.url));
const PACT = fileURLToPath(new URL('../fixtures/acme-erp-connector-natural-states.json', import.meta.url));

let output = '';
let exitCode: number | null = null;

beforeAll(async () => {
  await new Promise<void>((resolve) => {
    execFile(process.execPath, [BIN, 'verify-pact', PACT], { env: { ...process.env, SANDBOX_ADMIN_TOKEN: '' }, timeout: 60_000 }, (error, stdout, stderr) => {
      output = stdout + stderr;
      exitCode = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve();
    });
  });
}, 90_000);

/** The lines of one interaction's verdict and its explanation, up to the next verdict. */
function verdictOf(description: string): string {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /^\s+[✓✗] /.test(l) && l.includes(` ${description} (given`));
  expect(start, `no verdict for "${description}" in:\n${output}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && (/^\s+[✓✗] /.test(l) || l.trim() === ''));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

describe('verify-pact with natural provider-state names', () => {
  it('accepts the unambiguous phrasings as aliases of the known forms', () => {
    for (const description of [
      'a request for one product',
      'a request for the orders awaiting confirmation',
      'a request for a confirmed order',
      'a request for the stock locations',
      'a request for the webhook subscriptions',
      'a small price change',
    ]) {
      expect(verdictOf(description), output).toMatch(/✓ PASS/);
    }
  });

  it('gives each unknown state one did-you-mean: the nearest form and the parameters it needs', () => {
    const expected: [string, string, string][] = [
      ['a request to confirm an order', 'an unconfirmed open order {order_id} exists', 'order_id'],
      ['a request for an order', 'order {order_id} is {status}', 'status'],
      ['a request for an empty catalogue', 'product {product_id} does not exist', 'product_id'],
      ['a stock update for one SKU', 'SKU {sku} exists at location {location_id}', 'location_id'],
    ];
    for (const [description, form, parameter] of expected) {
      const verdict = verdictOf(description);
      expect(verdict).toMatch(/✗ STATE/);
      expect(verdict.match(/Did you mean/g)).toHaveLength(1);
      expect(verdict).toContain(`Did you mean "${form}"?`);
      expect(verdict).toMatch(new RegExp(`needs .*${parameter} \\(`));
    }
  });

  it('lists the known forms once, after the interactions', () => {
    expect(output.match(/Provider states the sandbox knows/g)).toHaveLength(1);
    expect(output.match(/^ {2}- product \{product_id\} exists$/gm)).toHaveLength(1);
  });

  it('explains that a Pact header regex must match the whole value', () => {
    const verdict = verdictOf('a request for the stock locations that checks the daily quota is advertised');
    expect(verdict).toMatch(/✗ FAIL/);
    expect(verdict).toContain('Pact regexes must match the whole header value');
    expect(verdict).toContain(`write '.*"daily";q=\\d+;w=86400'`);
  });

  it('is not verified, and says so with exit code 1', () => {
    expect(output).toMatch(/11 interactions: 6 passed, 1 failed, 4 with unknown provider states/);
    expect(exitCode).toBe(1);
  });
});
