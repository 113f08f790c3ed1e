// The event feed of a tenant as plain data: every event, oldest first, each at a position that
// only grows, trimmed to the newest FEED_RETENTION. A cursor is an opaque string naming the last
// position a poller has seen; the next page is what comes after it. Reading never changes the feed.

/** How many of its newest events a tenant's feed keeps. */
export const FEED_RETENTION = 10_000;

/** One event of the feed: its position, its type (for filters) and the exact body a webhook carries. */
export type FeedEntry = { position: number; event: string; body: string };

/** Appends an event's body at the next position and drops what falls out of the retention. */
export function appendToFeed(feed: FeedEntry[], event: string, body: string, retention = FEED_RETENTION): FeedEntry {
  const entry = { position: (feed.at(-1)?.position ?? 0) + 1, event, body };
  feed.push(entry);
  if (feed.length > retention) feed.splice(0, feed.length - retention);
  return entry;
}

const CURSOR_PREFIX = 'evc1.';

/** The cursor after `position` (0: before the first event). */
export function encodeCursor(position: number): string {
  return CURSOR_PREFIX + Buffer.from(`p${position}`).toString('base64url');
}

/** The position a cursor stands after; null when the text is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  if (!cursor.startsWith(CURSOR_PREFIX)) return null;
  const text = Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8');
  const match = /^p(\d{1,15})$/.exec(text);
  return match ? Number(match[1]) : null;
}

export interface FeedPage {
  entries: FeedEntry[];
  /** Where the next poll continues: after the last entry returned, or where this one started. */
  next_position: number;
  /** More matching entries follow right away. */
  has_more: boolean;
}

/** Up to `limit` entries after `after` that `matches`, oldest first. */
export function readFeed(feed: readonly FeedEntry[], after: number, limit: number, matches: (event: string) => boolean): FeedPage {
  // Positions grow by one per event: binary search for the first entry after the cursor.
  let lo = 0;
  let hi = feed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (feed[mid]!.position <= after) lo = mid + 1;
    else hi = mid;
  }
  const entries: FeedEntry[] = [];
  let i = lo;
  for (; i < feed.length && entries.length < limit; i++) if (matches(feed[i]!.event)) entries.push(feed[i]!);
  let has_more = false;
  for (let j = i; j < feed.length; j++) {
    if (matches(feed[j]!.event)) {
      has_more = true;
      break;
    }
  }
  // Without more matches the cursor may skip what was scanned: a filtered poll does not rescan it.
  const next_position = has_more ? (entries.at(-1)?.position ?? after) : Math.max(after, feed.at(-1)?.position ?? after);
  return { entries, next_position, has_more };
}
