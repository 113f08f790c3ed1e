// The shape of an operation handler: plain data in, plain data out. The pipeline has already
// authenticated, validated and coerced the request; the handler applies domain rules to the
// tenant's state and says what to answer. It never touches HTTP objects.
//
// Handlers are typed from the specs (src/contract/generated, `npm run types`): a handler
// registered under an operationId gets that operation's path, query and body types, and may
// only reply with a status and body the operation documents.
import type { Operation } from '../contract/operations.ts';
import type { operations as AdminOperations } from '../contract/generated/admin.ts';
import type { operations as MarketplaceOperations } from '../contract/generated/marketplace.ts';
import type { EventBus } from '../events/bus.ts';
import type { SandboxStore, Tenant } from '../store/store.ts';
import type { WebhookDispatcher } from '../webhooks/dispatcher.ts';
import type { EventStream, OpenStreams } from './event-stream.ts';
import type { RequestContext } from './policy.ts';
import type { FieldError, Problem } from './problem.ts';

/** Every operation of both documents; their operationIds are disjoint. */
export type Operations = MarketplaceOperations & AdminOperations;
export type OperationId = keyof Operations & string;
export type MarketplaceOperationId = keyof MarketplaceOperations & string;
export type AdminOperationId = keyof AdminOperations & string;

/** Parameters of one location (`path`, `query`, `header`); an empty object where the spec declares none. */
type ParametersIn<Op, In extends string> = Op extends { parameters: infer P }
  ? In extends keyof P
    ? [NonNullable<P[In]>] extends [never]
      ? Record<never, never>
      : NonNullable<P[In]>
    : Record<never, never>
  : Record<never, never>;

/** The request body of any declared media type (JSON, or form-encoded for the token endpoint); undefined when optional or absent. */
type BodyOf<Op> = Op extends { requestBody: { content: infer C } }
  ? C[keyof C]
  : Op extends { requestBody?: { content: infer C } }
    ? C[keyof C] | undefined
    : undefined;

/** What the pipeline hands every handler, untyped: the wire form before a handler's types apply. */
export interface WireInput {
  operation: Operation;
  path: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: unknown;
  /** The request body's Content-Type, when it has a body (merge-patch or not). */
  contentType?: string;
}

/** The input of operation `Id`, typed from the spec; without `Id`, the pipeline's untyped form. */
export type OperationInput<Id extends OperationId | undefined = undefined> = Id extends OperationId
  ? {
      operation: Operation;
      path: ParametersIn<Operations[Id], 'path'>;
      query: ParametersIn<Operations[Id], 'query'>;
      headers: Record<string, string>;
      body: BodyOf<Operations[Id]>;
    }
  : WireInput;

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
  /**
   * Checks an answer against the operation's documented JSON schema for `status`: the errors
   * (empty when it fits), or null when the document gives that answer no JSON schema.
   */
  checkAnswer?(operationId: string, status: number, body: unknown): string[] | null;
  /** Client credentials sent with HTTP Basic to the token endpoint (src/policies/oauth-token). */
  clientAuth?: { client_id: string; client_secret: string };
  /** Event streams (Server-Sent Events) the handler opens, ended when the sandbox closes. */
  streams?: OpenStreams;
  /** Addresses webhook URLs may point at although they are link-local or metadata addresses (src/webhooks/target.ts). */
  webhookTargetAllowList?: readonly string[];
}

/** What a reply may carry besides status and body. */
interface ReplyExtras {
  headers?: Record<string, string>;
  /** Defaults to application/json (application/problem+json for problems). */
  contentType?: string;
  /**
   * Facts about this request worth recording for the partner-practice report, e.g.
   * 'duplicate_update' (a write that changed nothing). The pipeline puts them on the context
   * (`c.get('notes')`) for the request journal; they never reach the response.
   */
  notes?: string[];
  /**
   * An event stream to answer with (contentType text/event-stream): its body is the stream's, and
   * the answer is sent as soon as it opens (src/server/event-stream.ts).
   */
  stream?: EventStream;
}

/** Any reply, as the pipeline turns it into a response (and Prism's mocks come back). */
export interface WireReply extends ReplyExtras {
  status: number;
  body?: unknown;
}

/** A documented response's body (any of its media types), or undefined for one without content (204). */
type ContentOf<R> = R extends { content: infer C } ? C[keyof C] : undefined;

type ReplyFor<S, R> = ReplyExtras & ([ContentOf<R>] extends [undefined] ? { status: S; body?: undefined } : { status: S; body: ContentOf<R> });

/** One documented status with its body: a union over the operation's responses (`default` allows any status). */
type DocumentedReply<Op> = Op extends { responses: infer R }
  ? { [S in keyof R & number]: ReplyFor<S, R[S]> }[keyof R & number] | ('default' extends keyof R ? ReplyFor<number, R['default']> : never)
  : never;

/**
 * The reply of operation `Id`: a status the spec documents with that response's body. Problem
 * statuses are usually thrown as `Problem` instead. Without `Id`, any reply (the pipeline's view).
 */
export type Reply<Id extends OperationId | undefined = undefined> = Id extends OperationId ? DocumentedReply<Operations[Id]> : WireReply;

/** The reply of `Id` with status `S`, for helpers that answer for several operations alike. */
export type DocumentedAs<Id extends OperationId, S extends number> = Extract<Reply<Id>, { status: S }>;

export type OperationHandler<Id extends OperationId | undefined = undefined> = (
  input: OperationInput<Id>,
  ctx: HandlerContext,
  /**
   * The request itself, for the one handler that is a protocol of its own (/graphql: it reads the
   * caller's scopes and reports each root field's rate-limit decision). Every other handler
   * ignores it: plain data in, plain data out.
   */
  request?: RequestContext,
) => Reply<Id> | Problem | Promise<Reply<Id>>;

// A handler may return a Problem instead of throwing it: the same answer without the cost of a
// throw through the whole stack, for the problems a connector meets by the thousand (a 404 on a
// hot read). src/server/README.md, "Hot-path rules".

/** Handlers keyed by operationId: the key fixes the handler's input and reply types. */
export type Handlers<Id extends OperationId> = { [K in Id]?: OperationHandler<K> };

/** The registry as the pipeline reads it: by any operationId, untyped. */
export type HandlerRegistry = Record<string, OperationHandler>;

/**
 * Hands typed handlers to the pipeline. The one cast of the typing: the pipeline validated and
 * coerced the input against the same spec the handler types come from, so a handler's narrower
 * input type holds for what it is given.
 */
export function registry<Id extends OperationId>(handlers: Handlers<Id>): HandlerRegistry {
  return handlers as unknown as HandlerRegistry;
}

/** Handlers that need the caller's tenant use this instead of a non-null assertion. */
export function requireTenant(ctx: HandlerContext): Tenant {
  if (!ctx.tenant) throw new Error('This operation needs an authenticated tenant; its spec entry declares no security.');
  return ctx.tenant;
}
