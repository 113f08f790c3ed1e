// vitest globalSetup: the programs the tests drive (headless Chromium, curl, jq), installed by the
// project's own script (scripts/ensure-test-tools.sh: Debian's packages, only when missing and root).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../scripts/ensure-test-tools.sh', import.meta.url));
  execFileSync('sh', [script], { stdio: 'inherit', timeout: 15 * 60_000 });
}
