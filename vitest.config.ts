import { defineConfig } from 'vitest/config';
import { pactProjects } from './test/pact/vitest.projects.ts';

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
    projects: [{ extends: true, test: { name: 'main', exclude: ['test/pact/**'] } }, ...pactProjects],
  },
});
