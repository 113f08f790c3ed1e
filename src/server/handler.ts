// The shape of an operation handler: plain data in, plain data out. The pipeline has already
// authenticated, validated and coerced the request; the handler applies domain rules to the
// tenant's state and says what to answer. It never touches HTTP objects.
import type { Operation } from '../contract/operations.ts';
import type { EventBus } from '../events/bus.ts';
import type { SandboxStore, Tenant } from '../store/store.ts';
import type { WebhookDispatcher } from '../webhooks/dispatcher.ts';
import type { FieldError } from './problem.ts';

export interface OperationInput {
  operation: Operation;
  path: Record<string, any>;
  query: Record<string, any>;
  headers: Record<string, string>;
  body: any;
}

export interface HandlerContext {
  store: SandboxStore;
  events: EventBus;
  /** The calling partner; null on operations without security (e.g. /oauth/token, admin API). */
  tenant: Tenant | null;
  /** Sandbox time for this tenant. */
  now(): Date;
  /** The webhook delivery queue (ping, redeliver, forgetting a deleted subscription). */
  webhooks?: WebhookDispatcher;
  /**
   * Checks a value against the (already compiled) JSON request body schema of an operation, e.g.
   * one line of a bulk request against createProduct's; field errors are prefixed with `pointer`.
   */
  checkRequestBody?(operationId: string, value: unknown, pointer: string): FieldError[];
  /** Client credentials sent with HTTP Basic to the token endpoint (src/policies/oauth-token). */
  clientAuth?: { client_id: string; client_secret: string };
  /** Addresses webhook URLs may point at although they are link-local or metadata addresses (src/policies/webhook-target). */
  webhookTargetAllowList?: readonly string[];
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Defaults to application/json (application/problem+json for problems). */
  contentType?: string;
  /**
   * Facts about this request worth recording for the partner-practice report, e.g.
   * 'duplicate_update' (a write that changed nothing). The pipeline puts them on the context
   * (`c.get('notes')`) for the request journal; they never reach the response.
   */
  notes?: string[];
}

export type OperationHandler = (input: OperationInput, ctx: HandlerContext) => Reply | Promise<Reply>;
export type HandlerRegistry = Record<string, OperationHandler>;

/** Handlers that need the caller's tenant use this instead of a non-null assertion. */
export function requireTenant(ctx: HandlerContext): Tenant {
  if (!ctx.tenant) throw new Error('This operation needs an authenticated tenant; its spec entry declares no security.');
  return ctx.tenant;
}
