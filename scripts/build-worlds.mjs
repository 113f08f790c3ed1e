// Part of `npm run build`: generates the world of each shipped scenario for the default seed into
// dist/worlds/ (src/scenarios/built-worlds.ts), so a start on a new data file reads the default
// world instead of generating it. Worlds over MAX_BUILT_WORLD_BYTES (peak-load) are left out.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { builtWorldFile, MAX_BUILT_WORLD_BYTES } from '../dist/scenarios/built-worlds.js';
import { loadCheckedScenarios } from '../dist/scenarios/checked.js';
import { buildWorld } from '../dist/scenarios/world.js';
import { DEFAULT_SEED } from '../dist/store/store.js';
import { SANDBOX_ROOT } from '../dist/sandbox-files.js';

const written = [];
let dir;
for (const scenario of (await loadCheckedScenarios()).values()) {
  const { build_ms: _, ...world } = buildWorld(scenario, DEFAULT_SEED);
  const json = JSON.stringify(world);
  if (json.length > MAX_BUILT_WORLD_BYTES) continue;
  const target = builtWorldFile(scenario, world.seed);
  if (!dir) {
    dir = dirname(target);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }
  await writeFile(target, json);
  written.push(scenario.name);
}
console.log(`worlds: ${written.join(', ')} in ${dir.slice(SANDBOX_ROOT.length)}`);
