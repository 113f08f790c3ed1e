// Per-resource sequence numbers of events. Every event is about one resource (the order, product,
// shipment, inventory item, job, return … that its `data` describes); events about the same
// resource are numbered 1, 2, 3 … in the order they happened, per tenant, so a receiver that gets
// them out of order (a retried delivery, two lanes, the feed and a webhook) can put them back.
//
// The resource key is the event type's prefix (the part before the first dot: `order`, `product`,
// `inventory`, `price`, `webhook` …) plus the resource's identity in `data`: its `id`, else
// `item_id` (price changes), else `sku` (inventory items), else `webhook_id` (pings). Events of a
// prefix whose data names none of these share one sequence per prefix.

/** The identity members looked for in `data`, first found wins. */
const IDENTITY_MEMBERS = ['id', 'item_id', 'sku', 'webhook_id'] as const;

/** `order:ord_123`, `price:var_9`, `inventory:SKU-1`, `webhook:wh_1`; `<prefix>` alone when data names no identity. */
export function resourceKey(eventType: string, data: unknown): string {
  const dot = eventType.indexOf('.');
  const prefix = dot < 0 ? eventType : eventType.slice(0, dot);
  if (data && typeof data === 'object') {
    for (const member of IDENTITY_MEMBERS) {
      const value = (data as Record<string, unknown>)[member];
      if (typeof value === 'string' && value !== '') return `${prefix}:${value}`;
    }
  }
  return prefix;
}

/** The last number given per resource key (persisted in tenant state). */
export type SequenceCounters = Record<string, number>;

/** The next number of `key` (1 for its first event), counted in `counters`. */
export function nextSequence(counters: SequenceCounters, key: string): number {
  const next = (Object.hasOwn(counters, key) ? counters[key]! : 0) + 1;
  counters[key] = next;
  return next;
}
