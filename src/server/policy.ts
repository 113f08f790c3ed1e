// The policy contract: how an HTTP layer (auth, rate limits, faults, the journal, …) takes part in
// an operation's answer, and the runner that takes a request through an operation's policies.
// How to write one: src/policies/README.md. Why it looks like this: src/server/README.md
// ("Hot-path rules"): a synchronous policy costs a plain call per request, no promise, no closure.
import type { Context, Handler } from 'hono';
import type { Operation } from '../contract/operations.ts';
import type { SandboxEnv } from './env.ts';
import { Problem } from './problem.ts';

export type RequestContext = Context<SandboxEnv>;

export interface Policy {
  /** What it is for, as a partner would say it (journal, rate-limit, …): for maps and errors. */
  readonly name: string;
  /** The operations that carry it, decided once at mount; omitted, every operation does. */
  appliesTo?(op: Operation): boolean;
  /**
   * Before the contract and the handler, in the order the policies are given. Returns nothing to
   * go on, throws or returns a Problem to answer instead (returning spares the throw, for the error
   * answers a connector can bring about by the thousand, like a 429), returns a Response to answer with it instead (a
   * remembered answer: the outer policies see it, its own `after` does not run), or returns a
   * promise (of either) only when it must wait.
   */
  before?(c: RequestContext): void | Response | Problem | Promise<void | Response>;
  /**
   * Headers for every answer of the operations it applies to, whether or not its `before` ran
   * (a 401 still shows the rate-limit standing). Written into the plain record the answer is
   * built with; an answer built elsewhere (an error's, one an `after` replaced) gets them set
   * afterwards, where it does not set the header itself.
   */
  headers?(c: RequestContext, into: Record<string, string>): void;
  /**
   * Once the answer exists (`c.res`; `c.error` when an error made it), in reverse order, for
   * each policy whose `before` completed. May replace `c.res`. An error thrown here becomes the
   * answer the outer policies see.
   */
  after?(c: RequestContext): void | Promise<void>;
  /** Instead of `after` when no answer is sent at all (an injected timeout dropped the connection). */
  dropped?(c: RequestContext): void;
}

/** Operations that may change state: every method but GET and HEAD. */
export const isWrite = (op: Operation): boolean => op.method !== 'get' && op.method !== 'head';

/** Operations whose request may carry a body the sandbox reads (a write, or a read that declares one). */
export const takesBody = (op: Operation): boolean => op.body !== null || isWrite(op);

/** The policies an operation carries, in order. */
export const policiesFor = (op: Operation, policies: Policy[]): Policy[] => policies.filter((p) => !p.appliesTo || p.appliesTo(op));

/**
 * Turns an error into its answer, as hono's error handler does; `headers` is the plain record of
 * the policies' headers for it, which it builds the answer with (given by the policy runner; hono's
 * own error path gives none).
 */
export type AnswerError = (error: Error, c: RequestContext, headers?: Record<string, string>) => Response | Promise<Response>;

/** Serves the operation itself once every policy's `before` has passed, with the headers the policies want on its answer. */
export type ServeOperation = (c: RequestContext, headers: Record<string, string>) => Response | Problem | Promise<Response>;

/**
 * One hono handler for an operation: its policies around `serve`, with hono's error semantics
 * (an error is turned into the answer by the app's error handler where it is thrown, and the
 * outer policies see that answer; an error the handler rethrows, an injected dropped
 * connection, unwinds through `dropped` and goes on up). Registered as the route's only handler,
 * so hono takes its synchronous path, and the whole run is plain calls until something waits.
 */
export function policyChain(op: Operation, policies: Policy[], serve: ServeOperation, onError: AnswerError): Handler<SandboxEnv> {
  const chain: Chain = { op, policies, withHeaders: policies.filter((p) => p.headers), serve, onError };
  return (c) => {
    c.set('operation', op);
    const run: Run = { chain, c, entered: 0, built: undefined };
    const done = enter(run, 0);
    return done instanceof Promise ? done.then(() => answer(run)) : answer(run);
  };
}

interface Chain {
  op: Operation;
  policies: Policy[];
  withHeaders: Policy[];
  serve: ServeOperation;
  onError: AnswerError;
}

/** One request's way through a chain. */
interface Run {
  chain: Chain;
  c: RequestContext;
  /** How many policies' `before` completed: their `after` runs. */
  entered: number;
  /** The last answer that has the policies' headers (built with them, or given them); any other still needs them set. */
  built: Response | undefined;
}

