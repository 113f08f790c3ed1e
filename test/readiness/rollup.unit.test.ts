// The readiness rollup and rules as plain data: the shipped go-live profile states the defaults,
// a week of traffic stays in bounded memory, and a report over 100 000 requests is fast and
// matches specs/readiness-report.schema.json.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createAjv } from '../../src/contract/ajv.ts';
import { MAX_BUCKETS, newConnectorRecord, observeRequest } from '../../src/domain/connector-record.ts';
import type { JournalEntry } from '../../src/domain/journal.ts';
import { DEFAULT_PROFILE, readinessReport, resolveProfile } from '../../src/domain/readiness.ts';
import { DEFAULT_CERTIFY_PLAN } from '../../src/readiness/certify.ts';

const root = new URL('../../', import.meta.url);

function entry(seq: number, at: number, operation_id: string, status: number, notes: string[] | null = null): JournalEntry {
  return {
    seq, request_id: `r${seq}`, at, sandbox_at: at, method: operation_id.startsWith('list') ? 'GET' : 'PATCH', path: `/api/v2/orders/ord_${seq % 500}/status`, query: '', operation_id, status,
    latency_ms: 1, request_bytes: 0, response_bytes: 0, rl_policy: null, rl_allowed: true, rl_limit: 0, rl_remaining: 0, rl_reset: 0, faults: null, notes, credential: 'api_key', graphql_operation: null,
    request_headers: undefined, request_body: undefined, response_body: undefined,
  };
}

describe('the go-live profile', () => {
  it('profiles/go-live.yaml states exactly the defaults the sandbox applies', async () => {
    const file = parse(await readFile(new URL('profiles/go-live.yaml', root), 'utf8'));
    const { certify, description, ...thresholds } = file;
    expect(typeof description).toBe('string');
    expect(resolveProfile(thresholds)).toEqual(DEFAULT_PROFILE);
    expect(thresholds).toEqual(DEFAULT_PROFILE);
    expect(certify).toEqual(DEFAULT_CERTIFY_PLAN);
  });
});

describe('the connector record', () => {
  it('holds a week of traffic in at most 2016 buckets, and a report over 100 000 requests takes under a second', async () => {
    const record = newConnectorRecord();
    const start = Date.parse('2026-01-05T00:00:00Z');
    const week = 7 * 86_400_000;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const at = start + Math.floor((i / n) * week);
      const poll = i % 4 === 0;
      observeRequest(record, entry(i + 1, at, poll ? 'listUnconfirmedOrders' : 'updateOrderStatus', i % 97 === 0 ? 503 : 200, poll ? null : ['move:open>shipping', ...(i % 50 === 0 ? ['unchanged_update'] : [])]), { code: null, retryAfterSeconds: null, group: 'order_reads' });
    }
    expect(record.buckets.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(record.bucketMs).toBe(8 * 60_000);
    expect(record.polls.length).toBeLessThanOrEqual(4096);
    expect([...record.evidence.values()].every((list) => list.length <= 50)).toBe(true);

    const began = performance.now();
    const report = readinessReport({
      tenant_id: 'ten_week', record, profile: DEFAULT_PROFILE, since: null, until: null, now: start + week, sandboxAt: (ms) => ms,
      orders: [], attempts: [], probes: null, limits: { groups: { order_reads: 500, order_status: 500 }, burst_per_minute: 1000, daily_quota: 1_000_000 },
      groupOf: { listUnconfirmedOrders: 'order_reads', updateOrderStatus: 'order_status' },
    });
    expect(performance.now() - began).toBeLessThan(1000);
    expect(report.requests.total).toBe(n);
    expect(report.timeline.columns.length).toBeLessThanOrEqual(120);
    const unchanged = Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 !== 0 && i % 50 === 0).length;
    expect(report.rules.find((r) => r.id === 'only_real_changes')!.counts.unchanged).toBe(unchanged);

    const ajv = createAjv({ strict: false });
    const validate = ajv.compile(JSON.parse(await readFile(new URL('specs/readiness-report.schema.json', root), 'utf8')));
    expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a --since window counts only what happened in it', () => {
    const record = newConnectorRecord();
    const t0 = Date.parse('2026-01-05T09:00:00Z');
    for (let i = 0; i < 10; i++) observeRequest(record, entry(i + 1, t0 + i * 120_000, 'updateOrderStatus', 200, ['unchanged_update']), { code: null, retryAfterSeconds: null, group: 'order_status' });
    const input = { tenant_id: 't', record, profile: DEFAULT_PROFILE, now: t0 + 3_600_000, sandboxAt: (ms: number) => ms, orders: [], attempts: [], probes: null, limits: { groups: {}, burst_per_minute: 1000, daily_quota: 1e6 }, groupOf: {} };
    const all = readinessReport({ ...input, since: null, until: null });
    const late = readinessReport({ ...input, since: t0 + 10 * 60_000, until: null });
    expect(all.requests.total).toBe(10);
    expect(late.requests.total).toBe(5);
    expect(late.rules.find((r) => r.id === 'only_real_changes')!.evidence).toEqual(['req_6', 'req_7', 'req_8', 'req_9', 'req_10']);
  });
});
