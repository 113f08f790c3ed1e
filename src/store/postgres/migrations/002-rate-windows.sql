-- Rate-limit windows shared by the replicas (src/rate-limits/counters.ts with a shared store): one
-- row per tenant ('' for anonymous callers of the token endpoint), locked by each request's count,
-- so 2 × limit requests over any number of replicas count exactly `limit`. The arithmetic is
-- src/domain/rate-limit.ts's: a minute window opens with the first request after the previous one
-- ended, the day is the UTC day, a refused request consumes nothing, and windows start afresh
-- when the tenant's settings change.
CREATE TABLE sandbox_rate_windows (
  tenant       text PRIMARY KEY,
  settings     text NOT NULL,
  window_start double precision NOT NULL,
  used         integer NOT NULL,
  day          integer NOT NULL,
  day_used     integer NOT NULL,
  groups       jsonb NOT NULL
);

-- Counts one request (or refuses it) and returns the standing before it, as the replica's own
-- arithmetic needs it to make the same decision and headers.
CREATE FUNCTION sandbox_take_request(p_tenant text, p_settings text, p_group text, p_group_limit integer, p_burst integer, p_daily integer, p_now double precision, p_enforce boolean)
RETURNS TABLE (o_window_start double precision, o_used integer, o_day integer, o_day_used integer, o_group_used integer, o_counted boolean)
LANGUAGE plpgsql AS $$
DECLARE
  r sandbox_rate_windows%ROWTYPE;
  g integer;
  today integer := floor(p_now / 86400000);
BEGIN
  INSERT INTO sandbox_rate_windows VALUES (p_tenant, p_settings, '-infinity', 0, -1, 0, '{}') ON CONFLICT (tenant) DO NOTHING;
  SELECT * INTO r FROM sandbox_rate_windows w WHERE w.tenant = p_tenant FOR UPDATE;
  IF r.settings <> p_settings THEN
    r.settings := p_settings; r.window_start := '-infinity'; r.used := 0; r.day := -1; r.day_used := 0; r.groups := '{}';
  END IF;
  IF p_now >= r.window_start + 60000 THEN
    r.window_start := p_now; r.used := 0; r.groups := '{}';
  END IF;
  IF today <> r.day THEN
    r.day := today; r.day_used := 0;
  END IF;
  g := COALESCE((r.groups ->> p_group)::integer, 0);
  o_window_start := r.window_start; o_used := r.used; o_day := r.day; o_day_used := r.day_used; o_group_used := g;
  o_counted := NOT p_enforce OR (r.day_used < p_daily AND g < p_group_limit AND r.used < p_burst);
  IF o_counted THEN
    r.used := r.used + 1; r.day_used := r.day_used + 1; r.groups := jsonb_set(r.groups, ARRAY[p_group], to_jsonb(g + 1));
  END IF;
  UPDATE sandbox_rate_windows w SET settings = r.settings, window_start = r.window_start, used = r.used, day = r.day, day_used = r.day_used, groups = r.groups WHERE w.tenant = p_tenant;
  RETURN NEXT;
END
$$;
