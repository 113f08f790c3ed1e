// Signing, event filters and the retry policy of webhook deliveries.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { buildEvent, eventBody, EVENT_TYPES } from '../../src/events/builders.ts';
import { matchesEventFilter, unknownFilterEntries } from '../../src/webhooks/event-filter.ts';
import { parseRetryAfter, parseRetrySchedule, retryDelayMs, DEFAULT_RETRY_POLICY } from '../../src/webhooks/retry-policy.ts';
import { newWebhookSecret, secretKey, signDelivery } from '../../src/webhooks/signing.ts';

describe('signing', () => {
  const secret = newWebhookSecret();
  const event = buildEvent('webhook.ping', 'ten_nordwind', { webhook_id: 'wh_1', message: 'hi' }, new Date('2026-01-15T09:00:00Z'), 'evt_fixed1');
  const body = eventBody(event);
  const now = Math.floor(Date.now() / 1000);
  const headers = signDelivery(secret, event.event_id, event.event, now, body);

  it('verifies with the standardwebhooks library', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(event);
    expect(headers['webhook-id']).toBe('evt_fixed1');
  });

  it('fails for a tampered body or another secret', () => {
    expect(() => new Webhook(secret).verify(body.replace('hi', 'ho'), { ...headers })).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it('adds X-Signature (hex HMAC-SHA256 of the body), X-Event-Type and X-Event-ID', () => {
    expect(headers['x-signature']).toBe(`sha256=${createHmac('sha256', secretKey(secret)).update(body).digest('hex')}`);
    expect(headers['x-event-type']).toBe('webhook.ping');
    expect(headers['x-event-id']).toBe('evt_fixed1');
  });

  it('builds events with the documented envelope', () => {
    expect(JSON.parse(body)).toEqual({ event: 'webhook.ping', event_id: 'evt_fixed1', timestamp: '2026-01-15T09:00:00.000Z', tenant_id: 'ten_nordwind', sequence: 1, data: { webhook_id: 'wh_1', message: 'hi' } });
  });
});

describe('event filters', () => {
  it('match exact types, prefix wildcards, inner wildcards and *', () => {
    expect(matchesEventFilter(['order.created'], 'order.created')).toBe(true);
    expect(matchesEventFilter(['order.created'], 'order.cancelled')).toBe(false);
    expect(matchesEventFilter(['order.*'], 'order.status_changed')).toBe(true);
    expect(matchesEventFilter(['order.*'], 'inventory.updated')).toBe(false);
    expect(matchesEventFilter(['inventory.*_stock'], 'inventory.low_stock')).toBe(true);
    expect(matchesEventFilter(['inventory.*_stock'], 'inventory.updated')).toBe(false);
    expect(matchesEventFilter(['*'], 'price.updated')).toBe(true);
    expect(matchesEventFilter(['product.*', 'price.updated'], 'price.updated')).toBe(true);
  });

  it('never send webhook.ping to a filter: only the ping endpoint does', () => {
    expect(matchesEventFilter(['*'], 'webhook.ping')).toBe(false);
  });

  it('name entries that match no event type (typos)', () => {
    expect(unknownFilterEntries(['order.*', 'order.craeted', 'webhook.*'])).toEqual([
      { index: 1, pattern: 'order.craeted' },
      { index: 2, pattern: 'webhook.*' },
    ]);
    expect(unknownFilterEntries(EVENT_TYPES.filter((t) => t !== 'webhook.ping'))).toEqual([]);
  });
});

describe('retry policy', () => {
  it('waits 1, 2, 4, 8, 16 s by default, then gives up', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(DEFAULT_RETRY_POLICY, n, null))).toEqual([1000, 2000, 4000, 8000, 16000, null]);
  });

  it('scales every wait, Retry-After included', () => {
    const policy = { schedule_seconds: [1, 2], scale: 0.01 };
    expect(retryDelayMs(policy, 1, null)).toBe(10);
    expect(retryDelayMs(policy, 1, 30)).toBe(300);
  });

  it('honours a Retry-After longer than the schedule, never a shorter one', () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 7)).toBe(7000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 4, 2)).toBe(8000);
  });

  it('reads Retry-After as seconds or an HTTP date, and caps it at an hour', () => {
    const now = Date.parse('2026-01-15T09:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5);
    expect(parseRetryAfter('Thu, 15 Jan 2026 09:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('999999', now)).toBe(3600);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('parses a schedule from the command line', () => {
    expect(parseRetrySchedule('1,2,4,8,16')).toEqual([1, 2, 4, 8, 16]);
    expect(parseRetrySchedule('0.5, 3')).toEqual([0.5, 3]);
    expect(parseRetrySchedule('1,x')).toBeNull();
  });
});
