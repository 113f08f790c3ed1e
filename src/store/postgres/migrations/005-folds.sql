-- Folds of the log: per tenant, the records up to `version` folded into the few that rebuild
-- the tenant (src/store/postgres/folds.ts), so a start reads the folds and the records after
-- them, not the whole history. The folded records are deleted once they are older than a grace
-- period; a replica that was cut off longer than that and finds its next version gone applies
-- the fold instead.
CREATE TABLE sandbox_folds (
  tenant    text PRIMARY KEY,
  version   bigint NOT NULL,        -- the last log version folded in
  records   text NOT NULL,          -- JSON array of LogRecords (src/store/image.ts tenantAsRecords)
  folded_at timestamptz NOT NULL DEFAULT now()
);
