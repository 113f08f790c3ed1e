// `verify-pact` on the pacts this repository ships (pacts/): every interaction, HTTP and webhook
// messages, verifies against an in-process sandbox with no spec drift.
import { describe, expect, it } from 'vitest';
import { verifyPact } from '../../../src/pact/verify-pact.ts';
import { reportPassed } from '../../../src/pact/verification-report.ts';
import { PACT_DIR } from '../support/contract-names.ts';

describe('verify-pact on the shipped pacts', () => {
  it('verifies every interaction of pacts/, HTTP and messages, with no spec drift', async () => {
    const report = await verifyPact({ source: PACT_DIR });
    const failures = report.results.filter((r) => r.status !== 'passed' || r.drift.length > 0);
    expect(failures, JSON.stringify(failures, null, 2)).toEqual([]);
    expect(report.results.some((r) => r.kind === 'message')).toBe(true);
    expect(report.results.length).toBeGreaterThanOrEqual(20);
    expect(reportPassed(report)).toBe(true);
  }, 60_000);
});
