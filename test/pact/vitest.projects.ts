// The Pact suites as vitest projects (see vitest.config.ts). Pact files are written and read by
// several test files, and the mock servers and the verifier are native: these files never run in
// parallel with each other. Vitest runs sequence groups one after the other: the other tests
// (group 0, two workers), then the consumer suite (1), which rewrites pacts/, then the provider
// verification and verify-pact (2), which read them.
import type { TestProjectInlineConfiguration } from 'vitest/config';

// Not `extends: true`: vitest would concatenate the root `include` (every test) with these.
const shared = { testTimeout: 30_000, hookTimeout: 60_000, fileParallelism: false, env: { PACT_DO_NOT_TRACK: 'true' } };

export const pactProjects: TestProjectInlineConfiguration[] = [
  { test: { ...shared, name: 'pact-consumer', include: ['test/pact/consumer/**/*.test.ts'], sequence: { groupOrder: 1 } } },
  {
    test: {
      ...shared,
      name: 'pact-provider',
      include: ['test/pact/provider/**/*.test.ts', 'test/pact/verify-pact/**/*.test.ts'],
      sequence: { groupOrder: 2 },
    },
  },
];
