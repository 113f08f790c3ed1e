-- One round trip per call where there were several: rate-limit counts in batches and without a
-- disk flush each, and an append in one statement.
--
-- The windows are soft state, so they need no WAL: a count commits without waiting for a flush
-- (before, every request of a tenant waited, one after another on its row, for an fsync). A
-- PostgreSQL that crashes empties the table: every window starts afresh, as it does when the
-- settings change. A standby does not get it (nothing reads the windows but the replicas).
ALTER TABLE sandbox_rate_windows SET UNLOGGED;

-- Counts a batch of requests in one statement: the requests one replica received while its
-- previous batch ran. Each is counted (or refused) as sandbox_take_request did, in the batch's
-- order within its tenant, and gets the standing before it (`o_index`: its place in the batch).
-- The tenants' rows are locked in tenant order first, so two replicas' batches never deadlock,
-- and each row is written once per batch. `p_prefill_days` / `p_prefill_used` (null: none) are
-- what a window opened for new settings starts the day with: a scenario that starts a tenant
-- near its daily quota (`daily_used`); the settings' key says when they change.
CREATE FUNCTION sandbox_take_requests(p_tenants text[], p_settings text[], p_groups text[], p_group_limits integer[], p_bursts integer[], p_dailies integer[], p_now double precision[], p_enforce boolean[], p_prefill_days integer[], p_prefill_used integer[])
RETURNS TABLE (o_index integer, o_window_start double precision, o_used integer, o_day integer, o_day_used integer, o_group_used integer)
LANGUAGE plpgsql AS $$
DECLARE
  r sandbox_rate_windows%ROWTYPE;
  held text;
  i integer;
  g integer;
  today integer;
BEGIN
  INSERT INTO sandbox_rate_windows
    SELECT DISTINCT t, '', '-infinity'::double precision, 0, -1, 0, '{}'::jsonb FROM unnest(p_tenants) AS t ORDER BY 1
    ON CONFLICT (tenant) DO NOTHING;
  PERFORM 1 FROM sandbox_rate_windows w WHERE w.tenant = ANY (p_tenants) ORDER BY w.tenant FOR UPDATE;
  FOR i IN SELECT u.i FROM unnest(p_tenants) WITH ORDINALITY AS u(t, i) ORDER BY u.t, u.i LOOP
    IF held IS DISTINCT FROM p_tenants[i] THEN
      IF held IS NOT NULL THEN
        UPDATE sandbox_rate_windows w SET settings = r.settings, window_start = r.window_start, used = r.used, day = r.day, day_used = r.day_used, groups = r.groups WHERE w.tenant = held;
      END IF;
      SELECT * INTO r FROM sandbox_rate_windows w WHERE w.tenant = p_tenants[i];
      held := p_tenants[i];
    END IF;
    today := floor(p_now[i] / 86400000);
    IF r.settings <> p_settings[i] THEN
      r.settings := p_settings[i]; r.window_start := '-infinity'; r.used := 0; r.groups := '{}';
      r.day := coalesce(p_prefill_days[i], -1); r.day_used := coalesce(p_prefill_used[i], 0);
    END IF;
    IF p_now[i] >= r.window_start + 60000 THEN
      r.window_start := p_now[i]; r.used := 0; r.groups := '{}';
    END IF;
    IF today <> r.day THEN
      r.day := today; r.day_used := 0;
    END IF;
    g := coalesce((r.groups ->> p_groups[i])::integer, 0);
    o_index := i; o_window_start := r.window_start; o_used := r.used; o_day := r.day; o_day_used := r.day_used; o_group_used := g;
    IF NOT p_enforce[i] OR (r.day_used < p_dailies[i] AND g < p_group_limits[i] AND r.used < p_bursts[i]) THEN
      r.used := r.used + 1; r.day_used := r.day_used + 1; r.groups := jsonb_set(r.groups, ARRAY[p_groups[i]], to_jsonb(g + 1));
    END IF;
    RETURN NEXT;
  END LOOP;
  IF held IS NOT NULL THEN
    UPDATE sandbox_rate_windows w SET settings = r.settings, window_start = r.window_start, used = r.used, day = r.day, day_used = r.day_used, groups = r.groups WHERE w.tenant = held;
  END IF;
END
$$;

DROP FUNCTION sandbox_take_request(text, text, text, integer, integer, integer, double precision, boolean);

