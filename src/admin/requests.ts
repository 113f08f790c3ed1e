// Control API: the request journal — read it, clear it, assert on it, and say what it keeps.
import { countExpectation, entryToWire, matchesFilter, streamFilter, verify, type JournalFilter } from '../domain/journal.ts';
import type { JournalEntry } from '../domain/journal.ts';
import type { RequestJournal } from '../journal/journal.ts';
import { EVENT_STREAM_TYPE } from '../server/event-stream.ts';
import type { AdminOperationId, Handlers } from '../server/handler.ts';
import { invalid } from '../server/problem.ts';
import { tenantNamed } from './tenant-lookup.ts';

export function requestAdminHandlers(journal: RequestJournal): Handlers<AdminOperationId> {
  return {
    listRequests({ query }, ctx) {
      const tenant = tenantNamed(ctx, query.tenant_id);
      const filter: JournalFilter = {
        operation_id: query.operation_id,
        status: query.status,
        since: query.since === undefined ? undefined : Date.parse(query.since),
        until: query.until === undefined ? undefined : Date.parse(query.until),
      };
      const matching = journal.entries(tenant).filter((entry) => matchesFilter(entry, filter)).reverse();
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
      const send = (entry: JournalEntry) => {
        if (matches(entry)) stream.send({ id: String(entry.seq), event: 'request', data: JSON.stringify(entryToWire(entry)) });
      };
      if (replay > 0) for (const entry of journal.entries(tenant).filter(matches).slice(-replay)) send(entry);
      stream.onClose(journal.listen(tenant, send));
      return { status: 200, body: '', contentType: EVENT_STREAM_TYPE, stream };
    },

    clearRequests({ query }, ctx) {
      journal.clear(tenantNamed(ctx, query.tenant_id));
      return { status: 204 };
    },

    verifyRequests({ body }, ctx) {
      const tenant = tenantNamed(ctx, body.tenant_id);
      const count = countExpectation(body.count);
      if (count.max !== null && count.max < count.min) throw invalid([{ pointer: '/body/count/max', message: 'must not be below min' }]);
      const since = body.since === undefined ? undefined : Date.parse(body.since);
      const entries = since === undefined ? journal.entries(tenant) : journal.entries(tenant).filter((entry) => entry.at >= since);
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
