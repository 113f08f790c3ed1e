// Pages and tables of the docs that mirror the code or the specs: generated, or checked here, so
// they cannot drift. docs/control-api.md is generated (`npm run docs`); the plans, the rate-limit
// groups, the event types and the pipeline's error codes are checked against their source.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTROL_API_PAGE, controlApiPage } from '../../scripts/control-api-docs.ts';
import { PACT_PAGE, pactPage } from '../../scripts/pact-states-docs.ts';
import { READINESS_SCHEMA, readinessSchema } from '../../scripts/readiness-schema.ts';
import { listOperations, loadDocument } from '../../src/contract/operations.ts';
import { PLANS } from '../../src/domain/rate-limit.ts';
import { DECLARED_NOT_EMITTED, EVENT_TYPES } from '../../src/events/builders.ts';
import { specRateLimitGroups } from '../../src/rate-limits/counters.ts';
import { DEFAULT_SPEC } from '../../src/sandbox-files.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFile(`${root}${file}`, 'utf8');
const number = (cell: string) => Number(cell.replace(/[\s ]/g, ''));

/** The rows of every Markdown table in `text`, as cells. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
}

describe('docs that mirror the source', () => {
  it('docs/control-api.md is what specs/sandbox-admin.openapi.yaml generates (else: npm run docs)', async () => {
    expect(await readFile(CONTROL_API_PAGE, 'utf8')).toBe(await controlApiPage());
  });

  it("docs/pact.md lists every provider-state form verify-pact knows, as src/pact/provider-states.ts has them (else: npm run docs)", async () => {
    expect(await readFile(PACT_PAGE, 'utf8')).toBe(await pactPage());
  });

  it('specs/readiness-report.schema.json is the ReadinessReport of specs/sandbox-admin.openapi.yaml (else: npm run docs)', async () => {
    expect(await readFile(READINESS_SCHEMA, 'utf8')).toBe(await readinessSchema());
  });

  it.each(['docs/access.md', 'src/policies/rate-limit/README.md'])('the plans table of %s is PLANS', async (file) => {
    const rows = tableRows(await read(file)).filter((r) => /^`?(basic|growth|enterprise)`?/.test(r[0]!));
    expect(rows.map((r) => [r[0]!.replace(/`|\s*\(default\)/g, ''), number(r[1]!), number(r[2]!)])).toEqual(
      Object.entries(PLANS).map(([plan, p]) => [plan, p.daily_quota, p.burst_per_minute]),
    );
  });

  it("the rate-limit groups of docs/access.md are the spec's x-rate-limit groups", async () => {
    const groups = specRateLimitGroups(listOperations(await loadDocument(DEFAULT_SPEC)));
    const documented: Record<string, number> = {};
    for (const row of tableRows(await read('docs/access.md'))) {
      // Two groups per row: | group | per minute | | group | per minute |
      if (row.length !== 5) continue;
      for (const at of [0, 3]) {
        const name = /^`([a-z_]+)`/.exec(row[at] ?? '')?.[1];
        if (name && row[at + 1] && /^\d/.test(row[at + 1]!)) documented[name] = number(row[at + 1]!);
      }
    }
    expect(documented).toEqual(groups);
  });

  it('docs/webhooks.md names every event type, and no other', async () => {
    const named = new Set<string>();
    for (const row of tableRows(await read('docs/webhooks.md'))) for (const m of row[0]!.matchAll(/`([a-z_]+\.[a-z_]+)`/g)) named.add(m[1]!);
    expect([...named].filter((t) => !EVENT_TYPES.includes(t as never))).toEqual([]);
    expect(EVENT_TYPES.filter((t) => !named.has(t))).toEqual([]);
    // The types declared but not emitted yet are exactly those the page says so of.
    const declared = tableRows(await read('docs/webhooks.md'))
      .filter((row) => /^Declared/.test(row[1] ?? ''))
      .flatMap((row) => [...row[0]!.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]!));
    expect(declared.sort()).toEqual([...DECLARED_NOT_EMITTED].sort());
    expect(DECLARED_NOT_EMITTED.filter((t) => !EVENT_TYPES.includes(t))).toEqual([]);
  });

  it("every error code docs/getting-started.md lists as the pipeline's own is one the sandbox sends", async () => {
    const page = await read('docs/getting-started.md');
    const list = /Codes the pipeline itself uses:([\s\S]*?)\n-/.exec(page)?.[1] ?? '';
    const codes = [...list.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(5);
    const { execFileSync } = await import('node:child_process');
    for (const code of codes) {
      const found = execFileSync('grep', ['-rlF', `'${code}'`, `${root}src`], { encoding: 'utf8' }).trim();
      expect(found, code).not.toBe('');
    }
  });
});
