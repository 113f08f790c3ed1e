// What the pipeline hands from one layer to the next through hono's context.
import type { Operation } from '../contract/operations.ts';
import type { Tenant } from '../store/store.ts';
import type { InjectedFault } from '../domain/faults.ts';
import type { RateDecision } from '../domain/rate-limit.ts';
import type { KeyedRequest } from '../domain/idempotency.ts';
import type { TenantState } from '../domain/types.ts';

export type SandboxEnv = {
  Variables: {
    operation: Operation;
    /**
     * Set by the tenant auth policy for partner API calls. Also set, for the journal and the rate
     * limiter only, when a request is refused for an expired token or scope (its tenant is known),
     * and on the token endpoint to the tenant owning the presented client id.
     */
    tenant: Tenant;
    // On the control API: the tenant whose own credential called (admin-auth's partnerCredential); unset for the admin token.
    /** Practice notes the handler attached to its reply (see Reply.notes in handler.ts). */
    notes: string[];
    /** How the caller proved who it is (src/policies/tenant-auth, src/policies/oauth-token), for the journal. */
    credential: 'api_key' | 'oauth_token' | 'oauth_client';
    /** Set when the request presented a credential that is unknown, revoked or wrong (src/rate-limits/failed-attempts.ts counts them). */
    credentialRefused: boolean;
    /** Client credentials sent with HTTP Basic to the token endpoint (src/policies/oauth-token). */
    clientAuth: { client_id: string; client_secret: string };
    /** The scopes the caller's credential holds, as a mask (src/domain/oauth.ts); GraphQL checks them per field. */
    grantedScopes: number;
    /** The GraphQL operation a /graphql request ran (its name, or its type when unnamed), for the journal. */
    graphqlOperation: string;
    /** This request's rate-limit decision (src/policies/rate-limit). */
    rateLimit: RateDecision;
    /** The Idempotency-Key this request holds while it runs, and the state its answer is remembered in (src/policies/idempotency). */
    idempotency: { key: string; request: KeyedRequest; state: TenantState; held: Map<string, KeyedRequest> };
    /** Faults injected into this request (src/policies/fault-injection). */
    faults: InjectedFault[];
    /** Bytes of the response body the pipeline wrote, for the journal. */
    responseBytes: number;
    /** The request's id (src/policies/request-id): the caller's X-Request-Id, or a new one. */
    requestId: string;
    /** When the request-id policy saw the request arrive: wall clock (ms) and performance.now(), for its entry. */
    receivedAt: number;
    receivedAtPerf: number;
  };
};
