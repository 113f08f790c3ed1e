// Builds a scenario's world in a worker thread (or reads it from the world cache on disk), and
// sends it to the serving thread in slices of JSON small enough that each costs the serving loop
// a few milliseconds: other tenants go on being served while a 50 MB world arrives.
import { createReadStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { TenantState } from '../domain/types.ts';
import { ENTITY_TABLES } from '../state/copy-on-write.ts';
import type { Scenario } from './load.ts';
import { buildWorld, type World } from './world.ts';

export interface WorldJob {
  scenario: Scenario;
  seed: number;
  /** Where the built world is cached; read when it is there, written when it was built. */
  cacheFile: string | null;
}

/** Entries per slice: about 0.5 MB of peak-load's products. */
export const SLICE_ENTRIES = 400;

export type WorldMessage =
  | { kind: 'head'; world: Omit<World, 'state'> & { state: Partial<TenantState> }; from_cache: boolean }
  | { kind: 'rows'; table: string; json: string }
  | { kind: 'done' }
  | { kind: 'failed'; message: string };

/**
 * The world as the lines of its cache file: the head (everything but the entity tables) as JSON,
 * then one line per slice, `<table> <JSON of [id, entity] pairs>`, sent on as they are.
 */
function worldLines(world: World): string[] {
  const { state, ...rest } = world;
  const parts: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) if (!(ENTITY_TABLES as readonly string[]).includes(key)) parts[key] = value;
  const lines = [JSON.stringify({ ...rest, state: parts })];
  for (const table of ENTITY_TABLES) {
    const entries = Object.entries((state as unknown as Record<string, Record<string, unknown> | undefined>)[table] ?? {});
    for (let at = 0; at < entries.length; at += SLICE_ENTRIES) lines.push(`${table} ${JSON.stringify(entries.slice(at, at + SLICE_ENTRIES))}`);
  }
  return lines;
}

function post(line: string, first: boolean, fromCache: boolean): void {
  if (first) return parentPort!.postMessage({ kind: 'head', world: JSON.parse(line), from_cache: fromCache } satisfies WorldMessage);
  const space = line.indexOf(' ');
  parentPort!.postMessage({ kind: 'rows', table: line.slice(0, space), json: line.slice(space + 1) } satisfies WorldMessage);
}

/** Sends the cache file line by line as it is read, so the serving thread parses while the rest comes; false when there is none. */
async function sendCached(cacheFile: string): Promise<boolean> {
  const stream = createReadStream(cacheFile, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let first = true;
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      if (!line) continue;
      post(line, first, true);
      first = false;
    }
  } catch {
    if (first) return false; // no cache file (or an unreadable one): build the world
    throw new Error(`the world cache file ${cacheFile} could not be read to its end; delete it to have it built again`);
  }
  return !first;
}

async function send({ scenario, seed, cacheFile }: WorldJob): Promise<void> {
  // A cache file is whole or absent: written aside, then renamed.
  if (!(cacheFile && (await sendCached(cacheFile)))) {
    const lines = worldLines(buildWorld(scenario, seed));
    if (cacheFile) {
      const temp = `${cacheFile}.${process.pid}.tmp`;
      await mkdir(dirname(cacheFile), { recursive: true })
        .then(() => writeFile(temp, `${lines.join('\n')}\n`))
        .then(() => rename(temp, cacheFile))
        .catch(() => undefined); // no cache: the next start builds it again
    }
    lines.forEach((line, at) => post(line, at === 0, false));
  }
  parentPort!.postMessage({ kind: 'done' } satisfies WorldMessage);
}

send(workerData as WorldJob).catch((error: Error) => parentPort!.postMessage({ kind: 'failed', message: error.message } satisfies WorldMessage));