-- Appends a batch of log records in one statement (before: BEGIN, three statements, COMMIT).
-- Each tenant's counter row is bumped by its count, in tenant order (two batches never
-- deadlock), and stays locked until the statement commits, so a tenant's versions are gap-free
-- and commit in order. The batch is announced on `p_channel` (delivered on COMMIT) as
-- `replica tenant version` per tenant. Returns each tenant's last version and its count.
CREATE FUNCTION sandbox_append(p_replica text, p_channel text, p_tenants text[], p_records text[])
RETURNS TABLE (o_tenant text, o_last bigint, o_count bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_names text[];
  v_counts bigint[];
  v_lasts bigint[];
BEGIN
  SELECT array_agg(c.t ORDER BY c.t), array_agg(c.n ORDER BY c.t) INTO v_names, v_counts
    FROM (SELECT t, count(*) AS n FROM unnest(p_tenants) AS t GROUP BY t) AS c;
  WITH bumped AS (
    INSERT INTO sandbox_tenants AS s (tenant, version) SELECT * FROM unnest(v_names, v_counts) ORDER BY 1
    ON CONFLICT (tenant) DO UPDATE SET version = s.version + EXCLUDED.version
    RETURNING s.tenant, s.version
  )
  SELECT array_agg(b.version ORDER BY b.tenant) INTO v_lasts FROM bumped AS b;
  INSERT INTO sandbox_log (tenant, version, replica, record)
    SELECT u.t, v.last - v.n + row_number() OVER (PARTITION BY u.t ORDER BY u.i), p_replica, u.r
    FROM unnest(p_tenants, p_records) WITH ORDINALITY AS u(t, r, i)
    JOIN unnest(v_names, v_counts, v_lasts) AS v(name, n, last) ON v.name = u.t;
  PERFORM pg_notify(p_channel, p_replica || ' ' || v.name || ' ' || v.last) FROM unnest(v_names, v_lasts) AS v(name, last);
  RETURN QUERY SELECT * FROM unnest(v_names, v_lasts, v_counts);
END
$$;

-- The request journal: a batch of finished entries written and each tenant trimmed to its
-- capacity in one statement. Before, the trim scanned, from the oldest end, every row the
-- trims before it had deleted (until autovacuum came by): now each tenant remembers where its
-- last trim cut (`sandbox_journal_cuts`), a trim reads only above that, and an entry at or below
-- it (a replica's batch that landed late, older than the newest `capacity`) is not written.
CREATE TABLE sandbox_journal_cuts (
  tenant text PRIMARY KEY,
  at     double precision NOT NULL,  -- the newest entry trimmed away: (at, id)
  id     bigint NOT NULL
);

-- What the readiness record needs beside the entry (AnswerFacts in src/domain/connector-record.ts:
-- the problem's code, Retry-After, the rate-limit group), so the other replicas can roll another
-- replica's requests into their record; null for rows written before.
ALTER TABLE sandbox_journal ADD COLUMN facts text;
-- The other replicas read a batch they were told of by its ids.
CREATE INDEX sandbox_journal_batches ON sandbox_journal (tenant, id);

-- Writes a batch and trims its tenants, then announces the batch on `p_channel` (delivered on
-- COMMIT): `replica tenant first-id last-id` per tenant, what the other replicas read to follow.
CREATE FUNCTION sandbox_journal_write(p_replica text, p_channel text, p_tenants text[], p_capacities integer[], p_at double precision[], p_entries text[], p_facts text[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_tenant text;
  v_capacity integer;
  v_cut sandbox_journal_cuts%ROWTYPE;
  v_at double precision;
  v_id bigint;
  v_announced integer;
BEGIN
  INSERT INTO sandbox_journal_cuts SELECT DISTINCT t, '-infinity'::double precision, 0 FROM unnest(p_tenants) AS t ORDER BY 1 ON CONFLICT (tenant) DO NOTHING;
  -- In tenant order: two replicas' batches never deadlock, and a tenant's trims run one at a time.
  PERFORM 1 FROM sandbox_journal_cuts c WHERE c.tenant = ANY (p_tenants) ORDER BY c.tenant FOR UPDATE;
  -- A new row's id is above every id cut so far: only its time decides.
  WITH inserted AS (
    INSERT INTO sandbox_journal (tenant, replica, at, entry, facts)
      SELECT u.t, p_replica, u.a, u.e, u.f FROM unnest(p_tenants, p_at, p_entries, p_facts) WITH ORDINALITY AS u(t, a, e, f, i)
      JOIN sandbox_journal_cuts AS c ON c.tenant = u.t
      WHERE u.a >= c.at
      ORDER BY u.i
    RETURNING tenant, id
  )
  SELECT count(*) INTO v_announced FROM (
    SELECT pg_notify(p_channel, p_replica || ' ' || i.tenant || ' ' || min(i.id) || ' ' || max(i.id)) FROM inserted AS i GROUP BY i.tenant
  ) AS announced;
  FOR v_tenant, v_capacity IN SELECT u.t, max(u.c) FROM unnest(p_tenants, p_capacities) AS u(t, c) GROUP BY u.t LOOP
    SELECT * INTO v_cut FROM sandbox_journal_cuts c WHERE c.tenant = v_tenant;
    SELECT j.at, j.id INTO v_at, v_id FROM sandbox_journal j
      WHERE j.tenant = v_tenant AND (j.at, j.id) > (v_cut.at, v_cut.id)
      ORDER BY j.at DESC, j.id DESC OFFSET v_capacity LIMIT 1;
    IF FOUND THEN
      DELETE FROM sandbox_journal j WHERE j.tenant = v_tenant AND (j.at, j.id) > (v_cut.at, v_cut.id) AND (j.at, j.id) <= (v_at, v_id);
      UPDATE sandbox_journal_cuts c SET at = v_at, id = v_id WHERE c.tenant = v_tenant;
    END IF;
  END LOOP;
END
$$;
