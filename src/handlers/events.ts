// The event feed: GET /api/v2/events, every event of the tenant in the webhook envelope, oldest
// first, cursor-paginated and filtered like a subscription (src/events/feed.ts records it).
import { decodeCursor, encodeCursor, readFeed } from '../domain/event-feed.ts';
import type { FeedEvent } from '../domain/types.ts';
import type { Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { invalid, type FieldError } from '../server/problem.ts';
import { matchesEventFilter, SUBSCRIBABLE_EVENT_TYPES, unknownFilterEntries } from '../webhooks/event-filter.ts';

const DEFAULT_LIMIT = 20;

export const eventHandlers: Handlers<MarketplaceOperationId> = {
  listEvents({ query }, ctx) {
    const feed = requireTenant(ctx).state.event_feed ?? [];
    const errors: FieldError[] = [];
    const filter = query.type;
    for (const { index, pattern } of unknownFilterEntries(filter ?? [])) {
      errors.push({ pointer: `/query/type/${index}`, message: `"${pattern}" matches no event type; the types: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')} (wildcards like order.* or *)` });
    }
    let after = 0;
    if (query.cursor !== undefined) {
      const position = decodeCursor(query.cursor);
      const end = feed.at(-1)?.position ?? 0;
      if (position === null) errors.push({ pointer: '/query/cursor', message: 'is not a cursor of this feed: pass pagination.next_cursor of an earlier answer, or leave it out to start at the oldest event' });
      else if (position > end) errors.push({ pointer: '/query/cursor', message: `is ahead of the feed (it ends at event ${end}): the account was reset since; start again without a cursor` });
      else after = position;
    }
    if (errors.length) throw invalid(errors);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const page = readFeed(feed, after, limit, filter?.length ? (type) => matchesEventFilter(filter, type) : () => true);
    return {
      status: 200,
      body: {
        data: page.entries.map((entry) => JSON.parse(entry.body) as FeedEvent),
        pagination: { limit, next_cursor: encodeCursor(page.next_position), has_more: page.has_more },
      },
    };
  },
};
