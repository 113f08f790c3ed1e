// The GraphQL subscription to the event catalogue: the tenant's event feed as it happens, with
// the filters, cursor and scope of GET /api/v2/events/stream (streamEvents), as an async iterator
// graphql-js's `subscribe` runs each selection over. The HTTP side is GraphQL over SSE ("distinct
// connections" mode: each subscription its own request, `event: next` per result, `event:
// complete` at the end), answered by src/handlers/graphql.ts with the sandbox's event streams.
import { feedQuery } from '../handlers/events.ts';
import { followFeed } from '../events/feed.ts';
import { encodeCursor } from '../domain/event-feed.ts';
import { Problem } from '../server/problem.ts';
import { asGraphqlError, checkAccess, type Caller, type RestApi } from './rest-call.ts';

export interface EventPayload {
  events: Record<string, unknown> & { cursor: string };
}

/** `events(types, after)`: what the feed holds after `after` (without it, from now on), then every new event. */
export function eventsAfter(api: RestApi, caller: Caller, args: { types?: string[] | null; after?: string | null }): AsyncIterableIterator<EventPayload> | Promise<AsyncIterableIterator<EventPayload>> {
  const checked = checkAccess(api, caller, 'streamEvents');
  // Counted where every replica counts (a shared store): the stream starts once it is.
  return checked instanceof Promise ? checked.then(() => follow(caller, args)) : follow(caller, args);
}

function follow(caller: Caller, args: { types?: string[] | null; after?: string | null }): AsyncIterableIterator<EventPayload> {
  const { tenant, ctx } = caller;
  const feed = tenant.state.event_feed ?? [];
  let query: ReturnType<typeof feedQuery>;
  try {
    query = feedQuery(feed, args.types ?? undefined, args.after ? { value: args.after, pointer: '/query/cursor' } : undefined);
  } catch (error) {
    throw error instanceof Problem ? asGraphqlError(error, { query: { cursor: 'after', type: 'types' } }) : error;
  }
  const waiting: EventPayload[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const stop = followFeed(
    ctx.store,
    ctx.events,
    tenant,
    args.after ? query.after : (feed.at(-1)?.position ?? 0),
    (entry) => {
      if (!query.matches(entry.event)) return;
      waiting.push({ events: { ...(JSON.parse(entry.body) as Record<string, unknown>), cursor: encodeCursor(entry.position) } });
      wake?.();
    },
    // The feed starts over (a reset, a restore, an import): the subscription completes.
    () => finish(),
  );
  function finish() {
    if (ended) return;
    ended = true;
    stop();
    wake?.();
  }
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<EventPayload>> {
      while (waiting.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const value = waiting.shift();
      return value ? { value, done: false } : { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<EventPayload>> {
      finish();
      return { value: undefined, done: true };
    },
  };
}
