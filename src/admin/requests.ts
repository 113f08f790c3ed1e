// Control API: the request journal — read it, clear it, assert on it, and say what it keeps.
import { countExpectation, entryToWire, matchesFilter, streamFilter, verify, type JournalFilter } from '../domain/journal.ts';
import type { JournalEntry } from '../domain/journal.ts';
import type { RequestJournal } from '../journal/journal.ts';
import { EVENT_STREAM_TYPE, type StreamMessage } from '../server/event-stream.ts';
import type { AdminOperationId, Handlers } from '../server/handler.ts';
import { invalid } from '../server/problem.ts';
import { tenantNamed } from './tenant-lookup.ts';

/** How often the journal stream writes what arrived, and at most how many entries each time (500 a second). */
const FLUSH_MS = 200;
const STREAMED_PER_FLUSH = 100;

export function requestAdminHandlers(journal: RequestJournal): Handlers<AdminOperationId> {
  return {
    async listRequests({ query }, ctx) {
      const tenant = tenantNamed(ctx, query.tenant_id);
      const filter: JournalFilter = {
        operation_id: query.operation_id,
        status: query.status,
        since: query.since === undefined ? undefined : Date.parse(query.since),
        until: query.until === undefined ? undefined : Date.parse(query.until),
      };
      const matching = (await journal.served(tenant)).filter((entry) => matchesFilter(entry, filter)).reverse();
      return {
        status: 200,
        body: {
          tenant_id: tenant.id,
          capacity: journal.settingsOf(tenant).capacity,
          total: matching.length,
          data: matching.slice(0, query.limit).map(entryToWire),
        },
      };
    },

    streamRequests({ query }, ctx) {
      const tenant = tenantNamed(ctx, query.tenant_id);
      const matches = streamFilter({ ...query, since: query.since === undefined ? undefined : Date.parse(query.since) });
      const stream = ctx.streams!.open();
      const replay = query.replay ?? 0;
      const message = (entry: JournalEntry): StreamMessage => ({ id: String(entry.seq), event: 'request', data: JSON.stringify(entryToWire(entry)) });
      if (replay > 0) stream.sendAll(journal.entries(tenant).filter(matches).slice(-replay).map(message));
      // Paced: up to STREAMED_PER_FLUSH entries a flush, the rest counted and said in one `skipped`
      // message, so a console watching a load test costs the load almost nothing (bench/console-stream).
      let waiting: JournalEntry[] = [];
      let skipped = 0;
      const flush = setInterval(() => {
        if (waiting.length === 0 && skipped === 0) return;
        const messages = waiting.map(message);
        waiting = [];
        if (skipped > 0) {
          messages.push({ event: 'skipped', data: JSON.stringify({ skipped, reason: `more than ${STREAMED_PER_FLUSH * (1000 / FLUSH_MS)} matching requests a second; narrow the filters, or read them with GET /__sandbox/requests` }) });
          skipped = 0;
        }
        stream.sendAll(messages);
      }, FLUSH_MS);
      flush.unref();
      const stopListening = journal.listen(tenant, (entry) => {
        if (!matches(entry)) return;
        // A copy: the ring reuses its entries once it is full.
        if (waiting.length < STREAMED_PER_FLUSH) waiting.push({ ...entry });
        else skipped += 1;
      });
      stream.onClose(() => {
        clearInterval(flush);
        stopListening();
      });
      return { status: 200, body: '', contentType: EVENT_STREAM_TYPE, stream };
    },

    async clearRequests({ query }, ctx) {
      await journal.clear(tenantNamed(ctx, query.tenant_id));
      return { status: 204 };
    },

    async verifyRequests({ body }, ctx) {
      const tenant = tenantNamed(ctx, body.tenant_id);
      const count = countExpectation(body.count);
      if (count.max !== null && count.max < count.min) throw invalid([{ pointer: '/body/count/max', message: 'must not be below min' }]);
      const since = body.since === undefined ? undefined : Date.parse(body.since);
      const served = await journal.served(tenant);
      const entries = since === undefined ? served : served.filter((entry) => entry.at >= since);
      return { status: 200, body: { tenant_id: tenant.id, ...verify(entries, body.pattern, count) } };
    },

    getJournalSettings({ query }, ctx) {
      const tenant = tenantNamed(ctx, query.tenant_id);
      return { status: 200, body: { tenant_id: tenant.id, ...journal.settingsOf(tenant) } };
    },

    setJournalSettings({ body }, ctx) {
      const tenant = tenantNamed(ctx, body.tenant_id);
      const current = journal.settingsOf(tenant);
      journal.configure(tenant, { capacity: body.capacity ?? current.capacity, keep_bodies: body.keep_bodies ?? current.keep_bodies });
      return { status: 200, body: { tenant_id: tenant.id, ...journal.settingsOf(tenant) } };
    },
  };
}
