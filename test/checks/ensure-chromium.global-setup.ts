// vitest globalSetup: headless Chromium for the HTML report test, installed by the project's own
// script (scripts/ensure-chromium.sh: Debian's chromium package, only when missing and root).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/ensure-chromium.sh', import.meta.url));
  execFileSync('sh', [script], { stdio: 'inherit', timeout: 15 * 60_000 });
}
