// The container without a Docker engine: the final stage's file set rebuilt from the Dockerfile's
// own COPY lines into an empty folder, its production dependencies installed as the image's
// `deps` stage does (offline here, from the npm cache), and every command run from it as the image
// runs them: non-root, with the port from PORT and the health check on it.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted } from '../support/serve-process.ts';
import { checkInstalled, run } from './installed.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'sandbox-image-'));
afterAll(async () => {
  killStarted();
  await rm(dir, { recursive: true, force: true });
});

/** The final stage of the Dockerfile: its instructions, one per line, continuation lines joined. */
async function finalStage(): Promise<string[]> {
  const lines = (await readFile(join(root, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const from = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0).at(-1)!;
  return lines.slice(from).filter((l) => l && !l.startsWith('#'));
}

describe('the container image', () => {
  it('runs as non-root, checks its health on PORT, and keeps its data in a named volume', async () => {
    const stage = await finalStage();
    expect(stage).toContain('USER node');
    expect(stage.find((l) => l.startsWith('HEALTHCHECK'))).toContain('process.env.PORT');
    expect(stage).toContain('ENV PORT=4300');
    expect(stage.find((l) => l.startsWith('CMD'))).not.toContain('--port');
    const compose = await readFile(join(root, 'compose.yaml'), 'utf8');
    expect(compose).toMatch(/volumes:\s*\n\s+- sandbox-data:\/data/);
    expect(compose).toMatch(/\nvolumes:\s*\n\s+sandbox-data:/);
  });

  it('holds everything serve, sla, conformance and verify-pact read: its file set alone runs them', async () => {
    const image = join(dir, 'app');
    for (const line of await finalStage()) {
      const copy = /^COPY\s+(?:--from=(\w+)\s+)?(.+)$/i.exec(line);
      if (!copy) continue;
      const parts = copy[2]!.split(/\s+/);
      const target = parts.pop()!;
      if (copy[1] === 'deps') continue; // node_modules: installed below as that stage does
      for (const source of parts) {
        // --from=build copies what the build stage made (/app/dist): this checkout's build.
        const from = copy[1] === 'build' ? join(root, source.replace(/^\/app\//, '')) : join(root, source);
        const to = target.endsWith('/') || parts.length > 1 ? join(image, target, source.split('/').pop()!) : join(image, target);
        await cp(from, to, { recursive: true });
      }
    }
    // The deps stage: package.json and the lock, then npm ci --omit=dev --ignore-scripts.
    await cp(join(root, 'package-lock.json'), join(image, 'package-lock.json'));
    const installed = await run('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], image, {}, 180_000);
    expect(installed.code, installed.output).toBe(0);
    await checkInstalled(join(image, 'bin', 'marketplace-sandbox.js'), image, { NODE_ENV: 'production' });
  }, 240_000);
});
