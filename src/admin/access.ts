// The control API of access policies: credentials, rate limits, faults and the request journal.
// These handlers need the running policies' state, so they are built with it (see createSandbox).
import type { FaultInjector } from '../faults/injector.ts';
import type { RateLimiter } from '../rate-limits/counters.ts';
import type { RequestJournal } from '../journal/journal.ts';
import { registry, type HandlerRegistry } from '../server/handler.ts';
import { credentialAdminHandlers } from './credentials.ts';
import { faultAdminHandlers } from './faults.ts';
import { rateLimitAdminHandlers } from './rate-limits.ts';
import { requestAdminHandlers } from './requests.ts';

export interface AccessPolicies {
  limiter: RateLimiter;
  faults: FaultInjector;
  journal: RequestJournal;
}

export function accessAdminHandlers(policies: AccessPolicies): HandlerRegistry {
  return registry({
    ...credentialAdminHandlers,
    ...rateLimitAdminHandlers(policies.limiter),
    ...faultAdminHandlers(policies.faults),
    ...requestAdminHandlers(policies.journal),
  });
}
