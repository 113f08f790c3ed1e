// Control API: GET /__sandbox/ready, the readiness probe beside the health check (liveness).
import type { AdminOperationId, Handlers } from '../server/handler.ts';

export interface ReadySources {
  /** The server is shutting down. */
  closing(): boolean;
  /** What the start left for first use has been compiled. */
  warmedUp(): boolean;
}

export function readyAdminHandlers(sources: ReadySources): Handlers<AdminOperationId> {
  return {
    getReady(_input, ctx) {
      const failure = ctx.store.writeError;
      const checks = {
        closing: sources.closing(),
        state_file: ctx.store.file === null ? 'memory' : failure ? `failing: ${failure.message}` : 'ok',
        warmed_up: sources.warmedUp(),
      };
      const ready = !checks.closing && !failure;
      return ready ? { status: 200, body: { status: 'ready', checks } } : { status: 503, body: { status: 'not_ready', checks } };
    },
  };
}
