-- The request journal every replica writes to (src/store/postgres/journal.ts): each replica
-- inserts its finished entries in batches, off the request path, and trims the tenant to its
-- journal capacity (the embedded ring's size); GET /__sandbox/requests on any replica reads here.
CREATE TABLE sandbox_journal (
  id      bigserial PRIMARY KEY,
  tenant  text NOT NULL,
  replica text NOT NULL,
  at      double precision NOT NULL,  -- the request's arrival, wall ms (the list's order)
  entry   text NOT NULL               -- the JournalEntry as JSON (src/domain/journal.ts)
);
CREATE INDEX sandbox_journal_newest ON sandbox_journal (tenant, at, id);
