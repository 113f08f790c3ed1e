import { defineConfig } from 'vitest/config';
import { pactProjects } from './test/pact/vitest.projects.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that start `serve` or the CLI as processes spend about 3 s per start loading the sandbox
    // through tsx, more while the other worker is busy: 30 s proved too tight on a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
    // Headless Chromium for the SLA report test, installed by scripts/ensure-chromium.sh when missing.
    globalSetup: ['test/checks/ensure-chromium.global-setup.ts'],
    // Everything but the Pact suites runs as before; those run one file at a time (test/pact/vitest.projects.ts).
    projects: [{ extends: true, test: { name: 'main', exclude: ['test/pact/**'] } }, ...pactProjects],
  },
});
