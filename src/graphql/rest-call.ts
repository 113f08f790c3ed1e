// One GraphQL field served by the REST operation it stands for: the operation's scope check, its
// rate-limit group (root fields only), the tenant's fault rules for that operation (those the
// /graphql request itself matched were applied to the whole request), its parameter and body
// validation, and its handler, so the
// domain rules, the events and the errors are those of REST. A Problem becomes a GraphQL error
// whose extensions carry the problem's code and members; a field error's pointer is translated to
// the argument it came from (`/body/price` → `input.price`, `/query/limit` → `first`).
import { setTimeout as sleep } from 'node:timers/promises';
import { GraphQLError } from './graphql-js.ts';
import { faultCode } from '../domain/faults.ts';
import type { FaultInjector } from '../faults/injector.ts';
import type { Operation } from '../contract/operations.ts';
import { toFieldErrors, type OperationValidators } from '../contract/validators.ts';
import { missingScopes } from '../domain/oauth.ts';
import { scopeRequirements } from '../policies/tenant-auth/index.ts';
import type { RateDecision } from '../domain/rate-limit.ts';
import type { RateLimiter } from '../rate-limits/counters.ts';
import type { HandlerContext, HandlerRegistry, WireReply } from '../server/handler.ts';
import type { RequestContext } from '../server/policy.ts';
import { Problem, type FieldError } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';

/** The partner API as GraphQL's resolvers reach it. */
export interface RestApi {
  operations: ReadonlyMap<string, Operation>;
  validators(operationId: string): OperationValidators | undefined;
  handlers: HandlerRegistry;
  limiter: RateLimiter;
  faults: FaultInjector;
}

/** Who runs this GraphQL request, with what, and where its answer's rate-limit headers are set. */
export interface Caller {
  tenant: Tenant;
  ctx: HandlerContext;
  /** The credential's scopes as a mask; undefined where no credential was checked (--no-auth). */
  scopes: number | undefined;
  request: RequestContext;
  /** Reads of the store this request made: each REST call a field ran, each batch of a loader one. */
  passes: number;
}

