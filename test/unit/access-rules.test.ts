// The pure rules behind the access policies, where time or chance would make an HTTP test slow
// or flaky: rate-limit windows rolling over, the latency distribution's fit, fault determinism,
// webhook target spellings, and redaction.
import { describe, expect, it } from 'vitest';
import { compileFaults, decideFaults, withRuleIds } from '../../src/domain/faults.ts';
import { groupCounter, newCounters, peekRequest, takeRequest } from '../../src/domain/rate-limit.ts';
import { redactBody, redactHeaders, redactQuery } from '../../src/domain/redaction.ts';
import { checkWebhookTarget } from '../../src/domain/webhook-target.ts';

describe('rate-limit windows', () => {
  const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

  it('a minute window opens with the first request and counts down to its end', () => {
    const counters = newCounters({ plan: 'basic' });
    const group = groupCounter(counters, 'order_reads', 3);
    expect(takeRequest(counters, group, T0, true)).toMatchObject({ allowed: true, policy: 'order_reads', remaining: 2, reset: 60 });
    expect(takeRequest(counters, group, T0 + 20_500, true)).toMatchObject({ remaining: 1, reset: 40 });
    expect(takeRequest(counters, group, T0 + 59_000, true)).toMatchObject({ remaining: 0, reset: 1 });
    expect(takeRequest(counters, group, T0 + 59_999, true)).toMatchObject({ allowed: false, policy: 'order_reads', reset: 1 });
    // The refused request took nothing; the next window starts with the next request.
    expect(takeRequest(counters, group, T0 + 60_000, true)).toMatchObject({ allowed: true, remaining: 2, reset: 60 });
  });

  it('the burst spans groups; the tightest budget is the one reported', () => {
    const counters = newCounters({ plan: 'basic', burst_per_minute: 2 });
    const reads = groupCounter(counters, 'product_reads', 1000);
    const writes = groupCounter(counters, 'product_update', 200);
    expect(takeRequest(counters, reads, T0, true)).toMatchObject({ policy: 'burst', limit: 2, remaining: 1 });
    expect(takeRequest(counters, writes, T0, true)).toMatchObject({ policy: 'burst', remaining: 0 });
    expect(takeRequest(counters, reads, T0, true)).toMatchObject({ allowed: false, policy: 'burst' });
    expect(peekRequest(counters, writes, T0)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('the daily quota resets at midnight UTC', () => {
    const counters = newCounters({ plan: 'basic', daily_quota: 1 });
    const group = groupCounter(counters, 'inventory', 2000);
    const lateEvening = Date.UTC(2026, 0, 15, 23, 59, 30);
    expect(takeRequest(counters, group, lateEvening, true)).toMatchObject({ allowed: true, policy: 'daily', remaining: 0, reset: 30 });
    expect(takeRequest(counters, group, lateEvening + 10_000, true)).toMatchObject({ allowed: false, policy: 'daily', reset: 20 });
    expect(takeRequest(counters, group, Date.UTC(2026, 0, 16, 0, 0, 1), true).allowed).toBe(true);
  });

  it('not enforcing counts on but never refuses', () => {
    const counters = newCounters(undefined);
    const group = groupCounter(counters, 'bulk', 1);
    takeRequest(counters, group, T0, false);
    expect(takeRequest(counters, group, T0, false)).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe('fault decisions', () => {
  const quantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

  it('p50/p95 latency follows a log-normal fitted to the two percentiles', () => {
    const compiled = compileFaults({ seed: 3, rules: withRuleIds([{ latency: { p50_ms: 100, p95_ms: 400 } }]) });
    const draws = Array.from({ length: 4000 }, () => decideFaults(compiled, 'getOrder', '/x')!.latency_ms).sort((a, b) => a - b);
    expect(quantile(draws, 0.5)).toBeGreaterThan(90);
    expect(quantile(draws, 0.5)).toBeLessThan(110);
    expect(quantile(draws, 0.95)).toBeGreaterThan(340);
    expect(quantile(draws, 0.95)).toBeLessThan(460);
  });

  it('rules draw independently: adding a rule does not change another rule’s outcomes', () => {
    const errorRule = { operation_ids: ['get*'], error: { rate: 0.5, status: 500 as const } };
    const outcomes = (rules: Parameters<typeof withRuleIds>[0]) => {
      const compiled = compileFaults({ seed: 11, rules: withRuleIds(rules) });
      return Array.from({ length: 50 }, () => decideFaults(compiled, 'getOrder', '/x')?.applied.some((f) => f.kind === 'error') ?? false);
    };
    const alone = outcomes([{ id: 'e', ...errorRule }]);
    const withLatency = outcomes([{ id: 'l', latency: { p50_ms: 5, p95_ms: 50 } }, { id: 'e', ...errorRule }]);
    expect(withLatency).toEqual(alone);
    expect(decideFaults(compileFaults({ seed: 1, rules: withRuleIds([errorRule]) }), 'listOrders', '/x')).toBeNull();
  });
});

describe('webhook targets', () => {
  it.each([
    ['http://169.254.169.254/', false],
    ['http://0251.0376.0251.0376/', false], // octal spelling
    ['http://169.254.169.254./', false], // trailing dot
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', false],
    ['http://[::ffff:169.254.169.254]/', false],
    ['http://[64:ff9b::169.254.169.254]/', false],
    ['http://[FD00:EC2::254]/', false],
    ['http://[fe80::abcd%25eth0]/', false],
    ['http://100.100.100.200/', false],
    ['http://169.253.255.255/', true],
    ['http://169.255.0.1/', true],
    ['http://127.0.0.1/', true],
    ['http://[::ffff:127.0.0.1]/', true],
    ['http://[::]/', true],
    ['http://192.168.1.10/', true],
  ])('%s allowed: %s', (url, allowed) => {
    expect(checkWebhookTarget(url).allowed).toBe(allowed);
  });

  it('the allow-list takes host names, addresses and CIDR ranges, for both families', () => {
    expect(checkWebhookTarget('http://169.254.169.254/', ['169.254.169.254']).allowed).toBe(true);
    expect(checkWebhookTarget('http://[::ffff:a9fe:a9fe]/', ['169.254.0.0/16']).allowed).toBe(true);
    expect(checkWebhookTarget('http://[fe80::1]/', ['fe80::/64']).allowed).toBe(true);
    expect(checkWebhookTarget('http://[fe80:1::1]/', ['fe80::/64']).allowed).toBe(false);
    expect(checkWebhookTarget('http://metadata.google.internal/', ['METADATA.google.internal']).allowed).toBe(true);
    expect(checkWebhookTarget('http://169.254.1.1/', ['169.254.0.0/33', 'nonsense']).allowed).toBe(false);
  });
});

describe('redaction', () => {
  it('replaces secrets in headers, JSON, forms and query strings, and anything shaped like our credentials', () => {
    expect(redactHeaders([['Authorization', 'Bearer mk_test_abc'], ['X-Trace', 'mat_123_ten_x'], ['accept', 'application/json']])).toEqual({
      authorization: 'Bearer [REDACTED]',
      'x-trace': 'mat_[REDACTED]',
      accept: 'application/json',
    });
    expect(JSON.parse(redactBody('{"secret":"whsec_x","nested":[{"password":"p"}],"note":"key mk_test_123"}', 'application/json'))).toEqual({
      secret: '[REDACTED]',
      nested: [{ password: '[REDACTED]' }],
      note: 'key mk_test_[REDACTED]',
    });
    expect(redactBody('grant_type=client_credentials&client_secret=s3cr3t', 'application/x-www-form-urlencoded')).toBe(
      'grant_type=client_credentials&client_secret=%5BREDACTED%5D',
    );
    expect(redactQuery('limit=5&page=2')).toBe('limit=5&page=2');
    expect(redactQuery('token=abc&limit=5')).toBe('token=%5BREDACTED%5D&limit=5');
  });
});
