// A worker thread for work the serving loop must not do itself (compaction, building a world).
// From src/ (tsx, the tests) the worker registers tsx first, so it can load TypeScript modules.
import { Worker } from 'node:worker_threads';

/** Starts the module next to `from` named `name` (without extension) in a worker with `workerData`. */
export function startWorker(from: string, name: string, workerData: unknown): Worker {
  const fromSource = from.endsWith('.ts');
  const url = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, from);
  return fromSource
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData })
    : new Worker(url, { workerData });
}