export interface RestInput {
  path?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** How a field's arguments map onto the operation's inputs, to name the argument an error points at. */
export interface ArgumentNames {
  /** Path parameter → argument (product_id → id). */
  path?: Record<string, string>;
  /** Query parameter → argument (limit → first). */
  query?: Record<string, string>;
  /** The argument that carries the body (input). */
  body?: string;
}

const requirements = new Map<Operation, number[]>();

/** `root`: a root field, counted against the operation's rate-limit group. `batched`: one key of a loader's batch, whose pass the loader counts. */
export async function restCall(api: RestApi, caller: Caller, operationId: string, input: RestInput, names: ArgumentNames = {}, root = false, batched = false): Promise<unknown> {
  if (!batched) caller.passes += 1;
  const op = await checkAccess(api, caller, operationId, root);
  if (api.faults.hasRules(caller.tenant)) await injectFault(api, caller, op, input.path ?? {});
  const validators = api.validators(operationId);
  const parts = { path: input.path ?? {}, query: (input.query ?? {}) as Record<string, string | string[]>, headers: {} };
  if (validators?.params && !validators.params(parts)) throw asGraphqlError(invalidInput(toFieldErrors(validators.params.errors, '')), names);
  if (input.body !== undefined) {
    const validate = validators?.bodies.get('application/json');
    if (validate && !validate(input.body)) throw asGraphqlError(invalidInput(toFieldErrors(validate.errors, '/body')), names);
  }
  const handler = api.handlers[operationId];
  if (!handler) throw new Error(`${operationId} has no handler to serve its GraphQL field.`);
  try {
    const reply = await handler({ operation: op, path: parts.path, query: parts.query, headers: {}, body: input.body, contentType: input.body === undefined ? undefined : 'application/json' }, caller.ctx, caller.request);
    if (reply instanceof Problem) throw reply;
    return (reply as WireReply).body;
  } catch (error) {
    if (error instanceof Problem) throw asGraphqlError(error, names);
    throw error;
  }
}

/**
 * The caller may run the operation: its scope, and for a root field its rate-limit group (the
 * answer's rate-limit headers say the tightest decision). Throws the GraphQL error REST would answer.
 * With a shared store the count is taken where every replica counts, so the answer is a promise.
 */
export function checkAccess(api: RestApi, caller: Caller, operationId: string, root = true): Operation | Promise<Operation> {
  const op = api.operations.get(operationId);
  if (!op) throw new Error(`GraphQL names ${operationId}, which the partner API does not have.`);
  let required = requirements.get(op);
  if (!required) requirements.set(op, (required = scopeRequirements(op)));
  const granted = caller.scopes;
  if (granted !== undefined && required.length > 0 && !required.some((mask) => (granted & mask) === mask)) {
    const missing = missingScopes(granted, required[0]!);
    throw new GraphQLError(`This credential lacks the ${missing.map((s) => `\`${s}\``).join(', ')} scope that ${operationId} needs; request a token with scope "${missing.join(' ')}", or use an API key that carries it.`, {
      extensions: { code: 'insufficient_scope', status: 403, required_scopes: missing },
    });
  }
  if (!root) return op;
  if (api.limiter.shared) {
    return api.limiter.takeShared(caller.tenant, op).then(
      (decision) => counted(caller, operationId, decision, op),
      (error: Error & { code?: string }) => {
        throw new GraphQLError(`The sandbox could not reach its shared store to count ${operationId} against its rate limit (${error.code ?? error.message}); nothing of it ran. Retry in a few seconds.`, {
          extensions: { code: 'storage_unavailable', status: 503, retry_after: 5 },
        });
      },
    );
  }
  return counted(caller, operationId, api.limiter.take(caller.tenant, op), op);
}

/** A root field's rate-limit decision: kept for the answer's headers when it is the tightest, thrown when refused. */
function counted(caller: Caller, operationId: string, decision: RateDecision, op: Operation): Operation {
  const shown = caller.request.get('rateLimit');
  if (!shown || decision.remaining <= shown.remaining || !decision.allowed) caller.request.set('rateLimit', decision);
  if (!decision.allowed) {
    throw new GraphQLError(`The "${decision.policy}" limit of ${decision.limit} requests is used up for ${operationId}. Retry after ${decision.reset} seconds.`, {
      extensions: { code: 'rate_limit_exceeded', status: 429, retry_after: decision.reset, policy: decision.policy, limit: decision.limit },
    });
  }
  return op;
}

/**
 * The tenant's fault rules for the field's REST operation and path, as REST applies them: latency
 * delays the field; an error, every-nth or timeout rule makes it a field error with the problem's
 * code (a timeout after holding the field for hang_ms: one field cannot drop the connection).
 */
async function injectFault(api: RestApi, caller: Caller, op: Operation, path: Record<string, string>): Promise<void> {
  const restPath = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(path[name] ?? ''));
  const outer = { operationId: caller.request.get('operation').operationId, path: caller.request.req.path };
  const decision = api.faults.decide(caller.tenant, op.operationId, restPath, outer);
  if (!decision) return;
  caller.request.set('faults', [...(caller.request.get('faults') ?? []), ...decision.applied]);
  if (decision.latency_ms > 0) await sleep(decision.latency_ms);
  const failure = decision.failure;
  if (!failure) return;
  if (failure.kind === 'timeout') await sleep(failure.hang_ms!);
  const status = failure.status ?? 504;
  const retry = failure.retry_after_seconds;
  throw new GraphQLError(
    failure.kind === 'timeout'
      ? `Injected timeout (fault rule ${failure.rule_id}): ${op.operationId} gave no answer within ${failure.hang_ms} ms, and this field none; retry it with back-off.`
      : `Injected fault (rule ${failure.rule_id}${failure.kind === 'every_nth' ? ', every Nth request' : ''}): ${op.operationId} was not applied. Retry it${retry !== undefined ? ` after ${retry} seconds` : ' with back-off'}.`,
    { extensions: { code: faultCode(status), status, injected_fault: { rule_id: failure.rule_id, kind: failure.kind }, ...(retry !== undefined ? { retry_after: retry } : {}) } },
  );
}

const invalidInput = (errors: FieldError[]) => new Problem(400, 'validation_failed', 'The input is invalid; see errors.', { errors });

/** A REST problem as a GraphQL error: the problem's members in extensions, pointers with their argument. */
export function asGraphqlError(problem: Problem, names: ArgumentNames): GraphQLError {
  const { type: _type, title: _title, detail, errors, ...members } = problem.body as Record<string, unknown>;
  const extensions: Record<string, unknown> = { ...members };
  if (Array.isArray(errors)) {
    extensions.errors = (errors as FieldError[]).map((e) => ({ ...e, argument: argumentOf(e.pointer, names) }));
  }
  const first = Array.isArray(errors) && errors.length ? (errors[0] as FieldError) : undefined;
  const where = first ? ` (${argumentOf(first.pointer, names) ?? first.pointer}: ${first.message})` : '';
  return new GraphQLError(`${String(detail)}${where}`, { extensions });
}

/** `/body/items/0/sku` → `input.items.0.sku`; `/query/status` → `status`; `/path/product_id` → `id`. */
export function argumentOf(pointer: string, names: ArgumentNames): string | null {
  const [, where, name, ...rest] = pointer.split('/');
  const tail = rest.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (where === 'body') return [names.body ?? 'input', ...(name === undefined ? [] : [name]), ...tail].join('.');
  if (where === 'query' && name) return [names.query?.[name] ?? name, ...tail].join('.');
  if (where === 'path' && name) return names.path?.[name] ?? name;
  return null;
}
