// The `postgres-store` vitest project (vitest.config.ts): one PostgreSQL cluster for the whole run,
// whose URL the tests' startSandbox (test/support/sandbox.ts) receives through `inject`, making a
// fresh database on it for each sandbox; the cluster is stopped when the run ends, failed or not.
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startCluster } from '../support/postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL of the cluster's `postgres` database, set only in the postgres-store project. */
    postgresStore: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const cluster = await startCluster();
  project.provide('postgresStore', cluster.url('postgres'));
  return () => {
    try {
      cluster.stop();
    } finally {
      rmSync(cluster.dir, { recursive: true, force: true });
    }
  };
}