/** Runs the `before`s from policy `i` on, then the operation, then leaves. */
function enter(run: Run, i: number): void | Promise<void> {
  const { policies } = run.chain;
  const c = run.c;
  for (; i < policies.length; i++) {
    const before = policies[i]!.before;
    if (before) {
      let waits: void | Response | Problem | Promise<void | Response>;
      try {
        waits = before(c);
      } catch (error) {
        return leave(run, i, error);
      }
      if (waits !== undefined) {
        if (waits instanceof Problem) return leave(run, i, waits);
        if (!(waits instanceof Promise)) return answerInstead(run, i, waits);
        const at = i;
        return waits.then(
          (instead) => {
            if (instead !== undefined) return answerInstead(run, at, instead);
            run.entered = at + 1;
            return enter(run, at + 1);
          },
          (error: unknown) => leave(run, run.entered, error),
        );
      }
    }
    run.entered = i + 1;
  }
  let res: Response | Problem | Promise<Response>;
  try {
    res = run.chain.serve(c, headersOf(run));
  } catch (error) {
    return leave(run, policies.length, error);
  }
  if (res instanceof Problem) return leave(run, policies.length, res);
  if (res instanceof Promise) {
    return res.then(
      (r) => served(run, r),
      (error: unknown) => leave(run, policies.length, error),
    );
  }
  return served(run, res);
}

function served(run: Run, res: Response): void | Promise<void> {
  run.built = res;
  run.c.res = res;
  return leave(run, run.chain.policies.length, NO_ERROR);
}

const NO_ERROR = Symbol('no error');

/** Policy `depth` answered itself: the answer gets the policies' headers, the `after`s outside it run. */
function answerInstead(run: Run, depth: number, res: Response): void | Promise<void> {
  run.c.res = res;
  run.built = withPolicyHeaders(run, res);
  return afters(run, depth);
}

/** An error (or none) at depth `depth`: becomes the answer, then the `after`s of the policies outside it run, innermost first. */
function leave(run: Run, depth: number, error: unknown): void | Promise<void> {
  if (error !== NO_ERROR) {
    const answered = fail(run, depth, error);
    if (answered instanceof Promise) return answered.then(() => afters(run, depth));
  }
  return afters(run, depth);
}

function afters(run: Run, depth: number): void | Promise<void> {
  const { policies } = run.chain;
  const c = run.c;
  for (let j = Math.min(depth, run.entered) - 1; j >= 0; j--) {
    const after = policies[j]!.after;
    if (!after) continue;
    let waits: void | Promise<void>;
    try {
      waits = after(c);
    } catch (error) {
      return leave(run, j, error);
    }
    if (waits instanceof Promise) {
      return waits.then(
        () => afters(run, j),
        (error: unknown) => leave(run, j, error),
      );
    }
  }
}

/** The app's error handler makes the answer; when it rethrows (a dropped connection), the outer policies hear of it and it goes on up. */
function fail(run: Run, depth: number, error: unknown): void | Promise<void> {
  const c = run.c;
  if (!(error instanceof Error)) throw error;
  c.error = error;
  let res: Response | Promise<Response>;
  try {
    res = run.chain.onError(error, c, headersOf(run));
  } catch (rethrown) {
    return unwind(run, depth, rethrown);
  }
  if (res instanceof Promise) {
    return res.then(
      (r) => errorAnswer(run, r),
      (rethrown: unknown) => unwind(run, depth, rethrown),
    );
  }
  errorAnswer(run, res);
}

/** An error's answer was built with the policies' headers: the `after`s outside (strict mode's check) see them. */
function errorAnswer(run: Run, res: Response): void {
  run.c.res = res;
  run.built = res;
}

function unwind(run: Run, depth: number, error: unknown): never {
  for (let j = Math.min(depth, run.entered) - 1; j >= 0; j--) run.chain.policies[j]!.dropped?.(run.c);
  throw error;
}

function headersOf(run: Run): Record<string, string> {
  const into: Record<string, string> = {};
  for (const policy of run.chain.withHeaders) policy.headers!(run.c, into);
  return into;
}

/** The final answer; one an `after` made anew gets the policies' headers it lacks. */
function answer(run: Run): Response {
  const res = run.c.res;
  return res === run.built ? res : withPolicyHeaders(run, res);
}

/** The policies' headers onto an answer made without them, where it does not set them itself. */
function withPolicyHeaders(run: Run, res: Response): Response {
  if (run.chain.withHeaders.length > 0) {
    const wanted = headersOf(run);
    const headers = res.headers;
    for (const name in wanted) if (!headers.has(name)) headers.set(name, wanted[name]!);
  }
  return res;
}
