// Worlds of the shipped scenarios, generated once by `npm run build` into dist/worlds/
// (scripts/build-worlds.mjs) for the default seed, so a start on a new data file reads the
// default world as JSON instead of generating it with faker (a fifth of a cold start). Named by a
// hash of the scenario and the seed; the build writes them with the code it builds and only
// compiled code (dist/) reads them, so the world read is the one this code would generate.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SANDBOX_ROOT } from '../sandbox-files.ts';
import { deepFreeze } from '../state/copy-on-write.ts';
import type { Scenario } from './load.ts';
import type { World } from './world.ts';

const BUILT_DIR = `${SANDBOX_ROOT}dist/worlds/`;
/** Run from src/ (tsx), the generator may have changed since the build: generate instead. */
const COMPILED = import.meta.url.endsWith('.js');

/** Worlds larger than this are left to be generated on first use (peak-load's is ~50 MB). */
export const MAX_BUILT_WORLD_BYTES = 4 * 1024 * 1024;

export function builtWorldFile(scenario: Scenario, seed: number): string {
  const { file: _file, ...content } = scenario; // where the file is does not change its world
  return `${BUILT_DIR}${createHash('sha256').update(JSON.stringify({ content, seed })).digest('hex').slice(0, 32)}.json`;
}

/** The build's world of `scenario` for `seed`, if it made one. */
export async function readBuiltWorld(scenario: Scenario, seed: number): Promise<World | undefined> {
  if (!COMPILED) return undefined;
  const started = performance.now();
  const text = await readFile(builtWorldFile(scenario, seed), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const world = JSON.parse(text) as World;
  return { ...world, state: deepFreeze(world.state), build_ms: performance.now() - started };
}
