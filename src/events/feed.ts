// The tenant's event feed and its sequence numbers, kept in tenant state (so the store persists
// them: a restart continues both, a reset into a scenario starts both over). It numbers every
// event the bus emits (src/domain/event-sequence.ts) and records each one's body, whether or not
// a subscription matched it; GET /api/v2/events reads it (src/handlers/events.ts, with the rules
// in src/domain/event-feed.ts).
import { appendToFeed, readFeed, type FeedEntry } from '../domain/event-feed.ts';
import { noteChange } from '../state/changes.ts';
import { nextSequence, resourceKey } from '../domain/event-sequence.ts';
import type { SandboxStore, Tenant } from '../store/store.ts';
import { eventBody, type SandboxEvent } from './builders.ts';
import type { EventBus } from './bus.ts';

/** Numbers the bus's events and records them in their tenant's feed. Returns the unsubscribe. */
export function keepEventFeed(store: SandboxStore, events: EventBus): () => void {
  events.numberWith((tenantId, type, data) => {
    const tenant = store.tenant(tenantId);
    if (!tenant) return 1;
    const counters = (tenant.state.event_sequences ??= {});
    const key = resourceKey(type, data);
    noteChange(counters, key, counters[key]);
    return nextSequence(counters, key);
  });
  return events.subscribe((event: SandboxEvent) => {
    const tenant = store.tenant(event.tenant_id);
    if (!tenant) return;
    // Serialised now: the data objects are live and may change after the event.
    appendToFeed((tenant.state.event_feed ??= []), event.event, eventBody(event));
    store.changed(tenant);
  });
}

/**
 * Follows a tenant's feed from position `after`: hands `deliver` every entry after it, what the feed
 * holds now and then each new one as the bus emits it, in feed order with none twice (the feed is
 * appended by the bus's first listener, keepEventFeed, before this one hears the event). Calls
 * `reset` when the tenant's whole state is replaced, which starts its feed over, and goes on with the
 * new feed's entries made after that. With a shared store, entries other replicas appended come
 * too, once this replica has applied them (the store's onForeignFeed, woken by PostgreSQL's
 * NOTIFY). Returns the stop.
 */
export function followFeed(store: SandboxStore, events: EventBus, tenant: Tenant, after: number, deliver: (entry: FeedEntry) => void, reset: () => void): () => void {
  let last = after;
  const catchUp = () => {
    for (const entry of readFeed(tenant.state.event_feed ?? [], last, Infinity, () => true).entries) {
      last = entry.position;
      deliver(entry);
    }
  };
  catchUp();
  const stopEvents = events.subscribe((event) => {
    if (event.tenant_id === tenant.id) catchUp();
  });
  const stopForeign = store.onForeignFeed((grown) => {
    if (grown === tenant) catchUp();
  });
  const stopReplaced = store.onStateReplaced((replaced) => {
    if (replaced !== tenant) return;
    // Goes on with the new feed from its end now: the events made after the reset follow, none missed.
    last = (tenant.state.event_feed ?? []).at(-1)?.position ?? 0;
    reset();
  });
  return () => {
    stopEvents();
    stopForeign();
    stopReplaced();
  };
}
