// What the pipeline hands from one layer to the next through hono's context.
import type { Operation } from '../contract/operations.ts';
import type { Tenant } from '../store/store.ts';

export type SandboxEnv = {
  Variables: {
    operation: Operation;
    /** Set by the tenant auth policy for partner API calls. */
    tenant: Tenant;
    /** Practice notes the handler attached to its reply (see Reply.notes in handler.ts). */
    notes: string[];
  };
};
