// Asynchronous bulk jobs (inventory sync, bulk products): accepted with 202 and a Location, then
// worked off the request path a chunk per event-loop turn, so other requests are served between
// chunks. Progress and per-line errors are visible on GET /api/v2/jobs/{job_id} as they happen.
import { finishedJobState } from '../domain/batch-outcome.ts';
import type { Job } from '../domain/types.ts';
import type { DocumentedAs, HandlerContext } from '../server/handler.ts';
import type { Tenant } from '../store/store.ts';
import { newId } from '../store/ids.ts';
import { own } from '../state/copy-on-write.ts';

/** Lines per event-loop turn: large enough to finish 10 000 lines quickly, small enough to stay responsive. */
const CHUNK = 2000;
/** How long a job waits before it asks an unreachable shared store again. */
const RETRY_MS = 1_000;

export type LineOutcome = { ok: true; key: string; id?: string } | { ok: false; key: string; code: string; message: string; errors?: { pointer: string; message: string }[] };

export function newJob(type: Job['type'], total: number, now: Date): Job {
  return {
    id: newId('job'),
    type,
    state: 'queued',
    progress: { total, processed: 0, succeeded: 0, failed: 0 },
    errors: [],
    ...(type === 'products_bulk' ? { results: [] } : {}),
    created_at: now.toISOString(),
    started_at: null,
    completed_at: null,
  };
}

/** The 202 answer for an accepted job. */
export function accepted(job: Job): DocumentedAs<'syncInventory', 202> & DocumentedAs<'createProductsBulk', 202> {
  const location = `/api/v2/jobs/${job.id}`;
  return { status: 202, body: { job_id: job.id, state: job.state, status_url: location }, headers: { location } };
}

/**
 * Runs `processLine(index)` for every line, in chunks. `prepare` runs once when the job starts
 * (e.g. to build a lookup index). Once every line is processed the job ends `completed` (all lines
 * applied), `completed_with_errors` (some failed, listed in `errors`) or `failed` (none applied),
 * and `job.completed` says so; if processing itself broke it ends `failed` with `job.failed`.
 */
export function runJob(
  tenant: Tenant,
  ctx: HandlerContext,
  accepted: Job,
  prepare: () => (index: number) => LineOutcome,
): void {
  const state = tenant.state;
  let job = accepted;
  let processLine: ((index: number) => LineOutcome) | null = null;
  let index = 0;
  const finish = (final: Job['state'], event: 'job.completed' | 'job.failed') => {
    job.state = final;
    job.completed_at = ctx.now().toISOString();
    ctx.store.changed(tenant);
    ctx.events.emit(tenant.id, event, structuredClone(job), ctx.now());
  };
  // With replicas on a shared store each chunk runs under the tenant's lock across replicas, on the
  // caught-up state, and lets go once it is committed, as a request's write does.
  const step = async () => {
    let release: (() => void) | null = null;
    if (ctx.store.shared) {
      try {
        release = await ctx.store.lockTenant(tenant.id);
      } catch (error) {
        console.error(`marketplace-sandbox: job ${job.id} waits for the shared store (${(error as Error).message}); it goes on once the store answers.`);
        setTimeout(next, RETRY_MS).unref();
        return;
      }
    }
    let more: boolean;
    try {
      more = chunk();
      // Refused by the shared store: undone in memory (the job's progress too), so the chunk runs again.
      if (release) await ctx.store.durable().catch(() => (more = true));
    } finally {
      release?.();
    }
    if (more) setImmediate(next);
  };
  // A step that throws (a bug) is said once here rather than left as an unhandled rejection, which would end the process.
  const next = () => void step().catch((error: Error) => console.error(`marketplace-sandbox: job ${job.id} stopped: ${error.message}`));
  /** Runs the next lines; whether lines are left. */
  const chunk = (): boolean => {
    // A reset replaced the tenant's world: this job belonged to the old one, which nobody sees any more.
    if (tenant.state !== state) return false;
    // The job's own copy again: a commit between two chunks froze what it wrote.
    job = own(state.jobs, job.id) ?? job;
    if (job.state !== 'queued' && job.state !== 'running') return false;
    index = job.progress.processed;
    try {
      if (job.state === 'queued') {
        job.state = 'running';
        job.started_at = ctx.now().toISOString();
        processLine = prepare();
      }
      const end = Math.min(job.progress.total, index + CHUNK);
      for (; index < end; index++) {
        const outcome = processLine!(index);
        if (outcome.ok) {
          job.progress.succeeded++;
          if (outcome.id && job.results) job.results.push({ index, key: outcome.key, id: outcome.id });
        } else {
          job.progress.failed++;
          const { key, code, message, errors } = outcome;
          job.errors.push(errors ? { index, key, code, message, errors } : { index, key, code, message });
        }
        job.progress.processed++;
      }
    } catch (error) {
      console.error(`marketplace-sandbox: job ${job.id} failed at line ${index}:`, error);
      job.errors.push({ index, key: '', code: 'job_failed', message: 'The sandbox failed while processing this line; the job stopped here. This is a sandbox bug: please report it.' });
      finish('failed', 'job.failed');
      return false;
    }
    if (index < job.progress.total) {
      ctx.store.changed(tenant); // the progress so far is written, so a crash knows where the job stopped
      return true;
    }
    finish(finishedJobState(job.progress), 'job.completed');
    return false;
  };
  setImmediate(next);
}
