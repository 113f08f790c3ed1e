// The event feed: GET /api/v2/events, every event of the tenant in the webhook envelope, oldest
// first, cursor-paginated and filtered like a subscription (src/events/feed.ts records it), and
// GET /api/v2/events/stream, the same feed as Server-Sent Events (src/server/event-stream.ts).
import { decodeCursor, encodeCursor, readFeed, type FeedEntry } from '../domain/event-feed.ts';
import type { FeedEvent } from '../domain/types.ts';
import { followFeed } from '../events/feed.ts';
import { EVENT_STREAM_TYPE } from '../server/event-stream.ts';
import type { Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { invalid, type FieldError } from '../server/problem.ts';
import { matchesEventFilter, SUBSCRIBABLE_EVENT_TYPES, unknownFilterEntries } from '../webhooks/event-filter.ts';

const RESET_REASON =
  'The account was reset into a scenario, restored from a snapshot or given a state import: its event feed starts over, and so do the sequence numbers. This stream goes on with the events made from now on; after a disconnect, reconnect without a cursor.'

const DEFAULT_LIMIT = 20;

/** Where a read of the feed starts (after this position) and what it keeps, or the 400 saying what is wrong. */
export function feedQuery(feed: readonly FeedEntry[], filter: string[] | undefined, cursor: { value: string; pointer: string } | undefined) {
  const errors: FieldError[] = [];
  for (const { index, pattern } of unknownFilterEntries(filter ?? [])) {
    errors.push({ pointer: `/query/type/${index}`, message: `"${pattern}" matches no event type; the types: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')} (wildcards like order.* or *)` });
  }
  let after = 0;
  if (cursor !== undefined) {
    const position = decodeCursor(cursor.value);
    const end = feed.at(-1)?.position ?? 0;
    if (position === null) errors.push({ pointer: cursor.pointer, message: 'is not a cursor of this feed: pass pagination.next_cursor of an earlier answer (or a stream message\'s id), or leave it out' });
    else if (position > end) errors.push({ pointer: cursor.pointer, message: `is ahead of the feed (it ends at event ${end}): the account was reset since; start again without a cursor` });
    else after = position;
  }
  if (errors.length) throw invalid(errors);
  const matches = filter?.length ? (type: string) => matchesEventFilter(filter, type) : () => true;
  return { after, matches };
}

export const eventHandlers: Handlers<MarketplaceOperationId> = {
  listEvents({ query }, ctx) {
    const feed = requireTenant(ctx).state.event_feed ?? [];
    const { after, matches } = feedQuery(feed, query.type, query.cursor === undefined ? undefined : { value: query.cursor, pointer: '/query/cursor' });
    const limit = query.limit ?? DEFAULT_LIMIT;
    const page = readFeed(feed, after, limit, matches);
    return {
      status: 200,
      body: {
        data: page.entries.map((entry) => JSON.parse(entry.body) as FeedEvent),
        pagination: { limit, next_cursor: encodeCursor(page.next_position), has_more: page.has_more },
      },
    };
  },

  streamEvents({ query, headers }, ctx) {
    const tenant = requireTenant(ctx);
    const feed = tenant.state.event_feed ?? [];
    // An EventSource sends Last-Event-ID on a reconnect to the same URL, cursor and all: the header wins.
    const lastEventId = headers['last-event-id']; // header parameters come lowercased (src/contract/operations.ts)
    const cursor = lastEventId !== undefined ? { value: lastEventId, pointer: '/headers/last-event-id' } : query.cursor !== undefined ? { value: query.cursor, pointer: '/query/cursor' } : undefined;
    const { after, matches } = feedQuery(feed, query.type, cursor);
    const stream = ctx.streams!.open();
    // Without a cursor, only what happens from now on.
    const from = cursor === undefined ? (feed.at(-1)?.position ?? 0) : after;
    const stop = followFeed(
      ctx.store,
      ctx.events,
      tenant,
      from,
      (entry) => {
        if (matches(entry.event)) stream.send({ id: encodeCursor(entry.position), event: entry.event, data: entry.body });
      },
      () => {
        // The feed starts over: an empty id makes an EventSource forget its Last-Event-ID; the stream goes on with the new feed.
        stream.send({ id: '', event: 'reset', data: JSON.stringify({ reason: RESET_REASON }) });
      },
    );
    stream.onClose(stop);
    return { status: 200, body: '', contentType: EVENT_STREAM_TYPE, stream };
  },
};
