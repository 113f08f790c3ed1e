// Which events a subscription receives. A filter entry is an event type (`order.created`), a
// wildcard (`order.*`: every order event; `inventory.*_stock`: low and out of stock) or `*` for
// everything. `*` never crosses into `webhook.ping`, which only the ping endpoint sends.
import { EVENT_TYPES } from '../events/builders.ts';

const cache = new Map<string, RegExp>();

function patternRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[a-z_.]*');
    re = new RegExp(`^${escaped}$`);
    cache.set(pattern, re);
  }
  return re;
}

export function matchesEventFilter(filter: readonly string[], type: string): boolean {
  if (type === 'webhook.ping') return false;
  for (const pattern of filter) {
    if (pattern === type || pattern === '*' || patternRegex(pattern).test(type)) return true;
  }
  return false;
}

/** Filter entries that match no event the sandbox sends: almost always a typo worth telling. */
export function unknownFilterEntries(filter: readonly string[]): { index: number; pattern: string }[] {
  const subscribable = EVENT_TYPES.filter((t) => t !== 'webhook.ping');
  return filter
    .map((pattern, index) => ({ index, pattern }))
    .filter(({ pattern }) => !subscribable.some((type) => matchesEventFilter([pattern], type)));
}

export const SUBSCRIBABLE_EVENT_TYPES: readonly string[] = EVENT_TYPES.filter((t) => t !== 'webhook.ping');
