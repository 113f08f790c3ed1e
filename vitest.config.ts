import { defineConfig } from 'vitest/config';
import { pactProjects } from './test/pact/vitest.projects.ts';

/** The suites that also run on the PostgreSQL store (the postgres-store project). */
const POSTGRES_STORE_SUITES = ['test/api/every-operation.test.ts', 'test/api/groups.test.ts', 'test/api/idempotency.test.ts', 'test/api/tenancy.test.ts', 'test/catalog/**/*.test.ts', 'test/orders/**/*.test.ts', 'test/money/**/*.test.ts', 'test/graphql/**/*.test.ts', 'test/webhooks/every-change-emits.test.ts', 'test/access/rate-limit.test.ts', 'test/scenarios/shipped-scenarios.test.ts', 'test/access/oauth.test.ts', 'test/access/faults.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that start `serve` or the CLI run the build (dist/) with plain node: well under a second
    // per start, a few seconds while the other worker is busy.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
    // Headless Chromium, curl and jq for the tests that drive them, installed by scripts/ensure-test-tools.sh when missing.
    globalSetup: ['test/ensure-test-tools.global-setup.ts'],
    // Everything but the Pact suites runs as before; those run one file at a time (test/pact/vitest.projects.ts).
    // The partner-API suites once more on the shared store: every sandbox they start on a fresh
    // PostgreSQL database (test/postgres/store-project.global-setup.ts).
    projects: [
      { extends: true, test: { name: 'main', exclude: ['test/pact/**'] } },
      ...pactProjects,
      {
        // Not `extends`: the root's include would be added to this one's.
        test: {
          name: 'postgres-store',
          include: POSTGRES_STORE_SUITES,
          testTimeout: 30_000,
          hookTimeout: 30_000,
          globalSetup: ['test/ensure-test-tools.global-setup.ts', 'test/postgres/store-project.global-setup.ts'],
        },
      },
    ],
  },
});
