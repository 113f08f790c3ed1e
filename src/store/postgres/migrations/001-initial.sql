-- The shared log of every replica: each row one LogRecord (src/store/image.ts) as JSON text,
-- numbered per tenant (version, gap-free: the append bumps sandbox_tenants.version under its row
-- lock, so a tenant's rows commit in version order) and globally (seq).
CREATE TABLE sandbox_tenants (
  tenant  text PRIMARY KEY,
  version bigint NOT NULL
);

CREATE TABLE sandbox_log (
  seq        bigserial PRIMARY KEY,
  tenant     text NOT NULL,
  version    bigint NOT NULL,
  replica    text NOT NULL,
  record     text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant, version)
);
