// The serving thread's side of src/scenarios/world-worker.ts: takes the world's slices as they
// come, one message per turn of the event loop, parses and freezes each, and resolves with the
// world once the last one is in.
import { deepFreeze, ENTITY_TABLES } from '../state/copy-on-write.ts';
import { startWorker } from '../store/worker-thread.ts';
import type { WorldJob, WorldMessage } from './world-worker.ts';
import type { World } from './world.ts';

export function buildWorldOffThread(job: WorldJob): Promise<World & { from_cache: boolean }> {
  const started = performance.now();
  const worker = startWorker(import.meta.url, 'world-worker', job);
  return new Promise((resolve, reject) => {
    let world: (World & { from_cache: boolean }) | null = null;
    let done = false;
    worker.on('message', (message: WorldMessage) => {
      if (message.kind === 'head') {
        const state = { ...message.world.state } as Record<string, unknown>;
        for (const table of ENTITY_TABLES) state[table] = {};
        world = { ...message.world, state: state as unknown as World['state'], from_cache: message.from_cache };
      } else if (message.kind === 'rows' && world) {
        const table = (world.state as unknown as Record<string, Record<string, unknown>>)[message.table]!;
        for (const [id, entity] of JSON.parse(message.json) as Array<[string, unknown]>) table[id] = deepFreeze(entity);
      } else if (message.kind === 'done' && world) {
        done = true;
        for (const [key, value] of Object.entries(world.state)) {
          if ((ENTITY_TABLES as readonly string[]).includes(key)) Object.freeze(value);
          else deepFreeze(value);
        }
        Object.freeze(world.state);
        world.build_ms = performance.now() - started;
        resolve(world);
      } else if (message.kind === 'failed') {
        done = true;
        reject(new Error(`building the world of scenario ${job.scenario.name} failed: ${message.message}`));
      }
    });
    worker.once('error', (error) => {
      done = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!done) reject(new Error(`the world builder of scenario ${job.scenario.name} stopped with code ${code}`));
    });
  });
}
